"""Drawing a Value graph: DOT text, and SVG at its natural size through Graphviz."""

import re
import shutil

import pytest

from gradplay.expr import evaluate
from gradplay.viz.graph import (FONT_PT, QUICK_LAYOUT_ABOVE, GraphvizNotInstalled, render,
                                to_dot, to_svg)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz 'dot' is not installed")


def neuron():
    return evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)[0]


def test_to_dot_shows_label_data_grad_and_op_deterministically():
    out = neuron()
    dot = to_dot(out)
    assert dot == to_dot(neuron())
    assert "rankdir=LR" in dot and f"fontsize={FONT_PT}" in dot
    assert '"a | data 2 | grad -0.004023"' in dot          # label | data | grad
    assert '"f | data 0.9993 | grad 1"' in dot             # 4 significant digits, named
    for op in ("*", "+", "tanh"):
        assert f'label="{op}"' in dot or f"label={op}" in dot
    # each op node has one edge out and one per input
    assert dot.count("->") == 3 + (2 + 2 + 1)  # op -> result, inputs -> op
    marked = to_dot(out, highlight=[out])
    assert marked.count("#ffd166") == 1


def test_both_layouts_and_nothing_else():
    out = neuron()
    assert "rankdir=TB" in to_dot(out, rankdir="TB")
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB'"):
        to_dot(out, rankdir="BT; evil=1")


def test_big_graphs_get_the_quick_layout():
    small = to_dot(neuron())
    big = to_dot(evaluate("+".join(["x"] * (QUICK_LAYOUT_ABOVE + 1)), x=1.0)[0])  # 1 + 25 nodes
    assert "splines" not in small and "splines=line" in big and "mclimit" in big


def test_record_syntax_in_a_label_is_escaped():
    from gradplay import Value
    v = Value(1.0, label="a|b{c}<d>")
    dot = to_dot(v * 2)
    assert r"a\|b\{c\}\<d\>" in dot


@needs_dot
def test_render_svg_with_graphviz():
    out, _ = evaluate("a * b", a=2.0, b=3.0)
    svg = render(out, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "data 6" in svg


@needs_dot
def test_to_svg_is_the_bare_svg_at_natural_size():
    svg = to_svg(to_dot(neuron()))
    assert svg.startswith("<svg") and "<?xml" not in svg
    width, height = (float(x) for x in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                  svg).groups())
    assert width > 100 and height > 50                    # points, shown 1 pt = 4/3 px
    sizes = {float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)}
    assert sizes == {float(FONT_PT)}
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert {"a", "b", "c", "d", "e", "f", "tanh"} <= set(texts)


@needs_dot
def test_to_svg_gives_up_on_a_slow_layout():
    with pytest.raises(TimeoutError, match="Graphviz took more than"):
        to_svg(to_dot(evaluate("+".join("abcdefghij" * 4), **dict.fromkeys("abcdefghij", 1.0))[0]),
               timeout=1e-4)


def test_render_without_dot_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    out, _ = evaluate("a * b", a=2.0, b=3.0)
    with pytest.raises(GraphvizNotInstalled, match="apt-get install graphviz"):
        render(out, "svg")
    with pytest.raises(GraphvizNotInstalled, match="apt-get install graphviz"):
        to_svg(to_dot(out))
