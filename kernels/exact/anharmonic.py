"""Exact dynamics of a few phonon modes of an anharmonic ring (cubic anharmonicity), in a truncated Fock space.

Model (conventions of ``../shared/conventions.md``; ħ = 1, i∂_tρ = [H, ρ]): a ring of L sites, phonon modes b_k
(k = 0 … L−1, lattice momentum k/L, [b_k, b*_k'] = δ_kk') with dispersion Ω_k, the displacement field

.. math:: \\varphi_x = L^{-1/2}\\sum_k e^{2\\pi ikx/L} c_k\\,(b_k + b^*_{-k})

(c_k real and even, e.g. (2Ω_k)^{−1/2}: φ_x is Hermitian) and the *position-space* cubic anharmonicity

.. math:: H = \\sum_k \\Omega_k b_k^*b_k + \\lambda\\sum_x\\big[\\alpha\\,\\varphi_x^3
          + \\beta\\,\\varphi_x^2(\\varphi_{x+1} + \\varphi_{x-1})\\big].

Nothing of a momentum-space vertex enters :func:`anharmonic_hamiltonian`. :func:`vertex_hat` gives the symmetric
vertex of the same H written as L^{−1/2}Σ_{k₁+k₂+k₃ ≡ 0} V₃(k₁,k₂,k₃)Π_j(b_{k_j} + b*_{−k_j}) (for comparison
only). The initial state is ⊗_k (geometric law with ⟨n_k⟩ = W_k), each mode truncated to n ≤ ``cutoff`` (and
renormalized). The phonon number is not conserved; the quasi-momentum Σ_k k n_k mod L is, so H is
diagonalized block by block.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps

from kernels.estimate import Estimate
from kernels.exact.fock import boson_annihilator

__all__ = ["AnharmonicRing", "vertex_hat", "anharmonic_hamiltonian", "phonon_occupation_change",
           "phonon_second_order_coefficient"]

_TERMS = {"alpha": ((0, 0, 0),), "beta": ((0, 0, 1), (0, 0, -1))}   # site offsets of φφφ in each term


@dataclass(frozen=True)
class AnharmonicRing:
    """Ring of ``L`` sites: ``phonon[k]`` = Ω_k, mode weights ``weights[k]`` = c_k (even), on-site ``alpha`` and
    nearest-neighbour ``beta`` cubic couplings, initial occupations ``occupations[k]``, ``cutoff`` on the total
    phonon number."""

    L: int
    phonon: tuple
    weights: tuple
    occupations: tuple
    alpha: float = 1.0
    beta: float = 0.0
    cutoff: int = 10

    def __post_init__(self):
        for name in ("phonon", "weights", "occupations"):
            if len(getattr(self, name)) != self.L:
                raise ValueError(f"{name} needs {self.L} entries")
        c = np.asarray(self.weights, dtype=float)
        if not np.allclose(c, c[(-np.arange(self.L)) % self.L]):
            raise ValueError("the mode weights must be even, c_k = c_{L−k}")
        if np.any(np.asarray(self.occupations, dtype=float) < 0):
            raise ValueError("occupations must be ≥ 0")
        if self.cutoff < 6:
            raise ValueError("cutoff must be ≥ 6 (room for the three phonons created at second order)")


def vertex_hat(model: AnharmonicRing) -> np.ndarray:
    """V₃[k₁, k₂, k₃] = Sym_{perms} Σ_terms coef·Π_j c_{k_j}e^{2πik_j r_j/L} (zero unless k₁+k₂+k₃ ≡ 0 mod L)."""
    L = model.L
    c = np.asarray(model.weights, dtype=float)
    out = np.zeros((L, L, L), dtype=complex)
    for k1, k2 in itertools.product(range(L), repeat=2):
        k3 = (-k1 - k2) % L
        ks = (k1, k2, k3)
        total = 0.0
        for name, offsets_list in _TERMS.items():
            coef = getattr(model, name)
            for offsets in offsets_list:
                for perm in itertools.permutations(ks):
                    total += coef * np.exp(2j * np.pi * sum(kk * r for kk, r in zip(perm, offsets)) / L) / 6
        out[k1, k2, k3] = total * c[k1] * c[k2] * c[k3]
    if np.max(np.abs(out.imag)) > 1e-12 * max(1.0, np.max(np.abs(out))):
        raise ValueError("the vertex is not real")
    return out.real


def anharmonic_hamiltonian(model: AnharmonicRing, cutoff: int | None = None):
    """(H₀, H₃, ρ₀ diagonal, occupation table) on the states with total phonon number ≤ ``cutoff``.

    H₃ is assembled from the site fields φ_x (sparse products; Hermitian part taken, as the truncated fields
    commute only below the cutoff) and must come out real symmetric (V₃ real);
    ρ₀ is the product of geometric laws restricted to the kept states and renormalized.
    """
    L, nc = model.L, model.cutoff if cutoff is None else cutoff
    states = [st for st in itertools.product(range(nc + 1), repeat=L) if sum(st) <= nc]
    index = {st: i for i, st in enumerate(states)}
    dim = len(states)
    b = []
    for kk in range(L):
        rows, cols, vals = [], [], []
        for i, st in enumerate(states):
            if st[kk]:
                rows.append(index[st[:kk] + (st[kk] - 1,) + st[kk + 1:]])
                cols.append(i)
                vals.append(np.sqrt(st[kk]))
        b.append(sps.csr_matrix((vals, (rows, cols)), shape=(dim, dim)))
    occupation_table = np.array(states, dtype=float)
    h0 = sps.diags(occupation_table @ np.asarray(model.phonon, dtype=float))
    c = np.asarray(model.weights, dtype=float)
    phi = [sum(np.exp(2j * np.pi * kk * x / L) * c[kk] * (b[kk] + b[(-kk) % L].T) for kk in range(L)) / np.sqrt(L)
           for x in range(L)]
    h3 = sps.csr_matrix((dim, dim), dtype=complex)
    for x in range(L):
        for name, offsets_list in _TERMS.items():
            coef = getattr(model, name)
            for offsets in offsets_list:
                if coef:
                    h3 = h3 + coef * (phi[(x + offsets[0]) % L] @ phi[(x + offsets[1]) % L] @ phi[(x + offsets[2]) % L])
    h3 = h3.toarray()
    h3 = (h3 + h3.conj().T) / 2     # truncated fields commute only up to the cutoff: take the Hermitian part
    if np.max(np.abs(h3.imag)) > 1e-12 * max(1.0, np.max(np.abs(h3))):
        raise ValueError("H₃ is not real in the mode basis (the vertex must be real)")
    q = np.asarray(model.occupations, dtype=float) / (1 + np.asarray(model.occupations, dtype=float))
    rho0 = np.prod((1 - q) * q ** occupation_table, axis=1)
    rho0 = rho0 / rho0.sum()
    return h0.toarray(), h3.real, rho0, occupation_table


def phonon_occupation_change(model: AnharmonicRing, coupling: float, time: float, parts) -> np.ndarray:
    """⟨n_k⟩_t − ⟨n_k⟩_0 for every k: H₀ + λH₃ is block-diagonal in the total quasi-momentum Σ_k k n_k mod L
    (checked: Umklapp terms stay inside a block); each block is diagonalized (dense) and evolved exactly."""
    h0, h3, rho0, states = parts
    h = h0 + coupling * h3
    if np.max(np.abs(h - h.conj().T)) > 1e-12:
        raise ValueError("the Hamiltonian is not Hermitian")
    sector = (states @ np.arange(model.L)).astype(int) % model.L
    change = np.zeros(model.L)
    covered = np.zeros(h.shape, dtype=bool)
    for p_tot in range(model.L):
        idx = np.flatnonzero(sector == p_tot)
        covered[np.ix_(idx, idx)] = True
        energies, v = np.linalg.eigh(h[np.ix_(idx, idx)])
        u = (v * np.exp(-1j * energies * time)) @ v.conj().T             # e^{−iHt} on the block
        rho_t_diag = np.einsum("ij,j,ij->i", u, rho0[idx], u.conj()).real  # diag(e^{−iHt}ρ₀e^{iHt})
        change += (rho_t_diag - rho0[idx]) @ states[idx]
    if np.max(np.abs(h[~covered]), initial=0.0) > 1e-12:
        raise ValueError("H does not conserve the quasi-momentum modulo L")
    return change


def phonon_second_order_coefficient(model: AnharmonicRing, time: float, coupling: float = 0.01) -> Estimate:
    """The λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0 by exact evolution and Richardson in λ.

    ⟨n_k⟩_t is even in λ exactly (the parity (−1)^{N_ph} commutes with H₀, n_k and ρ₀ and anticommutes with
    H₃), so a₂ ≈ [4g(λ)/λ² − g(2λ)/(4λ²)]/3 (error O(λ⁴)). Error estimate: change of a₂ when (λ, 2λ) → (2λ, 4λ),
    plus the change when the number cutoff is lowered by 2 (Fock truncation), plus roundoff 10ε(1 + ‖H₀‖t)·n/λ².
    """
    def coefficient(cutoff, levels):
        parts = anharmonic_hamiltonian(model, cutoff)
        g = [phonon_occupation_change(model, coupling * 2 ** j, time, parts) for j in range(levels)]
        rich = [(4 * g[j] / (coupling * 2 ** j) ** 2 - g[j + 1] / (4 * (coupling * 2 ** j) ** 2)) / 3
                for j in range(levels - 1)]
        return rich, float(np.max(np.abs(np.diag(parts[0]))))

    (a_fine, a_coarse), h0_norm = coefficient(model.cutoff, 3)
    (a_low,), _ = coefficient(model.cutoff - 2, 2)
    roundoff = 10 * np.finfo(float).eps * (1 + h0_norm * time) / coupling ** 2
    error = np.abs(a_fine - a_coarse) + np.abs(a_fine - a_low) + roundoff
    return Estimate(a_fine, error, "exact evolution of truncated phonon modes (dense eigendecomposition)", n_eval=6,
                    dps=15, notes=("Richardson in λ (⟨n_k⟩ even in λ)", f"Fock cutoff N ≤ {model.cutoff} vs "
                                   f"{model.cutoff - 2}"))
