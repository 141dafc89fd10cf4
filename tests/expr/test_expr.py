"""The expression language: grammar, gradients, hostile input, drawing."""

import math
import shutil
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradplay import Value
from gradplay.cli import main
from gradplay.expr import (EXAMPLES, MAX_LENGTH, ExpressionError, backward_order,
                           chain_rule_terms, evaluate, numeric_gradients, variables)
from gradplay.viz.graph import GraphvizNotInstalled, render, to_dot

torch = pytest.importorskip("torch")

# text, the same graph built by hand, the same maths in torch
GRAMMAR = [
    ("a + b * c", lambda a, b, c: a + b * c, lambda a, b, c: a + b * c),
    ("(a + b) * c", lambda a, b, c: (a + b) * c, lambda a, b, c: (a + b) * c),
    ("a - b - c", lambda a, b, c: (a - b) - c, lambda a, b, c: (a - b) - c),
    ("a / b / c", lambda a, b, c: (a / b) / c, lambda a, b, c: (a / b) / c),
    ("-a ** 2 + b", lambda a, b, c: -(a ** 2) + b, lambda a, b, c: -(a ** 2) + b),
    ("a ** -1.5 * 1e-3", lambda a, b, c: a ** -1.5 * 1e-3, lambda a, b, c: a ** -1.5 * 1e-3),
    ("a ** 2 ** 2", lambda a, b, c: a ** 4, lambda a, b, c: a ** 4),
    ("2 * a + .5", lambda a, b, c: 2 * a + 0.5, lambda a, b, c: 2 * a + 0.5),
    ("(a * b + c).tanh()", lambda a, b, c: (a * b + c).tanh(), lambda a, b, c: (a * b + c).tanh()),
    ("tanh(a * b + c)", lambda a, b, c: (a * b + c).tanh(), lambda a, b, c: (a * b + c).tanh()),
    ("relu(b) + relu(a)", lambda a, b, c: b.relu() + a.relu(), lambda a, b, c: b.relu() + a.relu()),
    ("sigmoid(a - c)", lambda a, b, c: (a - c).sigmoid(), lambda a, b, c: (a - c).sigmoid()),
    ("leaky_relu(b, 0.2) * a", lambda a, b, c: b.leaky_relu(0.2) * a,
     lambda a, b, c: torch.nn.functional.leaky_relu(b, 0.2) * a),
    ("(b).leaky_relu()", lambda a, b, c: b.leaky_relu(0.01),
     lambda a, b, c: torch.nn.functional.leaky_relu(b, 0.01)),
    ("exp(a) / log(c)", lambda a, b, c: a.exp() / c.log(), lambda a, b, c: a.exp() / c.log()),
    ("softplus(b) * a * a", lambda a, b, c: b.softplus() * a * a,
     lambda a, b, c: torch.nn.functional.softplus(b) * a * a),
    ("(a*b).tanh().exp() + -(-c)", lambda a, b, c: (a * b).tanh().exp() + -(-c),
     lambda a, b, c: (a * b).tanh().exp() + -(-c)),
]


@pytest.mark.parametrize("text,by_hand,in_torch", GRAMMAR, ids=[g[0] for g in GRAMMAR])
def test_grammar_matches_hand_built_graph_and_torch(text, by_hand, in_torch):
    vals = {"a": 1.7, "b": -0.6, "c": 2.5}
    out, leaves = evaluate(text, **vals)
    hand = {k: Value(v) for k, v in vals.items()}
    ref = by_hand(hand["a"], hand["b"], hand["c"])
    ref.backward()
    assert out.data == pytest.approx(ref.data, rel=1e-15, abs=1e-15)
    tv = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in vals.items()}
    t_out = in_torch(tv["a"], tv["b"], tv["c"])
    t_out.backward()
    assert out.data == pytest.approx(t_out.item(), rel=1e-12, abs=1e-15)
    for name, leaf in leaves.items():
        assert leaf.grad == pytest.approx(hand[name].grad, rel=1e-12, abs=1e-15)
        assert leaf.grad == pytest.approx(tv[name].grad.item(), rel=1e-10, abs=1e-14)
    numeric = numeric_gradients(text, **vals)
    for name, leaf in leaves.items():
        assert numeric[name] == pytest.approx(leaf.grad, rel=1e-5, abs=1e-6)


def test_design_example_and_any_variable_names():
    out, leaves = evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    assert out.data == pytest.approx(math.tanh(4.0))
    assert list(leaves) == ["a", "b", "c"] and leaves["a"].label == "a"
    out, leaves = evaluate("weight_1 * x + bias2", weight_1=2, x=3, bias2=1)
    assert out.data == 7 and leaves["weight_1"].grad == 3
    assert variables("y * log(p) + (1 - y) * log(1 - p)") == ["y", "p"]
    # the same name twice is one leaf, and its gradient accumulates
    out, leaves = evaluate("x * x + x", x=3.0)
    assert leaves["x"].grad == 7.0
    for text in EXAMPLES.values():
        names = variables(text)
        evaluate(text, **{n: 0.3 + 0.1 * i for i, n in enumerate(names)})


def test_missing_and_bad_values_are_named():
    with pytest.raises(ExpressionError, match="no value given for b"):
        evaluate("a + b", a=1)
    with pytest.raises(ExpressionError, match="value of a must be a number"):
        evaluate("a + 1", a="x")
    with pytest.raises(ExpressionError, match="value of a must be a finite"):
        evaluate("a + 1", a=float("inf"))


@pytest.mark.parametrize("text,column,fragment", [
    ("a + foo(b)", 5, "unknown function foo()"),
    ("a.bar()", 3, "unknown method .bar()"),
    ("a +", 4, "ends too early"),
    ("a b", 3, "unexpected 'b'"),
    ("(a + b", 7, "expected ')'"),
    ("a ** b", 6, "exponent must be a plain number"),
    ("tanh", 1, "tanh is a function"),
    ("2a", 2, "write 2*a"),
    ("tanh()", 6, "needs an argument"),
    ("relu(a, 2)", 9, "takes no extra argument"),
    ("leaky_relu(a, b)", 15, "slope of leaky_relu must be a plain number"),
    ("", 1, "empty"),
])
def test_syntax_errors_carry_the_column(text, column, fragment):
    with pytest.raises(ExpressionError) as info:
        evaluate(text, a=1.0, b=2.0)
    assert fragment in str(info.value) and info.value.column == column
    pointer = info.value.pointer().splitlines()
    if text:
        assert pointer[2].index("^") - 2 == column - 1


@pytest.mark.parametrize("text,fragment", [
    ("log(a - 2)", "log(-1)"),
    ("a / (b - 2)", "division by zero"),
    ("(a - 1) ** -1", "0 ** -1"),
    ("exp(a * 1000)", "too large"),
    ("(b * 1e200) * 1e200", "overflowed"),
])
def test_runtime_faults_name_the_node(text, fragment):
    with pytest.raises(ExpressionError, match=fragment.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*")) as info:
        evaluate(text, a=1.0, b=2.0)
    assert info.value.column is not None


# ---------------------------------------------------------------- hostile input
HOSTILE = [
    "__import__('os').system('touch /tmp/gradplay_pwned')",
    "a.__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "open('x')",
    "lambda: 1",
    "f'{a}'",
    "(x := 3)",
    "[a for a in range(9)]",
    "a if b else c",
    "import os",
    "exec('1')",
    "eval('1')",
    "globals()",
    "a; b",
    "a[0]",
    "{}",
    "'a' * 3",
    "9**9**9**9",
    "a ** 1000",
    "a ** (2 ** 10)",
    "\x00",
    "a\x00+ b",
    "é + 1",
    "a + b\u200b",
    "π * r",
    "1e999",
    "a.data",
    "a.grad",
    "a._prev",
    "relu.__globals__",
    "_ + 1",
    "None",
    "True + 1",
    "print(a)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_refused_quickly(text, tmp_path):
    start = time.perf_counter()
    with pytest.raises(ExpressionError):
        evaluate(text, a=1.0, b=2.0, c=3.0, x=1.0, r=1.0)
    assert time.perf_counter() - start < 0.5
    assert not (tmp_path / "x").exists()
    import os
    assert not os.path.exists("/tmp/gradplay_pwned")


@pytest.mark.parametrize("text", [
    "a" * 100_000,
    "(" * 10_000 + "a" + ")" * 10_000,
    "-" * 10_000 + "a",
    "a" + "+a" * 5_000,
])
def test_huge_or_deep_input_is_refused_quickly(text):
    start = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        evaluate(text, a=1.0)
    assert time.perf_counter() - start < 0.5
    assert "limit" in str(info.value) or "deep" in str(info.value)


def test_deep_but_allowed_nesting_works():
    text = "(" * 30 + "a" + ")" * 30
    assert len(text) <= MAX_LENGTH
    assert evaluate(text, a=2.0)[0].data == 2.0


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("ab()+-*/.,_ 0123456789e") +
                                ["**", "tanh", "relu", "log", "exp", "(", "__", "leaky_relu"]),
                max_size=40).map("".join) | st.text(max_size=80))
def test_fuzz_only_expression_errors_and_bounded_time(text):
    start = time.perf_counter()
    try:
        out, leaves = evaluate(text, a=0.7, b=-1.3)
        assert math.isfinite(out.data)
    except ExpressionError:
        pass
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------- stepping and drawing
def test_backward_order_and_chain_rule_terms():
    out, leaves = evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    order = backward_order(out)
    assert order[0] is out and set(leaves.values()) <= set(order)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:  # every node comes after all the nodes that use it
        for child in node.children:
            assert position[id(child)] > position[id(node)]
    terms = chain_rule_terms(out)
    assert len(terms) == 1
    assert terms[0]["contribution"] == pytest.approx(1 - math.tanh(4.0) ** 2)
    mul = next(n for n in order if n.op == "*")
    ts = chain_rule_terms(mul)
    assert [t["local"] for t in ts] == [-3.0, 2.0]
    assert ts[0]["contribution"] == pytest.approx(leaves["a"].grad)


def test_to_dot_shows_label_data_grad_and_op_deterministically():
    out, _ = evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    dot = to_dot(out)
    assert dot == to_dot(evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)[0])
    assert "rankdir=LR" in dot
    assert "{ a | data 2 | grad -0.004023 }" in dot
    assert "data 0.9993" in dot  # 4 significant digits
    for op in ("*", "+", "tanh"):
        assert f'label="{op}"' in dot or f"label={op}" in dot
    # each op node has one edge out and one per input
    assert dot.count("->") == 3 + (2 + 2 + 1)  # op -> result, inputs -> op
    marked = to_dot(out, highlight=[out])
    assert marked.count("#ffd166") == 1


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_svg_with_graphviz():
    out, _ = evaluate("a * b", a=2.0, b=3.0)
    svg = render(out, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "data 6" in svg


def test_render_without_dot_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    out, _ = evaluate("a * b", a=2.0, b=3.0)
    with pytest.raises(GraphvizNotInstalled, match="apt-get install graphviz"):
        render(out, "svg")


def test_cli_expr_prints_values_and_gradients(capsys, tmp_path):
    code = main(["expr", "(a*b+c).tanh()", "-v", "a=2", "-v", "b=-3", "-v", "c=10",
                 "--dot", str(tmp_path / "g.dot")])
    out = capsys.readouterr().out
    assert code == 0 and "value = 0.999329" in out and "autograd" in out and "numeric" in out
    assert "-0.004022852" in out
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_cli_expr_bad_input_caret_and_exit_2(capsys):
    code = main(["expr", "a + foo(b)", "-v", "a=1", "-v", "b=2"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    lines = err.splitlines()
    assert "unknown function foo()" in lines[0] and lines[2] == "      ^"
