"""Streaming enumeration of the pairing graphs Γ_{n,m}, class-filtered during generation, plus a numpy fast path.

Order: lexicographic in the partner tuple — the smallest unpaired vertex is paired with each larger unpaired
vertex in increasing order, recursively. :func:`enumerate_graphs` and :func:`iter_partner_blocks` yield the
same sequence. Both keep O(n + m) state (plus one block of rows for the fast path); nothing is materialised.

Pruning: for ``cls`` in ``{"decorated-ladder", "nesting", "ladder"}`` a partial pairing is abandoned as soon as
it forces a crossing (pairing the smallest free vertex ``i`` with ``j`` crosses iff a vertex strictly between
them is already paired, or an odd number of free vertices lies between them); for ``"decorated-ladder"`` also as
soon as a contraction is neither a rung nor an immediate recollision; ``"ladder"`` admits one choice per step.
"""
from __future__ import annotations

import sys
import time
from functools import lru_cache
from typing import Iterable, Iterator

import numpy as np

from derive.diagrams.classify import classify_array, is_crossing, is_decorated_ladder
from derive.diagrams.graph import FeynmanGraph
from derive.errors import ParameterError, UnknownNameError

__all__ = ["CLASS_NAMES", "enumerate_graphs", "enumerate_order", "iter_partner_blocks", "count_by_enumeration",
           "check_split", "check_class", "with_progress", "parse_order", "parse_split", "TEMPLATE_MAX"]

#: class names accepted by ``cls``
CLASS_NAMES = ("decorated-ladder", "nesting", "crossing", "ladder")
#: largest number of free vertices filled from a precomputed template block (13!! = 135135 rows)
TEMPLATE_MAX = 14


def check_split(n, m) -> None:
    """Raise :class:`~derive.errors.ParameterError` unless ``n, m`` are non-negative integers."""
    for name, v in (("n", n), ("m", m)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ParameterError(f"{name} must be a non-negative integer, got {v!r}")


def check_class(cls) -> None:
    """Raise :class:`~derive.errors.UnknownNameError` unless ``cls`` is ``None`` or in :data:`CLASS_NAMES`."""
    if cls is not None and cls not in CLASS_NAMES:
        raise UnknownNameError(f"unknown graph class {cls!r} (known: {', '.join(CLASS_NAMES)})")


def _allowed(mode: str | None, n: int, N: int, i: int, j: int, partner: list) -> bool:
    """May the smallest free vertex ``i`` be paired with ``j`` (0-based) without leaving class ``mode``?"""
    if mode is None or mode == "crossing":
        return True
    if mode == "ladder":
        return j == N - 1 - i
    if (j - i - 1) % 2 or any(partner[k] >= 0 for k in range(i + 1, j)):
        return False                     # would force a crossing
    if mode == "decorated-ladder":
        return (j == i + 1 and i != n - 1) or (i < n <= j)
    return True                          # nesting: non-crossing so far


def _partners(n: int, m: int, mode: str | None) -> Iterator[list]:
    """Depth-first pairings (0-based, shared mutable list — copy before keeping)."""
    N = n + m
    partner = [-1] * N

    def rec(i):
        while i < N and partner[i] >= 0:
            i += 1
        if i == N:
            yield partner
            return
        for j in range(i + 1, N):
            if partner[j] < 0 and _allowed(mode, n, N, i, j, partner):
                partner[i], partner[j] = j, i
                yield from rec(i + 1)
                partner[i] = partner[j] = -1

    if N % 2 == 0 and (mode != "ladder" or n == m):
        yield from rec(0)


def enumerate_graphs(n: int, m: int, cls: str | None = None) -> Iterator[FeynmanGraph]:
    """Yield every graph of Γ_{n,m} (of class ``cls`` if given) once, in lexicographic partner order.

    Yields nothing when ``n + m`` is odd. There are :math:`(n+m-1)!!` graphs in all.

    >>> [g.pairs for g in enumerate_graphs(4, 0, "nesting")]
    [((1, 4), (2, 3))]
    >>> next(enumerate_graphs(2, 2, "ladders"))   # Bad: unknown class → use "ladder"
    Traceback (most recent call last):
    ...
    derive.errors.UnknownNameError: unknown graph class 'ladders' (known: decorated-ladder, nesting, crossing, ladder)
    """
    check_split(n, m)
    check_class(cls)
    n, m = int(n), int(m)
    for p in _partners(n, m, cls):
        g = FeynmanGraph(n, m, tuple(q + 1 for q in p))
        if cls == "crossing":
            if is_crossing(g):
                yield g
        elif cls == "nesting":
            if not is_decorated_ladder(g):
                yield g
        else:
            yield g


def enumerate_order(M: int, cls: str | None = None) -> Iterator[FeynmanGraph]:
    """All graphs of order :math:`\\lambda^{2M}`: splits ``(2M, 0), (2M-1, 1), …, (0, 2M)`` in turn."""
    check_split(M, 0)
    for n in range(2 * M, -1, -1):
        yield from enumerate_graphs(n, 2 * M - n, cls)


@lru_cache(maxsize=None)
def _template(k: int) -> np.ndarray:
    """All pairings of ``k`` points as 0-based partner rows (int8), lexicographic order; read-only."""
    if k == 0:
        out = np.zeros((1, 0), np.int8)
    else:
        sub = _template(k - 2)
        blocks = []
        for j in range(1, k):
            rem = np.array([x for x in range(1, k) if x != j], np.int8)
            rows = np.empty((sub.shape[0], k), np.int8)
            rows[:, 0], rows[:, j] = j, 0
            rows[:, rem] = rem[sub]
            blocks.append(rows)
        out = np.concatenate(blocks)
    out.setflags(write=False)
    return out


def _prefixes(N: int, free_max: int) -> Iterator[list]:
    """Partial pairings (lexicographic) of the first vertices until at most ``free_max`` are free."""
    partner = [-1] * N

    def rec(i, free):
        if free <= free_max:
            yield partner
            return
        while partner[i] >= 0:
            i += 1
        for j in range(i + 1, N):
            if partner[j] < 0:
                partner[i], partner[j] = j, i
                yield from rec(i + 1, free - 2)
                partner[i] = partner[j] = -1

    yield from rec(0, N)


def iter_partner_blocks(n: int, m: int, cls: str | None = None, *, block_rows: int = 1 << 16
                        ) -> Iterator[np.ndarray]:
    """Fast path: yield int8 arrays of 0-based partner rows (graphs in :func:`enumerate_graphs` order).

    Unfiltered and ``"crossing"`` enumeration fills blocks from a precomputed template of the last
    ≤ :data:`TEMPLATE_MAX` free vertices (filtered with :func:`~derive.diagrams.classify.classify_array`); the
    non-crossing classes (at most a Catalan number of graphs) come from the pruned generator in chunks.
    """
    check_split(n, m)
    check_class(cls)
    n, m = int(n), int(m)
    N = n + m
    if N % 2:
        return
    if N > 127:
        raise ParameterError("the fast path stores labels as int8: n + m must be at most 127")
    if cls in (None, "crossing"):
        for pre in _prefixes(N, TEMPLATE_MAX):
            pre_arr = np.array(pre, np.int8)
            free = np.flatnonzero(pre_arr < 0).astype(np.int8)
            T = _template(len(free))
            for s in range(0, T.shape[0], block_rows):
                t = T[s:s + block_rows]
                rows = np.repeat(pre_arr[None, :], t.shape[0], axis=0)
                rows[:, free] = free[t]
                if cls == "crossing":
                    rows = rows[classify_array(rows, n)["crossing"]]
                yield rows
        return
    buf = []
    for p in _partners(n, m, cls):
        buf.append(p.copy())
        if len(buf) == block_rows:
            yield _filter_block(np.array(buf, np.int8), n, cls)
            buf = []
    if buf:
        yield _filter_block(np.array(buf, np.int8), n, cls)


def _filter_block(rows: np.ndarray, n: int, cls: str) -> np.ndarray:
    return rows[classify_array(rows, n)["nesting"]] if cls == "nesting" else rows


def count_by_enumeration(n: int, m: int) -> dict:
    """Class counts of Γ_{n,m} by enumerating every graph on the fast path (test oracle / benchmark).

    Returns ``{"total", "decorated-ladder", "nesting", "crossing", "ladder", "connected"}`` as ints and
    ``"crossing_numbers"``: a list ``h`` with ``h[c]`` = number of graphs with crossing number ``c``.
    """
    keys = ("decorated-ladder", "nesting", "crossing", "ladder", "connected")
    out = dict.fromkeys(("total", *keys), 0)
    hist = np.zeros(1, np.int64)
    for rows in iter_partner_blocks(n, m):
        c = classify_array(rows, n)
        out["total"] += rows.shape[0]
        for k in keys:
            out[k] += int(np.count_nonzero(c[k]))
        h = np.bincount(c["crossing_number"])
        if len(h) > len(hist):
            hist = np.pad(hist, (0, len(h) - len(hist)))
        hist[:len(h)] += h
    out["crossing_numbers"] = [int(x) for x in hist] if out["total"] else []
    return out


def with_progress(items: Iterable, total: int, *, stream=None, label: str = "enumerating",
                  after: float = 1.0) -> Iterator:
    """Pass ``items`` through; once ``after`` seconds have passed, draw a progress bar on ``stream``.

    Draws only when ``stream`` (default stderr) is a terminal; the bar is erased at the end.
    """
    stream = sys.stderr if stream is None else stream
    tty = getattr(stream, "isatty", lambda: False)()
    start = last = time.monotonic()
    drawn = False
    for k, item in enumerate(items, 1):
        yield item
        if tty and not k & 1023:
            now = time.monotonic()
            if now - start > after and now - last > 0.1:
                frac = min(1.0, k / total) if total else 1.0
                bar = "#" * int(30 * frac)
                stream.write(f"\r{label} [{bar:<30}] {k}/{total} ({100 * frac:.0f}%)")
                stream.flush()
                drawn, last = True, now
    if drawn:
        stream.write("\r" + " " * 79 + "\r")
        stream.flush()


def parse_order(text) -> int:
    """``--order`` value → M ≥ 0, else :class:`~derive.errors.ParameterError`."""
    try:
        M = int(str(text).strip())
    except ValueError:
        raise ParameterError(f"order must be a non-negative integer, got {text!r}") from None
    if M < 0:
        raise ParameterError(f"order must be a non-negative integer, got {text!r}")
    return M


def parse_split(text, M: int) -> tuple:
    """``--split n,m`` value → ``(n, m)`` with ``n + m = 2M``, else :class:`~derive.errors.ParameterError`."""
    parts = str(text).split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        n, m = (int(p.strip()) for p in parts)
    except ValueError:
        raise ParameterError(f"--split expects n,m (two non-negative integers), got {text!r}") from None
    if n < 0 or m < 0 or n + m != 2 * M:
        raise ParameterError(f"--split {text} must be two non-negative integers with n + m = 2M = {2 * M}")
    return n, m
