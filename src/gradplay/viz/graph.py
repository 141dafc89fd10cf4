"""Draw a ``Value`` graph as micrograd does, in Graphviz DOT.

Each value is a record ``label | data | grad``; each operation is a small
node of its own between its inputs and its result. The graph reads left to
right (``rankdir="LR"``, each record a narrow stack of three lines) or top to
bottom (``"TB"``, each record one short row). Ids follow the topological
order (v0, v1, ...), so the same graph always gives the same DOT text.

Sizes are chosen for reading on a projector: the text is 11 pt, which is
about 15 px on screen when the SVG is shown at its natural size (1 pt = 4/3
px), and the spacing is tight so that a 12-node graph drawn top to bottom
fits a 720 px high window. Show the SVG at its natural size and let a wide
graph scroll: scaling it down to a column's width is what made the text
unreadable.

``to_dot`` needs only the Python ``graphviz`` package. Rendering to SVG or
PNG (``render``, ``to_svg``) needs Graphviz's ``dot`` program; without it you
get a ``GraphvizNotInstalled`` error that says how to install it.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Iterable

from ..autograd import Value

__all__ = ["to_dot", "render", "to_svg", "GraphvizNotInstalled", "fmt", "MAX_DRAWN_NODES",
           "FONT_PT"]

MAX_DRAWN_NODES = 2000
FONT_PT = 11            # node text size in points: 11 pt = 14.7 px at natural size
QUICK_LAYOUT_ABOVE = 25  # nodes; bigger graphs get Graphviz's quicker layout settings
HIGHLIGHT = "#ffd166"   # nodes the gradient has reached in a step-through
CURRENT = "#ef476f"     # the node being processed
_INSTALL = ("drawing the graph needs Graphviz's 'dot' program, which is not installed: "
            "apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), or see "
            "https://graphviz.org/download/ -- to_dot() works without it")


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
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")
    order = output.topological_order()
    if len(order) > MAX_DRAWN_NODES:
        raise ValueError(f"the graph has {len(order):,} nodes; drawing is limited to "
                         f"{MAX_DRAWN_NODES:,}")
    ids = {id(node): f"v{i}" for i, node in enumerate(order)}
    marked = {id(n) for n in (highlight or ())}
    font = {"fontname": "Helvetica", "fontsize": str(FONT_PT)}
    layout = {"rankdir": rankdir, "bgcolor": "transparent", "ranksep": "0.22", "nodesep": "0.12"}
    if len(order) > QUICK_LAYOUT_ABOVE:
        # Graphviz's defaults search hard for few crossings and smooth curves: a
        # 50-node sum reusing 10 variables took 0.3-0.5 s. Bounded searches and
        # straight edges lay it out in under 0.1 s.
        layout.update(nslimit="0.1", nslimit1="0.1", mclimit="0.05", splines="line")
    g = graphviz.Digraph("gradplay", graph_attr=layout,
                         node_attr={**font, "height": "0.28", "margin": "0.06,0.02"},
                         edge_attr={"arrowsize": "0.6"})
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
        # no braces: the fields stack across the rank direction (3 lines in LR, 1 row in TB)
        g.node(vid, f"{label} | data {fmt(node.data)} | grad {fmt(node.grad)}", **attrs)
        if node.children:
            g.node(vid + "_op", _escape(node.op), shape="ellipse", width="0.3", height="0.22",
                   margin="0.03,0.01", style="filled", fillcolor="#f4f4f4")
            g.edge(vid + "_op", vid)
            for child in node.children:
                g.edge(ids[id(child)], vid + "_op")
    return g


def to_dot(output: Value, highlight: Iterable[Value] | None = None,
           current: Value | None = None, rankdir: str = "LR") -> str:
    """DOT source for the graph that computed ``output``.

    ``highlight``: nodes to mark (those the gradient has reached in a
    step-through); ``current``: the node being processed, marked apart;
    ``rankdir``: "LR" (left to right) or "TB" (top to bottom).
    """
    return _digraph(output, highlight, current, rankdir).source


def render(output: Value, format: str = "svg", **kwargs) -> bytes:
    """The drawn graph as SVG or PNG bytes (needs Graphviz's ``dot``)."""
    import graphviz
    try:
        return _digraph(output, **kwargs).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalled(_INSTALL) from None


def to_svg(dot_source: str, timeout: float = 5.0) -> str:
    """Lay out DOT source with Graphviz and return the ``<svg>`` element alone
    (no XML prolog), at its natural size, ready to place inside a page.

    Raises ``GraphvizNotInstalled`` without ``dot``, and ``TimeoutError`` when
    the layout takes longer than ``timeout`` seconds (a pathological graph
    must not hold a page hostage).
    """
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotInstalled(_INSTALL)
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot_source.encode(), capture_output=True,
                              timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"Graphviz took more than {timeout:g} s to lay the graph out") from None
    svg = done.stdout.decode()
    return svg[svg.index("<svg"):]
