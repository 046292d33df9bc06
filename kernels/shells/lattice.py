"""Lattice energy shells :math:`\\int_{\\mathbb{T}^d} g(p)\\,\\delta(\\omega(p) - E)\\,dp` in angle variables.

With :math:`\\varphi_j = 2\\pi|p_j| \\in [0, \\pi]` and sign patterns :math:`s \\in \\{\\pm\\}^d`,

.. math:: \\int_{\\mathbb{T}^d} g\\,\\delta(\\omega - E)\\,dp = (2\\pi)^{-d}\\sum_s\\int_{[0,\\pi]^d}
          g\\bigl(\\tfrac{s\\varphi}{2\\pi}\\bigr)\\,
          \\delta\\bigl(d - \\textstyle\\sum_j\\cos\\varphi_j - E\\bigr)\\,d\\varphi .

The δ is solved for the last angle, :math:`\\cos\\varphi_d = c`, with weight :math:`(1-c^2)^{-1/2}`; the
remaining angles are integrated with nested tanh-sinh over the sub-intervals where :math:`|c| \\le 1`. Every
quantity that vanishes at an end of an interval (:math:`1 \\pm c`, the 2-D saddle offset
:math:`R = 2 - e_1`) is computed as a product of sines of the exact node–endpoint distance, so the
inverse-square-root and logarithmic end singularities are resolved to full precision; every integration
variable starts at an exactly representable end (0, or π via :math:`u = \\pi - \\varphi`), and the 2-D problem
is reflected to :math:`R \\le 0` so its singular end is a small, exactly known angle.

Van Hove energies are :math:`0, 2, \\dots, 2d` (:func:`lattice_van_hove_energies`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from derive.conventions import Space, conventions_for
from derive.errors import ParameterError
from kernels.estimate import Estimate, combine_errors
from kernels.quadrature.tanh_sinh import tanh_sinh

__all__ = ["lattice_van_hove_energies", "lattice_shell_integral", "half_angle", "sin_half_sum", "AngleIntervals",
           "first_angle_intervals", "saddle_offset", "BELOW", "ABOVE", "LEFT_OF_BREAK", "RIGHT_OF_BREAK"]

#: the lattice Fourier phase 2π of ``derive.conventions`` (p_j = ±φ_j / 2π)
PHASE = float(conventions_for(Space.LATTICE, 1).phase)
_EPS = float(np.finfo(float).eps)
#: interval kinds of :func:`first_angle_intervals` (how :func:`saddle_offset` computes R)
BELOW, ABOVE, LEFT_OF_BREAK, RIGHT_OF_BREAK = 0, 1, 2, 3
_VAN_HOVE_NOTE = "van Hove point: derivative singular, reduced accuracy"


def lattice_van_hove_energies(dim: int) -> np.ndarray:
    """Critical values :math:`0, 2, \\dots, 2d` of :math:`\\omega(p) = \\sum_j(1 - \\cos 2\\pi p_j)`."""
    _check_dim(dim)
    return 2.0 * np.arange(dim + 1)


def half_angle(x):
    """:math:`\\arccos(1 - x)` for :math:`x \\in [0, 2]`, to full absolute (and, for small ``x``, relative) accuracy.

    :math:`2\\arcsin\\sqrt{x/2}` for :math:`x \\le 1`; :math:`\\pi - 2\\arcsin\\sqrt{(2-x)/2}` above, where
    :math:`\\arcsin` near 1 would amplify the rounding of its argument (by :math:`10^3` at :math:`x = 2 - 10^{-7}`).
    """
    x = np.clip(np.asarray(x, dtype=float), 0.0, 2.0)
    lower = 2.0 * np.arcsin(np.sqrt(0.5 * np.minimum(x, 1.0)))
    upper = np.pi - 2.0 * np.arcsin(np.sqrt(0.5 * np.minimum(2.0 - x, 1.0)))
    return np.where(x <= 1.0, lower, upper)


def sin_half_sum(phi, phi_comp, alpha, alpha_comp):
    """:math:`\\sin\\frac{\\varphi + \\alpha}{2}`, accurate also when :math:`\\varphi + \\alpha \\approx 2\\pi`.

    ``phi_comp`` and ``alpha_comp`` are :math:`\\pi - \\varphi` and :math:`\\pi - \\alpha` (computed without
    cancellation by the caller); past :math:`\\varphi + \\alpha = \\pi` the sine is taken of
    :math:`(\\pi - \\varphi + \\pi - \\alpha)/2`.
    """
    return np.where(phi + alpha <= np.pi, np.sin(0.5 * (phi + alpha)), np.sin(0.5 * (phi_comp + alpha_comp)))


@dataclass(frozen=True)
class AngleIntervals:
    """Sub-intervals :math:`[a, b] \\subset [0, \\pi]` of the first angle, with exact complements.

    Attributes
    ----------
    a, b, a_comp, b_comp
        Ends and :math:`\\pi - a`, :math:`\\pi - b`, each accurate (small ones to full relative precision).
    kind
        ``BELOW``, ``ABOVE``, ``LEFT_OF_BREAK`` or ``RIGHT_OF_BREAK`` (see :func:`first_angle_intervals`).
    from_pi
        Integrate in :math:`u = \\pi - \\varphi` instead of :math:`u = \\varphi` (intervals ending at π), so
        that the integration range :math:`[0, \\text{width}]` starts at an exactly representable end.
    width
        :math:`b - a`, exact (``b`` for intervals starting at 0, ``a_comp`` for intervals ending at π).
    """

    a: np.ndarray
    b: np.ndarray
    a_comp: np.ndarray
    b_comp: np.ndarray
    kind: np.ndarray
    from_pi: np.ndarray
    width: np.ndarray

    def args(self) -> tuple:
        """Per-interval arguments for :func:`saddle_offset` in the order it takes them."""
        return self.a, self.a_comp, self.b, self.b_comp, self.kind, self.from_pi


def first_angle_intervals(E) -> AngleIntervals:
    """Sub-intervals of :math:`\\varphi_1 \\in [0, \\pi]` for the 3-D shell (or the 3-D density of states).

    The remaining 2-D problem has energy :math:`e_1 = E - 1 + \\cos\\varphi_1`, which must lie in
    :math:`[0, 4]`; at :math:`e_1 = 2` (:math:`\\cos\\varphi_1 = 3 - E`) its value has a log singularity, so
    the range is split there:

    * :math:`0 < E < 2`: :math:`[0, \\arccos(1-E)]` (kind ``BELOW``);
    * :math:`2 \\le E \\le 4`: :math:`[0, \\psi]` and :math:`[\\psi, \\pi]`, :math:`\\psi = \\arccos(3 - E)`
      (kinds ``LEFT_OF_BREAK``, ``RIGHT_OF_BREAK``);
    * :math:`4 < E < 6`: :math:`[\\arccos(5 - E), \\pi]` (kind ``ABOVE``).

    Every field has shape ``E.shape + (2,)``; unused intervals have ``a == b`` and ``width == 0``. Integrate
    over ``[0, width]`` and hand the tanh-sinh distances to :func:`saddle_offset`.
    """
    E = np.asarray(E, dtype=float)
    shape = E.shape + (2,)
    a, b = np.zeros(shape), np.zeros(shape)
    a_comp, b_comp = np.full(shape, np.pi), np.full(shape, np.pi)
    kind = np.full(shape, BELOW, dtype=np.int8)
    below = (E > 0) & (E < 2)
    middle = (E >= 2) & (E <= 4)
    above = (E > 4) & (E < 6)
    low_half = E <= 3
    brk = np.where(low_half, half_angle(np.clip(E - 2, 0, 2)), np.pi - half_angle(np.clip(4 - E, 0, 2)))
    brk_comp = np.where(low_half, np.pi - half_angle(np.clip(E - 2, 0, 2)), half_angle(np.clip(4 - E, 0, 2)))
    # first interval: [0, φ_z] (below) or [0, ψ] (middle)
    b[..., 0] = np.where(below, half_angle(np.clip(E, 0, 2)), np.where(middle, brk, 0.0))
    b_comp[..., 0] = np.where(below, half_angle(np.clip(2 - E, 0, 2)), np.where(middle, brk_comp, np.pi))
    kind[..., 0] = np.where(middle, LEFT_OF_BREAK, BELOW)
    # second interval: [ψ, π] (middle) or [φ_f, π] (above)
    top = half_angle(np.clip(6 - E, 0, 2))
    a[..., 1] = np.where(middle, brk, np.where(above, np.pi - top, 0.0))
    a_comp[..., 1] = np.where(middle, brk_comp, np.where(above, top, np.pi))
    b[..., 1] = np.where(middle | above, np.pi, 0.0)
    b_comp[..., 1] = np.where(middle | above, 0.0, np.pi)
    kind[..., 1] = np.where(middle, RIGHT_OF_BREAK, ABOVE)
    from_pi = np.zeros(shape, dtype=bool)
    from_pi[..., 1] = True
    width = np.where(from_pi, a_comp, b)
    width = np.where(b > a, width, 0.0)
    return AngleIntervals(a, b, a_comp, b_comp, kind, from_pi, width)


def saddle_offset(dist_lo, dist_hi, E, a, a_comp, b, b_comp, kind, from_pi) -> tuple[np.ndarray, np.ndarray,
                                                                                     np.ndarray]:
    """:math:`R = 3 - E - \\cos\\varphi_1 = 2 - e_1` and :math:`\\min(e_1, 4 - e_1)` on an interval of
    :func:`first_angle_intervals`, from the exact node–end distances.

    ``BELOW``: :math:`R = (2-E) + 2\\sin^2\\frac{\\varphi}{2}`, :math:`e_1 = \\cos\\varphi - \\cos b`;
    ``ABOVE``: :math:`R = -(E-4) - 2\\sin^2\\frac{\\pi - \\varphi}{2}`, :math:`4 - e_1 = \\cos a - \\cos\\varphi`;
    next to the break :math:`\\psi`: :math:`R = \\cos\\psi - \\cos\\varphi`, with :math:`e_1 = (E-2) +
    2\\sin^2\\frac{\\pi-\\varphi}{2}` and :math:`4 - e_1 = (4-E) + 2\\sin^2\\frac{\\varphi}{2}`. Differences of
    cosines are products of sines (:func:`sin_half_sum`), so both results keep full relative accuracy where
    they vanish. ``dist_lo``, ``dist_hi`` are the tanh-sinh distances of the node :math:`u` to the ends of
    ``[0, width]``; with ``from_pi`` they are :math:`b - \\varphi` and :math:`\\varphi - a`. Returns
    ``(R, edge, phi)`` with ``phi`` the node angle :math:`\\varphi_1 = a + (\\varphi - a)`.
    """
    dist_a = np.where(from_pi, dist_hi, dist_lo)
    dist_b = np.where(from_pi, dist_lo, dist_hi)
    phi = a + dist_a
    phi_comp = b_comp + dist_b
    s_lo = 2.0 * sin_half_sum(phi, phi_comp, a, a_comp) * np.sin(0.5 * dist_a)      # cos a − cos φ
    s_hi = 2.0 * sin_half_sum(phi, phi_comp, b, b_comp) * np.sin(0.5 * dist_b)      # cos φ − cos b
    sin2, cos2 = 2.0 * np.sin(0.5 * phi) ** 2, 2.0 * np.sin(0.5 * phi_comp) ** 2
    R = np.select([kind == BELOW, kind == ABOVE, kind == LEFT_OF_BREAK],
                  [(2.0 - E) + sin2, -(E - 4.0) - cos2, -s_hi], s_lo)
    middle_edge = np.minimum((E - 2.0) + cos2, (4.0 - E) + sin2)
    edge = np.select([kind == BELOW, kind == ABOVE], [s_hi, s_lo], middle_edge)
    return R, edge, phi


class _SymmetrizedIntegrand:
    """:math:`\\sum_{s\\in\\{\\pm\\}^d} g(s\\varphi/2\\pi)` for angles of shape ``(..., d)``; counts evaluations."""

    def __init__(self, g: Callable, dim: int):
        self.g, self.dim, self.n_eval = g, dim, 0
        grid = np.array(np.meshgrid(*[[1.0, -1.0]] * dim, indexing="ij"))
        self.signs = grid.reshape(dim, -1).T                    # (2^d, d)

    def __call__(self, angles: np.ndarray) -> np.ndarray:
        p = angles[..., None, :] * self.signs / PHASE
        self.n_eval += p.size // self.dim
        vals = np.broadcast_to(np.asarray(self.g(p), dtype=float), p.shape[:-1])
        return vals.sum(axis=-1)


def _two_dim_angle_integral(gsym: _SymmetrizedIntegrand, R: np.ndarray, edge: np.ndarray, outer: np.ndarray,
                            tol: float, max_level: int) -> Estimate:
    """:math:`\\int d\\theta\\, G(\\text{outer}, \\theta, \\varphi)/\\sqrt{1-c^2}` with
    :math:`c = R - \\cos\\theta = \\cos\\varphi`.

    The remaining 2-D problem is :math:`2 - \\cos\\theta - \\cos\\varphi = e` with ``R`` :math:`= 2 - e` and
    ``edge`` :math:`= \\min(e, 4 - e)`, both of shape ``(m,)`` and accurate where small; ``outer`` holds the
    already fixed angles, shape ``(m, k)``.

    For :math:`R > 0` the reflection :math:`(\\theta, \\varphi) \\to (\\pi - \\theta, \\pi - \\varphi)` maps the
    problem to :math:`-R`, so only :math:`R \\le 0` is integrated: :math:`\\theta \\in [\\theta_0, \\pi]` with
    :math:`\\theta_0 = \\arccos(1 - |R|)`, :math:`\\pi - \\theta_0 = \\arccos(1 - \\text{edge}) =: w`, in the variable
    :math:`y = \\pi - \\theta \\in [0, w]` (so the width is exact), with :math:`1 + c = \\cos\\theta_0 - \\cos\\theta`
    as a product of sines of :math:`(\\theta + \\theta_0)/2` and :math:`(\\theta - \\theta_0)/2 = (w - y)/2` and
    :math:`1 - c = |R| + 2\\sin^2(y/2)`. Integrating :math:`R > 0` directly would put the singular end at
    :math:`\\pi - \\theta_0`, whose rounding error is a large relative error of the distance :math:`2\\theta_0` to
    the mirror singularity when :math:`R \\to 0`.
    """
    r_abs = np.abs(R)
    theta0 = half_angle(np.minimum(r_abs, 2.0))
    width = np.where(edge > 0, half_angle(np.clip(edge, 0.0, 2.0)), 0.0)
    flip = (R > 0).astype(float)
    k = outer.shape[1]

    def integrand(y, _, w_minus_y, r_abs, theta0, width, flip, *fixed):
        theta = theta0 + w_minus_y
        one_plus_c = 2.0 * sin_half_sum(theta, y, theta0, width) * np.sin(0.5 * w_minus_y)
        one_minus_c = r_abs + 2.0 * np.sin(0.5 * y) ** 2
        root_minus, root_plus = np.sqrt(one_minus_c), np.sqrt(one_plus_c)
        theta_true = np.where(flip > 0, y, theta)
        phi_true = 2.0 * np.where(flip > 0, np.arctan2(root_plus, root_minus), np.arctan2(root_minus, root_plus))
        angles = np.stack(np.broadcast_arrays(*fixed, theta_true, phi_true), axis=-1)
        return gsym(angles) / (root_minus * root_plus)

    return tanh_sinh(integrand, 0.0, width, args=(r_abs, theta0, width, flip) + tuple(outer[:, j] for j in range(k)),
                     tol=tol, max_level=max_level, distances=True)


def _check_dim(dim: int) -> None:
    if dim not in (1, 2, 3):
        raise ParameterError(f"lattice shells are implemented for d = 1, 2, 3, not {dim!r}")


def _critical_value(g: Callable, points: list[tuple[float, ...]]) -> float:
    """Signed infinity of a divergent shell: sign of the sum of ``g`` at the critical points (``+inf`` if 0)."""
    total = float(np.sum([np.asarray(g(np.array(p, dtype=float))) for p in points]))
    return -np.inf if total < 0 else np.inf


def lattice_shell_integral(g: Callable[[np.ndarray], np.ndarray], E: float, dim: int, *,
                           tol: float = 1e-12) -> Estimate:
    """:math:`\\int_{\\mathbb{T}^d} g(p)\\,\\delta(\\omega(p) - E)\\,dp`, :math:`\\omega = \\sum_j (1-\\cos 2\\pi p_j)`.

    Parameters
    ----------
    g
        Vectorized callable: ``p`` of shape ``(..., dim)`` (components in :math:`[-\\tfrac12, \\tfrac12]`)
        to values of shape ``(...)`` (a scalar result is broadcast).
    E
        Energy (scalar).
    dim
        1, 2 or 3.
    tol
        Relative tolerance of every tanh-sinh level (outer and inner).

    Returns
    -------
    Estimate
        ``d = 1``: :math:`\\frac{g(p_*) + g(-p_*)}{2\\pi\\sqrt{E(2-E)}}`, :math:`p_* = \\arccos(1-E)/2\\pi`
        (closed form). ``d = 2``: one tanh-sinh integral over :math:`\\varphi_1`. ``d = 3``: tanh-sinh over
        :math:`\\varphi_1`, split where :math:`\\cos\\varphi_1 = 3 - E`, of inner tanh-sinh integrals over
        :math:`\\varphi_2`; the inner error estimates are added (weighted) into the total error.
        Out of band: 0. Van Hove points are flagged ``singular``: where the shell integral diverges
        (``d = 1``: :math:`E = 0, 2`; ``d = 2``: :math:`E = 2`) the value is :math:`\\pm\\infty` with the sign of
        ``g`` at the critical points; where it is finite (``d = 2`` band edges: :math:`g(p_c)/2\\pi`, the limit
        from inside the band; ``d = 3``: 0 at the edges, the computed value at 2 and 4) the value is returned.

    Examples
    --------
    >>> r = lattice_shell_integral(lambda p: np.ones(p.shape[:-1]), 1.0, 2)
    >>> abs(r.value - 0.2185007179478863) < 1e-13      # n_2(1) = K(3/4)/π²
    True
    """
    _check_dim(dim)
    E = float(E)
    if np.isnan(E):
        raise ParameterError("energy is NaN")
    top = 2.0 * dim
    if E < 0 or E > top:
        return Estimate(0.0, 0.0, "out of band", 0, 15, False, ("energy outside the band [0, 2d]: shell empty",))
    gsym = _SymmetrizedIntegrand(g, dim)
    if dim == 1:
        return _shell_1d(g, E)
    if dim == 2:
        if E == 2.0:
            val = _critical_value(g, [(0.0, 0.5), (0.5, 0.0)])
            return Estimate(val, np.inf, "van Hove", 2, 15, True,
                            ("van Hove point E=2 (saddle): 1/|∇ω| not integrable, value ±inf",))
        if E in (0.0, top):
            pc = 0.0 if E == 0 else 0.5
            val = float(np.asarray(g(np.array([pc, pc])))) / PHASE
            return Estimate(val, 4 * _EPS * abs(val), "band-edge limit", 1, 15, True,
                            (_VAN_HOVE_NOTE, "band edge: value is the limit g(p_c)/(2π) from inside the band"))
        res = _two_dim_angle_integral(gsym, np.array([2.0 - E]), np.array([min(E, top - E)]), np.zeros((1, 0)),
                                      tol, 10)
        scale = PHASE ** -2
        return Estimate(float(res.value[0]) * scale, float(res.error[0]) * scale, "tanh-sinh (angles)",
                        gsym.n_eval, 15, False, res.notes)
    if E in (0.0, top):
        return Estimate(0.0, 0.0, "band edge", 0, 15, True, (_VAN_HOVE_NOTE, "band edge: the shell is a point"))
    res = _shell_3d(gsym, E, tol)
    singular = E in (2.0, 4.0)
    notes = res.notes + ((_VAN_HOVE_NOTE,) if singular else ())
    scale = PHASE ** -3
    return Estimate(res.value * scale, res.error * scale, "nested tanh-sinh (angles)", gsym.n_eval, 15, singular,
                    notes)


def _shell_1d(g: Callable, E: float) -> Estimate:
    """Two points :math:`\\pm p_*`: :math:`(g(p_*)+g(-p_*))/(2\\pi\\sqrt{E(2-E)})`; divergent at 0 and 2."""
    if E in (0.0, 2.0):
        val = _critical_value(g, [(0.0,)] if E == 0 else [(0.5,)])
        return Estimate(val, np.inf, "van Hove", 1, 15, True,
                        (f"van Hove point E={E:g}: 1/|∇ω| not integrable, value ±inf",))
    p_star = half_angle(E) / PHASE
    vals = np.asarray(g(np.array([[p_star], [-p_star]])), dtype=float)
    terms = np.broadcast_to(vals, (2,)) / (PHASE * np.sqrt(E * (2.0 - E)))
    val = float(terms.sum())
    return Estimate(val, 8 * _EPS * float(np.abs(terms).sum()), "closed form", 2, 15, False, ())


def _shell_3d(gsym: _SymmetrizedIntegrand, E: float, tol: float) -> Estimate:
    """:math:`\\int d\\varphi_1\\,[\\text{2-D angle integral at } e_1 = E - 1 + \\cos\\varphi_1]` over the
    intervals of :func:`first_angle_intervals` (without the factor :math:`(2\\pi)^{-3}`)."""
    iv = first_angle_intervals(E)
    inner_notes: set[str] = set()

    def outer(_, xa, bx, *interval):
        R, edge, phi1 = saddle_offset(xa, bx, E, *interval)
        inner = _two_dim_angle_integral(gsym, R.ravel(), edge.ravel(), phi1.ravel()[:, None], tol, 10)
        inner_notes.update("inner: " + n for n in inner.notes)
        return inner.value.reshape(R.shape), inner.error.reshape(R.shape)

    res = tanh_sinh(outer, 0.0, iv.width, args=iv.args(), tol=tol, max_level=10, distances=True)
    return Estimate(float(res.value.sum()), float(combine_errors(*res.error)), res.method, res.n_eval, 15,
                    bool(np.any(res.singular)), res.notes + tuple(sorted(inner_notes)))
