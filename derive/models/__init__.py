"""Microscopic models, as the user states them."""
from derive.models.random_potential import RandomPotentialModel

__all__ = ["RandomPotentialModel"]
