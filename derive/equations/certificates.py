"""Symbolic certificates of a derived linear collision operator C[W] = ∫σ(k,p)(W(p) − W(k)) μ dp.

Each check proves one structural property from the derived σ with sympy and returns a
:class:`Certificate`; a failure raises :class:`~derive.errors.CertificateFailed` with the reason, so no
caller can forget to look at the result.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from derive.errors import CertificateFailed
from derive.ir import KineticEquation

__all__ = ["Certificate", "check_symmetry", "check_positivity", "check_conservation", "check_equilibria",
           "check_h_theorem", "certify"]

_f = sp.Function("f")        # arbitrary observable of the energy
_g = sp.Function("g")        # arbitrary profile of a candidate stationary state
_dPhi = sp.Function("Phi'")  # derivative of a convex entropy density: non-decreasing
_W = sp.Function("W")
_E = sp.Symbol("E", real=True)
_S = sp.Symbol("S", real=True)


@dataclass(frozen=True)
class Certificate:
    """A proved property: its statement (LaTeX), the method, and the key identity that was verified."""

    name: str
    statement: str
    method: str
    identity: str

    def to_dict(self) -> dict:
        return {"name": self.name, "statement": self.statement, "method": self.method, "identity": self.identity,
                "holds": True}


def _swap(eq: KineticEquation) -> dict:
    return {**{a: b for a, b in zip(eq.k, eq.p)}, **{b: a for a, b in zip(eq.k, eq.p)}}


def _check_energy_shell(eq: KineticEquation) -> None:
    """The δ of σ must be the energy shell ±(ω(k) − ω(p)); otherwise no f(ω) is conserved by this argument."""
    omega_p = eq.omega.xreplace(dict(zip(eq.k, eq.p)))
    if sp.simplify(eq.shell - (eq.omega - omega_p)) != 0 and sp.simplify(eq.shell + (eq.omega - omega_p)) != 0:
        raise CertificateFailed(f"the δ of σ is δ({eq.shell}), not the energy shell δ(ω(k) − ω(p))")


def _on_shell(expr: sp.Expr, eq: KineticEquation) -> sp.Expr:
    """Evaluate ``expr`` on the support of δ(shell), after checking that the shell is ω(k) = ω(p)."""
    _check_energy_shell(eq)
    omega_p = eq.omega.subs(dict(zip(eq.k, eq.p)))
    return sp.simplify(expr.subs(omega_p, _E - _S).subs(eq.omega, _E).subs(_S, 0))


def check_symmetry(eq: KineticEquation) -> Certificate:
    """σ(k, p) = σ(p, k): the cofactor is symmetric and the shell argument antisymmetric (δ is even)."""
    sw = _swap(eq)
    cof = sp.simplify(eq.cofactor - eq.cofactor.xreplace(sw))
    shell = sp.simplify(eq.shell + eq.shell.xreplace(sw))
    if cof != 0 or shell != 0:
        raise CertificateFailed(f"σ is not symmetric: cofactor difference {cof}, shell sum {shell}")
    return Certificate("symmetry", r"\sigma(k,p) = \sigma(p,k)", "symbolic (sympy)",
                       r"c(k,p) - c(p,k) = 0,\; \delta(\omega(k)-\omega(p)) = \delta(\omega(p)-\omega(k))")


def check_positivity(eq: KineticEquation, spectrum_nonnegative: bool = True) -> Certificate:
    """σ ≥ 0: the cofactor is a positive multiple of the power spectrum, which the model checked is ≥ 0."""
    ratio = sp.simplify(eq.cofactor / eq.spectrum)
    if not (ratio.is_positive and spectrum_nonnegative):
        raise CertificateFailed(f"σ not shown non-negative: cofactor/R = {ratio}")
    return Certificate("positivity", r"\sigma(k,p) \ge 0", "symbolic: cofactor = c·R with c > 0; R ≥ 0 (Bochner, "
                       "checked on the model)", r"\sigma/ (R\,\delta) = %s > 0" % sp.latex(ratio))


def _symmetrized(eq: KineticEquation, integrand_factor) -> sp.Expr:
    """I(k,p) + I(p,k) for I = σ(k,p)·integrand_factor(k-side, p-side), with σ's symmetry used."""
    sw = _swap(eq)
    fac = integrand_factor(eq)
    return sp.expand(eq.cofactor * (fac + fac.xreplace(sw)))


def check_conservation(eq: KineticEquation) -> Certificate:
    """∫ f(ω(k)) C[W](k) μ dk = 0 for every f.

    Symmetrizing k ↔ p, the integrand becomes σ (f(ω(k)) − f(ω(p)))(W(p) − W(k)), whose middle factor
    vanishes on the support of δ(ω(k) − ω(p)).
    """
    check_symmetry(eq)  # the symmetrization below uses σ(k,p) = σ(p,k)
    Wk, Wp = _W(*eq.k), _W(*eq.p)
    omega_p = eq.omega.xreplace(dict(zip(eq.k, eq.p)))
    sym = _symmetrized(eq, lambda e: _f(e.omega) * (Wp - Wk))
    if _on_shell(sym, eq) != 0:
        raise CertificateFailed(f"∫f(ω)C[W] ≠ 0: symmetrized integrand on shell is {_on_shell(sym, eq)}")
    expected = sp.expand(eq.cofactor * (_f(eq.omega) - _f(omega_p)) * (Wp - Wk))
    if sp.simplify(sym - expected) != 0:
        raise CertificateFailed("symmetrized conservation integrand has an unexpected form")
    return Certificate("conservation", r"\int f(\omega(k))\,C[W](k)\,\mu(dk) = 0 \ \ \forall f",
                       "symbolic: k↔p symmetrization, then δ-support", sp.latex(sp.Eq(sp.Symbol("I+I^{swap}"),
                                                                                        expected, evaluate=False)))


def check_equilibria(eq: KineticEquation) -> Certificate:
    """C[g(ω)] = 0 for every profile g: each integrand σ(g(ω(p)) − g(ω(k))) vanishes on shell."""
    omega_p = eq.omega.xreplace(dict(zip(eq.k, eq.p)))
    integrand = eq.cofactor * (_g(omega_p) - _g(eq.omega))
    if _on_shell(integrand, eq) != 0:
        raise CertificateFailed("functions of ω are not stationary")
    return Certificate("equilibria", r"C[g\circ\omega] = 0 \ \ \forall g", "symbolic: δ-support",
                       r"\sigma\,(g(\omega(p)) - g(\omega(k)))\big|_{\omega(p)=\omega(k)} = 0")


def check_h_theorem(eq: KineticEquation) -> Certificate:
    """d/dτ ∫Φ(W) ≤ 0 for convex Φ: the symmetrized integrand is −σ(Φ'(W_p) − Φ'(W_k))(W_p − W_k) ≤ 0."""
    check_symmetry(eq)
    Wk, Wp = _W(*eq.k), _W(*eq.p)
    sym = _symmetrized(eq, lambda e: _dPhi(Wk) * (Wp - Wk))
    expected = -sp.expand(eq.cofactor * (_dPhi(Wp) - _dPhi(Wk)) * (Wp - Wk))
    if sp.simplify(sym - expected) != 0:
        raise CertificateFailed(f"entropy production integrand is {sym}, not of the monotone form")
    check_positivity(eq)
    return Certificate("h-theorem", r"\frac{d}{d\tau}\int\Phi(W)\,\mu(dk) \le 0 \ \ (\Phi \text{ convex})",
                       "symbolic: symmetrization; σ ≥ 0 and (a−b)(Φ'(a)−Φ'(b)) ≥ 0",
                       sp.latex(sp.Eq(sp.Symbol("I+I^{swap}"), expected, evaluate=False)))


def certify(eq: KineticEquation) -> list[Certificate]:
    """All certificates of a linear collision operator (raises on the first failure)."""
    return [check_symmetry(eq), check_positivity(eq), check_conservation(eq), check_equilibria(eq),
            check_h_theorem(eq)]
