"""Bad input is refused with the right named :class:`DeriveError` subclass and a one-line message.

Each row names the exact class expected (``type(err) is cls``, not just a base class), so a refactor that
turns a ``CorrelationNotPositive`` into a generic ``ModelError`` is noticed; the message must be a single
line (the CLI prints it as is) and mention the offending thing.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from derive import RandomPotentialModel, derive_equation, get_entry, kernels_for
from derive.errors import (CertificateFailed, CheckFailed, CorrelationNotPositive, DeriveError, LimitDoesNotExist,
                           ModelError, OutOfBandError, ParameterError, SingularPointError, UnknownNameError)

LATTICE_D2 = {"space": "lattice", "dim": 2, "correlation": "white", "variance": "0.7", "length": "1"}
LATTICE_D2_GAUSS = {"space": "lattice", "dim": 2, "correlation": "gaussian", "variance": "0.7", "length": "2"}
CONTINUUM_D3 = {"space": "continuum", "dim": 3, "correlation": "gaussian", "variance": "0.7", "length": "1.3"}
CONTINUUM_D1 = {"space": "continuum", "dim": 1, "correlation": "white", "variance": "0.7", "length": "1.3"}


def check_error(excinfo, cls, *fragments):
    err = excinfo.value
    assert type(err) is cls, f"expected {cls.__name__}, got {type(err).__name__}: {err}"
    assert isinstance(err, DeriveError)
    msg = str(err)
    assert msg.strip() and "\n" not in msg, f"message must be one non-empty line: {msg!r}"
    for frag in fragments:
        assert frag.lower() in msg.lower(), f"{frag!r} not in {msg!r}"


def test_error_hierarchy():
    assert issubclass(ParameterError, ModelError) and issubclass(CorrelationNotPositive, ModelError)
    assert issubclass(OutOfBandError, ParameterError)
    for cls in (ModelError, UnknownNameError, LimitDoesNotExist, CertificateFailed, SingularPointError,
                CheckFailed):
        assert issubclass(cls, DeriveError)


# --------------------------------------------------------------------------------------------- model input

BAD_MODELS = [
    ({"space": "torus"}, ParameterError, ("torus",)),
    ({"space": ""}, ParameterError, ("space",)),
    ({"dim": 0}, ParameterError, ("0",)),
    ({"dim": 4}, ParameterError, ("4",)),
    ({"dim": "x"}, ParameterError, ("'x'",)),
    ({"dim": 2.5}, ParameterError, ("2.5",)),
    ({"dim": "2.5"}, ParameterError, ("2.5",)),
    ({"dim": -1}, ParameterError, ("-1",)),
    ({"dim": True}, ParameterError, ("dimension",)),
    ({"variance": "-1"}, ParameterError, ("variance",)),
    ({"variance": 0}, ParameterError, ("variance",)),
    ({"variance": "0"}, ParameterError, ("variance",)),
    ({"variance": "nan"}, ParameterError, ("variance", "nan")),
    ({"variance": math.nan}, ParameterError, ("variance", "nan")),
    ({"variance": "inf"}, ParameterError, ("variance",)),
    ({"variance": "abc"}, ParameterError, ("variance", "abc")),
    ({"length": "0"}, ParameterError, ("length",)),
    ({"length": -2}, ParameterError, ("length",)),
    ({"length": "nan"}, ParameterError, ("length",)),
    # Bochner: ϑ = e^{−r²}(1 − 3r²) has R(q) = √π e^{−q²/4}(3q²/4 − 1/2) < 0 near q = 0 (d = 1)
    ({"space": "continuum", "dim": 1, "correlation": "exp(-r**2)*(1-3*r**2)"}, CorrelationNotPositive,
     ("negative",)),
    ({"space": "continuum", "dim": 3, "correlation": "exp(-r**2)*(1-3*r**2)"}, CorrelationNotPositive,
     ("negative",)),
    ({"space": "continuum", "dim": 1, "correlation": "exp(-r**2"}, ParameterError, ("parse",)),
    ({"space": "continuum", "dim": 1, "correlation": "exp(-r*x)"}, ParameterError, ("'x'",)),
    ({"space": "continuum", "dim": 2, "correlation": "exp(-r)*foo"}, ParameterError, ("foo",)),
    ({"space": "continuum", "dim": 1, "correlation": "r"}, ModelError, ("fourier",)),          # not transformable
    ({"space": "lattice", "dim": 1, "correlation": "exp(-r)"}, ModelError, ("slowly",)),       # slow tail
]


@pytest.mark.parametrize("params, cls, fragments", BAD_MODELS,
                         ids=[f"{'-'.join(f'{k}={v}' for k, v in p.items())}" for p, _, _ in BAD_MODELS])
def test_bad_model_parameters(params, cls, fragments):
    with pytest.raises(DeriveError) as excinfo:
        derive_equation("linear-boltzmann", params)
    check_error(excinfo, cls, *fragments)


def test_model_class_validates_directly():
    with pytest.raises(DeriveError) as excinfo:
        RandomPotentialModel(space="lattice", dim=4)
    check_error(excinfo, ParameterError, "4")
    with pytest.raises(DeriveError) as excinfo:
        RandomPotentialModel(space="continuum", dim=1, correlation="exp(-r**2)*(1-3*r**2)")
    check_error(excinfo, CorrelationNotPositive, "exp(-r**2)*(1-3*r**2)")
    # good input is normalised: dimension as a string or an integral float, numbers as strings
    m = RandomPotentialModel(space="lattice", dim="2", variance="0.5", length=3)
    assert m.dim == 2 and isinstance(m.dim, int) and m.variance == 0.5 and m.length == 3.0
    assert RandomPotentialModel(space="continuum", dim=3.0).dim == 3


def test_unknown_names():
    entry = get_entry("linear-boltzmann")
    for bad in ({"bogus": 1}, {"dimension": 3}, {"Space": "lattice"}):
        with pytest.raises(DeriveError) as excinfo:
            entry.model(bad)
        check_error(excinfo, UnknownNameError, repr(next(iter(bad))))
        with pytest.raises(DeriveError) as excinfo:
            derive_equation("linear-boltzmann", bad)
        check_error(excinfo, UnknownNameError, repr(next(iter(bad))))
    for name in ("nonlinear-boltzmann", "", "Linear-Boltzmann"):
        with pytest.raises(DeriveError) as excinfo:
            get_entry(name)
        check_error(excinfo, UnknownNameError, "linear-boltzmann")
        with pytest.raises(DeriveError) as excinfo:
            derive_equation(name, {})
        check_error(excinfo, UnknownNameError)
        with pytest.raises(DeriveError) as excinfo:
            kernels_for(name, {})
        check_error(excinfo, UnknownNameError)


# ------------------------------------------------------------------------------------------- kernel input

def _kern(params):
    return kernels_for("linear-boltzmann", params)


OUT_OF_BAND = [
    ("lattice-d2", "diffusion_coefficient", -1.0),
    ("lattice-d2", "diffusion_coefficient", 4.5),
    ("lattice-d2", "transport_rate_at_energy", -0.1),
    ("lattice-d2", "transport_rate_at_energy", 4.01),
    ("lattice-d2", "momentum_at_energy", 9.0),
    ("lattice-d2", "total_rate_at_energy", -1.0),
    ("lattice-d2", "total_rate_at_energy", 4.5),
    ("continuum-d3", "diffusion_coefficient", -0.5),
    ("continuum-d3", "transport_rate_at_energy", -1.0),
    ("continuum-d3", "total_rate_at_energy", -1.0),
    ("continuum-d3", "momentum_at_energy", -2.0),
]
_PARAMS = {"lattice-d2": LATTICE_D2, "continuum-d3": CONTINUUM_D3}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("model, method, energy", OUT_OF_BAND, ids=[f"{m}-{f}-{E}" for m, f, E in OUT_OF_BAND])
def test_energies_outside_the_band(model, method, energy):
    kern = _kern(_PARAMS[model])
    with pytest.raises(DeriveError) as excinfo:
        getattr(kern, method)(energy)
    check_error(excinfo, OutOfBandError, "band")


def test_density_of_states_is_zero_outside_the_band():
    """The density of states is a function on all of ℝ (documented): 0 outside the band, never an error."""
    for params, energies in ((LATTICE_D2, [-1.0, 4.5]), (CONTINUUM_D3, [-1.0])):
        res = _kern(params).density_of_states(np.array(energies))
        assert np.all(res.value == 0) and not np.any(res.singular)


BAD_MOMENTA = [
    (LATTICE_D2, "total_rate", [0.6, 0.1], ("torus",)),
    (LATTICE_D2, "total_rate", [0.1, -0.51], ("torus",)),
    (LATTICE_D2, "transport_rate", [0.75, 0.0], ("torus",)),
    (LATTICE_D2, "collision", [0.1, 0.7], ("torus",)),
    (LATTICE_D2, "total_rate", [0.1, 0.2, 0.3], ("2 components", "3")),
    (LATTICE_D2, "total_rate", [0.1], ("2 components", "1")),
    (LATTICE_D2, "collision", [0.1, 0.2, 0.3], ("2 components",)),
    (LATTICE_D2, "total_rate", [np.nan, 0.1], ("finite",)),
    (CONTINUUM_D3, "total_rate", [1.0, 2.0], ("3 components",)),
    (CONTINUUM_D3, "collision", [1.0, 2.0, 3.0, 4.0], ("3 components",)),
    (CONTINUUM_D3, "total_rate", [np.inf, 0.0, 0.0], ("finite",)),
]


@pytest.mark.parametrize("params, method, k, fragments", BAD_MOMENTA,
                         ids=[f"{p['space']}-{m}-{k}" for p, m, k, _ in BAD_MOMENTA])
def test_bad_momenta(params, method, k, fragments):
    kern = _kern(params)
    call = getattr(kern, method)
    with pytest.raises(DeriveError) as excinfo:
        if method == "collision":
            call(lambda p: np.ones(p.shape[:-1]), k)
        else:
            call(k)
    check_error(excinfo, ParameterError, *fragments)


def test_nan_energy_is_refused():
    for params in (LATTICE_D2, CONTINUUM_D1):
        kern = _kern(params)
        for method in ("density_of_states", "diffusion_coefficient"):
            with pytest.raises(ParameterError) as excinfo:
                getattr(kern, method)(math.nan)
            assert "\n" not in str(excinfo.value)


def test_direction_dependent_quantities_need_a_momentum():
    """For a lattice Gaussian the rate depends on the direction of k: there is no Σ(E), and the error says so."""
    kern = _kern(LATTICE_D2_GAUSS)
    for method in ("total_rate_at_energy", "transport_rate_at_energy", "diffusion_coefficient"):
        with pytest.raises(DeriveError) as excinfo:
            getattr(kern, method)(1.0)
        msg = str(excinfo.value)
        assert "\n" not in msg and ("direction" in msg or "implemented" in msg), msg
    assert np.isfinite(kern.total_rate([0.1, -0.23]).value)     # at a momentum it is defined


def test_singular_points_raise_singular_point_error():
    """Where a quantity is undefined (not merely infinite) a SingularPointError with one line is raised."""
    kern = _kern(LATTICE_D2)
    with pytest.raises(DeriveError) as excinfo:
        kern.transport_rate([0.0, 0.0])               # v(0) = 0
    check_error(excinfo, SingularPointError, "velocity")
    with pytest.raises(DeriveError) as excinfo:
        kern.diffusion_coefficient(2.0)               # van Hove saddle
    check_error(excinfo, SingularPointError, "van hove")


def test_slow_symbolic_transform_is_cut_off_with_a_clear_error(monkeypatch):
    import derive.models.random_potential as rp
    from derive.errors import ModelError
    monkeypatch.setattr(rp, "TRANSFORM_SECONDS", 1)
    with pytest.raises(ModelError, match="took longer than 1 s"):
        rp.RandomPotentialModel(space="continuum", dim=2, correlation="cos(r)*exp(-r**2)")
