r"""Power counting of pairing graphs in the kinetic limit t = τ/λ²: free macroscopic times per graph.

Each contraction forces its two vertex times within O(1) of each other; clusters of contractions forced together
share one macroscopic time. A graph with M contractions and F clusters is of size τ^F λ^{2(M−F)}: decorated
ladders have F = M, crossings and nestings F ≤ M − 1 (zero leading term). See :mod:`derive.diagrams.kinetic`
for the statement and its limits of validity.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derive.diagrams.enumerate import iter_partner_blocks


__all__ = ["macroscopic_clusters", "PowerCount", "power_count", "POWER_COUNTING_RULES", "free_times_array"]


def _graph_tuple(graph) -> tuple[int, int, tuple]:
    """``(n, m, pairs)`` of a graph object or of a tuple (pairs sorted within)."""
    if hasattr(graph, "pairs"):
        return int(graph.n), int(graph.m), tuple(graph.pairs)
    n, m, pairs = graph
    return int(n), int(m), tuple(sorted((min(a, b), max(a, b)) for a, b in pairs))


def _vertex_times(n: int, m: int) -> tuple[list, list]:
    """Vertex labels of the ψ and conjugate lines in time order (from the initial state)."""
    return list(range(1, n + 1)), list(range(n + m, n, -1))


def macroscopic_clusters(graph) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Clusters of contractions forced to one macroscopic time (module docstring), as tuples of pairs.

    Repeats to a fixed point: (i) on each line, every vertex lying between the first and last vertex of a
    cluster joins it; (ii) clusters present on both lines must appear in the same order on both, otherwise the
    two are merged.
    """
    n, m, pairs = _graph_tuple(graph)
    find = _cluster_find(n, m, pairs)
    groups: dict = {}
    for i, pr in enumerate(pairs):
        groups.setdefault(find(i), []).append(pr)
    return tuple(sorted(tuple(sorted(g)) for g in groups.values()))


def _cluster_find(n: int, m: int, pairs: tuple):
    """Run the fixed point of :func:`macroscopic_clusters`; return its ``find`` (pair index → cluster root)."""
    owner = [0] * (n + m + 1)
    for i, (a, b) in enumerate(pairs):
        owner[a] = owner[b] = i
    parent = list(range(len(pairs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i, j) -> bool:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[rj] = ri
        return ri != rj

    lines = _vertex_times(n, m)
    changed = True
    while changed:
        changed = False
        for seq in lines:                       # (i) one sweep: overlapping spans merge into blocks
            roots = [find(owner[v]) for v in seq]
            last = {r: pos for pos, r in enumerate(roots)}
            current, end = None, -1
            for pos, r in enumerate(roots):
                if pos <= end:
                    changed |= union(current, r)
                    end = max(end, last[r])
                else:
                    current, end = r, last[r]
        if changed:
            continue
        orders = [list(dict.fromkeys(find(owner[v]) for v in seq)) for seq in lines]   # (ii) same order
        shared = [r for r in orders[0] if r in orders[1]]
        rank = {r: i for i, r in enumerate(r2 for r2 in orders[1] if r2 in shared)}
        for c, d in zip(shared, shared[1:]):
            if rank[c] > rank[d]:
                changed |= union(c, d)
    return find


@dataclass(frozen=True)
class PowerCount:
    """Power counting of one graph at :math:`t = \\tau/\\lambda^2`.

    Attributes
    ----------
    pairs
        Number of contractions M (the graph is of order :math:`\\lambda^{2M}`).
    free_times
        Number of free macroscopic time integrations F (clusters): the degree of the graph in t.
    """

    pairs: int
    free_times: int

    @property
    def relative_order(self) -> int:
        """Power of λ relative to the ladders: :math:`\\lambda^{2M}t^F = \\tau^F\\lambda^{2(M-F)}`."""
        return 2 * (self.pairs - self.free_times)

    @property
    def survives(self) -> bool:
        """The graph has a non-zero kinetic limit at order τ^M (F = M)."""
        return self.free_times == self.pairs


#: the power-counting rule per class (checked against enumeration of every graph in the tests)
POWER_COUNTING_RULES = {
    "decorated-ladder": "F = M: every contraction is its own cluster (rungs in the same order on both lines, "
                        "recollisions enclose nothing) → τ^M, the leading term is kept",
    "nesting": "F ≤ M − 1: a same-line ℓ ~ ℓ′ with ℓ′ ≥ ℓ+3 encloses vertices, whose contractions join its cluster "
               "→ O(λ²) relative, leading term 0",
    "crossing": "F ≤ M − 1: two crossing chords ℓ < j < ℓ′ < j′ are forced into one cluster in each line arrangement "
                "(a vertex inside a same-line chord, or two rungs in opposite orders) → O(λ²) relative, leading term 0",
}


def power_count(graph) -> PowerCount:
    """:class:`PowerCount` from :func:`macroscopic_clusters`."""
    n, m, pairs = _graph_tuple(graph)
    find = _cluster_find(n, m, pairs)
    return PowerCount(len(pairs), len({find(i) for i in range(len(pairs))}))


def free_times_array(P, n: int):
    """Vectorised :func:`power_count`: free macroscopic times F of many graphs of one split at once.

    Same clusters, other algorithm: with one node per contraction and an arc from the contraction of each vertex to
    that of the next vertex in time on the same line (T non-decreasing along arcs), the forced clusters are the
    strongly connected components. ``P`` holds 0-based partner rows (shape ``(K, N)``, as
    :func:`~derive.diagrams.enumerate.iter_partner_blocks` yields them); reachability is closed by repeated
    boolean squaring, and F counts the components. Returns an int array of shape ``(K,)``.
    """
    P = np.asarray(P, dtype=np.int64)
    K, N = P.shape
    M = N // 2
    if M == 0:
        return np.zeros(K, dtype=np.int64)
    idx = np.arange(N)
    is_left = P > idx
    rank = np.cumsum(is_left, axis=1) - 1                               # pair index of each left end
    owner = np.take_along_axis(rank, np.minimum(P, idx), axis=1)         # pair index of every vertex
    reach = np.broadcast_to(np.eye(M, dtype=bool), (K, M, M)).copy()
    rows = np.arange(K)
    for seq in (list(range(n)), list(range(N - 1, n - 1, -1))):         # ψ line, conjugate line, in time order
        for u, v in zip(seq, seq[1:]):
            reach[rows, owner[:, u], owner[:, v]] = True
    for _ in range(max(1, int(np.ceil(np.log2(M))))):
        reach = np.matmul(reach.astype(np.uint8), reach.astype(np.uint8)) > 0
    mutual = reach & reach.transpose(0, 2, 1)
    earlier = np.tril(np.ones((M, M), dtype=bool), -1)                   # j < i
    return np.count_nonzero(~np.any(mutual & earlier[None], axis=2), axis=1)
