"""Exact dynamics of one electron on a ring coupled linearly to a few truncated phonon modes.

Model (conventions of ``../shared/conventions.md``; ħ = 1, i∂_tρ = [H, ρ]): a ring of L sites; the electron
lives in the one-particle space (basis |k⟩, k = 0 … L−1, ⟨x|k⟩ = L^{−1/2}e^{2πikx/L}); phonon modes c_q
(q = 0 … L−1, [c_q, c*_q'] = δ_qq') truncated to n_q ≤ ``cutoff``; site fields c_y = L^{−1/2}Σ_q e^{2πiqy/L}c_q and

.. math:: H = \\sum_k \\omega(k)|k\\rangle\\langle k| + \\sum_q \\Omega(q)c_q^*c_q
          + \\lambda\\sum_{x,y} G(x-y)\\,|x\\rangle\\langle x|\\otimes(c_y + c_y^*),

built from this *position-space* form (nothing of the momentum-space vertex is used). The initial state is
diag(W_k) ⊗ (⊗_q geometric law of mode q restricted to n ≤ cutoff − 1), so every second-order matrix element
(one extra phonon) lies inside the truncated space: the λ² coefficient is exact for the phonon occupations
:func:`phonon_occupations` of that state. The λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0 is extracted as in
:func:`kernels.exact.fock.second_order_coefficient` (± symmetrization and Richardson in λ).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from kernels.estimate import Estimate

__all__ = ["PolaronRing", "coupling_hat", "phonon_occupations", "polaron_hamiltonian", "electron_occupation_change",
           "electron_second_order_coefficient"]


@dataclass(frozen=True)
class PolaronRing:
    """Ring of ``L`` sites: electron dispersion ``omega[k]``, phonon dispersion ``phonon[q]``, real even coupling
    ``coupling[x]`` (G(x) = G(L − x)), electron occupations ``occupations[k]`` (a diagonal one-electron density
    matrix), phonon Boltzmann factors ``boltzmann[q]`` = e^{−βΩ(q)} ∈ (0, 1), per-mode ``cutoff``."""

    L: int
    omega: tuple
    phonon: tuple
    coupling: tuple
    occupations: tuple
    boltzmann: tuple
    cutoff: int = 2

    def __post_init__(self):
        for name in ("omega", "phonon", "coupling", "occupations", "boltzmann"):
            if len(getattr(self, name)) != self.L:
                raise ValueError(f"{name} needs {self.L} entries")
        g = np.asarray(self.coupling, dtype=float)
        if not np.allclose(g, g[(-np.arange(self.L)) % self.L]):
            raise ValueError("the coupling must be even on the ring, G(x) = G(L − x)")
        z = np.asarray(self.boltzmann, dtype=float)
        if np.any(z <= 0) or np.any(z >= 1):
            raise ValueError("Boltzmann factors must lie in (0, 1)")
        if self.cutoff < 1:
            raise ValueError("cutoff must be ≥ 1 (one phonon above the initial state)")


def coupling_hat(model: PolaronRing) -> np.ndarray:
    """ĝ(q) = Σ_x G(x)e^{−2πiqx/L} (real for an even G)."""
    x = np.arange(model.L)
    g = np.asarray(model.coupling, dtype=float)
    return np.array([np.sum(g * np.exp(-2j * np.pi * qq * x / model.L)).real for qq in range(model.L)])


def _mode_weights(z: float, cutoff: int) -> np.ndarray:
    """p(n) ∝ zⁿ for n ≤ cutoff − 1 and p(cutoff) = 0 (room for the one phonon created at second order)."""
    p = z ** np.arange(cutoff + 1)
    p[-1] = 0.0
    return p / p.sum()


def phonon_occupations(model: PolaronRing) -> np.ndarray:
    """⟨c*_q c_q⟩ of the initial (restricted geometric) phonon state, mode by mode."""
    n = np.arange(model.cutoff + 1)
    return np.array([np.sum(n * _mode_weights(z, model.cutoff)) for z in model.boltzmann])


def polaron_hamiltonian(model: PolaronRing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H₀, H_I, ρ₀) as dense matrices on electron ⊗ phonons (electron index slowest)."""
    L, nc = model.L, model.cutoff
    states = list(itertools.product(range(nc + 1), repeat=L))
    index = {st: i for i, st in enumerate(states)}
    dim_ph = len(states)
    c = []
    for qq in range(L):
        m = np.zeros((dim_ph, dim_ph))
        for i, st in enumerate(states):
            if st[qq]:
                m[index[st[:qq] + (st[qq] - 1,) + st[qq + 1:]], i] = np.sqrt(st[qq])
        c.append(m)
    h_ph = sum(model.phonon[qq] * (c[qq].T @ c[qq]) for qq in range(L))
    h0 = np.kron(np.diag(np.asarray(model.omega, dtype=float)), np.eye(dim_ph)) + np.kron(np.eye(L), h_ph)
    kx = np.exp(2j * np.pi * np.outer(np.arange(L), np.arange(L)) / L) / np.sqrt(L)     # ⟨x|k⟩, [x, k]
    hi = np.zeros((L * dim_ph, L * dim_ph), dtype=complex)
    for y in range(L):
        field = sum(np.exp(2j * np.pi * qq * y / L) / np.sqrt(L) * c[qq] for qq in range(L))
        field = field + field.conj().T
        for x in range(L):
            gval = model.coupling[(x - y) % L]
            if gval:
                proj = np.outer(kx[x].conj(), kx[x])          # |x⟩⟨x| in the momentum basis: ⟨k|x⟩⟨x|k'⟩
                hi += gval * np.kron(proj, field)
    rho_ph = np.ones(1)
    for z in model.boltzmann:
        rho_ph = np.kron(rho_ph, _mode_weights(z, nc))
    rho_ph = rho_ph.reshape(-1)
    # itertools.product order = kron order (mode 0 slowest)
    rho0 = np.kron(np.asarray(model.occupations, dtype=float), rho_ph)
    return h0.astype(complex), hi, rho0


def electron_occupation_change(model: PolaronRing, coupling: float, time: float, parts=None) -> np.ndarray:
    """⟨n_k⟩_t − ⟨n_k⟩_0 of the electron for every k, exactly (dense eigendecomposition)."""
    h0, hi, rho0 = parts or polaron_hamiltonian(model)
    h = h0 + coupling * hi
    if np.max(np.abs(h - h.conj().T)) > 1e-12:
        raise ValueError("the Hamiltonian is not Hermitian")
    energies, v = np.linalg.eigh(h)
    u = (v * np.exp(-1j * energies * time)) @ v.conj().T
    rho_t = (u * rho0) @ u.conj().T
    diag = np.real(np.diag(rho_t)).reshape(model.L, -1).sum(axis=1)
    return diag - np.asarray(rho0).reshape(model.L, -1).sum(axis=1)


def electron_second_order_coefficient(model: PolaronRing, time: float, coupling: float = 0.02) -> Estimate:
    """The λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0: ± symmetrized exact evolutions and Richardson on (λ, 2λ).

    a₂ ≈ [4f(λ)/λ² − f(2λ)/(4λ²)]/3 with f(λ) = [g(λ) + g(−λ)]/2 (error O(λ⁴)); the error estimate is the change
    when (λ, 2λ) is replaced by (2λ, 4λ) plus the roundoff 10ε(1 + ‖H₀‖t)/λ².
    """
    parts = polaron_hamiltonian(model)

    def even(lam):
        return 0.5 * (electron_occupation_change(model, lam, time, parts)
                      + electron_occupation_change(model, -lam, time, parts))

    f1, f2, f4 = even(coupling), even(2 * coupling), even(4 * coupling)
    a_fine = (4 * f1 / coupling ** 2 - f2 / (4 * coupling ** 2)) / 3
    a_coarse = (4 * f2 / (2 * coupling) ** 2 - f4 / (4 * (2 * coupling) ** 2)) / 3
    h0_norm = float(np.max(np.abs(np.diag(parts[0]))))
    roundoff = 10 * np.finfo(float).eps * (1 + h0_norm * time) / coupling ** 2
    return Estimate(a_fine, np.abs(a_fine - a_coarse) + roundoff,
                    "exact evolution of one electron + truncated phonons (dense eigendecomposition)", n_eval=6,
                    dps=15, notes=("Richardson in λ on ± symmetrized exact evolutions",))
