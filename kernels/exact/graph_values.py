r"""Exact finite-time, finite-ring value of one pairing graph (and of all graphs of one order) of 𝔼|ψ̂_t(k)|².

Model: :math:`H = H_0 + \lambda V` on :math:`\Lambda_L = (\mathbb{Z}/L)^d`, :math:`\omega(k) =
\sum_j(1 - \cos 2\pi k_j)` on :math:`k \in L^{-1}\mathbb{Z}^d \bmod 1`, :math:`V(x)` i.i.d.
:math:`N(0, \sigma^2)`; :math:`\hat f(k) = \sum_x e^{-2\pi i k\cdot x}f(x)` (:mod:`derive.conventions`).
By :mod:`derive.diagrams.routing` (σ² per contraction, :math:`L^{-d}\sum` per loop momentum) the
coefficient of :math:`\lambda^{n+m}` contributed by a graph :math:`\Gamma \in \Gamma_{n,m}` with ``p`` pairs is

.. math:: c_\Gamma(k) = (-i)^n\, i^m\, \sigma^{2p} L^{-dp}\sum_{\text{loops}}
          T_n(a_0,\dots,a_n)\,\overline{T_m(b_0,\dots,b_m)}\;|\hat\psi_0(a_0)|^2,

.. math:: T_n(a) = \int_{0<s_1<\dots<s_n<t}\prod_{j=0}^n e^{-i(s_{j+1}-s_j)\omega(a_j)}
          = t^n\,\exp[z_0,\dots,z_n], \qquad z_j = -it\,\omega(a_j)

(Hermite–Genocchi: the simplex of gaps :math:`t\theta`, :math:`\sum\theta = 1`), with ``exp[…]`` the divided
difference of ``exp``; :func:`divided_differences_exp` evaluates it without cancellation for confluent and
near-confluent points. Summing :math:`c_\Gamma` over all :math:`(2p-1)!!` pairings of every split ``n+m = 2p``
gives the exact :math:`\lambda^{2p}` Taylor coefficient of :math:`\mathbb{E}\,\hat\psi_t(k)\overline{\hat\psi_t(k)}`.

Layering: this numeric module does **not** import the diagram layer. The momentum routing is produced on the
derive side (:func:`derive.diagrams.routing.route_momenta`, whose ``coefficients`` are plain integer tuples) and
handed in; :func:`ring_routing` turns it (or an equivalent plain tuple) into a :class:`RingRouting` of integer
coefficient arrays and checks momentum conservation numerically. Only ``derive.conventions`` (dispersion) and
``derive.errors`` are imported from ``derive``::

    from derive.diagrams.routing import route_momenta
    graph_coefficient(route_momenta(g, pinned="observable"), L=..., t=..., k=..., W0=...)
    graph_distribution(route_momenta(g, pinned="initial"), L=..., t=..., W0=...)
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import sympy as sp

from derive.conventions import Space, dispersion, momentum_symbols
from derive.errors import ParameterError
from kernels.estimate import Estimate

__all__ = ["divided_differences_exp", "divided_differences_exp_mp", "simplex_integral", "RingRouting", "ring_routing",
           "graph_coefficient", "graph_distribution", "order_graphs", "order_coefficient", "order_distribution",
           "CLUSTER_RADIUS"]

#: windows of sorted points with spread below this (in units of z) are done by Taylor series
CLUSTER_RADIUS = 1.0
_TAYLOR_TERMS = 30   # (R/2)^J/J! < 1e-40 for R = CLUSTER_RADIUS


# ----------------------------------------------------------------------------------------------- divided differences
def _taylor_dd(w: np.ndarray, c: np.ndarray) -> np.ndarray:
    r""":math:`e^c\sum_{j\ge0} h_j(w)/(r+j)!` for rows ``w`` of ``r+1`` points (complete homogeneous ``h_j``)."""
    r = w.shape[-1] - 1
    J = _TAYLOR_TERMS
    h = np.zeros(w.shape[:-1] + (J,), dtype=complex)
    h[..., 0] = 1.0
    for j in range(1, J):  # h_j(w_0) = w_0^j
        h[..., j] = h[..., j - 1] * w[..., 0]
    for a in range(1, r + 1):  # h_j(w_0..w_a) = h_j(w_0..w_{a-1}) + w_a h_{j-1}(w_0..w_a)
        for j in range(1, J):
            h[..., j] += w[..., a] * h[..., j - 1]
    inv_fact = np.array([1.0 / math.factorial(r + j) for j in range(J)])
    return np.exp(c) * (h[..., ::-1] @ inv_fact[::-1])  # small terms first


def divided_differences_exp(z) -> np.ndarray:
    r"""Divided difference :math:`\exp[z_0,\dots,z_n]` over the last axis of ``z`` (complex), vectorized.

    Definition: :math:`\exp[z_0] = e^{z_0}`, :math:`\exp[z_0..z_n] = (\exp[z_1..z_n] - \exp[z_0..z_{n-1}])
    /(z_n - z_0)`, extended continuously to coincident points; equivalently (Hermite–Genocchi)
    :math:`\int_{\theta\ge0,\ \sum\theta_j=1} e^{\sum_j\theta_j z_j}d\theta`, and (Opitz) the ``(0, n)`` entry
    of the exponential of the bidiagonal matrix with diagonal ``z`` and unit superdiagonal.

    Method (McCurdy–Ng–Parlett style): points are sorted along their line (lexicographically by real, then
    imaginary part); every window of consecutive points whose spread is below :data:`CLUSTER_RADIUS` is
    evaluated by the Taylor series around its mean, :math:`e^c\sum_j h_j(z-c)/(r+j)!`, and wider windows by
    the recursion, whose denominators are then ≥ the radius. For points on a common line (the case here:
    :math:`z = -it\omega`) the absolute error is a few units of ``2^n ε`` times :math:`\max|e^{z}|/n!`.
    Off a line, accuracy is not guaranteed.

    >>> bool(abs(divided_differences_exp([1j, 1j, 1j]) - np.exp(1j) / 2) < 1e-15)   # confluent: exp''/2
    True
    >>> z = np.array([0.0, 1e-7]); bool(abs((np.exp(z[1]) - np.exp(z[0])) / 1e-7 - 1.00000005) > 1e-10)
    True
    >>> bool(abs(divided_differences_exp(z) - 1.0000000500000017) < 1e-15)
    True

    (Bad: the naive quotient above loses 9 digits; fix: ``divided_differences_exp(z)``.)
    """
    z = np.asarray(z, dtype=complex)
    if z.ndim == 0 or z.shape[-1] == 0:
        raise ParameterError("need at least one point on the last axis")
    shape = z.shape[:-1]
    z = z.reshape(-1, z.shape[-1])
    order = np.lexsort((z.imag, z.real), axis=-1)
    z = np.take_along_axis(z, order, axis=-1)
    n = z.shape[-1] - 1
    table = np.exp(z)  # level 0, entries i = 0..n
    for r in range(1, n + 1):
        width = n - r + 1
        new = np.empty((z.shape[0], width), dtype=complex)
        for i in range(width):
            win = z[:, i:i + r + 1]
            diff = win[:, -1] - win[:, 0]
            spread = np.max(np.abs(win[:, :, None] - win[:, None, :]), axis=(1, 2))
            close = (spread < CLUSTER_RADIUS) | (np.abs(diff) < CLUSTER_RADIUS)
            far = ~close
            if np.any(far):
                new[far, i] = (table[far, i + 1] - table[far, i]) / diff[far]
            if np.any(close):
                c = win[close].mean(axis=1)
                new[close, i] = _taylor_dd(win[close] - c[:, None], c)
        table = new
    return table[:, 0].reshape(shape)


def divided_differences_exp_mp(z, dps: int = 50) -> mp.mpc:
    r"""Reference :math:`\exp[z_0..z_n]` in mpmath: Taylor series around the mean at ``dps`` digits plus guard
    digits covering the :math:`e^{R}` cancellation (``R`` = max distance to the mean). Exact for confluent points."""
    with mp.workdps(dps + 10):
        zs = [mp.mpc(complex(x)) if not isinstance(x, (mp.mpc, mp.mpf)) else mp.mpc(x) for x in z]
        n = len(zs) - 1
        c = mp.fsum(zs) / len(zs)
        w = [x - c for x in zs]
        R = max([abs(x) for x in w] + [mp.mpf(0)])
        guard = int(float(R) / math.log(10)) + 10
    with mp.workdps(dps + guard):
        zs = [mp.mpc(complex(x)) for x in z]
        c = mp.fsum(zs) / len(zs)
        w = [x - c for x in zs]
        total, j, fact = mp.mpc(0), 0, mp.factorial(n)
        hj = [mp.mpc(1)] * (n + 1)   # h_0 of prefixes w_0..w_a
        eps = mp.mpf(10) ** (-(dps + guard + 5))
        small = 0
        while True:
            term = hj[n] / fact
            total += term
            if abs(term) < eps * max(abs(total), eps):
                small += 1
                if small > 3 and j > 2 * float(R) + 10:
                    break
            else:
                small = 0
            j += 1
            fact *= (n + j)
            new = [w[0] ** j]
            for a in range(1, n + 1):
                new.append(new[a - 1] + w[a] * hj[a])
            hj = new
        return +(mp.exp(c) * total)


def simplex_integral(energies, t: float) -> np.ndarray:
    r""":math:`\int_{0<s_1<\dots<s_n<t}\prod_{j=0}^n e^{-i(s_{j+1}-s_j)x_j} = t^n\exp[-itx_0,\dots,-itx_n]`
    for real energies on the last axis (``n + 1`` of them)."""
    x = np.asarray(energies, dtype=float)
    n = x.shape[-1] - 1
    return t ** n * divided_differences_exp(-1j * t * x)


# ----------------------------------------------------------------------------------------------- routed plain data
@dataclass(frozen=True)
class RingRouting:
    r"""Momentum routing of one graph as plain integer data (the input of the ring sums).

    Attributes
    ----------
    n, m, pairs
        The graph: ``n`` ψ-line and ``m`` conjugate-line vertices, contractions ``(ℓ, ℓ')`` with ``ℓ < ℓ'``
        in circle order.
    pinned
        ``"observable"`` (the external index is :math:`a_n = b_0 = k`) or ``"initial"`` (:math:`a_0 = b_m = k_0`).
    a, b
        Integer arrays of shape ``(n + 1, 1 + p)`` and ``(m + 1, 1 + p)``: line momentum
        :math:`a_j = a[j, 0]\,k_{\rm ext} + \sum_i a[j, i]\,p_i` over the ``p = len(pairs)`` loop momenta.
    """

    n: int
    m: int
    pairs: tuple
    pinned: str
    a: np.ndarray
    b: np.ndarray

    @property
    def key(self) -> tuple:
        """The graph as a hashable ``(n, m, pairs)`` tuple."""
        return (self.n, self.m, self.pairs)


def ring_routing(routed) -> RingRouting:
    """Plain :class:`RingRouting` from the derive side's routing, checked numerically.

    Accepts a :class:`RingRouting`; any object with attributes ``graph`` (with ``n, m, pairs``), ``pinned`` and
    ``coefficients`` (``{("a", j) | ("b", j): (c_ext, c_1, …, c_p)}`` integers) — e.g. the output of
    :func:`derive.diagrams.routing.route_momenta`; or a plain tuple ``(n, m, pairs, pinned, coefficients)``.
    Raises :class:`~derive.errors.ParameterError` unless every contraction's transfers sum to zero, the pinned
    line is the external momentum, the two lines agree at the observable and the initial state, and the ``p``
    loop momenta are independent.
    """
    if isinstance(routed, RingRouting):
        return routed
    if hasattr(routed, "coefficients") and hasattr(routed, "graph") and hasattr(routed, "pinned"):
        g = routed.graph
        n, m, pairs, pinned, coeffs = g.n, g.m, g.pairs, routed.pinned, routed.coefficients
    else:
        try:
            n, m, pairs, pinned, coeffs = routed
        except (TypeError, ValueError):
            raise ParameterError("graph values need routed data: pass derive.diagrams.routing.route_momenta(g, "
                                 f"pinned=...) or (n, m, pairs, pinned, coefficients), got {routed!r}") from None
    n, m = int(n), int(m)
    pairs = tuple(sorted((min(int(x), int(y)), max(int(x), int(y))) for x, y in pairs))
    p = len(pairs)
    try:
        a = np.array([coeffs[("a", j)] for j in range(n + 1)], dtype=np.int64).reshape(n + 1, 1 + p)
        b = np.array([coeffs[("b", j)] for j in range(m + 1)], dtype=np.int64).reshape(m + 1, 1 + p)
    except (KeyError, ValueError) as exc:
        raise ParameterError(f"routing coefficients do not match the graph {(n, m, pairs)}: {exc}") from None
    out = RingRouting(n, m, pairs, str(pinned), a, b)
    _check_ring_routing(out)
    return out


def _check_ring_routing(r: RingRouting) -> None:
    p = len(r.pairs)
    if sorted(v for pr in r.pairs for v in pr) != list(range(1, r.n + r.m + 1)):
        raise ParameterError(f"pairs {r.pairs} are not a perfect matching of 1..{r.n + r.m}")
    unit = np.eye(1 + p, dtype=np.int64)[0]
    pin = r.a[r.n] if r.pinned == "observable" else r.a[0] if r.pinned == "initial" else None
    if pin is None or not np.array_equal(pin, unit):
        raise ParameterError(f"pinned = {r.pinned!r} must be 'observable'/'initial' and carry the external momentum")
    if not (np.array_equal(r.a[r.n], r.b[0]) and np.array_equal(r.a[0], r.b[r.m])):
        raise ParameterError("the two lines carry different momenta at the observable or the initial state")
    lines = np.concatenate([r.a, r.b[1:]])            # circle order a_0 … a_n, b_1 … b_m
    transfer = np.diff(lines, axis=0)                 # q_v = out − in at vertex v = 1 … n+m
    for x, y in r.pairs:
        if np.any(transfer[x - 1] + transfer[y - 1]):
            raise ParameterError(f"contraction {(x, y)}: transfers do not sum to zero")
    if p and np.linalg.matrix_rank(lines[:, 1:].astype(float)) != p:
        raise ParameterError("loop momenta are not independent")


# ----------------------------------------------------------------------------------------------- graphs on the ring
def _omega_function(dim: int):
    ks = momentum_symbols("k", dim)
    f = sp.lambdify(ks, dispersion(Space.LATTICE, ks), "numpy")
    return lambda idx, L: np.asarray(f(*[idx[..., j] / L for j in range(dim)]), dtype=float) + np.zeros(idx.shape[:-1])


def _grid(L: int, dim: int, p: int) -> np.ndarray:
    """All ``(L^d)^p`` loop-momentum index tuples, shape ``(N, p, d)``."""
    if p == 0:
        return np.zeros((1, 0, dim), dtype=np.int64)
    axes = np.indices((L,) * (dim * p)).reshape(dim * p, -1).T
    return axes.reshape(-1, p, dim).astype(np.int64)


def _check_ring(L: int, dim: int, t: float) -> None:
    if int(L) != L or L < 1 or dim not in (1, 2, 3):
        raise ParameterError(f"need an integer ring size L ≥ 1 and dim in 1..3, got L={L}, dim={dim}")
    if not (np.isfinite(t) and t >= 0):
        raise ParameterError(f"t must be finite and ≥ 0, got {t}")


def _line_terms(r: RingRouting, ext_idx: np.ndarray, grid: np.ndarray, L: int, dim: int, t: float):
    """Momentum indices of every line on the grid and the two line factors T_n(a), conj T_m(b)."""
    omega = _omega_function(dim)

    def line_idx(c):
        idx = c[0] * ext_idx[None, :] + np.einsum("j,njd->nd", c[1:], grid) if len(c) > 1 else \
            np.broadcast_to(c[0] * ext_idx[None, :], (grid.shape[0], dim))
        return np.mod(idx, L)

    a = [line_idx(c) for c in r.a]
    b = [line_idx(c) for c in r.b]
    Ta = simplex_integral(np.stack([omega(x, L) for x in a], axis=-1), t)
    Tb = simplex_integral(np.stack([omega(x, L) for x in b], axis=-1), t)
    return a, b, Ta, np.conj(Tb)


def _prefactor(r: RingRouting, sigma: float, L: int, dim: int) -> complex:
    p = len(r.pairs)
    return (-1j) ** r.n * (1j) ** r.m * sigma ** (2 * p) / float(L) ** (dim * p)


def _estimate(value, abs_sum, n_eval, note) -> Estimate:
    err = 64 * np.finfo(float).eps * np.asarray(abs_sum)
    return Estimate(value, err, "ring sum of divided differences of exp", int(n_eval), 15, False, (note,))


def _routed_as(routed, pinned: str) -> RingRouting:
    r = ring_routing(routed)
    if r.pinned != pinned:
        raise ParameterError(f"this sum needs the {pinned!r} momentum pinned (route_momenta(g, pinned={pinned!r})), "
                             f"got {r.pinned!r}")
    return r


def graph_coefficient(routed, *, L: int, t: float, k, W0: np.ndarray, sigma: float = 1.0, dim: int = 1) -> Estimate:
    r"""Coefficient :math:`c_\Gamma(k)` of :math:`\lambda^{n+m}` in :math:`\mathbb{E}\,\hat\psi_t(k)
    \overline{\hat\psi_t(k)}` from one graph (module docstring), at one observable momentum index ``k``.

    ``routed``: the graph's routing with the observable pinned (:func:`ring_routing` input, e.g.
    ``route_momenta(g, pinned="observable")``). ``W0`` is :math:`|\hat\psi_0|^2` on the index grid, shape
    ``(L,)*dim`` (numpy order: index ``j`` ↔ ``j/L``); ``k`` an index (int or ``dim`` ints).
    Error: ``64ε`` times the sum of absolute values of the terms.
    """
    _check_ring(L, dim, t)
    r = _routed_as(routed, "observable")
    W0 = np.asarray(W0, dtype=float).reshape((L,) * dim)
    grid = _grid(L, dim, len(r.pairs))
    kk = np.broadcast_to(np.asarray(k, dtype=np.int64), (dim,))
    a, _, Ta, Tb = _line_terms(r, kk, grid, L, dim, t)
    terms = Ta * Tb * W0[tuple(a[0].T)]
    pref = _prefactor(r, sigma, L, dim)
    return _estimate(complex(pref * terms.sum()), abs(pref) * np.abs(terms).sum(), terms.size,
                     f"graph n={r.n} m={r.m} pairs={r.pairs} L={L} d={dim} t={t}")


def graph_distribution(routed, *, L: int, t: float, W0: np.ndarray, sigma: float = 1.0, dim: int = 1) -> Estimate:
    r""":math:`c_\Gamma(k)` for every ``k`` at once, shape ``(L,)*dim``.

    ``routed``: the graph's routing with the initial line pinned (:math:`a_0 = k_0`; e.g.
    ``route_momenta(g, pinned="initial")``). The loops are summed for each ``k_0`` in the support of ``W0``;
    the observable index of each term is read off the routing and accumulated with ``bincount``.
    Cost: ``|supp W0| · L^{dp}`` (a plane wave costs ``L^{dp}``).
    """
    _check_ring(L, dim, t)
    r = _routed_as(routed, "initial")
    W0 = np.asarray(W0, dtype=float).reshape((L,) * dim)
    grid = _grid(L, dim, len(r.pairs))
    pref = _prefactor(r, sigma, L, dim)
    out = np.zeros(L ** dim, dtype=complex)
    abs_out = np.zeros(L ** dim)
    support = np.argwhere(W0 != 0)
    strides = L ** np.arange(dim - 1, -1, -1)
    for k0 in support:
        a, _, Ta, Tb = _line_terms(r, k0.astype(np.int64), grid, L, dim, t)
        terms = pref * W0[tuple(k0)] * Ta * Tb
        flat = a[r.n] @ strides
        out += np.bincount(flat, weights=terms.real, minlength=L ** dim) + \
            1j * np.bincount(flat, weights=terms.imag, minlength=L ** dim)
        abs_out += np.bincount(flat, weights=np.abs(terms), minlength=L ** dim)
    return _estimate(out.reshape((L,) * dim), abs_out.reshape((L,) * dim), len(support) * grid.shape[0],
                     f"graph n={r.n} m={r.m} pairs={r.pairs} L={L} d={dim} t={t}, all k")


# ----------------------------------------------------------------------------------------------- all graphs of one order
def _matchings(items: list) -> Iterator[list]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for i, other in enumerate(rest):
        for sub in _matchings(rest[:i] + rest[i + 1:]):
            yield [(first, other)] + sub


def order_graphs(order: int) -> Iterator[tuple[int, int, tuple]]:
    """All graphs ``(n, m, pairs)`` with ``n + m = order`` (every split, every pairing); none for odd order.

    There are ``(order + 1)·(order − 1)!!`` of them. (Plain combinatorics; route them on the derive side.)
    """
    if order < 0:
        raise ParameterError(f"order must be ≥ 0, got {order}")
    if order % 2:
        return
    for n in range(order + 1):
        for pairs in _matchings(list(range(1, order + 1))):
            yield (n, order - n, tuple(pairs))


def _sum_parts(parts: dict, label: str) -> Estimate:
    total = sum(e.value for e in parts.values())
    err = sum(e.error for e in parts.values())
    n_eval = sum(e.n_eval for e in parts.values())
    return Estimate(total, err, "sum over graphs", n_eval, 15, False, (f"{label}, {len(parts)} graphs",))


def order_coefficient(routed_graphs: Iterable, *, L: int, t: float, k, W0: np.ndarray, sigma: float = 1.0,
                      dim: int = 1) -> tuple[Estimate, dict]:
    r"""Sum of :func:`graph_coefficient` over ``routed_graphs`` (observable pinned) — over all graphs of one
    order this is the exact :math:`\lambda^{\rm order}` coefficient of
    :math:`\mathbb{E}\,\hat\psi_t(k)\overline{\hat\psi_t(k)}`.

    Returns the total (errors added) and ``{(n, m, pairs): Estimate}``.
    """
    routings = [ring_routing(r) for r in routed_graphs]
    parts = {r.key: graph_coefficient(r, L=L, t=t, k=k, W0=W0, sigma=sigma, dim=dim) for r in routings}
    return _sum_parts(parts, "observable pinned"), parts


def order_distribution(routed_graphs: Iterable, *, L: int, t: float, W0: np.ndarray, sigma: float = 1.0,
                       dim: int = 1) -> tuple[Estimate, dict]:
    """As :func:`order_coefficient` for every observable ``k`` at once (:func:`graph_distribution`; initial line
    pinned)."""
    routings = [ring_routing(r) for r in routed_graphs]
    parts = {r.key: graph_distribution(r, L=L, t=t, W0=W0, sigma=sigma, dim=dim) for r in routings}
    return _sum_parts(parts, "initial pinned"), parts
