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

``draw_dot`` is the micrograd lecture's function of that name, for notebooks:
it returns a ``graphviz.Digraph`` in the lecture's own format, so the
lecture's cells run unchanged on gradplay's Value.

``to_dot`` and ``draw_dot`` need only the Python ``graphviz`` package. Rendering to SVG or
PNG (``render``, ``to_svg``) needs Graphviz's ``dot`` program; without it you
get a ``GraphvizNotInstalled`` error that says how to install it.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Callable, Iterable

from ..autograd import Value, fmt_number

__all__ = ["to_dot", "draw_dot", "render", "to_svg", "GraphvizNotInstalled", "MAX_DRAWN_NODES",
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


def _escape(text: str) -> str:
    """Escape the characters that are syntax inside a record label."""
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def _check_rankdir(rankdir: str) -> None:
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', got {rankdir!r}")


def _add_graph(g, order: list, record: Callable, record_attrs: Callable, op_attrs: dict,
               edge_per_use: bool) -> None:
    """Add micrograd's picture of the graph to ``g``: a record per Value, an op
    node between each result and its inputs (result <- op <- each input).

    ``record(node)`` is the record's text, ``record_attrs(node)`` its style.
    ``edge_per_use``: one edge for each time a child is used (``a + a`` draws
    two arrows into ``+``), or one per child, as micrograd's set of edges does.
    Ids follow the topological order (v0, v1, ...): the same graph always
    gives the same DOT text.
    """
    ids = {id(node): f"v{i}" for i, node in enumerate(order)}
    for node in order:
        vid = ids[id(node)]
        g.node(vid, record(node), **record_attrs(node))
        target = vid + "_op" if node.op else vid
        if node.op:
            g.node(target, _escape(node.op), **op_attrs)
            g.edge(target, vid)
        inputs = node.children if edge_per_use else dict.fromkeys(node.children)
        for child in inputs:
            g.edge(ids[id(child)], target)


def _digraph(output: Value, highlight: Iterable[Value] | None = None,
             current: Value | None = None, rankdir: str = "LR"):
    import graphviz
    _check_rankdir(rankdir)
    order = output.topological_order()
    if len(order) > MAX_DRAWN_NODES:
        raise ValueError(f"the graph has {len(order):,} nodes; drawing is limited to "
                         f"{MAX_DRAWN_NODES:,}")
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

    def fill(node: Value) -> dict:
        colour = (CURRENT if current is not None and node is current else
                  HIGHLIGHT if id(node) in marked else
                  "#e8f1fb" if not node.children else "white")
        return {"shape": "record", "style": "filled,rounded", "fillcolor": colour}

    # no braces: the fields stack across the rank direction (3 lines in LR, 1 row in TB)
    _add_graph(g, order, lambda n: f"{_escape(n.label) if n.label else ' '} | data "
                                   f"{fmt_number(n.data)} | grad {fmt_number(n.grad)}",
               fill, {"shape": "ellipse", "width": "0.3", "height": "0.22",
                      "margin": "0.03,0.01", "style": "filled", "fillcolor": "#f4f4f4"},
               edge_per_use=True)
    return g


def draw_dot(root: Value, format: str = "svg", rankdir: str = "LR"):
    """The micrograd lecture's ``draw_dot``: a ``graphviz.Digraph`` of the graph
    that computed ``root``, shown by Jupyter as a picture.

    As in the lecture, each Value is a record ``{ label | data %.4f | grad
    %.4f }``, each operation an oval between its inputs and its result, one
    edge per input (micrograd keeps the edges in a set), left to right unless
    ``rankdir="TB"``; ``format`` is the one ``dot.render()`` writes, as in
    micrograd's ``trace_graph`` notebook. The lecture's cells run unchanged:
    ``draw_dot(o)``, ``draw_dot(o).render("graph")``. Unlike the lecture's, a
    label's record syntax (``| { } < >``) is escaped, so any label draws.
    ``to_dot`` is this page's own drawing (4 digits, highlights, sizes).
    """
    import graphviz
    _check_rankdir(rankdir)
    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": rankdir})
    _add_graph(dot, root.topological_order(),
               lambda n: "{ %s | data %.4f | grad %.4f }" % (_escape(n.label), n.data, n.grad),
               lambda n: {"shape": "record"}, {}, edge_per_use=False)
    return dot


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
