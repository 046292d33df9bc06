"""Three-phonon Boltzmann equation from the anharmonic Hamiltonian: typed references, certificates, exact dynamics."""
from __future__ import annotations

import copy
import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.catalogue.pages.phonon_boltzmann import (QUADRATURE_CASES, RING_PARAMETERS, RING_RUN, quadrature_rows,
                                                     recheck, render_page)
from derive.catalogue.phonon_boltzmann import ENTRY, certify_phonon, collision_moment, phonon_route, ring_density_change
from derive.errors import CertificateFailed, ParameterError, UnknownNameError
from derive.expansion.phonon_vertices import V3
from derive.expansion.vertices import Omega, W, k, q
from kernels.exact.anharmonic import AnharmonicRing, phonon_second_order_coefficient, vertex_hat
from kernels.quadrature.phonon_reference import reference_phonon_collision, resonant_momenta

# ------------------------------------------------------------ independently typed reference (Fermi golden rule)
# H₃ = Σ V (b + b*)(b + b*)(b + b*), V symmetric: the normal-ordered b*b*b part is 3V b*_p b*_p' b_{p+p'} summed over
# ordered (p, p'), so the matrix element of k → p + p' (p ≠ p') is 6V, of k + p → k + p it is 6V, of ∅ → k + p + p'
# it is 6V (3! orderings). Rate 2π|6V|² δ(ΔE) × statistical factors; k → p + p' counts unordered pairs (½).
V2 = lambda a, b, c: V3(a, b, c) ** 2  # noqa: E731
N_ = W
REFERENCE = {
    "split": (Omega(k) - Omega(q) - Omega(k - q),
              18 * V2(k, -q, q - k) * ((1 + N_(k)) * N_(q) * N_(k - q) - N_(k) * (1 + N_(q)) * (1 + N_(k - q)))),
    "merge": (Omega(k) + Omega(q) - Omega(k + q),
              36 * V2(k, q, -k - q) * ((1 + N_(k)) * (1 + N_(q)) * N_(k + q) - N_(k) * N_(q) * (1 + N_(k + q)))),
    "triple": (Omega(k) + Omega(q) + Omega(k + q),
               18 * V2(k, q, -k - q) * ((1 + N_(k)) * (1 + N_(q)) * (1 + N_(-k - q)) - N_(k) * N_(q) * N_(-k - q))),
}


@pytest.fixture(scope="module")
def equation():
    return ENTRY.derive(ENTRY.model({}))


def test_derived_operator_equals_golden_rule_reference(equation):
    for fam, (delta, s_ref) in REFERENCE.items():
        assert sp.expand(equation.results[f"Delta {fam}"] - delta) == 0
        assert sp.expand(equation.results[f"S {fam}"] - s_ref) == 0
        assert sp.expand(equation.results[f"S {fam}"] - 2 * s_ref) != 0          # a doubled constant is caught
    assert equation.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"] == 2 * sp.pi
    assert equation.constants["split prefactor c·S_split/(V3²F)"] == 36 * sp.pi
    want = sum(sp.Integral(2 * sp.pi * sp.DiracDelta(dl) * s, q) for dl, s in REFERENCE.values())
    assert sp.simplify(equation.equation.rhs - want) == 0


def test_vertex_canonicalization():
    assert V3(k, -q, q - k) == V3(q - k, k, -q) == V3(-k, q, k - q)
    assert V3(k, q, -k - q) != V3(k, -q, q - k)


def test_derivation_steps_and_zero_mode_patterns(equation):
    names = [s.name for s in equation.derivation.steps]
    for name in ("interaction_picture", "cubic_phonon_vertex", "dyson_series", "first_order_vanishes",
                 "wick_double_commutator", "momentum_deltas", "canonical_labels", "finite_time", "symmetrize",
                 "principal_value", "kinetic_limit", "collision_kernel", "substitute_model"):
        assert name in names
    assert equation.data["counts"]["zero-mode patterns"] > 0


def test_certificates_present_and_can_fail(equation):
    assert {c.name for c in equation.certificates} == {
        "kernel symmetries", "energy conservation", "no number conservation", "quasi-momentum modulo 1",
        "Bose–Einstein with μ = 0", "entropy production ≥ 0"}
    kernels = {f: equation.results[f"S {f}"] for f in REFERENCE}
    deltas = {f: equation.results[f"Delta {f}"] for f in REFERENCE}
    certify_phonon(kernels, deltas)
    with pytest.raises(CertificateFailed):
        certify_phonon({**kernels, "merge": 2 * kernels["merge"]}, deltas)             # folding breaks
    with pytest.raises(CertificateFailed):
        certify_phonon({f: -v for f, v in kernels.items()}, deltas)                   # H-theorem breaks
    with pytest.raises(CertificateFailed):                                            # BE no longer stationary
        certify_phonon({**kernels, "split": sp.expand(kernels["split"].subs(W(k), 2 * W(k)))}, deltas)


# --------------------------------------------------------------- pointwise values: closed-form resonant roots
# The closed-form reference (roots of Δ in the relative coordinate y = 2q ∓ k, analytic Jacobians, 30 digits)
# lives in kernels/quadrature/phonon_reference.py and also feeds the page's quadrature table.
def _reference_collision(kv: float, vertex, occupation) -> float:
    ref = reference_phonon_collision(kv, vertex, occupation)
    assert ref.error <= 1e-25 * max(1.0, abs(ref.value))
    return ref.value


@pytest.mark.parametrize("v3_text,vertex", [
    ("1", lambda a, b, c: 1),
    ("1 + 0.3*(cos(2*pi*k1) + cos(2*pi*k2) + cos(2*pi*k3))",
     lambda a, b, c: 1 + mpmath.mpf("0.3") * sum(mpmath.cos(2 * mpmath.pi * x) for x in (a, b, c))),
])
def test_collision_against_closed_form_roots(v3_text, vertex):
    eq = ENTRY.derive(ENTRY.model({"V3": v3_text}))
    occ = lambda x: 1 / (mpmath.exp(1 + mpmath.cos(2 * mpmath.pi * x) / 2) - 1) \
        + mpmath.mpf("0.1") * mpmath.cos(2 * mpmath.pi * x) ** 2  # noqa: E731
    try:
        nonzero = 0
        for kv in (0.05, 0.13, -0.21, 0.3, 0.41):
            ref = _reference_collision(kv, vertex, occ)
            est = ENTRY.evaluate_quantity(eq, "collision", {"k": str(kv)})
            assert abs(est.value - ref) <= 1e-11 * max(1.0, abs(ref))
            assert abs(est.value - ref) <= est.error + 1e-12 * max(1.0, abs(ref))
            nonzero += abs(ref) > 1e-3
        assert nonzero >= 3
    finally:
        mpmath.mp.dps = 15


def test_bose_einstein_mu_zero_is_stationary_numerically():
    eq = ENTRY.derive(ENTRY.model({"occupation": "1/(exp(beta*Omega) - 1)", "beta": "0.7"}))
    moved = ENTRY.derive(ENTRY.model({"occupation": "1/(exp(beta*Omega - 0.2) - 1)", "beta": "0.7"}))   # μ ≠ 0
    for kv in ("0.05", "-0.13", "0.41"):
        assert abs(ENTRY.evaluate_quantity(eq, "collision", {"k": kv}).value) <= 1e-12
        assert abs(ENTRY.evaluate_quantity(moved, "collision", {"k": kv}).value) > 1e-3


def test_energy_conserved_number_not_and_entropy_grows(equation):
    energy = collision_moment(equation, lambda x: 1 + 0.5 * np.cos(2 * np.pi * x))
    number = collision_moment(equation, lambda x: 1.0)
    assert abs(energy.value) <= 1e-9 and energy.error < 1e-8
    assert abs(number.value) > 1.0 > 1e6 * number.error                                # number is NOT conserved
    occ = sp.lambdify(k, equation.data["model"].occupation, "numpy")
    entropy = collision_moment(equation, lambda x: np.log((1 + occ(x)) / occ(x)))      # ∫ s'(W) C, s boson entropy
    assert entropy.value > 1e6 * entropy.error and entropy.value > 0.1


# -------------------------------------------------------------------------------- exact dynamics on a ring
OMEGA = RING_PARAMETERS["phonon"]             # (1.3, 0.9, 0.9); shared with the page's exact-dynamics table
RING = AnharmonicRing(**RING_PARAMETERS, weights=tuple(1 / np.sqrt(2 * np.array(OMEGA))))
LAMBDA, TIME = RING_RUN                         # (0.0015, 1.7)


@pytest.fixture(scope="module")
def ring_exact():
    return phonon_second_order_coefficient(RING, TIME, coupling=LAMBDA)


def _predict(route):
    return ring_density_change(route, RING.L, OMEGA, vertex_hat(RING), RING.occupations, TIME)


def test_finite_time_formula_matches_exact_dynamics(ring_exact):
    """k = 1, 2 (k = 0 also receives the zero-mode patterns dropped by the route, supported at k = 0)."""
    pred = _predict(phonon_route())
    value, error = ring_exact.value[1:], ring_exact.error[1:]
    rel = np.max(np.abs(pred[1:] - value)) / np.max(np.abs(value))
    assert rel <= 1e-6
    assert np.all(np.abs(pred[1:] - value) <= error)
    assert np.max(error) / np.max(np.abs(value)) < 1e-6
    assert np.min(np.abs(value)) > 0.1
    assert abs(pred[0] - ring_exact.value[0]) > 1.0                 # the zero mode is not described (dropped)


def test_wrong_constant_or_missing_family_fails_exact_check(ring_exact):
    route = phonon_route()
    doubled = dataclasses.replace(route.families["split"], finite_time={
        sg: 2 * v for sg, v in route.families["split"].finite_time.items()})
    for bad in (dataclasses.replace(route, families={**route.families, "split": doubled}),
                dataclasses.replace(route, families={f: v for f, v in route.families.items() if f != "triple"})):
        pred = _predict(bad)
        assert np.max(np.abs(pred[1:] - ring_exact.value[1:])) / np.max(np.abs(ring_exact.value[1:])) > 1e-2


# ------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("params,match", [
    ({"beta": "-1"}, "beta"),
    ({"beta": "0"}, "beta"),
    ({"V3": "1 + I*cos(2*pi*k1)"}, "complex"),
    ({"V3": "sin(2*pi*k1) + sin(2*pi*k2) + sin(2*pi*k3) + 1"}, "even"),
    ({"V3": "exp(-k1**"}, "cannot parse"),
    ({"Omega": "sqrt(2 - 2*cos(2*pi*k)"}, "cannot parse"),
    ({"Omega": "-1 + 0*k"}, "Omega"),
    ({"Omega": "1 + sin(2*pi*k)"}, "even"),
    ({"occupation": "exp(-p)"}, "unknown"),
    ({"occupation": "-1 + 0*k"}, "negative"),
    ({"dim": "2"}, "dim"),
])
def test_bad_input_one_line_errors(params, match):
    with pytest.raises(ParameterError, match=match) as info:
        ENTRY.model(params)
    assert "\n" not in str(info.value)


def test_unknown_parameter_and_acoustic_chain():
    with pytest.raises(UnknownNameError):
        ENTRY.model({"temperature": "1"})
    acoustic = ENTRY.derive(ENTRY.model({"Omega": "sqrt(2 - 2*cos(2*pi*k))", "occupation": "exp(-k**2)",
                                         "V3": "sin(pi*k1)**2*sin(pi*k2)**2*sin(pi*k3)**2"}))
    for kv in ("0.1", "0.3", "-0.4"):
        est = ENTRY.evaluate_quantity(acoustic, "collision", {"k": kv})
        assert abs(est.value) < 1e-12 and est.error < 1e-9     # d = 1 acoustic: only trivial (q = 0) resonances
    with pytest.raises(ParameterError, match="one lattice momentum"):
        ENTRY.evaluate_quantity(acoustic, "collision", {"k": "0.1,0.2"})


# ------------------------------------------------------------------------------------------ generated page
def test_reference_roots_are_resonant():
    """The closed-form roots solve Δ_f = 0 and their Jacobians equal |∂_qΔ_f| (checked by mpmath.diff here)."""
    om = lambda x: 1 + mpmath.cos(2 * mpmath.pi * x) / 2  # noqa: E731
    mpmath.mp.dps = 30
    try:
        for kv, fam, delta in ((0.13, "split", lambda kk, x: om(kk) - om(x) - om(kk - x)),
                               (0.36, "merge", lambda kk, x: om(kk) + om(x) - om(kk + x))):
            roots = resonant_momenta(kv)
            assert len(roots[fam]) == 2 and not roots["merge" if fam == "split" else "split"]
            for qq, jac in roots[fam]:
                assert abs(delta(mpmath.mpf(kv), qq)) < 1e-25
                assert abs(abs(mpmath.diff(lambda x: delta(mpmath.mpf(kv), x), qq)) - jac) < 1e-20
        assert resonant_momenta(0.25) == {"split": [], "merge": []}      # gap between the thresholds
    finally:
        mpmath.mp.dps = 15


def _page_data_small():
    """Real quadrature rows (one momentum per case, split and merge regime); the exact-ring and residual rows are
    formatting fixtures here (their computation is tested above)."""
    cases = ((QUADRATURE_CASES[0][0], QUADRATURE_CASES[0][1], (0.36,)),
             (QUADRATURE_CASES[1][0], QUADRATURE_CASES[1][1], (-0.17,)))
    return {"quadrature": quadrature_rows(cases),
            "exact": {"rows": [{"lambda": 0.0015, "t": 1.7, "k_index": 1, "exact": 0.5, "formula": 0.5,
                                "rel_diff": 2e-8, "error": 3e-7, "within_error": True}],
                      "zero_mode": {"exact": 5.75, "formula": 0.33, "error": 1e-6}},
            "certificate_residuals": [{"certificate": "energy conservation", "test": "fixture |C|", "residual": 1e-12,
                                       "error": 1e-10, "expected": "0"}]}


@pytest.fixture(scope="module")
def page_small():
    return _page_data_small()


def test_quadrature_rows_match_independent_reference(page_small):
    rows = page_small["quadrature"]
    assert [r["case"] for r in rows] == [QUADRATURE_CASES[0][0], QUADRATURE_CASES[1][0]]
    for r in rows:
        assert r["inside"] and r["rel_diff"] <= 1e-11 and abs(r["reference"]) > 1e-2
        assert r["reference_error"] <= 1e-25 * abs(r["reference"])


def test_render_page_deterministic_with_sections(page_small):
    text = render_page(page_small)
    assert text == render_page(page_small)
    assert text.startswith("# Three-phonon (Peierls) Boltzmann equation")
    assert "_Generated by `derive docs` from the derivation — do not edit._" in text
    for head in ("## Model and scaling", "## Conventions", "## Derivation", "## Derived equation and constants",
                 "## Certificates", "## Quadrature table", "## Exact dynamics on a ring", "## Errata applied"):
        assert head in text
    assert "### 1. `" in text and "`substitute_model` — substitution" in text and "Discards: " in text
    for cert in ("kernel symmetries", "energy conservation", "no number conservation", "Bose–Einstein with μ = 0",
                 "entropy production ≥ 0"):
        assert f"| {cert} |" in text
    assert text.count(f"| {QUADRATURE_CASES[0][0]} |") == 1 and text.count(f"| {QUADRATURE_CASES[1][0]} |") == 1
    assert "36 \\pi" in text and "triple family drops out" in text and "zero mode k = 0 is excluded" in text
    assert "no constant" in text and "Four-phonon processes" in text and "not yet derived" in text
    assert "\\|C" in text                                        # pipes inside table cells are escaped


def test_recheck_detects_altered_number(page_small):
    assert recheck(page_small) == []
    altered = copy.deepcopy(page_small)
    altered["quadrature"][0]["kernel"] *= 1 + 1e-10
    assert len(recheck(altered)) == 1
    assert recheck({"quadrature": []})
