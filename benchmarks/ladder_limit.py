r"""Ladder dominance at order λ⁴ on a large 1-D ring, and the ladder ↔ Boltzmann correspondence.

Setting: :math:`H = -\tfrac12\Delta + \lambda V` on :math:`\mathbb{Z}/L`, V i.i.d. N(0, σ²), plane wave at
:math:`k_0` (``W0`` = unit mass at :math:`k_0`), observable the *forward mass*
:math:`P_+ = \sum_{0<k<1/2}\mathbb{E}|\hat\psi_t(k)|^2/L` (``k = 0, 1/2`` with weight ½), at fixed kinetic
time :math:`\tau = \lambda^2 t`. Every λ² and λ⁴ graph is evaluated exactly
(:mod:`kernels.exact.graph_values`) and grouped into decorated ladders, nestings and crossings.

Kinetic prediction. For ``d = 1`` lattice white noise :math:`\sigma(k,p) = 2\pi\sigma^2\delta(\omega(k)-\omega(p))`
(the derived cross-section) and the shell :math:`\{p : \omega(p) = \omega(k)\} = \{k, -k\}`, so

.. math:: C[W](k) = \frac{2\pi\sigma^2}{|\omega'(k)|}\bigl(W(-k) - W(k)\bigr) = \frac{\Sigma(k)}{2}\bigl(W(-k)-W(k)\bigr),
          \qquad \Sigma(k) = \frac{2\sigma^2}{|\sin 2\pi k|},

(the forward root ``p = k`` cancels against half of the loss) with :math:`\Sigma` taken from
``kernels_for("linear-boltzmann", {"space": "lattice", "dim": 1}).total_rate``. For :math:`W_0 = \delta_{k_0}`,
:math:`e^{\tau C}` is a two-state chain with rate :math:`r = \Sigma(k_0)/2`:
:math:`P_+(\tau) = (1 + e^{-2r\tau})/2 = 1 - r\tau + r^2\tau^2 + O(\tau^3)`. The λ² graphs must tend to
:math:`-r\tau` and the λ⁴ decorated ladders to :math:`\tfrac{\tau^2}{2}(C^2W_0)(+) = r^2\tau^2`; nestings and
crossings should vanish as λ → 0 (in d ≥ 2; see below for d = 1).

Finite ring = infinite volume here: every line factor is a trigonometric series in the loop momenta whose
coefficients (Bessel :math:`J_n(t)`) are negligible beyond :math:`|n| \approx t`, so the ring sum is the torus
integral to rounding once :math:`L \gtrsim 2t` (checked: λ = 0.2 gives identical digits for L = 100…800).

Measured (τ = 0.5, k₀ = 1/4, r = 1): the decorated-ladder λ⁴ term tends to r²τ² = 0.25 (deviation ≲ 4e-3
at λ ≤ 0.14, oscillating); nesting is O(1e-2) of the ladders and oscillates; **crossings are not suppressed
in d = 1**: crossing/ladder → ≈ 1/3 (λ⁴ crossing ≈ τ²r²/3). This is the 1-D backscattering resonance
(shell {k, −k}; localization length ∝ mean free path ∝ λ⁻²), so in d = 1 the λ⁴ coefficient of the true
P₊ is ≈ (4/3)r²τ², not the Boltzmann r²τ²; the ladder ↔ Boltzmann identity holds class-wise.

Run ``python benchmarks/ladder_limit.py`` (about a minute at the default sizes); :func:`ladder_table`
returns the rows and :func:`markdown_table` renders them for the docs page.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernels.exact.graph_values import graph_distribution, order_graphs  # noqa: E402

__all__ = ["LadderRow", "graph_class", "boltzmann_rate", "ladder_table", "markdown_table"]


def graph_class(g) -> str:
    """``"decorated-ladder"``, ``"nesting"`` or ``"crossing"`` (seed 003 §5.4 with the errata).

    Uses :func:`derive.diagrams.classify.classify` when available; otherwise the same definitions: a crossing
    has two contractions ``l < j < l' < j'``; a non-crossing graph is a decorated ladder when every same-line
    contraction is an immediate recollision ``l ~ l+1``, and a nesting otherwise.
    """
    n, m, pairs = g
    try:
        from derive.diagrams.classify import classify
        from derive.diagrams.graph import from_pairs
        return classify(from_pairs(n, m, pairs))
    except Exception:  # the diagrams package is developed in parallel: fall back to the definitions above
        pass
    if any(a < c < b < d for (a, b) in pairs for (c, d) in pairs):
        return "crossing"
    same_line = [(a, b) for a, b in pairs if (a <= n) == (b <= n)]
    return "decorated-ladder" if all(b == a + 1 for a, b in same_line) else "nesting"


def boltzmann_rate(k0: float, sigma: float = 1.0) -> float:
    """:math:`r = \\Sigma(k_0)/2 = 2\\pi\\sigma^2/|\\omega'(k_0)|` from the project's Boltzmann kernels."""
    from derive import kernels_for
    return 0.5 * sigma ** 2 * float(kernels_for("linear-boltzmann", {"space": "lattice", "dim": "1"})
                                    .total_rate([k0]).value)


@dataclass(frozen=True)
class LadderRow:
    """One (λ, L) point: contributions to the forward mass P₊ at orders λ² and λ⁴, by class."""

    lam: float
    t: float
    L: int
    order2: float
    ladder: float
    nesting: float
    crossing: float
    kinetic2: float
    kinetic4: float
    seconds: float


def _forward_weights(L: int) -> np.ndarray:
    k = np.arange(L)
    w = ((k > 0) & (k < L / 2)).astype(float)
    w[0] = 0.5
    if L % 2 == 0:
        w[L // 2] = 0.5
    return w


def _forward_mass(order: int, L: int, t: float, k0_index: int, sigma: float) -> dict:
    W0 = np.zeros(L)
    W0[k0_index] = 1.0
    w = _forward_weights(L)
    out = {"decorated-ladder": 0.0, "nesting": 0.0, "crossing": 0.0}
    for g in order_graphs(order):
        dist = graph_distribution(g, L=L, t=t, W0=W0, sigma=sigma)
        out[graph_class(g)] += float(np.real(w @ dist.value))
    return out


def ladder_table(tau: float = 0.5, lambdas=(0.4, 0.28, 0.2, 0.14, 0.1), L: int | None = None,
                 k0: float = 0.25, sigma: float = 1.0, ring_per_time: float = 8.0) -> list[LadderRow]:
    """Rows of :class:`LadderRow` at fixed τ; ``L`` defaults to a multiple of 4 ≥ ``ring_per_time``·t (≥ 64)."""
    r = boltzmann_rate(k0, sigma)
    rows = []
    for lam in lambdas:
        t = tau / lam ** 2
        size = L or max(64, int(4 * np.ceil(ring_per_time * t / 4)))
        k0_index = int(round(k0 * size)) % size
        start = time.monotonic()
        o2 = _forward_mass(2, size, t, k0_index, sigma)
        o4 = _forward_mass(4, size, t, k0_index, sigma)
        rows.append(LadderRow(lam, t, size, lam ** 2 * sum(o2.values()), lam ** 4 * o4["decorated-ladder"],
                              lam ** 4 * o4["nesting"], lam ** 4 * o4["crossing"], -r * tau, (r * tau) ** 2,
                              time.monotonic() - start))
    return rows


def markdown_table(rows: list[LadderRow]) -> str:
    """Markdown table of :func:`ladder_table` rows (contributions to P₊, kinetic values, ratios)."""
    head = ("| λ | t = τ/λ² | L | λ² graphs | kinetic −rτ | λ⁴ ladders | kinetic r²τ² | ladder/kinetic − 1 "
            "| λ⁴ nesting | λ⁴ crossing | nesting/ladder | crossing/ladder |")
    lines = [head, "|" + "---|" * 12]
    for w in rows:
        lines.append(f"| {w.lam:g} | {w.t:.4g} | {w.L} | {w.order2:.6f} | {w.kinetic2:.6f} | {w.ladder:.6f} | "
                     f"{w.kinetic4:.6f} | {w.ladder / w.kinetic4 - 1:+.3e} | {w.nesting:+.3e} | {w.crossing:+.3e} | "
                     f"{w.nesting / w.ladder:+.3e} | {w.crossing / w.ladder:+.3e} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tau", type=float, default=0.5)
    ap.add_argument("--lambdas", type=float, nargs="+", default=[0.4, 0.28, 0.2, 0.14, 0.1])
    ap.add_argument("--L", type=int, default=None, help="ring size (default: ≈ 8 t, multiple of 4)")
    ap.add_argument("--k0", type=float, default=0.25)
    ap.add_argument("--write-docs", action="store_true", help="store the table for docs/diagrams.md")
    args = ap.parse_args(argv)
    rows = ladder_table(args.tau, tuple(args.lambdas), args.L, args.k0)
    r = boltzmann_rate(args.k0)
    if args.write_docs:
        import json
        from pathlib import Path
        out = Path(__file__).resolve().parents[1] / "docs" / "data" / "ladder-limit.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({
            "generated_by": "python benchmarks/ladder_limit.py --write-docs",
            "description": (f"Graph values on the lattice ring (d = 1, i.i.d. potential σ = 1) at fixed kinetic time "
                            f"τ = {args.tau:g}, initial plane wave k0 = {args.k0:g}, r = Σ(k0)/2 = {r:.6g} from the "
                            "derived linear Boltzmann kernel: contributions of each class to the forward mass P₊ "
                            "against the Dyson terms −rτ (λ²) and r²τ² (λ⁴) of e^{τC}."),
            "table": markdown_table(rows)}, indent=1, ensure_ascii=False) + "\n")
    print(f"τ = {args.tau}, k0 = {args.k0}, σ = 1, r = Σ(k0)/2 = {r:.6g}; forward mass P₊ contributions\n")
    print(markdown_table(rows))
    print(f"\n(total {sum(w.seconds for w in rows):.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
