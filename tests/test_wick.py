"""Operator algebra and quasifree Wick rule: sympy's vacuum `wicks`, exact Fock-space expectations, signs, counts."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
import scipy.sparse as sps
import sympy as sp
from sympy.physics.secondquant import F, Fd, wicks

from derive.algebra.operators import (Annihilation, Creation, DeltaKind, Operator, OperatorAlgebra,
                                      OperatorString, Species, Statistics, WickError, annihilate, create,
                                      graded_commutator, normal_order, normal_order_expand)
from derive.algebra.wick import (QuasifreeState, SignedPairing, contraction, double_factorial, expectation,
                                 expectation_by_pairings, quasifree_state, signed_pairings, vacuum_state,
                                 wick_pairings)
from derive.conventions import conventions_for
from kernels.exact.fock import boson_annihilator as _boson
from kernels.exact.fock import jordan_wigner_annihilators as _jw
from kernels.exact.fock import thermal_weights as _thermal

E = Species("e", Statistics.FERMION)
B = Species("b", Statistics.BOSON)
LATTICE = OperatorAlgebra(space="lattice", dim=1)
DISCRETE = OperatorAlgebra(space="lattice", dim=1, delta=DeltaKind.KRONECKER)


# ---------------------------------------------------------------- (a) vacuum vs sympy.physics.secondquant.wicks
def _canonical(expr):
    """Expand; write δ(x − y) as KroneckerDelta(x, y) (labels are single symbols)."""
    expr = sp.expand(expr)
    return expr.replace(sp.DiracDelta, lambda arg: sp.KroneckerDelta(*sorted(arg.free_symbols, key=str)))


def _random_vacuum_string(rng, n, labels):
    kinds, picks = [], []
    while len(kinds) < n:  # sympy turns F(p)*F(p) into a power that `wicks` cannot read: no equal neighbours
        c, k = rng.random() < 0.5, rng.choice(labels)
        if not kinds or (c, k) != (kinds[-1], picks[-1]):
            kinds.append(c)
            picks.append(k)
    ours = OperatorString(tuple((create if c else annihilate)(E, k) for c, k in zip(kinds, picks)))
    theirs = sp.Mul(*[(Fd if c else F)(k) for c, k in zip(kinds, picks)])
    return ours, theirs


@pytest.mark.parametrize("n", [4, 6, 8])
def test_vacuum_fermions_match_sympy_wicks(n):
    # above-Fermi indices: sympy's Fermi vacuum is then the true vacuum (⟨F Fd⟩ = δ, ⟨Fd F⟩ = 0)
    labels = list(sp.symbols(f"p1:{n + 1}", above_fermi=True))
    rng = random.Random(1000 + n)
    vac = vacuum_state([E], LATTICE)
    nonzero = 0
    for _ in range({4: 6, 6: 4, 8: 2}[n]):
        ours, theirs = _random_vacuum_string(rng, n, labels)
        got = _canonical(expectation(ours, vac))
        want = sp.expand(wicks(theirs, keep_only_fully_contracted=True))
        assert sp.expand(got - want) == 0, (ours, got, want)
        nonzero += want != 0
    # one string with many terms per length: a a … a a* … a*  (determinant)
    m = n // 2
    ours = OperatorString(tuple(annihilate(E, k) for k in labels[:m]) + tuple(create(E, k) for k in labels[m:]))
    theirs = sp.Mul(*[F(k) for k in labels[:m]]) * sp.Mul(*[Fd(k) for k in labels[m:]])
    want = sp.expand(wicks(theirs, keep_only_fully_contracted=True))
    assert len(want.args if want.is_Add else [want]) == math.factorial(m)
    assert sp.expand(_canonical(expectation(ours, vac)) - want) == 0


# ------------------------------------------------------------- (b) quasifree vs exact Fock-space expectations
def _exact(ops, ann, rho_diag):
    """tr(ρ X) with ρ diagonal; ``ann[(species, mode)]`` is the annihilator matrix."""
    dim = len(rho_diag)
    x = sps.identity(dim, format="csr")
    for o in ops:
        a = ann[(o.species.name, int(o.momentum))]
        x = x @ (a.T.conj() if o.is_creation else a)
    return float(np.dot(rho_diag, x.diagonal()))


def _occupation_subs(state, w):
    return {state.occupation(s, sp.Integer(i)): val for s, _ in state.occupations for i, val in enumerate(w[s.name])}


def _random_strings(rng, pool, count, max_len=6):
    """Random strings of length ≤ 6; most are balanced (each creator has a matching annihilator somewhere)."""
    modes = sorted({(o.species, o.momentum) for o in pool}, key=str)
    out = []
    for _ in range(count):
        n = rng.choice([2, 3, 4, 4, 5, 6, 6, 6])
        if n % 2 == 0 and rng.random() < 0.8:
            picked = [rng.choice(modes) for _ in range(n // 2)]
            ops = [create(s, k) for s, k in picked] + [annihilate(s, k) for s, k in picked]
            rng.shuffle(ops)
        else:
            ops = [rng.choice(pool) for _ in range(min(n, max_len))]
        out.append(OperatorString(tuple(ops)))
    return out


def _check_against_exact(state, ann, rho_diag, w, pool, seed, count, tol):
    rng = random.Random(seed)
    subs = _occupation_subs(state, w)
    checked = 0
    for s in _random_strings(rng, pool, count):
        got = float(expectation(s, state).subs(subs))
        want = _exact(s.ops, ann, rho_diag)
        assert abs(got - want) <= tol * max(1.0, abs(want)), (str(s), got, want)
        checked += abs(want) > 1e-9
    assert checked >= count // 3  # the random strings are not all trivially zero


def test_fermions_quasifree_match_jordan_wigner():
    w = {"e": [0.2, 0.55, 0.8]}
    ann = {("e", i): a for i, a in enumerate(_jw(3))}
    rho = np.array([1.0])
    for wi in w["e"]:
        rho = np.kron(rho, [1 - wi, wi])
    state = quasifree_state([E], DISCRETE)
    pool = [f(E, i) for f in (create, annihilate) for i in range(3)]
    _check_against_exact(state, ann, rho, w, pool, seed=7, count=60, tol=1e-12)


def test_bosons_quasifree_match_truncated_thermal_state():
    cutoff = 45
    w = {"b": [0.3, 0.7]}
    a = _boson(cutoff)
    eye = sps.identity(cutoff + 1)
    ann = {("b", 0): sps.csr_matrix(sps.kron(a, eye)), ("b", 1): sps.csr_matrix(sps.kron(eye, a))}
    rho = np.kron(_thermal(w["b"][0], cutoff), _thermal(w["b"][1], cutoff))
    state = quasifree_state([B], DISCRETE)
    pool = [f(B, i) for f in (create, annihilate) for i in range(2)]
    _check_against_exact(state, ann, rho, w, pool, seed=11, count=60, tol=1e-8)


def test_mixed_fermions_and_bosons_commute():
    cutoff = 40
    w = {"e": [0.25, 0.6], "b": [0.5]}
    f0, f1 = _jw(2)
    a = _boson(cutoff)
    ib, i_f = sps.identity(cutoff + 1), sps.identity(4)
    ann = {("e", 0): sps.csr_matrix(sps.kron(f0, ib)), ("e", 1): sps.csr_matrix(sps.kron(f1, ib)),
           ("b", 0): sps.csr_matrix(sps.kron(i_f, a))}
    rho = np.kron(np.kron([1 - w["e"][0], w["e"][0]], [1 - w["e"][1], w["e"][1]]), _thermal(w["b"][0], cutoff))
    state = quasifree_state([E, B], DISCRETE)
    pool = [f(E, i) for f in (create, annihilate) for i in range(2)] + [create(B, 0), annihilate(B, 0)]
    _check_against_exact(state, ann, rho, w, pool, seed=5, count=60, tol=1e-8)


# ------------------------------------------------------------------- (c) (anti)commutators and normal order
def test_graded_commutators_follow_conventions():
    k, q = sp.symbols("k q", real=True)
    for space, d in [("continuum", 1), ("continuum", 3), ("lattice", 2)]:
        alg = OperatorAlgebra(space=space, dim=d)
        n = conventions_for(space, d).delta_normalization
        for s in (E, B):
            assert graded_commutator(annihilate(s, k), create(s, q), alg) == n * sp.DiracDelta(k - q)
            assert graded_commutator(annihilate(s, k), annihilate(s, q), alg) == 0
            assert graded_commutator(create(s, k), create(s, q), alg) == 0
        assert graded_commutator(create(E, k), annihilate(E, q), alg) == n * sp.DiracDelta(k - q)   # {a*, a}
        assert graded_commutator(create(B, k), annihilate(B, q), alg) == -n * sp.DiracDelta(k - q)  # [a*, a]
        assert graded_commutator(annihilate(E, k), create(B, q), alg) == 0
    assert conventions_for("continuum", 3).delta_normalization == 8 * sp.pi ** 3


def test_normal_order_signs():
    k1, k2, k3 = sp.symbols("k1:4")
    a1, a2, c3 = annihilate(E, k1), annihilate(E, k2), create(E, k3)
    assert normal_order(a1 * c3) == (-1, c3 * a1)
    assert normal_order(a1 * a2 * c3) == (1, c3 * a1 * a2)
    assert normal_order(a1 * c3 * a2) == (-1, c3 * a1 * a2)
    b1, d3 = annihilate(B, k1), create(B, k3)
    assert normal_order(b1 * d3) == (1, d3 * b1)
    assert normal_order(a1 * d3) == (1, d3 * a1)           # a fermion and a boson commute
    assert normal_order(a1 * d3 * a2 * c3) == (1, d3 * c3 * a1 * a2)
    assert (a1 * c3).dagger == create(E, k3).dagger * create(E, k1)
    assert a1.dagger == create(E, k1) and a1.dagger.dagger == a1


def test_normal_order_expansion_matches_vacuum_wick():
    rng = random.Random(3)
    ks = sp.symbols("q1:5", real=True)
    pool = [f(s, k) for f in (create, annihilate) for s in (E, B) for k in ks[:2]]
    vac = vacuum_state([E, B], LATTICE)
    for _ in range(25):
        s = OperatorString(tuple(rng.choice(pool) for _ in range(rng.choice([2, 4, 6]))))
        terms = normal_order_expand(s, LATTICE)
        for key in terms:
            flags = [o.is_creation for o in key]
            assert flags == sorted(flags, reverse=True)  # creators left of annihilators
        empty = terms.get(OperatorString(()), sp.Integer(0))
        assert sp.expand(empty - expectation(s, vac)) == 0, str(s)


# ------------------------------------------------------------------------- (d) pairing counts and signs
@pytest.mark.parametrize("m", range(0, 6))
def test_pairing_counts_and_pfaffian_of_ones(m):
    ps = list(signed_pairings(2 * m))
    assert len(ps) == double_factorial(2 * m - 1)
    assert len({p.pairs for p in ps}) == len(ps)
    assert sum(p.sign for p in ps) == 1          # Pf of the all-ones antisymmetric matrix
    assert all(p.sign == 1 for p in signed_pairings(2 * m, [False] * (2 * m)))


def test_signs_of_single_pairings():
    signs = {p.pairs: p.sign for p in signed_pairings(4)}
    assert signs == {((0, 1), (2, 3)): 1, ((0, 2), (1, 3)): -1, ((0, 3), (1, 2)): 1}
    # bosons in between do not count; mixed pairs are never formed
    mixed = {p.pairs: p.sign for p in signed_pairings(4, [True, False, True, False])}
    assert mixed == {((0, 2), (1, 3)): 1}


@pytest.mark.parametrize("species,m", [(E, 3), (B, 3), (E, 4)])
def test_determinant_and_permanent_rule(species, m):
    ks = sp.symbols(f"k1:{m + 1}", real=True)
    ps = sp.symbols(f"p1:{m + 1}", real=True)
    st = quasifree_state([species], LATTICE)
    s = OperatorString(tuple(create(species, k) for k in ks) + tuple(annihilate(species, p) for p in reversed(ps)))
    pairings = list(wick_pairings(s, st))
    assert len(pairings) == math.factorial(m)
    mat = sp.Matrix(m, m, lambda i, j: contraction(create(species, ks[i]), annihilate(species, ps[j]), st))
    want = mat.det(method="berkowitz") if species.is_fermion else mat.per()
    got = expectation(s, st)
    assert sp.expand(got - want) == 0
    assert sp.expand(expectation_by_pairings(s, st) - want) == 0


def test_fast_path_equals_stream_of_pairings():
    rng = random.Random(21)
    ks = sp.symbols("k1:4", real=True)
    st = quasifree_state([E, B], OperatorAlgebra(space="continuum", dim=3))
    pool = [f(s, k) for f in (create, annihilate) for s in (E, B) for k in ks]
    for _ in range(30):
        s = OperatorString(tuple(rng.choice(pool) for _ in range(rng.choice([2, 4, 6, 8]))))
        assert sp.expand(expectation(s, st) - expectation_by_pairings(s, st)) == 0, str(s)


def test_two_point_functions():
    k, q = sp.symbols("k q", real=True)
    st = quasifree_state([E, B], OperatorAlgebra(space="continuum", dim=2))
    n = 4 * sp.pi ** 2
    we, wb = sp.Function("W_e"), sp.Function("W_b")
    assert contraction(create(E, k), annihilate(E, q), st) == n * sp.DiracDelta(k - q) * we(k)
    assert sp.expand(contraction(annihilate(E, k), create(E, q), st) - n * sp.DiracDelta(k - q) * (1 - we(k))) == 0
    assert sp.expand(contraction(annihilate(B, k), create(B, q), st) - n * sp.DiracDelta(k - q) * (1 + wb(k))) == 0
    assert contraction(annihilate(E, k), annihilate(E, q), st) == 0
    assert contraction(create(B, k), create(B, q), st) == 0
    assert expectation(create(E, k) * annihilate(B, q), st) == 0     # gauge invariance per species
    assert expectation(create(E, k) * annihilate(E, q) * create(E, k), st) == 0


# --------------------------------------------------------------------------------------- (e) bad input
def test_bad_input_raises_named_error():
    k = sp.Symbol("k")
    with pytest.raises(WickError, match="odd"):
        list(signed_pairings(5))
    with pytest.raises(WickError, match="odd"):
        list(wick_pairings(create(E, k) * annihilate(E, k) * create(E, k), quasifree_state([E], LATTICE)))
    with pytest.raises(WickError, match="unknown species"):
        expectation(create(B, k) * annihilate(B, k), quasifree_state([E], LATTICE))
    with pytest.raises(WickError, match="gauge"):
        QuasifreeState(algebra=LATTICE, occupations=((E, sp.Function("W")),), pair_amplitude=sp.Function("K"))
    with pytest.raises(WickError, match="statistics"):
        Species("x", "anyon")
    with pytest.raises(WickError):
        Creation(E, object())
    with pytest.raises(WickError):
        Operator(E, k)
    with pytest.raises(WickError):
        OperatorString((create(E, k), "a"))
    with pytest.raises(WickError):
        OperatorAlgebra(space="continuum", dim=3, delta="kronecker")
    with pytest.raises(WickError):
        OperatorAlgebra(space="torus", dim=1)
    with pytest.raises(WickError, match="unknown species"):
        quasifree_state([E], LATTICE, {B: sp.Function("W")})
    assert issubclass(WickError, Exception) and Annihilation(E, k).dagger == Creation(E, k)
    assert SignedPairing(1, ()).pairs == ()
