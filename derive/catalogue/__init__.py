"""The catalogue: equation name → (model from parameters, derivation recipe)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from derive.errors import ParameterError, UnknownNameError
from derive.ir import KineticEquation

__all__ = ["CatalogueEntry", "CATALOGUE", "get_entry", "entry_names"]


@dataclass(frozen=True)
class CatalogueEntry:
    """One derivable equation.

    Attributes
    ----------
    name, summary, source
        Catalogue name, one-line description, seed reference.
    parameters
        Accepted parameter names with their defaults (strings, as on the command line).
    quantities
        Names of the numerical quantities ``derive eval`` can compute.
    build_model, derive
        ``build_model(params) -> model`` (validates) and ``derive(model) -> KineticEquation``.
    evaluate, at_keys, at_defaults
        Optional ``evaluate(equation, quantity, at) -> Estimate``, the ``--at`` keys it takes and defaults for
        the optional ones (entries without ``evaluate`` are evaluated by
        :class:`kernels.boltzmann.LinearBoltzmannKernels`).
    """

    name: str
    summary: str
    source: str
    parameters: dict
    quantities: tuple
    build_model: Callable
    derive: Callable[..., KineticEquation]
    evaluate: Callable | None = None
    at_keys: tuple = ()
    at_defaults: dict = field(default_factory=dict)

    def evaluate_quantity(self, equation, quantity: str, at: dict):
        """``evaluate(equation, quantity, at) -> Estimate`` for entries that are not linear-Boltzmann-like
        (``at``: the ``--at`` assignments as strings, keys among :attr:`at_keys`)."""
        if self.evaluate is None:
            raise UnknownNameError(f"{self.name} has no evaluator")
        if quantity not in self.quantities:
            raise UnknownNameError(f"unknown quantity {quantity!r} for {self.name} "
                                   f"(known: {', '.join(self.quantities)})")
        unknown = sorted(set(at) - set(self.at_keys))
        if unknown:
            raise UnknownNameError(f"unknown --at key {unknown[0]!r} for {self.name} (known: {', '.join(self.at_keys)})")
        at = {**self.at_defaults, **at}
        missing = [k for k in self.at_keys if k not in at]
        if missing:
            raise ParameterError(f"{self.name} {quantity} needs --at {missing[0]}=...")
        return self.evaluate(equation, quantity, at)

    def model(self, params: dict | None = None):
        """The validated model for ``params`` (unknown names raise :class:`UnknownNameError`)."""
        params = dict(params or {})
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise UnknownNameError(f"unknown parameter {unknown[0]!r} for {self.name} "
                                   f"(known: {', '.join(self.parameters)})")
        merged = {**self.parameters, **params}
        return self.build_model(merged)


def _random_potential_model(params: dict):
    from derive.models.random_potential import RandomPotentialModel
    return RandomPotentialModel(space=params["space"], dim=params["dim"], correlation=params["correlation"],
                                variance=params["variance"], length=params["length"])


def _derive_linear_boltzmann(model) -> KineticEquation:
    from derive.catalogue.linear_boltzmann import derive_linear_boltzmann
    return derive_linear_boltzmann(model)


CATALOGUE: dict[str, CatalogueEntry] = {
    "linear-boltzmann": CatalogueEntry(
        name="linear-boltzmann",
        summary="Linear Boltzmann equation: weak-coupling limit of a Schrödinger operator with a weak "
                "Gaussian random potential (continuum or lattice Anderson model)",
        source="seed 003 §5 (Chen), seed 004 eq. (4.4) (Spohn); errata applied",
        parameters={"space": "lattice", "dim": "3", "correlation": "white", "variance": "1", "length": "1"},
        quantities=("total-rate", "density-of-states", "transport-rate", "diffusion-coefficient"),
        build_model=_random_potential_model,
        derive=_derive_linear_boltzmann,
    ),
}


def get_entry(name: str) -> CatalogueEntry:
    """The catalogue entry ``name`` (raises :class:`UnknownNameError`)."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownNameError(f"unknown equation {name!r} (known: {', '.join(CATALOGUE)})") from None


def entry_names() -> list[str]:
    return list(CATALOGUE)


def parse_assignments(items: list[str] | None, what: str = "--param") -> dict:
    """``["KEY=VALUE", …]`` → dict (a malformed item raises :class:`ParameterError`)."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"{what} expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        if not key.strip():
            raise ParameterError(f"{what} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


#: catalogue modules defining an ``ENTRY`` (each imports its heavy dependencies lazily)
ENTRY_MODULES: tuple = ("einstein_rates", "energy_diffusion", "regularized_wigner", "uehling_uhlenbeck",
                        "electron_phonon", "four_wave", "phonon_boltzmann")


def _register_entries() -> None:
    import importlib
    from pathlib import Path
    here = Path(__file__).resolve().parent
    for mod_name in ENTRY_MODULES:
        if not (here / f"{mod_name}.py").exists():
            continue
        entry = importlib.import_module(f"derive.catalogue.{mod_name}").ENTRY
        CATALOGUE[entry.name] = entry


_register_entries()
