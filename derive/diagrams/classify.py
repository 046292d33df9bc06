"""Graph classes of seed 003 §5.4 (errata applied): ladder, decorated ladder, nesting, crossing; connectedness.

Definitions implemented (circle-order labels, see :mod:`derive.diagrams.graph`)
--------------------------------------------------------------------------------
* **immediate recollision**: a contraction ``l ~ l+1`` with both ends on the same line (both ``≤ n`` or both
  ``≥ n+1``); ``n ~ n+1`` (across the observable) is a rung, not a recollision.
* **rung**: a contraction ``l ~ l'`` with ``l ≤ n < l'``.
* **crossing pair**: two contractions ``l ~ l'``, ``j ~ j'`` with ``l < j < l' < j'`` (chords crossing in
  circle order; the seed's printed condition would make every two-pair graph cross). The **crossing number** is
  the number of crossing pairs.
* **basic ladder** (``n = m``): ``l ~ 2n+1-l`` for all ``l ≤ n`` (the seed prints ``2n-l``).
* **decorated ladder**: every contraction is an immediate recollision or a rung, and no two contractions cross.
  Equivalently: a basic ladder with ``r`` rungs (rungs pair in order-reversing fashion) and, in each of the
  ``r+1`` gaps of each line, a run of consecutive adjacent recollision pairs ``l~l+1, l+2~l+3, …``. A same-line
  contraction ``l ~ l+2k+1`` (``k ≥ 1``) is *not* allowed — that is a nesting.
* **nesting**: no crossing, but not a decorated ladder; i.e. a non-crossing graph with at least one same-line
  contraction ``l ~ l'`` with ``l' ≥ l+3`` (its inside is then a non-crossing pairing of ``l'-l-1`` vertices,
  the seed's ``k`` immediate recollisions being the simplest case).
* **classes**: ``crossing`` (≥ 1 crossing pair), ``nesting`` and ``decorated-ladder`` are mutually exclusive and
  exhaustive; ``ladder`` (the basic ladder) is a subset of ``decorated-ladder``.
* **connected**: the graph of :meth:`~derive.diagrams.graph.FeynmanGraph.to_networkx` *with the two junction
  nodes (observable, initial state) removed* is connected: the lines' vertices are linked by propagators
  along each line and by contractions, so the average does not factorise into a ψ-line factor times a
  conjugate-line factor. With both lines non-empty this holds iff there is at least one rung; a single line
  (``n = 0`` or ``m = 0``), and the empty graph, count as connected. (With the junctions kept every graph is
  trivially connected — the two lines form a cycle.)
"""
from __future__ import annotations

import numpy as np

from derive.diagrams.graph import INITIAL, OBSERVABLE, FeynmanGraph

__all__ = ["CLASSES", "classify", "classes", "is_immediate_recollision", "is_rung", "is_ladder",
           "is_decorated_ladder", "is_crossing", "is_nesting", "crossing_number", "is_connected",
           "is_connected_networkx", "classify_array"]

#: the three mutually exclusive classes, in the order used by tables
CLASSES = ("decorated-ladder", "nesting", "crossing")


def is_immediate_recollision(graph: FeynmanGraph, l: int, lp: int) -> bool:
    """``l ~ lp`` joins neighbours on the same line (``|l - lp| = 1``, not across the observable)."""
    a, b = min(l, lp), max(l, lp)
    return b == a + 1 and a != graph.n


def is_rung(graph: FeynmanGraph, l: int, lp: int) -> bool:
    """``l ~ lp`` joins the ψ line to the conjugate line."""
    return min(l, lp) <= graph.n < max(l, lp)


def crossing_number(graph: FeynmanGraph) -> int:
    """Number of pairs of contractions ``l < j < l' < j'`` (chords crossing in circle order)."""
    pairs = graph.pairs  # sorted by left end
    return sum(1 for c, (a, b) in enumerate(pairs) for (x, y) in pairs[c + 1:] if x < b < y)


def is_crossing(graph: FeynmanGraph) -> bool:
    """At least one crossing pair of contractions."""
    pairs = graph.pairs
    return any(x < b < y for c, (a, b) in enumerate(pairs) for (x, y) in pairs[c + 1:])


def is_decorated_ladder(graph: FeynmanGraph) -> bool:
    """Every contraction is an immediate recollision or a rung, and none cross (module docstring)."""
    return (all(is_immediate_recollision(graph, a, b) or is_rung(graph, a, b) for a, b in graph.pairs)
            and not is_crossing(graph))


def is_nesting(graph: FeynmanGraph) -> bool:
    """Non-crossing but not a decorated ladder."""
    return not is_crossing(graph) and not is_decorated_ladder(graph)


def is_ladder(graph: FeynmanGraph) -> bool:
    """The basic ladder: ``n = m`` and ``l ~ 2n+1-l`` for every ``l ≤ n``."""
    N = graph.order
    return graph.n == graph.m and all(p == N + 1 - i for i, p in enumerate(graph.partner, 1))


def classify(graph: FeynmanGraph) -> str:
    """One of :data:`CLASSES`: ``"crossing"``, else ``"nesting"``, else ``"decorated-ladder"``.

    >>> from derive.diagrams.graph import from_pairs
    >>> classify(from_pairs(4, 0, [(1, 4), (2, 3)]))
    'nesting'
    """
    if is_crossing(graph):
        return "crossing"
    return "decorated-ladder" if is_decorated_ladder(graph) else "nesting"


def classes(graph: FeynmanGraph) -> frozenset:
    """Every class label that applies: :func:`classify`'s, plus ``"ladder"`` for the basic ladder."""
    c = {classify(graph)}
    if is_ladder(graph):
        c.add("ladder")
    return frozenset(c)


def is_connected(graph: FeynmanGraph) -> bool:
    """Connected after removing the junctions (module docstring): a rung exists, or a line is empty."""
    return graph.n == 0 or graph.m == 0 or any(is_rung(graph, a, b) for a, b in graph.pairs)


def is_connected_networkx(graph: FeynmanGraph) -> bool:
    """Reference for :func:`is_connected`, computed with networkx on ``to_networkx()`` minus the junctions."""
    import networkx as nx
    G = graph.to_networkx()
    G.remove_nodes_from([INITIAL, OBSERVABLE])
    return G.number_of_nodes() == 0 or nx.is_connected(G)


def classify_array(P: np.ndarray, n: int) -> dict:
    """Vectorised classification of many graphs at once (the fast path).

    Parameters
    ----------
    P : ndarray of int, shape (K, N)
        0-based partner arrays, one graph per row, all with the same split ``(n, N - n)``.
    n : int
        Vertices on the ψ line.

    Returns
    -------
    dict of ndarray
        ``crossing_number`` (int), and boolean masks ``crossing``, ``nesting``, ``decorated-ladder``,
        ``ladder``, ``connected`` — the same definitions as the scalar functions.
    """
    P = np.asarray(P)
    K, N = P.shape
    M = N // 2
    if M == 0:
        t = np.ones(K, bool)
        return {"crossing_number": np.zeros(K, np.int64), "crossing": ~t, "nesting": ~t,
                "decorated-ladder": t, "ladder": t, "connected": t}
    idx = np.arange(N, dtype=P.dtype)
    L = np.nonzero(P > idx)[1].reshape(K, M).astype(P.dtype)
    R = np.take_along_axis(P, L.astype(np.intp), axis=1)
    # chord c (row axis 1) and d (axis 2) with L_c < L_d cross iff L_d < R_c < R_d
    cross = (L[:, None, :] < R[:, :, None]) & (R[:, :, None] < R[:, None, :])
    cross &= np.triu(np.ones((M, M), bool), 1)
    cn = cross.sum(axis=(1, 2))
    crossing = cn > 0
    rung = (L < n) & (R >= n)
    imm = (R == L + 1) & (L != n - 1)
    dl = ~crossing & (rung | imm).all(axis=1)
    ladder = (P == (N - 1 - idx)).all(axis=1) if 2 * n == N else np.zeros(K, bool)
    connected = rung.any(axis=1) if 0 < n < N else np.ones(K, bool)
    return {"crossing_number": cn, "crossing": crossing, "nesting": ~crossing & ~dl, "decorated-ladder": dl,
            "ladder": ladder, "connected": connected}
