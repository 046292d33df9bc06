"""Symbolic algebra: integral terms, Gaussian pairings, δ-functions."""
