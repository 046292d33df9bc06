r"""Classical energy-diffusion limit of a fast-forced, shell-relaxed 1-D Liouville equation (seed 002 §3).

Model (seed 002 eq. (31), project conventions: {A, B} = ∂_pA ∂_xB − ∂_xA ∂_pB, Liouville ∂_t f + {H, f} = 0)::

    ∂_t f + ε⁻²{H₀, f} + ε⁻¹{V(x, p, t/ε²), f} = ε⁻² γ (P f − f),

with P f = Π f(H₀) the microcanonical shell average (seed (26)–(28)), γ > 0 the relaxation rate (the seed's
deterministic framework *needs* γ > 0, Lemma 10; γ = 0 is refused) and V(x, p, τ) a finite trigonometric
polynomial in the fast time τ = t/ε² (written ``t`` in the user's forcing strings). The two-scale ansatz
f = F(t, H₀) + ε f₁ + ε² f₂ gives (derived below, every step recorded)

.. math:: \partial_t(h_0F) = \partial_E\big(h_0\, d\, \partial_E F\big),\qquad
          d(E) = \Pi\langle \{V,H_0\}\,\chi\rangle = \gamma\,\Pi\langle\chi^2\rangle,\qquad
          \mathcal T\chi := \partial_\tau\chi + \{H_0,\chi\} + \gamma(\chi - P\chi) = \{V, H_0\},

h₀(E) = ∫δ(H₀ − E) dx dp = period T(E) of the orbit (1-D co-area). Along the orbit (angle θ, θ̇ = Ω(E)) with
{V, H₀} = Σ g_{ν,m} e^{iντ + imθ} the cell problem is diagonal, and the two-scale engine
(:func:`derive.correctors.multiscale.two_scale_limit`) gives the Green–Kubo / Lorentzian sum

.. math:: d(E) = \sum_{\nu,m} |g_{\nu,m}(E)|^2\,\frac{\gamma}{\gamma^2 + (\nu + m\Omega(E))^2}
               = \Pi\int_0^\infty e^{-\gamma s}\langle g(\tau, y)\,g(\tau - s, \Phi_{-s}y)\rangle_\tau\, ds \ \ge 0.

Errata (seed 002) applied: the χ formula (38) has the wrong sign (here χ = +∫₀^∞ e^{−γs} g(τ−s, Φ_{−s}y) ds, so d ≥ 0);
the strong form is ∂_t(h₀F) = ∂_E(h₀ d ∂_E F); in §3.2 the forcing enters ṗ with −(1/ε)cos; the harmonic
oscillator result is derived here (:func:`derive_energy_diffusion`), not quoted.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.conventions import poisson_bracket as _poisson_bracket
from derive.correctors.multiscale import two_scale_limit
from derive.equations.certificates import Certificate
from derive.errors import (CertificateFailed, LimitDoesNotExist, ModelError, OutOfBandError, ParameterError,
                           SingularPointError)
from derive.ir import Approximation, Derivation, DerivedEquation, Step
from derive.parsing import parse_expression as _parse_expression
from derive.parsing import parse_number

__all__ = ["NonConfiningHamiltonian", "UnforcedModel", "EnergyBelowMinimum", "CriticalEnergy",
           "EnergyDiffusionModel", "parse_expression", "parse_number", "poisson_bracket", "energy_diffusion_model",
           "forcing_modes", "trig_modes", "mode_weight", "shell_components", "diffusion_coefficient",
           "derive_energy_diffusion", "certify_energy_diffusion", "oscillator_quantum_classical",
           "anharmonic_quantum_classical", "x", "p", "t", "omega", "E", "gamma"]

x, p = sp.symbols("x p", real=True)
t = sp.Symbol("t", real=True)               #: the FAST time τ = t_slow/ε² in user forcing strings
omega = sp.Symbol("omega", positive=True)
E = sp.Symbol("E", real=True)
gamma = sp.Symbol("gamma", positive=True)
eps = sp.Symbol("epsilon", positive=True)
theta = sp.Symbol("theta", real=True)
_s = sp.Symbol("s", positive=True)
_F = sp.Function("F")


class NonConfiningHamiltonian(ModelError):
    """H₀ does not confine (U(x) ↛ +∞ as |x| → ∞): energy shells are not compact."""


class UnforcedModel(ParameterError):
    """The forcing does not depend on the fast time (or is not a trigonometric polynomial in it)."""


class EnergyBelowMinimum(OutOfBandError):
    """The requested energy lies below min H₀: the shell is empty."""


class CriticalEnergy(SingularPointError):
    """The energy is a critical value of H₀ (separatrix): the period and d(E) are singular there."""


# --------------------------------------------------------------------------- parsing and model
def parse_expression(text, allowed: tuple[sp.Symbol, ...], what: str) -> sp.Expr:
    """``text`` as an expression in the symbols ``allowed`` (:func:`derive.parsing.parse_expression`)."""
    return _parse_expression(text, {str(a): a for a in allowed}, what)


def poisson_bracket(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """{a, b} = ∂_p a ∂_x b − ∂_x a ∂_p b in the phase-space variables (x, p) of this module
    (:func:`derive.conventions.poisson_bracket`)."""
    return _poisson_bracket(a, b, x, p)


@dataclass(frozen=True)
class EnergyDiffusionModel:
    """Validated model: H₀ = p²/2 + U(x), forcing V(x, p, τ), ω > 0, γ > 0.

    ``quadratic`` holds (a, b, c) when U = a x² + b x + c (explicit orbits: symbolic path)."""

    hamiltonian: sp.Expr
    forcing: sp.Expr
    omega: float
    relaxation: float
    potential: sp.Expr
    quadratic: tuple | None
    u_min: float
    x_min: float


def _potential_minimum(U: sp.Expr) -> tuple[float, float]:
    from scipy.optimize import minimize_scalar
    f = sp.lambdify(x, U, "numpy")
    u0, L = float(f(0.0)), 1.0
    with np.errstate(all="ignore"):
        while not (f(L) > u0 and f(-L) > u0):
            L *= 2.0
            if L > 1e6:
                raise NonConfiningHamiltonian(f"U(x) = {U} does not grow above U(0) within |x| < 1e6")
        xs = np.linspace(-L, L, 20001)
        us = np.asarray(f(xs), dtype=float) * np.ones_like(xs)
    i = int(np.argmin(us))
    h = xs[1] - xs[0]
    res = minimize_scalar(f, bounds=(xs[i] - h, xs[i] + h), method="bounded", options={"xatol": 1e-13})
    return float(min(res.fun, us[i])), float(res.x if res.fun <= us[i] else xs[i])


def energy_diffusion_model(hamiltonian: str | sp.Expr = "p**2/2 + x**2/2", forcing: str | sp.Expr = "x*cos(omega*t)",
                           omega_value: str | float = "1", relaxation: str | float = "0.5") -> EnergyDiffusionModel:
    """Validate and build the model (strings are parsed by :func:`parse_expression`).

    Raises :class:`NonConfiningHamiltonian` / :class:`ModelError` (H₀ not of the form p²/2 + U with U → +∞),
    :class:`UnforcedModel` (no fast-time dependence), :class:`ParameterError` (ω ≤ 0, γ < 0) and
    :class:`LimitDoesNotExist` for γ = 0 (no relaxation: seed 002 §3.2 shows the limit is not a diffusion)."""
    H0 = hamiltonian if isinstance(hamiltonian, sp.Expr) else parse_expression(hamiltonian, (x, p), "hamiltonian")
    V = forcing if isinstance(forcing, sp.Expr) else parse_expression(forcing, (x, p, t, omega), "forcing")
    w, g = parse_number(omega_value, "omega"), parse_number(relaxation, "relaxation")
    if not np.isfinite(w) or w <= 0:
        raise ParameterError(f"forcing frequency omega must be > 0, got {w}")
    if not np.isfinite(g) or g < 0:
        raise ParameterError(f"relaxation gamma must be >= 0, got {g}")
    if g == 0:
        raise LimitDoesNotExist("relaxation = 0: for (quasi-)periodic forcing the limit is not a diffusion (seed 002 "
                                "§3.2, Lemma 10 needs gamma > 0; resonances give infinite d); use relaxation > 0")
    U = sp.expand(H0 - p ** 2 / 2)
    if U.has(p) or not U.has(x):
        raise ModelError(f"hamiltonian must have the form p**2/2 + U(x) with U depending on x, got {H0}")
    try:
        lims = [sp.limit(U, x, sp.oo), sp.limit(U, x, -sp.oo)]
    except Exception:  # noqa: BLE001
        raise NonConfiningHamiltonian(f"could not establish U(x) -> +oo as |x| -> oo for U = {U}") from None
    if any(lim != sp.oo for lim in lims):
        raise NonConfiningHamiltonian(f"U(x) = {U} is not confining (limits {lims[0]}, {lims[1]} at ±oo; need +oo)")
    if not V.has(t):
        raise UnforcedModel(f"forcing {V} does not depend on the fast time t")
    forcing_modes(V.subs(omega, w))  # raises UnforcedModel if not a trigonometric polynomial in t
    poly = sp.Poly(U, x) if U.is_polynomial(x) else None
    quad = tuple(float(c) for c in poly.all_coeffs()) if poly is not None and poly.degree() == 2 else None
    umin, xmin = _potential_minimum(U)
    return EnergyDiffusionModel(H0, V, w, g, U, quad, umin, xmin)


# --------------------------------------------------------------------------- Fourier modes
def trig_modes(expr: sp.Expr, var: sp.Symbol) -> dict:
    """{ν: c_ν} with expr = Σ_ν c_ν e^{iν·var} (finite sum; sympy ``rewrite(exp)``). Raises ``ValueError``
    if ``expr`` is not a finite trigonometric polynomial in ``var``."""
    e = sp.expand(sp.expand(expr).rewrite(sp.exp), power_exp=False)
    out: dict = {}
    for term in sp.Add.make_args(e):
        if any(f.is_Pow and f.exp.is_negative and f.base.is_Add and f.base.has(var) for f in sp.Mul.make_args(term)):
            term = sp.factor(term)  # pulls e^{iν var} out of denominators
        coeff, nu = sp.Integer(1), sp.Integer(0)
        for fac in sp.Mul.make_args(term):
            if not fac.has(var):
                coeff *= fac
                continue
            base, ex = fac.as_base_exp()
            if isinstance(fac, sp.exp):
                arg = fac.args[0]
            elif base == sp.E:
                arg = ex
            elif isinstance(base, sp.exp) and not ex.has(var):
                arg = base.args[0] * ex
            else:
                raise ValueError(f"{fac} is not an exponential in {var}")
            slope = sp.expand(sp.diff(arg, var) / sp.I)
            if slope.has(var) or sp.im(slope) != 0:
                raise ValueError(f"{fac} is not e^(i nu {var}) with real nu")
            nu += slope
            coeff *= sp.exp(sp.expand(arg.subs(var, 0)))
        nu = sp.expand(nu)
        out[nu] = out.get(nu, 0) + coeff
    out = {k: sp.cancel(sp.expand(v)) for k, v in out.items()}
    return {k: v for k, v in out.items() if v != 0}


def forcing_modes(V: sp.Expr) -> dict:
    """Fast-time Fourier modes V = Σ_ν V_ν(x, p) e^{iντ} (τ written ``t``); ν are sympy numbers or multiples
    of ω. Raises :class:`UnforcedModel` if V is not a trigonometric polynomial in t with a t-dependent part."""
    try:
        modes = trig_modes(V, t)
    except ValueError as exc:
        raise UnforcedModel(f"forcing must be a finite trigonometric polynomial in the fast time t ({exc})") from None
    if not any(nu != 0 for nu in modes):
        raise UnforcedModel(f"forcing {V} has no oscillating part in the fast time t")
    return modes


# --------------------------------------------------------------------------- the engine on one shell
def _reduced_generators(gm: dict, Om, gam):
    """Shell-reduced two-scale model: coordinate 0 = the slow tangent ∂_E F, then one coordinate per angle mode
    m ≠ 0. ``gm = {(ν, m): g_{ν,m}}``. Returns (L₀, {k: L₁^{(k)}}, P, [ν per pair]).

    L₀ = diag(0, −imΩ − γ) is −{H₀, ·} − γ(I − P) on e^{imθ}; L₁^{(ν)} = −{V_ν, ·} restricted to its
    ∂_E F-part (column: −g_{ν,m}) and ∂²_E F-part (row: c ↦ −Π(g_ν c) = −Σ_m g_{ν,−m} c_m)."""
    ms = sorted({m for (_, m) in gm if m != 0})
    n = 1 + len(ms)
    L0 = sp.zeros(n, n)
    for j, m in enumerate(ms, 1):
        L0[j, j] = -sp.I * m * Om - gam
    P = sp.zeros(n, n)
    P[0, 0] = 1

    def L1(nu):
        M = sp.zeros(n, n)
        for j, m in enumerate(ms, 1):
            M[j, 0] = -gm.get((nu, m), 0)
            M[0, j] = -gm.get((nu, -m), 0)
        return M
    return L0, L1, P


@lru_cache(maxsize=1)
def mode_weight():
    """Weight w of one (ν, m) pair, d = Σ |g_{ν,m}|² w(ν + mΩ), derived by running the two-scale engine on a
    symbolic shell-reduced model with one fast-time frequency ν > 0 and the angle modes ±m. Returns
    ``(w(Δ) as expression in Δ, γ, Step)``; the engine gives w(Δ) = 2γ/(γ² + Δ²) for each ν > 0 (the
    ±ν partners counted together), i.e. γ/(γ² + Δ²) per signed (ν, m)."""
    G, H = sp.symbols("G H")
    nu, mu = sp.Symbol("nu", positive=True), sp.Symbol("mu", positive=True)
    gm = {(1, 1): G, (1, -1): H, (-1, 1): sp.conjugate(H), (-1, -1): sp.conjugate(G)}
    L0, L1, P = _reduced_generators(gm, mu, gamma)
    res = two_scale_limit(L0, {1: L1(1), -1: L1(-1)}, P, nu, sp.Matrix([1, 0, 0]), title="one-pair engine run")
    K = sp.expand(sp.simplify(res.slow_operator[0, 0]))
    wG = sp.simplify(K.coeff(G * sp.conjugate(G)))
    wH = sp.simplify(K.coeff(H * sp.conjugate(H)))
    D = sp.Symbol("Delta", real=True)
    w = sp.simplify(wG.subs(nu, D - mu))
    if sp.simplify(wH - wG.subs(mu, -mu)) != 0 or w.free_symbols - {D, gamma}:
        raise CertificateFailed(f"engine weight is not a function of ν + mΩ alone: {wG}, {wH}")
    step = Step("mode_weight", "Two-scale engine on a symbolic shell-reduced model (slow tangent + angle modes ±m, "
                "fast frequency ν): the O(1) solvability gives |g_{ν,m}|² w(ν + mΩ) for every pair, with w shown "
                "(ν and −ν partners together).", sp.Eq(sp.Function("w")(D), w), Approximation.EXACT)
    return w, D, step


# --------------------------------------------------------------------------- numeric orbits
def shell_components(model: EnergyDiffusionModel, energy: float) -> list[tuple[float, float]]:
    """Turning-point intervals [x₋, x₊] of the connected components of {H₀ = E} (brentq on a grid)."""
    from scipy.optimize import brentq
    if energy < model.u_min - 1e-14 * max(1.0, abs(model.u_min)):
        raise EnergyBelowMinimum(f"energy {energy} is below min H0 = {model.u_min:.12g}")
    f = sp.lambdify(x, model.potential - energy, "numpy")
    L = 1.0 + abs(model.x_min)
    with np.errstate(all="ignore"):
        while not (f(model.x_min + L) > 0 and f(model.x_min - L) > 0):
            L *= 2.0
        xs = np.linspace(model.x_min - L, model.x_min + L, 8001)
        vals = np.asarray(f(xs), dtype=float) * np.ones_like(xs)
    roots = [brentq(f, xs[i], xs[i + 1], xtol=1e-15, rtol=1e-15) for i in np.nonzero(np.diff((vals >= 0).astype(int)))[0]]
    dU = sp.lambdify(x, sp.diff(model.potential, x), "numpy")
    with np.errstate(all="ignore"):
        dvals = np.asarray(dU(xs), dtype=float) * np.ones_like(xs)
    crit = [brentq(dU, xs[i], xs[i + 1], xtol=1e-15) for i in np.nonzero(np.diff((dvals >= 0).astype(int)))[0]]
    tol = 1e-10 * max(1.0, abs(energy))
    if any(abs(dU(r)) < 1e-9 for r in roots) or len(roots) % 2 or any(abs(f(c)) < tol for c in crit):
        raise CriticalEnergy(f"energy {energy} is (numerically) a critical value of H0: the orbit period diverges")
    return [(roots[2 * i], roots[2 * i + 1]) for i in range(len(roots) // 2)]


def _period(f_u, energy, a, b, n):
    """T = 2∫_a^b dx/√(2(E − U)) with x = c − h cos φ (removes the turning-point singularities), Gauss–Legendre."""
    phi, wts = np.polynomial.legendre.leggauss(n)
    phi = (phi + 1) * np.pi / 2
    c, h = (a + b) / 2, (b - a) / 2
    xs = c - h * np.cos(phi)
    return float(2 * np.sum(wts * np.pi / 2 * h * np.sin(phi) / np.sqrt(2 * np.maximum(energy - f_u(xs), 1e-300))))


def _orbit_modes(model, gfuncs, energy, a, N, rtol, T):
    """Angle Fourier coefficients g_{ν,m} on the orbit through (a, 0), sampled at N equal times over the period."""
    from scipy.integrate import solve_ivp
    dU = sp.lambdify(x, sp.diff(model.potential, x), "numpy")
    ts = np.arange(N) * T / N
    sol = solve_ivp(lambda _, y: [y[1], -dU(y[0])], (0.0, T), [a, 0.0], method="DOP853", t_eval=np.append(ts, T),
                    rtol=rtol, atol=rtol * max(1.0, abs(a)))
    closure = float(np.hypot(sol.y[0, -1] - a, sol.y[1, -1]))
    X, Pm = sol.y[0, :-1], sol.y[1, :-1]
    out = {}
    for nu, gf in gfuncs.items():
        vals = np.asarray(gf(X, Pm), dtype=complex) * np.ones(N)
        out[nu] = np.fft.fftshift(np.fft.fft(vals)) / N
    return out, closure


def diffusion_coefficient(model: EnergyDiffusionModel, energy: float, *, samples: int = 256):
    """d(E) for any confining H₀ = p²/2 + U(x) by orbits (turning points, Gauss–Legendre period, DOP853 orbit,
    FFT in the angle) and the engine-derived weight: d = Σ_shells (T_i/h₀) Σ_{ν,m} |g_{ν,m}|² w(ν + mΩ_i).

    Returns a plain dict ``{"value", "error", "h0", "n_eval"}`` (the catalogue wraps it in
    :class:`kernels.estimate.Estimate`; ``derive`` does not import ``kernels``). The error is
    |d(N, rtol 1e-12, 80 nodes) − d(N/2, rtol 1e-9, 40 nodes)| + the relative period difference times d + the
    orbit-closure defect times d. Raises :class:`EnergyBelowMinimum` below min H₀ and :class:`CriticalEnergy` on
    a separatrix; returns 0 at min H₀ (the orbit is a point, g = 0)."""
    energy = float(energy)
    if model.u_min - 1e-14 * max(1.0, abs(model.u_min)) <= energy <= model.u_min + 1e-12 * max(1.0, abs(model.u_min)):
        return {"value": 0.0, "error": 0.0, "h0": 0.0, "n_eval": 0}  # bottom of the well: g = 0 on the point orbit
    comps = shell_components(model, energy)
    w, D, _ = mode_weight()
    wf = sp.lambdify((D, gamma), w, "numpy")
    f_u = sp.lambdify(x, model.potential, "numpy")
    modes = forcing_modes(model.forcing.subs(omega, model.omega))
    gfuncs = {float(nu): sp.lambdify((x, p), poisson_bracket(Vn, model.hamiltonian), "numpy")
              for nu, Vn in modes.items() if float(nu) >= 0}

    def total(N, rtol, nq):
        Ts = [_period(f_u, energy, a, b, nq) for a, b in comps]
        h0, dsum, clos = sum(Ts), 0.0, 0.0
        for (a, _), T in zip(comps, Ts):
            gm, c = _orbit_modes(model, gfuncs, energy, a, N, rtol, T)
            clos += c
            Om = 2 * np.pi / T
            ms = np.arange(-N // 2, N // 2)
            di = 0.0
            for nu, coeffs in gm.items():
                wts = wf(nu + ms * Om, model.relaxation)
                di += float(np.sum(np.abs(coeffs) ** 2 * wts)) * (1.0 if nu > 0 else 0.5)
            dsum += T / h0 * di
        return dsum, h0, clos
    hi, h0, clos = total(samples, 1e-12, 80)
    lo, h0_lo, _ = total(samples // 2, 1e-9, 40)
    err = abs(hi - lo) + abs(hi) * abs(h0 - h0_lo) / h0 + abs(hi) * clos + 1e-15 * abs(hi)
    return {"value": hi, "error": err, "h0": h0, "n_eval": 3 * samples * len(comps)}


# --------------------------------------------------------------------------- symbolic derivation
def _orbit_quadratic(a2, a1, a0):
    """Explicit orbit of H₀ = p²/2 + a2 x² + a1 x + a0 (verified against Hamilton's equations by sympy)."""
    A = sp.Symbol("A", positive=True)
    k = 2 * sp.nsimplify(a2)
    Om = sp.sqrt(k)
    xc = -sp.nsimplify(a1) / k
    umin = sp.nsimplify(a0) - sp.nsimplify(a1) ** 2 / (2 * k)
    X, Pm = xc + A * sp.cos(theta), -A * Om * sp.sin(theta)
    H0 = p ** 2 / 2 + sp.nsimplify(a2) * x ** 2 + sp.nsimplify(a1) * x + sp.nsimplify(a0)
    ham = [sp.simplify(Om * sp.diff(X, theta) - Pm), sp.simplify(Om * sp.diff(Pm, theta) + sp.diff(H0, x).subs(x, X))]
    if any(h != 0 for h in ham):
        raise CertificateFailed(f"orbit ansatz fails Hamilton's equations: {ham}")
    amp = sp.solve(sp.Eq(sp.simplify(H0.subs({x: X, p: Pm})), E), A)
    return H0, X, Pm, Om, A, [r for r in amp if r.could_extract_minus_sign() is False][0], umin


def _steps_common(H0, V, gexpr) -> Derivation:
    f, F = sp.Function("f"), _F
    P_, tau = sp.Function("P"), sp.Symbol("tau", real=True)
    d = Derivation("classical energy diffusion (seed 002 §3, errata applied)")
    d = d.then(Step("scaled_liouville", "Seed (31) in project conventions: {A,B} = ∂_pA∂_xB − ∂_xA∂_pB, τ = t/ε² "
                    "(the forcing string's t), relaxation γ(Pf − f) onto energy shells.",
                    sp.Eq(sp.Derivative(f(t), t) + sp.Symbol(r"\{H_0,f\}") / eps ** 2 + sp.Symbol(r"\{V,f\}") / eps,
                          gamma * (P_(f(t)) - f(t)) / eps ** 2), Approximation.DEFINITION))
    d = d.then(Step("model", "Concrete H₀ and forcing V(x, p, τ).", sp.Tuple(sp.Eq(sp.Symbol("H_0"), H0),
                                                                           sp.Eq(sp.Symbol("V"), V)),
                    Approximation.SUBSTITUTION))
    f0, f1, f2 = (sp.Function(f"f_{j}") for j in range(3))
    d = d.then(Step("hilbert_ansatz", "f = f₀ + εf₁ + ε²f₂, each periodic in τ; ∂_t ↦ ∂_t + ε⁻²∂_τ; 𝒯 = ∂_τ + {H₀,·} "
                    "+ γ(I − P).", sp.Eq(f(t), f0(t, tau) + eps * f1(t, tau) + eps ** 2 * f2(t, tau)),
                    Approximation.TRUNCATION, ("O(ε³) terms",)))
    lead = sp.simplify(poisson_bracket(H0, F(H0)))
    if lead != 0:
        raise CertificateFailed(f"{{H0, F(H0)}} = {lead} ≠ 0")
    d = d.then(Step("slow_manifold", "O(ε⁻²): 𝒯f₀ = 0 ⇒ γ‖f₀ − Pf₀‖² = 0 ⇒ f₀ = F(t, H₀); sympy checks {H₀, F(H₀)} = 0.",
                    sp.Eq(sp.Symbol(r"\{H_0,F(H_0)\}"), lead), Approximation.EXACT))
    br = sp.simplify(poisson_bracket(V, F(H0)) - sp.Subs(sp.Derivative(F(E), E), E, H0).doit() * gexpr)
    if br != 0:
        raise CertificateFailed("{V, F(H0)} is not F'(H0){V, H0}")
    d = d.then(Step("cell_problem", "O(ε⁻¹): 𝒯f₁ = −{V, F(H₀)} = −∂_EF {V, H₀} (sympy chain rule), so f₁ = −χ ∂_EF with "
                    "𝒯χ = g := {V, H₀}, Pχ = 0 (errata: + sign; χ = ∫₀^∞ e^{−γs} g(τ−s, Φ_{−s}y) ds).",
                    sp.Eq(sp.Symbol("g"), gexpr), Approximation.EXACT))
    d = d.then(Step("solvability", "O(1): apply P and average over τ: ∂_tF = a ∂_EF + d ∂²_EF with d = Π⟨gχ⟩, "
                    "a = Π⟨{V, χ}⟩; co-area gives h₀a = ∂_E(h₀d), hence the conservative form.",
                    sp.Eq(sp.Derivative(sp.Symbol("h_0") * F(E), t),
                          sp.Derivative(sp.Symbol("h_0") * sp.Symbol("d") * sp.Derivative(F(E), E), E)),
                    Approximation.KINETIC_LIMIT, ("O(ε) corrections", "the oscillating part of f₂")))
    return d


def _shell_measure_step(H0, U, xa, xb):
    """h₀(E) = ∫δ(H₀ − E) dx dp by the co-area rule: the p-roots of H₀ = E, 1/|∂_pH₀| there, then ∫dx."""
    Ep = sp.Symbol("E", positive=True)
    roots = sp.solve(sp.Eq(H0, Ep), p)
    # between the turning points ∂_pH₀ at the roots is ±(real positive sqrt): |·| is the sqrt itself
    dens = sp.simplify(sum(1 / sp.Abs(sp.diff(H0, p).subs(p, r)) for r in roots).replace(sp.Abs, lambda a: a))
    h0 = sp.Integral(dens, (x, xa, xb))
    return dens, h0, Ep


def _green_kubo_symbolic(gth: sp.Expr, Om) -> sp.Expr:
    """d = ∫₀^∞ e^{−γs} ⟨Π g(τ, θ) g(τ − s, θ − Ωs)⟩ ds computed by sympy (τ- and θ-means = zero modes)."""
    ge = sp.expand(gth.rewrite(sp.exp))
    prod = sp.expand(ge * ge.subs({t: t - _s, theta: theta - Om * _s}))
    c_tau = trig_modes(prod, t).get(sp.Integer(0), sp.Integer(0))
    corr = trig_modes(c_tau, theta).get(sp.Integer(0), sp.Integer(0)) if c_tau != 0 else sp.Integer(0)
    kap = sp.Symbol("kappa", real=True)
    lap = _laplace_unit(kap)
    return sp.cancel(sum(c * lap.subs(kap, k) for k, c in trig_modes(corr, _s).items()))


@lru_cache(maxsize=1)
def _laplace_unit(kap):
    """∫₀^∞ e^{−γs} e^{iκs} ds (sympy) = 1/(γ − iκ)."""
    a = sp.Symbol("a", positive=True)  # ∫₀^∞ e^{−as} ds for a > 0, continued to a = γ − iκ (Re a = γ > 0)
    return sp.integrate(sp.exp(-a * _s), (_s, 0, sp.oo)).subs(a, gamma - sp.I * kap)


def _check_drift_identity(a_orb: sp.Expr, aE: sp.Expr, umin, model: EnergyDiffusionModel) -> None:
    """Π of the τ-mean Σ_ν{V_{−ν}, χ_ν} (trapezoid in θ: exact for trigonometric polynomials) against
    ∂_E(h₀d)/h₀ at three energies, the model's γ and two values of ω."""
    f = sp.lambdify((theta, E, gamma, omega), a_orb, "numpy")
    g = sp.lambdify((E, gamma, omega), aE, "numpy")
    th = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    for w in (model.omega, 1.37):
        for e in (float(umin) + 0.3, float(umin) + 1.1, float(umin) + 2.9):
            lhs = complex(np.mean(f(th, e, model.relaxation, w) * np.ones(th.size)))
            rhs = complex(g(e, model.relaxation, w))
            if abs(lhs - rhs) > 1e-9 * max(1.0, abs(rhs)):
                raise CertificateFailed(f"drift identity h0 a = ∂_E(h0 d) fails at E = {e}: {lhs} vs {rhs}")


def _symbolic_quadratic(model: EnergyDiffusionModel, d: Derivation):
    H0, X, Pm, Om, A, Aval, umin = _orbit_quadratic(*model.quadratic)
    V = model.forcing
    modes = forcing_modes(V)
    if any(nu != 0 and nu.is_positive is None for nu in modes):
        V = V.subs(omega, sp.nsimplify(model.omega))
        modes = forcing_modes(V)
    g = sp.expand(poisson_bracket(V, H0))
    dens, h0int, Ep = _shell_measure_step(H0, model.potential, sp.Symbol("x_-"), sp.Symbol("x_+"))
    e_rel = sp.Symbol("e", positive=True)  # E − min H₀ > 0
    Upot = H0.subs(p, 0)
    xs = sp.solve(sp.Eq(Upot, umin + e_rel), x)
    h0 = sp.simplify(sp.integrate(sp.simplify(dens.subs(Ep, umin + e_rel)),
                                  (x, min(xs, key=lambda r: r.subs(e_rel, 1)), max(xs, key=lambda r: r.subs(e_rel, 1)))))
    h0 = h0.subs(e_rel, E - umin)
    if sp.simplify(h0 - 2 * sp.pi / Om) != 0:
        raise CertificateFailed(f"shell measure {h0} ≠ period 2π/Ω = {2 * sp.pi / Om}")
    d = d.then(Step("shell_measure", "Co-area in 1-D: ∫δ(H₀ − E) dp = Σ_roots 1/|∂_pH₀| (sympy roots), then ∫dx between "
                    "the turning points; equals the period 2π/Ω of the explicit orbit (checked).",
                    sp.Eq(sp.Symbol("h_0(E)"), h0), Approximation.EXACT))
    d = d.then(Step("explicit_orbit", "Orbits of H₀ (verified against Hamilton's equations by sympy): θ̇ = Ω, "
                    "amplitude A(E) from H₀ = E.", sp.Tuple(sp.Eq(x, X), sp.Eq(p, Pm), sp.Eq(A, Aval)),
                    Approximation.EXACT))
    gm = {}
    for nu, Vn in modes.items():
        gth = sp.expand(poisson_bracket(Vn, H0).subs({x: X, p: Pm}))
        for m, c in trig_modes(gth, theta).items():
            if m == 0 and c != 0:
                raise CertificateFailed(f"Π{{V, H0}} ≠ 0 for mode ν = {nu}: {c}")
            if m != 0:
                gm[(nu, m)] = c
    d = d.then(Step("angle_fourier_modes", "g = {V, H₀} on the orbit: g = Σ g_{ν,m} e^{iντ + imθ} (sympy rewrite(exp)); "
                    "the m = 0 coefficients vanish (Πg = 0).",
                    sp.Eq(sp.Symbol("g_{nu,m}"), sp.Dict({sp.Tuple(*k): v for k, v in gm.items()})),
                    Approximation.EXACT))
    L0, L1, P = _reduced_generators(gm, Om, gamma)
    basis = sp.zeros(L0.shape[0], 1)
    basis[0] = 1
    dsum = sp.Integer(0)
    for nu in sorted({k[0] for k in gm}, key=lambda z: float(z.subs(omega, 1))):
        if (nu != 0 and not nu.is_positive):
            continue
        mds, base = ({1: L1(nu), -1: L1(-nu)}, nu) if nu != 0 else ({0: L1(nu)}, sp.Integer(1))
        res = two_scale_limit(L0, mds, P, base, basis, title=f"engine, fast frequency {nu}")
        for st in res.derivation.steps:
            d = d.then(Step(f"{st.name}[nu={nu}]", st.description, st.expr, st.approximation, st.discards))
        dsum += res.slow_operator[0, 0]
    re_d, im_d = sp.cancel(sp.expand_complex(dsum.subs(A, Aval))).as_real_imag()
    if sp.cancel(im_d) != 0:
        raise CertificateFailed(f"d(E) is not real: imaginary part {im_d}")
    dE = sp.factor(sp.cancel(re_d))
    lor = [(sp.Abs(c) ** 2).subs(A, Aval) * gamma / (gamma ** 2 + (nu + m * Om) ** 2) for (nu, m), c in gm.items()]
    if sp.cancel(sp.Add(*lor) - dE) != 0:
        raise CertificateFailed(f"engine d(E) = {dE} is not γΠ⟨|χ|²⟩ = Σ|g|²γ/(γ²+Δ²) = {sp.Add(*lor)}")
    gk = _green_kubo_symbolic(sp.expand(g.subs({x: X, p: Pm})), Om).subs(A, Aval)
    if sp.cancel(sp.expand_complex(gk - dE)) != 0:
        raise CertificateFailed(f"engine d(E) = {dE} differs from the Green–Kubo integral {gk}")
    d = d.then(Step("diffusion_coefficient", "Sum of the engine's solvability terms over the fast frequencies; equal "
                    "(sympy) to the Green–Kubo integral ∫₀^∞ e^{−γs}Π⟨g(τ,y)g(τ−s,Φ_{−s}y)⟩ds evaluated directly.",
                    sp.Eq(sp.Function("d")(E), dE), Approximation.EXACT))
    # cell solution in (x, p) and the drift identity h0 a = ∂_E(h0 d)
    Axp = sp.sqrt((x - X.subs(theta, sp.pi / 2)) ** 2 + p ** 2 / Om ** 2)
    eith = {1: ((x - X.subs(theta, sp.pi / 2)) - sp.I * p / Om) / A, -1: ((x - X.subs(theta, sp.pi / 2)) + sp.I * p / Om) / A}
    chi_nu: dict = {}
    for (nu, m), c in gm.items():  # c A^{-|m|} contains only even powers of A: A² = Axp² is polynomial in (x, p)
        cc = sp.expand(c * A ** (-abs(int(m)))).subs(A, Axp)
        chi_nu[nu] = chi_nu.get(nu, 0) + (cc / (gamma + sp.I * (nu + m * Om))
                                          * (eith[int(np.sign(m))] * A) ** abs(int(m)))
    chi_xp = sum(c * sp.exp(sp.I * nu * t) for nu, c in chi_nu.items())
    cell = sp.expand(sp.diff(chi_xp, t) + poisson_bracket(H0, chi_xp) + gamma * chi_xp - g).subs({x: X, p: Pm})
    cell = sp.cancel(sp.expand(sp.powsimp(sp.expand(cell.subs(sp.Abs(A), A).rewrite(sp.exp)))))
    if cell != 0:
        raise CertificateFailed(f"the cell solution χ does not solve 𝒯χ = {{V, H0}}: residual {cell}")
    # τ-mean of {V, χ}: only e^{−iντ}·e^{iντ} pairs survive (⟨e^{iκτ}⟩ = δ_{κ0}, also for incommensurate ν)
    a_orb = sum(poisson_bracket(modes.get(-nu, 0), c) for nu, c in chi_nu.items()).subs({x: X, p: Pm}).subs(A, Aval)
    aE = sp.factor(sp.cancel(sp.diff(h0 * dE, E) / h0))
    _check_drift_identity(a_orb, aE, umin, model)
    d = d.then(Step("drift_identity", "Explicit χ(x, p, τ) (Fourier coefficients g_{ν,m}/(γ + i(ν + mΩ))) solves "
                    "𝒯χ = {V, H₀} exactly (sympy); the drift a = Π⟨{V, χ}⟩ = Π Σ_ν{V_{−ν}, χ_ν} (θ-mean by the trapezoid "
                    "rule, exact for trigonometric polynomials, at sample E, γ, ω) equals ∂_E(h₀d)/h₀, so the equation "
                    "is conservative.", sp.Eq(sp.Symbol("a(E)"), aE), Approximation.EXACT))
    return d, {"g": g, "h0(E)": h0, "Omega(E)": Om, "d(E)": dE, "a(E)": aE, "orbit": sp.Tuple(X, Pm, Aval),
               "d(E) as Lorentzian sum": sp.Add(*lor, evaluate=False)}, umin


def derive_energy_diffusion(model: EnergyDiffusionModel) -> DerivedEquation:
    """Derive ∂_t(h₀F) = ∂_E(h₀ d ∂_E F) for ``model`` with recorded steps and checked certificates.

    Quadratic U: everything symbolic (d(E; ω, γ) in closed form, checked against the Green–Kubo integral and the
    explicit cell solution). Other U: the steps up to the cell problem are symbolic and d(E) is evaluated by
    :func:`diffusion_coefficient` (``data["d"]``)."""
    g = sp.expand(poisson_bracket(model.forcing, model.hamiltonian))
    d = _steps_common(model.hamiltonian, model.forcing, g)
    w, D, wstep = mode_weight()
    d = d.then(wstep)
    F = _F(E)
    if model.quadratic is not None:
        d, results, umin = _symbolic_quadratic(model, d)
        h0, dE = results["h0(E)"], results["d(E)"]
        values = {gamma: model.relaxation, omega: model.omega}
        exact = {k: sp.nsimplify(v) for k, v in values.items()}
        results["d(E) at parameter values"] = sp.factor(sp.cancel(dE.subs(exact)))
    else:
        h0, dE = sp.Function("h_0")(E), sp.Function("d")(E)
        U = model.potential
        dens, h0int, Ep = _shell_measure_step(model.hamiltonian, U, sp.Symbol("x_-"), sp.Symbol("x_+"))
        d = d.then(Step("shell_measure", "Co-area in 1-D: h₀(E) = Σ_components ∫_{x₋}^{x₊} Σ_roots 1/|∂_pH₀| dx = "
                        "period of the orbit(s); evaluated by Gauss–Legendre with x = c − h cos φ.",
                        sp.Eq(sp.Symbol("h_0(E)"), h0int), Approximation.EXACT))
        d = d.then(Step("numeric_orbits", "Orbits by DOP853 from the turning point over one period; g_{ν,m} by FFT in the "
                        "angle; d = Σ_components (T_i/h₀) Σ_{ν,m} |g_{ν,m}|² w(ν + mΩ_i) with the engine weight w.",
                        sp.Eq(dE, sp.Sum(sp.Symbol("|g_{nu,m}|^2") * w.subs(D, sp.Symbol("nu") + sp.Symbol("m")
                                                                         * sp.Symbol("Omega")),
                                         (sp.Symbol("m"), -sp.oo, sp.oo))), Approximation.TRUNCATION,
                        ("angle modes beyond the sampling Nyquist limit",)))
        results = {"g": g, "h0(E)": h0int, "d(E)": dE.func(E)}
        umin = sp.Float(model.u_min)
    eq = sp.Eq(sp.Derivative(h0 * F, t), sp.Derivative(h0 * dE * sp.Derivative(F, E), E))
    d = d.then(Step("energy_diffusion_equation", "Strong form (errata: ∂_E(h₀ d ∂_E F), no separate drift term); "
                    "slow time t, energy E ≥ min H₀, zero flux at the bottom of the well.", eq,
                    Approximation.EXACT))
    certs = certify_energy_diffusion(model, h0, dE, umin, results.get("d(E) as Lorentzian sum"))
    conv = "\n".join([
        r"- Model: $\partial_t f + \varepsilon^{-2}\{H_0,f\} + \varepsilon^{-1}\{V(x,p,t/\varepsilon^2),f\} = "
        r"\varepsilon^{-2}\gamma(Pf - f)$ (seed 002 (31)), 1-D phase space $(x,p)$, mass 1.",
        r"- Poisson bracket $\{A,B\} = \partial_pA\,\partial_xB - \partial_xA\,\partial_pB$; Liouville "
        r"$\partial_t f + \{H,f\} = 0$ (so $\dot p = -\partial_x H$).",
        r"- `t` in the forcing string is the FAST time $\tau = t/\varepsilon^2$; the limit equation is in the slow time $t$.",
        r"- Relaxation $\gamma > 0$ (damps, rate $\gamma/\varepsilon^2$) onto the microcanonical shell average "
        r"$P$; no $i0$ appears: $\gamma$ regularizes every resonance, $\gamma/(\gamma^2+\Delta^2)$.",
        r"- Measure: $h_0(E) = \int\delta(H_0-E)\,dx\,dp$ = orbit period; $h_0F\,dE$ = particles in $[E, E+dE]$.",
    ])
    return DerivedEquation("energy-diffusion", {"hamiltonian": str(model.hamiltonian), "forcing": str(model.forcing),
                                                "omega": model.omega, "relaxation": model.relaxation},
                           eq, d, results, {"mode weight w(Delta)": w}, tuple(certs), conv, {"model": model})


# --------------------------------------------------------------------------- certificates
def certify_energy_diffusion(model: EnergyDiffusionModel, h0, dE, umin, lorentz_sum=None) -> list[Certificate]:
    """d ≥ 0, conservation of ∫h₀F dE (zero flux at min H₀), and d/dt ∫h₀F² dE = −2∫h₀ d (∂_EF)² dE ≤ 0.
    Symbolic for quadratic H₀; on an energy grid (values and their error bars) otherwise."""
    F = _F(E)
    hs, ds = sp.Function("h")(E), sp.Function("D")(E)
    ent = sp.simplify(2 * F * sp.diff(hs * ds * sp.diff(F, E), E) - sp.diff(2 * F * hs * ds * sp.diff(F, E), E)
                      + 2 * hs * ds * sp.diff(F, E) ** 2)
    if ent != 0:
        raise CertificateFailed(f"entropy identity fails: {ent}")
    if isinstance(dE, sp.Expr) and not isinstance(dE, sp.core.function.AppliedUndef):
        Es = sp.Symbol("e", positive=True)
        terms = sp.Add.make_args(lorentz_sum) if lorentz_sum is not None else (dE,)
        if lorentz_sum is not None and sp.simplify(lorentz_sum - dE) != 0:
            raise CertificateFailed("d(E) differs from its Lorentzian-sum form")
        if not all(tm.subs(E, umin + Es).is_nonnegative for tm in terms):
            raise CertificateFailed(f"d(E) not provably >= 0: {dE}")
        flux0 = sp.limit(sp.simplify(h0 * dE).subs(E, umin + Es), Es, 0, "+")
        if flux0 != 0:
            raise CertificateFailed(f"h0 d does not vanish at min H0 (= {flux0}): mass leaks")
        how = "sympy (positive symbols)"
    else:
        grid = model.u_min + np.array([1e-3, 0.05, 0.25, 0.5, 1.0, 2.0, 4.0]) * max(1.0, abs(model.u_min))
        vals = [diffusion_coefficient(model, e, samples=64) for e in grid]
        if any(v["value"] < -v["error"] for v in vals):
            raise CertificateFailed(f"negative d(E) on the grid: {[v['value'] for v in vals]}")
        f0 = vals[0]["h0"] * vals[0]["value"]
        if not f0 <= 0.05 * max(v["h0"] * v["value"] for v in vals[1:]):
            raise CertificateFailed("h0 d does not tend to 0 at min H0")
        how = "energy grid (7 points, Estimate error bars)"
    return [Certificate("positivity", r"d(E) \ge 0", how, r"d = \gamma\,\Pi\langle\chi^2\rangle"),
            Certificate("conservation", r"\frac{d}{dt}\int h_0F\,dE = 0", "divergence form + zero flux at min H0 (" + how + ")",
                        r"h_0 d \to 0 \text{ as } E \to \min H_0"),
            Certificate("entropy", r"\frac{d}{dt}\int h_0F^2\,dE = -2\int h_0 d\,(\partial_EF)^2 dE \le 0",
                        "sympy integration-by-parts identity + positivity",
                        r"2F\partial_E(h_0dF') = \partial_E(2Fh_0dF') - 2h_0d F'^2")]


# --------------------------------------------------------------------------- quantum ↔ classical
def oscillator_quantum_classical(n_levels: int = 16, omega_value: float = 1.0, relaxation: float = 0.5,
                                 classical: DerivedEquation | None = None) -> dict:
    r"""Einstein rates of the quantum oscillator vs the classical d(E), both derived (not typed).

    Quantum: E_n = n + ½, x_{n,n±1} from the ladder operators (x = (a + a†)/√2), V = x cos ωτ, rates from
    :func:`derive.correctors.einstein.einstein_rates` (same γ on every coherence). Classical: the symbolic d(E)
    of H₀ = (p² + x²)/2, V = x cos ωτ from :func:`derive_energy_diffusion`.

    Correspondence (Kramers–Moyal, ħ = 1): each level carries phase-space area 2π = h₀ΔE, so p_n = h₀ΔE F(E_n)
    and the nearest-neighbour master equation is the flux-difference scheme of ∂_t(h₀F) = ∂_E(h₀ d ∂_E F) with
    d(E_{n+½}) = A(n, n+1)(E_{n+1} − E_n)². At the level energies this reads

    .. math:: D_n := \tfrac12\sum_k A(n,k)(E_k - E_n)^2 \;\leftrightarrow\; d(E_n),\qquad
              a_n := \sum_k A(n,k)(E_k - E_n) \;\leftrightarrow\; h_0^{-1}\partial_E(h_0 d)(E_n),

    with an O(ΔE²·d'') error in general; for the oscillator d is linear in E and both hold exactly for every
    interior level (the top level of the truncation lacks its upper neighbour)."""
    from derive.correctors.einstein import einstein_rates
    n = np.arange(n_levels)
    En = n + 0.5
    X = np.zeros((n_levels, n_levels))
    X[n[:-1], n[:-1] + 1] = np.sqrt((n[:-1] + 1) / 2.0)
    X = X + X.T
    rates, _ = einstein_rates(list(En), X, omega_value, relaxation)
    dEk = En[None, :] - En[:, None]
    D_q = 0.5 * np.sum(rates * dEk ** 2, axis=1)
    a_q = np.sum(rates * dEk, axis=1)
    eq = classical or derive_energy_diffusion(energy_diffusion_model("p**2/2 + x**2/2", "x*cos(omega*t)",
                                                                     omega_value, relaxation))
    if sp.simplify(eq.equation.lhs.args[0] / _F(E) - 2 * sp.pi) != 0 or eq.model["forcing"] != str(x * sp.cos(omega * t)):
        raise ModelError("the classical equation passed must be the oscillator with forcing x*cos(omega*t)")
    vals = {gamma: relaxation, omega: omega_value}
    dE = eq.results["d(E)"].subs(vals)
    h0 = eq.results["h0(E)"]
    d_c = np.array([float(dE.subs(E, e)) for e in En])
    a_c = np.array([float((sp.diff(h0 * dE, E) / h0).subs(E, e)) for e in En])
    return {"E_n": En, "D_quantum": D_q, "drift_quantum": a_q, "d_classical": d_c, "drift_classical": a_c,
            "interior": slice(0, n_levels - 1), "rates": rates}


def anharmonic_quantum_classical(model: EnergyDiffusionModel, levels: list[int], basis: int = 400) -> dict:
    r"""Semiclassical check for polynomial U: quantum D_n = ½Σ_k A(n,k)(E_k − E_n)² vs classical d(E_n).

    H₀ = p²/2 + U(x) is diagonalised in the first ``basis`` harmonic-oscillator states (x = (a + a†)/√2);
    the Einstein rates are A(n,k) = c|x_nk|²[L(E_n − E_k − ω) + L(E_n − E_k + ω)] with L(a) = γ/(γ² + a²) and
    the constant c derived by :func:`derive.correctors.einstein.lorentzian_constant` (the engine run of the
    Einstein module; the full :func:`einstein_rates` would build N²×N² superoperators, too large for N ≈ 60).
    By Bohr correspondence E_{n+k} − E_n → kΩ(E) and |x_{n,n+k}|² → |x_k(E)|² (orbit Fourier coefficients),
    which turns D_n term by term into Σ_m |g_{±ω,m}|² L(mΩ ± ω) = d(E_n); the difference is O(ħ²) and shrinks
    with n. Requires the forcing x·cos(ωt)."""
    from derive.correctors.einstein import lorentzian_constant
    if sp.simplify(model.forcing - x * sp.cos(omega * t)) != 0 or not model.potential.is_polynomial(x):
        raise ModelError("anharmonic_quantum_classical needs a polynomial U and the forcing x*cos(omega*t)")
    c = float(lorentzian_constant()[0])
    k = np.arange(basis)
    a = np.diag(np.sqrt(k[1:]), 1)
    X = (a + a.T) / np.sqrt(2)
    Pm = (a - a.T) / np.sqrt(2)                      # P = −i·Pm, so P² = −Pm²
    U = np.zeros((basis, basis))
    for coeff in sp.Poly(model.potential, x).all_coeffs():   # Horner in the matrix X
        U = U @ X + float(coeff) * np.eye(basis)
    ev, vec = np.linalg.eigh(-(Pm @ Pm) / 2 + U)
    nmax = max(levels) + 40
    En = ev[:nmax]
    x2 = np.abs(vec[:, :nmax].T @ X @ vec[:, :nmax]) ** 2
    dE = En[None, :] - En[:, None]
    g = model.relaxation
    L = lambda z: g / (g ** 2 + z ** 2)  # noqa: E731
    A = c * x2 * (L(dE - model.omega) + L(dE + model.omega))
    np.fill_diagonal(A, 0.0)
    D = 0.5 * np.sum(A * dE ** 2, axis=1)
    rows = []
    for n in levels:
        cl = diffusion_coefficient(model, float(En[n]))
        rows.append({"n": int(n), "E_n": float(En[n]), "D_quantum": float(D[n]), "d_classical": cl["value"],
                     "d_error": cl["error"], "relative_difference": float(D[n] / cl["value"] - 1)})
    return {"lorentzian_constant": c, "basis": basis, "rows": rows}
