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
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from derive.correctors.multiscale import (
    CellProblemSingular, diagonal_projection, superop_commutator, two_scale_limit,
)
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, ModelError, ParameterError
from derive.ir import Approximation, Derivation, Step

__all__ = ["DegenerateLevels", "NonHermitianCoupling", "RatesNotSymmetric", "NegativeRate",
           "ProbabilityNotConserved", "EntropyIncreases", "ResonanceWithoutRelaxation", "EinsteinRates",
           "einstein_rates", "einstein_generator", "bloch_generators", "certify_rates", "certify_symmetric",
           "certify_nonnegative", "certify_conservation", "certify_h_theorem", "lorentzian_delta_weight",
           "lorentzian_constant"]

ResonanceWithoutRelaxation = CellProblemSingular


class DegenerateLevels(ModelError):
    """Two energy levels coincide: populations alone are not the slow manifold."""


class NonHermitianCoupling(ModelError):
    """The coupling matrix A is not Hermitian (or has a non-zero diagonal)."""


class RatesNotSymmetric(CertificateFailed):
    """A(n, k) ≠ A(k, n)."""


class NegativeRate(CertificateFailed):
    """Some A(n, k) < 0."""


class ProbabilityNotConserved(CertificateFailed):
    """Columns of the rate generator do not sum to zero."""


class EntropyIncreases(CertificateFailed):
    """H = Σ p log p increases along the rate equation somewhere (H-theorem fails)."""


EinsteinRates = tuple  # (rates, Derivation)

_x = sp.Symbol("x", real=True)
_g = sp.Symbol("gamma", positive=True)
_t = sp.Symbol("t", positive=True)


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


def einstein_generator(rates):
    """Generator G of dp/dt = G p with (G p)_n = Σ_k A(n,k)(p_k − p_n)."""
    if isinstance(rates, sp.MatrixBase):
        A = sp.Matrix(rates)
        for i in range(A.shape[0]):
            A[i, i] = 0
        return A - sp.diag(*[sum(A.row(i)) for i in range(A.shape[0])])
    A = np.array(rates, dtype=float, copy=True)
    np.fill_diagonal(A, 0.0)
    return A - np.diag(A.sum(axis=1))


# --------------------------------------------------------------------------- certificates
def _num(rates):
    if isinstance(rates, sp.MatrixBase):
        return None
    return np.asarray(rates, dtype=float)


def certify_symmetric(rates, tol=1e-12) -> Certificate:
    A = _num(rates)
    if A is None:
        if any(sp.simplify(x) != 0 for x in (rates - rates.T)):
            raise RatesNotSymmetric("A(n,k) ≠ A(k,n) (symbolic)")
    elif not np.allclose(A, A.T, atol=tol * max(1.0, np.max(np.abs(A))), rtol=0):
        raise RatesNotSymmetric(f"A(n,k) ≠ A(k,n): max asymmetry {np.max(np.abs(A - A.T)):.3g}")
    return Certificate("symmetry", "A(n,k) = A(k,n)", "entrywise", "A - A^T = 0")


def certify_nonnegative(rates, tol=1e-12) -> Certificate:
    A = _num(rates)
    if A is None:
        for i in range(rates.shape[0]):
            for k in range(rates.shape[1]):
                if i != k and sp.simplify(rates[i, k]).is_nonnegative is not True:
                    raise NegativeRate(f"A({i},{k}) = {rates[i, k]} not provably ≥ 0")
    else:
        off = A - np.diag(np.diag(A))
        if np.min(off) < -tol * max(1.0, np.max(np.abs(A))):
            raise NegativeRate(f"negative rate {np.min(off):.3g}")
    return Certificate("positivity", "A(n,k) ≥ 0 for n ≠ k", "entrywise", "A(n,k) >= 0")


def certify_conservation(generator, tol=1e-12) -> Certificate:
    """Columns of the generator G (dp/dt = G p) sum to zero: d/dt Σ p_n = 0."""
    if isinstance(generator, sp.MatrixBase):
        if any(sp.simplify(x) != 0 for x in sp.ones(1, generator.shape[0]) * generator):
            raise ProbabilityNotConserved("column sums of the generator are not zero (symbolic)")
    else:
        G = np.asarray(generator, dtype=float)
        cs = np.abs(G.sum(axis=0))
        if np.max(cs) > tol * max(1.0, np.max(np.abs(G))):
            raise ProbabilityNotConserved(f"column sums of the generator are not zero: {G.sum(axis=0)}")
    return Certificate("conservation", r"\sum_n (Gp)_n = 0", "column sums", "1^T G = 0")


def certify_h_theorem(rates, samples: int = 64, tol=1e-12) -> Certificate:
    """H = Σ p log p is non-increasing along dp/dt = G p.

    Proof used: for symmetric A ≥ 0, dH/dt = −½ Σ_{n,k} A(n,k)(p_k − p_n)(log p_k − log p_n) ≤ 0.
    Checked structurally (symmetry and non-negativity) *and* by evaluating dH/dt = Σ (1 + log p_n)(Gp)_n
    on deterministic sample points of the simplex (so a tampered generator is caught even if it slips
    past the structural checks)."""
    A = _num(rates)
    if A is None:  # symbolic: substitute positive sample values for the free symbols
        syms = sorted(rates.free_symbols, key=str)
        vals = {s: sp.Rational(3 + 2 * i, 7) for i, s in enumerate(syms)}
        A = np.array(rates.subs(vals).evalf(), dtype=complex).real
    G = einstein_generator(A)
    rng = np.random.default_rng(12345)
    n = A.shape[0]
    pts = [rng.dirichlet(np.ones(n)) for _ in range(samples)]
    for i in range(n):
        for k in range(n):
            if i != k:
                p = np.full(n, 0.1 / n)
                p[i] += 0.9
                pts.append(p / p.sum())
    scale = max(1.0, np.max(np.abs(A)))
    for p in pts:
        dH = float(np.dot(1.0 + np.log(p), G @ p))
        if dH > tol * scale:
            raise EntropyIncreases(f"dH/dt = {dH:.3g} > 0 at p = {np.round(p, 4)}")
    off = A - np.diag(np.diag(A))
    if np.min(off) < -tol * scale or not np.allclose(off, off.T, atol=tol * scale, rtol=0):
        raise EntropyIncreases("rates not symmetric and non-negative: the H-theorem identity does not apply")
    return Certificate("h-theorem", r"\frac{d}{dt}\sum_n p_n\log p_n \le 0",
                       "symmetric non-negative rates + sampled dH/dt",
                       r"dH/dt = -\tfrac12\sum A(n,k)(p_k-p_n)(\log p_k-\log p_n)")


def certify_rates(rates) -> list[Certificate]:
    """All certificates; each raises its named :class:`~derive.errors.CertificateFailed` subclass."""
    return [certify_symmetric(rates), certify_nonnegative(rates), certify_conservation(einstein_generator(rates)),
            certify_h_theorem(rates)]


# --------------------------------------------------------------------------- main entry point
def einstein_rates(energies, coupling, omega, relaxation):
    """Einstein rates A(n, k) of the model in the module docstring, derived by the two-scale engine.

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
    symbolic = _symbolic(energies, coupling, omega, relaxation)
    A = _validate(list(energies), coupling, omega, relaxation, symbolic)
    n = len(energies)
    rho, H0s, Vs = sp.Function("rho"), sp.Symbol("H_0"), sp.Function("V")
    eps = sp.Symbol("epsilon", positive=True)
    d = Derivation(f"Einstein rate equations, {n} levels (two-scale limit of the dephased Bloch equation)")
    d = d.then(Step("bloch_model", "Project conventions (i∂_tρ = [H, ρ]) with dephasing γ on every coherence and "
                    "fast forcing V(τ) = A cos ωτ of strength 1/ε; τ = t/ε².",
                    sp.Eq(sp.I * sp.Derivative(rho(_t), _t),
                          sp.Symbol("[H_0/epsilon**2 + V(t/epsilon**2)/epsilon, rho]")
                          - sp.I * sp.Symbol("gamma") / eps ** 2 * sp.Symbol("(I-P)rho")),
                    Approximation.DEFINITION))
    L0, modes, P, B = bloch_generators(list(energies), A, relaxation)
    res = two_scale_limit(L0, modes, P, omega, B, title="engine")
    for st in res.steps if hasattr(res, "steps") else res.derivation.steps:
        d = d.then(st)
    G = res.slow_operator
    if symbolic:
        G = G.applyfunc(lambda x: sp.factor(sp.cancel(sp.expand_complex(x))) if x.free_symbols else sp.re(x))
        rates = sp.Matrix(n, n, lambda i, k: 0 if i == k else G[i, k])
    else:
        if np.max(np.abs(G.imag), initial=0.0) > 1e-10 * max(1.0, np.max(np.abs(G))):
            raise CertificateFailed(f"slow generator is not real: {G}")
        G = G.real
        rates = G - np.diag(np.diag(G))
        if np.max(np.abs(np.diag(G) + rates.sum(axis=1))) > 1e-10 * max(1.0, np.max(np.abs(G))):
            raise CertificateFailed("slow generator is not of the rate-equation form Σ_k A(n,k)(p_k − p_n)")
    pn, pk = sp.Function("p")(sp.Symbol("n")), sp.Function("p")(sp.Symbol("k"))
    Ank = sp.Function("A")(sp.Symbol("n"), sp.Symbol("k"))
    d = d.then(Step("einstein_rate_equation", "The slow generator has the rate-equation form (diagonal = −row sum of "
                    "the off-diagonal part).",
                    sp.Eq(sp.Derivative(pn, _t), sp.Sum(Ank * (pk - pn), (sp.Symbol("k"), 0, n - 1))),
                    Approximation.EXACT))
    c, cstep = lorentzian_constant()
    d = d.then(cstep)
    w, wstep = lorentzian_delta_weight()
    d = d.then(wstep)
    xm, xp = sp.symbols("x_-, x_+", real=True)
    a2 = sp.Symbol("|A_nk|^2", nonnegative=True)
    d = d.then(Step("delta_rates", "Rates in the γ → 0 limit taken after ε → 0: the derived constant times the "
                    "derived δ-weight, x_∓ = E_n − E_k ∓ ω.",
                    sp.Eq(sp.Limit(Ank, sp.Symbol("gamma"), 0, "+"),
                          c * w * a2 * (sp.DiracDelta(xm) + sp.DiracDelta(xp))),
                    Approximation.KINETIC_LIMIT, ("dephasing width (line shape → δ)",)))
    if not symbolic:
        certify_rates(rates)
    else:
        certify_symmetric(rates)
        certify_conservation(einstein_generator(rates))
    return rates, d
