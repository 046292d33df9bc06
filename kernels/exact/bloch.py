r"""Exact evolution of the dephased, periodically forced N-level density-matrix equation (no ε-expansion).

Equation (project conventions, the model of :mod:`derive.correctors.einstein`)::

    ∂_t ρ = −i[H₀/ε² + A cos(ω t/ε²)/ε, ρ] − (γ/ε²)(I − P) ρ,        H₀ = diag(E),

on row-major vec(ρ). In the fast time τ = t/ε² (an exact change of variables) it reads
dρ/dτ = (L₀ + ε L₁(τ)) ρ with L₁ periodic of period 2π/ω. The propagator over one period (the Floquet
monodromy Φ) is built from ``substeps`` fourth-order Magnus steps (two Gauss points, each step an exact
matrix exponential of the step's Magnus generator), Φ is raised to the number of whole periods in
T/ε² (``matrix_power``) and the remaining fraction of a period is stepped the same way. The only error is
the Magnus truncation, O(h⁴) per unit τ with h = 2π/(ω·substeps); doubling ``substeps`` is the check.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import expm

__all__ = ["bloch_superoperators", "floquet_propagator", "bloch_populations", "rate_populations"]

_G1, _G2 = 0.5 - np.sqrt(3) / 6, 0.5 + np.sqrt(3) / 6


def bloch_superoperators(energies, coupling, relaxation):
    """(L₀, C) with L₀ρ = −i[H₀, ρ] − γ(I − P)ρ and Cρ = −i[A, ρ] (so L₁(τ) = cos(ωτ) C)."""
    E = np.asarray(energies, dtype=float)
    n = E.size
    eye = np.eye(n)
    H0 = np.diag(E)
    A = np.asarray(coupling, dtype=complex)
    comm = lambda h: np.kron(h, eye) - np.kron(eye, h.T)  # noqa: E731
    P = np.diag([1.0 if i == k else 0.0 for i in range(n) for k in range(n)])
    L0 = -1j * comm(H0) - relaxation * (np.eye(n * n) - P)
    return L0, -1j * comm(A)


def _magnus_steps(L0, C, omega, eps, t0, length, nsteps):
    """Propagator over τ ∈ [t0, t0 + length] by ``nsteps`` Magnus-4 steps."""
    U = np.eye(L0.shape[0], dtype=complex)
    if length <= 0:
        return U
    h = length / nsteps
    for j in range(nsteps):
        a = t0 + j * h
        A1 = L0 + eps * np.cos(omega * (a + _G1 * h)) * C
        A2 = L0 + eps * np.cos(omega * (a + _G2 * h)) * C
        Om = 0.5 * h * (A1 + A2) + (np.sqrt(3) / 12) * h * h * (A2 @ A1 - A1 @ A2)
        U = expm(Om) @ U
    return U


def floquet_propagator(energies, coupling, omega, relaxation, eps, substeps=256):
    """Monodromy Φ over one fast period 2π/ω (in τ) of dρ/dτ = (L₀ + ε cos(ωτ) C)ρ."""
    L0, C = bloch_superoperators(energies, coupling, relaxation)
    return _magnus_steps(L0, C, omega, eps, 0.0, 2 * np.pi / omega, substeps)


def bloch_populations(energies, coupling, omega, relaxation, eps, T, rho0, substeps=256):
    """Populations ρ_nn(T) of the full equation at slow time T (fast time T/ε²), starting from ρ₀
    (an N×N density matrix, or a population vector meaning diag(p))."""
    E = np.asarray(energies, dtype=float)
    n = E.size
    rho0 = np.asarray(rho0, dtype=complex)
    if rho0.ndim == 1:
        rho0 = np.diag(rho0)
    L0, C = bloch_superoperators(E, coupling, relaxation)
    period = 2 * np.pi / omega
    tau_end = T / eps ** 2
    nper = int(np.floor(tau_end / period))
    rest = tau_end - nper * period
    Phi = _magnus_steps(L0, C, omega, eps, 0.0, period, substeps)
    U = np.linalg.matrix_power(Phi, nper)
    nrest = max(1, int(np.ceil(substeps * rest / period)))
    U = _magnus_steps(L0, C, omega, eps, 0.0, rest, nrest) @ U  # L₁ is periodic: the rest starts at phase 0
    rho = (U @ rho0.reshape(-1)).reshape(n, n)
    return np.real(np.diag(rho))


def rate_populations(generator, p0, T):
    """Solution exp(G T) p₀ of the rate equation dp/dt = G p."""
    return expm(np.asarray(generator, dtype=float) * T) @ np.asarray(p0, dtype=float)
