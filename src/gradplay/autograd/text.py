"""A ``Value`` graph in words: its numbers, and the formula behind each node.

Every place that shows a graph to a reader -- the drawing (``viz.graph``), the
expression language's messages, the explorer's step text -- writes numbers
and formulas through these two functions, so they read the same everywhere.
"""

from __future__ import annotations

__all__ = ["fmt_number", "definition"]


def fmt_number(x: float) -> str:
    """A number for reading: 4 significant digits, and 0 (never -0)."""
    return f"{x + 0.0:.4g}" if x != 0 else "0"


def definition(node) -> str:
    """The formula that made ``node``, in its children's names: ``a * b``,
    ``tanh(d)``, ``-e``, ``d ** 2``; a leaf's definition is its own name (or,
    unnamed, its value). An unnamed child is shown by its value."""
    if not node.children:
        return node.label or fmt_number(node.data)
    args = [c.label or fmt_number(c.data) for c in node.children]
    if node.op in ("+", "-", "*", "/") and len(args) == 2:
        return f"{args[0]} {node.op} {args[1]}"
    if node.op == "neg":
        return f"-{args[0]}"
    if node.op.startswith("**"):
        return f"{args[0]} ** {node.op[2:]}"
    return f"{node.op}({', '.join(args)})"
