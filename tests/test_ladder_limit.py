"""d = 2 ladder-limit benchmark (benchmarks/ladder_limit.py --dim 2) and its docs rendering; fast (< 20 s)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import ladder_limit as ll  # noqa: E402
from derive.diagrams.routing import route_momenta  # noqa: E402
from kernels.exact.graph_values import graph_distribution, order_graphs  # noqa: E402


@pytest.mark.parametrize("order", [2, 4])
def test_mode_value_equals_full_distribution_at_k0(order):
    """The constrained / separable sums reproduce graph_distribution read at k0 (all graphs, d = 2)."""
    L, t, k0 = 6, 1.7, (1, 1)
    W0 = np.zeros((L, L))
    W0[k0] = 1.0
    for g in order_graphs(order):
        ref = graph_distribution(route_momenta(g, pinned="initial"), L=L, t=t, W0=W0, dim=2).value[k0]
        val = ll.mode_graph_value(g, L=L, t=t, k0=k0)
        assert abs(val - ref) <= 1e-12 * max(1.0, abs(ref)), g
        mirrored = ll.mode_graph_value(ll.mirror_graph(g), L=L, t=t, k0=k0)
        assert abs(mirrored - np.conj(ref)) <= 1e-12 * max(1.0, abs(ref)), g
        assert ll.graph_class(ll.mirror_graph(g)) == ll.graph_class(g)


def test_mode_value_off_diagonal_k0_and_chunks():
    """A k0 off the diagonal, L = 12, a full-grid (crossing) graph evaluated in several chunks."""
    L, t, k0 = 12, 2.3, (2, 5)
    W0 = np.zeros((L, L))
    W0[k0] = 1.0
    for g in [(4, 0, ((1, 3), (2, 4))), (2, 2, ((1, 2), (3, 4))), (2, 2, ((1, 4), (2, 3))), (3, 1, ((1, 3), (2, 4)))]:
        ref = graph_distribution(route_momenta(g, pinned="initial"), L=L, t=t, W0=W0, dim=2).value[k0]
        assert abs(ll.mode_graph_value(g, L=L, t=t, k0=k0, chunk=5000) - ref) <= 1e-12 * max(1.0, abs(ref)), g


def test_mode_table_row_and_kinetic_terms():
    Sigma = ll.survival_rate_2d((1 / 6, 1 / 6))
    assert 1.3 < Sigma < 1.45
    (row,) = ll.mode_table(0.5, lambdas=(0.4,), L=12)
    assert row.kinetic2 == -0.5 and row.kinetic4 == 0.125
    assert row.t == pytest.approx(0.5 / Sigma / 0.16)
    assert abs(row.order2 / row.kinetic2 - 1) < 0.15          # λ² graphs ≈ −Στ already at λ = 0.4
    assert abs(row.ladder / row.kinetic4 - 1) < 0.35
    assert "| 0.4 |" in ll.markdown_table_2d([row])


def test_cli_dim2_prints_table(capsys):
    assert ll.main(["--dim", "2", "--lambdas", "0.5", "--L", "12"]) == 0
    out = capsys.readouterr().out
    assert "crossing/ladder" in out and "| 0.5 |" in out


def test_committed_2d_data_and_page():
    from derive.diagrams.page import render_diagrams_page
    blob = json.loads((ROOT / "docs" / "data" / "ladder-limit-2d.json").read_text())
    assert {"description", "table"} <= set(blob)
    rows = [r for r in blob["table"].splitlines()[2:]]
    assert len(rows) >= 5
    page = render_diagrams_page(ROOT / "docs")
    assert "### d = 2" in page and blob["table"] in page


def test_page_without_2d_data(tmp_path):
    from derive.diagrams.page import render_diagrams_page
    assert "### d = 2" not in render_diagrams_page(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ladder-limit-2d.json").write_text(json.dumps({"description": "D", "table": "| x |"}))
    page = render_diagrams_page(tmp_path)
    assert "### d = 2" in page and "| x |" in page


def test_d1_ladders_reproduce_boltzmann_dyson_terms_at_small_coupling():
    """λ = 0.14, τ = 0.5, d = 1: the λ² graphs give −rτ and the λ⁴ decorated ladders give r²τ² (the τ²/2·C²W₀
    term of e^{τC}, r = Σ(k₀)/2 from the DERIVED kernel) to < 1 %; crossings stay ≈ 1/3 of the ladders
    (resonant backscattering on the 1-D shell {±k₀}), so the full λ⁴ coefficient is NOT the Boltzmann one."""
    (row,) = ll.ladder_table(0.5, lambdas=(0.14,))
    r = 1.0 / abs(np.sin(2 * np.pi * 0.25))              # Σ(k₀)/2 = σ²/|sin 2πk₀|, closed form (σ = 1)
    # the kinetic columns are the summed graph limits τ(𝒢 − Σ), τ²/2 (𝒢 − Σ)² of derive.diagrams.kinetic evaluated
    # with the derived kernels on {±k₀}; the two-state chain P₊ = (1 + e^{−2rτ})/2 gives −rτ and r²τ²
    assert row.kinetic2 == pytest.approx(-r * 0.5, rel=1e-12) and row.kinetic4 == pytest.approx((r * 0.5) ** 2, rel=1e-12)
    assert abs(row.order2 / row.kinetic2 - 1) < 1e-2
    assert abs(row.ladder / row.kinetic4 - 1) < 1e-2
    assert 0.30 < row.crossing / row.ladder < 0.37
    assert abs(row.nesting / row.ladder) < 3e-2
