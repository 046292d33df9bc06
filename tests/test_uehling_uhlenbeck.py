"""Uehling–Uhlenbeck from the Hamiltonian: derived kernel vs typed references, certificates, exact Fock dynamics."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.catalogue.uehling_uhlenbeck import ENTRY, build_model, certify_uu, collision_values, ring_density_change
from derive.errors import CertificateFailed, DeriveError, ParameterError, UnknownNameError
from derive.expansion.heisenberg import Delta, Vhat, W, k, k2, k3, second_order_density
from derive.ir import Approximation
from kernels.exact.fock import RingModel, potential_hat, second_order_coefficient

# ----------------------------------------------------------------- independently typed reference forms
# Golden rule for two identical particles in a box of volume L^d, states normalized: ⟨k₃k₄|H_I|k k₂⟩ =
# L^{-d}[V̂(k−k₃) + θV̂(k−k₄)]; unordered final pairs give ½Σ_{k₃,k₄}. Distinguishable particles (Maxwell–
# Boltzmann): only the direct amplitude, ordered final states, no ½. With Σ → L^d∫đk, each operator reads
#   C[W](k) = ∫đk₂đk₃ 2πδ(Δ) c|V̂(k−k₃) + θV̂(k−k₄)|² [gain − loss],  k₄ = k + k₂ − k₃,
# with c = ½ for θ = ±1 and c = 1, θ = 0 (no exchange) for Maxwell–Boltzmann.
K4 = k + k2 - k3


def _reference(theta: int) -> sp.Expr:
    x, y = Vhat(k - k3), Vhat(k - K4)
    w, w2, w3, w4 = W(k), W(k2), W(k3), W(K4)
    bracket = w3 * w4 * (1 + theta * w) * (1 + theta * w2) - w * w2 * (1 + theta * w3) * (1 + theta * w4)
    c = sp.Rational(1, 2) if theta else 1
    return c * (x + theta * y) ** 2 * bracket


def _symmetrized(expr: sp.Expr) -> sp.Expr:
    """Average over k₃ ↔ k₄ (k₃ → k + k₂ − k₃, a unit-Jacobian change of variables)."""
    return sp.expand((expr + expr.xreplace({k3: K4})) / 2)


@pytest.fixture(scope="module")
def equations():
    return {st: ENTRY.derive(ENTRY.model({"statistics": st})) for st in ("fermi", "bose", "boltzmann")}


@pytest.mark.parametrize("stat,theta", [("fermi", -1), ("bose", 1), ("boltzmann", 0)])
def test_derived_kernel_equals_typed_reference(equations, stat, theta):
    eq = equations[stat]
    kernel = eq.results["kernel S(k,k2,k3)"]
    assert sp.expand(kernel - _symmetrized(_reference(theta))) == 0
    # the collision operator: (2π)^{-2d} dk₂dk₃ (đk₂đk₃), weight 2π in front of δ(Δ)
    assert eq.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"] == 2 * sp.pi
    integrand = eq.equation.rhs.function
    delta = sp.DiracDelta(W(k).func(k) * 0 + sum(sp.Function("omega", real=True)(a) * s
                                                  for a, s in ((k, 1), (k2, 1), (k3, -1), (K4, -1))))
    want = (2 * sp.pi) ** (-6) * 2 * sp.pi * delta * _symmetrized(_reference(theta))
    assert sp.expand(integrand - want) == 0
    # and a wrong constant would be caught: ½ ≠ 1
    assert sp.expand(kernel - 2 * _symmetrized(_reference(theta))) != 0


def test_no_kernel_without_exchange_for_identical_particles(equations):
    # fermions: a contact potential (V̂ ≡ const) does not scatter spinless fermions
    kernel = equations["fermi"].results["transition kernel K"]
    assert sp.simplify(kernel.replace(Vhat, lambda a: sp.Integer(3))) == 0
    assert sp.simplify(equations["bose"].results["transition kernel K"].replace(Vhat, lambda a: sp.Integer(3))) == 18


def test_boltzmann_statistics_independent_of_colour_statistics():
    a = second_order_density(1, colours=True).kernel
    b = second_order_density(-1, colours=True).kernel
    assert sp.expand(a - b) == 0


@pytest.mark.parametrize("stat", ["fermi", "bose", "boltzmann"])
def test_cubic_structure(equations, stat):
    kernel = equations[stat].results["kernel S(k,k2,k3)"]
    ws = sp.symbols("u1:5")
    poly = sp.Poly(kernel.subs({W(k): ws[0], W(k2): ws[1], W(k3): ws[2], W(sp.expand(K4)): ws[3]}), *ws)
    assert poly.total_degree() == (3 if stat != "boltzmann" else 2)
    assert not [m for m, _ in poly.terms() if sum(m) == 4]
    # the raw (unexpanded) statistical bracket does have quartic terms; they cancel between gain and loss
    raw = sp.Poly(sp.expand(W(k3) * W(K4) * (1 - W(k)) * (1 - W(k2))).subs(
        {W(k): ws[0], W(k2): ws[1], W(k3): ws[2], W(sp.expand(K4)): ws[3]}), *ws)
    assert any(sum(m) == 4 for m, _ in raw.terms())


def test_certificates_present_and_can_fail(equations):
    names = {c.name for c in equations["fermi"].certificates}
    assert names == {"gain-loss form", "cubic structure", "kernel symmetries", "collision invariants",
                     "entropy production", "equilibria"}
    kernel = equations["fermi"].results["kernel S(k,k2,k3)"]
    with pytest.raises(CertificateFailed):      # a quartic term added
        certify_uu(sp.expand(kernel + W(k) * W(k2) * W(k3) * W(K4) * Vhat(k - k3) ** 2), -1)
    with pytest.raises(CertificateFailed):      # wrong statistics: fermion kernel is not of Bose form
        certify_uu(kernel, 1)
    with pytest.raises(CertificateFailed):      # negative kernel: entropy would decrease
        certify_uu(sp.expand(-kernel), -1)
    assert equations["bose"].constants["alpha (V̂(k−k₃)²)"] == sp.Rational(1, 2)
    assert equations["fermi"].constants["beta (V̂(k−k₃)V̂(k−k₄))"] == -sp.Rational(1, 2)
    assert equations["boltzmann"].constants["beta (V̂(k−k₃)V̂(k−k₄))"] == 0


def test_equilibria_numerically(equations):
    """Independent spot check: Fermi–Dirac / Bose–Einstein / Maxwell make gain = loss on the shell (3 momenta
    in 1d with ω = k²/2: an elastic exchange k₃ = k₂, k₄ = k, and a drift u)."""
    rng = np.random.default_rng(0)
    for stat, theta in (("fermi", -1), ("bose", 1), ("boltzmann", 0)):
        bracket = _reference(theta) / (Vhat(k - k3) + theta * Vhat(k - K4)) ** 2
        beta, u, mu_c = 1.3, 0.4, -0.7
        wf = sp.Lambda(sp.Symbol("z"), 1 / (sp.exp(beta * (sp.Symbol("z") ** 2 / 2 - u * sp.Symbol("z") - mu_c))
                                             - theta))
        for _ in range(3):
            a, b = rng.normal(size=2)
            val = bracket.replace(W, wf).subs({k: a, k2: b, k3: b})   # k₄ = a: on shell and momentum
            assert abs(float(val)) < 1e-12


def test_derivation_steps_record_approximations(equations):
    steps = equations["fermi"].derivation.steps
    names = [s.name for s in steps]
    for name in ("interaction_picture", "pair_vertex", "dyson_series", "first_order_vanishes",
                 "wick_double_commutator", "momentum_deltas", "canonical_labels", "finite_time", "symmetrize",
                 "principal_value", "kinetic_limit", "collision_kernel", "transition_kernel"):
        assert name in names
    pv = equations["fermi"].derivation.step("principal_value")
    assert pv.approximation is Approximation.KINETIC_LIMIT and "principal-value" in pv.discards[0]
    assert equations["fermi"].derivation.step("dyson_series").approximation is Approximation.TRUNCATION
    assert equations["fermi"].derivation.step("first_order_vanishes").expr.rhs == 0


def test_time_factors_against_quadrature():
    """K_σ = ∫₀^t dt₁∫₀^{t₁}ds e^{iσ(t₁−s)Δ} = ∫₀^t (t − u) e^{iσuΔ} du (u = t₁ − s), by 30-digit quadrature."""
    r = second_order_density(-1)
    mpmath.mp.dps = 30
    for sg in (1, -1):
        for dv, tv in ((0.7, 2.0), (-1.9, 0.8)):
            got = complex(r.time_factors[sg].subs({Delta: dv, sp.Symbol("t", positive=True): tv}))
            want = mpmath.quad(lambda u: (tv - u) * mpmath.exp(1j * sg * u * dv), [0, tv])
            assert abs(got - complex(want)) < 1e-13
    mpmath.mp.dps = 15


# ------------------------------------------------------------------------------- exact Fock-space checks
def _compare(model, time, theta, coupling):
    est = second_order_coefficient(model, time=time, coupling=coupling)
    pred = ring_density_change(second_order_density(theta), model.L, model.omega, potential_hat(model),
                               model.occupations, time)
    scale = np.max(np.abs(est.value))
    rel = np.max(np.abs(pred - est.value)) / scale
    return est, pred, rel


def test_fermions_on_a_ring_match_finite_time_formula():
    L = 5
    omega = tuple(1 - np.cos(2 * np.pi * np.arange(L) / L) + 0.1 * np.arange(L) ** 2 / L)
    w = tuple(np.random.default_rng(1).uniform(0.15, 0.85, L))
    model = RingModel(L, "fermion", omega, (0.7, 0.4, -0.3, -0.3, 0.4), w)
    est, pred, rel = _compare(model, 1.3, -1, 0.02)
    assert rel <= 1e-6
    assert np.all(np.abs(pred - est.value) <= est.error)
    assert np.max(est.error) / np.max(np.abs(est.value)) < 1e-6
    assert abs(pred.sum()) < 1e-12                 # particle number is conserved
    assert np.min(np.abs(est.value)) > 1e-3        # and the check is not trivially zero


BOSONS = RingModel(3, "boson", (0.0, 1.3, 0.8), (0.9, -0.35, -0.35), (0.15, 0.08, 0.12), max_particles=12)


@pytest.fixture(scope="module")
def boson_exact():
    return second_order_coefficient(BOSONS, time=1.1, coupling=0.01)


def _predict(model, time, theta):
    return ring_density_change(second_order_density(theta), model.L, model.omega, potential_hat(model),
                               model.occupations, time)


def test_bosons_on_a_ring_match_finite_time_formula(boson_exact):
    est, pred = boson_exact, _predict(BOSONS, 1.1, 1)
    rel = np.max(np.abs(pred - est.value)) / np.max(np.abs(est.value))
    assert rel <= 1e-6
    assert np.all(np.abs(pred - est.value) <= est.error)
    assert np.max(est.error) / np.max(np.abs(est.value)) < 1e-6
    assert abs(pred.sum()) < 1e-12


def test_wrong_statistics_fails_the_exact_check(boson_exact):
    pred = _predict(BOSONS, 1.1, -1)
    assert np.max(np.abs(pred - boson_exact.value)) / np.max(np.abs(boson_exact.value)) > 1e-2


# ------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("params,match", [
    ({"statistics": "fermi", "occupation": "1.5*exp(-k**2)"}, "exceeds 1"),
    ({"potential": "I*exp(-q**2)"}, "complex"),
    ({"potential": "exp(I*q)"}, "complex"),
    ({"statistics": "anyon"}, "unknown statistics"),
    ({"potential": "exp(-q**"}, "cannot parse"),
    ({"occupation": "exp(-p**2)"}, "unknown name .p."),
    ({"occupation": "-exp(-k**2)"}, "negative"),
    ({"dim": "4"}, "dim"),
])
def test_bad_input_one_line_errors(params, match):
    with pytest.raises(ParameterError, match=match) as info:
        ENTRY.model(params)
    assert "\n" not in str(info.value)


def test_unknown_parameter_and_bad_evaluation_input(equations):
    with pytest.raises(UnknownNameError):
        ENTRY.model({"temperature": "1"})
    with pytest.raises(ParameterError, match="unknown name .one."):
        ENTRY.evaluate_quantity(equations["fermi"], "collision", {"k": "one"})
    with pytest.raises(ParameterError):
        ENTRY.evaluate_quantity(equations["fermi"], "collision", {"k": "-1"})
    slow = ENTRY.derive(ENTRY.model({"statistics": "bose", "occupation": "1/(1 + k**2)"}))
    with pytest.raises(DeriveError, match="decay"):
        ENTRY.evaluate_quantity(slow, "collision", {"k": "1"})
    assert build_model({"statistics": "bose", "occupation": "3*exp(-k**2)"}).theta == 1


# ------------------------------------------------------------------------------- numerical C[W](k)
def _reference_2d(km: float, theta: int, n_angle: int = 64) -> float:
    """Typed UU operator in d = 2, V̂ = e^{−q²}, W = ½e^{−k²}: centre-of-mass shell k₃ = P/2 + |g|(cos φ, sin φ),
    δ(|g|² − |k₃ − P/2|²) → ½dφ; angles by the periodic trapezoid rule, |k₂| by adaptive scipy quad."""
    from scipy import integrate

    def vpot(q):
        return np.exp(-q ** 2)

    def wocc(q):
        return 0.5 * np.exp(-q ** 2)

    phi = 2 * np.pi * np.arange(n_angle) / n_angle
    p2, pn = np.meshgrid(phi, phi, indexing="ij")

    def radial(r2):
        kv = np.array([km, 0.0])[:, None, None]
        k2v = r2 * np.stack([np.cos(p2), np.sin(p2)])
        centre, g = (kv + k2v) / 2, np.linalg.norm((kv - k2v) / 2, axis=0)
        k3v = centre + g * np.stack([np.cos(pn), np.sin(pn)])
        k4v = kv + k2v - k3v
        nrm = lambda v: np.linalg.norm(v, axis=0)  # noqa: E731
        w, w2, w3, w4 = wocc(nrm(kv)), wocc(nrm(k2v)), wocc(nrm(k3v)), wocc(nrm(k4v))
        amp = 0.5 * (vpot(nrm(kv - k3v)) + theta * vpot(nrm(kv - k4v))) ** 2
        bracket = w3 * w4 * (1 + theta * w) * (1 + theta * w2) - w * w2 * (1 + theta * w3) * (1 + theta * w4)
        return r2 * 0.5 * np.sum(amp * bracket) * (2 * np.pi / n_angle) ** 2

    val, _ = integrate.quad(radial, 0, 9.0, epsabs=1e-18, epsrel=1e-12, limit=200)
    return val * 2 * np.pi / (2 * np.pi) ** 4


@pytest.mark.parametrize("stat,theta", [("bose", 1), ("fermi", -1)])
def test_collision_values_against_independent_quadrature_2d(stat, theta):
    eq = ENTRY.derive(ENTRY.model({"statistics": stat, "dim": "2", "occupation": "0.5*exp(-k**2)"}))
    est = collision_values(eq, [0.2, 0.8])
    for i, km in enumerate((0.2, 0.8)):
        ref = _reference_2d(km, theta)
        assert abs(est.value[i] - ref) <= 1e-9 * abs(ref)
        assert abs(est.value[i] - ref) <= est.error[i] + 1e-10 * abs(ref)
        assert est.error[i] <= 1e-7 * abs(ref)


def test_collision_conserves_number_and_energy_3d():
    eq = ENTRY.derive(ENTRY.model({"statistics": "fermi", "dim": "3", "occupation": "0.6*exp(-k**2)"}))
    x, w = np.polynomial.legendre.leggauss(24)
    kk, wk = 5.0 * (x + 1) / 2, 2.5 * w           # |k| ≤ 5: W = 0.6e^{−k²} < 10⁻¹⁰ beyond
    c = collision_values(eq, kk, nodes=(16, 20))
    number = np.sum(wk * kk ** 2 * c.value)
    energy = np.sum(wk * kk ** 2 * kk ** 2 / 2 * c.value)
    scale = np.sum(wk * kk ** 2 * np.abs(c.value))
    assert scale > 1e-8
    assert abs(number) < 1e-6 * scale and abs(energy) < 1e-6 * scale


def test_collision_vanishes_on_equilibria():
    for stat, occ in (("fermi", "1/(exp(2*(k**2/2 - 0.3)) + 1)"), ("bose", "1/(exp(2*(k**2/2 + 0.2)) - 1)"),
                      ("boltzmann", "0.7*exp(-k**2)")):
        eq = ENTRY.derive(ENTRY.model({"statistics": stat, "dim": "3", "occupation": occ}))
        with np.errstate(over="ignore"):
            c = collision_values(eq, [0.4, 1.1], nodes=(10, 12))
        assert np.max(np.abs(c.value)) < 1e-16
    eq = ENTRY.derive(ENTRY.model({"statistics": "fermi", "occupation": "0.5*exp(-k**2)"}))
    assert abs(collision_values(eq, [0.4], nodes=(10, 12)).value[0]) > 1e-8   # not an equilibrium


# ------------------------------------------------------------------ the pattern table against the Wick engine
@pytest.mark.parametrize("statistics", ["fermion", "boson"])
def test_pattern_table_reproduces_wick_expectation(statistics):
    """Σ_patterns weight × Π⟨x y⟩ over one ordering equals :func:`expectation` (θ^{crossings} = Wick's sign)."""
    import random

    from derive.algebra.operators import OperatorAlgebra, OperatorString, Species, annihilate, create
    from derive.algebra.wick import contraction, expectation, pattern_table, quasifree_state

    sp_ = Species("x", statistics)
    st = quasifree_state([sp_], OperatorAlgebra(space="lattice", dim=1))
    ks = sp.symbols("p1:5", real=True)
    rng = random.Random(4)
    for _ in range(12):
        ops = [create(sp_, rng.choice(ks)) for _ in range(3)] + [annihilate(sp_, rng.choice(ks)) for _ in range(3)]
        rng.shuffle(ops)
        blocks = {"X": OperatorString(tuple(ops))}
        table, _ = pattern_table(blocks, ((1, "X"),), sp_.theta)
        total = sum(w * sp.Mul(*[contraction(ops[i], ops[j], st) for (_, i), (_, j) in key])
                    for key, w in table.items())
        assert sp.expand(total - expectation(blocks["X"], st)) == 0


def test_evaluate_takes_a_momentum_vector(equations):
    """--at k=k1,k2,k3 is a vector in d = 3; the radial occupation makes C depend on |k| only."""
    vec = ENTRY.evaluate_quantity(equations["fermi"], "collision", {"k": "0.3,0.4,0"})
    rad = ENTRY.evaluate_quantity(equations["fermi"], "collision", {"k": "0.5"})
    assert abs(float(vec.value) - float(rad.value)) <= 1e-15 + float(vec.error)
    with pytest.raises(ParameterError, match="components"):
        ENTRY.evaluate_quantity(equations["fermi"], "collision", {"k": "0.3,0.4"})
