"""Catalogue recipe `energy-diffusion`: classical energy diffusion of a fast-forced, shell-relaxed 1-D particle
(seed 002 §3), its page (derivation, certificates, ε → 0 particle convergence) and its evaluator."""
from __future__ import annotations


import numpy as np
import sympy as sp

from derive.catalogue import CatalogueEntry
from derive.correctors.energy_diffusion import (E, EnergyBelowMinimum, derive_energy_diffusion, diffusion_coefficient,
                                                energy_diffusion_model, gamma, omega,
                                                parse_number)
from derive.errors import ParameterError, UnknownNameError
from derive.ir import DerivedEquation

__all__ = ["ENTRY", "build_model", "derive", "evaluate"]

DEFAULTS = {"hamiltonian": "p**2/2 + x**2/2", "forcing": "x*cos(omega*t)", "omega": "1", "relaxation": "0.5"}
EPSILONS = (0.4, 0.2, 0.1, 0.05)
QUARTIC = {"hamiltonian": "p**2/2 + x**4/4", "forcing": "x*cos(omega*t)", "omega": "1", "relaxation": "0.5"}
QUARTIC_ENERGIES = (0.25, 1.0, 4.0)


def build_model(params: dict):
    """Validated :class:`~derive.correctors.energy_diffusion.EnergyDiffusionModel` from string parameters."""
    return energy_diffusion_model(params["hamiltonian"], params["forcing"], params["omega"], params["relaxation"])


def derive(model) -> DerivedEquation:
    """∂_t(h₀F) = ∂_E(h₀ d ∂_E F) with all steps and certificates."""
    return derive_energy_diffusion(model)


def evaluate(eq: DerivedEquation, quantity: str, at: dict):
    """``coefficient`` at ``energy``: d(E) as an Estimate (closed form for quadratic H₀, orbit quadrature else)."""
    from kernels.estimate import Estimate
    if quantity != "coefficient":
        raise UnknownNameError(f"unknown quantity {quantity!r} for energy-diffusion (known: coefficient)")
    energy = parse_number(at["energy"], "energy")
    if not np.isfinite(energy):
        raise ParameterError(f"energy must be finite, got {energy}")
    model = eq.data["model"]
    if energy < model.u_min - 1e-12 * max(1.0, abs(model.u_min)):
        raise EnergyBelowMinimum(f"energy {energy} is below min H0 = {model.u_min:.12g}")
    dE = eq.results["d(E)"]
    if model.quadratic is not None:
        val = float(dE.subs({gamma: model.relaxation, omega: model.omega, E: energy}))
        return Estimate(val, 4e-16 * abs(val) * 8, "closed form (sympy), double rounding", 1, 15, False,
                        ("d(E) = " + sp.sstr(eq.results["d(E) at parameter values"]),))
    r = diffusion_coefficient(model, energy)
    return Estimate(r["value"], r["error"], "orbit quadrature (Gauss–Legendre, DOP853, FFT) + engine weight",
                    r["n_eval"], 15, False, (f"h0(E) = {r['h0']:.15g}",))


ENTRY = CatalogueEntry(
    name="energy-diffusion",
    summary="Energy diffusion ∂_t(h₀F) = ∂_E(h₀ d ∂_E F) of a classical 1-D particle under fast periodic forcing "
            "with relaxation onto energy shells (Green–Kubo d(E))",
    source="seed 002 §3.1–3.3 (Castella–Degond–Goudon), eqs. (26)–(38); errata applied",
    parameters=dict(DEFAULTS),
    quantities=("coefficient",),
    build_model=build_model,
    derive=derive,
    evaluate=evaluate,
    at_keys=("energy",),
)
