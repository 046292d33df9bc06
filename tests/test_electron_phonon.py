"""Electron–phonon linear Boltzmann equation from the Hamiltonian: typed references, certificates, exact dynamics."""
from __future__ import annotations

import copy
import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.algebra.terms import omega
from derive.catalogue.electron_phonon import (ENTRY, build_model, certify_electron_phonon, electron_phonon_route,
                                              ring_density_change, thermal_occupation, total_rate)
from derive.errors import CertificateFailed, DeriveError, ParameterError, UnknownNameError
from derive.expansion.vertices import Nb, Omega, W, ghat, k, q
from derive.ir import Approximation
from kernels.exact.electron_phonon import (PolaronRing, coupling_hat, electron_second_order_coefficient,
                                           phonon_occupations)

# ----------------------------------------------------------------- independently typed reference (golden rule)
# One electron, phonon mode q with occupation N: absorbing q takes k → k + q at rate 2π|g(q)|²N δ(ω(k+q) − ω(k) − Ω),
# emitting −q (stimulated + spontaneous, N + 1) takes k → k + q at rate 2π|g|²(N + 1)δ(ω(k+q) − ω(k) + Ω), with đq.
# Written per energy shell, gain − loss:
N_q = Nb(q)
REFERENCE = {
    "absorption": (omega(k + q) - omega(k) - Omega(q), ghat(q) ** 2 * ((N_q + 1) * W(k + q) - N_q * W(k))),
    "emission": (omega(k + q) - omega(k) + Omega(q), ghat(q) ** 2 * (N_q * W(k + q) - (N_q + 1) * W(k))),
}


@pytest.fixture(scope="module")
def equation():
    return ENTRY.derive(ENTRY.model({}))


def test_derived_operator_equals_golden_rule_reference(equation):
    for fam, (delta, s_ref) in REFERENCE.items():
        assert sp.expand(equation.results[f"Delta {fam}"] - delta) == 0
        assert sp.expand(equation.results[f"S {fam}"] - s_ref) == 0
        assert sp.expand(equation.results[f"S {fam}"] - 2 * s_ref) != 0          # a wrong constant is caught
    assert equation.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"] == 2 * sp.pi
    want = sum(sp.Integral((2 * sp.pi) ** -3 * 2 * sp.pi * sp.DiracDelta(dl) * s, q) for dl, s in REFERENCE.values())
    assert sp.simplify(equation.equation.rhs - want) == 0


def test_thermal_occupation_is_bose():
    beta = sp.Symbol("beta", positive=True)
    assert sp.simplify(thermal_occupation(q) - 1 / (sp.exp(beta * Omega(q)) - 1)) == 0


def test_pauli_terms_are_dropped_and_recorded(equation):
    """Many-electron sector: gain (N+1)W'(1−W) − loss NW(1−W') (absorption) has the W² part −WW'; emission +WW'."""
    dropped = equation.results["dropped W² part S₊ (absorption, emission)"]
    lam = sp.Symbol("lambda", positive=True)
    mu = sp.Symbol("mu", positive=True)
    pauli = [-W(k) * W(k + q) * ghat(q) ** 2, W(k) * W(k + q) * ghat(q) ** 2]
    for got, want in zip(dropped, pauli):
        assert sp.expand(got - lam ** 2 * mu * want) == 0
    step = equation.derivation.step("one_particle_part")
    assert step.approximation is Approximation.TRUNCATION and "Pauli" in step.discards[0]


def test_derivation_steps(equation):
    names = [s.name for s in equation.derivation.steps]
    for name in ("interaction_picture", "phonon_vertex", "dyson_series", "first_order_vanishes",
                 "wick_double_commutator", "momentum_deltas", "one_particle_part", "canonical_labels", "finite_time",
                 "symmetrize", "principal_value", "kinetic_limit", "collision_kernel", "thermal_phonons"):
        assert name in names


def test_certificates_present_and_can_fail(equation):
    assert {c.name for c in equation.certificates} == {"conservation of ∫W", "detailed balance", "positivity",
                                                      "H-theorem"}
    thermal = {f: sp.expand(equation.results[f"S {f}"].replace(Nb, thermal_occupation)) for f in REFERENCE}
    certify_electron_phonon(thermal)
    swapped = {"absorption": thermal["absorption"],                       # N ↔ N + 1 in emission: breaks balance
               "emission": sp.expand(thermal["emission"] + ghat(q) ** 2 * (W(k) - W(k + q)))}
    with pytest.raises(CertificateFailed):
        certify_electron_phonon(swapped)
    with pytest.raises(CertificateFailed):
        certify_electron_phonon({f: -v for f, v in thermal.items()})
    halved = {"absorption": thermal["absorption"], "emission": thermal["emission"] / 2}
    with pytest.raises(CertificateFailed):
        certify_electron_phonon(halved)


def test_detailed_balance_and_h_theorem_numerically():
    """Independent check on a discrete energy ladder: the typed rates with Bose N satisfy detailed balance for
    e^{−βω}, the generator conserves Σ W, and the relative entropy to e^{−βω} decreases."""
    beta, big_omega = 0.7, 1.0
    levels = np.arange(6) * big_omega                      # ω_j = jΩ: absorption j → j+1, emission j → j−1
    n_bose = 1 / (np.exp(beta * big_omega) - 1)
    gen = np.zeros((6, 6))
    for j in range(5):
        gen[j + 1, j] += n_bose                            # absorption
        gen[j, j + 1] += n_bose + 1                        # emission
    gen -= np.diag(gen.sum(axis=0))
    maxwell = np.exp(-beta * levels)
    assert np.max(np.abs(gen @ maxwell)) < 1e-14 * np.max(maxwell)
    w = np.random.default_rng(3).uniform(0.1, 1.0, 6)
    rel = []
    for _ in range(50):
        rel.append(np.sum(w * np.log(w / (maxwell * w.sum() / maxwell.sum()))))
        w = w + 0.05 * gen @ w
    assert np.all(np.diff(rel) < 0)


# -------------------------------------------------------------------------------- exact dynamics on a ring
RING = PolaronRing(4, omega=(0.0, 0.83, 2.11, 0.97), phonon=(0.9, 1.31, 0.74, 1.31), coupling=(0.8, 0.35, -0.2, 0.35),
                   occupations=(0.4, 0.3, 0.2, 0.1), boltzmann=(0.3, 0.2, 0.35, 0.2), cutoff=2)


@pytest.fixture(scope="module")
def ring_exact():
    return electron_second_order_coefficient(RING, time=1.7, coupling=0.01)


def _predict(route):
    return ring_density_change(route, RING.L, RING.omega, RING.phonon, coupling_hat(RING), RING.occupations,
                               phonon_occupations(RING), 1.7)


def test_finite_time_formula_matches_exact_dynamics(ring_exact):
    pred = _predict(electron_phonon_route())
    rel = np.max(np.abs(pred - ring_exact.value)) / np.max(np.abs(ring_exact.value))
    assert rel <= 1e-6
    assert np.all(np.abs(pred - ring_exact.value) <= ring_exact.error)
    assert np.max(ring_exact.error) / np.max(np.abs(ring_exact.value)) < 1e-6
    assert abs(pred.sum()) < 1e-12                      # ∫W is conserved
    assert np.min(np.abs(ring_exact.value)) > 1e-3      # not trivially zero


def test_wrong_emission_factor_fails_exact_check(ring_exact):
    route = electron_phonon_route()
    fam = route.families["emission"]
    spontaneous_dropped = dataclasses.replace(fam, finite_time={sg: sp.expand(v).subs(W(k), 0) + sp.expand(v).coeff(
        W(k)).subs(Nb(-q), Nb(-q) - 1) * W(k) for sg, v in fam.finite_time.items()})
    bad = dataclasses.replace(route, families={**route.families, "emission": spontaneous_dropped})
    pred = _predict(bad)
    assert np.max(np.abs(pred - ring_exact.value)) / np.max(np.abs(ring_exact.value)) > 1e-2


# --------------------------------------------------------------------------------------- total rate
def test_total_rate_optical_closed_form(equation):
    """g = 1, Ω = 1, β = 1: Γ(k) = [N√(k²+2) + (N+1)√(k²−2)·1(k > √2)]/π (shell intervals in closed form)."""
    n_bose = 1 / (np.e - 1)
    for km in (0.3, 1.0, 2.5):
        est = total_rate(equation, km)
        ref = (n_bose * np.sqrt(km ** 2 + 2) + (n_bose + 1) * np.sqrt(max(km ** 2 - 2, 0.0))) / np.pi
        assert abs(est.value - ref) <= 1e-12 * ref
        assert abs(est.value - ref) <= est.error + 1e-14 * ref


def test_total_rate_acoustic_against_mpmath():
    """Ω = q, g = e^{−q²}, β = 2: Γ = (2πk)^{-1}[∫_{|q/2−1|<k} q g²N dq + ∫_{q/2+1<k} q g²(N+1) dq], 30 digits."""
    eq = ENTRY.derive(ENTRY.model({"Omega": "q", "coupling": "exp(-q**2)", "beta": "2"}))
    mpmath.mp.dps = 30
    try:
        for km in (0.6, 1.7):
            n = lambda x: 1 / (mpmath.exp(2 * x) - 1)  # noqa: E731
            absorb = mpmath.quad(lambda x: x * mpmath.exp(-2 * x ** 2) * n(x), [max(0, 2 - 2 * km), 2 + 2 * km])
            emit = mpmath.quad(lambda x: x * mpmath.exp(-2 * x ** 2) * (n(x) + 1), [0, 2 * km - 2]) if km > 1 else 0
            ref = float((absorb + emit) / (2 * mpmath.pi * km))
            est = ENTRY.evaluate_quantity(eq, "total-rate", {"k": str(km)})
            assert abs(est.value - ref) <= 1e-11 * ref
            assert abs(est.value - ref) <= est.error + 1e-13 * ref
    finally:
        mpmath.mp.dps = 15


def test_collision_optical_closed_form(equation):
    """g = 1, Ω = 1, β = 1, W = e^{−k²}: |k+q|² = k² ± 2 on the shells, ∫q dq over them = 2k√(k² ± 2), so
    C(k) = {[(N+1)W(√(k²+2)) − NW(k)]√(k²+2) + [NW(√(k²−2)) − (N+1)W(k)]√(k²−2)·1(k > √2)}/π."""
    n_bose = 1 / (np.e - 1)
    occ = lambda x: np.exp(-x ** 2)  # noqa: E731
    for km in (0.4, 1.3, 2.2):
        ref = ((n_bose + 1) * occ(np.sqrt(km ** 2 + 2)) - n_bose * occ(km)) * np.sqrt(km ** 2 + 2)
        if km > np.sqrt(2):
            ref += (n_bose * occ(np.sqrt(km ** 2 - 2)) - (n_bose + 1) * occ(km)) * np.sqrt(km ** 2 - 2)
        ref /= np.pi
        est = ENTRY.evaluate_quantity(equation, "collision", {"k": str(km)})
        assert abs(est.value - ref) <= 1e-12 * abs(ref)
        assert abs(est.value - ref) <= est.error + 1e-15


def _radial_moments(eq, weight):
    """∫₀^∞ k² C(k) f(k) dk for f in ``weight``: Gauss–Legendre on [0, √2] and, with k = √2 + u² (the emission
    threshold is a square-root point), on [√2, √2 + 5.6]; W = e^{−k²} is < 10⁻²¹ beyond."""
    x, w = np.polynomial.legendre.leggauss(40)
    ks1, ws1 = np.sqrt(2) * (x + 1) / 2, w * np.sqrt(2) / 2
    us, wu = np.sqrt(5.6) * (x + 1) / 2, w * np.sqrt(5.6) / 2
    ks = np.concatenate([ks1, np.sqrt(2) + us ** 2])
    ws = np.concatenate([ws1, wu * 2 * us])
    c = np.array([float(ENTRY.evaluate_quantity(eq, "collision", {"k": str(kv)}).value) for kv in ks])
    return [np.sum(ws * ks ** 2 * c * f(ks)) for f in weight], np.sum(ws * ks ** 2 * np.abs(c))


def test_collision_conserves_number_and_decreases_relative_entropy(equation):
    (number, entropy), scale = _radial_moments(equation, [np.ones_like, lambda x: -x ** 2 / 2])   # log(W/M)
    assert scale > 0.1
    assert abs(number) <= 1e-12 * scale
    assert entropy < -0.05 * scale          # d/dτ ∫W log(W/M) < 0 away from equilibrium


@pytest.mark.parametrize("params", [{"occupation": "exp(-k**2/2)"},
                                    {"Omega": "q", "coupling": "exp(-q**2)", "beta": "2",
                                     "occupation": "exp(-k**2)"}])
def test_maxwellian_is_stationary_numerically(params):
    eq = ENTRY.derive(ENTRY.model(params))
    for km in (0.5, 1.2, 2.3):
        est = ENTRY.evaluate_quantity(eq, "collision", {"k": str(km)})
        gamma = float(ENTRY.evaluate_quantity(eq, "total-rate", {"k": str(km)}).value)
        assert abs(float(est.value)) <= 1e-14 * gamma
    moved = ENTRY.derive(ENTRY.model({**params, "occupation": "exp(-k**2/3)"}))
    assert abs(float(ENTRY.evaluate_quantity(moved, "collision", {"k": "1.2"}).value)) > 1e-3


def test_evaluate_takes_a_vector(equation):
    vec = ENTRY.evaluate_quantity(equation, "total-rate", {"k": "0.6,0.8,0"})
    rad = ENTRY.evaluate_quantity(equation, "total-rate", {"k": "1"})
    assert abs(vec.value - rad.value) <= 1e-14
    with pytest.raises(ParameterError, match="components"):
        ENTRY.evaluate_quantity(equation, "total-rate", {"k": "0.3,0.4"})
    with pytest.raises(ParameterError, match=r"\|k\| > 0"):
        ENTRY.evaluate_quantity(equation, "total-rate", {"k": "0"})
    two_d = ENTRY.derive(ENTRY.model({"dim": "2"}))
    with pytest.raises(ParameterError, match="dim = 3"):
        ENTRY.evaluate_quantity(two_d, "total-rate", {"k": "1"})


# ------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("params,match", [
    ({"beta": "-1"}, "beta"),
    ({"beta": "0"}, "beta"),
    ({"coupling": "I*q"}, "complex"),
    ({"coupling": "exp(-q**"}, "cannot parse"),
    ({"coupling": "exp(-p**2)"}, "unknown name"),
    ({"Omega": "-1"}, "Omega"),
    ({"Omega": "0*q"}, "Omega"),
    ({"dim": "4"}, "dim"),
    ({"occupation": "-exp(-k**2)"}, "negative"),
    ({"occupation": "exp(I*k)"}, "real"),
])
def test_bad_input_one_line_errors(params, match):
    with pytest.raises(ParameterError, match=match) as info:
        ENTRY.model(params)
    assert "\n" not in str(info.value)


def test_unknown_parameter():
    with pytest.raises(UnknownNameError):
        ENTRY.model({"temperature": "1"})
    assert build_model({"Omega": "q", "beta": "2.5"}).beta == 2.5
    same_as_electron = ENTRY.derive(ENTRY.model({"Omega": "q**2/2"}))   # absorption shell |q²/2 − Ω| < kq: all q
    with pytest.raises(DeriveError, match="unbounded"):
        total_rate(same_as_electron, 1.0)


# ------------------------------------------------------------------------------------------ generated page
def _page_data_small():
    """Real quadrature rows (two cases, the acoustic one at the threshold k = 1 where the emission shell closes);
    the exact-ring and residual rows are formatting fixtures here (their computation is tested above)."""
    from derive.catalogue.pages.electron_phonon import QUADRATURE_CASES, quadrature_rows
    cases = ((QUADRATURE_CASES[0][0], QUADRATURE_CASES[0][1], (1.6,)),
             (QUADRATURE_CASES[1][0], QUADRATURE_CASES[1][1], (1.0,)))
    return {"quadrature": quadrature_rows(cases),
            "exact": [{"lambda": 0.01, "t": 1.7, "k_index": 2, "exact": -0.25, "formula": -0.25, "rel_diff": 1e-8,
                       "error": 7e-8, "within_error": True, "sum_formula": 0.0}],
            "certificate_residuals": [{"certificate": "conservation of ∫W", "test": "fixture", "residual": 1e-15,
                                       "expected": "0"}]}


@pytest.fixture(scope="module")
def page_small():
    return _page_data_small()


def test_quadrature_rows_match_independent_reference(page_small):
    rows = page_small["quadrature"]
    assert {(r["case"], r["quantity"]) for r in rows} == {(c, q) for c in ("optical", "acoustic")
                                                          for q in ("total-rate", "collision")}
    for r in rows:
        assert r["inside"] and r["rel_diff"] <= 1e-13
        assert r["reference_error"] <= 1e-25 * abs(r["reference"])
    # the acoustic threshold value against the closed-form interval of the test above (absorption only at k = 1)
    mpmath.mp.dps = 30
    try:
        n = lambda x: 1 / (mpmath.exp(2 * x) - 1)  # noqa: E731
        ref = float(mpmath.quad(lambda x: x * mpmath.exp(-2 * x ** 2) * n(x), [0, 4]) / (2 * mpmath.pi))
    finally:
        mpmath.mp.dps = 15
    acoustic = next(r for r in rows if r["case"] == "acoustic" and r["quantity"] == "total-rate")
    assert abs(acoustic["reference"] - ref) <= 1e-14 * ref


def test_render_page_deterministic_with_sections(page_small):
    from derive.catalogue.pages.electron_phonon import render_page
    text = render_page(page_small)
    assert text == render_page(page_small)
    assert text.startswith("# Electron–phonon")
    assert "_Generated by `derive docs` from the derivation — do not edit._" in text
    for head in ("## Model and scaling", "## Conventions", "## Derivation", "## Derived equation and constants",
                 "## Certificates", "## Quadrature table", "## Exact dynamics on a ring", "## Errata applied"):
        assert head in text
    assert "### 1. `" in text and "`thermal_phonons` — substitution" in text and "Discards: " in text
    for cert in ("conservation of ∫W", "detailed balance", "positivity", "H-theorem"):
        assert f"| {cert} |" in text
    assert text.count("| optical |") == 2 and text.count("| acoustic |") == 2
    assert "no prefactor" in text and "2 \\pi" in text


def test_recheck_detects_altered_number(page_small):
    from derive.catalogue.pages.electron_phonon import recheck
    assert recheck(page_small) == []
    altered = copy.deepcopy(page_small)
    row = next(r for r in altered["quadrature"] if r["case"] == "optical" and r["quantity"] == "total-rate")
    row["kernel"] *= 1 + 1e-10
    assert len(recheck(altered)) == 1
    assert recheck({"quadrature": []})
