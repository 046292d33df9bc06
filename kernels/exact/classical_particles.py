r"""Finite-ε particle dynamics of the forced, shell-relaxed harmonic oscillator, and the limiting energy-diffusion
equation solved by conservative finite volumes (the two sides of the seed 002 §3 convergence check).

Particles (fast time τ = t/ε², project signs ẋ = ∂_pH, ṗ = −∂_xH)::

    dx/dτ = p,   dp/dτ = −x − ε a cos(ωτ)          (H = H₀/ε² + V/ε in slow time, H₀ = (x² + p²)/2, V = a x cos ωτ),

plus the relaxation γ(Pf − f): at rate γ (per unit τ) the particle's angle on its energy circle is redrawn
uniformly (the microcanonical measure of the oscillator shell). Between jumps the linear ODE is solved exactly
(z = x + ip: ż = −iz − iεa cos ωτ), jump times are exact exponential clocks — so the only errors are
statistical (reported) and the ε-effects being measured.

Limit: ∂_t(h₀F) = ∂_E(h₀ d ∂_E F) on [E_lo, E_hi], zero flux at both ends, for u = h₀F (particles per unit
energy): cell averages, two-point fluxes −h₀d ∂_E(u/h₀) at the faces, Crank–Nicolson in time after two
backward-Euler steps; mass Σu ΔE is conserved to rounding. Error estimate: difference with a run at half the
resolution (ΔE and Δt doubled).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.linalg import solve_banded

from kernels.estimate import Estimate

__all__ = ["simulate_forced_oscillator", "solve_energy_diffusion", "diffusion_moments", "gamma_energy_sampler"]


def gamma_energy_sampler(shape: float, scale: float):
    """Initial energy law Gamma(shape, scale): returns ``(sample(rng, n), density(E))``."""
    from scipy.stats import gamma as gamma_law
    law = gamma_law(shape, scale=scale)
    return (lambda rng, n: law.rvs(size=n, random_state=rng)), law.pdf


def _drive_integral(omega: float, tau0: np.ndarray, dtau: np.ndarray) -> np.ndarray:
    """∫_{τ₀}^{τ₀+Δ} e^{−i(τ₀+Δ−s)} cos(ωs) ds, stable for ω → 1 (resonance)."""
    tau1 = tau0 + dtau
    out = np.zeros_like(tau0, dtype=complex)
    for kappa in (1.0 + omega, 1.0 - omega):
        # ∫ e^{iκs} ds over [τ₀, τ₁] = e^{iκτ₀} Δ e^{iκΔ/2} sinc(κΔ/2)
        out += np.exp(1j * kappa * tau0) * dtau * np.exp(0.5j * kappa * dtau) * np.sinc(kappa * dtau / (2 * np.pi))
    return np.exp(-1j * tau1) * out / 2


def _flow(z, tau0, dtau, eps, amplitude, omega):
    """Exact flow over [τ₀, τ₀ + Δ] and the driven displacement ζ (z₁ = e^{−iΔ}z₀ + ζ)."""
    zeta = -1j * eps * amplitude * _drive_integral(omega, tau0, dtau)
    return np.exp(-1j * dtau) * z + zeta, zeta


def simulate_forced_oscillator(eps: float, slow_time: float, *, omega: float = 1.0, relaxation: float = 0.5,
                               amplitude: float = 1.0, n_particles: int = 100_000, initial_energy=None,
                               seed: int = 0) -> dict:
    """Energies at slow time T of the exact finite-ε particle dynamics (module docstring).

    Parameters
    ----------
    eps, slow_time
        ε > 0 and the slow time T (fast time τ_end = T/ε²).
    omega, relaxation, amplitude
        ω, γ > 0 and a in V = a x cos(ωτ).
    initial_energy
        ``sample(rng, n)`` of the initial energies (default Gamma(4, 1/4), mean 1); angles uniform.

    Returns
    -------
    dict with ``energies`` (array), ``mean`` and ``variance`` as :class:`Estimate` (standard errors; the
    variance error from the fourth central moment), ``gain`` (the mean energy gain E⟨E(T) − E(0)⟩ as
    the conditional expectation Σ_intervals |ζ|²/2 given the jump times: after every jump the angle is uniform
    and independent, so the cross term ε Re(z̄ζ) has mean zero — an unbiased, low-variance estimator), and
    ``jumps`` (mean number of relaxation events).
    """
    if eps <= 0 or slow_time < 0 or relaxation <= 0 or omega <= 0:
        raise ValueError("need eps > 0, T >= 0, relaxation > 0, omega > 0")
    rng = np.random.default_rng(seed)
    sample = initial_energy or gamma_energy_sampler(4.0, 0.25)[0]
    e0 = np.asarray(sample(rng, n_particles), dtype=float)
    z = np.sqrt(2 * e0) * np.exp(2j * np.pi * rng.random(n_particles))
    tau_end = slow_time / eps ** 2
    now = np.zeros(n_particles)
    nxt = rng.exponential(1 / relaxation, n_particles)
    jumps = 0
    gain = np.zeros(n_particles)  # Σ_intervals |ζ|²/2: the energy gain with the uniform phases averaged out
    act = np.nonzero(nxt < tau_end)[0]
    while act.size:
        z[act], zeta = _flow(z[act], now[act], nxt[act] - now[act], eps, amplitude, omega)
        gain[act] += np.abs(zeta) ** 2 / 2
        z[act] = np.abs(z[act]) * np.exp(2j * np.pi * rng.random(act.size))
        now[act] = nxt[act]
        nxt[act] += rng.exponential(1 / relaxation, act.size)
        jumps += act.size
        act = act[nxt[act] < tau_end]
    z, zeta = _flow(z, now, tau_end - now, eps, amplitude, omega)
    gain += np.abs(zeta) ** 2 / 2
    en = np.abs(z) ** 2 / 2
    n = en.size
    mu, var = float(en.mean()), float(en.var(ddof=1))
    m4 = float(np.mean((en - mu) ** 4))
    return {"energies": en,
            "mean": Estimate(mu, float(np.sqrt(var / n)), "particle Monte Carlo (1 standard error)", n),
            "variance": Estimate(var, float(np.sqrt(max(m4 - var ** 2, 0.0) / n)),
                                 "particle Monte Carlo (1 standard error)", n),
            "gain": Estimate(float(gain.mean()), float(gain.std(ddof=1) / np.sqrt(n)),
                             "Rao–Blackwellized particle Monte Carlo (1 standard error)", n),
            "jumps": jumps / n}


def _fv_run(h0: Callable, d: Callable, u0: Callable, e_lo: float, e_hi: float, T: float, n_cells: int,
            n_steps: int):
    edges = np.linspace(e_lo, e_hi, n_cells + 1)
    centers = (edges[:-1] + edges[1:]) / 2
    dE = edges[1] - edges[0]
    hc = np.asarray(h0(centers), dtype=float) * np.ones(n_cells)
    kf = np.asarray(h0(edges[1:-1]) * d(edges[1:-1]), dtype=float) / dE ** 2  # face conductances h₀d/ΔE²
    u = np.asarray(u0(centers), dtype=float) * np.ones(n_cells)
    # (A u)_i = [k_{i+½}(u_{i+1}/h_{i+1} − u_i/h_i) − k_{i−½}(u_i/h_i − u_{i−1}/h_{i−1})], zero flux at the ends
    diag = np.zeros(n_cells)
    diag[:-1] -= kf / hc[:-1]
    diag[1:] -= kf / hc[1:]
    upper = kf / hc[1:]   # coefficient of u_{i+1} in row i
    lower = kf / hc[:-1]  # coefficient of u_{i−1} in row i

    def apply(v):
        out = diag * v
        out[:-1] += upper * v[1:]
        out[1:] += lower * v[:-1]
        return out

    def solve(theta, dt, v):
        ab = np.zeros((3, n_cells))
        ab[0, 1:] = -theta * dt * upper
        ab[1] = 1 - theta * dt * diag
        ab[2, :-1] = -theta * dt * lower
        rhs = v + (1 - theta) * dt * apply(v)
        return solve_banded((1, 1), ab, rhs)
    dt = T / n_steps
    for step in range(n_steps):
        u = solve(1.0 if step < 2 else 0.5, dt, u)
    return centers, dE, u


def diffusion_moments(centers, dE, u) -> tuple[float, float, float]:
    """(mass, mean, variance) of the energy density u by the midpoint rule."""
    mass = float(np.sum(u) * dE)
    mean = float(np.sum(centers * u) * dE / mass)
    var = float(np.sum((centers - mean) ** 2 * u) * dE / mass)
    return mass, mean, var


def solve_energy_diffusion(h0: Callable, d: Callable, u0: Callable, *, e_lo: float, e_hi: float, T: float,
                           n_cells: int = 800, n_steps: int = 400) -> dict:
    """Solve ∂_t u = ∂_E(h₀ d ∂_E(u/h₀)), u = h₀F, to time T; moments as :class:`Estimate` (two resolutions).

    Returns dict with ``centers``, ``density`` (u at T), ``mass``, ``mean``, ``variance`` (Estimates) and
    ``mass_defect`` (|Σu(T) − Σu(0)|ΔE, the discrete conservation certificate)."""
    c, dE, u = _fv_run(h0, d, u0, e_lo, e_hi, T, n_cells, n_steps)
    c2, dE2, u2 = _fv_run(h0, d, u0, e_lo, e_hi, T, n_cells // 2, n_steps // 2)
    _, dEz, uz = _fv_run(h0, d, u0, e_lo, e_hi, 0.0, n_cells, 1)
    m1, mu1, v1 = diffusion_moments(c, dE, u)
    m2, mu2, v2 = diffusion_moments(c2, dE2, u2)
    mass0 = float(np.sum(uz) * dEz)
    # second-order scheme: the half-resolution difference over-estimates the error by about 3
    return {"centers": c, "density": u,
            "mass": Estimate(m1, abs(m1 - m2) / 3 + 1e-14, "finite volume + Crank–Nicolson", n_cells * n_steps),
            "mean": Estimate(mu1, abs(mu1 - mu2) / 3 + 1e-14, "finite volume + Crank–Nicolson", n_cells * n_steps),
            "variance": Estimate(v1, abs(v1 - v2) / 3 + 1e-14, "finite volume + Crank–Nicolson",
                                 n_cells * n_steps),
            "mass_defect": abs(m1 - mass0)}
