"""Recipe: the Uehling–Uhlenbeck (Nordheim) collision operator derived from H = H₀ + λ·½∫∫V a*a*aa.

Seed 004 §3, (4.5)–(4.6) (Spohn; it prints no prefactor — errata 004), conventions of
``../shared/conventions.md``. The recipe states the model and calls the generic route of
:mod:`derive.expansion.heisenberg`; it types no collision formula. Pipeline::

    PairModel → second_order_density(θ) (Dyson, Wick, δ's, time integrals, PV cancellation, kinetic limit)
              → transition kernel K = −∂²S/∂W(k)∂W(k₂)|_{W=0} → certificates (gain–loss form, cubic structure,
                kernel symmetries, collision invariants 1, k, ω, entropy production ≥ 0, equilibria)
              → ∂_τW(k) = C[W](k) = ∫đk₂đk₃ 2πδ(Δ) S(k, k₂, k₃),  k₄ = k + k₂ − k₃.

Statistics: ``fermi`` (θ = −1), ``bose`` (θ = +1), ``boltzmann``: Maxwell–Boltzmann statistics, derived as the
M → ∞ limit of M colours with a colour-blind interaction (distinguishable particles).

Derived (not typed): C[W](k) = ∫đk₂đk₃ 2πδ(Δ) K [W₃W₄(1+θW)(1+θW₂) − WW₂(1+θW₃)(1+θW₄)] with, after k₃ ↔ k₄
symmetrization, K = ½(V̂(k−k₃) + θV̂(k−k₄))² for θ = ±1 (equivalently the ½ of ∫đk₂đk₃đk₄(2π)^dδ(k+k₂−k₃−k₄)
in seed 004 (4.5)–(4.6)) and K = ½(V̂(k−k₃)² + V̂(k−k₄)²) ≅ V̂(k−k₃)² (no ½, no exchange) for Maxwell–Boltzmann
particles. Numerical C[W](|k|) (radial W, V̂; d = 2, 3): :func:`collision_values` (product Gauss–Legendre rule
on the centre-of-mass shell, error = difference of two rules). :func:`ring_density_change` evaluates the
finite-time formula on a ring for the exact Fock-space check (:mod:`kernels.exact.fock`). The conservative
energy-grid operator (d = 3) built from this entry's derived K and S is :mod:`kernels.collision.radial_quantum`.
Page (:mod:`derive.catalogue.pages.uehling_uhlenbeck`): ``page_data`` (derivations, grid vs references, invariants, exact dynamics; ~1.5 min),
``render_page`` (Markdown from that data only), ``recheck`` (re-derives K, recomputes grid rows).

Example
-------
>>> eq = derive(build_model({"statistics": "bose"}))
>>> eq.results["transition kernel K"]
Vhat(k - k3)**2/2 + Vhat(k - k3)*Vhat(k2 - k3) + Vhat(k2 - k3)**2/2
>>> build_model({"statistics": "fermi", "occupation": "2*exp(-k**2)"})  # doctest: +IGNORE_EXCEPTION_DETAIL
... # Bad → fix: a fermion occupation must lie in [0, 1], e.g. "exp(-k**2)"
Traceback (most recent call last):
...
derive.errors.ParameterError: fermion occupation 2*exp(-k**2) exceeds 1 (max 2); Pauli requires 0 ≤ W ≤ 1
"""
from __future__ import annotations

import math

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.algebra.terms import omega
from derive.conventions import conventions_for, conventions_markdown, lam, tau
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, DeriveError, ParameterError
from derive.expansion.heisenberg import (N, SecondOrderDensity, Vhat, W, energy_difference, k, k2, k3, mu,
                                         second_order_density, swap_34, time_factor_values)
from derive.ir import Approximation as A
from derive.ir import DerivedEquation, Step
from derive.parsing import parse_expression

__all__ = ["STATISTICS", "PairModel", "build_model", "derive", "transition_kernel", "gain_loss", "certify_uu",
           "ring_density_change", "collision_values", "ENTRY"]

STATISTICS = {"fermi": -1, "bose": 1, "boltzmann": 0}
q_symbol = sp.Symbol("q", nonnegative=True)
k_radial = sp.Symbol("k", nonnegative=True)
_k4 = k + k2 - k3


@dataclass(frozen=True)
class PairModel:
    """Weakly interacting particles in the continuum ℝ^d: statistics, d, V̂(q) (expression in q = |q|) and a
    radial initial occupation W(k) (expression in k = |k|; used only by numerical evaluation)."""

    statistics: str
    dim: int
    potential: sp.Expr
    occupation: sp.Expr

    @property
    def theta(self) -> int:
        return STATISTICS[self.statistics]

    def to_dict(self) -> dict:
        return {"statistics": self.statistics, "space": "continuum", "dim": self.dim,
                "potential": str(self.potential), "occupation": str(self.occupation)}


def _parse(text: str, var: sp.Symbol, what: str) -> sp.Expr:
    """An expression in ``var`` only (:func:`derive.parsing.parse_expression`: whitelisted names, one-line errors)."""
    return parse_expression(str(text), {var.name: var}, what)


def _samples(expr: sp.Expr, var: sp.Symbol, what: str) -> np.ndarray:
    grid = np.linspace(0.0, 12.0, 241)
    try:
        f = sp.lambdify(var, expr, "numpy")
        vals = np.asarray(np.broadcast_to(f(grid.astype(complex)), grid.shape), dtype=complex)
    except Exception as exc:  # noqa: BLE001 — any failure of a user expression is a parameter error
        raise ParameterError(f"cannot evaluate {what} {expr}: {exc}") from None
    if not np.all(np.isfinite(vals)):
        raise ParameterError(f"{what} {expr} is not finite on [0, 12]")
    if np.max(np.abs(vals.imag)) > 1e-12 * max(1.0, np.max(np.abs(vals.real))):
        raise ParameterError(f"{what} {expr} is complex; a real {what} is required")
    return vals.real


def build_model(params: dict) -> PairModel:
    """Validate ``statistics`` (fermi|bose|boltzmann), ``dim`` (2 or 3), ``potential`` V̂(q), ``occupation`` W(k)."""
    stat = str(params.get("statistics", "fermi")).strip().lower()
    if stat not in STATISTICS:
        raise ParameterError(f"unknown statistics {stat!r} (use fermi, bose or boltzmann)")
    try:
        dim = int(str(params.get("dim", "3")))
    except ValueError:
        raise ParameterError(f"dim must be 2 or 3, got {params.get('dim')!r}") from None
    if dim not in (2, 3):
        raise ParameterError(f"dim must be 2 or 3 (continuum), got {dim}")
    pot = _parse(params.get("potential", "exp(-q**2)"), q_symbol, "potential")
    _samples(pot, q_symbol, "potential")
    occ = _parse(params.get("occupation", "exp(-k**2)"), k_radial, "occupation")
    w = _samples(occ, k_radial, "occupation")
    if np.min(w) < 0:
        raise ParameterError(f"occupation {occ} is negative somewhere on [0, 12]")
    if stat == "fermi" and np.max(w) > 1 + 1e-12:
        raise ParameterError(f"fermion occupation {occ} exceeds 1 (max {np.max(w):.6g}); Pauli requires 0 ≤ W ≤ 1")
    return PairModel(stat, dim, pot, occ)


def gain_loss(theta: int) -> sp.Expr:
    """W₃W₄(1 + θW)(1 + θW₂) − WW₂(1 + θW₃)(1 + θW₄), W_j = W(k_j), k₄ = k + k₂ − k₃."""
    w1, w2, w3, w4 = W(k), W(k2), W(k3), W(_k4)
    return w3 * w4 * (1 + theta * w1) * (1 + theta * w2) - w1 * w2 * (1 + theta * w3) * (1 + theta * w4)


def transition_kernel(kernel: sp.Expr) -> sp.Expr:
    """K = −∂²S/∂W(k)∂W(k₂) at W ≡ 0: the coefficient of the pure loss monomial, read off the derived S."""
    a, b = sp.symbols("w_a w_b")
    s = kernel.subs({W(k): a, W(k2): b})
    s = s.replace(W, lambda arg: sp.Integer(0))
    return sp.expand(-sp.diff(s, a, b).subs({a: 0, b: 0}))


def _swap(mapping: dict, expr: sp.Expr) -> sp.Expr:
    return sp.expand(expr.xreplace(mapping))


def certify_uu(kernel: sp.Expr, theta: int) -> tuple[list[Certificate], dict]:
    """Certificates of the derived integrand S(k, k₂, k₃); each failure raises :class:`CertificateFailed`.

    Returns the certificates and the quadratic form (α, β, γ) of K = αV̂₃² + 2βV̂₃V̂₄ + γV̂₄²,
    V̂₃ = V̂(k − k₃), V̂₄ = V̂(k − k₄) = V̂(k₂ − k₃).
    """
    certs = []
    K = transition_kernel(kernel)
    gl = gain_loss(theta)
    if sp.expand(kernel - K * gl) != 0:
        raise CertificateFailed("S is not K·[gain − loss] with the quantum statistical factors")
    certs.append(Certificate("gain-loss form", r"S = K\,[W_3W_4(1+\theta W)(1+\theta W_2) - WW_2(1+\theta W_3)(1+\theta W_4)]",
                             "symbolic: K read off the loss monomial, S − K·(gain − loss) expanded to 0",
                             sp.latex(sp.Eq(sp.Symbol("K"), K))))
    ws = sp.symbols("w1:5", positive=True)
    poly = sp.Poly(sp.expand(kernel.subs({W(k): ws[0], W(k2): ws[1], W(k3): ws[2], W(sp.expand(_k4)): ws[3]})), *ws)
    quartic = sum(c * sp.Mul(*[w ** e for w, e in zip(ws, m)]) for m, c in poly.terms() if sum(m) == 4)
    if sp.expand(quartic) != 0:
        raise CertificateFailed(f"quartic terms in W survive: {quartic}")
    certs.append(Certificate("cubic structure", r"\text{quartic terms in } W \text{ cancel}",
                             "symbolic: degree-4 part of the expanded S is 0",
                             f"total degree {poly.total_degree()}"))
    pair = {k: k2, k2: k, k3: _k4}
    inverse = {k: k3, k2: _k4, k3: k}
    dl = energy_difference()
    if _swap(pair, kernel) - sp.expand(kernel) != 0 or _swap(pair, dl) - sp.expand(dl) != 0:
        raise CertificateFailed("S is not symmetric under (k, k₂) ↔ (k₂, k) with (k₃, k₄) ↔ (k₄, k₃)")
    if _swap(inverse, kernel) + sp.expand(kernel) != 0 or _swap(inverse, dl) + sp.expand(dl) != 0:
        raise CertificateFailed("S is not antisymmetric under (k, k₂) ↔ (k₃, k₄)")
    if swap_34(kernel) - sp.expand(kernel) != 0:
        raise CertificateFailed("S is not symmetric under k₃ ↔ k₄")
    certs.append(Certificate("kernel symmetries", r"S(k_2,k|k_4,k_3) = S(k,k_2|k_3,k_4) = -S(k_3,k_4|k,k_2)",
                             "symbolic: substitutions with k₄ = k + k₂ − k₃, Δ transforms to ±Δ", ""))
    u = sp.Symbol("u", real=True)   # stands for a component of a drift (k·u is linear in k)
    for name, f in (("1", lambda x: sp.Integer(1)), ("k", lambda x: u * x), ("ω", lambda x: omega(x))):
        comb = sp.expand(f(k) + f(k2) - f(k3) - f(_k4))
        if name == "ω":
            comb = sp.expand(comb - dl)       # equals Δ, killed by δ(Δ)
        if comb != 0:
            raise CertificateFailed(f"{name} is not a collision invariant: φ + φ₂ − φ₃ − φ₄ = {comb}")
    certs.append(Certificate("collision invariants", r"\int \phi\, C[W]\,đk = 0,\ \phi \in \{1, k, \omega\}",
                             "symbolic: the kernel symmetries give ¼∫S(φ+φ₂−φ₃−φ₄); the bracket is 0 for 1, k "
                             "(k₄ = k+k₂−k₃) and Δ for ω (δ(Δ)Δ = 0)", ""))
    x, y = sp.symbols("Vhat3 Vhat4", real=True)
    kq = sp.expand(K.subs({Vhat(sp.expand(k - k3)): x, Vhat(sp.expand(k2 - k3)): y}))
    alpha, gamma = kq.coeff(x, 2), kq.coeff(y, 2)
    beta = kq.coeff(x, 1).coeff(y, 1) / 2
    if sp.expand(kq - alpha * x ** 2 - 2 * beta * x * y - gamma * y ** 2) != 0 or kq.has(Vhat):
        raise CertificateFailed(f"K is not a quadratic form in V̂(k−k₃), V̂(k−k₄): {K}")
    if not (alpha >= 0 and gamma >= 0 and alpha * gamma - beta ** 2 >= 0):
        raise CertificateFailed(f"K is not positive semidefinite: α={alpha}, β={beta}, γ={gamma}")
    w1, w2, w3, w4 = ws
    phis = [sp.log(w / (1 + theta * w)) for w in ws]
    a = w3 * w4 * (1 + theta * w1) * (1 + theta * w2)
    b = w1 * w2 * (1 + theta * w3) * (1 + theta * w4)
    if sp.simplify(sp.expand_log(phis[0] + phis[1] - phis[2] - phis[3] - sp.log(b / a), force=True)) != 0:
        raise CertificateFailed("log(W/(1+θW)) does not turn the bracket into log(loss/gain)")
    certs.append(Certificate("entropy production", r"\frac{d}{d\tau}S[W] = \tfrac14\int K\,(a-b)\log\frac{a}{b} \ge 0",
                             "symbolic: S[W] = −∫[W log W − θ⁻¹(1+θW)log(1+θW)] (θ = 0: −∫(W log W − W)); "
                             "φ = log(W/(1+θW)) gives φ+φ₂−φ₃−φ₄ = log(b/a); K ≥ 0 (2×2 form PSD)",
                             sp.latex(sp.Matrix([[alpha, beta], [beta, gamma]]))))
    beta_t, mu_c = sp.symbols("beta_T mu_c", positive=True)
    e = sp.Function("e")
    eq_w = {W(x_): e(x_) / (1 - theta * e(x_)) for x_ in (k, k2, k3, sp.expand(_k4))}
    gl_eq = sp.together(gl.xreplace(eq_w))
    boltz = {e(x_): sp.exp(-beta_t * (omega(x_) - u * x_ - mu_c)) for x_ in (k, k2, k3, sp.expand(_k4))}
    num = sp.expand(sp.numer(gl_eq).xreplace(boltz))
    shell = {omega(sp.expand(_k4)): omega(k) + omega(k2)
             - omega(k3)}
    if sp.simplify(sp.powsimp(sp.expand(num.xreplace(shell)), combine="exp")) != 0:
        raise CertificateFailed("the (drifting) Fermi–Dirac / Bose–Einstein / Maxwell state is not annihilated")
    certs.append(Certificate("equilibria", r"C[W_{eq}] = 0,\ W_{eq} = (e^{\beta(\omega - u\cdot k - \mu)} - \theta)^{-1}",
                             "symbolic: gain − loss vanishes on the energy shell for every β, u, μ", ""))
    return certs, {"alpha": alpha, "beta": beta, "gamma": gamma}


def derive(model: PairModel) -> DerivedEquation:
    """Derive ∂_τW = C[W] for ``model`` (see the module docstring); every constant comes from the route."""
    theta = model.theta
    route = second_order_density(1 if theta == 0 else theta, colours=(theta == 0))
    cv = conventions_for("continuum", model.dim)
    kernel = route.kernel
    certs, form = certify_uu(kernel, theta)
    K = transition_kernel(kernel)
    d = route.derivation
    d = d.then(Step("transition_kernel", "K = −∂²S/∂W(k)∂W(k₂) at W = 0 (the loss coefficient); S = K·(gain − loss) "
                    "checked; K = αV̂(k−k₃)² + 2βV̂(k−k₃)V̂(k−k₄) + γV̂(k−k₄)².",
                    sp.Eq(sp.Symbol("K"), K), A.EXACT))
    measure = cv.measure
    collision = sp.Integral(measure ** 2 * route.kinetic_weight * sp.DiracDelta(energy_difference()) * kernel, k2, k3)
    d = d.then(Step("substitute_model", f"Continuum ℝ^{model.dim}: μ = (2π)^-{model.dim} (đk), ω(k) = |k|²/2; "
                    "V̂ given as a function of |q| (momentum labels are d-vectors).",
                    sp.Eq(sp.Symbol("Vhat(q)"), model.potential.subs(q_symbol, sp.Symbol("|q|")), evaluate=False),
                    A.SUBSTITUTION))
    equation = sp.Eq(sp.Derivative(W(k), tau), collision, evaluate=False)
    return DerivedEquation(
        name="uehling-uhlenbeck", model=model.to_dict(), equation=equation, derivation=d,
        results={"kernel S(k,k2,k3)": kernel, "transition kernel K": K, "collision": collision,
                 "kernel (factored)": sp.factor(K) * gain_loss(theta),
                 "finite-time S+": sp.expand(route.finite_time[1].subs(N, 1 / mu)),
                 "finite-time S-": sp.expand(route.finite_time[-1].subs(N, 1 / mu)),
                 "K+": route.time_factors[1], "K-": route.time_factors[-1]},
        constants={"kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))": route.kinetic_weight,
                   "alpha (V̂(k−k₃)²)": form["alpha"], "beta (V̂(k−k₃)V̂(k−k₄))": form["beta"],
                   "gamma (V̂(k−k₄)²)": form["gamma"], "measure × δ-normalization": sp.simplify(
                       cv.measure * cv.delta_normalization)},
        certificates=tuple(certs), conventions=conventions_markdown("continuum", model.dim),
        data={"counts": route.counts, "model": model})


def ring_density_change(result: SecondOrderDensity, L: int, omega_values, vhat_values, occupations, time: float,
                        coupling: float = 1.0):
    """The finite-time formula on a ring of L sites: W_t(k) − W_0(k) = λ²Σ_{k₂,k₃} μ²(S₊K₊ + S₋K₋), all k.

    Ring conventions: μ = 1/L, N = L, Kronecker δ's (momenta mod L); ``omega_values[k]``, ``vhat_values[q]``
    (V̂(q) = Σ_x V(x)e^{−2πiqx/L}) and ``occupations[k]`` are arrays over 0 … L−1. Near Δ = 0 (|Δt| < 10⁻²)
    the time factors are evaluated from their sympy series (the generic branch is 0/0 there).
    """
    om, vh, occ = (np.asarray(a, dtype=float) for a in (omega_values, vhat_values, occupations))
    kk, q2, q3 = np.meshgrid(np.arange(L), np.arange(L), np.arange(L), indexing="ij")
    q4 = (kk + q2 - q3) % L
    delta = om[kk] + om[q2] - om[q3] - om[q4]
    total = np.zeros(kk.shape, dtype=complex)
    for sg, coeff in result.finite_time.items():
        expr = coeff.subs({N: L, mu: sp.Rational(1, L), lam: coupling})
        f = sp.lambdify((k, k2, k3), expr.replace(Vhat, lambda a: sp.Function("VH")(a)).replace(
            W, lambda a: sp.Function("WW")(a)),
            modules=[{"VH": lambda a: vh[np.asarray(a, dtype=int) % L],
                      "WW": lambda a: occ[np.asarray(a, dtype=int) % L]}, "numpy"])
        total += np.broadcast_to(f(kk, q2, q3), kk.shape) * time_factor_values(result.time_factors[sg], delta, time)
    out = total.sum(axis=(1, 2))          # μ² = 1/L² is inside S_σ
    if np.max(np.abs(out.imag)) > 1e-10 * max(1.0, np.max(np.abs(out.real))):
        raise DeriveError(f"the finite-time formula is not real: {out}")
    return out.real


def _vector_kernel(equation: DerivedEquation):
    """The derived S(k, k₂, k₃) as a numpy function of d-vectors (arrays of shape (d, …)); V̂ and W radial."""
    model: PairModel = equation.data["model"]
    pot = sp.lambdify(q_symbol, model.potential, "numpy")
    occ = sp.lambdify(k_radial, model.occupation, "numpy")
    vh, ww = sp.Function("VHAT"), sp.Function("WOCC")
    expr = equation.results["kernel S(k,k2,k3)"].replace(Vhat, vh).replace(W, ww)

    def radial(f):
        return lambda v: f(np.sqrt(np.sum(np.asarray(v) ** 2, axis=0))) + 0.0 * np.sum(np.asarray(v), axis=0)

    return sp.lambdify((k, k2, k3), expr, modules=[{"VHAT": radial(pot), "WOCC": radial(occ)}, "numpy"]), occ


def _collision_rule(kernel, kmag: float, dim: int, n: int, radius: float) -> float:
    """∫dk₂ ∫dk₃ δ(Δ) S on a product Gauss–Legendre/trapezoid rule with n nodes per variable.

    Centre of mass: P = k + k₂, g = (k − k₂)/2; the shell Δ = |g|² − |k₃ − P/2|² = 0 is the sphere
    k₃ = P/2 + |g|n̂, and the co-area formula gives ∫dk₃ δ(Δ)F = ∫ F |g|^{d−1}/|∇Δ| dn̂ = (|g|^{d−2}/2)∫F dn̂.
    d = 3: k = |k|ẑ; the k₂ azimuth is a symmetry (factor 2π). d = 2: k = |k|x̂.
    """
    xr, wr = np.polynomial.legendre.leggauss(n)
    r2, wr = radius * (xr + 1) / 2, wr * radius / 2
    phi = 2 * np.pi * np.arange(n) / n           # periodic: trapezoid
    wphi = np.full(n, 2 * np.pi / n)
    if dim == 3:
        xc, wc = np.polynomial.legendre.leggauss(n)
        R, C, CN, PN = np.meshgrid(r2, xc, xc, phi, indexing="ij")
        weight = (wr[:, None, None, None] * wc[None, :, None, None] * wc[None, None, :, None]
                  * wphi[None, None, None, :] * 2 * np.pi * R ** 2)
        sin2, sinn = np.sqrt(1 - C ** 2), np.sqrt(1 - CN ** 2)
        kv = np.stack([np.zeros_like(R), np.zeros_like(R), np.full_like(R, kmag)])
        k2v = np.stack([R * sin2, np.zeros_like(R), R * C])
        nv = np.stack([sinn * np.cos(PN), sinn * np.sin(PN), CN])
    else:
        R, P2, PN = np.meshgrid(r2, phi, phi, indexing="ij")
        weight = wr[:, None, None] * wphi[None, :, None] * wphi[None, None, :] * R
        kv = np.stack([np.full_like(R, kmag), np.zeros_like(R)])
        k2v = np.stack([R * np.cos(P2), R * np.sin(P2)])
        nv = np.stack([np.cos(PN), np.sin(PN)])
    centre, g = (kv + k2v) / 2, np.sqrt(np.sum(((kv - k2v) / 2) ** 2, axis=0))
    k3v = centre + g * nv
    shell = g ** (dim - 1) / (2 * g + (g == 0))    # |g|^{d−1}/|∇Δ|
    values = np.broadcast_to(kernel(kv, k2v, k3v), R.shape)
    return float(np.sum(weight * shell * values))


def collision_values(equation: DerivedEquation, momenta, nodes: tuple = (24, 32)) -> "Estimate":
    """C[W](|k|) = ∫đk₂đk₃ cδ(Δ)S for radial W, V̂ (continuum d = 2, 3), at each |k| in ``momenta``.

    Constants from the derivation (c = 2π) and the conventions (đk = dk/(2π)^d). The k₂ radius is cut where
    W < 10⁻¹⁶·max W; the error estimate is the difference of the two rules in ``nodes`` plus that cut.
    """
    from kernels.estimate import Estimate

    model: PairModel = equation.data["model"]
    kernel, occ = _vector_kernel(equation)
    grid = np.linspace(0, 40, 4001)
    wv = np.abs(np.broadcast_to(occ(grid), grid.shape))
    above = np.flatnonzero(wv > 1e-16 * np.max(wv))
    if above[-1] == len(grid) - 1:
        raise DeriveError(f"occupation {model.occupation} does not decay by |k| = 40: C[W] needs a decaying W")
    radius = float(grid[above[-1] + 1])
    cv = conventions_for("continuum", model.dim)
    const = float(cv.measure ** 2 * equation.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"])
    vals, errs = [], []
    for km in np.atleast_1d(np.asarray(momenta, dtype=float)):
        coarse, fine = (const * _collision_rule(kernel, km, model.dim, n, radius) for n in nodes)
        vals.append(fine)
        errs.append(abs(fine - coarse) + 1e-15 * abs(fine))
    return Estimate(np.array(vals), np.array(errs), f"Gauss-Legendre product rule {nodes}, shell by co-area",
                    n_eval=int(nodes[1] ** (model.dim + 1)), dps=15)


def evaluate(equation: DerivedEquation, quantity: str, at: dict):
    """``collision`` C[W](k) at the momentum ``at["k"] = "k1,…,kd"`` (d components; the occupation is radial, so
    only |k| matters; a single number is read as |k|): an :class:`~kernels.estimate.Estimate`.
    ``collision-grid`` (d = 3): the same from the conservative 64-point energy grid through ω(k)
    (:func:`kernels.collision.radial_quantum.collision_at`; error from the 2h grids)."""
    from derive.parsing import parse_number_list
    components = parse_number_list(at["k"], "--at k")
    dim = int(equation.model["dim"])
    if len(components) not in (1, dim):
        raise ParameterError(f"--at k needs {dim} components (or one value |k|), got {len(components)}")
    kabs = math.sqrt(sum(c * c for c in components)) if len(components) == dim else components[0]
    if kabs < 0:
        raise ParameterError("|k| must be ≥ 0")
    if quantity == "collision-grid":
        from kernels.collision.radial_quantum import collision_at
        return collision_at(equation, kabs)
    return collision_values(equation, [kabs])[0]


def _entry():
    from derive.catalogue import CatalogueEntry
    return CatalogueEntry(
        name="uehling-uhlenbeck",
        summary="Uehling–Uhlenbeck / Nordheim collision operator: weak-coupling limit of bosons, fermions or "
                "Maxwell–Boltzmann particles with a pair potential, derived from the Hamiltonian",
        source="seed 004 §3, eqs. (4.5)–(4.6) (Spohn); errata applied (prefactor derived)",
        parameters={"statistics": "fermi", "dim": "3", "potential": "exp(-q**2)", "occupation": "exp(-k**2)"},
        quantities=("collision", "collision-grid"), build_model=build_model, derive=derive, evaluate=evaluate, at_keys=("k",))


ENTRY = _entry()
