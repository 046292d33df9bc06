"""Densities of states :math:`n(E) = \\int\\delta(\\omega(p) - E)\\,dp` of the lattice and continuum Laplacians.

Lattice (:math:`\\omega = \\sum_j(1 - \\cos 2\\pi p_j)` on :math:`\\mathbb{T}^d`, Lebesgue ``dp``):

.. math:: n_1(E) = \\frac{1}{\\pi\\sqrt{E(2-E)}}, \\qquad
          n_2(E) = \\frac{1}{\\pi^2}K(m),\\; m = 1 - (1 - E/2)^2, \\qquad
          n_3(E) = \\frac1\\pi\\int_0^\\pi n_2(E - 1 + \\cos\\varphi)\\,d\\varphi,

with :math:`K(m) = \\int_0^{\\pi/2}(1 - m\\sin^2\\theta)^{-1/2}d\\theta` in scipy's *parameter* convention.

Derivation of :math:`n_2`: :math:`n_2(E) = \\int_0^2 n_1(e)\\,n_1(E - e)\\,de` (the two coordinates are
independent). With :math:`e = 1 - \\cos\\alpha`, :math:`E - e = 1 - \\cos\\beta` this is
:math:`\\pi^{-2}\\int_0^\\pi d\\alpha\\,[\\sin\\beta]^{-1}` with :math:`\\cos\\beta = 2 - E - \\cos\\alpha`,
i.e. :math:`\\pi^{-2}\\int d\\alpha\\,[(1-c)(1+c)]^{-1/2}`, :math:`c = 2 - E - \\cos\\alpha`. Writing
:math:`r = 1 - E/2` and :math:`\\cos\\alpha = r - \\ldots` reduces it to the Legendre form
:math:`\\int_0^{\\pi/2}(1 - (1 - r^2)\\sin^2\\theta)^{-1/2}d\\theta = K(1 - r^2)` — the textbook square-lattice
DOS :math:`\\rho(\\varepsilon) = K(\\sqrt{1 - \\varepsilon^2/16t^2})/(2\\pi^2 t)` (modulus form) with hopping
:math:`t = \\tfrac12`, :math:`\\varepsilon = E - 2`. Checked numerically in ``tests/kernels/test_shells.py``
against the convolution :math:`n_1 * n_1` computed by ``mpmath.quad`` and against the angle-variable shell
integral with :math:`g = 1`. Since :math:`K(m) \\sim \\log(4/\\sqrt{1-m})` we evaluate
:math:`K` as ``ellipkm1(r**2)`` with :math:`r = (2 - E)/2` exact, which keeps full accuracy at the log
singularity :math:`E = 2`.

Continuum (:math:`\\omega = |p|^2/2`, Lebesgue ``dp``; the caller multiplies by :math:`(2\\pi)^{-d}`):
:math:`n(E) = |S^{d-1}|\\,(2E)^{(d-2)/2}` for :math:`E > 0`.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ellipkm1

from derive.errors import ParameterError
from kernels.estimate import Estimate
from kernels.quadrature.tanh_sinh import tanh_sinh
from kernels.shells.lattice import half_angle

__all__ = ["lattice_density_of_states", "continuum_density_of_states", "unit_sphere_area"]

_EPS = float(np.finfo(float).eps)
_VAN_HOVE_FINITE = "van Hove point: derivative singular, reduced accuracy"
_LOG4 = float(np.log(4.0))
#: tanh-sinh truncation for the 3-D DOS: the integrand is bounded except for log|d| at d = 0, and the
#: outermost node at t = 3.5 lies 5e-23 (relative) from the end, so the neglected tail is below 1e-20
_T_MAX = 3.5


def unit_sphere_area(dim: int) -> float:
    """:math:`|S^{d-1}| = 2\\pi^{d/2}/\\Gamma(d/2)`: 2, 2π, 4π for d = 1, 2, 3."""
    return {1: 2.0, 2: 2.0 * np.pi, 3: 4.0 * np.pi}[dim]


def _elliptic_k_of_gap(r: np.ndarray) -> np.ndarray:
    """:math:`K(1 - r^2)` (the 2-D factor at :math:`r = 1 - e/2`); :math:`\\log(4/|r|)` once :math:`r^2` underflows."""
    r = np.abs(r)
    tiny = r < 1e-100
    if not tiny.any():
        return ellipkm1(r * r)
    with np.errstate(divide="ignore"):
        return np.where(tiny, _LOG4 - np.log(np.where(tiny, r, 1.0)), ellipkm1(np.where(tiny, 1.0, r * r)))


def _energies(E) -> np.ndarray:
    E = np.asarray(E, dtype=float)
    if np.isnan(E).any():
        raise ParameterError("energy is NaN")
    return E


def _pack(value, error, method, n_eval, singular, notes) -> Estimate:
    if np.ndim(value) == 0:
        return Estimate(float(value), float(error), method, n_eval, 15, bool(singular), tuple(notes))
    return Estimate(value, error, method, n_eval, 15, singular, tuple(notes))


def lattice_density_of_states(E, dim: int, *, tol: float = 1e-12) -> Estimate:
    """Density of states :math:`n_d(E) = \\int_{\\mathbb{T}^d}\\delta(\\omega(p) - E)\\,dp`, vectorized over ``E``.

    Parameters
    ----------
    E
        Energy or array of energies.
    dim
        1, 2 (closed forms, see the module docstring) or 3 (tanh-sinh over :math:`\\varphi`, split at
        :math:`\\cos\\varphi = 3 - E` where :math:`n_2` is log-singular; relative tolerance ``tol``).

    Returns
    -------
    Estimate
        Value 0 outside :math:`[0, 2d]`. Van Hove points :math:`E \\in \\{0, 2, \\dots, 2d\\}` are flagged in
        ``singular``: where :math:`n` diverges (d = 1: 0 and 2; d = 2: 2) the value is ``inf``; where it is
        finite (d = 2: :math:`1/2\\pi` at 0 and 4; d = 3: 0 at 0 and 6, the computed value at 2 and 4) the
        finite value is returned with the note "van Hove point: derivative singular, reduced accuracy".

    Examples
    --------
    >>> r = lattice_density_of_states([0.5, 2.0, 7.0], 2)
    >>> r.value.tolist(), r.singular.tolist()        # doctest: +ELLIPSIS
    ([0.1828..., inf, 0.0], [False, True, False])
    >>> abs(lattice_density_of_states(3.0, 3).value - 0.2853459654460390) < 1e-14
    True
    """
    E = _energies(E)
    if dim == 1:
        return _dos_1d(E)
    if dim == 2:
        return _dos_2d(E)
    if dim == 3:
        return _dos_3d(E, tol)
    raise ParameterError(f"lattice density of states is implemented for d = 1, 2, 3, not {dim!r}")


def _dos_1d(E: np.ndarray) -> Estimate:
    inside = (E > 0) & (E < 2)
    vh = (E == 0) | (E == 2)
    Es = np.where(inside, E, 1.0)
    val = np.where(inside, 1.0 / (np.pi * np.sqrt(Es * (2.0 - Es))), np.where(vh, np.inf, 0.0))
    err = np.where(inside, 4 * _EPS * val, np.where(vh, np.inf, 0.0))
    notes = ("van Hove point E=0 or 2: n_1 diverges (inverse square root), value inf",) if vh.any() else ()
    return _pack(val, err, "closed form", 1, vh, notes)


def _dos_2d(E: np.ndarray) -> Estimate:
    inside = (E >= 0) & (E <= 4) & (E != 2)
    edge = (E == 0) | (E == 4)
    saddle = E == 2
    with np.errstate(divide="ignore"):
        val = np.where(inside, _elliptic_k_of_gap(0.5 * (2.0 - E)) / np.pi ** 2, 0.0)
    val = np.where(saddle, np.inf, val)
    err = np.where(inside, 8 * _EPS * val, np.where(saddle, np.inf, 0.0))
    notes = []
    if saddle.any():
        notes.append("van Hove point E=2 (saddle): n_2 diverges logarithmically, value inf")
    if edge.any():
        notes.append(_VAN_HOVE_FINITE + " (band edge E=0 or 4: n_2 = 1/(2π))")
    return _pack(val, err, "closed form (elliptic K)", 1, saddle | edge, notes)


def _dos_3d(E: np.ndarray, tol: float) -> Estimate:
    """:math:`n_3(E) = \\pi^{-3}\\int K(1 - r^2)\\,d\\varphi`, :math:`r = (3 - E - \\cos\\varphi)/2`, by tanh-sinh.

    The band symmetry :math:`n_3(E) = n_3(6 - E)` (exact in floating point for :math:`E \\ge 3`) reduces to
    :math:`E \\le 3`, where there are two interval types (the geometry of
    :func:`kernels.shells.lattice.first_angle_intervals`, specialised for speed):

    * :math:`E < 2`: :math:`\\varphi \\in [0, \\arccos(1 - E)]`, :math:`r = (1 - E/2) + \\sin^2(\\varphi/2)`;
    * :math:`2 \\le E \\le 3`: the break :math:`\\psi = \\arccos(3 - E) \\le \\pi/2` and
      :math:`\\varphi = \\psi + \\sigma d`,
      :math:`d \\in [0, \\psi]` (:math:`\\sigma = -1`) or :math:`[0, \\pi - \\psi]` (:math:`\\sigma = +1`), with
      :math:`|r| = |\\sin(\\psi + \\sigma d/2)\\sin(d/2)|` — exact in the tanh-sinh distance :math:`d`, so the log
      singularity of :math:`K` at :math:`d = 0` is resolved to full precision.
    """
    shape = E.shape
    flat = E.ravel()
    half = np.where(flat > 3, 6.0 - flat, flat)
    below = (half > 0) & (half < 2)
    middle = (half >= 2) & (half <= 3)
    val, err = np.zeros(flat.size), np.zeros(flat.size)
    n_eval, notes = 0, []
    scale = np.pi ** -3
    if below.any():
        e = half[below]
        res = tanh_sinh(lambda u, r0: _elliptic_k_of_gap(r0 + np.sin(0.5 * u) ** 2),
                        0.0, half_angle(e), args=(1.0 - 0.5 * e,), tol=tol, max_level=10, t_max=_T_MAX)
        val[below], err[below] = res.value * scale, res.error * scale
        n_eval, notes = res.n_eval, list(res.notes)
    if middle.any():
        e = half[middle]
        psi = half_angle(e - 2.0)
        width = np.stack([psi, np.pi - psi], axis=-1)
        sigma = np.array([-0.5, 0.5])
        res = tanh_sinh(lambda d, psi, s: _elliptic_k_of_gap(np.sin(psi + s * d) * np.sin(0.5 * d)),
                        0.0, width, args=(psi[:, None], sigma), tol=tol, max_level=10, t_max=_T_MAX)
        val[middle] = res.value.sum(axis=-1) * scale
        err[middle] = res.error.sum(axis=-1) * scale
        n_eval, notes = max(n_eval, res.n_eval), notes + list(res.notes)
    vh = np.isin(flat, (0.0, 2.0, 4.0, 6.0))
    if vh.any():
        notes.append(_VAN_HOVE_FINITE + " (E in {0, 2, 4, 6}; n_3 finite there)")
    return _pack(val.reshape(shape), err.reshape(shape), "tanh-sinh (1-D, elliptic K)", n_eval, vh.reshape(shape),
                 notes)


def continuum_density_of_states(E, dim: int) -> Estimate:
    """:math:`n(E) = \\int_{\\mathbb{R}^d}\\delta(|p|^2/2 - E)\\,dp = |S^{d-1}|\\,(2E)^{(d-2)/2}` (Lebesgue ``dp``).

    Vectorized over ``E``; 0 for :math:`E < 0`. :math:`E = 0`: d = 1 diverges (``inf``, ``singular``); d = 2
    gives the constant :math:`2\\pi` and d = 3 gives 0 — finite, so ``singular`` stays ``False`` and a note
    records that :math:`n` is not smooth there (jump in d = 2, square-root onset in d = 3).

    Examples
    --------
    >>> continuum_density_of_states(2.0, 3).value == 4 * np.pi * 2.0
    True
    """
    E = _energies(E)
    if dim not in (1, 2, 3):
        raise ParameterError(f"continuum density of states is implemented for d = 1, 2, 3, not {dim!r}")
    area = unit_sphere_area(dim)
    pos = E > 0
    Ep = np.where(pos, E, 1.0)
    val = np.where(pos, area * (2.0 * Ep) ** (0.5 * (dim - 2)), 0.0)
    zero = E == 0
    notes: list[str] = []
    singular = np.zeros(E.shape, dtype=bool)
    if dim == 1:
        val = np.where(zero, np.inf, val)
        singular = zero
        if zero.any():
            notes.append("E=0: n_1 = 2/sqrt(2E) diverges, value inf")
    elif dim == 2:
        val = np.where(zero, area, val)
        if zero.any():
            notes.append("E=0: band edge, n jumps from 0 to 2π (value 2π, not smooth)")
    elif zero.any():
        notes.append("E=0: band edge, n = 4π sqrt(2E) has a square-root onset (value 0, not smooth)")
    err = np.where(np.isfinite(val), 4 * _EPS * val, np.inf)
    return _pack(val, err, "closed form", 1, singular, notes)
