"""Pieces shared by the generated equation pages: table cells, numbers, the certificates table, and the row of an
exact-dynamics comparison."""
from __future__ import annotations

__all__ = ["cell", "fmt", "certificates_table", "exact_comparison_row", "quadrature_table", "exact_table",
           "timed_page_data"]


def cell(text) -> str:
    """A Markdown table cell: literal pipes (|k|, F(k₂,k|k₄,k₃)) escaped."""
    return str(text).replace("|", "\\|")


def fmt(x: float, digits: int = 3) -> str:
    """A number in the pages' scientific format (``1.234e-05``)."""
    return f"{x:.{digits}e}"


def certificates_table(certificates) -> list[str]:
    """The ``| certificate | statement | method |`` table of proved certificates (statement in LaTeX)."""
    lines = ["| certificate | statement | method |", "|---|---|---|"]
    lines += [f"| {c.name} | ${cell(c.statement)}$ | {cell(c.method)} |" for c in certificates]
    return lines


def exact_comparison_row(lam: float, time: float, exact_estimate, formula) -> dict:
    """One row of an exact-dynamics table: the exact λ² coefficient on a ring (an ``Estimate`` over all momenta)
    against the derived finite-time formula (an array over the same momenta), at the momentum of largest change."""
    import numpy as np
    exact = np.asarray(exact_estimate.value, dtype=float)
    pred = np.asarray(formula, dtype=float)
    i = int(np.argmax(np.abs(exact)))
    return {"lambda": lam, "t": time, "k_index": i, "exact": float(exact[i]), "formula": float(pred[i]),
            "rel_diff": float(np.max(np.abs(pred - exact)) / np.max(np.abs(exact))),
            "error": float(np.max(exact_estimate.error)),
            "within_error": bool(np.all(np.abs(pred - exact) <= exact_estimate.error)),
            "sum_formula": float(pred.sum())}


def quadrature_table(rows, quantity_column: bool = False) -> list[str]:
    """The kernel-against-mpmath table: case, (quantity,) k, kernel ± error, reference, relative difference."""
    head = ["case"] + (["quantity"] if quantity_column else []) + [
        "k", "kernel", "kernel error", "mpmath reference", "relative difference", "inside error"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        q = f" {r['quantity']} |" if quantity_column else ""
        lines.append(f"| {r['case']} |{q} {r['k']} | {r['kernel']:.15g} | {fmt(r['kernel_error'], 1)} | "
                     f"{r['reference']:.15g} | {fmt(r['rel_diff'], 1)} | {'yes' if r['inside'] else 'NO'} |")
    return lines


def exact_table(rows, sum_column: bool = True) -> list[str]:
    """The exact-dynamics table of :func:`exact_comparison_row` rows (optionally with Σ_k of the formula)."""
    extra_head, extra_rule = (" Σ_k formula |", "---|") if sum_column else ("", "")
    lines = ["| λ | t | k | exact | formula | relative difference | error estimate | inside error |" + extra_head,
             "|---|---|---|---|---|---|---|---|" + extra_rule]
    for r in rows:
        extra = f" {fmt(r['sum_formula'], 1)} |" if sum_column else ""
        lines.append(f"| {r['lambda']} | {r['t']} | {r['k_index']} | {r['exact']:.12g} | {r['formula']:.12g} | "
                     f"{fmt(r['rel_diff'], 1)} | {fmt(r['error'], 1)} | {'yes' if r['within_error'] else 'NO'} |"
                     + extra)
    return lines


def timed_page_data(name: str, module: str, **parts) -> dict:
    """The stored page data of entry ``name``: each keyword's callable is run (``quadrature=lambda: …``), the wall
    time recorded, and the result made JSON-plain (tuples → lists) by a JSON round trip."""
    import json
    import time
    t0 = time.time()
    out = {"name": name, "generated_by": f"derive docs --refresh ({module}.page_data)"}
    out.update({key: make() for key, make in parts.items()})
    out["seconds"] = round(time.time() - t0, 1)
    return json.loads(json.dumps(out))
