"""Recipe: the four-wave kinetic equation, classical limit of the on-site lattice boson model.

Seed 004 §2 (iii)–(iv) (Spohn: weakly interacting bosons on ℤ^d; no prefactor printed — errata 004),
conventions of ``../shared/conventions.md`` (lattice ℤ^d, k ∈ 𝕋^d, ω(k) = Σ_j(1 − cos 2πk_j), dk Lebesgue).
The recipe calls the generic route :func:`derive.expansion.heisenberg.second_order_route` with the on-site vertex
:class:`derive.expansion.vertices.OnSiteInteraction` (θ = +1) and types no collision formula. Pipeline::

    H = Σω a*a + λ(U/2)Σ_x a*_x a*_x a_x a_x → route (V̂ = U from the lattice transform of Uδ_{x,0})
      → quantum kinetic equation ∂_τW = ∫∫dk₂dk₃ cδ(Δ)S_q,  k₄ = k + k₂ − k₃ (mod 1)
      → classical limit W → W/ε: ε·C[W/ε] = ε^{−2}C₃[W] + ε^{−1}C₂[W]; on the time scale ε^{−2}τ the cubic part
      → ∂W = ∫∫dk₂dk₃ cδ(Δ) F,  F = K[W₂W₃W₄ + WW₃W₄ − WW₂W₃ − WW₂W₄]  (K = 2U², c = 2π derived)
      → certificates: symmetries, invariants ∫W, ∫ωW (momentum only mod 1), Rayleigh–Jeans stationary,
        entropy ∫log W non-decreasing.

Quantity ``collision`` (d = 1): on the chain the resonant set of Δ = 0 is the trivial lines k₃ ∈ {k, k₂} (where
F ≡ 0, checked) and the line k + k₂ = ½ (mod 1), on which Δ ≡ 0 for every k₃ (checked symbolically); the co-area
formula reduces C[W](k) to ∫dk₃ cF/|∂_{k₂}Δ| on that line (:func:`collision_1d`, Gauss–Legendre on the pieces
between the trivial points, error = difference of two rules). d = 2, 3: ``evaluate`` raises a DeriveError.

Example
-------
>>> eq = derive(build_model({}))
>>> eq.constants["four-wave constant K"]
2*U**2
>>> build_model({"U": "0"})  # doctest: +IGNORE_EXCEPTION_DETAIL
... # Bad → fix: an on-site interaction needs U ≠ 0, e.g. "1"
Traceback (most recent call last):
...
derive.errors.ParameterError: U must be a non-zero real number, got '0'
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.algebra.terms import omega
from derive.conventions import conventions_for, conventions_markdown, dispersion, momentum_symbols, tau
from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed, DeriveError, ParameterError
from derive.expansion.heisenberg import SecondOrderRoute, second_order_route
from derive.expansion.vertices import OnSiteInteraction, U, W, energy_difference, k, k2, k3, swap_34
from derive.ir import Approximation as A
from derive.ir import DerivedEquation, Step
from derive.parsing import parse_expression, parse_number, parse_number_list

__all__ = ["FourWaveModel", "build_model", "onsite_route", "classical_limit", "four_wave_bracket",
           "certify_four_wave", "derive", "resonant_line_1d", "collision_1d", "evaluate", "ENTRY"]

epsilon = sp.Symbol("epsilon", positive=True)   #: inverse occupation scale, W → W/ε
_k4 = k + k2 - k3


@dataclass(frozen=True)
class FourWaveModel:
    """On-site bosons on ℤ^d with interaction U (the kinetic equation holds U symbolic; U is recorded) and a
    classical occupation W(k) (d = 1: an expression in k ∈ [−½, ½), used only by numerical evaluation)."""

    dim: int
    U: float
    occupation: sp.Expr = sp.Integer(1)

    def to_dict(self) -> dict:
        return {"space": "lattice", "dim": self.dim, "U": self.U, "statistics": "bose",
                "dispersion": "sum_j (1 - cos 2 pi k_j)", "occupation": str(self.occupation)}


def build_model(params: dict) -> FourWaveModel:
    """Validate ``dim`` (1, 2 or 3) and ``U`` (real, non-zero)."""
    try:
        dim = int(str(params.get("dim", "1")))
    except ValueError:
        raise ParameterError(f"dim must be 1, 2 or 3, got {params.get('dim')!r}") from None
    if dim not in (1, 2, 3):
        raise ParameterError(f"dim must be 1, 2 or 3 (lattice ℤ^d), got {dim}")
    u = parse_number(params.get("U", "1"), "U")
    if u == 0:
        raise ParameterError(f"U must be a non-zero real number, got {params.get('U')!r}")
    occ = parse_expression(str(params.get("occupation", "exp(cos(2*pi*k))")), {"k": k}, "occupation")
    grid = np.linspace(-0.5, 0.5, 201)
    try:
        vals = np.asarray(np.broadcast_to(sp.lambdify(k, occ, "numpy")(grid.astype(complex)), grid.shape))
    except Exception as exc:  # noqa: BLE001 — any failure of a user expression is a parameter error
        raise ParameterError(f"cannot evaluate occupation {occ}: {type(exc).__name__}") from None
    if not np.all(np.isfinite(vals)) or np.max(np.abs(vals.imag)) > 1e-12 * np.max(np.abs(vals)):
        raise ParameterError(f"occupation {occ} must be real and finite on [−½, ½]")
    if np.min(vals.real) <= 0:
        raise ParameterError(f"occupation {occ} must be > 0 (a classical wave spectrum)")
    if abs(vals[0] - vals[-1]) > 1e-10 * np.max(np.abs(vals)):
        raise ParameterError(f"occupation {occ} is not 1-periodic in k (W(−½) ≠ W(½))")
    return FourWaveModel(dim, u, occ)


@lru_cache(maxsize=1)
def onsite_route() -> SecondOrderRoute:
    """The generic second-order route for the on-site boson vertex (θ = +1), cached."""
    return second_order_route(OnSiteInteraction(statistics=1))


def four_wave_bracket() -> sp.Expr:
    """W₂W₃W₄ + WW₃W₄ − WW₂W₃ − WW₂W₄ (W_j = W(k_j), k₄ = k + k₂ − k₃), for reading off K only."""
    w1, w2, w3, w4 = W(k), W(k2), W(k3), W(_k4)
    return w2 * w3 * w4 + w1 * w3 * w4 - w1 * w2 * w3 - w1 * w2 * w4


def classical_limit(kernel: sp.Expr) -> tuple[sp.Expr, sp.Expr, Step]:
    """(cubic part, discarded quadratic part, Step) of ε³S[W/ε] as ε → 0 (sympy limit of the expanded form)."""
    scaled = sp.expand(epsilon ** 3 * kernel.replace(W, lambda a: W(a) / epsilon))
    cubic = sp.limit(scaled, epsilon, 0)
    rest = sp.expand((scaled - cubic) / epsilon)
    if rest.has(epsilon) or sp.expand(scaled - cubic - epsilon * rest) != 0:
        raise DeriveError(f"ε³S[W/ε] is not cubic + ε·quadratic: {scaled}")
    st = Step("classical_limit", "Large occupations W → W/ε: ∂_τ(W/ε) = C[W/ε] = ε^{−3}C₃[W] + ε^{−2}C₂[W]; "
              "on the time "
              "scale τ' = ε^{−2}τ, ∂_τ'W = C₃[W] + εC₂[W] → C₃[W] as ε → 0 (sympy limit of ε³S[W/ε]).",
              sp.Eq(sp.Symbol("F"), cubic), A.KINETIC_LIMIT, ("the quadratic (quantum) part ε·C₂[W]",))
    return cubic, rest, st


def certify_four_wave(cubic: sp.Expr) -> tuple[list[Certificate], sp.Expr]:
    """Certificates of the four-wave integrand F; returns them and K (F = K·bracket). Failures raise."""
    certs = []
    a, b = sp.symbols("w_a w_b")
    loss = sp.expand(cubic.subs({W(k): a, W(k2): b})).coeff(a, 1).coeff(b, 1)
    K = -sp.expand(loss.subs({W(k3): 1, W(sp.expand(_k4)): 0}))   # −∂²F/∂W∂W₂ at W₃ = 1, W₄ = 0
    if sp.expand(cubic - K * four_wave_bracket()) != 0:
        raise CertificateFailed(f"F is not K·[W₂W₃W₄ + WW₃W₄ − WW₂W₃ − WW₂W₄]: {cubic}")
    if not (K.is_nonnegative and K != 0):
        raise CertificateFailed(f"the four-wave constant K = {K} is not > 0")
    certs.append(Certificate("four-wave form", r"F = K\,[W_2W_3W_4 + WW_3W_4 - WW_2W_3 - WW_2W_4],\ K > 0",
                             "symbolic: K read off the loss monomial, F − K·bracket expanded to 0",
                             sp.latex(sp.Eq(sp.Symbol("K"), K))))
    pair = {k: k2, k2: k, k3: _k4}
    inverse = {k: k3, k2: _k4, k3: k}
    dl = energy_difference()
    sym = (sp.expand(cubic.xreplace(pair)) - sp.expand(cubic), sp.expand(cubic.xreplace(inverse)) + sp.expand(cubic),
           swap_34(cubic) - sp.expand(cubic), sp.expand(dl.xreplace(inverse)) + sp.expand(dl))
    if any(x != 0 for x in sym):
        raise CertificateFailed("F is not symmetric under k ↔ k₂, k₃ ↔ k₄ and antisymmetric under (k,k₂) ↔ (k₃,k₄)")
    certs.append(Certificate("kernel symmetries", r"F(k_2,k|k_4,k_3) = F(k,k_2|k_3,k_4) = -F(k_3,k_4|k,k_2)",
                             "symbolic: substitutions with k₄ = k + k₂ − k₃ (mod 1)", ""))
    for name, f in (("1", lambda x: sp.Integer(1)), ("ω", omega)):
        comb = sp.expand(f(k) + f(k2) - f(k3) - f(_k4) - (dl if name == "ω" else 0))
        if comb != 0:
            raise CertificateFailed(f"{name} is not a collision invariant: {comb}")
    certs.append(Certificate("collision invariants", r"\int \phi\,C[W]\,dk = 0,\ \phi \in \{1, \omega\}",
                             "symbolic: ¼∫F(φ+φ₂−φ₃−φ₄); 0 for φ = 1, Δ for φ = ω (δ(Δ)Δ = 0). Momentum is "
                             "conserved only modulo 1 (k₄ = k + k₂ − k₃ on 𝕋^d, Umklapp): k is not a function on 𝕋^d",
                             ""))
    beta, mu_c = sp.symbols("beta_T mu_c", positive=True)
    rj = sp.Lambda(sp.Symbol("x"), 1 / (beta * (omega(sp.Symbol("x")) + mu_c)))
    on_shell = sp.simplify(sp.together(cubic.replace(W, rj)).xreplace(
        {omega(sp.expand(_k4)): omega(k) + omega(k2) - omega(k3)}))
    if on_shell != 0:
        raise CertificateFailed(f"Rayleigh–Jeans is not stationary: {on_shell}")
    certs.append(Certificate("Rayleigh–Jeans equilibria",
                             r"C[W_{RJ}] = 0,\ W_{RJ} = \frac{1}{\beta(\omega - \mu)},\ \mu < 0",
                             "symbolic: F[W_RJ] = 0 on the shell ω₄ = ω + ω₂ − ω₃", ""))
    ws = [W(k), W(k2), W(k3), W(_k4)]
    square = K * sp.Mul(*ws) * (1 / ws[0] + 1 / ws[1] - 1 / ws[2] - 1 / ws[3])
    if sp.simplify(cubic - square) != 0:
        raise CertificateFailed("F is not K·WW₂W₃W₄(1/W + 1/W₂ − 1/W₃ − 1/W₄)")
    certs.append(Certificate("entropy production", r"\frac{d}{d\tau}\int\log W\,dk = \tfrac14\int c\delta(\Delta)K\,"
                             r"WW_2W_3W_4\Big(\frac1W + \frac1{W_2} - \frac1{W_3} - \frac1{W_4}\Big)^2 \ge 0",
                             "symbolic: F = K·WW₂W₃W₄(1/W + 1/W₂ − 1/W₃ − 1/W₄), symmetries with φ = 1/W, K ≥ 0",
                             ""))
    return certs, K


def derive(model: FourWaveModel) -> DerivedEquation:
    """Derive the quantum on-site kinetic equation and its classical four-wave limit (constants derived)."""
    route = onsite_route()
    fam = route.families["Delta"]
    cv = conventions_for("lattice", model.dim)
    d = route.derivation
    kk = momentum_symbols("k", model.dim)
    d = d.then(Step("substitute_model", f"Lattice ℤ^{model.dim}: μ = {cv.measure} (dk on 𝕋^{model.dim}), N = "
                    f"{cv.delta_normalization}, momenta and δ(k + k₂ − k₃ − k₄) modulo 1; ω from the conventions.",
                    sp.Eq(omega(sp.Symbol("k")), dispersion("lattice", kk)), A.SUBSTITUTION))
    quantum = sp.Integral(cv.measure ** 2 * route.kinetic_weight * sp.DiracDelta(fam.delta) * fam.kernel, k2, k3)
    cubic, quadratic, st = classical_limit(fam.kernel)
    d = d.then(st)
    certs, K = certify_four_wave(cubic)
    d = d.then(Step("four_wave_constant", "F = K·[W₂W₃W₄ + WW₃W₄ − WW₂W₃ − WW₂W₄], K read off the derived F.",
                    sp.Eq(sp.Symbol("K"), K), A.EXACT))
    collision = sp.Integral(cv.measure ** 2 * route.kinetic_weight * sp.DiracDelta(fam.delta) * cubic, k2, k3)
    return DerivedEquation(
        name="four-wave", model=model.to_dict(), equation=sp.Eq(sp.Derivative(W(k), tau), collision, evaluate=False),
        derivation=d,
        results={"quantum kernel S(k,k2,k3)": fam.kernel, "quantum collision": quantum,
                 "four-wave integrand F": cubic, "discarded quadratic part": quadratic, "collision": collision},
        constants={"kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))": route.kinetic_weight, "four-wave constant K": K,
                   "prefactor c·K": sp.expand(route.kinetic_weight * K)},
        certificates=tuple(certs), conventions=conventions_markdown("lattice", model.dim),
        data={"model": model, "route": route})


def resonant_line_1d(equation: DerivedEquation) -> tuple[sp.Expr, sp.Expr]:
    """(k₂*, ∂_{k₂}Δ on the line) of the non-trivial resonant line k₂* = ½ − k of the chain (d = 1), checked.

    With ω(k) = 1 − cos 2πk: Δ(k, ½ − k, k₃) ≡ 0 for all k₃ (sympy), and F vanishes on the trivial resonances
    k₃ = k and k₃ = k₂ (sympy), so only this line carries mass.
    """
    delta = sp.sympify(equation.results["collision"].function).atoms(sp.DiracDelta).pop().args[0]
    x = sp.Symbol("x", real=True)
    delta = delta.replace(omega, sp.Lambda(x, dispersion("lattice", (x,))))
    k2_star = sp.Rational(1, 2) - k
    if sp.simplify(sp.expand_trig(delta.subs(k2, k2_star))) != 0:
        raise DeriveError("Δ does not vanish identically on k + k₂ = ½")
    cubic = equation.results["four-wave integrand F"]
    if sp.expand(cubic.subs(k3, k)) != 0 or sp.expand(cubic.subs(k3, k2)) != 0:
        raise DeriveError("F does not vanish on the trivial resonances k₃ ∈ {k, k₂}")
    slope = sp.simplify(sp.diff(delta, k2).subs(k2, k2_star))
    return k2_star, slope


def collision_1d(equation: DerivedEquation, kval, nodes: tuple = (32, 64)) -> "Estimate":
    """C[W](k) = ∫∫dk₂dk₃ cδ(Δ)F on the chain = c∫_𝕋 dk₃ F(k, ½ − k, k₃)/|∂_{k₂}Δ| (co-area on the resonant line).

    The integrand is smooth between k₃ = k and k₃ = ½ − k (where F and ∂_{k₂}Δ vanish together): Gauss–Legendre on
    those pieces of [−½, ½); the error is the difference of the two rules in ``nodes`` plus 5·10⁻¹⁴|C| for the
    roundoff of the 0/0 quotient F/|∂_{k₂}Δ| at nodes next to the kinks (observed ≤ 1.5·10⁻¹⁴ relative against the
    30-digit reference of :mod:`kernels.quadrature.four_wave_reference`). ``kval``: a number or an array of momenta
    k ∈ 𝕋 (the result has its shape).
    """
    from kernels.estimate import Estimate

    model: FourWaveModel = equation.data["model"]
    if model.dim != 1:
        raise DeriveError(f"four-wave collision is evaluated for dim = 1 only (got dim = {model.dim})")
    k2_star, slope = resonant_line_1d(equation)
    occ = sp.lambdify(k, model.occupation, "numpy")

    def wrapped(a):
        return occ((np.asarray(a, dtype=float) + 0.5) % 1.0 - 0.5)

    ww = sp.Function("WW")
    cubic = equation.results["four-wave integrand F"].subs({U: model.U, k2: k2_star}).replace(W, ww)
    integrand = sp.lambdify((k, k3), equation.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"] * cubic
                            / sp.Abs(slope), modules=[{"WW": wrapped}, "numpy"])
    values, errors = [], []
    for kv in np.atleast_1d(np.asarray(kval, dtype=float)):
        cuts = sorted({(kv + 0.5) % 1.0 - 0.5, (0.5 - kv + 0.5) % 1.0 - 0.5, -0.5, 0.5})
        totals = []
        for n in nodes:
            x, w = np.polynomial.legendre.leggauss(n)
            total = 0.0
            for lo, hi in zip(cuts[:-1], cuts[1:]):
                if hi - lo < 1e-15:
                    continue
                xs = lo + (hi - lo) * (x + 1) / 2
                total += float(np.sum(w * np.broadcast_to(integrand(kv, xs), xs.shape))) * (hi - lo) / 2
            totals.append(total)
        values.append(totals[1])
        errors.append(abs(totals[1] - totals[0]) + 5e-14 * abs(totals[1]))
    shape = np.shape(kval)
    return Estimate(np.reshape(values, shape), np.reshape(errors, shape),
                    f"co-area on the resonant line k + k₂ = ½, Gauss–Legendre {nodes}", n_eval=int(sum(nodes)), dps=15)


def evaluate(equation: DerivedEquation, quantity: str, at: dict):
    """``collision`` C[W](k) at ``at["k"]`` for the chain (d = 1); d = 2, 3 raise :class:`DeriveError`."""
    values = parse_number_list(at["k"], "--at k")
    if len(values) != 1:
        raise ParameterError(f"--at k takes one number k ∈ [−½, ½) (d = 1), got {len(values)}")
    return collision_1d(equation, values[0])


def _entry():
    from derive.catalogue import CatalogueEntry
    return CatalogueEntry(
        name="four-wave",
        summary="Four-wave kinetic equation: classical (large-occupation) limit of the on-site lattice boson model, "
                "derived from the Hamiltonian",
        source="seed 004 §2 (iii)–(iv) (Spohn); prefactor derived (errata 004)",
        parameters={"dim": "1", "U": "1", "occupation": "exp(cos(2*pi*k))"}, quantities=("collision",),
        build_model=build_model, derive=derive,
        evaluate=evaluate, at_keys=("k",))


ENTRY = _entry()
