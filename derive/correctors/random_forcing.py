r"""Random forcing in the two-scale engine: ∂_t f = ε⁻² L₀ f + ε⁻¹ ξ(t/ε²) L₁ f with ξ stationary, centred.

The corrector is a correlation integral instead of a Fourier-mode cell problem:

.. math:: K = \int_0^\infty C(s)\, P L_1 e^{L_0 s} L_1 P\, ds = P L_1 \hat C_+(-L_0) L_1 P,\qquad
          \hat C_+(z) = \int_0^\infty C(s) e^{-zs}\,ds,

Abel-regularized (e^{−0s}) where L₀ has purely imaginary eigenvalues. :func:`correlation_transform` computes
Ĉ₊ and the spectral density Ĉ with sympy (mpmath at 30 digits as the numeric fallback);
:func:`correlation_limit` applies the functional calculus on the fast complement and returns a
:class:`~derive.correctors.multiscale.TwoScaleResult` with the recorded steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from derive.conventions import Space, conventions_for
from derive.correctors.multiscale import (CellProblemSingular, SolvabilityFailed, TwoScaleResult, _is_sym, _is_zero,
                                          _slow, _solvability_step, _t, eps)
from derive.errors import ModelError, ParameterError
from derive.ir import Approximation, Derivation, Step

__all__ = ["CorrelationTransform", "correlation_transform", "correlation_limit"]


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
