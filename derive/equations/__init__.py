"""Derived equations and their certificates."""
