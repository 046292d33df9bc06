"""Angular reduction of a d = 3 two-body transition kernel: M(k, k₂, k₃, k₄) for radial V̂ on an energy shell.

For momenta of fixed lengths k, k₂, k₃, k₄ with k² + k₂² = k₃² + k₄², the direction integral of a kernel
K(|k − k₃|, |k − k₄|) over the momentum-conserving configurations is

.. math:: \\Phi = \\int d\\Omega_2\\, d\\Omega_3\\, d\\Omega_4\\; \\delta^3(k + k_2 - k_3 - k_4)\\, K ,
          \\qquad M := k k_2 k_3 k_4\\,\\Phi = 2\\pi \\int_{P_-}^{P_+} dP \\int_0^{2\\pi} d\\varphi\\; K ,

with the total momentum P = |k + k₂| ∈ [P₋, P₊], P₋ = max(|k − k₂|, |k₃ − k₄|), P₊ = min(k + k₂, k₃ + k₄)
(the Jacobians: dcos θ₂ = P dP/(k k₂) for the k₂ direction, 2π/(P k₃ k₄) for the k₃, k₄ directions about P;
the remaining 2π is the azimuth of k₂ about k). Geometry: ψ = ∠(k, P), χ = ∠(P, k₃), φ the azimuth of k₃
about P, so

.. math:: k\\cdot k_3 = k k_3(\\cos\\psi\\cos\\chi - \\sin\\psi\\sin\\chi\\cos\\varphi),\\qquad
          k\\cdot k_4 = kP\\cos\\psi - k\\cdot k_3 .

M is symmetric under the collision symmetries of K (k ↔ k₂ with k₃ ↔ k₄, (k, k₂) ↔ (k₃, k₄), k₃ ↔ k₄).

Quadrature: Fejér's second rule in u = log P (the poles of cos ψ, cos χ at P = 0 become e^{−u}; a linear map
when P₋ = 0, where cos ψ = P/2k is polynomial) and the trapezoid rule in φ ∈ [0, π] (K is even and periodic in
φ). Both rules are nested: the error of every entry is the change when either rule is halved, which
overestimates the error of the full rule.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["shell_limits", "angular_kernel"]


def shell_limits(k1, k2, k3, k4) -> tuple[np.ndarray, np.ndarray]:
    """P₋ = max(|k − k₂|, |k₃ − k₄|), P₊ = min(k + k₂, k₃ + k₄): the range of the total momentum |k + k₂|."""
    lo = np.maximum(np.abs(k1 - k2), np.abs(k3 - k4))
    hi = np.minimum(k1 + k2, k3 + k4)
    return lo, np.maximum(hi, lo)


def _fejer(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fejér's second rule on [0, 1] with n intervals (n − 1 interior nodes t_j = (1 − cos(jπ/n))/2)."""
    theta = np.pi * np.arange(1, n) / n
    odd = np.arange(1, n // 2 + 1) * 2 - 1
    w = 4 / n * np.sin(theta) * np.sum(np.sin(np.outer(theta, odd)) / odd, axis=1)
    return (1 - np.cos(theta)) / 2, w / 2


def _p_rule(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes (…, n − 1), weights and the weights of the nested n/2 rule (0 off its nodes) of ∫_{lo}^{hi} dP:
    Fejér-2 in log P, linear where lo = 0."""
    t, wt = _fejer(n)
    _, wh = _fejer(n // 2)
    wt_half = np.zeros_like(wt)
    wt_half[1::2] = wh
    lo_, hi_ = lo[..., None], hi[..., None]
    use_log = lo_ > 0
    ratio = np.log(np.where(use_log, hi_ / np.where(use_log, lo_, 1.0), 1.0))
    p_log = np.where(use_log, lo_, 1.0) * np.exp(t * ratio)
    nodes = np.where(use_log, p_log, lo_ + (hi_ - lo_) * t)
    jac = np.where(use_log, p_log * ratio, hi_ - lo_)
    return nodes, jac * wt, jac * wt_half


def _phi_sum(kernel_xy: Callable, vhat: Callable, k1, k2, k3, k4, p, n_phi: int) -> tuple[np.ndarray, np.ndarray]:
    """∫₀^{2π}dφ K at every (entry, P node): trapezoid with n_phi + 1 nodes on [0, π] (×2), and with half of them."""
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_psi = np.clip((k1 ** 2 + p ** 2 - k2 ** 2) / (2 * k1 * p), -1.0, 1.0)
        cos_chi = np.clip((k3 ** 2 + p ** 2 - k4 ** 2) / (2 * k3 * p), -1.0, 1.0)
    sin_prod = np.sqrt((1 - cos_psi ** 2) * (1 - cos_chi ** 2))
    phi = np.pi * np.arange(n_phi + 1) / n_phi
    k_dot_k3 = (k1 * k3 * cos_psi * cos_chi)[..., None] - (k1 * k3 * sin_prod)[..., None] * np.cos(phi)
    k_dot_p = (k1 * p * cos_psi)[..., None]
    q3 = np.sqrt(np.maximum((k1 ** 2 + k3 ** 2)[..., None] - 2 * k_dot_k3, 0.0))
    q4 = np.sqrt(np.maximum((k1 ** 2 + k4 ** 2)[..., None] - 2 * (k_dot_p - k_dot_k3), 0.0))
    values = kernel_xy(vhat(q3), vhat(q4)) * np.ones_like(q3)
    w = np.full(n_phi + 1, np.pi / n_phi)
    w[[0, -1]] /= 2
    fine = 2 * values @ w
    wc = np.full(n_phi // 2 + 1, 2 * np.pi / n_phi)
    wc[[0, -1]] /= 2
    coarse = 2 * values[..., ::2] @ wc
    return fine, coarse


def angular_kernel(kernel_xy: Callable, vhat: Callable, k1, k2, k3, k4, *, n_p: int = 24, n_phi: int = 32,
                   chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """M(k, k₂, k₃, k₄) = 2π∫dP∫dφ K(V̂(|k − k₃|), V̂(|k − k₄|)) and an error estimate, for arrays of lengths.

    Parameters
    ----------
    kernel_xy
        K as a numpy function of (V̂(|k − k₃|), V̂(|k − k₄|)) — lambdified from the derived transition kernel.
    vhat
        V̂ as a numpy function of |q|.
    k1, k2, k3, k4
        1-d arrays of lengths on the energy shell k₁² + k₂² = k₃² + k₄² (all > 0).
    n_p, n_phi
        Fejér intervals in log P and trapezoid intervals on [0, π] (both even).

    Returns
    -------
    (M, error): error = |M − M(half P rule)| + |M − M(half φ rule)| (nested rules: no extra evaluations).
    """
    if n_p % 4 or n_phi % 2:
        raise ValueError("n_p must be a multiple of 4 and n_phi even")
    k1, k2, k3, k4 = (np.asarray(a, dtype=float) for a in (k1, k2, k3, k4))
    values, errors = np.empty(k1.shape), np.empty(k1.shape)
    for start in range(0, k1.size, chunk):
        sl = slice(start, start + chunk)
        a, b, c, d = k1[sl, None], k2[sl, None], k3[sl, None], k4[sl, None]
        lo, hi = shell_limits(k1[sl], k2[sl], k3[sl], k4[sl])
        p, w, w_half = _p_rule(lo, hi, n_p)
        fine, half_phi = _phi_sum(kernel_xy, vhat, a, b, c, d, p, n_phi)
        m_fine = 2 * np.pi * np.sum(w * fine, axis=-1)
        values[sl] = m_fine
        errors[sl] = (np.abs(m_fine - 2 * np.pi * np.sum(w_half * fine, axis=-1))
                      + np.abs(m_fine - 2 * np.pi * np.sum(w * half_phi, axis=-1)))
    return values, errors
