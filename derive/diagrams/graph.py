"""Feynman graphs of the Gaussian average: a pairing of the n + m potential vertices in circle order.

Convention (seed 003 §5, errata applied)
----------------------------------------
The order-:math:`\\lambda^{n+m}` term of :math:`\\mathbb{E}\\,\\hat\\psi_t(k)\\overline{\\hat\\psi_t(k)}` carries
``n`` potential vertices on the ψ line and ``m`` on the conjugate line. Vertices are labelled ``1..n+m`` in
*circle order*: ``1..n`` along the ψ line from the initial state towards the observable, then ``n+1..n+m``
along the conjugate line from the observable back to the initial state. Vertices ``n`` and ``n+1`` are next to
the observable, ``1`` and ``n+m`` next to the initial state.

Diagram identity
----------------
Every vertex is fixed by its line and its time position, so a graph has no non-trivial automorphism that
respects lines and positions. Two graphs are *the same diagram* iff they have the same ``(n, m)`` and the same
set of contractions as unordered pairs of circle labels; :meth:`FeynmanGraph.canonical_key` is
``(n, m, partner)`` and does not depend on the order in which pairs were given nor on node names
(see :func:`from_networkx`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import networkx as nx

from derive.errors import DeriveError

__all__ = ["NotAPairing", "FeynmanGraph", "check_graph", "from_pairs", "from_networkx", "INITIAL", "OBSERVABLE"]

#: node names of the two junctions in :meth:`FeynmanGraph.to_networkx`
INITIAL = "initial"
OBSERVABLE = "observable"


class NotAPairing(DeriveError):
    """The contraction data is not a perfect matching of the vertices ``1..n+m`` (or ``n``, ``m`` are bad)."""


def check_graph(n, m, partner) -> None:
    """Raise :class:`NotAPairing` unless ``partner`` is a fixed-point-free involution of ``1..n+m``.

    >>> check_graph(2, 0, (2, 1))
    >>> check_graph(2, 0, (1, 2))      # Bad: vertex 1 paired with itself
    Traceback (most recent call last):
    ...
    derive.diagrams.graph.NotAPairing: vertex 1 is paired with itself
    """
    for name, v in (("n", n), ("m", m)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise NotAPairing(f"{name} must be a non-negative integer, got {v!r}")
    N = n + m
    if len(partner) != N:
        raise NotAPairing(f"partner has {len(partner)} entries, expected n + m = {N}")
    for i, p in enumerate(partner, 1):
        if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= N:
            raise NotAPairing(f"partner of vertex {i} is {p!r}, not a vertex label in 1..{N}")
        if p == i:
            raise NotAPairing(f"vertex {i} is paired with itself")
        if partner[p - 1] != i:
            raise NotAPairing(f"vertex {i} -> {p} but vertex {p} -> {partner[p - 1]} (not an involution)")


@dataclass(frozen=True)
class FeynmanGraph:
    """A pairing graph of order :math:`\\lambda^{n+m}`.

    Parameters
    ----------
    n, m : int
        Number of potential vertices on the ψ line and on the conjugate line.
    partner : tuple of int
        1-based: ``partner[l - 1] == l'`` when vertex ``l`` is contracted with ``l'`` (circle-order labels).

    >>> g = FeynmanGraph(2, 2, (4, 3, 2, 1))      # the basic ladder of order λ⁴
    >>> g.pairs
    ((1, 4), (2, 3))
    """

    n: int
    m: int
    partner: tuple

    def __post_init__(self):
        object.__setattr__(self, "partner", tuple(int(p) for p in self.partner))
        check_graph(self.n, self.m, self.partner)

    @property
    def order(self) -> int:
        """Total number of potential vertices n + m (the power of λ)."""
        return self.n + self.m

    @property
    def pairs(self) -> tuple:
        """Contractions ``(l, l')`` with ``l < l'``, sorted by ``l``."""
        return tuple((i, p) for i, p in enumerate(self.partner, 1) if i < p)

    def canonical_key(self) -> tuple:
        """Hashable identity ``(n, m, partner)``; equal keys ⇔ same diagram (see the module docstring)."""
        return (self.n, self.m, self.partner)

    def line_of(self, label: int) -> str:
        """``"psi"`` for labels ``1..n``, ``"conj"`` for ``n+1..n+m``."""
        return "psi" if label <= self.n else "conj"

    def position_of(self, label: int) -> int:
        """1-based time position of a vertex along its own line, counted from the initial state."""
        return label if label <= self.n else self.n + self.m + 1 - label

    def to_networkx(self) -> nx.MultiGraph:
        """The graph: two lines joined at the observable and at the initial state, plus contraction edges.

        Nodes ``1..n+m`` (circle labels) carry ``line`` (``"psi"``/``"conj"``), ``position`` (along the line,
        from the initial state, 1-based) and ``label``; the junctions :data:`INITIAL` and :data:`OBSERVABLE`
        carry ``line="initial"``/``"observable"``, ``position`` 0 and ``n + 1`` (ψ-line time of the observable)
        and ``label`` 0. Edges carry ``kind="propagator"`` (with ``line``) or ``kind="contraction"``.
        """
        G = nx.MultiGraph(n=self.n, m=self.m)
        G.add_node(INITIAL, line="initial", position=0, label=0)
        G.add_node(OBSERVABLE, line="observable", position=self.n + 1, label=0)
        for lab in range(1, self.order + 1):
            G.add_node(lab, line=self.line_of(lab), position=self.position_of(lab), label=lab)
        psi = [INITIAL, *range(1, self.n + 1), OBSERVABLE]
        conj = [OBSERVABLE, *range(self.n + 1, self.order + 1), INITIAL]
        for line, path in (("psi", psi), ("conj", conj)):
            for a, b in zip(path, path[1:]):
                G.add_edge(a, b, kind="propagator", line=line)
        for a, b in self.pairs:
            G.add_edge(a, b, kind="contraction")
        return G

    def __str__(self) -> str:
        body = " ".join(f"{a}~{b}" for a, b in self.pairs)
        return f"(n={self.n}, m={self.m}) {body}".rstrip()


def from_pairs(n: int, m: int, pairs: Iterable) -> FeynmanGraph:
    """Build a graph from contraction pairs given in any order and orientation.

    >>> from_pairs(4, 0, [(4, 3), (2, 1)]).pairs
    ((1, 2), (3, 4))
    >>> from_pairs(4, 0, [(1, 2), (2, 3)])   # Bad: vertex 2 twice → give each vertex once
    Traceback (most recent call last):
    ...
    derive.diagrams.graph.NotAPairing: vertex 2 appears in more than one pair
    """
    N = n + m if isinstance(n, int) and isinstance(m, int) else 0
    partner = [0] * N
    for pair in pairs:
        a, b = pair
        for v in (a, b):
            if not isinstance(v, int) or not 1 <= v <= N:
                raise NotAPairing(f"{v!r} is not a vertex label in 1..{N}")
            if partner[v - 1]:
                raise NotAPairing(f"vertex {v} appears in more than one pair")
        partner[a - 1], partner[b - 1] = b, a
        if a == b:
            raise NotAPairing(f"vertex {a} is paired with itself")
    missing = [i for i, p in enumerate(partner, 1) if not p]
    if missing:
        raise NotAPairing(f"vertex {missing[0]} is not paired")
    return FeynmanGraph(n, m, tuple(partner))


def from_networkx(G: nx.MultiGraph) -> FeynmanGraph:
    """Inverse of :meth:`FeynmanGraph.to_networkx`, reading only node attributes, never node names.

    Relabelling the nodes of ``G`` (any names) gives back the same :meth:`FeynmanGraph.canonical_key`.
    """
    n = sum(1 for _, d in G.nodes(data=True) if d.get("line") == "psi")
    m = sum(1 for _, d in G.nodes(data=True) if d.get("line") == "conj")

    def label(node):
        d = G.nodes[node]
        if d.get("line") not in ("psi", "conj"):
            raise NotAPairing(f"contraction edge ends at a junction node {node!r}")
        return d["position"] if d["line"] == "psi" else n + m + 1 - d["position"]

    pairs = [(label(a), label(b)) for a, b, d in G.edges(data=True) if d.get("kind") == "contraction"]
    return from_pairs(n, m, pairs)
