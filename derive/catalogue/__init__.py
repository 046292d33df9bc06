"""The catalogue: equation name → (model from parameters, derivation recipe)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from derive.errors import ParameterError, UnknownNameError
from derive.ir import KineticEquation

__all__ = ["CatalogueEntry", "CATALOGUE", "get_entry", "entry_names"]


@dataclass(frozen=True)
class CatalogueEntry:
    """One derivable equation.

    Attributes
    ----------
    name, summary, source
        Catalogue name, one-line description, seed reference.
    parameters
        Accepted parameter names with their defaults (strings, as on the command line).
    quantities
        Names of the numerical quantities ``derive eval`` can compute.
    build_model, derive
        ``build_model(params) -> model`` (validates) and ``derive(model) -> KineticEquation``.
    """

    name: str
    summary: str
    source: str
    parameters: dict
    quantities: tuple
    build_model: Callable
    derive: Callable[..., KineticEquation]

    def model(self, params: dict | None = None):
        """The validated model for ``params`` (unknown names raise :class:`UnknownNameError`)."""
        params = dict(params or {})
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise UnknownNameError(f"unknown parameter {unknown[0]!r} for {self.name} "
                                   f"(known: {', '.join(self.parameters)})")
        merged = {**self.parameters, **params}
        return self.build_model(merged)


def _random_potential_model(params: dict):
    from derive.models.random_potential import RandomPotentialModel
    return RandomPotentialModel(space=params["space"], dim=params["dim"], correlation=params["correlation"],
                                variance=params["variance"], length=params["length"])


def _derive_linear_boltzmann(model) -> KineticEquation:
    from derive.catalogue.linear_boltzmann import derive_linear_boltzmann
    return derive_linear_boltzmann(model)


CATALOGUE: dict[str, CatalogueEntry] = {
    "linear-boltzmann": CatalogueEntry(
        name="linear-boltzmann",
        summary="Linear Boltzmann equation: weak-coupling limit of a Schrödinger operator with a weak "
                "Gaussian random potential (continuum or lattice Anderson model)",
        source="seed 003 §5 (Chen), seed 004 eq. (4.4) (Spohn); errata applied",
        parameters={"space": "lattice", "dim": "3", "correlation": "white", "variance": "1", "length": "1"},
        quantities=("total-rate", "density-of-states", "transport-rate", "diffusion-coefficient"),
        build_model=_random_potential_model,
        derive=_derive_linear_boltzmann,
    ),
}


def get_entry(name: str) -> CatalogueEntry:
    """The catalogue entry ``name`` (raises :class:`UnknownNameError`)."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownNameError(f"unknown equation {name!r} (known: {', '.join(CATALOGUE)})") from None


def entry_names() -> list[str]:
    return list(CATALOGUE)


def parse_assignments(items: list[str] | None, what: str = "--param") -> dict:
    """``["KEY=VALUE", …]`` → dict (a malformed item raises :class:`ParameterError`)."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"{what} expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        if not key.strip():
            raise ParameterError(f"{what} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out
