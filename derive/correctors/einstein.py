r"""Einstein rate equations for a periodically forced N-level density matrix with dephasing.

Model (seed 002, Castella–Degond–Goudon §2, converted to the project's conventions; ħ = 1)::

    i ∂_t ρ = [H₀/ε² + V(t/ε²)/ε, ρ] − i (γ/ε²) (I − P) ρ,
    i.e.  ∂_t ρ = −i[H₀/ε² + V(t/ε²)/ε, ρ] − (γ/ε²) (I − P) ρ,

with H₀ = diag(E_0 … E_{N−1}) (distinct levels), V(τ) = A cos(ωτ) (A Hermitian, zero diagonal), P the
projection onto diagonal matrices and γ > 0 the same dephasing rate on every coherence (the relaxation must
*damp*, hence the factor −i in the i∂_t form). Relative to the paper: the paper's von Neumann sign is
opposite (i∂_tρ = −[H, ρ], errata 002), which maps to ours by complex conjugation and changes no rate;
the paper's Z(n, m) = γ + iω(n, m) with ω(n, m) = E_m − E_n is our −L₀ on the coherence (n, m) up to that
conjugation. The paper's printed resolvent formulas carry a wrong minus sign (errata) — here nothing is
taken from them: the cell problem is solved by the engine :mod:`derive.correctors.multiscale`.

Result (derived, not typed): dp_n/dt = Σ_k A(n, k)(p_k − p_n) with

.. math:: A(n,k) = c\,|A_{nk}|^2\Big[\frac{\gamma}{\gamma^2+(E_n-E_k-\omega)^2}
          + \frac{\gamma}{\gamma^2+(E_n-E_k+\omega)^2}\Big],

and the engine gives c = 1/2 (the cos splits into two modes of amplitude A/2, each contributing
2 Re 1/(γ + i x) = 2γ/(γ² + x²) times |A/2|²). Check against the paper's two-level model: one mode
V₁₂ = e^{i(Δ+ω)τ} of amplitude 1 gives 2γ/(γ² + Δ²), as printed there. As γ → 0 (after ε → 0, see
errata) γ/(γ² + x²) → π δ(x), so A(n,k) → (π/2)|A_nk|² [δ(E_n − E_k − ω) + δ(E_n − E_k + ω)].

Other forcings (:func:`forced_rates`):

* quasi-periodic, V(τ) = Σ_r A_r cos(ω_r τ) with rationally independent ω_r: modes ±e_r ∈ ℤ^R, the torus
  average kills every cross pair, so A(n,k) = ½ Σ_r |A_r,nk|² [L(E_n−E_k−ω_r) + L(E_n−E_k+ω_r)] (derived by the
  engine); γ > 0 is required (small divisors, errata 002).
* random, V(τ) = A ξ(τ), ξ centred stationary with correlation C(s): A(n,k) = |A_nk|² · 2 Re Ĉ₊(γ + i(E_n − E_k)),
  Ĉ₊(z) = ∫₀^∞ C(s)e^{−zs}ds (derived by the engine with an undefined Ĉ₊, then the concrete transform by sympy);
  for γ = 0 this is the spectral density Ĉ(E_n − E_k) (checked); γ = 0 is allowed for integrable C (Theorem 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.correctors.multiscale import CellProblemSingular, diagonal_projection, superop_commutator, two_scale_limit
from derive.correctors.random_forcing import CorrelationTransform, correlation_limit, correlation_transform
from derive.correctors.rate_certificates import (
    EntropyIncreases, NegativeRate, ProbabilityNotConserved, RatesNotSymmetric, certify_conservation,
    certify_h_theorem, certify_nonnegative, certify_rates, certify_symmetric, einstein_generator,
)
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, CorrelationNotPositive, ModelError, ParameterError
from derive.ir import Approximation, Derivation, Step

__all__ = ["DegenerateLevels", "NonHermitianCoupling", "RatesNotSymmetric", "NegativeRate",
           "ProbabilityNotConserved", "EntropyIncreases", "ResonanceWithoutRelaxation", "EinsteinRates",
           "einstein_rates", "einstein_generator", "bloch_generators", "certify_rates", "certify_symmetric",
           "certify_nonnegative", "certify_conservation", "certify_h_theorem", "lorentzian_delta_weight",
           "lorentzian_constant", "PeriodicForcing", "QuasiPeriodicForcing", "RandomForcing", "forced_rates",
           "telegraph_correlation", "random_rate_form", "quasi_periodic_generators", "random_generators",
           "rate_condition", "certify_spectral_positivity", "validate_forcing"]

ResonanceWithoutRelaxation = CellProblemSingular


class DegenerateLevels(ModelError):
    """Two energy levels coincide: populations alone are not the slow manifold."""


class NonHermitianCoupling(ModelError):
    """The coupling matrix A is not Hermitian (or has a non-zero diagonal)."""






EinsteinRates = tuple  # (rates, Derivation)

_x = sp.Symbol("x", real=True)
_g = sp.Symbol("gamma", positive=True)
_t = sp.Symbol("t", positive=True)


class _Commutator(sp.Function):
    """[a, b], kept unevaluated (display only)."""

    nargs = 2

    def _latex(self, printer):
        return r"\left[%s, %s\right]" % (printer._print(self.args[0]), printer._print(self.args[1]))


class _Projected(sp.Function):
    """(I − P)x, the coherences of x (display only)."""

    nargs = 1

    def _latex(self, printer):
        return r"(I - P)\,%s" % printer._print(self.args[0])


# --------------------------------------------------------------------------- model
def _symbolic(*objs) -> bool:
    for o in objs:
        if isinstance(o, (sp.Basic, sp.MatrixBase)):
            return True
        if isinstance(o, (list, tuple)) and any(isinstance(x, sp.Basic) for x in o):
            return True
        if isinstance(o, (list, tuple)) and any(isinstance(x, (list, tuple)) and any(isinstance(y, sp.Basic)
                                                                                      for y in x) for x in o):
            return True
    return False


def _validate(energies, coupling, omega, relaxation, symbolic, tol=1e-12):
    n = len(energies)
    if n < 2:
        raise ModelError("need at least two levels")
    if symbolic:
        A = sp.Matrix(coupling)
        if A.shape != (n, n):
            raise ModelError(f"coupling must be {n}×{n}, got {A.shape}")
        for i in range(n):
            for k in range(i + 1, n):
                if sp.simplify(sp.sympify(energies[i]) - sp.sympify(energies[k])) == 0:
                    raise DegenerateLevels(f"levels {i} and {k} coincide (E = {energies[i]})")
        if any(sp.simplify(x) != 0 for x in (A - A.H)):
            raise NonHermitianCoupling("coupling matrix is not Hermitian")
        if any(sp.simplify(A[i, i]) != 0 for i in range(n)):
            raise NonHermitianCoupling("coupling matrix must have zero diagonal (dipole coupling)")
        g = sp.sympify(relaxation)
        if g.is_negative:
            raise ParameterError(f"relaxation γ must be ≥ 0, got {g}")
        return A
    E = np.asarray(energies, dtype=float)
    A = np.asarray(coupling, dtype=complex)
    if A.shape != (n, n):
        raise ModelError(f"coupling must be {n}×{n}, got {A.shape}")
    dE = np.abs(E[:, None] - E[None, :]) + np.eye(n)
    if np.min(dE) <= tol * max(1.0, np.max(np.abs(E))):
        i, k = np.unravel_index(np.argmin(dE), dE.shape)
        raise DegenerateLevels(f"levels {i} and {k} coincide (E = {E[i]})")
    if not np.allclose(A, A.conj().T, atol=tol, rtol=0):
        raise NonHermitianCoupling("coupling matrix is not Hermitian")
    if np.max(np.abs(np.diag(A))) > tol:
        raise NonHermitianCoupling("coupling matrix must have zero diagonal (dipole coupling)")
    if not np.isfinite(relaxation) or relaxation < 0:
        raise ParameterError(f"relaxation γ must be ≥ 0, got {relaxation}")
    if not omega > 0:
        raise ParameterError(f"forcing frequency ω must be > 0, got {omega}")
    return A


def bloch_generators(energies, coupling, relaxation):
    """(L₀, {±1: L₁^{(±1)}}, P, B) on row-major vec(ρ) for the model of this module.

    L₀ ρ = −i[H₀, ρ] − γ(I − P)ρ and L₁(τ) ρ = −i[A cos ωτ, ρ] = Σ_{m=±1} e^{imωτ} (−i[A/2, ρ]).
    """
    n = len(energies)
    if _symbolic(energies, coupling, relaxation):
        H0 = sp.diag(*[sp.sympify(e) for e in energies])
        P, B = diagonal_projection(n, symbolic=True)
        L0 = -sp.I * superop_commutator(H0) - sp.sympify(relaxation) * (sp.eye(n * n) - P)
        L1 = -sp.I * superop_commutator(sp.Matrix(coupling) / 2)
    else:
        H0 = np.diag(np.asarray(energies, dtype=float))
        P, B = diagonal_projection(n)
        L0 = -1j * superop_commutator(H0) - relaxation * (np.eye(n * n) - P)
        L1 = -1j * superop_commutator(np.asarray(coupling, dtype=complex) / 2)
    return L0, {-1: L1, 1: L1}, P, B


def _lorentz(x, g):
    return g / (g ** 2 + x ** 2)


@lru_cache(maxsize=1)
def lorentzian_constant():
    """The constant c of A(n,k) = c |A_nk|² [L(E_n−E_k−ω) + L(E_n−E_k+ω)], L(x) = γ/(γ²+x²), obtained by
    running the engine symbolically on the two-level model. Returns ``(c, Step)``."""
    E0, E1 = sp.symbols("E_0 E_1", real=True)
    a = sp.Symbol("a")
    w = sp.Symbol("omega", positive=True)
    A = sp.Matrix([[0, a], [sp.conjugate(a), 0]])
    L0, modes, P, B = bloch_generators([E0, E1], A, _g)
    res = two_scale_limit(L0, modes, P, w, B, title="two-level symbolic")
    rate = res.slow_operator[0, 1]
    form = a * sp.conjugate(a) * (_lorentz(E0 - E1 - w, _g) + _lorentz(E0 - E1 + w, _g))
    c = sp.simplify(sp.together(rate / form))
    if c.free_symbols:
        raise CertificateFailed(f"the derived two-level rate is not of Lorentzian form: A(0,1) = {rate}")
    step = Step("lorentzian_form", "Two-level engine run with symbolic E₀, E₁, a, γ, ω: the rate divided by "
                "|a|²[L(E₀−E₁−ω) + L(E₀−E₁+ω)], L(x) = γ/(γ²+x²), simplifies to a pure number c.",
                sp.Eq(sp.Symbol("A(0,1)"), c * form), Approximation.EXACT)
    return c, step


def lorentzian_delta_weight():
    """Weight w in γ/(γ² + x²) → w δ(x) as γ → 0⁺, by sympy limits of ∫ over [−a, a] and [b, c] (0 < b < c).

    Returns ``(w, Step)`` (w = π)."""
    a, b, c = sp.symbols("a b c", positive=True)
    L = _lorentz(_x, _g)
    inner = sp.limit(sp.integrate(L, (_x, -a, a)), _g, 0, "+")
    away = sp.limit(sp.integrate(L, (_x, b, b + c)), _g, 0, "+")
    if sp.simplify(away) != 0 or inner.free_symbols:
        raise CertificateFailed(f"γ/(γ²+x²) is not an approximate identity: {inner}, {away}")
    step = Step("gamma_to_zero", "γ → 0⁺ after ε → 0: lim ∫_{−a}^{a} γ/(γ²+x²) dx = π for every a > 0 and the mass "
                "away from 0 tends to 0 (sympy limits), so γ/(γ²+x²) → π δ(x).",
                sp.Eq(sp.Limit(L, _g, 0, "+"), inner * sp.DiracDelta(_x)), Approximation.KINETIC_LIMIT,
                ("finite dephasing width",))
    return inner, step



# --------------------------------------------------------------------------- forcings
@dataclass(frozen=True)
class PeriodicForcing:
    """V(τ) = A cos(ωτ): Hermitian zero-diagonal ``coupling`` A, frequency ``omega`` > 0."""

    coupling: object
    omega: object


@dataclass(frozen=True)
class QuasiPeriodicForcing:
    """V(τ) = Σ_r A_r cos(ω_r τ) with rationally independent ``omegas`` (one coupling matrix per frequency)."""

    couplings: tuple
    omegas: tuple


@dataclass(frozen=True)
class RandomForcing:
    """V(τ) = A ξ(τ), ξ a centred stationary process with correlation C(s) = 𝔼 ξ(0)ξ(s) (a sympy expression in
    ``variable``; e.g. :func:`telegraph_correlation`)."""

    coupling: object
    correlation: object
    variable: object = None


def telegraph_correlation(switching) -> tuple:
    """Correlation of the symmetric telegraph process ξ ∈ {+1, −1} flipping at rate ν, derived by sympy.

    C(s) = Σ_ij π_i x_i (e^{Qs})_ij x_j with Q = ν[[−1, 1], [1, −1]], π = (½, ½), x = (1, −1). Returns
    ``(C, Step)`` (C = e^{−2νs})."""
    nu = sp.sympify(switching)
    s = sp.Symbol("s", nonnegative=True)
    Q = nu * sp.Matrix([[-1, 1], [1, -1]])
    x = sp.Matrix([1, -1])
    pi = sp.Matrix([[sp.Rational(1, 2), sp.Rational(1, 2)]])
    if sp.simplify(pi * Q) != sp.zeros(1, 2):
        raise CertificateFailed("π is not stationary for the telegraph generator")
    C = sp.simplify((pi * sp.diag(*x) * (Q * s).exp() * x)[0, 0])
    step = Step("telegraph_correlation", "Symmetric telegraph noise ξ ∈ {±1} flipping at rate ν (generator Q, "
                "stationary law π = (½, ½)): C(s) = π diag(x) e^{Qs} x by sympy's matrix exponential.",
                sp.Eq(sp.Function("C")(s), C), Approximation.EXACT)
    return C, step


def quasi_periodic_generators(energies, couplings, omegas, relaxation):
    """(L₀, {m ∈ ℤ^R: L₁^{(m)}}, P, B): L₁(τ) = Σ_r cos(ω_r τ)(−i[A_r, ·]) has modes ±e_r of amplitude −i[A_r/2, ·]."""
    R = len(couplings)
    L0, _, P, B = bloch_generators(energies, couplings[0], relaxation)
    modes = {}
    for r, A in enumerate(couplings):
        L1 = bloch_generators(energies, A, relaxation)[1][1]
        for sign in (1, -1):
            modes[tuple(sign if j == r else 0 for j in range(R))] = L1
    return L0, modes, P, B


def random_generators(energies, coupling, relaxation):
    """(L₀, L₁, P, B) with L₁ρ = −i[A, ρ] (V(τ) = ξ(τ) A)."""
    L0, modes, P, B = bloch_generators(energies, coupling, relaxation)
    return L0, 2 * modes[1], P, B


@lru_cache(maxsize=1)
def random_rate_form():
    """Two-level run of :func:`~derive.correctors.multiscale.correlation_limit` with an *undefined* Ĉ₊ and symbolic
    E₀, E₁, a, γ: A(0,1) = |a|²[Ĉ₊(γ + iΔ) + Ĉ₊(γ − iΔ)], Δ = E₀ − E₁, which is |a|² 2Re Ĉ₊(γ + iΔ) because C is
    real (Ĉ₊(z̄) = conj Ĉ₊(z)). Returns the :class:`~derive.ir.Step` recording it (raises CertificateFailed if the
    engine output has any other form)."""
    E0, E1 = sp.symbols("E_0 E_1", real=True)
    a = sp.Symbol("a")
    z = sp.Symbol("z")
    Cp = sp.Function(r"\hat{C}_{+}")
    tr = CorrelationTransform(sp.Function("C")(sp.Symbol("s")), sp.Symbol("s"), z, Cp(z), None,
                              sp.Symbol("x", real=True), True)
    L0, L1, P, B = random_generators([E0, E1], sp.Matrix([[0, a], [sp.conjugate(a), 0]]), _g)
    res = correlation_limit(L0, L1, P, tr, B, title="two-level symbolic (random)")
    rate = sp.expand(res.slow_operator[0, 1])
    D = E0 - E1
    form = a * sp.conjugate(a) * (Cp(_g + sp.I * D) + Cp(_g - sp.I * D))
    if sp.simplify(rate - sp.expand(form)) != 0:
        raise CertificateFailed(f"the derived random-forcing rate has an unexpected form: A(0,1) = {rate}")
    Dl = sp.Symbol("Delta", real=True)
    step = Step("random_rate_form", "Two-level engine run with an undefined Ĉ₊ and symbolic E₀, E₁, a, γ: the rate is "
                "|a|²[Ĉ₊(γ + iΔ) + Ĉ₊(γ − iΔ)] (Δ = E_n − E_k) = |a|² 2Re Ĉ₊(γ + iΔ) since C is real.",
                sp.Eq(sp.Symbol("A(n,k)"), sp.Abs(sp.Symbol("A_{nk}")) ** 2 * 2 * sp.re(Cp(_g + sp.I * Dl))),
                Approximation.EXACT)
    return step


@lru_cache(maxsize=1)
def _quasi_periodic_form_step():
    """Two-level, two-frequency symbolic run: the rate is the sum of the single-frequency Lorentzian rates (no cross
    term between independent frequencies), with the same constant c = ½."""
    E0, E1 = sp.symbols("E_0 E_1", real=True)
    a, b = sp.symbols("a b")
    w1, w2 = sp.symbols("omega_1 omega_2", positive=True)
    As = [sp.Matrix([[0, a], [sp.conjugate(a), 0]]), sp.Matrix([[0, b], [sp.conjugate(b), 0]])]
    L0, modes, P, B = quasi_periodic_generators([E0, E1], As, (w1, w2), _g)
    rate = two_scale_limit(L0, modes, P, (w1, w2), B, title="two-level two-frequency symbolic").slow_operator[0, 1]
    c, _ = lorentzian_constant()
    D = E0 - E1
    form = c * sum(amp * sp.conjugate(amp) * (_lorentz(D - w, _g) + _lorentz(D + w, _g))
                   for amp, w in ((a, w1), (b, w2)))
    # rational identity in (E₀, E₁, a, ā, b, b̄, γ, ω₁, ω₂): exact comparison at random Gaussian-rational points
    rng = np.random.default_rng(2024)
    syms = (E0, E1, _g, w1, w2)
    for _ in range(4):
        vals = {x: sp.Rational(int(rng.integers(1, 60)), int(rng.integers(1, 13))) for x in syms}
        vals.update({a: sp.Rational(int(rng.integers(-9, 10)), 7) + sp.I * sp.Rational(int(rng.integers(-9, 10)), 5),
                     b: sp.Rational(int(rng.integers(-9, 10)), 3) + sp.I * sp.Rational(int(rng.integers(-9, 10)), 11)})
        if sp.nsimplify(sp.expand((rate - form).subs(vals))) != 0:
            raise CertificateFailed(f"two-frequency rate is not the sum of single-frequency rates: {rate}")
    r = sp.Symbol("r", integer=True)
    return Step("quasi_periodic_form", "Two-level engine run with two symbolic frequencies ω₁, ω₂ and couplings a, b: "
                "the rate is c Σ_r |A_r|²[L(Δ − ω_r) + L(Δ + ω_r)] with the same derived c — the cross terms "
                "(m', m) = (±e₁, ∓e₂) average to zero for independent frequencies.",
                sp.Eq(sp.Symbol("A(n,k)"), sp.Sum(c * sp.Abs(sp.Symbol("A_{r,nk}")) ** 2 * (
                    _lorentz(sp.Symbol("Delta") - sp.Indexed("omega", r), _g)
                    + _lorentz(sp.Symbol("Delta") + sp.Indexed("omega", r), _g)), (r, 1, sp.Symbol("R")))),
                Approximation.EXACT)


def _gamma0_spectral_step(tr: CorrelationTransform) -> Step:
    """2 Re Ĉ₊(ix) = Ĉ(x) (γ = 0 rates are the spectral density at the transition frequency), checked by sympy or,
    failing that, numerically at sample points."""
    x = tr.x
    if tr.laplace is None or tr.spectrum is None:
        how = "not available in closed form (numeric transform used)"
    else:
        lhs = 2 * sp.re(sp.expand_complex(tr.laplace.subs(tr.z, sp.I * x)))
        diff = sp.simplify(lhs - tr.spectrum)
        if diff == 0:
            how = "sympy identity"
        else:
            pts = [sp.Rational(k, 3) for k in (-5, -1, 1, 2, 7)]
            free = (tr.correlation.free_symbols | tr.spectrum.free_symbols) - {x, tr.variable}
            vals = {sym: sp.Rational(3 + i, 4) for i, sym in enumerate(sorted(free, key=str))}
            err = max(abs(complex(sp.N(tr.laplace.subs(tr.z, sp.I * p).subs(vals), 30)).real * 2
                          - float(sp.N(tr.spectrum.subs(x, p).subs(vals), 30))) for p in pts)
            if err > 1e-12:
                raise CertificateFailed(f"2 Re Ĉ₊(ix) ≠ Ĉ(x) (difference {err:.3g})")
            how = "checked at sample points (30 digits)"
    return Step("gamma_zero_spectral_density", f"γ = 0 (allowed for an integrable C): 2Re Ĉ₊(ix) = ∫_ℝ C(|u|)e^{{−ixu}}du "
                f"= Ĉ(x) ({how}), so A(n,k) = |A_nk|² Ĉ(E_n − E_k): the spectral density at the transition frequency.",
                sp.Eq(2 * sp.re(sp.Function(r"\hat{C}_{+}")(sp.I * x)), tr.spectrum if tr.spectrum is not None
                      else sp.Function(r"\hat{C}")(x)), Approximation.EXACT)


def certify_spectral_positivity(tr: CorrelationTransform, relaxation, samples: int = 41) -> Certificate:
    """2 Re Ĉ₊(γ + ix) ≥ 0 on a grid of x (Bochner for C(|s|)e^{−γ|s|}); raises CorrelationNotPositive."""
    if tr.correlation.free_symbols - {tr.variable}:
        return Certificate("bochner", r"2\,\mathrm{Re}\,\hat C_+(\gamma+ix) \ge 0", "not checked (symbolic C)", "")
    g = float(relaxation)
    for x in np.linspace(-20.0, 20.0, samples):
        v = 2 * tr.laplace_at(complex(g, x)).real
        if v < -1e-12:
            raise CorrelationNotPositive(f"2 Re Ĉ₊({g} + {x:.3g}i) = {v:.3g} < 0: C is not a correlation (Bochner)")
    return Certificate("bochner", r"2\,\mathrm{Re}\,\hat C_+(\gamma+ix) \ge 0", f"grid of {samples} points in [−20, 20]",
                       r"2\mathrm{Re}\hat C_+(\gamma+ix) = \widehat{C e^{-\gamma|s|}}(x)")


def rate_condition(energies, forcing, relaxation) -> float:
    """Condition number of the linear algebra behind the numeric rates: max over the Fourier modes of
    cond(i m·ω − L₀ + δ_{m0}P) (periodic / quasi-periodic), 1 for random forcing (diagonal L₀)."""
    if isinstance(forcing, RandomForcing):
        return 1.0
    if isinstance(forcing, PeriodicForcing):
        L0, modes, P, _ = bloch_generators(energies, forcing.coupling, float(relaxation))
        freqs = {m: m * float(forcing.omega) for m in modes}
    else:
        L0, modes, P, _ = quasi_periodic_generators(energies, forcing.couplings, forcing.omegas, float(relaxation))
        freqs = {m: sum(a * float(w) for a, w in zip(m, forcing.omegas)) for m in modes}
    eye = np.eye(L0.shape[0])
    return max(float(np.linalg.cond(1j * f * eye - L0 + (P if f == 0 else 0))) for f in freqs.values())


def validate_forcing(energies, forcing, relaxation) -> None:
    """Check a numeric model without deriving anything: distinct levels, Hermitian zero-diagonal N×N couplings,
    positive frequencies, γ ≥ 0 (γ > 0 for quasi-periodic forcing), a correlation in s alone with C(0) > 0.

    Raises the same named errors as :func:`forced_rates` (DegenerateLevels, NonHermitianCoupling, ModelError,
    ParameterError, CellProblemSingular)."""
    energies = list(energies)
    if isinstance(forcing, PeriodicForcing):
        _validate(energies, forcing.coupling, forcing.omega, relaxation, False)
    elif isinstance(forcing, QuasiPeriodicForcing):
        if len(forcing.couplings) != len(forcing.omegas) or not forcing.omegas:
            raise ModelError(f"need one coupling matrix per frequency, got {len(forcing.couplings)} matrices and "
                             f"{len(forcing.omegas)} frequencies")
        for A, w in zip(forcing.couplings, forcing.omegas):
            _validate(energies, A, w, relaxation, False)
        if len(forcing.omegas) >= 2 and float(relaxation) <= 0:
            raise CellProblemSingular("quasi-periodic forcing without relaxation: small divisors in the cell problems "
                                      "(i m·ω − L₀); the limit needs γ > 0 (errata 002)")
    elif isinstance(forcing, RandomForcing):
        _validate(energies, forcing.coupling, 1.0, relaxation, False)
        C = sp.sympify(forcing.correlation)
        extra = {x for x in C.free_symbols if x.name != "s"}
        if extra:
            raise ParameterError(f"correlation must be a function of s only, found {sorted(map(str, extra))}")
        c0 = complex(C.subs({x: 0 for x in C.free_symbols}).evalf())
        if not (c0.real > 0 and abs(c0.imag) < 1e-14):
            raise ParameterError(f"correlation must have C(0) = E ξ² > 0, got C(0) = {c0.real:g}")
    else:
        raise ModelError(f"unknown forcing {forcing!r}")


# --------------------------------------------------------------------------- main entry point
def _model_step(forcing, n_levels: int) -> Step:
    rho, eps = sp.Function("rho"), sp.Symbol("epsilon", positive=True)
    if isinstance(forcing, PeriodicForcing):
        what = "fast forcing V(τ) = A cos ωτ"
    elif isinstance(forcing, QuasiPeriodicForcing):
        what = (f"quasi-periodic forcing V(τ) = Σ_r A_r cos ω_r τ with {len(forcing.omegas)} rationally independent "
                "frequencies")
    else:
        what = "random forcing V(τ) = A ξ(τ), ξ centred stationary with correlation C(s) = E ξ(0)ξ(s)"
    return Step("bloch_model", f"Project conventions (i∂_tρ = [H, ρ]) with dephasing γ on every coherence and {what} "
                f"of strength 1/ε; τ = t/ε²; {n_levels} levels.",
                sp.Eq(sp.I * sp.Derivative(rho(_t), _t),
                      _Commutator(sp.Symbol("H_0") / eps ** 2 + sp.Function("V")(_t / eps ** 2) / eps, rho(_t))
                      - sp.I * sp.Symbol("gamma") / eps ** 2 * _Projected(rho(_t))),
                Approximation.DEFINITION)


def forced_rates(energies, forcing, relaxation):
    """Einstein rates A(n, k) for a periodic, quasi-periodic or random forcing, derived by the corrector engine.

    Parameters
    ----------
    energies
        Distinct levels E_0 … E_{N−1} (numbers or sympy symbols).
    forcing
        :class:`PeriodicForcing`, :class:`QuasiPeriodicForcing` or :class:`RandomForcing`.
    relaxation
        Dephasing rate γ ≥ 0 (γ > 0 required for quasi-periodic forcing; γ = 0 allowed for random forcing with an
        integrable correlation and for off-resonant periodic forcing).

    Returns
    -------
    (rates, derivation)
        As :func:`einstein_rates`; all certificates are run on numeric input (and the Bochner check for random
        forcing) and raise their named :class:`~derive.errors.CertificateFailed` subclass.

    Raises
    ------
    CellProblemSingular
        Resonance without relaxation, or quasi-periodic forcing without relaxation (small divisors).
    DegenerateLevels, NonHermitianCoupling, ParameterError
        Bad model input.
    """
    energies = list(energies)
    n = len(energies)
    if isinstance(forcing, PeriodicForcing):
        parts = (forcing.coupling, forcing.omega)
    elif isinstance(forcing, QuasiPeriodicForcing):
        parts = (*forcing.couplings, tuple(forcing.omegas))
    elif isinstance(forcing, RandomForcing):
        parts = (forcing.coupling, forcing.correlation)
    else:
        raise ModelError(f"unknown forcing {forcing!r}")
    symbolic = _symbolic(energies, relaxation, *parts[:-1] if isinstance(forcing, RandomForcing) else parts)
    d = Derivation(f"Einstein rate equations, {n} levels (two-scale limit of the dephased Bloch equation)")
    d = d.then(_model_step(forcing, n))
    extra = []
    if isinstance(forcing, PeriodicForcing):
        A = _validate(energies, forcing.coupling, forcing.omega, relaxation, symbolic)
        L0, modes, P, B = bloch_generators(energies, A, relaxation)
        res = two_scale_limit(L0, modes, P, forcing.omega, B, title="engine")
    elif isinstance(forcing, QuasiPeriodicForcing):
        if len(forcing.couplings) != len(forcing.omegas) or not forcing.omegas:
            raise ModelError(f"need one coupling matrix per frequency, got {len(forcing.couplings)} matrices and "
                             f"{len(forcing.omegas)} frequencies")
        As = [_validate(energies, A, w, relaxation, symbolic) for A, w in zip(forcing.couplings, forcing.omegas)]
        if len(As) >= 2 and not symbolic and float(relaxation) <= 0:
            raise CellProblemSingular("quasi-periodic forcing without relaxation: small divisors in the cell problems "
                                      "(i m·ω − L₀); the limit needs γ > 0 (errata 002)")
        L0, modes, P, B = quasi_periodic_generators(energies, As, tuple(forcing.omegas), relaxation)
        res = two_scale_limit(L0, modes, P, tuple(forcing.omegas), B, title="engine")
        extra.append(_quasi_periodic_form_step())
    else:
        A = _validate(energies, forcing.coupling, 1.0, relaxation, symbolic)
        tr = correlation_transform(forcing.correlation, forcing.variable)
        if isinstance(forcing.correlation, sp.Basic) and tr.correlation.free_symbols - {tr.variable}:
            symbolic = True
            A = sp.Matrix(A) if not isinstance(A, sp.MatrixBase) else A
        L0, L1, P, B = random_generators(energies, A, relaxation)
        if symbolic:
            L0, L1, P, B = (sp.Matrix(x) for x in (L0, L1, P, B))
        res = correlation_limit(L0, L1, P, tr, B, title="engine")
        extra += [random_rate_form(), _gamma0_spectral_step(tr)]
    for st in res.derivation.steps:
        d = d.then(st)
    rates = _rates_from_generator(res.slow_operator, n, symbolic)
    pn, pk = sp.Function("p")(sp.Symbol("n")), sp.Function("p")(sp.Symbol("k"))
    Ank = sp.Function("A")(sp.Symbol("n"), sp.Symbol("k"))
    d = d.then(Step("einstein_rate_equation", "The slow generator has the rate-equation form (diagonal = −row sum of "
                    "the off-diagonal part).",
                    sp.Eq(sp.Derivative(pn, _t), sp.Sum(Ank * (pk - pn), (sp.Symbol("k"), 0, n - 1))),
                    Approximation.EXACT))
    if not isinstance(forcing, RandomForcing):
        c, cstep = lorentzian_constant()
        d = d.then(cstep)
        for st in extra:
            d = d.then(st)
        w, wstep = lorentzian_delta_weight()
        d = d.then(wstep)
        xm, xp = sp.symbols("x_-, x_+", real=True)
        a2 = sp.Abs(sp.Symbol("A_{nk}")) ** 2
        d = d.then(Step("delta_rates", "Rates in the γ → 0 limit taken after ε → 0: the derived constant times the "
                        "derived δ-weight, x_∓ = E_n − E_k ∓ ω" + (" (summed over the frequencies ω_r)"
                                                                   if isinstance(forcing, QuasiPeriodicForcing) else "")
                        + ".",
                        sp.Eq(sp.Limit(Ank, sp.Symbol("gamma"), 0, "+"),
                              c * w * a2 * (sp.DiracDelta(xm) + sp.DiracDelta(xp))),
                        Approximation.KINETIC_LIMIT, ("dephasing width (line shape → δ)",)))
    else:
        for st in extra:
            d = d.then(st)
        if not symbolic:
            certify_spectral_positivity(tr, relaxation)
    if not symbolic:
        certify_rates(rates)
    else:
        certify_symmetric(rates)
        certify_conservation(einstein_generator(rates))
    return rates, d


def _rates_from_generator(G, n: int, symbolic: bool):
    if symbolic:
        G = G.applyfunc(lambda x: sp.factor(sp.cancel(sp.expand_complex(x))) if x.free_symbols else sp.re(x))
        return sp.Matrix(n, n, lambda i, k: 0 if i == k else G[i, k])
    if np.max(np.abs(G.imag), initial=0.0) > 1e-10 * max(1.0, np.max(np.abs(G))):
        raise CertificateFailed(f"slow generator is not real: {G}")
    G = G.real
    rates = G - np.diag(np.diag(G))
    if np.max(np.abs(np.diag(G) + rates.sum(axis=1))) > 1e-10 * max(1.0, np.max(np.abs(G))):
        raise CertificateFailed("slow generator is not of the rate-equation form Σ_k A(n,k)(p_k − p_n)")
    return rates


def einstein_rates(energies, coupling, omega, relaxation):
    """Einstein rates A(n, k) for V(τ) = A cos ωτ, derived by the two-scale engine (see :func:`forced_rates`).

    Parameters
    ----------
    energies
        Distinct levels E_0 … E_{N−1} (numbers, or sympy symbols for a symbolic derivation).
    coupling
        Hermitian N×N matrix A with zero diagonal; V(τ) = A cos ωτ.
    omega
        Forcing frequency ω > 0.
    relaxation
        Dephasing rate γ ≥ 0 (γ = 0 only off resonance; at resonance it raises
        :class:`~derive.correctors.multiscale.CellProblemSingular`).

    Returns
    -------
    (rates, derivation)
        ``rates`` an N×N numpy array (sympy Matrix when any input is symbolic) with zero diagonal,
        dp_n/dt = Σ_k rates[n, k](p_k − p_n); ``derivation`` the recorded steps. All certificates are run
        (numeric input) and raise on failure.
    """
    return forced_rates(energies, PeriodicForcing(coupling, omega), relaxation)
