r"""Exact Fourier-mode reduction of the θ-regularized Wigner equation, its jump-process limit, and quadrature.

For x-independent initial data the regularized Wigner equation of seed 000 (project variables τ, X, λ² = ε,
see :mod:`derive.correctors.regularized_wigner`) with V(y) = Σ_l A_l cos(p_l·y) keeps the form
W(τ, X, k) = Σ_n e^{i(n·p)·X/ε} w_n(τ, k), n ∈ ℤ^J, and the k-lattice κ = k₀ + (m·p)/2 (m ≡ n mod 2) is
closed. The exact linear ODE is

.. math:: \dot w_n(\kappa) = -\frac{\theta\varphi(q_n) + i\kappa\cdot q_n}{\varepsilon} w_n(\kappa)
          + \frac{1}{i\sqrt\varepsilon}\sum_{l,\sigma}\frac{A_l}{2}
          \big[w_{n-\sigma e_l}(\kappa - \sigma p_l/2) - w_{n-\sigma e_l}(\kappa + \sigma p_l/2)\big],

q_n = n·p, truncated to |n_l| ≤ N, |m_l| ≤ M and integrated exactly (``expm_multiply``). Its x-average
w₀ on the sites k₀ + ℤp is compared with the continuous-time Markov chain of the derived jump rates
(solved by ``expm``). :func:`shell_lorentzian_quadrature` evaluates the δ → 0 operator
∫đq ρ(k, q)(W(k + q) − W(k)) for a weight ρ concentrated near the energy shell (graded Gauss–Legendre).

Nothing here knows the derived rates: they come in as callables (lambdified by the catalogue).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sps
from scipy.linalg import expm
from scipy.sparse.linalg import expm_multiply

from kernels.estimate import Estimate

__all__ = ["ModeLattice", "exact_generator", "exact_populations", "jump_generator", "jump_populations",
           "convergence_rows", "observed_orders", "shell_lorentzian_quadrature", "riemann_sum_operator"]


@dataclass(frozen=True)
class ModeLattice:
    """Truncated state space: states (n, m) with |n_l| ≤ n_modes, |m_l| ≤ n_sites, m ≡ n (mod 2)."""

    n_waves: int
    n_modes: int
    n_sites: int

    def states(self) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        rng_n = range(-self.n_modes, self.n_modes + 1)
        rng_m = range(-self.n_sites, self.n_sites + 1)
        out = []
        for n in itertools.product(rng_n, repeat=self.n_waves):
            for m in itertools.product(rng_m, repeat=self.n_waves):
                if all((a - b) % 2 == 0 for a, b in zip(n, m)):
                    out.append((n, m))
        return out


def exact_generator(k0, waves, amplitudes, theta: float, phi: Callable, eps: float, lattice: ModeLattice):
    """Sparse generator G (dw/dτ = G w) of the truncated mode reduction and its state list.

    ``waves`` (J, d), ``amplitudes`` (J,), ``phi(q)`` = 1 − χ̂(q) on arrays of shape (..., d).
    """
    P = np.atleast_2d(np.asarray(waves, float))
    A = np.asarray(amplitudes, float)
    k0 = np.asarray(k0, float)
    states = lattice.states()
    index = {st: i for i, st in enumerate(states)}
    n_arr = np.array([s[0] for s in states], float)
    m_arr = np.array([s[1] for s in states], float)
    q = n_arr @ P
    kappa = k0 + 0.5 * (m_arr @ P)
    phis = np.where(np.all(n_arr == 0, axis=1), 0.0, phi(q))
    diag = -(theta * phis + 1j * np.sum(kappa * q, axis=1)) / eps
    rows, cols, vals = list(range(len(states))), list(range(len(states))), list(diag)
    coup = 1.0 / (1j * np.sqrt(eps))
    for (n, m), i in index.items():
        for l in range(P.shape[0]):
            for sig in (1, -1):
                src_n = tuple(a - (sig if j == l else 0) for j, a in enumerate(n))
                for dm, sign in ((-sig, 1.0), (sig, -1.0)):
                    src = (src_n, tuple(a + (dm if j == l else 0) for j, a in enumerate(m)))
                    if src in index:
                        rows.append(i)
                        cols.append(index[src])
                        vals.append(sign * coup * A[l] / 2)
    G = sps.csr_matrix((np.array(vals, complex), (rows, cols)), shape=(len(states), len(states)))
    return G, states


def exact_populations(k0, waves, amplitudes, theta, phi, eps, t, lattice: ModeLattice) -> dict:
    """x-averaged W(t) on the sites k₀ + s·p (s ∈ ℤ^J, |s_l| ≤ n_sites/2), from W(0) = δ at k₀ (mode 0)."""
    G, states = exact_generator(k0, waves, amplitudes, theta, phi, eps, lattice)
    w0 = np.zeros(len(states), complex)
    zero = (0,) * lattice.n_waves
    w0[states.index((zero, zero))] = 1.0
    wt = expm_multiply(G * t, w0)
    return {tuple(a // 2 for a in m): wt[i] for i, (n, m) in enumerate(states) if not any(n)}


def jump_generator(k0, waves, rate: Callable, n_sites: int):
    """Generator of the jump chain on k₀ + s·p (|s_l| ≤ n_sites) with rates ``rate(k, l, σ)`` for k → k + σp_l.

    Jumps leaving the box are kept in the diagonal (mass leaks out, as in the truncated exact system)."""
    P = np.atleast_2d(np.asarray(waves, float))
    J = P.shape[0]
    sites = list(itertools.product(range(-n_sites, n_sites + 1), repeat=J))
    index = {s: i for i, s in enumerate(sites)}
    G = np.zeros((len(sites), len(sites)))
    for s, i in index.items():
        k = np.asarray(k0, float) + np.asarray(s, float) @ P
        for l in range(J):
            for sig in (1, -1):
                r = float(rate(k, l, sig))
                G[i, i] -= r
                tgt = tuple(a + (sig if j == l else 0) for j, a in enumerate(s))
                if tgt in index:
                    G[index[tgt], i] += r
    return G, sites


def jump_populations(k0, waves, rate, t: float, n_sites: int) -> dict:
    """exp(tG)δ_{k₀}: the jump-process populations on k₀ + s·p."""
    G, sites = jump_generator(k0, waves, rate, n_sites)
    p0 = np.zeros(len(sites))
    p0[sites.index((0,) * len(sites[0]))] = 1.0
    pt = expm(G * t) @ p0
    return dict(zip(sites, pt))


def convergence_rows(eps_values, k0, waves, amplitudes, theta, phi, rate, t, n_modes, n_sites,
                     progress: bool = False, extra_modes: int = 4) -> list[dict]:
    """For each ε: max over sites |w₀^exact − p^jump|, the imaginary residue, the truncation check
    (same ε with n_modes + extra_modes) and the total mass — one dict per ε."""
    J = np.atleast_2d(waves).shape[0]
    jump = jump_populations(k0, waves, rate, t, n_sites // 2)
    rows = []
    for eps in eps_values:
        lat = ModeLattice(J, n_modes, n_sites)
        ex = exact_populations(k0, waves, amplitudes, theta, phi, eps, t, lat)
        ex2 = exact_populations(k0, waves, amplitudes, theta, phi, eps, t, ModeLattice(J, n_modes + extra_modes, n_sites))
        err = max(abs(ex[s] - jump[s]) for s in jump)
        trunc = max(abs(ex[s] - ex2[s]) for s in ex)
        rows.append({"eps": float(eps), "error": float(err), "truncation": float(trunc),
                     "imag": float(max(abs(v.imag) for v in ex.values())),
                     "mass_exact": float(sum(v.real for v in ex.values())), "mass_jump": float(sum(jump.values())),
                     "p0_exact": float(ex[(0,) * J].real), "p0_jump": float(jump[(0,) * J])})
        if progress:
            print(f"  ε = {eps:g}: error {err:.3e} (truncation {trunc:.1e})", flush=True)
    return rows


def observed_orders(xs, errors) -> list[float | None]:
    """log(e_i/e_{i+1})/log(x_i/x_{i+1}) between consecutive rows (None for the first)."""
    out: list[float | None] = [None]
    for i in range(1, len(xs)):
        out.append(float(np.log(errors[i - 1] / errors[i]) / np.log(xs[i - 1] / xs[i])))
    return out


# --------------------------------------------------------------------------- δ → 0 operators
def _graded_nodes(a: float, b: float, smallest: float, n: int, ratio: float = 2.0):
    """Gauss–Legendre nodes/weights on [a, b] (0 ≤ a < b), panels graded geometrically towards a = 0."""
    x, w = np.polynomial.legendre.leggauss(n)
    edges = [b]
    while edges[-1] / ratio > max(a, smallest):
        edges.append(edges[-1] / ratio)
    edges.append(a)
    edges = np.array(edges[::-1])
    lo, hi = edges[:-1], edges[1:]
    nodes = (0.5 * (hi - lo)[:, None] * x[None, :] + 0.5 * (hi + lo)[:, None]).ravel()
    weights = (0.5 * (hi - lo)[:, None] * w[None, :]).ravel()
    return nodes, weights


def _x_nodes(E: float, x_max: float, n: int, smallest: float):
    """Nodes in x = ω(p) − ω(k) ∈ [−E, x_max], graded towards the shell x = 0 from both sides."""
    lo, wl = _graded_nodes(0.0, E, smallest, n)
    hi1, wh1 = _graded_nodes(0.0, E, smallest, n)
    edges = np.geomspace(E, x_max, max(2, int(np.ceil(np.log2(x_max / E))) + 1))
    x, w = np.polynomial.legendre.leggauss(n)
    hi2 = (0.5 * np.diff(edges)[:, None] * x + 0.5 * (edges[1:] + edges[:-1])[:, None]).ravel()
    wh2 = (0.5 * np.diff(edges)[:, None] * w).ravel()
    return np.concatenate([-lo[::-1], hi1, hi2]), np.concatenate([wl[::-1], wh1, wh2])


def _frame(k: np.ndarray) -> np.ndarray:
    """Orthonormal frame whose first vector is k/|k|."""
    d = k.size
    M = np.eye(d)
    M[:, 0] = k / np.linalg.norm(k)
    Q, _ = np.linalg.qr(M)
    return Q * np.sign(Q[:, 0] @ k)


def _shell_rule(k: np.ndarray, n: int, x_max: float, smallest: float):
    """Points p (N, d) and weights (dp = Lebesgue) of the graded rule around the shell |p| = |k|."""
    d = k.size
    E = 0.5 * float(k @ k)
    xs, wx = _x_nodes(E, x_max, n, smallest)
    r = np.sqrt(2.0 * (E + xs))
    F = _frame(k)
    if d == 2:   # dp = dE' dβ, β the angle from k
        b, wb = _graded_nodes(0.0, np.pi, 1e-6, n)
        beta, wbeta = np.concatenate([-b[::-1], b]), np.concatenate([wb[::-1], wb])
        dirs = np.stack([np.cos(beta), np.sin(beta)], -1) @ F.T
        pts = r[:, None, None] * dirs[None, :, :]
        wts = wx[:, None] * wbeta[None, :]
    elif d == 3:  # dp = r dE' sinβ dβ dψ
        b, wb = _graded_nodes(0.0, np.pi, 1e-6, n)
        npsi = 2 * n
        psi = 2 * np.pi * (np.arange(npsi) + 0.5) / npsi
        cb, sb = np.cos(b), np.sin(b)
        dirs = np.stack([np.repeat(cb, npsi), np.outer(sb, np.cos(psi)).ravel(),
                         np.outer(sb, np.sin(psi)).ravel()], -1) @ F.T
        wdir = np.repeat(wb * sb, npsi) * (2 * np.pi / npsi)
        pts = r[:, None, None] * dirs[None, :, :]
        wts = (wx * r)[:, None] * wdir[None, :]
    else:
        raise ValueError("shell quadrature is implemented for d = 2, 3")
    return pts.reshape(-1, d), wts.ravel()


def shell_lorentzian_quadrature(W: Callable, k, weight: Callable, measure: float, n: int = 12,
                                x_max: float = 80.0, smallest: float = 1e-13) -> Estimate:
    r""":math:`\mu\int dp\,\rho(k, p - k)\,(W(p) - W(k))` for a weight ρ(k, q) peaked on the shell ω(p) = ω(k).

    Graded Gauss–Legendre in x = ω(p) − ω(k) (panels halving towards x = 0 down to ``smallest``) and in the
    angle from k (graded towards the forward direction, where the width of Λ_θ vanishes); error = difference
    to the rule with ``n + 6`` nodes per panel."""
    k = np.asarray(k, float)
    vals, n_total = [], 0
    for m in (n, n + 6):
        pts, wts = _shell_rule(k, m, x_max, smallest)
        n_total += len(wts)
        q = pts - k
        f = weight(np.broadcast_to(k, pts.shape), q) * (W(pts) - float(np.asarray(W(k[None, :])).ravel()[0]))
        vals.append(measure * float(np.sum(wts * f)))
    return Estimate(vals[1], abs(vals[1] - vals[0]), "graded Gauss–Legendre around the shell", n_total, 15)


def riemann_sum_operator(W: Callable, k, point_rate: Callable, spacing: float, cutoff: float) -> Estimate:
    r"""Σ_{q ∈ δℤ^d∖0, |q_i| ≤ cutoff} r(k, q)(W(k + q) − W(k)): the jump operator of a wave set on the
    lattice δℤ^d (one wave per ± pair, so every q ≠ 0 is a jump) — what ε → 0 gives before δ → 0.

    The sum is exact for the wave set inside the box; the error estimate is the contribution of the outer shell
    0.8·cutoff < max|q_i| ≤ cutoff (a bound on the neglected tail when the summand decays faster than
    geometrically, as for a Gaussian spectrum)."""
    k = np.asarray(k, float)
    d = k.size
    g = spacing * np.arange(-int(round(cutoff / spacing)), int(round(cutoff / spacing)) + 1)
    q = np.stack(np.meshgrid(*([g] * d), indexing="ij"), -1).reshape(-1, d)
    q = q[np.any(q != 0, axis=1)]
    f = point_rate(np.broadcast_to(k, q.shape), q) * (W(k + q) - float(np.asarray(W(k[None, :])).ravel()[0]))
    outer = np.max(np.abs(q), axis=1) > 0.8 * cutoff
    return Estimate(float(np.sum(f)), float(abs(np.sum(f[outer]))), "lattice sum over δℤ^d∖0", len(q), 15)
