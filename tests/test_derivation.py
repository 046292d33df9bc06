"""The derived linear Boltzmann equation: structure, constants and provenance, against independent references.

Every expected value below is written from the physics (see the project conventions), never taken from the
code under test:

* continuum: :math:`\\omega = |k|^2/2`, :math:`v = k`, measure :math:`đk = dk/(2\\pi)^d`;
  lattice: :math:`\\omega = \\sum_j (1 - \\cos 2\\pi k_j)`, :math:`v = (2\\pi)^{-1}\\nabla\\omega = (\\sin 2\\pi k_j)_j`,
  Lebesgue measure on :math:`[-\\tfrac12, \\tfrac12)^d`;
* :math:`\\sigma(k, p) = 2\\pi R(k - p)\\,\\delta(\\omega(k) - \\omega(p))` with :math:`R = \\hat\\vartheta`:
  white noise / i.i.d. sites :math:`R = \\sigma^2`; continuum Gaussian
  :math:`\\vartheta = \\sigma^2 e^{-r^2/2\\ell^2}` gives :math:`R(q) = \\sigma^2 (2\\pi\\ell^2)^{d/2} e^{-\\ell^2 q^2/2}`;
  :math:`\\vartheta = e^{-r}` in :math:`d = 3` gives :math:`R(q) = 8\\pi/(1 + q^2)^2`; the lattice Gaussian is
  :math:`\\vartheta` sampled on :math:`\\mathbb{Z}^d`, :math:`R(q) = \\sum_x \\vartheta(x) e^{-2\\pi i q\\cdot x}`
  (checked directly as a lattice sum in mpmath, and via Poisson summation in double precision).
"""
from __future__ import annotations

import dataclasses
import itertools
import re

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import derive.catalogue.linear_boltzmann as lb
from derive import Approximation, Derivation, KineticEquation, RandomPotentialModel, Step, derive_equation
from derive.conventions import t as T_SYMBOL
from derive.errors import DeriveError, LimitDoesNotExist
from derive.limits.weak_coupling import weak_coupling_limit

SEED = 20240611

#: the model grid (the same parameter strings are used in the other test files, so the memoized
#: derivations are shared within one pytest session)
from reference_models import MODELS  # noqa: E402  (tests/ is put on sys.path by conftest.py)
NAMES = list(MODELS)


def eq_for(name: str) -> KineticEquation:
    return derive_equation("linear-boltzmann", MODELS[name])


# ------------------------------------------------------------------------------------ independent references

def spectrum_reference(name: str, q: np.ndarray) -> np.ndarray:
    """R(q) for q of shape (..., d), from the physics (not from the code under test)."""
    m = MODELS[name]
    d, s2, ell = m["dim"], float(m["variance"]), float(m["length"])
    q = np.asarray(q, float)
    q2 = np.sum(q ** 2, axis=-1)
    if m["correlation"] == "white":
        return np.full(q.shape[:-1], s2)
    if m["correlation"] == "exp(-r)":
        assert d == 3 and m["space"] == "continuum"
        return 8 * np.pi / (1 + q2) ** 2
    assert m["correlation"] == "gaussian"
    if m["space"] == "continuum":
        return s2 * (2 * np.pi * ell ** 2) ** (d / 2) * np.exp(-ell ** 2 * q2 / 2)
    # lattice: Poisson summation of the sampled Gaussian (all terms positive: no cancellation)
    total = np.zeros(q.shape[:-1])
    for img in itertools.product(range(-4, 5), repeat=d):
        shifted = 2 * np.pi * (q - np.array(img))
        total += np.exp(-ell ** 2 * np.sum(shifted ** 2, axis=-1) / 2)
    return s2 * (2 * np.pi * ell ** 2) ** (d / 2) * total


def omega_reference(space: str, k: np.ndarray) -> np.ndarray:
    if space == "continuum":
        return 0.5 * np.sum(k ** 2, axis=-1)
    return np.sum(1 - np.cos(2 * np.pi * k), axis=-1)


def velocity_reference(space: str, k: np.ndarray) -> np.ndarray:
    return k if space == "continuum" else np.sin(2 * np.pi * k)


def random_momenta(name: str, n: int = 25, salt: int = 0) -> tuple[np.ndarray, np.ndarray]:
    m = MODELS[name]
    rng = np.random.default_rng([SEED, NAMES.index(name), salt])
    if m["space"] == "lattice":
        return rng.uniform(-0.5, 0.5, (n, m["dim"])), rng.uniform(-0.5, 0.5, (n, m["dim"]))
    return 1.5 * rng.standard_normal((n, m["dim"])), 1.5 * rng.standard_normal((n, m["dim"]))


def lambdified(eq: KineticEquation, expr: sp.Expr, args) -> callable:
    """numpy function of ``args`` with the model's numerical values substituted; refuses leftover symbols."""
    expr = sp.sympify(expr).subs(eq.values)
    leftover = expr.free_symbols - set(args)
    assert not leftover, f"unresolved symbols {leftover} in {expr}"
    return sp.lambdify(list(args), expr, "numpy")


def evaluate(fn, *arrays) -> np.ndarray:
    cols = [a[..., j] for a in arrays for j in range(a.shape[-1])]
    return np.broadcast_to(np.asarray(fn(*cols), dtype=float), arrays[0].shape[:-1])


# ------------------------------------------------------------------------------------------- the equation

@pytest.mark.parametrize("name", NAMES)
def test_cofactor_is_2pi_times_the_spectrum(name):
    """cofactor(k, p) = 2π R(k − p) at 25 seeded random (k, p), relative 1e-12."""
    eq = eq_for(name)
    k, p = random_momenta(name)
    got = evaluate(lambdified(eq, eq.cofactor, (*eq.k, *eq.p)), k, p)
    expected = 2 * np.pi * spectrum_reference(name, k - p)
    assert np.all(np.isfinite(got))
    rdiff = np.abs(got - expected) / np.abs(expected)
    assert np.max(rdiff) <= 1e-12, (name, float(np.max(rdiff)))
    spec = evaluate(lambdified(eq, eq.spectrum, (*eq.k, *eq.p)), k, p)
    assert np.max(np.abs(spec - expected / (2 * np.pi)) / np.abs(expected / (2 * np.pi))) <= 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_dispersion_velocity_shell_and_measure(name):
    eq = eq_for(name)
    m = MODELS[name]
    d = m["dim"]
    assert len(eq.k) == len(eq.p) == len(eq.velocity) == d
    k, p = random_momenta(name, salt=1)
    om = evaluate(lambdified(eq, eq.omega, eq.k), k)
    assert np.allclose(om, omega_reference(m["space"], k), rtol=1e-14, atol=1e-15)
    for j, vj in enumerate(eq.velocity):
        got = evaluate(lambdified(eq, vj, eq.k), k)
        assert np.allclose(got, velocity_reference(m["space"], k)[..., j], rtol=1e-14, atol=1e-15), (name, j)
    # the shell is ±(ω(k) − ω(p)); δ is even, so either sign is the energy shell
    shell = evaluate(lambdified(eq, eq.shell, (*eq.k, *eq.p)), k, p)
    ref = omega_reference(m["space"], k) - omega_reference(m["space"], p)
    assert np.allclose(np.abs(shell), np.abs(ref), rtol=1e-13, atol=1e-14)
    assert np.allclose(shell, ref, atol=1e-13) or np.allclose(shell, -ref, atol=1e-13)
    # measure density w.r.t. Lebesgue: đk = dk/(2π)^d in the continuum, dk on the torus
    expected_measure = (2 * sp.pi) ** (-d) if m["space"] == "continuum" else sp.Integer(1)
    assert sp.simplify(eq.measure - expected_measure) == 0
    # σ = cofactor · δ(shell)
    assert sp.simplify(eq.cross_section - eq.cofactor * sp.DiracDelta(eq.shell)) == 0
    assert eq.cross_section.has(sp.DiracDelta) and not eq.cofactor.has(sp.DiracDelta)


@pytest.mark.parametrize("name", NAMES)
def test_derived_constants(name):
    """The time-kernel weight 2π is *derived* (∫|∫₀ᵗe^{isΔ}ds|²dΔ = 2πt) and đk × (2π)^dδ = 1."""
    eq = eq_for(name)
    weights = [v for key, v in eq.constants.items() if "time-kernel" in key]
    assert len(weights) == 1 and sp.simplify(weights[0] - 2 * sp.pi) == 0, eq.constants
    norm = [v for key, v in eq.constants.items() if "normalization" in key]
    assert len(norm) == 1 and sp.simplify(norm[0] - 1) == 0, eq.constants
    # independent: ∫ 2(1 − cos x)/x² dx over ℝ is 2π (mpmath, oscillatory quadrature)
    with mp.workdps(30):
        a = 40 * mp.pi   # [0, a] by Gauss-Legendre, the tail 2/a − 2∫_a^∞ cos x/x² dx by quadosc
        head = mp.quad(lambda x: 4 * mp.sin(x / 2) ** 2 / x ** 2, mp.linspace(0, a, 41))
        tail = 2 / a - 2 * mp.quadosc(lambda x: mp.cos(x) / x ** 2, [a, mp.inf], omega=1)
        assert abs(2 * (head + tail) - 2 * mp.pi) < mp.mpf(10) ** -20


@pytest.mark.parametrize("name", ["lattice-d2-white", "continuum-d3-gaussian"])
def test_collision_and_equation_objects(name):
    eq = eq_for(name)
    assert isinstance(eq.collision, sp.Integral)
    assert set(v for v, *_ in eq.collision.limits) == set(eq.p)
    assert isinstance(eq.equation, sp.Eq)
    lhs_derivs = eq.equation.lhs.atoms(sp.Derivative)
    wrt = {str(v) for dv in lhs_derivs for v, _ in dv.variable_count}
    assert "tau" in wrt and {f"X_{j + 1}" for j in range(len(eq.k))} <= wrt
    assert eq.equation.rhs == eq.collision
    assert re.fullmatch(r"[0-9a-f]{16}", eq.source_hash)
    assert eq.model["space"] == MODELS[name]["space"] and int(eq.model["dim"]) == MODELS[name]["dim"]
    assert "đk" in eq.conventions or "dk" in eq.conventions


def test_lattice_gaussian_spectrum_is_the_lattice_fourier_series():
    """R(q) = Σ_{x∈ℤ²} σ² e^{−|x|²/2ℓ²} e^{−2πiq·x}, summed directly in mpmath (30 digits), no Poisson step."""
    name = "lattice-d2-gaussian"
    eq = eq_for(name)
    s2, ell = mp.mpf("0.7"), mp.mpf(2)
    spec = eq.spectrum.subs(eq.values)
    rng = np.random.default_rng(SEED)
    with mp.workdps(30):
        xs = range(-30, 31)
        weight = {x: mp.exp(-mp.mpf(x) ** 2 / (2 * ell ** 2)) for x in xs}
        for q in rng.uniform(-0.9, 0.9, (3, 2)):
            qm = [mp.mpf(float(c)) for c in q]
            c1 = mp.fsum(weight[x] * mp.cos(2 * mp.pi * qm[0] * x) for x in xs)
            c2 = mp.fsum(weight[x] * mp.cos(2 * mp.pi * qm[1] * x) for x in xs)  # the Gaussian factorizes
            direct = s2 * c1 * c2
            k_vals = {eq.k[0]: sp.Float(float(q[0]), 30), eq.k[1]: sp.Float(float(q[1]), 30), eq.p[0]: 0, eq.p[1]: 0}
            got = mp.mpf(str(sp.N(spec.subs(k_vals), 30)))
            assert abs(got - direct) <= mp.mpf(10) ** -12 * abs(direct), (q, got, direct)


def test_lattice_gaussian_cofactor_is_finite_for_long_correlation_length():
    params = {"space": "lattice", "dim": 2, "correlation": "gaussian", "variance": "1", "length": "5"}
    eq = derive_equation("linear-boltzmann", params)
    fn = lambdified(eq, eq.cofactor, (*eq.k, *eq.p))
    k, p = np.array([[0.4, 0.3]]), np.array([[0.35, 0.2]])
    with np.errstate(all="ignore"):
        got = evaluate(fn, k, p)
    q = k - p
    expected = 2 * np.pi * sum(2 * np.pi * 25 * np.exp(-25 * np.sum((2 * np.pi * (q - np.array(m))) ** 2, -1) / 2)
                               for m in itertools.product(range(-3, 4), repeat=2))
    assert np.all(np.isfinite(got)) and np.allclose(got, expected, rtol=1e-12)


# ------------------------------------------------------------------------------------------- the derivation

#: steps that drop something must say what
APPROXIMATING = {Approximation.TRUNCATION, Approximation.KINETIC_LIMIT, Approximation.RESUMMATION}


@pytest.mark.parametrize("name", NAMES)
def test_every_step_is_recorded_with_its_approximation(name):
    d = eq_for(name).derivation
    assert isinstance(d, Derivation) and d.title and len(d.steps) >= 10
    names = [st.name for st in d.steps]
    assert len(set(names)) == len(names), "step names must be unique"
    assert names[0] == "model" and names[-1] == "kinetic_equation"
    for st in d.steps:
        assert isinstance(st, Step) and isinstance(st.approximation, Approximation), st.name
        assert st.description.strip(), st.name
        assert isinstance(st.expr, sp.Basic), st.name
        assert st.latex.strip(), st.name
        if st.approximation in APPROXIMATING:
            assert st.discards and all(x.strip() for x in st.discards), f"{st.name} discards nothing?"
        if st.approximation is Approximation.EXACT:
            assert not st.discards, f"exact step {st.name} claims to discard {st.discards}"
        as_dict = st.to_dict()
        assert as_dict["approximation"] == st.approximation.value and as_dict["latex"] == st.latex
    # the named discards of the key steps
    ladder = d.step("ladder_resummation")
    assert ladder.approximation is Approximation.RESUMMATION
    assert any("crossing" in x for x in ladder.discards)
    assert any("nest" in x for x in ladder.discards)
    retarded = d.step("retarded_route")
    assert any("principal value" in x.lower() for x in retarded.discards)
    assert any("λ³" in x or "lambda^3" in x for x in d.step("duhamel_expansion").discards)
    assert any("off-shell" in x for x in d.step("weak_coupling_limit").discards)
    # the order of the pipeline: expansion → average → limit → resummation → transport → model
    order = ["duhamel_expansion", "gaussian_pairing", "time_integrals", "weak_coupling_limit",
             "collision_operator", "ladder_resummation", "free_transport", "substitute_model"]
    assert [n for n in names if n in order] == order
    with pytest.raises(KeyError, match="no step named"):
        d.step("no_such_step")


def test_time_integral_and_limit_steps_hold_the_right_expressions():
    d = eq_for("lattice-d1-white").derivation
    gain_eq, loss_eq = d.step("time_integrals").expr
    G, L = gain_eq.rhs, loss_eq.rhs
    sym = {s.name: s for s in G.free_symbols | L.free_symbols}
    g_fn = sp.lambdify((sym["Delta"], sym["t"]), G, "numpy")
    l_fn = sp.lambdify((sym["Delta"], sym["t"]), L, "numpy")
    rng = np.random.default_rng(SEED)
    delta, t = rng.uniform(-3, 3, 20), rng.uniform(0.1, 10, 20)
    expected = 2 * (1 - np.cos(delta * t)) / delta ** 2        # |∫₀ᵗ e^{isΔ} ds|²
    assert np.allclose(g_fn(delta, t), expected, rtol=1e-12)
    assert np.allclose(np.real(l_fn(delta, t)), -expected, rtol=1e-12)   # loss = −gain (unitarity)
    assert np.allclose(np.imag(l_fn(delta, t)), 0, atol=1e-12)
    limit = d.step("weak_coupling_limit").expr.rhs
    deltas = list(limit.atoms(sp.DiracDelta))
    assert len(deltas) == 1
    tau = [s for s in limit.free_symbols if s.name == "tau"][0]
    assert sp.simplify(limit / (tau * deltas[0]) - 2 * sp.pi) == 0
    assert sp.simplify(d.step("retarded_route").expr.rhs / deltas[0] - 2 * sp.pi) == 0


@pytest.mark.parametrize("name", ["lattice-d3-white", "continuum-d2-gaussian", "continuum-d3-exp"])
def test_rendering(name):
    eq = eq_for(name)
    d = eq.derivation
    text = str(d)
    assert text.splitlines()[0] == d.title
    for i, st in enumerate(d.steps, 1):
        assert f"{i:2d}. [{st.approximation.value}] {st.name}:" in text
    assert text.count("discards:") == sum(1 for st in d.steps if st.discards)
    assert "crossing graphs" in text and "principal value" in text.lower()
    latex = d._repr_latex_()
    assert latex.startswith("$") and latex.endswith("$") and latex.count("$") == 2
    assert latex.count("{") == latex.count("}"), "unbalanced braces in the derivation's LaTeX"
    for st in d.steps:
        assert st.name.replace("_", r"\_") in latex
    eq_latex = eq._repr_latex_()
    assert eq_latex.startswith("$") and eq_latex.endswith("$")
    assert eq_latex.count("{") == eq_latex.count("}")
    assert r"\sigma(k,p)" in eq_latex and r"\delta" in eq_latex
    assert "linear-boltzmann" in str(eq) and "sigma(k,p)" in str(eq)


def test_derivation_objects_are_immutable():
    d = eq_for("lattice-d1-white").derivation
    extra = Step("extra", "an extra step", sp.Integer(1), Approximation.EXACT)
    longer = d.then(extra)
    assert len(longer.steps) == len(d.steps) + 1 and "extra" not in [s.name for s in d.steps]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.steps[0].name = "renamed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        eq_for("lattice-d1-white").cofactor = sp.Integer(0)  # type: ignore[misc]
    renamed = dataclasses.replace(d.steps[0], name="renamed")
    assert renamed.name == "renamed" and d.steps[0].name == "model"


# ------------------------------------------------------------------------ the derivation rejects wrong stages

MODEL = RandomPotentialModel(space="lattice", dim=1, correlation="white", variance=0.7)


@pytest.mark.parametrize("kernel, caught", [
    (lambda D, time=T_SYMBOL: 2 * 2 * (1 - sp.cos(D * time)) / D ** 2, True),    # factor 2 off
    (lambda D, time=T_SYMBOL: 2 * (1 - sp.cos(2 * D * time)) / D ** 2, True),    # wrong frequency
    (lambda D, time=T_SYMBOL: (1 - sp.cos(D * time)) / D ** 2, True),            # the ½ dropped
    (lambda D, time=T_SYMBOL: 4 * sp.sin(D * time / 2) ** 2 / D ** 2, False),    # equivalent: accepted
], ids=["doubled", "frequency", "halved", "equivalent-sin2"])
def test_wrong_time_kernel_is_caught(monkeypatch, kernel, caught):
    """The gain/loss time factors come from the Duhamel terms; the convention's time kernel must match them.

    A wrong kernel is rejected by a symbolic identity test (exp-rewrite and expand), which decides simple
    trigonometric kernels like these; an equivalent rewriting (4 sin²(Δt/2)/Δ²) is not falsely rejected.
    """
    monkeypatch.setattr(lb, "time_kernel", kernel)
    if caught:
        with pytest.raises(DeriveError, match="time factors"):
            lb.derive_linear_boltzmann(MODEL)
    else:
        eq = lb.derive_linear_boltzmann(MODEL)
        assert sp.simplify(eq.cofactor - 2 * sp.pi * sp.Symbol("sigma2", positive=True)) == 0


def test_wrong_retarded_route_is_caught(monkeypatch):
    """Forgetting the 2Re (πδ instead of 2πδ) on the +i0 route contradicts the time-kernel route."""
    original = lb.retarded_rate

    def half(delta):
        laplace, boundary, rate = original(delta)
        return laplace, boundary, rate / 2
    monkeypatch.setattr(lb, "retarded_rate", half)
    with pytest.raises(DeriveError, match="i0 route"):
        lb.derive_linear_boltzmann(MODEL)


def test_weak_coupling_limit_accepts_only_approximate_identities():
    D = sp.Symbol("Delta", real=True)
    t = T_SYMBOL
    weight, limit = weak_coupling_limit(2 * (1 - sp.cos(D * t)) / D ** 2, D)
    assert sp.simplify(weight - 2 * sp.pi) == 0 and limit.has(sp.DiracDelta)
    with pytest.raises(LimitDoesNotExist, match="not even"):
        weak_coupling_limit((1 - sp.cos(D * t)) / D, D)                   # odd in Δ
    with pytest.raises(LimitDoesNotExist, match="linearly"):
        weak_coupling_limit(t * 2 * (1 - sp.cos(D * t)) / D ** 2, D)      # mass grows like t²
    with pytest.raises(LimitDoesNotExist, match="vanish"):
        weak_coupling_limit(t * sp.exp(-D ** 2), D)                       # does not concentrate at Δ = 0
