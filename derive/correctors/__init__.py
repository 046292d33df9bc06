"""Two-scale (multiscale) corrector engine and the kinetic equations derived with it.

* :mod:`derive.correctors.multiscale` — generic engine: fast generator L₀, periodic perturbation L₁(τ)
  (Fourier modes), slow projection P ⇒ limiting operator ⟨P L₁ (∂_τ − L₀)⁻¹ L₁ P⟩.
* :mod:`derive.correctors.einstein` — Einstein rate equations for a periodically forced finite-level
  density matrix with dephasing (Castella–Degond–Goudon, seed 002, in the project's sign conventions).
"""
from derive.correctors.multiscale import (
    CellProblemSingular, SolvabilityFailed, TwoScaleResult, superop_commutator, superop_left, superop_right,
    diagonal_projection, two_scale_limit,
)
from derive.correctors.einstein import (
    DegenerateLevels, EntropyIncreases, NegativeRate, NonHermitianCoupling, ProbabilityNotConserved,
    RatesNotSymmetric, EinsteinRates, ResonanceWithoutRelaxation, bloch_generators, certify_conservation,
    certify_h_theorem, certify_nonnegative, certify_rates, certify_symmetric, einstein_generator, einstein_rates,
    lorentzian_constant, lorentzian_delta_weight,
)

__all__ = [
    "CellProblemSingular", "SolvabilityFailed", "TwoScaleResult", "superop_commutator", "superop_left",
    "superop_right", "diagonal_projection", "two_scale_limit",
    "DegenerateLevels", "EntropyIncreases", "NegativeRate", "NonHermitianCoupling", "ProbabilityNotConserved",
    "RatesNotSymmetric", "EinsteinRates", "certify_rates", "einstein_generator", "einstein_rates",
    "lorentzian_delta_weight", "ResonanceWithoutRelaxation", "bloch_generators", "certify_conservation",
    "certify_h_theorem", "certify_nonnegative", "certify_symmetric", "lorentzian_constant",
]
