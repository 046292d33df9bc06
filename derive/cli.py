"""Command-line interface: argv → catalogue/pipeline calls. One-line errors and exit status 2 on bad input."""
from __future__ import annotations

import argparse
import json
import math
import sys

import sympy as sp

from derive.catalogue import CATALOGUE, get_entry, parse_assignments
from derive.errors import CertificateFailed, DeriveError, ParameterError, SingularPointError, UnknownNameError

__all__ = ["main", "build_parser"]


class _OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error message and exit status 2."""

    def error(self, message):
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="derive", description="Derive kinetic equations from quantum dynamics.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)

    p = sub.add_parser("list", help="list the catalogue")
    p.add_argument("--json", action="store_true")

    def with_params(sp_):
        sp_.add_argument("name", help="catalogue name, e.g. linear-boltzmann")
        sp_.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
        return sp_

    p = with_params(sub.add_parser("show", help="derive and show an equation"))
    p.add_argument("--steps", action="store_true", help="show every derivation step")
    p.add_argument("--format", choices=("text", "latex", "json"), default="text")

    p = with_params(sub.add_parser("eval", help="evaluate a kernel"))
    p.add_argument("quantity")
    p.add_argument("--at", action="append", default=[], metavar="KEY=VALUE", required=True)
    p.add_argument("--json", action="store_true")

    p = with_params(sub.add_parser("check", help="certificates and quadrature checks"))
    p.add_argument("--quick", action="store_true", help="skip the slowest (lattice d = 3) references")

    p = sub.add_parser("docs", help="write the equation pages")
    p.add_argument("--out", default=None, help="output folder (default: docs/ of this checkout)")
    p.add_argument("--check", action="store_true", help="fail when the committed pages are stale")
    p.add_argument("--refresh", action="store_true", help="recompute the stored quadrature check data")

    p = with_params(sub.add_parser("codegen", help="write a standalone numpy module"))
    p.add_argument("-o", "--output", required=True)

    p = sub.add_parser("diagrams", help="enumerate, classify and count the pairing graphs of order λ^(2M)")
    p.add_argument("--order", required=True, metavar="M", help="half order: n + m = 2M vertices")
    p.add_argument("--split", default=None, metavar="n,m", help="one split (default: all splits of 2M)")
    p.add_argument("--class", dest="cls", default=None, metavar="CLASS",
                   help="decorated-ladder | nesting | crossing | ladder")
    p.add_argument("--count", action="store_true", help="print class counts (closed forms) instead of graphs")
    p.add_argument("--json", action="store_true")
    p.add_argument("--draw", default=None, metavar="DIR", help="also draw each listed graph (PNG + SVG)")
    return parser


def _cmd_list(args) -> int:
    rows = [{"name": e.name, "summary": e.summary, "source": e.source, "parameters": e.parameters,
             "quantities": list(e.quantities)} for e in CATALOGUE.values()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['name']}: {r['summary']} [{r['source']}]")
    return 0


def _cmd_show(args) -> int:
    from derive.ir import DerivedEquation
    from derive.pipeline import derive_equation
    eq = derive_equation(args.name, parse_assignments(args.param))
    if isinstance(eq, DerivedEquation):
        return _show_derived(eq, args)
    if args.format == "json":
        out = {"name": eq.name, "model": eq.model, "equation": sp.sstr(eq.equation),
               "equation_latex": sp.latex(eq.equation), "cross_section": sp.sstr(eq.cross_section),
               "velocity": [sp.sstr(v) for v in eq.velocity], "measure": sp.sstr(eq.measure),
               "constants": {k: sp.sstr(v) for k, v in eq.constants.items()}, "source_hash": eq.source_hash}
        if args.steps:
            out["steps"] = [{k: v for k, v in st.to_dict().items() if k != "expr"} for st in eq.derivation.steps]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    elif args.format == "latex":
        _print_latex_steps(eq.derivation, args.steps)
        print(sp.latex(eq.equation))
        print(r"\sigma(k,p) = " + sp.latex(eq.cross_section))
    else:
        if args.steps:
            print(eq.derivation)
            print()
        print(eq)
    return 0


def _print_latex_steps(derivation, steps: bool) -> None:
    if steps:
        for i, st in enumerate(derivation.steps, 1):
            print(f"% {i}. {st.name} [{st.approximation.value}] {st.description}")
            print(st.latex)


def _show_derived(eq, args) -> int:
    """``derive show`` for equations that are not of the linear-Boltzmann form (:class:`DerivedEquation`)."""
    if args.format == "json":
        print(json.dumps(eq.to_json(steps=args.steps), indent=2, ensure_ascii=False))
    elif args.format == "latex":
        _print_latex_steps(eq.derivation, args.steps)
        print("\n".join(eq.latex_lines()))
    else:
        if args.steps:
            print(eq.derivation)
            print()
        print(eq)
    return 0


def _at_values(items: list[str]) -> dict:
    at = parse_assignments(items, "--at")
    unknown = sorted(set(at) - {"energy", "k"})
    if unknown:
        raise UnknownNameError(f"unknown --at key {unknown[0]!r} (use energy=E or k=k1,k2,...)")
    if len(at) != 1:
        raise ParameterError("give exactly one of --at energy=E or --at k=k1,k2,...")
    out = {}
    try:
        if "energy" in at:
            out["energy"] = float(at["energy"])
        else:
            out["k"] = [float(x) for x in at["k"].split(",")]
    except ValueError:
        raise ParameterError(f"--at expects numbers, got {items}") from None
    return out


def _eval_derived(entry, args) -> int:
    """``derive eval`` for entries with their own evaluator (``--at`` keys named by the entry)."""
    from derive.pipeline import derive_equation
    params = parse_assignments(args.param)
    at = parse_assignments(args.at, "--at")
    if args.quantity not in entry.quantities:
        raise UnknownNameError(f"unknown quantity {args.quantity!r} for {args.name} "
                               f"(known: {', '.join(entry.quantities)})")
    eq = derive_equation(args.name, params)
    est = entry.evaluate_quantity(eq, args.quantity, at)
    if bool(est.singular) and not math.isfinite(float(est.value)):
        note = "; ".join(est.notes) or "singular point"
        raise SingularPointError(f"{args.quantity} diverges at {at}: {note}")
    if args.json:
        print(json.dumps({"quantity": args.quantity, "at": at, **est.to_dict()}))
    else:
        where = ", ".join(f"{k} = {v}" for k, v in at.items())
        flag = "  (" + "; ".join(est.notes) + ")" if est.notes else ""
        print(f"{args.quantity} at {where}: {float(est.value):.15g} ± {float(est.error):.2g}{flag}")
    return 0


def _cmd_eval(args) -> int:
    from derive.pipeline import kernels_for
    entry = get_entry(args.name)
    if entry.evaluate is not None:
        return _eval_derived(entry, args)
    if args.quantity not in entry.quantities:
        raise UnknownNameError(f"unknown quantity {args.quantity!r} for {args.name} "
                               f"(known: {', '.join(entry.quantities)})")
    kern = kernels_for(args.name, parse_assignments(args.param))
    at = _at_values(args.at)
    if "energy" in at:
        E = kern.check_energy(at["energy"])
        k = kern.momentum_at_energy(E)
    else:
        k = kern.validate_momentum(at["k"])
        E = kern.check_energy(float(kern.omega(k)))
    q = args.quantity
    est = kern.evaluate(q, k, E)
    if bool(est.singular) and not math.isfinite(float(est.value)):
        note = "; ".join(est.notes) or "singular point"
        raise SingularPointError(f"{q} diverges at E = {E:g}: {note}")
    result = {"quantity": q, "energy": E, "k": [float(x) for x in k], **est.to_dict()}
    if args.json:
        print(json.dumps(result))
    else:
        flag = "  (" + "; ".join(est.notes) + ")" if bool(est.singular) else ""
        print(f"{q} at E = {E:.12g}: {float(est.value):.15g} ± {float(est.error):.2g}{flag}")
    return 0


def _cmd_check(args) -> int:
    from derive.equations.certificates import certify
    from derive.pipeline import derive_equation, kernels_for
    from kernels.check import quadrature_checks
    from derive.ir import DerivedEquation
    params = parse_assignments(args.param)
    eq = derive_equation(args.name, params)
    if isinstance(eq, DerivedEquation):  # certificates are proved while deriving; a failure raises there
        for c in eq.certificates:
            print(f"certificate {c.name}: holds ({c.method})")
        print("all checks hold" if eq.certificates else "no certificates for this equation")
        return 0
    ok = True
    try:
        for c in certify(eq):
            print(f"certificate {c.name}: holds ({c.method})")
    except CertificateFailed as exc:
        print(f"certificate FAILED: {exc}")
        ok = False
    rows = quadrature_checks(kernels_for(args.name, params), thorough=not args.quick, progress=True)
    for r in rows:
        print(f"quadrature {r.quantity} at {r.point}: kernel {float(r.kernel.value):.15g} vs mpmath "
              f"{float(r.reference.value):.15g} (rel. diff {r.rdiff:.1e}) {'ok' if r.passed else 'FAILED'}")
        ok = ok and r.passed
    print("all checks hold" if ok else "some checks FAILED")
    return 0 if ok else 1


def _cmd_docs(args) -> int:
    from derive.page import write_docs
    stale = write_docs(out=args.out, check=args.check, refresh=args.refresh)
    if args.check:
        if stale:
            print("stale: " + ", ".join(stale) + " (run `derive docs`)")
            return 1
        print("equation pages are current")
    return 0


def _cmd_codegen(args) -> int:
    from derive.pipeline import derive_equation
    from kernels.codegen.module import write_module
    from derive.ir import DerivedEquation
    eq = derive_equation(args.name, parse_assignments(args.param))
    if isinstance(eq, DerivedEquation):
        raise UnknownNameError(f"codegen is not available for {args.name} yet (only for linear-Boltzmann-type "
                               "equations)")
    path = write_module(eq, args.output)
    print(f"wrote {path}")
    return 0


def _cmd_diagrams(args) -> int:
    from derive.diagrams.classify import classes, classify, crossing_number
    from derive.diagrams.count import class_counts, order_counts
    from derive.diagrams.enumerate import (check_class, enumerate_graphs, enumerate_order, parse_order,
                                           parse_split, with_progress)
    M = parse_order(args.order)
    split = parse_split(args.split, M) if args.split is not None else None
    check_class(args.cls)
    counts = class_counts(*split) if split else order_counts(M)
    if args.count:
        out = {"order": M, "split": list(split) if split else None,
               **{k: counts[k] for k in ("total", "decorated-ladder", "nesting", "crossing", "ladder")}}
        if args.cls:
            out.update({"class": args.cls, "count": counts[args.cls]})
        if args.json:
            print(json.dumps(out))
        else:
            print(" ".join(f"{k}={v}" for k, v in out.items() if v is not None))
        return 0
    total = counts[args.cls] if args.cls else counts["total"]
    if args.draw and total > 2000:
        raise ParameterError(f"--draw would write {total} pictures (limit 2000): narrow --split/--class")
    graphs = enumerate_graphs(*split, args.cls) if split else enumerate_order(M, args.cls)
    if args.json:
        print("[")
    for i, g in enumerate(with_progress(graphs, total)):
        if args.draw:
            from derive.diagrams.draw import draw_graph, graph_filename
            draw_graph(g, f"{args.draw}/{graph_filename(g)}")
        if args.json:
            row = {"n": g.n, "m": g.m, "pairs": [list(p) for p in g.pairs], "class": classify(g),
                   "ladder": "ladder" in classes(g), "crossing_number": crossing_number(g)}
            print(("  " if i == 0 else ", ") + json.dumps(row))
        else:
            print(f"{g}  [{classify(g)}]")
    if args.json:
        print("]")
    return 0


_COMMANDS = {"list": _cmd_list, "show": _cmd_show, "eval": _cmd_eval, "check": _cmd_check, "docs": _cmd_docs,
             "codegen": _cmd_codegen, "diagrams": _cmd_diagrams}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (2 for bad input, with a one-line message on stderr)."""
    try:
        args = build_parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except _UsageError as exc:
        print(f"derive: error: {exc}", file=sys.stderr)
        return 2
    except DeriveError as exc:
        print(f"derive: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (e.g. ``| head``) closed the pipe: not an error of the input
        sys.stderr.close()
        return 0
    except OSError as exc:
        print(f"derive: error: {exc.strerror or exc}: {getattr(exc, 'filename', '')}", file=sys.stderr)
        return 2
