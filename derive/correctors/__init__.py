"""Two-scale (multiscale) corrector engine and the kinetic equations derived with it.

* :mod:`derive.correctors.multiscale` — generic engine: fast generator L₀, periodic or quasi-periodic
  perturbation L₁(τ) (Fourier modes m ∈ ℤ^R), slow projection P ⇒ limiting operator ⟨P L₁ (∂_τ − L₀)⁻¹ L₁ P⟩;
  :mod:`derive.correctors.random_forcing` — random forcing ξ(τ)L₁ ⇒ P L₁ Ĉ₊(−L₀) L₁ P (correlation integral).
* :mod:`derive.correctors.rate_certificates` — symmetry, positivity, conservation, H-theorem of rate equations.
* :mod:`derive.correctors.einstein` — Einstein rate equations for a forced finite-level density matrix with
  dephasing (Castella–Degond–Goudon, seed 002, in the project's sign conventions): periodic, quasi-periodic and
  random (telegraph, general correlation) forcing.
"""
from derive.correctors.multiscale import (
    CellProblemSingular, SolvabilityFailed, TwoScaleResult, diagonal_projection, superop_commutator, superop_left,
    superop_right, time_average, torus_average, two_scale_limit,
)
from derive.correctors.random_forcing import CorrelationTransform, correlation_limit, correlation_transform
from derive.correctors.einstein import (
    DegenerateLevels, EntropyIncreases, NegativeRate, NonHermitianCoupling, ProbabilityNotConserved,
    RatesNotSymmetric, EinsteinRates, ResonanceWithoutRelaxation, bloch_generators, certify_conservation,
    certify_h_theorem, certify_nonnegative, certify_rates, certify_symmetric, einstein_generator, einstein_rates,
    lorentzian_constant, lorentzian_delta_weight, PeriodicForcing, QuasiPeriodicForcing, RandomForcing,
    forced_rates, telegraph_correlation, random_rate_form, quasi_periodic_generators, random_generators,
    rate_condition, certify_spectral_positivity, validate_forcing,
)

__all__ = [
    "CellProblemSingular", "SolvabilityFailed", "TwoScaleResult", "superop_commutator", "superop_left",
    "superop_right", "diagonal_projection", "two_scale_limit", "torus_average", "time_average",
    "CorrelationTransform", "correlation_transform", "correlation_limit",
    "DegenerateLevels", "EntropyIncreases", "NegativeRate", "NonHermitianCoupling", "ProbabilityNotConserved",
    "RatesNotSymmetric", "EinsteinRates", "certify_rates", "einstein_generator", "einstein_rates",
    "lorentzian_delta_weight", "ResonanceWithoutRelaxation", "bloch_generators", "certify_conservation",
    "certify_h_theorem", "certify_nonnegative", "certify_symmetric", "lorentzian_constant",
    "PeriodicForcing", "QuasiPeriodicForcing", "RandomForcing", "forced_rates", "telegraph_correlation",
    "random_rate_form", "quasi_periodic_generators", "random_generators", "rate_condition",
    "certify_spectral_positivity", "validate_forcing",
]
