"""The weakly random Schrödinger model H = H₀ + λV with a centred Gaussian potential.

The user states the space (continuum ℝ^d or lattice ℤ^d), the dimension, and the covariance
ϑ(x − y) = 𝔼V(x)V(y): ``"white"`` (ϑ = σ²δ, i.e. i.i.d. sites on the lattice), ``"gaussian"``
(ϑ(x) = σ² exp(−|x|²/(2ℓ²))), or any expression in ``r`` = |x| (may use ``variance`` and ``length``).
The power spectrum R = ϑ̂ is *derived* with the transform of :mod:`derive.conventions` and checked
to be ≥ 0 (Bochner); a correlation whose spectrum is negative somewhere is refused.
"""
from __future__ import annotations

import math
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.conventions import (Space, conventions_for, dispersion, momentum_symbols, periodized_spectrum,
                                radial_fourier_transform)
from derive.errors import CorrelationNotPositive, ModelError, ParameterError
from derive.parsing import parse_expression

__all__ = ["RandomPotentialModel", "variance_symbol", "length_symbol", "r_symbol", "q_symbol"]

variance_symbol = sp.Symbol("sigma2", positive=True)  # σ²
length_symbol = sp.Symbol("ell", positive=True)       # ℓ
r_symbol = sp.Symbol("r", nonnegative=True)
q_symbol = sp.Symbol("q", nonnegative=True)

_SYMBOLS = {"r": r_symbol, "variance": variance_symbol, "length": length_symbol, "sigma2": variance_symbol,
            "ell": length_symbol}


#: seconds sympy may spend on the Fourier transform of a user correlation
TRANSFORM_SECONDS = 20


class _Expired(BaseException):
    """Raised by the alarm handler; a BaseException so that sympy's ``except Exception`` heuristics cannot
    swallow it (converted to :class:`ModelError` by :func:`_time_limit`)."""


@contextmanager
def _time_limit(seconds: int, what: str):
    """Raise :class:`ModelError` if the block runs longer than ``seconds`` (main thread, POSIX only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def _expired(signum, frame):
        signal.alarm(1)  # re-arm: should anything still swallow the exception, it is raised again a second later
        raise _Expired()

    old = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(seconds)
    try:
        yield
    except _Expired:
        raise ModelError(f"{what} took longer than {seconds} s; give a correlation with a closed-form "
                         "transform") from None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _parse_correlation(text: str) -> sp.Expr:
    """ϑ(r) from the user's expression in r, variance (sigma2), length (ell) — :func:`derive.parsing.parse_expression`."""
    return parse_expression(text, _SYMBOLS, "correlation")


@dataclass(frozen=True)
class RandomPotentialModel:
    """H = H₀ + λV on ℝ^d or ℤ^d with a centred, stationary Gaussian V.

    Parameters
    ----------
    space
        ``"continuum"`` (ω = |k|²/2) or ``"lattice"`` (ω = Σ(1 − cos 2πk_j)).
    dim
        1, 2 or 3.
    correlation
        ``"white"``, ``"gaussian"`` or an expression in ``r`` for ϑ(x) with r = |x|.
    variance, length
        σ² > 0 and ℓ > 0 (ℓ is used by ``"gaussian"`` and by expressions that mention ``length``).
    """

    space: str = "lattice"
    dim: int = 3
    correlation: str = "white"
    variance: float = 1.0
    length: float = 1.0
    _cache: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self):
        try:
            object.__setattr__(self, "space", Space(self.space).value)
        except ValueError:
            raise ParameterError(f"unknown space {self.space!r} (use continuum or lattice)") from None
        dim = self.dim
        if isinstance(dim, str):
            try:
                dim = int(dim)
            except ValueError:
                raise ParameterError(f"dimension must be an integer, got {self.dim!r}") from None
        if isinstance(dim, float) and not dim.is_integer() or not isinstance(dim, (int, float)) \
                or isinstance(dim, bool):
            raise ParameterError(f"dimension must be an integer, got {self.dim!r}")
        if int(dim) not in (1, 2, 3):
            raise ParameterError(f"dimension {int(dim)} is not supported (use 1, 2 or 3)")
        object.__setattr__(self, "dim", int(dim))
        for name in ("variance", "length"):
            val = getattr(self, name)
            try:
                val = float(val)
            except (TypeError, ValueError):
                raise ParameterError(f"{name} must be a number, got {val!r}") from None
            if not math.isfinite(val) or val <= 0:
                raise ParameterError(f"{name} must be positive and finite, got {val}")
            object.__setattr__(self, name, val)
        if self.correlation not in ("white", "gaussian"):
            _parse_correlation(self.correlation)
        self.spectrum_radial()  # validates the spectrum (Bochner) at construction

    # ------------------------------------------------------------------ symbolic content
    @property
    def conventions(self):
        return conventions_for(self.space, self.dim)

    @property
    def values(self) -> dict:
        """Numerical values of the model's symbols."""
        return {variance_symbol: sp.Float(self.variance), length_symbol: sp.Float(self.length)}

    def covariance(self) -> sp.Expr:
        """ϑ as a function of r = |x| (``DiracDelta`` / Kronecker for white noise)."""
        if self.correlation == "white":
            return variance_symbol * (sp.DiracDelta(r_symbol) if self.space == Space.CONTINUUM.value
                                      else sp.KroneckerDelta(r_symbol, 0))
        if self.correlation == "gaussian":
            return variance_symbol * sp.exp(-r_symbol ** 2 / (2 * length_symbol ** 2))
        return _parse_correlation(self.correlation)

    def spectrum_radial(self) -> sp.Expr:
        """Continuum power spectrum R(q) as a function of q = |q| (white noise: the constant σ²).

        Derived by :func:`derive.conventions.radial_fourier_transform`; checked ≥ 0.
        """
        if "radial" in self._cache:
            return self._cache["radial"]
        if self.correlation == "white":
            spec = variance_symbol
        else:
            with _time_limit(TRANSFORM_SECONDS, f"the Fourier transform of {self.correlation!r}"):
                spec = radial_fourier_transform(self.covariance(), r_symbol, q_symbol, self.dim)
            if spec.has(sp.Integral) or spec.has(sp.oo) or spec.has(sp.nan) or spec.has(sp.zoo):
                raise ModelError(f"could not Fourier transform the correlation {self.correlation!r} in d = {self.dim}: "
                                 "no closed form, or the correlation is not integrable")
        self._check_nonnegative(spec)
        self._cache["radial"] = spec
        return spec

    def _check_nonnegative(self, spec: sp.Expr) -> None:
        """Bochner check: R(q) ≥ 0 symbolically if sympy can decide, else on a dense q-grid."""
        val = spec.subs(self.values)
        if val.is_nonnegative:
            return
        fn = sp.lambdify(q_symbol, val, "numpy")
        qs = np.concatenate([np.linspace(0.0, 60.0 / self.length, 6001)[1:], np.geomspace(60.0 / self.length, 1e4, 400)])
        with np.errstate(all="ignore"):
            vals = np.asarray(np.broadcast_to(fn(qs), qs.shape), dtype=complex)
        scale = np.nanmax(np.abs(vals.real)) if np.any(np.isfinite(vals.real)) else 1.0
        if not np.all(np.isfinite(vals)):
            raise ModelError(f"power spectrum of {self.correlation!r} is not finite: {spec}")
        if np.any(np.abs(vals.imag) > 1e-12 * scale):
            raise CorrelationNotPositive(f"power spectrum of {self.correlation!r} is not real: {spec}")
        bad = vals.real < -1e-12 * scale
        if np.any(bad):
            q0 = qs[np.argmax(bad)]
            raise CorrelationNotPositive(
                f"correlation {self.correlation!r} is not a covariance: its power spectrum R(q) = {spec} "
                f"is negative at q = {q0:.4g}")

    def spectrum(self, q: tuple) -> sp.Expr:
        """Power spectrum R(q) of the model at the momentum vector ``q`` (tuple of expressions).

        Lattice: white noise gives σ²; other correlations are sampled on ℤ^d and periodized
        (:func:`derive.conventions.periodized_spectrum`), truncated where the tail is below 1e-18.
        """
        radial = self.spectrum_radial()
        if self.space == Space.CONTINUUM.value:
            return radial.subs(q_symbol, sp.sqrt(sum(qj ** 2 for qj in q)))
        if self.correlation == "white":
            return variance_symbol
        terms = self._periodization_terms(radial)
        return periodized_spectrum(radial, tuple(q), q_symbol, terms)

    def _periodization_terms(self, radial: sp.Expr) -> int:
        fn = sp.lambdify(q_symbol, radial.subs(self.values), "math")
        r0 = abs(fn(0.0))
        # q = k − p ranges over (−1, 1)^d, so the images dropped with |m_j| > M lie at distance ≥ M
        for m in range(1, 8):
            if abs(fn(2 * math.pi * m)) < 1e-18 * r0:
                return m
        raise ModelError(f"the spectrum of {self.correlation!r} decays too slowly to be periodized on the lattice "
                         "(use correlation=white or a faster-decaying correlation)")

    def dispersion(self, k: tuple) -> sp.Expr:
        return dispersion(self.space, k)

    def momenta(self, name: str) -> tuple:
        return momentum_symbols(name, self.dim)

    def to_dict(self) -> dict:
        return {"space": self.space, "dim": self.dim, "correlation": self.correlation,
                "variance": self.variance, "length": self.length}

    def describe(self) -> str:
        corr = {"white": "white noise" if self.space == "continuum" else "i.i.d. sites (white noise)",
                "gaussian": "Gaussian ϑ(x) = σ² exp(−|x|²/(2ℓ²))"}.get(self.correlation,
                                                                      f"ϑ(x) = {self.correlation} (r = |x|)")
        return (f"H = H₀ + λV on {'ℝ' if self.space == 'continuum' else 'ℤ'}^{self.dim}, "
                f"H₀ = −½Δ, V centred Gaussian with {corr}, σ² = {self.variance:g}, ℓ = {self.length:g}")
