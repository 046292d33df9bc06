"""Einstein rate equations from the two-scale corrector engine (seed 002, project conventions)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

from derive.correctors import (
    CellProblemSingular, DegenerateLevels, EntropyIncreases, NegativeRate, NonHermitianCoupling,
    ProbabilityNotConserved, RatesNotSymmetric, SolvabilityFailed, bloch_generators, certify_conservation,
    certify_h_theorem, certify_nonnegative, certify_rates, certify_symmetric, einstein_generator, einstein_rates,
    lorentzian_constant, lorentzian_delta_weight, two_scale_limit,
)
from derive.errors import CertificateFailed, DeriveError, ParameterError
from derive.ir import Approximation
from kernels.exact.bloch import bloch_populations, rate_populations

TWO = dict(energies=[0.0, 1.2], coupling=[[0, 1.0], [1.0, 0]], p0=[1.0, 0.0])
THREE = dict(energies=[0.0, 1.1, 2.5], coupling=[[0, 1, 0.5j], [1, 0, 0.8], [-0.5j, 0.8, 0]], p0=[1.0, 0.0, 0.0])


def _hand_rate(En, Ek, a, omega, gamma):
    """Independent closed form, by hand: V = A cos ωτ = (A/2)(e^{iωτ} + e^{−iωτ}); the coherence ρ_nk driven by
    mode m obeys (γ + i(E_n − E_k + mω)) ρ_nk^{(m)} = −i (A_nk/2)(p_k − p_n); feeding it back into
    dp_n/dt = −i Σ_k (V_nk ρ_kn − ρ_nk V_kn) and averaging gives |A_nk|²/4 · Σ_± 2γ/(γ² + (E_n − E_k ± ω)²)."""
    lor = lambda x: gamma / (gamma ** 2 + x ** 2)  # noqa: E731
    return abs(a) ** 2 / 4 * 2 * (lor(En - Ek - omega) + lor(En - Ek + omega))


# (a) ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("omega,gamma", [(1.0, 0.5), (1.2, 0.05), (0.3, 2.0), (3.0, 1.0)])
def test_two_level_rate_matches_hand_formula(omega, gamma):
    a = 0.7 - 0.4j
    rates, der = einstein_rates([0.3, 1.5], [[0, a], [np.conj(a), 0]], omega, gamma)
    assert rates[0, 1] == pytest.approx(_hand_rate(0.3, 1.5, a, omega, gamma), rel=1e-12, abs=1e-14)
    assert rates[1, 0] == pytest.approx(rates[0, 1], rel=1e-12)
    names = [s.name for s in der.steps]
    for n in ("bloch_model", "two_scale_ansatz", "cell_problem_m1", "fast_average", "solvability_condition",
              "lorentzian_form", "gamma_to_zero"):
        assert n in names
    assert der.step("fast_average").approximation is Approximation.AVERAGE


def test_three_level_rates_match_hand_formula():
    E, A = THREE["energies"], np.array(THREE["coupling"])
    rates, _ = einstein_rates(E, A, 1.0, 0.8)
    for n in range(3):
        for k in range(3):
            if n != k:
                assert rates[n, k] == pytest.approx(_hand_rate(E[n], E[k], A[n, k], 1.0, 0.8), rel=1e-12)


def test_constant_is_derived_symbolically():
    c, step = lorentzian_constant()
    assert c == sp.Rational(1, 2)
    assert step.approximation is Approximation.EXACT


def test_symbolic_two_level_rates():
    E0, E1 = sp.symbols("E_0 E_1", real=True)
    g, w = sp.symbols("gamma omega", positive=True)
    a = sp.Symbol("a", positive=True)
    rates, der = einstein_rates([E0, E1], sp.Matrix([[0, a], [a, 0]]), w, g)
    hand = a ** 2 / 2 * (g / (g ** 2 + (E0 - E1 - w) ** 2) + g / (g ** 2 + (E0 - E1 + w) ** 2))
    assert sp.simplify(rates[0, 1] - hand) == 0
    assert sp.simplify(rates[0, 1] - rates[1, 0]) == 0


# (b) ------------------------------------------------------------------------------------------------
def _errors(model, omega=1.0, gamma=1.0, T=1.0, epss=(0.2, 0.1, 0.05)):
    rates, _ = einstein_rates(model["energies"], model["coupling"], omega, gamma)
    G = einstein_generator(rates)
    errs = []
    for e in epss:
        period = 2 * np.pi / omega * e ** 2      # fast period in slow time
        Te = round(T / period) * period         # stroboscopic slow time ≈ T
        pb = bloch_populations(model["energies"], model["coupling"], omega, gamma, e, Te, model["p0"], substeps=128)
        pr = rate_populations(G, model["p0"], Te)
        assert abs(pb.sum() - 1) < 1e-10
        errs.append(float(np.max(np.abs(pb - pr))))
    return errs


@pytest.mark.parametrize("model", [TWO, THREE], ids=["two-level", "three-level"])
def test_bloch_converges_to_rate_equation(model):
    epss = (0.2, 0.1, 0.05)
    errs = _errors(model, epss=epss)
    assert errs[0] > errs[1] > errs[2]
    assert errs[1] / errs[2] > 3.0                       # ~ ε² (ratio 4 for halving ε)
    assert max(e / x ** 2 for e, x in zip(errs, epss)) < 0.05
    assert errs[2] < 1e-4


def test_rates_do_something():
    """The rate dynamics at T = 1 moves the populations by O(1): the convergence test is not vacuous."""
    rates, _ = einstein_rates(THREE["energies"], THREE["coupling"], 1.0, 1.0)
    pr = rate_populations(einstein_generator(rates), THREE["p0"], 1.0)
    assert 1 - pr[0] > 0.3


def test_magnus_floquet_resolved():
    args = (TWO["energies"], TWO["coupling"], 1.0, 1.0, 0.1, 0.7, TWO["p0"])
    assert np.max(np.abs(bloch_populations(*args, substeps=128) - bloch_populations(*args, substeps=256))) < 1e-7   # ≪ the O(ε²) errors (1e-5) of the convergence test


# (c) ------------------------------------------------------------------------------------------------
def test_certificates_hold():
    rates, _ = einstein_rates(THREE["energies"], THREE["coupling"], 1.0, 0.8)
    names = [c.name for c in certify_rates(rates)]
    assert names == ["symmetry", "positivity", "conservation", "h-theorem"]
    assert np.allclose(einstein_generator(rates).sum(axis=0), 0)


def test_certificates_fail_on_tampered_input():
    rates, _ = einstein_rates(THREE["energies"], THREE["coupling"], 1.0, 0.8)
    asym = rates.copy()
    asym[0, 1] *= 1.5
    with pytest.raises(RatesNotSymmetric):
        certify_symmetric(asym)
    neg = rates.copy()
    neg[0, 1] = neg[1, 0] = -0.3
    with pytest.raises(NegativeRate):
        certify_nonnegative(neg)
    with pytest.raises(EntropyIncreases):
        certify_h_theorem(neg)
    G = einstein_generator(rates)
    G[2, 0] += 0.1
    with pytest.raises(ProbabilityNotConserved):
        certify_conservation(G)
    with pytest.raises(ProbabilityNotConserved):
        certify_conservation(einstein_generator(asym))
    for bad in (asym, neg):
        with pytest.raises(CertificateFailed):
            certify_rates(bad)


# (d) ------------------------------------------------------------------------------------------------
def test_gamma_to_zero_delta_weight():
    w, step = lorentzian_delta_weight()
    assert w == sp.pi and step.approximation is Approximation.KINETIC_LIMIT
    for gamma in (1.0, 0.1, 0.01):
        num, _ = quad(lambda x: gamma / (gamma ** 2 + x ** 2), -np.inf, np.inf, epsabs=1e-13)
        assert num == pytest.approx(float(w), rel=1e-9)


def test_rate_integrated_over_detuning():
    """∫ A(0,1) dE₁ over the level position = c·π·|a|²·2 (two Lorentzians), for any γ: the δ-weights."""
    a, omega, gamma = 0.6, 1.0, 0.05
    _, der = einstein_rates([0.0, 1.3], [[0, a], [a, 0]], omega, gamma)
    c, _ = lorentzian_constant()
    w, _ = lorentzian_delta_weight()
    f = lambda E1: einstein_rates([0.0, E1], [[0, a], [a, 0]], omega, gamma)[0][0, 1]  # noqa: E731
    hand = lambda E1: _hand_rate(0.0, E1, a, omega, gamma)  # noqa: E731
    for E1 in (-1.0, -0.98, 0.4, 1.02):
        assert f(E1) == pytest.approx(hand(E1), rel=1e-12)
    num = sum(quad(hand, lo, hi, points=[-omega, omega] if lo < 0 < hi else None, limit=400)[0]
              for lo, hi in ((-np.inf, -50), (-50, 50), (50, np.inf)))
    assert num == pytest.approx(float(c * w * a ** 2 * 2), rel=1e-8)
    expr = der.step("delta_rates").expr
    assert expr.rhs.has(sp.DiracDelta) and sp.pi / 2 in [sp.Mul(*[f for f in expr.rhs.args if f.is_number])]


# (e) ------------------------------------------------------------------------------------------------
def test_bad_input():
    with pytest.raises(DegenerateLevels):
        einstein_rates([0.0, 1.0, 1.0], THREE["coupling"], 1.0, 1.0)
    with pytest.raises(NonHermitianCoupling):
        einstein_rates([0.0, 1.0], [[0, 1.0], [0.5, 0]], 1.0, 1.0)
    with pytest.raises(NonHermitianCoupling):
        einstein_rates([0.0, 1.0], [[0.3, 1.0], [1.0, 0]], 1.0, 1.0)
    with pytest.raises(ParameterError):
        einstein_rates([0.0, 1.0], [[0, 1.0], [1.0, 0]], 1.0, -0.1)
    with pytest.raises(CellProblemSingular):   # resonance E₁ − E₀ = ω without relaxation
        einstein_rates([0.0, 1.0], [[0, 1.0], [1.0, 0]], 1.0, 0.0)
    with pytest.raises(CellProblemSingular):
        einstein_rates([0.0, 1.0, 2.5], THREE["coupling"], 1.5, 0.0)
    with pytest.raises(ParameterError):
        einstein_rates([0.0, 1.0], [[0, 1.0], [1.0, 0]], 0.0, 1.0)
    assert issubclass(CellProblemSingular, DeriveError)


def test_no_relaxation_off_resonance_gives_no_transitions():
    rates, _ = einstein_rates([0.0, 1.0], [[0, 1.0], [1.0, 0]], 1.7, 0.0)
    assert np.max(np.abs(rates)) < 1e-14


def test_symbolic_resonance_without_relaxation_raises():
    E0, E1 = sp.symbols("E_0 E_1", real=True)
    w = sp.Symbol("omega", positive=True)
    L0, modes, P, B = bloch_generators([E0, E1], sp.Matrix([[0, 1], [1, 0]]), 0)
    with pytest.raises(CellProblemSingular):
        two_scale_limit(L0, modes, P, w, B)


def test_engine_solvability_failure():
    L0, modes, P, B = bloch_generators([0.0, 1.0], [[0, 1.0], [1.0, 0]], 1.0)
    bad = dict(modes)
    bad[0] = np.eye(4)            # a mean forcing acting on the slow manifold at order 1/ε
    with pytest.raises(SolvabilityFailed):
        two_scale_limit(L0, bad, P, 1.0, B)
    with pytest.raises(SolvabilityFailed):
        two_scale_limit(L0, modes, np.eye(4), 1.0, B)


def test_symbolic_three_level_rates():
    E = sp.symbols("E_0:3", real=True)
    g, w = sp.symbols("gamma omega", positive=True)
    a, b, c = sp.symbols("a b c", positive=True)
    rates, _ = einstein_rates(list(E), sp.Matrix([[0, a, b], [a, 0, c], [b, c, 0]]), w, g)
    lor = lambda x: g / (g ** 2 + x ** 2)  # noqa: E731
    for (n, k), amp in {(0, 1): a, (0, 2): b, (1, 2): c}.items():
        hand = amp ** 2 / 2 * (lor(E[n] - E[k] - w) + lor(E[n] - E[k] + w))
        assert sp.simplify(rates[n, k] - hand) == 0
