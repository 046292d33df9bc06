"""Frozen intermediate representations passed between stages: Step, Derivation, KineticEquation."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

import sympy as sp

__all__ = ["Approximation", "Step", "Derivation", "KineticEquation"]


class Approximation(str, Enum):
    """What a derivation step does to the exact dynamics."""

    DEFINITION = "definition"          #: states the model or a definition
    EXACT = "exact identity"           #: an identity (algebra, Fourier, δ-integration)
    AVERAGE = "average"                #: expectation over the disorder / the state
    TRUNCATION = "truncation"          #: drops higher orders of a series
    KINETIC_LIMIT = "kinetic limit"    #: t = τ/λ², λ → 0
    RESUMMATION = "resummation"        #: sums a class of terms (ladders) to a semigroup
    SUBSTITUTION = "substitution"      #: inserts the concrete model (dispersion, spectrum)


@dataclass(frozen=True)
class Step:
    """One recorded step of a derivation.

    Attributes
    ----------
    name
        Short rule name (``"duhamel_expansion"``).
    description
        One or two sentences saying what the step does, in words.
    expr
        The sympy expression the step produces (an ``Eq`` or a plain expression).
    approximation
        What kind of step it is (:class:`Approximation`).
    discards
        What the step drops, by name (e.g. ``"crossing graphs"``, ``"principal value"``); empty for exact steps.
    """

    name: str
    description: str
    expr: sp.Basic
    approximation: Approximation
    discards: tuple[str, ...] = ()

    @property
    def latex(self) -> str:
        return sp.latex(self.expr)

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "approximation": self.approximation.value,
                "discards": list(self.discards), "latex": self.latex, "expr": sp.srepr(self.expr)}


@dataclass(frozen=True)
class Derivation:
    """An ordered tuple of :class:`Step` s; renders as text in a terminal and as LaTeX in a notebook."""

    title: str
    steps: tuple[Step, ...] = ()

    def then(self, step: Step) -> "Derivation":
        """A new derivation with ``step`` appended (derivations are immutable)."""
        return Derivation(self.title, self.steps + (step,))

    def step(self, name: str) -> Step:
        """The step called ``name``."""
        for st in self.steps:
            if st.name == name:
                return st
        raise KeyError(f"no step named {name!r}; steps are {[s.name for s in self.steps]}")

    def __str__(self) -> str:
        lines = [self.title]
        for i, st in enumerate(self.steps, 1):
            lines.append(f"{i:2d}. [{st.approximation.value}] {st.name}: {st.description}")
            lines.append("      " + sp.sstr(st.expr).replace("\n", " "))
            if st.discards:
                lines.append("      discards: " + "; ".join(st.discards))
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        rows = [r"\text{%s}" % self.title]
        for i, st in enumerate(self.steps, 1):
            rows.append(r"\text{%d. %s (%s)}:\quad %s" % (i, st.name.replace("_", r"\_"), st.approximation.value,
                                                           st.latex))
        return "$\\displaylines{" + r"\\ ".join(rows) + "}$"


@dataclass(frozen=True)
class KineticEquation:
    """A derived kinetic equation ∂_τ W + v·∇_X W = C[W] with its provenance.

    The collision operator is held in the form
    :math:`C[W](k) = \\int \\sigma(k,p)\\,(W(p) - W(k))\\,\\mu(dp)`,
    :math:`\\sigma(k,p) = \\text{cofactor}(k,p)\\;\\delta(\\text{shell})`, with ``μ`` the momentum measure of the
    conventions (``measure`` times Lebesgue). Every expression here was produced by the derivation; none
    is typed in.

    Attributes
    ----------
    name, model
        Catalogue name and the model's parameters (a plain dict: space, dim, correlation, …).
    k, p
        Momentum component symbols of the outgoing and incoming momenta.
    omega
        Dispersion ω(k) (in the ``k`` symbols).
    velocity
        Group velocity components (in the ``k`` symbols).
    cross_section
        σ(k, p) including its δ-function.
    cofactor, shell
        σ split as ``cofactor · DiracDelta(shell)``.
    spectrum
        Power spectrum R(k − p) as it appears in σ.
    measure
        Density of the momentum measure w.r.t. Lebesgue (``(2π)^{-d}`` or 1).
    collision, equation
        The collision operator C[W](k) and the full equation, as sympy objects.
    derivation
        The :class:`Derivation` that produced it.
    constants
        Derived constants by name (e.g. ``{"time-kernel weight": 2*pi}``).
    conventions
        Markdown statement of the conventions (from :mod:`derive.conventions`).
    values
        Numerical values of the model's symbols (σ², ℓ), substituted only by the numeric layer.
    """

    name: str
    model: dict
    k: tuple
    p: tuple
    omega: sp.Expr
    velocity: tuple
    cross_section: sp.Expr
    cofactor: sp.Expr
    shell: sp.Expr
    spectrum: sp.Expr
    measure: sp.Expr
    collision: sp.Basic
    equation: sp.Basic
    derivation: Derivation
    constants: dict = field(default_factory=dict)
    conventions: str = ""
    values: dict = field(default_factory=dict)

    @property
    def source_hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the equation's defining expressions: its provenance key."""
        text = "|".join(sp.srepr(x) for x in (self.omega, self.cross_section, self.measure, *self.velocity))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def parameters(self) -> dict:
        return dict(self.model)

    def __str__(self) -> str:
        return (f"{self.name} {self.model}\n  {sp.sstr(self.equation)}\n  sigma(k,p) = {sp.sstr(self.cross_section)}"
                f"\n  measure density = {self.measure}")

    def _repr_latex_(self) -> str:
        return "$\\displaylines{%s \\\\ \\sigma(k,p) = %s}$" % (sp.latex(self.equation), sp.latex(self.cross_section))
