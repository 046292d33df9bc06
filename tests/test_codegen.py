"""``derive codegen``: standalone numpy-only modules agree with the library kernels to 1e-10 relative.

Every generated module is run in a fresh interpreter where ``derive`` and ``kernels`` cannot be imported:
``python -I -S`` (isolated, no ``site``: an editable install's ``.pth`` finder is not run), cwd = tmp_path, no
``PYTHON*`` variables, and only numpy's installation folder appended to ``sys.path``. Its JSON output is
compared with :func:`derive.kernels_for`.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derive import derive_equation, kernels_for
from derive.errors import DeriveError
from kernels.codegen import generate_module_source, write_module
from kernels.codegen.module import _expression_function

RTOL = 1e-10
NAME = "linear-boltzmann"

#: (parameters, energies, momentum)
CASES = [
    ({"space": "lattice", "dim": 1, "correlation": "white"}, [0.7, 1.5], [0.13]),
    ({"space": "lattice", "dim": 2, "correlation": "white", "variance": 0.8}, [1.3, 3.1], [0.13, 0.21]),
    ({"space": "lattice", "dim": 3, "correlation": "white"}, [1.3, 2.5, 4.7], [0.13, 0.21, 0.3]),
    ({"space": "continuum", "dim": 2, "correlation": "white", "variance": 0.7}, [0.4, 1.3], [0.5, 0.9]),
    ({"space": "continuum", "dim": 3, "correlation": "gaussian", "length": 1.3}, [0.2, 1.3], [0.5, 0.9, -0.4]),
    ({"space": "continuum", "dim": 1, "correlation": "gaussian"}, [0.01, 1.3], [0.8]),
]
IDS = [f"{p['space']}-d{p['dim']}-{p['correlation']}" for p, _, _ in CASES]

#: smooth test densities W(p), p of shape (..., d)
W_SOURCE = {
    "lattice": "lambda p: np.exp(np.cos(2*np.pi*p[..., 0]) + 0.3*np.sum(np.sin(2*np.pi*p), axis=-1))",
    "continuum": "lambda p: np.exp(-0.3*np.sum(p**2, axis=-1) + 0.2*p[..., 0])",
}

def _numpy_only_folder() -> str:
    """A folder exposing only numpy (symlinks to the numpy package and its bundled libraries), so the
    isolated interpreter cannot see this project even when it is installed in numpy's site-packages."""
    import tempfile
    site = Path(np.__file__).resolve().parent.parent
    folder = Path(tempfile.mkdtemp(prefix="numpy-only-"))
    for name in ("numpy", "numpy.libs"):
        if (site / name).exists():
            (folder / name).symlink_to(site / name, target_is_directory=True)
    return str(folder)


#: folder exposing only numpy, the only thing the isolated interpreter may import from
NUMPY_HOME = _numpy_only_folder()

#: runs inside the isolated interpreter: argv = [numpy home, module path, JSON request]
RUNNER = r"""
import importlib.util, json, sys
sys.path.append(sys.argv[1])
out = {}
for forbidden in ("derive", "kernels"):
    try:
        __import__(forbidden)
        out["import_" + forbidden] = "importable"
    except ImportError:
        out["import_" + forbidden] = "missing"
import numpy as np
spec = importlib.util.spec_from_file_location("generated_kernels", sys.argv[2])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
req = json.loads(sys.argv[3])
W = eval(req["W"])
def run(f, *args):
    try:
        v, e = f(*args)
        return [np.asarray(v).tolist(), np.asarray(e).tolist()]
    except ValueError as exc:
        return "ValueError: " + str(exc)
E, k = req["E"], req["k"]
out.update(source_hash=m.SOURCE_HASH, parameters=m.PARAMETERS,
           dos=run(m.density_of_states, np.array(E)), rate_E=[run(m.total_rate_at_energy, x) for x in E],
           diffusion=[run(m.diffusion_coefficient, x) for x in E], rate=run(m.total_rate, k),
           transport=run(m.transport_rate, k), collision=run(m.collision, W, k),
           modules=sorted(n for n in sys.modules if n.split(".")[0] in
                          ("scipy", "sympy", "mpmath", "derive", "kernels")))
print(json.dumps(out))
"""

_CACHE: dict = {}


def _library(kern, E, k, W) -> dict:
    def run(f, *args):
        try:
            est = f(*args)
            return [np.asarray(est.value, dtype=float).tolist(), np.asarray(est.error, dtype=float).tolist()]
        except DeriveError as exc:
            return "DeriveError: " + str(exc)
    return {"dos": run(kern.density_of_states, np.array(E)), "rate_E": [run(kern.total_rate_at_energy, x) for x in E],
            "diffusion": [run(kern.diffusion_coefficient, x) for x in E], "rate": run(kern.total_rate, k),
            "transport": run(kern.transport_rate, k), "collision": run(kern.collision, W, k)}


def _generated_run(case: int, tmp_path_factory) -> tuple[dict, dict, Path]:
    """(generated output, library output, module path) of one case, computed once per session."""
    if case not in _CACHE:
        params, E, k = CASES[case]
        eq = derive_equation(NAME, params)
        folder = tmp_path_factory.mktemp(f"codegen{case}")
        path = write_module(eq, folder / "lb_kernels.py")
        request = json.dumps({"E": E, "k": k, "W": W_SOURCE[params["space"]]})
        env = {key: val for key, val in os.environ.items() if not key.startswith("PYTHON")}
        command = [sys.executable, "-I", "-S", "-c", RUNNER, NUMPY_HOME, str(path), request]
        proc = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        W = eval(W_SOURCE[params["space"]], {"np": np})
        _CACHE[case] = (json.loads(proc.stdout), _library(kernels_for(NAME, params), E, k, W), path)
    return _CACHE[case]


def _rel(a: float, b: float) -> float:
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(b), 1e-300)


def _compare(name: str, got, ref) -> float:
    """Largest relative difference of values; errors must be finite, non-negative and not NaN."""
    if isinstance(ref, str):
        assert isinstance(got, str) and got.startswith("ValueError"), (name, got, ref)
        return 0.0
    assert not isinstance(got, str), (name, got, ref)
    val, err = np.atleast_1d(got[0]), np.atleast_1d(got[1])
    ref_val = np.atleast_1d(ref[0])
    assert not np.isnan(val).any() and not np.isnan(err).any(), (name, got)
    assert (err >= 0).all(), (name, got)
    worst = max(_rel(float(a), float(b)) for a, b in zip(val, ref_val))
    assert worst <= RTOL, f"{name}: generated {got} vs library {ref} (rel {worst:.2e})"
    return worst


@pytest.mark.parametrize("case", range(len(CASES)), ids=IDS)
def test_generated_module_matches_library(case, tmp_path_factory):
    got, ref, _ = _generated_run(case, tmp_path_factory)
    params = CASES[case][0]
    assert got["import_derive"] == "missing" and got["import_kernels"] == "missing"
    assert got["modules"] == [], f"generated module pulled in {got['modules']}"
    assert got["source_hash"] == derive_equation(NAME, params).source_hash
    assert got["parameters"]["space"] == params["space"] and got["parameters"]["dim"] == params["dim"]
    worst = 0.0
    for key in ("dos", "rate", "transport", "collision"):
        worst = max(worst, _compare(key, got[key], ref[key]))
    for key in ("rate_E", "diffusion"):
        for g, r in zip(got[key], ref[key]):
            worst = max(worst, _compare(key, g, r))
    assert worst <= RTOL


@pytest.mark.parametrize("case", range(len(CASES)), ids=IDS)
def test_header_and_imports(case, tmp_path_factory):
    _, _, path = _generated_run(case, tmp_path_factory)
    eq = derive_equation(NAME, CASES[case][0])
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree, clean=False)
    assert "do not edit" in doc.splitlines()[0]
    for text in (eq.source_hash, sp.sstr(eq.equation), sp.sstr(eq.cross_section), sp.latex(eq.equation),
                 sp.latex(eq.cross_section), eq.conventions, eq.name):
        assert text in doc
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported == {"numpy"}
    names = {n.targets[0].id for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}
    assert {"SOURCE_HASH", "PARAMETERS", "__all__"} <= names
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for name in ("omega", "velocity", "cofactor", "density_of_states", "total_rate", "total_rate_at_energy",
                 "collision", "transport_rate", "diffusion_coefficient"):
        assert "Parameters\n    ----------" in ast.get_docstring(funcs[name], clean=False), name
    assert sp.sstr(eq.omega) in ast.get_docstring(funcs["omega"])
    assert generate_module_source(eq) == source          # deterministic


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"gen_{path.parent.name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_expressions_match_library_pointwise(tmp_path_factory):
    rng = np.random.default_rng(7)
    for case in (1, 4):
        mod = _load(_generated_run(case, tmp_path_factory)[2])
        kern = kernels_for(NAME, CASES[case][0])
        k, p = rng.uniform(-0.5, 0.5, (2, 5, mod.DIM))
        np.testing.assert_allclose(mod.omega(k), kern.omega(k), rtol=1e-15)
        np.testing.assert_allclose(mod.velocity(k), kern.velocity(k), rtol=1e-15)
        np.testing.assert_allclose(mod.cofactor(k, p), kern.cofactor(k, p), rtol=1e-15)


def test_singular_points_and_band(tmp_path_factory):
    lat1, lat2, lat3 = (_load(_generated_run(case, tmp_path_factory)[2]) for case in (0, 1, 2))
    cont1 = _load(_generated_run(5, tmp_path_factory)[2])
    assert lat1.density_of_states(0.0) == (np.inf, np.inf) and lat1.total_rate([0.5]) == (np.inf, np.inf)
    assert lat2.density_of_states(2.0) == (np.inf, np.inf)
    assert lat2.density_of_states(0.0)[0] == pytest.approx(1 / (2 * np.pi), rel=1e-14)   # finite band edge
    assert np.isfinite(lat3.density_of_states(2.0)[0])
    assert cont1.total_rate_at_energy(0.0) == (np.inf, np.inf) and cont1.total_rate([0.0]) == (np.inf, np.inf)
    for fn, arg in ((lat1.density_of_states, 2.5), (lat3.total_rate_at_energy, -0.1), (lat2.diffusion_coefficient, 2.0),
                    (cont1.density_of_states, -1.0), (lat3.density_of_states, float("nan")),
                    (lat2.transport_rate, [0.0, 0.0]), (lat1.collision, lambda p: p[..., 0] ** 2)):
        with pytest.raises(ValueError) as info:
            fn(arg) if fn is not lat1.collision else fn(arg, [0.0])
        assert "\n" not in str(info.value)


def test_template_is_importable_and_matches_library():
    from kernels.codegen import runtime_template as rt
    kern = kernels_for(NAME, {"space": "lattice", "dim": 1, "correlation": "white"})
    for E in (0.3, 1.1, 1.9):
        assert rt.total_rate_at_energy(E)[0] == pytest.approx(float(kern.total_rate_at_energy(E).value), rel=1e-14)
        assert rt.diffusion_coefficient(E)[0] == pytest.approx(float(kern.diffusion_coefficient(E).value), rel=1e-14)


def test_expression_outside_numpy_is_refused():
    x = sp.Symbol("k_1", real=True)
    with pytest.raises(DeriveError, match="numpy"):
        _expression_function("_f", [x], sp.besselj(0, x), "J0")
