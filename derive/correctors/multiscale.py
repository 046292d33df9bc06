r"""Generic two-scale corrector engine for linear generators with a fast periodic perturbation.

Problem (on a finite-dimensional space, e.g. vectorized density matrices)::

    ∂_t f = ε⁻² L₀ f + ε⁻¹ L₁(t/ε²) f,     L₁(τ) = Σ_m e^{i m ω τ} L₁^{(m)}   (finitely many modes m ∈ ℤ)

with ``P`` the projection onto ker L₀ (the slow manifold) and ``P L₀ = L₀ P = 0``. With τ = t/ε² and the
ansatz f = f₀(t) + ε f₁(t, τ) + ε² f₂(t, τ) (periodic in τ):

* O(ε⁻²): ∂_τ f₀ = L₀ f₀  ⇒  f₀ = P f₀, independent of τ.
* O(ε⁻¹): (∂_τ − L₀) f₁ = L₁(τ) f₀; solvability P L₁^{(0)} P = 0; mode by mode
  f₁^{(m)} = (i m ω − L₀ + δ_{m0} P)⁻¹ L₁^{(m)} P f₀ (the cell problem; ``+δ_{m0}P`` fixes P f₁^{(0)} = 0).
* O(ε⁰): (∂_τ − L₀) f₂ = −∂_t f₀ + L₁(τ) f₁; applying P and averaging over one fast period
  (⟨e^{i k ω τ}⟩ = δ_{k0}) gives the limiting (slow) equation

  .. math:: \partial_t f_0 = K f_0,\qquad K = \sum_m P L_1^{(-m)} (i m\omega - L_0 + \delta_{m0}P)^{-1} L_1^{(m)} P.

The cell problem is invertible when no i m ω is an eigenvalue of L₀ on the range of (I − P) (for a
relaxation γ > 0 the eigenvalues have real part ≤ −γ, so always). Otherwise (resonant forcing without
relaxation) :class:`CellProblemSingular` is raised. Works symbolically (sympy matrices, e.g. N = 2, 3 levels
with symbolic energies) and numerically (numpy arrays); every step is recorded as a :class:`~derive.ir.Step`.

Quasi-periodic forcing (R rationally independent frequencies ω = (ω_1 … ω_R)): the modes are indexed by
m ∈ ℤ^R, L₁(τ) = Σ_m e^{i m·ω τ} L₁^{(m)}, the cell problems read (i m·ω − L₀) f₁^{(m)} = L₁^{(m)} f₀ and the
fast average is the exact time average lim_{T→∞} T⁻¹∫₀^T e^{iκτ}dτ = δ_{κ0} at κ = (m' + m)·ω, which equals the
torus average ⟨e^{i m·θ}⟩_{𝕋^R} = δ_{m0} when the frequencies are independent (Weyl). Since the m·ω are dense,
the solution of the full (infinitely many modes) cell problem is bounded only with a spectral gap of L₀ on
the fast complement (relaxation γ > 0): without it :class:`CellProblemSingular` is raised (small divisors).

Random forcing (:func:`correlation_limit`): ∂_t f = ε⁻² L₀ f + ε⁻¹ ξ(t/ε²) L₁ f with ξ a centred stationary
process of correlation C(s) = 𝔼 ξ(0)ξ(s). The averaged (second cumulant, short memory) limit is
K = ∫₀^∞ C(s) P L₁ e^{L₀ s} L₁ P ds = P L₁ Ĉ₊(−L₀) L₁ P with the one-sided Laplace transform
Ĉ₊(z) = ∫₀^∞ C(s) e^{−zs} ds (computed by sympy for real z > 0 and continued to Re z ≥ 0; at Re z = 0 the
integral is Abel-regularized, e^{−0·s}, which needs C integrable).

Vectorization convention (row-major): ``vec(ρ)[n·N + k] = ρ[n, k]``, so X ↦ A X is ``kron(A, I)`` and
X ↦ X B is ``kron(I, Bᵀ)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from derive.conventions import Space, conventions_for
from derive.errors import DeriveError, ModelError, ParameterError
from derive.ir import Approximation, Derivation, Step

__all__ = ["CellProblemSingular", "SolvabilityFailed", "TwoScaleResult", "superop_left", "superop_right",
           "superop_commutator", "diagonal_projection", "two_scale_limit", "fourier_average", "torus_average",
           "time_average", "CorrelationTransform", "correlation_transform", "correlation_limit"]

eps = sp.Symbol("epsilon", positive=True)
_t = sp.Symbol("t", positive=True)
_tau = sp.Symbol("tau", real=True)
_w = sp.Symbol("omega", positive=True)


class CellProblemSingular(DeriveError):
    """The cell problem (i m ω − L₀) f₁ = L₁^{(m)} f₀ is not invertible on the fast complement
    (resonant or quasi-periodic forcing without relaxation)."""


class SolvabilityFailed(ModelError):
    """The structural hypotheses of the two-scale expansion fail (P not the kernel projection of L₀,
    or the O(ε⁻¹) solvability condition P L₁^{(0)} P = 0 is violated)."""


# --------------------------------------------------------------------------- superoperators
def _is_sym(*objs) -> bool:
    return any(isinstance(o, (sp.MatrixBase, sp.Basic)) for o in objs)


def superop_left(a):
    """Superoperator of X ↦ A X on row-major vec."""
    if _is_sym(a):
        a = sp.Matrix(a)
        return sp.kronecker_product(a, sp.eye(a.shape[0]))
    a = np.asarray(a)
    return np.kron(a, np.eye(a.shape[0]))


def superop_right(b):
    """Superoperator of X ↦ X B on row-major vec."""
    if _is_sym(b):
        b = sp.Matrix(b)
        return sp.kronecker_product(sp.eye(b.shape[0]), b.T)
    b = np.asarray(b)
    return np.kron(np.eye(b.shape[0]), b.T)


def superop_commutator(h):
    """Superoperator of X ↦ [H, X]."""
    return superop_left(h) - superop_right(h)


def diagonal_projection(n: int, symbolic: bool = False):
    """Projection P onto diagonal matrices (vec space of dimension n²) and an orthonormal basis of its range
    (columns vec(E_kk)). Returns ``(P, B)``."""
    idx = [k * n + k for k in range(n)]
    if symbolic:
        P = sp.zeros(n * n, n * n)
        B = sp.zeros(n * n, n)
    else:
        P = np.zeros((n * n, n * n))
        B = np.zeros((n * n, n))
    for j, i in enumerate(idx):
        P[i, i] = 1
        B[i, j] = 1
    return P, B


@lru_cache(maxsize=64)
def fourier_average(k: int) -> sp.Expr:
    """⟨e^{i k ω τ}⟩ over one fast period 2π/ω, computed by sympy (δ_{k0})."""
    val = sp.integrate(sp.exp(sp.I * k * _w * _tau), (_tau, 0, 2 * sp.pi / _w)) * _w / (2 * sp.pi)
    return sp.simplify(val)


@lru_cache(maxsize=16)
def torus_average(m: tuple) -> sp.Expr:
    """⟨e^{i m·θ}⟩ over the torus 𝕋^R = [0, 2π)^R (normalized Lebesgue), computed by sympy: Π_r δ_{m_r 0}."""
    th = sp.Symbol("theta", real=True)
    val = sp.Integer(1)
    for mr in m:
        val *= sp.integrate(sp.exp(sp.I * sp.sympify(mr) * th), (th, 0, 2 * sp.pi)) / (2 * sp.pi)
    return sp.simplify(val)


@lru_cache(maxsize=1)
def time_average() -> tuple:
    """``(re, im)``: the limits T → ∞ of the real and imaginary parts of T⁻¹∫₀^T e^{iκτ}dτ for κ > 0, by sympy
    (both 0; κ < 0 is the complex conjugate, κ = 0 gives 1). Returns the two limits and the sympy integrand."""
    T = sp.Symbol("T", positive=True)
    k = sp.Symbol("kappa", positive=True)
    mean = sp.integrate(sp.exp(sp.I * k * _tau), (_tau, 0, T)) / T
    re, im = (sp.simplify(x) for x in sp.expand_complex(mean).as_real_imag())
    return sp.limit(re, T, sp.oo), sp.limit(im, T, sp.oo), mean


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class TwoScaleResult:
    """Output of :func:`two_scale_limit`.

    Attributes
    ----------
    operator
        K = ⟨P L₁ f₁⟩ on the full vec space (sympy Matrix or numpy array).
    slow_operator
        Bᴴ K B in the coordinates of the slow basis B (e.g. the populations for diagonal P).
    correctors
        ``{m: C_m}`` with f₁^{(m)} = C_m P f₀ (the solution operators of the cell problems).
    derivation
        The recorded steps.
    """

    operator: object
    slow_operator: object
    correctors: dict
    derivation: Derivation
    symbolic: bool = False
    constants: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers
def _symbolic_nonzero(x: sp.Expr) -> bool:
    """True when sympy can prove x ≠ 0 (numbers, or a real/imaginary part of definite sign)."""
    x = sp.simplify(x)
    if x.is_zero is False:
        return True
    re, im = sp.re(x), sp.im(x)
    return bool(re.is_positive or re.is_negative or im.is_positive or im.is_negative)


def _inverse_checked(M, m: int, symbolic: bool, tol: float):
    if symbolic:
        if M.is_diagonal():
            bad = [i for i in range(M.shape[0]) if not _symbolic_nonzero(M[i, i])]
            if bad:
                raise CellProblemSingular(
                    f"cell problem for Fourier mode m={m} is singular (or not provably invertible): diagonal "
                    f"entry {sp.simplify(M[bad[0], bad[0]])} of (i m ω − L₀ + δ_m0 P) can vanish — resonant "
                    "forcing needs a relaxation γ > 0")
            return sp.diag(*[1 / M[i, i] for i in range(M.shape[0])])
        det = sp.simplify(M.det())
        if not _symbolic_nonzero(det):
            raise CellProblemSingular(f"cell problem for Fourier mode m={m} is not provably invertible (det = {det})")
        return M.inv()
    M = np.asarray(M, dtype=complex)
    sv = np.linalg.svd(M, compute_uv=False)
    scale = max(1.0, float(np.max(np.abs(M))))
    if sv[-1] <= tol * scale:
        raise CellProblemSingular(
            f"cell problem for Fourier mode m={m} is singular (smallest singular value {sv[-1]:.3g}): resonant "
            "forcing without relaxation; the two-scale limit needs γ > 0")
    return np.linalg.inv(M)


def _is_zero(M, symbolic: bool, tol: float) -> bool:
    if symbolic:
        return all(sp.simplify(x) == 0 for x in M)
    return bool(np.max(np.abs(M), initial=0.0) <= tol)


# --------------------------------------------------------------------------- engine
def _normalize_frequencies(omega, modes: dict, symbolic: bool):
    """(frequency vector, {key: tuple index}); a scalar ω with integer keys is the R = 1 case."""
    if isinstance(omega, (list, tuple, np.ndarray)) or (symbolic and isinstance(omega, sp.MatrixBase)):
        freqs = tuple(sp.sympify(w) if symbolic else float(w) for w in omega)
    else:
        freqs = (sp.sympify(omega) if symbolic else float(omega),)
    R = len(freqs)
    index = {}
    for key in modes:
        m = (int(key),) if np.ndim(key) == 0 and not isinstance(key, tuple) else tuple(int(x) for x in key)
        if len(m) != R:
            raise ModelError(f"mode {key!r} does not match the {R} frequencies {freqs}")
        index[key] = m
    for w in freqs:
        if (not symbolic and not w > 0) or (symbolic and w.is_positive is False):
            raise ModelError(f"the fast frequency must be positive, got ω = {w}")
    return freqs, index


def _require_fast_gap(L0, P, symbolic: bool, tol: float) -> None:
    """Quasi-periodic forcing: the spectrum of L₀ on range(I − P) must lie in Re λ < 0 (a relaxation gap),
    otherwise the cell problems of the (dense) frequencies m·ω have small divisors."""
    msg = ("quasi-periodic forcing without relaxation: the cell problems (i m·ω − L₀) have small divisors "
           "(m·ω is dense in ℝ); the two-scale limit needs a relaxation γ > 0 on every coherence")
    n = L0.shape[0]
    if symbolic:
        if not L0.is_diagonal():
            raise CellProblemSingular(msg + " (non-diagonal symbolic L₀: gap not provable)")
        for i in range(n):
            if P[i, i] == 0 and not sp.re(sp.simplify(L0[i, i])).is_negative:
                raise CellProblemSingular(msg)
        return
    Q = np.eye(n) - np.asarray(P, dtype=complex)
    u, sv, _ = np.linalg.svd(Q)
    Bq = u[:, sv > 0.5]
    lam = np.linalg.eigvals(Bq.conj().T @ L0 @ Bq) if Bq.size else np.zeros(0)
    scale = max(1.0, float(np.max(np.abs(L0))))
    if lam.size and np.max(lam.real) > -tol * scale:
        raise CellProblemSingular(msg + f" (max Re λ(L₀) on the coherences = {np.max(lam.real):.3g})")


def _pair_average(kappa, pair_is_zero: bool, symbolic: bool, tol: float, scale: float):
    """Time average of e^{iκτ}: 1 if κ = 0 else 0 (κ = (m' + m)·ω). Returns (average, commensurate flag)."""
    if symbolic:
        zero = sp.simplify(kappa) == 0
    else:
        zero = abs(kappa) <= tol * scale
    return (1 if zero else 0), (zero and not pair_is_zero)


def two_scale_limit(L0, modes: dict, P, omega, basis=None, *, title: str = "two-scale corrector limit",
                    tol: float = 1e-10) -> TwoScaleResult:
    """Limiting slow operator of ∂_t f = ε⁻² L₀ f + ε⁻¹ Σ_m e^{i m·ω t/ε²} L₁^{(m)} f.

    Parameters
    ----------
    L0
        Fast generator (square sympy Matrix or numpy array).
    modes
        ``{m: L1_m}``: Fourier modes of the perturbation; m an integer when ``omega`` is a number (periodic
        forcing), a tuple in ℤ^R when ``omega`` is a sequence of R frequencies (quasi-periodic forcing). For a
        real forcing mode −m is the conjugate partner of m.
    P
        Projection onto the slow manifold = ker L₀; ``P L₀ = L₀ P = 0`` is checked.
    omega
        Fast angular frequency ω > 0, or a sequence (ω_1 … ω_R) of rationally independent frequencies.
    basis
        Optional matrix whose orthonormal columns span range P; ``slow_operator = Bᴴ K B``.

    Returns
    -------
    TwoScaleResult
        K = Σ_{(m', m): (m'+m)·ω = 0} P L₁^{(m')} (i m·ω − L₀ + δ_{m0}P)⁻¹ L₁^{(m)} P and the recorded steps.

    Raises
    ------
    CellProblemSingular
        i m·ω − L₀ not invertible on the fast complement (resonance without relaxation), or R ≥ 2
        frequencies without a relaxation gap (small divisors).
    SolvabilityFailed
        P is not a kernel projection of L₀ commuting with it, or P L₁^{(0)} P ≠ 0.
    """
    symbolic = _is_sym(L0, P, omega, *modes.values()) or (isinstance(omega, (list, tuple))
                                                           and _is_sym(*omega))
    if symbolic:
        L0, P = sp.Matrix(L0), sp.Matrix(P)
        modes = {k: sp.Matrix(v) for k, v in modes.items()}
        eye = sp.eye(L0.shape[0])
    else:
        L0, P = np.asarray(L0, dtype=complex), np.asarray(P, dtype=complex)
        modes = {k: np.asarray(v, dtype=complex) for k, v in modes.items()}
        eye = np.eye(L0.shape[0])
    freqs, index = _normalize_frequencies(omega, modes, symbolic)
    R = len(freqs)
    freq = {k: sum(mr * w for mr, w in zip(index[k], freqs)) for k in modes}
    scale = max([1.0] + ([float(abs(w)) for w in freqs] if not symbolic else []))

    L0s, L1s, Ps, fs = sp.Symbol("L_0"), sp.Function("L_1"), sp.Symbol("P"), sp.Function("f")
    d = Derivation(title)
    forcing = ("periodic forcing L₁ at ε⁻¹ (τ = t/ε², L₁(τ) = Σ_m e^{imωτ} L₁^{(m)})" if R == 1 else
               f"quasi-periodic forcing L₁ at ε⁻¹ with {R} frequencies (τ = t/ε², L₁(τ) = Σ_{{m∈ℤ^{R}}} "
               "e^{i m·ω τ} L₁^{(m)} = 𝓛₁(ωτ), 𝓛₁ a function on the torus 𝕋^R)")
    d = d.then(Step("two_scale_model", f"Stiff linear evolution: fast generator L₀ at ε⁻², {forcing}.",
                    sp.Eq(sp.Derivative(fs(_t), _t), L0s * fs(_t) / eps ** 2 + L1s(_t / eps ** 2) * fs(_t) / eps),
                    Approximation.DEFINITION))
    f0, f1, f2 = (sp.Function(f"f_{j}") for j in range(3))
    d = d.then(Step("two_scale_ansatz", "Expand f = f₀(t) + ε f₁(t, τ) + ε² f₂(t, τ) with τ = t/ε², each term "
                    + ("periodic in τ" if R == 1 else "a function of θ = ωτ on the torus 𝕋^R")
                    + "; ∂_t ↦ ∂_t + ε⁻²∂_τ.",
                    sp.Eq(fs(_t), f0(_t) + eps * f1(_t, _tau) + eps ** 2 * f2(_t, _tau)),
                    Approximation.TRUNCATION, ("O(ε³) terms of the expansion",)))

    # O(ε⁻²): slow manifold
    if not (_is_zero(L0 @ P if not symbolic else L0 * P, symbolic, tol)
            and _is_zero(P @ L0 if not symbolic else P * L0, symbolic, tol)
            and _is_zero((P @ P - P) if not symbolic else (P * P - P), symbolic, tol)):
        raise SolvabilityFailed("P must be a projection with L₀P = PL₀ = 0 (the slow manifold is ker L₀)")
    d = d.then(Step("order_eps_minus2", "O(ε⁻²): ∂_τ f₀ = L₀ f₀; the bounded periodic solutions are f₀ = P f₀ "
                    "(checked: P² = P, L₀P = PL₀ = 0).",
                    sp.Eq(L0s * Ps, 0), Approximation.EXACT))

    if R >= 2:
        _require_fast_gap(L0, P, symbolic, tol)
        d = d.then(Step("relaxation_gap", "Quasi-periodic forcing: the frequencies m·ω (m ∈ ℤ^R) are dense, so the "
                        "cell problems are uniformly solvable only if L₀ has a spectral gap on the coherences "
                        "(checked: Re λ(L₀) < 0 on range(I − P), i.e. relaxation γ > 0; without it small divisors).",
                        sp.StrictLessThan(sp.re(sp.Function("lambda")(sp.Symbol("L_0"))), 0), Approximation.EXACT))

    # O(ε⁻¹): cell problems
    zero_keys = [k for k in modes if not any(index[k])]
    for k in zero_keys:
        z = P * modes[k] * P if symbolic else P @ modes[k] @ P
        if not _is_zero(z, symbolic, tol):
            raise SolvabilityFailed("O(ε⁻¹) solvability fails: the mean forcing P L₁^{(0)} P ≠ 0 acts at order ε⁻¹")
    correctors = {}
    for key in sorted(modes, key=lambda k: index[k]):
        L1m, m = modes[key], index[key]
        M = sp.I * freq[key] * eye - L0 if symbolic else 1j * freq[key] * eye - L0
        if not any(m):
            M = M + P
        label = m[0] if R == 1 else m
        Minv = _inverse_checked(M, label, symbolic, tol)
        C = (Minv * L1m * P).applyfunc(sp.cancel) if symbolic else Minv @ L1m @ P
        correctors[key] = C
        expr = sp.ImmutableMatrix(C) if symbolic else sp.ImmutableMatrix(np.round(C, 14))
        name = f"cell_problem_m{m[0]}" if R == 1 else "cell_problem_m" + "_".join(str(x) for x in m)
        mw = "m ω" if R == 1 else "m·ω"
        d = d.then(Step(name, f"O(ε⁻¹), Fourier mode m = {label}: (i {mw} − L₀) f₁^{{(m)}} = L₁^{{(m)}} f₀ "
                        "solved on the fast complement; the matrix shown maps P f₀ to f₁^{(m)}.",
                        expr, Approximation.EXACT))

    # O(1): averaging and solvability
    keys = sorted(modes, key=lambda k: index[k])
    K = sp.zeros(*L0.shape) if symbolic else np.zeros(L0.shape, dtype=complex)
    kept, commensurate = [], []
    for kp in keys:
        for k in keys:
            summed = tuple(a + b for a, b in zip(index[kp], index[k]))
            if R == 1:
                a, comm = fourier_average(summed[0]), False     # ⟨e^{ikωτ}⟩ over one period, sympy
            else:
                a, comm = _pair_average(freq[kp] + freq[k], not any(summed), symbolic, tol, scale)
            if a == 0:
                continue
            kept.append((index[kp][0], index[k][0]) if R == 1 else (index[kp], index[k]))
            if comm:
                commensurate.append(kept[-1])
            if symbolic:
                K += a * P * modes[kp] * correctors[k]
            else:
                K += complex(a) * (P @ modes[kp] @ correctors[k])
    kk = sp.Symbol("k", integer=True)
    if R == 1:
        d = d.then(Step("fast_average", "Average over one fast period: ⟨e^{ikωτ}⟩ = δ_{k0} (sympy integral), so only "
                        f"pairs of modes (m', m) with m' + m = 0 survive: {kept}.",
                        sp.Eq(sp.Integral(sp.exp(sp.I * kk * _w * _tau), (_tau, 0, 2 * sp.pi / _w)) * _w / (2 * sp.pi),
                              sp.KroneckerDelta(kk, 0)),
                        Approximation.AVERAGE, ("oscillating parts of f₂ (they stay O(ε²))",)))
    else:
        re, im, mean = time_average()
        tor = torus_average(tuple(sp.Symbol(f"m_{r + 1}", integer=True) for r in range(R)))
        note = (f" Commensurate pairs (m' + m ≠ 0 but (m' + m)·ω = 0) kept by the time average: {commensurate}."
                if commensurate else " No commensurate pair among the modes used (time average = torus average).")
        kap = sp.Symbol("kappa", real=True)
        d = d.then(Step("fast_average", "Average over the fast time: lim_{T→∞} T⁻¹∫₀^T e^{iκτ}dτ = δ_{κ0} (sympy: real "
                        f"and imaginary parts → {re}, {im} for κ ≠ 0); with κ = (m' + m)·ω and independent "
                        "frequencies this is the torus average ⟨e^{i(m'+m)·θ}⟩_{𝕋^R} = δ_{m'+m,0} (Weyl; sympy "
                        f"torus integral = {sp.sstr(tor)}). Surviving pairs (m', m): {kept}." + note,
                        sp.Eq(sp.Limit(mean.subs(sp.Symbol("kappa", positive=True), kap), sp.Symbol("T", positive=True),
                                       sp.oo), sp.KroneckerDelta(kap, 0)),
                        Approximation.AVERAGE, ("oscillating parts of f₂ (bounded for γ > 0)",)))
    if symbolic and R == 1:   # (R ≥ 2: common denominators get large; entries are left as sums of fractions)
        K = K.applyfunc(sp.cancel)
    slow = _slow(K, basis, symbolic, simplify=R == 1)
    d = d.then(_solvability_step(K, slow, symbolic, "O(ε⁰) solvability (apply P, average): ∂_t f₀ = ⟨P L₁ f₁⟩ = "
                                 "K f₀, K = Σ_m P L₁^{(−m)} (i m·ω − L₀)⁻¹ L₁^{(m)} P; shown in the slow coordinates."))
    return TwoScaleResult(K, slow, correctors, d, symbolic)


def _slow(K, basis, symbolic: bool, simplify: bool = True):
    if basis is None:
        return None
    if symbolic:
        B = sp.Matrix(basis)
        out = B.H * K * B
        return out.applyfunc(sp.cancel) if simplify else out
    B = np.asarray(basis)
    return B.conj().T @ K @ B


def _solvability_step(K, slow, symbolic: bool, text: str) -> Step:
    shown = slow if slow is not None else K
    ps = sp.MatrixSymbol("p", shown.shape[1], 1)
    return Step("solvability_condition", text,
                sp.Eq(sp.Symbol("dp/dt"),
                      sp.MatMul(sp.ImmutableMatrix(shown) if symbolic else
                                sp.ImmutableMatrix(np.round(shown, 14)), ps, evaluate=False), evaluate=False),
                Approximation.KINETIC_LIMIT, ("O(ε) corrections to the slow dynamics",))


# --------------------------------------------------------------------------- random forcing
@dataclass(frozen=True)
class CorrelationTransform:
    """A stationary correlation C(s) = 𝔼 ξ(0)ξ(s) (s ≥ 0, extended evenly) and its transforms.

    Attributes
    ----------
    correlation
        C(s) as a sympy expression in ``variable``.
    laplace
        Ĉ₊(z) = ∫₀^∞ C(s) e^{−zs} ds as a sympy expression in ``z`` (closed form from sympy for z > 0,
        continued analytically to Re z > 0 and by continuity to Re z = 0), or ``None`` when sympy finds none.
    spectrum
        Ĉ(x) = ∫_ℝ C(|u|) e^{−ixu} du (the project's continuum Fourier convention), or ``None``.
    integrable
        Whether C = o(s⁻²) at ∞ (sympy limit), which makes the Abel-regularized integral at Re z = 0 converge.
    """

    correlation: sp.Expr
    variable: sp.Symbol
    z: sp.Symbol
    laplace: sp.Expr | None
    spectrum: sp.Expr | None
    x: sp.Symbol
    integrable: bool
    steps: tuple = ()

    def laplace_at(self, z):
        """Ĉ₊(z) for a sympy z (symbolic) or a number (complex, evaluated with mpmath at 30 digits)."""
        if isinstance(z, sp.Basic) and z.free_symbols:
            if self.laplace is None:
                return sp.Integral(self.correlation * sp.exp(-z * self.variable), (self.variable, 0, sp.oo))
            return self.laplace.subs(self.z, z)
        return complex(self._numeric(complex(z)))

    @cached_property
    def _mp_laplace(self):
        return None if self.laplace is None else sp.lambdify(self.z, self.laplace, modules="mpmath")

    @cached_property
    def _mp_correlation(self):
        return sp.lambdify(self.variable, self.correlation, modules="mpmath")

    def _numeric(self, z: complex):
        """Ĉ₊(z) at 30 digits: the closed form if it evaluates to a finite number, else mpmath quadrature."""
        with mpmath.workdps(30):
            zz = mpmath.mpc(z.real, z.imag)
            if self._mp_laplace is not None:
                try:
                    val = self._mp_laplace(zz)
                    if mpmath.isfinite(val):
                        return val
                except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                    pass
            c = self._mp_correlation
            return mpmath.quad(lambda s: c(s) * mpmath.exp(-zz * s), [0, 1, 10, mpmath.inf])


def correlation_transform(correlation, variable: sp.Symbol | None = None) -> CorrelationTransform:
    """Laplace transform Ĉ₊(z) and spectral density Ĉ(x) of a correlation C(s), computed by sympy, with steps.

    Checks C(0) > 0 (a non-trivial, centred stationary process has 𝔼ξ² > 0) and records whether C is integrable.
    """
    C = sp.sympify(correlation)
    if variable is None:
        free = sorted(C.free_symbols, key=str)
        named_s = [x for x in free if x.name == "s"]
        if named_s:
            variable = named_s[0]
        elif len(free) > 1:
            raise ParameterError(f"correlation {C} has several free symbols {free}; call the time variable s")
        else:
            variable = free[0] if free else sp.Symbol("s", nonnegative=True)
    s_pos = sp.Symbol(variable.name, nonnegative=True)
    C = C.subs(variable, s_pos)
    s = s_pos
    C0 = C.subs(s, 0)
    if C0.is_number and not (sp.re(C0) > 0):
        raise ParameterError(f"correlation must have C(0) = E ξ² > 0, got C(0) = {C0}")
    zp = sp.Symbol("z", positive=True)
    lap = sp.integrate(C * sp.exp(-zp * s), (s, 0, sp.oo), conds="none")
    lap = None if lap.has(sp.Integral) else sp.simplify(lap)
    z = sp.Symbol("z")
    lap_z = lap.subs(zp, z) if lap is not None else None
    x = sp.Symbol("x", real=True)
    xp = sp.Symbol("x", positive=True)   # Ĉ is even (C real and even): integrate for x > 0, then x → |x|
    u = sp.Symbol("u", real=True)
    phase = conventions_for(Space.CONTINUUM, 1).phase
    spec = sp.integrate(C.subs(s, sp.Abs(u)) * sp.exp(-sp.I * phase * xp * u), (u, -sp.oo, sp.oo), conds="none")
    spec = None if spec.has(sp.Integral) else sp.simplify(sp.simplify(spec).subs(xp, sp.Abs(x)))
    try:
        integrable = sp.limit(s ** sp.Rational(3, 2) * C, s, sp.oo) == 0
    except (NotImplementedError, ValueError):
        integrable = False
    steps = (
        Step("correlation_laplace", "One-sided Laplace transform of the correlation, Ĉ₊(z) = ∫₀^∞ C(s)e^{−zs}ds, by "
             "sympy for real z > 0; the closed form is continued analytically to Re z > 0 (uniqueness of analytic "
             "continuation) and by continuity to Re z = 0 when C is integrable"
             + f" (C = o(s^(−3/2)), hence integrable: {integrable}).",
             sp.Eq(sp.Function(r"\hat{C}_{+}")(z), lap_z if lap_z is not None else
                   sp.Integral(C * sp.exp(-z * s), (s, 0, sp.oo))), Approximation.EXACT),
        Step("correlation_spectrum", "Spectral density (project Fourier convention ∫ e^{−ixu} … du) of the even "
             "extension C(|u|); Bochner: Ĉ ≥ 0 for a true correlation.",
             sp.Eq(sp.Function(r"\hat{C}")(x), spec if spec is not None else
                   sp.Integral(C.subs(s, sp.Abs(u)) * sp.exp(-sp.I * x * u), (u, -sp.oo, sp.oo))),
             Approximation.EXACT),
    )
    return CorrelationTransform(C, s, z, lap_z, spec, x, bool(integrable), steps)


def _functional_calculus(L0, P, fn: Callable, symbolic: bool):
    """F(L₀)(I − P) with F applied to the eigenvalues of L₀ on the fast complement (L₀ diagonalizable)."""
    n = L0.shape[0]
    if symbolic:
        if not L0.is_diagonal():
            raise ModelError("symbolic random forcing needs a diagonal fast generator L₀")
        return sp.diag(*[0 if P[i, i] != 0 else fn(L0[i, i]) for i in range(n)])
    w, V = np.linalg.eig(L0)
    Vinv = np.linalg.inv(V)
    Q = np.eye(n) - P
    vals = np.array([fn(lam) if np.linalg.norm(Q @ V[:, j]) > 0.5 else 0.0 for j, lam in enumerate(w)],
                    dtype=complex)
    return (V * vals) @ Vinv @ Q, float(np.linalg.cond(V))


def correlation_limit(L0, L1, P, transform: CorrelationTransform, basis=None, *,
                      title: str = "random-forcing (correlation) limit", tol: float = 1e-10) -> TwoScaleResult:
    """Averaged slow operator of ∂_t f = ε⁻² L₀ f + ε⁻¹ ξ(t/ε²) L₁ f, ξ centred stationary with correlation C.

    .. math:: K = \\int_0^\\infty C(s)\\, P L_1 e^{L_0 s} L_1 P\\,ds = P L_1\\,\\hat C_+(-L_0)\\,L_1 P,
              \\qquad \\hat C_+(z) = \\int_0^\\infty C(s) e^{-zs}ds,

    (second-order cumulant of the Duhamel series, short memory; Kubo/Khasminskii). Needs Re λ(L₀) ≤ 0 on the
    fast complement and, where Re λ = 0 (no relaxation), an integrable C (Abel regularization e^{−0·s}).

    Raises
    ------
    SolvabilityFailed
        P not the kernel projection of L₀ or P L₁ P ≠ 0 (a mean drift at order ε⁻¹).
    CellProblemSingular
        An eigenvalue of L₀ with Re λ > 0, or Re λ = 0 with a non-integrable correlation.
    """
    symbolic = _is_sym(L0, L1, P)
    if symbolic:
        L0, L1, P = sp.Matrix(L0), sp.Matrix(L1), sp.Matrix(P)
    else:
        L0, L1, P = (np.asarray(x, dtype=complex) for x in (L0, L1, P))
    mul = (lambda a, b: a * b) if symbolic else (lambda a, b: a @ b)
    if not (_is_zero(mul(L0, P), symbolic, tol) and _is_zero(mul(P, L0), symbolic, tol)
            and _is_zero(mul(P, P) - P, symbolic, tol)):
        raise SolvabilityFailed("P must be a projection with L₀P = PL₀ = 0 (the slow manifold is ker L₀)")
    if not _is_zero(mul(mul(P, L1), P), symbolic, tol):
        raise SolvabilityFailed("P L₁ P ≠ 0: the random forcing has a drift on the slow manifold at order ε⁻¹")

    def fn(lam):
        re = sp.re(lam) if symbolic else lam.real
        if symbolic:
            if sp.simplify(re).is_positive:
                raise CellProblemSingular(f"L₀ has a growing mode (λ = {lam}); no averaged limit")
            if not sp.simplify(re).is_negative and not transform.integrable:
                raise CellProblemSingular("no relaxation and a non-integrable correlation: ∫₀^∞ C(s)e^{L₀s}ds "
                                          "diverges")
            return transform.laplace_at(-lam)
        if re > tol:
            raise CellProblemSingular(f"L₀ has a growing mode (λ = {lam:.3g}); no averaged limit")
        if re > -tol and not transform.integrable:
            raise CellProblemSingular("no relaxation and a non-integrable correlation: ∫₀^∞ C(s)e^{L₀s}ds diverges")
        return transform.laplace_at(-lam)

    fc = _functional_calculus(L0, P, fn, symbolic)
    cond = 1.0
    if not symbolic:
        fc, cond = fc
    K = mul(mul(mul(P, L1), fc), mul(L1, P))
    if symbolic:
        K = K.applyfunc(sp.cancel)
    s, xi = transform.variable, sp.Function("xi")
    L0s, L1s, Ps = (sp.Symbol(x, commutative=False) for x in ("L_0", "L_1", "P"))
    fs = sp.Function("f", commutative=False)
    Ex = sp.Function("E")
    d = Derivation(title)
    d = d.then(Step("random_model", "Stiff linear evolution with a random fast forcing: ξ centred, stationary, "
                    "correlation C(s) = E ξ(0)ξ(s) (short memory); τ = t/ε².",
                    sp.Eq(sp.Derivative(fs(_t), _t), L0s * fs(_t) / eps ** 2 + xi(_t / eps ** 2) * L1s * fs(_t) / eps),
                    Approximation.DEFINITION))
    d = d.then(Step("duhamel_second_order", "Duhamel series in the fast time to second order in ε; the first-order "
                    "term has zero mean (E ξ = 0, f(τ − s) independent of ξ(τ) for s beyond the memory).",
                    sp.Eq(sp.Derivative(Ex(fs(_t)), _t),
                          sp.Integral(Ex(xi(0) * xi(s)) * Ps * L1s * sp.exp(L0s * s) * L1s * Ps, (s, 0, sp.oo))
                          * Ex(fs(_t))),
                    Approximation.TRUNCATION, ("O(ε) memory corrections", "cumulants of order ≥ 3 (they are O(ε))")))
    d = d.then(Step("correlation_average", "Insert the stationary correlation and close on the slow manifold "
                    "(P L₁ P = 0 checked, so e^{L₀s} acts on the coherences); Abel regularization e^{−ηs}, η → 0⁺, "
                    "is the +i0 of the conventions.",
                    sp.Eq(sp.Symbol("K"), sp.Integral(transform.correlation * Ps * L1s * sp.exp(L0s * s) * L1s * Ps,
                                                      (s, 0, sp.oo))),
                    Approximation.AVERAGE, ("non-Markovian memory of width ε² in t",)))
    for st in transform.steps:
        d = d.then(st)
    d = d.then(Step("laplace_functional_calculus", "∫₀^∞ C(s) e^{λs} ds = Ĉ₊(−λ) on each eigenvalue λ of L₀ on the "
                    "fast complement (Re λ ≤ 0 checked); K = P L₁ Ĉ₊(−L₀) L₁ P.",
                    sp.Eq(sp.Symbol("K"), Ps * L1s * sp.Function(r"\hat{C}_{+}")(-L0s) * L1s * Ps),
                    Approximation.EXACT))
    slow = _slow(K, basis, symbolic)
    d = d.then(_solvability_step(K, slow, symbolic, "Averaged slow equation d E f₀/dt = K E f₀, shown in the slow "
                                 "coordinates."))
    return TwoScaleResult(K, slow, {"laplace": fc}, d, symbolic, {"condition": cond})
