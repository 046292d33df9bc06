"""Creation and annihilation operators of bosonic and fermionic species, their (anti)commutators and normal order.

Conventions (``../shared/conventions.md``, "Many-body"): :math:`a(k) = \\int e^{-ik\\cdot x} a(x)\\,dx`, so

.. math:: [a(k), a^*(k')]_\\mp = N\\,\\delta(k - k'), \\qquad
          N = (2\\pi)^d \\text{ (continuum)}, \\quad N = 1 \\text{ (lattice } \\mathbb{T}^d),

with the commutator for bosons and the anticommutator for fermions; ``N`` is
``conventions_for(space, d).delta_normalization`` and is never typed here. Operators of different
species commute, except that two fermionic operators always anticommute (one Jordan–Wigner chain for all
fermion species); a fermion and a boson commute.

A momentum label is one sympy expression standing for the whole vector ``k ∈ ℝ^d`` (or 𝕋^d);
``δ(k − k')`` is then the d-dimensional δ, printed as ``DiracDelta(k - k')``. For finitely many discrete
modes (finite volume, numerical checks) :class:`DeltaKind.KRONECKER` uses ``KroneckerDelta(k, k')``.

Example
-------
>>> import sympy as sp
>>> e = Species("e", Statistics.FERMION)
>>> k, q = sp.symbols("k q", real=True)
>>> alg = OperatorAlgebra(space="continuum", dim=3)
>>> graded_commutator(annihilate(e, k), create(e, q), alg)
8*pi**3*DiracDelta(k - q)
>>> Species("e", "anyon")  # doctest: +IGNORE_EXCEPTION_DETAIL
... # Bad → fix: statistics is "boson" or "fermion"
Traceback (most recent call last):
...
derive.algebra.operators.WickError: unknown statistics 'anyon' of species 'e' (use 'boson' or 'fermion')
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sympy as sp

from derive.conventions import Space, conventions_for
from derive.errors import DeriveError

__all__ = [
    "WickError", "Statistics", "Species", "Operator", "Creation", "Annihilation", "create", "annihilate",
    "OperatorString", "DeltaKind", "OperatorAlgebra", "exchange_sign", "graded_commutator",
    "normal_order", "normal_order_expand",
]


class WickError(DeriveError):
    """Invalid operator-algebra or Wick-rule input (unknown species or statistics, odd string where a
    complete pairing is required, non-gauge-invariant state, non-operator factors)."""


class Statistics(str, Enum):
    """Exchange statistics; :attr:`theta` is the statistics parameter θ (+1 bosons, −1 fermions)."""

    BOSON = "boson"
    FERMION = "fermion"

    @property
    def theta(self) -> int:
        return 1 if self is Statistics.BOSON else -1


@dataclass(frozen=True)
class Species:
    """A particle species: a name and its statistics."""

    name: str
    statistics: Statistics

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise WickError(f"species name must be a non-empty string, got {self.name!r}")
        try:
            object.__setattr__(self, "statistics", Statistics(self.statistics))
        except ValueError:
            raise WickError(f"unknown statistics {self.statistics!r} of species {self.name!r} "
                            "(use 'boson' or 'fermion')") from None

    @property
    def is_fermion(self) -> bool:
        return self.statistics is Statistics.FERMION

    @property
    def theta(self) -> int:
        return self.statistics.theta


@dataclass(frozen=True)
class Operator:
    """A ladder operator of ``species`` at momentum ``momentum`` (a sympy expression).

    Use :class:`Creation` (:math:`a^*(k)`) or :class:`Annihilation` (:math:`a(k)`); the base class is abstract.
    Products ``x * y`` give an :class:`OperatorString`.
    """

    species: Species
    momentum: sp.Expr

    is_creation = False

    def __post_init__(self):
        if type(self) is Operator:
            raise WickError("Operator is abstract: use Creation or Annihilation")
        if not isinstance(self.species, Species):
            raise WickError(f"species must be a Species, got {self.species!r}")
        try:
            k = sp.sympify(self.momentum, strict=True)
        except (sp.SympifyError, TypeError):
            raise WickError(f"momentum label {self.momentum!r} is not a sympy expression") from None
        object.__setattr__(self, "momentum", k)

    @property
    def dagger(self) -> "Operator":
        """The adjoint: :math:`a(k)^* = a^*(k)` and back."""
        cls = Annihilation if self.is_creation else Creation
        return cls(self.species, self.momentum)

    @property
    def is_fermion(self) -> bool:
        return self.species.is_fermion

    def __mul__(self, other):
        return OperatorString((self,)) * other

    def __rmul__(self, other):
        return other * OperatorString((self,))

    def __str__(self):
        return f"{self.species.name}{'*' if self.is_creation else ''}({self.momentum})"


@dataclass(frozen=True)
class Creation(Operator):
    """Creation operator :math:`a_s^*(k)`."""

    is_creation = True


@dataclass(frozen=True)
class Annihilation(Operator):
    """Annihilation operator :math:`a_s(k)`."""

    is_creation = False


def create(species: Species, k) -> Creation:
    """:math:`a^*_s(k)`."""
    return Creation(species, k)


def annihilate(species: Species, k) -> Annihilation:
    """:math:`a_s(k)`."""
    return Annihilation(species, k)


@dataclass(frozen=True)
class OperatorString:
    """An ordered product of ladder operators (leftmost acts last), stored as a tuple."""

    ops: tuple = ()

    def __post_init__(self):
        ops = tuple(self.ops)
        for o in ops:
            if not isinstance(o, Operator):
                raise WickError(f"an operator string holds Creation/Annihilation operators only, got {o!r}")
        object.__setattr__(self, "ops", ops)

    def __mul__(self, other):
        if isinstance(other, Operator):
            return OperatorString(self.ops + (other,))
        if isinstance(other, OperatorString):
            return OperatorString(self.ops + other.ops)
        return NotImplemented

    def __len__(self):
        return len(self.ops)

    def __iter__(self):
        return iter(self.ops)

    def __getitem__(self, i):
        return self.ops[i]

    @property
    def dagger(self) -> "OperatorString":
        """:math:`(x_1\\cdots x_n)^* = x_n^*\\cdots x_1^*`."""
        return OperatorString(tuple(o.dagger for o in reversed(self.ops)))

    def __str__(self):
        return " ".join(str(o) for o in self.ops) or "1"


def as_string(x) -> OperatorString:
    """``x`` (an operator, a string, or a sequence of operators) as an :class:`OperatorString`."""
    if isinstance(x, OperatorString):
        return x
    if isinstance(x, Operator):
        return OperatorString((x,))
    if isinstance(x, (tuple, list)):
        return OperatorString(tuple(x))
    raise WickError(f"not an operator string: {x!r}")


class DeltaKind(str, Enum):
    """How ``δ(k − k')`` is written: ``DiracDelta(k − k')`` or, for discrete modes, ``KroneckerDelta(k, k')``."""

    DIRAC = "dirac"
    KRONECKER = "kronecker"


@dataclass(frozen=True, kw_only=True)
class OperatorAlgebra:
    """The canonical (anti)commutation relations of one space.

    Attributes
    ----------
    space, dim
        Configuration space (``"continuum"`` or ``"lattice"``) and dimension; give
        :math:`N` = ``conventions_for(space, dim).delta_normalization``.
    delta
        :attr:`DeltaKind.DIRAC` (default) or :attr:`DeltaKind.KRONECKER` for discrete modes, which requires the
        lattice normalization ``N = 1``.
    """

    space: Space = Space.LATTICE
    dim: int = 1
    delta: DeltaKind = DeltaKind.DIRAC

    def __post_init__(self):
        try:
            object.__setattr__(self, "space", Space(self.space))
            object.__setattr__(self, "delta", DeltaKind(self.delta))
        except ValueError as exc:
            raise WickError(str(exc)) from None
        if not isinstance(self.dim, int) or self.dim < 1:
            raise WickError(f"dimension must be a positive integer, got {self.dim!r}")
        if self.delta is DeltaKind.KRONECKER and self.space is not Space.LATTICE:
            raise WickError("Kronecker δ's (discrete modes) need space='lattice' (N = 1)")

    @property
    def normalization(self) -> sp.Expr:
        """:math:`N` in :math:`[a(k), a^*(k')]_\\mp = N\\delta(k-k')`, from :mod:`derive.conventions`."""
        return conventions_for(self.space, self.dim).delta_normalization

    def delta_function(self, k, kp) -> sp.Expr:
        """:math:`N\\,\\delta(k - k')`."""
        if self.delta is DeltaKind.KRONECKER:
            return self.normalization * sp.KroneckerDelta(k, kp)
        return self.normalization * sp.DiracDelta(k - kp)


def exchange_sign(x: Operator, y: Operator) -> int:
    """``−1`` if both operators are fermionic (they anticommute up to a c-number), else ``+1``."""
    return -1 if (x.is_fermion and y.is_fermion) else 1


def graded_commutator(x: Operator, y: Operator, algebra: OperatorAlgebra) -> sp.Expr:
    """The c-number :math:`xy - \\epsilon\\,yx` with :math:`\\epsilon` = :func:`exchange_sign`.

    .. math:: [a(k), a^*(k')]_\\mp = N\\delta(k-k'),\\quad [a^*(k), a(k')]_\\mp = \\mp N\\delta(k-k')
              \\text{ (fermions: } +N\\delta),

    and zero for two creators, two annihilators or two different species.
    """
    if not (isinstance(x, Operator) and isinstance(y, Operator)):
        raise WickError(f"graded_commutator needs two operators, got {x!r}, {y!r}")
    if x.species != y.species or x.is_creation == y.is_creation:
        return sp.Integer(0)
    d = algebra.delta_function(x.momentum, y.momentum)
    if not x.is_creation:  # [a, a*]_∓ = N δ
        return d
    # [a*, a]_∓ = a*a ∓ a a*: bosons −[a, a*] = −Nδ; fermions {a*, a} = Nδ
    return d if x.is_fermion else -d


def normal_order(string) -> tuple[int, OperatorString]:
    """The vacuum normal-order symbol :math:`{:}x_1\\cdots x_n{:}` = ``sign · (creators)(annihilators)``.

    Creators are moved to the left of all annihilators keeping their relative order (a stable sort);
    ``sign`` is the parity of the permutation restricted to fermionic operators.
    """
    ops = as_string(string).ops
    sign = 1
    fermionic_annihilators_seen = 0
    for o in ops:
        if o.is_creation:
            if o.is_fermion and fermionic_annihilators_seen % 2:
                sign = -sign
        elif o.is_fermion:
            fermionic_annihilators_seen += 1
    cre = tuple(o for o in ops if o.is_creation)
    ann = tuple(o for o in ops if not o.is_creation)
    return sign, OperatorString(cre + ann)


def normal_order_expand(string, algebra: OperatorAlgebra) -> dict:
    """Rewrite a product as a sum of vacuum-normal-ordered products with the (anti)commutation relations.

    Returns ``{OperatorString: coefficient}`` with every key normal ordered (creators left). The coefficient
    of the empty string is the vacuum expectation :math:`\\langle 0|x_1\\cdots x_n|0\\rangle`.
    """
    out: dict = {}
    stack = [(sp.Integer(1), as_string(string).ops)]
    while stack:
        c, ops = stack.pop()
        for i in range(len(ops) - 1):
            x, y = ops[i], ops[i + 1]
            if not x.is_creation and y.is_creation:  # x y = ε y x + [x, y]_∓
                swapped = ops[:i] + (y, x) + ops[i + 2:]
                stack.append((c * exchange_sign(x, y), swapped))
                comm = graded_commutator(x, y, algebra)
                if comm != 0:
                    stack.append((c * comm, ops[:i] + ops[i + 2:]))
                break
        else:
            key = OperatorString(ops)
            out[key] = out.get(key, sp.Integer(0)) + c
    return {k: v for k, v in out.items() if v != 0}
