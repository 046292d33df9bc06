"""Pairing graphs of the Gaussian average (seed 003 §5): build, enumerate, classify, count, draw, page.

Importing this package does not import ``routing`` (owned separately) or matplotlib.
"""
from derive.diagrams.classify import (CLASSES, classes, classify, crossing_number, is_connected, is_crossing,
                                      is_decorated_ladder, is_immediate_recollision, is_ladder, is_nesting)
from derive.diagrams.count import class_counts, order_counts
from derive.diagrams.enumerate import CLASS_NAMES, enumerate_graphs, enumerate_order, iter_partner_blocks
from derive.diagrams.graph import FeynmanGraph, NotAPairing, check_graph, from_networkx, from_pairs

__all__ = ["FeynmanGraph", "NotAPairing", "check_graph", "from_pairs", "from_networkx", "enumerate_graphs",
           "enumerate_order", "iter_partner_blocks", "CLASS_NAMES", "CLASSES", "classify", "classes",
           "is_immediate_recollision", "is_ladder", "is_decorated_ladder", "is_crossing", "is_nesting",
           "crossing_number", "is_connected", "class_counts", "order_counts"]
