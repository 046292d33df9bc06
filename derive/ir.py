"""Frozen intermediate representations passed between stages: Step, Derivation, KineticEquation."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

import sympy as sp

__all__ = ["Approximation", "Step", "Derivation", "KineticEquation", "DerivedEquation"]


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

    def markdown_lines(self, skip=()) -> list[str]:
        """The steps as Markdown (``### i. `name` — approximation``, description, ``$$ latex $$``, discards), the
        format of every generated equation page; steps named in ``skip`` are left out (numbering stays dense)."""
        lines: list[str] = []
        i = 0
        for st in self.steps:
            if st.name in skip:
                continue
            i += 1
            lines += [f"### {i}. `{st.name}` — {st.approximation.value}", "", st.description, "", f"$$ {st.latex} $$", ""]
            if st.discards:
                lines += ["Discards: " + "; ".join(st.discards) + ".", ""]
        return lines

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


@dataclass(frozen=True)
class DerivedEquation:
    """A derived equation that is not of the linear-Boltzmann form (rate equations, diffusion in energy,
    jump processes, …), with its provenance.

    Attributes
    ----------
    name, model
        Catalogue name and the model's parameters as given (a plain dict of strings / numbers).
    equation
        The limiting equation as a sympy object (an unevaluated ``Eq``).
    derivation
        The :class:`Derivation` that produced it (every step recorded).
    results
        Named derived objects (sympy expressions or matrices, e.g. ``{"rates": Matrix, "d(E)": expr}``);
        nothing in here is typed in.
    constants
        Derived constants by name (e.g. ``{"Lorentzian constant": 1/2}``).
    certificates
        The certificates that were proved (:class:`derive.equations.certificates.Certificate`).
    conventions
        Markdown statement of the conventions and scaling of this equation.
    data
        Numerical payload the kernels need (numpy arrays, callables); not part of the provenance hash.
    """

    name: str
    model: dict
    equation: sp.Basic
    derivation: Derivation
    results: dict = field(default_factory=dict)
    constants: dict = field(default_factory=dict)
    certificates: tuple = ()
    conventions: str = ""
    data: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def source_hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the equation and its derived results: its provenance key."""
        parts = [sp.srepr(self.equation)] + [f"{k}={sp.srepr(sp.sympify(v))}" for k, v in sorted(self.results.items())]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    @property
    def parameters(self) -> dict:
        return dict(self.model)

    def to_json(self, steps: bool = False) -> dict:
        """JSON-ready summary (sympy objects as strings and LaTeX)."""
        out = {"name": self.name, "model": {k: str(v) for k, v in self.model.items()},
               "equation": sp.sstr(self.equation), "equation_latex": sp.latex(self.equation),
               "results": {k: sp.sstr(v) for k, v in self.results.items()},
               "constants": {k: sp.sstr(v) for k, v in self.constants.items()},
               "certificates": [c.to_dict() for c in self.certificates], "source_hash": self.source_hash}
        if steps:
            out["steps"] = [{k: v for k, v in st.to_dict().items() if k != "expr"} for st in self.derivation.steps]
        return out

    def latex_lines(self) -> list[str]:
        return [sp.latex(self.equation)] + [r"\text{%s} = %s" % (k, sp.latex(v)) for k, v in self.results.items()]

    def __str__(self) -> str:
        lines = [f"{self.name} {self.model}", "  " + sp.sstr(self.equation)]
        lines += [f"  {k} = {sp.sstr(v)}" for k, v in self.results.items()]
        if self.certificates:
            lines.append("  certificates: " + ", ".join(c.name for c in self.certificates))
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        return "$\\displaylines{" + r"\\ ".join(self.latex_lines()) + "}$"
