"""Independent mpmath reference (30 digits) for the four-wave collision operator on the chain (d = 1).

Written from the golden rule, not from the derivation: ω(k) = 1 − cos 2πk on 𝕋 = [−½, ½), k₄ = k + k₂ − k₃ (mod 1),

.. math:: C[W](k) = \\iint dk_2\\,dk_3\\ 2\\pi\\delta(\\Delta)\\,2U^2
          [W_2W_3W_4 + WW_3W_4 - WW_2W_3 - WW_2W_4].

The kernel (:func:`derive.catalogue.four_wave.collision_1d`) differentiates Δ in k₂ on the resonant line. Here
Δ is first *factorized* by sum-to-product, with s = k + k₂ (unit Jacobian, k₂ = s − k):

.. math:: \\Delta = -2\\cos(\\pi s)\\,[\\cos\\pi(2k - s) - \\cos(\\pi s - 2\\pi k_3)],

so the zero set is s = ½ (mod 1), where Δ vanishes for every k₃, plus k₃ ∈ {k, k₂} (where the bracket F
vanishes). Resolving δ in s at s = ½: |∂_sΔ| = 2π|sin 2πk − sin φ| with φ = 2πk₃, and with k₂ = ½ − k,
k₄ = ½ − k₃,

.. math:: C[W](k) = \\frac{2\\pi\\cdot 2U^2}{2\\pi}\\int_{-\\pi}^{\\pi}\\frac{d\\varphi}{2\\pi}
          \\frac{B(k, \\tfrac12 - k, \\tfrac{\\varphi}{2\\pi}, \\tfrac12 - \\tfrac{\\varphi}{2\\pi})}
          {|\\sin 2\\pi k - \\sin\\varphi|},

integrated by ``mpmath.quad`` (tanh-sinh) in the angle φ, split at the kinks φ = 2πk and φ = π − 2πk. Value at
``dps``, error = difference to ``dps + 20`` digits (:func:`kernels.quadrature.reference._two_precisions`).
"""
from __future__ import annotations

from typing import Callable

import mpmath as mp

from kernels.estimate import Estimate
from kernels.quadrature.reference import _two_precisions

__all__ = ["reference_chain_four_wave"]


def reference_chain_four_wave(kval: float, occupation: Callable, U: float = 1.0, dps: int = 30) -> Estimate:
    """C[W](k) of the classical four-wave equation on the chain; ``occupation`` W(k) is an mpmath callable
    (1-periodic)."""

    def compute(counter):
        k = mp.mpf(kval)
        a = 2 * mp.pi * k
        sin_a = mp.sin(a)
        w1, w2 = occupation(k), occupation(mp.mpf(1) / 2 - k)
        strength = 2 * mp.mpf(U) ** 2

        def integrand(phi):
            counter["n"] += 1
            k3 = phi / (2 * mp.pi)
            w3, w4 = occupation(k3), occupation(mp.mpf(1) / 2 - k3)
            bracket = w2 * w3 * w4 + w1 * w3 * w4 - w1 * w2 * w3 - w1 * w2 * w4
            return strength * bracket / abs(sin_a - mp.sin(phi)) / (2 * mp.pi)

        kinks = sorted({(x + mp.pi) % (2 * mp.pi) - mp.pi for x in (a, mp.pi - a)} | {-mp.pi, mp.pi})
        return mp.quad(integrand, kinks)

    return _two_precisions(compute, dps, "mpmath tanh-sinh in the angle φ = 2πk₃, Δ factorized, δ resolved in "
                                         "s = k + k₂")
