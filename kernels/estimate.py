"""A number together with its error: the return type of every numerical routine."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Estimate", "combine_errors"]


@dataclass(frozen=True)
class Estimate:
    """A value with an absolute error estimate and how it was obtained.

    ``value`` and ``error`` are floats or numpy arrays of equal shape (``error`` ≥ 0). ``singular`` marks
    points where the quantity diverges or is undefined (van Hove points, resonances): there ``value``
    holds ``inf`` and ``notes`` says why; such points are never silently turned into NaN.

    Attributes
    ----------
    value, error
        The estimate and its absolute error bound (heuristic: difference of two rules or levels).
    method
        A short name of the rule (``"tanh-sinh"``, ``"mpmath.quad"``, ``"closed form"``, …).
    n_eval
        Number of integrand evaluations per point.
    dps
        Working precision in decimal digits (15 for double).
    singular
        Boolean mask (or bool) of singular points.
    notes
        Human-readable remarks (which points are singular and why).
    """

    value: object
    error: object
    method: str = ""
    n_eval: int = 0
    dps: int = 15
    singular: object = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def relative_error(self):
        """``error / |value|`` (``inf`` where the value is 0)."""
        v = np.abs(np.asarray(self.value, dtype=float))
        e = np.asarray(self.error, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v > 0, e / np.where(v > 0, v, 1.0), np.inf)

    def __float__(self) -> float:
        return float(self.value)

    def __getitem__(self, idx) -> "Estimate":
        sing = np.asarray(self.singular)
        return Estimate(np.asarray(self.value)[idx], np.asarray(self.error)[idx], self.method, self.n_eval,
                        self.dps, bool(sing[idx]) if sing.ndim else bool(sing), self.notes)

    def scaled(self, factor) -> "Estimate":
        """The estimate multiplied by an exact factor (error scales with ``|factor|``)."""
        return Estimate(np.asarray(self.value) * factor, np.asarray(self.error) * np.abs(factor), self.method,
                        self.n_eval, self.dps, self.singular, self.notes)

    def to_dict(self) -> dict:
        """JSON-ready mapping (scalars only)."""
        return {"value": float(self.value), "error_estimate": float(self.error), "method": self.method,
                "n_eval": int(self.n_eval), "dps": int(self.dps), "singular": bool(self.singular),
                "notes": list(self.notes)}

    def __repr__(self) -> str:
        if np.ndim(self.value) == 0:
            return f"Estimate({float(self.value):.16g} ± {float(self.error):.2g}, {self.method})"
        return f"Estimate(shape={np.shape(self.value)}, max error={np.max(self.error):.2g}, {self.method})"


def combine_errors(*errors):
    """Add absolute error bounds (inner integration errors propagate additively)."""
    total = 0.0
    for e in errors:
        total = total + np.abs(e)
    return total
