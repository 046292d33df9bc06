"""Classical energy diffusion (seed 002 §3): derived d(E) vs independent references, particles vs limit,
quantum ↔ classical oscillator, certificates, bad input, catalogue entry."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from derive.catalogue.energy_diffusion import ENTRY
from derive.catalogue.pages.energy_diffusion import recheck, render_page
from derive.correctors.energy_diffusion import (CriticalEnergy, E, EnergyBelowMinimum, NonConfiningHamiltonian, UnforcedModel,
                                                certify_energy_diffusion, derive_energy_diffusion,
                                                diffusion_coefficient, energy_diffusion_model, gamma, omega,
                                                oscillator_quantum_classical, shell_components)
from derive.errors import (CertificateFailed, DeriveError, LimitDoesNotExist, ModelError, OutOfBandError,
                           ParameterError)
from kernels.exact.classical_particles import (gamma_energy_sampler, simulate_forced_oscillator,
                                               solve_energy_diffusion)


@pytest.fixture(scope="module")
def oscillator():
    return derive_energy_diffusion(energy_diffusion_model())


def hand_oscillator_d(energy, w, g, Om=1.0):
    """By hand from Green–Kubo for H₀ = p²/2 + Ω²x²/2, V = x cos ωτ: g = {V, H₀} = −p cos ωτ, p = −AΩ sin θ,
    A² = 2E/Ω², so ⟨g(τ,θ) g(τ−s, θ−Ωs)⟩ = A²Ω² · ½cos Ωs · ½cos ωs = (E/4)[cos(ω−Ω)s + cos(ω+Ω)s], and
    ∫₀^∞ e^{−γs} cos(as) ds = γ/(γ² + a²)."""
    return energy / 4 * (g / (g ** 2 + (w - Om) ** 2) + g / (g ** 2 + (w + Om) ** 2))


def brute_force_green_kubo(U, dU, energy, w, g, n=1024):
    """d(E) for H₀ = p²/2 + U(x), V = x cos ωτ (single-well orbit through x = 0) by direct time integration:
    orbit by RK45 from (0, √(2(E − U(0)))) with the period from a crossing event, the time correlation
    R(s) = ⟨p(u) p(u − s)⟩_u by a direct periodic sum, d = ∫₀^S e^{−γs} ½cos(ωs) R(s) ds by Simpson."""
    p0 = np.sqrt(2 * (energy - U(0.0)))
    ev = lambda _t, y: y[0]  # noqa: E731  x crosses 0 upward once per period
    ev.direction = 1
    sol = solve_ivp(lambda _t, y: [y[1], -dU(y[0])], (0, 200), [0.0, p0], rtol=1e-12, atol=1e-12, events=ev,
                    dense_output=True)
    T = sol.t_events[0][1] if sol.t_events[0][0] < 1e-9 else sol.t_events[0][0]
    u = np.arange(n) * T / n
    pu = sol.sol(u)[1]
    R = np.array([np.mean(pu * np.roll(pu, j)) for j in range(n)])
    S = 40.0 / g
    s = np.arange(int(np.ceil(S / (T / n))) // 2 * 2 + 1) * T / n
    f = np.exp(-g * s) * 0.5 * np.cos(w * s) * R[np.arange(s.size) % n]
    h = T / n
    return h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())


# --------------------------------------------------------------------------- harmonic oscillator, symbolic
def test_oscillator_closed_form_matches_hand_derivation(oscillator):
    dE = oscillator.results["d(E)"]
    ref = E / 4 * (gamma / (gamma ** 2 + (omega - 1) ** 2) + gamma / (gamma ** 2 + (omega + 1) ** 2))
    assert sp.simplify(dE - ref) == 0
    assert sp.simplify(oscillator.results["h0(E)"] - 2 * sp.pi) == 0
    for w, g, e in [(1.0, 0.5, 1.0), (1.7, 0.1, 2.5), (0.3, 2.0, 0.4)]:
        val = float(dE.subs({gamma: g, omega: w, E: e}))
        assert val == pytest.approx(hand_oscillator_d(e, w, g), rel=1e-13)


def test_oscillator_steps_recorded(oscillator):
    names = [s.name for s in oscillator.derivation.steps]
    for required in ("scaled_liouville", "hilbert_ansatz", "slow_manifold", "cell_problem", "solvability",
                     "shell_measure", "angle_fourier_modes", "diffusion_coefficient", "drift_identity",
                     "energy_diffusion_equation", "mode_weight"):
        assert required in names
    assert any(n.startswith("cell_problem_m") for n in names)  # the two-scale engine's cell problems
    assert {c.name for c in oscillator.certificates} == {"positivity", "conservation", "entropy"}


@pytest.mark.parametrize("Om,w,g", [(2.0, 1.0, 0.5), (1.0, 1.0, 0.05), (0.5, 2.2, 0.7)])
def test_numeric_orbit_path_reproduces_oscillator(Om, w, g):
    model = energy_diffusion_model(f"p**2/2 + {Om ** 2}*x**2/2", "x*cos(omega*t)", str(w), str(g))
    numeric = replace(model, quadratic=None)
    for e in (0.3, 1.0, 3.0):
        r = diffusion_coefficient(numeric, e)
        ref = hand_oscillator_d(e, w, g, Om)
        assert abs(r["value"] - ref) <= max(r["error"], 1e-12 * ref)
        assert r["error"] < 1e-7 * ref
        assert r["h0"] == pytest.approx(2 * np.pi / Om, rel=1e-10)  # float cancellation in E − U at the turning points


def test_quasi_periodic_forcing_adds_frequencies():
    model = energy_diffusion_model("p**2/2 + x**2/2", "x*cos(omega*t) + x*cos(sqrt(2)*omega*t)", "1", "0.5")
    r = diffusion_coefficient(replace(model, quadratic=None), 1.0)
    ref = hand_oscillator_d(1.0, 1.0, 0.5) + hand_oscillator_d(1.0, np.sqrt(2), 0.5)  # cross terms average out
    assert abs(r["value"] - ref) <= r["error"] + 1e-12


# --------------------------------------------------------------------------- anharmonic, numeric
@pytest.mark.parametrize("energy", [0.3, 1.0, 3.0])
def test_quartic_vs_brute_force_green_kubo(energy):
    model = energy_diffusion_model("p**2/2 + x**4/4", "x*cos(omega*t)", "1", "0.5")
    r = diffusion_coefficient(model, energy)
    ref = brute_force_green_kubo(lambda x: x ** 4 / 4, lambda x: x ** 3, energy, 1.0, 0.5)
    # the brute force is good to ~4e-11 here (n = 1024 vs 4096): the true error must lie
    # within the claimed one, and the claimed one must be small
    assert abs(r["value"] - ref) <= r["error"] + 1e-10 * ref
    assert r["error"] < 1e-8 * r["value"]


def test_double_well_two_components_and_symmetry():
    model = energy_diffusion_model("p**2/2 + x**4/4 - x**2", "x*cos(omega*t)", "1.3", "0.2")
    comps = shell_components(model, -0.5)
    assert len(comps) == 2 and comps[0][0] == pytest.approx(-comps[1][1], abs=1e-12)
    below, above = diffusion_coefficient(model, -0.5), diffusion_coefficient(model, 0.5)
    assert below["value"] > 0 and above["value"] > 0
    with pytest.raises(EnergyBelowMinimum):
        diffusion_coefficient(model, -1.5)
    with pytest.raises(CriticalEnergy):  # the separatrix through the barrier top U(0) = 0
        diffusion_coefficient(model, 0.0)
    assert diffusion_coefficient(model, model.u_min)["value"] == 0.0


# --------------------------------------------------------------------------- quantum ↔ classical
@pytest.mark.parametrize("w,g", [(1.0, 0.5), (1.3, 0.2)])
def test_quantum_rates_match_classical_diffusion(oscillator, w, g):
    r = oscillator_quantum_classical(10, w, g, classical=oscillator)
    inner = r["interior"]
    np.testing.assert_allclose(r["D_quantum"][inner], r["d_classical"][inner], rtol=1e-10)
    np.testing.assert_allclose(r["drift_quantum"][inner], r["drift_classical"][inner], rtol=1e-10)
    # independent: nearest-neighbour rate A(n, n+1) = ¼(n+1)[L(ω−1) + L(ω+1)], L(a) = γ/(γ² + a²)
    n = np.arange(9)
    hand = (n + 1) / 4 * (g / (g ** 2 + (w - 1) ** 2) + g / (g ** 2 + (w + 1) ** 2))
    np.testing.assert_allclose(r["rates"][n, n + 1], hand, rtol=1e-10)


def test_quartic_quantum_rates_approach_classical_d_at_large_n():
    from derive.correctors.energy_diffusion import anharmonic_quantum_classical
    model = energy_diffusion_model("p**2/2 + x**4/4", "x*cos(omega*t)", "1", "0.5")
    rows = anharmonic_quantum_classical(model, [5, 10, 20])["rows"]
    rel = [abs(r["relative_difference"]) for r in rows]
    assert rel[0] < 3e-3 and rel[1] < 5e-4 and rel[2] < 1e-4  # semiclassical: O(ħ²), shrinking with n
    assert rel[0] > rel[1] > rel[2]


# --------------------------------------------------------------------------- particles vs limit
def test_finite_volume_solver_moments_and_conservation():
    c, m0, v0, T = 9 / 17, 1.0, 0.25, 1.0  # Gamma(4, 1/4): mean 1, variance 1/4
    _, pdf = gamma_energy_sampler(4.0, 0.25)
    ref = solve_energy_diffusion(lambda e: 2 * np.pi + 0 * e, lambda e: c * e, pdf, e_lo=0, e_hi=40, T=T)
    # by hand: d/dt⟨E⟩ = ⟨d'⟩ = c, d/dt⟨E²⟩ = 4c⟨E⟩ ⇒ Var(T) = v0 + 2c m0 T + c²T²
    assert ref["mean"].value == pytest.approx(m0 + c * T, abs=max(3 * ref["mean"].error, 1e-6))
    assert ref["variance"].value == pytest.approx(v0 + 2 * c * m0 * T + (c * T) ** 2,
                                                  abs=max(3 * ref["variance"].error, 2e-5))
    assert ref["mass_defect"] < 1e-12
    u = ref["density"]
    u_early = solve_energy_diffusion(lambda e: 2 * np.pi + 0 * e, lambda e: c * e, pdf, e_lo=0, e_hi=40,
                                     T=0.2)["density"]
    assert np.sum(u ** 2) < np.sum(u_early ** 2) < np.sum(pdf(ref["centers"]) ** 2)  # ∫h₀F² decreases


def test_particles_converge_to_limit_equation():
    c = 9 / 17  # the limit (checked against the derivation in test_oscillator_closed_form_matches_hand_derivation)
    target_mean, target_var = 1 + c, 0.25 + 2 * c + c ** 2
    errs_m, errs_v, errs_g, ses = [], [], [], []
    for k, eps in enumerate((0.4, 0.2, 0.1)):
        sim = simulate_forced_oscillator(eps, 1.0, omega=1.0, relaxation=0.5, n_particles=40_000, seed=7 + k)
        errs_m.append(abs(sim["mean"].value - target_mean))
        errs_v.append(abs(sim["variance"].value - target_var))
        errs_g.append(abs(sim["gain"].value - c))
        ses.append((sim["mean"].error, sim["variance"].error, sim["gain"].error))
        # the Rao–Blackwellized gain agrees with the plain estimator ⟨E(T)⟩ − 1 (initial law mean 1, sd 1/2)
        assert abs(sim["gain"].value - (sim["mean"].value - 1)) < 4 * np.hypot(sim["mean"].error, 0.5 / 200)
    rates = np.log2(np.array(errs_g[:-1]) / np.array(errs_g[1:]))
    assert np.all(rates > 1.6) and np.all(rates < 2.6), rates  # O(ε²), resolved far above the noise:
    assert errs_g[-1] > 10 * ses[-1][2]
    assert errs_v[1] < errs_v[0] / 2 and errs_m[1] < errs_m[0] / 2  # plain estimators converge too
    assert errs_m[0] > 10 * ses[0][0]  # the finite-ε effect is resolved at ε = 0.4
    assert errs_m[1] < errs_m[0] / 2.5 and errs_v[1] < errs_v[0] / 2.5
    assert errs_m[2] < errs_m[1] / 2 + 3 * ses[2][0] and errs_v[2] < errs_v[1] / 2 + 3 * ses[2][1]
    assert np.log2(errs_m[0] / errs_m[1]) > 1.5


# --------------------------------------------------------------------------- certificates
def test_certificates_can_fail():
    model = energy_diffusion_model()
    with pytest.raises(CertificateFailed):
        certify_energy_diffusion(model, 2 * sp.pi, -E * gamma, 0)
    with pytest.raises(CertificateFailed):  # flux at the bottom of the well does not vanish: mass leaks
        certify_energy_diffusion(model, 2 * sp.pi, (E + 1) * gamma, 0)


def test_numeric_certificates_run():
    eq = derive_energy_diffusion(energy_diffusion_model("p**2/2 + x**4/4 + x**2/2", "p*cos(omega*t)", "2", "1"))
    assert {c.name for c in eq.certificates} == {"positivity", "conservation", "entropy"}
    assert "grid" in eq.certificates[0].method


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("ham,err", [("p**2/2 - x**2", NonConfiningHamiltonian), ("p**2/2 + x", NonConfiningHamiltonian),
                                     ("p**2/2 + tanh(x)**2", NonConfiningHamiltonian),
                                     ("p**4 + x**2", ModelError), ("p**2/2", ModelError)])
def test_bad_hamiltonian(ham, err):
    with pytest.raises(err) as exc:
        energy_diffusion_model(ham, "x*cos(omega*t)", "1", "0.5")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("forcing,w,g,err", [("x", "1", "0.5", UnforcedModel), ("x*exp(-t**2)", "1", "0.5", UnforcedModel),
                                             ("x*cos(omega*t)", "0", "0.5", ParameterError),
                                             ("x*cos(omega*t)", "-1", "0.5", ParameterError),
                                             ("x*cos(omega*t)", "1", "-0.1", ParameterError),
                                             ("x*cos(omega*t)", "1", "0", LimitDoesNotExist),
                                             ("__import__('os')", "1", "0.5", ParameterError),
                                             ("y*cos(t)", "1", "0.5", ParameterError),
                                             ("x*cos(omega*t)", "abc", "0.5", ParameterError)])
def test_bad_forcing_and_parameters(forcing, w, g, err):
    with pytest.raises(err) as exc:
        ENTRY.model({"forcing": forcing, "omega": w, "relaxation": g})
    assert isinstance(exc.value, DeriveError) and "\n" not in str(exc.value)
    assert issubclass(UnforcedModel, ParameterError)


# --------------------------------------------------------------------------- catalogue entry
def test_entry_evaluate(oscillator):
    v = ENTRY.evaluate_quantity(oscillator, "coefficient", {"energy": "1"})
    assert v.value == pytest.approx(9 / 17, rel=1e-14) and v.error < 1e-13
    with pytest.raises(OutOfBandError):
        ENTRY.evaluate_quantity(oscillator, "coefficient", {"energy": "-0.1"})
    with pytest.raises(ParameterError):
        ENTRY.evaluate_quantity(oscillator, "coefficient", {"energy": "one"})
    quartic = ENTRY.derive(ENTRY.model({"hamiltonian": "p**2/2+x**4/4", "forcing": "x*cos(omega*t)", "omega": "1",
                                        "relaxation": "0.5"}))
    q = ENTRY.evaluate_quantity(quartic, "coefficient", {"energy": "1"})
    ref = brute_force_green_kubo(lambda x: x ** 4 / 4, lambda x: x ** 3, 1.0, 1.0, 0.5)
    assert abs(q.value - ref) <= q.error + 1e-10 * ref
    assert set(q.to_dict()) >= {"value", "error_estimate"}


def test_render_page_sections():
    data = {"quartic": {"params": {}, "rows": [{"energy": 1.0, "d": 0.5, "error": 1e-10, "h0": 5.2}]}}
    page = render_page(data)
    assert page == render_page(data)
    for part in ("_Generated by `derive docs`", "## Conventions", "## Derivation", "## Certificates",
                 "## Errata applied", "cell_problem", "$$"):
        assert part in page


def test_recheck_flags_changed_numbers():
    from derive.correctors.energy_diffusion import diffusion_coefficient as dc
    params = {"hamiltonian": "p**2/2 + x**4/4", "forcing": "x*cos(omega*t)", "omega": "1", "relaxation": "0.5"}
    r = dc(ENTRY.model(params), 1.0)
    _, pdf = gamma_energy_sampler(4.0, 0.25)
    c = 9 / 17
    ref = solve_energy_diffusion(lambda e: 2 * np.pi + 0 * e, lambda e: c * e, pdf, e_lo=0.0, e_hi=40.0, T=1.0,
                                 n_cells=1600, n_steps=800)
    data = {"quartic": {"params": params, "rows": [{"energy": 1.0, "d": r["value"], "error": r["error"]}]},
            "convergence": {"d_slope": c, "h0": 2 * np.pi, "slow_time": 1.0,
                            "reference": {"mean": ref["mean"].value, "variance": ref["variance"].value}}}
    assert recheck(data) == []
    data["quartic"]["rows"][0]["d"] *= 1 + 1e-6
    data["convergence"]["reference"]["mean"] += 1e-6
    assert len(recheck(data)) == 2
