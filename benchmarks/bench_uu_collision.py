"""Benchmark: the conservative energy-grid Uehling–Uhlenbeck operator against a naive ``scipy.integrate.nquad``.

Both evaluate the derived C[W](k) (d = 3, radial W, fermions, V̂ = e^{−q²}, W = 0.6e^{−(k−1)²}) — the grid at all
N = 64 energies at once (kernel built once, then applied), nquad at ONE momentum: the 4-d integral over
(|k₂|, cos θ₂, cos θ_n, φ_n) on the centre-of-mass shell (k₂ azimuth a symmetry), with the derived integrand S
lambdified on 3-vectors. Prints times, values and the ratio. Not a timed test.
Run ``python benchmarks/bench_uu_collision.py [--epsrel 1e-2] [--max-calls 200000] [--json]``; nquad stops at
its call budget (more than 15 min at epsrel 1e-3 was observed), and the printed ratio is then a lower bound.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy import integrate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Budget(Exception):
    """nquad exceeded its call budget."""


def naive_nquad(equation, kmag: float, radius: float, epsrel: float, limit: int = 10,
                max_calls: int = 3_000_000) -> tuple[float, float, int]:
    """C[W](kmag) by nquad (value, nquad's error, integrand calls); (nan, nan, calls) when the budget runs out."""
    from derive.catalogue.uehling_uhlenbeck import _vector_kernel
    from derive.conventions import conventions_for
    kernel, _ = _vector_kernel(equation)
    const = float(conventions_for("continuum", 3).measure ** 2
                  * equation.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"])
    kv = np.array([0.0, 0.0, kmag])
    calls = [0]

    def f(phin, cn, c2, r2):
        calls[0] += 1
        if calls[0] > max_calls:
            raise _Budget
        s2, sn = math.sqrt(max(1 - c2 * c2, 0.0)), math.sqrt(max(1 - cn * cn, 0.0))
        k2v = np.array([r2 * s2, 0.0, r2 * c2])
        g = float(np.linalg.norm((kv - k2v) / 2))
        k3v = (kv + k2v) / 2 + g * np.array([sn * math.cos(phin), sn * math.sin(phin), cn])
        return 2 * math.pi * r2 * r2 * g / 2 * float(kernel(kv, k2v, k3v))

    opts = {"epsrel": epsrel, "epsabs": 0.0, "limit": limit}
    try:
        val, err = integrate.nquad(f, [(0, 2 * math.pi), (-1, 1), (-1, 1), (0, radius)], opts=[opts] * 4)
    except _Budget:
        return float("nan"), float("nan"), calls[0]
    return const * val, const * err, calls[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epsrel", type=float, default=1e-2)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--max-calls", type=int, default=200_000, help="nquad call budget (then: a lower bound)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from derive.catalogue.uehling_uhlenbeck import ENTRY
    from kernels.collision.radial_quantum import RadialUUCollision
    eq = ENTRY.derive(ENTRY.model({"statistics": "fermi", "occupation": "0.6*exp(-(k - 1)**2)"}))
    t0 = time.perf_counter()
    grid = RadialUUCollision(eq, args.size, energy_max=16.0)
    t1 = time.perf_counter()
    est = grid.collision()
    t2 = time.perf_counter()
    i = 4
    kmag = float(grid.grid.momenta[i])
    t3 = time.perf_counter()
    val, err, calls = naive_nquad(eq, kmag, math.sqrt(2 * 16.0), args.epsrel,
                                   max_calls=args.max_calls)
    t4 = time.perf_counter()
    out = {"k": kmag, "grid_value": float(est.value[i]), "grid_error": float(est.error[i]),
           "grid_build_s": t1 - t0, "grid_apply_all_points_s": t2 - t1, "grid_points": args.size,
           "nquad_value": val, "nquad_error": err, "nquad_calls": calls, "nquad_one_point_s": t4 - t3,
           "speedup_one_point_vs_whole_grid": (t4 - t3) / (t2 - t0)}
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(f"k = {kmag:.4f}")
    print(f"grid  N = {args.size}: build {t1 - t0:.2f} s + collision with error at all points {t2 - t1:.3f} s; "
          f"C = {est.value[i]:.6e} ± {est.error[i]:.1e}")
    if math.isnan(val):
        print(f"nquad one point: stopped after {calls} calls and {t4 - t3:.1f} s without converging (epsrel "
              f"{args.epsrel}); the ratio below is a lower bound")
    else:
        print(f"nquad one point: {t4 - t3:.1f} s, {calls} calls; C = {val:.6e} ± {err:.1e} (epsrel {args.epsrel})")
    print(f"ratio nquad(one point) / grid(all {args.size} points, incl. build) = {out['speedup_one_point_vs_whole_grid']:.0f}")


if __name__ == "__main__":
    main()
