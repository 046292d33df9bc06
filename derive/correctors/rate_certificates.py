"""Certificates of a rate equation dp_n/dt = Σ_k A(n,k)(p_k − p_n): symmetry, positivity, probability
conservation and the H-theorem (each raises its named :class:`~derive.errors.CertificateFailed` subclass)."""
from __future__ import annotations

import numpy as np
import sympy as sp

from derive.equations.certificates import Certificate
from derive.errors import CertificateFailed

__all__ = ["RatesNotSymmetric", "NegativeRate", "ProbabilityNotConserved", "EntropyIncreases", "einstein_generator",
           "certify_symmetric", "certify_nonnegative", "certify_conservation", "certify_h_theorem", "certify_rates"]


def einstein_generator(rates):
    """Generator G of dp/dt = G p with (G p)_n = Σ_k A(n,k)(p_k − p_n)."""
    if isinstance(rates, sp.MatrixBase):
        A = sp.Matrix(rates)
        for i in range(A.shape[0]):
            A[i, i] = 0
        return A - sp.diag(*[sum(A.row(i)) for i in range(A.shape[0])])
    A = np.array(rates, dtype=float, copy=True)
    np.fill_diagonal(A, 0.0)
    return A - np.diag(A.sum(axis=1))


class EntropyIncreases(CertificateFailed):
    """H = Σ p log p increases along the rate equation somewhere (H-theorem fails)."""


class ProbabilityNotConserved(CertificateFailed):
    """Columns of the rate generator do not sum to zero."""


class NegativeRate(CertificateFailed):
    """Some A(n, k) < 0."""


class RatesNotSymmetric(CertificateFailed):
    """A(n, k) ≠ A(k, n)."""


def _num(rates):
    if isinstance(rates, sp.MatrixBase):
        return None
    return np.asarray(rates, dtype=float)


def certify_symmetric(rates, tol=1e-12) -> Certificate:
    A = _num(rates)
    if A is None:
        if any(sp.simplify(x) != 0 for x in (rates - rates.T)):
            raise RatesNotSymmetric("A(n,k) ≠ A(k,n) (symbolic)")
    elif not np.allclose(A, A.T, atol=tol * max(1.0, np.max(np.abs(A))), rtol=0):
        raise RatesNotSymmetric(f"A(n,k) ≠ A(k,n): max asymmetry {np.max(np.abs(A - A.T)):.3g}")
    return Certificate("symmetry", "A(n,k) = A(k,n)", "entrywise", "A - A^T = 0")


def certify_nonnegative(rates, tol=1e-12) -> Certificate:
    A = _num(rates)
    if A is None:
        for i in range(rates.shape[0]):
            for k in range(rates.shape[1]):
                if i != k and sp.simplify(rates[i, k]).is_nonnegative is not True:
                    raise NegativeRate(f"A({i},{k}) = {rates[i, k]} not provably ≥ 0")
    else:
        off = A - np.diag(np.diag(A))
        if np.min(off) < -tol * max(1.0, np.max(np.abs(A))):
            raise NegativeRate(f"negative rate {np.min(off):.3g}")
    return Certificate("positivity", r"A(n,k) \ge 0 \ (n \ne k)", "entrywise", "A(n,k) >= 0")


def certify_conservation(generator, tol=1e-12) -> Certificate:
    """Columns of the generator G (dp/dt = G p) sum to zero: d/dt Σ p_n = 0."""
    if isinstance(generator, sp.MatrixBase):
        if any(sp.simplify(x) != 0 for x in sp.ones(1, generator.shape[0]) * generator):
            raise ProbabilityNotConserved("column sums of the generator are not zero (symbolic)")
    else:
        G = np.asarray(generator, dtype=float)
        cs = np.abs(G.sum(axis=0))
        if np.max(cs) > tol * max(1.0, np.max(np.abs(G))):
            raise ProbabilityNotConserved(f"column sums of the generator are not zero: {G.sum(axis=0)}")
    return Certificate("conservation", r"\sum_n (Gp)_n = 0", "column sums", "1^T G = 0")


def certify_h_theorem(rates, samples: int = 64, tol=1e-12) -> Certificate:
    """H = Σ p log p is non-increasing along dp/dt = G p.

    Proof used: for symmetric A ≥ 0, dH/dt = −½ Σ_{n,k} A(n,k)(p_k − p_n)(log p_k − log p_n) ≤ 0.
    Checked structurally (symmetry and non-negativity) *and* by evaluating dH/dt = Σ (1 + log p_n)(Gp)_n
    on deterministic sample points of the simplex (so a tampered generator is caught even if it slips
    past the structural checks)."""
    A = _num(rates)
    if A is None:  # symbolic: substitute positive sample values for the free symbols
        syms = sorted(rates.free_symbols, key=str)
        vals = {s: sp.Rational(3 + 2 * i, 7) for i, s in enumerate(syms)}
        A = np.array(rates.subs(vals).evalf(), dtype=complex).real
    G = einstein_generator(A)
    rng = np.random.default_rng(12345)
    n = A.shape[0]
    pts = [rng.dirichlet(np.ones(n)) for _ in range(samples)]
    for i in range(n):
        for k in range(n):
            if i != k:
                p = np.full(n, 0.1 / n)
                p[i] += 0.9
                pts.append(p / p.sum())
    scale = max(1.0, np.max(np.abs(A)))
    for p in pts:
        dH = float(np.dot(1.0 + np.log(p), G @ p))
        if dH > tol * scale:
            raise EntropyIncreases(f"dH/dt = {dH:.3g} > 0 at p = {np.round(p, 4)}")
    off = A - np.diag(np.diag(A))
    if np.min(off) < -tol * scale or not np.allclose(off, off.T, atol=tol * scale, rtol=0):
        raise EntropyIncreases("rates not symmetric and non-negative: the H-theorem identity does not apply")
    return Certificate("h-theorem", r"\frac{d}{dt}\sum_n p_n\log p_n \le 0",
                       "symmetric non-negative rates + sampled dH/dt",
                       r"dH/dt = -\tfrac12\sum A(n,k)(p_k-p_n)(\log p_k-\log p_n)")


def certify_rates(rates) -> list[Certificate]:
    """All certificates; each raises its named :class:`~derive.errors.CertificateFailed` subclass."""
    return [certify_symmetric(rates), certify_nonnegative(rates), certify_conservation(einstein_generator(rates)),
            certify_h_theorem(rates)]
