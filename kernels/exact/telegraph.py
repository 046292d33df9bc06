r"""Exact averaged dynamics of an N-level density matrix driven by telegraph noise (no ε-expansion).

Model (project conventions, the random forcing of :mod:`derive.correctors.einstein`)::

    ∂_t ρ = −i[H₀/ε² + ξ(t/ε²) A/ε, ρ] − (γ/ε²)(I − P)ρ,     ξ ∈ {+1, −1} flipping at rate ν (fast time),

with ξ started from its stationary law (½, ½). The pair (ρ, ξ) is Markov, so the partial averages
ρ_±(τ) = 𝔼[ρ(τ) 1{ξ(τ) = ±1}] obey the closed linear system (fast time τ = t/ε²)

.. math:: \frac{d}{d\tau}\begin{pmatrix}\rho_+\\ \rho_-\end{pmatrix}
          = \begin{pmatrix} L_0 + \varepsilon C - \nu & \nu \\ \nu & L_0 - \varepsilon C - \nu\end{pmatrix}
            \begin{pmatrix}\rho_+\\ \rho_-\end{pmatrix},\qquad C\rho = -i[A, \rho],

with ρ_±(0) = ρ₀/2, and 𝔼ρ = ρ_+ + ρ_−. One matrix exponential of this 2N²×2N² generator gives the averaged
density matrix exactly (to rounding): no sampling and no time stepping.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from kernels.exact.bloch import bloch_superoperators

__all__ = ["telegraph_generator", "telegraph_populations"]


def telegraph_generator(energies, coupling, switching, relaxation, eps):
    """The joint generator on (vec ρ_+, vec ρ_−) in fast time (see the module docstring)."""
    L0, C = bloch_superoperators(energies, coupling, relaxation)
    I = np.eye(L0.shape[0])
    nu = float(switching)
    return np.block([[L0 + eps * C - nu * I, nu * I], [nu * I, L0 - eps * C - nu * I]])


def telegraph_populations(energies, coupling, switching, relaxation, eps, T, rho0):
    """Averaged populations 𝔼ρ_nn at slow time T (fast time T/ε²) from ρ₀ (matrix, or populations vector)."""
    E = np.asarray(energies, dtype=float)
    n = E.size
    rho0 = np.asarray(rho0, dtype=complex)
    if rho0.ndim == 1:
        rho0 = np.diag(rho0)
    G = telegraph_generator(E, coupling, switching, relaxation, eps)
    v0 = np.concatenate([rho0.reshape(-1) / 2, rho0.reshape(-1) / 2])
    v = expm(G * (T / eps ** 2)) @ v0
    rho = (v[:n * n] + v[n * n:]).reshape(n, n)
    return np.real(np.diag(rho))
