"""The project's single home for 2π's, Fourier signs, measures, boundary values and scalings.

Every derivation and every kernel takes its conventions from here (see ``../shared/conventions.md``);
nothing else in the code base writes a ``2*pi`` that comes from a convention.

Summary (ħ = m = 1, weak coupling ``H = H₀ + λ H_I``):

* Continuum ℝ^d: :math:`\\hat f(k) = \\int e^{-ik\\cdot x} f(x)\\,dx`,
  :math:`f(x) = \\int e^{ik\\cdot x}\\hat f(k)\\,đk`, :math:`đk = dk/(2\\pi)^d`; ω(k) = |k|²/2.
* Lattice ℤ^d: :math:`\\hat f(k) = \\sum_x e^{-2\\pi i k\\cdot x} f(x)`, k ∈ 𝕋^d = [−½, ½)^d with
  Lebesgue measure; ω(k) = Σ_j (1 − cos 2πk_j); group velocity v = (2π)^{-1}∇ω.
* :math:`1/(x \\pm i0) = \\mathrm{PV}(1/x) \\mp i\\pi\\delta(x)`; resolvents are retarded (+i0).
* Kinetic scaling τ = λ² t, X = λ² x.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sympy as sp

__all__ = [
    "Space", "HBAR", "MASS", "SpaceConventions", "conventions_for", "momentum_symbols",
    "position_symbols", "dispersion", "group_velocity", "PrincipalValue", "boundary_value",
    "time_kernel", "time_kernel_mass", "kinetic_weight", "kinetic_scaling", "radial_fourier_transform",
    "periodized_spectrum", "conventions_markdown", "poisson_bracket", "lam", "t", "tau", "s",
]

HBAR = sp.Integer(1)
MASS = sp.Integer(1)

#: the coupling constant, microscopic time, kinetic time and a generic time-integration variable
lam = sp.Symbol("lambda", positive=True)
t = sp.Symbol("t", positive=True)
tau = sp.Symbol("tau", positive=True)
s = sp.Symbol("s", nonnegative=True)


class Space(str, Enum):
    """Configuration space of the one-particle model."""

    CONTINUUM = "continuum"
    LATTICE = "lattice"


@dataclass(frozen=True)
class SpaceConventions:
    """Fourier conventions of one space, as sympy constants.

    Attributes
    ----------
    space, dim
        Which space and its dimension.
    phase
        ``c`` in the Fourier kernel :math:`e^{-i c k\\cdot x}` (1 continuum, 2π lattice); also the factor
        in :math:`\\partial_x \\leftrightarrow i c\\,\\xi`.
    measure
        Density of the momentum measure with respect to Lebesgue ``dk``: :math:`(2\\pi)^{-d}` (đk) in
        the continuum, 1 on the torus.
    delta_normalization
        :math:`\\int e^{-i c q\\cdot x}dx` (or :math:`\\sum_x`) equals ``delta_normalization · δ(q)``:
        :math:`(2\\pi)^d` in the continuum, 1 on the lattice.
    momentum_domain
        ``(lo, hi)`` per component: (−∞, ∞) or [−½, ½).
    """

    space: Space
    dim: int
    phase: sp.Expr
    measure: sp.Expr
    delta_normalization: sp.Expr
    momentum_domain: tuple

    @property
    def measure_name(self) -> str:
        """``"đk"`` (continuum) or ``"dk"`` (torus)."""
        return "đk" if self.space is Space.CONTINUUM else "dk"

    @property
    def measure_latex(self) -> str:
        return r"đk = dk/(2\pi)^{%d}" % self.dim if self.space is Space.CONTINUUM else \
            r"dk \text{ (Lebesgue on } \mathbb{T}^{%d} = [-\tfrac12,\tfrac12)^{%d})" % (self.dim, self.dim)


def conventions_for(space: Space | str, dim: int) -> SpaceConventions:
    """The :class:`SpaceConventions` of ``space`` in dimension ``dim``."""
    space = Space(space)
    if space is Space.CONTINUUM:
        return SpaceConventions(space, dim, sp.Integer(1), (2 * sp.pi) ** (-dim), (2 * sp.pi) ** dim,
                                (-sp.oo, sp.oo))
    return SpaceConventions(space, dim, 2 * sp.pi, sp.Integer(1), sp.Integer(1),
                            (-sp.Rational(1, 2), sp.Rational(1, 2)))


def momentum_symbols(name: str, dim: int) -> tuple[sp.Symbol, ...]:
    """Real momentum components ``name_1 … name_d``."""
    return tuple(sp.Symbol(f"{name}_{j + 1}", real=True) for j in range(dim))


def position_symbols(name: str, dim: int) -> tuple[sp.Symbol, ...]:
    """Real position components ``name_1 … name_d``."""
    return momentum_symbols(name, dim)


def dispersion(space: Space | str, k: tuple[sp.Symbol, ...]) -> sp.Expr:
    """Dispersion relation ω(k) of H₀ = −½Δ in the project's conventions.

    .. math:: \\omega(k) = |k|^2/2 \\;(\\mathbb{R}^d), \\qquad
              \\omega(k) = \\sum_j (1 - \\cos 2\\pi k_j) \\;(\\mathbb{Z}^d).
    """
    space = Space(space)
    if space is Space.CONTINUUM:
        return sum(kj ** 2 for kj in k) / (2 * MASS)
    c = conventions_for(space, len(k)).phase
    return sum(1 - sp.cos(c * kj) for kj in k)


def group_velocity(space: Space | str, omega: sp.Expr, k: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, ...]:
    """Group velocity :math:`v = c^{-1}\\nabla\\omega` with ``c`` the Fourier phase (1 or 2π).

    The factor comes from :math:`\\partial_x \\leftrightarrow i c\\,\\xi` under the space's transform.
    """
    c = conventions_for(space, len(k)).phase
    return tuple(sp.simplify(sp.diff(omega, kj) / c) for kj in k)


class PrincipalValue(sp.Function):
    """Cauchy principal value distribution PV(1/x), kept unevaluated."""

    nargs = 1

    def _latex(self, printer):
        return r"\mathrm{PV}\frac{1}{%s}" % printer._print(self.args[0])


def boundary_value(x: sp.Expr, sign: int) -> sp.Expr:
    """Sokhotski–Plemelj: :math:`1/(x + i\\,\\mathrm{sign}\\,0) = \\mathrm{PV}(1/x) - i\\,\\mathrm{sign}\\,\\pi\\delta(x)`."""
    if sign not in (1, -1):
        raise ValueError("sign of i0 must be +1 or -1")
    return PrincipalValue(x) - sign * sp.I * sp.pi * sp.DiracDelta(x)


def time_kernel(delta: sp.Symbol, time: sp.Expr = t) -> sp.Expr:
    """:math:`|\\int_0^t e^{is\\Delta}ds|^2`, computed by sympy (not typed): :math:`2(1-\\cos\\Delta t)/\\Delta^2`."""
    amp = sp.integrate(sp.exp(sp.I * s * delta), (s, 0, time), conds="none")
    amp = sp.piecewise_fold(amp)
    if isinstance(amp, sp.Piecewise):  # generic Δ ≠ 0 branch
        amp = amp.args[-1][0] if amp.args[0][1] == sp.Eq(delta, 0) else amp.args[0][0]
    val = sp.simplify(sp.expand_complex(amp * sp.conjugate(amp)))
    return sp.simplify(sp.trigsimp(val))


def kinetic_weight(kernel: sp.Expr, delta: sp.Symbol, time: sp.Expr = t) -> sp.Expr:
    """Weight ``c`` in :math:`\\lambda^2 F(\\Delta, \\tau/\\lambda^2) \\to c\\,\\tau\\,\\delta(\\Delta)`.

    ``F`` is a non-negative approximate identity growing linearly in ``t``; ``c = ∫ F dΔ / t`` is computed
    by sympy. For :func:`time_kernel` the result is 2π.
    """
    total = sp.integrate(kernel, (delta, -sp.oo, sp.oo), conds="none")
    c = sp.simplify(total / time)
    if c.has(time) or c.has(delta):
        raise ValueError(f"kernel does not grow linearly in {time}: ∫F dΔ = {total}")
    return c


def time_kernel_mass(time: sp.Expr = t) -> sp.Expr:
    r""":math:`\int_{\mathbb{R}}|\int_0^t e^{is\Delta}ds|^2 d\Delta` by Parseval, through the conventions.

    Expanding the square, :math:`\int d\Delta\, e^{i(s-s')\Delta} = N_1\,\delta(s - s')` with
    :math:`N_1` the one-dimensional continuum δ-normalization (:math:`2\pi`), so the mass is
    :math:`N_1\int_0^t ds = 2\pi t`. (:func:`kinetic_weight` gets the same number by direct integration;
    the tests compare the two.)
    """
    n1 = conventions_for(Space.CONTINUUM, 1).delta_normalization
    return n1 * sp.integrate(sp.Integer(1), (s, 0, time))


def kinetic_scaling() -> dict:
    """Substitution of microscopic by kinetic variables: ``t → τ/λ²``."""
    return {t: tau / lam ** 2}


def radial_fourier_transform(f: sp.Expr, r: sp.Symbol, p: sp.Symbol, dim: int) -> sp.Expr:
    """Continuum transform of a radial function, :math:`\\hat f(p) = \\int_{\\mathbb{R}^d} e^{-ip\\cdot x} f(|x|)dx`.

    .. math:: d=1: 2\\int_0^\\infty\\cos(pr) f dr,\\quad d=2: 2\\pi\\int_0^\\infty r J_0(pr) f dr,\\quad
              d=3: \\frac{4\\pi}{p}\\int_0^\\infty r\\sin(pr) f dr.

    Returns the sympy result (possibly an unevaluated ``Integral`` if sympy cannot do it).
    """
    if dim == 1:
        integrand = 2 * sp.cos(p * r) * f
    elif dim == 2:
        integrand = 2 * sp.pi * r * sp.besselj(0, p * r) * f
    elif dim == 3:
        integrand = 4 * sp.pi * r * sp.sin(p * r) * f / p
    else:
        raise ValueError(f"dimension {dim} not supported")
    res = sp.integrate(integrand, (r, 0, sp.oo), conds="none")
    return sp.simplify(res)


def periodized_spectrum(continuum_spectrum: sp.Expr, p: tuple[sp.Symbol, ...], q_radial: sp.Symbol,
                        terms: int) -> sp.Expr:
    """Lattice spectrum of a continuum correlation sampled on ℤ^d (Poisson summation).

    .. math:: \\sum_{x\\in\\mathbb{Z}^d} \\vartheta(x) e^{-2\\pi i p\\cdot x}
              = \\sum_{m\\in\\mathbb{Z}^d} \\hat\\vartheta_{\\mathbb{R}^d}(2\\pi(p - m)),

    truncated to ``|m_j| ≤ terms``. ``continuum_spectrum`` is a function of ``q_radial`` = |q|.
    """
    c = conventions_for(Space.LATTICE, len(p)).phase
    import itertools
    total = sp.Integer(0)
    for m in itertools.product(range(-terms, terms + 1), repeat=len(p)):
        q2 = sum((c * (pj - mj)) ** 2 for pj, mj in zip(p, m))
        total += continuum_spectrum.subs(q_radial, sp.sqrt(q2))
    return total


def conventions_markdown(space: Space | str, dim: int) -> str:
    """The conventions of one model, as Markdown for an equation page."""
    cv = conventions_for(space, dim)
    if cv.space is Space.CONTINUUM:
        ft = r"$\hat f(k) = \int_{\mathbb{R}^%d} e^{-ik\cdot x} f(x)\,dx$, $f(x) = \int e^{ik\cdot x}\hat f(k)\,đk$" % dim
        om = r"$\omega(k) = |k|^2/2$, $v(k) = \nabla\omega(k) = k$"
    else:
        ft = (r"$\hat f(k) = \sum_{x\in\mathbb{Z}^%d} e^{-2\pi i k\cdot x} f(x)$, $k\in\mathbb{T}^%d=[-\frac12,\frac12)^%d$"
              % (dim, dim, dim))
        om = r"$\omega(k) = \sum_j (1-\cos 2\pi k_j)$, $v(k) = (2\pi)^{-1}\nabla\omega(k)$"
    return "\n".join([
        "- Units: ħ = 1, mass 1. Coupling H = H₀ + λV; kinetic time τ = λ²t, kinetic space X = λ²x.",
        f"- Fourier transform: {ft}.",
        f"- Momentum measure: ${cv.measure_latex}$.",
        f"- Dispersion: {om}.",
        r"- Random potential: $\mathbb{E}V = 0$, $\mathbb{E}V(x)V(y) = \vartheta(x-y)$, power spectrum "
        r"$R = \hat\vartheta$ (same transform), checked $\ge 0$.",
        r"- Boundary values: $1/(x\pm i0) = \mathrm{PV}(1/x) \mp i\pi\delta(x)$; resolvents retarded (+i0).",
        r"- Time kernel: $|\int_0^t e^{is\Delta}ds|^2 = 2(1-\cos\Delta t)/\Delta^2 \to 2\pi t\,\delta(\Delta)$.",
        r"- Energy shells: $\int g\,\delta(\omega - E)\,dk = \int_{\omega=E} g\,dS/|\nabla\omega|$ (co-area).",
    ])


def poisson_bracket(a: sp.Expr, b: sp.Expr, x, p) -> sp.Expr:
    r"""Poisson bracket of the conventions: :math:`\{a, b\} = \nabla_p a\cdot\nabla_x b - \nabla_x a\cdot\nabla_p b`,
    so that the Liouville equation reads ∂_t f + {H, f} = 0 (``x``, ``p``: a symbol or a sequence of symbols)."""
    xs = tuple(x) if isinstance(x, (list, tuple)) else (x,)
    ps = tuple(p) if isinstance(p, (list, tuple)) else (p,)
    return sum(sp.diff(a, pj) * sp.diff(b, xj) - sp.diff(a, xj) * sp.diff(b, pj) for xj, pj in zip(xs, ps))
