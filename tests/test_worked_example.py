"""The worked example in docs/ runs as written."""
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "worked-example.md"


def test_worked_example_executes(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "kinetic_equation" in out and "holds" in out
