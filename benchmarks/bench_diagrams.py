"""Throughput of pairing-graph enumeration + classification (graphs/s): numpy fast path vs plain references.

    python benchmarks/bench_diagrams.py [--max-order 8]

Rows: the fast path (`count_by_enumeration`: template blocks + vectorised `classify_array`), the streaming
generator of `FeynmanGraph`s with the scalar classifiers, a plain itertools/networkx reference (recursive
matchings, `nx.is_connected` on each graph), and sympy's `multiset_partitions` (partitions of 2M labels into M
blocks, keeping the all-pairs ones). Every row checks its class counts against the closed forms.
Finally the closed-form counts for M = 30. Timings only; never run in the unit tests.
"""
from __future__ import annotations

import argparse
import time

from derive.diagrams.classify import classify, crossing_number, is_connected, is_connected_networkx
from derive.diagrams.count import class_counts, order_counts
from derive.diagrams.enumerate import count_by_enumeration, enumerate_graphs
from derive.diagrams.graph import FeynmanGraph

KEYS = ("decorated-ladder", "nesting", "crossing")


def _check(counts: dict, n: int, m: int, name: str) -> None:
    want = class_counts(n, m)
    bad = {k: (counts[k], want[k]) for k in KEYS if counts[k] != want[k]}
    if bad:
        raise SystemExit(f"{name}: counts disagree with the closed forms: {bad}")


def fast_path(n, m):
    c = count_by_enumeration(n, m)
    return c["total"], c


def generator_path(n, m):
    c = dict.fromkeys(KEYS, 0)
    total = 0
    for g in enumerate_graphs(n, m):
        c[classify(g)] += 1
        crossing_number(g)
        is_connected(g)
        total += 1
    return total, c


def _matchings(points):
    if not points:
        yield ()
        return
    first, rest = points[0], points[1:]
    for k, j in enumerate(rest):
        for sub in _matchings(rest[:k] + rest[k + 1:]):
            yield ((first, j),) + sub


def networkx_reference(n, m):
    c = dict.fromkeys(KEYS, 0)
    total = 0
    for pairs in _matchings(tuple(range(1, n + m + 1))):
        partner = [0] * (n + m)
        for a, b in pairs:
            partner[a - 1], partner[b - 1] = b, a
        g = FeynmanGraph(n, m, tuple(partner))
        c[classify(g)] += 1
        is_connected_networkx(g)
        total += 1
    return total, c


def sympy_reference(n, m):
    from sympy.utilities.iterables import multiset_partitions
    N = n + m
    c = dict.fromkeys(KEYS, 0)
    total = 0
    for part in multiset_partitions(list(range(1, N + 1)), N // 2):
        if all(len(b) == 2 for b in part):
            partner = [0] * N
            for a, b in part:
                partner[a - 1], partner[b - 1] = b, a
            c[classify(FeynmanGraph(n, m, tuple(partner)))] += 1
            total += 1
    return total, c


def _time(fn, n, m, name):
    t = time.perf_counter()
    total, counts = fn(n, m)
    dt = time.perf_counter() - t
    _check(counts, n, m, name)
    return total, dt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-order", type=int, default=8, help="largest M for the fast path (n = m = M)")
    args = ap.parse_args(argv)
    print(f"{'method':<34} {'n,m':>6} {'graphs':>10} {'seconds':>9} {'graphs/s':>12}")
    rows = [("fast path (numpy blocks)", fast_path, range(5, args.max_order + 1)),
            ("generator + scalar classify", generator_path, range(5, 8)),
            ("itertools/networkx reference", networkx_reference, range(4, 7)),
            ("sympy multiset_partitions", sympy_reference, range(3, 6))]
    fast_path(2, 2)     # build the small templates once; larger ones are built inside the timed calls
    for name, fn, orders in rows:
        for M in orders:
            total, dt = _time(fn, M, M, name)
            print(f"{name:<34} {f'{M},{M}':>6} {total:>10} {dt:>9.3f} {total / dt:>12.3g}")
    t = time.perf_counter()
    c30 = order_counts(30)
    dt = time.perf_counter() - t
    print(f"\nclosed-form counts, M = 30 summed over the 61 splits ({dt * 1e3:.2f} ms):")
    for k, v in c30.items():
        print(f"  {k:<17} {v}")


if __name__ == "__main__":
    main()
