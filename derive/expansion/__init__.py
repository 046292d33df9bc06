"""Expansions of the dynamics (Duhamel / Dyson series)."""
