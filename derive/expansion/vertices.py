"""Interaction vertices for the second-order route of :mod:`derive.expansion.heisenberg`.

The route (Dyson series → Wick → δ's → time simplex → PV → kinetic limit) is the same for every model; what
depends on the interaction lives here, one class per interaction:

* :class:`PairInteraction` — :math:`H_I = \\tfrac12\\int\\int V(x-y)a^*(x)a^*(y)a(y)a(x)`, one species, statistics
  θ (or M colours for Maxwell–Boltzmann statistics); one energy family Δ = ω + ω₂ − ω₃ − ω₄.
* :class:`OnSiteInteraction` — the lattice Bose–Hubbard-type vertex :math:`\\tfrac U2\\sum_x a_x^*a_x^*a_xa_x`,
  i.e. the pair vertex with :math:`V(x) = U\\delta_{x,0}` whose lattice transform :math:`\\hat V(q) = U` is
  computed by sympy.
* :class:`ElectronPhononInteraction` — :math:`H_I = \\int\\int a^*(x)a(x)\\,g(x-x')\\,(b(x') + b^*(x'))\\,dx\\,dx'`
  (seed 004 (2.6)), a fermion coupled linearly to a boson field in a thermal quasifree state; two energy
  families (absorption Δ₋ = ω(k+q) − ω(k) − Ω(q) and emission Δ₊ = ω(k+q) − ω(k) + Ω(q)).

An interaction supplies: its species with occupation and θ, the dispersion of each species, the vertex terms
(coefficient, momentum δ's, operator string — from the position-space form by the Fourier conventions), the
contraction-pattern weights, the relabelling of the free momenta to canonical energy families, the
symmetrization of each family and the post-processing (colour limit, one-electron part).

Example
-------
>>> ep = ElectronPhononInteraction()
>>> sorted(ep.families)
['absorption', 'emission']
>>> PairInteraction(statistics=2)  # doctest: +IGNORE_EXCEPTION_DETAIL
... # Bad → fix: statistics θ is +1, −1 (or the symbol theta)
Traceback (most recent call last):
...
derive.errors.DeriveError: statistics θ must be +1, −1 or the symbol theta, got 2
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.algebra.operators import OperatorString, Species, annihilate, create
from derive.algebra.terms import omega
from derive.algebra.wick import pattern_table
from derive.conventions import tau
from derive.errors import DeriveError, LimitDoesNotExist
from derive.ir import Approximation as A
from derive.ir import Step

__all__ = ["mu", "N", "theta", "k", "kprime", "k2", "k3", "k4", "q", "W", "Vhat", "Omega", "ghat", "Nb", "M",
           "U", "VertexTerm", "Interaction", "PairInteraction", "OnSiteInteraction", "ElectronPhononInteraction",
           "pair_vertex", "energy_difference", "swap_34", "phonon_deltas"]

mu = sp.Symbol("mu", positive=True)          #: density of one momentum integral (đk: (2π)^{-d}; ring: 1/L)
N = sp.Symbol("N", positive=True)            #: δ-normalization, [a(k), a*(k')]_∓ = Nδ(k − k'); μN = 1
theta = sp.Symbol("theta", real=True)        #: statistics parameter
k, kprime, k2, k3, k4, q = sp.symbols("k kprime k2 k3 k4 q", real=True)
W = sp.Function("W", positive=True)
Nb = sp.Function("Nb", positive=True)        #: phonon occupation (thermal: 1/(e^{βΩ} − 1))
M = sp.Symbol("M", positive=True)            #: number of colours (Maxwell–Boltzmann statistics: M → ∞)
U = sp.Symbol("U", positive=True)            #: on-site interaction strength
_c = sp.Symbol("c", positive=True)           # Fourier phase of the space (drops out)
_x, _y, _r = sp.symbols("x y r", real=True)


class _EvenReal(sp.Function):
    """A real, even function of one momentum: f(−q) = f(q) (canonicalized on creation)."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, arg):
        if arg.could_extract_minus_sign():
            return cls(-arg)


class Vhat(_EvenReal):
    """V̂(q) of a real, even pair potential: V̂(−q) = V̂(q) (canonicalized on creation), real."""


class Omega(_EvenReal):
    """Phonon dispersion Ω(q), real and even."""


class ghat(_EvenReal):
    """ĝ(q) of a real, even electron–phonon coupling g(x − x')."""


_ONE = Species("a", "fermion")   # labels only: the pairings are enumerated once, statistics enter through θ
ELECTRON = Species("e", "fermion")
PHONON = Species("b", "boson")


@dataclass(frozen=True)
class VertexTerm:
    """One term ∫Π dp (coefficient)·Π δ(deltas)·string of H_I(time) (coefficient holds μ's, N's, phases)."""

    coefficient: sp.Expr
    deltas: tuple
    string: OperatorString
    labels: tuple


def _phases(phases: dict, ops: list, labels: tuple, time) -> sp.Expr:
    """Product of the interaction-picture phases of ``ops`` (annihilators e^{−iω τ}, creators the conjugate)."""
    p = sp.Symbol("p", real=True)
    ph = sp.Integer(1)
    for op, lab in zip(ops, labels):
        one = phases[op.species].subs(tau, time).subs(p, lab)
        ph *= sp.conjugate(one) if op.is_creation else one
    ph = sp.powsimp(sp.expand(ph), combine="exp")
    if ph.has(sp.conjugate):
        raise DeriveError(f"could not conjugate the interaction-picture phases {phases}")
    return ph


def pair_vertex(labels: tuple, time: sp.Expr, phase: sp.Expr, transform=Vhat
                ) -> tuple[sp.Expr, list, OperatorString, Step]:
    """H_I(τ) = ½∫∫V(x−y)a*(x)a*(y)a(y)a(x) in momentum space, from a(x) = ∫μdp e^{icp·x}a(p).

    The x, y integrals are done by the conventions: with x = y + r, ∫dr V(r)e^{−icq·r} = V̂(q) (``transform``)
    and ∫dy e^{−icq·y} = Nδ(q). Returns ``(coefficient, [δ argument], string, Step)``: H_I(τ) is
    ∫(coefficient)·δ(argument)·a*(p₁)a*(p₂)a(p₄)a(p₃) dp₁…dp₄, the coefficient holding μ⁴, N, V̂ and the
    interaction-picture phases (annihilators ``phase``, creators its conjugate).
    """
    p1, p2, p3, p4 = labels
    # a*(x) → e^{−icp₁x}, a*(y) → e^{−icp₂y}, a(y) → e^{icp₄y}, a(x) → e^{icp₃x}
    exponent = sp.expand((sp.I * _c * (-p1 * _x - p2 * _y + p4 * _y + p3 * _x)).subs(_x, _y + _r))
    q_r = sp.expand(-exponent.coeff(_r) / (sp.I * _c))
    q_y = sp.expand(-exponent.coeff(_y) / (sp.I * _c))
    string = create(_ONE, p1) * create(_ONE, p2) * annihilate(_ONE, p4) * annihilate(_ONE, p3)
    ph = _phases({_ONE: phase}, list(string), (p1, p2, p4, p3), time)
    coefficient = sp.Rational(1, 2) * mu ** 4 * N * transform(q_r) * ph
    st = Step("pair_vertex", "Fourier transform of H_I = ½∫∫V(x−y)a*(x)a*(y)a(y)a(x): x = y + r, "
              "∫V(r)e^{−icq·r}dr = V̂(q), ∫e^{−icq·y}dy = Nδ(q); interaction-picture phases attached.",
              sp.Eq(sp.Function("H_I")(time), sp.Integral(coefficient * sp.DiracDelta(q_y) * sp.Symbol(str(string)),
                                                           *labels), evaluate=False), A.EXACT)
    return coefficient, [q_y], string, st


def energy_difference() -> sp.Expr:
    """Δ = ω(k) + ω(k₂) − ω(k₃) − ω(k₄) with k₄ = k + k₂ − k₃."""
    return omega(k) + omega(k2) - omega(k3) - omega(k + k2 - k3)


def swap_34(expr: sp.Expr) -> sp.Expr:
    """The relabelling k₃ ↔ k₄ (k₃ → k + k₂ − k₃; unit Jacobian), arguments re-expanded."""
    return sp.expand(expr.xreplace({k3: k + k2 - k3}))


def phonon_deltas() -> dict:
    """``{family: Δ}``: absorption Δ = ω(k+q) − ω(k) − Ω(q), emission Δ = ω(k+q) − ω(k) + Ω(q)."""
    return {"absorption": omega(k + q) - omega(k) - Omega(q), "emission": omega(k + q) - omega(k) + Omega(q)}


def _frequencies(omega_sum: sp.Expr, funcs: tuple) -> dict:
    """``{(function, argument): integer coefficient}`` of a sum of ±f(argument), f among ``funcs``."""
    out: dict = {}
    omega_sum = sp.expand(omega_sum)
    if omega_sum == 0:
        return out
    for term in sp.Add.make_args(omega_sum):
        c, rest = term.as_coeff_Mul()
        if not (isinstance(rest, sp.Function) and rest.func in funcs):
            raise DeriveError(f"phase is not a sum of dispersions: {omega_sum}")
        key = (rest.func, sp.expand(rest.args[0]))
        out[key] = out.get(key, 0) + c
    return {a: c for a, c in out.items() if c != 0}


def _split_phase(value: sp.Expr, t1: sp.Symbol, s: sp.Symbol, funcs: tuple) -> tuple[dict, sp.Expr]:
    """(t₁-frequency ``{(f, arg): c}``, value without its phase); checks the phase is a function of t₁ − s."""
    factors = sp.Mul.make_args(value)
    if any(isinstance(f, sp.Add) and f.has(sp.exp) for f in factors):
        raise DeriveError("the phase must be a factor of each pairing value")
    exps = [f for f in factors if isinstance(f, sp.exp)]
    expo = sp.expand(sum(f.args[0] for f in exps))
    rest = value / sp.Mul(*exps)
    freq_t1 = _frequencies(expo.coeff(t1) / sp.I, funcs)
    freq_s = _frequencies(expo.coeff(s) / sp.I, funcs)
    if sp.expand(expo - sp.I * t1 * sum(c * f(a) for (f, a), c in freq_t1.items())
                 - sp.I * s * sum(c * f(a) for (f, a), c in freq_s.items())) != 0:
        raise DeriveError(f"phase is not linear in t₁, s: {expo}")
    if freq_t1 != {a: -c for a, c in freq_s.items()}:
        raise DeriveError(f"phase is not a function of t₁ − s (stationarity fails): {expo}")
    return freq_t1, rest


class Interaction:
    """Interface of an interaction for :func:`derive.expansion.heisenberg.second_order_route` (see module doc)."""

    title: str = ""
    model_text: str = ""
    observable: Species = _ONE
    free_momenta: int = 1
    free_symbols: tuple = ()
    families: dict = {}
    wick_text: str = ""

    def occupations(self) -> dict:
        """``{species: (occupation function, θ)}``."""
        raise NotImplementedError

    def dispersions(self) -> dict:
        """``{species: dispersion function}`` (sympy function of one momentum)."""
        raise NotImplementedError

    def vertex(self, prefix: str, time, phases: dict) -> tuple[tuple, Step]:
        """The :class:`VertexTerm` s of H_I(time) with labels ``prefix1, prefix2, …`` and a recorded Step."""
        raise NotImplementedError

    def pattern_weights(self, blocks: dict, orderings: tuple) -> tuple[dict, int]:
        """``({pattern key: weight}, pairings visited)`` for the orderings of a nested commutator."""
        raise NotImplementedError

    def pattern_value(self, value: sp.Expr, key) -> sp.Expr:
        """Hook applied to each pattern's value after the δ-integration (default: unchanged)."""
        return value

    def canonical_labels(self, value: sp.Expr, free: list, t1, s) -> tuple:
        """``(family, σ, value without phase)``: free momenta relabelled so that the t₁-frequency is σΔ_family."""
        raise NotImplementedError

    def finalize(self, expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        """``(kept, discarded)`` after the family sums (colour limit, one-particle part); default keeps all."""
        return expr, sp.Integer(0)

    def symmetrize(self, family: str, expr: sp.Expr) -> sp.Expr:
        """Symmetrization of a family's S (a relabelling with unit Jacobian); default: none."""
        return sp.expand(expr)

    def drops_external(self, external: list) -> bool:
        """Whether a pattern whose left-over δ's are ``external`` (not δ(k − k')) is dropped (default: never).

        A cubic phonon vertex has patterns supported at k = k' = 0 (zero-mode displacement); see
        :mod:`derive.expansion.phonon_vertices`."""
        return False

    symmetrize_text: str = "no relabelling needed"
    finalize_text: str = ""
    step_texts: dict = {}         # interaction-specific wording of generic steps (name → description)


@dataclass(frozen=True)
class PairInteraction(Interaction):
    """½∫∫V a*a*aa for one species with statistics θ (``+1``, ``−1`` or the symbol θ); ``colours``: M → ∞ colours."""

    statistics: object = 1
    colours: bool = False

    def __post_init__(self):
        stat = sp.sympify(self.statistics)
        if stat not in (1, -1, theta):
            raise DeriveError(f"statistics θ must be +1, −1 or the symbol theta, got {self.statistics}")
        if not isinstance(self.colours, bool):
            raise DeriveError(f"colours is a bool, got {self.colours!r}")
        object.__setattr__(self, "statistics", stat)

    free_momenta = 2
    free_symbols = (k2, k3)
    step_texts = {
        "momentum_deltas": "Six of the seven momentum δ's integrated (unit coefficients; Lebesgue weight 1); the "
                           "seventh is Nδ(k − k') = the normalization of ⟨a*(k)a(k')⟩, divided out.",
        "canonical_labels": "Free momenta renamed (unimodular maps) so that every phase is e^{±i(t₁−s)Δ}, "
                            "Δ = ω(k)+ω(k₂)−ω(k₃)−ω(k₄), k₄ = k+k₂−k₃; zero-frequency terms cancel.",
        "finite_time": "Time-simplex integrals K_± = ∫₀^t dt₁∫₀^{t₁}ds e^{±i(t₁−s)Δ} (generic Δ ≠ 0): "
                       "W_t(k) − W_0(k) = ∫μ²dk₂dk₃ (S₊K₊ + S₋K₋) + O(λ³).",
        "time_factors": "Generic branch of the time integrals, and their t-derivatives (the rate form "
                        "d/dt W_t(k) = ∫μ²dk₂dk₃ Σ_σ S_σ dK_σ/dt, dK_σ/dt = ∫₀^t e^{iσuΔ}du).",
        "collision_kernel": "C[W](k) = ∫μ²dk₂dk₃ cδ(Δ) S(k, k₂, k₃), with S derived above (μN = 1).",
    }
    families = {"Delta": energy_difference()}
    symmetrize_text = ("k₃ ↔ k₄ (k₃ → k + k₂ − k₃, unit Jacobian) symmetrization: S₊ = S₋ = S, so "
                       "S₊K₊ + S₋K₋ = S·(K₊ + K₋) + ½(S₊ − S₋)(K₊ − K₋) with K₊ + K₋ = 2(1 − cos Δt)/Δ².")

    @property
    def title(self) -> str:
        return f"d/dt⟨n_k⟩ to second order in λ (θ = {self.statistics})"

    model_text = ("H = ∫μdk ω(k)a*(k)a(k) + λ·½∫∫V(x−y)a*(x)a*(y)a(y)a(x); initial state quasifree, "
                  "gauge- and translation-invariant: ⟨a*(k)a(k')⟩ = Nδ(k−k')W(k); i∂_tρ = [H, ρ].")

    @property
    def wick_text(self) -> str:
        return ("[B,[A,n]] = BAn − BnA − AnB + nAB (A = H_I(t₁), B = H_I(s)); each 10-operator string contracted by "
                "the quasifree Wick rule, pairing weight θ^{crossings}, ⟨a*a⟩ = NδW, ⟨aa*⟩ = Nδ(1+θW).")

    def occupations(self) -> dict:
        return {_ONE: (W, theta)}

    def dispersions(self) -> dict:
        return {_ONE: omega}

    def transform(self, arg):
        return Vhat(arg)

    def vertex(self, prefix, time, phases):
        labels = sp.symbols(f"{prefix}1:5", real=True)
        coef, deltas, string, st = pair_vertex(labels, time, phases[_ONE], self.transform)
        return (VertexTerm(coef, tuple(deltas), string, labels),), st

    def pattern_weights(self, blocks, orderings):
        return pattern_table(blocks, orderings, self.statistics)

    def pattern_value(self, value, key):
        value = value.xreplace({theta: self.statistics})
        if self.colours:
            value = value.replace(W, lambda arg: W(arg) / M) * M ** (_colour_loops(key) + 1)
        return value

    def canonical_labels(self, value, free, t1, s):
        freq, rest = _split_phase(value, t1, s, (omega,))
        freq = {a: c for (_, a), c in freq.items()}
        if not freq:
            return "Delta", 0, rest
        sigma = freq.get(k)
        if sigma not in (1, -1) or len(freq) != 4 or any(abs(c) != 1 for c in freq.values()):
            raise DeriveError(f"frequency {freq} is not of the form ±(ω(k) + ω₂ − ω₃ − ω₄)")
        plus = [a for a, c in freq.items() if c == sigma and a != k]
        minus = sorted((a for a, c in freq.items() if c == -sigma), key=sp.default_sort_key)
        u, v = free
        sol = sp.solve([plus[0] - k2, minus[0] - k3], [u, v], dict=True)
        jac = sp.Matrix([[sp.diff(e, x) for x in (u, v)] for e in (plus[0], minus[0])]).det()
        if len(sol) != 1 or abs(jac) != 1:
            raise DeriveError(f"relabelling {free} → (k₂, k₃) is not unimodular (Jacobian {jac})")
        sub = sol[0]
        if sp.expand(minus[1].xreplace(sub) - (k + k2 - k3)) != 0:
            raise DeriveError("momentum is not conserved by the relabelled frequency")
        return "Delta", sigma, sp.expand(rest.xreplace(sub))

    def finalize(self, expr):
        return (_colour_limit(expr) if self.colours else expr), sp.Integer(0)

    def symmetrize(self, family, expr):
        return sp.expand((expr + swap_34(expr)) / 2)


@dataclass(frozen=True)
class OnSiteInteraction(PairInteraction):
    """λ(U/2)Σ_x a*_x a*_x a_x a_x on ℤ^d: the pair vertex with V(x) = U δ_{x,0}, V̂ from the lattice transform."""

    @property
    def title(self) -> str:
        return f"d/dt⟨n_k⟩ to second order in λ, on-site lattice interaction (θ = {self.statistics})"

    model_text = ("H = Σ_k ω(k)a*(k)a(k) + λ·(U/2)Σ_x a*_x a*_x a_x a_x on ℤ^d = ½Σ_{x,y}V(x−y)a*_x a*_y a_y a_x with "
                  "V(x) = U δ_{x,0}; quasifree initial state ⟨a*(k)a(k')⟩ = δ(k−k')W(k) (k ∈ 𝕋^d).")

    def vertex(self, prefix, time, phases):
        terms, st = super().vertex(prefix, time, phases)
        st = Step("onsite_vertex", "On-site vertex (U/2)Σ_x a*_x a*_x a_x a_x = ½Σ_{x,y}V(x−y)a*_x a*_y a_y a_x with "
                  "V(x) = Uδ_{x,0}; lattice transform V̂(q) = Σ_r Uδ_{r,0}e^{−2πiqr} = U (sympy summation), "
                  "Σ_y e^{−2πiqy} = δ(q) on 𝕋^d; interaction-picture phases attached.", st.expr, A.EXACT)
        return terms, st

    def transform(self, arg):
        from derive.conventions import conventions_for
        r = sp.Symbol("r", integer=True)
        c = conventions_for("lattice", 1).phase
        return sp.summation(U * sp.KroneckerDelta(r, 0) * sp.exp(-sp.I * c * arg * r), (r, -sp.oo, sp.oo))


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


@dataclass(frozen=True)
class ElectronPhononInteraction(Interaction):
    """∫∫a*(x)a(x)g(x−x')(b(x') + b*(x'))dx dx': a fermion (``e``) linearly coupled to a boson field (``b``).

    The electron state is quasifree with occupation W (θ = −1); the phonons are quasifree with occupation
    Nb(q) (θ = +1). The one-electron equation is the part of the result linear in W (:meth:`finalize`).
    """

    free_momenta = 1
    free_symbols = (q,)
    families = phonon_deltas()
    title = "d/dt⟨n_k⟩ of an electron coupled to a phonon field, to second order in λ"
    model_text = ("H = ∫μdk ω(k)a*(k)a(k) + ∫μdq Ω(q)b*(q)b(q) + λ∫∫a*(x)a(x)g(x−x')(b(x') + b*(x'))dx dx', "
                  "g real and even; initial state a product of quasifree states: ⟨a*(k)a(k')⟩ = Nδ(k−k')W(k) "
                  "(electrons, fermions) and ⟨b*(q)b(q')⟩ = Nδ(q−q')Nb(q) (phonons, bosons); i∂_tρ = [H, ρ].")
    wick_text = ("[B,[A,n]] = BAn − BnA − AnB + nAB with A = H_I(t₁), B = H_I(s) each the sum of an absorption "
                 "(b) and an emission (b*) term; every 8-operator string contracted by the quasifree Wick rule "
                 "with the mixed-statistics sign (fermion crossings only), ⟨a*a⟩ = NδW, ⟨aa*⟩ = Nδ(1 − W), "
                 "⟨b*b⟩ = NδNb, ⟨bb*⟩ = Nδ(1 + Nb).")
    symmetrize_text = "No relabelling needed: S₊ = S₋ holds in each family as derived."
    finalize_text = ("One electron: the one-particle density matrix evolves linearly, so the equation is the part "
                     "of the quasifree result linear in W (a state of density εW, order ε); the W² (Pauli-blocking) "
                     "terms belong to the many-electron sector and are dropped.")

    observable = ELECTRON

    def occupations(self):
        return {ELECTRON: (W, -1), PHONON: (Nb, 1)}

    def dispersions(self):
        return {ELECTRON: omega, PHONON: Omega}

    def vertex(self, prefix, time, phases):
        terms = []
        p1, p2, p3 = labels = sp.symbols(f"{prefix}1:4", real=True)
        for creation in (False, True):
            # a*(x) → e^{−icp₁x}, a(x) → e^{icp₂x}, b(x') → e^{icp₃x'}, b*(x') → e^{−icp₃x'}; x' = x − r
            sign = -1 if creation else 1
            exponent = sp.expand((sp.I * _c * (-p1 * _x + p2 * _x + sign * p3 * _y)).subs(_y, _x - _r))
            q_r = sp.expand(-exponent.coeff(_r) / (sp.I * _c))
            q_x = sp.expand(-exponent.coeff(_x) / (sp.I * _c))
            ph_op = create(PHONON, p3) if creation else annihilate(PHONON, p3)
            string = create(ELECTRON, p1) * annihilate(ELECTRON, p2) * ph_op
            ph = _phases(phases, list(string), labels, time)
            coefficient = mu ** 3 * N * ghat(q_r) * ph
            terms.append(VertexTerm(coefficient, (q_x,), string, labels))
        st = Step("phonon_vertex", "Fourier transform of H_I = ∫∫a*(x)a(x)g(x−x')(b(x') + b*(x')): x' = x − r, "
                  "∫g(r)e^{−icq·r}dr = ĝ(q), ∫e^{−icq·x}dx = Nδ(q); absorption term a*(p₁)a(p₂)b(p₃) with "
                  "δ(p₁ − p₂ − p₃), emission term a*(p₁)a(p₂)b*(p₃) with δ(p₁ − p₂ + p₃); phases attached.",
                  sp.Eq(sp.Function("H_I")(time), sp.Add(*[sp.Integral(v.coefficient * sp.DiracDelta(v.deltas[0])
                                                                      * sp.Symbol(str(v.string)), *labels)
                                                          for v in terms]), evaluate=False), A.EXACT)
        return tuple(terms), st

    def pattern_weights(self, blocks, orderings):
        return signed_pattern_table(blocks, orderings)

    def canonical_labels(self, value, free, t1, s):
        freq, rest = _split_phase(value, t1, s, (omega, Omega))
        if not freq:
            return "absorption", 0, rest
        electron = {a: c for (f, a), c in freq.items() if f == omega}
        phonon = {a: c for (f, a), c in freq.items() if f == Omega}
        if not electron and set(phonon) == {sp.Integer(0)}:
            return "zero-momentum", phonon[sp.Integer(0)], rest   # forward (q = 0) terms: must cancel
        if electron.get(k) not in (1, -1) or len(electron) != 2 or len(phonon) != 1 or \
                any(abs(c) != 1 for c in (*electron.values(), *phonon.values())):
            raise DeriveError(f"frequency {freq} is not ±(ω(k) − ω(p)) ± Ω(r)")
        (u,) = free
        p = next(a for a in electron if a != k)
        sol = sp.solve(p - (k + q), u, dict=True)
        if len(sol) != 1 or abs(sp.diff(p, u)) != 1:
            raise DeriveError(f"relabelling {u} → q (p = k + q) is not unimodular")
        sub = sol[0]
        (r,), (rho,) = phonon.keys(), phonon.values()
        if sp.expand(r.xreplace(sub) - q) != 0 and sp.expand(r.xreplace(sub) + q) != 0:
            raise DeriveError(f"momentum is not conserved: phonon momentum {r.xreplace(sub)} ≠ ±q")
        sigma = electron[p]            # coefficient of ω(k+q) in the t₁-frequency
        family = "emission" if rho == sigma else "absorption"
        return family, sigma, sp.expand(rest.xreplace(sub))

    def finalize(self, expr):
        eps = sp.Symbol("epsilon_density", positive=True)
        scaled = sp.expand(expr.replace(W, lambda a: eps * W(a)))
        poly = sp.Poly(scaled, eps)
        if poly.degree() > 2 or poly.coeff_monomial(1) != 0:
            raise DeriveError(f"the electron density enters beyond order 2: {poly.degree()}")
        return sp.expand(poly.coeff_monomial(eps)), sp.expand(poly.coeff_monomial(eps ** 2))


def signed_pattern_table(blocks: dict, orderings: tuple) -> tuple[dict, int]:
    """``{key: Σ ± sign}`` over the orderings with the mixed-statistics Wick sign of each pairing
    (:func:`derive.algebra.wick.pattern_table` with ``stat=None``)."""
    return pattern_table(blocks, orderings, None)
