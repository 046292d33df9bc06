"""CLI forms of the corrector entries (issue 5): show / eval / check, and one-line errors with exit status 2."""
import json

import pytest

from derive.cli import main


@pytest.mark.parametrize("name", ["einstein-rates", "energy-diffusion", "regularized-wigner"])
def test_show_json_has_steps_and_certificates(name, capsys):
    assert main(["show", name, "--steps", "--format", "json"]) == 0
    blob = json.loads(capsys.readouterr().out)
    kinds = {st["approximation"] for st in blob["steps"]}
    assert len(blob["steps"]) >= 8 and "kinetic limit" in kinds and blob["certificates"]
    assert main(["show", name, "--format", "latex"]) == 0
    assert "\\" in capsys.readouterr().out
    assert main(["check", name]) == 0
    assert "all checks hold" in capsys.readouterr().out


def test_einstein_eval_matches_independent_lorentzian(capsys):
    # A(0,1) = ½|A₀₁|²[γ/(γ² + (E₀−E₁−ω)²) + γ/(γ² + (E₀−E₁+ω)²)] typed here independently of the engine
    assert main(["eval", "einstein-rates", "rate", "--param", "energies=0,1,3", "--param",
                 "coupling=[[0,1,0],[1,0,1],[0,1,0]]", "--param", "omega=1", "--param", "relaxation=0.5",
                 "--at", "n=0", "--at", "k=1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    g = 0.5
    expected = 0.5 * (g / (g ** 2 + (0 - 1 - 1) ** 2) + g / (g ** 2 + (0 - 1 + 1) ** 2))
    assert abs(out["value"] - expected) <= 1e-13 and out["error_estimate"] < 1e-10


def test_energy_diffusion_eval_oscillator_closed_form(capsys):
    # oscillator, forcing x cos ωτ: d(E) = Eγ(γ² + ω² + 1) / (2((ω−1)² + γ²)((ω+1)² + γ²)) (hand-derived)
    w, g, E = 1.3, 0.4, 0.7
    assert main(["eval", "energy-diffusion", "coefficient", "--param", f"omega={w}", "--param",
                 f"relaxation={g}", "--at", f"energy={E}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = E * g * (g ** 2 + w ** 2 + 1) / (2 * ((w - 1) ** 2 + g ** 2) * ((w + 1) ** 2 + g ** 2))
    assert abs(out["value"] - expected) <= 1e-9 * expected


@pytest.mark.parametrize("argv, fragment", [
    (["eval", "einstein-rates", "rate", "--param", "energies=0,0", "--at", "n=0", "--at", "k=1"], "coincide"),
    (["eval", "einstein-rates", "rate", "--param", "coupling=[[0,1],[2,0]]", "--at", "n=0", "--at", "k=1"],
     "Hermitian"),
    (["eval", "einstein-rates", "rate", "--param", "energies=0,1,3", "--param", "forcing=quasi-periodic",
      "--param", "omega=1,1.4142", "--param", "coupling=[[[0,1,0],[1,0,1],[0,1,0]],[[0,0,1],[0,0,0],[1,0,0]]]",
      "--param", "relaxation=0", "--at", "n=0", "--at", "k=1"], "relaxation"),
    (["eval", "einstein-rates", "rate", "--param", "coupling=[[0,1],[1,0", "--at", "n=0", "--at", "k=1"], "coupling"),
    (["eval", "einstein-rates", "rate", "--at", "n=0", "--at", "k=5"], "k"),
    (["eval", "energy-diffusion", "coefficient", "--param", "hamiltonian=p**2/2 - x**2", "--at", "energy=1"],
     "confining"),
    (["eval", "energy-diffusion", "coefficient", "--param", "forcing=x", "--at", "energy=1"], "forcing"),
    (["eval", "energy-diffusion", "coefficient", "--at", "energy=-1"], "energy"),
    (["eval", "energy-diffusion", "coefficient", "--param", "relaxation=-1", "--at", "energy=1"], "relaxation"),
    (["eval", "regularized-wigner", "jump-rate", "--param", "theta=0", "--at", "k=0.3", "--at", "jump=1"], "theta"),
    (["eval", "regularized-wigner", "jump-rate", "--param", "wavevectors=0", "--at", "k=0.3", "--at", "jump=1"],
     "wave"),
    (["show", "einstein-rates", "--param", "temperature=1"], "unknown parameter"),
    (["eval", "einstein-rates", "velocity", "--at", "n=0", "--at", "k=1"], "unknown quantity"),
    (["eval", "einstein-rates", "rate", "--at", "n=0", "--at", "q=1"], "unknown --at key"),
])
def test_bad_input_one_line_exit_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("derive: error:") and "Traceback" not in err
    assert fragment.lower() in err.lower(), err
