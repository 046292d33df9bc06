"""Pictures of pairing graphs: the ψ line on top, the conjugate line below, contractions as arcs (matplotlib).

Both lines run left to right from the initial state (left junction) to the observable (right junction).
Same-line contractions are arcs above the ψ line / below the conjugate line (height ∝ span), rungs are
straight segments between the lines, so crossing rungs cross on the picture. Output is byte-deterministic
for a fixed matplotlib version (no date/software metadata, fixed SVG hash salt).
"""
from __future__ import annotations

import io
from pathlib import Path

from derive.diagrams.classify import classify, is_ladder
from derive.diagrams.graph import FeynmanGraph

__all__ = ["draw_graph", "graph_figure", "graph_image_bytes", "graph_filename"]

_COLORS = {"decorated-ladder": "#1f77b4", "nesting": "#2ca02c", "crossing": "#d62728"}


def graph_filename(graph: FeynmanGraph) -> str:
    """Stable file stem from the canonical key, e.g. ``n4m0_2-1-4-3``."""
    return f"n{graph.n}m{graph.m}_" + ("-".join(map(str, graph.partner)) or "empty")


def _xy(graph: FeynmanGraph, label: int, width: float) -> tuple:
    if label <= graph.n:
        return label * width / (graph.n + 1), 1.0
    return graph.position_of(label) * width / (graph.m + 1), 0.0


def graph_figure(graph: FeynmanGraph, *, title: bool = True):
    """A matplotlib Figure (not attached to pyplot) of ``graph``."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Arc

    width = max(graph.n, graph.m, 1) + 1.0
    fig = Figure(figsize=(0.55 * width + 1.2, 2.4))
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.82 if title else 0.96))
    ax.plot([0, width], [1, 1], color="black", lw=1.2)
    ax.plot([0, width], [0, 0], color="black", lw=1.2, ls=(0, (4, 2)))
    ax.plot([0, 0], [0, 1], color="grey", lw=0.8, ls=":")
    ax.plot([width, width], [0, 1], color="grey", lw=0.8, ls=":")
    ax.plot([0], [0.5], marker="s", color="grey", ms=7)
    ax.plot([width], [0.5], marker="X", color="black", ms=8)
    ax.text(-0.15, 1.0, "ψ", ha="right", va="center", fontsize=10)
    ax.text(-0.15, 0.0, "ψ̄", ha="right", va="center", fontsize=10)
    cls = classify(graph)
    color = _COLORS[cls]
    for a, b in graph.pairs:
        (xa, ya), (xb, yb) = _xy(graph, a, width), _xy(graph, b, width)
        if ya != yb:
            ax.plot([xa, xb], [ya, yb], color=color, lw=1.4)
        else:
            span = abs(xb - xa)
            h = 0.35 * min(1.0, 0.35 + 0.25 * span)
            ax.add_patch(Arc(((xa + xb) / 2, ya), span, 2 * h, theta1=0 if ya else 180,
                             theta2=180 if ya else 360, color=color, lw=1.4))
    for lab in range(1, graph.order + 1):
        x, y = _xy(graph, lab, width)
        ax.plot([x], [y], "o", color="black", ms=4.5)
        ax.text(x, y + (0.09 if y else -0.1), str(lab), ha="center", va="bottom" if y else "top", fontsize=7)
    ax.set_xlim(-0.5, width + 0.4)
    ax.set_ylim(-0.55, 1.55)
    ax.set_axis_off()
    if title:
        name = "ladder" if is_ladder(graph) else cls
        pairs = " ".join(f"{a}~{b}" for a, b in graph.pairs) or "(no contraction)"
        fig.suptitle(f"n={graph.n}, m={graph.m}: {pairs}  [{name}]", fontsize=8, y=0.97)
    return fig


def graph_image_bytes(graph: FeynmanGraph, fmt: str = "png", *, dpi: int = 100) -> bytes:
    """The picture encoded as PNG or SVG bytes (deterministic)."""
    import matplotlib
    fmt = fmt.lower()
    meta = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}
    if fmt not in meta:
        from derive.errors import ParameterError
        raise ParameterError(f"unsupported image format {fmt!r} (use png or svg)")
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "derive-diagrams", "svg.fonttype": "path"}):
        graph_figure(graph).savefig(buf, format=fmt, dpi=dpi, metadata=meta[fmt])
    return buf.getvalue()


def draw_graph(graph: FeynmanGraph, path, *, formats: tuple = ("png", "svg")) -> list:
    """Write the picture of ``graph`` to ``path`` (a file; its suffix, if .png/.svg, picks the only format).

    Without a .png/.svg suffix, ``path`` is a stem and one file per entry of ``formats`` is written.
    Returns the written paths.
    """
    path = Path(path)
    if path.suffix.lower() in (".png", ".svg"):
        targets = [(path, path.suffix[1:].lower())]
    else:
        targets = [(path.with_name(path.name + "." + f), f) for f in formats]
    for p, fmt in targets:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(graph_image_bytes(graph, fmt))
    return [p for p, _ in targets]
