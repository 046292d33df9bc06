"""The generated page of ``electron-phonon``: the stored numbers (``page_data``), the Markdown (``render_page``)
and the staleness check (``recheck``) used by ``derive docs`` (:mod:`derive.page`); the recipe is
:mod:`derive.catalogue.electron_phonon`.
"""
from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.catalogue.electron_phonon import (
    ENTRY, ElectronPhononModel, build_model, collision_value, derive, electron_phonon_route, k_radial, q_radial,
    ring_density_change, total_rate,
)
from derive.catalogue.pages._common import cell, certificates_table, exact_comparison_row, exact_table, fmt, quadrature_table, timed_page_data
from derive.ir import DerivedEquation

__all__ = ['page_data', 'render_page', 'recheck', 'quadrature_rows', 'exact_rows', 'certificate_residuals']


#: quadrature-table cases: (label, parameters, momenta |k|)
QUADRATURE_CASES = (
    ("optical", {"coupling": "1", "Omega": "1", "beta": "1", "occupation": "exp(-k**2)"}, (0.3, 1.0, 1.6, 2.5)),
    ("acoustic", {"coupling": "exp(-q**2)", "Omega": "q", "beta": "2", "occupation": "exp(-k**2/3)"},
     (0.6, 1.0, 1.7, 2.4)),
)
#: exact-dynamics rows: (λ used in the Richardson extrapolation, time t)
EXACT_ROWS = ((0.01, 0.9), (0.01, 1.7), (0.02, 1.7))
#: the ring of the exact check (same model as tests/test_electron_phonon.py)
RING_PARAMETERS = {"L": 4, "omega": (0.0, 0.83, 2.11, 0.97), "phonon": (0.9, 1.31, 0.74, 1.31),
                   "coupling": (0.8, 0.35, -0.2, 0.35), "occupations": (0.4, 0.3, 0.2, 0.1),
                   "boltzmann": (0.3, 0.2, 0.35, 0.2), "cutoff": 2}
_QUANTITIES = {"total-rate": total_rate, "collision": collision_value}


def _mp_callables(model: ElectronPhononModel) -> tuple:
    return tuple(sp.lambdify(var, expr, "mpmath") for var, expr in
                 ((q_radial, model.coupling), (q_radial, model.phonon), (k_radial, model.occupation)))


@lru_cache(maxsize=8)
def _derived(params_key: str) -> DerivedEquation:
    """The derived equation for JSON-encoded parameters (cached: the page code derives the same few models)."""
    return derive(build_model(json.loads(params_key)))


def quadrature_rows(cases=QUADRATURE_CASES, progress: bool = False) -> list[dict]:
    """Kernel Γ(k) and C[W](k) against the 30-digit two-distance references of
    :mod:`kernels.quadrature.electron_phonon_reference` (independent parametrization)."""
    from kernels.quadrature.electron_phonon_reference import (reference_electron_phonon_collision,
                                                              reference_electron_phonon_rate)
    rows = []
    for label, params, momenta in cases:
        eq = _derived(json.dumps(params, sort_keys=True))
        model: ElectronPhononModel = eq.data["model"]
        g_mp, om_mp, w_mp = _mp_callables(model)
        for kmag in momenta:
            for quantity, kernel in _QUANTITIES.items():
                est = kernel(eq, kmag)
                ref = (reference_electron_phonon_rate(kmag, g_mp, om_mp, model.beta) if quantity == "total-rate"
                       else reference_electron_phonon_collision(kmag, g_mp, om_mp, model.beta, w_mp))
                diff = abs(float(est.value) - float(ref.value))
                rows.append({"case": label, "params": dict(params), "quantity": quantity, "k": kmag,
                             "kernel": float(est.value), "kernel_error": float(est.error),
                             "reference": float(ref.value), "reference_error": float(ref.error),
                             "rel_diff": diff / abs(float(ref.value)) if ref.value else diff,
                             "inside": bool(diff <= float(est.error) + float(ref.error))})
                if progress:
                    print(f"  {label} {quantity} k = {kmag}: rel. diff {rows[-1]['rel_diff']:.2e}")
    return rows


def _ring():
    from kernels.exact.electron_phonon import PolaronRing
    return PolaronRing(**RING_PARAMETERS)


def exact_rows(rows=EXACT_ROWS, progress: bool = False) -> list[dict]:
    """λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0 from exact ring dynamics vs the derived finite-time formula
    (:func:`ring_density_change`), as in tests/test_electron_phonon.py."""
    from kernels.exact.electron_phonon import coupling_hat, electron_second_order_coefficient, phonon_occupations
    ring = _ring()
    route = electron_phonon_route()
    out = []
    for lam_used, time in rows:
        est = electron_second_order_coefficient(ring, time=time, coupling=lam_used)
        pred = ring_density_change(route, ring.L, ring.omega, ring.phonon, coupling_hat(ring), ring.occupations,
                                   phonon_occupations(ring), time)
        out.append(exact_comparison_row(lam_used, time, est, pred))
        if progress:
            print(f"  ring λ = {lam_used}, t = {time}: rel. diff {out[-1]['rel_diff']:.2e}")
    return out


def _radial_nodes(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre on [0, √2] and, with k = √2 + u² (square-root threshold of emission), on [√2, √2 + 5.6]."""
    x, w = np.polynomial.legendre.leggauss(n)
    ks1, ws1 = np.sqrt(2) * (x + 1) / 2, w * np.sqrt(2) / 2
    us, wu = np.sqrt(5.6) * (x + 1) / 2, w * np.sqrt(5.6) / 2
    return np.concatenate([ks1, np.sqrt(2) + us ** 2]), np.concatenate([ws1, wu * 2 * us])


def certificate_residuals() -> list[dict]:
    """The certificates evaluated numerically: ∫C đk and the relative-entropy production on the optical default
    (radial quadrature), and C[e^{−βω}]/Γ on both quadrature cases."""
    rows = []
    eq = derive(build_model(dict(QUADRATURE_CASES[0][1])))
    ks, ws = _radial_nodes()
    c = np.array([float(collision_value(eq, kv).value) for kv in ks])
    scale = float(np.sum(ws * ks ** 2 * np.abs(c)))
    rows.append({"certificate": "conservation of ∫W", "test": "∫k²C(k)dk / ∫k²|C(k)|dk, optical, W = e^{−k²}",
                 "residual": float(np.sum(ws * ks ** 2 * c)) / scale, "expected": "0 (≤ 1e-12)"})
    rows.append({"certificate": "H-theorem", "test": "∫k²C(k)log(W/M)dk / ∫k²|C|dk, optical, W = e^{−k²}, "
                 "M = e^{−k²/2}", "residual": float(np.sum(ws * ks ** 2 * c * (-ks ** 2 / 2))) / scale,
                 "expected": "< 0"})
    for label, params, _ in QUADRATURE_CASES:
        beta = params["beta"]
        eq_m = derive(build_model({**params, "occupation": f"exp(-{beta}*k**2/2)"}))
        worst = max(abs(float(collision_value(eq_m, kv).value)) / float(total_rate(eq_m, kv).value)
                    for kv in (0.5, 1.2, 2.3))
        rows.append({"certificate": "detailed balance", "test": f"max |C[e^(−βω)]|/Γ at k = 0.5, 1.2, 2.3, {label}",
                     "residual": worst, "expected": "0 (≤ 1e-14)"})
    return rows


def page_data(progress: bool = False) -> dict:
    """Quadrature table, exact-ring table and numerical certificate residuals (JSON-serializable, ~10–20 s)."""
    return timed_page_data("electron-phonon", __name__, quadrature=lambda: quadrature_rows(progress=progress),
                           ring=lambda: RING_PARAMETERS, exact=lambda: exact_rows(progress=progress),
                           certificate_residuals=certificate_residuals)


def render_page(data: dict) -> str:
    """The Markdown page (deterministic; re-derives the default model live, a few seconds)."""
    eq = derive(build_model({}))
    L = ["# Electron–phonon linear Boltzmann equation", "",
         "_Generated by `derive docs` from the derivation — do not edit._", "",
         f"Source: {ENTRY.source}. Parameters (defaults): "
         + ", ".join(f"`{k_}={v}`" for k_, v in ENTRY.parameters.items()) + ".", "",
         "## Model and scaling", "",
         r"$$ H = \int\omega(k)a^*_ka_k\,đk + \int\Omega(q)b^*_qb_q\,đq + \lambda\iint a^*(x)a(x)g(x-x')"
         r"(b(x') + b^*(x'))\,dx\,dx' $$", "",
         "One electron, ω(k) = |k|²/2 in ℝ^d, phonons in the Gibbs state at inverse temperature β (quasifree, "
         "⟨b*_q b_q'⟩ = N(q)δ(q − q')), weak coupling λ on the kinetic time scale t = τ/λ², λ → 0. The "
         "electron's occupation W(k) = ⟨a*_k a_k⟩ obeys a linear Boltzmann equation with emission and "
         "absorption.", "",
         "## Conventions", "", eq.conventions, "",
         "## Derivation", ""]
    L += eq.derivation.markdown_lines()
    L += ["## Derived equation and constants", "", f"$$ {sp.latex(eq.equation)} $$", ""]
    for key in ("Delta absorption", "S absorption", "Delta emission", "S emission", "thermal occupation"):
        L.append(f"- {key}: ${sp.latex(eq.results[key])}$")
    for key, val in eq.constants.items():
        L.append(f"- {key}: ${sp.latex(val)}$")
    L += ["", "## Certificates", ""] + certificates_table(eq.certificates)
    L += ["", "Evaluated numerically (d = 3, co-area kernels):", "", "| certificate | test | residual | expected |",
          "|---|---|---|---|"]
    for r in data.get("certificate_residuals", []):
        L.append(f"| {r['certificate']} | {cell(r['test'])} | {fmt(r['residual'])} | {cell(r['expected'])} |")
    L += ["", "## Quadrature table (d = 3)", "",
          "Kernel: co-area formula in (|q|, polar angle), δ solved for the angle, Gauss–Legendre 40/80 on the "
          "allowed |q|-intervals (error = difference of the two rules). Reference: "
          "`kernels/quadrature/electron_phonon_reference.py`, written from the golden rule in two-distance "
          "coordinates (p = |k + q|, Q = |q|), δ solved for the final momentum p, mpmath tanh-sinh at 30 digits "
          "(error = change at 50 digits).", ""]
    for label, params, _ in QUADRATURE_CASES:
        L.append(f"- {label}: " + ", ".join(f"`{k_}={v}`" for k_, v in params.items()))
    L += [""] + quadrature_table(data.get("quadrature", []), quantity_column=True)
    ring = data.get("ring", RING_PARAMETERS)
    L += ["", "## Exact dynamics on a ring", "",
          f"One electron on a ring of L = {ring['L']} sites with ω = {tuple(ring['omega'])}, phonons Ω = "
          f"{tuple(ring['phonon'])} (restricted geometric states, Boltzmann factors {tuple(ring['boltzmann'])}, "
          f"cutoff {ring['cutoff']}), real even coupling G(x) = {tuple(ring['coupling'])}, electron occupations "
          f"{tuple(ring['occupations'])}; built in position space (`kernels/exact/electron_phonon.py`). "
          "Exact: the λ² coefficient of ⟨n_k⟩_t − ⟨n_k⟩_0 (± symmetrized exact evolutions, Richardson on "
          "(λ, 2λ), error = change with (2λ, 4λ) + roundoff). Formula: the derived finite-time second-order "
          "expression λ²Σ_fΣ_q μ(S₊K₊ + S₋K₋)(Δ_f) (`ring_density_change`). Columns at the k of largest |exact|; "
          "relative difference = max_k |formula − exact| / max_k |exact|.", ""]
    L += exact_table(data.get("exact", []))
    c = eq.constants["kinetic weight c (λ²K(Δ,τ/λ²) → cτδ(Δ))"]
    L += ["", "## Errata applied (seed 004)", "",
          f"- Seed 004 §2 (ii), eq. (2.6) states the model but prints no collision operator and no prefactor; the "
          f"operator above and its constant are derived: c = ${sp.latex(c)}$ from the time integral, measure "
          "đq = (2π)^{−d}dq from the conventions.",
          "- (3.3) as printed gives the wrong fermion sign; the mixed-statistics Wick rule used here is the "
          "determinant (fermions) / permanent (bosons) rule.",
          "- (3.5) and (4.1) omit (2π)^{−3} relative to the unitary Fourier transform (2.3); the (2π)'s here come "
          "from `derive/conventions.py` only.",
          "- Many-electron (Pauli) terms W(k)W(k+q) are dropped: the equation is for one electron (step "
          "`one_particle_part`).", ""]
    return "\n".join(L)


def recheck(data: dict) -> list[str]:
    """Recompute the first optical total rate and the first acoustic collision value (relative 1e-12)."""
    stale = []
    rows = data.get("quadrature", [])
    picks = [next((r for r in rows if r["case"] == case and r["quantity"] == qty), None)
             for case, qty in (("optical", "total-rate"), ("acoustic", "collision"))]
    for r in picks:
        if r is None:
            stale.append("quadrature table: a case is missing")
            continue
        val = float(_QUANTITIES[r["quantity"]](_derived(json.dumps(r["params"], sort_keys=True)), r["k"]).value)
        if abs(val - r["kernel"]) > 1e-12 * abs(r["kernel"]):
            stale.append(f"{r['case']} {r['quantity']} k = {r['k']}: kernel {val:.15g} ≠ stored {r['kernel']:.15g}")
    return stale
