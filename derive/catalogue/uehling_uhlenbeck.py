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
Page: :func:`page_data` (derivations, grid vs references, invariants, exact dynamics; ~1.5 min),
:func:`render_page` (Markdown from that data only), :func:`recheck` (re-derives K, recomputes grid rows).

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

import json
import math

from dataclasses import dataclass

import numpy as np
import sympy as sp

from derive.algebra.terms import omega
from derive.conventions import conventions_for, conventions_markdown, lam, t, tau
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, DeriveError, ParameterError
from derive.expansion.heisenberg import (Delta, N, SecondOrderDensity, Vhat, W, energy_difference, k, k2, k3, mu,
                                         second_order_density, swap_34)
from derive.ir import Approximation as A
from derive.ir import DerivedEquation, Step
from derive.parsing import parse_expression

__all__ = ["STATISTICS", "PairModel", "build_model", "derive", "transition_kernel", "gain_loss",
           "certify_uu", "ring_density_change", "collision_values", "ENTRY", "page_data", "render_page", "recheck"]

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
        kern = result.time_factors[sg]
        generic = sp.lambdify((Delta, t), kern, "numpy")
        series = sp.lambdify((Delta, t), sp.series(kern, Delta, 0, 6).removeO(), "numpy")
        small = np.abs(delta * time) < 1e-2
        safe = np.where(small, 1.0, delta)
        kval = np.where(small, series(delta, time), generic(safe, time))
        total += np.broadcast_to(f(kk, q2, q3), kk.shape) * kval
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


# =========================================================================== page (``derive docs``)
#: the grid and occupations of the page's tables (d = 3, V̂ = e^{−q²} unless stated)
PAGE_OFF_EQUILIBRIUM = "0.6*exp(-(k - 1)**2)"
PAGE_EQUILIBRIA = {"fermi": "1/(exp(1.5*(k**2/2 - 0.7)) + 1)", "bose": "1/(exp(1.5*(k**2/2 + 0.2)) - 1)",
                   "boltzmann": "0.8*exp(-1.5*k**2/2)"}
PAGE_GRID = {"size": 64, "energy_max": 16.0}
PAGE_CONSTANT_V = {"size": 48, "energy_max": 20.0, "occupation": "0.3*exp(-(k - 1)**2)", "indices": (1, 4, 12)}
PAGE_ROWS = (1, 4, 12, 24)
PAGE_QUADRUPLES = ((1.0, 1.3, 0.8), (0.5, 2.0, 1.9), (1.7, 0.4, 1.2))


def _latex_steps(derivation) -> list[dict]:
    return [{"name": s.name, "description": s.description, "approximation": s.approximation.value,
             "latex": s.latex, "discards": list(s.discards)} for s in derivation.steps]


def _statistics_summary(stat: str) -> dict:
    eq = derive(build_model({"statistics": stat, "occupation": PAGE_OFF_EQUILIBRIUM}))
    return {"theta": STATISTICS[stat], "kernel K": sp.latex(eq.results["transition kernel K"]),
            "kernel S (factored)": sp.latex(eq.results["kernel (factored)"]), "equation": sp.latex(eq.equation),
            "constants": {name: sp.latex(v) for name, v in eq.constants.items()},
            "certificates": [c.to_dict() for c in eq.certificates], "steps": _latex_steps(eq.derivation)}


def _grid_rows(stat: str, progress: bool) -> dict:
    """Grid C vs :func:`collision_values`, discrete invariants and the equilibrium residual (N = 64, ω ≤ 16)."""
    import time as _time

    from kernels.collision.radial_quantum import RadialUUCollision
    eq = derive(build_model({"statistics": stat, "occupation": PAGE_OFF_EQUILIBRIUM}))
    start = _time.perf_counter()
    grid = RadialUUCollision(eq, PAGE_GRID["size"], energy_max=PAGE_GRID["energy_max"])
    build = _time.perf_counter() - start
    est = grid.collision()
    kk = grid.grid.momenta[list(PAGE_ROWS)]
    ref = collision_values(eq, kk)
    rows = [{"k": float(k_), "grid": float(est.value[i]), "grid_error": float(est.error[i]),
             "product_rule": float(ref.value[n]), "product_rule_error": float(ref.error[n])}
            for n, (i, k_) in enumerate(zip(PAGE_ROWS, kk))]
    inv = grid.invariants(grid.occupation_values())
    eq_w = sp.lambdify(k_radial, _parse(PAGE_EQUILIBRIA[stat], k_radial, "occupation"), "numpy")
    with np.errstate(over="ignore"):
        w_eq = eq_w(grid.grid.momenta)
    residual = float(np.max(np.abs(grid.apply(w_eq))) / np.max(grid.fine.scale(w_eq)))
    if progress:
        print(f"  {stat}: grid built in {build:.2f} s, equilibrium residual {residual:.1e}")
    return {"rows": rows, "number": inv["number"] / inv["number scale"], "energy": inv["energy"] / inv["energy scale"],
            "equilibrium": PAGE_EQUILIBRIA[stat], "equilibrium_residual": residual, "build_seconds": round(build, 1),
            "classes": grid.fine.classes}


def _constant_potential_rows(stat: str, progress: bool) -> list[dict]:
    """Grid C for V̂ ≡ 1 vs the 30-digit mpmath reference of :mod:`kernels.quadrature.uu_reference`."""
    from kernels.collision.radial_quantum import RadialUUCollision
    from kernels.quadrature.uu_reference import reference_collision_constant_potential
    cfg = PAGE_CONSTANT_V
    eq = derive(build_model({"statistics": stat, "potential": "1", "occupation": cfg["occupation"]}))
    est = RadialUUCollision(eq, cfg["size"], energy_max=cfg["energy_max"]).collision()
    w_mp = sp.lambdify(k_radial, eq.data["model"].occupation, "mpmath")
    momenta = np.sqrt(2 * (np.arange(cfg["size"]) + 0.5) * cfg["energy_max"] / cfg["size"])
    rows = []
    for i in cfg["indices"]:
        ref = reference_collision_constant_potential(float(momenta[i]), STATISTICS[stat], 1.0, w_mp, omega_max=30.0)
        rows.append({"k": float(momenta[i]), "grid": float(est.value[i]), "grid_error": float(est.error[i]),
                     "mpmath": ref.value, "mpmath_error": ref.error})
        if progress:
            print(f"  V̂ = 1, {stat}, k = {momenta[i]:.4f}: grid {est.value[i]:.6e} ± {est.error[i]:.1e}, "
                  f"mpmath {ref.value:.10e}")
    return rows


def _kernel_rows() -> list[dict]:
    """M(k, k₂, k₃, k₄) of the grid (P-parametrization) vs the mpmath momentum-transfer reference, V̂ = e^{−q²}."""
    import mpmath
    from kernels.collision.angular import angular_kernel
    from kernels.collision.radial_quantum import derived_parts
    from kernels.quadrature.uu_reference import reference_angular_kernel
    rows = []
    for stat in ("fermi", "bose"):
        kfun, _, vfun, _ = derived_parts(derive(build_model({"statistics": stat})))
        kx, ky = sp.symbols("x y")
        kmp = sp.lambdify((kx, ky), sp.expand((kx + STATISTICS[stat] * ky) ** 2 / 2), "mpmath")  # golden rule
        for a, b, c in PAGE_QUADRUPLES:
            d = math.sqrt(a * a + b * b - c * c)
            m, err = angular_kernel(kfun, vfun, *(np.array([x]) for x in (a, b, c, d)))
            ref = reference_angular_kernel(a, b, c, d, lambda q: mpmath.exp(-q ** 2), kmp)
            rows.append({"statistics": stat, "k": [a, b, c, d], "grid": float(m[0]), "grid_error": float(err[0]),
                         "mpmath": ref.value, "mpmath_error": ref.error})
    return rows


def _fock_rows() -> list[dict]:
    """Exact Fock-space λ² coefficient on small rings vs the derived finite-time formula (as in the tests)."""
    from kernels.exact.fock import RingModel, potential_hat, second_order_coefficient
    L = 5
    omega_f = tuple(1 - np.cos(2 * np.pi * np.arange(L) / L) + 0.1 * np.arange(L) ** 2 / L)
    occ_f = tuple(np.random.default_rng(1).uniform(0.15, 0.85, L))
    cases = [("fermion", -1, RingModel(L, "fermion", omega_f, (0.7, 0.4, -0.3, -0.3, 0.4), occ_f), 1.3, 0.02),
             ("boson", 1, RingModel(3, "boson", (0.0, 1.3, 0.8), (0.9, -0.35, -0.35), (0.15, 0.08, 0.12),
                                    max_particles=12), 1.1, 0.01)]
    rows = []
    for name, theta, model, time, coupling in cases:
        est = second_order_coefficient(model, time=time, coupling=coupling)
        pred = ring_density_change(second_order_density(theta), model.L, model.omega, potential_hat(model), model.occupations, time)
        for q in range(model.L):
            rows.append({"statistics": name, "L": model.L, "t": time, "lambda": coupling, "k": q,
                         "exact": float(est.value[q]), "exact_error": float(est.error[q]), "formula": float(pred[q])})
    return rows


def page_data(progress: bool = False) -> dict:
    """Everything the page shows, JSON-ready: derivations, grid vs references, invariants, exact dynamics."""
    out = {"generated_by": "derive docs --refresh (derive.catalogue.uehling_uhlenbeck.page_data)",
           "conventions": conventions_markdown("continuum", 3), "statistics": {}, "grid": {}, "constant_potential": {},
           "page_grid": dict(PAGE_GRID, occupation=PAGE_OFF_EQUILIBRIUM, potential="exp(-q**2)"),
           "constant_potential_grid": {k_: v for k_, v in PAGE_CONSTANT_V.items() if k_ != "indices"}}
    for stat in STATISTICS:
        if progress:
            print(f"{stat}: derivation")
        out["statistics"][stat] = _statistics_summary(stat)
        out["grid"][stat] = _grid_rows(stat, progress)
    for stat in ("bose", "boltzmann"):
        out["constant_potential"][stat] = _constant_potential_rows(stat, progress)
    out["kernel"] = _kernel_rows()
    out["fock"] = _fock_rows()
    return json.loads(json.dumps(out))


def _e(x: float) -> str:
    return f"{x:.6e}"


def render_page(data: dict) -> str:
    """The Markdown page, deterministic in ``data`` (everything derived is stored by :func:`page_data`)."""
    st = data["statistics"]
    L = ["# Uehling–Uhlenbeck / Nordheim collision operator from a pair Hamiltonian", "",
         "_Generated by `derive docs` from the derivation — do not edit._", "",
         "**Model.** Identical bosons (θ = +1), fermions (θ = −1) or Maxwell–Boltzmann particles (θ = 0, the M → ∞ "
         "limit of M colours with a colour-blind interaction) in ℝ^d, H = ∫ω(k)a*(k)a(k)đk + λ·½∫∫V(x − y)"
         "a*(x)a*(y)a(y)a(x)dxdy, ω(k) = |k|²/2, from a quasifree gauge- and translation-invariant state with "
         "occupation W. **Scaling.** Kinetic time τ = λ²t, λ → 0. **Source.** Seed 004 §3, eqs. (4.5)–(4.6) (Spohn), "
         "with its errata (below).", "", "## Conventions", "", data["conventions"], "",
         "## Derivation (fermions; bosons run the same steps, Maxwell–Boltzmann adds the colour limit)", ""]
    for n, s in enumerate(st["fermi"]["steps"], 1):
        L += [f"### {n}. `{s['name']}` — {s['approximation']}", "", s["description"], "", f"$$ {s['latex']} $$", ""]
        if s["discards"]:
            L += ["Discards: " + "; ".join(s["discards"]) + ".", ""]
    extra = [s for s in st["boltzmann"]["steps"] if s["name"] not in {x["name"] for x in st["fermi"]["steps"]}]
    if extra:
        L += ["### Steps specific to Maxwell–Boltzmann statistics", ""]
        for s in extra:
            L += [f"- `{s['name']}` — {s['approximation']}: {s['description']} $${s['latex']}$$" +
                  (f" Discards: {'; '.join(s['discards'])}." if s["discards"] else ""), ""]
    L += ["## Derived equation and constants", "", f"$$ {st['fermi']['equation']} $$", "",
          "| statistics | θ | transition kernel K | integrand S = K·(gain − loss) |", "|---|---|---|---|"]
    for name, s in st.items():
        L.append(f"| {name} | {s['theta']} | ${s['kernel K']}$ | ${s['kernel S (factored)']}$ |")
    L += ["", "| constant | " + " | ".join(st) + " |", "|---|" + "---|" * len(st)]
    for cname in st["fermi"]["constants"]:
        L.append(f"| {cname} | " + " | ".join(f"${s['constants'].get(cname, '—')}$" for s in st.values()) + " |")
    L += ["", "## Certificates", "", "| certificate | statement | method | " + " | ".join(st) + " |",
          "|---|---|---|" + "---|" * len(st)]
    for c in st["fermi"]["certificates"]:
        holds = " | ".join("✓" if any(d["name"] == c["name"] and d["holds"] for d in s["certificates"]) else "—"
                           for s in st.values())
        L.append(f"| {c['name']} | ${c['statement']}$ | {c['method']} | {holds} |")
    pg = data["page_grid"]
    L += ["", "## Conservative energy-grid operator (d = 3, radial W)", "",
          f"`kernels.collision.RadialUUCollision`: energies ω_i = (i + ½)h, N = {pg['size']}, ω ≤ {pg['energy_max']}, "
          f"V̂ = {pg['potential']}, W = {pg['occupation']}. ω₄ = ω + ω₂ − ω₃ lands on the grid; the angular kernel "
          "M = kk₂k₃k₄∫dΩ₂dΩ₃dΩ₄δ³(k + k₂ − k₃ − k₄)K is computed once per class {{i, j}, {l, m}} from the "
          "lambdified derived K; the gain − loss bracket is the derived S/K made exactly antisymmetric. Error = "
          "|C_h − C_{2h}| (two 2h grids with offsets ¼, ¾) + angular-quadrature error.", "",
          "### Quadrature table: grid vs the entry's product Gauss–Legendre rule (`collision_values`)", "",
          "| statistics | k | grid C ± error | product rule ± error | difference | difference / grid error |",
          "|---|---|---|---|---|---|"]
    for name, g in data["grid"].items():
        for r in g["rows"]:
            diff = abs(r["grid"] - r["product_rule"])
            L.append(f"| {name} | {r['k']:.4f} | {_e(r['grid'])} ± {r['grid_error']:.1e} | {_e(r['product_rule'])} ± "
                     f"{r['product_rule_error']:.1e} | {diff:.1e} | {diff / r['grid_error']:.2f} |")
    cp = data["constant_potential_grid"]
    L += ["", f"### Quadrature table: grid vs 30-digit mpmath (V̂ ≡ 1, W = {cp['occupation']}, N = {cp['size']}, "
          f"ω ≤ {cp['energy_max']})", "",
          "Reference: `kernels.quadrature.uu_reference`, closed-form angular kernel 8π² min(k, k₂, k₃, k₄)/(kk₂k₃k₄) "
          "and the golden-rule amplitude, 2-d integral in (ω₂, ω₃) split at its kinks, Gauss–Legendre 24/48 nodes "
          "after a sin² map at 30 digits.", "",
          "| statistics | k | grid C ± error | mpmath ± error | difference | difference / grid error |",
          "|---|---|---|---|---|---|"]
    for name, rows in data["constant_potential"].items():
        for r in rows:
            diff = abs(r["grid"] - r["mpmath"])
            L.append(f"| {name} | {r['k']:.4f} | {_e(r['grid'])} ± {r['grid_error']:.1e} | {r['mpmath']:.15e} ± "
                     f"{r['mpmath_error']:.1e} | {diff:.1e} | {diff / r['grid_error']:.2f} |")
    L += ["", "### Angular kernel M: grid rule (total momentum P) vs mpmath (momentum transfer Q), V̂ = e^{−q²}", "",
          "| statistics | (k, k₂, k₃, k₄) | grid M ± error | mpmath ± error | difference |", "|---|---|---|---|---|"]
    for r in data["kernel"]:
        ks = ", ".join(f"{x:.4g}" for x in r["k"])
        L.append(f"| {r['statistics']} | ({ks}) | {r['grid']:.12e} ± {r['grid_error']:.1e} | {r['mpmath']:.15e} ± "
                 f"{r['mpmath_error']:.1e} | {abs(r['grid'] - r['mpmath']):.1e} |")
    L += ["", "### Conservation and equilibria on the grid", "",
          "Relative residuals Σρ_iC_i / Σρ_i|C_i| (number) and Σρ_iω_iC_i / Σρ_iω_i|C_i| (energy) for the "
          "off-equilibrium W; equilibrium residual max|C_i| / max(gain + loss scale).", "",
          "| statistics | number | energy | equilibrium W | equilibrium residual | M classes | build time (s) |",
          "|---|---|---|---|---|---|---|"]
    for name, g in data["grid"].items():
        L.append(f"| {name} | {g['number']:.1e} | {g['energy']:.1e} | `{g['equilibrium']}` | "
                 f"{g['equilibrium_residual']:.1e} | {g['classes']} | {g['build_seconds']} |")
    L += ["", "## Exact Fock-space dynamics vs the derived finite-time formula", "",
          "λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩₀ on a ring (exact evolution per particle-number sector, Richardson in "
          "λ) against the derived second-order formula W_t − W₀ = λ²Σμ²(S₊K₊ + S₋K₋) (`ring_density_change`).", "",
          "| statistics | L | t | λ | k | exact ± error | derived formula | relative difference |",
          "|---|---|---|---|---|---|---|---|"]
    for r in data["fock"]:
        scale = max(abs(x["exact"]) for x in data["fock"] if x["statistics"] == r["statistics"])
        L.append(f"| {r['statistics']} | {r['L']} | {r['t']} | {r['lambda']} | {r['k']} | {r['exact']:.12e} ± "
                 f"{r['exact_error']:.1e} | {r['formula']:.12e} | {abs(r['exact'] - r['formula']) / scale:.1e} |")
    L += ["", "## Errata applied (seed 004)", "",
          "- (4.6) prints no prefactor: the constant is derived — c = 2π in front of δ(Δ) (kinetic limit of the time "
          "factors) with đk₂đk₃ = (2π)^{−6}dk₂dk₃, and K = ½(V̂(k − k₃) + θV̂(k − k₄))² for θ = ±1.",
          "- Maxwell–Boltzmann statistics: K = ½(V̂(k − k₃)² + V̂(k − k₄)²), i.e. V̂(k − k₃)² after k₃ ↔ k₄ — no ½ "
          "and no exchange term (distinguishable particles, ordered final states).",
          "- (2.7): the pair interaction is H_I = ½∫∫V a*(x)a*(y)a(y)a(x) (the seed lacks √ε and the ½ and orders "
          "the annihilators so that the fermion sign flips).",
          "- (3.3): Wick's rule for fermions is a determinant (permanent for bosons); the printed sign is wrong.",
          "- The exchange term V̂(k₂ − k₃) equals V̂(k − k₄) only for k₄ = k + k₂ − k₃ and even V.", ""]
    return "\n".join(L)


def recheck(data: dict) -> list[str]:
    """Re-derive the transition kernels and recompute the grid rows of the fermion table (N = 64)."""
    from kernels.collision.radial_quantum import RadialUUCollision
    stale = []
    for stat, stored in data.get("statistics", {}).items():
        eq = derive(build_model({"statistics": stat, "occupation": PAGE_OFF_EQUILIBRIUM}))
        if sp.latex(eq.results["transition kernel K"]) != stored["kernel K"]:
            stale.append(f"{stat}: derived transition kernel changed")
        if [s.name for s in eq.derivation.steps] != [s["name"] for s in stored["steps"]]:
            stale.append(f"{stat}: derivation steps changed")
    if "fermi" not in data.get("grid", {}):
        return stale + ["grid: fermi rows missing"]
    eq = derive(build_model({"statistics": "fermi", "occupation": PAGE_OFF_EQUILIBRIUM}))
    grid = RadialUUCollision(eq, PAGE_GRID["size"], energy_max=PAGE_GRID["energy_max"])
    values = grid.apply(grid.occupation_values())
    for i, row in zip(PAGE_ROWS, data["grid"]["fermi"]["rows"]):
        if abs(values[i] - row["grid"]) > 1e-10 * abs(row["grid"]) + 1e-300:
            stale.append(f"grid fermi k = {row['k']:.4f}: {values[i]:.6e} ≠ stored {row['grid']:.6e}")
    inv = grid.invariants(grid.occupation_values())
    if abs(inv["number"]) > 1e-12 * inv["number scale"] or abs(inv["energy"]) > 1e-12 * inv["energy scale"]:
        stale.append("grid fermi: number or energy no longer conserved to 1e-12")
    return stale
