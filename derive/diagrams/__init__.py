"""Pairing graphs of the Gaussian average (seed 003 §5): build, enumerate, classify, count, kinetic limit, draw, page.

Importing this package does not import ``routing`` (owned separately) or matplotlib.
"""
from derive.diagrams.classify import (CLASSES, classes, classify, crossing_number, is_connected, is_crossing,
                                      is_decorated_ladder, is_immediate_recollision, is_ladder, is_nesting)
from derive.diagrams.count import class_counts, order_counts
from derive.diagrams.enumerate import CLASS_NAMES, enumerate_graphs, enumerate_order, iter_partner_blocks
from derive.diagrams.graph import FeynmanGraph, NotAPairing, check_graph, from_networkx, from_pairs
from derive.diagrams.kinetic import (check_order, dyson_term, graph_kinetic_limit, kinetic_limit_derivation,
                                     order_kinetic_limit, power_count)

__all__ = ["FeynmanGraph", "NotAPairing", "check_graph", "from_pairs", "from_networkx", "enumerate_graphs",
           "enumerate_order", "iter_partner_blocks", "CLASS_NAMES", "CLASSES", "classify", "classes",
           "is_immediate_recollision", "is_ladder", "is_decorated_ladder", "is_crossing", "is_nesting",
           "crossing_number", "is_connected", "class_counts", "order_counts", "graph_kinetic_limit",
           "order_kinetic_limit", "dyson_term", "check_order", "power_count", "kinetic_limit_derivation"]
