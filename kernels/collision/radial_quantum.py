"""Conservative energy-grid discretization of the derived Uehling–Uhlenbeck operator for radial W in d = 3.

Pipeline (everything physical comes from the :class:`~derive.ir.DerivedEquation` of ``uehling-uhlenbeck``)::

    derived K(V̂(k−k₃), V̂(k−k₄)) ─lambdify─▶ angular kernel M(k,k₂,k₃,k₄) (computed once, :mod:`.angular`)
    derived S = K·B(W,W₂,W₃,W₄) ─cancel K─▶ gain − loss B ─┐
    conventions μ = (2π)^{-3}, derived c = 2π ─────────────┴─▶ C_i on a uniform energy grid

Reduction. With ∫d³k₄δ³(k + k₂ − k₃ − k₄) inserted, spherical coordinates, k_j²dk_j = k_j dω_j and the δ(Δ)
solved for ω₄ = ω + ω₂ − ω₃:

.. math:: C[W](k) = \\mu^2 c\\,\\frac1k \\int_0^\\infty d\\omega_2 \\int_0^{\\omega+\\omega_2} d\\omega_3\\;
          M(k, k_2, k_3, k_4)\\, B(W, W_2, W_3, W_4), \\qquad M = k k_2 k_3 k_4 \\Phi .

Discretization. Energies ω_i = (i + s)h, i = 0 … N−1 (offset s; s = ½ is the midpoint grid); then
ω₄ = ω_{i+j−l} lies on the grid and

.. math:: C_i = \\mu^2 c\\,\\frac{h^2}{k_i} \\sum_{j,l:\\,0\\le m = i+j-l < N} M_{ijlm}\\, F_{ijlm},

with M computed once per class {{i, j}, {l, m}} (so it is exactly symmetric) and F the derived B made exactly
antisymmetric, F = ½(B_{ijlm} − B_{lmij}). With the density-of-states weights ρ_i = 4πμ k_i h (number density
n = Σρ_iW_i), Σρ_iφ_iC_i = ¼ μ²c 4πμ h³ Σ M F (φ_i + φ_j − φ_l − φ_m) vanishes to rounding for φ = 1 and φ = ω
(i + j − l − m = 0), and C_i = 0 to rounding when B vanishes pointwise on the grid (equilibria).

Errors. The returned value is the grid with step h (midpoint); the error is |C_h − C_{2h}| at the same energy —
C_{2h} from two grids of step 2h with offsets ¼ and ¾, whose nodes are the even and odd nodes of the fine grid —
plus Σ|δM||F| from the angular quadrature. The midpoint rule converges like h^{3/2} here (M ∝ √ω at ω_j → 0), so
the difference overestimates the error of C_h.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from derive.conventions import conventions_for
from derive.errors import DeriveError, ParameterError
from kernels.collision.angular import angular_kernel
from kernels.estimate import Estimate

__all__ = ["EnergyGrid", "GridTable", "RadialUUCollision", "derived_parts", "radial_collision", "collision_at"]

_WEIGHT_KEY = "kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"


@dataclass(frozen=True)
class EnergyGrid:
    """Uniform energy grid ω_i = (i + offset)·step, i = 0 … size−1, momenta k_i = √(2ω_i)."""

    step: float
    size: int
    offset: float = 0.5

    @property
    def energies(self) -> np.ndarray:
        return (np.arange(self.size) + self.offset) * self.step

    @property
    def momenta(self) -> np.ndarray:
        return np.sqrt(2 * self.energies)


def derived_parts(equation) -> tuple[Callable, Callable, Callable, float]:
    """From the derived equation: K(x, y) (x = V̂(k−k₃), y = V̂(k−k₄)), B(w, w₂, w₃, w₄), V̂(|q|), μ²c.

    K is the entry's ``transition kernel K``; B = S/K is read off the derived integrand S (and checked to be
    free of V̂); μ comes from :func:`derive.conventions.conventions_for` and c from the derived constants.
    """
    from derive.catalogue.uehling_uhlenbeck import q_symbol
    from derive.expansion.heisenberg import Vhat, W, k, k2, k3

    model = equation.data["model"]
    if int(model.dim) != 3:
        raise ParameterError(f"the radial grid kernel is for d = 3, got dim = {model.dim}")
    x, y = sp.symbols("x y", real=True)
    K = equation.results["transition kernel K"]
    kxy = sp.expand(K.xreplace({Vhat(sp.expand(k - k3)): x, Vhat(sp.expand(k2 - k3)): y}))
    if kxy.has(Vhat):
        raise DeriveError(f"the transition kernel is not a function of V̂(k−k₃), V̂(k−k₄): {K}")
    bracket = sp.cancel(equation.results["kernel S(k,k2,k3)"] / K)
    ws = sp.symbols("w1:5", real=True)
    b = sp.expand(bracket.xreplace({W(k): ws[0], W(k2): ws[1], W(k3): ws[2], W(sp.expand(k + k2 - k3)): ws[3]}))
    if b.has(W) or b.has(Vhat):
        raise DeriveError(f"the derived integrand is not K·B(W, W₂, W₃, W₄): {bracket}")
    cv = conventions_for("continuum", 3)
    const = float(cv.measure ** 2 * equation.constants[_WEIGHT_KEY])
    kfun = sp.lambdify((x, y), kxy, "numpy")
    bfun = sp.lambdify(ws, b, "numpy")
    vfun = sp.lambdify(q_symbol, model.potential, "numpy")
    return kfun, bfun, vfun, const


def _triples(n: int) -> tuple[np.ndarray, ...]:
    """All (i, j, l, m = i + j − l) in [0, n)⁴ and the class id of {{i, j}, {l, m}} (with representatives)."""
    i, j, l = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij"))
    m = i + j - l
    keep = (m >= 0) & (m < n)
    i, j, l, m = i[keep], j[keep], l[keep], m[keep]
    a, c = np.minimum(i, j), np.minimum(l, m)
    lo, hi, total = np.minimum(a, c), np.maximum(a, c), i + j
    key = (total * n + lo) * n + hi
    classes, inverse = np.unique(key, return_inverse=True)
    hi_c, lo_c, tot_c = classes % n, (classes // n) % n, classes // (n * n)
    return i, j, l, m, inverse, (lo_c, tot_c - lo_c, hi_c, tot_c - hi_c)


class GridTable:
    """M on one energy grid (computed once) and the discrete operator C_i = μ²c h²/k_i Σ M F."""

    def __init__(self, grid: EnergyGrid, kernel_xy: Callable, bracket: Callable, vhat: Callable, const: float,
                 *, n_p: int = 24, n_phi: int = 32):
        self.grid, self.bracket, self.const = grid, bracket, const
        self.i, self.j, self.l, self.m, inverse, reps = _triples(grid.size)
        kk = grid.momenta
        m_class, e_class = angular_kernel(kernel_xy, vhat, *(kk[r] for r in reps), n_p=n_p, n_phi=n_phi)
        if not (np.all(np.isfinite(m_class)) and np.all(np.isfinite(e_class))):
            raise DeriveError("the angular kernel M is not finite on the grid (check the potential)")
        self.classes = len(m_class)
        self.M, self.M_error = m_class[inverse], e_class[inverse]
        self.prefactor = const * grid.step ** 2 / kk

    def antisymmetric_bracket(self, values: np.ndarray) -> np.ndarray:
        """F_{ijlm} = ½(B_{ijlm} − B_{lmij}): the derived gain − loss, exactly antisymmetric under (ij) ↔ (lm)."""
        w = np.asarray(values, dtype=float)
        wi, wj, wl, wm = w[self.i], w[self.j], w[self.l], w[self.m]
        forward = np.broadcast_to(self.bracket(wi, wj, wl, wm), wi.shape)
        backward = np.broadcast_to(self.bracket(wl, wm, wi, wj), wi.shape)
        return 0.5 * (forward - backward)

    def _sum(self, terms: np.ndarray) -> np.ndarray:
        return self.prefactor * np.bincount(self.i, weights=terms, minlength=self.grid.size)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """C_i for occupations ``values`` given at the grid energies."""
        return self._sum(self.M * self.antisymmetric_bracket(values))

    def kernel_error(self, values: np.ndarray) -> np.ndarray:
        """μ²c h²/k_i Σ |δM| |F|: the angular-quadrature part of the error."""
        return self._sum(self.M_error * np.abs(self.antisymmetric_bracket(values)))

    def scale(self, values: np.ndarray) -> np.ndarray:
        """μ²c h²/k_i Σ M (|B(W_i, W_j, 0, 0)| + |B(0, 0, W_l, W_m)|): the size of the loss and gain terms with
        empty (θ-free) final states — the reference scale of the equilibrium residual."""
        w = np.asarray(values, dtype=float)
        wi, wj, wl, wm = w[self.i], w[self.j], w[self.l], w[self.m]
        zero = np.zeros_like(wi)
        mag = (np.abs(np.broadcast_to(self.bracket(wi, wj, zero, zero), wi.shape))
               + np.abs(np.broadcast_to(self.bracket(zero, zero, wl, wm), wi.shape)))
        return self._sum(self.M * mag)

    def invariants(self, collision: np.ndarray) -> dict:
        """d/dτ of number and energy, Σρ_iC_i and Σρ_iω_iC_i (ρ_i = 4πμ k_i h), and their scales Σρ_i|C_i|…"""
        mu = float(conventions_for("continuum", 3).measure)
        rho = 4 * np.pi * mu * self.grid.momenta * self.grid.step
        om = self.grid.energies
        return {"number": float(np.sum(rho * collision)), "energy": float(np.sum(rho * om * collision)),
                "number scale": float(np.sum(rho * np.abs(collision))),
                "energy scale": float(np.sum(rho * om * np.abs(collision)))}


def _occupation_function(model, occupation) -> Callable:
    if occupation is None:
        from derive.catalogue.uehling_uhlenbeck import k_radial
        f = sp.lambdify(k_radial, model.occupation, "numpy")
    elif callable(occupation):
        f = occupation
    else:
        raise ParameterError("occupation must be a function of |k| (numpy) or None (the model's W)")
    return lambda kk: np.asarray(np.broadcast_to(f(kk), np.shape(kk)), dtype=float)


def _decay_energy(w: Callable, tol: float) -> float:
    """Smallest ω on a scan of [0, 800] beyond which W(√(2ω)) < tol·max W."""
    om = np.linspace(0.0, 800.0, 16001)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        vals = np.abs(w(np.sqrt(2 * om)))
    if not np.all(np.isfinite(vals[1:])):
        raise ParameterError("the occupation is not finite on the energy axis")
    above = np.flatnonzero(vals > tol * np.max(vals))
    if above[-1] >= len(om) - 2:
        raise DeriveError("the occupation does not decay (W > tol·max W at ω = 800): the grid needs a decaying W")
    return float(om[above[-1] + 1])


class RadialUUCollision:
    """The grid operator of one derived equation: fine grid (step h, offset ½) and the two 2h grids.

    Build once (the angular kernel is the expensive part), then call :meth:`collision` for any occupation.
    """

    def __init__(self, equation, size: int = 64, energy_max: float | None = None, *, tol: float = 1e-14,
                 n_p: int = 24, n_phi: int = 32):
        if not isinstance(size, (int, np.integer)) or size < 8 or size % 2:
            raise ParameterError(f"the energy grid needs an even number of points ≥ 8, got {size!r}")
        self.model = equation.data["model"]
        kfun, bfun, vfun, const = derived_parts(equation)
        if energy_max is None:
            energy_max = _decay_energy(_occupation_function(self.model, None), tol)
        if not energy_max > 0:
            raise ParameterError(f"energy_max must be > 0, got {energy_max!r}")
        h = float(energy_max) / size
        self.fine = GridTable(EnergyGrid(h, size, 0.5), kfun, bfun, vfun, const, n_p=n_p, n_phi=n_phi)
        self.coarse = tuple(GridTable(EnergyGrid(2 * h, size // 2, s), kfun, bfun, vfun, const, n_p=n_p,
                                      n_phi=n_phi) for s in (0.25, 0.75))
        self.tol = tol

    @property
    def grid(self) -> EnergyGrid:
        return self.fine.grid

    def occupation_values(self, occupation=None, grid: EnergyGrid | None = None) -> np.ndarray:
        w = _occupation_function(self.model, occupation)
        return w((grid or self.grid).momenta)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """C_i on the fine grid for occupation values at its energies (no error estimate)."""
        values = np.asarray(values, dtype=float)
        if values.shape != (self.grid.size,):
            raise ParameterError(f"need {self.grid.size} occupation values, got shape {values.shape}")
        return self.fine.apply(values)

    def collision(self, occupation=None) -> Estimate:
        """C[W](k_i) at the fine-grid momenta with error |C_h − C_{2h}| + angular-quadrature error.

        ``occupation``: a numpy function of |k| (default: the model's W). The grid's energy range was fixed when
        the kernel was built; W must be negligible beyond it (its size at the top is added to the error).
        """
        w = _occupation_function(self.model, occupation)
        vals = w(self.grid.momenta)
        if self.model.statistics == "fermi" and (np.min(vals) < 0 or np.max(vals) > 1):
            raise ParameterError("a fermion occupation must lie in [0, 1] on the grid")
        if np.min(vals) < 0 or not np.all(np.isfinite(vals)):
            raise ParameterError("the occupation must be finite and ≥ 0 on the grid")
        fine = self.fine.apply(vals)
        error = self.fine.kernel_error(vals)
        diff = np.empty_like(fine)
        for parity, table in enumerate(self.coarse):
            cvals = w(table.grid.momenta)
            diff[parity::2] = np.abs(fine[parity::2] - table.apply(cvals))
        top = np.abs(w(np.sqrt(2 * np.array([self.grid.size * self.grid.step]))))[0]
        trunc = self.fine.scale(vals) * top / max(np.max(np.abs(vals)), 1e-300)
        return Estimate(fine, error + diff + trunc + 1e-15 * np.abs(fine),
                        f"energy grid N={self.grid.size}, h={self.grid.step:.4g} (error: 2h grids)",
                        n_eval=int(self.fine.classes), dps=15,
                        notes=(f"energies (i+1/2)h, i < {self.grid.size}; M classes {self.fine.classes}",))

    def invariants(self, values: np.ndarray) -> dict:
        """Discrete number and energy production of occupation values on the fine grid (and their scales)."""
        return self.fine.invariants(self.apply(values))


def radial_collision(equation, size: int = 64, energy_max: float | None = None, occupation=None) -> Estimate:
    """One-shot C[W](k_i) on a grid of ``size`` energies (builds the kernel; see :class:`RadialUUCollision`)."""
    return RadialUUCollision(equation, size, energy_max).collision(occupation)


def collision_at(equation, kabs: float, size: int = 64, tol: float = 1e-10) -> Estimate:
    """C[W](|k|) by the grid operator whose midpoint grid has ω = |k|²/2 as a node (scalar Estimate).

    The step is h = ω/(i + ½) with i chosen so that size·h is closest to the range where W > tol·max W.
    """
    if not np.isfinite(kabs) or kabs <= 0:
        raise ParameterError(f"|k| must be > 0 for the grid operator, got {kabs!r}")
    model = equation.data["model"]
    if int(model.dim) != 3:
        raise ParameterError(f"the radial grid kernel is for d = 3, got dim = {model.dim}")
    top = _decay_energy(_occupation_function(model, None), tol)
    omega = kabs ** 2 / 2
    index = int(round(omega / (top / size) - 0.5))
    if index >= size:
        raise ParameterError(f"|k| = {kabs} lies beyond the grid (W < {tol:g}·max W there: C is negligible)")
    step = omega / (max(index, 0) + 0.5)
    grid = RadialUUCollision(equation, size, energy_max=size * step, tol=tol)
    return grid.collision()[max(index, 0)]
