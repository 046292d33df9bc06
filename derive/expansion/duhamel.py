"""Duhamel expansion of e^{-itH}ψ₀ in momentum space, term by term.

For :math:`H = H_0 + \\lambda V` with :math:`H_0` the multiplier ω(k) and
:math:`\\widehat{V\\psi}(k) = \\int \\hat V(k - p)\\hat\\psi(p)\\,\\mu\\,dp`, iterating
:math:`\\psi_t = e^{-itH_0}\\psi_0 - i\\lambda\\int_0^t e^{-i(t-s)H_0} V\\psi_s\\,ds` gives

.. math:: \\hat\\psi^{(n)}_t(k) = (-i\\lambda)^n \\int \\prod_{j=1}^n \\mu\\,dp_j
   \\int_{t > s_1 > \\dots > s_n > 0} e^{-i(t-s_1)\\omega(p_0)}\\prod_{j=1}^{n}\\hat V(p_{j-1}-p_j)\\,
   e^{-i(s_j - s_{j+1})\\omega(p_j)}\\,\\hat\\psi_0(p_n),

with :math:`p_0 = k`, :math:`s_{n+1} = 0`.
"""
from __future__ import annotations

import sympy as sp

from derive.algebra.terms import Term, Vhat, omega, psi0
from derive.conventions import lam, t

__all__ = ["duhamel_term", "schrodinger_in_momentum_space"]


def duhamel_term(order: int, k: sp.Symbol, measure: sp.Expr) -> Term:
    """The order-``order`` Duhamel term :math:`\\hat\\psi^{(n)}_t(k)`, built by iterating the Duhamel formula.

    Each iteration applies :math:`-i\\lambda\\int_0^{s}ds'\\,e^{-i(s-s')\\omega(p)}\\int\\mu\\,dp'\\,\\hat V(p-p')`
    to the previous innermost free evolution.
    """
    if order < 0:
        raise ValueError("order must be >= 0")
    # the zeroth term, with an explicit outer time: e^{-i(t - 0) ω(k)} ψ̂₀(k)
    moms = [k]
    times = [t]
    factors = sp.Integer(1)
    for j in range(1, order + 1):
        pj = sp.Symbol(f"p{j}", real=True)
        sj = sp.Symbol(f"s{j}", nonnegative=True)
        # free flight on p_{j-1} from s_j to the previous time, then one potential vertex
        factors *= -sp.I * lam * measure * sp.exp(-sp.I * (times[-1] - sj) * omega(moms[-1])) * Vhat(moms[-1] - pj)
        moms.append(pj)
        times.append(sj)
    factors *= sp.exp(-sp.I * times[-1] * omega(moms[-1])) * psi0(moms[-1])
    time_limits = tuple((times[j], 0, times[j - 1]) for j in range(1, order + 1))
    return Term(sp.expand(factors), tuple(moms[1:]), time_limits)


def schrodinger_in_momentum_space(k: sp.Symbol, p: sp.Symbol, measure: sp.Expr) -> sp.Eq:
    """:math:`i\\partial_t\\hat\\psi_t(k) = \\omega(k)\\hat\\psi_t(k) + \\lambda\\int\\hat V(k-p)\\hat\\psi_t(p)\\,\\mu\\,dp`."""
    psi = sp.Function("psihat")
    return sp.Eq(sp.I * sp.Derivative(psi(k, t), t),
                 omega(k) * psi(k, t) + lam * sp.Integral(measure * Vhat(k - p) * psi(p, t), p), evaluate=False)
