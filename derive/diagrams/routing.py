r"""Momentum routing of a pairing graph of the second moment, and its integrand (time-simplex and resolvent form).

A graph in :math:`\Gamma_{n,m}` has ``n`` potential vertices on the ψ line and ``m`` on the conjugate line,
labelled ``1 … n+m`` in circle order: ``1 … n`` along the ψ line from the initial state to the observable,
then ``n+1 … n+m`` along the conjugate line from the observable back to the initial state; ``pairs`` is a
tuple of contractions ``(ℓ, ℓ')`` with ``ℓ < ℓ'``. Graphs are accepted as any object with attributes ``n``,
``m``, ``pairs`` or as a plain ``(n, m, pairs)`` tuple.

Momenta (the *momentum graph*, an ``nx.MultiDiGraph``): nodes ``"init"``, ``1 … n+m``, ``"obs"``; the
propagator lines run around the circle ``init → 1 → … → n → obs → n+1 → … → n+m → init``
(ψ-line momenta :math:`a_0 … a_n`, conjugate-line momenta :math:`b_0 … b_m`, :math:`a_n = b_0 = k` at
the observable) and each contraction is an edge ``ℓ → ℓ'`` carrying a momentum ``r``. Kirchhoff's law at
every node gives, at vertex ℓ, the transfer :math:`q_\ell = (\text{outgoing line}) - (\text{incoming line})`
with :math:`q_\ell = -r`, :math:`q_{\ell'} = +r`: the contraction sets the **sum** of the two transfers to zero
(real potential, :math:`\mathbb{E}\hat V(a)\hat V(b) = R(a)\,N\,\delta(a+b)`; seed 003 (5.19) as corrected in
the errata). With the transfer convention ``q = out − in`` the conjugate-line factor
:math:`\overline{\hat V(b_{j-1} - b_j)} = \hat V(b_j - b_{j-1})` is again :math:`\hat V(q)`.

The momentum graph has ``n+m+2`` nodes and ``n+m+2+p`` edges (``p`` = number of contractions) and is
connected, so it has ``p + 1`` independent cycles; one chord is pinned by the external momentum, leaving
**p free loop momenta** (for the second moment at ξ = 0; the conjugate initial amplitude is then
automatically evaluated at :math:`b_m = a_0`). Loop momenta are the chords of a spanning tree that contains
every contraction edge, so they are line momenta.

Finite ring (lattice, ``d = 1``): with :math:`\hat V(q) = \sum_x e^{-2\pi i q x}V(x)` one has
:math:`\mathbb{E}\hat V(q)\hat V(q') = \sigma^2 L\,\delta_{q+q'\equiv 0}`, i.e. :math:`R = \sigma^2`,
δ-normalization ``N = 1`` (:mod:`derive.conventions`) against the finite-volume measure
:math:`L^{-1}\sum_p` (which replaces :math:`\int dp`, measure density 1 on the torus). Each contraction
removes one of the ``n+m`` sums :math:`L^{-1}\sum` against :math:`L\delta`, so a graph carries
:math:`\sigma^{2p}\,(L^{-1}\sum)^{p}`: **σ² per contraction**.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import sympy as sp

from derive.algebra.terms import R, Term, W0, omega
from derive.conventions import Space, conventions_for, lam, t
from derive.errors import DeriveError

__all__ = ["GraphData", "NotAPairingGraph", "MomentumConservationError", "as_graph_data", "check_graph",
           "momentum_graph", "RoutedGraph", "route_momenta", "check_routing", "vertex_line",
           "alpha", "beta", "eta"]

#: spectral variables of the ψ and conjugate lines and the regularization η → 0⁺ of the resolvents
alpha = sp.Symbol("alpha", real=True)
beta = sp.Symbol("beta", real=True)
eta = sp.Symbol("eta", positive=True)
#: the retarded boundary value (+i0) of the ψ line, ``../shared/conventions.md``: resolvents are retarded
_RETARDED = 1


class NotAPairingGraph(DeriveError):
    """The object is not a graph of Γ_{n,m} (bad labels, a vertex paired twice or left unpaired)."""


class MomentumConservationError(DeriveError):
    """A routing violates momentum conservation at a node or the contraction rule q_ℓ + q_ℓ' = 0."""


@dataclass(frozen=True)
class GraphData:
    """Plain ``(n, m, pairs)`` graph of Γ_{n,m}; ``pairs`` sorted, each ``(ℓ, ℓ')`` with ``ℓ < ℓ'``."""

    n: int
    m: int
    pairs: tuple[tuple[int, int], ...]

    @property
    def order(self) -> int:
        """Number of potential vertices ``n + m`` (the power of λ)."""
        return self.n + self.m


def as_graph_data(graph) -> GraphData:
    """Normalize a graph object (attributes ``n, m, pairs``) or tuple ``(n, m, pairs)`` and check it."""
    if hasattr(graph, "pairs") and hasattr(graph, "n") and hasattr(graph, "m"):
        n, m, pairs = graph.n, graph.m, graph.pairs
    else:
        try:
            n, m, pairs = graph
        except (TypeError, ValueError):
            raise NotAPairingGraph(f"not a graph (need n, m, pairs): {graph!r}") from None
    g = GraphData(int(n), int(m), tuple(sorted((min(int(a), int(b)), max(int(a), int(b))) for a, b in pairs)))
    check_graph(g)
    return g


def check_graph(graph) -> None:
    """Raise :class:`NotAPairingGraph` unless every vertex ``1 … n+m`` is in exactly one pair ``ℓ < ℓ'``."""
    n, m, pairs = graph.n, graph.m, graph.pairs
    if n < 0 or m < 0:
        raise NotAPairingGraph(f"negative vertex count n={n}, m={m}")
    seen = [v for pr in pairs for v in pr]
    if any(len(pr) != 2 or pr[0] >= pr[1] for pr in pairs):
        raise NotAPairingGraph(f"pairs must be (ℓ, ℓ') with ℓ < ℓ': {pairs}")
    if sorted(seen) != list(range(1, n + m + 1)):
        raise NotAPairingGraph(f"pairs {pairs} are not a perfect matching of 1..{n + m}")


def vertex_line(graph: GraphData, v: int) -> str:
    """``"psi"`` for vertices ``1 … n``, ``"conj"`` for ``n+1 … n+m``."""
    return "psi" if v <= graph.n else "conj"


def _line_keys(g: GraphData) -> list[tuple[str, int]]:
    return [("a", j) for j in range(g.n + 1)] + [("b", j) for j in range(g.m + 1)]


def momentum_graph(graph) -> nx.MultiDiGraph:
    """The momentum graph (module docstring): circle lines keyed ``("a", j)``/``("b", j)``, contractions
    keyed ``("pair", ℓ, ℓ')``; edge attribute ``kind`` is ``"line"`` or ``"pair"``."""
    g = as_graph_data(graph)
    G = nx.MultiDiGraph()
    circle = ["init"] + list(range(1, g.n + 1)) + ["obs"] + list(range(g.n + 1, g.n + g.m + 1)) + ["init"]
    G.add_nodes_from(circle[:-1])
    for key, (u, v) in zip(_line_keys(g), zip(circle[:-1], circle[1:])):
        G.add_edge(u, v, key=key, kind="line")
    for (a, b) in g.pairs:
        G.add_edge(a, b, key=("pair", a, b), kind="pair")
    return G


@dataclass(frozen=True)
class RoutedGraph:
    """A graph with every momentum written through ``loops`` and the external momentum ``external``.

    Attributes
    ----------
    graph
        The :class:`GraphData`.
    pinned
        Which line carries the external momentum: ``"observable"`` (:math:`a_n = b_0 = k`) or
        ``"initial"`` (:math:`a_0 = b_m = k_0`).
    external, loops
        The external symbol and the ``p`` free loop-momentum symbols.
    lines
        ``{("a", j) | ("b", j): expression}`` line momenta.
    contractions
        ``{("pair", ℓ, ℓ'): expression}`` momenta carried by the contraction edges (``ℓ → ℓ'``).
    transfers
        ``{ℓ: q_ℓ}`` transfer of each vertex, ``q = out − in`` in circle order.
    coefficients
        ``{line: (c_external, c_loop_1, …)}`` integer coefficients (for numerics on the ring).
    """

    graph: GraphData
    pinned: str
    external: sp.Symbol
    loops: tuple[sp.Symbol, ...]
    lines: dict
    contractions: dict
    transfers: dict

    @property
    def coefficients(self) -> dict:
        syms = (self.external,) + self.loops
        return {key: tuple(int(sp.expand(e).coeff(s)) for s in syms) for key, e in self.lines.items()}

    # ------------------------------------------------------------------ integrands
    def _prefactor(self) -> sp.Expr:
        g = self.graph
        pair_factor = sp.Mul(*[R(self.transfers[a]) for a, _ in g.pairs])
        return (-sp.I * lam) ** g.n * (sp.I * lam) ** g.m * pair_factor * W0(self.lines[("a", 0)])

    def time_form(self, space: Space | str = Space.LATTICE, dim: int = 1) -> Term:
        r"""Graph value as a :class:`~derive.algebra.terms.Term` over loop momenta and ordered times.

        .. math:: (-i\lambda)^n(i\lambda)^m\prod_{\text{pairs}}R(q_\ell)\,W_0(a_0)
           \prod_{j=0}^{n}e^{-i(s_{j+1}-s_j)\omega(a_j)}\prod_{j=0}^{m}e^{+i(u_j-u_{j+1})\omega(b_j)},

        :math:`0 = s_0 < s_1 < \dots < s_n < s_{n+1} = t` (vertex ℓ ≤ n at time :math:`s_\ell`) and
        :math:`t = u_0 > u_1 > \dots > u_m > u_{m+1} = 0` (vertex ``n+j`` at :math:`u_j`); measure μ per loop
        momentum from :mod:`derive.conventions` (on the finite ring read :math:`\int dp \to L^{-1}\sum_p`).
        """
        g = self.graph
        mu = conventions_for(space, dim).measure
        s_ = [sp.Integer(0)] + [sp.Symbol(f"s{j}", nonnegative=True) for j in range(1, g.n + 1)] + [t]
        u_ = [t] + [sp.Symbol(f"u{j}", nonnegative=True) for j in range(1, g.m + 1)] + [sp.Integer(0)]
        phase = sum(-sp.I * (s_[j + 1] - s_[j]) * omega(self.lines[("a", j)]) for j in range(g.n + 1))
        phase += sum(sp.I * (u_[j] - u_[j + 1]) * omega(self.lines[("b", j)]) for j in range(g.m + 1))
        integrand = mu ** len(self.loops) * self._prefactor() * sp.exp(sp.expand(phase))
        times = tuple((s_[j], 0, s_[j + 1]) for j in range(g.n, 0, -1)) + \
            tuple((u_[j], 0, u_[j - 1]) for j in range(1, g.m + 1))
        return Term(integrand, self.loops, times)

    def resolvent_form(self, space: Space | str = Space.LATTICE, dim: int = 1) -> Term:
        r"""Graph value with each line's time simplex written through retarded/advanced resolvents.

        Laplace inversion (:math:`t > 0`, :math:`\eta > 0`) gives for the ψ line
        :math:`(-i)^n\int_{\rm simplex}\prod_j e^{-i\Delta s_j\omega(a_j)} = i\,e^{\eta t}\int đ\alpha\,
        e^{-i\alpha t}\prod_{j=0}^{n}(\alpha - \omega(a_j) + i\eta)^{-1}` and the complex conjugate
        (β, −iη) for the conjugate line; :math:`đ\alpha = d\alpha/2\pi` is the 1-D continuum measure of
        :mod:`derive.conventions`. The integrand is returned with ``α, β`` listed after the loop momenta.
        """
        g = self.graph
        mu = conventions_for(space, dim).measure
        dbar = conventions_for(Space.CONTINUUM, 1).measure  # đα = dα/(2π)
        i0 = _RETARDED * sp.I * eta
        psi = sp.I * sp.exp(eta * t - sp.I * alpha * t) * dbar * \
            sp.Mul(*[1 / (alpha - omega(self.lines[("a", j)]) + i0) for j in range(g.n + 1)])
        conj = -sp.I * sp.exp(eta * t + sp.I * beta * t) * dbar * \
            sp.Mul(*[1 / (beta - omega(self.lines[("b", j)]) - i0) for j in range(g.m + 1)])
        pref = self._prefactor() / ((-sp.I) ** g.n * sp.I ** g.m)
        return Term(mu ** len(self.loops) * pref * psi * conj, self.loops + (alpha, beta), ())


def route_momenta(graph, *, pinned: str = "observable", external: sp.Symbol | None = None,
                  loop_prefix: str = "p") -> RoutedGraph:
    """Route momenta through a spanning tree of the momentum graph; chords become loop momenta.

    The tree is a minimum spanning tree with weights 0 (contraction edges), 1 (lines) and 2 (the pinned
    line), so it contains every contraction edge and never the pinned line; each chord's momentum flows
    around its fundamental cycle. ``pinned`` = ``"observable"`` (external ``k`` on :math:`a_n`) or
    ``"initial"`` (external ``k0`` on :math:`a_0`). The result is checked by :func:`check_routing`.

    >>> r = route_momenta((1, 1, ((1, 2),)))
    >>> r.lines[("a", 0)], r.transfers[1], r.transfers[2]
    (p1, k - p1, -k + p1)
    >>> route_momenta((1, 2, ((1, 2),)))  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    derive.diagrams.routing.NotAPairingGraph: pairs ((1, 2),) are not a perfect matching of 1..3
    """
    g = as_graph_data(graph)
    if pinned not in ("observable", "initial"):
        raise DeriveError(f"pinned must be 'observable' or 'initial', got {pinned!r}")
    pin_key = ("a", g.n) if pinned == "observable" else ("a", 0)
    if external is None:
        external = sp.Symbol("k" if pinned == "observable" else "k0", real=True)
    G = momentum_graph(g)
    U = nx.MultiGraph()
    U.add_nodes_from(G.nodes)
    for u, v, key, data in G.edges(keys=True, data=True):
        w = 0 if data["kind"] == "pair" else (2 if key == pin_key else 1)
        U.add_edge(u, v, key=key, weight=w)
    tree = nx.minimum_spanning_tree(U, algorithm="kruskal")
    tree_keys = {key for _, _, key in tree.edges(keys=True)}
    ends = {key: (u, v) for u, v, key in G.edges(keys=True)}
    chords = [key for key in ends if key not in tree_keys]
    if pin_key not in chords:  # cannot happen: the circle minus one line is connected
        raise MomentumConservationError("pinned line ended up in the spanning tree")
    chords.remove(pin_key)
    chords = [pin_key] + sorted(chords, key=lambda c: _line_keys(g).index(c) if c in _line_keys(g) else 99)
    loops = tuple(sp.Symbol(f"{loop_prefix}{i}", real=True) for i in range(1, len(chords)))
    flow = {key: sp.Integer(0) for key in ends}
    for chord, sym in zip(chords, (external,) + loops):
        flow[chord] += sym
        u, v = ends[chord]  # chord u → v; close the cycle along the tree from v back to u
        path = nx.shortest_path(tree, v, u)
        for x, y in zip(path[:-1], path[1:]):
            key = next(iter(tree.get_edge_data(x, y)))
            flow[key] += sym if ends[key] == (x, y) else -sym
    lines = {key: sp.expand(flow[key]) for key in _line_keys(g)}
    contractions = {key: sp.expand(flow[key]) for key in ends if key[0] == "pair"}
    circle_in = {}
    for key, (u, v) in ends.items():
        if key[0] != "pair":
            circle_in[v] = key
    circle_out = {ends[key][0]: key for key in ends if key[0] != "pair"}
    transfers = {v: sp.expand(lines[circle_out[v]] - lines[circle_in[v]]) for v in range(1, g.n + g.m + 1)}
    routed = RoutedGraph(g, pinned, external, loops, lines, contractions, transfers)
    check_routing(routed)
    return routed


def check_routing(routed: RoutedGraph) -> None:
    """Raise :class:`MomentumConservationError` unless Kirchhoff's law holds at every node, every contraction
    has :math:`q_\\ell + q_{\\ell'} = 0`, :math:`a_n = b_0`, :math:`a_0 = b_m`, the pinned line equals the
    external momentum and the loop momenta are independent (rank p of the line-momentum map)."""
    g = routed.graph
    flows = {**routed.lines, **routed.contractions}
    G = momentum_graph(g)
    for node in G.nodes:
        net = sum((flows[k] for _, _, k in G.in_edges(node, keys=True)), sp.Integer(0)) - \
            sum((flows[k] for _, _, k in G.out_edges(node, keys=True)), sp.Integer(0))
        if sp.expand(net) != 0:
            raise MomentumConservationError(f"momentum not conserved at node {node!r}: net inflow {net}")
    for a, b in g.pairs:
        if sp.expand(routed.transfers[a] + routed.transfers[b]) != 0:
            raise MomentumConservationError(f"contraction {(a, b)}: q_{a} + q_{b} = "
                                            f"{routed.transfers[a] + routed.transfers[b]} ≠ 0")
    L = routed.lines
    if sp.expand(L[("a", g.n)] - L[("b", 0)]) != 0 or sp.expand(L[("a", 0)] - L[("b", g.m)]) != 0:
        raise MomentumConservationError("observable or initial momenta of the two lines differ")
    pin = L[("a", g.n)] if routed.pinned == "observable" else L[("a", 0)]
    if sp.expand(pin - routed.external) != 0:
        raise MomentumConservationError(f"pinned line carries {pin}, not {routed.external}")
    M = sp.Matrix([[sp.expand(e).coeff(s) for s in routed.loops] for e in L.values()]) if routed.loops else None
    if M is not None and M.rank() != len(routed.loops):
        raise MomentumConservationError("loop momenta are not independent")
    if len(routed.loops) != len(g.pairs):
        raise MomentumConservationError(f"{len(routed.loops)} loop momenta for {len(g.pairs)} contractions")
