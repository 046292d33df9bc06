r"""Exact evolution of the dephased, periodically forced N-level density-matrix equation (no ε-expansion).

Equation (project conventions, the model of :mod:`derive.correctors.einstein`)::

    ∂_t ρ = −i[H₀/ε² + A cos(ω t/ε²)/ε, ρ] − (γ/ε²)(I − P) ρ,        H₀ = diag(E),

on row-major vec(ρ). In the fast time τ = t/ε² (an exact change of variables) it reads
dρ/dτ = (L₀ + ε L₁(τ)) ρ with L₁ periodic of period 2π/ω. The propagator over one period (the Floquet
monodromy Φ) is built from ``substeps`` fourth-order Magnus steps (two Gauss points, each step an exact
matrix exponential of the step's Magnus generator), Φ is raised to the number of whole periods in
T/ε² (``matrix_power``) and the remaining fraction of a period is stepped the same way. The only error is
the Magnus truncation, O(h⁴) per unit τ with h = 2π/(ω·substeps); doubling ``substeps`` is the check.

Also here: :func:`quasi_periodic_populations` (Σ_r A_r cos ω_r τ, not periodic: Magnus steps over the whole
fast interval), :func:`rotating_wave_populations` (single rotating mode, exact in the rotating frame: one
``expm``) and :func:`rabi_populations` (its closed-form Rabi solution at γ = 0, which has no ε → 0 limit at
resonance). Telegraph noise is in :mod:`kernels.exact.telegraph`.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import expm

__all__ = ["bloch_superoperators", "floquet_propagator", "bloch_populations", "rate_populations",
           "quasi_periodic_populations", "rotating_wave_populations", "rabi_populations"]

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


# --------------------------------------------------------------------------- quasi-periodic forcing
def _expm_batch(Om, order: int = 16):
    """exp of a stack of small matrices: Taylor series of degree ``order`` after scaling to norm ≤ ½, then squaring.

    Truncation error ≤ ½^{order+1}/(order+1)! ≈ 2·10⁻²⁰ relative per scaled step (far below rounding); several
    times faster than a batched ``scipy.linalg.expm`` for the 9×9 / 16×16 Magnus generators used here."""
    norm = float(np.max(np.abs(Om).sum(axis=-1)))
    squarings = max(0, int(np.ceil(np.log2(max(norm, 1e-300) / 0.5))))
    X = Om / 2 ** squarings
    E = np.broadcast_to(np.eye(Om.shape[-1], dtype=complex), Om.shape).copy()
    term = E.copy()
    for k in range(1, order + 1):
        term = term @ X / k
        E += term
    for _ in range(squarings):
        E = E @ E
    return E


def quasi_periodic_populations(energies, couplings, omegas, relaxation, eps, T, rho0, step=0.05, window=None):
    """Populations at slow time T of ∂_t ρ = −i[H₀/ε² + Σ_r A_r cos(ω_r t/ε²)/ε, ρ] − (γ/ε²)(I − P)ρ.

    The forcing is not periodic, so the whole fast interval [0, T/ε²] is stepped with fourth-order Magnus steps
    of length ≤ ``step`` (two Gauss points each, exponential of the step generator to rounding, batched).
    The error is O(step⁴) per unit fast time; halving ``step`` is the check.

    Returns the populations at T, or with ``window = t₀`` the pair ``(times, populations)`` at every step end in
    [t₀, T] (slow times), for sup-in-time error measurements.
    """
    E = np.asarray(energies, dtype=float)
    n = E.size
    L0, _ = bloch_superoperators(E, couplings[0], relaxation)
    Cs = [bloch_superoperators(E, A, relaxation)[1] for A in couplings]
    tau_end = T / eps ** 2
    nsteps = max(1, int(np.ceil(tau_end / step)))
    h = tau_end / nsteps
    rho = np.asarray(rho0, dtype=complex)
    if rho.ndim == 1:
        rho = np.diag(rho)
    v = rho.reshape(-1)
    diag = [k * n + k for k in range(n)]
    first = nsteps if window is None else int(np.floor(window / eps ** 2 / h))
    times, pops = [], []
    chunk = 2048
    for start in range(0, nsteps, chunk):
        a = (start + np.arange(min(chunk, nsteps - start))) * h
        t1, t2 = a + _G1 * h, a + _G2 * h
        A1 = np.broadcast_to(L0, (a.size,) + L0.shape).copy()
        A2 = A1.copy()
        for C, w in zip(Cs, omegas):
            A1 += eps * np.cos(w * t1)[:, None, None] * C
            A2 += eps * np.cos(w * t2)[:, None, None] * C
        Om = 0.5 * h * (A1 + A2) + (np.sqrt(3) / 12) * h * h * (A2 @ A1 - A1 @ A2)
        for j, U in enumerate(_expm_batch(Om)):
            v = U @ v
            if start + j + 1 >= first:
                times.append((start + j + 1) * h * eps ** 2)
                pops.append(np.real(v[diag]))
    if window is None:
        return np.real(v[diag])
    return np.array(times), np.array(pops)


# --------------------------------------------------------------------------- rotating-wave two-level model
def rotating_wave_populations(energies, a, omega, relaxation, eps, T, p0):
    """Exact populations of the two-level model with a single rotating mode (the seed's §2.2 example),
    V(τ) = a e^{iωτ}|0⟩⟨1| + ā e^{−iωτ}|1⟩⟨0|, dephasing γ, at slow time T.

    In the frame ρ̃ = U ρ U*, U = diag(1, e^{iωτ}) (diagonal, so populations and the dephasing are unchanged) the
    generator is time independent: H̃ = diag(E₀, E₁ − ω)/ε² + (a|0⟩⟨1| + h.c.)/ε; the populations are read off
    expm(L̃ T) exactly (no time stepping)."""
    E0, E1 = (float(x) for x in energies)
    Ht = np.array([[E0, 0.0], [0.0, E1 - omega]], dtype=complex) / eps ** 2
    Ht += np.array([[0.0, a], [np.conj(a), 0.0]], dtype=complex) / eps
    eye = np.eye(2)
    comm = np.kron(Ht, eye) - np.kron(eye, Ht.T)
    P = np.diag([1.0, 0.0, 0.0, 1.0])
    L = -1j * comm - relaxation / eps ** 2 * (np.eye(4) - P)
    v = expm(L * T) @ np.diag(np.asarray(p0, dtype=complex)).reshape(-1)
    return np.real(v.reshape(2, 2).diagonal())


def rabi_populations(energies, a, omega, eps, T, p0):
    """Closed-form Rabi solution of the undamped rotating-wave two-level model (γ = 0), from p₀ = (1, 0):

    .. math:: p_1(T) = \\frac{|a|^2/\\varepsilon^2}{\\Omega^2}\\sin^2(\\Omega T),\\qquad
              \\Omega^2 = \\frac{|a|^2}{\\varepsilon^2} + \\frac{\\delta^2}{4\\varepsilon^4},\\quad
              \\delta = E_1 - E_0 - \\omega.

    At resonance (δ = 0) p₁(T) = sin²(|a|T/ε), which has no limit as ε → 0."""
    if not (abs(p0[0] - 1) < 1e-15 and abs(p0[1]) < 1e-15):
        raise ValueError("the closed form is written for p0 = (1, 0)")
    delta = float(energies[1]) - float(energies[0]) - omega
    g2 = abs(a) ** 2 / eps ** 2
    Om = np.sqrt(g2 + delta ** 2 / (4 * eps ** 4))
    p1 = g2 / Om ** 2 * np.sin(Om * T) ** 2
    return np.array([1 - p1, p1])
