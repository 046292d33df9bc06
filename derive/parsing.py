"""Safe parsing of user-given expressions and numbers (command line ``--param`` values, API strings).

One parser for every catalogue entry: a string becomes a sympy expression only if

* its tokens are numbers, operators ``+ - * / ** ( ) ,`` and names from an explicit whitelist (the
  model's symbols plus elementary functions) — no attribute access, indexing, strings or dunders;
* it is at most 500 characters and no constant exponent exceeds 64 in size (``9**9**9`` would hang);
* sympy parses it (any parser failure becomes a :class:`~derive.errors.ParameterError`).

Every failure is a one-line :class:`~derive.errors.ParameterError` naming the parameter.

>>> import sympy as sp
>>> q = sp.Symbol("q", nonnegative=True)
>>> parse_expression("exp(-q**2)", {"q": q}, "potential")
exp(-q**2)
>>> parse_expression("__import__('os')", {"q": q}, "potential")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
derive.errors.ParameterError: potential "__import__('os')": unknown name '__import__' (allowed: ...)
"""
from __future__ import annotations

import io
import tokenize

import sympy as sp

from derive.errors import ParameterError

__all__ = ["ELEMENTARY_FUNCTIONS", "parse_expression", "parse_number", "parse_number_list"]

#: names every expression may use besides the model's own symbols
ELEMENTARY_FUNCTIONS = {name: getattr(sp, name) for name in
                        ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sech", "atan",
                         "Abs", "pi", "E", "I", "besselj", "erf", "Heaviside")}
_FORBIDDEN_OPS = {".", "[", "]", "{", "}", ";", "=", "@", ":", "~", "|", "&", "==", "!=", "<", ">", "<=", ">="}
_MAX_LENGTH = 500
_MAX_EXPONENT = 64


def _check_tokens(text: str, names: set[str], what: str) -> None:
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise ParameterError(f"cannot parse {what} {text!r}: {exc.args[0] if exc.args else exc}") from None
    for tok in toks:
        if tok.type == tokenize.NAME and tok.string not in names:
            raise ParameterError(f"{what} {text!r}: unknown name {tok.string!r} "
                                 f"(allowed: {', '.join(sorted(names))})")
        if tok.type == tokenize.OP and tok.string in _FORBIDDEN_OPS:
            raise ParameterError(f"{what} {text!r}: unexpected {tok.string!r}")
        if tok.type in (tokenize.STRING, tokenize.ERRORTOKEN) and tok.string.strip():
            raise ParameterError(f"{what} {text!r}: unexpected {tok.string!r}")


def parse_expression(text, symbols: dict[str, sp.Symbol], what: str,
                     functions: dict | None = None) -> sp.Expr:
    """Parse ``text`` into a sympy expression in the given ``symbols`` (name → Symbol).

    Parameters
    ----------
    text
        The user's string (``^`` is read as ``**``). A sympy expression is accepted as is (its free symbols
        are still checked).
    symbols
        The symbols the expression may contain, by name.
    what
        The parameter's name, used in error messages.
    functions
        Allowed function/constant names (default :data:`ELEMENTARY_FUNCTIONS`).

    Raises
    ------
    ParameterError
        Anything that is not a finite-length expression over the whitelist.
    """
    functions = ELEMENTARY_FUNCTIONS if functions is None else functions
    if isinstance(text, sp.Basic):
        expr = text
    else:
        if not isinstance(text, str) or not text.strip():
            raise ParameterError(f"{what} is empty or not a string: {text!r}")
        if len(text) > _MAX_LENGTH:
            raise ParameterError(f"{what} is too long ({len(text)} characters, at most {_MAX_LENGTH})")
        text = text.replace("^", "**")
        _check_tokens(text, set(symbols) | set(functions), what)
        from sympy.parsing.sympy_parser import parse_expr
        local = {**functions, **symbols}
        try:
            # the token whitelist above is the guard: no name outside it can reach sympy's namespace
            raw = parse_expr(text, local_dict=local, evaluate=False)
            for node in sp.postorder_traversal(raw):  # inner exponents are checked before outer ones
                if isinstance(node, sp.Pow) and not node.exp.free_symbols:
                    size = abs(complex(sp.N(node.exp, 15)))
                    if not size <= _MAX_EXPONENT:
                        raise ParameterError(f"{what} {text!r}: exponent {node.exp} too large "
                                             f"(at most {_MAX_EXPONENT})")
            expr = parse_expr(text, local_dict=local)
        except ParameterError:
            raise
        except Exception as exc:  # noqa: BLE001 — any parser failure is a bad parameter
            raise ParameterError(f"cannot parse {what} {text!r} ({type(exc).__name__})") from None
    if not isinstance(expr, sp.Expr):
        raise ParameterError(f"{what} {text!r} is not an expression")
    unknown = sorted(str(s) for s in expr.free_symbols - set(symbols.values()))
    if unknown:
        raise ParameterError(f"{what} {text!r}: unknown symbol {unknown[0]!r} "
                             f"(allowed: {', '.join(symbols) or 'none'})")
    return expr


def parse_number(text, what: str, *, complex_ok: bool = False) -> float | complex:
    """One real (or, with ``complex_ok``, complex) number: ``"0.5"``, ``"sqrt(2)"``, ``"pi/3"``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    expr = parse_expression(str(text), {}, what)
    val = complex(expr.evalf())
    if not complex_ok and abs(val.imag) > 0:
        raise ParameterError(f"{what} must be a real number, got {text!r}")
    if val != val or abs(val) == float("inf"):
        raise ParameterError(f"{what} must be finite, got {text!r}")
    return val if complex_ok else val.real


def parse_number_list(text, what: str) -> tuple[float, ...]:
    """Comma-separated real numbers: ``"0,1,3"`` → ``(0.0, 1.0, 3.0)``."""
    if isinstance(text, (list, tuple)):
        return tuple(parse_number(x, what) for x in text)
    parts = [p.strip() for p in str(text).split(",")]
    if not parts or any(not p for p in parts):
        raise ParameterError(f"{what} must be a comma-separated list of numbers, got {text!r}")
    return tuple(parse_number(p, what) for p in parts)
