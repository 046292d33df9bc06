"""Recipe: the three-phonon Boltzmann (Peierls) equation of an anharmonic lattice, derived from its Hamiltonian.

Seed 004 §2 (iv), eqs. (2.8)–(2.10) and §4 (Spohn; no collision operator or constant is printed there; errata
of ``../shared/seed-errata.md``: (2.10) multiplies over three momenta), lattice conventions of
``../shared/conventions.md``. The recipe states the model and calls the generic route
:func:`derive.expansion.heisenberg.second_order_route` with the vertex
:class:`derive.expansion.phonon_vertices.CubicPhononInteraction`; it types no collision formula. Pipeline::

    H = ∫Ω b*b + λ∫δ(k₁+k₂+k₃)V₃ Π(b + b*)   (𝕋^d, δ mod 1)
      → route (Dyson, bosonic Wick with intra-vertex pairs, zero-mode patterns, families split / merge / triple,
        time simplex, PV, kinetic limit)
      → certificates (energy, no number conservation, momentum mod 1, Bose–Einstein with μ = 0, H-theorem)
      → ∂_τW(k) = Σ_f ∫dq cδ(Δ_f)S_f(k, q).

Derived (not typed), with c = 2π the kinetic weight and F(a; b, c) = (1+W_a)W_bW_c − W_a(1+W_b)(1+W_c):
S_split = 18V₃²F(k; q, k−q), S_merge = −36V₃²F(k+q; k, q), S_triple = 18V₃²[(1+W)(1+W)(1+W) − WWW] (Δ_triple > 0
for Ω > 0: no contribution). The quantity ``collision`` (d = 1) sums S_f/|∂_qΔ_f| over the roots of Δ_f(k, ·)
on 𝕋 (bracketed on two grids, refined by Brent's method). :func:`ring_density_change` evaluates the
finite-time formula on a ring for the exact check (:mod:`kernels.exact.anharmonic`). The generated page
(``derive docs``): :func:`page_data` (quadrature table against :mod:`kernels.quadrature.phonon_reference`, exact
ring table, numerical certificate residuals), :func:`render_page`, :func:`recheck`.

Example
-------
>>> eq = derive(build_model({}))
>>> eq.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"]
2*pi
>>> build_model({"beta": "-1"})  # doctest: +IGNORE_EXCEPTION_DETAIL
... # Bad → fix: a positive inverse temperature, e.g. "1"
Traceback (most recent call last):
...
derive.errors.ParameterError: beta must be > 0 (inverse temperature), got -1
"""
from __future__ import annotations

import itertools
import json
import time as _time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.conventions import conventions_markdown, lam, t, tau
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, DeriveError, ParameterError, SingularPointError
from derive.expansion.heisenberg import Delta, SecondOrderRoute, second_order_route
from derive.expansion.phonon_vertices import V3, CubicPhononInteraction
from derive.expansion.vertices import N, Omega, W, k, mu, q
from derive.ir import Approximation as A
from derive.ir import DerivedEquation, Step
from derive.parsing import parse_expression, parse_number, parse_number_list

__all__ = ["PhononModel", "build_model", "phonon_route", "bose_occupation", "certify_phonon", "derive",
           "collision_value", "collision_moment", "ring_density_change", "evaluate", "ENTRY", "page_data",
           "render_page", "recheck", "quadrature_rows", "exact_rows", "certificate_residuals"]

FAMILIES = ("split", "merge", "triple")
beta_T = sp.Symbol("beta", positive=True)
k1, k2, k3 = sp.symbols("k1 k2 k3", real=True)
_a, _b = sp.symbols("a b", real=True)
_GRID = np.linspace(-0.5, 0.5, 257)


@dataclass(frozen=True)
class PhononModel:
    """One phonon band on 𝕋¹: dispersion Ω(k), symmetric real even vertex V₃(k₁,k₂,k₃), inverse temperature β,
    occupation W(k) for ``collision``."""

    dim: int
    dispersion: sp.Expr
    vertex: sp.Expr
    beta: float
    occupation: sp.Expr

    def to_dict(self) -> dict:
        return {"space": "lattice", "dim": self.dim, "Omega": str(self.dispersion), "V3": str(self.vertex),
                "beta": self.beta, "occupation": str(self.occupation)}


def _values(expr: sp.Expr, args: tuple, points: tuple, what: str) -> np.ndarray:
    try:
        vals = np.asarray(np.broadcast_to(sp.lambdify(args, expr, "numpy")(*[p.astype(complex) for p in points]),
                                          points[0].shape), dtype=complex)
    except Exception as exc:  # noqa: BLE001 — any failure of a user expression is a parameter error
        raise ParameterError(f"cannot evaluate {what} {expr}: {type(exc).__name__}") from None
    if not np.all(np.isfinite(vals)):
        raise ParameterError(f"{what} {expr} is not finite on the Brillouin zone")
    if np.max(np.abs(vals.imag)) > 1e-12 * max(1.0, np.max(np.abs(vals.real))):
        raise ParameterError(f"{what} {expr} is complex; a real {what} is required")
    return vals.real


def build_model(params: dict) -> PhononModel:
    """Validate ``dim`` (1), ``Omega`` Ω(k) (real, ≥ 0, even, 1-periodic), ``V3`` (real; symmetrized; even),
    ``beta`` (> 0) and ``occupation`` W(k) (may use ``Omega`` and ``beta``; real, ≥ 0, finite)."""
    if str(params.get("dim", "1")).strip() != "1":
        raise ParameterError(f"dim must be 1 (deterministic quadrature on the resonant set), got {params.get('dim')!r}")
    disp = parse_expression(str(params.get("Omega", "1 + 0.5*cos(2*pi*k)")), {"k": k}, "Omega")
    om = _values(disp, (k,), (_GRID,), "Omega")
    if np.min(om) < 0:
        raise ParameterError(f"Omega {disp} must be ≥ 0 (a phonon dispersion)")
    if np.max(np.abs(om - om[::-1])) > 1e-10 * max(1.0, np.max(om)) or abs(om[0] - om[-1]) > 1e-10 * max(1, om[0]):
        raise ParameterError(f"Omega {disp} must be even and 1-periodic on the torus")
    vraw = parse_expression(str(params.get("V3", "1")), {"k1": k1, "k2": k2, "k3": k3}, "V3")
    vertex = sp.Add(*[vraw.xreplace(dict(zip((k1, k2, k3), perm))) for perm in
                      itertools.permutations((k1, k2, k3))]) / 6       # symmetrized (the product Π(b + b*) is)
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(-0.5, 0.5, (2, 64))
    pts = (x1, x2, -x1 - x2)
    vv = _values(vertex, (k1, k2, k3), pts, "V3")
    mirrored = _values(vertex, (k1, k2, k3), tuple(-p for p in pts), "V3")
    if np.max(np.abs(vv - mirrored)) > 1e-10 * max(1.0, np.max(np.abs(vv))):
        raise ParameterError(f"V3 {vraw} must be even, V3(−k) = V3(k) (a real vertex of a Hermitian H)")
    beta = parse_number(params.get("beta", "1"), "beta")
    if not beta > 0:
        raise ParameterError(f"beta must be > 0 (inverse temperature), got {params.get('beta')}")
    omega_sym = sp.Symbol("Omega", real=True)
    occ = parse_expression(str(params.get("occupation", "1/(exp(beta*Omega) - 1) + 0.1*cos(2*pi*k)**2")),
                           {"k": k, "Omega": omega_sym, "beta": beta_T}, "occupation")
    occ = occ.subs({omega_sym: disp, beta_T: sp.nsimplify(beta)})
    if np.min(_values(occ, (k,), (_GRID[1:-1] + 1e-3,), "occupation")) < 0:
        raise ParameterError(f"occupation {occ} is negative somewhere on the torus")
    return PhononModel(1, disp, sp.simplify(vertex), beta, occ)


@lru_cache(maxsize=1)
def phonon_route() -> SecondOrderRoute:
    """The generic second-order route for :class:`CubicPhononInteraction` (cached)."""
    return second_order_route(CubicPhononInteraction())


def bose_occupation(x: sp.Expr = q, chemical: sp.Expr = 0) -> sp.Expr:
    """Bose–Einstein 1/(e^{β(Ω(x) − μ)} − 1) from the geometric sums of one mode (electron_phonon's derivation)."""
    from derive.catalogue.electron_phonon import thermal_occupation
    return thermal_occupation(x).subs(Omega(x), Omega(x) - chemical)


def _F(a, b, c):
    return (1 + W(a)) * W(b) * W(c) - W(a) * (1 + W(b)) * (1 + W(c))


def certify_phonon(kernels: dict, deltas: dict) -> list[Certificate]:
    """Certificates of the derived family integrands ``{family: S_f}``; failures raise CertificateFailed."""
    s_split, s_merge = sp.expand(kernels["split"]), sp.expand(kernels["merge"])
    certs = []
    # kernel symmetries: split under q ↔ k − q; merge folds onto split by (k, q) → (b, a − b)
    if sp.expand(s_split.xreplace({q: k - q}) - s_split) != 0:
        raise CertificateFailed("S_split is not symmetric under q ↔ k − q")
    fold = sp.expand(s_merge.xreplace({k: _b, q: _a - _b}) + 2 * s_split.xreplace({k: _a, q: _b}))
    dfold = sp.expand(deltas["merge"].xreplace({k: _b, q: _a - _b}) + deltas["split"].xreplace({k: _a, q: _b}))
    if fold != 0 or dfold != 0:
        raise CertificateFailed(f"merge does not fold onto −2·split: {fold}")
    certs.append(Certificate("kernel symmetries", r"S_{split}(k,q)=S_{split}(k,k-q),\ "
                             r"S_{merge}(b,a-b)=-2S_{split}(a,b),\ \Delta_{merge}(b,a-b)=-\Delta_{split}(a,b)",
                             "symbolic relabellings with unit Jacobian; V₃ symmetric and even", ""))
    # weak form: ∫φC = c∫∫δ(Δ_split(a,b)) S_split(a,b)[φ(a) − φ(b) − φ(a−b)] (+ triple, off-shell for Ω > 0)
    on_shell = {Omega(_a): Omega(_b) + Omega(_a - _b)}
    if sp.expand((Omega(_a) - Omega(_b) - Omega(_a - _b)).xreplace(on_shell)) != 0:
        raise CertificateFailed("energy is not conserved on the split shell")
    certs.append(Certificate("energy conservation", r"\int\Omega\,C[W]\,dk = 0",
                             "symbolic: weak form ∫φC = c∫∫δ(Δ)S_split[φ(a) − φ(b) − φ(a−b)], φ = Ω vanishes on "
                             "Δ = 0", ""))
    certs.append(Certificate("no number conservation", r"\int C[W]\,dk = -c\int\!\!\int\delta(\Delta)S_{split}\neq 0",
                             "weak form with φ = 1: 1 − 1 − 1 = −1; shown numerically by collision_moment", ""))
    certs.append(Certificate("quasi-momentum modulo 1", r"a - b - (a-b) \equiv 0 \bmod 1",
                             "momentum δ's are δ mod 1 (Umklapp); k ↦ k is not a function on 𝕋", ""))
    bose = sp.Lambda(sp.Symbol("x"), bose_occupation(sp.Symbol("x")))
    val = sp.simplify(sp.expand(s_split.xreplace({k: _a, q: _b}).replace(W, bose)).xreplace(
        {sp.exp(beta_T * Omega(_a)): sp.exp(beta_T * Omega(_b)) * sp.exp(beta_T * Omega(_a - _b))}))
    if val != 0:
        raise CertificateFailed(f"Bose–Einstein (μ = 0) is not stationary on the split shell: {val}")
    mu_chem = sp.Symbol("mu_chem", positive=True)
    bose_mu = sp.Lambda(sp.Symbol("x"), bose_occupation(sp.Symbol("x"), mu_chem))
    val_mu = sp.simplify(sp.expand(s_split.xreplace({k: _a, q: _b}).replace(W, bose_mu)).subs(
        Omega(_a), Omega(_b) + Omega(_a - _b)))
    if val_mu == 0:
        raise CertificateFailed("a chemical potential μ ≠ 0 is stationary: number would be conserved")
    certs.append(Certificate("Bose–Einstein with μ = 0", r"S_f[(e^{\beta\Omega}-1)^{-1}] = 0 \text{ on } \Delta_f = 0",
                             "symbolic; with μ ≠ 0 the split integrand does not vanish (no number conservation)",
                             ""))
    ratio = sp.simplify(s_split / _F(k, q, k - q))
    vsym = sp.Symbol("v", real=True)
    if ratio.has(W) or not sp.expand(ratio.replace(V3, lambda *a: vsym)).is_nonnegative:
        raise CertificateFailed(f"S_split is not a non-negative multiple of F: {ratio}")
    x = sp.Symbol("X", positive=True)
    w1, w2, w3 = sp.symbols("w1:4", positive=True)
    ident = (1 + w1) * w2 * w3 - w1 * (1 + w2) * (1 + w3) - w1 * (1 + w2) * (1 + w3) * (x - 1)
    if sp.simplify(ident.subs(x, (1 + w1) * w2 * w3 / (w1 * (1 + w2) * (1 + w3)))) != 0:
        raise CertificateFailed("F is not W_a(1+W_b)(1+W_c)(X − 1)")
    certs.append(Certificate("entropy production ≥ 0", r"\frac{d}{d\tau}\int s(W) = c\int\!\!\int\delta(\Delta)"
                             r"\,\kappa\,W_a(1+W_b)(1+W_c)(X-1)\log X \ge 0",
                             "symbolic: s(W) = (1+W)log(1+W) − W log W, φ = s'(W) = log((1+W)/W), "
                             f"S_split = κF with κ = {sp.sstr(ratio)} ≥ 0, F = W_a(1+W_b)(1+W_c)(X − 1), "
                             "φ(a) − φ(b) − φ(c) = log X", ""))
    return certs


def derive(model: PhononModel) -> DerivedEquation:
    """Derive ∂_τW = C[W] for ``model`` (see the module docstring); every constant comes from the route."""
    route = phonon_route()
    kernels = {f: route.families[f].kernel for f in FAMILIES}
    deltas = {f: route.families[f].delta for f in FAMILIES}
    certs = certify_phonon(kernels, deltas)
    collision = sum(sp.Integral(route.kinetic_weight * sp.DiracDelta(deltas[f]) * kernels[f], q) for f in FAMILIES)
    d = route.derivation.then(Step(
        "substitute_model", "Lattice 𝕋¹: μ = N = 1 (dk), momenta mod 1; Ω and the symmetrized V₃ of the model.",
        sp.Tuple(sp.Eq(sp.Symbol("Omega(k)"), model.dispersion), sp.Eq(sp.Symbol("V3(k1,k2,k3)"), model.vertex)),
        A.SUBSTITUTION))
    return DerivedEquation(
        name="phonon-boltzmann", model=model.to_dict(),
        equation=sp.Eq(sp.Derivative(W(k), tau), collision, evaluate=False), derivation=d,
        results={**{f"S {f}": kernels[f] for f in FAMILIES}, **{f"Delta {f}": deltas[f] for f in FAMILIES},
                 "collision": collision, "K+": route.time_factors[1], "K-": route.time_factors[-1]},
        constants={"kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))": route.kinetic_weight,
                   "split prefactor c·S_split/(V3²F)": sp.simplify(route.kinetic_weight * kernels["split"]
                                                                   / _F(k, q, k - q)).replace(V3, lambda *a: 1)},
        certificates=tuple(certs), conventions=conventions_markdown("lattice", 1),
        data={"counts": route.counts, "model": model, "route": route})


def _substitute(expr: sp.Expr, model: PhononModel, occupation: sp.Expr | None = None) -> sp.Expr:
    """Insert W (the model's occupation, or ``occupation``), Ω and V₃ of the model (arguments of W and V₃
    reduced to [−½, ½); Ω is checked 1-periodic)."""
    occ = model.occupation if occupation is None else occupation
    expr = expr.replace(W, lambda a: occ.subs(k, _wrap(a))).replace(Omega, lambda a: model.dispersion.subs(k, a))
    return expr.replace(V3, lambda a, b, c: model.vertex.xreplace({k1: _wrap(a), k2: _wrap(b), k3: _wrap(c)}))


def _wrap(arg: sp.Expr) -> sp.Expr:
    """The representative of a momentum in 𝕋 = [−½, ½) (W and V₃ are functions on the torus)."""
    return arg - sp.floor(arg + sp.Rational(1, 2))


def _numeric(expr: sp.Expr, model: PhononModel, occupation: sp.Expr | None = None):
    return sp.lambdify((k, q), _substitute(expr, model, occupation), "numpy")


def _family_functions(equation: DerivedEquation, occupation=None) -> list:
    model: PhononModel = equation.data["model"]
    c = equation.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"]
    out = []
    for f in FAMILIES:
        delta = equation.results[f"Delta {f}"]
        out.append((f, _numeric(delta, model), _numeric(sp.diff(_substitute(delta, model), q), model),
                    _numeric(c * equation.results[f"S {f}"], model, occupation)))
    return out


def _resonant_sum(funcs, kval: float, n_grid: int, strict: bool = True, with_count: bool = False):
    with np.errstate(divide="ignore", invalid="ignore"):       # kinks of Ω (acoustic, q = 0): infinite slopes
        return _resonant_sum_impl(funcs, kval, n_grid, strict, with_count)


def _resonant_sum_impl(funcs, kval: float, n_grid: int, strict: bool, with_count: bool):
    """Σ_f Σ_{roots q of Δ_f(k, ·) on 𝕋} c S_f/|∂_qΔ_f|.

    The critical points of Δ_f(k, ·) (roots of ∂_qΔ_f, bracketed on a grid of ``n_grid`` cells, Brent) cut the
    period into intervals where Δ_f is monotone; each sign change between consecutive cut points brackets
    exactly one root (so close root pairs near a threshold are not missed), refined by Brent's method.
    A root with |∂_qΔ| < 1e-12 (k at a threshold) raises :class:`SingularPointError` (``strict``) or is skipped
    (quadrature over k: a set of measure zero). ``with_count``: also return the number of roots.
    """
    from scipy.optimize import brentq
    start = -0.5 + 0.5 / (3 * n_grid)                  # offset: avoid critical points on the nodes
    grid = start + np.arange(n_grid + 1) / n_grid
    total, count = 0.0, 0
    for fam, delta, ddelta, kern in funcs:
        slope = np.broadcast_to(ddelta(kval, grid), grid.shape)
        cuts = [start]
        for i in np.flatnonzero(slope[:-1] * slope[1:] < 0):
            cuts.append(brentq(lambda x: float(np.nan_to_num(ddelta(kval, x))), grid[i], grid[i + 1], xtol=1e-15,
                               rtol=1e-15))                  # NaN: 0/0 exactly at a kink of Ω, a cut point
        cuts.append(start + 1.0)
        values = [float(delta(kval, x)) for x in cuts]
        for lo, hi, vlo, vhi in zip(cuts[:-1], cuts[1:], values[:-1], values[1:]):
            if vlo * vhi >= 0:
                continue
            root = brentq(lambda x: float(delta(kval, x)), lo, hi, xtol=1e-15, rtol=1e-15)
            count += 1
            if with_count:
                continue
            gradient = abs(float(ddelta(kval, root)))
            if not gradient >= 1e-12:                       # also NaN (a root exactly at a kink of Ω)
                if not strict:
                    continue
                raise SingularPointError(f"tangential resonance of the {fam} family at k = {kval}, q = {root}")
            total += float(kern(kval, root)) / gradient
    return (total, count) if with_count else total


def thresholds(funcs, n_k: int = 256, n_grid: int = 48) -> list[float]:
    """The k ∈ 𝕋 where the number of resonant roots changes (two roots born at a tangency: C[W] has a 1/√
    singularity there): root counts on a k-grid, each change located by 50 bisections."""
    ks = -0.5 + np.arange(n_k + 1) / n_k
    counts = [_resonant_sum(funcs, kv, n_grid, with_count=True)[1] for kv in ks]
    out = []
    for i in range(n_k):
        if counts[i] != counts[i + 1]:
            lo, hi = ks[i], ks[i + 1]
            for _ in range(50):
                mid = (lo + hi) / 2
                if _resonant_sum(funcs, mid, n_grid, with_count=True)[1] == counts[i]:
                    lo = mid
                else:
                    hi = mid
            out.append((lo + hi) / 2)
    return out


def collision_value(equation: DerivedEquation, kval: float, grids: tuple = (400, 1600), occupation=None):
    """C[W](k) on 𝕋¹ = Σ_f ∫dq cδ(Δ_f(k,q))S_f(k,q) = Σ_f Σ_roots cS_f/|∂_qΔ_f|; error: two bracketing grids."""
    from kernels.estimate import Estimate
    funcs = _family_functions(equation, occupation)
    coarse, fine = (_resonant_sum(funcs, kval, n) for n in grids)
    return Estimate(fine, abs(fine - coarse) + 1e-12 * max(1.0, abs(fine)), f"roots of Δ_f on grids {grids} + Brent",
                    n_eval=int(sum(grids)), dps=15)


def collision_moment(equation: DerivedEquation, weight, occupation=None, limit: int = 120):
    """∫_𝕋 φ(k)C[W](k) dk: C has integrable 1/√ singularities at the :func:`thresholds`; the torus is cut there
    and each piece integrated by adaptive Gauss–Kronrod with extrapolation (scipy ``quad``, QAGS, which handles
    algebraic endpoint singularities); error: the sum of the QAGS estimates."""
    import warnings

    from scipy.integrate import IntegrationWarning, quad

    from kernels.estimate import Estimate
    funcs = _family_functions(equation, occupation)
    count = [0]

    def integrand(kv):
        count[0] += 1
        return weight(kv) * _resonant_sum(funcs, kv, 48, strict=False)

    cuts = [-0.5, *thresholds(funcs), 0.5]
    pieces = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            if hi - lo > 1e-14:
                pieces.append(quad(integrand, lo, hi, limit=limit, epsabs=1e-12, epsrel=1e-10))
    value = sum(v for v, _ in pieces)
    return Estimate(value, sum(e for _, e in pieces) + 1e-14 * len(pieces), "QAGS in k of the root sums, split at "
                    f"the {len(cuts) - 2} thresholds (1/√ endpoint singularities)", n_eval=count[0], dps=15)


def ring_density_change(route: SecondOrderRoute, L: int, phonon_values, vertex_values, occupations, time: float,
                        coupling: float = 1.0) -> np.ndarray:
    """The finite-time formula on a ring of L sites: W_t(k) − W_0(k) = λ²Σ_fΣ_q μ(S₊K₊ + S₋K₋)(Δ_f), all k.

    Ring conventions: μ = 1/L, N = L, momenta mod L; arrays over 0 … L−1: Ω(k), W(k); ``vertex_values[k₁,k₂,k₃]``
    the symmetric V₃ of H₃ = L^{−1/2}Σ_{k₁+k₂+k₃≡0}V₃Π(b + b*). Near Δ = 0 the time factors come from their series.
    """
    om, occ = np.asarray(phonon_values, dtype=float), np.asarray(occupations, dtype=float)
    vv = np.asarray(vertex_values, dtype=float)
    kk, qq = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    idx = (lambda a: np.asarray(a, dtype=int) % L)
    modules = [{"OM": lambda a: om[idx(a)], "WW": lambda a: occ[idx(a)],
                "VV": lambda a, b, c: vv[idx(a), idx(b), idx(c)]}, "numpy"]

    def numeric(expr):
        expr = expr.subs({N: L, mu: sp.Rational(1, L), lam: coupling})
        for f, name in ((Omega, "OM"), (W, "WW"), (V3, "VV")):
            expr = expr.replace(f, sp.Function(name))
        return np.broadcast_to(sp.lambdify((k, q), expr, modules=modules)(kk, qq), kk.shape)

    total = np.zeros(kk.shape, dtype=complex)
    for family in route.families.values():
        delta = numeric(family.delta)
        for sg, coeff in family.finite_time.items():
            kern = route.time_factors[sg]
            generic = sp.lambdify((Delta, t), kern, "numpy")
            series = sp.lambdify((Delta, t), sp.series(kern, Delta, 0, 6).removeO(), "numpy")
            small = np.abs(delta * time) < 1e-2
            kval = np.where(small, series(delta, time), generic(np.where(small, 1.0, delta), time))
            total += numeric(coeff) * kval
    out = total.sum(axis=1)
    if np.max(np.abs(out.imag)) > 1e-10 * max(1.0, np.max(np.abs(out.real))):
        raise DeriveError(f"the finite-time formula is not real: {out}")
    return out.real


def evaluate(equation: DerivedEquation, quantity: str, at: dict):
    """``collision`` C[W](k) at ``at["k"]`` (one lattice momentum in [−½, ½))."""
    values = parse_number_list(at["k"], "--at k")
    if len(values) != 1:
        raise ParameterError(f"--at k takes one lattice momentum (dim = 1), got {len(values)}")
    return collision_value(equation, values[0])


def _entry():
    from derive.catalogue import CatalogueEntry
    return CatalogueEntry(
        name="phonon-boltzmann",
        summary="Three-phonon (Peierls) Boltzmann equation of an anharmonic lattice: 1 ↔ 2 splitting and merging, "
                "derived from the cubic anharmonic Hamiltonian",
        source="seed 004 §2 (iv), eqs. (2.8)–(2.10) (Spohn; errata applied); collision operator and constant derived",
        parameters={"dim": "1", "Omega": "1 + 0.5*cos(2*pi*k)", "V3": "1", "beta": "1",
                    "occupation": "1/(exp(beta*Omega) - 1) + 0.1*cos(2*pi*k)**2"},
        quantities=("collision",), build_model=build_model, derive=derive, evaluate=evaluate, at_keys=("k",))


ENTRY = _entry()


# ------------------------------------------------------------------------------------------- generated page
#: quadrature-table cases: (label, parameters, momenta k); k = 0.25 lies in the gap between the split
#: thresholds (k ≈ ±0.19) and the merge thresholds (k ≈ ±0.31), where neither family resonates
QUADRATURE_CASES = (
    ("V3 = 1", {"V3": "1"}, (0.05, 0.13, -0.17, 0.25, 0.36, 0.45)),
    ("cosine V3", {"V3": "1 + 0.3*(cos(2*pi*k1) + cos(2*pi*k2) + cos(2*pi*k3))"}, (0.05, 0.13, -0.17, 0.25, 0.36,
                                                                                   0.45)),
)
#: the ring of the exact check (same model as tests/test_phonon_boltzmann.py); weights c_k = (2Ω_k)^{−1/2}
RING_PARAMETERS = {"L": 3, "phonon": (1.3, 0.9, 0.9), "occupations": (0.12, 0.08, 0.15), "alpha": 0.7,
                   "beta": 0.3, "cutoff": 14}
#: (λ used in the Richardson extrapolation, time t) of the exact check
RING_RUN = (0.0015, 1.7)
_KEY = "kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"


@lru_cache(maxsize=8)
def _derived(params_key: str) -> DerivedEquation:
    """The derived equation for JSON-encoded parameters (cached: the page code derives the same few models)."""
    return derive(build_model(json.loads(params_key)))


def _key(params: dict) -> str:
    return json.dumps(params, sort_keys=True)


def _mp_callables(model: PhononModel) -> tuple:
    """(V₃(k₁, k₂, k₃), W(k)) of the model as mpmath callables (the input functions, nothing derived)."""
    return (sp.lambdify((k1, k2, k3), model.vertex, "mpmath"), sp.lambdify(k, model.occupation, "mpmath"))


def _band_coefficients(model: PhononModel) -> tuple[str, str]:
    """(a, b) of Ω = a + b cos 2πk, read off the model's dispersion (the reference needs this band)."""
    cos = sp.cos(2 * sp.pi * k)
    b = sp.expand(model.dispersion).coeff(cos)
    a = sp.simplify(model.dispersion - b * cos)
    if a.free_symbols or b.free_symbols or b == 0:
        raise ParameterError(f"the quadrature reference needs Omega = a + b*cos(2*pi*k), got {model.dispersion}")
    return str(sp.nsimplify(a)), str(sp.nsimplify(b))


def quadrature_rows(cases=QUADRATURE_CASES, progress: bool = False) -> list[dict]:
    """Kernel C[W](k) (:func:`collision_value`) against the 30-digit closed-form-root reference of
    :mod:`kernels.quadrature.phonon_reference` (relative coordinate y, sum-to-product factorization)."""
    from kernels.quadrature.phonon_reference import reference_phonon_collision
    rows = []
    for label, params, momenta in cases:
        eq = _derived(_key(params))
        model: PhononModel = eq.data["model"]
        vertex, occupation = _mp_callables(model)
        a, b = _band_coefficients(model)
        for kv in momenta:
            est = collision_value(eq, kv)
            ref = reference_phonon_collision(kv, vertex, occupation, a, b)
            diff = abs(float(est.value) - float(ref.value))
            rows.append({"case": label, "params": dict(params), "k": kv, "kernel": float(est.value),
                         "kernel_error": float(est.error), "reference": float(ref.value),
                         "reference_error": float(ref.error),
                         "rel_diff": diff / abs(float(ref.value)) if ref.value else diff,
                         "inside": bool(diff <= float(est.error) + float(ref.error))})
            if progress:
                print(f"  {label} k = {kv}: rel. diff {rows[-1]['rel_diff']:.2e}")
    return rows


def _ring():
    from kernels.exact.anharmonic import AnharmonicRing
    om = np.asarray(RING_PARAMETERS["phonon"], dtype=float)
    return AnharmonicRing(**{**RING_PARAMETERS, "weights": tuple(1 / np.sqrt(2 * om))})


def exact_rows(run=RING_RUN, progress: bool = False) -> dict:
    """λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0 from the exact anharmonic ring vs the derived finite-time formula
    (:func:`ring_density_change`) at k = 1, 2, as in tests/test_phonon_boltzmann.py; the zero mode k = 0 is
    reported separately (it also receives the zero-mode patterns the route drops)."""
    from kernels.exact.anharmonic import phonon_second_order_coefficient, vertex_hat
    ring = _ring()
    lam_used, time = run
    est = phonon_second_order_coefficient(ring, time, coupling=lam_used)
    pred = ring_density_change(phonon_route(), ring.L, ring.phonon, vertex_hat(ring), ring.occupations, time)
    exact, error = np.asarray(est.value, dtype=float), np.asarray(est.error, dtype=float)
    scale = float(np.max(np.abs(exact[1:])))
    rows = [{"lambda": lam_used, "t": time, "k_index": i, "exact": float(exact[i]), "formula": float(pred[i]),
             "rel_diff": float(abs(pred[i] - exact[i]) / scale), "error": float(error[i]),
             "within_error": bool(abs(pred[i] - exact[i]) <= error[i])} for i in range(1, ring.L)]
    if progress:
        for r in rows:
            print(f"  ring k = {r['k_index']}: rel. diff {r['rel_diff']:.2e}")
    return {"rows": rows, "zero_mode": {"exact": float(exact[0]), "formula": float(pred[0]),
                                        "error": float(error[0])}}


def _moment_row(name: str, test: str, est, expected: str) -> dict:
    return {"certificate": name, "test": test, "residual": float(est.value), "error": float(est.error),
            "expected": expected}


def certificate_residuals() -> list[dict]:
    """The certificates evaluated numerically on the default model (weak forms by :func:`collision_moment`) and
    the Bose–Einstein states with μ = 0 and μ ≠ 0 (β = 0.7, pointwise :func:`collision_value`)."""
    eq = _derived(_key({}))
    model: PhononModel = eq.data["model"]
    omega_np = sp.lambdify(k, model.dispersion, "numpy")
    occ = sp.lambdify(k, model.occupation, "numpy")
    rows = [_moment_row("energy conservation", "∫Ω(k)C[W](k)dk, default model", collision_moment(eq, omega_np),
                        "0 (≤ 1e-9)"),
            _moment_row("no number conservation", "∫C[W](k)dk, default model",
                        collision_moment(eq, lambda x: 1.0), "≠ 0"),
            _moment_row("entropy production ≥ 0", "∫log((1+W)/W)C[W]dk = d/dτ∫s(W), default model",
                        collision_moment(eq, lambda x: np.log((1 + occ(x)) / occ(x))), "> 0")]
    momenta = (0.05, -0.13, 0.41)
    for label, occupation, expected in (("μ = 0", "1/(exp(beta*Omega) - 1)", "0 (≤ 1e-12)"),
                                        ("μ = 0.2/β", "1/(exp(beta*Omega - 0.2) - 1)", "≠ 0")):
        eq_be = _derived(_key({"occupation": occupation, "beta": "0.7"}))
        values = [collision_value(eq_be, kv) for kv in momenta]
        pick = max if label == "μ = 0" else min
        best = pick(values, key=lambda e: abs(float(e.value)))
        rows.append({"certificate": "Bose–Einstein with μ = 0",
                     "test": f"{'max' if pick is max else 'min'} |C[W]| at k = {', '.join(map(str, momenta))}, "
                             f"W = Bose–Einstein {label}, β = 0.7",
                     "residual": abs(float(best.value)), "error": float(best.error), "expected": expected})
    return rows


def page_data(progress: bool = False) -> dict:
    """Quadrature table, exact-ring table and numerical certificate residuals (JSON-serializable, ~20 s)."""
    t0 = _time.time()
    out = {"name": "phonon-boltzmann",
           "generated_by": "derive docs --refresh (derive.catalogue.phonon_boltzmann.page_data)",
           "quadrature": quadrature_rows(progress=progress),
           "ring": {k_: list(v) if isinstance(v, tuple) else v for k_, v in RING_PARAMETERS.items()},
           "exact": exact_rows(progress=progress), "certificate_residuals": certificate_residuals()}
    out["seconds"] = round(_time.time() - t0, 1)
    return json.loads(json.dumps(out))


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}e}"


def _cell(text: str) -> str:
    """A Markdown table cell: literal pipes (|C|, |∂Δ|) escaped."""
    return str(text).replace("|", "\\|")




def render_page(data: dict) -> str:
    """The Markdown page (deterministic; re-derives the default model live, a few seconds)."""
    eq = _derived(_key({}))
    L = ["# Three-phonon (Peierls) Boltzmann equation", "",
         "_Generated by `derive docs` from the derivation — do not edit._", "",
         f"Source: {ENTRY.source}. Parameters (defaults): "
         + ", ".join(f"`{k_}={v}`" for k_, v in ENTRY.parameters.items()) + ".", "",
         "## Model and scaling", "",
         r"$$ H = \int_{\mathbb T}\Omega(k)b^*_kb_k\,dk + \lambda\iiint_{\mathbb T^3}\delta(k_1+k_2+k_3)"
         r"V_3(k_1,k_2,k_3)\prod_{j=1}^{3}(b_{k_j} + b^*_{-k_j})\,dk_1\,dk_2\,dk_3 $$", "",
         "One phonon band on the lattice 𝕋¹ (momenta and δ's modulo 1, Umklapp included), dispersion Ω(k) even and "
         "> 0 (optical), V₃ real, symmetric and even (the cubic anharmonicity of the lattice Hamiltonian). The "
         "initial state is quasifree, translation invariant and gauge invariant, ⟨b*_k b_k'⟩ = δ(k − k')W(k); weak "
         "anharmonicity λ on the kinetic time scale t = τ/λ², λ → 0. The phonon occupation W(k) obeys a nonlinear "
         "Boltzmann equation with 1 ↔ 2 splitting and merging; the phonon number is not conserved.", "",
         "## Conventions", "", eq.conventions, "",
         "## Derivation", ""]
    L += eq.derivation.markdown_lines()
    c = eq.constants[_KEY]
    L += ["## Derived equation and constants", "", f"$$ {sp.latex(eq.equation)} $$", ""]
    for fam in FAMILIES:
        L.append(f"- Delta {fam}: ${sp.latex(eq.results[f'Delta {fam}'])}$")
        L.append(f"- S {fam}: ${sp.latex(eq.results[f'S {fam}'])}$")
    for key, val in eq.constants.items():
        L.append(f"- {key}: ${sp.latex(val)}$")
    L += ["",
          f"With F(a; b, c) = (1+W_a)W_bW_c − W_a(1+W_b)(1+W_c) the derived prefactor of the splitting term is "
          f"c·18V₃² = ${sp.latex(eq.constants['split prefactor c·S_split/(V3²F)'])}\\,V_3^2$ (c = ${sp.latex(c)}$ "
          "from the time integral; 18V₃² = ½|3!V₃|², the square of the matrix element 3!V₃ of the symmetric cubic "
          "vertex, halved because the two outgoing phonons q and k − q are indistinguishable — the route obtains "
          "it by counting Wick pairings, the tests compare it with this golden-rule count); the merging term "
          "carries twice that, "
          "−36V₃²F(k+q; k, q). Three energy families come out of the route: split (k → q + (k−q)), merge "
          "(k + q → k+q) and triple (three phonons created or annihilated together, Δ = Ω(k) + Ω(q) + Ω(k+q)). "
          "For an optical band Ω > 0 the triple Δ is ≥ 3 min Ω > 0, so δ(Δ_triple) = 0 and the triple family "
          "drops out of the kinetic equation (it stays in the finite-time formula, where the exact check below "
          "needs it).", "",
          "## Certificates", "", "| certificate | statement | method |", "|---|---|---|"]
    for cert in eq.certificates:
        L.append(f"| {cert.name} | ${_cell(cert.statement)}$ | {_cell(cert.method)} |")
    L += ["", "Evaluated numerically (d = 1; weak forms by `collision_moment`: QAGS in k of the resonant-root sums, "
          "split at the thresholds):", "", "| certificate | test | value | error estimate | expected |",
          "|---|---|---|---|---|"]
    for r in data.get("certificate_residuals", []):
        L.append(f"| {r['certificate']} | {_cell(r['test'])} | {_fmt(r['residual'])} | {_fmt(r['error'], 1)} | "
                 f"{_cell(r['expected'])} |")
    L += ["", "## Quadrature table (d = 1)", "",
          "Kernel: `collision_value`, C[W](k) = Σ_f Σ_roots cS_f/|∂_qΔ_f| with the roots of Δ_f(k, ·) bracketed on "
          "grids of 400 and 1600 cells and refined by Brent's method (error = difference of the two grids + "
          "1e-12 relative). Reference: `kernels/quadrature/phonon_reference.py`, written from the golden rule for "
          "Ω = a + b cos 2πk; Δ factorized by sum-to-product in the relative coordinate y = 2q − k (split) or "
          "y = k + 2q (merge), closed-form roots and analytic Jacobians, mpmath at 30 digits (error = change at 50 "
          "digits). At k = 0.25 no family resonates (between the split and merge thresholds): C = 0 on both sides; "
          "the relative difference is then the absolute one.", ""]
    for label, params, _ in QUADRATURE_CASES:
        L.append(f"- {label}: " + ", ".join(f"`{k_}={v}`" for k_, v in {**ENTRY.parameters, **params}.items()))
    L += ["", "| case | k | kernel | kernel error | mpmath reference | relative difference | inside error |",
          "|---|---|---|---|---|---|---|"]
    for r in data.get("quadrature", []):
        L.append(f"| {r['case']} | {r['k']} | {r['kernel']:.15g} | {_fmt(r['kernel_error'], 1)} | "
                 f"{r['reference']:.15g} | {_fmt(r['rel_diff'], 1)} | {'yes' if r['inside'] else 'NO'} |")
    ring = data.get("ring", RING_PARAMETERS)
    exact = data.get("exact", {})
    L += ["", "## Exact dynamics on a ring", "",
          f"L = {ring['L']} phonon modes with Ω = {tuple(ring['phonon'])}, mode weights c_k = (2Ω_k)^(−1/2), "
          f"position-space cubic anharmonicity λΣ_x[αφ_x³ + βφ_x²(φ_(x+1) + φ_(x−1))] with α = {ring['alpha']}, "
          f"β = {ring['beta']}, initial geometric laws with ⟨n_k⟩ = {tuple(ring['occupations'])}, total phonon "
          f"number ≤ {ring['cutoff']} (`kernels/exact/anharmonic.py`; no momentum-space vertex enters the exact "
          "Hamiltonian). Exact: the λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0 (exact evolution block by block in the "
          "quasi-momentum, Richardson on (λ, 2λ); error = change with (2λ, 4λ) + change with the cutoff lowered "
          "by 2 + roundoff). Formula: the derived finite-time second-order expression "
          "λ²Σ_fΣ_q μ(S₊K₊ + S₋K₋)(Δ_f) over all three families (`ring_density_change`, vertex V₃ of the same H "
          "from `vertex_hat`). Relative difference = |formula − exact| / max_(k=1,2) |exact|.", "",
          "| λ | t | k | exact | formula | relative difference | error estimate | inside error |",
          "|---|---|---|---|---|---|---|---|"]
    for r in exact.get("rows", []):
        L.append(f"| {r['lambda']} | {r['t']} | {r['k_index']} | {r['exact']:.12g} | {r['formula']:.12g} | "
                 f"{_fmt(r['rel_diff'], 1)} | {_fmt(r['error'], 1)} | {'yes' if r['within_error'] else 'NO'} |")
    zero = exact.get("zero_mode")
    if zero:
        L += ["", f"The zero mode k = 0 is excluded: exact {zero['exact']:.6g}, formula {zero['formula']:.6g}. "
              "Patterns with a zero-momentum line between two intra-vertex loops (tadpoles: the cubic force "
              "shifts the uniform displacement) leave terms supported at k = k' = 0 only; the route drops them "
              f"({eq.data['counts']['zero-mode patterns']} zero-mode patterns, step `momentum_deltas`) because on "
              "𝕋 they live on a set of measure zero and do not enter C[W](k) for k ≠ 0, but on the finite ring "
              "k = 0 is one of the L modes and receives them (a coherent displacement of the zero mode, not "
              "phonon scattering)."]
    L += ["", "## Errata applied (seed 004)", "",
          f"- Seed 004 §2 (iv), eqs. (2.8)–(2.10) state the anharmonic model but print no collision operator and "
          f"no constant; the operator above and its constants are derived: c = ${sp.latex(c)}$ from the time "
          "integral, the split prefactor c·18V₃² = 36πV₃² from the Wick pairings, momenta modulo 1 from the "
          "conventions.",
          "- (2.10) multiplies over j = 1..4 with only three momenta: the cubic vertex here is "
          "Π_(j=1..3)(b_(k_j) + b*_(−k_j)); and as printed, for even α the cubic vertex vanishes, so V₃ is taken "
          "as a general real, symmetric, even vertex (the exact ring uses on-site and nearest-neighbour terms).",
          "- Four-phonon processes (the quartic anharmonicity (2.9), and the 2 ↔ 2 terms of higher order in the "
          "cubic one) are not yet derived: this page covers the three-phonon operator only.",
          "- Finite-time checks need vertices Wick-ordered with respect to the state: the contractions inside one "
          "vertex (which Wick ordering removes) are supported on the zero mode only; the route drops them and the "
          "exact check compares k = 1, 2.",
          "- H₀ + λH₃ is not bounded from below (seed 004 §2 (iv)); invisible on the kinetic time scale, and the "
          "exact check works in a Fock space truncated in the total phonon number.", ""]
    return "\n".join(L)


def recheck(data: dict) -> list[str]:
    """Recompute the first quadrature row of each case (kernel side, relative 1e-12)."""
    stale = []
    rows = data.get("quadrature", [])
    for label, _, _ in QUADRATURE_CASES:
        r = next((r for r in rows if r["case"] == label), None)
        if r is None:
            stale.append(f"quadrature table: case {label!r} is missing")
            continue
        val = float(collision_value(_derived(_key(r["params"])), r["k"]).value)
        if abs(val - r["kernel"]) > 1e-12 * abs(r["kernel"]):
            stale.append(f"{r['case']} k = {r['k']}: kernel {val:.15g} ≠ stored {r['kernel']:.15g}")
    return stale
