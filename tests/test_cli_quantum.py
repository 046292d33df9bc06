"""CLI forms of the second-quantized entries (issue 4): show / check / eval, and one-line errors with exit status 2."""
import json
import math

import pytest

from derive.cli import main


@pytest.mark.parametrize("name", ["uehling-uhlenbeck", "electron-phonon", "four-wave"])
def test_show_and_check(name, capsys):
    assert main(["show", name, "--steps", "--format", "json"]) == 0
    blob = json.loads(capsys.readouterr().out)
    kinds = {st["approximation"] for st in blob["steps"]}
    assert {"kinetic limit", "average"} <= kinds and blob["certificates"]
    assert main(["check", name]) == 0
    assert "all checks hold" in capsys.readouterr().out


def test_electron_phonon_total_rate_optical_closed_form(capsys):
    # optical phonons Ω = 1, g = 1, d = 3: Σ(k) = [N√(k²+2) + (N+1)√(k²−2)·1(k² > 2)]/π, N = 1/(e^β − 1)
    # (golden rule with đq = dq/(2π)³ and 2πδ, typed here independently of the derivation)
    beta, k = 0.7, 1.9
    assert main(["eval", "electron-phonon", "total-rate", "--param", "Omega=1", "--param", f"beta={beta}",
                 "--param", "coupling=1", "--at", f"k={k}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    N = 1 / math.expm1(beta)
    expected = (N * math.sqrt(k * k + 2) + (N + 1) * math.sqrt(k * k - 2)) / math.pi
    assert abs(out["value"] - expected) <= 1e-12 * expected


@pytest.mark.parametrize("argv, fragment", [
    (["eval", "uehling-uhlenbeck", "collision", "--param", "occupation=2*exp(-k**2)", "--at", "k=0.5"], "exceeds 1"),
    (["eval", "uehling-uhlenbeck", "collision", "--param", "occupation=-exp(-k**2)", "--at", "k=0.5"], "occupation"),
    (["eval", "uehling-uhlenbeck", "collision", "--param", "potential=I*exp(-q**2)", "--at", "k=0.5"], "potential"),
    (["eval", "uehling-uhlenbeck", "collision", "--param", "statistics=anyon", "--at", "k=0.5"], "statistics"),
    (["eval", "uehling-uhlenbeck", "collision", "--param", "potential=exp(-q**2", "--at", "k=0.5"], "potential"),
    (["eval", "uehling-uhlenbeck", "collision", "--at", "k=0.3,0.4"], "components"),
    (["eval", "electron-phonon", "total-rate", "--param", "beta=-1", "--at", "k=1"], "beta"),
    (["eval", "electron-phonon", "total-rate", "--param", "coupling=x", "--at", "k=1"], "coupling"),
    (["eval", "four-wave", "collision", "--param", "occupation=-1", "--at", "k=0.1"], "occupation"),
])
def test_bad_input_one_line_exit_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("derive: error:") and "Traceback" not in err
    assert fragment.lower() in err.lower(), err
