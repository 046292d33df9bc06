"""Benchmark: time to derive the linear Boltzmann equation, each model in a fresh process (cold caches).

Side by side: the project's dedicated exponential-polynomial time-simplex integrator against plain
``sympy.integrate`` on the same gain-term time integral (what a user would otherwise type).
Target: a derivation in under 2 s. Run ``python benchmarks/bench_derive.py [--json]``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = [{"space": "lattice", "dim": "1"}, {"space": "lattice", "dim": "3"},
          {"space": "continuum", "dim": "3", "correlation": "gaussian"},
          {"space": "continuum", "dim": "2", "correlation": "exp(-r)"}]

_CHILD = """
import time, json, sys
t0 = time.perf_counter()
import sympy
from derive.pipeline import derive_equation
t1 = time.perf_counter()
derive_equation("linear-boltzmann", json.loads(sys.argv[1]))
t2 = time.perf_counter()
derive_equation.__wrapped__ if hasattr(derive_equation, "__wrapped__") else None
print(json.dumps({"import": t1 - t0, "derive": t2 - t1}))
"""


def time_integral_comparison() -> dict:
    """Gain time integral ∫₀ᵗ∫₀ᵗ e^{i(s−u)Δ} ds du: project integrator vs sympy.integrate."""
    import sympy as sp
    from derive.limits.weak_coupling import integrate_time_simplex
    s, u, t, D = sp.symbols("s u t Delta", positive=True)
    expr = sp.exp(sp.I * s * D) * sp.exp(-sp.I * u * D)
    t0 = time.perf_counter()
    ours = integrate_time_simplex(expr, ((s, 0, t), (u, 0, t)))
    t1 = time.perf_counter()
    theirs = sp.integrate(expr, (u, 0, t), (s, 0, t))
    t2 = time.perf_counter()
    same = sp.simplify((ours - theirs).rewrite(sp.exp)) == 0
    return {"project_seconds": t1 - t0, "sympy_integrate_seconds": t2 - t1, "ratio": (t2 - t1) / (t1 - t0),
            "agree": bool(same)}


def run() -> dict:
    rows = []
    for params in MODELS:
        out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(params)], capture_output=True, text=True,
                             cwd=ROOT, check=True)
        rows.append({"model": params, **json.loads(out.stdout)})
    return {"derivations": rows, "time_integral": time_integral_comparison(), "target_seconds": 2.0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    res = run()
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    print(f"{'model':45s} {'import [s]':>10s} {'derive [s]':>10s}")
    for r in res["derivations"]:
        print(f"{json.dumps(r['model']):45s} {r['import']:10.2f} {r['derive']:10.2f}")
    ti = res["time_integral"]
    print(f"gain time integral: project {ti['project_seconds']:.4f} s vs sympy.integrate "
          f"{ti['sympy_integrate_seconds']:.2f} s ({ti['ratio']:.0f}x), results agree: {ti['agree']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
