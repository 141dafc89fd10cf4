"""Draw a ``Value`` graph as micrograd does, in Graphviz DOT.

Each value is a record ``label | data | grad``; each operation is a small
node of its own between its inputs and its result; the graph reads left to
right. Ids follow the topological order (v0, v1, ...), so the same graph
always gives the same DOT text.

``to_dot`` needs only the Python ``graphviz`` package. Rendering to SVG or
PNG (``render``) needs Graphviz's ``dot`` program; without it you get a
``GraphvizNotInstalled`` error that says how to install it.
"""

from __future__ import annotations

from typing import Iterable

from ..autograd import Value

__all__ = ["to_dot", "render", "GraphvizNotInstalled", "fmt", "MAX_DRAWN_NODES"]

MAX_DRAWN_NODES = 2000
HIGHLIGHT = "#ffd166"   # nodes the gradient has reached in a step-through
CURRENT = "#ef476f"     # the node being processed


class GraphvizNotInstalled(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program."""


def fmt(x: float) -> str:
    """Numbers for reading: 4 significant digits (and 0, never -0)."""
    return f"{x + 0.0:.4g}" if x != 0 else "0"


def _escape(text: str) -> str:
    """Escape the characters that are syntax inside a record label."""
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def _digraph(output: Value, highlight: Iterable[Value] | None = None,
             current: Value | None = None, rankdir: str = "LR"):
    import graphviz
    order = output.topological_order()
    if len(order) > MAX_DRAWN_NODES:
        raise ValueError(f"the graph has {len(order):,} nodes; drawing is limited to "
                         f"{MAX_DRAWN_NODES:,}")
    ids = {id(node): f"v{i}" for i, node in enumerate(order)}
    marked = {id(n) for n in (highlight or ())}
    g = graphviz.Digraph("gradplay", graph_attr={"rankdir": rankdir, "bgcolor": "transparent"},
                         node_attr={"fontname": "Helvetica", "fontsize": "14"})
    for node in order:
        vid = ids[id(node)]
        label = _escape(node.label) if node.label else " "
        attrs = {"shape": "record", "style": "filled,rounded"}
        if current is not None and node is current:
            attrs["fillcolor"] = CURRENT
        elif id(node) in marked:
            attrs["fillcolor"] = HIGHLIGHT
        else:
            attrs["fillcolor"] = "#e8f1fb" if not node.children else "white"
        g.node(vid, f"{{ {label} | data {fmt(node.data)} | grad {fmt(node.grad)} }}", **attrs)
        if node.children:
            g.node(vid + "_op", _escape(node.op), shape="circle", width="0.3",
                   style="filled", fillcolor="#f4f4f4")
            g.edge(vid + "_op", vid)
            for child in node.children:
                g.edge(ids[id(child)], vid + "_op")
    return g


def to_dot(output: Value, highlight: Iterable[Value] | None = None,
           current: Value | None = None, rankdir: str = "LR") -> str:
    """DOT source for the graph that computed ``output``.

    ``highlight``: nodes to mark (those the gradient has reached in a
    step-through); ``current``: the node being processed, marked apart.
    """
    return _digraph(output, highlight, current, rankdir).source


def render(output: Value, format: str = "svg", **kwargs) -> bytes:
    """The drawn graph as SVG or PNG bytes (needs Graphviz's ``dot``)."""
    import graphviz
    try:
        return _digraph(output, **kwargs).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalled(
            "drawing the graph needs Graphviz's 'dot' program, which is not installed: "
            "apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), or see "
            "https://graphviz.org/download/ -- to_dot() works without it") from None
