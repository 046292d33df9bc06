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
(``derive docs``, :mod:`derive.catalogue.pages.phonon_boltzmann`): ``page_data`` (quadrature table against :mod:`kernels.quadrature.phonon_reference`, exact
ring table, numerical certificate residuals), ``render_page``, ``recheck``.

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
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.conventions import conventions_markdown, lam, tau
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, ParameterError, SingularPointError
from derive.expansion.heisenberg import Delta, SecondOrderRoute, ring_family_sum, second_order_route
from derive.expansion.phonon_vertices import V3, CubicPhononInteraction
from derive.expansion.vertices import N, Omega, W, k, mu, q
from derive.ir import Approximation as A
from derive.ir import DerivedEquation, Step
from derive.parsing import parse_expression, parse_number, parse_number_list

__all__ = ["PhononModel", "build_model", "phonon_route", "bose_occupation", "certify_phonon", "derive",
           "collision_value", "collision_moment", "ring_density_change", "evaluate", "ENTRY"]

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

    return ring_family_sum(route, numeric, time, kk.shape)


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
