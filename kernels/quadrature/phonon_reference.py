"""Independent mpmath reference (30 digits) for the three-phonon collision operator on the chain (d = 1).

Written from the Fermi golden rule, not from the derivation: H₃ = Σ V₃ (b + b*)³ with V₃ symmetric, so the
matrix elements of k → q + (k−q), k + q → k + q and ∅ → k + q + (−k−q) are all 6V₃ (3! orderings), and

.. math:: C[W](k) = \\int_{\\mathbb T} dq\\ 2\\pi\\Big[\\delta(\\Delta_{split})\\,18V_3^2(k,-q,q-k)\\,F(k; q, k-q)
          - \\delta(\\Delta_{merge})\\,36V_3^2(k,q,-k-q)\\,F(k+q; k, q)\\Big]

with F(a; b, c) = (1+W_a)W_bW_c − W_a(1+W_b)(1+W_c), Δ_split = Ω(k) − Ω(q) − Ω(k−q),
Δ_merge = Ω(k) + Ω(q) − Ω(k+q) (the k → q + (k−q) rate counts unordered pairs: ½·36 = 18). The triple family
(Δ = Ω(k) + Ω(q) + Ω(k+q) ≥ 3(a − |b|) > 0) has no resonance.

The kernel (:func:`derive.catalogue.phonon_boltzmann.collision_value`) brackets the roots of Δ_f(k, ·) in q on a
grid and differentiates Δ_f symbolically. Here, for the optical cosine band Ω(k) = a + b cos 2πk (a > |b| > 0),
Δ is *factorized* by sum-to-product in the relative coordinate y (period 2 as q runs over 𝕋):

.. math:: \\Delta_{split} = \\Omega(k) - 2a - 2b\\cos\\pi k\\,\\cos\\pi y, \\quad y = 2q - k, \\qquad
          \\Delta_{merge} = \\Omega(k) + 2b\\sin\\pi k\\,\\sin\\pi y, \\quad y = k + 2q,

so the resonant momenta are closed forms, y = ±arccos(r)/π with r = (Ω(k) − 2a)/(2b cos πk), and
y ∈ {arcsin(s)/π, 1 − arcsin(s)/π} with s = −Ω(k)/(2b sin πk), with the closed-form Jacobians
|∂_qΔ_split| = 4π|b cos πk|√(1 − r²), |∂_qΔ_merge| = 4π|b sin πk|√(1 − s²) (no numerical root finding, no
numerical derivative). Value at ``dps``, error = difference to ``dps + 20`` digits
(:func:`kernels.quadrature.reference._two_precisions`). ``vertex`` and ``occupation`` are mpmath callables
(evaluated at the working precision), ``vertex(k₁, k₂, k₃)`` symmetric and 1-periodic, ``occupation`` 1-periodic.
"""
from __future__ import annotations

from typing import Callable

import mpmath as mp

from kernels.estimate import Estimate
from kernels.quadrature.reference import _two_precisions

__all__ = ["cosine_band", "resonant_momenta", "reference_phonon_collision"]


def cosine_band(a=1, b=mp.mpf(1) / 2) -> Callable:
    """Ω(x) = a + b cos 2πx at the working precision."""
    return lambda x: mp.mpf(a) + mp.mpf(b) * mp.cos(2 * mp.pi * x)


def resonant_momenta(kv, a=1, b=mp.mpf(1) / 2) -> dict:
    """Closed-form resonant q of Ω = a + b cos 2πq with the Jacobians |∂_qΔ|: ``{"split": [(q, |∂Δ|), …],
    "merge": […]}`` (empty lists where |r| ≥ 1 or |s| ≥ 1, i.e. no crossing of the shell)."""
    a, b, kv = mp.mpf(a), mp.mpf(b), mp.mpf(kv)
    if not a > abs(b) > 0:
        raise ValueError("the closed forms need an optical cosine band, a > |b| > 0")
    om_k = cosine_band(a, b)(kv)
    out = {"split": [], "merge": []}
    cos_k, sin_k = mp.cos(mp.pi * kv), mp.sin(mp.pi * kv)
    if cos_k != 0:
        r = (om_k - 2 * a) / (2 * b * cos_k)
        if abs(r) < 1:
            jac = 4 * mp.pi * abs(b * cos_k) * mp.sqrt(1 - r ** 2)
            out["split"] = [((kv + sgn * mp.acos(r) / mp.pi) / 2, jac) for sgn in (1, -1)]
    if sin_k != 0:
        s = -om_k / (2 * b * sin_k)
        if abs(s) < 1:
            jac = 4 * mp.pi * abs(b * sin_k) * mp.sqrt(1 - s ** 2)
            out["merge"] = [((y - kv) / 2, jac) for y in (mp.asin(s) / mp.pi, 1 - mp.asin(s) / mp.pi)]
    return out


def _collision(kv, vertex: Callable, occupation: Callable, a, b, counter: dict):
    kv = mp.mpf(kv)
    w = occupation
    total = mp.mpf(0)
    roots = resonant_momenta(kv, a, b)
    for qq, jac in roots["split"]:
        counter["n"] += 1
        f = (1 + w(kv)) * w(qq) * w(kv - qq) - w(kv) * (1 + w(qq)) * (1 + w(kv - qq))
        total += 2 * mp.pi * 18 * vertex(kv, -qq, qq - kv) ** 2 * f / jac
    for qq, jac in roots["merge"]:
        counter["n"] += 1
        f = (1 + w(kv + qq)) * w(kv) * w(qq) - w(kv + qq) * (1 + w(kv)) * (1 + w(qq))
        total -= 2 * mp.pi * 36 * vertex(kv, qq, -kv - qq) ** 2 * f / jac
    return total


def reference_phonon_collision(kv: float, vertex: Callable, occupation: Callable, a=1, b: str = "0.5",
                               dps: int = 30) -> Estimate:
    """C[W](k) for Ω = a + b cos 2πk (``a``, ``b`` as exact numbers or decimal strings) at ``dps`` digits."""
    return _two_precisions(lambda c: _collision(kv, vertex, occupation, mp.mpf(a), mp.mpf(b), c), dps,
                           "closed-form resonant roots in y = 2q ∓ k (sum-to-product), analytic Jacobians")
