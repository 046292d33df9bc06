"""Exact Fock-space dynamics of a few fermionic or bosonic modes on a ring with a pair interaction.

Model (conventions of ``../shared/conventions.md``; ħ = 1, i∂_tρ = [H, ρ]): a ring of L sites, momentum
modes b_k (k = 0 … L−1, lattice momentum k/L) with [b_k, b*_k']_∓ = δ_kk', site operators
a_x = L^{-1/2} Σ_k e^{2πikx/L} b_k and

.. math:: H = \\sum_k \\omega(k)\\, b_k^* b_k + \\lambda\\,\\tfrac12\\sum_{x,y} V(x-y)\\,a_x^* a_y^* a_y a_x ,

built from the *position-space* form (nothing of the momentum-space vertex is used). The initial state is the
quasifree, gauge-invariant, diagonal state ρ₀ ∝ exp(−Σ β_k n_k), i.e. independent modes with occupations
W_k (fermions: Bernoulli; bosons: geometric). H conserves the particle number, so the evolution is exact per
number sector (eigendecomposition). Bosons are truncated to total number ≤ ``max_particles``: the sectors kept
are evolved exactly, the weight of the dropped sectors is reported.

The helpers :func:`jordan_wigner_annihilators`, :func:`boson_annihilator` and :func:`thermal_weights` are
also used by ``tests/test_wick.py``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps

from kernels.estimate import Estimate

__all__ = ["jordan_wigner_annihilators", "boson_annihilator", "thermal_weights", "RingModel", "FockSpace",
           "fock_space", "ring_hamiltonian", "occupation_change", "second_order_coefficient", "potential_hat"]


def jordan_wigner_annihilators(modes: int) -> list:
    """Jordan–Wigner annihilators of ``modes`` fermionic modes (basis |0⟩, |1⟩ per mode, mode 0 leftmost)."""
    lower = sps.csr_matrix(np.array([[0.0, 1.0], [0.0, 0.0]]))
    z = sps.diags([1.0, -1.0])
    eye = sps.identity(2)
    out = []
    for j in range(modes):
        m = sps.identity(1)
        for i in range(modes):
            m = sps.kron(m, z if i < j else (lower if i == j else eye))
        out.append(sps.csr_matrix(m))
    return out


def boson_annihilator(cutoff: int):
    """One bosonic mode truncated to n ≤ ``cutoff``: a|n⟩ = √n |n−1⟩."""
    return sps.diags(np.sqrt(np.arange(1, cutoff + 1.0)), 1, format="csr")


def thermal_weights(occupation: float, cutoff: int) -> np.ndarray:
    """p(n) = (1 − q)qⁿ, q = W/(1 + W), n = 0 … cutoff: the diagonal of one bosonic mode with ⟨n⟩ = W."""
    q = occupation / (1 + occupation)
    return (1 - q) * q ** np.arange(cutoff + 1)


@dataclass(frozen=True)
class RingModel:
    """A ring of ``L`` sites: dispersion ``omega[k]``, real even pair potential ``potential[x]`` (V(x) = V(L−x)),
    initial occupations ``occupations[k]``, statistics ``"fermion"`` or ``"boson"``; bosons keep total
    particle number ≤ ``max_particles``."""

    L: int
    statistics: str
    omega: tuple
    potential: tuple
    occupations: tuple
    max_particles: int = 12

    def __post_init__(self):
        if self.statistics not in ("fermion", "boson"):
            raise ValueError(f"statistics must be 'fermion' or 'boson', got {self.statistics!r}")
        for name in ("omega", "potential", "occupations"):
            if len(getattr(self, name)) != self.L:
                raise ValueError(f"{name} needs {self.L} entries")
        v = np.asarray(self.potential, dtype=float)
        if not np.allclose(v, v[(-np.arange(self.L)) % self.L]):
            raise ValueError("the pair potential must be even on the ring, V(x) = V(L − x)")
        w = np.asarray(self.occupations, dtype=float)
        if np.any(w < 0) or (self.statistics == "fermion" and np.any(w > 1)):
            raise ValueError("occupations must lie in [0, 1] (fermions) or [0, ∞) (bosons)")


def potential_hat(model: RingModel) -> np.ndarray:
    """V̂(q) = Σ_x V(x) e^{−2πiqx/L} (real for an even V), q = 0 … L−1."""
    x = np.arange(model.L)
    v = np.asarray(model.potential, dtype=float)
    return np.array([np.sum(v * np.exp(-2j * np.pi * q * x / model.L)).real for q in range(model.L)])


@dataclass(frozen=True)
class FockSpace:
    """Occupation basis ``states`` (tuples n_k), mode annihilators ``b[k]``, particle numbers and ρ₀'s diagonal."""

    states: tuple
    b: tuple
    number: np.ndarray
    rho0: np.ndarray
    dropped_weight: float


def fock_space(model: RingModel) -> FockSpace:
    """The momentum-mode occupation basis with ρ₀ = ⊗_k (mode state with ⟨n_k⟩ = W_k)."""
    L, w = model.L, np.asarray(model.occupations, dtype=float)
    if model.statistics == "fermion":
        states = tuple(itertools.product((0, 1), repeat=L))
        b = tuple(jordan_wigner_annihilators(L))
        rho = np.array([np.prod([wk if n else 1 - wk for wk, n in zip(w, st)]) for st in states])
        dropped = 0.0
    else:
        cap = model.max_particles
        states = tuple(st for st in itertools.product(range(cap + 1), repeat=L) if sum(st) <= cap)
        index = {st: i for i, st in enumerate(states)}
        mats = []
        for kk in range(L):
            rows, cols, vals = [], [], []
            for i, st in enumerate(states):
                if st[kk]:
                    lower = st[:kk] + (st[kk] - 1,) + st[kk + 1:]
                    rows.append(index[lower])
                    cols.append(i)
                    vals.append(np.sqrt(st[kk]))
            mats.append(sps.csr_matrix((vals, (rows, cols)), shape=(len(states), len(states))))
        b = tuple(mats)
        q = w / (1 + w)
        rho = np.array([np.prod((1 - q) * q ** np.array(st)) for st in states])
        dropped = float(1.0 - rho.sum())
    number = np.array([sum(st) for st in states])
    return FockSpace(states, b, number, rho, dropped)


def ring_hamiltonian(model: RingModel, space: FockSpace):
    """(H₀, H_I) as sparse matrices; H_I from the position-space form ½Σ_{x,y}V(x−y)a*_x a*_y a_y a_x."""
    L = model.L
    h0 = sum(model.omega[kk] * (space.b[kk].T @ space.b[kk]) for kk in range(L))
    phases = np.exp(2j * np.pi * np.outer(np.arange(L), np.arange(L)) / L) / np.sqrt(L)   # [x, k]
    a = [sum(phases[x, kk] * space.b[kk] for kk in range(L)) for x in range(L)]
    ad = [m.conj().T for m in a]
    hi = sps.csr_matrix(h0.shape, dtype=complex)
    for x in range(L):
        for y in range(L):
            v = model.potential[(x - y) % L]
            if v != 0:
                hi = hi + 0.5 * v * (ad[x] @ ad[y] @ a[y] @ a[x])
    return sps.csr_matrix(h0, dtype=complex), sps.csr_matrix(hi)


def occupation_change(model: RingModel, coupling: float, time: float, space: FockSpace | None = None,
                      parts=None) -> np.ndarray:
    """⟨n_k⟩_t − ⟨n_k⟩_0 for every k, exactly (per number sector: H = UEU*, ρ_t = e^{−iHt}ρ₀e^{iHt})."""
    space = space or fock_space(model)
    h0, hi = parts or ring_hamiltonian(model, space)
    h = (h0 + coupling * hi).toarray()
    if np.max(np.abs(h - h.conj().T)) > 1e-12:
        raise ValueError("the Hamiltonian is not Hermitian")
    if np.max(np.abs(h.imag)) < 1e-13 * max(1.0, np.max(np.abs(h.real))):
        h = h.real   # even V: real symmetric in the momentum basis (faster, same result)
    occ = np.array(space.states, dtype=float)           # n_k on the basis (diagonal)
    change = np.zeros(model.L)
    for n_part in np.unique(space.number):
        idx = np.flatnonzero(space.number == n_part)
        energies, u = np.linalg.eigh(h[np.ix_(idx, idx)])
        ut = (u * np.exp(-1j * energies * time)) @ u.conj().T      # e^{−iHt} on the sector
        rho_t_diag = np.einsum("ij,j,ij->i", ut, space.rho0[idx], ut.conj()).real
        change += (rho_t_diag - space.rho0[idx]) @ occ[idx]
    return change


def second_order_coefficient(model: RingModel, time: float, coupling: float = 0.02) -> Estimate:
    """The λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0, for every k, by exact evolution and extrapolation in λ.

    f(λ) = [g(λ) + g(−λ)]/2 removes the odd orders; Richardson on λ, 2λ removes λ⁴:
    a₂ ≈ [4f(λ)/λ² − f(2λ)/(4λ²)]/3 (error O(λ⁴)). The error estimate is the change when the pair
    (λ, 2λ) is replaced by (2λ, 4λ) (an O(λ⁴) overestimate), plus the roundoff of ⟨n_k⟩_t amplified by 1/λ²
    (10 ε (1 + ‖H₀‖t) n_max / λ²), plus, for bosons, the truncated weight times the largest |a₂| scaled by
    (max_particles + 1)².
    """
    space = fock_space(model)
    parts = ring_hamiltonian(model, space)

    def even(lam):
        return 0.5 * (occupation_change(model, lam, time, space, parts) + occupation_change(model, -lam, time,
                                                                                               space, parts))

    f1, f2, f4 = even(coupling), even(2 * coupling), even(4 * coupling)
    a_fine = (4 * f1 / coupling ** 2 - f2 / (4 * coupling ** 2)) / 3
    a_coarse = (4 * f2 / (2 * coupling) ** 2 - f4 / (4 * (2 * coupling) ** 2)) / 3
    n_max = model.max_particles if model.statistics == "boson" else model.L
    h0_norm = float(np.max(np.abs(parts[0].diagonal())))          # ‖H₀‖ on the kept sectors
    roundoff = 10 * np.finfo(float).eps * (1 + h0_norm * time) * n_max / coupling ** 2
    error = np.abs(a_fine - a_coarse) + roundoff
    notes = ("Richardson in λ on ± symmetrized exact evolutions",)
    if space.dropped_weight:
        error = error + space.dropped_weight * (model.max_particles + 1) ** 2 * np.max(np.abs(a_fine))
        notes += (f"bosons: weight {space.dropped_weight:.2e} of sectors N > {model.max_particles} dropped",)
    return Estimate(a_fine, error, "exact Fock-space evolution (eigendecomposition per number sector)",
                    n_eval=6, dps=15, notes=notes)
