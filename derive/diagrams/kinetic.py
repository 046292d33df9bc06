r"""Kinetic limit of the pairing graphs order by order: decorated ladders ↔ Dyson terms of e^{τ(𝒢 − Σ)}.

Pipeline (each stage a plain function; the page and the tests call them in turn)::

    graph (n, m, pairs) → power_count (free macroscopic times) → ladder_structure (rungs, recollision gaps)
        → graph_kinetic_limit (non-commuting operator word × macroscopic simplex integral)
        → order_kinetic_limit (sum over ALL graphs of order λ^{2M}) == dyson_term(M) = τ^M/M! (𝒢 − Σ)^M

Rules (derived in :func:`derive_pair_weights`, power counting in :func:`power_count`)
-----------------------------------------------------------------------------------
With :math:`t = \tau/\lambda^2` and :math:`\lambda\to0`, every contraction of a decorated ladder keeps its two
vertex times a microscopic distance apart and integrates that distance out:

* a **rung** (one vertex on each line): vertex factors :math:`(-i)(+i)` times
  :math:`\int_{\mathbb R}e^{ix\Delta}dx = 2\,\mathrm{Re}\int_0^\infty e^{ix\Delta}dx = 2\pi\delta(\Delta)`
  (:func:`derive.limits.weak_coupling.retarded_rate`), i.e. the gain operator
  :math:`\mathcal G W(k) = \int\sigma(k,p)W(p)\,\mu(dp)` with the foundation's σ (its weight 2π cancels);
* an **immediate recollision** on the ψ line: :math:`(-i)^2\int_0^\infty e^{ir\Delta}dr = -(\pi\delta(\Delta) +
  i\,\mathrm{PV}\tfrac1\Delta)`, i.e. :math:`-(\tfrac12\Sigma + i\Theta)` with :math:`\Sigma(k) = \int\sigma(k,p)
  \mu(dp)` and the energy shift :math:`\Theta(k) = \int R(k-p)\,\mathrm{PV}\frac{1}{\omega(k)-\omega(p)}\mu(dp)`;
  on the conjugate line the complex conjugate :math:`-(\tfrac12\Sigma - i\Theta)`.

What remains is one **macroscopic** time per contraction. Rungs are ordered on both lines; between two
consecutive rungs (a *gap* of length ℓ) the ``a`` ψ-line and ``b`` conjugate-line recollisions are ordered on
their own lines only: their times fill :math:`\ell^a/a!\cdot\ell^b/b! = \binom{a+b}{a}\ell^{a+b}/(a+b)!`, i.e.
the :math:`\binom{a+b}{a}` interleavings, each of volume :math:`\ell^{a+b}/(a+b)!` and carrying the
*time-ordered* product of the recollision operators (they are multiplication operators at the same momentum, so
this is exact; with non-commuting symbols it keeps Σ and Θ in time order). Operator words are written
right-to-left in time: the rightmost factor acts first on :math:`W_0`.

Power counting. Each contraction forces its two vertex times within O(1) of each other. Clusters of contractions
forced together — a vertex lying (in time, on its line) between the two vertices of a cluster joins it, and two
clusters met in opposite orders on the two lines are merged — share one macroscopic time (equivalently: the strongly
connected components of the digraph "contraction of a vertex → contraction of the next vertex on its line",
:func:`free_times_array`). A graph with ``M`` contractions and ``F`` clusters has degree ``F`` in t, i.e. is
:math:`\lambda^{2M}t^{F} = \tau^F\lambda^{2(M-F)}`. Decorated ladders have
``F = M``; a nesting (same-line ℓ ~ ℓ′, ℓ′ ≥ ℓ+3) encloses vertices, and two crossing chords are forced together
in each of their line arrangements, so ``F ≤ M − 1``: **O(λ²) relative**, zero leading term. The count assumes
each cluster's internal microscopic integrals converge after the momentum integrations (true for one pair — the
δ/PV above; for composite clusters it needs dispersive decay). It fails for crossings in d = 1 (the shell
{±k} makes backscattering resonant: measured crossing/ladder → ≈ 1/3) and holds in d = 2 (measured
crossing/ladder ≈ −2.2 λ²), see ``docs/diagrams.md``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.conventions import PrincipalValue, lam, t, tau
from derive.diagrams.classify import CLASSES, classify_array
from derive.diagrams.enumerate import iter_partner_blocks
from derive.diagrams.power_counting import (POWER_COUNTING_RULES, PowerCount, _graph_tuple, free_times_array,
                                          macroscopic_clusters, power_count)
from derive.errors import DeriveError
from derive.ir import Approximation as A
from derive.ir import Derivation, KineticEquation, Step

__all__ = ["G_OP", "SIGMA_OP", "THETA_OP", "OPERATOR_LATEX", "NotADecoratedLadder", "PairWeights",
           "derive_pair_weights", "operator_definitions", "macroscopic_clusters", "PowerCount", "power_count",
           "POWER_COUNTING_RULES", "free_times_array",
           "LadderStructure", "ladder_structure", "gap_time_ordered", "macroscopic_simplex_integral",
           "graph_kinetic_limit", "OrderLimit", "order_kinetic_limit", "dyson_term", "check_order",
           "kinetic_limit_derivation", "evaluate_operator_polynomial", "operator_latex"]

#: non-commuting operators: gain 𝒢, total rate Σ (multiplication), energy shift Θ (multiplication)
G_OP = sp.Symbol("G", commutative=False)
SIGMA_OP = sp.Symbol("Sigma", commutative=False)
THETA_OP = sp.Symbol("Theta", commutative=False)
OPERATOR_LATEX = {G_OP: r"\mathcal{G}", SIGMA_OP: r"\Sigma", THETA_OP: r"\Theta"}

_Delta = sp.Symbol("Delta", real=True)


class NotADecoratedLadder(DeriveError):
    """The graph has a contraction that is neither a rung nor an immediate recollision, or crossing rungs."""


def operator_latex(expr: sp.Expr) -> str:
    """LaTeX with 𝒢 printed as :math:`\\mathcal G`."""
    return sp.latex(expr, symbol_names=OPERATOR_LATEX)


# ----------------------------------------------------------------------------------------------- pair weights
@dataclass(frozen=True)
class PairWeights:
    """Operator carried by each kind of decorated-ladder contraction in the kinetic limit (per macroscopic time).

    Attributes
    ----------
    rung, psi_recollision, conj_recollision
        Expressions in :data:`G_OP`, :data:`SIGMA_OP`, :data:`THETA_OP` (derived: 𝒢, −(½Σ + iΘ), −(½Σ − iΘ)).
    """

    rung: sp.Expr
    psi_recollision: sp.Expr
    conj_recollision: sp.Expr


def _time_kernel_weight(eq: KineticEquation) -> sp.Expr:
    keys = [k for k in eq.constants if k.startswith("time-kernel weight")]
    if len(keys) != 1:
        raise DeriveError(f"the derived equation records no unique time-kernel weight: {list(eq.constants)}")
    return eq.constants[keys[0]]


def _default_equation() -> KineticEquation:
    from derive.pipeline import derive_equation
    return derive_equation("linear-boltzmann", {"space": "lattice", "dim": 1})


def operator_definitions(eq: KineticEquation) -> tuple[sp.Eq, sp.Eq, sp.Eq]:
    r""":math:`\mathcal GW(k) = \int\sigma W\mu`, :math:`\Sigma(k) = \int\sigma\mu`, :math:`\Theta(k) =
    \int R\,\mathrm{PV}\frac1{\omega(k)-\omega(p)}\mu` with σ, R, ω, μ of the derived equation ``eq``."""
    W = sp.Function("W")
    omega_p = eq.omega.subs(dict(zip(eq.k, eq.p)))
    gain = sp.Eq(sp.Symbol(r"\mathcal{G}W(k)"), sp.Integral(eq.measure * eq.cross_section * W(*eq.p), *eq.p),
                 evaluate=False)
    rate = sp.Eq(sp.Symbol(r"\Sigma(k)"), sp.Integral(eq.measure * eq.cross_section, *eq.p), evaluate=False)
    shift = sp.Eq(sp.Symbol(r"\Theta(k)"), sp.Integral(eq.measure * eq.spectrum * PrincipalValue(eq.omega - omega_p),
                                                      *eq.p), evaluate=False)
    return gain, rate, shift


def _vertex_factor() -> sp.Expr:
    """The numerical factor of one ψ-line potential vertex, read off the derived first Duhamel term (−i)."""
    from derive.expansion.duhamel import duhamel_term
    integrand = duhamel_term(1, sp.Symbol("k", real=True), sp.Integer(1)).integrand
    return sp.Mul(*[f for f in sp.Mul.make_args(integrand) if f.is_number])


def derive_pair_weights(equation: KineticEquation | None = None) -> tuple[PairWeights, tuple[Step, ...]]:
    r"""Derive the rung and recollision operators (module docstring) and record the steps.

    The δ- and PV-parts come from :func:`~derive.limits.weak_coupling.retarded_rate` (``πδ(Δ) + i PV(1/Δ)``
    and its ``2 Re``, checked against the time-kernel weight of
    :func:`~derive.limits.weak_coupling.weak_coupling_limit`); δ(Δ) is converted to σ by dividing by the weight
    recorded in the derived equation's constants, which is checked to be the ratio ``cofactor / R`` of its σ.
    ``equation`` defaults to the derived lattice ``d = 1`` linear Boltzmann equation (the weights are model-free).
    """
    from derive.conventions import time_kernel
    from derive.limits.weak_coupling import retarded_rate, weak_coupling_limit
    eq = _default_equation() if equation is None else equation
    weight = _time_kernel_weight(eq)
    if sp.simplify(eq.cofactor / eq.spectrum - weight) != 0:
        raise DeriveError(f"σ = {eq.cofactor}·δ is not (time-kernel weight {weight}) × R = {eq.spectrum}")
    v_psi = _vertex_factor()
    v_conj = sp.conjugate(v_psi)
    _, half_line, full_line = retarded_rate(_Delta)          # ∫_0^∞ e^{ixΔ}dx and ∫_ℝ e^{ixΔ}dx = 2 Re
    if sp.simplify(full_line - weak_coupling_limit(time_kernel(_Delta), _Delta)[1] / tau) != 0:
        raise DeriveError(f"+i0 route {full_line} disagrees with the time-kernel route")
    conj_half = half_line.subs(sp.I, -sp.I)                   # δ and PV are real distributions
    rung = sp.expand(v_psi * v_conj * full_line)
    psi = sp.expand(v_psi ** 2 * half_line)
    conj = sp.expand(v_conj ** 2 * conj_half)
    delta, pv = sp.DiracDelta(_Delta), PrincipalValue(_Delta)

    def to_operator(expr: sp.Expr, on_delta: sp.Symbol) -> sp.Expr:
        rest = sp.expand(expr - expr.coeff(delta) * delta - expr.coeff(pv) * pv)
        if rest != 0:
            raise DeriveError(f"pair factor {expr} is not a combination of δ(Δ) and PV(1/Δ)")
        return sp.expand(expr.coeff(delta) / weight * on_delta + expr.coeff(pv) * THETA_OP)

    if rung.coeff(pv) != 0:
        raise DeriveError(f"the rung factor {rung} has a principal-value part")
    weights = PairWeights(to_operator(rung, G_OP), to_operator(psi, SIGMA_OP), to_operator(conj, SIGMA_OP))
    gain_def, rate_def, shift_def = operator_definitions(eq)
    s_ = sp.Symbol("x", real=True)
    steps = (
        Step("vertex_factors", "Potential vertex factors read off the derived Duhamel term: −iλ on the ψ line, "
             "its conjugate +iλ on the conjugate line.", sp.Tuple(v_psi, v_conj), A.EXACT),
        Step("pair_time_integrals", "t = τ/λ²: each contraction of a decorated ladder keeps its two times O(1) apart "
             "and integrates the difference out — a rung over ℝ (2 Re of the +i0 integral), a recollision over "
             "[0, ∞) (retarded, +i0), Δ = ω(k) − ω(p).",
             sp.Tuple(sp.Eq(sp.Integral(sp.exp(sp.I * s_ * _Delta), (s_, -sp.oo, sp.oo)), full_line, evaluate=False),
                      sp.Eq(sp.Integral(sp.exp(sp.I * s_ * _Delta), (s_, 0, sp.oo)), half_line, evaluate=False)),
             A.KINETIC_LIMIT, ("off-shell (Δ ≠ 0) remainders of relative size O(λ²)",)),
        Step("operators", "Gain, total rate and energy shift with σ, R, ω, μ of the derived equation "
             f"(σ = {sp.pretty(weight, use_unicode=True)}·R·δ(shell): the time-kernel weight of the foundation).",
             sp.Tuple(gain_def, rate_def, shift_def), A.DEFINITION),
        Step("pair_weights", "δ(Δ)·R·μ = σ·μ/weight: a rung is the gain operator, a ψ-line recollision "
             "−(½Σ + iΘ), a conjugate-line one −(½Σ − iΘ) (per unit macroscopic time).",
             sp.Tuple(weights.rung, weights.psi_recollision, weights.conj_recollision), A.EXACT),
    )
    return weights, steps


@lru_cache(maxsize=None)
def _default_weights() -> PairWeights:
    return derive_pair_weights()[0]


# ----------------------------------------------------------------------------------------------- ladder structure
@dataclass(frozen=True)
class LadderStructure:
    """A decorated ladder read from its pairing.

    Attributes
    ----------
    rungs
        Rung contractions in time order (from the initial state).
    gaps
        ``(a, b)`` per gap ``0 … r`` (gap 0 before the first rung): numbers of immediate recollisions on the ψ and
        on the conjugate line.
    """

    rungs: tuple
    gaps: tuple


def ladder_structure(graph) -> LadderStructure:
    """Rungs and per-gap recollision counts; raises :class:`NotADecoratedLadder` for anything else."""
    n, m, pairs = _graph_tuple(graph)
    conj_pos = lambda v: n + m + 1 - v  # noqa: E731  time position on the conjugate line
    rungs, psi_rec, conj_rec = [], [], []
    for a, b in pairs:
        if a <= n < b:
            rungs.append((a, b))
        elif b == a + 1 and b <= n:
            psi_rec.append(a)
        elif b == a + 1 and a > n:
            conj_rec.append(conj_pos(b))
        else:
            raise NotADecoratedLadder(f"contraction {a}~{b} of {(n, m, pairs)} is neither a rung nor an "
                                      "immediate recollision")
    rungs.sort()
    conj_times = [conj_pos(b) for _, b in rungs]
    if conj_times != sorted(conj_times):
        raise NotADecoratedLadder(f"rungs of {(n, m, pairs)} cross")
    psi_times = [a for a, _ in rungs]
    gaps = [[0, 0] for _ in range(len(rungs) + 1)]
    for pos in psi_rec:
        gaps[sum(1 for x in psi_times if x < pos)][0] += 1
    for pos in conj_rec:
        gaps[sum(1 for x in conj_times if x < pos)][1] += 1
    return LadderStructure(tuple(rungs), tuple(tuple(g) for g in gaps))


# ----------------------------------------------------------------------------------------------- time integrals
@lru_cache(maxsize=None)
def _ordered_volume(c: int, length: sp.Symbol) -> sp.Expr:
    """:math:`\\int_{0<x_1<\\dots<x_c<\\ell}dx` by sympy (iterated)."""
    xs = sp.symbols(f"x1:{c + 2}", nonnegative=True)
    expr, upper = sp.Integer(1), list(xs[1:c]) + [length]
    for j in range(c):
        expr = sp.integrate(expr, (xs[j], 0, upper[j]))
    return sp.expand(expr)


# Non-commuting polynomials are handled as {word: coefficient} (word = tuple of operator symbols, latest first);
# sympy's expand of long non-commutative products is slow, this keeps the per-graph algebra linear in the terms.
def _as_words(expr: sp.Expr) -> dict:
    out: dict = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        c_part, nc_part = term.args_cnc()
        word = tuple(base for f in nc_part for base, e in [f.as_base_exp()] for _ in range(int(e)))
        out[word] = out.get(word, 0) + sp.Mul(*c_part)
    return out


def _multiply_words(x: dict, y: dict) -> dict:
    out: dict = {}
    for wx, cx in x.items():
        for wy, cy in y.items():
            out[wx + wy] = out.get(wx + wy, 0) + cx * cy
    return out


def _words_to_expr(words: dict) -> sp.Expr:
    return sp.Add(*[sp.expand(c) * sp.Mul(*w) for w, c in words.items() if sp.expand(c) != 0])


def gap_time_ordered(a: int, b: int, weights: PairWeights) -> sp.Expr:
    r"""Sum over the :math:`\binom{a+b}{a}` interleavings of ``a`` ψ-line and ``b`` conjugate-line recollisions of
    the time-ordered operator word (latest leftmost).

    Checks (sympy) that the interleaving sectors, each of volume :math:`\ell^{a+b}/(a+b)!`, fill the product of
    the two lines' simplices :math:`\ell^a/a!\cdot\ell^b/b!`.
    """
    ell = sp.Symbol("ell", positive=True)
    c = a + b
    if sp.expand(sp.binomial(c, a) * _ordered_volume(c, ell) - _ordered_volume(a, ell) * _ordered_volume(b, ell)):
        raise DeriveError(f"interleavings of {a} + {b} recollisions do not fill the product of simplices")
    return _words_to_expr(_gap_words(a, b, weights))


def _gap_words(a: int, b: int, weights: PairWeights) -> dict:
    psi, conj = _as_words(weights.psi_recollision), _as_words(weights.conj_recollision)
    total: dict = {}
    for psi_slots in itertools.combinations(range(a + b), a):
        word = {(): sp.Integer(1)}
        for j in reversed(range(a + b)):          # latest first (leftmost)
            word = _multiply_words(word, psi if j in psi_slots else conj)
        for w, c in word.items():
            total[w] = total.get(w, 0) + c
    return total


@lru_cache(maxsize=None)
def macroscopic_simplex_integral(counts: tuple) -> sp.Expr:
    r""":math:`\int_{0<T_1<\dots<T_r<\tau}\prod_{g=0}^{r}\ell_g^{c_g}/c_g!\,dT`, :math:`\ell_g = T_{g+1}-T_g`
    (:math:`T_0 = 0`, :math:`T_{r+1} = \tau`): rung times integrated exactly by sympy, ``counts = (c_0, …, c_r)``
    recollisions per gap."""
    r = len(counts) - 1
    T = [sp.Integer(0)] + list(sp.symbols(f"T1:{r + 1}", nonnegative=True)) + [tau]
    expr = sp.Mul(*[(T[g + 1] - T[g]) ** c / sp.factorial(c) for g, c in enumerate(counts)])
    for j in range(1, r + 1):
        expr = sp.integrate(sp.expand(expr), (T[j], 0, T[j + 1]))
    return sp.factor(expr)


def graph_kinetic_limit(graph, weights: PairWeights | None = None) -> sp.Expr:
    r"""Leading kinetic-limit term (order :math:`\tau^M`) of one graph as a non-commuting operator expression.

    Zero when :func:`power_count` leaves fewer than M free macroscopic times (crossing, nesting); for a decorated
    ladder :math:`\int_{\rm rung\ simplex}\prod_g\ell_g^{c_g}/c_g!` times
    :math:`X_r\,\mathcal G\,X_{r-1}\cdots\mathcal G\,X_0` with :math:`X_g` = :func:`gap_time_ordered`.
    """
    weights = _default_weights() if weights is None else weights
    words = _graph_words(graph, weights)
    return sp.Integer(0) if words is None else _words_to_expr(words)


def _graph_words(graph, weights: PairWeights) -> dict | None:
    """:func:`graph_kinetic_limit` as ``{word: coefficient}``; ``None`` for a vanishing leading term."""
    if not power_count(graph).survives:
        return None
    st = ladder_structure(graph)
    rung = _as_words(weights.rung)
    words = {(): macroscopic_simplex_integral(tuple(a + b for a, b in st.gaps))}
    for g, (a, b) in reversed(list(enumerate(st.gaps))):   # latest gap leftmost
        words = _multiply_words(words, _gap_words(a, b, weights))
        if g:
            words = _multiply_words(words, rung)
    return words


# ----------------------------------------------------------------------------------------------- order by order
@dataclass(frozen=True)
class OrderLimit:
    """The summed kinetic limit of all graphs of order :math:`\\lambda^{2M}`.

    Attributes
    ----------
    M, total
        The order and the sum of :func:`graph_kinetic_limit` over every graph (expanded).
    graphs, contributing
        ``{class: number of graphs}`` and ``{class: number with a non-zero limit}``.
    max_free_times
        ``{class: largest number of free macroscopic times}`` (``M`` for ladders, ``M − 1`` otherwise).
    """

    M: int
    total: sp.Expr
    graphs: dict
    contributing: dict
    max_free_times: dict


def order_kinetic_limit(M: int, weights: PairWeights | None = None) -> OrderLimit:
    """Sum :func:`graph_kinetic_limit` over every graph of order λ^{2M} (all splits n + m = 2M); memoized."""
    return _order_kinetic_limit(int(M), _default_weights() if weights is None else weights)


@lru_cache(maxsize=32)
def _order_kinetic_limit(M: int, weights: PairWeights) -> OrderLimit:
    graphs, contributing, max_free = {}, {}, {}
    total: dict = {}
    for n in range(2 * M, -1, -1):                 # every split, every graph (fast path of enumerate.py)
        for rows in iter_partner_blocks(n, 2 * M - n):
            labels = classify_array(rows, n)
            free = free_times_array(rows, n)
            for cls in CLASSES:
                mask = labels[cls]
                if not np.any(mask):
                    continue
                graphs[cls] = graphs.get(cls, 0) + int(np.count_nonzero(mask))
                max_free[cls] = max(max_free.get(cls, 0), int(free[mask].max()))
                for row in rows[mask & (free == M)]:
                    g = (n, 2 * M - n, tuple((a + 1, int(b) + 1) for a, b in enumerate(row) if b > a))
                    for w, c in _graph_words(g, weights).items():
                        total[w] = total.get(w, 0) + c
                    contributing[cls] = contributing.get(cls, 0) + 1
    return OrderLimit(M, _words_to_expr(total), graphs, contributing, max_free)


def dyson_term(M: int) -> sp.Expr:
    """:math:`\\frac{\\tau^M}{M!}(\\mathcal G - \\Sigma)^M`, the M-th Dyson term of :math:`e^{\\tau(\\mathcal G-\\Sigma)}`
    (expanded; non-commuting 𝒢 and Σ)."""
    return sp.expand(tau ** M / sp.factorial(M) * (G_OP - SIGMA_OP) ** M)


def check_order(M: int, weights: PairWeights | None = None) -> bool:
    """``True`` iff the summed graph limit of order λ^{2M} equals :func:`dyson_term` (exact sympy comparison)."""
    return sp.expand(order_kinetic_limit(M, weights).total - dyson_term(M)) == 0


def kinetic_limit_derivation(max_order: int = 6, equation: KineticEquation | None = None) -> Derivation:
    """The order-by-order ladder ↔ Dyson correspondence as a :class:`~derive.ir.Derivation` (M = 1 … max_order).

    Raises :class:`~derive.errors.DeriveError` if an order fails the identity.
    """
    weights, steps = derive_pair_weights(equation)
    d = Derivation("Kinetic limit of the pairing graphs, order by order")
    for st in steps:
        d = d.then(st)
    F, Mp = sp.symbols("F M", integer=True, nonnegative=True)
    d = d.then(Step("power_counting", "Each contraction pins its two times within O(1); forced clusters share one "
                    "macroscopic time. F clusters among M contractions give λ^{2M}t^F = τ^F λ^{2(M−F)}: F = M for "
                    "decorated ladders, F ≤ M − 1 for nestings and crossings (enumerated).",
                    sp.Eq(lam ** (2 * Mp) * t ** F, (lam ** (2 * Mp) * t ** F).subs(t, tau / lam ** 2),
                          evaluate=False),
                    A.KINETIC_LIMIT, ("crossing graphs (O(λ²) relative by power counting; not in d = 1)",
                                      "nesting graphs (O(λ²) relative)")))
    ell = sp.Symbol("ell", positive=True)
    a_, b_ = sp.symbols("a b", integer=True, nonnegative=True)
    d = d.then(Step("macroscopic_simplex", "Per gap the two lines' recollision simplices split into interleaving "
                    "sectors (time-ordered operator words); the rung times are integrated over their simplex.",
                    sp.Eq(sp.Mul(ell ** a_ / sp.factorial(a_), ell ** b_ / sp.factorial(b_), evaluate=False),
                          sp.binomial(a_ + b_, a_) * ell ** (a_ + b_) / sp.factorial(a_ + b_), evaluate=False),
                    A.EXACT))
    for M in range(1, max_order + 1):
        lim = order_kinetic_limit(M, weights)
        rhs = tau ** M / sp.factorial(M) * (G_OP - SIGMA_OP) ** M
        if sp.expand(lim.total - rhs) != 0:
            raise DeriveError(f"order λ^{2 * M}: summed graph limit ≠ τ^M/M!(𝒢 − Σ)^M")
        d = d.then(Step(f"order_{M}", f"Sum over all {sum(lim.graphs.values())} graphs of order λ^{2 * M}: "
                        f"{lim.contributing.get('decorated-ladder', 0)} decorated ladders contribute; the iΘ of the "
                        "two lines cancel in every gap.", sp.Eq(lim.total, rhs, evaluate=False), A.RESUMMATION,
                        ("crossing graphs", "nesting graphs", "PV energy shifts Θ (cancel between the lines)")))
    d = d.then(Step("boltzmann_semigroup", "Summing the Dyson terms over M gives the linear Boltzmann semigroup.",
                    sp.Eq(sp.Symbol("W_tau", commutative=False),
                          sp.exp(tau * (G_OP - SIGMA_OP)) * sp.Symbol("W_0", commutative=False), evaluate=False),
                    A.RESUMMATION, ("times beyond the convergence radius of the unresummed series",)))
    return d


def evaluate_operator_polynomial(poly: sp.Expr, operators: dict, scalars: dict | None = None):
    """Evaluate a polynomial in the non-commuting operator symbols on matrices (numpy, ``@`` products).

    ``operators`` maps :data:`G_OP`, :data:`SIGMA_OP`, :data:`THETA_OP` (those present) to square arrays;
    ``scalars`` substitutes commuting symbols (e.g. ``{tau: 0.5}``). Words act right-to-left.
    """
    size = next(iter(operators.values())).shape[0]
    out = np.zeros((size, size), dtype=complex)
    for term in sp.Add.make_args(sp.expand(poly)):
        c_part, nc_part = term.args_cnc()
        coeff = complex(sp.Mul(*c_part).subs(scalars or {}))
        mat = np.eye(size, dtype=complex)
        for factor in nc_part:
            base, exp = factor.as_base_exp()
            if base not in operators:
                raise DeriveError(f"no matrix given for the operator {base}")
            mat = mat @ np.linalg.matrix_power(np.asarray(operators[base], dtype=complex), int(exp))
        out += coeff * mat
    return out
