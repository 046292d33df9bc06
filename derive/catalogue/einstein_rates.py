"""Catalogue entry ``einstein-rates``: Einstein rate equations of a forced, dephased N-level system (seed 002 §2).

Recipe: parse the string parameters into a numeric model (levels, coupling matrices, forcing, relaxation), run
:func:`derive.correctors.einstein.forced_rates` (two-scale engine for periodic / quasi-periodic forcing, correlation
integral for random forcing), and wrap rates, steps, constants and certificates in a
:class:`~derive.ir.DerivedEquation`. The page (:mod:`derive.catalogue.pages.einstein_rates`) checks the derived rate equations against exact dynamics
(Floquet/Magnus propagation, the averaged telegraph generator, the closed-form Rabi solution) and against mpmath
quadrature of the correlation integral and re-derives live.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.catalogue import CatalogueEntry
from derive.correctors.einstein import (
    PeriodicForcing, QuasiPeriodicForcing, RandomForcing, einstein_generator, forced_rates,
    lorentzian_constant, lorentzian_delta_weight, rate_condition, telegraph_correlation, validate_forcing,
)
from derive.errors import ParameterError, SingularPointError
from derive.ir import Derivation, DerivedEquation
from derive.parsing import parse_expression, parse_number, parse_number_list

__all__ = ["ENTRY", "EinsteinModel", "build_model", "derive", "evaluate"]

NAME = "einstein-rates"
FORCINGS = ("periodic", "quasi-periodic", "telegraph", "correlation")
PARAMETERS = {"energies": "0,1", "coupling": "[[0,1],[1,0]]", "omega": "1", "relaxation": "0.5",
              "forcing": "periodic", "switching": "1", "correlation": "exp(-s**2)"}
_S = sp.Symbol("s")
_UNIT_ROUNDOFF = float(np.finfo(float).eps)


# --------------------------------------------------------------------------- parsing
def _matrix_literal(text: str):
    try:
        val = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ParameterError(f"cannot parse coupling {text!r}: expected a nested list like [[0,1],[1,0]] "
                             "(entries may be complex: 1j, 1+2j)") from None
    try:
        arr = np.array(val, dtype=complex)
    except (ValueError, TypeError):
        raise ParameterError(f"coupling {text!r} is not a rectangular array of numbers") from None
    return arr


def _scalar(text: str, what: str) -> float:
    if "," in str(text):
        raise ParameterError(f"{what} must be a single number, got {text!r}")
    return parse_number(text, what)


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class EinsteinModel:
    """A validated numeric model: levels, forcing, relaxation γ, and the string parameters it came from."""

    energies: tuple
    forcing: object
    relaxation: float
    kind: str
    params: dict = field(default_factory=dict)
    steps: tuple = ()


def build_model(params: dict) -> EinsteinModel:
    """Parse and validate the string parameters (one-line :class:`~derive.errors.DeriveError` on bad input)."""
    kind = params["forcing"].strip()
    if kind not in FORCINGS:
        raise ParameterError(f"forcing must be one of {', '.join(FORCINGS)}, got {kind!r}")
    steps = ()
    energies = parse_number_list(params["energies"], "energies")
    n = len(energies)
    gamma = _scalar(params["relaxation"], "relaxation")
    if not np.isfinite(gamma) or gamma < 0:
        raise ParameterError(f"relaxation γ must be ≥ 0, got {gamma}")
    arr = _matrix_literal(params["coupling"])
    if kind == "quasi-periodic":
        omegas = parse_number_list(params["omega"], "omega")
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3 or arr.shape[1:] != (n, n):
            raise ParameterError(f"quasi-periodic coupling must be a list of {n}×{n} matrices, got shape {arr.shape}")
        if arr.shape[0] != len(omegas):
            raise ParameterError(f"quasi-periodic forcing needs one coupling matrix per frequency: "
                                 f"{arr.shape[0]} matrices, {len(omegas)} frequencies")
        if len(set(omegas)) != len(omegas):
            raise ParameterError(f"quasi-periodic frequencies must be distinct, got {omegas}")
        forcing = QuasiPeriodicForcing(tuple(arr), omegas)
    else:
        if arr.shape != (n, n):
            raise ParameterError(f"coupling must be a {n}×{n} matrix (one row per level), got shape {arr.shape}")
        if kind == "periodic":
            forcing = PeriodicForcing(arr, _scalar(params["omega"], "omega"))
        elif kind == "telegraph":
            nu = _scalar(params["switching"], "switching")
            if not nu > 0:
                raise ParameterError(f"switching rate ν must be > 0, got {nu}")
            C, step = telegraph_correlation(sp.nsimplify(nu, rational=True))   # exact rational of the float
            forcing, steps = RandomForcing(arr, C), (step,)
        else:
            forcing = RandomForcing(arr, parse_expression(params["correlation"], {"s": _S}, "correlation"))
    validate_forcing(energies, forcing, gamma)
    return EinsteinModel(energies, forcing, gamma, kind, dict(params), steps)


# --------------------------------------------------------------------------- derivation
def _conventions(kind: str) -> str:
    forcing = {"periodic": r"$V(\tau) = A\cos\omega\tau$",
               "quasi-periodic": r"$V(\tau) = \sum_r A_r\cos\omega_r\tau$ (rationally independent $\omega_r$)",
               "telegraph": r"$V(\tau) = A\,\xi(\tau)$, $\xi\in\{\pm1\}$ flipping at rate $\nu$ (fast time)",
               "correlation": r"$V(\tau) = A\,\xi(\tau)$, $\mathbb{E}\xi(0)\xi(s) = C(s)$"}[kind]
    return "\n".join([
        r"- Model: $i\partial_t\rho = [H_0/\varepsilon^2 + V(t/\varepsilon^2)/\varepsilon, \rho] - i(\gamma/\varepsilon^2)"
        r"(I-P)\rho$, $H_0 = \mathrm{diag}(E_n)$ (distinct), $P$ = projection on diagonal matrices; forcing " + forcing + ".",
        r"- Sign: the textbook von Neumann sign $i\partial_t\rho = [H,\rho]$ (seed 002 uses the opposite one); "
        r"the relaxation damps: $\partial_t\rho_{nk} \ni -(\gamma/\varepsilon^2)\rho_{nk}$.",
        r"- Boundary values: the coherence time integral $\int_0^\infty e^{-(\gamma + i(E_n-E_k))s}ds = i/(x + i\gamma)$, "
        r"$x = E_k - E_n$, so $\gamma \to 0^+$ is the $+i0$ of the conventions ($\int_0^\infty e^{isx-0s}ds = "
        r"i/(x+i0)$); the rates use its real part, $\pi\delta(x)$. Random forcing: "
        r"$\hat C_+(z) = \int_0^\infty C(s)e^{-zs}ds$, Abel-regularized ($e^{-0 s}$) at $\mathrm{Re}\,z = 0$.",
        r"- Units: ħ = 1; slow time $t$, fast time $\tau = t/\varepsilon^2$; the rates $A(n,k)$ are per unit slow time.",
        r"- Measure: counting measure on levels; $\hat C(x) = \int_{\mathbb{R}} e^{-ixu} C(|u|)\,du$ (continuum Fourier "
        r"convention).",
    ])


def derive(model: EinsteinModel) -> DerivedEquation:
    """Derive the rate equation of ``model``; the certificates are run inside :func:`forced_rates`."""
    from derive.correctors.einstein import (certify_conservation, certify_h_theorem, certify_nonnegative,
                                            certify_spectral_positivity, certify_symmetric)
    from derive.correctors.random_forcing import correlation_transform
    rates, derivation = forced_rates(model.energies, model.forcing, model.relaxation)
    if model.steps:   # model-level steps (the telegraph correlation) go right after the model statement
        derivation = Derivation(derivation.title, derivation.steps[:1] + model.steps + derivation.steps[1:])
    certs = [certify_symmetric(rates), certify_nonnegative(rates), certify_conservation(einstein_generator(rates)),
             certify_h_theorem(rates)]
    if isinstance(model.forcing, RandomForcing):
        certs.append(certify_spectral_positivity(correlation_transform(model.forcing.correlation), model.relaxation))
    n = len(model.energies)
    p = sp.Function("p")
    k, m = sp.Symbol("k", integer=True), sp.Symbol("n", integer=True)
    Ank = sp.Function("A")(m, k)
    eq = sp.Eq(sp.Derivative(p(m, sp.Symbol("t")), sp.Symbol("t")),
               sp.Sum(Ank * (p(k, sp.Symbol("t")) - p(m, sp.Symbol("t"))), (k, 0, n - 1)), evaluate=False)
    constants = {}
    if not isinstance(model.forcing, RandomForcing):
        constants["Lorentzian constant c"] = lorentzian_constant()[0]
        constants["delta weight of gamma/(gamma^2+x^2)"] = lorentzian_delta_weight()[0]
    results = {"rates": sp.ImmutableMatrix(np.round(rates, 15).tolist())}
    if isinstance(model.forcing, RandomForcing):
        results["correlation"] = model.forcing.correlation
    cond = rate_condition(model.energies, model.forcing, model.relaxation)
    return DerivedEquation(NAME, dict(model.params), eq, derivation, results, constants, tuple(certs),
                           _conventions(model.kind), {"rates": rates, "condition": cond, "model": model})


def _index(text: str, what: str, n: int) -> int:
    try:
        val = int(text)
    except (TypeError, ValueError):
        raise ParameterError(f"--at {what} must be a level index 0…{n - 1}, got {text!r}") from None
    if not 0 <= val < n:
        raise ParameterError(f"--at {what}={val} is out of range: levels are 0…{n - 1}")
    return val


def evaluate(eq: DerivedEquation, quantity: str, at: dict):
    """``rate``: A(n, k) with error ≈ 16·N²·u·κ·max|A| (u unit roundoff, κ the condition number of the cell
    problems); ``rate-gamma0``: the γ = 0 rate |A_nk|² Ĉ(E_n − E_k) (random forcing only)."""
    from kernels.estimate import Estimate
    rates = eq.data["rates"]
    n_levels = rates.shape[0]
    n, k = _index(at["n"], "n", n_levels), _index(at["k"], "k", n_levels)
    if n == k:
        raise ParameterError(f"A(n, k) needs two different levels, got n = k = {n}")
    model = eq.data["model"]
    if quantity == "rate":
        val, cond, scale = float(rates[n, k]), eq.data["condition"], float(np.max(np.abs(rates)))
        method = "two-scale engine (cell problems, numpy)" if not isinstance(model.forcing, RandomForcing) else \
            "correlation integral (sympy Laplace transform, mpmath at 30 digits)"
    elif quantity == "rate-gamma0":
        if not isinstance(model.forcing, RandomForcing):
            raise SingularPointError("for (quasi-)periodic forcing the γ → 0 rate is (π/2)|A_nk|² δ(E_n − E_k ∓ ω), a "
                                     "distribution (errata 002: only if γ → 0 after ε → 0); use forcing=telegraph or "
                                     "correlation")
        r0, _ = forced_rates(model.energies, model.forcing, 0.0)
        val, cond, scale = float(r0[n, k]), 1.0, float(np.max(np.abs(r0)))
        method = "spectral density |A_nk|² Ĉ(E_n − E_k) (correlation integral at γ = 0)"
    else:
        raise ParameterError(f"unknown quantity {quantity!r}")
    err = 16 * n_levels ** 2 * _UNIT_ROUNDOFF * cond * max(scale, abs(val))
    return Estimate(val, err, method, 1, 15, False,
                    (f"error = 16·N²·u·κ·max|A| with condition number κ = {cond:.3g}",))


ENTRY = CatalogueEntry(
    name=NAME,
    summary="Einstein rate equations dp_n/dt = Σ_k A(n,k)(p_k − p_n) for a dephased N-level system under fast "
            "periodic, quasi-periodic or random (telegraph / given correlation) forcing",
    source="seed 002 §2.2–2.4 (Castella–Degond–Goudon); errata applied",
    parameters=dict(PARAMETERS),
    quantities=("rate", "rate-gamma0"),
    build_model=build_model,
    derive=derive,
    evaluate=evaluate,
    at_keys=("n", "k"),
)
