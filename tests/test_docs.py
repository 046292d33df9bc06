"""The committed equation page is current: regenerating it from the derivation changes nothing."""
from pathlib import Path

from derive.cli import main


def test_committed_pages_are_current(capsys):
    status = main(["docs", "--check"])
    out = capsys.readouterr().out
    assert status == 0, out


def test_page_states_conventions_steps_and_tables():
    page = (Path(__file__).resolve().parent.parent / "docs" / "equations" / "linear-boltzmann.md").read_text()
    for needed in ("## Conventions", "đk", "weak_coupling_limit", "Discards:", "## Certificates",
                   "mpmath", "## Against the microscopic dynamics", "linear-boltzmann-rates.png"):
        assert needed in page, needed
    assert "| NO |" not in page


def test_docs_check_detects_staleness(tmp_path, capsys):
    import shutil
    src = Path(__file__).resolve().parent.parent / "docs"
    shutil.copytree(src, tmp_path / "docs")
    page = tmp_path / "docs" / "equations" / "linear-boltzmann.md"
    page.write_text(page.read_text().replace("Certificates", "Certificatez"))
    assert main(["docs", "--out", str(tmp_path / "docs"), "--check"]) == 1
    assert "stale" in capsys.readouterr().out
