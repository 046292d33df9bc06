"""Anharmonic-lattice (phonon) vertices for the second-order route of :mod:`derive.expansion.heisenberg`.

:class:`CubicPhononInteraction` — seed 004 §2 (iv), eqs. (2.8), (2.10) (errata: (2.10) multiplies over three
momenta), lattice conventions of ``../shared/conventions.md`` (k ∈ 𝕋^d, dk, [b(k), b*(k')] = δ(k − k'), ħ = 1):

.. math:: H = \\int dk\\,\\Omega(k)b^*(k)b(k) + \\lambda\\int dk_1dk_2dk_3\\,\\delta(k_1+k_2+k_3)\\,
          V_3(k_1,k_2,k_3)\\prod_{j=1}^3\\big(b(k_j) + b^*(-k_j)\\big),

δ modulo 1 (momentum is conserved only modulo the reciprocal lattice: Umklapp). V₃ is symmetric in its three
arguments (any vertex can be symmetrized, the product being symmetric), real and even,
V₃(−k₁, −k₂, −k₃) = V₃(k₁, k₂, k₃) — H is Hermitian iff V₃(−k)* = V₃(k), and a real V₃ must then be even.
Normalization: no 1/3! — e.g. Spohn's cubic springs (2.10) give V₃ = (1/3)Σ_xα(x)Π(2Ω_j)^{−1/2}(e^{2πik_j·x} − 1)
before symmetrization. The phonon state is thermal quasifree (Bose, θ = +1) with occupation W; the phonon
number is NOT conserved (b b b and b* b* b* terms, and 1 ↔ 2 terms).

Energy families of the derived result (free momentum q, unit-Jacobian relabellings):

* ``split``  Δ = Ω(k) − Ω(q) − Ω(k − q)   (k ↔ q + (k − q), one phonon splitting into two),
* ``merge``  Δ = Ω(k) + Ω(q) − Ω(k + q)   (k + q ↔ k + q, two phonons merging),
* ``triple`` Δ = Ω(k) + Ω(q) + Ω(k + q)   (three phonons created/annihilated together; δ(Δ) = 0 for Ω > 0).

Patterns through a zero-momentum phonon line (an intra-vertex contraction forces the third leg to momentum 0:
the displacement of the uniform mode) either leave a δ supported at k = k' = 0 (dropped, counted:
:meth:`CubicPhononInteraction.drops_external`) or have frequency ±Ω(0) and must cancel (the route checks).

Example
-------
>>> V3(k, -q, q - k) == V3(-k, q, k - q)
True
>>> sorted(CubicPhononInteraction().families)
['merge', 'split', 'triple']
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp

from derive.algebra.operators import annihilate, create
from derive.errors import DeriveError
from derive.expansion.vertices import (PHONON, N, Interaction, Omega, VertexTerm, W, _phases, _split_phase, k, mu, q,
                                       signed_pattern_table)
from derive.ir import Approximation as A
from derive.ir import Step

__all__ = ["V3", "CubicPhononInteraction", "cubic_phonon_deltas"]


class V3(sp.Function):
    """Symmetric, real, even cubic vertex V₃(k₁, k₂, k₃) (canonical argument order on creation)."""

    nargs = 3
    is_real = True

    @classmethod
    def eval(cls, a, b, c):
        args = tuple(sp.expand(x) for x in (a, b, c))
        plus = tuple(sorted(args, key=sp.default_sort_key))
        minus = tuple(sorted((sp.expand(-x) for x in args), key=sp.default_sort_key))
        best = min(plus, minus, key=lambda tup: sp.default_sort_key(sp.Tuple(*tup)))
        if best != (a, b, c):
            return cls(*best)
        return None


def cubic_phonon_deltas() -> dict:
    """``{family: Δ}`` of the cubic vertex (see the module docstring)."""
    return {"split": Omega(k) - Omega(q) - Omega(k - q), "merge": Omega(k) + Omega(q) - Omega(k + q),
            "triple": Omega(k) + Omega(q) + Omega(k + q)}


_PARTNER = {"split": (-1, -1, k), "merge": (1, -1, -k), "triple": (1, 1, -k)}   # (c₂/σ, c₃/σ, r₃ + εq = ±…)


@dataclass(frozen=True)
class CubicPhononInteraction(Interaction):
    """λ∫δ(k₁+k₂+k₃)V₃ Π(b(k_j) + b*(−k_j)) for bosons (``b``) in a thermal quasifree state (occupation W)."""

    title = "d/dt⟨n_k⟩ of an anharmonic lattice (cubic vertex) to second order in λ"
    model_text = ("H = ∫dk Ω(k)b*(k)b(k) + λ∫dk₁dk₂dk₃ δ(k₁+k₂+k₃) V₃(k₁,k₂,k₃) Π_j(b(k_j) + b*(−k_j)) on 𝕋^d "
                  "(δ mod 1), V₃ symmetric, real and even (Hermitian H); initial state quasifree, gauge- and "
                  "translation-invariant: ⟨b*(k)b(k')⟩ = δ(k−k')W(k), ⟨bb⟩ = ⟨b*b*⟩ = 0; phonon number not "
                  "conserved; i∂_tρ = [H, ρ].")
    wick_text = ("[B,[A,n]] = BAn − BnA − AnB + nAB with A = H_I(t₁), B = H_I(s) each the 8 strings of "
                 "Π(b + b*); every 8-operator string contracted by the bosonic quasifree Wick rule (intra-vertex "
                 "pairs included), ⟨b*b⟩ = NδW, ⟨bb*⟩ = Nδ(1 + W).")
    symmetrize_text = ("split: q ↔ k − q; triple: q ↔ −k − q (unit Jacobians; Δ invariant); merge: none. "
                       "Then S₊ = S₋ in every family, so S₊K₊ + S₋K₋ = S·(K₊ + K₋).")
    step_texts = {
        "momentum_deltas": "Five of the six momentum δ's integrated per pattern (unit coefficients); the last is "
                           "Nδ(k − k'), divided out. Patterns whose left-over δ's are supported at k = k' = 0 "
                           "(a zero-momentum line between two intra-vertex loops: uniform displacement) are "
                           "dropped — they do not enter C[W](k) for k ≠ 0.",
        "canonical_labels": "Free momentum renamed (u → ±q, unit Jacobian) so that every phase is e^{±i(t₁−s)Δ} "
                            "with Δ of the split (Ω(k) − Ω(q) − Ω(k−q)), merge (Ω(k) + Ω(q) − Ω(k+q)) or triple "
                            "(Ω(k) + Ω(q) + Ω(k+q)) family; ±Ω(0) (zero-mode) and zero-frequency terms cancel.",
        "collision_kernel": "C[W](k) = Σ_{split, merge, triple} ∫dq cδ(Δ_f) S_f(k, q), S_f derived above (μN = 1); "
                            "the triple family has Δ ≥ Ω(k) > 0 for an optical (Ω > 0) band and does not contribute.",
    }
    free_momenta = 1
    free_symbols = (q,)
    families = cubic_phonon_deltas()
    observable = PHONON

    def occupations(self):
        return {PHONON: (W, 1)}

    def dispersions(self):
        return {PHONON: Omega}

    def vertex(self, prefix, time, phases):
        labels = sp.symbols(f"{prefix}1:4", real=True)
        terms = []
        for choice in itertools.product((False, True), repeat=3):   # True: the b*(−k_j) half of the factor
            ops = [create(PHONON, -p) if dag else annihilate(PHONON, p) for p, dag in zip(labels, choice)]
            string = ops[0] * ops[1] * ops[2]
            ph = _phases(phases, list(string), tuple(o.momentum for o in string), time)
            coefficient = mu ** 3 * N * V3(*labels) * ph
            terms.append(VertexTerm(coefficient, (sp.Add(*labels),), string, labels))
        st = Step("cubic_phonon_vertex", "H₃ = ∫μ³dk₁dk₂dk₃ Nδ(k₁+k₂+k₃)V₃ Π_j(b(k_j) + b*(−k_j)) expanded into its "
                  "8 operator strings (order kept: no normal ordering, intra-vertex contractions are part of Wick's "
                  "rule); lattice: μ = N = 1; ring of L sites: μ = 1/L, N = L; phases attached.",
                  sp.Eq(sp.Function("H_I")(time), sp.Add(*[sp.Integral(v.coefficient * sp.DiracDelta(v.deltas[0])
                                                                      * sp.Symbol(str(v.string)), *labels)
                                                          for v in terms]), evaluate=False), A.EXACT)
        return tuple(terms), st

    def pattern_weights(self, blocks, orderings):
        return signed_pattern_table(blocks, orderings)

    def drops_external(self, external):
        """True iff every left-over δ vanishes at k = k' = 0 (a term supported on the zero mode only)."""
        from derive.expansion.vertices import kprime
        return all(sp.expand(e).xreplace({k: 0, kprime: 0}) == 0 for e in external) and len(external) >= 1

    def canonical_labels(self, value, free, t1, s):
        freq, rest = _split_phase(value, t1, s, (Omega,))
        freq = {a: c for (_, a), c in freq.items()}
        if not freq:
            return "split", 0, rest
        if sp.Integer(0) in freq:
            return ("zero-mode", tuple(sorted(freq.items(), key=sp.default_sort_key))), 1, rest
        sigma = freq.get(k)
        if sigma not in (1, -1) or len(freq) != 3 or any(abs(c) != 1 for c in freq.values()):
            raise DeriveError(f"frequency {freq} is not ±(Ω(k) ± Ω(p) ± Ω(p'))")
        others = sorted((a for a in freq if a != k), key=sp.default_sort_key)
        signs = tuple(sorted((freq[a] * sigma for a in others), reverse=True))
        family = {(-1, -1): "split", (1, -1): "merge", (1, 1): "triple"}[signs]
        if family == "merge":
            others = sorted(others, key=lambda a: -freq[a] * sigma)   # the +σ one is q
        (u,) = free
        first, second = others
        for eps in (1, -1):
            sol = sp.solve(first - eps * q, u, dict=True)
            if len(sol) != 1 or abs(sp.diff(first, u)) != 1:
                raise DeriveError(f"relabelling {u} → q is not unimodular")
            target = {"split": k - q, "merge": k + q, "triple": k + q}[family]
            moved = sp.expand(second.xreplace(sol[0]))
            if sp.expand(moved - target) == 0 or sp.expand(moved + target) == 0:
                return family, sigma, sp.expand(rest.xreplace(sol[0]))
        raise DeriveError(f"momentum is not conserved in the frequency {freq}")

    def symmetrize(self, family, expr):
        swap = {"split": {q: k - q}, "triple": {q: -k - q}}.get(family)
        if swap is None:
            return sp.expand(expr)
        return sp.expand((expr + expr.xreplace(swap)) / 2)
