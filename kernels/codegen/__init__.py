"""``derive codegen``: standalone numpy-only modules holding the kernels of one derived equation.

>>> from derive import derive_equation                                          # doctest: +SKIP
>>> from kernels.codegen import write_module                                    # doctest: +SKIP
>>> write_module(derive_equation("linear-boltzmann", {"space": "lattice", "dim": 3}), "lb3.py")  # doctest: +SKIP
"""
from kernels.codegen.module import generate_module_source, write_module

__all__ = ["generate_module_source", "write_module"]
