"""Kinetic limit of the graphs order by order (derive/diagrams/kinetic.py): ladder ↔ Dyson identity, power counting,
and the numeric tie-in with exact finite-λ ring values through the derived Boltzmann kernels (d = 1).

References are written here independently: the Dyson term as the sum over all words in {𝒢, −Σ}; single-graph limits
by hand from the rules (rung 𝒢, recollisions −(½Σ ± iΘ), time simplices); the d = 1 rate Σ(k) = 2σ²/|sin 2πk| and
the two-state chain P₊(τ) = (1 + e^{−2rτ})/2 in closed form; the power-counting classes against classify.py.
"""
from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive.conventions import tau
from derive.diagrams.classify import classify
from derive.diagrams.enumerate import enumerate_order
from derive.diagrams.enumerate import iter_partner_blocks
from derive.diagrams.kinetic import (G_OP, SIGMA_OP, THETA_OP, NotADecoratedLadder, derive_pair_weights,
                                     dyson_term, evaluate_operator_polynomial, free_times_array, graph_kinetic_limit,
                                     kinetic_limit_derivation, ladder_structure, macroscopic_clusters,
                                     order_kinetic_limit, power_count)
from derive.ir import Approximation

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

G, S, T = G_OP, SIGMA_OP, THETA_OP
A_PSI = S / 2 + sp.I * T        # minus the ψ-line recollision, written by hand
A_CONJ = S / 2 - sp.I * T


def _dyson_reference(M: int) -> sp.Expr:
    """τ^M/M! (𝒢 − Σ)^M as the sum over all 2^M words in {𝒢, −Σ} (not via sympy's power expansion)."""
    words = sum((sp.Mul(*w) for w in itertools.product((G, -S), repeat=M)), sp.Integer(0))
    return sp.expand(tau ** M / sp.factorial(M) * words)


# ----------------------------------------------------------------------------------------------- weights
def test_pair_weights_are_derived_gain_and_half_rate():
    weights, steps = derive_pair_weights()
    assert sp.expand(weights.rung - G) == 0
    assert sp.expand(weights.psi_recollision + A_PSI) == 0
    assert sp.expand(weights.conj_recollision + A_CONJ) == 0
    assert {st.name for st in steps} >= {"vertex_factors", "pair_time_integrals", "operators", "pair_weights"}


def test_pair_weights_do_not_depend_on_the_model():
    from derive.pipeline import derive_equation
    eq = derive_equation("linear-boltzmann", {"space": "lattice", "dim": 2})
    assert derive_pair_weights(eq)[0] == derive_pair_weights()[0]


# ----------------------------------------------------------------------------------------------- the identity
@pytest.mark.parametrize("M", [1, 2, 3, 4, 5])
def test_summed_graph_limits_equal_dyson_term(M):
    lim = order_kinetic_limit(M)
    assert sp.expand(lim.total - _dyson_reference(M)) == 0
    assert not lim.total.has(THETA_OP)                      # the PV shifts cancel between the lines
    assert sum(lim.graphs.values()) == (2 * M + 1) * int(sp.factorial2(2 * M - 1))
    assert lim.contributing == {"decorated-ladder": lim.graphs["decorated-ladder"]}
    assert sp.expand(dyson_term(M) - _dyson_reference(M)) == 0


@pytest.mark.parametrize("M", [1, 2, 3])
def test_mutated_recollision_weight_breaks_the_identity(M):
    """Recollision −Σ (instead of −½Σ), or the same sign of iΘ on both lines: the identity must fail."""
    weights = derive_pair_weights()[0]
    full_rate = replace(weights, psi_recollision=-S - sp.I * T, conj_recollision=-S + sp.I * T)
    assert sp.expand(order_kinetic_limit(M, full_rate).total - _dyson_reference(M)) != 0
    same_sign = replace(weights, conj_recollision=weights.psi_recollision)
    assert sp.expand(order_kinetic_limit(M, same_sign).total - _dyson_reference(M)) != 0
    no_gain = replace(weights, rung=G / 2)
    assert sp.expand(order_kinetic_limit(M, no_gain).total - _dyson_reference(M)) != 0


@pytest.mark.parametrize("graph, expected", [
    ((1, 1, ((1, 2),)), tau * G),
    ((2, 0, ((1, 2),)), -tau * A_PSI),
    ((0, 2, ((1, 2),)), -tau * A_CONJ),
    ((2, 2, ((1, 4), (2, 3))), tau ** 2 / 2 * G ** 2),                                  # basic ladder
    ((4, 0, ((1, 2), (3, 4))), tau ** 2 / 2 * A_PSI ** 2),
    ((2, 2, ((1, 2), (3, 4))), tau ** 2 / 2 * (A_PSI * A_CONJ + A_CONJ * A_PSI)),          # ℓ^1·ℓ^1 = 2 sectors
    ((3, 1, ((1, 2), (3, 4))), -tau ** 2 / 2 * G * A_PSI),                               # recollision, then rung
    ((3, 1, ((1, 4), (2, 3))), -tau ** 2 / 2 * A_PSI * G),                               # rung, then recollision
    ((1, 3, ((1, 2), (3, 4))), -tau ** 2 / 2 * G * A_CONJ),                              # conj 3~4 before the rung
    ((3, 3, ((1, 6), (2, 5), (3, 4))), tau ** 3 / 6 * G ** 3),
    ((4, 2, ((1, 2), (3, 6), (4, 5))), -tau ** 3 / 6 * G ** 2 * A_PSI),                   # ∫T₁ = τ³/6
    ((4, 2, ((1, 6), (2, 3), (4, 5))), -tau ** 3 / 6 * G * A_PSI * G),                   # ∫(T₂ − T₁) = τ³/6
    ((2, 4, ((1, 2), (3, 4), (5, 6))), -tau ** 3 / 6 * (A_PSI * A_CONJ ** 2 + A_CONJ * A_PSI * A_CONJ
                                                         + A_CONJ ** 2 * A_PSI)),          # ℓ·ℓ²/2 = 3 sectors of ℓ³/6
])
def test_single_graph_limits_by_hand(graph, expected):
    assert sp.expand(graph_kinetic_limit(graph) - sp.expand(expected)) == 0


# ----------------------------------------------------------------------------------------------- power counting
@pytest.mark.parametrize("M", [1, 2, 3, 4, 5])
def test_power_counting_separates_ladders_from_crossing_and_nesting(M):
    max_free = {}
    for g in enumerate_order(M):
        pc = power_count(g)
        cls = classify(g)                                   # independent classification (classify.py)
        assert pc.survives == (cls == "decorated-ladder"), g
        assert pc.relative_order == 0 if cls == "decorated-ladder" else pc.relative_order >= 2
        max_free[cls] = max(max_free.get(cls, 0), pc.free_times)
        if cls != "decorated-ladder":
            assert graph_kinetic_limit(g) == 0, g
    assert max_free["decorated-ladder"] == M
    for cls in ("nesting", "crossing"):
        if M >= 2:
            assert max_free[cls] == M - 1                   # O(λ²) relative, attained


@pytest.mark.parametrize("M", [2, 3, 4])
def test_cluster_fixed_point_equals_strong_components(M):
    """Two algorithms for F: the per-graph fixed point and the vectorised strongly-connected-component count."""
    for n in range(2 * M + 1):
        for rows in iter_partner_blocks(n, 2 * M - n):
            for row, free in zip(rows, free_times_array(rows, n)):
                g = (n, 2 * M - n, tuple((a + 1, int(b) + 1) for a, b in enumerate(row) if b > a))
                assert power_count(g).free_times == free, g


@pytest.mark.parametrize("graph, clusters", [
    ((4, 0, ((1, 4), (2, 3))), 1),                           # nesting: 2~3 inside 1~4
    ((4, 0, ((1, 3), (2, 4))), 1),                           # single-line crossing
    ((2, 2, ((1, 3), (2, 4))), 1),                           # crossed rungs: s1 < s2 ≈ u4 < u3 ≈ s1
    ((3, 1, ((1, 3), (2, 4))), 1),                           # a rung vertex inside a same-line chord
    ((6, 0, ((1, 3), (2, 4), (5, 6))), 2),                   # crossing + an independent recollision
    ((3, 3, ((1, 5), (2, 6), (3, 4))), 2),                   # crossing rungs 1~5, 2~6 + rung 3~4
    ((6, 0, ((1, 6), (2, 3), (4, 5))), 1),
])
def test_clusters_of_small_graphs(graph, clusters):
    assert len(macroscopic_clusters(graph)) == clusters
    with pytest.raises(NotADecoratedLadder):
        ladder_structure(graph)


def test_ladder_structure_reads_gaps():
    st = ladder_structure((4, 2, ((1, 2), (3, 6), (4, 5))))
    assert st.rungs == ((3, 6), (4, 5)) and st.gaps == ((1, 0), (0, 0), (0, 0))
    st = ladder_structure((1, 3, ((1, 2), (3, 4))))        # conj 3~4 are the two earliest conj vertices
    assert st.gaps == ((0, 1), (0, 0))


# ----------------------------------------------------------------------------------------------- derivation record
def test_derivation_records_kinetic_limit_and_resummation():
    d = kinetic_limit_derivation(3)
    kinds = {st.approximation for st in d.steps}
    assert Approximation.KINETIC_LIMIT in kinds and Approximation.RESUMMATION in kinds
    discards = " ".join(x for st in d.steps for x in st.discards)
    for needed in ("crossing graphs", "nesting graphs", "PV energy shifts"):
        assert needed in discards
    assert sp.expand(d.step("order_3").expr.lhs - _dyson_reference(3)) == 0


# ----------------------------------------------------------------------------------------------- numeric tie-in (d = 1)
def test_shell_operators_from_the_derived_kernels():
    import ladder_limit as ll
    k0, sigma = 0.1, 0.8
    ops = ll.shell_operators_1d(k0, sigma)
    rate = 2 * sigma ** 2 / abs(np.sin(2 * np.pi * k0))    # Σ(k) = ∫2πσ²δ(ω(k) − ω(p))dp, written here
    assert np.allclose(ops[S], rate * np.eye(2), rtol=1e-10)
    assert np.allclose(ops[G], rate / 2 * np.ones((2, 2)), rtol=1e-10)     # the shell {k0, −k0}, half each
    assert np.max(np.abs(ops[T])) < 1e-12                   # Re G(E + i0) = 0 inside the band of the 1-D chain
    poly = order_kinetic_limit(2).total
    r = rate / 2                                           # two-state chain: P₊ = (1 + e^{−2rτ})/2 → r²τ² at τ²
    assert ll.kinetic_forward_mass(poly, 0.7, k0, sigma) == pytest.approx((r * 0.7) ** 2, rel=1e-10)
    assert ll.kinetic_forward_mass(order_kinetic_limit(1).total, 0.7, k0, sigma) == pytest.approx(-r * 0.7, rel=1e-10)


def _ring_lambda4(lam: float, tau_: float = 0.5, k0: float = 0.25) -> dict:
    import ladder_limit as ll
    t = tau_ / lam ** 2
    L = max(64, int(4 * np.ceil(8 * t / 4)))
    return {g: lam ** 4 * v for g, v in ll.forward_mass_by_graph(4, L, t, int(round(k0 * L)) % L).items()}


def test_graph_limits_match_exact_ring_values_order_lambda4():
    """Each λ⁴ decorated ladder → its own operator limit, relative deviation ≤ 0.35 λ (observed ≈ 0.25 λ, the
    one-rung graphs converge like λ); their sum → τ²/2 (𝒢 − Σ)² within 0.5 λ² (observed 1.3e-2, 1.5e-3)."""
    import ladder_limit as ll
    tau_, k0 = 0.5, 0.25
    ops = ll.shell_operators_1d(k0)
    weights = derive_pair_weights()[0]
    mutated = replace(weights, psi_recollision=-S - sp.I * T, conj_recollision=-S + sp.I * T)
    worst = {}
    for lam in (0.2, 0.14):
        ring = _ring_lambda4(lam, tau_, k0)
        ladder_sum = 0.0
        for g, value in ring.items():
            limit = graph_kinetic_limit(g)
            if limit == 0:
                continue
            pred = evaluate_operator_polynomial(limit, ops, {tau: tau_})[0, 0]
            rel = abs(value - pred) / abs(pred)
            assert rel <= 0.35 * lam, (lam, g, value, pred)
            worst[lam] = max(worst.get(lam, 0.0), rel)
            ladder_sum += value.real
            if g == (4, 0, ((1, 2), (3, 4))):               # the mutation is far outside the tolerance
                wrong = evaluate_operator_polynomial(graph_kinetic_limit(g, mutated), ops, {tau: tau_})[0, 0]
                assert abs(value - wrong) > 10 * 0.35 * lam * abs(pred)
        summed = ll.kinetic_forward_mass(order_kinetic_limit(2).total, tau_, k0)
        r = 1.0 / abs(np.sin(2 * np.pi * k0))               # Σ/2 with σ = 1, closed form
        assert summed.real == pytest.approx((r * tau_) ** 2, rel=1e-12)
        assert abs(ladder_sum - summed.real) <= 0.5 * lam ** 2 * abs(summed)
    assert worst[0.14] < worst[0.2]                         # converging as λ → 0


def test_order_lambda2_graphs_match_tau_times_generator():
    import ladder_limit as ll
    lam, tau_, k0 = 0.14, 0.5, 0.25
    t = tau_ / lam ** 2
    L = max(64, int(4 * np.ceil(8 * t / 4)))
    ring = ll.forward_mass_by_graph(2, L, t, int(round(k0 * L)) % L)
    ops = ll.shell_operators_1d(k0)
    for g, value in ring.items():
        pred = evaluate_operator_polynomial(graph_kinetic_limit(g), ops, {tau: tau_})[0, 0]
        assert abs(lam ** 2 * value - pred) <= 0.35 * lam * abs(pred), g


def test_committed_page_has_the_kinetic_section():
    page = (ROOT / "docs" / "diagrams.md").read_text()        # kept current by tests/test_docs.py
    section = page[page.index("## Kinetic limit order by order"):]
    assert section.count("equal: yes") == 12 and "equal: NO" not in section
    for needed in ("### Power counting per class", r"\mathcal{G}", "- **crossing**:", "### Recorded derivation",
                   "| 6 | 135135 | 377 | 1339 | 133419 | equal: yes |"):
        assert needed in section, needed
