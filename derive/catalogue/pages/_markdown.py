"""Small Markdown pieces shared by the generated equation pages (table cells, numbers, the certificates table)."""
from __future__ import annotations

__all__ = ["cell", "fmt", "certificates_table"]


def cell(text) -> str:
    """A Markdown table cell: literal pipes (|k|, F(k₂,k|k₄,k₃)) escaped."""
    return str(text).replace("|", "\\|")


def fmt(x: float, digits: int = 3) -> str:
    """A number in the pages' scientific format (``1.234e-05``)."""
    return f"{x:.{digits}e}"


def certificates_table(certificates) -> list[str]:
    """The ``| certificate | statement | method |`` table of proved certificates (statement in LaTeX)."""
    lines = ["| certificate | statement | method |", "|---|---|---|"]
    lines += [f"| {c.name} | ${cell(c.statement)}$ | {cell(c.method)} |" for c in certificates]
    return lines
