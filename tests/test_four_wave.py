"""Four-wave equation: on-site lattice bosons through the generic route, classical limit, certificates, exact check."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

from derive.algebra.terms import omega
from derive.catalogue.four_wave import ENTRY, certify_four_wave, collision_1d, onsite_route
from derive.catalogue.uehling_uhlenbeck import ring_density_change
from derive.errors import CertificateFailed, DeriveError, ParameterError, UnknownNameError
from derive.expansion.heisenberg import SecondOrderDensity, second_order_density
from derive.expansion.vertices import U, Vhat, W, k, k2, k3
from kernels.exact.fock import RingModel, potential_hat, second_order_coefficient

K4 = k + k2 - k3


# ------------------------------------------------------------------------- independently typed references
# Golden rule for identical bosons with the contact vertex (U/2)Σ a*a*aa: ⟨k₃k₄|H_I|k k₂⟩ ∝ U(1 + 1)
# (direct + exchange),
# unordered final pairs (½): transition kernel ½(2U)² = 2U², energy weight 2π, lattice measure dk (no 2π's). Quantum:
#   C[W] = ∫∫dk₂dk₃ 2πδ(Δ) 2U² [W₃W₄(1+W)(1+W₂) − WW₂(1+W₃)(1+W₄)];
# classical (W → W/ε, leading ε^{-3}): the cubic terms of the bracket, W₂W₃W₄ + WW₃W₄ − WW₂W₃ − WW₂W₄.
def _quantum_reference():
    w, w2, w3, w4 = W(k), W(k2), W(k3), W(K4)
    return 2 * U ** 2 * (w3 * w4 * (1 + w) * (1 + w2) - w * w2 * (1 + w3) * (1 + w4))


def _classical_reference():
    w, w2, w3, w4 = W(k), W(k2), W(k3), W(K4)
    return 2 * U ** 2 * (w2 * w3 * w4 + w * w3 * w4 - w * w2 * w3 - w * w2 * w4)


@pytest.fixture(scope="module")
def equation():
    return ENTRY.derive(ENTRY.model({"dim": "2", "U": "0.8"}))


def test_quantum_kernel_equals_reference(equation):
    assert sp.expand(equation.results["quantum kernel S(k,k2,k3)"] - _quantum_reference()) == 0
    # the same pipeline with the general pair vertex, V̂ → U, gives the same kernel
    assert sp.expand(second_order_density(1).kernel.replace(Vhat, lambda a: U) - _quantum_reference()) == 0


def test_four_wave_operator_and_constant(equation):
    assert sp.expand(equation.results["four-wave integrand F"] - _classical_reference()) == 0
    assert equation.constants["four-wave constant K"] == 2 * U ** 2
    assert equation.constants["prefactor c·K"] == 4 * sp.pi * U ** 2
    assert sp.expand(equation.results["four-wave integrand F"] - 2 * _classical_reference()) != 0
    delta = sp.DiracDelta(omega(k) + omega(k2) - omega(k3) - omega(K4))
    assert sp.expand(equation.equation.rhs.function - 2 * sp.pi * delta * _classical_reference()) == 0
    quadratic = equation.results["discarded quadratic part"]
    assert sp.expand(quadratic - 2 * U ** 2 * (W(k3) * W(K4) - W(k) * W(k2))) == 0


def test_steps(equation):
    names = [s.name for s in equation.derivation.steps]
    for name in ("onsite_vertex", "dyson_series", "wick_double_commutator", "symmetrize", "principal_value",
                 "kinetic_limit", "substitute_model", "classical_limit", "four_wave_constant"):
        assert name in names
    assert "U" in str(equation.derivation.step("onsite_vertex").expr)


def test_certificates_present_and_can_fail(equation):
    assert {c.name for c in equation.certificates} == {"four-wave form", "kernel symmetries", "collision invariants",
                                                      "Rayleigh–Jeans equilibria", "entropy production"}
    f = equation.results["four-wave integrand F"]
    with pytest.raises(CertificateFailed):
        certify_four_wave(-f)                                      # entropy would decrease
    with pytest.raises(CertificateFailed):
        certify_four_wave(sp.expand(f + U ** 2 * W(k) * W(k2) * W(k3)))    # breaks the four-wave form
    with pytest.raises(CertificateFailed):
        certify_four_wave(sp.expand(f.subs(W(k3), 2 * W(k3))))


def _nontrivial_resonance(rng):
    """k, k₂, k₃ ∈ 𝕋² with ω + ω₂ = ω₃ + ω₄, k₄ = k + k₂ − k₃ mod 1, k₃ ∉ {k, k₂} (solve for k₃_y by Brent)."""
    om = lambda v: np.sum(1 - np.cos(2 * np.pi * np.asarray(v)))  # noqa: E731
    while True:
        a, b = rng.uniform(-0.5, 0.5, 2), rng.uniform(-0.5, 0.5, 2)
        x = rng.uniform(-0.5, 0.5)

        def gap(y):
            c = np.array([x, y])
            return om(a) + om(b) - om(c) - om((a + b - c + 0.5) % 1 - 0.5)

        ys = np.linspace(-0.5, 0.5, 401)
        g = np.array([gap(y) for y in ys])
        idx = np.flatnonzero(g[:-1] * g[1:] < 0)
        if len(idx):
            y = brentq(gap, ys[idx[0]], ys[idx[0] + 1], xtol=1e-15)
            c = np.array([x, y])
            if min(np.linalg.norm(c - a), np.linalg.norm(c - b)) > 0.05:
                return a, b, c, (a + b - c + 0.5) % 1 - 0.5


def test_rayleigh_jeans_stationary_on_lattice_shell():
    """Typed bracket on true lattice resonances (with wrap-around mod 1): 0 at Rayleigh–Jeans, ≠ 0 otherwise."""
    rng = np.random.default_rng(7)
    om = lambda v: np.sum(1 - np.cos(2 * np.pi * np.asarray(v)))  # noqa: E731
    for _ in range(4):
        a, b, c, d = _nontrivial_resonance(rng)
        assert abs(om(a) + om(b) - om(c) - om(d)) < 1e-12

        def bracket(wf):
            w, w2, w3, w4 = (wf(om(v)) for v in (a, b, c, d))
            return w2 * w3 * w4 + w * w3 * w4 - w * w2 * w3 - w * w2 * w4

        rj = bracket(lambda e: 1 / (1.3 * (e + 0.4)))
        assert abs(rj) < 1e-12
        assert abs(bracket(lambda e: np.exp(-e))) > 1e-6


# ---------------------------------------------------------------------------- exact Fock-space check
def test_onsite_finite_time_formula_matches_exact_bosons():
    """Bosons on a 3-site ring with V(x) = Uδ_{x,0} (position-space Hamiltonian, kernels.exact.fock) vs the route."""
    u = 0.8
    route = onsite_route()
    fam = route.families["Delta"]
    result = SecondOrderDensity(route.derivation, {sg: v.subs(U, u) for sg, v in fam.finite_time.items()},
                                route.time_factors, fam.kernel.subs(U, u), route.kinetic_weight)
    model = RingModel(3, "boson", (0.0, 1.3, 0.8), (u, 0.0, 0.0), (0.15, 0.08, 0.12), max_particles=12)
    est = second_order_coefficient(model, time=1.1, coupling=0.01)
    pred = ring_density_change(result, 3, model.omega, potential_hat(model), model.occupations, 1.1)
    rel = np.max(np.abs(pred - est.value)) / np.max(np.abs(est.value))
    assert rel <= 1e-6
    assert np.all(np.abs(pred - est.value) <= est.error)
    assert np.max(est.error) / np.max(np.abs(est.value)) < 1e-5
    assert abs(pred.sum()) < 1e-12
    wrong = SecondOrderDensity(route.derivation, {sg: 2 * v.subs(U, u) for sg, v in fam.finite_time.items()},
                               route.time_factors, fam.kernel, route.kinetic_weight)
    bad = ring_density_change(wrong, 3, model.omega, potential_hat(model), model.occupations, 1.1)
    assert np.max(np.abs(bad - est.value)) / np.max(np.abs(est.value)) > 0.5


# ------------------------------------------------------------------------------- numerical C[W](k), d = 1
def _om(x):
    return 1 - np.cos(2 * np.pi * x)


def _reference_chain(kv: float, occupation, u: float = 1.0) -> float:
    """Typed F and Δ on the chain; for each k₃ the δ(Δ) is integrated over k₂ by finding every root of Δ(k₂)
    (sign changes on a grid + Brent) and summing F/|∂_{k₂}Δ|; the k₃ integral by adaptive scipy quad. The trivial
    root k₂ = k₃ (k₄ = k, F = 0) is divided out, Δ/sin(π(k₂ − k₃)) on k₂ ∈ (k₃ − ½, k₃ + ½), so that a root
    next to it is not lost; |k₃ − k| < 10⁻⁹, where Δ(k₂) is pure roundoff, is skipped (bounded integrand)."""
    from scipy import integrate

    def inner(k3v):
        if abs((k3v - kv + 0.5) % 1 - 0.5) < 1e-9:
            return 0.0                                     # k₃ = k: Δ ≡ 0 in k₂ (roundoff only); bounded integrand
        def reduced(k2v):
            return (_om(kv) + _om(k2v) - _om(k3v) - _om(kv + k2v - k3v)) / np.sin(np.pi * (k2v - k3v))

        grid = k3v + np.linspace(-0.55, 0.55, 265) + 0.5 ** 0.5 / 997     # a bit more than one period, shifted
        vals = reduced(grid)
        total = 0.0
        for i in np.flatnonzero(vals[:-1] * vals[1:] < 0):
            r = brentq(reduced, grid[i], grid[i + 1], xtol=1e-15)
            if not -0.5 <= r - k3v < 0.5:
                continue                                   # each root once per period
            slope = 2 * np.pi * (np.sin(2 * np.pi * r) - np.sin(2 * np.pi * (kv + r - k3v)))
            w, w2, w3, w4 = (occupation(x) for x in (kv, r, k3v, kv + r - k3v))
            total += 2 * u ** 2 * (w2 * w3 * w4 + w * w3 * w4 - w * w2 * w3 - w * w2 * w4) / abs(slope)
        return total

    pts = sorted({(kv + 0.5) % 1 - 0.5, (1 - kv) % 1 - 0.5})
    val, _ = integrate.quad(inner, -0.5, 0.5, points=pts, limit=200, epsabs=1e-13, epsrel=1e-11)
    return 2 * np.pi * val


@pytest.fixture(scope="module")
def chain():
    return ENTRY.derive(ENTRY.model({"dim": "1", "U": "1", "occupation": "exp(cos(2*pi*k))"}))


def test_chain_collision_against_root_finding_reference(chain):
    est = collision_1d(chain, [0.1, 0.3, -0.37])
    for i, kv in enumerate((0.1, 0.3, -0.37)):
        ref = _reference_chain(kv, lambda x: np.exp(np.cos(2 * np.pi * x)))
        assert abs(est.value[i] - ref) <= 1e-11 * abs(ref)
        assert est.error[i] <= 1e-12 * abs(ref)
    single = ENTRY.evaluate_quantity(chain, "collision", {"k": "0.1"})
    assert abs(float(single.value) - est.value[0]) <= 1e-15


def test_chain_collision_within_its_error_against_mpmath(chain):
    """The line integral 2π∫dk₃ F(k, ½−k, k₃)/|2π(sin 2πk − sin 2πk₃)| typed and summed by mpmath at 30 digits."""
    import mpmath

    with mpmath.workdps(30):
        kv = mpmath.mpf("0.1")
        occ = lambda x: mpmath.exp(mpmath.cos(2 * mpmath.pi * x))  # noqa: E731

        def line(k3v):
            w, w2, w3, w4 = occ(kv), occ(mpmath.mpf(1) / 2 - kv), occ(k3v), occ(mpmath.mpf(1) / 2 - k3v)
            return 2 * (w2 * w3 * w4 + w * w3 * w4 - w * w2 * w3 - w * w2 * w4) / abs(
                2 * mpmath.pi * (mpmath.sin(2 * mpmath.pi * kv) - mpmath.sin(2 * mpmath.pi * k3v)))

        ref = float(2 * mpmath.pi * mpmath.quad(line, [-0.5, kv, 0.5 - kv, 0.5]))
    est = collision_1d(chain, 0.1)
    assert abs(float(est.value) - ref) <= float(est.error)
    assert float(est.error) <= 1e-13 * abs(ref)


def test_chain_collision_against_smoothed_delta(chain):
    """Fully independent: Gaussian δ_η(Δ) on a periodic 2000² grid; the gap to the co-area value shrinks with η."""
    kv, n = 0.1, 2000
    g = (np.arange(n) + 0.5) / n - 0.5
    k2g, k3g = np.meshgrid(g, g, indexing="ij")
    k4g = kv + k2g - k3g
    d = _om(kv) + _om(k2g) - _om(k3g) - _om(k4g)
    w, w2, w3, w4 = (np.exp(np.cos(2 * np.pi * x)) for x in (kv, k2g, k3g, k4g))
    bracket = 4 * np.pi * (w2 * w3 * w4 + w * w3 * w4 - w * w2 * w3 - w * w2 * w4)
    exact = float(collision_1d(chain, kv).value)
    gaps = [abs(np.mean(np.exp(-d ** 2 / (2 * eta ** 2)) / (np.sqrt(2 * np.pi) * eta) * bracket) - exact)
            for eta in (0.02, 0.01)]
    assert gaps[1] < gaps[0] < 0.06 * abs(exact)
    assert gaps[1] < 0.03 * abs(exact)


def test_chain_rayleigh_jeans_and_conservation(chain):
    rj = ENTRY.derive(ENTRY.model({"dim": "1", "occupation": "1/(2 - cos(2*pi*k))"}))   # 1/(ω + 1)
    assert np.max(np.abs(collision_1d(rj, [0.1, 0.27, -0.4]).value)) < 1e-14
    means = []
    for n in (128, 256):                 # midpoint rule over 𝕋: C has kinks, so O(n⁻²); Richardson removes it
        ks = (np.arange(n) + 0.5) / n - 0.5
        c = collision_1d(chain, ks, nodes=(24, 48)).value
        means.append((np.mean(c), np.mean(_om(ks) * c), np.mean(np.abs(c))))
    for j in (0, 1):
        assert abs((4 * means[1][j] - means[0][j]) / 3) < 1e-6 * means[1][2]
    assert means[1][2] > 0.5


# ------------------------------------------------------------------------------------------ bad input
def test_evaluate_errors(equation, chain):
    with pytest.raises(DeriveError, match="dim = 1"):
        ENTRY.evaluate_quantity(equation, "collision", {"k": "0.1"})
    with pytest.raises(ParameterError, match="one number"):
        ENTRY.evaluate_quantity(chain, "collision", {"k": "0.1,0.2"})


@pytest.mark.parametrize("params,match", [({"U": "0"}, "U"), ({"U": "I"}, "real"), ({"dim": "5"}, "dim"),
                                          ({"dim": "two"}, "dim"), ({"U": "1/"}, "parse"),
                                          ({"occupation": "-exp(cos(2*pi*k))"}, "> 0"),
                                          ({"occupation": "1.5 + k"}, "periodic"),
                                          ({"occupation": "exp(I*k)"}, "real")])
def test_bad_input(params, match):
    with pytest.raises(ParameterError, match=match) as info:
        ENTRY.model(params)
    assert "\n" not in str(info.value)
    with pytest.raises(UnknownNameError):
        ENTRY.model({"statistics": "fermi"})


# ------------------------------------------------------------------------------------------ generated page
@pytest.fixture(scope="module")
def page_small():
    """Real quadrature rows and certificate residuals (coarse grid); the exact-ring row is a formatting fixture
    (the same computation is the exact Fock-space test above)."""
    from derive.catalogue.pages.four_wave import QUADRATURE_CASES, certificate_residuals, quadrature_rows
    cases = ((QUADRATURE_CASES[0][0], QUADRATURE_CASES[0][1], (0.23,)),
             (QUADRATURE_CASES[1][0], QUADRATURE_CASES[1][1], (0.41,)))
    return {"quadrature": quadrature_rows(cases), "certificate_residuals": certificate_residuals(n=64),
            "exact": [{"lambda": 0.01, "t": 1.1, "k_index": 1, "exact": 0.005, "formula": 0.005, "rel_diff": 1e-7,
                       "error": 5e-9, "within_error": True, "sum_formula": 0.0}]}


def test_quadrature_rows_and_residuals(page_small):
    for r in page_small["quadrature"]:
        assert r["inside"] and r["rel_diff"] <= 1e-13
        assert r["reference_error"] <= 1e-25 * abs(r["reference"])
    res = {(r["certificate"], r["test"][:3]): r["residual"] for r in page_small["certificate_residuals"]}
    assert abs(res[("Rayleigh–Jeans equilibria", "max")]) < 1e-14
    assert max(abs(v) for (name, _), v in res.items() if name == "collision invariants") < 1e-5
    assert res[("entropy production", "∫C[")] > 0.05


def test_reference_resolves_the_kink_and_scales_with_u():
    """U² scaling and the Rayleigh–Jeans zero of the reference itself (it shares no code with the kernel)."""
    import mpmath

    from kernels.quadrature.four_wave_reference import reference_chain_four_wave
    occ = lambda x: mpmath.exp(mpmath.cos(2 * mpmath.pi * x))  # noqa: E731
    one, two = reference_chain_four_wave(0.3, occ, 1.0), reference_chain_four_wave(0.3, occ, 2.0)
    assert abs(two.value - 4 * one.value) <= 1e-14 * abs(two.value)
    rj = reference_chain_four_wave(0.3, lambda x: 1 / (2 - mpmath.cos(2 * mpmath.pi * x)))
    assert abs(rj.value) < 1e-25


def test_render_page_deterministic_with_sections(page_small):
    from derive.catalogue.pages.four_wave import render_page
    text = render_page(page_small)
    assert text == render_page(page_small)
    assert text.startswith("# Four-wave kinetic equation")
    assert "_Generated by `derive docs` from the derivation — do not edit._" in text
    for head in ("## Model and scaling", "## Conventions", "## Derivation", "## Derived equation and constants",
                 "## Certificates", "## Quadrature table", "## Exact dynamics on a ring", "## Errata applied"):
        assert head in text
    assert "`classical_limit` — kinetic limit" in text and "Discards: " in text
    for cert in ("four-wave form", "kernel symmetries", "collision invariants", "Rayleigh–Jeans equilibria",
                 "entropy production"):
        assert f"| {cert} |" in text
    assert "4 \\pi U^{2}" in text and "no prefactor" in text
    assert text.count("| U = ") == 2


def test_recheck_detects_altered_number(page_small):
    import copy

    from derive.catalogue.pages.four_wave import recheck
    assert recheck(page_small) == []
    altered = copy.deepcopy(page_small)
    altered["quadrature"][1]["kernel"] *= 1 + 1e-10
    assert len(recheck(altered)) == 1
    assert recheck({"quadrature": []})
