"""regularized-wigner (seed 000): derived jump rates, δ → 0 and θ → 0 limits, exact mode reduction, bad input."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad_vec

from derive.catalogue import regularized_wigner as rw
from derive.catalogue.pages import regularized_wigner as rwp
from derive.correctors.regularized_wigner import derive_jump_kernel, theta
from derive.errors import DeriveError, ParameterError
from kernels.exact.wigner_modes import (ModeLattice, exact_generator, jump_generator,
                                        observed_orders)


def _hand_rate(k, p, a, th, phi):
    """Typed independently (errata 000): k → k + p at rate (A²/4)·2θφ/(θ²φ² + ((k + p/2)·p)²)."""
    x = sum((ki + pi / 2) * pi for ki, pi in zip(k, p))
    return a ** 2 / 4 * 2 * th * phi / (th ** 2 * phi ** 2 + x ** 2)


# ------------------------------------------------------------------------------------------ the derivation
def test_derived_rate_is_a2_over_4_lambda_theta_symbolic():
    J = derive_jump_kernel(1, 1)
    (k1,), (a,), ((p,),), (phi,) = J.k, J.amplitudes, J.waves, J.phis
    for sig in (1, -1):
        assert sp.cancel(J.rates[(0, sig)] - _hand_rate((k1,), (sig * p,), a, theta, phi)) == 0
    assert J.constant == sp.Rational(1, 4)


def test_derived_rate_in_two_dimensions_numeric():
    J = derive_jump_kernel(2, 1)
    rng = np.random.default_rng(3)
    for _ in range(5):
        kv, pv = rng.normal(size=2), rng.normal(size=2)
        a, th, ph = rng.uniform(0.5, 2), rng.uniform(0.05, 1), rng.uniform(0.1, 1)
        vals = {**dict(zip(J.k, kv)), **dict(zip(J.waves[0], pv)), J.amplitudes[0]: a, theta: th, J.phis[0]: ph}
        for sig in (1, -1):
            got = float(J.rates[(0, sig)].subs(vals))
            assert got == pytest.approx(_hand_rate(kv, sig * pv, a, th, ph), rel=1e-12)


def test_seed_constant_is_off_by_two_pi_to_the_d():
    for d in (1, 2):
        step = derive_jump_kernel(d, 1).derivation.step("errata_kernel_constant")
        assert sp.simplify(step.expr.rhs - (2 * sp.pi) ** d) == 0


def test_first_corrector_solves_the_cell_problem():
    """Apply k∂_z + θ(1 − χ⋆) (χ⋆e^{±ipz} = (1 − φ)e^{±ipz}) to W₁ and compare with 𝓛W₀ typed by hand."""
    J = derive_jump_kernel(1, 1)
    (k1,), (a,), ((p,),), (phi,) = J.k, J.amplitudes, J.waves, J.phis
    z = sp.Symbol("z_1", real=True)
    W1 = J.derivation.step("cell_problem_W1").expr.rhs
    W0 = sp.Function("W_0")
    lhs = k1 * sp.diff(W1, z) + theta * phi * W1   # both modes ±p have 1 − χ̂(±p) = φ
    src = a / (2 * sp.I) * (sp.exp(sp.I * p * z) * (W0(k1 - p / 2) - W0(k1 + p / 2))
                            + sp.exp(-sp.I * p * z) * (W0(k1 + p / 2) - W0(k1 - p / 2)))
    assert sp.simplify(sp.expand(lhs - src)) == 0


def test_relaxation_sign_is_causal():
    st = derive_jump_kernel(1, 1).derivation.step("relaxation_sign")
    g, D = sp.Symbol("g", positive=True), sp.Symbol("Delta", real=True)
    assert sp.simplify(st.expr.rhs - 1 / (g + sp.I * D)) == 0
    lim = derive_jump_kernel(1, 1).derivation.step("relaxation_limit").expr.rhs
    from derive.conventions import PrincipalValue
    assert sp.expand(lim - (sp.pi * sp.DiracDelta(D) - sp.I * PrincipalValue(D))) == 0   # real part πδ(Δ) ≥ 0


def test_riemann_identification_and_shell_weight():
    for d in (1, 2):
        J = derive_jump_kernel(d, 1)
        R, dl = sp.Symbol("R(p_j)", positive=True), sp.Symbol("delta", positive=True)
        assert sp.simplify(J.results["amplitude_squared"] - 4 * R * dl ** d / (2 * sp.pi) ** d) == 0
        assert J.results["shell_weight"] == 2 * sp.pi
    # the random-phase covariance, independently: average over a uniform phase grid
    ph = np.linspace(0, 2 * np.pi, 4001)[:-1]
    assert np.mean(np.cos(0.7 + ph) * np.cos(-0.4 + ph)) == pytest.approx(np.cos(1.1) / 2, abs=1e-12)


def test_sigma_matches_linear_boltzmann_cofactor_symbolically():
    from derive.pipeline import derive_equation
    lb = derive_equation("linear-boltzmann", {**rwp.LB_PARAMS, "dim": "2"})
    J = derive_jump_kernel(2, 1)
    q = [sp.Symbol(f"q_{i + 1}", real=True) for i in range(2)]
    R = lb.spectrum.xreplace({**dict(zip(lb.k, q)), **{pp: 0 for pp in lb.p}})
    sigma = J.results["sigma_cofactor"].xreplace({sp.Function("R")(*q): R})
    # linear Boltzmann: σ = cofactor(k, p)δ, p = k + q, measure đp; ours: measure đq, same Jacobian
    lb_at = lb.cofactor.xreplace({**{pp: kk + qq for pp, kk, qq in zip(lb.p, lb.k, q)}})
    assert sp.simplify(sigma - lb_at) == 0
    # both operators integrate σ against đ(momentum) = d(momentum)/(2π)^d
    Q0 = J.results["Q_0"].function.xreplace({sp.Function("R")(*q): R})
    assert sp.simplify(Q0.as_independent(sp.DiracDelta, sp.Function("W"))[0] - lb.measure * sigma) == 0


# ------------------------------------------------------------------------------------------ δ → 0, θ → 0
def test_quadrature_of_q_theta_against_scipy_polar_integral():
    """Independent reference: polar coordinates around q = 0 (not around the shell), Gauss–Legendre in the angle
    split where k·q = 0, scipy's adaptive ``quad_vec`` in |q|; θ = 0.5, d = 2."""
    weight, _, _ = rwp.continuum_weights(2)
    W, k = rwp.test_density(rwp.BUMP[2]), np.array(rwp.K_POINT[2])
    from kernels.exact.wigner_modes import shell_lorentzian_quadrature
    est = shell_lorentzian_quadrature(W, k, lambda kk, qq: weight(kk, qq, 0.5), 1.0, n=8)
    ak = np.arctan2(k[1], k[0])
    x, w = np.polynomial.legendre.leggauss(200)
    segs = [(ak + np.pi / 2, ak + 3 * np.pi / 2), (ak - np.pi / 2, ak + np.pi / 2)]
    al = np.concatenate([0.5 * (b - a) * x + 0.5 * (a + b) for a, b in segs])
    wa = np.concatenate([0.5 * (b - a) * w for a, b in segs])
    e = np.stack([np.cos(al), np.sin(al)], -1)

    def f(r):
        q = r * e
        return r * weight(np.broadcast_to(k, q.shape), q, 0.5) * (W(k + q) - W(k))
    val, err = quad_vec(f, 0, 12, epsabs=1e-11, epsrel=1e-11, limit=5000)
    assert abs(float(est.value) - wa @ val) < 1e-9
    assert abs(float(est.value) - wa @ val) <= float(est.error) + 1e-10


def test_riemann_sum_converges_to_q_theta():
    rows = rwp.delta_rows(deltas=(0.05, 0.025), cutoff=6.0)
    for r in rows:
        assert abs(r["riemann"] - r["Q_theta"]) < 1e-3 * abs(r["Q_theta"])


def test_theta_to_zero_matches_linear_boltzmann_with_constants():
    rows = rwp.theta_rows(2, thetas=(0.02, 0.01, 0.005), n=8)
    diffs = np.array([r["diff"] for r in rows])
    ths = np.array([r["theta"] for r in rows])
    orders = observed_orders(ths, np.abs(diffs))[1:]
    assert all(0.9 < o < 1.1 for o in orders)                      # Θ(θ), as the errata say
    assert np.all(np.abs(diffs) < 0.6 * ths)                        # observed constant ≈ 0.41
    richardson = 2 * rows[2]["Q_theta"] - rows[1]["Q_theta"]          # removes the Θ(θ) term
    assert richardson == pytest.approx(rows[0]["C_LB"], rel=2e-4)
    # a wrong constant (the seed's (2π)^d) could not pass:
    assert abs((2 * np.pi) ** 2 * rows[2]["Q_theta"] - rows[2]["C_LB"]) > 1.0


# ------------------------------------------------------------------------------------------ ε → 0 (exact)
def test_exact_mode_reduction_converges_to_jump_process():
    rows = rwp.exact_rows(eps_values=(0.0125, 0.00625), n_modes=5, n_sites=14)
    assert rows[-1]["error"] < 6e-3
    order = observed_orders([r["eps"] for r in rows], [r["error"] for r in rows])[1]
    assert 0.7 < order < 1.3
    for r in rows:
        assert r["imag"] < 1e-12 and r["truncation"] < 1e-8
        assert r["mass_exact"] == pytest.approx(1.0, abs=1e-6)


def test_two_waves_exact_reduction_matches_sum_of_one_wave_rates():
    """Two non-resonant waves in d = 2: no cross-wave jumps, the jump chain of the one-wave rates is the limit."""
    rows = rwp.exact_rows(eps_values=(0.01, 0.005), example=rwp.EXAMPLE2, k0=[0.3, 0.2], n_modes=2, n_sites=6,
                         extra_modes=1)
    assert rows[-1]["error"] < 3e-3
    order = observed_orders([r["eps"] for r in rows], [r["error"] for r in rows])[1]
    assert 0.7 < order < 1.3
    assert all(r["truncation"] < 1e-5 for r in rows)


def test_exact_generator_structure():
    """θ = 0 and no potential: the mode-0 block is zero; the regularization damps every other mode."""
    phi = lambda q: 1 - np.exp(-np.sum(q ** 2, axis=-1) / 2)  # noqa: E731
    G, states = exact_generator(np.array([0.3]), np.array([[1.0]]), [0.0], 0.5, phi, 0.1, ModeLattice(1, 2, 4))
    d = G.diagonal()
    for (n, m), val in zip(states, d):
        assert (val == 0) if n == (0,) else (val.real < 0)
    assert np.count_nonzero(G.toarray() - np.diag(d)) == 0


# ------------------------------------------------------------------------------------------ structure
def _model_rates(params):
    model = rw.build_model({**rw.PARAMETERS, **params})
    return model, rw.derive(model).data["rate_fns"]


def test_conservation_detailed_balance_positivity_and_l2_dissipation():
    model, fns = _model_rates({"amplitudes": "1.3", "wavevectors": "0.7", "theta": "0.2"})
    p = model.wavevectors[0][0]
    G, sites = jump_generator(np.array([0.1]), np.array([[p]]), lambda kk, l, s: fns[(l, s)](*kk), 40)
    off = G - np.diag(np.diag(G))
    assert np.all(off >= 0)
    inner = slice(5, len(sites) - 5)
    assert np.allclose(G.sum(axis=0)[inner], 0, atol=1e-14)                   # Σ_k Q[W] = 0
    assert np.allclose(off[inner, inner], off[inner, inner].T, rtol=1e-12)   # r(k+p, −p) = r(k, p)
    w = np.exp(-np.linspace(-4, 4, len(sites)) ** 2)
    Gi = G.copy()
    np.fill_diagonal(Gi, 0)
    np.fill_diagonal(Gi, -Gi.sum(axis=0))  # closed chain
    dissip = -0.5 * sum(Gi[i, j] * (w[i] - w[j]) ** 2 for i in range(len(w)) for j in range(len(w)) if i != j)
    assert 2 * w @ Gi @ w == pytest.approx(2 * dissip, rel=1e-10) and dissip < 0


def test_detailed_balance_on_the_shell():
    weight, _, _ = rwp.continuum_weights(2)
    k, p = np.array([[0.8, 0.1]]), np.array([[0.2, 0.75]])  # any pair: R even and ((k+p)/2)·(p−k) odd
    assert float(weight(k, p - k, 0.01)[0]) == pytest.approx(float(weight(p, k - p, 0.01)[0]), rel=1e-12)


def test_catalogue_evaluate_against_hand_form():
    eq = rw.derive(rw.build_model({**rw.PARAMETERS, "dim": "2", "amplitudes": "1.5,0.5",
                                   "wavevectors": "1,0;0.3,0.8", "theta": "0.2", "chi_width": "0.7"}))
    kv = np.array([0.4, -0.2])
    phi = lambda p: 1 - np.exp(-0.7 ** 2 * (p @ p) / 2)  # noqa: E731  (χ̂ of a Gaussian of width w)
    total = 0.0
    for j, (a, p) in enumerate([(1.5, np.array([1.0, 0])), (0.5, np.array([0.3, 0.8]))]):
        for sig in (1, -1):
            est = rw.evaluate(eq, "jump-rate", {"k": "0.4,-0.2", "jump": f"{sig * (j + 1):+d}"})
            ref = _hand_rate(kv, sig * p, a, 0.2, phi(p))
            assert abs(float(est.value) - ref) <= max(float(est.error), 1e-15) + 1e-13 * ref
            total += ref
    assert float(rw.evaluate(eq, "collision-rate", {"k": "0.4,-0.2", "jump": "all"}).value) == pytest.approx(total)


@pytest.mark.parametrize("params,match", [
    ({"theta": "0"}, "theta"), ({"theta": "-1"}, "theta"), ({"wavevectors": "0"}, "zero"),
    ({"amplitudes": "1,2"}, "amplitudes"), ({"dim": "2"}, "components"), ({"dim": "4"}, "dim"),
    ({"amplitudes": "1,1", "wavevectors": "1;-1"}, "resonant"), ({"amplitudes": "x"}, "numbers"),
])
def test_bad_input_is_one_line_error(params, match):
    with pytest.raises(ParameterError, match=match) as exc:
        rw.ENTRY.model(params)
    assert "\n" not in str(exc.value)


def test_bad_evaluation_points_and_bragg_warning():
    eq = rw.derive(rw.build_model(dict(rw.PARAMETERS)))
    for at in ({"k": "1,2", "jump": "+1"}, {"k": "0.3", "jump": "+2"}, {"k": "0.3", "jump": "0"}):
        with pytest.raises(DeriveError):
            rw.evaluate(eq, "jump-rate", at)
    with pytest.raises(ParameterError, match="jump=all"):
        rw.evaluate(eq, "collision-rate", {"k": "0.3", "jump": "+1"})
    small = rw.derive(rw.build_model({**rw.PARAMETERS, "theta": "1e-5"}))
    with pytest.warns(rw.BraggConcentrationWarning, match="Bragg"):
        est = rw.evaluate(small, "jump-rate", {"k": "-0.5", "jump": "+1"})
    assert est.notes and "Bragg" in est.notes[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rw.evaluate(eq, "jump-rate", {"k": "0.3", "jump": "+1"})


def test_page_render_is_deterministic_and_recheck_detects_change():
    rows = rwp.exact_rows(eps_values=(0.05,), n_modes=3, n_sites=8)
    for r in rows:
        r["order"] = None
    th = {"2": [{"theta": 0.1, "Q_theta": 0.0, "quad_error": 0.0, "C_LB": 0.0, "C_LB_error": 0.0, "diff": 0.0,
                 "order": None}]}
    data = {"example": rwp.EXAMPLE, "exact": {**rwp.EXACT, "n_modes": 3, "n_sites": 8}, "exact_rows": rows,
            "delta_rows": [], "theta_rows": th, "k_point": {"2": [1.0, 0.3]}, "bump": {"2": [0.5, 0.2]}}
    page = rwp.render_page(data)
    assert page == rwp.render_page(data)
    assert "do not edit" in page and "Errata applied" in page and "$$" in page
    stale = rwp.recheck(data)
    assert len(stale) == 2 and all("θ = 0.1" in s for s in stale)   # the zeros above are not the true values
