"""Collision operators on grids: the conservative energy-grid Uehling–Uhlenbeck operator (radial W, d = 3)."""
from kernels.collision.angular import angular_kernel, shell_limits
from kernels.collision.radial_quantum import (EnergyGrid, GridTable, RadialUUCollision, collision_at, derived_parts,
                                              radial_collision)

__all__ = ["angular_kernel", "shell_limits", "EnergyGrid", "GridTable", "RadialUUCollision", "derived_parts",
           "radial_collision", "collision_at"]
