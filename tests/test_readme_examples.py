"""Every `derive eval … --json` example in the README runs and prints a value with an error estimate."""
import json
import math
import shlex
from pathlib import Path

import pytest

from derive.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _eval_examples() -> list[str]:
    lines, out, current = README.read_text().splitlines(), [], None
    for line in lines:
        text = line.strip()
        if current is not None:
            current += " " + text.rstrip("\\").strip()
            if not text.endswith("\\"):
                out.append(current)
                current = None
        elif text.startswith("derive eval ") and "--json" in line + "".join(lines):
            if text.endswith("\\"):
                current = text.rstrip("\\").strip()
            elif "QUANTITY" not in text:
                out.append(text)
    return [c for c in out if "--json" in c]


EXAMPLES = _eval_examples()


def test_readme_has_an_example_per_entry():
    from derive.catalogue import CATALOGUE
    named = {shlex.split(c)[2] for c in EXAMPLES}
    assert named == set(CATALOGUE), f"README eval examples cover {sorted(named)}, catalogue has {sorted(CATALOGUE)}"


@pytest.mark.parametrize("command", EXAMPLES, ids=[shlex.split(c)[2] for c in EXAMPLES])
def test_readme_eval_example(command, capsys):
    argv = shlex.split(command.split("#")[0])[1:]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert math.isfinite(out["value"]) and 0 <= out["error_estimate"] <= 1e-6 * max(1.0, abs(out["value"]))
