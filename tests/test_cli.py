"""The command line: documented forms work, bad input gives one line on stderr and exit status 2."""
import json
import subprocess
import sys

import pytest

from derive.cli import main


def run(*argv):
    return subprocess.run([sys.executable, "-m", "derive", *argv], capture_output=True, text=True, timeout=300)


def test_list_json(capsys):
    assert main(["list", "--json"]) == 0
    names = [e["name"] for e in json.loads(capsys.readouterr().out)]
    assert "linear-boltzmann" in names


def test_show_formats(capsys):
    assert main(["show", "linear-boltzmann", "--param", "dim=1", "--steps", "--format", "json"]) == 0
    blob = json.loads(capsys.readouterr().out)
    assert blob["model"]["dim"] == 1 and len(blob["steps"]) >= 10
    assert "2*pi*sigma2" in blob["cross_section"]
    assert main(["show", "linear-boltzmann", "--param", "dim=1", "--format", "latex"]) == 0
    assert r"\delta" in capsys.readouterr().out
    assert main(["show", "linear-boltzmann", "--param", "dim=1", "--steps"]) == 0
    assert "weak_coupling_limit" in capsys.readouterr().out


def test_eval_json_matches_closed_form(capsys):
    # lattice d = 1, i.i.d. variance 2: Σ(E) = 2π·2·n₁(E), n₁(E) = 1/(π√(E(2−E))) (independent closed form)
    import math
    assert main(["eval", "linear-boltzmann", "total-rate", "--param", "space=lattice", "--param", "dim=1",
                 "--param", "variance=2", "--at", "energy=0.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = 2 * math.pi * 2 / (math.pi * math.sqrt(0.5 * 1.5))
    assert abs(out["value"] - expected) <= 1e-13 * expected and out["error_estimate"] < 1e-12


def test_eval_at_momentum(capsys):
    assert main(["eval", "linear-boltzmann", "density-of-states", "--param", "space=continuum", "--param", "dim=3",
                 "--at", "k=1,0,0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    import math
    assert abs(out["value"] - 4 * math.pi * 1.0 / (2 * math.pi) ** 3) < 1e-15


@pytest.mark.parametrize("argv, fragment", [
    (["eval", "linear-boltzmann", "total-rate", "--at", "energy=9"], "outside the band"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "space=continuum", "--at", "energy=-1"], "outside the band"),
    (["eval", "linear-boltzmann", "flux", "--at", "energy=1"], "unknown quantity"),
    (["show", "no-such-equation"], "unknown equation"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "colour=red", "--at", "energy=1"], "unknown parameter"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "dim=2.5", "--at", "energy=1"], "integer"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "dim=4", "--at", "energy=1"], "not supported"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "dim=x", "--at", "energy=1"], "integer"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "variance=-1", "--at", "energy=1"], "positive"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "length=0", "--at", "energy=1"], "positive"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "space=continuum", "--param", "dim=1",
      "--param", "correlation=exp(-r**2)*(1-3*r**2)", "--at", "energy=1"], "not a covariance"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "correlation=exp(", "--at", "energy=1"], "parse"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "dim=2", "--at", "energy=2"], "diverges"),
    (["eval", "linear-boltzmann", "total-rate", "--at", "temperature=1"], "unknown --at"),
    (["eval", "linear-boltzmann", "total-rate", "--param", "dim=1", "--at", "k=0.7"], "torus"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and fragment in err and "Traceback" not in err


def test_module_entry_point_bad_input_exit_status():
    proc = run("eval", "linear-boltzmann", "total-rate", "--at", "energy=100")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and proc.stdout == ""


def test_check_command(capsys):
    assert main(["check", "linear-boltzmann", "--param", "dim=2"]) == 0
    out = capsys.readouterr().out
    assert "certificate conservation: holds" in out and "all checks hold" in out
