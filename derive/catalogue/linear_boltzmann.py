"""Recipe: the linear Boltzmann equation as the weak-coupling limit of H = H₀ + λV (seed 003 §5, seed 004 (4.4)).

The recipe states the model and chains generic stages; it contains no collision formula. Pipeline::

    Model → Duhamel terms (order ≤ 2) → second moment F_t(k, k−ξ) → Gaussian pairing → δ-integration
          → collision part (ξ → 0) → time-simplex integrals → weak-coupling limit (and the +i0 route)
          → σ(k, p) read off the gain term, loss checked against it → ladder resummation
          → free transport (Wigner scaling) → concrete ω and R → ∂_τW + v·∇_X W = C[W].
"""
from __future__ import annotations

import sympy as sp

from derive.algebra.terms import (R, Term, W0, as_wigner, conjugate_term, gaussian_average, integrate_deltas,
                                  multiply_terms, omega)
from derive.conventions import (conventions_for, conventions_markdown, group_velocity, lam, t, tau,
                                time_kernel)
from derive.errors import DeriveError
from derive.expansion.duhamel import duhamel_term, schrodinger_in_momentum_space
from derive.ir import Approximation as A
from derive.ir import Derivation, KineticEquation, Step
from derive.limits.weak_coupling import (free_transport_generator, integrate_time_simplex, retarded_rate,
                                         weak_coupling_limit)
from derive.models.random_potential import RandomPotentialModel

__all__ = ["derive_linear_boltzmann", "W"]

k = sp.Symbol("k", real=True)
p = sp.Symbol("p", real=True)
xi = sp.Symbol("xi", real=True)
eta_X = sp.Symbol("eta", real=True)
Delta = sp.Symbol("Delta", real=True)
W = sp.Function("W")
F = sp.Function("F")


def _second_moment_terms(measure: sp.Expr, max_order: int = 2) -> dict[tuple[int, int], Term]:
    """:math:`\\hat\\psi^{(n)}_t(k)\\overline{\\hat\\psi^{(m)}_t(k-\\xi)}` for ``m + n ≤ max_order``."""
    amps = {n: duhamel_term(n, k, measure) for n in range(max_order + 1)}
    shifted = {m: conjugate_term(duhamel_term(m, k - xi, measure)) for m in range(max_order + 1)}
    return {(n, m): multiply_terms(shifted[m], amps[n])
            for n in range(max_order + 1) for m in range(max_order + 1) if n + m <= max_order}


def _rename_last_momentum(term: Term) -> Term:
    if len(term.momenta) != 1:
        raise DeriveError(f"expected one free momentum after δ-integration, got {term.momenta}")
    return Term(term.integrand.subs(term.momenta[0], p), (p,), term.times)


def _time_factor(term: Term, weight: sp.Expr) -> sp.Expr:
    """Time integral of ``term`` divided by the momentum-dependent ``weight`` (must leave a function of Δ, t)."""
    integrand = sp.powsimp(sp.expand(term.integrand / weight), combine="exp")
    integrand = integrand.subs(omega(p), omega(k) - Delta)
    res = integrate_time_simplex(integrand, term.times)
    res = sp.simplify(sp.expand(res).rewrite(sp.cos))  # real trigonometric form of e^{±iΔt} combinations
    if res.free_symbols - {Delta, t}:
        raise DeriveError(f"time factor depends on more than Δ and t: {res}")
    return res


def derive_linear_boltzmann(model: RandomPotentialModel) -> KineticEquation:
    """Derive ∂_τW + v·∇_X W = C[W] for ``model``, recording every step.

    Returns a :class:`~derive.ir.KineticEquation` whose σ(k, p), constant and velocity come out of the
    stages; nothing in this function names the answer.
    """
    cv = conventions_for(model.space, model.dim)
    mu, N = cv.measure, cv.delta_normalization
    d = Derivation(f"Linear Boltzmann equation for {model.describe()}")
    d = d.then(Step("model", "Schrödinger equation in momentum space; (V̂ψ̂)(k) is the convolution "
                    f"with measure {cv.measure_name}. Bold momenta k, p are {model.dim}-vectors.",
                    schrodinger_in_momentum_space(k, p, mu), A.DEFINITION))

    amps = [duhamel_term(n, k, mu) for n in range(3)]
    psi_t = sp.Function("psihat")(k, t)
    d = d.then(Step("duhamel_expansion", "Duhamel series of e^{-itH}ψ₀ iterated to second order.",
                    sp.Eq(psi_t, sp.Add(*[a.as_integral() for a in amps], sp.O(lam ** 3), evaluate=False), evaluate=False), A.TRUNCATION,
                    ("Duhamel terms of order λ³ and higher (their averaged contribution to the second "
                     "moment is O(λ⁴) at fixed t)",)))

    pairs = _second_moment_terms(mu)
    d = d.then(Step("second_moment", "F_t(k, k−ξ) = 𝔼 ψ̂_t(k) conj ψ̂_t(k−ξ) expanded in the Duhamel terms "
                    "(n on ψ, m on the conjugate, n + m ≤ 2).",
                    sp.Eq(F(k, xi), sum(T.as_integral() for T in pairs.values()), evaluate=False), A.TRUNCATION,
                    ("products with n + m ≥ 3",)))

    averaged = {nm: gaussian_average(T, N) for nm, T in pairs.items()}
    vanishing = [nm for nm, T in averaged.items() if T.integrand == 0]
    d = d.then(Step("gaussian_pairing", "Disorder average by Gaussian pairing, 𝔼V̂(a)V̂(b) = R(a)·"
                    f"{sp.sstr(N)}·δ(a+b) (real, stationary V); odd moments {sorted(vanishing)} vanish.",
                    sp.Eq(sp.Function("E")(F(k, xi)), sum(T.as_integral() for T in averaged.values()), evaluate=False),
                    A.AVERAGE, ("nothing: a Gaussian potential has no higher cumulants",)))

    reduced = {nm: integrate_deltas(T) for nm, T in averaged.items() if T.integrand != 0}
    d = d.then(Step("momentum_deltas", "Momentum integrals fixed by the pairing δ's carried out "
                    f"(measure {sp.sstr(mu)} × normalization {sp.sstr(N)} = {sp.sstr(sp.simplify(mu * N))}).",
                    sp.Eq(sp.Function("E")(F(k, xi)), sum(T.as_integral() for T in reduced.values()), evaluate=False), A.EXACT))

    # the λ² terms at ξ = 0 (ξ = λ²η: their ξ-dependence is of higher order); ψ₀ψ̄₀ → W0
    collision_terms = {}
    for nm, T in reduced.items():
        if nm == (0, 0):
            continue
        T0 = _rename_last_momentum(Term(T.integrand.subs(xi, 0), T.momenta, T.times))
        collision_terms[nm] = Term(sp.powsimp(as_wigner(T0.integrand, k, xi), combine="exp"), T0.momenta, T0.times)
    d = d.then(Step("collision_part", "Order-λ² terms at ξ = 0 (ξ = λ²η in the kinetic scaling), with "
                    "𝔼ψ̂₀(a) conj ψ̂₀(a) = W0(a).",
                    sp.Add(*[T.as_integral() for T in collision_terms.values()]), A.KINETIC_LIMIT,
                    ("O(λ⁴η) corrections from ξ ≠ 0 in the order-λ² terms",)))

    gain = collision_terms.pop((1, 1))
    gain_weight = lam ** 2 * mu * R(sp.expand(k - p)) * W0(p)
    loss_weight = lam ** 2 * mu * R(sp.expand(k - p)) * W0(k)
    G = _time_factor(gain, gain_weight)
    L = sp.simplify(sum(_time_factor(T, loss_weight) for T in collision_terms.values()))
    kernel = time_kernel(Delta)
    if sp.expand((G - kernel).rewrite(sp.exp)) != 0 or sp.expand((L + kernel).rewrite(sp.exp)) != 0:
        raise DeriveError(f"gain/loss time factors {G}, {L} are not ±|∫e^(isΔ)ds|² = {kernel}")
    d = d.then(Step("time_integrals", "Time-simplex integrals with Δ = ω(k) − ω(p): the one-rung (gain) "
                    "term gives |∫₀ᵗ e^{isΔ}ds|², the two immediate-recollision (loss) terms sum to minus it.",
                    sp.Tuple(sp.Eq(sp.Symbol("G"), G, evaluate=False), sp.Eq(sp.Symbol("L"), L, evaluate=False)), A.EXACT))

    weight, limit = weak_coupling_limit(G, Delta)
    d = d.then(Step("weak_coupling_limit", "t = τ/λ², λ → 0: λ²|∫₀ᵗe^{isΔ}ds|² is an approximate identity "
                    "of mass 2πt (computed), so it tends to (mass/t)·τ·δ(Δ).",
                    sp.Eq(sp.Limit(lam ** 2 * G.subs(t, tau / lam ** 2), lam, 0), limit, evaluate=False), A.KINETIC_LIMIT,
                    ("off-shell (Δ ≠ 0) contributions of relative size O(λ²)",)))

    laplace, boundary, rate = retarded_rate(Delta)
    if sp.simplify(rate - weight * sp.DiracDelta(Delta)) != 0:
        raise DeriveError(f"+i0 route gives {rate}, time-kernel route {weight}δ(Δ)")
    d = d.then(Step("retarded_route", "Equivalent +i0 route for the loss rate: 2Re∫₀^∞e^{isΔ−0s}ds = "
                    "2Re[i/(Δ+i0)] with Sokhotski–Plemelj; the principal value is imaginary and drops out.",
                    sp.Eq(2 * sp.re(sp.Symbol("i") / (Delta + sp.Symbol("i0"))), rate, evaluate=False), A.KINETIC_LIMIT,
                    ("principal value PV(1/Δ): an energy renormalization, absent from |ψ̂|²",)))

    delta_shell = sp.DiracDelta(omega(k) - omega(p))
    sigma_abstract = sp.expand(gain_weight / (lam ** 2 * mu * W0(p)) * weight) * delta_shell
    collision_abstract = sp.Integral(mu * sigma_abstract * (W(p) - W(k)), p)
    d = d.then(Step("collision_operator", "Gain = ∫σ(k,p)W0(p), loss = −W0(k)∫σ(k,p): σ read off the gain "
                    "term and the loss checked to carry the same σ (unitarity), so C[W] = ∫σ(W(p) − W(k)).",
                    sp.Eq(sp.Symbol("C[W](k)"), collision_abstract, evaluate=False), A.EXACT))

    d = d.then(Step("ladder_resummation", "The λ^{2n} ladder graphs reproduce the n-th term of the Dyson "
                    "series of e^{τC}; the first term matched above fixes C, so W_τ = e^{τC}W0.",
                    sp.Eq(W(k, tau), sp.exp(tau * sp.Symbol("C")) * W0(k), evaluate=False), A.RESUMMATION,
                    ("crossing graphs", "nesting graphs (beyond immediate recollisions)",
                     "times beyond the convergence radius of the unresummed series")))

    kv, pv = model.momenta("k"), model.momenta("p")
    omega_k, omega_p = model.dispersion(kv), model.dispersion(pv)
    spectrum = model.spectrum(tuple(a - b for a, b in zip(kv, pv)))
    exponent, lim = free_transport_generator(k, eta_X)
    velocity = group_velocity(model.space, omega_k, kv)
    d = d.then(Step("free_transport", "λ⁰ term: phase e^{−it(ω(k)−ω(k−ξ))} with ξ = λ²η, t = τ/λ² → "
                    f"e^{{−iτη·∇ω}}; since ∂_X ↔ i·{sp.sstr(cv.phase)}·η, v = ∇ω/{sp.sstr(cv.phase)}.",
                    sp.Eq(sp.Limit(exponent.subs(xi, lam ** 2 * eta_X), lam, 0), lim, evaluate=False), A.KINETIC_LIMIT,
                    ("O(λ²) dispersive corrections to free transport",)))

    concrete = {omega(k): omega_k, omega(p): omega_p, R(sp.expand(k - p)): spectrum}
    sigma = sigma_abstract.subs(concrete)
    shell = omega_k - omega_p
    cofactor = sigma.subs(sp.DiracDelta(shell), 1)  # no simplify: it factors periodized sums into overflowing exps
    if cofactor.has(sp.DiracDelta) or sp.simplify(cofactor * sp.DiracDelta(shell) - sigma) != 0:
        raise DeriveError(f"σ is not of the form cofactor·δ(shell): {sigma}")
    d = d.then(Step("substitute_model", "Concrete dispersion and the derived power spectrum inserted.",
                    sp.Eq(sp.Symbol("sigma(k,p)"), sigma, evaluate=False), A.SUBSTITUTION))

    Wk = W(*kv, sp.Symbol("X"), tau)
    Wp = W(*pv, sp.Symbol("X"), tau)
    collision = sp.Integral(mu * sigma * (Wp - Wk), *pv)
    transport = sum(vj * sp.Derivative(Wk, sp.Symbol(f"X_{j + 1}")) for j, vj in enumerate(velocity))
    equation = sp.Eq(sp.Derivative(Wk, tau) + transport, collision, evaluate=False)
    d = d.then(Step("kinetic_equation", "The linear Boltzmann equation in kinetic variables (τ, X).",
                    equation, A.EXACT))
    return KineticEquation(
        name="linear-boltzmann", model=model.to_dict(), k=kv, p=pv, omega=omega_k,
        velocity=velocity, cross_section=sigma, cofactor=cofactor, shell=shell,
        spectrum=spectrum, measure=mu, collision=collision, equation=equation, derivation=d,
        constants={"time-kernel weight (∫|∫₀ᵗe^{isΔ}ds|²dΔ / t)": weight,
                   "measure × δ-normalization": sp.simplify(mu * N)},
        conventions=conventions_markdown(model.space, model.dim), values=model.values)
