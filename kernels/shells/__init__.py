"""Energy-shell integrals ∫ g δ(ω − E) dp on the lattice torus and in the continuum."""
from kernels.shells.continuum import continuum_isotropic_shell_integral, continuum_shell_integral
from kernels.shells.lattice import lattice_shell_integral, lattice_van_hove_energies

__all__ = ["continuum_isotropic_shell_integral", "continuum_shell_integral", "lattice_shell_integral",
           "lattice_van_hove_energies"]
