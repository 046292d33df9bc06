"""Numpy-only runtime of the modules written by ``derive codegen`` (template; importable on its own).

:mod:`kernels.codegen.module` replaces this docstring by the header of one derived equation and the block
between the ``generated block`` markers by that equation's constants and lambdified expressions. As shipped,
the block holds the lattice d = 1 white-noise model (σ² = 1), so the template can be imported and tested.

Numerics (ports of :mod:`kernels.shells`, :mod:`kernels.special.dos`, :mod:`kernels.quadrature.tanh_sinh`):
lattice shells in angles φ_j = 2π|p_j| with the δ solved for the last angle and tanh-sinh quadrature
(d = 1 closed form, d = 2 one integral, d = 3 nested with the outer break at cos φ₁ = 3 − E); lattice DOS with
K(m) from the arithmetic–geometric mean; continuum spheres by Gauss–Legendre × periodic trapezoid. Every
quantity returns ``(value, error_estimate)``; divergent van Hove points give ``(inf, inf)``, out-of-band
energies raise ``ValueError``; NaN is never returned.
"""
import numpy as np

# >>> generated block
EQUATION_NAME = "linear-boltzmann"
SOURCE_HASH = "template"
PARAMETERS = {"space": "lattice", "dim": 1, "correlation": "white", "variance": 1.0, "length": 1.0}
SPACE = "lattice"
DIM = 1
MEASURE = 1.0
CONSTANT_COFACTOR = 6.283185307179586
ISOTROPIC = False


def _omega_expr(k_1):
    return 1 - np.cos(2*np.pi*k_1)


def _velocity_expr(k_1):
    return (np.sin(2*np.pi*k_1),)


def _cofactor_expr(k_1, p_1):
    return 2.0*np.pi


def omega(k: np.ndarray) -> np.ndarray:
    """Dispersion ω(k) = 1 - cos(2*pi*k_1), for momenta of shape (..., d)."""
    k = np.asarray(k, dtype=float)
    return np.broadcast_to(np.asarray(_omega_expr(*np.moveaxis(k, -1, 0)), dtype=float), k.shape[:-1])


def velocity(k: np.ndarray) -> np.ndarray:
    """Group velocity v(k) = (sin(2*pi*k_1),), shape (..., d)."""
    k = np.asarray(k, dtype=float)
    comps = _velocity_expr(*np.moveaxis(k, -1, 0))
    return np.stack([np.broadcast_to(np.asarray(c, dtype=float), k.shape[:-1]) for c in comps], axis=-1)


def cofactor(k: np.ndarray, p: np.ndarray) -> np.ndarray:
    """c(k, p) = 2*pi*sigma2 with sigma2 = 1 (σ(k, p) = c(k, p) δ(ω(k) − ω(p))), broadcast over (..., d)."""
    k, p = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(p, dtype=float))
    val = _cofactor_expr(*np.moveaxis(k, -1, 0), *np.moveaxis(p, -1, 0))
    return np.broadcast_to(np.asarray(val, dtype=float), k.shape[:-1])
# <<< generated block

__all__ = ["EQUATION_NAME", "SOURCE_HASH", "PARAMETERS", "SPACE", "DIM", "MEASURE", "omega", "velocity", "cofactor",
           "band", "density_of_states", "total_rate", "total_rate_at_energy", "collision", "transport_rate",
           "diffusion_coefficient"]

_EPS = float(np.finfo(float).eps)
_PHASE = 2.0 * np.pi                     # lattice Fourier phase: p_j = ±φ_j / 2π
_BELOW, _ABOVE, _LEFT, _RIGHT = 0, 1, 2, 3
_SIGNS = np.array(np.meshgrid(*[[1.0, -1.0]] * DIM, indexing="ij")).reshape(DIM, -1).T
_AREA = {1: 2.0, 2: 2.0 * np.pi, 3: 4.0 * np.pi}[DIM]
_CACHE: dict = {}


# ---------------------------------------------------------------- tanh-sinh quadrature
def _ts_nodes(level: int, t_max: float) -> tuple:
    """Nodes added at ``level`` for |t| ≤ t_max: (t ≤ 0 mask, 1 + x, 1 − x, weight x'(t))."""
    key = ("ts", level, t_max)
    if key not in _CACHE:
        if level == 0:
            t = np.arange(-np.floor(t_max), np.floor(t_max) + 1.0)
        else:
            j = np.arange(1, int(np.floor(t_max * 2 ** level)) + 1, 2, dtype=float)
            t = np.concatenate([-j[::-1], j]) * 2.0 ** -level
        u = 0.5 * np.pi * np.sinh(t)
        near = np.exp(-np.abs(u)) / np.cosh(u)
        neg = t <= 0
        _CACHE[key] = (neg, np.where(neg, near, 2 - near), np.where(neg, 2 - near, near),
                       0.5 * np.pi * np.cosh(t) / np.cosh(u) ** 2)
    return _CACHE[key]


def _ts_sums(f, level: int, t_max: float, w: np.ndarray, params: list) -> np.ndarray:
    neg, lo, hi, wt = _ts_nodes(level, t_max)
    half = 0.5 * w[:, None]
    da, db = half * lo, half * hi
    bad = (da <= 0) | (db <= 0)                         # distance underflow: never evaluate at an end
    da, db = np.where(bad, half, da), np.where(bad, half, db)
    x = np.where(neg, da, w[:, None] - db)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = f(x, da, db, *[q[:, None] for q in params])
    vals, errs = out if isinstance(out, tuple) else (out, 0.0)
    vals = np.where(bad, 0.0, np.broadcast_to(np.asarray(vals, dtype=float), x.shape))
    errs = np.where(bad, 0.0, np.broadcast_to(np.abs(np.asarray(errs, dtype=float)), x.shape))
    return np.array([vals @ wt, np.abs(vals) @ wt, errs @ wt])


def _tanh_sinh(f, width, args: tuple = (), tol: float = 1e-12, max_level: int = 10, t_max: float = 4.0) -> tuple:
    """∫_0^w f for every width ``w``: ``f(x, x − 0, w − x, *args)`` on (intervals, nodes) arrays.

    ``f`` returns values or ``(values, errors)`` (inner integrals). Level L has step 2^-L; levels are compared
    from 2/3 on until |I_L − I_{L−1}| ≤ tol |I_L|. Error: that difference + 10 ε ∫|f| + inner errors.
    """
    arrays = np.broadcast_arrays(np.asarray(width, dtype=float), *[np.asarray(a) for a in args])
    shape, w = arrays[0].shape, arrays[0].ravel()
    params = [a.ravel() for a in arrays[1:]]
    value, error = np.zeros(w.size), np.zeros(w.size)
    active = np.flatnonzero(w > 0)
    if active.size:
        sub = [q[active] for q in params]
        prev = sum(_ts_sums(f, lev, t_max, w[active], sub) for lev in range(3))
        for level in range(3, max_level + 1):
            cur = prev + _ts_sums(f, level, t_max, w[active], sub)
            h, half = 2.0 ** -level, 0.5 * w[active]
            fine, crude = half * h * cur[0], half * 2 * h * prev[0]
            with np.errstate(invalid="ignore"):
                diff = np.abs(fine - crude)
                done = (diff <= tol * np.abs(fine)) | ~np.isfinite(fine) | (level == max_level)
            value[active[done]] = fine[done]
            error[active[done]] = (diff + 10 * _EPS * half * h * cur[1] + half * h * cur[2])[done]
            active, prev = active[~done], cur[:, ~done]
            if not active.size:
                break
            sub = [q[active] for q in params]
    bad = ~np.isfinite(value) | ~np.isfinite(error)
    value, error = np.where(bad, np.inf, value), np.where(bad, np.inf, error)
    return value.reshape(shape), error.reshape(shape)


# ---------------------------------------------------------------- lattice shells
def _half_angle(x):
    """arccos(1 − x) on [0, 2]: 2 arcsin √(x/2) for x ≤ 1, π − 2 arcsin √((2 − x)/2) above (full accuracy)."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, 2.0)
    lower = 2.0 * np.arcsin(np.sqrt(0.5 * np.minimum(x, 1.0)))
    return np.where(x <= 1.0, lower, np.pi - 2.0 * np.arcsin(np.sqrt(0.5 * np.minimum(2.0 - x, 1.0))))


def _sin_half_sum(phi, phi_comp, alpha, alpha_comp):
    """sin((φ + α)/2), from the complements π − φ, π − α past φ + α = π."""
    return np.where(phi + alpha <= np.pi, np.sin(0.5 * (phi + alpha)), np.sin(0.5 * (phi_comp + alpha_comp)))


def _first_angle_intervals(E: float) -> tuple:
    """Intervals of φ₁ for the 3-D shell, split at cos φ₁ = 3 − E: (a, a_comp, b, b_comp, kind, from_pi), width."""
    below, middle, above = 0 < E < 2, 2 <= E <= 4, 4 < E < 6
    low = E <= 3
    brk = _half_angle(E - 2) if low else np.pi - _half_angle(4 - E)
    brk_comp = np.pi - _half_angle(E - 2) if low else _half_angle(4 - E)
    top = _half_angle(6 - E)
    a = np.array([0.0, brk if middle else (np.pi - top if above else 0.0)])
    a_comp = np.array([np.pi, brk_comp if middle else (top if above else np.pi)])
    b = np.array([_half_angle(E) if below else (brk if middle else 0.0), np.pi if (middle or above) else 0.0])
    b_comp = np.array([_half_angle(2 - E) if below else (brk_comp if middle else np.pi),
                       0.0 if (middle or above) else np.pi])
    kind = np.array([_LEFT if middle else _BELOW, _RIGHT if middle else _ABOVE])
    from_pi = np.array([False, True])
    width = np.where(b > a, np.where(from_pi, a_comp, b), 0.0)
    return (a, a_comp, b, b_comp, kind, from_pi), width


def _saddle_offset(dist_lo, dist_hi, E, a, a_comp, b, b_comp, kind, from_pi) -> tuple:
    """R = 3 − E − cos φ₁ = 2 − e₁, min(e₁, 4 − e₁) and φ₁, as products of sines of exact distances."""
    dist_a, dist_b = np.where(from_pi, dist_hi, dist_lo), np.where(from_pi, dist_lo, dist_hi)
    phi, phi_comp = a + dist_a, b_comp + dist_b
    s_lo = 2.0 * _sin_half_sum(phi, phi_comp, a, a_comp) * np.sin(0.5 * dist_a)      # cos a − cos φ
    s_hi = 2.0 * _sin_half_sum(phi, phi_comp, b, b_comp) * np.sin(0.5 * dist_b)      # cos φ − cos b
    sin2, cos2 = 2.0 * np.sin(0.5 * phi) ** 2, 2.0 * np.sin(0.5 * phi_comp) ** 2
    R = np.select([kind == _BELOW, kind == _ABOVE, kind == _LEFT], [(2.0 - E) + sin2, -(E - 4.0) - cos2, -s_hi], s_lo)
    edge = np.select([kind == _BELOW, kind == _ABOVE], [s_hi, s_lo], np.minimum((E - 2.0) + cos2, (4.0 - E) + sin2))
    return R, edge, phi


def _symmetrized(g, angles: np.ndarray) -> np.ndarray:
    """Σ over sign patterns s of g(s φ / 2π), angles of shape (..., d)."""
    p = angles[..., None, :] * _SIGNS / _PHASE
    return np.broadcast_to(np.asarray(g(p), dtype=float), p.shape[:-1]).sum(axis=-1)


def _two_dim(g, R, edge, outer, tol: float) -> tuple:
    """∫ dθ Σ_s g / √(1 − c²), c = R − cos θ = cos φ, reflected to R ≤ 0; ``outer`` (m, k) fixed angles."""
    r_abs = np.abs(R)
    theta0 = _half_angle(np.minimum(r_abs, 2.0))
    width = np.where(edge > 0, _half_angle(np.clip(edge, 0.0, 2.0)), 0.0)
    flip = (R > 0).astype(float)

    def integrand(y, _, w_minus_y, r_abs, theta0, width, flip, *fixed):
        theta = theta0 + w_minus_y
        root_plus = np.sqrt(2.0 * _sin_half_sum(theta, y, theta0, width) * np.sin(0.5 * w_minus_y))
        root_minus = np.sqrt(r_abs + 2.0 * np.sin(0.5 * y) ** 2)
        theta_true = np.where(flip > 0, y, theta)
        phi_true = 2.0 * np.where(flip > 0, np.arctan2(root_plus, root_minus), np.arctan2(root_minus, root_plus))
        angles = np.stack(np.broadcast_arrays(*fixed, theta_true, phi_true), axis=-1)
        return _symmetrized(g, angles) / (root_minus * root_plus)

    return _tanh_sinh(integrand, width, (r_abs, theta0, width, flip) + tuple(outer.T), tol)


def _critical(g, points) -> float:
    """±inf with the sign of g summed over the critical points of a divergent shell."""
    return -np.inf if float(np.sum([np.asarray(g(np.array(q, dtype=float))) for q in points])) < 0 else np.inf


def _lattice_shell(g, E: float, tol: float = 1e-12) -> tuple:
    """∫_{T^d} g(p) δ(ω(p) − E) dp in angle variables (E inside the band [0, 2d])."""
    top = 2.0 * DIM
    if DIM == 1:
        if E in (0.0, 2.0):
            return _critical(g, [(0.0,)] if E == 0 else [(0.5,)]), np.inf
        p_star = float(_half_angle(E)) / _PHASE
        terms = np.broadcast_to(np.asarray(g(np.array([[p_star], [-p_star]])), dtype=float), (2,))
        terms = terms / (_PHASE * np.sqrt(E * (2.0 - E)))
        return float(terms.sum()), 8 * _EPS * float(np.abs(terms).sum())
    if DIM == 2:
        if E == 2.0:
            return _critical(g, [(0.0, 0.5), (0.5, 0.0)]), np.inf
        if E in (0.0, top):
            pc = 0.0 if E == 0 else 0.5
            val = float(np.asarray(g(np.array([pc, pc])))) / _PHASE
            return val, 4 * _EPS * abs(val)
        val, err = _two_dim(g, np.array([2.0 - E]), np.array([min(E, top - E)]), np.zeros((1, 0)), tol)
        return float(val[0]) / _PHASE ** 2, float(err[0]) / _PHASE ** 2
    if E in (0.0, top):
        return 0.0, 0.0
    interval, width = _first_angle_intervals(E)

    def outer(_, xa, bx, *iv):
        R, edge, phi1 = _saddle_offset(xa, bx, E, *iv)
        val, err = _two_dim(g, R.ravel(), edge.ravel(), phi1.ravel()[:, None], tol)
        return val.reshape(R.shape), err.reshape(R.shape)

    val, err = _tanh_sinh(outer, width, interval, tol)
    return float(val.sum()) / _PHASE ** 3, float(np.abs(err).sum()) / _PHASE ** 3


# ---------------------------------------------------------------- densities of states
def _elliptic_k_of_gap(r):
    """K(1 − r²) = π / (2 AGM(1, |r|)) (parameter convention); inf at r = 0."""
    b = np.abs(np.asarray(r, dtype=float))
    a = np.ones_like(b)
    for _ in range(80):
        if np.all(np.abs(a - b) <= 2 * _EPS * a):
            break
        a, b = 0.5 * (a + b), np.sqrt(a * b)
    with np.errstate(divide="ignore"):
        return np.where(b > 0, np.pi / (a + b), np.inf)


def _lattice_dos(E: np.ndarray) -> tuple:
    """n_d(E) = ∫ δ(ω − E) dp on the torus: closed forms in d = 1, 2; tanh-sinh over K in d = 3."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if DIM == 1:
            val = np.where((E > 0) & (E < 2), 1.0 / (np.pi * np.sqrt(E * (2.0 - E))), np.inf)
            return val, 4 * _EPS * val
        if DIM == 2:
            val = _elliptic_k_of_gap(0.5 * (2.0 - E)) / np.pi ** 2
            return val, 8 * _EPS * val
    flat = E.ravel()
    half = np.where(flat > 3, 6.0 - flat, flat)                  # n₃(E) = n₃(6 − E)
    val, err = np.zeros(flat.size), np.zeros(flat.size)
    below, middle = (half > 0) & (half < 2), (half >= 2) & (half <= 3)
    if below.any():
        e = half[below]
        v, r = _tanh_sinh(lambda u, _a, _b, r0: _elliptic_k_of_gap(r0 + np.sin(0.5 * u) ** 2), _half_angle(e),
                          (1.0 - 0.5 * e,), t_max=3.5)
        val[below], err[below] = v, r
    if middle.any():
        psi = _half_angle(half[middle] - 2.0)
        v, r = _tanh_sinh(lambda d, _a, _b, psi, s: _elliptic_k_of_gap(np.sin(psi + s * d) * np.sin(0.5 * d)),
                          np.stack([psi, np.pi - psi], axis=-1), (psi[:, None], np.array([-0.5, 0.5])), t_max=3.5)
        val[middle], err[middle] = v.sum(axis=-1), r.sum(axis=-1)
    return (val / np.pi ** 3).reshape(E.shape), (err / np.pi ** 3).reshape(E.shape)


# ---------------------------------------------------------------- continuum shells
def _legendre(n: int, x: np.ndarray) -> tuple:
    """(P_{n−1}(x), P_n(x)) by the three-term recurrence."""
    p_prev, p = np.ones_like(x), x.copy()
    for j in range(1, n):
        p_prev, p = p, ((2 * j + 1) * x * p - j * p_prev) / (j + 1)
    return p_prev, p


def _leggauss(n: int) -> tuple:
    """Gauss–Legendre nodes/weights: numpy.polynomial.legendre.leggauss, refined by Newton in θ (x = cos θ).

    The eigenvalue nodes of ``leggauss`` lose about three digits for n ≳ 100; Newton on P_n(cos θ) in the
    angle keeps the nodes next to ±1 accurate; weights w = 2/(dP_n/dθ)².
    """
    if ("gl", n) not in _CACHE:
        theta = np.arccos(np.clip(np.polynomial.legendre.leggauss(n)[0], -1.0, 1.0))
        for _ in range(20):
            p_prev, p = _legendre(n, np.cos(theta))
            step = p / (-n * (p_prev - np.cos(theta) * p) / np.sin(theta))
            theta = theta - step
            if np.max(np.abs(step)) < 1e-15:
                break
        x = np.cos(theta)
        p_prev, p = _legendre(n, x)
        w = 2.0 / (n * (p_prev - x * p) / np.sin(theta)) ** 2
        order = np.argsort(x)
        _CACHE[("gl", n)] = (x[order], w[order])
    return _CACHE[("gl", n)]


def _continuum_shell(g, kabs: float, tol: float = 1e-12) -> tuple:
    """∫_{R^d} g(p) δ(|p|²/2 − |k|²/2) dp = |k|^{d−2} ∫_{S^{d−1}} g(|k| e) de (Lebesgue dp)."""
    def values(p):
        return np.broadcast_to(np.asarray(g(p), dtype=float), p.shape[:-1])
    if DIM == 1:
        vals = values(np.array([[kabs], [-kabs]]))
        if kabs == 0:
            return (-np.inf if vals.sum() < 0 else np.inf), np.inf
        return float(vals.sum()) / kabs, 4 * _EPS * float(np.abs(vals).sum()) / kabs
    if kabs == 0:
        val = 2 * np.pi * float(values(np.zeros((1, DIM)))[0]) if DIM == 2 else 0.0
        return val, 4 * _EPS * abs(val)

    def rule(n: int) -> tuple:
        if DIM == 2:                                      # periodic trapezoid, n points
            t = 2 * np.pi * np.arange(n) / n
            vals = values(kabs * np.stack([np.cos(t), np.sin(t)], axis=-1))
            return 2 * np.pi * vals.sum() / n, 2 * np.pi * np.abs(vals).sum() / n
        x, w = _leggauss(n)                               # Gauss–Legendre in cos θ × trapezoid (2n) in azimuth
        az = np.pi * np.arange(2 * n) / n
        rho = np.sqrt((1 - x) * (1 + x))[:, None]
        vals = values(kabs * np.stack(np.broadcast_arrays(rho * np.cos(az), rho * np.sin(az), x[:, None]), axis=-1))
        return float(w @ vals.sum(axis=1)) * np.pi / n, float(w @ np.abs(vals).sum(axis=1)) * np.pi / n

    n = 16 if DIM == 2 else 8
    previous, _ = rule(n)
    while True:
        n *= 2
        current, current_abs = rule(n)
        diff, floor = abs(current - previous), 10 * _EPS * current_abs
        if diff <= max(tol * abs(current), floor) or n >= (2 ** 16 if DIM == 2 else 512):
            scale = kabs ** (DIM - 2)
            return float(current) * scale, float(diff + floor) * scale
        previous = current


def _isotropic_shell(h, kabs, tol: float = 1e-12) -> tuple:
    """|k|^{d−2}|S^{d−2}| ∫_0^π h(|k|, cos θ) sin^{d−2}θ dθ (d = 2, 3), (h(|k|, 1) + h(|k|, −1))/|k| (d = 1)."""
    k = np.abs(np.asarray(kabs, dtype=float))
    shape, kf = k.shape, k.ravel()
    if DIM == 1:
        ends = np.broadcast_to(np.asarray(h(kf[:, None], np.array([[1.0, -1.0]])), dtype=float), (kf.size, 2))
        zero = kf == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.where(zero, np.where(ends.sum(axis=1) < 0, -np.inf, np.inf), ends.sum(axis=1) / kf)
            err = np.where(zero, np.inf, 4 * _EPS * np.abs(ends).sum(axis=1) / np.where(zero, 1.0, kf))
        return val.reshape(shape), err.reshape(shape)
    value, error = np.zeros(kf.size), np.zeros(kf.size)
    active, n, previous = np.arange(kf.size), 8, None
    while active.size:
        if DIM == 2:                                      # midpoint rule in θ (Gauss–Chebyshev), |S⁰| = 2
            nodes, weights = np.cos(np.pi * (np.arange(n) + 0.5) / n), np.full(n, 2 * np.pi / n)
        else:                                             # Gauss–Legendre in cos θ, |S¹| = 2π
            nodes, weights = _leggauss(n)
            weights = 2 * np.pi * weights
        vals = np.broadcast_to(np.asarray(h(kf[active, None], nodes[None, :]), dtype=float), (active.size, n))
        current, floor = vals @ weights, 10 * _EPS * (np.abs(vals) @ np.abs(weights))
        if previous is not None:
            diff = np.abs(current - previous)
            done = (diff <= np.maximum(tol * np.abs(current), floor)) | (n >= 2 ** 16)
            value[active[done]], error[active[done]] = current[done], (diff + floor)[done]
            active, current = active[~done], current[~done]
        previous, n = current, 2 * n
    scale = kf ** (DIM - 2)
    return (value * scale).reshape(shape), (error * scale).reshape(shape)


# ---------------------------------------------------------------- public quantities
def band() -> tuple:
    """Spectrum of H₀: [0, 2d] on the lattice, [0, ∞) in the continuum."""
    return (0.0, 2.0 * DIM) if SPACE == "lattice" else (0.0, np.inf)


def _energy(E) -> np.ndarray:
    E = np.asarray(E, dtype=float)
    lo, hi = band()
    if not np.all(np.isfinite(E)) or np.any(E < lo) or np.any(E > hi):
        raise ValueError(f"energy {E.tolist()} is outside the band [{lo:g}, {hi:g}] of H0")
    return E


def _momentum(k) -> np.ndarray:
    k = np.atleast_1d(np.asarray(k, dtype=float))
    if k.shape != (DIM,) or not np.all(np.isfinite(k)):
        raise ValueError(f"momentum must be {DIM} finite numbers, got {k.tolist()}")
    if SPACE == "lattice" and np.any(np.abs(k) > 0.5):
        raise ValueError("lattice momenta lie in the torus [-1/2, 1/2]^d")
    return k


def _out(value, error) -> tuple:
    """(value, error) as floats (0-d) or arrays; error = inf wherever the value is infinite."""
    value = np.asarray(value, dtype=float)
    error = np.where(np.isfinite(value), np.asarray(error, dtype=float), np.inf)
    return (float(value), float(error)) if value.ndim == 0 else (value, error)


def _shell(g, k: np.ndarray) -> tuple:
    """∫ g(p) δ(ω(p) − ω(k)) dp (Lebesgue)."""
    if SPACE == "lattice":
        return _lattice_shell(g, float(omega(k)))
    return _continuum_shell(g, float(np.sqrt(k @ k)))


def _isotropic_h(weight=None):
    """h(|k|, cos θ) = c(|k| e₁, |k|(cos θ e₁ + sin θ e₂)) (times weight(cos θ))."""
    def h(kabs, c):
        kabs, c = np.broadcast_arrays(kabs, c)
        kvec, pvec = np.zeros(kabs.shape + (DIM,)), np.zeros(kabs.shape + (DIM,))
        kvec[..., 0], pvec[..., 0] = kabs, kabs * c
        if DIM > 1:
            pvec[..., 1] = kabs * np.sqrt(np.clip(1 - c * c, 0, None))
        val = cofactor(kvec, pvec)
        return val * weight(c) if weight else val
    return h


def density_of_states(E) -> tuple:
    """Density of states n(E) = μ ∫ δ(ω(p) − E) dp with μ = ``MEASURE``.

    Lattice: n₁ = 1/(π√(E(2−E))), n₂ = K(1 − (1 − E/2)²)/π², n₃ = π⁻¹∫₀^π n₂(E − 1 + cos φ) dφ;
    continuum: μ |S^{d−1}| (2E)^{(d−2)/2}.

    Parameters
    ----------
    E : float or array_like
        Energies in the band (see :func:`band`); ValueError otherwise.

    Returns
    -------
    (value, error_estimate) : tuple of floats or arrays
        ``(inf, inf)`` where n diverges (lattice d = 1: E = 0, 2; d = 2: E = 2; continuum d = 1: E = 0).
    """
    E = _energy(E)
    if SPACE == "lattice":
        return _out(*_lattice_dos(E))
    with np.errstate(divide="ignore"):
        val = np.where(E > 0, _AREA * (2.0 * E) ** (0.5 * (DIM - 2)), {1: np.inf, 2: _AREA, 3: 0.0}[DIM]) * MEASURE
    return _out(val, 4 * _EPS * val)


def total_rate_at_energy(E) -> tuple:
    """Total scattering rate Σ(E) = μ ∫ c δ(ω(p) − E) dp, where it depends on E only.

    Constant cofactor: Σ = c n(E). Isotropic continuum: Σ = μ|k|^{d−2}|S^{d−2}|∫₀^π c(|k|, cos θ)
    sin^{d−2}θ dθ with |k| = √(2E) (d = 1: μ(c(|k|, 1) + c(|k|, −1))/|k|).

    Parameters
    ----------
    E : float or array_like
        Energies in the band; ValueError otherwise, and where Σ depends on the direction of k.

    Returns
    -------
    (value, error_estimate) : tuple of floats or arrays
        ``(inf, inf)`` where Σ diverges.
    """
    E = _energy(E)
    if CONSTANT_COFACTOR is not None:
        val, err = density_of_states(E)
        return _out(np.asarray(val) * CONSTANT_COFACTOR, np.asarray(err) * abs(CONSTANT_COFACTOR))
    if not ISOTROPIC:
        raise ValueError("the total rate depends on the direction of k here; use total_rate(k)")
    val, err = _isotropic_shell(_isotropic_h(), np.sqrt(2 * E))
    return _out(val * MEASURE, err * MEASURE)


def total_rate(k) -> tuple:
    """Total scattering rate Σ(k) = μ ∫ c(k, p) δ(ω(p) − ω(k)) dp.

    Parameters
    ----------
    k : array_like, shape (d,)
        One momentum (lattice: in [−½, ½]^d).

    Returns
    -------
    (value, error_estimate) : tuple of float
        ``(inf, inf)`` on a divergent (van Hove) shell.
    """
    k = _momentum(k)
    if CONSTANT_COFACTOR is not None or ISOTROPIC:
        return total_rate_at_energy(float(omega(k)))
    val, err = _shell(lambda p: cofactor(k, p), k)
    return _out(val * MEASURE, err * MEASURE)


def transport_rate(k) -> tuple:
    """Transport rate Σ_tr(k) = μ ∫ c(k, p) (1 − v(p)·v(k)/|v(k)|²) δ(ω(p) − ω(k)) dp.

    Isotropic continuum: the weight is 1 − cos θ (θ the angle between p and k).

    Parameters
    ----------
    k : array_like, shape (d,)
        One momentum; ValueError where v(k) = 0 (Σ_tr undefined).

    Returns
    -------
    (value, error_estimate) : tuple of float
        ``(inf, inf)`` on a divergent (van Hove) shell.
    """
    k = _momentum(k)
    if ISOTROPIC:
        val, err = _isotropic_shell(_isotropic_h(lambda c: 1 - c), np.sqrt(k @ k))
        return _out(val * MEASURE, err * MEASURE)
    vk = velocity(k)
    vk2 = float(vk @ vk)
    if vk2 == 0:
        raise ValueError(f"group velocity vanishes at k = {k.tolist()}: transport rate undefined")
    val, err = _shell(lambda p: cofactor(k, p) * (1 - velocity(p) @ vk / vk2), k)
    return _out(val * MEASURE, err * MEASURE)


def collision(W: "callable", k) -> tuple:
    """Collision operator C[W](k) = μ [∫ c(k, p) W(p) δ dp − W(k) ∫ c(k, p) δ dp], δ = δ(ω(p) − ω(k)).

    Parameters
    ----------
    W : callable
        Vectorized W(p): momenta of shape (..., d) to values of shape (...).
    k : array_like, shape (d,)
        One momentum; ValueError on a divergent (van Hove) shell, where C[W](k) is ∞ − ∞.

    Returns
    -------
    (value, error_estimate) : tuple of float
    """
    k = _momentum(k)
    gain, gain_err = _shell(lambda p: cofactor(k, p) * W(p), k)
    loss, loss_err = _shell(lambda p: cofactor(k, p), k)
    if not (np.isfinite(gain) and np.isfinite(loss)):
        raise ValueError(f"k = {k.tolist()} lies on a divergent (van Hove) shell: C[W](k) is undefined")
    wk = float(np.asarray(W(k[None, :])).reshape(-1)[0])
    return _out(MEASURE * (gain - wk * loss), MEASURE * (gain_err + abs(wk) * loss_err))


def diffusion_coefficient(E: float) -> tuple:
    """Kinetic diffusion coefficient D(E): ∂_τ ρ = D Δ_X ρ for densities on the shell ω = E.

    Isotropic continuum: D = |v|²/(d Σ_tr) = 2E/(d Σ_tr(E)). Lattice white noise (Σ_tr = Σ):
    D = ∫|v|² δ(ω − E) dp / (d n(E) Σ(E)).

    Parameters
    ----------
    E : float
        Energy in the band; ValueError otherwise, at lattice van Hove energies 0, 2, …, 2d, where Σ_tr
        vanishes, and for other models.

    Returns
    -------
    (value, error_estimate) : tuple of float
    """
    E = float(_energy(E))
    if ISOTROPIC:
        val, err = _isotropic_shell(_isotropic_h(lambda c: 1 - c), np.sqrt(2 * E))
        tr, tr_err = float(val) * MEASURE, float(err) * MEASURE
        if tr == 0:
            raise ValueError(f"transport rate vanishes at E = {E:g}: no diffusion")
        if not np.isfinite(tr):                          # continuum d = 1, E = 0: D = 2E/(d·∞) = 0
            return 0.0, 0.0
        D = 2 * E / (DIM * tr)
        return _out(D, D * tr_err / tr)
    if CONSTANT_COFACTOR is not None and SPACE == "lattice":
        if E % 2 == 0:
            raise ValueError(f"E = {E:g} is a van Hove point of the lattice: D(E) is not evaluated there")
        speed2, s_err = _lattice_shell(lambda p: np.sum(velocity(p) ** 2, axis=-1), E)
        dos, d_err = density_of_states(E)
        rate, r_err = dos * CONSTANT_COFACTOR, d_err * abs(CONSTANT_COFACTOR)
        D = speed2 / (DIM * dos * rate)
        return _out(D, abs(D) * (s_err / abs(speed2) + d_err / dos + r_err / rate))
    raise ValueError("the diffusion coefficient is implemented for isotropic continuum models and lattice white noise")
