"""Momentum-space integral terms: products, complex conjugation, Gaussian pairing and δ-integration.

A :class:`Term` is :math:`\\int \\prod_j \\mu\\,dp_j \\int_{\\text{simplex}} \\prod ds\\; F`, with momentum
symbols standing for d-vectors (``k``, ``p1``, …), abstract functions ``omega`` (dispersion), ``Vhat``
(Fourier transform of the potential), ``R`` (power spectrum), ``psi0`` / ``psi0bar`` (initial amplitude
and its conjugate). The measure density ``μ`` of each momentum integral is carried in the integrand
(from :mod:`derive.conventions`).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.errors import DeriveError

__all__ = ["omega", "Vhat", "R", "psi0", "psi0bar", "W0", "Term", "conjugate_term", "multiply_terms",
           "gaussian_pairings", "gaussian_average", "integrate_deltas", "canonical_even", "as_wigner"]

omega = sp.Function("omega", real=True)
Vhat = sp.Function("Vhat")


class R(sp.Function):
    """Power spectrum R(q) of a real, even covariance: real and even, R(−q) = R(q) (canonicalized on creation)."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, arg):
        if arg.could_extract_minus_sign():
            return cls(-arg)


psi0 = sp.Function("psi0")
psi0bar = sp.Function("psi0bar")
W0 = sp.Function("W0")


def canonical_even(arg: sp.Expr) -> sp.Expr:
    """Representative of ``±arg`` for an even function (the sign sympy cannot extract is dropped)."""
    arg = sp.expand(arg)
    return -arg if arg.could_extract_minus_sign() else arg


@dataclass(frozen=True)
class Term:
    """An integral over momenta ``momenta`` and nested times ``times`` of ``integrand``.

    ``times`` is a tuple of ``(s, lower, upper)`` from outermost to innermost (upper limits may involve
    outer time variables), so the time domain is a simplex.
    """

    integrand: sp.Expr
    momenta: tuple = ()
    times: tuple = ()

    def as_integral(self) -> sp.Expr:
        """The term as a sympy ``Integral`` (for display)."""
        expr = self.integrand
        for (sv, lo, hi) in reversed(self.times):
            expr = sp.Integral(expr, (sv, lo, hi))
        for pv in reversed(self.momenta):
            expr = sp.Integral(expr, pv)
        return expr

    def subs(self, mapping: dict) -> "Term":
        return Term(self.integrand.subs(mapping), self.momenta,
                    tuple((sv, sp.sympify(lo).subs(mapping), sp.sympify(hi).subs(mapping))
                          for (sv, lo, hi) in self.times))


def _rename_dummies(term: Term, prefix_p: str, prefix_s: str) -> Term:
    """Rename integration variables to ``prefix_p1, …`` and ``prefix_s1, …`` (deterministic names; the two
    factors of a product get different prefixes, so they never clash)."""
    mapping = {}
    for i, pv in enumerate(term.momenta, 1):
        mapping[pv] = sp.Symbol(f"{prefix_p}{i}", real=True)
    for i, (sv, _, _) in enumerate(term.times, 1):
        mapping[sv] = sp.Symbol(f"{prefix_s}{i}", nonnegative=True)
    new = term.subs(mapping)
    return Term(new.integrand, tuple(mapping[p] for p in term.momenta),
                tuple((mapping[sv], lo, hi) for (sv, lo, hi) in new.times))


def conjugate_term(term: Term) -> Term:
    """Complex conjugate of a term, for a real potential: :math:`\\overline{\\hat V(a)} = \\hat V(-a)`."""
    conj = sp.conjugate(term.integrand)
    conj = conj.replace(lambda e: isinstance(e, sp.conjugate) and isinstance(e.args[0], sp.Function)
                        and e.args[0].func == Vhat, lambda e: Vhat(-e.args[0].args[0]))
    conj = conj.replace(lambda e: isinstance(e, sp.conjugate) and isinstance(e.args[0], sp.Function)
                        and e.args[0].func == psi0, lambda e: psi0bar(e.args[0].args[0]))
    if conj.has(sp.conjugate):
        raise DeriveError(f"could not conjugate {term.integrand}: leftover {conj.atoms(sp.conjugate)}")
    return Term(conj, term.momenta, term.times)


def multiply_terms(left: Term, right: Term) -> Term:
    """Product of two terms with their integration variables renamed apart."""
    a = _rename_dummies(left, "q", "u")
    b = _rename_dummies(right, "p", "s")
    return Term(sp.expand(a.integrand * b.integrand), a.momenta + b.momenta, a.times + b.times)


def gaussian_pairings(items: list) -> list[list[tuple]]:
    """All perfect matchings of ``items`` (Isserlis/Wick for a centred Gaussian); empty for odd length.

    The number of pairings of ``2n`` items is ``(2n − 1)!!``.
    """
    if len(items) % 2:
        return []
    if not items:
        return [[]]
    first, rest = items[0], items[1:]
    out = []
    for i, other in enumerate(rest):
        for sub in gaussian_pairings(rest[:i] + rest[i + 1:]):
            out.append([(first, other)] + sub)
    return out


def _vhat_factors(expr: sp.Expr) -> tuple[list[sp.Expr], sp.Expr]:
    """Split a monomial into its list of ``Vhat`` factors (with multiplicity) and the rest."""
    vs, rest = [], sp.Integer(1)
    for f in sp.Mul.make_args(expr):
        base, ex = f.as_base_exp()
        if isinstance(base, sp.Function) and base.func == Vhat:
            if not (ex.is_Integer and ex > 0):
                raise DeriveError(f"unexpected power of the potential: {f}")
            vs.extend([base] * int(ex))
        else:
            rest *= f
    return vs, rest


def gaussian_average(term: Term, delta_normalization: sp.Expr) -> Term:
    """Disorder average of a term by Gaussian pairing (real, centred, stationary potential).

    .. math:: \\mathbb{E}\\,\\hat V(a)\\hat V(b) = R(a)\\; N\\,\\delta(a + b),

    with ``N = delta_normalization`` from the conventions ((2π)^d continuum, 1 lattice); odd moments vanish.
    """
    total = sp.Integer(0)
    for mono in sp.Add.make_args(sp.expand(term.integrand)):
        vs, rest = _vhat_factors(mono)
        for pairing in gaussian_pairings(vs):
            factor = sp.Integer(1)
            for a, b in pairing:
                factor *= R(canonical_even(a.args[0])) * delta_normalization * \
                    sp.DiracDelta(canonical_even(a.args[0] + b.args[0]))
            total += rest * factor
    return Term(total, term.momenta, term.times)


def integrate_deltas(term: Term) -> Term:
    """Carry out every momentum integral fixed by a δ-function (unit coefficient in the δ argument).

    Each ``DiracDelta(arg)`` with ``arg`` linear in an integration momentum ``p`` with coefficient ±1 is
    removed together with the ``∫dp``: ``p`` is replaced by the root of ``arg`` (the δ's normalization
    against the Lebesgue ``dp`` is 1 for a unit coefficient). The term must be a single monomial.
    """
    integrand = term.integrand
    momenta = list(term.momenta)
    changed = True
    while changed:
        changed = False
        for d in sorted(integrand.atoms(sp.DiracDelta), key=sp.default_sort_key):
            arg = d.args[0]
            for pv in momenta:
                coeff = sp.expand(arg).coeff(pv)
                if coeff in (1, -1) and not sp.expand(arg - coeff * pv).has(pv):
                    root = sp.solve(arg, pv)[0]
                    integrand = (integrand / d).subs(pv, root)
                    momenta.remove(pv)
                    changed = True
                    break
            if changed:
                break
    return Term(sp.expand(integrand), tuple(momenta), term.times)


def as_wigner(expr: sp.Expr, k: sp.Symbol, xi: sp.Symbol) -> sp.Expr:
    """Replace :math:`\\psi_0(a)\\overline{\\psi_0}(a - \\xi)` by the initial Wigner function ``W0(a)`` at ``ξ``.

    Used after the collision part is isolated at ξ = 0, where
    :math:`\\mathbb{E}\\,\\hat\\psi_0(a)\\overline{\\hat\\psi_0(a)} = W_0(a)` (definition of W0).
    """
    out = sp.Integer(0)
    for mono in sp.Add.make_args(sp.expand(expr)):
        factors = list(sp.Mul.make_args(mono))
        amps = [f for f in factors if isinstance(f, sp.Function) and f.func == psi0]
        conj = [f for f in factors if isinstance(f, sp.Function) and f.func == psi0bar]
        if len(amps) != 1 or len(conj) != 1 or sp.simplify(amps[0].args[0] - conj[0].args[0]) != 0:
            raise DeriveError(f"term is not diagonal in the initial amplitudes: {mono}")
        rest = sp.Mul(*[f for f in factors if f not in (amps[0], conj[0])])
        out += rest * W0(amps[0].args[0])
    return out
