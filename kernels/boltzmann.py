"""Numerical kernels of a derived linear Boltzmann equation, lambdified from its σ(k, p).

For :math:`C[W](k) = \\int \\sigma(k,p)(W(p) - W(k))\\,\\mu\\,dp`, :math:`\\sigma = c(k,p)\\,\\delta(\\omega(k)-\\omega(p))`:

* total scattering rate :math:`\\Sigma(k) = \\mu\\int c(k,p)\\,\\delta(\\omega(p)-\\omega(k))\\,dp`;
* density of states :math:`n(E) = \\mu\\int\\delta(\\omega(p)-E)\\,dp` (đp in the continuum);
* transport rate :math:`\\Sigma_{tr}(k) = \\mu\\int c(k,p)(1 - v(p)\\cdot v(k)/|v(k)|^2)\\,\\delta\\,dp`;
* kinetic diffusion coefficient (``∂_τρ = D Δ_X ρ`` on the shell) :math:`D(E) = \\frac{1}{d\\,n(E)}\\mu\\int
  \\frac{|v|^2}{\\Sigma_{tr}}\\delta(\\omega - E)\\,dp`, exact when v is an eigenvector of C on the shell
  (isotropic continuum models, lattice white noise — the only cases accepted).

Shell integrals use the co-area formula (:mod:`kernels.shells`); every result is an :class:`Estimate`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import sympy as sp

from derive.conventions import Space
from derive.errors import DeriveError, OutOfBandError, ParameterError, SingularPointError
from derive.ir import KineticEquation
from kernels.estimate import Estimate
from kernels.shells import continuum_isotropic_shell_integral, continuum_shell_integral, lattice_shell_integral
from kernels.special.dos import continuum_density_of_states, lattice_density_of_states
from kernels.special.dos_table import lattice_dos_table

__all__ = ["LinearBoltzmannKernels"]

#: arrays of at least this many energies use the Chebyshev table of n₃ (kernels.special.dos_table)
_TABLE_THRESHOLD = 256


def _lambdify(args, expr) -> Callable:
    fn = sp.lambdify(args, expr, modules="numpy", cse=True)
    fn.__doc__ = f"Generated from the derived expression {sp.sstr(expr)}"
    return fn


class LinearBoltzmannKernels:
    """Kernels of one derived :class:`~derive.ir.KineticEquation` (σ, ω, v lambdified with numpy).

    Examples
    --------
    >>> from derive import derive_equation                                 # doctest: +SKIP
    >>> kern = LinearBoltzmannKernels(derive_equation("linear-boltzmann", {"space": "lattice", "dim": 1}))
    >>> kern.total_rate_at_energy(1.0).value   # 2π σ² n₁(1) = 2π/π = 2               # doctest: +SKIP
    """

    def __init__(self, eq: KineticEquation):
        self.equation = eq
        self.space = Space(eq.model["space"])
        self.dim = int(eq.model["dim"])
        self.measure = float(eq.measure)
        cof = eq.cofactor.subs(eq.values)
        if cof.free_symbols - set(eq.k) - set(eq.p):
            raise DeriveError(f"cofactor has unresolved symbols {cof.free_symbols - set(eq.k) - set(eq.p)}")
        self.cofactor_expr = cof
        self._cof = _lambdify([*eq.k, *eq.p], cof)
        self._omega = _lambdify(list(eq.k), eq.omega)
        self._velocity = [_lambdify(list(eq.k), v) for v in eq.velocity]
        self.constant_cofactor = not (cof.free_symbols & (set(eq.k) | set(eq.p)))
        self.isotropic = self.space is Space.CONTINUUM and self._numerically_isotropic()

    # ------------------------------------------------------------------ evaluation helpers
    def cofactor(self, k: np.ndarray, p: np.ndarray) -> np.ndarray:
        """c(k, p) on broadcast arrays of shape (..., d)."""
        k, p = np.broadcast_arrays(np.asarray(k, float), np.asarray(p, float))
        val = self._cof(*np.moveaxis(k, -1, 0), *np.moveaxis(p, -1, 0))
        return np.broadcast_to(np.asarray(val, dtype=float), k.shape[:-1])

    def omega(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, float)
        return np.broadcast_to(np.asarray(self._omega(*np.moveaxis(k, -1, 0)), float), k.shape[:-1])

    def velocity(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, float)
        comps = [np.broadcast_to(np.asarray(v(*np.moveaxis(k, -1, 0)), float), k.shape[:-1]) for v in self._velocity]
        return np.stack(comps, axis=-1)

    def _numerically_isotropic(self) -> bool:
        rng = np.random.default_rng(1)
        k = rng.normal(size=(4, self.dim))
        p = rng.normal(size=(4, self.dim))
        q, _ = np.linalg.qr(rng.normal(size=(self.dim, self.dim)))
        a, b = self.cofactor(k, p), self.cofactor(k @ q.T, p @ q.T)
        return bool(np.allclose(a, b, rtol=1e-12, atol=0))

    def band(self) -> tuple[float, float]:
        """Spectrum of H₀: [0, 2d] on the lattice, [0, ∞) in the continuum."""
        return (0.0, 2.0 * self.dim) if self.space is Space.LATTICE else (0.0, np.inf)

    def van_hove_energies(self) -> np.ndarray:
        """Critical values of ω: 0, 2, …, 2d on the lattice; 0 in the continuum."""
        return np.arange(0, 2 * self.dim + 1, 2.0) if self.space is Space.LATTICE else np.array([0.0])

    def snap_energy(self, E: float) -> float:
        """E, moved onto a van Hove energy when within 1e-12 of it (so rounding never hides a singular point)."""
        vh = self.van_hove_energies()
        near = np.abs(vh - E) <= 1e-12 * max(1.0, abs(E))
        return float(vh[near][0]) if np.any(near) else float(E)

    def check_energy(self, E: float) -> float:
        """Raise :class:`OutOfBandError` for energies outside the spectrum of H₀; snap to van Hove points."""
        lo, hi = self.band()
        E = float(E)
        if not np.isfinite(E) or E < lo - 1e-12 or E > hi + 1e-12:
            raise OutOfBandError(f"energy {E:g} is outside the band [{lo:g}, {hi:g}] of H₀")
        return self.snap_energy(min(max(E, lo), hi))

    def momentum_at_energy(self, E: float) -> np.ndarray:
        """A representative momentum on the shell ω = E (along the first axis / the diagonal)."""
        E = self.check_energy(E)
        if self.space is Space.CONTINUUM:
            return np.array([np.sqrt(2 * E)] + [0.0] * (self.dim - 1))
        # diagonal point: d(1 − cos 2πk) = E
        return np.full(self.dim, np.arccos(1 - E / self.dim) / (2 * np.pi))

    def _shell(self, g: Callable, k: np.ndarray) -> Estimate:
        """∫ g(p) δ(ω(p) − ω(k)) dp (Lebesgue), general integrand."""
        if self.space is Space.LATTICE:
            return lattice_shell_integral(g, self.snap_energy(float(self.omega(k))), self.dim)
        return continuum_shell_integral(g, k, self.dim)

    def validate_momentum(self, k) -> np.ndarray:
        """``k`` as a float array of d finite components (in the torus on the lattice); raises ParameterError."""
        k = np.atleast_1d(np.asarray(k, dtype=float))
        if k.shape != (self.dim,):
            raise ParameterError(f"momentum must have {self.dim} components, got {k.size}")
        if not np.all(np.isfinite(k)):
            raise ParameterError("momentum must be finite")
        if self.space is Space.LATTICE and np.any(np.abs(k) > 0.5):
            raise ParameterError("lattice momenta lie in the torus [-1/2, 1/2)^d")
        return k

    # ------------------------------------------------------------------ quantities
    def density_of_states(self, E) -> Estimate:
        """n(E) = μ ∫ δ(ω(p) − E) dp, vectorized over E (0 outside the band; van Hove points flagged).

        On the 3-D lattice, arrays of ≥ 256 energies use the Chebyshev table (error ≲ 1e-12 relative).
        """
        if self.space is Space.LATTICE:
            if self.dim == 3 and np.size(E) >= _TABLE_THRESHOLD:
                return lattice_dos_table()(E)
            return lattice_density_of_states(E, self.dim)
        return continuum_density_of_states(E, self.dim).scaled(self.measure)

    def total_rate(self, k) -> Estimate:
        """Σ(k) = μ ∫ c(k,p) δ(ω(p) − ω(k)) dp at one momentum."""
        k = self.validate_momentum(k)
        E = self.snap_energy(float(self.omega(k)))
        if self.constant_cofactor:
            return self.density_of_states(E).scaled(float(self.cofactor_expr))
        if self.isotropic:
            return self.total_rate_at_energy(E)
        return self._shell(lambda p: self.cofactor(k, p), k).scaled(self.measure)

    def _isotropic_h(self, weight: Callable | None = None) -> Callable:
        def h(kabs, c):
            kabs, c = np.broadcast_arrays(kabs, c)
            kvec = np.zeros(kabs.shape + (self.dim,))
            pvec = np.zeros(kabs.shape + (self.dim,))
            kvec[..., 0] = kabs
            pvec[..., 0] = kabs * c
            if self.dim > 1:
                pvec[..., 1] = kabs * np.sqrt(np.clip(1 - c * c, 0, None))
            val = self.cofactor(kvec, pvec)
            return val * weight(c) if weight else val
        return h

    def _check_energies(self, E) -> np.ndarray:
        """Array version of :meth:`check_energy` (every energy must lie in the band)."""
        arr = np.asarray(E, dtype=float)
        return np.vectorize(self.check_energy, otypes=[float])(arr) if arr.ndim else np.asarray(self.check_energy(arr))

    def total_rate_at_energy(self, E) -> Estimate:
        """Σ as a function of energy (only where it depends on E alone: constant cofactor or isotropic)."""
        E = self._check_energies(E)
        if self.constant_cofactor:
            Earr = np.asarray(E, float)
            return self.density_of_states(Earr).scaled(float(self.cofactor_expr))
        if not self.isotropic:
            raise DeriveError("the total rate depends on the direction of k here; evaluate it at a momentum (k=...)")
        kabs = np.sqrt(2 * np.asarray(E, float))
        return continuum_isotropic_shell_integral(self._isotropic_h(), kabs, self.dim).scaled(self.measure)

    def collision(self, W: Callable[[np.ndarray], np.ndarray], k) -> Estimate:
        """C[W](k) = μ[∫ c(k,p) W(p) δ dp − W(k) ∫ c(k,p) δ dp] for a vectorized W(p), p of shape (..., d)."""
        k = self.validate_momentum(k)
        gain = self._shell(lambda p: self.cofactor(k, p) * W(p), k)
        loss_rate = self._shell(lambda p: self.cofactor(k, p), k)
        wk = float(np.asarray(W(k[None, :])).reshape(-1)[0])
        if not (np.isfinite(float(gain.value)) and np.isfinite(float(loss_rate.value))):
            raise SingularPointError(f"C[W] is undefined at k = {k.tolist()}: the shell integrals diverge there "
                                     "(van Hove point)")
        value = self.measure * (float(gain.value) - wk * float(loss_rate.value))
        error = self.measure * (float(gain.error) + abs(wk) * float(loss_rate.error))
        return Estimate(value, error, "co-area shell integral", gain.n_eval + loss_rate.n_eval, 15,
                        bool(gain.singular) or bool(loss_rate.singular), gain.notes + loss_rate.notes)

    def transport_rate(self, k) -> Estimate:
        """Σ_tr(k) = μ ∫ c(k,p)(1 − v(p)·v(k)/|v(k)|²) δ(ω(p) − ω(k)) dp."""
        k = self.validate_momentum(k)
        if self.isotropic:
            return self.transport_rate_at_energy(self.snap_energy(float(self.omega(k))))
        vk = self.velocity(k)
        vk2 = float(vk @ vk)
        if vk2 == 0:
            raise SingularPointError(f"group velocity vanishes at k = {k.tolist()}: transport rate undefined")
        return self._shell(lambda p: self.cofactor(k, p) * (1 - self.velocity(p) @ vk / vk2), k).scaled(self.measure)

    def transport_rate_at_energy(self, E) -> Estimate:
        """Σ_tr as a function of energy (isotropic continuum; lattice white noise, where Σ_tr = Σ)."""
        E = self._check_energies(E)
        if self.isotropic:
            kabs = np.sqrt(2 * np.asarray(E, float))
            return continuum_isotropic_shell_integral(self._isotropic_h(lambda c: 1 - c), kabs,
                                                      self.dim).scaled(self.measure)
        if self.constant_cofactor and self.space is Space.LATTICE:
            return self.transport_rate(self.momentum_at_energy(float(E)))
        raise DeriveError("the transport rate depends on the direction of k here; evaluate it at a momentum")

    def evaluate(self, quantity: str, k, E: float | None = None) -> Estimate:
        """The catalogue ``quantity`` at momentum ``k``; energy-only quantities at ``E`` (default ω(k))."""
        k = self.validate_momentum(k)
        E = self.check_energy(float(self.omega(k)) if E is None else E)
        by_name = {"density-of-states": lambda: self.density_of_states(E), "total-rate": lambda: self.total_rate(k),
                   "transport-rate": lambda: self.transport_rate(k),
                   "diffusion-coefficient": lambda: self.diffusion_coefficient(E)}
        if quantity not in by_name:
            raise DeriveError(f"unknown quantity {quantity!r} (known: {', '.join(by_name)})")
        return by_name[quantity]()

    def diffusion_coefficient(self, E: float) -> Estimate:
        """D(E) with ∂_τρ = D Δ_X ρ for shell densities (isotropic continuum or lattice white noise)."""
        E = self.check_energy(E)
        if self.isotropic:
            tr = self.transport_rate_at_energy(E)
            if float(tr.value) == 0:
                raise SingularPointError(f"transport rate vanishes at E = {E:g}: no diffusion")
            if not np.isfinite(float(tr.value)):
                return Estimate(0.0, 0.0, "|v|²/(d Σ_tr), Σ_tr = ∞", tr.n_eval, 15, True,
                                (f"transport rate diverges at E = {E:g}; D = 0 is the limit",))
            val = 2 * E / (self.dim * float(tr.value))
            return Estimate(val, val * float(tr.error) / float(tr.value), "|v|²/(d Σ_tr)", tr.n_eval, 15,
                            tr.singular, tr.notes)
        if self.constant_cofactor and self.space is Space.LATTICE:
            speed2 = lattice_shell_integral(lambda p: np.sum(self.velocity(p) ** 2, axis=-1), E, self.dim)
            rate = self.total_rate_at_energy(E)
            dos = self.density_of_states(E)
            if bool(rate.singular) or bool(dos.singular) or bool(speed2.singular):
                raise SingularPointError(f"E = {E:g} is a van Hove point of the lattice: D(E) is not evaluated there")
            val = float(speed2.value) / (self.dim * float(dos.value) * float(rate.value))
            rel = (float(speed2.error) / abs(float(speed2.value)) + float(dos.error) / float(dos.value)
                   + float(rate.error) / float(rate.value))
            return Estimate(val, abs(val) * rel, "⟨|v|²⟩_E/(d Σ(E))", speed2.n_eval + rate.n_eval, 15)
        raise DeriveError("the diffusion coefficient is implemented for isotropic continuum models and lattice "
                          "white noise")
