"""derive: mechanical derivation of kinetic equations from quantum dynamics.

Public API::

    from derive import RandomPotentialModel, derive_linear_boltzmann, derive_equation, kernels_for, certify
    eq = derive_equation("linear-boltzmann", {"space": "lattice", "dim": 3})
    print(eq.derivation)           # every step, with the approximation it makes
    kernels_for("linear-boltzmann", {"space": "lattice", "dim": 3}).total_rate_at_energy(1.0)
"""
from derive.catalogue import CATALOGUE, get_entry
from derive.catalogue.linear_boltzmann import derive_linear_boltzmann
from derive.equations.certificates import certify
from derive.errors import DeriveError
from derive.ir import Approximation, Derivation, KineticEquation, Step
from derive.models.random_potential import RandomPotentialModel
from derive.pipeline import derive_equation, kernels_for

__all__ = ["CATALOGUE", "get_entry", "derive_linear_boltzmann", "certify", "DeriveError", "Approximation",
           "Derivation", "KineticEquation", "Step", "RandomPotentialModel", "derive_equation", "kernels_for"]
__version__ = "0.1.0"
