"""Catalogue entry ``regularized-wigner``: discrete-jump limit of the θ-regularized Wigner equation (seed 000).

Recipe: parse the wave set V(y) = Σ_j A_j cos(p_j·y), θ and the Gaussian regularization χ of width w; take the
symbolic one-wave derivation :func:`derive.correctors.regularized_wigner.derive_jump_kernel` (cross-wave terms
vanish for non-resonant waves: ``derive_jump_kernel(d, 2)`` proves it symbolically in ≈ 15 s, and the tests check
it against the exact two-wave mode reduction), insert each wave and
φ = 1 − χ̂ (χ̂ derived by :func:`derive.conventions.radial_fourier_transform`). The page (:mod:`derive.catalogue.pages.regularized_wigner`) checks the jump
process against the exact mode reduction (:mod:`kernels.exact.wigner_modes`), the δ → 0 Riemann sums against
quadrature, and the θ → 0 limit against the foundation's linear Boltzmann kernel (power spectrum taken from
that derivation).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.catalogue import CatalogueEntry
from derive.conventions import conventions_markdown, radial_fourier_transform
from derive.correctors.regularized_wigner import derive_jump_kernel, theta as theta_sym
from derive.errors import ParameterError
from derive.ir import DerivedEquation

__all__ = ["ENTRY", "RegularizedWignerModel", "BraggConcentrationWarning", "build_model", "derive", "evaluate"]

NAME = "regularized-wigner"
PARAMETERS = {"dim": "1", "amplitudes": "1", "wavevectors": "1", "theta": "0.1", "chi_width": "1"}
#: below this θ the rates of a fixed wave set are Lorentzians narrower than 1e-3 around the Bragg planes
THETA_BRAGG = 1e-3
_U = float(np.finfo(float).eps)


class BraggConcentrationWarning(UserWarning):
    """θ → 0 at a fixed wave set: the jumps concentrate on the Bragg planes (k + p_j/2)·p_j = 0."""


@dataclass(frozen=True)
class RegularizedWignerModel:
    """V(y) = Σ_j A_j cos(p_j·y) on ℝ^d, regularization θ(1 − χ⋆) with Gaussian χ of width ``chi_width``."""

    dim: int
    amplitudes: tuple
    wavevectors: tuple
    theta: float
    chi_width: float

    def params(self) -> dict:
        return {"dim": str(self.dim), "amplitudes": ",".join(f"{a:g}" for a in self.amplitudes),
                "wavevectors": ";".join(",".join(f"{c:g}" for c in p) for p in self.wavevectors),
                "theta": f"{self.theta:g}", "chi_width": f"{self.chi_width:g}"}


def _floats(text: str, what: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(x) for x in str(text).split(","))
    except ValueError:
        raise ParameterError(f"{what} must be comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in vals):
        raise ParameterError(f"{what} must be finite, got {text!r}")
    return vals


def build_model(params: dict) -> RegularizedWignerModel:
    """Validate the string parameters (one-line :class:`ParameterError` on bad input)."""
    try:
        dim = int(params["dim"])
    except ValueError:
        raise ParameterError(f"dim must be 1, 2 or 3, got {params['dim']!r}") from None
    if dim not in (1, 2, 3):
        raise ParameterError(f"dim must be 1, 2 or 3, got {dim}")
    amps = _floats(params["amplitudes"], "amplitudes")
    waves = tuple(_floats(v, "wavevector") for v in str(params["wavevectors"]).split(";"))
    if len(amps) != len(waves):
        raise ParameterError(f"{len(amps)} amplitudes but {len(waves)} wavevectors (separate vectors with ';')")
    for p in waves:
        if len(p) != dim:
            raise ParameterError(f"wavevector {p} has {len(p)} components in dimension {dim}")
        if not any(p):
            raise ParameterError("a wavevector is zero: the potential must oscillate (p_j ≠ 0, seed (2.5))")
    for i in range(len(waves)):
        for j in range(i):
            if any(np.allclose(np.array(waves[i]), s * np.array(waves[j]), rtol=0, atol=1e-12) for s in (1, -1)):
                raise ParameterError(f"resonant waves: p_{i + 1} = ±p_{j + 1} (merge them into one amplitude)")
    theta = _floats(params["theta"], "theta")
    w = _floats(params["chi_width"], "chi_width")
    if len(theta) != 1 or theta[0] <= 0:
        raise ParameterError(f"theta must be one number > 0, got {params['theta']!r} (θ → 0 at a fixed wave set "
                             "concentrates the jumps on Bragg planes; take δ → 0 first: linear-boltzmann)")
    if len(w) != 1 or w[0] <= 0:
        raise ParameterError(f"chi_width must be one number > 0, got {params['chi_width']!r}")
    return RegularizedWignerModel(dim, amps, waves, theta[0], w[0])


@lru_cache(maxsize=4)
def chi_hat(dim: int) -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    """(χ̂(q), q, w) for χ ∝ exp(−|x|²/(2w²)) normalized by ∫χ = 1 (radial transform of the conventions)."""
    r, q, w = sp.Symbol("r", nonnegative=True), sp.Symbol("q", nonnegative=True), sp.Symbol("w", positive=True)
    raw = radial_fourier_transform(sp.exp(-r ** 2 / (2 * w ** 2)), r, q, dim)
    return sp.simplify(raw / raw.subs(q, 0)), q, w


def _wave_rates(model: RegularizedWignerModel) -> dict:
    """{(j, σ): r_jσ(k)} with the model's numbers inserted into the derived one-wave rates."""
    J1 = derive_jump_kernel(model.dim, 1)
    ch, q, w = chi_hat(model.dim)
    out = {}
    for j, (a, p) in enumerate(zip(model.amplitudes, model.wavevectors)):
        phi = 1 - ch.subs({q: sp.sqrt(sum(sp.Float(c) ** 2 for c in p)), w: sp.Float(model.chi_width)})
        subs = {J1.amplitudes[0]: sp.Float(a), J1.phis[0]: phi, theta_sym: sp.Float(model.theta),
                **{s: sp.Float(c) for s, c in zip(J1.waves[0], p)}}
        for sig in (1, -1):
            out[(j, sig)] = J1.rates[(0, sig)].xreplace(subs)
    return out


def derive(model: RegularizedWignerModel) -> DerivedEquation:
    """The jump equation of ``model`` with its derivation, constants and certificates."""
    J1 = derive_jump_kernel(model.dim, 1)
    rates = _wave_rates(model)
    k = J1.k
    Wf = sp.Function("W")
    tau, X = sp.Symbol("tau", positive=True), sp.symbols(f"X_1:{model.dim + 1}", real=True)
    lhs = sp.Derivative(Wf(tau, *X, *k), tau) + sum(ki * sp.Derivative(Wf(tau, *X, *k), x) for ki, x in zip(k, X))
    rhs = sum(r * (Wf(tau, *X, *[ki + sig * c for ki, c in zip(k, model.wavevectors[j])]) - Wf(tau, *X, *k))
              for (j, sig), r in rates.items())
    results = {f"r_{j + 1}{'+' if sig > 0 else '-'}(k)": r for (j, sig), r in rates.items()}
    results["r_{1+}(k) (symbolic)"] = J1.rates[(0, 1)]
    results["chi_hat(q)"] = chi_hat(model.dim)[0]
    results["A_j^2 on the lattice"] = J1.results["amplitude_squared"]
    constants = {"c in r = c·A²·Λ_θ": J1.constant,
                 "seed (2.8) rate / derived rate": J1.derivation.step("errata_kernel_constant").expr.rhs,
                 "θ → 0 weight w in Λ_θ → w·δ(ω(k+q) − ω(k))": J1.results["shell_weight"]}
    conv = "\n".join([
        "- Model: seed 000 (2.1)–(2.2) = the project's Wigner transform (semiclassical parameter λ²) of "
        "i∂_tψ = −½Δψ + λV(x)ψ in kinetic variables τ = λ²t, X = λ²x; the seed's (t, x, ε) are (τ, X, λ²), λ = √ε.",
        "- Fast potential V(X/λ²), V(y) = Σ_j A_j cos(p_j·y); regularization (θ/λ²)(W − χ_{λ²}⋆W), χ Gaussian "
        "of width w with ∫χ = 1, φ = 1 − χ̂.",
        "- Relaxation sign: the cell resolvent (θφ + ik·q)⁻¹ = ∫₀^∞ e^{−s(θφ+ik·q)}ds is causal; θφ plays the "
        "+i0 of ∫₀^∞e^{isx−0s}ds at x = −k·q.",
        "- Units of time: kinetic time τ; rates are per unit τ. Measure: đq = dq/(2π)^d for the δ → 0 limit.",
        conventions_markdown("continuum", model.dim)])
    fns = {key: sp.lambdify(list(k), r, "numpy") for key, r in rates.items()}
    return DerivedEquation(NAME, model.params(), sp.Eq(lhs, rhs, evaluate=False), J1.derivation, results,
                           constants, J1.certificates, conv, {"model": model, "rate_fns": fns})


def _parse_k(text: str, dim: int) -> np.ndarray:
    k = np.array(_floats(text, "k"))
    if k.size != dim:
        raise ParameterError(f"k must have {dim} components, got {text!r}")
    return k


def evaluate(eq: DerivedEquation, quantity: str, at: dict):
    """``jump-rate`` at k for jump ``±j`` (k → k ± p_j); ``collision-rate``: Σ of all rates at k (jump=all).

    The rates are closed forms evaluated in double precision: error 8u·|value| (u the unit roundoff)."""
    from kernels.estimate import Estimate
    model: RegularizedWignerModel = eq.data["model"]
    k = _parse_k(at["k"], model.dim)
    jump = at["jump"].strip()
    fns = eq.data["rate_fns"]
    notes = []
    if model.theta < THETA_BRAGG:
        msg = (f"θ = {model.theta:g} < {THETA_BRAGG:g} at a fixed wave set: the rates concentrate on the Bragg "
               "planes (k + p_j/2)·p_j = 0 and have no θ → 0 limit as functions; the kinetic limit needs δ → 0 "
               "before θ → 0 (use linear-boltzmann)")
        warnings.warn(msg, BraggConcentrationWarning, stacklevel=2)
        notes.append(msg)
    if quantity == "collision-rate":
        if jump not in ("all", "*"):
            raise ParameterError(f"collision-rate sums all jumps: use --at jump=all, got {jump!r}")
        val = float(sum(f(*k) for f in fns.values()))
        method = "sum of derived jump rates"
    elif quantity == "jump-rate":
        try:
            idx = int(jump)
        except ValueError:
            raise ParameterError(f"jump must be ±j (k → k ± p_j, 1 ≤ j ≤ {len(model.amplitudes)}), got {jump!r}") \
                from None
        if idx == 0 or abs(idx) > len(model.amplitudes):
            raise ParameterError(f"jump must be ±j with 1 ≤ j ≤ {len(model.amplitudes)}, got {jump!r}")
        val = float(fns[(abs(idx) - 1, 1 if idx > 0 else -1)](*k))
        method = "derived jump rate (A_j²/4)Λ_θ (closed form)"
    else:
        raise ParameterError(f"unknown quantity {quantity!r}")
    return Estimate(val, 8 * _U * abs(val), method, 1, 15, False, tuple(notes))


ENTRY = CatalogueEntry(
    name=NAME,
    summary="Discrete-jump kinetic equation of a θ-regularized Wigner equation with an oscillatory potential "
            "Σ A_j cos(p_j·x/ε) (rates (A_j²/4)Λ_θ), and its δ → 0, θ → 0 limits to linear Boltzmann",
    source="seed 000 §2–3 (Perthame–Ryzhik); errata applied",
    parameters=dict(PARAMETERS),
    quantities=("jump-rate", "collision-rate"),
    build_model=build_model,
    derive=derive,
    evaluate=evaluate,
    at_keys=("k", "jump"), at_defaults={"jump": "all"},
)
