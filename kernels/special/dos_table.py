"""Chebyshev tables of the 3-D lattice density of states, for evaluating n₃ on many energies at once.

Between consecutive van Hove energies a < b (0, 2, 4, 6) the density of states is an analytic function of
:math:`\\sqrt{E-a}` and :math:`\\sqrt{b-E}` (square-root van Hove singularities of a 3-D band). The map

.. math:: E = a + (b - a)\\sin^2(\\theta/2),\\qquad \\theta\\in[0,\\pi],

turns both into analytic functions of θ (:math:`\\sqrt{E-a}\\propto\\sin(\\theta/2)`,
:math:`\\sqrt{b-E}\\propto\\cos(\\theta/2)`), so a Chebyshev interpolant in θ converges geometrically. The
table is built once from the tanh-sinh kernel :func:`kernels.special.dos.lattice_density_of_states` at
1e-14, and its error is measured a posteriori against that kernel at points between the interpolation nodes;
the reported error is 10 × the largest measured deviation plus the kernel's own error.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.polynomial import chebyshev as C

from kernels.estimate import Estimate
from kernels.special.dos import lattice_density_of_states

__all__ = ["LatticeDOSTable", "lattice_dos_table"]


@dataclass(frozen=True)
class LatticeDOSTable:
    """Piecewise Chebyshev-in-θ interpolant of :math:`n_3` on the band segments [0,2], [2,4], [4,6].

    Attributes
    ----------
    coefficients
        One Chebyshev coefficient array per segment (variable x = 2θ/π − 1).
    error
        Absolute error bound (a-posteriori, see the module docstring).
    """

    coefficients: tuple
    error: float
    degree: int

    @staticmethod
    def _theta(E: np.ndarray, a: float) -> np.ndarray:
        return 2.0 * np.arcsin(np.sqrt(np.clip((E - a) / 2.0, 0.0, 1.0)))

    def __call__(self, E) -> Estimate:
        """n₃(E) as an :class:`Estimate` (0 outside [0, 6]; van Hove energies flagged as singular)."""
        E = np.asarray(E, dtype=float)
        val = np.zeros(E.shape)
        for i, coef in enumerate(self.coefficients):
            a = 2.0 * i
            inside = (E >= a) & (E <= a + 2.0) if i == 2 else (E >= a) & (E < a + 2.0)
            if np.any(inside):
                x = 2.0 * self._theta(E[inside], a) / np.pi - 1.0
                val[inside] = C.chebval(x, coef)
        in_band = (E >= 0) & (E <= 6)
        val = np.where(in_band, val, 0.0)
        singular = np.isin(E, (0.0, 2.0, 4.0, 6.0))
        notes = ("van Hove point: derivative singular, reduced accuracy (E in {0, 2, 4, 6})",) if singular.any() else ()
        return Estimate(val, np.where(in_band, self.error, 0.0), f"Chebyshev table in θ (degree {self.degree})",
                        self.degree, 15, singular if singular.ndim else bool(singular), notes)


@lru_cache(maxsize=4)
def lattice_dos_table(degree: int = 48) -> LatticeDOSTable:
    """Build (once) the n₃ table of the given Chebyshev degree per segment."""
    coefs, worst, kernel_err = [], 0.0, 0.0
    for i in range(3):
        a = 2.0 * i

        def f(x, a=a):
            theta = np.pi * (x + 1.0) / 2.0
            return lattice_density_of_states(a + 2.0 * np.sin(theta / 2) ** 2, 3, tol=1e-14).value

        coef = C.chebinterpolate(f, degree)
        # a-posteriori check between the Chebyshev nodes (where interpolation error peaks)
        nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))
        mids = np.sort(nodes)
        mids = 0.5 * (mids[1:] + mids[:-1])
        theta = np.pi * (mids + 1.0) / 2.0
        ref = lattice_density_of_states(a + 2.0 * np.sin(theta / 2) ** 2, 3, tol=1e-14)
        worst = max(worst, float(np.max(np.abs(C.chebval(mids, coef) - ref.value))))
        kernel_err = max(kernel_err, float(np.max(ref.error)))
        coefs.append(coef)
    return LatticeDOSTable(tuple(coefs), 10.0 * worst + kernel_err, degree)
