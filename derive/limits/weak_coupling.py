"""Time integrals over simplices, the weak-coupling (van Hove) limit, the +i0 route and free transport."""
from __future__ import annotations

import sympy as sp

from derive.algebra.terms import omega
from derive.conventions import (boundary_value, kinetic_scaling, kinetic_weight, lam, s, t, tau, time_kernel,
                                time_kernel_mass)
from derive.errors import LimitDoesNotExist

__all__ = ["generic_branch", "integrate_time_simplex", "weak_coupling_limit", "retarded_rate",
           "free_transport_generator"]

_eta = sp.Symbol("eta", positive=True)   # regularization 0⁺ of the +i0 route


def generic_branch(expr: sp.Expr) -> sp.Expr:
    """The generic (non-degenerate) branch of a sympy ``Piecewise`` produced by an integral.

    Sympy returns ``Piecewise((special, Eq(Δ, 0)), (generic, True))`` for oscillatory integrals; the
    degenerate branch is a measure-zero set of Δ and is dropped (it is recovered as a limit of the generic one).
    """
    expr = sp.piecewise_fold(expr)
    if isinstance(expr, sp.Piecewise):
        return expr.args[-1][0]
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1][0])


def _antiderivative_exp_poly(term: sp.Expr, var: sp.Symbol) -> sp.Expr:
    r"""Antiderivative in ``var`` of one monomial ``c · var**n · exp(a·var + b)`` (a, b, c free of ``var``).

    .. math:: \int s^n e^{as}ds = e^{as}\sum_{j=0}^{n} (-1)^j \frac{n!}{(n-j)!}\frac{s^{n-j}}{a^{j+1}}
              \quad (a \ne 0), \qquad \frac{s^{n+1}}{n+1}\quad (a = 0).

    The a ≠ 0 formula is the generic branch (a is a symbolic frequency such as Δ).
    """
    poly_deg, exponent, rest = 0, sp.Integer(0), sp.Integer(1)
    for f in sp.Mul.make_args(term):
        base, ex = f.as_base_exp()
        if base == var and ex.is_Integer and ex >= 0:
            poly_deg += int(ex)
        elif isinstance(f, sp.exp):
            exponent += f.args[0]
        elif f.has(var):
            raise LimitDoesNotExist(f"time integrand is not an exponential polynomial in {var}: {f}")
        else:
            rest *= f
    a = sp.expand(sp.diff(exponent, var))
    if a.has(var):
        raise LimitDoesNotExist(f"exponent is not linear in {var}: {exponent}")
    n = poly_deg
    if a == 0:
        return rest * sp.exp(exponent) * var ** (n + 1) / (n + 1)
    series = sum((-1) ** j * sp.factorial(n) / sp.factorial(n - j) * var ** (n - j) / a ** (j + 1)
                 for j in range(n + 1))
    return rest * sp.exp(exponent) * series


def integrate_time_simplex(integrand: sp.Expr, times: tuple) -> sp.Expr:
    """Integrate an exponential polynomial over nested times ``((s1, 0, t), (s2, 0, s1), …)``, innermost first.

    Exact (generic branch, non-zero frequencies) and fast: each monomial is integrated by
    :func:`_antiderivative_exp_poly` instead of sympy's general ``integrate``.
    """
    expr = integrand
    for (sv, lo, hi) in reversed(times):
        expr = sp.powsimp(sp.expand(expr), combine="exp")
        anti = sum(_antiderivative_exp_poly(m, sv) for m in sp.Add.make_args(expr))
        expr = sp.expand(anti.subs(sv, hi) - anti.subs(sv, lo))
    return sp.powsimp(expr, combine="exp")


def weak_coupling_limit(time_factor: sp.Expr, delta: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    r"""Kinetic limit :math:`\lambda^2 F(\Delta, \tau/\lambda^2) \to c\,\tau\,\delta(\Delta)`.

    Returns ``(c, c τ δ(Δ))`` with ``c = ∫F dΔ / t``: by Parseval (:func:`derive.conventions.time_kernel_mass`)
    when F is the kernel :math:`|\int_0^t e^{is\Delta}ds|^2`, otherwise by direct sympy integration
    (:func:`derive.conventions.kinetic_weight`). Raises :class:`LimitDoesNotExist` unless ``F`` is even in Δ
    and its mass grows linearly in ``t``.
    """
    if sp.simplify(time_factor.subs(delta, -delta) - time_factor) != 0:
        raise LimitDoesNotExist(f"time factor {time_factor} is not even in {delta}")
    if sp.expand((time_factor - time_kernel(delta, t)).rewrite(sp.exp)) == 0:
        c = sp.simplify(time_kernel_mass(t) / t)
    else:
        try:
            c = kinetic_weight(time_factor, delta, t)
        except ValueError as exc:
            raise LimitDoesNotExist(str(exc)) from exc
    scaled = sp.simplify(lam ** 2 * time_factor.subs(kinetic_scaling()))
    # pointwise (Δ ≠ 0) the scaled kernel vanishes as λ → 0: it is concentrated at Δ = 0
    if sp.limit(scaled.subs(delta, 1), lam, 0) != 0:
        raise LimitDoesNotExist(f"λ²F(Δ, τ/λ²) does not vanish off Δ = 0: {scaled}")
    return c, c * tau * sp.DiracDelta(delta)


def retarded_rate(delta: sp.Symbol) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """The +i0 route for the loss rate: :math:`2\\,\\mathrm{Re}\\int_0^\\infty e^{is\\Delta - 0s}ds`.

    Returns ``(laplace, boundary, rate)``: the regularized integral ``i/(Δ + iη)`` computed by sympy, its
    Sokhotski–Plemelj form ``πδ(Δ) + i PV(1/Δ)`` (:func:`derive.conventions.boundary_value`, sign +1), and
    ``2 Re`` of it, in which the principal value (an energy shift) drops out.
    """
    laplace = sp.simplify(sp.integrate(sp.exp(sp.I * s * delta - _eta * s), (s, 0, sp.oo), conds="none"))
    ratio = sp.simplify(laplace * (delta + sp.I * _eta) / sp.I)
    if ratio != 1:
        raise LimitDoesNotExist(f"Laplace transform {laplace} is not i/(Δ + iη)")
    boundary = sp.expand(sp.I * boundary_value(delta, +1))
    rate = sp.expand(boundary + sp.conjugate(boundary).subs(sp.conjugate(sp.DiracDelta(delta)), sp.DiracDelta(delta)))
    rate = rate.replace(lambda e: isinstance(e, sp.conjugate), lambda e: e.args[0])
    return laplace, boundary, sp.simplify(rate)


def free_transport_generator(k: sp.Symbol, eta_x: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """Free flow of the Wigner function on the kinetic scale.

    The λ⁰ term of :math:`\\mathbb{E}\\hat\\psi_t(k)\\overline{\\hat\\psi_t(k-\\xi)}` carries the phase
    :math:`e^{-it(\\omega(k) - \\omega(k-\\xi))}`. With ξ = λ²η (η dual to X = λ²x) and t = τ/λ² the exponent
    tends to :math:`-i\\tau\\,\\eta\\cdot\\nabla\\omega(k)`. Returns ``(exponent, limit)``.
    """
    xi = lam ** 2 * eta_x
    exponent = -sp.I * t * (omega(k) - omega(k - xi))
    scaled = exponent.subs(kinetic_scaling())
    lim = sp.series(scaled, lam, 0, 2).removeO()
    lim = sp.simplify(lim.doit())
    if lim.has(lam):
        raise LimitDoesNotExist(f"free phase has no kinetic limit: {lim}")
    return exponent, lim
