"""Recipe: the linear Boltzmann equation of one electron in a thermal phonon bath, derived from its Hamiltonian.

Seed 004 §2 (ii), eq. (2.6) (Spohn; no collision operator is printed there), conventions of
``../shared/conventions.md``. The recipe states the model and calls the generic route
:func:`derive.expansion.heisenberg.second_order_route` with the vertex
:class:`derive.expansion.vertices.ElectronPhononInteraction`; it types no collision formula. Pipeline::

    H = ∫ω a*a + ∫Ω b*b + λ∫∫a*(x)a(x)g(x−x')(b(x') + b*(x'))
      → route (Dyson, mixed-statistics Wick, δ's, one-electron part, families, time simplex, PV, kinetic limit)
      → thermal phonons Nb(q) = 1/(e^{βΩ(q)} − 1) → certificates (conservation of ∫W, detailed balance,
        positivity, H-theorem for the relative entropy to e^{−βω})
      → ∂_τW(k) = Σ_{absorption, emission} ∫đq 2πδ(Δ) S(k, q).

Derived (not typed), with Δ_abs = ω(k+q) − ω(k) − Ω(q), Δ_em = ω(k+q) − ω(k) + Ω(q):
S_abs = ĝ(q)²[(N(q) + 1)W(k+q) − N(q)W(k)], S_em = ĝ(q)²[N(q)W(k+q) − (N(q) + 1)W(k)].
The out-scattering rate Γ(k) = −∂C/∂W(k) (quantity ``total-rate``, d = 3) and C[W](|k|) for a radial occupation
(quantity ``collision``) are integrated by the co-area formula on the inelastic shells (:func:`total_rate`,
:func:`collision_value`; kernels/shells serves elastic shells |p| = |k| only, so it does not fit here).
:func:`ring_density_change` evaluates the finite-time formula on a ring for the exact check
(:mod:`kernels.exact.electron_phonon`).

Example
-------
>>> eq = derive(build_model({}))
>>> sp.factor(eq.results["S emission"])
(-Nb(q)*W(k) + Nb(q)*W(k + q) - W(k))*ghat(q)**2
>>> build_model({"beta": "-1"})  # doctest: +IGNORE_EXCEPTION_DETAIL
... # Bad → fix: the phonon bath needs a positive inverse temperature, e.g. "1"
Traceback (most recent call last):
...
derive.errors.ParameterError: beta must be > 0 (inverse temperature of the phonon bath), got -1
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.algebra.terms import omega
from derive.conventions import conventions_for, conventions_markdown, lam, tau
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, DeriveError, ParameterError
from derive.expansion.heisenberg import Delta, SecondOrderRoute, ring_family_sum, second_order_route
from derive.expansion.vertices import ElectronPhononInteraction, N, Nb, Omega, W, ghat, k, mu, q
from derive.ir import Approximation as A
from derive.ir import DerivedEquation, Step
from derive.parsing import parse_expression, parse_number, parse_number_list

__all__ = ["ElectronPhononModel", "build_model", "electron_phonon_route", "thermal_occupation", "derive",
           "certify_electron_phonon", "loss_rates", "total_rate", "collision_value", "ring_density_change",
           "evaluate", "ENTRY"]

q_radial = sp.Symbol("q", nonnegative=True)
k_radial = sp.Symbol("k", nonnegative=True)
beta_T = sp.Symbol("beta", positive=True)
FAMILIES = ("absorption", "emission")


@dataclass(frozen=True)
class ElectronPhononModel:
    """One electron (ω = |k|²/2 in ℝ^d) coupled to phonons: coupling ĝ(|q|), dispersion Ω(|q|), inverse
    temperature β."""

    dim: int
    coupling: sp.Expr
    phonon: sp.Expr
    beta: float
    occupation: sp.Expr = sp.exp(-sp.Symbol("k", nonnegative=True) ** 2)

    def to_dict(self) -> dict:
        return {"space": "continuum", "dim": self.dim, "coupling": str(self.coupling), "Omega": str(self.phonon),
                "beta": self.beta, "dispersion": "|k|^2/2", "occupation": str(self.occupation)}


def _samples(expr: sp.Expr, what: str) -> np.ndarray:
    grid = np.linspace(1e-6, 12.0, 241)
    try:
        vals = np.asarray(np.broadcast_to(sp.lambdify(q_radial, expr, "numpy")(grid.astype(complex)), grid.shape),
                          dtype=complex)
    except Exception as exc:  # noqa: BLE001 — any failure of a user expression is a parameter error
        raise ParameterError(f"cannot evaluate {what} {expr}: {type(exc).__name__}") from None
    if not np.all(np.isfinite(vals)):
        raise ParameterError(f"{what} {expr} is not finite on (0, 12]")
    if np.max(np.abs(vals.imag)) > 1e-12 * max(1.0, np.max(np.abs(vals.real))):
        raise ParameterError(f"{what} {expr} is complex; a real {what} is required (g real and even)")
    return vals.real


def build_model(params: dict) -> ElectronPhononModel:
    """Validate ``dim`` (1, 2, 3), ``coupling`` ĝ(q), ``Omega`` Ω(q) (> 0 for q > 0) and ``beta`` (> 0)."""
    try:
        dim = int(str(params.get("dim", "3")))
    except ValueError:
        raise ParameterError(f"dim must be 1, 2 or 3, got {params.get('dim')!r}") from None
    if dim not in (1, 2, 3):
        raise ParameterError(f"dim must be 1, 2 or 3 (continuum), got {dim}")
    coupling = parse_expression(str(params.get("coupling", "1")), {"q": q_radial}, "coupling")
    _samples(coupling, "coupling")
    phonon = parse_expression(str(params.get("Omega", "1")), {"q": q_radial}, "Omega")
    if np.min(_samples(phonon, "Omega")) <= 0:
        raise ParameterError(f"Omega {phonon} must be > 0 for q > 0 (a phonon dispersion)")
    beta = parse_number(params.get("beta", "1"), "beta")
    if not beta > 0:
        raise ParameterError(f"beta must be > 0 (inverse temperature of the phonon bath), got {params.get('beta')}")
    occupation = parse_expression(str(params.get("occupation", "exp(-k**2)")), {"k": k_radial}, "occupation")
    grid = np.linspace(0.0, 12.0, 241)
    try:
        occ = np.asarray(np.broadcast_to(sp.lambdify(k_radial, occupation, "numpy")(grid.astype(complex)),
                                         grid.shape))
    except Exception as exc:  # noqa: BLE001 — any failure of a user expression is a parameter error
        raise ParameterError(f"cannot evaluate occupation {occupation}: {type(exc).__name__}") from None
    if not np.all(np.isfinite(occ)) or np.max(np.abs(occ.imag)) > 1e-12 * max(1.0, np.max(np.abs(occ))):
        raise ParameterError(f"occupation {occupation} must be real and finite on [0, 12]")
    if np.min(occ.real) < 0:
        raise ParameterError(f"occupation {occupation} is negative somewhere on [0, 12]")
    return ElectronPhononModel(dim, coupling, phonon, beta, occupation)


@lru_cache(maxsize=1)
def electron_phonon_route() -> SecondOrderRoute:
    """The generic second-order route for :class:`~derive.expansion.vertices.ElectronPhononInteraction` (cached)."""
    return second_order_route(ElectronPhononInteraction())


def thermal_occupation(x: sp.Expr = q) -> sp.Expr:
    """Nb(q) of the phonon Gibbs state ∝ e^{−βH_ph}: the geometric law of each mode, Σ n e^{−βΩn}/Σ e^{−βΩn}."""
    n = sp.Symbol("n", integer=True, nonnegative=True)
    z = sp.Symbol("z", positive=True)         # e^{−βΩ} < 1: the convergent branch of the geometric sums
    sums = []
    for summand in (n * z ** n, z ** n):
        total = sp.summation(summand, (n, 0, sp.oo))
        if isinstance(total, sp.Piecewise):
            total = next(expr for expr, cond in total.args if cond.subs(z, sp.Rational(1, 2)) == sp.true)
        sums.append(total)
    return sp.simplify(sp.simplify(sums[0] / sums[1]).subs(z, sp.exp(-beta_T * Omega(x))))


def _thermal(expr: sp.Expr) -> sp.Expr:
    return sp.expand(expr.replace(Nb, lambda a: thermal_occupation(a)))


def _even_bath(expr: sp.Expr) -> sp.Expr:
    """Nb(−q) → Nb(q): the thermal occupation is a function of the even Ω (checked, not assumed)."""
    if sp.simplify(thermal_occupation(-q) - thermal_occupation(q)) != 0:
        raise DeriveError("the thermal occupation is not even in q")
    return sp.expand(expr.replace(Nb, lambda a: Nb(-a) if a.could_extract_minus_sign() else Nb(a)))


def certify_electron_phonon(kernels: dict) -> list[Certificate]:
    """Certificates of the derived family integrands ``{family: S_f}`` (thermal Nb); failures raise."""
    certs = []
    deltas = ElectronPhononInteraction.families
    flip = {k: k + q, q: -q}                      # (k, q) → (k + q, −q): unit Jacobian
    s_abs, s_em = (sp.expand(kernels[f]) for f in FAMILIES)
    if sp.simplify(s_em.xreplace(flip) + s_abs) != 0 or \
            sp.expand(deltas["emission"].xreplace(flip) + deltas["absorption"]) != 0:
        raise CertificateFailed("emission does not map onto minus absorption under (k, q) → (k + q, −q)")
    certs.append(Certificate("conservation of ∫W", r"\int C[W]\,đk = 0",
                             "symbolic: (k, q) → (k+q, −q) maps (Δ_em, S_em) to (−Δ_abs, −S_abs)", ""))
    maxwell = sp.Lambda(sp.Symbol("x"), sp.exp(-beta_T * omega(sp.Symbol("x"))))
    h = sp.Function("h", positive=True)
    for fam, sign in (("absorption", 1), ("emission", -1)):
        shell = {omega(k + q): omega(k) + sign * Omega(q)}
        on_shell = sp.simplify(sp.expand(kernels[fam].replace(W, maxwell).xreplace(shell)))
        if on_shell != 0:
            raise CertificateFailed(f"e^(−βω) is not stationary in the {fam} family: {on_shell}")
        gain = kernels[fam].coeff(W(k + q))
        loss = -kernels[fam].coeff(W(k))
        n_sym, g_sym = sp.Symbol("n_q", positive=True), sp.Symbol("g_q", real=True)
        for what, coef in (("gain", gain), ("loss", loss)):
            val = sp.expand(coef.subs(thermal_occupation(q), n_sym).xreplace({ghat(q): g_sym}))
            if not val.is_nonnegative:
                raise CertificateFailed(f"{what} rate of the {fam} family is not ≥ 0: {coef}")
    certs.append(Certificate("detailed balance", r"S_f[e^{-\beta\omega}] = 0 \text{ on each shell } \Delta_f = 0",
                             "symbolic: ω(k+q) = ω(k) ± Ω(q) and (N + 1)e^{−βΩ} = N", ""))
    certs.append(Certificate("positivity", r"C[W] = \int r(k'\to k)W(k') - \Gamma(k)W(k),\ r \ge 0",
                             "symbolic: gain coefficients ĝ²(N + 1), ĝ²N and loss rates are ≥ 0 for N ≥ 0", ""))
    s_h = sp.expand(s_abs.replace(W, lambda a: maxwell(a) * h(a)).xreplace({omega(k + q): omega(k) + Omega(q)}))
    want = ghat(q) ** 2 * thermal_occupation(q) * maxwell(k) * (h(k + q) - h(k))
    if sp.simplify(s_h - want) != 0:
        raise CertificateFailed("S_abs[Mh] is not ĝ²N M(k)(h(k+q) − h(k)) on the shell")
    certs.append(Certificate("H-theorem", r"\frac{d}{d\tau}\int W\log\frac{W}{M} = "
                             r"-\int\!\!\int 2\pi\delta(\Delta_{abs})"
                             r"\hat g^2 N M(k)(h(k+q)-h(k))(\log h(k+q)-\log h(k))\,đk\,đq \le 0",
                             "symbolic: W = Mh, M = e^{−βω}; emission folded onto absorption by (k, q) → (k+q, −q); "
                             "S_abs = ĝ²N M(k)(h(k+q) − h(k)) on the shell; (a − b)(log a − log b) ≥ 0",
                             sp.latex(sp.Eq(sp.Symbol("S_abs"), want))))
    return certs


def loss_rates(equation: DerivedEquation) -> dict:
    """``{family: −∂S_f/∂W(k)}`` (thermal, with the model's ĝ and Ω substituted as functions of q = |q|)."""
    model: ElectronPhononModel = equation.data["model"]
    return {fam: sp.simplify(_substitute(_thermal(-equation.results[f"S {fam}"].coeff(W(k))), model))
            for fam in FAMILIES}


def derive(model: ElectronPhononModel) -> DerivedEquation:
    """Derive ∂_τW = C[W] for ``model`` (see the module docstring); every constant comes from the route."""
    route = electron_phonon_route()
    kernels = {f: _even_bath(route.families[f].kernel) for f in FAMILIES}
    certs = certify_electron_phonon({f: _thermal(v) for f, v in kernels.items()})
    cv = conventions_for("continuum", model.dim)
    d = route.derivation
    d = d.then(Step("thermal_phonons", "Phonons in the Gibbs state ∝ e^{−βH_ph}: Nb(q) = Σn e^{−βΩn}/Σe^{−βΩn} "
                    "(summed by sympy); Ω even, so Nb(−q) = Nb(q).",
                    sp.Eq(Nb(q), thermal_occupation(q)), A.SUBSTITUTION))
    collision = sum(sp.Integral(cv.measure * route.kinetic_weight * sp.DiracDelta(route.families[f].delta)
                                * kernels[f], q) for f in FAMILIES)
    d = d.then(Step("substitute_model", f"Continuum ℝ^{model.dim}: μ = (2π)^-{model.dim} (đq), ω(k) = |k|²/2; ĝ and Ω "
                    "given as functions of |q|.", sp.Tuple(sp.Eq(sp.Symbol("ghat(q)"), model.coupling),
                                                            sp.Eq(sp.Symbol("Omega(q)"), model.phonon)),
                    A.SUBSTITUTION))
    pauli = sp.Tuple(*[sp.expand(route.discarded.get((f, 1), 0)).subs(N, 1 / mu) for f in FAMILIES])
    return DerivedEquation(
        name="electron-phonon", model=model.to_dict(),
        equation=sp.Eq(sp.Derivative(W(k), tau), collision, evaluate=False), derivation=d,
        results={"S absorption": kernels["absorption"], "S emission": kernels["emission"],
                 "Delta absorption": route.families["absorption"].delta,
                 "Delta emission": route.families["emission"].delta, "collision": collision,
                 "thermal occupation": thermal_occupation(q),
                 "dropped W² part S₊ (absorption, emission)": pauli,
                 "K+": route.time_factors[1], "K-": route.time_factors[-1]},
        constants={"kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))": route.kinetic_weight,
                   "measure × δ-normalization": sp.simplify(cv.measure * cv.delta_normalization)},
        certificates=tuple(certs), conventions=conventions_markdown("continuum", model.dim),
        data={"counts": route.counts, "model": model, "route": route})


def _allowed_intervals(a_of_q, kmag: float) -> list[tuple[float, float]]:
    """Sub-intervals of (0, Q) where |a(q)| < |k|q (the shell Δ = |k|q cos θ + a(q) = 0 meets the sphere)."""
    from scipy.optimize import brentq

    def f(x):
        return kmag * x - np.abs(a_of_q(x))

    upper = 4.0 * (kmag + 1.0)
    while f(upper) > 0 or f(1.5 * upper) > 0:
        upper *= 2
        if upper > 1e4:
            raise DeriveError("the inelastic shell is unbounded in |q| (Ω grows like q²/2 or faster)")
    grid = np.linspace(1e-12, upper, 4001)
    vals = np.broadcast_to(f(grid), grid.shape)
    edges = [0.0] if vals[0] > 0 else []
    for i in np.flatnonzero(vals[:-1] * vals[1:] < 0):
        edges.append(brentq(lambda x: float(f(x)), grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15))
    if len(edges) % 2:
        raise DeriveError(f"could not bracket the shell intervals at |k| = {kmag}")
    return [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2)]


def _shell_functions(equation: DerivedEquation) -> list:
    """Per family: (a_f(q), |q|·gain(q, |k|), |q|·loss rate(q)) as numpy functions (cached in ``equation.data``).

    a_f = Δ_f − k·q (ω(k+q) − ω(k) = k·q + q²/2); the gain term takes W at |k + q| = √(2ω(k+q)), ω(k+q) solved
    from Δ_f = 0 by sympy.
    """
    cached = equation.data.get("shell functions")
    if cached is not None:
        return cached
    model: ElectronPhononModel = equation.data["model"]
    k_abs = sp.Symbol("kabs", positive=True)
    out = []
    for fam in FAMILIES:
        delta = equation.results[f"Delta {fam}"]
        a_expr = sp.expand(delta - omega(k + q) + omega(k)) + q ** 2 / 2
        density = _thermal(equation.results[f"S {fam}"])
        (omega_shell,) = sp.solve(delta, omega(k + q))
        w_shell = model.occupation.subs(k_radial, sp.sqrt(2 * omega_shell.subs(omega(k), k_abs ** 2 / 2)))
        gain = _substitute(q * density.coeff(W(k + q)) * w_shell, model)
        loss = _substitute(-q * density.coeff(W(k)), model)
        out.append((sp.lambdify(q_radial, _substitute(a_expr, model), "numpy"),
                    sp.lambdify((q_radial, k_abs), gain, "numpy"), sp.lambdify(q_radial, loss, "numpy")))
    equation.data["shell functions"] = out
    return out


def _shell_integral(equation: DerivedEquation, kmag: float, with_gain: bool, nodes: tuple) -> tuple[float, float]:
    """(fine, coarse) values at |k| (d = 3) of Σ_f ∫đq cδ(Δ_f)S_f (``with_gain``) or of its loss rate Γ(k).

    Co-area: with Δ_f = |k||q|cos θ + a_f(|q|), ∫_{S²}δ(Δ_f)dn̂ = 2π/(|k||q|)·1[|a_f| < |k||q|].
    """
    model: ElectronPhononModel = equation.data["model"]
    if model.dim != 3:
        raise ParameterError(f"electron-phonon quantities are implemented for dim = 3 (got dim = {model.dim})")
    if not kmag > 0:
        raise ParameterError("electron-phonon quantities need |k| > 0 (the co-area shell degenerates at k = 0)")
    const = float(conventions_for("continuum", 3).measure * equation.constants[
        "kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"] * 2 * sp.pi) / kmag
    w_here = float(model.occupation.subs(k_radial, kmag))
    total = {n: 0.0 for n in nodes}
    for a_fn, gain, loss in _shell_functions(equation):
        for lo, hi in _allowed_intervals(a_fn, kmag):
            for n in nodes:
                x, w = np.polynomial.legendre.leggauss(n)
                xs = lo + (hi - lo) * (x + 1) / 2
                vals = (np.broadcast_to(gain(xs, kmag), xs.shape) - w_here * np.broadcast_to(loss(xs), xs.shape)
                        if with_gain else np.broadcast_to(loss(xs), xs.shape))
                total[n] += float(np.sum(w * vals)) * (hi - lo) / 2
    return const * total[nodes[1]], const * total[nodes[0]]


def _substitute(expr: sp.Expr, model: "ElectronPhononModel") -> sp.Expr:
    """Insert β, ĝ and Ω of the model (functions of q = |q|)."""
    expr = expr.subs(beta_T, sp.nsimplify(model.beta)).replace(ghat, lambda a: model.coupling.subs(q_radial, a))
    return expr.replace(Omega, lambda a: model.phonon.subs(q_radial, a)).subs(q, q_radial)


def total_rate(equation: DerivedEquation, kmag: float, nodes: tuple = (40, 80)) -> "Estimate":
    """Γ(k) = Σ_f ∫đq cδ(Δ_f)(−∂S_f/∂W(k)) at |k| = ``kmag`` (d = 3), by the co-area formula.

    With Δ_f = |k||q|cos θ + a_f(|q|), a_f = |q|²/2 ± Ω, the angular integral is
    ∫_{S²}δ(Δ_f)dn̂ = 2π/(|k||q|)·1[|a_f| < |k||q|], so Γ = c(2π)^{-3}(2π/|k|)Σ_f∫|q| L_f(|q|) dq over the allowed
    intervals (bracketed and refined by Brent's method), each by Gauss–Legendre; the error is the difference of
    the two rules in ``nodes``.
    """
    from kernels.estimate import Estimate

    fine, coarse = _shell_integral(equation, kmag, False, nodes)
    return Estimate(fine, abs(fine - coarse) + 1e-14 * abs(fine), f"co-area + Gauss-Legendre {nodes}",
                    n_eval=int(sum(nodes)), dps=15)


def collision_value(equation: DerivedEquation, kmag: float, nodes: tuple = (40, 80)) -> "Estimate":
    """C[W](|k|) = Σ_f ∫đq cδ(Δ_f)S_f for the model's radial occupation W (d = 3), co-area as :func:`total_rate`;
    the gain term takes W at |k + q| = √(2ω(k+q)) fixed by the shell."""
    from kernels.estimate import Estimate

    fine, coarse = _shell_integral(equation, kmag, True, nodes)
    scale = abs(fine) + float(total_rate(equation, kmag, nodes).value) * abs(
        float(equation.data["model"].occupation.subs(k_radial, kmag)))
    return Estimate(fine, abs(fine - coarse) + 1e-14 * scale, f"co-area + Gauss-Legendre {nodes}",
                    n_eval=int(2 * sum(nodes)), dps=15)


def ring_density_change(route: SecondOrderRoute, L: int, omega_values, phonon_values, coupling_values,
                        occupations, phonon_occupations, time: float, coupling: float = 1.0) -> np.ndarray:
    """The finite-time formula on a ring of L sites: W_t(k) − W_0(k) = λ²Σ_fΣ_q μ(S₊K₊ + S₋K₋)(Δ_f), all k.

    Ring conventions: μ = 1/L, N = L, momenta mod L; arrays over 0 … L−1: ω(k), Ω(q), ĝ(q) = Σ_x G(x)e^{−2πiqx/L},
    the electron's W(k) and the phonons' Nb(q). Near Δ = 0 the time factors come from their series.
    """
    om, ph, gh, occ, nb = (np.asarray(a, dtype=float) for a in (omega_values, phonon_values, coupling_values,
                                                                  occupations, phonon_occupations))
    kk, qq = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    funcs = {"OM": om, "PH": ph, "GH": gh, "WW": occ, "NB": nb}
    modules = [{name: (lambda arr: (lambda a: arr[np.asarray(a, dtype=int) % L]))(arr)
                for name, arr in funcs.items()}, "numpy"]

    def numeric(expr):
        expr = expr.subs({N: L, mu: sp.Rational(1, L), lam: coupling})
        for f, name in ((omega, "OM"), (Omega, "PH"), (ghat, "GH"), (W, "WW"), (Nb, "NB")):
            expr = expr.replace(f, sp.Function(name))
        return np.broadcast_to(sp.lambdify((k, q), expr, modules=modules)(kk, qq), kk.shape)

    return ring_family_sum(route, numeric, time, kk.shape)


def evaluate(equation: DerivedEquation, quantity: str, at: dict):
    """``total-rate`` Γ(k) or ``collision`` C[W](k) at ``at["k"]`` (three components, or one value |k|)."""
    components = parse_number_list(at["k"], "--at k")
    if len(components) not in (1, 3):
        raise ParameterError(f"--at k needs 3 components (or one value |k|), got {len(components)}")
    kabs = math.sqrt(sum(c * c for c in components)) if len(components) == 3 else components[0]
    return total_rate(equation, kabs) if quantity == "total-rate" else collision_value(equation, kabs)


def _entry():
    from derive.catalogue import CatalogueEntry
    return CatalogueEntry(
        name="electron-phonon",
        summary="Linear Boltzmann equation of one electron in a thermal phonon bath (emission and absorption), "
                "derived from the electron–phonon Hamiltonian",
        source="seed 004 §2 (ii), eq. (2.6) (Spohn); collision operator and constant derived",
        parameters={"dim": "3", "coupling": "1", "Omega": "1", "beta": "1", "occupation": "exp(-k**2)"},
        quantities=("total-rate", "collision"), build_model=build_model, derive=derive, evaluate=evaluate,
        at_keys=("k",))


ENTRY = _entry()
