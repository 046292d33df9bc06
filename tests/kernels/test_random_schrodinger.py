"""Exact lattice random Schrödinger dynamics: propagator accuracy and convergence to the kinetic limit."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from scipy import integrate
from scipy.special import ellipk

from derive.errors import CorrelationNotPositive
from kernels.estimate import Estimate
from kernels.exact.random_schrodinger import (
    averaged_momentum_distribution, build_hamiltonian, chebyshev_propagate, chebyshev_terms, gaussian_potential,
    lattice_dispersion, mass_near, mode_mask, plane_wave, simulate, survival_probability, window_mask,
)


# ----------------------------------------------------------------------------------------------- helpers
def dense_hamiltonian(dim: int, L: int, lam: float, potential: np.ndarray) -> np.ndarray:
    """H = -½Δ + λV in position space, built from shifts (independent of the FFT implementation)."""
    n = L ** dim
    index = np.arange(n).reshape((L,) * dim)
    h = np.zeros((n, n))
    for axis in range(dim):
        for step in (1, -1):
            neighbour = np.roll(index, -step, axis=axis).ravel()  # x + e
            h[index.ravel(), neighbour] -= 0.5
            h[index.ravel(), index.ravel()] += 0.5
    return h + lam * np.diag(potential.ravel())


def n1(energy: float) -> float:
    """Closed-form 1D density of states n₁(E) = 1/(π√(E(2−E)))."""
    return 1.0 / (math.pi * math.sqrt(energy * (2.0 - energy)))


def n2(energy: float) -> float:
    """Closed-form 2D density of states n₂(E) = π⁻² K(m), m = 1 − (1 − E/2)² (scipy parameter convention)."""
    return float(ellipk(1.0 - (1.0 - energy / 2.0) ** 2)) / math.pi ** 2


def first_order_outflow(dim: int, L: int, k0, t: float, keep: np.ndarray) -> float:
    """First-order mass leaving ``keep``, per λ²σ²: Σ_{k∉keep} L^{-d}·2(1−cos Δ_k t)/Δ_k², Δ_k = ω(k) − ω(k₀).

    (White noise: E|⟨k|V|k₀⟩|² = σ²/L^d; |∫₀ᵗ e^{iΔs} ds|² = 2(1 − cos Δt)/Δ².)
    """
    omega = lattice_dispersion(dim, L)
    delta = omega - omega[tuple(np.broadcast_to(k0, (dim,)))]
    tiny = np.abs(delta) < 1e-12
    kernel = np.where(tiny, t * t, 2.0 * (1.0 - np.cos(delta * t)) / np.where(tiny, 1.0, delta) ** 2)
    return float(kernel[~keep].sum()) / L ** dim


# ----------------------------------------------------------------------------------------------- propagator
def test_chebyshev_series_tail_bound_holds_for_scalars():
    y = np.linspace(-1.0, 1.0, 2001)
    for x in (0.0, 0.3, -7.5, 60.0):
        coeffs, tail = chebyshev_terms(x, tol=1e-12)
        theta = np.arccos(y)
        series = sum(c * np.cos(n * theta) for n, c in enumerate(coeffs))
        assert tail <= 1e-12
        assert np.max(np.abs(series - np.exp(-1j * x * y))) <= tail + 1e-13 * len(coeffs)


@pytest.mark.parametrize("dim, L", [(1, 13), (2, 6)])
def test_chebyshev_matches_expm(dim, L):
    rng = np.random.default_rng(11)
    potential = rng.standard_normal((3,) + (L,) * dim)
    lam, t = 0.7, 9.3
    ham = build_hamiltonian(dim, L, lam, potential)
    psi = rng.standard_normal((3,) + (L,) * dim) + 1j * rng.standard_normal((3,) + (L,) * dim)
    out, bound = chebyshev_propagate(ham.apply, psi, t, ham.spectral_bounds)
    assert bound <= 1e-11
    for b in range(3):
        h = dense_hamiltonian(dim, L, lam, potential[b])
        eig = np.linalg.eigvalsh(h)
        assert ham.spectral_bounds[0] <= eig[0] and eig[-1] <= ham.spectral_bounds[1]
        exact = scipy.linalg.expm(-1j * t * h) @ psi[b].ravel()
        assert np.max(np.abs(out[b].ravel() - exact)) <= 1e-10


def test_norm_is_conserved():
    rng = np.random.default_rng(5)
    ham = build_hamiltonian(2, 24, 0.5, rng.standard_normal((4, 24, 24)))
    psi = np.broadcast_to(plane_wave(2, 24, (3, 5)), (4, 24, 24))
    out, _ = chebyshev_propagate(ham.apply, psi, 40.0, ham.spectral_bounds)
    assert np.allclose(np.sum(np.abs(out) ** 2, axis=(1, 2)), 1.0, rtol=0, atol=1e-10)


def test_zero_coupling_gives_the_plane_wave():
    L, k0, t = 20, (3, 7), 17.0
    psi0 = plane_wave(2, L, k0)
    ham = build_hamiltonian(2, L, 0.0, np.random.default_rng(0).standard_normal((1, L, L)))
    out, _ = chebyshev_propagate(ham.apply, psi0[None], t, ham.spectral_bounds)
    energy = lattice_dispersion(2, L)[k0]
    assert np.max(np.abs(out[0] - np.exp(-1j * energy * t) * psi0)) <= 1e-12
    dist = averaged_momentum_distribution(2, L, 0.0, 1.0, t, k0, 3, seed=1)
    expected = mode_mask(2, L, k0).astype(float)
    assert np.max(np.abs(dist.value - expected)) <= 1e-12 and np.max(dist.error) <= 1e-11
    assert survival_probability(dist, k0).value == pytest.approx(1.0, abs=1e-12)
    assert mass_near(dist, k0, 1).value == pytest.approx(1.0, abs=1e-12)


def test_results_do_not_depend_on_batch_size():
    a = averaged_momentum_distribution(1, 40, 0.3, 1.0, 9.0, 10, 6, seed=3, batch=2)
    b = averaged_momentum_distribution(1, 40, 0.3, 1.0, 9.0, 10, 6, seed=3, batch=6)
    assert np.max(np.abs(a.value - b.value)) <= 1e-12
    assert np.all(np.isfinite(a.value)) and np.all(np.isfinite(a.error))
    smooth = averaged_momentum_distribution(2, 12, 0.3, 1.0, 5.0, (2, 1), 4, seed=3,
                                            spectrum=lambda k1, k2: np.exp(-10 * (k1 ** 2 + k2 ** 2)))
    assert smooth.value.shape == (12, 12) and np.sum(smooth.value) == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.isfinite(smooth.error)) and np.all(smooth.error >= 0)


# ----------------------------------------------------------------------------------------------- disorder
def _empirical_covariance(fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample translation averages Ĉ(x) = L^{-d} Σ_y V(y)V(y+x) → (mean over samples, standard error)."""
    axes = tuple(range(1, fields.ndim))
    spec = np.fft.fftn(fields, axes=axes)
    per_sample = np.fft.ifftn(np.abs(spec) ** 2, axes=axes).real / np.prod(fields.shape[1:])
    return per_sample.mean(axis=0), per_sample.std(axis=0, ddof=1) / np.sqrt(len(fields))


def test_correlated_field_has_the_requested_covariance():
    a, L, n = 0.6, 32, 4000
    spectrum_1d = lambda k: (1 - a * a) / (1 - 2 * a * np.cos(2 * np.pi * k) + a * a)  # θ(x) = a^|x| on ℤ
    x = np.arange(L)
    theta_L = (a ** x + a ** (L - x)) / (1 - a ** L)  # periodisation Σ_m a^{|x + mL|}
    rng = np.random.default_rng(2024)
    fields = gaussian_potential(1, L, 1.0, n, rng, spectrum=spectrum_1d)
    cov, se = _empirical_covariance(fields)
    assert np.all(np.abs(cov - theta_L) <= 5 * se)
    assert abs(fields.mean()) <= 5 * fields.mean(axis=1).std() / np.sqrt(n)
    # d = 2, separable spectrum R(k) = σ² R₁(k₁)R₁(k₂): θ = σ² θ₁⊗θ₁
    sigma = 0.7
    fields2 = gaussian_potential(2, 16, sigma, 1500, rng, spectrum=lambda k1, k2: spectrum_1d(k1) * spectrum_1d(k2))
    theta16 = (a ** np.arange(16) + a ** (16 - np.arange(16))) / (1 - a ** 16)
    cov2, se2 = _empirical_covariance(fields2)
    assert np.all(np.abs(cov2 - sigma ** 2 * np.outer(theta16, theta16)) <= 5 * se2)
    with pytest.raises(CorrelationNotPositive):
        gaussian_potential(1, 8, 1.0, 2, rng, spectrum=lambda k: np.cos(2 * np.pi * k))


def test_white_noise_variance():
    v = gaussian_potential(2, 16, 0.5, 400, np.random.default_rng(1))
    var = (v ** 2).mean()
    assert abs(var - 0.25) <= 5 * (v ** 2).mean(axis=(1, 2)).std() / np.sqrt(400)


# ----------------------------------------------------------------------------------------------- kinetic limit
def test_closed_form_densities_of_states():
    """∫_{E₁}^{E₂} n_d = |{k: E₁ < ω(k) < E₂}| on a fine midpoint grid; n₂ = n₁ * n₁ (convolution)."""
    k = (np.arange(1_000_000) + 0.5) / 1_000_000 - 0.5
    w1 = 1 - np.cos(2 * np.pi * k)
    for e1, e2 in [(0.3, 0.6), (0.9, 1.1), (1.4, 1.9)]:
        assert np.mean((w1 > e1) & (w1 < e2)) == pytest.approx(integrate.quad(n1, e1, e2)[0], abs=1e-5)
    k2 = k[::400]
    w2 = (1 - np.cos(2 * np.pi * k2))[:, None] + (1 - np.cos(2 * np.pi * k2))[None, :]
    for e1, e2 in [(0.5, 0.9), (0.9, 1.1), (2.5, 3.5)]:
        assert np.mean((w2 > e1) & (w2 < e2)) == pytest.approx(integrate.quad(n2, e1, e2, points=[2.0])[0],
                                                                 abs=2e-4)
    for energy in (0.5, 1.0, 3.2):  # n₂(E) = ∫ n₁(u) n₁(E − u) du
        lo, hi = max(0.0, energy - 2.0), min(2.0, energy)
        conv = integrate.quad(lambda u: n1(u) * n1(energy - u), lo, hi, limit=200,
                              points=[p for p in (1.0, energy - 1.0) if lo < p < hi])[0]
        assert conv == pytest.approx(n2(energy), rel=1e-6)


def test_kinetic_limit_d1_mass_near_k0():
    """M₊(τ) → (1 + e^{−Στ})/2 at Στ = ½, k₀ = 1/5 (E ≈ 0.691), σ = 1.

    Tolerance 4·SE + 2|δ₁|: δ₁ = O(λ²) is the finite-λ correction of first-order perturbation theory
    (off-shell mass outside the windows and the finite-t golden rule, ≈ −1.0λ² here); the factor 2 covers
    the unknown O(λ²) renormalisation of the rate. Second assertion: the measured deviation *is* that
    O(λ²) term (|dev − δ₁| ≤ 4·SE + |δ₁|/2), so what remains vanishes faster than λ². At Στ ≳ 1 the
    exact 1D dynamics departs from the Boltzmann prediction even as λ → 0 (extra backscattering: after
    removing δ₁, M₊ at λ = 0.05 is lower by ≈ 0.004–0.007 at Στ = 1 and 0.013–0.017 at Στ = 2; see
    benchmarks/microscopic_convergence.py), so the 1D check stays at Στ = ½, where that departure is within
    the statistical error (measured −0.0001 ± 0.0013 and −0.0018 ± 0.0014 at λ = 0.05).
    """
    energy = 1 - math.cos(2 * math.pi / 5)
    rate = 2 * math.pi * n1(energy)
    tau = 0.5 / rate
    prediction = 0.5 * (1 + math.exp(-rate * tau))
    deviations = {}
    for lam, L, samples in [(0.1, 600, 1200), (0.05, 1200, 600)]:
        t, k0 = tau / lam ** 2, L // 5
        assert L >= 4 * math.pi * math.sin(2 * math.pi / 5) * t  # 2π|v|/L ≤ 1/(2t)
        keep = window_mask(1, L, k0, L // 10)
        res = simulate(1, L, lam, 1.0, t, k0, samples, seed=7, masks={"plus": keep})
        obs = res.observables["plus"]
        delta1 = rate * tau / 2 - lam ** 2 * first_order_outflow(1, L, k0, t, keep)
        assert -1.5 * lam ** 2 < delta1 < -0.5 * lam ** 2
        assert obs.error < 0.002
        deviation = obs.value - prediction
        assert abs(deviation) <= 4 * obs.error + 2 * abs(delta1), (lam, obs, prediction, delta1)
        assert abs(deviation - delta1) <= 4 * obs.error + abs(delta1) / 2, (lam, obs, prediction, delta1)
        deviations[lam] = deviation
    assert abs(deviations[0.05]) < abs(deviations[0.1])  # converging as λ → 0


def test_kinetic_limit_d2_survival():
    """S(τ) = |ψ̂_t(k₀)|² → e^{−Στ} at Στ = 1, k₀ = (1/6, 1/6) (E = 1, Σ = 2π n₂(1)), σ = 1.

    Tolerance 4·SE + 2|δ₁|: δ₁ = O(λ²) is the first-order finite-t correction (residue of the pole,
    ≈ +0.27λ²); the factor 2 covers the O(λ²) renormalisation of the rate, which first-order theory misses
    (measured deviations: +0.04λ² at λ = 0.4, −0.07λ² ± 0.06λ² at λ = 0.2). L ≥ 2.5|v|t: the torus images
    of the free return amplitude (speed ≤ 1 per axis) come back only after t (L = 24 at λ = 0.2 shows a
    4σ finite-size bias, L = 48 and 96 none).
    """
    rate = 2 * math.pi * n2(1.0)
    tau = 1.0 / rate
    prediction = math.exp(-1.0)
    for lam, L, samples in [(0.2, 60, 128), (0.1, 228, 10)]:
        t, k0 = tau / lam ** 2, (L // 6, L // 6)
        assert L >= 2.5 * math.sqrt(2) * math.sin(math.pi / 3) * t
        masks = {"k0": mode_mask(2, L, k0), "window": window_mask(2, L, k0, 3)}
        res = simulate(2, L, lam, 1.0, t, k0, samples, seed=9, masks=masks)
        obs = res.observables["k0"]
        delta1 = rate * tau - lam ** 2 * first_order_outflow(2, L, k0, t, mode_mask(2, L, k0))
        assert 0 < delta1 < 0.4 * lam ** 2
        assert obs.error < 0.004
        assert abs(obs.value - prediction) <= 4 * obs.error + 2 * abs(delta1), (lam, obs, prediction, delta1)
        # averaged distribution and per-sample observables agree; the window error of mass_near is a bound
        assert survival_probability(res.distribution, k0).value == pytest.approx(obs.value, abs=1e-12)
        assert survival_probability(res.distribution, k0).error == pytest.approx(obs.error, rel=1e-6)
        window = mass_near(res.distribution, k0, 3)
        assert isinstance(window, Estimate) and window.value == pytest.approx(res.observables["window"].value)
        assert window.error >= res.observables["window"].error
