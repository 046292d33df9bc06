"""Quadrature rules: vectorized tanh-sinh for the numpy kernels, mpmath references at >= 30 digits."""
from kernels.quadrature.tanh_sinh import TanhSinhLevel, tanh_sinh, tanh_sinh_level

__all__ = ["TanhSinhLevel", "tanh_sinh", "tanh_sinh_level"]
