"""Exact (non-perturbative) microscopic dynamics used to check the derived kinetic equations."""
from kernels.exact.random_schrodinger import (
    LatticeHamiltonian, SimulationResult, averaged_momentum_distribution, build_hamiltonian, chebyshev_propagate,
    chebyshev_terms, gaussian_potential, lattice_dispersion, mass_near, mode_mask, momentum_distribution,
    plane_wave, simulate, survival_probability, window_mask,
)

__all__ = [
    "LatticeHamiltonian", "SimulationResult", "averaged_momentum_distribution", "build_hamiltonian",
    "chebyshev_propagate", "chebyshev_terms", "gaussian_potential", "lattice_dispersion", "mass_near",
    "mode_mask", "momentum_distribution", "plane_wave", "simulate", "survival_probability", "window_mask",
]
