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

Random forcing (:func:`derive.correctors.random_forcing.correlation_limit`): ∂_t f = ε⁻² L₀ f + ε⁻¹ ξ(t/ε²) L₁ f with ξ a centred stationary
process of correlation C(s) = 𝔼 ξ(0)ξ(s). The averaged (second cumulant, short memory) limit is
K = ∫₀^∞ C(s) P L₁ e^{L₀ s} L₁ P ds = P L₁ Ĉ₊(−L₀) L₁ P with the one-sided Laplace transform
Ĉ₊(z) = ∫₀^∞ C(s) e^{−zs} ds (computed by sympy for real z > 0 and continued to Re z ≥ 0; at Re z = 0 the
integral is Abel-regularized, e^{−0·s}, which needs C integrable).

Vectorization convention (row-major): ``vec(ρ)[n·N + k] = ρ[n, k]``, so X ↦ A X is ``kron(A, I)`` and
X ↦ X B is ``kron(I, Bᵀ)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.errors import DeriveError, ModelError
from derive.ir import Approximation, Derivation, Step

__all__ = ["CellProblemSingular", "SolvabilityFailed", "TwoScaleResult", "superop_left", "superop_right",
           "superop_commutator", "diagonal_projection", "two_scale_limit", "fourier_average", "torus_average",
           "time_average"]

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
