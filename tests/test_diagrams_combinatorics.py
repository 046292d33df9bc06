"""Pairing graphs of seed 003 §5: enumeration is valid, unique and complete; classes match the closed forms."""
import json
import random

import networkx as nx
import numpy as np
import pytest

from derive.cli import main
from derive.diagrams import enumerate as enum_mod
from derive.diagrams.classify import (classes, classify, classify_array, crossing_number, is_connected,
                                      is_connected_networkx, is_crossing, is_decorated_ladder,
                                      is_immediate_recollision, is_ladder, is_nesting)
from derive.diagrams.count import (catalan, class_counts, count_decorated_ladders, crossing_number_distribution,
                                   double_factorial, order_counts)
from derive.diagrams.enumerate import (CLASS_NAMES, count_by_enumeration, enumerate_graphs, enumerate_order,
                                       iter_partner_blocks)
from derive.diagrams.graph import FeynmanGraph, NotAPairing, check_graph, from_networkx, from_pairs
from derive.errors import DeriveError, ParameterError, UnknownNameError

SPLITS = [(n, N - n) for N in range(0, 13, 2) for n in range(N + 1)]
SMALL_SPLITS = [(n, m) for n, m in SPLITS if n + m <= 8]


def _is_perfect_matching(g):
    N = g.order
    seen = sorted(v for p in g.pairs for v in p)
    return seen == list(range(1, N + 1))


@pytest.mark.parametrize("n,m", SMALL_SPLITS)
def test_enumeration_valid_unique_complete(n, m):
    graphs = list(enumerate_graphs(n, m))
    assert len(graphs) == double_factorial(n + m - 1)
    assert all(_is_perfect_matching(g) for g in graphs)
    keys = [g.canonical_key() for g in graphs]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys)                      # the documented lexicographic order
    # completeness against itertools: all involutions without fixed points, found by brute force
    if n + m <= 6:
        import itertools
        brute = {p for p in itertools.permutations(range(1, n + m + 1))
                 if all(p[p[i] - 1] == i + 1 and p[i] != i + 1 for i in range(n + m))}
        assert brute == {g.partner for g in graphs}


def test_odd_order_is_empty_and_fast_path_matches_generator(monkeypatch):
    assert list(enumerate_graphs(3, 0)) == [] and list(iter_partner_blocks(2, 1)) == []
    for n, m in [(3, 3), (5, 3), (10, 0)]:
        ref = np.array([[q - 1 for q in g.partner] for g in enumerate_graphs(n, m)])
        fast = np.concatenate(list(iter_partner_blocks(n, m)))
        assert np.array_equal(ref, fast)
    # the prefix + template path (used for n + m > TEMPLATE_MAX) in the same order, and small blocks
    monkeypatch.setattr(enum_mod, "TEMPLATE_MAX", 4)
    ref = np.array([[q - 1 for q in g.partner] for g in enumerate_graphs(6, 4)])
    fast = np.concatenate(list(iter_partner_blocks(6, 4, block_rows=7)))
    assert np.array_equal(ref, fast)
    for cls in CLASS_NAMES:
        ref = [[q - 1 for q in g.partner] for g in enumerate_graphs(6, 4, cls)]
        blocks = [b for b in iter_partner_blocks(6, 4, cls, block_rows=5) if len(b)]
        got = np.concatenate(blocks).tolist() if blocks else []
        assert got == ref, cls


def test_canonical_key_is_invariant_under_label_shuffles():
    rng = random.Random(20240603)
    for g in enumerate_order(3):
        pairs = [tuple(rng.sample(p, 2)) for p in g.pairs]
        rng.shuffle(pairs)
        assert from_pairs(g.n, g.m, pairs).canonical_key() == g.canonical_key()
        G = g.to_networkx()
        nodes = list(G.nodes)
        names = [f"v{k}" for k in range(len(nodes))]
        rng.shuffle(names)
        H = nx.relabel_nodes(G, dict(zip(nodes, names)))
        assert from_networkx(H).canonical_key() == g.canonical_key()
    # inequivalent: same pairs on a different split, or different pairs
    a, b = from_pairs(2, 2, [(1, 4), (2, 3)]), from_pairs(4, 0, [(1, 4), (2, 3)])
    assert a.canonical_key() != b.canonical_key()
    assert a.canonical_key() != from_pairs(2, 2, [(1, 2), (3, 4)]).canonical_key()


def test_networkx_graph_structure():
    g = from_pairs(2, 2, [(1, 4), (2, 3)])
    G = g.to_networkx()
    assert G.nodes[1]["line"] == "psi" and G.nodes[4]["line"] == "conj" and G.nodes[4]["position"] == 1
    kinds = sorted(d["kind"] for _, _, d in G.edges(data=True))
    assert kinds == ["contraction"] * 2 + ["propagator"] * 6
    assert G.degree[1] == 3 and G.degree["observable"] == 2
    assert FeynmanGraph(0, 0, ()).to_networkx().number_of_edges() == 2


@pytest.mark.parametrize("bad", [(2, 0, (1, 2)), (2, 0, (2,)), (4, 0, (2, 1, 4, 2)), (-2, 4, (2, 1)),
                                 (2, 0, (2, 3))])
def test_check_graph_raises_named_error(bad):
    with pytest.raises(NotAPairing):
        check_graph(*bad)
    with pytest.raises(DeriveError):
        FeynmanGraph(*bad)
    with pytest.raises(NotAPairing):
        from_pairs(3, 1, [(1, 2), (2, 3)])


@pytest.mark.parametrize("n,m", SPLITS)
def test_class_counts_match_closed_forms(n, m):
    got = count_by_enumeration(n, m)
    want = class_counts(n, m)
    assert {k: got[k] for k in want} == want
    assert got["crossing_numbers"] == (crossing_number_distribution((n + m) // 2) if (n + m) % 2 == 0 else [])
    assert got["decorated-ladder"] + got["nesting"] + got["crossing"] == got["total"]


@pytest.mark.parametrize("n,m", [s for s in SPLITS if sum(s) <= 10])
def test_scalar_classifiers_and_class_filtered_generation(n, m):
    graphs = list(enumerate_graphs(n, m))
    rows = np.array([[q - 1 for q in g.partner] for g in graphs], np.int8).reshape(len(graphs), n + m)
    vec = classify_array(rows, n) if graphs else None
    for k, g in enumerate(graphs):
        c = classify(g)
        assert [is_decorated_ladder(g), is_nesting(g), is_crossing(g)].count(True) == 1
        assert vec[c][k] and vec["crossing_number"][k] == crossing_number(g)
        assert bool(vec["ladder"][k]) == is_ladder(g) and bool(vec["connected"][k]) == is_connected(g)
        assert is_connected(g) == is_connected_networkx(g)
        assert not is_ladder(g) or c == "decorated-ladder"
    for cls in CLASS_NAMES:
        want = [g for g in graphs if (is_ladder(g) if cls == "ladder" else classify(g) == cls)]
        assert list(enumerate_graphs(n, m, cls)) == want


def test_explicit_examples():
    ladder = from_pairs(2, 2, [(1, 4), (2, 3)])
    assert is_ladder(ladder) and classify(ladder) == "decorated-ladder"
    assert classes(ladder) == {"ladder", "decorated-ladder"}
    ladder6 = from_pairs(3, 3, [(1, 6), (2, 5), (3, 4)])
    assert is_ladder(ladder6) and not is_ladder(from_pairs(3, 3, [(1, 6), (2, 4), (3, 5)]))
    two_recollisions = from_pairs(4, 0, [(1, 2), (3, 4)])
    assert classify(two_recollisions) == "decorated-ladder" and not is_ladder(two_recollisions)
    assert is_immediate_recollision(two_recollisions, 3, 4)
    nest = from_pairs(4, 0, [(1, 4), (2, 3)])
    assert classify(nest) == "nesting" and crossing_number(nest) == 0
    cross = from_pairs(4, 0, [(1, 3), (2, 4)])
    assert classify(cross) == "crossing" and crossing_number(cross) == 1
    # n ~ n+1 crosses the observable: a rung, not an immediate recollision
    g = from_pairs(1, 1, [(1, 2)])
    assert not is_immediate_recollision(g, 1, 2) and classify(g) == "decorated-ladder" and is_connected(g)
    # a decorated ladder with a recollision inside a rung; a nesting ℓ ~ ℓ+3 on the conjugate line
    assert classify(from_pairs(3, 3, [(1, 6), (2, 3), (4, 5)])) == "decorated-ladder"
    assert classify(from_pairs(2, 4, [(1, 2), (3, 6), (4, 5)])) == "nesting"
    # disconnected: no rung although both lines carry vertices
    assert not is_connected(from_pairs(2, 2, [(1, 2), (3, 4)]))
    # all chords cross pairwise: crossing number M(M−1)/2
    assert crossing_number(from_pairs(3, 3, [(1, 4), (2, 5), (3, 6)])) == 3


def test_pinned_counts():
    assert [catalan(M) for M in range(1, 8)] == [1, 2, 5, 14, 42, 132, 429]            # OEIS A000108
    assert crossing_number_distribution(4) == [14, 28, 28, 20, 10, 4, 1]                # OEIS A067311
    assert [count_decorated_ladders(M, M) for M in range(6)] == [1, 1, 2, 5, 11, 26]   # Σ_r C((M+r)/2, r)²
    assert order_counts(3) == {"total": 105, "decorated-ladder": 21, "nesting": 14, "crossing": 70, "ladder": 1,
                               "connected": 99}
    c30 = order_counts(30)
    assert c30["total"] == 61 * double_factorial(59)
    assert c30["decorated-ladder"] + c30["nesting"] + c30["crossing"] == c30["total"]
    assert c30["decorated-ladder"] + c30["nesting"] == 61 * catalan(30)
    for name in ("order_counts", "class_counts"):
        with pytest.raises(ParameterError):
            getattr(__import__("derive.diagrams.count", fromlist=[name]), name)(*((-1,) if name == "order_counts"
                                                                                 else (-1, 3)))


def test_unknown_class_raises():
    with pytest.raises(UnknownNameError):
        list(enumerate_graphs(2, 2, "ladders"))


def test_cli_counts_json(capsys):
    assert main(["diagrams", "--order", "3", "--count", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("total", "decorated-ladder", "nesting", "crossing", "ladder")} == \
        {"total": 105, "decorated-ladder": 21, "nesting": 14, "crossing": 70, "ladder": 1}
    assert main(["diagrams", "--order", "3", "--split", "3,3", "--count", "--json", "--class", "crossing"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 15 and out["ladder"] == 1 and out["count"] == out["crossing"] == 10


def test_cli_lists_graphs(capsys, tmp_path):
    assert main(["diagrams", "--order", "2", "--split", "4,0", "--class", "nesting", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"n": 4, "m": 0, "pairs": [[1, 4], [2, 3]], "class": "nesting", "ladder": False,
                     "crossing_number": 0}]
    assert main(["diagrams", "--order", "2", "--split", "2,2", "--class", "ladder", "--draw", str(tmp_path)]) == 0
    assert "1~4 2~3" in capsys.readouterr().out
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".png", ".svg"]
    assert main(["diagrams", "--order", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 15


@pytest.mark.parametrize("argv", [["--order", "-1"], ["--order", "1.5"], ["--order", "x"],
                                  ["--order", "2", "--split", "3,3"], ["--order", "2", "--split", "4"],
                                  ["--order", "2", "--split", "a,b"], ["--order", "2", "--class", "foo"], []])
def test_cli_bad_input_exit_2(argv, capsys):
    assert main(["diagrams", *argv, "--count"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("derive: error:") and len(err.strip().splitlines()) == 1


def test_draw_writes_png_and_svg(tmp_path):
    from derive.diagrams.draw import draw_graph, graph_image_bytes
    g = from_pairs(3, 3, [(1, 6), (2, 4), (3, 5)])
    paths = draw_graph(g, tmp_path / "g")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in paths[1].read_bytes()
    assert graph_image_bytes(g, "svg") == graph_image_bytes(g, "svg")   # deterministic
    with pytest.raises(ParameterError):
        graph_image_bytes(g, "gif")


def test_page_renders_and_check_detects_staleness(tmp_path):
    from derive.diagrams.page import render_diagrams_page, write_diagrams_page
    page = render_diagrams_page(tmp_path)
    for needed in ("2n+1−ℓ", "ℓ < j < ℓ′ < j′", "## Finite-time values", "### M = 8", "| 30 |",
                   "### nesting (2)", "### crossing (5)", "### decorated-ladder (8)", "diagrams/n2m2_4-3-2-1.png"):
        assert needed in page, needed
    assert page == render_diagrams_page(tmp_path)
    assert write_diagrams_page(tmp_path, check=True)            # nothing written yet: all stale
    write_diagrams_page(tmp_path)
    assert len(list((tmp_path / "diagrams").glob("*.png"))) == 15
    assert write_diagrams_page(tmp_path, check=True) == []
    (tmp_path / "diagrams.md").write_text(page.replace("nesting", "nestinG", 1))
    assert write_diagrams_page(tmp_path, check=True) == [str(tmp_path / "diagrams.md")]
