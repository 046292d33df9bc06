"""Second-order (Born) expansion of d/dt⟨a*(k)a(k')⟩ for H = H₀ + λH_I, one route for every vertex.

The route below is generic: :func:`second_order_route` takes an :class:`~derive.expansion.vertices.Interaction`
(pair interaction, on-site lattice bosons, electron–phonon coupling; :mod:`derive.expansion.vertices` holds
everything interaction-specific). :func:`second_order_density` is the pair-interaction instance.

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

Only the vertex-specific pieces change between interactions (module :mod:`derive.expansion.vertices`): the
vertex terms (electron–phonon: absorption + emission strings; on-site: V̂ = U from the lattice transform), the
pattern weights (θ^{cr}, or the mixed boson/fermion Wick sign), the canonical energy families (electron–phonon:
absorption/emission shells, one free momentum q), the symmetrization and the post-processing (M → ∞ colour limit;
the one-electron part linear in W). A cubic phonon vertex (:mod:`derive.expansion.phonon_vertices`) also has
patterns supported at k = k' = 0 (zero-mode lines); :meth:`~derive.expansion.vertices.Interaction.drops_external`
lets an interaction drop them (counted as ``"zero-mode patterns"``; default: none, the old error).

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

from derive.algebra.operators import OperatorAlgebra, Species, annihilate, create, graded_commutator
from derive.algebra.terms import omega
from derive.conventions import lam, s, t, tau, time_kernel
from derive.errors import DeriveError, LimitDoesNotExist
from derive.expansion.vertices import (_ONE, M, N, Interaction, PairInteraction, Vhat, W, energy_difference, k, k2,
                                       k3, k4, kprime, mu, pair_vertex, swap_34, theta)
from derive.expansion.vertices import _colour_limit, _colour_loops  # noqa: F401 — old private names stay importable
from derive.ir import Approximation as A
from derive.ir import Derivation, Step
from derive.limits.weak_coupling import integrate_time_simplex, retarded_rate, weak_coupling_limit

__all__ = ["Vhat", "W", "mu", "N", "theta", "k", "k2", "k3", "k4", "kprime", "Delta", "t1",
           "SecondOrderDensity", "SecondOrderRoute", "Family", "interaction_picture", "pair_vertex",
           "second_order_density", "second_order_route", "swap_34", "energy_difference", "M",
           "time_factor_values", "ring_family_sum"]

Delta = sp.Symbol("Delta", real=True)
t1 = sp.Symbol("t1", nonnegative=True)


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


@dataclass(frozen=True)
class Family:
    """One energy family of the route: its Δ, the finite-time coefficients ``{σ: S_σ}`` (in μ, N, with λ²) and
    the symmetrized kinetic integrand S (λ² stripped, μN = 1): ``C ∋ ∫μ^n dp cδ(Δ) S``."""

    delta: sp.Expr
    finite_time: dict
    kernel: sp.Expr


@dataclass(frozen=True)
class SecondOrderRoute:
    """Result of :func:`second_order_route`: derivation, ``{name: Family}``, time factors, weight c, counts and the
    part of the finite-time result dropped by the interaction's :meth:`~Interaction.finalize` (e.g. Pauli terms)."""

    derivation: Derivation
    families: dict
    time_factors: dict
    kinetic_weight: sp.Expr
    counts: dict = field(default_factory=dict)
    discarded: dict = field(default_factory=dict)


def interaction_picture(algebra: OperatorAlgebra | None = None, dispersion=omega,
                        species: Species = _ONE) -> tuple[sp.Expr, Step]:
    """Solve the Heisenberg equation i∂_τ a(p) = [a(p), H₀] with H₀ = ∫μdq ω(q) a*(q)a(q).

    The commutator is [a(p), a*(q)a(q)] = [a(p), a*(q)]_∓ a(q) (both statistics), computed with
    :func:`graded_commutator`; the q-integral of its δ gives μN ω(p) a(p). Returns the phase e^{−iω(p)τ}
    (``dispersion`` replaces ω for another species, e.g. the phonon Ω).
    """
    algebra = algebra or OperatorAlgebra(space="continuum", dim=1)
    p, q = sp.symbols("p q", real=True)
    comm = graded_commutator(annihilate(species, p), create(species, q), algebra)
    comm = comm.subs(algebra.normalization, N)   # keep the normalization symbolic
    rate = sp.integrate(mu * dispersion(q) * comm, (q, -sp.oo, sp.oo)).subs(mu * N, 1)
    a = sp.Function("a")
    sol = sp.dsolve(sp.Eq(sp.I * a(tau).diff(tau), rate * a(tau)), a(tau), ics={a(0): 1})
    phase = sp.simplify(sol.rhs)
    st = Step("interaction_picture", "Heisenberg equation i∂_τa(p) = [a(p), H₀] with the (anti)commutator of "
              "the operator algebra and μN = 1; creators get the conjugate phase.",
              sp.Eq(sp.Function(f"{species.name}_I")(p, tau), phase * sp.Function(species.name)(p)), A.EXACT)
    return phase, st


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


def _contraction(left, right, occupations: dict) -> tuple[sp.Expr, sp.Expr]:
    """(δ argument, factor) of ⟨left right⟩/(Nδ): W for ⟨a*a⟩, 1 + θW for ⟨aa*⟩ (W, θ of the species)."""
    arg = left.momentum - right.momentum
    occ, stat = occupations[left.species]
    return arg, (occ(left.momentum) if left.is_creation else 1 + stat * occ(left.momentum))


def _expectation_terms(blocks: dict, coefficients: dict, deltas: dict, orderings: tuple, interaction: Interaction,
                       variables: list, external: sp.Expr) -> tuple[list, dict]:
    """Sum over the surviving pairing keys of weight × contractions × vertex coefficients, δ's integrated.

    Each result is divided by the external normalization Nδ(``external``), k' is set to k and the interaction's
    :meth:`~Interaction.pattern_value` hook is applied (θ substituted; colours: M^{loops}). Returns the list of
    ``(value, free variables)`` (one per key) and counts.
    """
    table, visited = interaction.pattern_weights(blocks, orderings)
    occupations = interaction.occupations()
    values = []
    dropped = 0
    for key, weight in sorted(table.items(), key=lambda kv: sp.default_sort_key(sorted(kv[0]))):
        args, factor = [], sp.Integer(1)
        for (lb, li), (rb, ri) in sorted(key):
            arg, f = _contraction(blocks[lb][li], blocks[rb][ri], occupations)
            args.append(arg)
            factor *= N * f
        for name in blocks:
            args.extend(deltas.get(name, []))
            factor *= coefficients.get(name, 1)   # holds the N of its conservation δ
        subst, ext = _integrate_deltas(args, variables)
        if len(ext) != 1 or sp.expand(ext[0] - external) != 0 and sp.expand(ext[0] + external) != 0:
            if interaction.drops_external(ext):       # e.g. zero-mode (k = k' = 0) terms of a cubic vertex
                dropped += 1
                continue
            raise DeriveError(f"left-over δ's {ext} are not δ({external})")
        val = (weight * factor / N).xreplace(subst).xreplace({kprime: k})
        val = interaction.pattern_value(val, key)
        values.append((val, [v for v in variables if v not in subst]))
    return values, {"pairings visited": visited, "surviving keys": len(table), "zero-mode patterns": dropped}


def _kernel_pair() -> dict:
    """``{σ: K_σ(Δ, t) = ∫₀^t dt₁∫₀^{t₁}ds e^{iσ(t₁−s)Δ}}`` by :func:`integrate_time_simplex` (generic Δ ≠ 0)."""
    return {sg: sp.simplify(integrate_time_simplex(sp.exp(sg * sp.I * (t1 - s) * Delta), ((t1, 0, t), (s, 0, t1))))
            for sg in (1, -1)}


def _sum_expectations(a_terms, b_terms, observable, orderings, interaction, with_b: bool):
    """Σ over vertex terms of :func:`_expectation_terms` for the nested commutator with the observable ``C``."""
    values, counts = [], {"pairings visited": 0, "surviving keys": 0, "zero-mode patterns": 0}
    for ta in a_terms:
        for tb in (b_terms if with_b else (None,)):
            blocks = {"A": ta.string, "C": observable}
            coefficients, deltas, variables = {"A": ta.coefficient}, {"A": list(ta.deltas)}, list(ta.labels)
            if tb is not None:
                blocks["B"] = tb.string
                coefficients["B"], deltas["B"] = tb.coefficient, list(tb.deltas)
                variables += list(tb.labels)
            if not interaction.pattern_weights(blocks, orderings)[0]:
                continue
            vals, c = _expectation_terms(blocks, coefficients, deltas, orderings, interaction, variables,
                                         k - kprime)
            values += vals
            counts = {key: counts[key] + c[key] for key in counts}
    return values, counts


def second_order_route(interaction: Interaction) -> SecondOrderRoute:
    """W_t(k) − W_0(k) to order λ² and its kinetic limit for any :class:`~derive.expansion.vertices.Interaction`.

    .. math:: \\langle a^*(k)a(k')\\rangle_t - \\langle a^*(k)a(k')\\rangle_0
              = -\\lambda^2\\int_0^t dt_1\\int_0^{t_1} ds\\,\\langle[H_I(s),[H_I(t_1), a^*(k)a(k')]]\\rangle_0
              + O(\\lambda^3) = N\\delta(k-k')\\,(W_t(k) - W_0(k)),

    the first-order term vanishing in a gauge- and translation-invariant quasifree state. Each energy family
    of the interaction gets its finite-time coefficients S_± and, after its symmetrization and the PV check,
    the kinetic integrand S of ∫μ^n cδ(Δ) S.
    """
    d = Derivation(interaction.title)
    d = d.then(Step("model", interaction.model_text,
                    sp.Eq(sp.Symbol("H"), sp.Symbol("H_0") + lam * sp.Symbol("H_I")), A.DEFINITION))
    phases = {}
    for species, disp in interaction.dispersions().items():
        phases[species], st = interaction_picture(dispersion=disp, species=species)
        if len(phases) == 1:
            first_phase_step = st
        else:
            first_phase_step = Step(st.name, st.description, sp.Tuple(first_phase_step.expr, st.expr), st.approximation)
    d = d.then(first_phase_step)
    a_terms, st = interaction.vertex("p", t1, phases)
    d = d.then(st)
    b_terms, _ = interaction.vertex("q", s, phases)
    obs = interaction.observable
    n_op = create(obs, k) * annihilate(obs, kprime)
    dyson = sp.Eq(sp.Symbol("<n>_t") - sp.Symbol("<n>_0"),
                  -sp.I * lam * sp.Integral(sp.Function("E")(sp.Symbol("[n,H_I(t1)]")), (t1, 0, t))
                  - lam ** 2 * sp.Integral(sp.Function("E")(sp.Symbol("[H_I(s),[H_I(t1),n]]")), (s, 0, t1), (t1, 0, t)),
                  evaluate=False)
    d = d.then(Step("dyson_series", "ρ_I(t) = ρ₀ − iλ∫₀^t[H_I(t₁), ρ₀]dt₁ + (−iλ)²∫∫_{t>t₁>s>0}[H_I(t₁),[H_I(s), ρ₀]] "
                    "+ O(λ³); tr(n[H, X]) = tr([n, H]X); n = a*(k)a(k') commutes with H₀.",
                    dyson, A.TRUNCATION, ("terms of order λ³ and higher",)))

    first, c1 = _sum_expectations(a_terms, (), n_op, ((1, "CA"), (-1, "AC")), interaction, with_b=False)
    first_sum = sp.expand(sum(v for v, _ in first))
    if first_sum != 0:
        raise DeriveError(f"first-order term does not vanish: {first_sum}")
    d = d.then(Step("first_order_vanishes", "⟨[n, H_I(t₁)]⟩ by the Wick rule: after the cancellations between the "
                    f"two orderings ({c1['surviving keys']} contraction patterns left) and the δ-integrals the "
                    "first-order term is zero (diagonal quasifree states are stationary for H₀).",
                    sp.Eq(sp.Function("E")(sp.Symbol("[n,H_I(t1)]")), first_sum), A.EXACT))

    values, counts = _sum_expectations(a_terms, b_terms, n_op, _ORDERINGS, interaction, with_b=True)
    d = d.then(Step("wick_double_commutator", interaction.wick_text + f" {counts['pairings visited']} pairings; "
                    f"disconnected patterns cancel between orderings, {counts['surviving keys']} connected patterns "
                    "survive.", sp.Eq(sp.Symbol("#patterns"), counts["surviving keys"]), A.AVERAGE,
                    ("nothing: the state is quasifree (Wick's rule is exact)",)))
    n_vars = sum(len(v.labels) for v in a_terms[:1]) * 2
    n_int = n_vars - interaction.free_momenta
    d = d.then(Step("momentum_deltas", interaction.step_texts.get("momentum_deltas", f"{n_int} of the {n_int + 1}"
                    " momentum δ's integrated (unit coefficients; Lebesgue weight 1); the last is Nδ(k − k') = the "
                    "normalization of ⟨a*(k)a(k')⟩, divided out."),
                    sp.Eq(sp.Symbol("#terms"), len(values)), A.EXACT))

    finite = {name: {1: sp.Integer(0), -1: sp.Integer(0)} for name in interaction.families}
    static = sp.Integer(0)
    extra: dict = {}            # families outside interaction.families (e.g. q = 0 forward terms): must cancel
    for val, free in values:
        family, sigma, rest = interaction.canonical_labels(val, free, t1, s)
        if sigma == 0:
            static += rest
        elif family in finite:
            finite[family][sigma] += rest
        else:
            extra[(family, sigma)] = extra.get((family, sigma), 0) + rest
    for key, value in extra.items():
        if sp.expand(value) != 0:
            raise LimitDoesNotExist(f"terms of the extra frequency family {key} do not cancel: {sp.expand(value)}")
    discarded = {}
    for name in finite:
        for sg in (1, -1):
            kept, dropped = interaction.finalize(sp.expand(-lam ** 2 * finite[name][sg]))
            finite[name][sg] = kept
            if dropped != 0:
                discarded[(name, sg)] = dropped
    static, _ = interaction.finalize(sp.expand(static))
    if static != 0:
        raise LimitDoesNotExist(f"a zero-frequency (secular t²) term survives: {static}")
    if interaction.finalize_text:
        d = d.then(Step("one_particle_part", interaction.finalize_text,
                        sp.Eq(sp.Symbol("#dropped"), len(discarded)), A.TRUNCATION,
                        ("terms quadratic in the occupation W (Pauli blocking of other electrons)",)))
    fam_text = ", ".join(f"{name}: Δ = {sp.sstr(delta)}" for name, delta in interaction.families.items())
    first_family = next(iter(interaction.families))
    d = d.then(Step("canonical_labels", interaction.step_texts.get("canonical_labels", "Free momenta renamed "
                    "(unimodular maps) so that every phase is "
                    f"e^(±i(t₁−s)Δ) with Δ of one energy family ({fam_text}); zero-frequency terms cancel."),
                    sp.Eq(sp.Symbol("S_+"), finite[first_family][1]), A.EXACT))
    kernels = _kernel_pair()
    density = sum(finite[name][sg] * sp.Function(f"K_{'+' if sg > 0 else '-'}")(Delta, t)
                  for name in finite for sg in (1, -1))
    free_syms = interaction.free_symbols
    d = d.then(Step("finite_time", interaction.step_texts.get("finite_time", "Time-simplex integrals K_± = "
                    "∫₀^t dt₁∫₀^{t₁}ds e^{±i(t₁−s)Δ} (generic Δ ≠ 0): "
                    f"W_t(k) − W_0(k) = ∫μ^{interaction.free_momenta} Σ_families (S₊K₊ + S₋K₋) + O(λ³)."),
                    sp.Eq(sp.Symbol("W_t(k) - W_0(k)"), sp.Integral(density, *free_syms), evaluate=False), A.EXACT))
    kernels_eq = [sp.Eq(sp.Symbol(f"K_{'+' if sg > 0 else '-'}"), kernels[sg]) for sg in (1, -1)]
    rates = [sp.Eq(sp.Symbol(f"dK_{'+' if sg > 0 else '-'}/dt"), sp.simplify(sp.diff(kernels[sg], t)))
             for sg in (1, -1)]
    d = d.then(Step("time_factors", interaction.step_texts.get("time_factors", "Generic branch of the time "
                    "integrals, and their t-derivatives (the rate form "
                    "d/dt W_t(k) = ∫μ^n Σ_σ S_σ dK_σ/dt, dK_σ/dt = ∫₀^t e^{iσuΔ}du)."),
                    sp.Tuple(*kernels_eq, *rates), A.EXACT))

    sym = {name: {sg: interaction.symmetrize(name, v) for sg, v in fs.items()} for name, fs in finite.items()}
    pv = {name: sp.expand(fs[1] - fs[-1]) for name, fs in sym.items()}
    for name, coefficient in pv.items():
        if coefficient != 0:
            raise LimitDoesNotExist(f"the principal-value part does not cancel ({name}): S₊ − S₋ = {coefficient}")
    even = sp.simplify((kernels[1] + kernels[-1] - time_kernel(Delta)).rewrite(sp.exp))
    odd = sp.simplify(kernels[1] - kernels[-1])
    if even != 0:
        raise LimitDoesNotExist(f"K₊ + K₋ is not |∫₀^t e^(isΔ)ds|²: difference {even}")
    pv_expr = pv[first_family] if len(pv) == 1 else sp.Tuple(*pv.values())
    d = d.then(Step("symmetrize", interaction.symmetrize_text,
                    sp.Eq(sp.Symbol("S_+ - S_-"), pv_expr), A.EXACT))
    laplace, boundary, rate = retarded_rate(Delta)
    d = d.then(Step("principal_value", "+i0 route: ∫₀^∞e^{±isΔ−0s}ds = πδ(Δ) ± iPV(1/Δ); the PV (energy-shift) "
                    f"parts enter with the factor S₊ − S₋ = 0 (K₊ − K₋ = {sp.sstr(odd)} grows like t·PV(1/Δ)) and "
                    "drop out of the homogeneous equation.",
                    sp.Eq(sp.Symbol("int_0^oo e^(isDelta) ds"), boundary, evaluate=False), A.KINETIC_LIMIT,
                    ("principal-value (energy renormalization) parts, coefficient S₊ − S₋ = 0",)))
    weight, limit = weak_coupling_limit(time_kernel(Delta), Delta)
    if sp.simplify(weight - rate) != 0 and sp.simplify(weight * sp.DiracDelta(Delta) - rate) != 0:
        raise LimitDoesNotExist(f"kinetic weight {weight} disagrees with the +i0 route {rate}")
    n_free = interaction.free_momenta
    families = {name: Family(interaction.families[name], finite[name],
                             sp.expand((sym[name][1] / (lam ** 2 * mu ** n_free)).subs(N, 1 / mu)))
                for name in finite}
    d = d.then(Step("kinetic_limit", "t = τ/λ², λ → 0: λ²·2(1 − cos Δt)/Δ² → cτδ(Δ) with c = ∫K dΔ/t.",
                    sp.Eq(sp.Symbol("W_tau(k) - W_0(k)"),
                          sp.Integral(mu ** n_free * limit * sp.Symbol("S"), *free_syms), evaluate=False),
                    A.KINETIC_LIMIT, ("the O(λ³) remainder", "oscillating parts of the time kernel off Δ = 0")))
    kern_expr = families[first_family].kernel if len(families) == 1 else \
        sp.Tuple(*[sp.Eq(sp.Symbol(f"S_{name}"), f.kernel) for name, f in families.items()])
    d = d.then(Step("collision_kernel", interaction.step_texts.get(
                    "collision_kernel", f"C[W](k) = ∫μ^{n_free} Σ_families cδ(Δ) S, with S derived above (μN = 1)."),
                    sp.Eq(sp.Symbol("S"), kern_expr) if len(families) == 1 else kern_expr, A.EXACT))
    counts = {**counts, "terms": len(values)}
    return SecondOrderRoute(derivation=d, families=families, time_factors=kernels, kinetic_weight=weight,
                            counts=counts, discarded=discarded)


@lru_cache(maxsize=8)
def second_order_density(statistics, *, colours: bool = False) -> SecondOrderDensity:
    """W_t(k) − W_0(k) to order λ² and its kinetic limit, for statistics θ ∈ {+1, −1, 0} (or the symbol θ).

    The pair-interaction instance of :func:`second_order_route`. ``colours=True`` gives Maxwell–Boltzmann
    statistics as the M → ∞ limit of M colours (:class:`~derive.expansion.vertices.PairInteraction`); the result
    must not depend on ``statistics`` then.
    """
    route = second_order_route(PairInteraction(statistics=statistics, colours=colours))
    fam = route.families["Delta"]
    return SecondOrderDensity(derivation=route.derivation, finite_time=fam.finite_time,
                              time_factors=route.time_factors, kernel=fam.kernel,
                              kinetic_weight=route.kinetic_weight, counts=route.counts)


def time_factor_values(kernel: sp.Expr, delta, time: float):
    """Values of a derived time factor K(Δ, t) (e.g. ``route.time_factors[σ]``) on an array of energy
    differences Δ at time t, for the finite-time formulas on a ring.

    Where |Δt| < 10⁻² the closed form is 0/0-type, so there the sympy series of K in Δ (through Δ⁵) is used."""
    import numpy as np
    delta = np.asarray(delta, dtype=float)
    generic = sp.lambdify((Delta, t), kernel, "numpy")
    series = sp.lambdify((Delta, t), sp.series(kernel, Delta, 0, 6).removeO(), "numpy")
    small = np.abs(delta * time) < 1e-2
    return np.where(small, series(delta, time), generic(np.where(small, 1.0, delta), time))


def ring_family_sum(route, numeric, time: float, shape: tuple):
    """Σ over the route's families f and signs σ of S_{f,σ}·K_σ(Δ_f, t) on a ring grid, summed over the last axis.

    ``numeric(expr)`` evaluates a derived expression (a family's Δ or finite-time coefficient) on the grid of
    shape ``shape`` (first axis: the external momentum k). The result must be real (a :class:`DeriveError`
    otherwise): it is W_t(k) − W_0(k) per unit λ²."""
    import numpy as np
    total = np.zeros(shape, dtype=complex)
    for family in route.families.values():
        delta = numeric(family.delta)
        for sg, coeff in family.finite_time.items():
            total += numeric(coeff) * time_factor_values(route.time_factors[sg], delta, time)
    out = total.sum(axis=tuple(range(1, len(shape))))
    if np.max(np.abs(out.imag)) > 1e-10 * max(1.0, np.max(np.abs(out.real))):
        raise DeriveError(f"the finite-time formula is not real: {out}")
    return out.real
