"""Second-order (Born) expansion of d/dt⟨a*(k)a(k')⟩ for H = H₀ + λH_I with a pair interaction.

Recorded route (seed 004 §3, §4 (4.5)–(4.6), with the errata of ``../shared/seed-errata.md``; conventions of
``../shared/conventions.md``, ``i∂_tρ = [H, ρ]``)::

    model → interaction picture a(p, τ) = e^{−iω(p)τ}a(p) (Heisenberg equation solved by sympy)
          → momentum-space vertex (Fourier transform of ½∫∫V a*a*aa, constants from the conventions)
          → Dyson series of ρ_I: ⟨n⟩_t − ⟨n⟩_0 = −iλ∫⟨[n, H_I(t₁)]⟩ − λ²∫∫⟨[H_I(s), [H_I(t₁), n]]⟩ + O(λ³)
          → first order vanishes (Wick) → double commutator expanded into its four orderings
          → quasifree Wick rule (pairings with weight θ^{crossings}, ⟨aa*⟩ = Nδ(1 + θW))
          → disconnected pairings cancel between orderings (identified by key) → momentum δ's integrated
          → canonical labels (k, k₂ | k₃, k₄), Δ = ω + ω₂ − ω₃ − ω₄ → time-simplex integrals (finite time)
          → symmetrization k₃ ↔ k₄ → +i0 route: PV parts cancel → kinetic limit λ²K(Δ, τ/λ²) → 2πτδ(Δ).

The expansion is done once with symbolic measure density ``mu`` and δ-normalization ``N`` of the momentum
integrals (continuum: μ = (2π)^{-d}, N = (2π)^d; a ring of L sites: μ = 1/L, N = L with Kronecker δ's), so the
same finite-time formula is evaluated on the continuum and on a finite ring
(:func:`derive.catalogue.uehling_uhlenbeck.ring_density_change`).
Statistics enter only through θ (+1 bosons, −1 fermions): the pairing weight θ^{cr} (cr = number of crossings;
(−1)^{cr} is the fermionic sign; :func:`derive.algebra.wick.pattern_table`) and ⟨a a*⟩ = Nδ(1 + θW).
Maxwell–Boltzmann statistics (θ = 0 in the kinetic equation) is derived, not postulated: M colours with a
colour-blind interaction, occupation W/M per colour, M → ∞ (``colours=True``); each contraction pattern then
carries M^{closed colour loops}, and the statistical factors 1 + θW/M → 1.

Example
-------
>>> r = second_order_density(-1)                      # fermions
>>> transition = sp.expand(-r.kernel.coeff(W(k)).coeff(W(k2)).subs(W(k3), 0).subs(W(k + k2 - k3), 0))
>>> sp.factor(transition)
(Vhat(k - k3) - Vhat(k2 - k3))**2/2
>>> r.kinetic_weight
2*pi
>>> second_order_density(-1, colours="yes")  # doctest: +SKIP
... # Bad → fix: colours is a bool (True only for Maxwell–Boltzmann statistics)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from derive.algebra.operators import (OperatorAlgebra, OperatorString, Species, annihilate, create,
                                      graded_commutator)
from derive.algebra.terms import omega
from derive.algebra.wick import pattern_table
from derive.conventions import lam, s, t, tau, time_kernel
from derive.errors import DeriveError, LimitDoesNotExist
from derive.ir import Approximation as A
from derive.ir import Derivation, Step
from derive.limits.weak_coupling import integrate_time_simplex, retarded_rate, weak_coupling_limit

__all__ = ["Vhat", "W", "mu", "N", "theta", "k", "k2", "k3", "k4", "kprime", "Delta", "t1",
           "SecondOrderDensity", "interaction_picture", "pair_vertex", "second_order_density",
           "swap_34", "energy_difference", "M"]

mu = sp.Symbol("mu", positive=True)          #: density of one momentum integral (đk: (2π)^{-d}; ring: 1/L)
N = sp.Symbol("N", positive=True)            #: δ-normalization, [a(k), a*(k')]_∓ = Nδ(k − k'); μN = 1
theta = sp.Symbol("theta", real=True)        #: statistics parameter
k, kprime, k2, k3, k4 = sp.symbols("k kprime k2 k3 k4", real=True)
Delta = sp.Symbol("Delta", real=True)
t1 = sp.Symbol("t1", nonnegative=True)
W = sp.Function("W", positive=True)
_c = sp.Symbol("c", positive=True)           # Fourier phase of the space (drops out)
_x, _y, _r = sp.symbols("x y r", real=True)


class Vhat(sp.Function):
    """V̂(q) of a real, even pair potential: V̂(−q) = V̂(q) (canonicalized on creation), real."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, arg):
        if arg.could_extract_minus_sign():
            return cls(-arg)


_ONE = Species("a", "fermion")   # labels only: the pairings are enumerated once, statistics enter through θ


@dataclass(frozen=True)
class SecondOrderDensity:
    """Result of :func:`second_order_density`.

    Attributes
    ----------
    derivation
        Every step, with its approximation kind.
    finite_time
        ``{+1: S₊, −1: S₋}``: ``W_t(k) − W_0(k) = λ²∫μ²dk₂dk₃ Σ_σ S_σ K_σ(Δ, t) + O(λ³)`` with
        ``K_σ = ∫₀^t dt₁∫₀^{t₁}ds e^{iσ(t₁−s)Δ}`` (k₄ = k + k₂ − k₃). Unsymmetrized, in μ and N.
    time_factors
        ``{σ: K_σ(Δ, t)}`` from :func:`integrate_time_simplex` (generic branch Δ ≠ 0).
    kernel
        ``S`` = S₊ = S₋ after k₃ ↔ k₄ symmetrization (λ² stripped, μN = 1 used): the integrand of
        ``C[W](k) = ∫μ²dk₂dk₃ 2πδ(Δ) S``.
    kinetic_weight
        The constant c of λ²K(Δ, τ/λ²) → cτδ(Δ) (derived: 2π).
    """

    derivation: Derivation
    finite_time: dict
    time_factors: dict
    kernel: sp.Expr
    kinetic_weight: sp.Expr
    counts: dict = field(default_factory=dict)


def energy_difference() -> sp.Expr:
    """Δ = ω(k) + ω(k₂) − ω(k₃) − ω(k₄) with k₄ = k + k₂ − k₃."""
    return omega(k) + omega(k2) - omega(k3) - omega(k + k2 - k3)


def swap_34(expr: sp.Expr) -> sp.Expr:
    """The relabelling k₃ ↔ k₄ (k₃ → k + k₂ − k₃; unit Jacobian), arguments re-expanded."""
    return sp.expand(expr.xreplace({k3: k + k2 - k3}))


def interaction_picture(algebra: OperatorAlgebra | None = None) -> tuple[sp.Expr, Step]:
    """Solve the Heisenberg equation i∂_τ a(p) = [a(p), H₀] with H₀ = ∫μdq ω(q) a*(q)a(q).

    The commutator is [a(p), a*(q)a(q)] = [a(p), a*(q)]_∓ a(q) (both statistics), computed with
    :func:`graded_commutator`; the q-integral of its δ gives μN ω(p) a(p). Returns the phase e^{−iω(p)τ}.
    """
    algebra = algebra or OperatorAlgebra(space="continuum", dim=1)
    p, q = sp.symbols("p q", real=True)
    comm = graded_commutator(annihilate(_ONE, p), create(_ONE, q), algebra)
    comm = comm.subs(algebra.normalization, N)   # keep the normalization symbolic
    rate = sp.integrate(mu * omega(q) * comm, (q, -sp.oo, sp.oo)).subs(mu * N, 1)
    a = sp.Function("a")
    sol = sp.dsolve(sp.Eq(sp.I * a(tau).diff(tau), rate * a(tau)), a(tau), ics={a(0): 1})
    phase = sp.simplify(sol.rhs)
    st = Step("interaction_picture", "Heisenberg equation i∂_τa(p) = [a(p), H₀] with the (anti)commutator of "
              "the operator algebra and μN = 1; creators get the conjugate phase.",
              sp.Eq(sp.Function("a_I")(p, tau), phase * sp.Function("a")(p)), A.EXACT)
    return phase, st


def pair_vertex(labels: tuple, time: sp.Expr, phase: sp.Expr) -> tuple[sp.Expr, list, OperatorString, Step]:
    """H_I(τ) = ½∫∫V(x−y)a*(x)a*(y)a(y)a(x) in momentum space, from a(x) = ∫μdp e^{icp·x}a(p).

    The x, y integrals are done by the conventions: with x = y + r, ∫dr V(r)e^{−icq·r} = V̂(q) and
    ∫dy e^{−icq·y} = Nδ(q). Returns ``(coefficient, [δ argument], string, Step)``: H_I(τ) is
    ∫(coefficient)·δ(argument)·a*(p₁)a*(p₂)a(p₄)a(p₃) dp₁…dp₄, the coefficient holding μ⁴, N, V̂ and the
    interaction-picture phases (annihilators ``phase``, creators its conjugate).
    """
    p1, p2, p3, p4 = labels
    # a*(x) → e^{−icp₁x}, a*(y) → e^{−icp₂y}, a(y) → e^{icp₄y}, a(x) → e^{icp₃x}
    exponent = sp.expand((sp.I * _c * (-p1 * _x - p2 * _y + p4 * _y + p3 * _x)).subs(_x, _y + _r))
    q_r = sp.expand(-exponent.coeff(_r) / (sp.I * _c))
    q_y = sp.expand(-exponent.coeff(_y) / (sp.I * _c))
    p = sp.Symbol("p", real=True)
    ph = sp.Integer(1)
    for lab, creation in ((p1, True), (p2, True), (p4, False), (p3, False)):
        one = phase.subs(tau, time).subs(p, lab)
        ph *= sp.conjugate(one) if creation else one
    ph = sp.powsimp(sp.expand(ph), combine="exp")
    if ph.has(sp.conjugate):
        raise DeriveError(f"could not conjugate the interaction-picture phase {phase}")
    coefficient = sp.Rational(1, 2) * mu ** 4 * N * Vhat(q_r) * ph
    string = create(_ONE, p1) * create(_ONE, p2) * annihilate(_ONE, p4) * annihilate(_ONE, p3)
    st = Step("pair_vertex", "Fourier transform of H_I = ½∫∫V(x−y)a*(x)a*(y)a(y)a(x): x = y + r, "
              "∫V(r)e^{−icq·r}dr = V̂(q), ∫e^{−icq·y}dy = Nδ(q); interaction-picture phases attached.",
              sp.Eq(sp.Function("H_I")(time), sp.Integral(coefficient * sp.DiracDelta(q_y) * sp.Symbol(str(string)),
                                                           *labels), evaluate=False), A.EXACT)
    return coefficient, [q_y], string, st


# ------------------------------------------------------------------------------------------- Wick step
_ORDERINGS = ((1, "BAC"), (-1, "BCA"), (-1, "ACB"), (1, "CAB"))   # [B, [A, C]] = BAC − BCA − ACB + CAB


def _integrate_deltas(args: list, variables: list) -> tuple[dict, list]:
    """Integrate ∫Π dv Π δ(arg) over ``variables``: each δ with a unit-coefficient variable removes it.

    Returns the substitution ``{variable: value}`` and the δ arguments left free of integration variables.
    Raises :class:`DeriveError` for a δ(0) (a disconnected piece) or a δ without a unit-coefficient variable.
    """
    subst: dict = {}
    left = list(variables)
    external = []
    for arg in args:
        a = sp.expand(sp.sympify(arg).xreplace(subst))
        var = next((v for v in left if a.coeff(v) in (1, -1)), None)
        if var is None:
            if any(a.has(v) for v in left):
                raise DeriveError(f"δ({a}) has no unit-coefficient integration variable")
            if a == 0:
                raise DeriveError("a δ(0) (disconnected pairing) survived the commutators")
            external.append(a)
            continue
        value = sp.expand(var - a / a.coeff(var))
        subst = {v: sp.expand(e.xreplace({var: value})) for v, e in subst.items()}
        subst[var] = value
        left.remove(var)
    return subst, external


def _contraction(left, right) -> tuple[sp.Expr, sp.Expr]:
    """(δ argument, factor) of ⟨left right⟩/(Nδ): W for ⟨a*a⟩, 1 + θW for ⟨aa*⟩."""
    arg = left.momentum - right.momentum
    return arg, (W(left.momentum) if left.is_creation else 1 + theta * W(left.momentum))


def _frequencies(omega_sum: sp.Expr) -> dict:
    """``{argument: integer coefficient}`` of a sum of ±ω(argument) (arguments expanded, zeros dropped)."""
    out: dict = {}
    omega_sum = sp.expand(omega_sum)
    if omega_sum == 0:
        return out
    for term in sp.Add.make_args(omega_sum):
        c, rest = term.as_coeff_Mul()
        if not (isinstance(rest, sp.Function) and rest.func == omega):
            raise DeriveError(f"phase is not a sum of dispersions: {omega_sum}")
        arg = sp.expand(rest.args[0])
        out[arg] = out.get(arg, 0) + c
    return {a: c for a, c in out.items() if c != 0}


def _canonical_labels(value: sp.Expr, free: list) -> tuple[int, sp.Expr]:
    """Relabel the two free momenta so that the t₁-frequency is σΔ, Δ = ω(k)+ω(k₂)−ω(k₃)−ω(k+k₂−k₃).

    Returns ``(σ, value without its phase)``; σ = 0 for a term whose frequency vanishes identically.
    """
    factors = sp.Mul.make_args(value)
    if any(isinstance(f, sp.Add) and f.has(sp.exp) for f in factors):
        raise DeriveError("the phase must be a factor of each pairing value")
    exps = [f for f in factors if isinstance(f, sp.exp)]
    expo = sp.expand(sum(f.args[0] for f in exps))
    rest = value / sp.Mul(*exps)
    freq_t1 = _frequencies(expo.coeff(t1) / sp.I)
    freq_s = _frequencies(expo.coeff(s) / sp.I)
    if sp.expand(expo - sp.I * t1 * sum(c * omega(a) for a, c in freq_t1.items())
                 - sp.I * s * sum(c * omega(a) for a, c in freq_s.items())) != 0:
        raise DeriveError(f"phase is not linear in t₁, s: {expo}")
    if freq_t1 != {a: -c for a, c in freq_s.items()}:
        raise DeriveError(f"phase is not a function of t₁ − s (stationarity fails): {expo}")
    if not freq_t1:
        return 0, rest
    sigma = freq_t1.get(k)
    if sigma not in (1, -1) or len(freq_t1) != 4 or any(abs(c) != 1 for c in freq_t1.values()):
        raise DeriveError(f"frequency {freq_t1} is not of the form ±(ω(k) + ω₂ − ω₃ − ω₄)")
    plus = [a for a, c in freq_t1.items() if c == sigma and a != k]
    minus = sorted((a for a, c in freq_t1.items() if c == -sigma), key=sp.default_sort_key)
    u, v = free
    sol = sp.solve([plus[0] - k2, minus[0] - k3], [u, v], dict=True)
    jac = sp.Matrix([[sp.diff(e, x) for x in (u, v)] for e in (plus[0], minus[0])]).det()
    if len(sol) != 1 or abs(jac) != 1:
        raise DeriveError(f"relabelling {free} → (k₂, k₃) is not unimodular (Jacobian {jac})")
    sub = sol[0]
    if sp.expand(minus[1].xreplace(sub) - (k + k2 - k3)) != 0:
        raise DeriveError("momentum is not conserved by the relabelled frequency")
    return sigma, sp.expand(rest.xreplace(sub))


M = sp.Symbol("M", positive=True)   #: number of colours (Maxwell–Boltzmann statistics: M → ∞)
_COLOUR_LINES = {"A": ((0, 3), (1, 2)), "B": ((0, 3), (1, 2)), "C": ((0, 1),)}   # a*(p₁)…a(p₃): colour at x


def _colour_loops(key) -> int:
    """Closed colour loops of a contraction pattern, not counting the loop through the observable n.

    Nodes are the operators; edges are the colour lines of each vertex (a*(p₁)–a(p₃) at x, a*(p₂)–a(p₄) at y;
    a*(k)–a(k') of n) and the contractions. Every node has degree 2, so the graph is a union of cycles.
    """
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    edges = [((b, i), (b, j)) for b, lines in _COLOUR_LINES.items() for i, j in lines
             if any(b == n[0] for pair in key for n in pair)] + list(key)
    for u, v in edges:
        parent[find(u)] = find(v)
    roots = {find(n) for pair in key for n in pair}
    return len(roots) - 1


def _expectation_terms(blocks: dict, coefficients: dict, deltas: dict, orderings: tuple, stat,
                       variables: list, external: sp.Expr, colours: bool = False) -> tuple[list, dict]:
    """Sum over the surviving pairing keys of weight × contractions × vertex coefficients, δ's integrated.

    Each result is divided by the external normalization Nδ(``external``) and k' is set to k. Returns the
    list of values (one per key) and counts. ``colours=True``: M-component particles with a colour-blind
    interaction, each colour with occupation W/M; a pattern gets M^{loops} (free colour sums), the observable
    n_γ = W/M is rescaled by M (the limit M → ∞ is taken by :func:`_colour_limit` after the sum).
    """
    table, visited = pattern_table(blocks, orderings, stat)
    values = []
    for key, weight in sorted(table.items(), key=lambda kv: sp.default_sort_key(sorted(kv[0]))):
        args, factor = [], sp.Integer(1)
        for (lb, li), (rb, ri) in sorted(key):
            arg, f = _contraction(blocks[lb][li], blocks[rb][ri])
            args.append(arg)
            factor *= N * f
        for name in blocks:
            args.extend(deltas.get(name, []))
            factor *= coefficients.get(name, 1)   # holds the N of its conservation δ
        subst, ext = _integrate_deltas(args, variables)
        if len(ext) != 1 or sp.expand(ext[0] - external) != 0 and sp.expand(ext[0] + external) != 0:
            raise DeriveError(f"left-over δ's {ext} are not δ({external})")
        val = (weight * factor / N).xreplace(subst).xreplace({kprime: k, theta: stat})
        if colours:
            val = val.replace(W, lambda arg: W(arg) / M) * M ** (_colour_loops(key) + 1)
        values.append((val, [v for v in variables if v not in subst]))
    return values, {"pairings visited": visited, "surviving keys": len(table)}


def _colour_limit(expr: sp.Expr) -> sp.Expr:
    """The M → ∞ limit of a sum of terms c·M^e: positive powers must cancel; the M⁰ coefficient is returned."""
    powers: dict = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        c, e = term.as_coeff_exponent(M)
        powers[e] = powers.get(e, 0) + c
    grow = {e: sp.expand(c) for e, c in powers.items() if e > 0 and sp.expand(c) != 0}
    if grow:
        raise LimitDoesNotExist(f"terms growing with the number of colours survive: {grow}")
    return sp.expand(powers.get(0, sp.Integer(0)))


def _kernel_pair() -> dict:
    """``{σ: K_σ(Δ, t) = ∫₀^t dt₁∫₀^{t₁}ds e^{iσ(t₁−s)Δ}}`` by :func:`integrate_time_simplex` (generic Δ ≠ 0)."""
    return {sg: sp.simplify(integrate_time_simplex(sp.exp(sg * sp.I * (t1 - s) * Delta), ((t1, 0, t), (s, 0, t1))))
            for sg in (1, -1)}


@lru_cache(maxsize=8)
def second_order_density(statistics, *, colours: bool = False) -> SecondOrderDensity:
    """W_t(k) − W_0(k) to order λ² and its kinetic limit, for statistics θ ∈ {+1, −1, 0} (or the symbol θ).

    .. math:: \\langle a^*(k)a(k')\\rangle_t - \\langle a^*(k)a(k')\\rangle_0
              = -\\lambda^2\\int_0^t dt_1\\int_0^{t_1} ds\\,\\langle[H_I(s),[H_I(t_1), a^*(k)a(k')]]\\rangle_0
              + O(\\lambda^3) = N\\delta(k-k')\\,(W_t(k) - W_0(k)),

    the first-order term vanishing in a gauge- and translation-invariant quasifree state.
    ``colours=True`` gives Maxwell–Boltzmann statistics as the M → ∞ limit of M colours (see
    :func:`_expectation_terms`); the result must not depend on ``statistics`` then.
    """
    stat = sp.sympify(statistics)
    d = Derivation(f"d/dt⟨n_k⟩ to second order in λ (θ = {stat})")
    d = d.then(Step("model", "H = ∫μdk ω(k)a*(k)a(k) + λ·½∫∫V(x−y)a*(x)a*(y)a(y)a(x); initial state quasifree, "
                    "gauge- and translation-invariant: ⟨a*(k)a(k')⟩ = Nδ(k−k')W(k); i∂_tρ = [H, ρ].",
                    sp.Eq(sp.Symbol("H"), sp.Symbol("H_0") + lam * sp.Symbol("H_I")), A.DEFINITION))
    phase, st = interaction_picture()
    d = d.then(st)
    pa, pb = sp.symbols("p1:5", real=True), sp.symbols("q1:5", real=True)
    coef_a, delta_a, str_a, st = pair_vertex(pa, t1, phase)
    d = d.then(st)
    coef_b, delta_b, str_b, _ = pair_vertex(pb, s, phase)
    n_op = create(_ONE, k) * annihilate(_ONE, kprime)
    dyson = sp.Eq(sp.Symbol("<n>_t") - sp.Symbol("<n>_0"),
                  -sp.I * lam * sp.Integral(sp.Function("E")(sp.Symbol("[n,H_I(t1)]")), (t1, 0, t))
                  - lam ** 2 * sp.Integral(sp.Function("E")(sp.Symbol("[H_I(s),[H_I(t1),n]]")), (s, 0, t1), (t1, 0, t)),
                  evaluate=False)
    d = d.then(Step("dyson_series", "ρ_I(t) = ρ₀ − iλ∫₀^t[H_I(t₁), ρ₀]dt₁ + (−iλ)²∫∫_{t>t₁>s>0}[H_I(t₁),[H_I(s), ρ₀]] "
                    "+ O(λ³); tr(n[H, X]) = tr([n, H]X); n = a*(k)a(k') commutes with H₀.",
                    dyson, A.TRUNCATION, ("terms of order λ³ and higher",)))

    # first order: ⟨[n, A(t₁)]⟩ = ⟨nA⟩ − ⟨An⟩
    blocks = {"A": str_a, "C": n_op}
    first, c1 = _expectation_terms(blocks, {"A": coef_a}, {"A": delta_a}, ((1, "CA"), (-1, "AC")), stat,
                                   list(pa), k - kprime) if _has_connected(blocks, ((1, "CA"), (-1, "AC")), stat) \
        else ([], {"surviving keys": 0})
    first_sum = sp.expand(sum(v for v, _ in first))
    if first_sum != 0:
        raise DeriveError(f"first-order term does not vanish: {first_sum}")
    d = d.then(Step("first_order_vanishes", "⟨[n, H_I(t₁)]⟩ by the Wick rule: after the cancellations between the "
                    f"two orderings ({c1['surviving keys']} contraction patterns left) and the δ-integrals the "
                    "first-order term is zero (diagonal quasifree states are stationary for H₀).",
                    sp.Eq(sp.Function("E")(sp.Symbol("[n,H_I(t1)]")), first_sum), A.EXACT))

    blocks = {"A": str_a, "B": str_b, "C": n_op}
    values, counts = _expectation_terms(blocks, {"A": coef_a, "B": coef_b}, {"A": delta_a, "B": delta_b},
                                        _ORDERINGS, stat, list(pa) + list(pb), k - kprime, colours)
    d = d.then(Step("wick_double_commutator", "[B,[A,n]] = BAn − BnA − AnB + nAB (A = H_I(t₁), B = H_I(s)); each "
                    "10-operator string contracted by the quasifree Wick rule, pairing weight θ^{crossings}, "
                    f"⟨a*a⟩ = NδW, ⟨aa*⟩ = Nδ(1+θW). {counts['pairings visited']} pairings; disconnected patterns "
                    f"cancel between orderings, {counts['surviving keys']} connected patterns survive.",
                    sp.Eq(sp.Symbol("#patterns"), counts["surviving keys"]), A.AVERAGE,
                    ("nothing: the state is quasifree (Wick's rule is exact)",)))
    d = d.then(Step("momentum_deltas", "Six of the seven momentum δ's integrated (unit coefficients; Lebesgue "
                    "weight 1); the seventh is Nδ(k − k') = the normalization of ⟨a*(k)a(k')⟩, divided out.",
                    sp.Eq(sp.Symbol("#terms"), len(values)), A.EXACT))

    finite = {1: sp.Integer(0), -1: sp.Integer(0)}
    static = sp.Integer(0)
    for val, free in values:
        sigma, rest = _canonical_labels(val, free)
        if sigma == 0:
            static += rest
        else:
            finite[sigma] += rest
    finite = {sg: sp.expand(-lam ** 2 * v) for sg, v in finite.items()}
    static = sp.expand(static)
    if colours:
        finite = {sg: _colour_limit(v) for sg, v in finite.items()}
        static = _colour_limit(static)
    if static != 0:
        raise LimitDoesNotExist(f"a zero-frequency (secular t²) term survives: {static}")
    d = d.then(Step("canonical_labels", "Free momenta renamed (unimodular maps) so that every phase is "
                    "e^{±i(t₁−s)Δ}, Δ = ω(k)+ω(k₂)−ω(k₃)−ω(k₄), k₄ = k+k₂−k₃; zero-frequency terms cancel.",
                    sp.Eq(sp.Symbol("S_+") , finite[1]), A.EXACT))
    kernels = _kernel_pair()
    density = sum(finite[sg] * sp.Function(f"K_{'+' if sg > 0 else '-'}")(Delta, t) for sg in (1, -1))
    d = d.then(Step("finite_time", "Time-simplex integrals K_± = ∫₀^t dt₁∫₀^{t₁}ds e^{±i(t₁−s)Δ} (generic Δ ≠ 0): "
                    "W_t(k) − W_0(k) = ∫μ²dk₂dk₃ (S₊K₊ + S₋K₋) + O(λ³).",
                    sp.Eq(sp.Symbol("W_t(k) - W_0(k)"), sp.Integral(density, k2, k3), evaluate=False), A.EXACT))
    kernels_eq = [sp.Eq(sp.Symbol(f"K_{'+' if sg > 0 else '-'}"), kernels[sg]) for sg in (1, -1)]
    rates = [sp.Eq(sp.Symbol(f"dK_{'+' if sg > 0 else '-'}/dt"), sp.simplify(sp.diff(kernels[sg], t)))
             for sg in (1, -1)]
    d = d.then(Step("time_factors", "Generic branch of the time integrals, and their t-derivatives (the rate form "
                    "d/dt W_t(k) = ∫μ²dk₂dk₃ Σ_σ S_σ dK_σ/dt, dK_σ/dt = ∫₀^t e^{iσuΔ}du).",
                    sp.Tuple(*kernels_eq, *rates), A.EXACT))

    sym = {sg: sp.expand((v + swap_34(v)) / 2) for sg, v in finite.items()}
    pv_coefficient = sp.expand(sym[1] - sym[-1])
    if pv_coefficient != 0:
        raise LimitDoesNotExist(f"the principal-value part does not cancel: S₊ − S₋ = {pv_coefficient}")
    even = sp.simplify((kernels[1] + kernels[-1] - time_kernel(Delta)).rewrite(sp.exp))
    odd = sp.simplify(kernels[1] - kernels[-1])
    if even != 0:
        raise LimitDoesNotExist(f"K₊ + K₋ is not |∫₀^t e^(isΔ)ds|²: difference {even}")
    d = d.then(Step("symmetrize", "k₃ ↔ k₄ (k₃ → k + k₂ − k₃, unit Jacobian) symmetrization: S₊ = S₋ = S, so "
                    "S₊K₊ + S₋K₋ = S·(K₊ + K₋) + ½(S₊ − S₋)(K₊ − K₋) with K₊ + K₋ = 2(1 − cos Δt)/Δ².",
                    sp.Eq(sp.Symbol("S_+ - S_-"), pv_coefficient), A.EXACT))
    laplace, boundary, rate = retarded_rate(Delta)
    d = d.then(Step("principal_value", "+i0 route: ∫₀^∞e^{±isΔ−0s}ds = πδ(Δ) ± iPV(1/Δ); the PV (energy-shift) "
                    f"parts enter with the factor S₊ − S₋ = 0 (K₊ − K₋ = {sp.sstr(odd)} grows like t·PV(1/Δ)) and "
                    "drop out of the homogeneous equation.",
                    sp.Eq(sp.Symbol("int_0^oo e^(isDelta) ds"), boundary, evaluate=False), A.KINETIC_LIMIT,
                    ("principal-value (energy renormalization) parts, coefficient S₊ − S₋ = 0",)))
    weight, limit = weak_coupling_limit(time_kernel(Delta), Delta)
    if sp.simplify(weight - rate) != 0 and sp.simplify(weight * sp.DiracDelta(Delta) - rate) != 0:
        raise LimitDoesNotExist(f"kinetic weight {weight} disagrees with the +i0 route {rate}")
    kernel = sp.expand((sym[1] / (lam ** 2 * mu ** 2)).subs(N, 1 / mu))
    d = d.then(Step("kinetic_limit", "t = τ/λ², λ → 0: λ²·2(1 − cos Δt)/Δ² → cτδ(Δ) with c = ∫K dΔ/t.",
                    sp.Eq(sp.Symbol("W_tau(k) - W_0(k)"),
                          sp.Integral(mu ** 2 * limit * sp.Symbol("S"), k2, k3), evaluate=False), A.KINETIC_LIMIT,
                    ("the O(λ³) remainder", "oscillating parts of the time kernel off Δ = 0")))
    d = d.then(Step("collision_kernel", "C[W](k) = ∫μ²dk₂dk₃ cδ(Δ) S(k, k₂, k₃), with S derived above (μN = 1).",
                    sp.Eq(sp.Symbol("S"), kernel), A.EXACT))
    counts = {**counts, "terms": len(values)}
    return SecondOrderDensity(derivation=d, finite_time=finite, time_factors=kernels, kernel=kernel,
                              kinetic_weight=weight, counts=counts)


def _has_connected(blocks, orderings, stat) -> bool:
    return bool(pattern_table(blocks, orderings, stat)[0])

