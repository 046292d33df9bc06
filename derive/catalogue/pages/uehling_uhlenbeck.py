"""The generated page of ``uehling-uhlenbeck``: the stored numbers (``page_data``), the Markdown (``render_page``)
and the staleness check (``recheck``) used by ``derive docs`` (:mod:`derive.page`); the recipe is
:mod:`derive.catalogue.uehling_uhlenbeck`.
"""
from __future__ import annotations

import json
import math

import numpy as np
import sympy as sp

from derive.catalogue.uehling_uhlenbeck import (
    STATISTICS, _parse, build_model, collision_values, derive, k_radial, ring_density_change,
)
from derive.conventions import conventions_markdown
from derive.expansion.heisenberg import second_order_density

__all__ = ['page_data', 'render_page', 'recheck']


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
