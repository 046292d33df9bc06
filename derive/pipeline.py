"""The pipeline: catalogue name + parameters → model → derived equation → kernels (memoized).

This module and :mod:`derive.cli` are the only places in ``derive`` that import ``kernels``.
"""
from __future__ import annotations

from functools import lru_cache

from derive.catalogue import get_entry
from derive.ir import KineticEquation

__all__ = ["derive_equation", "kernels_for"]


def _key(params: dict | None) -> tuple:
    return tuple(sorted((str(k), str(v)) for k, v in (params or {}).items()))


@lru_cache(maxsize=64)
def _derive_cached(name: str, key: tuple) -> KineticEquation:
    entry = get_entry(name)
    return entry.derive(entry.model(dict(key)))


def derive_equation(name: str, params: dict | None = None) -> KineticEquation:
    """Derive the catalogue equation ``name`` for ``params`` (strings or numbers), memoized.

    >>> eq = derive_equation("linear-boltzmann", {"space": "lattice", "dim": 1})
    >>> eq.cofactor
    2*pi*sigma2
    """
    entry = get_entry(name)
    entry.model(params)  # validate before the cache (bad input never reaches the recipe)
    return _derive_cached(name, _key(params))


@lru_cache(maxsize=64)
def _kernels_cached(name: str, key: tuple):
    from kernels.boltzmann import LinearBoltzmannKernels
    return LinearBoltzmannKernels(_derive_cached(name, key))


def kernels_for(name: str, params: dict | None = None):
    """Numerical kernels of the derived equation (see :class:`kernels.boltzmann.LinearBoltzmannKernels`)."""
    derive_equation(name, params)
    return _kernels_cached(name, _key(params))
