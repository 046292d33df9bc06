"""Limits: time integrals, the kinetic (weak-coupling) limit, transport from the free flow."""
