"""Conservative energy-grid Uehling–Uhlenbeck operator (radial W, d = 3): invariants, equilibria, references."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from derive.catalogue.uehling_uhlenbeck import ENTRY, collision_values
from derive.errors import DeriveError, ParameterError
from kernels.collision.angular import angular_kernel
from kernels.collision.radial_quantum import RadialUUCollision, derived_parts
from kernels.quadrature.uu_reference import reference_angular_kernel, reference_collision_constant_potential

OFF_EQUILIBRIUM = "0.6*exp(-(k - 1)**2)"


def _eq(stat: str, potential: str = "exp(-q**2)", occupation: str = OFF_EQUILIBRIUM):
    return ENTRY.derive(ENTRY.model({"statistics": stat, "dim": "3", "potential": potential,
                                     "occupation": occupation}))


@pytest.fixture(scope="module")
def grids():
    """One 32-point grid per statistics (Gaussian V̂), range ω ≤ 16."""
    return {st: RadialUUCollision(_eq(st), 32, energy_max=16.0) for st in ("fermi", "bose", "boltzmann")}


# ------------------------------------------------------------------------------------ discrete invariants
@pytest.mark.parametrize("stat", ["fermi", "bose", "boltzmann"])
def test_number_and_energy_conserved_to_rounding(grids, stat):
    g = grids[stat]
    for occ in (lambda k: 0.6 * np.exp(-(k - 1) ** 2), lambda k: 0.3 * (1 + np.sin(3 * k)) * np.exp(-k ** 2 / 3)):
        inv = g.invariants(occ(g.grid.momenta))
        assert inv["number scale"] > 1e-9
        assert abs(inv["number"]) <= 1e-12 * inv["number scale"]
        assert abs(inv["energy"]) <= 1e-12 * inv["energy scale"]


@pytest.mark.parametrize("stat,occupation", [
    ("fermi", lambda k: 1 / (np.exp(1.5 * (k ** 2 / 2 - 0.7)) + 1)),
    ("bose", lambda k: 1 / (np.exp(1.5 * (k ** 2 / 2 + 0.2)) - 1)),
    ("boltzmann", lambda k: 0.8 * np.exp(-1.5 * k ** 2 / 2)),
])
def test_equilibria_are_annihilated(grids, stat, occupation):
    g = grids[stat]
    w = occupation(g.grid.momenta)
    c, scale = g.apply(w), g.fine.scale(w)
    assert np.max(scale) > 1e-6
    assert np.max(np.abs(c)) <= 1e-12 * np.max(scale)
    # a wrong statistics is not annihilated: the Fermi–Dirac state under the Bose operator
    if stat == "fermi":
        wrong = grids["bose"].apply(w)
        assert np.max(np.abs(wrong)) > 1e-3 * np.max(grids["bose"].fine.scale(w))


def test_kernel_table_is_symmetric_and_matches_closed_form_for_constant_potential():
    kfun, _, vfun, _ = derived_parts(_eq("bose", potential="1"))
    rng = np.random.default_rng(3)
    k1, k2, k3 = rng.uniform(0.2, 3.0, (3, 40))
    k4sq = k1 ** 2 + k2 ** 2 - k3 ** 2
    keep = k4sq > 0.01
    k1, k2, k3, k4 = k1[keep], k2[keep], k3[keep], np.sqrt(k4sq[keep])
    m, err = angular_kernel(kfun, vfun, k1, k2, k3, k4)
    closed = 8 * np.pi ** 2 * 2 * np.minimum.reduce([k1, k2, k3, k4])      # K = ½(V̂ + V̂)² = 2 for bosons
    assert np.max(np.abs(m - closed) / closed) < 1e-12
    kfun, _, vfun, _ = derived_parts(_eq("fermi"))
    orig, _ = angular_kernel(kfun, vfun, k1, k2, k3, k4)
    for perm in ((k2, k1, k4, k3), (k3, k4, k1, k2), (k1, k2, k4, k3)):
        other, e2 = angular_kernel(kfun, vfun, *perm)
        assert np.all(np.abs(other - orig) <= e2 + 1e-12 * np.abs(orig))


def test_kernel_against_momentum_transfer_reference():
    kfun, _, vfun, _ = derived_parts(_eq("fermi"))
    for ks in ((1.0, 1.3, 0.8, np.sqrt(1 + 1.69 - 0.64)), (0.5, 2.0, 1.9, np.sqrt(0.25 + 4 - 3.61))):
        m, err = angular_kernel(kfun, vfun, *(np.array([x]) for x in ks))
        ref = reference_angular_kernel(*ks, lambda q: mp.exp(-q ** 2), lambda x, y: (x - y) ** 2 / 2,
                                       degrees=(3, 4))
        assert abs(m[0] - ref.value) <= err[0] + ref.error
        assert abs(m[0] - ref.value) <= 1e-7 * abs(ref.value)


# ------------------------------------------------------------------------------------ pointwise values
@pytest.mark.parametrize("stat", ["fermi", "bose"])
def test_grid_values_against_collision_values(grids, stat):
    g = grids[stat]
    est = g.collision()
    idx = np.flatnonzero((g.grid.momenta > 0.5) & (g.grid.momenta < 3.0))
    ref = collision_values(_eq(stat), g.grid.momenta[idx], nodes=(16, 20))
    diff = np.abs(est.value[idx] - ref.value)
    assert np.all(diff <= est.error[idx] + ref.error)
    assert np.max(diff) <= 0.2 * np.max(np.abs(ref.value))     # and the grid is not useless at N = 32


def test_grid_value_against_mpmath_constant_potential():
    g = RadialUUCollision(_eq("bose", potential="1", occupation="0.3*exp(-(k - 1)**2)"), 48, energy_max=20.0)
    est = g.collision()
    i = 12
    ref = reference_collision_constant_potential(g.grid.momenta[i], 1, 1.0, lambda x: 0.3 * mp.exp(-(x - 1) ** 2),
                                                 omega_max=30.0, degrees=(4, 5))
    assert ref.error < 1e-8 * abs(ref.value)
    assert abs(est.value[i] - ref.value) <= est.error[i]
    assert est.error[i] < 0.3 * abs(ref.value)


def test_convergence_under_refinement():
    """Errors against collision_values decrease with N (observed order ≥ 0.8 on ω ≤ 16)."""
    eq = _eq("fermi")
    ks = None
    errs = []
    for n in (16, 48):
        g = RadialUUCollision(eq, n, energy_max=16.0)
        est = g.collision()
        if ks is None:
            ks = g.grid.momenta[[2, 4]]
        sel = [int(np.argmin(np.abs(g.grid.momenta - k))) for k in ks]
        assert np.allclose(g.grid.momenta[sel], ks)       # (i + ½)h nodes: every 3rd node of the 3× finer grid
        ref = collision_values(eq, ks, nodes=(16, 20))
        errs.append(np.max(np.abs(est.value[sel] - ref.value)))
    order = np.log(errs[0] / errs[1]) / np.log(3)
    assert order > 0.8


# ------------------------------------------------------------------------------------------ bad input
def test_bad_input_one_line_errors():
    eq = _eq("fermi")
    for size in (4, 33, 0):
        with pytest.raises(ParameterError, match="even number") as info:
            RadialUUCollision(eq, size)
        assert "\n" not in str(info.value)
    slow = _eq("bose", occupation="1/(1 + k**2)")
    with pytest.raises(DeriveError, match="does not decay") as info:
        RadialUUCollision(slow, 16)
    assert "\n" not in str(info.value)
    two_d = ENTRY.derive(ENTRY.model({"statistics": "fermi", "dim": "2"}))
    with pytest.raises(ParameterError, match="d = 3"):
        RadialUUCollision(two_d, 16)
    g = RadialUUCollision(eq, 8, energy_max=8.0)
    with pytest.raises(ParameterError, match="\\[0, 1\\]"):
        g.collision(lambda k: 2 * np.exp(-k ** 2 / 10))
    with pytest.raises(ParameterError, match="occupation values"):
        g.apply(np.ones(5))


def test_collision_grid_quantity_agrees_with_product_rule():
    eq = _eq("fermi")
    grid = ENTRY.evaluate_quantity(eq, "collision-grid", {"k": "1.2,0.9,0.0"})
    rule = ENTRY.evaluate_quantity(eq, "collision", {"k": "1.5"})
    assert abs(float(grid.value) - float(rule.value)) <= float(grid.error) + float(rule.error)
    assert float(grid.error) < 0.5 * abs(float(rule.value))
    with pytest.raises(ParameterError, match="> 0"):
        ENTRY.evaluate_quantity(eq, "collision-grid", {"k": "0"})
