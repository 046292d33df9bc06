"""Numerical layer: kernels lambdified from derived equations, shell integration, references, exact dynamics.

Imports from :mod:`derive` only ``derive.conventions``, ``derive.errors`` and ``derive.ir``.
"""
from kernels.estimate import Estimate

__all__ = ["Estimate"]
