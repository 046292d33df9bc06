"""Independent mpmath references (30 digits) for the d = 3 electron–phonon rates, written from the golden rule.

One electron (ω(k) = |k|²/2) absorbs a phonon q (rate 2π ĝ(|q|)²N δ(ω(k+q) − ω(k) − Ω)) or emits one
(2π ĝ²(N + 1) δ(ω(k+q) − ω(k) + Ω)), N = 1/(e^{βΩ} − 1), measure đq = (2π)^{−3}d³q. The kernel
(:func:`derive.catalogue.electron_phonon.total_rate`) uses |q| and the polar angle of q and solves the δ for the
angle. Here the *two-distance* coordinates are used instead: p = |k + q| (final electron momentum) and Q = |q|,

.. math:: d^3q = \\frac{2\\pi}{|k|}\\,p\\,Q\\,dp\\,dQ \\quad\\text{on the triangle } |p - Q| \\le |k| \\le p + Q,

and the δ is solved for the *final momentum* p_f(Q) = (|k|² ± 2Ω(Q))^{1/2} (Jacobian 1/p_f), so

.. math:: \\Gamma(k) = \\frac{1}{2\\pi|k|}\\sum_\\pm\\int Q\\,\\hat g(Q)^2 n_\\pm(Q)\\,
          \\mathbf 1[p_f^2 \\ge 0,\\ (p_f - Q)^2 \\le k^2 \\le (p_f + Q)^2]\\,dQ,

n₊ = N (absorption), n₋ = N + 1 (emission); the collision operator C[W](k) has the integrand
Q ĝ²[g_±W(p_f) − n_±W(k)] with g₊ = N + 1, g₋ = N. The Q-intervals are bounded by roots of k² ± 2Ω(Q),
k² − (p_f − Q)² and (p_f + Q)² − k² (bracketed on a grid shifted off round numbers, refined by ``mpmath.findroot``); each piece by
``mpmath.quad`` (tanh-sinh). Value at ``dps``, error = difference to ``dps + 20`` digits
(:func:`kernels.quadrature.reference._two_precisions`).
"""
from __future__ import annotations

from typing import Callable

import mpmath as mp

from kernels.estimate import Estimate
from kernels.quadrature.reference import _two_precisions

__all__ = ["reference_electron_phonon_rate", "reference_electron_phonon_collision"]

_SIGNS = (1, -1)          # +1 absorption, −1 emission


def _pieces(kmag, phonon: Callable, sign: int, q_max) -> list:
    """Allowed Q-intervals of one family: sign changes of the three boundary functions, refined by findroot."""
    k2 = kmag ** 2

    def p_sq(Q):
        return k2 + 2 * sign * phonon(Q)

    def lower(Q):                                   # k² − (p_f − Q)² ≥ 0
        return k2 - (mp.sqrt(max(p_sq(Q), 0)) - Q) ** 2

    def upper(Q):                                   # (p_f + Q)² − k² ≥ 0
        return (mp.sqrt(max(p_sq(Q), 0)) + Q) ** 2 - k2

    grid = [q_max * (i - mp.sqrt(2) / 7) / 600 for i in range(1, 601)] + [q_max]
    cuts = {mp.mpf(0), q_max}
    for fn in (p_sq, lower, upper):
        vals = [fn(x) for x in grid]
        for a, b, fa, fb in zip(grid[:-1], grid[1:], vals[:-1], vals[1:]):
            if fa == 0:
                cuts.add(a)
            elif fa * fb < 0:
                cuts.add(mp.findroot(fn, (a, b), solver="illinois", tol=mp.mpf(10) ** (-mp.mp.dps + 3)))
    if lower(q_max) >= 0 and p_sq(q_max) >= 0:
        raise ValueError("the shell reaches Q_max: increase q_max")
    cuts = sorted(cuts)
    out = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        mid = (a + b) / 2
        if b - a > 0 and p_sq(mid) > 0 and lower(mid) >= 0 and upper(mid) >= 0:
            out.append((a, b))
    return out


def _shell_sum(kmag: float, coupling: Callable, phonon: Callable, beta: float, occupation: Callable | None,
               counter: dict, q_max: float):
    k = mp.mpf(kmag)
    b = mp.mpf(beta)
    total = mp.mpf(0)
    for sign in _SIGNS:
        def integrand(Q, sign=sign):
            counter["n"] += 1
            n_bose = 1 / mp.expm1(b * phonon(Q))
            out_rate = n_bose if sign == 1 else n_bose + 1
            if occupation is None:
                return Q * coupling(Q) ** 2 * out_rate
            in_rate = n_bose + 1 if sign == 1 else n_bose
            p_f = mp.sqrt(k ** 2 + 2 * sign * phonon(Q))
            return Q * coupling(Q) ** 2 * (in_rate * occupation(p_f) - out_rate * occupation(k))
        for a, c in _pieces(k, phonon, sign, mp.mpf(q_max)):
            total += mp.quad(integrand, [a, c])
    return total / (2 * mp.pi * k)


def reference_electron_phonon_rate(kmag: float, coupling: Callable, phonon: Callable, beta: float,
                                   dps: int = 30, q_max: float | None = None) -> Estimate:
    """Γ(k) (d = 3) for mpmath callables ``coupling`` ĝ(Q), ``phonon`` Ω(Q) > 0 and inverse temperature β."""
    q_max = q_max if q_max is not None else 8.0 + 4.0 * kmag
    return _two_precisions(lambda c: _shell_sum(kmag, coupling, phonon, beta, None, c, q_max), dps,
                           "mpmath tanh-sinh, two-distance coordinates (p, Q), δ solved for p")


def reference_electron_phonon_collision(kmag: float, coupling: Callable, phonon: Callable, beta: float,
                                        occupation: Callable, dps: int = 30, q_max: float | None = None) -> Estimate:
    """C[W](k) (d = 3) for a radial ``occupation`` W(|k|) (mpmath callable), same coordinates as the rate."""
    q_max = q_max if q_max is not None else 8.0 + 4.0 * kmag
    return _two_precisions(lambda c: _shell_sum(kmag, coupling, phonon, beta, occupation, c, q_max), dps,
                           "mpmath tanh-sinh, two-distance coordinates (p, Q), δ solved for p")
