"""Exact microscopic dynamics of the lattice random Schrödinger operator, averaged over disorder.

Model (conventions of :mod:`derive.conventions`): on the periodic lattice
:math:`\\Lambda_L = (\\mathbb{Z}/L\\mathbb{Z})^d`,

.. math:: H = H_0 + \\lambda V, \\qquad \\widehat{H_0\\psi}(k) = \\omega(k)\\hat\\psi(k), \\qquad
          \\omega(k) = \\sum_j (1 - \\cos 2\\pi k_j), \\quad k \\in L^{-1}\\mathbb{Z}^d \\bmod 1,

with :math:`V` a centred stationary Gaussian field, :math:`\\mathbb{E}V(x)V(y) = \\vartheta(x-y)`,
:math:`R(k) = \\sum_x \\vartheta(x) e^{-2\\pi i k\\cdot x} \\ge 0` (white noise: :math:`R \\equiv \\sigma^2`).
:math:`e^{-itH}` is applied with a Chebyshev expansion (error bounded rigorously by the Bessel tail), ``H₀``
by FFT and ``V`` in position space, batched over disorder realisations. The momentum distribution uses the
unitary transform :math:`\\hat\\psi(k) = L^{-d/2}\\sum_x e^{-2\\pi i k\\cdot x}\\psi(x)` (numpy ordering).
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft
from scipy.special import gammaln, jv

from derive.errors import CorrelationNotPositive, ParameterError
from kernels.estimate import Estimate

__all__ = [
    "LatticeHamiltonian", "SimulationResult", "chebyshev_terms", "chebyshev_propagate", "lattice_dispersion",
    "gaussian_potential", "build_hamiltonian", "plane_wave", "momentum_distribution", "simulate",
    "averaged_momentum_distribution", "mode_mask", "window_mask", "mass_near", "survival_probability",
]

_WORKERS = max(1, os.cpu_count() or 1)
_MAX_BATCH_ELEMENTS = 2 ** 17  # ~2 MiB of complex128 per array: cache-friendly, measured fastest


# ----------------------------------------------------------------------------------------------- Chebyshev
def chebyshev_terms(x: float, tol: float = 1e-12) -> tuple[np.ndarray, float]:
    """Coefficients of :math:`e^{-ixy} = \\sum_n (2-\\delta_{n0})(-i)^n J_n(x) T_n(y)`, :math:`y\\in[-1,1]`.

    The series is cut after the first ``N`` with tail bound :math:`2\\sum_{n>N}|J_n(x)| \\le` ``tol``; terms up
    to a cut-off ``M`` are summed from ``scipy.special.jv`` and beyond ``M`` the rigorous bound
    :math:`|J_n(x)| \\le (|x|/2)^n/n!` (geometric tail) is used. Since :math:`|T_n(y)| \\le 1` the returned
    bound holds in operator norm for any self-adjoint argument with spectrum in :math:`[-1, 1]`.

    Returns
    -------
    coefficients, tail_bound
        Complex array of length ``N + 1`` and the bound on the neglected sum.
    """
    if not tol > 0:
        raise ParameterError(f"tol must be positive, got {tol}")
    ax = abs(float(x))
    half = ax / 2.0

    def far_tail(n: int) -> float:  # 2 Σ_{m>n} (|x|/2)^m/m!, valid for n + 2 > |x|/2
        if ax == 0.0:
            return 0.0
        log_first = (n + 1) * np.log(half) - gammaln(n + 2)
        return float(2.0 * np.exp(log_first) / (1.0 - half / (n + 2)))

    m = int(np.ceil(ax)) + 8
    while far_tail(m) > 1e-3 * tol:
        m += max(4, m // 16)
    n = np.arange(m + 1)
    bessel = jv(n, ax) if ax > 0 else (n == 0).astype(float)
    tails = 2.0 * np.concatenate([np.cumsum(np.abs(bessel[::-1]))[::-1][1:], [0.0]]) + far_tail(m)
    n_terms = int(np.argmax(tails <= tol))
    sign = np.where(n % 2 == 1, -1.0, 1.0) if x < 0 else np.ones(m + 1)  # J_n(-x) = (-1)^n J_n(x)
    coeffs = (2.0 - (n == 0)) * (-1j) ** n * bessel * sign
    return coeffs[: n_terms + 1].astype(complex), float(tails[n_terms])


def chebyshev_propagate(apply_h: Callable[[np.ndarray], np.ndarray], psi: np.ndarray, t: float,
                        spectral_bounds: tuple[float, float], *, tol: float = 1e-12,
                        progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, float]:
    """Exact propagation :math:`e^{-itH}\\psi` by the Chebyshev expansion with Bessel coefficients.

    With :math:`H \\subset [E_-, E_+]`, :math:`c = (E_+ + E_-)/2`, :math:`a = (E_+ - E_-)/2` and
    :math:`\\tilde H = (H - c)/a`,

    .. math:: e^{-itH} = e^{-ict}\\sum_{n\\ge0}(2-\\delta_{n0})(-i)^n J_n(at)\\,T_n(\\tilde H),\\qquad
              T_{n+1} = 2\\tilde H T_n - T_{n-1}.

    Parameters
    ----------
    apply_h
        ``psi ↦ H psi`` acting on the whole array (a leading batch axis is allowed and passed through).
    psi
        Initial state(s).
    t
        Time (any real number).
    spectral_bounds
        ``(E_-, E_+)`` enclosing the spectrum of ``H`` (for all members of the batch).
    tol
        Bound on :math:`2\\sum_{n>N}|J_n(at)|` used to choose the number of terms ``N + 1``.
    progress
        Optional callback ``progress(done, total)`` called after every term.

    Returns
    -------
    psi_t, error_bound
        The propagated state(s) and the truncation bound :math:`\\|e^{-itH}\\psi - \\psi_t\\| \\le`
        ``error_bound`` (tail · norm of the whole array, hence valid for every state of the batch;
        floating-point rounding, ~N·1e-16, is not included).
    """
    e_lo, e_hi = map(float, spectral_bounds)
    if not (np.isfinite(e_lo) and np.isfinite(e_hi) and e_hi >= e_lo and np.isfinite(t)):
        raise ParameterError(f"need finite t and spectral bounds E- <= E+, got t={t}, {spectral_bounds}")
    psi = np.ascontiguousarray(psi, dtype=complex)
    center = 0.5 * (e_hi + e_lo)
    half = 0.5 * (e_hi - e_lo) * (1.0 + 1e-12) + 1e-300
    coeffs, tail = chebyshev_terms(half * t, tol)

    def step(phi: np.ndarray, scale: float) -> np.ndarray:  # scale·(H − c)·phi as a fresh array
        out = np.asarray(apply_h(phi), dtype=complex)
        if np.may_share_memory(out, phi):
            out = out.copy()
        out -= center * phi
        out *= scale
        return out

    acc = coeffs[0] * psi
    prev, cur = psi, None
    if len(coeffs) > 1:
        cur = step(psi, 1.0 / half)
        acc += coeffs[1] * cur
    for n in range(2, len(coeffs)):  # T_n = 2 H~ T_{n-1} − T_{n-2}, accumulated in place
        nxt = step(cur, 2.0 / half)
        nxt -= prev
        prev, cur = cur, nxt
        acc += coeffs[n] * cur
        if progress is not None:
            progress(n, len(coeffs) - 1)
    acc *= np.exp(-1j * center * t)
    return acc, tail * float(np.linalg.norm(psi.ravel()))  # whole-array norm ≥ each state's norm


# ----------------------------------------------------------------------------------------------- lattice model
def lattice_dispersion(dim: int, L: int) -> np.ndarray:
    """:math:`\\omega(k) = \\sum_j (1-\\cos 2\\pi k_j)` on the numpy FFT grid, shape ``(L,)*dim``."""
    _check_lattice(dim, L)
    one = 1.0 - np.cos(2.0 * np.pi * np.fft.fftfreq(L))
    return sum(one.reshape([L if i == j else 1 for i in range(dim)]) for j in range(dim)) * np.ones((L,) * dim)


def _check_lattice(dim: int, L: int) -> None:
    if dim not in (1, 2, 3):
        raise ParameterError(f"dimension must be 1, 2 or 3, got {dim}")
    if int(L) != L or L < 2:
        raise ParameterError(f"L must be an integer >= 2, got {L}")


def _spectrum_on_grid(dim: int, L: int, spectrum) -> np.ndarray:
    if spectrum is None:
        return np.ones((L,) * dim)
    if callable(spectrum):
        grid = np.meshgrid(*([np.fft.fftfreq(L)] * dim), indexing="ij")
        values = np.broadcast_to(np.asarray(spectrum(*grid), dtype=float), (L,) * dim)
    else:
        values = np.asarray(spectrum, dtype=float)
        if values.shape != (L,) * dim:
            raise ParameterError(f"spectrum array must have shape {(L,) * dim}, got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ParameterError("power spectrum is not finite on the lattice momenta")
    if np.min(values) < -1e-12 * max(1.0, float(np.max(np.abs(values)))):
        raise CorrelationNotPositive(f"power spectrum has minimum {np.min(values):.3g} < 0 on the lattice momenta")
    mirrored = values[np.ix_(*[-np.arange(L) % L] * dim)]
    if np.max(np.abs(values - mirrored)) > 1e-10 * max(1.0, float(np.max(values))):
        raise ParameterError("power spectrum must be even, R(k) = R(-k), for a real field")
    return np.clip(values, 0.0, None)


def gaussian_potential(dim: int, L: int, sigma: float, n: int, rng: np.random.Generator | list, *,
                       spectrum=None) -> np.ndarray:
    """``n`` realisations of the centred Gaussian field, shape ``(n,) + (L,)*dim``.

    With white noise :math:`W` and :math:`R(k) = \\sigma^2 S(k)` (``S`` = ``spectrum``, default 1),

    .. math:: V = \\mathcal F^{-1}\\big[\\sqrt{R}\\,\\mathcal F W\\big], \\qquad
              \\mathbb{E}V(x)V(y) = \\vartheta_L(x-y) = L^{-d}\\sum_{k} R(k)e^{2\\pi i k\\cdot(x-y)},

    the periodisation of :math:`\\vartheta`. ``spectrum`` is a callable ``S(k_1, …, k_d)`` of arrays with
    :math:`k_j\\in[-\\frac12,\\frac12)`, or an array on the numpy FFT grid; it must be even (real field).
    ``rng`` is one generator or a list of ``n`` generators (one per realisation, for batch-independent seeds).
    """
    _check_lattice(dim, L)
    if not sigma >= 0:
        raise ParameterError(f"sigma must be >= 0, got {sigma}")
    shape = (L,) * dim
    if isinstance(rng, (list, tuple)):
        noise = np.stack([g.standard_normal(shape) for g in rng]) if len(rng) else np.zeros((0,) + shape)
    else:
        noise = rng.standard_normal((n,) + shape)
    if spectrum is None:
        return sigma * noise
    amp = sigma * np.sqrt(_spectrum_on_grid(dim, L, spectrum))
    axes = tuple(range(1, dim + 1))
    return sfft.ifftn(amp * sfft.fftn(noise, axes=axes, workers=_WORKERS), axes=axes, workers=_WORKERS).real


@dataclass(frozen=True)
class LatticeHamiltonian:
    """:math:`H = H_0 + \\lambda V` on :math:`(\\mathbb{Z}/L)^d`, batched over realisations of ``V``.

    ``apply(psi)`` acts on arrays of shape ``(batch,) + (L,)*dim``; ``spectral_bounds`` =
    :math:`[-\\lambda\\max|V|,\\ 2d + \\lambda\\max|V|]` (Weyl), ``max|V|`` over the whole batch.
    """

    dim: int
    L: int
    lam: float
    potential: np.ndarray
    omega: np.ndarray = field(repr=False)
    spectral_bounds: tuple[float, float]
    scaled_potential: np.ndarray = field(repr=False)

    def apply(self, psi: np.ndarray) -> np.ndarray:
        """:math:`H\\psi = \\mathcal F^{-1}[\\omega\\,\\mathcal F\\psi] + \\lambda V\\psi`."""
        axes = tuple(range(psi.ndim - self.dim, psi.ndim))
        spec = sfft.fftn(psi, axes=axes, workers=_WORKERS)
        spec *= self.omega
        out = sfft.ifftn(spec, axes=axes, workers=_WORKERS, overwrite_x=True)
        if self.lam != 0.0:
            out += self.scaled_potential * psi
        return out


def build_hamiltonian(dim: int, L: int, lam: float, potential: np.ndarray) -> LatticeHamiltonian:
    """The batched FFT Hamiltonian for ``potential`` of shape ``(batch,) + (L,)*dim`` (or ``(L,)*dim``)."""
    _check_lattice(dim, L)
    potential = np.asarray(potential, dtype=float)
    if potential.shape[-dim:] != (L,) * dim or potential.ndim not in (dim, dim + 1):
        raise ParameterError(f"potential must have shape (batch,)+{(L,) * dim}, got {potential.shape}")
    vmax = abs(lam) * float(np.max(np.abs(potential))) if potential.size else 0.0
    return LatticeHamiltonian(dim, L, float(lam), potential, lattice_dispersion(dim, L), (-vmax, 2.0 * dim + vmax),
                              float(lam) * potential)


def plane_wave(dim: int, L: int, k0_index) -> np.ndarray:
    """:math:`\\psi_0(x) = L^{-d/2} e^{2\\pi i k_0\\cdot x}`, :math:`k_0` = ``k0_index``/L (normalised)."""
    idx = np.broadcast_to(np.asarray(k0_index, dtype=int), (dim,))
    grids = np.meshgrid(*([np.arange(L)] * dim), indexing="ij")
    phase = sum(int(i) * g for i, g in zip(idx, grids)) % L
    return np.exp(2j * np.pi * phase / L) / L ** (dim / 2)


def momentum_distribution(psi: np.ndarray, dim: int) -> np.ndarray:
    """:math:`|\\hat\\psi(k)|^2` normalised to total mass 1 per state (unitary FFT over the last ``dim`` axes)."""
    axes = tuple(range(psi.ndim - dim, psi.ndim))
    p = np.abs(sfft.fftn(psi, axes=axes, workers=_WORKERS)) ** 2
    total = p.sum(axis=axes, keepdims=True)
    return p / np.where(total > 0, total, 1.0)


# ----------------------------------------------------------------------------------------------- observables
def mode_mask(dim: int, L: int, index) -> np.ndarray:
    """Boolean mask of the single Fourier mode ``index`` (numpy ordering, taken mod L)."""
    mask = np.zeros((L,) * dim, dtype=bool)
    mask[tuple(np.broadcast_to(np.asarray(index, dtype=int), (dim,)) % L)] = True
    return mask


def window_mask(dim: int, L: int, center_index, window: int) -> np.ndarray:
    """Modes whose periodic index distance to ``center_index`` is ``<= window`` in every component."""
    center = np.broadcast_to(np.asarray(center_index, dtype=int), (dim,))
    mask = np.ones((L,) * dim, dtype=bool)
    for j in range(dim):
        dist = np.abs((np.arange(L) - center[j] + L // 2) % L - L // 2)
        mask &= (dist <= window).reshape([L if i == j else 1 for i in range(dim)])
    return mask


def mass_near(distribution: Estimate, center_index, window: int) -> Estimate:
    """:math:`\\sum_{|k - k_c|_\\infty \\le w/L} \\bar p(k)` from an averaged distribution.

    The error is :math:`\\sum_k \\mathrm{SE}(k)`, an upper bound (Minkowski) on the standard error of the sum;
    for the sharp per-sample error pass the mask to :func:`simulate` instead.
    """
    value = np.asarray(distribution.value)
    mask = window_mask(value.ndim, value.shape[0], center_index, window)
    return Estimate(float(value[mask].sum()), float(np.asarray(distribution.error)[mask].sum()),
                    distribution.method + " | window sum (SE bound)", distribution.n_eval, distribution.dps,
                    False, distribution.notes)


def survival_probability(distribution: Estimate, k0_index) -> Estimate:
    """Mass :math:`\\bar p(k_0)` left in the initial mode, with its standard error."""
    value = np.asarray(distribution.value)
    idx = tuple(np.broadcast_to(np.asarray(k0_index, dtype=int), (value.ndim,)) % value.shape[0])
    return Estimate(float(value[idx]), float(np.asarray(distribution.error)[idx]),
                    distribution.method + " | initial mode", distribution.n_eval, distribution.dps, False,
                    distribution.notes)


# ----------------------------------------------------------------------------------------------- driver
class _Progress:
    """Hand-written bar on stderr, shown only on a terminal and once the run has lasted ~1 s."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.start = max(1, total), label, time.monotonic()
        self.enabled = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.shown = False

    def update(self, done: float) -> None:
        elapsed = time.monotonic() - self.start
        if not self.enabled or elapsed < 1.0:
            return
        frac = min(1.0, done / self.total)
        eta = elapsed * (1 - frac) / frac if frac > 0 else 0.0
        bar = "#" * int(30 * frac) + "." * (30 - int(30 * frac))
        sys.stderr.write(f"\r{self.label} [{bar}] {100 * frac:5.1f}%  eta {eta:5.0f}s ")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


@dataclass(frozen=True)
class SimulationResult:
    """Disorder average of the momentum distribution and of masks ``name → Σ_{k∈mask} p(k)`` (per-sample SE)."""

    distribution: Estimate
    observables: dict[str, Estimate]
    n_terms: int
    truncation_error: float
    seconds: float


def simulate(dim: int, L: int, lam: float, sigma: float, t: float, k0_index, n_samples: int, *, seed,
             batch: int | None = None, spectrum=None, masks: Mapping[str, np.ndarray] | None = None,
             tol: float = 1e-12, label: str = "propagating") -> SimulationResult:
    """Propagate :math:`\\psi_0 = L^{-d/2}e^{2\\pi ik_0\\cdot x}` to time ``t`` for ``n_samples`` potentials.

    For each realisation :math:`p(k) = |\\widehat{e^{-itH}\\psi_0}(k)|^2/\\sum_k|\\cdot|^2`; returned are the
    sample mean of ``p`` and of each mask's mass, each with the standard error of the mean
    :math:`s/\\sqrt{n}` (``s`` with ddof = 1) plus the Chebyshev bound :math:`2\\varepsilon + \\varepsilon^2`.
    Realisation ``i`` uses ``SeedSequence(seed).spawn(n)[i]`` (``seed``: int or sequence of ints), so
    results do not depend on ``batch``; ``masks`` maps names to boolean arrays of shape ``(L,)*dim``.
    A progress bar is drawn on stderr when it is a terminal and the run lasts more than ~1 s.
    """
    _check_lattice(dim, L)
    if int(n_samples) != n_samples or n_samples < 2:
        raise ParameterError(f"n_samples must be an integer >= 2 (for a standard error), got {n_samples}")
    if not np.isfinite(t) or not np.isfinite(lam):
        raise ParameterError("t and lam must be finite")
    masks = {name: np.asarray(m, dtype=bool) for name, m in (masks or {}).items()}
    for name, m in masks.items():
        if m.shape != (L,) * dim:
            raise ParameterError(f"mask {name!r} must have shape {(L,) * dim}")
    if batch is None:
        batch = max(1, min(n_samples, _MAX_BATCH_ELEMENTS // L ** dim))
    seeds = np.random.SeedSequence(seed).spawn(int(n_samples))
    psi0 = plane_wave(dim, L, k0_index)
    mean = np.zeros((L,) * dim)
    m2 = np.zeros((L,) * dim)
    obs = {name: [] for name in masks}
    n_done, n_terms, trunc = 0, 0, 0.0
    start = time.monotonic()
    bar = _Progress(n_samples, label)
    for lo in range(0, n_samples, batch):
        gens = [np.random.default_rng(s) for s in seeds[lo:lo + batch]]
        pot = gaussian_potential(dim, L, sigma, len(gens), gens, spectrum=spectrum)
        ham = build_hamiltonian(dim, L, lam, pot)
        nb = len(gens)
        psi, err = chebyshev_propagate(ham.apply, np.broadcast_to(psi0, pot.shape), t, ham.spectral_bounds,
                                       tol=tol, progress=lambda i, n: bar.update(n_done + nb * i / n))
        width = 0.5 * (ham.spectral_bounds[1] - ham.spectral_bounds[0]) * (1.0 + 1e-12)
        n_terms = max(n_terms, len(chebyshev_terms(width * t, tol)[0]))
        trunc = max(trunc, err)
        p = momentum_distribution(psi, dim)
        for x in p:  # Welford update
            n_done += 1
            delta = x - mean
            mean += delta / n_done
            m2 += delta * (x - mean)
        for name, m in masks.items():
            obs[name].extend(p[:, m].sum(axis=1).tolist())
        bar.update(n_done)
    bar.close()
    extra = 2 * trunc + trunc ** 2
    sem = np.sqrt(np.maximum(m2, 0.0) / (n_done - 1) / n_done) + extra
    notes = (f"dim={dim} L={L} lam={lam} sigma={sigma} t={t} k0_index={tuple(np.atleast_1d(k0_index))}",
             f"samples={n_done}, chebyshev terms={n_terms}, truncation bound={trunc:.2g}",
             "error = standard error of the mean (+ truncation bound)")
    method = "chebyshev exact dynamics, disorder average"
    dist = Estimate(mean, sem, method, n_terms * n_done, 15, False, notes)
    observables = {}
    for name, vals in obs.items():
        v = np.asarray(vals)
        observables[name] = Estimate(float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v)) + extra),
                                     method + f" | mass in {name}", n_terms * n_done, 15, False, notes)
    return SimulationResult(dist, observables, n_terms, trunc, time.monotonic() - start)


def averaged_momentum_distribution(dim: int, L: int, lam: float, sigma: float, t: float, k0_index,
                                   n_samples: int, *, seed: int, batch: int | None = None,
                                   spectrum=None) -> Estimate:
    """Disorder average :math:`\\mathbb{E}\\,|\\hat\\psi_t(k)|^2` (normalised to mass 1), shape ``(L,)*dim``.

    :math:`\\psi_t = e^{-it(H_0+\\lambda V)}\\psi_0`, :math:`\\psi_0` the plane wave at :math:`k_0` =
    ``k0_index``/L; ``error`` is the standard error of the mean over ``n_samples`` realisations (numpy FFT
    index order: mode ``k`` sits at index ``k·L mod L``). White noise of variance σ² by default; with
    ``spectrum`` = S the field has power spectrum :math:`R = \\sigma^2 S` (:func:`gaussian_potential`).
    See :func:`simulate`.
    """
    return simulate(dim, L, lam, sigma, t, k0_index, n_samples, seed=seed, batch=batch,
                    spectrum=spectrum).distribution
