"""Independent mpmath references (>= 30 digits) for the densities of states and shell integrals.

Every reference is evaluated at ``dps`` and at ``dps + 20`` digits (inside ``mpmath.workdps``, so the global
precision is restored afterwards); the returned :class:`~kernels.estimate.Estimate` holds the ``dps`` value
rounded to double and the error :math:`|v_{dps} - v_{dps+20}|`. The representations deliberately differ from
the numpy kernels':

* lattice DOS, d = 3: the convolution :math:`n_3(E) = \\int_0^2 n_1(e)\\,n_2(E - e)\\,de` in the energy
  variable (the kernel integrates :math:`n_2(E - 1 + \\cos\\varphi)` over an angle), split at
  :math:`e = E - 2` where :math:`n_2` is log-singular;
* lattice shells: energy variables :math:`e_j = 1 - \\cos 2\\pi p_j` with
  :math:`dp_j = de_j/(2\\pi\\sqrt{e_j(2-e_j)})` per sign, the δ solved for an *energy*, and every energy
  interval :math:`[A, B]` mapped by :math:`e = A + (B-A)\\sin^2(\\theta/2)`; the two-coordinate shell is
  integrated in :math:`x = \\tau\\sinh^2 v` (:math:`\\tau` = distance to the saddle energy), which resolves its
  logarithmic behaviour uniformly (the kernel uses the angles :math:`\\varphi_j` and solves the δ for the
  last angle);
* continuum shells: ``mpmath.quad`` over the spherical angles.
"""
from __future__ import annotations

from typing import Callable, Sequence

import mpmath as mp

from kernels.estimate import Estimate

__all__ = ["reference_lattice_dos", "reference_lattice_shell_integral", "reference_continuum_shell_integral",
           "reference_continuum_isotropic_shell_integral"]

_EXTRA_DPS = 20


def _two_precisions(compute: Callable[[dict], object], dps: int, method: str) -> Estimate:
    """Evaluate ``compute(counter)`` at ``dps`` and ``dps + 20`` digits; error = their difference.

    ``counter["n"]`` counts integrand calls (reported as ``n_eval`` of the ``dps`` run).
    """
    if dps < 30:
        raise ValueError("references need dps >= 30")
    counter = {"n": 0}

    def counted():
        counter["n"] = 0
        return compute(counter)

    with mp.workdps(dps):
        low = counted()
    n_low = counter["n"]
    with mp.workdps(dps + _EXTRA_DPS):
        high = counted()
        err = abs(mp.mpf(high) - mp.mpf(low)) if mp.isfinite(high) else mp.mpf(0)
    return Estimate(float(low), float(err), method, n_low, dps, not mp.isfinite(low), ())


# ------------------------------------------------------------------------------------------ lattice helpers
#
# An energy of one coordinate, e_j = 1 - cos 2πp_j ∈ [0, 2], is carried as the pair (e, ē = 2 - e), both
# computed without cancellation; an interval [A, B] is mapped by e = A + L sin²(θ/2), B - e = L cos²(θ/2)
# (L = B - A), which removes the inverse square roots of dp/de at the ends and keeps every distance to an
# end exact even when mpmath.quad puts nodes 10^-dps from it.

def _sin2_cos2(theta) -> tuple:
    """:math:`(\\sin^2(\\theta/2), \\cos^2(\\theta/2))` and :math:`\\sqrt{sc} = \\sin(\\theta)/2`."""
    s, c = mp.sin(theta / 2) ** 2, mp.cos(theta / 2) ** 2
    return s, c, mp.sin(theta) / 2


def _momentum(e, e_bar):
    """:math:`|p| = \\arccos(1 - e)/2\\pi = 2\\,\\mathrm{atan2}(\\sqrt e, \\sqrt{\\bar e})/2\\pi`."""
    return 2 * mp.atan2(mp.sqrt(e), mp.sqrt(e_bar)) / (2 * mp.pi)


def _elliptic_k_of_gap(r):
    """:math:`K(1 - r^2)` by ``mpmath.ellipk`` with guard digits for the cancellation in :math:`1 - r^2`."""
    guard = 10 + (int(-2 * mp.log10(abs(r))) if r != 0 and abs(r) < 1 else 0)
    with mp.extradps(guard):
        return +mp.ellipk(1 - mp.mpf(r) ** 2)


def _pieces(E, split: bool) -> list:
    """Range :math:`[\\max(0, E-4), \\min(2, E)]` of one coordinate energy, split at :math:`E - 2` if inside."""
    lo, hi = max(mp.mpf(0), E - 4), min(mp.mpf(2), E)
    if not lo < hi:
        return []
    pts = [lo] + ([E - 2] if split and lo < E - 2 < hi else []) + [hi]
    return list(zip(pts[:-1], pts[1:]))


def _mapped_pair(E, A, B, s, c) -> tuple:
    """On :math:`[A, B]`: the coordinate energy :math:`(e, \\bar e)` and the rest :math:`t = E - e`,
    :math:`\\bar t = 2 - t`, each as a sum of terms of one sign."""
    L = B - A
    e, e_bar = A + L * s, (2 - B) + L * c
    t = (E - B) + L * c
    t_bar = (2 - E + A) + L * s if 2 - E + A >= 0 else (2 - E + B) - L * c
    return e, e_bar, t, t_bar


# ----------------------------------------------------------------------------------------------- lattice DOS

def reference_lattice_dos(E: float, dim: int, dps: int = 30) -> Estimate:
    """:math:`n_d(E)` for the lattice Laplacian: closed forms (d = 1, 2) or the energy convolution (d = 3).

    .. math:: n_1 = \\frac{1}{\\pi\\sqrt{E(2-E)}},\\quad n_2 = \\frac{K(1 - (1 - E/2)^2)}{\\pi^2}
              \\;(\\texttt{mpmath.ellipk}),\\quad
              n_3(E) = \\int_{\\max(0, E-4)}^{\\min(2, E)} n_1(e)\\,n_2(E - e)\\,de,

    the last split at :math:`e = E - 2` (log singularity of :math:`n_2`) and mapped piecewise by
    :math:`e = A + (B - A)\\sin^2(\\theta/2)`.
    """
    def compute(counter):
        En = mp.mpf(E)
        if dim == 1:
            return 1 / (mp.pi * mp.sqrt(En * (2 - En))) if 0 < En < 2 else mp.mpf(0)
        if dim == 2:
            return _elliptic_k_of_gap(1 - En / 2) / mp.pi ** 2 if 0 <= En <= 4 else mp.mpf(0)
        if dim != 3:
            raise ValueError("dim must be 1, 2 or 3")
        total = mp.mpf(0)
        for A, B in _pieces(En, split=True):
            def f(theta, A=A, B=B):
                counter["n"] += 1
                s, c, sc = _sin2_cos2(theta)
                e, e_bar, t, t_bar = _mapped_pair(En, A, B, s, c)
                # n_1(e) de = (B - A) sqrt(sc) dθ / (π sqrt(e ē))
                return (B - A) * sc / (mp.pi * mp.sqrt(e * e_bar)) * _elliptic_k_of_gap(t_bar / 2) / mp.pi ** 2
            total += mp.quad(f, [0, mp.pi])
        return total

    return _two_precisions(compute, dps, "closed form (mpmath)" if dim < 3 else "mpmath.quad (energy convolution)")


# ------------------------------------------------------------------------------------------- lattice shells

def _sign_sum(g_mp: Callable, fixed: tuple, free: Sequence) -> object:
    """:math:`\\sum_{s} g(\\text{fixed}, s_1 q_1, \\dots)` over the signs of the free momenta ``free``."""
    total = mp.mpf(0)
    for mask in range(2 ** len(free)):
        total += g_mp(fixed + tuple(-q if (mask >> j) & 1 else q for j, q in enumerate(free)))
    return total


def _shell2(g_mp: Callable, t, t_bar, fixed: Sequence[tuple], counter: dict) -> object:
    """:math:`\\sum_s\\int g\\,\\delta(e_1 + e_2 - t)\\,dp_1dp_2` over two coordinates of total energy ``t``.

    ``fixed`` lists prefixes of already fixed momenta (the results for all of them are summed). With
    :math:`\\tau = |\\bar t|` and :math:`L` the length of the :math:`e_1`-range (:math:`t` or :math:`4 - t`),
    each half of the range has one small variable :math:`x \\in [0, L/2]` (:math:`e_1` or :math:`\\bar e_1`,
    resp. their partners) whose partner is :math:`\\tau + x`; the map :math:`x = \\tau\\sinh^2 v` turns
    :math:`dx/\\sqrt{x(\\tau + x)}` into :math:`2\\,dv`, which resolves the logarithmic saddle behaviour
    uniformly in :math:`\\tau` (``mpmath.quad`` tanh-sinh over
    :math:`v \\in [0, \\operatorname{asinh}\\sqrt{L/2\\tau}]`).
    """
    if not 0 < t < 4:
        return mp.mpf(0)
    tau = abs(t_bar)
    if tau == 0:
        return mp.inf
    L = t if t_bar >= 0 else 4 - t
    v_max = mp.asinh(mp.sqrt(L / (2 * tau)))

    def f(v, swap):
        counter["n"] += 1
        x = tau * mp.sinh(v) ** 2
        if t_bar >= 0:        # x = e_1 small, ē_2 = τ + x
            q = (_momentum(x, 2 - x), _momentum(L - x, tau + x))
        else:                 # x = ē_1 small, e_2 = τ + x
            q = (_momentum(2 - x, x), _momentum(tau + x, L - x))
        q = q[::-1] if swap else q
        g_sum = mp.fsum(_sign_sum(g_mp, prefix, q) for prefix in fixed)
        return 2 * g_sum / mp.sqrt((2 - x) * (L - x))

    halves = mp.quad(lambda v: f(v, False), [0, v_max]) + mp.quad(lambda v: f(v, True), [0, v_max])
    return halves / (2 * mp.pi) ** 2


def reference_lattice_shell_integral(g_mp: Callable[[tuple], object], E: float, dim: int,
                                     dps: int = 30) -> Estimate:
    """:math:`\\int_{\\mathbb{T}^d} g\\,\\delta(\\omega - E)\\,dp` in the energy variables :math:`e_j`.

    .. math:: \\sum_s\\int \\prod_{j<d} de_j\\; g(s\\,p(e))\\prod_{j\\le d}\\frac{1}{2\\pi\\sqrt{e_j(2-e_j)}},
              \\quad p_j(e_j) = \\frac{\\arccos(1 - e_j)}{2\\pi},

    with the δ solved for :math:`e_2` (d = 2, :func:`_shell2`) and, for d = 3, an outer ``mpmath.quad``
    (tanh-sinh) over :math:`e_1 \\in [\\max(0,E-4), \\min(2,E)]`, split at :math:`e_1 = E - 2` where the inner
    2-D shell is log-singular. ``g_mp`` takes a tuple of ``mpf`` momenta.
    """
    def compute(counter):
        En = mp.mpf(E)
        if dim == 1:
            if not 0 < En < 2:
                return mp.mpf(0)
            return _sign_sum(g_mp, (), (_momentum(En, 2 - En),)) / (2 * mp.pi * mp.sqrt(En * (2 - En)))
        if dim == 2:
            return _shell2(g_mp, En, 2 - En, [()], counter)
        if dim != 3:
            raise ValueError("dim must be 1, 2 or 3")
        total = mp.mpf(0)
        for A, B in _pieces(En, split=True):
            def outer(theta, A=A, B=B):
                s, c, sc = _sin2_cos2(theta)
                e, e_bar, t, t_bar = _mapped_pair(En, A, B, s, c)
                q = _momentum(e, e_bar)
                weight = (B - A) * sc / (2 * mp.pi * mp.sqrt(e * e_bar))
                return weight * _shell2(g_mp, t, t_bar, [(q,), (-q,)], counter)
            total += mp.quad(outer, [0, mp.pi])
        return total

    return _two_precisions(compute, dps, "mpmath.quad (energy variables)")


# ----------------------------------------------------------------------------------------- continuum shells

def _norm(k) -> object:
    if isinstance(k, (list, tuple)):
        return mp.sqrt(mp.fsum(mp.mpf(c) ** 2 for c in k))
    return abs(mp.mpf(k))


def reference_continuum_shell_integral(g_mp: Callable[[tuple], object], k, dim: int, dps: int = 30) -> Estimate:
    """:math:`\\int_{\\mathbb{R}^d} g(p)\\,\\delta(|p|^2/2 - |k|^2/2)\\,dp = |k|^{d-2}\\int_{S^{d-1}} g(|k|e)\\,de`.

    d = 1: :math:`(g(|k|) + g(-|k|))/|k|`; d = 2: ``mpmath.quad`` over :math:`\\theta\\in[0, 2\\pi]`;
    d = 3: ``mpmath.quad`` over :math:`\\theta\\in[0,\\pi]`, :math:`\\phi\\in[0, 2\\pi]` with :math:`\\sin\\theta`
    (Gauss–Legendre: the integrands are smooth; the kernel integrates in :math:`\\cos\\theta` instead).
    ``k`` is :math:`|k|` or a vector (only its length matters).
    """
    def compute(counter):
        kk = _norm(k)
        if dim == 1:
            return (g_mp((kk,)) + g_mp((-kk,))) / kk if kk else mp.inf
        if dim == 2:
            def f(t):
                counter["n"] += 1
                return g_mp((kk * mp.cos(t), kk * mp.sin(t)))
            return mp.quad(f, [0, mp.pi, 2 * mp.pi], method="gauss-legendre")
        if dim != 3:
            raise ValueError("dim must be 1, 2 or 3")

        def f3(t, ph):
            counter["n"] += 1
            st = mp.sin(t)
            return g_mp((kk * st * mp.cos(ph), kk * st * mp.sin(ph), kk * mp.cos(t))) * st
        return kk * mp.quad(f3, [0, mp.pi / 2, mp.pi], [0, mp.pi, 2 * mp.pi], method="gauss-legendre")

    return _two_precisions(compute, dps, "mpmath.quad (spherical angles)")


def reference_continuum_isotropic_shell_integral(h_mp: Callable, kabs: float, dim: int, dps: int = 30) -> Estimate:
    """:math:`|k|^{d-2}|S^{d-2}|\\int_0^\\pi h(|k|, \\cos\\theta)\\sin^{d-2}\\theta\\,d\\theta` (d = 2, 3), and
    :math:`(h(|k|, 1) + h(|k|, -1))/|k|` for d = 1; ``h_mp(kabs, cos_theta)`` takes ``mpf`` arguments."""
    def compute(counter):
        kk = abs(mp.mpf(kabs))
        if dim == 1:
            return (h_mp(kk, mp.mpf(1)) + h_mp(kk, mp.mpf(-1))) / kk if kk else mp.inf

        def f(t):
            counter["n"] += 1
            return h_mp(kk, mp.cos(t)) * (mp.sin(t) if dim == 3 else 1)
        if dim == 2:
            return 2 * mp.quad(f, [0, mp.pi / 2, mp.pi], method="gauss-legendre")
        if dim == 3:
            return 2 * mp.pi * kk * mp.quad(f, [0, mp.pi / 2, mp.pi], method="gauss-legendre")
        raise ValueError("dim must be 1, 2 or 3")

    return _two_precisions(compute, dps, "mpmath.quad (polar angle)")
