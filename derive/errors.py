"""The exception tree of the project: every failure a user can cause or a check can find has a name."""
from __future__ import annotations

__all__ = [
    "DeriveError", "ModelError", "ParameterError", "UnknownNameError", "CorrelationNotPositive",
    "LimitDoesNotExist", "CertificateFailed", "SingularPointError", "OutOfBandError", "CheckFailed",
]


class DeriveError(Exception):
    """Base class: a clear, one-line problem statement (the CLI prints it and exits with status 2)."""


class ModelError(DeriveError):
    """The stated microscopic model is inconsistent or unsupported."""


class ParameterError(ModelError):
    """A parameter has a bad value (negative variance, non-integer dimension, …)."""


class UnknownNameError(DeriveError):
    """An unknown equation, quantity or parameter name."""


class CorrelationNotPositive(ModelError):
    """The power spectrum of the stated correlation is negative somewhere (Bochner fails)."""


class LimitDoesNotExist(DeriveError):
    """A limit step could not be taken (kernel not an approximate identity, divergent integral, …)."""


class CertificateFailed(DeriveError):
    """A structural property (conservation, positivity, H-theorem, …) does not hold."""


class SingularPointError(DeriveError):
    """Evaluation requested at a singular point (van Hove point, resonance) where the value diverges."""


class OutOfBandError(ParameterError):
    """An energy outside the spectrum of H₀."""


class CheckFailed(DeriveError):
    """A numerical check (kernel vs reference, kinetic vs microscopic) failed its tolerance."""
