"""Special functions of the kinetic kernels: densities of states in stable, vectorized forms."""
from kernels.special.dos import continuum_density_of_states, lattice_density_of_states, unit_sphere_area

__all__ = ["continuum_density_of_states", "lattice_density_of_states", "unit_sphere_area"]
