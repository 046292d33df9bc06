"""Kernel-versus-reference check tables: each row is one quantity at one point, kernel vs mpmath (≥ 30 digits).

A row passes when the relative difference is ≤ ``rtol`` (1e-10) *and* the difference lies within the
kernel's own claimed error plus the reference's error plus 1e-13·|ref| (an honest error estimate).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import sympy as sp

from derive.conventions import Space
from kernels.boltzmann import LinearBoltzmannKernels
from kernels.estimate import Estimate
from kernels.quadrature.reference import (reference_continuum_isotropic_shell_integral,
                                          reference_continuum_shell_integral, reference_lattice_dos,
                                          reference_lattice_shell_integral)

__all__ = ["CheckRow", "quadrature_checks", "rows_markdown", "smooth_test_density"]


@dataclass(frozen=True)
class CheckRow:
    """Kernel and reference values of one quantity at one point."""

    quantity: str
    point: str
    kernel: Estimate
    reference: Estimate
    rtol: float = 1e-10

    @property
    def rdiff(self) -> float:
        ref = float(self.reference.value)
        return abs(float(self.kernel.value) - ref) / abs(ref) if ref else abs(float(self.kernel.value))

    @property
    def passed(self) -> bool:
        ref = float(self.reference.value)
        diff = abs(float(self.kernel.value) - ref)
        honest = diff <= float(self.kernel.error) + float(self.reference.error) + 1e-13 * abs(ref)
        return bool(np.isfinite(float(self.kernel.value)) and self.rdiff <= self.rtol and honest)

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, "point": self.point, "kernel": float(self.kernel.value),
                "kernel_error": float(self.kernel.error), "reference": float(self.reference.value),
                "reference_error": float(self.reference.error), "reference_method": self.reference.method,
                "rdiff": self.rdiff, "passed": self.passed}


def smooth_test_density(p):
    """The smooth, non-radial test density W(p) = exp(−|p|²)(1 + 0.3 p₁) used by the C[W] rows (numpy or mpmath)."""
    if isinstance(p, tuple):
        return mp.exp(-sum(x * x for x in p)) * (1 + mp.mpf("0.3") * p[0])
    p = np.asarray(p, float)
    return np.exp(-np.sum(p * p, axis=-1)) * (1 + 0.3 * p[..., 0])


class _MpModel:
    """mpmath versions of the equation's cofactor and velocity (lambdified from the derived expressions)."""

    def __init__(self, kern: LinearBoltzmannKernels):
        eq = kern.equation
        self.cof = sp.lambdify([*eq.k, *eq.p], kern.cofactor_expr, "mpmath")
        self.vel = [sp.lambdify(list(eq.k), v, "mpmath") for v in eq.velocity]
        self.measure = mp.mpmathify(sp.N(eq.measure, 60))

    def v2(self, p):
        return sum(v(*p) ** 2 for v in self.vel)


def _shell_ref(kern, g_mp, k, isotropic: bool = False) -> Estimate:
    """Reference shell integral of ``g_mp``; for an isotropic continuum integrand (``g`` depending on the
    angle to ``k`` only, with ``k`` on the first axis) the 1-D polar-angle reference is used."""
    if kern.space is Space.LATTICE:
        return reference_lattice_shell_integral(g_mp, float(kern.omega(k)), kern.dim)
    kabs = float(np.linalg.norm(k))
    if isotropic and kern.isotropic:
        def h(kk, c):
            p = (kk * c, kk * mp.sqrt(1 - c * c)) + (mp.mpf(0),) * (kern.dim - 2) if kern.dim > 1 else (kk * c,)
            return g_mp(p)
        return reference_continuum_isotropic_shell_integral(h, kabs, kern.dim)
    return reference_continuum_shell_integral(g_mp, [float(x) for x in k], kern.dim)


def _scale(est: Estimate, factor) -> Estimate:
    return Estimate(float(est.value) * float(factor), float(est.error) * abs(float(factor)), est.method,
                    est.n_eval, est.dps)


def _energies(kern) -> list[float]:
    if kern.space is Space.LATTICE:
        return {1: [0.7, 1.6], 2: [0.7, 2.9], 3: [1.3, 4.6]}[kern.dim]
    return [0.5, 2.0]


def quadrature_checks(kern: LinearBoltzmannKernels, *, thorough: bool = True, progress: bool = False) -> list[CheckRow]:
    """Rows comparing every kernel of ``kern`` with independent mpmath quadrature at ≥ 30 digits.

    With ``thorough=False`` the slowest references (lattice d = 3 shells of non-constant integrands,
    ~35 s each) are skipped.
    """
    mpm = _MpModel(kern)
    rows: list[CheckRow] = []
    energies = _energies(kern)
    slow = kern.space is Space.LATTICE and kern.dim == 3

    def say(msg):
        if progress and sys.stderr.isatty():
            print(f"\r  checking {msg:<40}", end="", file=sys.stderr, flush=True)

    for E in energies:
        k = kern.momentum_at_energy(E)
        kt = tuple(mp.mpf(float(x)) for x in k)
        point = f"E = {E:g}"
        say(f"density of states at {point}")
        if kern.space is Space.LATTICE:
            ref = reference_lattice_dos(E, kern.dim)
        else:
            ref = _scale(_shell_ref(kern, lambda p: mp.mpf(1), k, True), mpm.measure)
        rows.append(CheckRow("density-of-states", point, kern.density_of_states(E), ref))
        say(f"total rate at {point}")
        if kern.constant_cofactor and kern.space is Space.LATTICE:
            ref_rate = _scale(reference_lattice_dos(E, kern.dim), float(kern.cofactor_expr))
        else:
            ref_rate = _scale(_shell_ref(kern, lambda p: mpm.cof(*kt, *p), k, True), mpm.measure)
        rows.append(CheckRow("total-rate", point, kern.total_rate(k), ref_rate))
        if slow and not thorough:
            continue
        if slow and E != energies[0]:
            continue
        say(f"transport rate at {point}")
        vk = [v(*kt) for v in mpm.vel]
        vk2 = sum(x * x for x in vk)
        ref_tr = _scale(_shell_ref(kern, lambda p: mpm.cof(*kt, *p) * (1 - sum(a * v(*p) for a, v in zip(vk, mpm.vel))
                                                                            / vk2), k, True), mpm.measure)
        rows.append(CheckRow("transport-rate", point, kern.transport_rate(k), ref_tr))
        if kern.isotropic or (kern.constant_cofactor and kern.space is Space.LATTICE):
            say(f"diffusion coefficient at {point}")
            if kern.isotropic:
                ref_d = 2 * E / (kern.dim * float(ref_tr.value))
                err_d = ref_d * float(ref_tr.error) / float(ref_tr.value)
            else:
                speed2 = _shell_ref(kern, mpm.v2, k)
                dos = reference_lattice_dos(E, kern.dim)
                ref_d = float(speed2.value) / (kern.dim * float(dos.value) * float(ref_rate.value))
                err_d = ref_d * 1e-25
            rows.append(CheckRow("diffusion-coefficient", point, kern.diffusion_coefficient(E),
                                 Estimate(ref_d, err_d, "from references above", 0, 30)))
        if not slow:
            say(f"collision C[W] at {point}")
            gain = _shell_ref(kern, lambda p: mpm.cof(*kt, *p) * smooth_test_density(p), k)
            loss = _shell_ref(kern, lambda p: mpm.cof(*kt, *p), k)
            wk = float(smooth_test_density(kt))
            val = float(mpm.measure) * (float(gain.value) - wk * float(loss.value))
            rows.append(CheckRow("collision C[W]", point, kern.collision(smooth_test_density, k),
                                 Estimate(val, float(mpm.measure) * (float(gain.error) + abs(wk) * float(loss.error)),
                                          "mpmath shell quadrature", 0, 30)))
    if progress and sys.stderr.isatty():
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    return rows


def rows_markdown(rows: list[dict]) -> str:
    """Markdown table of check rows (as dicts, see :meth:`CheckRow.to_dict`)."""
    out = ["| quantity | point | kernel | kernel error | reference (mpmath, 30 digits) | rel. diff | ok |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['quantity']} | {r['point']} | {r['kernel']:.15g} | {r['kernel_error']:.1e} | "
                   f"{r['reference']:.15g} | {r['rdiff']:.1e} | {'yes' if r['passed'] else 'NO'} |")
    return "\n".join(out)
