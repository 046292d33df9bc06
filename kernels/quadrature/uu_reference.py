"""Independent mpmath references (30 digits) for the radial d = 3 Uehling–Uhlenbeck operator and its kernel.

Written from the golden rule, not from the derivation, and in parametrizations different from
:mod:`kernels.collision` (which uses the total momentum P = |k + k₂| and solves ω₄ on an energy grid):

* :func:`reference_angular_kernel`: M = k k₂ k₃ k₄ ∫dΩ₂dΩ₃dΩ₄ δ³(k + k₂ − k₃ − k₄) K in the *momentum transfer*
  Q = |k − k₃| ∈ [max(|k − k₃|, |k₂ − k₄|), min(k + k₃, k₂ + k₄)] and the azimuth β of k₂ about Q:
  M = 2π∫dQ∫₀^{2π}dβ K(V̂(Q), V̂(|k − k₄|)), with
  |k − k₄|² = k² + k₂² + Q² − 2k·k₂ − 2k·Q + 2k₂·Q, k·Q = (k² + Q² − k₃²)/2, k₂·Q = (k₄² − k₂² − Q²)/2,
  k·k₂ = k k₂(cos γ cos α + sin γ sin α cos β), cos γ = k·Q/(kQ), cos α = k₂·Q/(k₂Q);
* :func:`reference_collision_constant_potential`: for constant V̂ = v the direction integral is the classical
  closed form ∫dΩ₂dΩ₃dΩ₄δ³(k + k₂ − k₃ − k₄) = 8π² min(k, k₂, k₃, k₄)/(k k₂ k₃ k₄) (from
  δ³(x) = (2π)⁻³∫e^{is·x}d³s and ∫₀^∞ sin(ax)sin(bx)sin(cx)sin(dx)x⁻²dx = (π/4)min on the shell), so
  C(k) = (2π)⁻⁵ k⁻¹ ∫₀^∞dω₂ ∫₀^{ω+ω₂}dω₃ 8π² A v² min(k, k₂, k₃, k₄) [W₃W₄(1+θW)(1+θW₂) − WW₂(1+θW₃)(1+θW₄)]
  with the golden-rule amplitude A = ½(1 + θ)² for identical particles (θ = ±1, unordered final pairs) and A = 1,
  θ = 0 for distinguishable (Maxwell–Boltzmann) particles; the ω₃ integral is split at its kinks
  {ω, ω₂, (ω + ω₂)/2}, the ω₂ integral at ω.

Every piece between kinks is mapped by x = a + (b − a)sin²(πt/2) (the √ behaviour at the ends of the shell
becomes analytic) and integrated by Gauss–Legendre at ``dps`` digits with 24 and 48 nodes (mpmath's degrees 4
and 5); the value is the 48-node result, the error the difference of the two (an overestimate).
"""
from __future__ import annotations

from typing import Callable

import mpmath as mp

from kernels.estimate import Estimate

__all__ = ["reference_angular_kernel", "reference_collision_constant_potential"]


def _rule(degree: int) -> list:
    """Gauss–Legendre nodes/weights on [0, 1] (3·2^(degree−1) nodes) composed with t ↦ sin²(πt/2), at mp.prec."""
    from mpmath.calculus.quadrature import GaussLegendre
    out = []
    for x, w in GaussLegendre(mp.mp).calc_nodes(degree, mp.mp.prec):
        t = (x + 1) / 2
        out.append((mp.sin(mp.pi * t / 2) ** 2, w / 2 * mp.pi / 2 * mp.sin(mp.pi * t)))
    return out


def _integrate(f: Callable, cuts: list, rule: list):
    """Σ over the pieces [a, b] of ``cuts`` of ∫_a^b f with x = a + (b − a)sin²(πt/2) (removes √ ends)."""
    total = mp.mpf(0)
    for a, b in zip(cuts[:-1], cuts[1:]):
        if b > a:
            total += (b - a) * mp.fsum(w * f(a + (b - a) * x) for x, w in rule)
    return total


def _two(compute: Callable[[list], object], dps: int, method: str, degrees=(4, 5)) -> Estimate:
    """``compute(rule)`` at ``dps`` digits with two Gauss–Legendre degrees; error = their difference."""
    if dps < 30:
        raise ValueError("references need dps >= 30")
    with mp.workdps(dps):
        low = compute(_rule(degrees[0]))
        high = compute(_rule(degrees[1]))
        err = abs(high - low)
    return Estimate(float(high), float(err), method, 0, dps)


def reference_angular_kernel(k1: float, k2: float, k3: float, k4: float, vhat: Callable, kernel: Callable,
                             dps: int = 30, degrees: tuple = (4, 5)) -> Estimate:
    """M(k, k₂, k₃, k₄) for ``kernel(V̂(|k−k₃|), V̂(|k−k₄|))`` (mpmath callables) in the momentum-transfer form."""
    def compute(rule):
        a, b, c, d = (mp.mpf(x) for x in (k1, k2, k3, k4))
        lo, hi = max(abs(a - c), abs(b - d)), min(a + c, b + d)
        if hi <= lo:
            return mp.mpf(0)

        def integrand(q, beta):
            kq = (a ** 2 + q ** 2 - c ** 2) / 2
            k2q = (d ** 2 - b ** 2 - q ** 2) / 2
            cg, ca = kq / (a * q), k2q / (b * q)
            sg, sa = mp.sqrt(max(1 - cg ** 2, 0)), mp.sqrt(max(1 - ca ** 2, 0))
            kk2 = a * b * (cg * ca + sg * sa * mp.cos(beta))
            q4 = mp.sqrt(max(a ** 2 + b ** 2 + q ** 2 - 2 * kk2 - 2 * kq + 2 * k2q, 0))
            return kernel(vhat(q), vhat(q4))

        return 2 * mp.pi * 2 * _integrate(lambda q: _integrate(lambda b_: integrand(q, b_), [0, mp.pi], rule),
                                          [lo, hi], rule)
    return _two(compute, dps, "mpmath Gauss–Legendre (sin² map), momentum transfer Q and azimuth", degrees)


def reference_collision_constant_potential(k: float, theta: int, v: float, occupation: Callable,
                                           dps: int = 30, omega_max: float = 60.0,
                                           degrees: tuple = (4, 5)) -> Estimate:
    """C[W](k) for V̂ ≡ v, statistics θ ∈ {+1, −1, 0}, radial ``occupation(|k|)`` (mpmath callable).

    The ω₂ range is cut at ``omega_max`` (W must be negligible there)."""
    def compute(rule):
        om = mp.mpf(k) ** 2 / 2
        amp = mp.mpf(1) if theta == 0 else mp.mpf((1 + theta) ** 2) / 2

        def bracket(ws):
            w, w2, w3, w4 = ws
            return w3 * w4 * (1 + theta * w) * (1 + theta * w2) - w * w2 * (1 + theta * w3) * (1 + theta * w4)

        def f(o2, o3):
            o4 = om + o2 - o3
            ks = [mp.sqrt(2 * x) for x in (om, o2, o3, max(o4, 0))]
            return min(ks) * bracket([occupation(x) for x in ks])

        def inner(o2):
            cuts = sorted({mp.mpf(0), om, o2, (om + o2) / 2, om + o2})
            return _integrate(lambda o3: f(o2, o3), cuts, rule)

        top = mp.mpf(omega_max)
        total = _integrate(inner, [0, om, 2 * om + 1] + [2 * om + 1 + (top - 2 * om - 1) * j / 4 for j in (1, 2, 3, 4)],
                           rule)
        return (2 * mp.pi) ** -5 / mp.mpf(k) * 8 * mp.pi ** 2 * amp * mp.mpf(v) ** 2 * total
    return _two(compute, dps, "mpmath Gauss–Legendre (sin² map) in (ω₂, ω₃), closed-form angular kernel", degrees)
