"""Exact class counts of the pairing graphs Γ_{n,m} by closed forms (test oracles and large-order tables).

Formulas (N = n + m; all counts are 0 for odd N; classes as in :mod:`derive.diagrams.classify`)
---------------------------------------------------------------------------------------------
* total :math:`|\\Gamma_{n,m}| = (N-1)!!` (seed 003 §5 with the erratum; the text's "∼ (n+m)!" is wrong).
* non-crossing :math:`= C_{N/2} = \\binom{N}{N/2}/(N/2+1)` (Catalan): non-crossing perfect matchings of N points
  on a circle — independent of the split, since crossings are defined in circle order.
* decorated ladders, by the number ``r`` of rungs (``r ≡ n ≡ m mod 2``): the rungs pair order-reversingly, and
  each line carries ``(n-r)/2`` (resp. ``(m-r)/2``) recollision blocks distributed over the ``r+1`` gaps
  between rungs, i.e. a word in ``r`` rung letters and ``(n-r)/2`` block letters:

  .. math:: D(n, m) = \\sum_{r} \\binom{(n+r)/2}{r} \\binom{(m+r)/2}{r}.

* crossing :math:`= (N-1)!! - C_{N/2}`; nesting :math:`= C_{N/2} - D(n, m)`; ladder :math:`= [n = m]`.
* connected (a rung exists, or a line is empty): :math:`(N-1)!! - [n, m \\text{ even}, n, m \\ge 1]
  (n-1)!!(m-1)!!` — the rung-free graphs pair each line within itself.
* crossing-number distribution (split-independent): the Touchard–Riordan formula
  :math:`\\sum_\\pi q^{\\mathrm{cr}(\\pi)} = (1-q)^{-M}\\sum_{k\\ge0}(-1)^k\\left[\\binom{2M}{M-k}-
  \\binom{2M}{M-k-1}\\right] q^{k(k+1)/2}`, M = N/2 (OEIS A067311 rows).

All functions return Python ints (exact); every one is checked against enumeration for each split with
``n + m ≤ 12`` in ``tests/test_diagrams_combinatorics.py``.
"""
from __future__ import annotations

from math import comb

from derive.diagrams.enumerate import check_split
from derive.errors import ParameterError

__all__ = ["double_factorial", "catalan", "count_total", "count_noncrossing", "count_decorated_ladders",
           "count_nesting", "count_crossing", "count_ladders", "count_connected", "class_counts",
           "order_counts", "crossing_number_distribution"]


def double_factorial(k: int) -> int:
    """:math:`k!! = k (k-2) (k-4) \\cdots`, with :math:`(-1)!! = 0!! = 1`."""
    out = 1
    while k > 1:
        out *= k
        k -= 2
    return out


def catalan(M: int) -> int:
    """:math:`C_M = \\binom{2M}{M}/(M+1)`."""
    return comb(2 * M, M) // (M + 1)


def count_total(n: int, m: int) -> int:
    """:math:`(n+m-1)!!` for even ``n + m``, else 0."""
    check_split(n, m)
    return 0 if (n + m) % 2 else double_factorial(n + m - 1)


def count_noncrossing(n: int, m: int) -> int:
    """Catalan number :math:`C_{(n+m)/2}` (0 for odd ``n + m``)."""
    check_split(n, m)
    return 0 if (n + m) % 2 else catalan((n + m) // 2)


def count_decorated_ladders(n: int, m: int) -> int:
    """:math:`\\sum_r \\binom{(n+r)/2}{r}\\binom{(m+r)/2}{r}` over ``r ≡ n ≡ m (mod 2)``, ``r ≤ min(n, m)``."""
    check_split(n, m)
    if (n - m) % 2:
        return 0
    return sum(comb((n + r) // 2, r) * comb((m + r) // 2, r) for r in range(n % 2, min(n, m) + 1, 2))


def count_nesting(n: int, m: int) -> int:
    """Non-crossing graphs that are not decorated ladders."""
    return count_noncrossing(n, m) - count_decorated_ladders(n, m)


def count_crossing(n: int, m: int) -> int:
    """Graphs with at least one crossing pair."""
    return count_total(n, m) - count_noncrossing(n, m)


def count_ladders(n: int, m: int) -> int:
    """1 if ``n == m`` (the basic ladder), else 0."""
    check_split(n, m)
    return int(n == m)


def count_connected(n: int, m: int) -> int:
    """Graphs with a rung, or with an empty line (see :func:`derive.diagrams.classify.is_connected`)."""
    total = count_total(n, m)
    if n == 0 or m == 0 or n % 2 or m % 2:
        return total
    return total - double_factorial(n - 1) * double_factorial(m - 1)


def class_counts(n: int, m: int) -> dict:
    """``{"total", "decorated-ladder", "nesting", "crossing", "ladder", "connected"}`` for the split (n, m).

    >>> class_counts(4, 0)
    {'total': 3, 'decorated-ladder': 1, 'nesting': 1, 'crossing': 1, 'ladder': 0, 'connected': 3}
    """
    return {"total": count_total(n, m), "decorated-ladder": count_decorated_ladders(n, m),
            "nesting": count_nesting(n, m), "crossing": count_crossing(n, m), "ladder": count_ladders(n, m),
            "connected": count_connected(n, m)}


def order_counts(M: int) -> dict:
    """:func:`class_counts` summed over the splits ``n + m = 2M`` (order :math:`\\lambda^{2M}`).

    >>> order_counts(-1)     # Bad: negative order → M ≥ 0
    Traceback (most recent call last):
    ...
    derive.errors.ParameterError: order M must be a non-negative integer, got -1
    """
    if isinstance(M, bool) or not isinstance(M, int) or M < 0:
        raise ParameterError(f"order M must be a non-negative integer, got {M!r}")
    out: dict = {}
    for n in range(2 * M + 1):
        for k, v in class_counts(n, 2 * M - n).items():
            out[k] = out.get(k, 0) + v
    return out


def crossing_number_distribution(M: int) -> list:
    """``h[c]`` = number of pairings of 2M circle points with ``c`` crossing pairs (Touchard–Riordan).

    >>> crossing_number_distribution(3)
    [5, 6, 3, 1]
    """
    if M == 0:
        return [1]
    deg = M * (M - 1) // 2
    num = [0] * (deg + 1)
    for k in range(M + 1):
        e = k * (k + 1) // 2
        if e <= deg + M:            # terms beyond deg + M cannot reach degree ≤ deg after the division
            c = (-1) ** k * (comb(2 * M, M - k) - (comb(2 * M, M - k - 1) if M - k - 1 >= 0 else 0))
            if e <= deg:
                num[e] += c
    # multiply by (1 - q)^{-M} = Σ_j C(M-1+j, j) q^j, truncated at degree deg
    series = [comb(M - 1 + j, j) for j in range(deg + 1)]
    return [sum(num[i] * series[d - i] for i in range(d + 1)) for d in range(deg + 1)]
