"""Graph values on the ring vs an independent exact disorder average; divided differences vs mpmath; routing.

The reference never touches momentum routing or divided differences: it works in position space, takes the
Taylor coefficients in the potential of e^{-it(H0 + V)} exactly by exponentiating H0 + Σ_x v_x E_xx over a
truncated polynomial algebra in formal site variables (a block-triangular matrix exponential, i.e. the
Fréchet derivatives of expm), and averages with Isserlis: E v_x^4 = 3σ⁴, E v_x² v_y² = σ⁴ (x ≠ y), E v_x² = σ².
"""
from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

from derive.algebra.terms import omega
from derive.diagrams.routing import (MomentumConservationError, NotAPairingGraph, RoutedGraph, check_routing,
                                     route_momenta)
from derive.errors import ParameterError
from kernels.exact.graph_values import (RingRouting, divided_differences_exp, divided_differences_exp_mp,
                                        graph_coefficient, graph_distribution, order_coefficient, order_distribution,
                                        order_graphs, ring_routing, simplex_integral)


def _routed(order: int, pinned: str) -> list:
    """Every graph of one order routed on the derive side (the numeric layer only consumes the plain data)."""
    return [route_momenta(g, pinned=pinned) for g in order_graphs(order)]


# ----------------------------------------------------------------------------------------------- reference
def _h0(L: int, dim: int) -> np.ndarray:
    """−½Δ on (Z/L)^d in position space: ψ(x) − ½Σ_j(ψ(x+e_j) + ψ(x−e_j)) per direction."""
    n = L ** dim
    H = np.zeros((n, n))
    sites = list(itertools.product(range(L), repeat=dim))
    index = {s: i for i, s in enumerate(sites)}
    for s in sites:
        for j in range(dim):
            H[index[s], index[s]] += 1.0
            for step in (1, -1):
                nb = list(s)
                nb[j] = (nb[j] + step) % L
                H[index[s], index[tuple(nb)]] -= 0.5
    return H


def _nilpotent_shift(sizes: tuple[int, ...], axis: int) -> np.ndarray:
    """Multiplication by the formal variable ``axis`` on ℂ[a_0, a_1, …]/(a_i^{sizes_i})."""
    dims = int(np.prod(sizes))
    S = np.zeros((dims, dims))
    for idx in itertools.product(*[range(s) for s in sizes]):
        if idx[axis] + 1 < sizes[axis]:
            up = list(idx)
            up[axis] += 1
            S[np.ravel_multi_index(up, sizes), np.ravel_multi_index(idx, sizes)] = 1.0
    return S


def _coefficients(H0, psi0, t, sites, sizes, dft):
    """ψ̂_t(k) as a polynomial in formal site variables: array (k, monomial) of coefficients."""
    n = H0.shape[0]
    dims = int(np.prod(sizes))
    M = np.kron(H0, np.eye(dims)).astype(complex)
    for axis, x in enumerate(sites):
        E = np.zeros((n, n))
        E[x, x] = 1.0
        M += np.kron(E, _nilpotent_shift(sizes, axis))
    start = np.kron(psi0, np.eye(dims)[0])
    psi_t = (sla.expm(-1j * t * M) @ start).reshape(n, dims)
    return dft @ psi_t  # ψ̂ = Σ_x e^{-2πik·x} ψ(x)


def exact_moment_coefficients(L: int, dim: int, t: float, psi0: np.ndarray, sigma: float) -> dict:
    """{(order, n): array over k} of the λ^order coefficient of E ψ̂_t(k) conj ψ̂_t(k) from ψ-degree n."""
    H0 = _h0(L, dim)
    sites = list(itertools.product(range(L), repeat=dim))
    ks = np.array(sites) / L
    dft = np.exp(-2j * np.pi * ks @ np.array(sites).T)
    out = {(2, n): 0.0 for n in range(3)} | {(4, n): 0.0 for n in range(5)}
    for x in range(len(sites)):  # one site: a^5 = 0 → degrees 2 and 4
        c = _coefficients(H0, psi0, t, [x], (5,), dft)
        for n in range(3):
            out[(2, n)] = out[(2, n)] + sigma ** 2 * c[:, n] * np.conj(c[:, 2 - n])
        for n in range(5):
            out[(4, n)] = out[(4, n)] + 3 * sigma ** 4 * c[:, n] * np.conj(c[:, 4 - n])
    for x, y in itertools.combinations(range(len(sites)), 2):  # a^3 = b^3 = 0 → coefficient of a²b²
        c = _coefficients(H0, psi0, t, [x, y], (3, 3), dft).reshape(-1, 3, 3)
        for i, j in itertools.product(range(3), repeat=2):
            out[(4, i + j)] = out[(4, i + j)] + sigma ** 4 * c[:, i, j] * np.conj(c[:, 2 - i, 2 - j])
    shape = (L,) * dim
    return {key: np.asarray(v).reshape(shape) for key, v in out.items()}


def _random_state(L: int, dim: int, seed: int):
    rng = np.random.default_rng(seed)
    psi0 = rng.normal(size=L ** dim) + 1j * rng.normal(size=L ** dim)
    psi0 /= np.linalg.norm(psi0)
    W0 = np.abs(np.fft.fftn(psi0.reshape((L,) * dim))) ** 2  # numpy fft = Σ_x e^{-2πik·x}
    return psi0, W0


# ----------------------------------------------------------------------------------------------- graph sums
@pytest.mark.parametrize("L, t, sigma, seed", [(4, 0.7, 1.0, 1), (5, 1.9, 0.8, 2), (6, 3.3, 1.3, 3),
                                               (7, 1.2, 1.0, 4)])
def test_graph_sums_equal_exact_average_1d(L, t, sigma, seed):
    psi0, W0 = _random_state(L, 1, seed)
    ref = exact_moment_coefficients(L, 1, t, psi0, sigma)
    for order in (2, 4):
        total, parts = order_distribution(_routed(order, "initial"), L=L, t=t, W0=W0, sigma=sigma)
        expected = sum(ref[(order, n)] for n in range(order + 1))
        scale = np.max(np.abs(expected))
        assert np.max(np.abs(total.value - expected)) <= 1e-8 * scale
        assert np.all(total.error <= 1e-10 * scale)
        for n in range(order + 1):  # every split n + m = order separately
            split = sum(e.value for g, e in parts.items() if g[0] == n)
            assert np.max(np.abs(split - ref[(order, n)])) <= 1e-8 * scale
    # the one-momentum routine (observable pinned) agrees with the all-k routine
    k = 1
    one, _ = order_coefficient(_routed(4, "observable"), L=L, t=t, k=k, W0=W0, sigma=sigma)
    expected = sum(ref[(4, n)] for n in range(5))
    assert abs(one.value - expected[k]) <= 1e-8 * np.max(np.abs(expected))


def test_graph_sums_equal_exact_average_2d():
    L, t, sigma = 3, 1.1, 0.9
    psi0, W0 = _random_state(L, 2, 7)
    ref = exact_moment_coefficients(L, 2, t, psi0, sigma)
    for order in (2, 4):
        total, _ = order_distribution(_routed(order, "initial"), L=L, t=t, W0=W0, sigma=sigma, dim=2)
        expected = sum(ref[(order, n)] for n in range(order + 1))
        assert np.max(np.abs(total.value - expected)) <= 1e-8 * np.max(np.abs(expected))


def test_second_moment_is_real_and_order_counts():
    assert len(list(order_graphs(4))) == 5 * 3
    assert len(list(order_graphs(6))) == 7 * 15
    assert list(order_graphs(3)) == []
    L, t = 5, 2.0
    _, W0 = _random_state(L, 1, 0)
    total, _ = order_distribution(_routed(4, "initial"), L=L, t=t, W0=W0)
    assert np.max(np.abs(total.value.imag)) <= 1e-12 * np.max(np.abs(total.value))


# ----------------------------------------------------------------------------------------------- divided differences
def _cases():
    rng = np.random.default_rng(11)
    cases = []
    for n in range(0, 6):
        for t in (0.1, 1.0, 30.0, 400.0):
            x = rng.uniform(0, 2, n + 1)
            cases.append(("generic", -1j * t * x))
            cases.append(("confluent", -1j * t * np.full(n + 1, x[0])))
            cases.append(("near-confluent", -1j * t * (x[0] + 1e-9 * rng.normal(size=n + 1))))
            y = x.copy()
            y[1:] = x[0] + (rng.integers(0, 2, n) * 1e-7)
            cases.append(("partly confluent", -1j * t * y))
            cases.append(("lattice energies", -1j * t * np.round(4 * x) / 4))
    cases.append(("real axis", np.array([-3.0, -3.0 + 1e-8, 0.5, 2.0])))
    return cases


@pytest.mark.parametrize("kind, z", _cases())
def test_divided_differences_vs_mpmath(kind, z):
    ref = complex(divided_differences_exp_mp(z, dps=50))
    val = divided_differences_exp(z)
    n = len(z) - 1
    bound = max(1.0, float(np.max(np.exp(z.real)))) / math.factorial(n)  # Hermite–Genocchi bound
    assert abs(val - ref) <= 1e-13 * bound, kind
    if abs(ref) > 1e-3 * bound:
        assert abs(val - ref) <= 1e-12 * abs(ref), kind


def test_mpmath_reference_against_opitz_matrix_exponential():
    z = [-0.3j, -0.3j, -5j, 2j, 0.1]
    with mp.workdps(60):
        A = mp.matrix(len(z), len(z))
        for i, zi in enumerate(z):
            A[i, i] = zi
            if i + 1 < len(z):
                A[i, i + 1] = 1
        opitz = mp.expm(A)[0, len(z) - 1]
        assert abs(opitz - divided_differences_exp_mp(z, dps=50)) < mp.mpf(10) ** -45


def test_simplex_integral_by_sympy():
    t_ = sp.Rational(13, 10)
    x = [sp.Rational(1, 3), sp.Rational(7, 5), sp.Rational(1, 3)]
    s1, s2 = sp.symbols("s1 s2", nonnegative=True)
    integrand = sp.exp(-sp.I * (s1 * x[0] + (s2 - s1) * x[1] + (t_ - s2) * x[2]))
    exact = sp.integrate(sp.integrate(integrand, (s1, 0, s2)), (s2, 0, t_))
    assert abs(complex(sp.N(exact, 30)) - simplex_integral(np.array([float(v) for v in x]), float(t_))) < 1e-14


# ----------------------------------------------------------------------------------------------- routing
@pytest.mark.parametrize("order", [2, 4, 6])
def test_routing_conservation_and_loop_count(order):
    for g in order_graphs(order):
        for pinned in ("observable", "initial"):
            r = route_momenta(g, pinned=pinned)
            check_routing(r)  # raises on any violation
            assert len(r.loops) == order // 2  # one free loop momentum per contraction
            for a, b in g[2]:
                assert sp.expand(r.transfers[a] + r.transfers[b]) == 0
            n, m = g[0], g[1]
            for v in range(1, n + m + 1):  # vertex: out = in + transfer, in circle order
                if v <= n:
                    before, after = r.lines[("a", v - 1)], r.lines[("a", v)]
                else:
                    j = v - n
                    before, after = r.lines[("b", j - 1)], r.lines[("b", j)]
                assert sp.expand(after - before - r.transfers[v]) == 0


def test_routing_rejects_bad_input():
    with pytest.raises(NotAPairingGraph):
        route_momenta((1, 2, ((1, 2),)))
    with pytest.raises(NotAPairingGraph):
        route_momenta((2, 2, ((1, 2), (2, 3))))
    r = route_momenta((1, 1, ((1, 2),)))
    k, p1 = r.external, r.loops[0]
    broken = RoutedGraph(r.graph, r.pinned, k, r.loops, {**r.lines, ("a", 0): p1 + 1}, r.contractions, r.transfers)
    with pytest.raises(MomentumConservationError):
        check_routing(broken)


def test_time_and_resolvent_forms_of_the_gain_graph():
    r = route_momenta((1, 1, ((1, 2),)))
    term = r.time_form()
    assert term.momenta == r.loops and len(term.times) == 2
    assert term.integrand.has(omega(r.external)) and term.integrand.has(omega(r.loops[0]))
    res = r.resolvent_form()
    # ψ line: i ∫đα e^{-iαt} / ((α - ω(p) + iη)(α - ω(k) + iη)) = (-i) ∫_0^t e^{-is ω(p) - i(t-s) ω(k)} ds
    from derive.diagrams.routing import alpha, eta
    w1, w2, tt, e = 0.4, 1.3, 2.0, 1e-6
    f = lambda a: complex(1j * np.exp(e * tt - 1j * a * tt) / (2 * np.pi) / ((a - w1 + 1j * e) * (a - w2 + 1j * e)))
    with mp.workdps(20):
        num = mp.quad(lambda a: f(float(a)), [-mp.inf, -50, w1, w2, 50, mp.inf], maxdegree=10)
    expected = -1j * simplex_integral(np.array([w1, w2]), tt)
    assert abs(complex(num) - expected) < 1e-4
    assert res.integrand.has(alpha) and res.integrand.has(eta)


# ----------------------------------------------------------------------------------------------- layering
def test_numeric_layer_does_not_import_the_diagram_layer():
    import subprocess
    import sys
    code = ("import sys, kernels.exact.graph_values; "
            "bad = sorted(m for m in sys.modules if m.startswith('derive.diagrams')); print(bad); "
            "raise SystemExit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_ring_routing_plain_data_and_rejections():
    g = (2, 2, ((1, 4), (2, 3)))
    routed = route_momenta(g, pinned="initial")
    r = ring_routing(routed)
    assert isinstance(r, RingRouting) and r.key == g and r.a.shape == (3, 3) and r.b.shape == (3, 3)
    plain = ring_routing((2, 2, g[2], "initial", routed.coefficients))     # plain tuple, no derive object
    assert np.array_equal(plain.a, r.a) and np.array_equal(plain.b, r.b)
    with pytest.raises(ParameterError, match="routed data"):
        graph_distribution(g, L=4, t=1.0, W0=np.ones(4))                   # Bad: unrouted graph
    with pytest.raises(ParameterError, match="pinned"):
        graph_coefficient(routed, L=4, t=1.0, k=0, W0=np.ones(4))           # Bad: initial pinned for the k-sum
    broken = dict(routed.coefficients)
    broken[("a", 1)] = tuple(c + (1 if i == 1 else 0) for i, c in enumerate(broken[("a", 1)]))
    with pytest.raises(ParameterError, match="transfers|independent|momenta"):
        ring_routing((2, 2, g[2], "initial", broken))
