"""The expression explorer page, driven through Streamlit's AppTest."""

import html
import math
import re

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from conftest import open_app_page  # noqa: E402
from gradplay.app.examples import EXAMPLES  # noqa: E402
from gradplay.expr import fmt_number  # noqa: E402



def explorer(text: str | None = None, query: dict | None = None) -> AppTest:
    """The explorer page after its first run, with ``text`` typed in if given."""
    at = open_app_page("explorer", query)
    if text is not None:
        at.text_input(key="expr_text").set_value(text).run()
    assert not at.exception, at.exception
    return at


def output_value(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "Output value")


def graph_svg(at: AppTest) -> str:
    """The drawn graph: the SVG Graphviz made (entities such as &#45; decoded)."""
    return html.unescape(next(m.value for m in at.markdown if 'data-testid="gp-graph"' in m.value))


def page_text(at: AppTest) -> str:
    return "\n".join(e.value for kind in ("markdown", "info", "caption", "error", "warning")
                     for e in at.get(kind))


# ---------------------------------------------------------------- values, gradients, graph
def test_expression_gives_value_gradients_and_a_drawn_graph():
    at = explorer("a * b + c")
    at.number_input(key="var_a").set_value(2.0)
    at.number_input(key="var_b").set_value(-3.0)
    at.number_input(key="var_c").set_value(10.0).run()
    assert not at.exception
    assert output_value(at) == "4"
    table = at.dataframe[0].value
    grads = dict(zip(table["variable"], table["gradient (autograd)"]))
    assert grads == {"a": -3.0, "b": 2.0, "c": 1.0}
    numeric = dict(zip(table["variable"], table["gradient (finite differences)"]))
    assert all(math.isclose(numeric[k], grads[k], abs_tol=1e-6) for k in grads)
    svg = graph_svg(at)
    assert svg.count("<svg") == 1 and "data 4" in svg and "grad -3" in svg
    assert at.query_params["expr"] == "a * b + c" and at.query_params["v_b"] == "-3.0"


def test_intermediate_nodes_are_named_and_the_steps_use_the_names():
    at = explorer("(a * b + c).tanh()")
    assert "` d = a * b `" in page_text(at)        # the names, as code, under the graph
    svg = graph_svg(at)
    for name in ("d", "e", "f"):
        assert f">{name}</text>" in svg          # every node carries its name in the drawing
    steps = {}
    for k in range(1, 7):
        at.slider[0].set_value(k).run()
        steps[k] = page_text(at)
    assert "f = tanh(e)" in steps[1] and "e.grad += " in steps[1]   # the output comes first
    assert any("e = d + c" in t and re.search(r"d\.grad \+= 1 × [-0-9.e]+ = ", t)
               for t in steps.values())
    assert any("d = a * b" in t and "a.grad += -3 × " in t and "b.grad += 2 × " in t
               for t in steps.values())
    assert sum("is a leaf" in t for t in steps.values()) == 3    # a, b and c


def test_backward_step_through_highlights_node_by_node():
    at = explorer("(a * b + c).tanh()")
    slider = at.slider[0]
    assert slider.value == slider.max == 6
    slider.set_value(0).run()
    assert "Start: d(output)/d(output) = 1" in page_text(at)
    at.button(key="next").click().run()
    assert at.slider[0].value == 1
    text = page_text(at)
    assert "f = tanh(e)" in text and "local derivative × upstream gradient" in text
    assert graph_svg(at).count('fill="#ef476f"') == 1   # the current node, in red
    at.button(key="back").click().run()
    assert at.slider[0].value == 0


def test_a_link_restores_the_expression():
    at = explorer(query={"expr": "x ** 2", "v_x": "3"})
    assert at.text_input(key="expr_text").value == "x ** 2"
    assert output_value(at) == "9"


def test_large_graphs_are_summarised_not_drawn():
    at = explorer("+".join(f"tanh({x}*{y})" for x, y in zip("abcdefghijklmnop",
                                                            "bcdefghijklmnopq")))
    assert not [m for m in at.markdown if 'data-testid="gp-graph"' in m.value]
    assert "more than this page draws (60)" in page_text(at)


# ---------------------------------------------------------------- errors, escaped
@pytest.mark.parametrize("text,fragment", [
    ("a + foo(b)", "unknown function foo()"),
    ("__import__('os')", "strings (quotes) are not part of the language"),
    ("a.__class__", "unknown method .__class__()"),
    ("log(a - 2)", "log(0)"),
    ("a ** b", "like a**2 or a**-0.5 (a variable exponent is not supported)"),
])
def test_bad_expression_shows_the_whole_message_literally(text, fragment):
    at = explorer(text)
    assert not at.exception
    # the Markdown source escapes every punctuation mark: unescaped, it reads as typed
    shown = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]
    assert any(fragment in s for s in shown), shown
    assert any("^" in c.value for c in at.code)  # the caret under the column


def visible(markdown_source: str) -> tuple[str, str]:
    """(HTML, visible text) of Markdown source, by a CommonMark renderer."""
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").render(markdown_source)
    return rendered, html.unescape(re.sub(r"<[^>]+>", "", rendered))


# typed text -> a piece of it that a message or label must show exactly as typed
ESCAPING = [
    ("__init__(a)", "'__init__'"),                       # __x__ would turn bold
    ("a ** b", "like a**2 or a**-0.5 (a variable exponent is not supported)"),
    ("a ` b", "'`'"),                                    # a lone backtick opens code
    ("x_1_ * y_2_", "x_1_"),                             # a variable's box label
    ("[x](https://evil.example/)", None),
    ("![](http://evil.example/a.png)", None),
    ("<img src=x onerror=alert(1)>", None),
]


@pytest.mark.parametrize("typed,shown", ESCAPING, ids=[t for t, _ in ESCAPING])
def test_user_text_is_shown_as_typed_never_as_markdown(typed, shown):
    at = explorer(typed)
    assert not at.exception
    sources = [e.value for e in [*at.error, *at.markdown, *at.caption, *at.info]
               if 'data-testid="gp-graph"' not in e.value]
    sources += [n.label for n in at.number_input]
    texts = []
    for source in sources:
        rendered, text = visible(source)
        assert "<a " not in rendered and "<img" not in rendered, source
        texts.append(text)
    if shown is not None:
        assert any(shown in t for t in texts), texts
    assert any(c.value.startswith(typed) for c in at.code) or not at.error


def test_the_step_text_shows_the_multiply_sign():
    at = explorer("x_1 * y_1")
    at.slider[0].set_value(1).run()
    step = next(m.value for m in at.markdown if m.value.startswith("Step 1/"))
    _, text = visible(step)
    assert "a = x_1 * y_1" in text and "x_1.grad += " in text and "y_1.grad += " in text


# ---------------------------------------------------------------- state that holds
def test_the_examples_box_says_custom_once_the_text_differs():
    at = explorer()
    assert at.selectbox(key="example").value == "neuron"          # the page opens on it
    at.selectbox(key="example").select("log-loss").run()
    assert at.text_input(key="expr_text").value == EXAMPLES["log-loss"]
    assert [n.label for n in at.number_input] == ["y", "p"]
    at.text_input(key="expr_text").set_value(EXAMPLES["log-loss"] + " + 1").run()
    assert at.selectbox(key="example").value == "custom"
    at.text_input(key="expr_text").set_value(EXAMPLES["leaky"]).run()
    assert at.selectbox(key="example").value == "leaky"           # typed back: named again
    at.selectbox(key="example").select("custom").run()            # picking custom keeps text
    assert at.text_input(key="expr_text").value == EXAMPLES["leaky"]
    assert not at.exception


def test_variables_keep_their_values_across_a_typo_and_edits():
    at = explorer("(a*b+c).tanh()")
    for name, value in (("a", 1.5), ("b", -0.5), ("c", 4.0)):
        at.number_input(key=f"var_{name}").set_value(value).run()
    before = output_value(at)
    at.text_input(key="expr_text").set_value("(a*b+c).tanh(").run()   # a typo: no boxes
    assert at.error and not at.number_input
    at.text_input(key="expr_text").set_value("(a*b+c).tanh()").run()  # fixed
    assert [n.value for n in at.number_input] == [1.5, -0.5, 4.0]
    assert output_value(at) == before
    at.text_input(key="expr_text").set_value("(a*b).tanh() + d").run()  # c goes, d comes
    assert [n.label for n in at.number_input] == ["a", "b", "d"]
    assert [n.value for n in at.number_input][:2] == [1.5, -0.5]
    at.text_input(key="expr_text").set_value("(a*b+c).tanh()").run()   # c is back, as it was
    assert [n.value for n in at.number_input] == [1.5, -0.5, 4.0]


# ---------------------------------------------------------------- kinks
def test_a_kink_is_explained_where_autograd_and_finite_differences_disagree():
    at = explorer("relu(a) + a")
    at.number_input(key="var_a").set_value(0.0).run()
    table = at.dataframe[0].value
    row = table.iloc[0]
    assert row["gradient (autograd)"] == 1.0                      # relu'(0) taken as 0
    assert row["gradient (finite differences)"] == pytest.approx(1.5)
    assert "kink" in row["note"] and "relu" in row["note"]
    at.number_input(key="var_a").set_value(0.5).run()             # away from the kink
    assert at.dataframe[0].value.iloc[0]["note"] == ""


# ---------------------------------------------------------------- links (issue 25 W5)
def test_a_link_keeps_every_digit_of_its_values():
    at = explorer(query={"expr": "a*b", "v_a": "0.1234567", "v_b": "1234567.5"})
    assert at.query_params["v_a"] == "0.1234567" and at.query_params["v_b"] == "1234567.5"
    assert [n.value for n in at.number_input] == [0.1234567, 1234567.5]
    table = at.dataframe[0].value
    grads = dict(zip(table["variable"], table["gradient (autograd)"]))
    assert grads == {"a": 1234567.5, "b": 0.1234567}
    assert output_value(at) == fmt_number(0.1234567 * 1234567.5)


def test_an_overflow_names_the_variable_once_on_the_page():
    at = explorer(query={"expr": "a + a", "v_a": "1.7e308"})
    shown = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]
    assert any("a + a overflowed at a = 1.7e+308: the result" in s for s in shown), shown
    assert all(s.count("a = 1.7e+308") <= 1 for s in shown)


# ---------------------------------------------------------------- a gradient used twice
def rendered_text(at: AppTest) -> str:
    """What the page's Markdown shows, as a reader sees it (CommonMark)."""
    return "\n".join(visible(m.value)[1] for m in at.markdown
                     if 'data-testid="gp-graph"' not in m.value)


def test_the_gradient_used_twice_example_shows_each_use_and_the_sum():
    at = explorer()
    at.selectbox(key="example").select("gradient used twice").run()
    assert at.text_input(key="expr_text").value == "b = a + a; c = b * b"
    assert [n.label for n in at.number_input] == ["a"] and output_value(at) == "16"
    shown = rendered_text(at)
    # c = b * b uses b twice (4 each), b = a + a uses a twice (8 each)
    assert "b.grad = 4 + 4 = 8: 4 × 1 from c = b * b; 4 × 1 from c = b * b" in shown
    assert "a.grad = 8 + 8 = 16: 1 × 8 from b = a + a; 1 × 8 from b = a + a" in shown
    at.slider[0].set_value(1).run()                      # the first step: c = b * b
    step = rendered_text(at)
    assert "b.grad += 4 × 1 = 4" in step
    assert "use 1 of 2 of b, so the terms add up: b.grad = 0 + 4 = 4" in step
    assert "use 2 of 2 of b, so the terms add up: b.grad = 4 + 4 = 8, complete" in step
    table = at.dataframe[0].value
    assert list(table["gradient (autograd)"]) == [16.0]


def test_names_with_underscores_stay_as_typed_in_the_sums():
    at = explorer("s_1_ = x_1_ * x_1_; s_1_ + s_1_")
    shown = rendered_text(at)
    assert "s_1_.grad = 1 + 1 = 2" in shown and "x_1_.grad = " in shown
    for m in at.markdown:
        rendered, _ = visible(m.value)
        assert "<a " not in rendered and "<img" not in rendered
        assert re.findall(r"<em>(.*?)</em>", rendered) in ([], ["adds"])   # the page's own


# ---------------------------------------------------------------- a neuron, linked from /train
def neuron_link(n: int, activation: str) -> dict:
    """The link the live trainer makes for one neuron: its expression and its values."""
    z = " + ".join(f"w{i}*x{i}" for i in range(n)) + " + b"
    text = {"tanh": f"({z}).tanh()", "sigmoid": f"sigmoid({z})", "relu": f"relu({z})",
            "leaky_relu": f"leaky_relu({z}, 0.01)", "linear": z}[activation]
    query = {"expr": text, "v_b": repr(0.1)}
    for i in range(n):
        query[f"v_w{i}"], query[f"v_x{i}"] = repr(0.5 - i / n), repr((-1) ** i * 0.75)
    return query


@pytest.mark.parametrize("n,activation", [(8, "sigmoid"), (32, "tanh"), (32, "relu"),
                                          (32, "leaky_relu"), (32, "linear")])
def test_a_neuron_opens_from_its_link(n, activation):
    query = neuron_link(n, activation)
    at = explorer(query=query)
    assert not at.error and at.text_input(key="expr_text").value == query["expr"]
    assert len(at.number_input) == 2 * n + 1
    table = at.dataframe[0].value
    assert len(table) == 2 * n + 1 and all(note == "" for note in table["note"])
    assert max(abs(table["gradient (autograd)"] - table["gradient (finite differences)"])) < 1e-6
    values = {k[2:]: float(v) for k, v in query.items() if k.startswith("v_")}
    assert dict(zip(table["variable"], table["value"])) == values
    nodes = 4 * n + 1 + (activation != "linear")   # 2n + 1 leaves, n products, n sums, f
    assert at.slider[0].max == nodes
    drawn = [m for m in at.markdown if 'data-testid="gp-graph"' in m.value]
    assert bool(drawn) == (nodes <= 60)                   # 8 inputs drawn; 32 summarised
    at.slider[0].set_value(2).run()                       # a step of the backward pass
    assert "the chain rule gives each input" in page_text(at) and not at.exception
