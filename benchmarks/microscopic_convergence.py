"""Convergence of the exact lattice random Schrödinger dynamics to the linear Boltzmann prediction.

For lattice white noise of variance σ² the kinetic equation predicts, from a plane wave at :math:`k_0`
with :math:`E = \\omega(k_0)` and total rate :math:`\\Sigma(E)`, at kinetic time :math:`\\tau = \\lambda^2 t`:

* d = 1 (shell :math:`\\{k_0, -k_0\\}`): mass near :math:`+k_0`, :math:`M_+(\\tau) = (1 + e^{-\\Sigma\\tau})/2`;
* d = 2: mass left in the initial mode, :math:`S(\\tau) = e^{-\\Sigma\\tau}`.

:func:`convergence_table` simulates the disorder-averaged observable at :math:`\\tau = \\kappa/\\Sigma`
(``sigma_tau`` = κ) for a list of couplings, with the torus size scaled with ``t`` and one extra row at 2L
(finite-size check). ``total_rate`` is supplied by the caller (the project passes its derived kernel);
``__main__`` uses the closed forms :math:`\\Sigma = 2\\pi\\sigma^2 n_d(E)`,
:math:`n_1 = 1/(\\pi\\sqrt{E(2-E)})`, :math:`n_2 = \\pi^{-2}K(1-(1-E/2)^2)`.

Findings (σ = 1; full run ≈ 2.5 min on 2 shared cores): in d = 2 the survival converges to
:math:`e^{-\\Sigma\\tau}` (|diff| ≤ 2 SE for λ ≤ 0.2; L and 2L agree). In d = 1 the deviation does *not*
vanish as λ → 0: after removing the O(λ²) scale δ₁, M₊ at λ = 0.05 stays below (1 + e^{−Στ})/2 by
≈ 0.004–0.005 (± 0.0013) at Στ = 1 and ≈ 0.017 ± 0.003 at Στ = 2 (≈ 0.002 ± 0.0014 at Στ = ½). The
shell {±k₀} is exactly the backscattering direction, so crossed (coherent-backscattering) diagrams are
not suppressed (1D localisation length ~ mean free path). At the band centre k₀ = 1/4 (E = 1) the sign
flips (+0.015 at λ = 0.05; Kappus–Wegner anomaly, 4k₀ ∈ ℤ).

Run ``python benchmarks/microscopic_convergence.py [--quick] [--json] [--dim 1|2] [--lams 0.2,0.1]
[--sigma-tau 1] [--k0 1/5]``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

try:
    from kernels.exact.random_schrodinger import lattice_dispersion, mode_mask, simulate, window_mask
except ModuleNotFoundError:  # run as a script from anywhere
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from kernels.exact.random_schrodinger import lattice_dispersion, mode_mask, simulate, window_mask
from scipy.special import ellipk

__all__ = ["closed_form_total_rate", "kinetic_prediction", "default_momentum", "torus_size",
           "first_order_correction", "convergence_table", "to_markdown"]

#: initial momentum (fraction of the torus) per dimension: away from van Hove points and, in d = 1, from
#: the band centre k0 = 1/4 (Kappus–Wegner commensurability 4k0 ∈ ℤ, where V̂(1/2) is real)
DEFAULT_K0 = {1: (1, 5), 2: (1, 6)}  # k0 = numerator/denominator in every component


def closed_form_total_rate(dim: int, sigma: float = 1.0) -> Callable[[float], float]:
    """:math:`\\Sigma(E) = 2\\pi\\sigma^2 n_d(E)` from the closed-form lattice densities of states."""
    def rate(energy: float) -> float:
        if dim == 1:
            n = 1.0 / (math.pi * math.sqrt(energy * (2.0 - energy)))
        elif dim == 2:
            n = float(ellipk(1.0 - (1.0 - energy / 2.0) ** 2)) / math.pi ** 2
        else:
            raise ValueError(f"no closed form for dimension {dim}")
        return 2.0 * math.pi * sigma ** 2 * n
    return rate


def kinetic_prediction(dim: int, rate_tau: float) -> float:
    """:math:`(1+e^{-\\Sigma\\tau})/2` for d = 1, :math:`e^{-\\Sigma\\tau}` for d ≥ 2."""
    return 0.5 * (1.0 + math.exp(-rate_tau)) if dim == 1 else math.exp(-rate_tau)


def default_momentum(dim: int, L: int, k0: tuple[int, int] | None = None) -> tuple[int, ...]:
    """``k0_index`` = L·num/den in every component; default 1/5 (d = 1, E ≈ 0.691), 1/6 (d = 2, E = 1)."""
    num, den = k0 or DEFAULT_K0[dim]
    if (L * num) % den:
        raise ValueError(f"k0 = {num}/{den} is not a lattice momentum for L = {L}")
    return (L * num // den,) * dim


def _period(dim: int, k0: tuple[int, int]) -> int:
    """L must be a multiple of this: k0·L integer (and, in d = 1, the window L/10)."""
    return math.lcm(k0[1], 10) if dim == 1 else k0[1]


def _speed(dim: int, k0: tuple[int, int]) -> float:
    """:math:`|v(k_0)|` with :math:`v = (2\\pi)^{-1}\\nabla\\omega = (\\sin 2\\pi k_j)_j`."""
    return math.sqrt(dim) * abs(math.sin(2 * math.pi * k0[0] / k0[1]))


def torus_size(dim: int, t: float, resolution: float = 2.0, k0: tuple[int, int] | None = None) -> int:
    """Smallest admissible L with :math:`L \\ge c_d\\,|v|\\,t`.

    d = 1: :math:`c_1 = 2\\pi\\cdot` ``resolution`` (momentum spacing resolves the energy width 1/t:
    :math:`2\\pi|v|/L \\le 1/(\\text{resolution}\\cdot t)`); d = 2: :math:`c_2` = ``resolution`` (torus images of the
    free return amplitude, speed ≤ 1 per axis, arrive after t). Both are checked by the 2L rows.
    """
    k0 = k0 or DEFAULT_K0[dim]
    c = 2 * math.pi * resolution if dim == 1 else resolution
    period = _period(dim, k0)
    return max(4 * period, period * math.ceil(c * _speed(dim, k0) * t / period))


def first_order_correction(dim: int, L: int, k0_index, t: float, lam: float, sigma: float, keep: np.ndarray,
                           kinetic_loss: float) -> float:
    """O(λ²) finite-λ correction δ₁ of the observable "mass in ``keep``" from first-order perturbation theory.

    .. math:: \\delta_1 = \\ell - \\frac{\\lambda^2\\sigma^2}{L^d}\\sum_{k\\notin\\text{keep}}
              \\frac{2(1-\\cos\\Delta_k t)}{\\Delta_k^2},\\qquad \\Delta_k = \\omega(k)-\\omega(k_0),

    with ℓ = ``kinetic_loss`` the first-order kinetic loss from ``keep`` (Στ/2 in d = 1, Στ in d = 2): the
    off-shell mass and the finite-t correction to the golden rule (white noise).
    """
    omega = lattice_dispersion(dim, L)
    delta = omega - omega[tuple(np.broadcast_to(k0_index, (dim,)))]
    tiny = np.abs(delta) < 1e-12
    kernel = np.where(tiny, t * t, 2.0 * (1.0 - np.cos(delta * t)) / np.where(tiny, 1.0, delta) ** 2)
    return float(kinetic_loss - lam ** 2 * sigma ** 2 * kernel[~keep].sum() / L ** dim)


def _pooled(chunks: Sequence[tuple[int, float, float]]) -> tuple[int, float, float]:
    """Pool (n, mean, SE) of independent chunks into (n, mean, SE) of the union (exact sample variance)."""
    n = sum(c[0] for c in chunks)
    mean = sum(c[0] * c[1] for c in chunks) / n
    ss = sum((c[0] - 1) * c[0] * c[2] ** 2 + c[0] * (c[1] - mean) ** 2 for c in chunks)
    return n, mean, math.sqrt(ss / (n - 1) / n)


def _measure(dim: int, L: int, k0: tuple[int, ...], lam: float, sigma: float, t: float, rate_tau: float,
             target_error: float, pilot: int, max_samples: int, row_seconds: float, seed: tuple[int, ...]) -> dict:
    if dim == 1:
        masks = {"plus": window_mask(1, L, k0, L // 10), "minus": window_mask(1, L, tuple(-k for k in k0), L // 10)}
    else:
        masks = {"k0": mode_mask(dim, L, k0)}
    key = "plus" if dim == 1 else "k0"
    start = time.monotonic()
    chunks: list[tuple[int, object]] = []  # (samples, SimulationResult); rounds until the target is met

    def pool() -> dict:
        return {name: _pooled([(n_r, r.observables[name].value, r.observables[name].error) for n_r, r in chunks])
                for name in masks}

    size = pilot
    for round_ in range(4):
        chunks.append((size, simulate(dim, L, lam, sigma, t, k0, size, seed=[*seed, round_], masks=masks,
                                      label=f"d={dim} λ={lam} L={L}")))
        n, _, err = pool()[key]
        elapsed = time.monotonic() - start
        if err <= target_error or n >= max_samples or elapsed >= row_seconds:
            break
        wanted = math.ceil(1.2 * n * (err / target_error) ** 2) - n
        affordable = int((row_seconds - elapsed) / (elapsed / n))
        size = min(wanted, affordable, max_samples - n)
        if size < 2:
            break
    pooled = pool()
    n, value, err = pooled[key]
    delta1 = first_order_correction(dim, L, k0, t, lam, sigma, masks[key], rate_tau / 2 if dim == 1 else rate_tau)
    out = {"samples": n, "value": value, "stat_error": err, "delta1": delta1, "n_terms": chunks[-1][1].n_terms,
           "seconds": time.monotonic() - start}
    if dim == 1:
        minus = pooled["minus"][1]
        out["shell_fraction"] = value / (value + minus)
        out["mass_minus"] = minus
    return out


def convergence_table(dim: int, total_rate: Callable[[float], float], *,
                      lams: Sequence[float] | None = None, sigma: float = 1.0, sigma_tau: float = 1.0,
                      finite_size_lams: Sequence[float] = (0.1,), resolution: float | None = None,
                      target_error: float = 0.0015, pilot: int | None = None, max_samples: int = 4096,
                      row_seconds: float = 30.0, k0: tuple[int, int] | None = None, seed: int = 0) -> list[dict]:
    """Exact vs kinetic observable at :math:`\\tau = \\kappa/\\Sigma(E)` for each coupling λ.

    Parameters
    ----------
    dim
        1 (observable :math:`M_+`, mass within L/10 modes of :math:`+k_0`) or 2 (:math:`S`, initial mode).
    total_rate
        :math:`E \\mapsto \\Sigma(E)`, the total scattering rate of the kinetic equation in units of
        :math:`\\tau = \\lambda^2 t` for this σ (a float or anything ``float()`` accepts, e.g. an Estimate).
    lams, sigma, sigma_tau
        Couplings (default 0.4, 0.2, 0.1, 0.05 in d = 1 and 0.4, 0.2, 0.1, 0.07 in d = 2, where λ = 0.05
        would need L ≈ 710 and ~700 Chebyshev terms, ~1 min per sample on 2 cores), white-noise standard
        deviation, and κ = Στ.
    finite_size_lams
        Couplings repeated at twice the torus size.
    resolution
        ``c`` in :func:`torus_size` (default 2).
    target_error, pilot, max_samples, row_seconds
        Samples are added in up to four rounds, starting with ``pilot`` (default 32 in d = 1, 8 in d = 2),
        until the standard error reaches ``target_error``, ``max_samples`` are used or ``row_seconds`` have
        passed (each round is sized from the pooled variance and the measured time per sample).

    Returns
    -------
    list of dict
        Keys ``dim, lam, L, t, tau, E, rate, samples, observable, value, stat_error, prediction, abs_diff,
        ratio`` (= abs_diff/stat_error), ``delta1`` (first-order perturbation theory's O(λ²) term, a scale
        for the finite-λ correction, see :func:`first_order_correction`), ``finite_size_check, n_terms,
        seconds`` (+ ``shell_fraction`` = M₊/(M₊ + M₋) in d = 1).
    """
    if dim not in (1, 2):
        raise ValueError("dim must be 1 or 2")
    lams = lams if lams is not None else ((0.4, 0.2, 0.1, 0.05) if dim == 1 else (0.4, 0.2, 0.1, 0.07))
    resolution = resolution if resolution is not None else 2.0
    pilot = pilot if pilot is not None else (32 if dim == 1 else 8)
    k0 = k0 or DEFAULT_K0[dim]
    energy = dim * (1.0 - math.cos(2 * math.pi * k0[0] / k0[1]))
    rate = float(total_rate(energy))
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"total_rate({energy}) = {rate} is not a positive finite number")
    tau = sigma_tau / rate
    prediction = kinetic_prediction(dim, rate * tau)
    plan = [(lam, False) for lam in lams] + [(lam, True) for lam in finite_size_lams]
    rows = []
    for i, (lam, doubled) in enumerate(plan):
        t = tau / lam ** 2
        L = torus_size(dim, t, resolution, k0) * (2 if doubled else 1)
        m = _measure(dim, L, default_momentum(dim, L, k0), lam, sigma, t, rate * tau, target_error, pilot,
                     max_samples, row_seconds, seed=(seed, dim, i))
        diff = abs(m["value"] - prediction)
        rows.append({"dim": dim, "k0": f"{k0[0]}/{k0[1]}", "lam": lam, "L": L, "t": t, "tau": tau, "E": energy,
                     "rate": rate,
                     "observable": "M_+ (mass near +k0)" if dim == 1 else "S (mass in k0)",
                     "prediction": prediction, "abs_diff": diff, "ratio": diff / m["stat_error"],
                     "finite_size_check": doubled, **m})
    return rows


def to_markdown(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    head = ("| d | λ | L | t | samples | simulated ± stat | kinetic | \\|diff\\| | diff/stat | O(λ²) scale δ₁ | "
            "shell frac. | s |\n|---|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        frac = f"{r['shell_fraction']:.4f}" if "shell_fraction" in r else "–"
        tag = " (2L)" if r["finite_size_check"] else ""
        lines.append(f"| {r['dim']} | {r['lam']} | {r['L']}{tag} | {r['t']:.1f} | {r['samples']} | "
                     f"{r['value']:.4f} ± {r['stat_error']:.4f} | {r['prediction']:.4f} | {r['abs_diff']:.4f} | "
                     f"{r['ratio']:.1f} | {r['delta1']:+.4f} | {frac} | {r['seconds']:.1f} |")
    return "\n".join(lines)


def _write_docs_data(rows: list[dict], sigma_tau: float, seconds: float) -> None:
    """Store the table (prediction from the derived kernel) for ``derive docs``."""
    from pathlib import Path
    out = Path(__file__).resolve().parent.parent / "docs" / "equations" / "data" / "linear-boltzmann-microscopic.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    blob = {"generated_by": "python benchmarks/microscopic_convergence.py --write-docs",
            "description": (f"Exact lattice dynamics (Chebyshev propagation, i.i.d. Gaussian potential σ² = 1, "
                            f"periodic torus of side L) averaged over disorder, at kinetic time Στ = {sigma_tau:g}, "
                            "against the derived linear Boltzmann prediction (Σ from the derived kernel): "
                            "d = 1 mass near +k₀, (1 + e^{−Στ})/2; d = 2 mass left in the initial mode, e^{−Στ}. "
                            f"Rows marked by a doubled L are finite-size checks. Total run time {seconds:.0f} s."),
            "notes": ("Finding: d = 2 converges (|diff| within ~2 standard errors for λ ≤ 0.2, L and 2L agree). "
                      "In d = 1 the deviation shrinks like λ² at first but a residual ≈ 0.005 (Στ = 1) does not "
                      "vanish as λ → 0: on the 1-D shell {±k₀} crossed (coherent backscattering) graphs are not "
                      "suppressed (1-D localization length ~ mean free path); the kinetic description holds in "
                      "d = 1 only at short kinetic times."),
            "rows": [{"dim": r["dim"], "lam": r["lam"], "L": r["L"], "t": r["t"], "samples": r["samples"],
                      "simulated": r["value"], "stat_error": r["stat_error"], "prediction": r["prediction"],
                      "finite_size_check": r["finite_size_check"]} for r in rows]}
    out.write_text(json.dumps(blob, indent=1) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="λ ∈ {0.4, 0.2, 0.1}, fewer samples")
    parser.add_argument("--lams", type=lambda s: tuple(float(x) for x in s.split(",")), help="e.g. 0.2,0.1,0.05")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--dim", type=int, choices=(1, 2), action="append", help="dimension(s) (default both)")
    parser.add_argument("--sigma-tau", type=float, default=1.0, help="kinetic time in units of 1/Σ")
    parser.add_argument("--write-docs", action="store_true",
                        help="use the DERIVED kernel's Σ(E) and store the table for the equation page")
    parser.add_argument("--k0", type=lambda s: tuple(int(x) for x in s.split("/")),
                        help="initial momentum num/den in every component (default 1/5 in d=1, 1/6 in d=2)")
    args = parser.parse_args(argv)
    dims = args.dim or [1, 2]
    rows, start = [], time.monotonic()
    for dim in dims:
        opts = dict(lams=(0.4, 0.2, 0.1), finite_size_lams=(0.2,), target_error=0.003, row_seconds=10.0) \
            if args.quick else {}
        if args.lams:
            opts["lams"] = args.lams
        if args.k0:
            opts["k0"] = args.k0
        rate = closed_form_total_rate(dim)
        if args.write_docs:
            from derive.pipeline import kernels_for
            kern = kernels_for("linear-boltzmann", {"space": "lattice", "dim": str(dim), "correlation": "white"})
            rate = lambda E, kern=kern: float(kern.total_rate_at_energy(E).value)  # noqa: E731
        rows += convergence_table(dim, rate, sigma_tau=args.sigma_tau, **opts)
    if args.write_docs:
        _write_docs_data(rows, args.sigma_tau, time.monotonic() - start)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        k0s = ", ".join(f"d = {d}: k0 = {r['k0']}, E = {r['E']:.3f}" for d in dims
                        for r in [next(x for x in rows if x["dim"] == d)])
        print(f"Exact dynamics vs linear Boltzmann at Στ = {args.sigma_tau} (σ = 1; {k0s}); "
              f"total {time.monotonic() - start:.0f} s\n")
        print(to_markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
