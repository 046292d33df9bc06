"""Benchmark: the 3-D lattice density of states on 10^4 energies, vectorized tanh-sinh vs scipy.integrate.

The white-noise total scattering rate of the lattice Anderson model is
:math:`\\Sigma(E) = 2\\pi\\sigma^2 n_3(E)` (the 2π is the kinetic weight of ``derive.conventions``), so timing
:math:`n_3` on many energies is timing the total rate. Three ways to compute

.. math:: n_3(E) = \\frac1\\pi\\int_0^\\pi n_2(E - 1 + \\cos\\varphi)\\,d\\varphi,\\qquad
          n_2(e) = \\pi^{-2}K\\bigl(1 - (1 - e/2)^2\\bigr):

1. ``kernels.special.lattice_density_of_states(E, 3, tol=1e-8)`` — all energies at once;
2. ``scipy.integrate.quad`` per energy on the same 1-D integral, ``points`` = the log-singular break
   :math:`\\cos\\varphi = 3 - E`, ``epsrel`` chosen to reach 1e-8;
3. ``scipy.integrate.dblquad`` per energy on the 2-D angle integral with the δ solved for the last angle,
   :math:`n_3 = \\pi^{-3}\\iint (1 - c^2)^{-1/2}d\\varphi_1 d\\varphi_2`, split at the break; run on a small subset
   and extrapolated to all energies.

Accuracy is measured against ``kernels.quadrature.reference.reference_lattice_dos`` (mpmath, 30 digits) on a
subset. Run ``python benchmarks/bench_total_rate.py`` for a table or ``--json`` for one JSON object.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):                      # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import sympy as sp
from scipy import integrate
from scipy.special import ellipkm1

from derive.conventions import kinetic_weight, time_kernel
from kernels.quadrature.reference import reference_lattice_dos
from kernels.special import lattice_density_of_states

__all__ = ["energies", "kernel_dos", "quad_dos", "dblquad_dos", "run"]

_KERN = None
_WEIGHT = 1.0

TARGET = 1e-8
QUAD_EPSREL = 1e-8
DBLQUAD_EPSREL = 1e-8


def energies(n: int) -> np.ndarray:
    """``n`` equally spaced energies in (0, 6), exact van Hove points 0, 2, 4, 6 removed."""
    E = np.linspace(0.0, 6.0, n + 2)[1:-1]
    return E[~np.isin(E, (2.0, 4.0))]


def kernel_dos(E: np.ndarray) -> np.ndarray:
    """Vectorized tanh-sinh kernel at relative tolerance ``TARGET``."""
    return lattice_density_of_states(E, 3, tol=TARGET).value


def _phi_range(E: float) -> tuple[float, float, list[float]]:
    """:math:`\\varphi` with :math:`E - 1 + \\cos\\varphi \\in [0, 4]`, and the break :math:`\\cos\\varphi = 3 - E`."""
    lo = math.acos(min(1.0, 5.0 - E)) if E > 4 else 0.0
    hi = math.acos(max(-1.0, 1.0 - E)) if E < 2 else math.pi
    points = [math.acos(3.0 - E)] if 2 < E < 4 else []
    return lo, hi, points


def _n2(e: float) -> float:
    return float(ellipkm1((1.0 - 0.5 * e) ** 2)) / math.pi ** 2 if 0.0 < e < 4.0 else 0.0


def quad_dos(E: np.ndarray) -> np.ndarray:
    """``scipy.integrate.quad`` of :math:`n_2(E - 1 + \\cos\\varphi)/\\pi`, one energy at a time."""
    out = np.empty(E.size)
    for i, energy in enumerate(E):
        lo, hi, points = _phi_range(energy)
        out[i] = integrate.quad(lambda phi: _n2(energy - 1.0 + math.cos(phi)), lo, hi, points=points or None,
                                epsabs=0.0, epsrel=QUAD_EPSREL, limit=200)[0] / math.pi
    return out


def dblquad_dos(E: np.ndarray) -> np.ndarray:
    """``scipy.integrate.dblquad`` of :math:`\\pi^{-3}(1 - c^2)^{-1/2}`,
    :math:`c = 3 - E - \\cos\\varphi_1 - \\cos\\varphi_2`."""
    out = np.empty(E.size)
    for i, energy in enumerate(E):
        lo, hi, points = _phi_range(energy)
        edges = [lo] + points + [hi]

        def inner_range(phi1: float) -> tuple[float, float]:
            R = 3.0 - energy - math.cos(phi1)
            return math.acos(min(1.0, R + 1.0)), math.acos(max(-1.0, R - 1.0))

        def f(phi2: float, phi1: float) -> float:
            c = 3.0 - energy - math.cos(phi1) - math.cos(phi2)
            return 1.0 / math.sqrt(max((1.0 - c) * (1.0 + c), 1e-300))

        out[i] = sum(integrate.dblquad(f, a, b, lambda p: inner_range(p)[0], lambda p: inner_range(p)[1],
                                       epsabs=0.0, epsrel=DBLQUAD_EPSREL)[0]
                     for a, b in zip(edges[:-1], edges[1:])) / math.pi ** 3
    return out


def _timed(func, E: np.ndarray, repeat: int) -> tuple[np.ndarray, float]:
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func(E)
        best = min(best, time.perf_counter() - t0)
    return result, best


def derived_total_rate_cold(E: np.ndarray) -> np.ndarray:
    """The project's derived kernel Σ(E)/(2πσ²) with the n₃ table built from scratch (first call in a process)."""
    from kernels.special.dos_table import lattice_dos_table
    lattice_dos_table.cache_clear()
    return _KERN.total_rate_at_energy(E).value / _WEIGHT


def derived_total_rate_warm(E: np.ndarray) -> np.ndarray:
    """The derived kernel Σ(E)/(2πσ²) with the table already built (every later call)."""
    return _KERN.total_rate_at_energy(E).value / _WEIGHT


def run(n: int = 10_000, n_reference: int = 40, n_dblquad: int = 20) -> dict:
    """Time the methods and measure their accuracy; returns the numbers as a dict."""
    global _KERN, _WEIGHT
    from derive.pipeline import kernels_for
    t0 = time.perf_counter()
    _KERN = kernels_for("linear-boltzmann", {"space": "lattice", "dim": "3", "correlation": "white"})
    t_derive = time.perf_counter() - t0
    _WEIGHT = float(_KERN.cofactor_expr)
    E = energies(n)
    kernel_dos(E[:10])                                            # warm the node caches
    kernel_vals, t_kernel = _timed(kernel_dos, E, repeat=3)
    cold_vals, t_cold = _timed(derived_total_rate_cold, E, repeat=3)
    warm_vals, t_warm = _timed(derived_total_rate_warm, E, repeat=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        quad_vals, t_quad = _timed(quad_dos, E, repeat=1)
        sub = np.linspace(0, E.size - 1, n_dblquad).astype(int)
        dbl_vals, t_dbl_sub = _timed(dblquad_dos, E[sub], repeat=1)
    ref_idx = np.unique(np.concatenate([np.linspace(0, E.size - 1, n_reference).astype(int),
                                        np.searchsorted(E, [2.0, 4.0]), sub]))
    ref = np.array([float(reference_lattice_dos(float(e), 3).value) for e in E[ref_idx]])

    def max_rel(vals_at_idx: np.ndarray, idx: np.ndarray) -> float:
        expected = ref[np.searchsorted(ref_idx, idx)]
        return float(np.max(np.abs(vals_at_idx - expected) / expected))

    delta = sp.Symbol("Delta", real=True)
    weight = float(kinetic_weight(time_kernel(delta), delta))   # Σ(E) = weight · σ² n(E), weight = 2π
    return {
        "n_energies": int(E.size),
        "target_rel_accuracy": TARGET,
        "kernel": {"seconds": t_kernel, "max_rel_err_vs_mpmath": max_rel(kernel_vals[ref_idx], ref_idx)},
        "derived_kernel_cold": {"seconds": t_cold, "max_rel_err_vs_mpmath": max_rel(cold_vals[ref_idx], ref_idx)},
        "derived_kernel_warm": {"seconds": t_warm, "max_rel_err_vs_mpmath": max_rel(warm_vals[ref_idx], ref_idx)},
        "derivation_and_lambdify_seconds": t_derive,
        "speedup_cold_vs_quad": t_quad / t_cold, "speedup_warm_vs_quad": t_quad / t_warm,
        "speedup_cold_vs_dblquad": t_dbl_sub * E.size / sub.size / t_cold,
        "quad": {"seconds": t_quad, "epsrel": QUAD_EPSREL,
                 "max_rel_err_vs_mpmath": max_rel(quad_vals[ref_idx], ref_idx)},
        "dblquad": {"seconds_extrapolated": t_dbl_sub * E.size / sub.size, "n_timed": int(sub.size),
                    "epsrel": DBLQUAD_EPSREL, "max_rel_err_vs_mpmath": max_rel(dbl_vals, sub)},
        "max_rel_deviation_kernel_vs_quad": float(np.max(np.abs(kernel_vals - quad_vals) / np.abs(quad_vals))),
        "speedup_vs_quad": t_quad / t_kernel,
        "speedup_vs_dblquad": t_dbl_sub * E.size / sub.size / t_kernel,
        "n_reference_points": int(ref_idx.size),
        "total_rate_weight": weight,
        "total_rate_sigma1_at_E3": weight * float(kernel_vals[np.argmin(np.abs(E - 3.0))]),
    }


def _table(r: dict) -> str:
    rows = [("derived Σ kernel, n3 table built in the call", r["derived_kernel_cold"]["seconds"],
             r["derived_kernel_cold"]["max_rel_err_vs_mpmath"], r["speedup_cold_vs_quad"]),
            ("derived Σ kernel, table already built", r["derived_kernel_warm"]["seconds"],
             r["derived_kernel_warm"]["max_rel_err_vs_mpmath"], r["speedup_warm_vs_quad"]),
            ("tanh-sinh kernel (vectorized, no table)", r["kernel"]["seconds"], r["kernel"]["max_rel_err_vs_mpmath"],
             r["speedup_vs_quad"]),
            (f"scipy quad (epsrel {r['quad']['epsrel']:g})", r["quad"]["seconds"],
             r["quad"]["max_rel_err_vs_mpmath"], 1.0),
            (f"scipy dblquad (extrapolated from {r['dblquad']['n_timed']})", r["dblquad"]["seconds_extrapolated"],
             r["dblquad"]["max_rel_err_vs_mpmath"], r["quad"]["seconds"] / r["dblquad"]["seconds_extrapolated"])]
    lines = [f"3-D lattice DOS / total rate Σ(E) = {r['total_rate_weight']:.6f} σ² n(E) on {r['n_energies']} "
             f"energies "
             f"in (0, 6), target {r['target_rel_accuracy']:g}",
             f"{'method':44s} {'time [s]':>10s} {'max rel err':>12s} {'speed vs quad':>15s}"]
    lines += [f"{name:44s} {t:10.3f} {err:12.2e} {ratio:14.1f}x" for name, t, err, ratio in rows]
    lines.append(f"max relative deviation kernel vs quad (all energies): {r['max_rel_deviation_kernel_vs_quad']:.2e}")
    lines.append(f"(errors vs mpmath at 30 digits on {r['n_reference_points']} energies; derivation + lambdify "
                 f"{r['derivation_and_lambdify_seconds']:.2f} s, not included)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("-n", type=int, default=10_000, help="number of energies (default 10^4)")
    args = parser.parse_args(argv)
    result = run(args.n)
    print(json.dumps(result) if args.json else _table(result))


if __name__ == "__main__":
    main()
