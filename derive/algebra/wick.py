"""Wick's rule in quasifree, gauge- and translation-invariant states (vacuum = the case W ≡ 0).

Two-point functions (``../shared/conventions.md``, "Many-body"; θ = +1 bosons, −1 fermions):

.. math:: \\langle a_s^*(k)\\,a_s(k')\\rangle = N\\delta(k-k')\\,W_s(k),\\qquad
          \\langle a_s(k)\\,a_s^*(k')\\rangle = N\\delta(k-k')\\,(1 + \\theta_s W_s(k)),\\qquad
          \\langle aa\\rangle = \\langle a^*a^*\\rangle = 0,

and zero between different species. Higher moments are sums over complete pairings
:math:`\\{(i_1 j_1),\\dots\\}` (:math:`i_r < j_r`) of products of :math:`\\langle x_{i_r}x_{j_r}\\rangle`
weighted by the sign of the permutation :math:`(i_1 j_1 i_2 j_2\\dots)` restricted to fermionic operators:
a Pfaffian, which for :math:`a^*_1\\cdots a^*_m a_{m'}\\cdots a_{1'}` is
:math:`\\det[\\langle a^*_i a_{j'}\\rangle]` (fermions) or the permanent (bosons) — seed 004 (3.3) as corrected in
``../shared/seed-errata.md``.

:func:`wick_pairings` streams the signed pairings; :func:`expectation` is the fast path (bit-mask recursion on
integer indices, memoized on the set of operators still to contract, :func:`pairing_polynomial`) returning a sympy
sum over pairings of products of two-point functions (``expand=True`` also multiplies out the
:math:`1 + \\theta W`); :func:`contract_indexed` is the same recursion for numeric contraction values;
:func:`expectation_by_pairings` sums the stream (a slow reference).

Example
-------
>>> import sympy as sp
>>> from derive.algebra.operators import Species, create, annihilate, OperatorAlgebra
>>> e = Species("e", "fermion")
>>> k1, k2, p1, p2 = sp.symbols("k1 k2 p1 p2", real=True)
>>> st = quasifree_state([e], OperatorAlgebra(space="lattice", dim=1))
>>> s = create(e, k1) * create(e, k2) * annihilate(e, p2) * annihilate(e, p1)
>>> expectation(s, st, expand=True)
W_e(k1)*W_e(k2)*DiracDelta(k1 - p1)*DiracDelta(k2 - p2) - W_e(k1)*W_e(k2)*DiracDelta(k1 - p2)*DiracDelta(k2 - p1)
>>> list(signed_pairings(3))  # doctest: +IGNORE_EXCEPTION_DETAIL
... # Bad → fix: a complete pairing needs an even number
Traceback (most recent call last):
...
derive.algebra.operators.WickError: no complete pairing of 3 operators (odd number)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cmp_to_key
from typing import Iterator, Sequence

import sympy as sp

from derive.algebra.operators import (Operator, OperatorAlgebra, OperatorString, Species, WickError,
                                      as_string)

__all__ = [
    "QuasifreeState", "quasifree_state", "vacuum_state", "contraction", "SignedPairing", "signed_pairings",
    "wick_pairings", "pairing_value", "expectation", "expectation_by_pairings", "contract_indexed",
    "double_factorial", "pairing_polynomial", "crossings", "pattern_table",
]


@dataclass(frozen=True, kw_only=True)
class QuasifreeState:
    """A quasifree, gauge-invariant, translation-invariant state.

    Attributes
    ----------
    algebra
        The :class:`OperatorAlgebra` (space, dimension, δ kind) giving :math:`N\\delta(k-k')`.
    occupations
        ``((species, W_s), ...)``: the occupation function of every species the state knows, a sympy
        callable (``sp.Function("W_e")``, ``sp.Lambda(k, 0)`` for the vacuum, …).
    pair_amplitude
        Must stay ``None``: anomalous moments :math:`\\langle aa\\rangle \\neq 0` break gauge invariance and
        are not supported (raises :class:`WickError`).
    """

    algebra: OperatorAlgebra
    occupations: tuple
    pair_amplitude: object = None

    def __post_init__(self):
        if self.pair_amplitude is not None:
            raise WickError("non-gauge-invariant state requested (⟨aa⟩ ≠ 0): only gauge-invariant "
                            "quasifree states are supported")
        if not isinstance(self.algebra, OperatorAlgebra):
            raise WickError(f"algebra must be an OperatorAlgebra, got {self.algebra!r}")
        occ = tuple(self.occupations)
        names = [s.name for s, _ in occ]
        if len(set(names)) != len(names):
            raise WickError(f"species listed twice in the state: {names}")
        for s, w in occ:
            if not isinstance(s, Species):
                raise WickError(f"occupations are keyed by Species, got {s!r}")
            if not callable(w):
                raise WickError(f"occupation of {s.name!r} must be a sympy callable, got {w!r}")
        object.__setattr__(self, "occupations", occ)

    def occupation(self, species: Species, k) -> sp.Expr:
        """:math:`W_s(k)`; :class:`WickError` for a species the state does not know."""
        for s, w in self.occupations:
            if s == species:
                return w(k)
        raise WickError(f"unknown species {species.name!r} ({species.statistics.value}): the state knows "
                        f"{[s.name for s, _ in self.occupations]}")


def quasifree_state(species: Sequence[Species], algebra: OperatorAlgebra, occupations: dict | None = None
                    ) -> QuasifreeState:
    """The state with occupation ``occupations[s]`` or, by default, an undefined ``sp.Function(f"W_{name}")``."""
    occupations = occupations or {}
    unknown = set(occupations) - set(species)
    if unknown:
        raise WickError(f"occupations given for unknown species {sorted(s.name for s in unknown)}")
    return QuasifreeState(algebra=algebra, occupations=tuple(
        (s, occupations.get(s, sp.Function(f"W_{s.name}"))) for s in species))


def vacuum_state(species: Sequence[Species], algebra: OperatorAlgebra) -> QuasifreeState:
    """The Fock vacuum: the quasifree state with :math:`W \\equiv 0`."""
    k = sp.Dummy("k")
    return QuasifreeState(algebra=algebra, occupations=tuple((s, sp.Lambda(k, 0)) for s in species))


def contraction(x: Operator, y: Operator, state: QuasifreeState) -> sp.Expr:
    """The two-point function :math:`\\langle x\\,y\\rangle` (``x`` to the left) in ``state``."""
    if not (isinstance(x, Operator) and isinstance(y, Operator)):
        raise WickError(f"contraction needs two operators, got {x!r}, {y!r}")
    wx = state.occupation(x.species, x.momentum)  # raises for unknown species
    state.occupation(y.species, y.momentum)
    if x.species != y.species or x.is_creation == y.is_creation:
        return sp.Integer(0)
    d = state.algebra.delta_function(x.momentum, y.momentum)
    if x.is_creation:
        return d * wx
    return d * (1 + x.species.theta * wx)


@dataclass(frozen=True)
class SignedPairing:
    """A complete pairing ``pairs = ((i1, j1), …)`` (``i < j``, sorted by ``i``) and its fermionic sign."""

    sign: int
    pairs: tuple


def double_factorial(n: int) -> int:
    """:math:`n!! = n(n-2)\\cdots`; :math:`(2m-1)!!` counts complete pairings of :math:`2m` points."""
    out = 1
    while n > 1:
        out, n = out * n, n - 2
    return out


def signed_pairings(n: int, fermionic: Sequence[bool] | None = None) -> Iterator[SignedPairing]:
    """All complete pairings of positions ``0 … n−1`` with the sign of the permutation.

    ``fermionic[i]`` says whether position ``i`` anticommutes (default: all); only positions of equal
    statistics are paired, and the sign is that of :math:`(i_1 j_1 i_2 j_2\\dots)` restricted to the fermionic
    positions, i.e. :math:`(-1)^{\\#\\text{crossings of fermionic pairs}}`. Yields :math:`(n-1)!!` pairings
    when all positions have the same statistics.
    """
    if not isinstance(n, int) or n < 0:
        raise WickError(f"number of operators must be a non-negative integer, got {n!r}")
    if n % 2:
        raise WickError(f"no complete pairing of {n} operators (odd number)")
    ferm = tuple(True for _ in range(n)) if fermionic is None else tuple(bool(f) for f in fermionic)
    if len(ferm) != n:
        raise WickError(f"{len(ferm)} statistics flags for {n} operators")
    yield from _pairings(tuple(range(n)), ferm, lambda i, j: True)


def _pairings(rest: tuple, ferm: tuple, allowed) -> Iterator[SignedPairing]:
    if not rest:
        yield SignedPairing(1, ())
        return
    i, tail = rest[0], rest[1:]
    crossed = 0  # fermionic positions between i and the partner
    for pos, j in enumerate(tail):
        if ferm[i] == ferm[j] and allowed(i, j):
            sign = -1 if (ferm[i] and crossed % 2) else 1
            for sub in _pairings(tail[:pos] + tail[pos + 1:], ferm, allowed):
                yield SignedPairing(sign * sub.sign, ((i, j),) + sub.pairs)
        crossed += ferm[j]


def wick_pairings(string, state: QuasifreeState) -> Iterator[SignedPairing]:
    """Stream the signed pairings of ``string`` whose contractions are not identically zero.

    Pairs of different species, two creators or two annihilators are skipped (their contraction vanishes);
    no sum is expanded. :class:`WickError` for an odd string or a species unknown to ``state``.
    """
    ops = as_string(string).ops
    if len(ops) % 2:
        raise WickError(f"no complete pairing of {len(ops)} operators (odd number)")
    for o in ops:
        state.occupation(o.species, o.momentum)
    ferm = tuple(o.is_fermion for o in ops)

    def allowed(i, j):
        return ops[i].species == ops[j].species and ops[i].is_creation != ops[j].is_creation

    yield from _pairings(tuple(range(len(ops))), ferm, allowed)


def pairing_value(pairing: SignedPairing, string, state: QuasifreeState) -> sp.Expr:
    """``sign · Π ⟨x_i x_j⟩`` of one pairing."""
    ops = as_string(string).ops
    return pairing.sign * sp.Mul(*[contraction(ops[i], ops[j], state) for i, j in pairing.pairs])


def expectation_by_pairings(string, state: QuasifreeState) -> sp.Expr:
    """:math:`\\langle x_1\\cdots x_n\\rangle` as the plain sum over :func:`wick_pairings` (reference path)."""
    ops = as_string(string).ops
    if len(ops) % 2:
        return sp.Integer(0)
    return sp.Add(*[pairing_value(p, ops, state) for p in wick_pairings(ops, state)])


def contract_indexed(n: int, values: dict, fermionic: Sequence[bool], *, add=sum, one=1, zero=0):
    """Pfaffian-type sum over complete pairings of ``0 … n−1`` on an integer-indexed representation.

    ``values[(i, j)]`` (``i < j``) is the contraction of positions ``i, j``; missing keys are zero.
    Recursion on the bit mask of positions still to contract, memoized, so the cost is bounded by the number of
    reachable masks (at most :math:`2^n`) times ``n``, not by :math:`(n-1)!!`. Works for numbers (``add=sum``)
    and sympy (``add=lambda t: sp.Add(*t)``; the result is then factored along the recursion).
    """
    if n % 2:
        return zero
    partners = [[(j, values[(i, j)]) for j in range(i + 1, n) if (i, j) in values] for i in range(n)]
    fmask = sum(1 << i for i in range(n) if fermionic[i])
    memo = {0: one}

    def rec(mask):
        got = memo.get(mask)
        if got is not None:
            return got
        i = (mask & -mask).bit_length() - 1
        terms = []
        for j, cij in partners[i]:
            bit = 1 << j
            if not mask & bit:
                continue
            sub = rec(mask ^ (1 << i) ^ bit)
            if sub == zero:
                continue
            between = mask & fmask & (bit - 1) & ~((1 << (i + 1)) - 1)
            if (fmask >> i) & 1 and bin(between).count("1") % 2:
                terms.append(-(cij * sub))
            else:
                terms.append(cij * sub)
        out = add(terms) if terms else zero
        memo[mask] = out
        return out

    return rec((1 << n) - 1)


def expectation(string, state: QuasifreeState, *, expand: bool = False) -> sp.Expr:
    """:math:`\\langle x_1\\cdots x_n\\rangle` in a quasifree state by Wick's rule (fast path).

    Zero for odd strings and, by gauge invariance, whenever some species has unequal numbers of creators
    and annihilators. The result is a sum over pairings of products of two-point functions; ``expand=True``
    also expands the :math:`1 + \\theta W` factors.
    """
    ops = as_string(string).ops
    for o in ops:
        state.occupation(o.species, o.momentum)
    n = len(ops)
    if n % 2:
        return sp.Integer(0)
    balance: dict = {}
    for o in ops:
        balance[o.species] = balance.get(o.species, 0) + (1 if o.is_creation else -1)
    if any(balance.values()):
        return sp.Integer(0)
    # pairs that can be non-zero, decided structurally: same species, one creator and one annihilator, and not
    # ⟨a* a⟩ of a species the state leaves empty (W ≡ 0); the sympy values are built only for pairs that occur
    empty = {s: state.occupation(s, sp.Dummy("k")) == 0 for s in balance}
    pairs = tuple((i, j) for i in range(n) for j in range(i + 1, n)
                  if ops[i].species == ops[j].species and ops[i].is_creation != ops[j].is_creation
                  and not (ops[i].is_creation and empty[ops[i].species]))
    poly = pairing_polynomial(n, pairs, [o.is_fermion for o in ops])
    values = {pr: contraction(ops[pr[0]], ops[pr[1]], state) for pr in {pr for mono in poly for pr in mono}}
    atoms = {g for v in values.values() for g in (v.args if v.is_Mul else (v,)) if not g.is_Number}
    rank = {g: i for i, g in enumerate(sorted(atoms, key=_CANONICAL_ORDER))}
    res = sp.Add(*[_product([values[pr] for pr in mono], c, rank) for mono, c in poly.items()])
    return sp.expand(res) if expand else res


_CANONICAL_ORDER = cmp_to_key(sp.Basic.compare)


def _product(factors: list, coefficient: int, rank: dict) -> sp.Expr:
    """``coefficient · Π factors`` as sympy's canonical ``Mul``, built directly when no two factors share a base
    (each contraction contributes distinct δ's and occupations); otherwise by ``sp.Mul`` (which merges powers).

    Sympy's ``Mul`` stores its commutative arguments sorted by ``Basic.compare`` after the numeric coefficient;
    ``rank`` is that order on the (few) distinct factors, computed once per string. Building the tuple directly
    skips ``Mul.flatten``, which dominates long contractions."""
    flat: list = []
    coeff = sp.Integer(coefficient)
    for f in factors:
        for g in (f.args if f.is_Mul else (f,)):
            if g.is_Number:
                coeff = coeff * g
            else:
                flat.append(g)
    if coeff == 0:
        return sp.Integer(0)
    bases = [g.as_base_exp()[0] for g in flat]
    if len(set(bases)) != len(bases) or not all(g.is_commutative for g in flat):
        return coeff * sp.Mul(*flat)
    flat.sort(key=rank.__getitem__)
    if not flat:
        return coeff
    if coeff == 1:
        return flat[0] if len(flat) == 1 else sp.Mul._from_args(tuple(flat))
    return sp.Mul._from_args((coeff, *flat))


def pairing_polynomial(n: int, pairs: Sequence[tuple], fermionic: Sequence[bool]) -> dict:
    """Signed complete pairings of ``0 … n−1`` that use only ``pairs``, as ``{monomial: integer coefficient}``.

    A monomial is the sorted tuple of its pairs; coefficients are sums of fermionic signs (±1 for distinct
    pairings). Integer-indexed fast path: memoized recursion on the bit mask of positions still to contract,
    pure Python integers and tuples (no sympy), so the symbolic result is built once at the end.
    """
    if n % 2:
        return {}
    allowed = set(pairs)
    partners = [[j for j in range(i + 1, n) if (i, j) in allowed] for i in range(n)]
    fmask = sum(1 << i for i in range(n) if fermionic[i])
    memo = {0: {(): 1}}

    def rec(mask):
        got = memo.get(mask)
        if got is not None:
            return got
        i = (mask & -mask).bit_length() - 1
        out: dict = {}
        for j in partners[i]:
            bit = 1 << j
            if not mask & bit:
                continue
            sub = rec(mask ^ (1 << i) ^ bit)
            if not sub:
                continue
            between = mask & fmask & (bit - 1) & ~((1 << (i + 1)) - 1)
            sign = -1 if ((fmask >> i) & 1 and bin(between).count("1") % 2) else 1
            for mono, c in sub.items():
                key = ((i, j),) + mono
                out[key] = out.get(key, 0) + sign * c
        out = {k: v for k, v in out.items() if v}
        memo[mask] = out
        return out

    return rec((1 << n) - 1)


def crossings(pairs: tuple) -> int:
    """Number of crossing pairs (a < c < b < d) of a complete pairing; (−1)^cr is the fermionic sign."""
    return sum(1 for (a, b) in pairs for (c, d) in pairs if a < c < b < d)


def pattern_table(blocks: dict, orderings: tuple, stat=None) -> tuple[dict, int]:
    """``{key: weight}`` summed over the orderings ``((sign, word), …)`` of a nested commutator of strings.

    ``blocks`` maps one-letter names to :class:`OperatorString` s; ``word`` is a sequence of names, e.g.
    ``(1, "BAC")``. With ``stat`` = θ (one species; +1 bosons, −1 fermions; a symbol is allowed) the weight of a
    pairing is θ^{cr} (the sign of :func:`wick_pairings` for θ = ±1); with ``stat=None`` (mixed statistics) it is
    the pairing's own Wick sign. The two-point values are left to the caller.

    A key is the frozenset of oriented pairs ``((block, i), (block, j))`` (left operator first), so the same
    contraction pattern in two orderings has the same key and the same two-point functions; its weight is
    Σ ± weight. Pairings are streamed by :func:`wick_pairings`; their sign is checked to be
    (−1)^{crossings of fermion pairs}. Strings of odd length have no complete pairing and are skipped. Returns the
    table (zero weights dropped) and the number of pairings visited.
    """
    table: dict = {}
    visited = 0
    for sign, word in orderings:
        ops, ids = [], []
        for name in word:
            for i, o in enumerate(blocks[name]):
                ops.append(o)
                ids.append((name, i))
        if len(ops) % 2:
            continue           # odd strings have no complete pairing: expectation 0
        string = OperatorString(tuple(ops))
        state = quasifree_state(sorted({o.species for o in ops}, key=lambda sp_: sp_.name), OperatorAlgebra())
        for pr in wick_pairings(string, state):
            fermion_pairs = tuple(p for p in pr.pairs if ops[p[0]].is_fermion)
            relabel = {pos: n for n, pos in enumerate(sorted(i for p in fermion_pairs for i in p))}
            if pr.sign != (-1) ** crossings(tuple((relabel[a], relabel[b]) for a, b in fermion_pairs)):
                raise WickError(f"pairing sign {pr.sign} is not (−1)^(fermion crossings) for {pr.pairs}")
            weight = pr.sign if stat is None else stat ** crossings(pr.pairs)
            key = frozenset((ids[i], ids[j]) for i, j in pr.pairs)
            table[key] = table.get(key, 0) + sign * weight
            visited += 1
    return {key: w for key, w in table.items() if sp.expand(w) != 0}, visited
