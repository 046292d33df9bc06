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

Vectorization convention (row-major): ``vec(ρ)[n·N + k] = ρ[n, k]``, so X ↦ A X is ``kron(A, I)`` and
X ↦ X B is ``kron(I, Bᵀ)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from derive.errors import DeriveError, ModelError
from derive.ir import Approximation, Derivation, Step

__all__ = ["CellProblemSingular", "SolvabilityFailed", "TwoScaleResult", "superop_left", "superop_right",
           "superop_commutator", "diagonal_projection", "two_scale_limit", "fourier_average"]

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


def fourier_average(k: int) -> sp.Expr:
    """⟨e^{i k ω τ}⟩ over one fast period 2π/ω, computed by sympy (δ_{k0})."""
    val = sp.integrate(sp.exp(sp.I * k * _w * _tau), (_tau, 0, 2 * sp.pi / _w)) * _w / (2 * sp.pi)
    return sp.simplify(val)


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
def two_scale_limit(L0, modes: dict, P, omega, basis=None, *, title: str = "two-scale corrector limit",
                    tol: float = 1e-10) -> TwoScaleResult:
    """Limiting slow operator of ∂_t f = ε⁻² L₀ f + ε⁻¹ Σ_m e^{imωt/ε²} L₁^{(m)} f.

    Parameters
    ----------
    L0
        Fast generator (square sympy Matrix or numpy array).
    modes
        ``{m: L1_m}``: Fourier modes of the perturbation (m integers; for a real-time-periodic generator
        mode −m is the conjugate partner of m).
    P
        Projection onto the slow manifold = ker L₀; ``P L₀ = L₀ P = 0`` is checked.
    omega
        Fast angular frequency ω > 0 (number or positive sympy symbol).
    basis
        Optional matrix whose orthonormal columns span range P; ``slow_operator = Bᴴ K B``.

    Raises
    ------
    CellProblemSingular
        i m ω − L₀ not invertible on the fast complement (resonance without relaxation).
    SolvabilityFailed
        P is not a kernel projection of L₀ commuting with it, or P L₁^{(0)} P ≠ 0.
    """
    symbolic = _is_sym(L0, P, omega, *modes.values())
    if symbolic:
        L0, P = sp.Matrix(L0), sp.Matrix(P)
        modes = {int(m): sp.Matrix(v) for m, v in modes.items()}
        omega = sp.sympify(omega)
        eye = sp.eye(L0.shape[0])
    else:
        L0, P = np.asarray(L0, dtype=complex), np.asarray(P, dtype=complex)
        modes = {int(m): np.asarray(v, dtype=complex) for m, v in modes.items()}
        omega = float(omega)
        eye = np.eye(L0.shape[0])
    if not symbolic and omega <= 0 or symbolic and omega.is_positive is False:
        raise ModelError(f"the fast frequency must be positive, got ω = {omega}")

    L0s, L1s, Ps, fs = sp.Symbol("L_0"), sp.Function("L_1"), sp.Symbol("P"), sp.Function("f")
    d = Derivation(title)
    d = d.then(Step("two_scale_model", "Stiff linear evolution: fast generator L₀ at ε⁻², periodic forcing L₁ at "
                    "ε⁻¹ (τ = t/ε², L₁(τ) = Σ_m e^{imωτ} L₁^{(m)}).",
                    sp.Eq(sp.Derivative(fs(_t), _t), L0s * fs(_t) / eps ** 2 + L1s(_t / eps ** 2) * fs(_t) / eps),
                    Approximation.DEFINITION))
    f0, f1, f2 = (sp.Function(f"f_{j}") for j in range(3))
    d = d.then(Step("two_scale_ansatz", "Expand f = f₀(t) + ε f₁(t, τ) + ε² f₂(t, τ) with τ = t/ε², each term "
                    "periodic in τ; ∂_t ↦ ∂_t + ε⁻²∂_τ.",
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

    # O(ε⁻¹): cell problems
    if 0 in modes:
        z = P * modes[0] * P if symbolic else P @ modes[0] @ P
        if not _is_zero(z, symbolic, tol):
            raise SolvabilityFailed("O(ε⁻¹) solvability fails: the mean forcing P L₁^{(0)} P ≠ 0 acts at order ε⁻¹")
    correctors = {}
    for m, L1m in sorted(modes.items()):
        M = sp.I * m * omega * eye - L0 if symbolic else 1j * m * omega * eye - L0
        if m == 0:
            M = M + P
        Minv = _inverse_checked(M, m, symbolic, tol)
        C = (Minv * L1m * P).applyfunc(sp.cancel) if symbolic else Minv @ L1m @ P
        correctors[m] = C
        expr = sp.ImmutableMatrix(C) if symbolic else sp.ImmutableMatrix(np.round(C, 14))
        d = d.then(Step(f"cell_problem_m{m}", f"O(ε⁻¹), Fourier mode m = {m}: (i m ω − L₀) f₁^{{(m)}} = L₁^{{(m)}} f₀ "
                        "solved on the fast complement; the matrix shown maps P f₀ to f₁^{(m)}.",
                        expr, Approximation.EXACT))

    # O(1): averaging and solvability
    ms = sorted(modes)
    K = sp.zeros(*L0.shape) if symbolic else np.zeros(L0.shape, dtype=complex)
    kept = []
    for mp in ms:
        for m in ms:
            a = fourier_average(mp + m)
            if a == 0:
                continue
            kept.append((mp, m))
            if symbolic:
                K += a * P * modes[mp] * correctors[m]
            else:
                K += complex(a) * (P @ modes[mp] @ correctors[m])
    kk = sp.Symbol("k", integer=True)
    d = d.then(Step("fast_average", "Average over one fast period: ⟨e^{ikωτ}⟩ = δ_{k0} (sympy integral), so only "
                    f"pairs of modes (m', m) with m' + m = 0 survive: {kept}.",
                    sp.Eq(sp.Integral(sp.exp(sp.I * kk * _w * _tau), (_tau, 0, 2 * sp.pi / _w)) * _w / (2 * sp.pi),
                          sp.KroneckerDelta(kk, 0)),
                    Approximation.AVERAGE, ("oscillating parts of f₂ (they stay O(ε²))",)))
    if symbolic:
        K = K.applyfunc(sp.cancel)
    slow = None
    if basis is not None:
        if symbolic:
            B = sp.Matrix(basis)
            slow = (B.H * K * B).applyfunc(sp.cancel)
        else:
            B = np.asarray(basis)
            slow = B.conj().T @ K @ B
    shown = slow if slow is not None else K
    ps = sp.MatrixSymbol("p", shown.shape[1], 1)
    d = d.then(Step("solvability_condition", "O(ε⁰) solvability (apply P, average): ∂_t f₀ = ⟨P L₁ f₁⟩ = K f₀, "
                    "K = Σ_m P L₁^{(−m)} (imω − L₀)⁻¹ L₁^{(m)} P; shown in the slow coordinates.",
                    sp.Eq(sp.Symbol("dp/dt"),
                          sp.MatMul(sp.ImmutableMatrix(shown) if symbolic else
                                    sp.ImmutableMatrix(np.round(shown, 14)), ps, evaluate=False), evaluate=False),
                    Approximation.KINETIC_LIMIT, ("O(ε) corrections to the slow dynamics",)))
    return TwoScaleResult(K, slow, correctors, d, symbolic)
