"""The conventions module against independent computations (sympy integrals, mpmath quadrature)."""
import math

import mpmath as mp
import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.algebra.terms import gaussian_pairings
from derive.conventions import (Space, boundary_value, conventions_for, dispersion, group_velocity,
                                kinetic_weight, momentum_symbols, periodized_spectrum, radial_fourier_transform,
                                t, time_kernel, time_kernel_mass)

D = sp.Symbol("Delta", real=True)


def test_time_kernel_is_squared_modulus_of_time_integral():
    # independent: |(e^{iΔt} − 1)/(iΔ)|² written by hand
    ref = sp.Abs((sp.exp(sp.I * D * t) - 1) / (sp.I * D)) ** 2
    for dv, tv in [(0.3, 2.0), (-1.7, 0.5), (5.0, 3.3)]:
        assert abs(complex(time_kernel(D).subs({D: dv, t: tv})) - complex(ref.subs({D: dv, t: tv}))) < 1e-14


def test_parseval_mass_equals_direct_integral_and_mpmath():
    direct = sp.integrate(time_kernel(D), (D, -sp.oo, sp.oo), conds="none")
    assert sp.simplify(direct - time_kernel_mass(t)) == 0
    assert sp.simplify(kinetic_weight(time_kernel(D), D) - 2 * sp.pi) == 0
    mp.mp.dps = 30
    # ∫_ℝ 2(1 − cos x)/x² dx = 4∫_0^∞ sin x / x dx (by parts); oscillatory quadrature at 30 digits
    num = 4 * mp.quadosc(lambda x: mp.sin(x) / x, [0, mp.inf], omega=1)
    assert abs(num - 2 * mp.pi) < 1e-20


def test_sokhotski_plemelj_sign():
    # 1/(x + iη) → PV(1/x) − iπδ(x): imaginary part of ∫ f(x)/(x+iη) tends to −π f(0)
    bv = boundary_value(D, +1)
    assert bv.coeff(sp.DiracDelta(D)) == -sp.I * sp.pi
    eta = 1e-6
    val = mp.quad(lambda x: mp.exp(-x * x) * (-eta) / (x * x + eta * eta), [-mp.inf, 0, mp.inf])
    assert abs(val + mp.pi) < 1e-4


def test_measures_and_normalizations():
    for d in (1, 2, 3):
        c = conventions_for("continuum", d)
        assert sp.simplify(c.measure * c.delta_normalization) == 1 and c.measure == (2 * sp.pi) ** (-d)
        lat = conventions_for(Space.LATTICE, d)
        assert lat.measure == 1 and lat.phase == 2 * sp.pi


def test_lattice_velocity_has_inverse_two_pi():
    k = momentum_symbols("k", 2)
    v = group_velocity("lattice", dispersion("lattice", k), k)
    assert sp.simplify(v[0] - sp.sin(2 * sp.pi * k[0])) == 0
    assert group_velocity("continuum", dispersion("continuum", k), k) == tuple(k)


def _numeric_radial_transform(f, q, d):
    if d == 1:
        return 2 * mp.quad(lambda r: mp.cos(q * r) * f(r), [0, mp.inf])
    if d == 2:
        return 2 * mp.pi * mp.quad(lambda r: r * mp.besselj(0, q * r) * f(r), [0, mp.inf])
    return 4 * mp.pi / q * mp.quad(lambda r: r * mp.sin(q * r) * f(r), [0, mp.inf])


def test_radial_fourier_transform_against_mpmath():
    r, q = sp.Symbol("r", nonnegative=True), sp.Symbol("q", nonnegative=True)
    mp.mp.dps = 30
    for expr, fn in [(sp.exp(-r ** 2 / 2), lambda x: mp.exp(-x ** 2 / 2)), (sp.exp(-r), lambda x: mp.exp(-x))]:
        for d in (1, 2, 3):
            sym = sp.lambdify(q, radial_fourier_transform(expr, r, q, d), "mpmath")
            for qv in (0.4, 1.3):
                assert abs(sym(mp.mpf(qv)) - _numeric_radial_transform(fn, mp.mpf(qv), d)) < 1e-20


def test_periodized_spectrum_equals_lattice_sum():
    # Σ_x ϑ(x) e^{−2πipx} summed directly vs the Poisson-summed continuum spectrum (ϑ = e^{−x²/2}, d = 1)
    p = momentum_symbols("p", 1)
    qr = sp.Symbol("q", nonnegative=True)
    spec = sp.sqrt(2 * sp.pi) * sp.exp(-qr ** 2 / 2)
    fn = sp.lambdify(p, periodized_spectrum(spec, p, qr, 3), "math")
    for pv in (0.0, 0.21, 0.5):
        direct = sum(math.exp(-x * x / 2) * math.cos(2 * math.pi * pv * x) for x in range(-40, 41))
        assert abs(fn(pv) - direct) < 1e-13


@settings(max_examples=6, deadline=None)
@given(st.integers(min_value=0, max_value=5))
def test_gaussian_pairings_count_and_validity(n):
    items = list(range(2 * n))
    pairings = gaussian_pairings(items)
    assert len(pairings) == (math.prod(range(2 * n - 1, 0, -2)) if n else 1)
    keys = {tuple(sorted(tuple(sorted(pr)) for pr in pg)) for pg in pairings}
    assert len(keys) == len(pairings)
    assert all(sorted(x for pr in pg for x in pr) == items for pg in pairings)
    assert gaussian_pairings(items + [99]) == []


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=-0.5, max_value=0.49), st.floats(min_value=-0.5, max_value=0.49))
def test_lattice_dispersion_range(a, b):
    k = momentum_symbols("k", 2)
    w = float(dispersion("lattice", k).subs({k[0]: a, k[1]: b}))
    assert 0.0 <= w <= 4.0 + 1e-15


def test_poisson_bracket_gives_hamiltons_equations():
    """∂_t f + {H, f} = 0 transports f along ẋ = ∂_p H, ṗ = −∂_x H (conventions.md, "Phase space")."""
    import sympy as sp
    from derive.conventions import poisson_bracket
    x, p = sp.symbols("x p", real=True)
    H = p ** 2 / 2 + x ** 4 / 4
    assert sp.simplify(poisson_bracket(H, x, x, p) - p) == 0        # {H, x} = ∂_p H = ẋ
    assert sp.simplify(poisson_bracket(H, p, x, p) + x ** 3) == 0   # {H, p} = −∂_x H = ṗ
    assert poisson_bracket(H, H, x, p) == 0
    x1, x2, p1, p2 = sp.symbols("x1 x2 p1 p2", real=True)
    assert poisson_bracket(p1 * p2, x1 + x2, (x1, x2), (p1, p2)) == p1 + p2
