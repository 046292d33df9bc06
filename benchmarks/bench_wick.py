"""Full contraction of long operator strings: `derive.algebra.wick.expectation` vs `sympy.physics.secondquant.wicks`.

    python benchmarks/bench_wick.py [--n 12] [--repeat 3] [--json]

Rows: vacuum fermion strings of n operators (above-Fermi labels, so sympy's Fermi vacuum is the true vacuum),
timed side by side with sympy's `wicks(..., keep_only_fully_contracted=True)` and checked equal after
canonicalization (δ(x − y) → KroneckerDelta(x, y), expand; outside the timing); sympy caches are cleared
before every run. Then contractions sympy cannot do (bosons; thermal quasifree states with W ≠ 0; mixed statistics),
timed alone and checked against the slow stream-of-pairings sum. Timings only; never run in the unit tests.
"""
from __future__ import annotations

import argparse
import json
import time

import sympy as sp
from sympy.core.cache import clear_cache
from sympy.physics.secondquant import F, Fd, wicks

from derive.algebra.operators import DeltaKind, OperatorAlgebra, OperatorString, Species, annihilate, create
from derive.algebra.wick import expectation, expectation_by_pairings, quasifree_state, vacuum_state

E = Species("e", "fermion")
B = Species("b", "boson")
ALG = OperatorAlgebra(space="lattice", dim=3)
#: discrete modes, as sympy's F/Fd: contractions are Kronecker δ's (sympy's DiracDelta construction alone costs
#: ~25 ms per δ with uncached assumption queries, so both δ kinds are reported)
ALG_DISCRETE = OperatorAlgebra(space="lattice", dim=3, delta=DeltaKind.KRONECKER)


def _canonical(expr):
    return sp.expand(expr).replace(sp.DiracDelta,
                                   lambda arg: sp.KroneckerDelta(*sorted(arg.free_symbols, key=str)))


def _timed(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        clear_cache()  # no sympy cache hits from earlier runs, for either side
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _nterms(e):
    return len(e.args) if e.is_Add else int(e != 0)


def vacuum_cases(n):
    m = n // 2
    a = sp.symbols(f"a1:{m + 1}", above_fermi=True)
    b = sp.symbols(f"b1:{m + 1}", above_fermi=True)
    blocks = ([(False, x) for x in a] + [(True, x) for x in b],                      # a…a a*…a*  (m! terms)
              [y for pair in zip([(False, x) for x in a], [(True, x) for x in b]) for y in pair],  # (a a*)^m
              [(False, a[0]), (False, a[1])] + [(True, b[0]), (False, a[2]), (True, b[1]), (True, b[2])]
              + [(False, x) for x in a[3:]] + [(True, x) for x in b[3:]])             # interleaved
    names = ("a^m a*^m", "(a a*)^m", "interleaved")
    for name, spec in zip(names, blocks):
        ours = OperatorString(tuple((create if c else annihilate)(E, k) for c, k in spec))
        theirs = sp.Mul(*[(Fd if c else F)(k) for c, k in spec])
        yield name, ours, theirs


def run(n, repeat):
    rows = []
    for label, alg in (("Kronecker δ", ALG_DISCRETE), ("Dirac δ", ALG)):
        vac = vacuum_state([E], alg)
        for name, ours, theirs in vacuum_cases(n):
            t_ours, got = _timed(lambda: expectation(ours, vac), repeat)
            t_sym, want = _timed(lambda: wicks(theirs, keep_only_fully_contracted=True), 1)
            same = sp.expand(_canonical(got) - sp.expand(want)) == 0
            if not same:
                raise SystemExit(f"{name}: derive and sympy disagree")
            rows.append(dict(case=f"vacuum fermions {name}, {label}", n=n, terms=_nterms(sp.expand(want)),
                             derive_s=t_ours, sympy_s=t_sym, ratio=t_sym / t_ours, equal=same))

    m = n // 2
    ks = sp.symbols(f"k1:{m + 1}", real=True)
    ps = sp.symbols(f"p1:{m + 1}", real=True)
    thermal = quasifree_state([E, B], OperatorAlgebra(space="continuum", dim=3))
    others = {
        "thermal fermions a*^m a^m (det)": [create(E, k) for k in ks] + [annihilate(E, p) for p in reversed(ps)],
        "thermal bosons a*^m a^m (per)": [create(B, k) for k in ks] + [annihilate(B, p) for p in reversed(ps)],
        "vacuum bosons a^m a*^m": [annihilate(B, p) for p in ps] + [create(B, k) for k in ks],
        "thermal mixed (a a*)^m": [op for i in range(m) for op in
                                   ((annihilate(E if i % 2 else B, ps[i]), create(E if i % 2 else B, ks[i])))],
    }
    vacb = vacuum_state([E, B], ALG)
    for name, ops in others.items():
        st = vacb if name.startswith("vacuum") else thermal
        s = OperatorString(tuple(ops))
        t_ours, got = _timed(lambda: expectation(s, st), repeat)
        row = dict(case=name, n=len(ops), terms=_nterms(got), derive_s=t_ours, sympy_s=None, ratio=None,
                   equal=None)
        if len(ops) <= 12:  # check against the plain sum over the stream of signed pairings
            t_ref, ref = _timed(lambda: expectation_by_pairings(s, st), 1)
            row["equal"] = sp.expand(ref - got) == 0
            row["stream_s"] = t_ref
            if not row["equal"]:
                raise SystemExit(f"{name}: fast path and pairing stream disagree")
        rows.append(row)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="number of operators (even)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    rows = run(args.n, args.repeat)
    if args.json:
        print(json.dumps({"benchmark": "wick", "n": args.n, "rows": rows}))
        return
    print(f"{'case':46s} {'n':>3s} {'terms':>6s} {'derive [s]':>11s} {'sympy [s]':>10s} {'ratio':>7s} {'equal':>6s}")
    for r in rows:
        sym = f"{r['sympy_s']:.3f}" if r["sympy_s"] is not None else "—"
        ratio = f"{r['ratio']:.0f}×" if r["ratio"] is not None else "—"
        print(f"{r['case']:46s} {r['n']:3d} {r['terms']:6d} {r['derive_s']:11.4f} {sym:>10s} {ratio:>7s} "
              f"{str(r['equal']):>6s}")


if __name__ == "__main__":
    main()
