"""The expression language: grammar, gradients, names, limits, hostile input, the CLI."""

import math
import os
import random
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradplay import Value
from gradplay.cli import main
from gradplay.app.examples import EXAMPLES
from gradplay.expr import (FUNCTIONS, MAX_DEPTH, MAX_LENGTH, MAX_VARIABLES, ExpressionError,
                           build, definition, evaluate, gradient_check, numeric_gradients,
                           variables)

from op_table import TEXT_OPS, by_name


# ---------------------------------------------------------------- the grammar
@pytest.mark.parametrize("op", **by_name(TEXT_OPS))
def test_each_op_in_text_builds_that_value_op(op):
    """The text form of every op of the op table (tests/op_table.py) builds the
    same Value op as the Python form: the same value and gradients, to the bit,
    and finite differences agree. (The op table checks each op against PyTorch.)"""
    for xs in op.points():
        values = dict(zip("ab", xs))
        out, leaves = evaluate(op.text, **values)
        hand = [Value(x) for x in xs]
        ref = op.value(*hand)
        ref.backward()
        assert (out.op, out.data) == (ref.op, ref.data)
        assert [leaves[n].grad for n in values] == [h.grad for h in hand]
        numeric = numeric_gradients(op.text, **values)
        for name, leaf in leaves.items():
            assert numeric[name] == pytest.approx(leaf.grad, rel=1e-6, abs=1e-8)


def method_spelling(text: str) -> str:
    """f(a) -> (a).f() and f(a, k) -> (a).f(k): the same call, written as a method."""
    name, _, rest = text.partition("(")
    arg, _, slope = rest.rstrip(")").partition(", ")
    return f"({arg}).{name}({slope})"


@pytest.mark.parametrize("op", **by_name([op for op in TEXT_OPS
                                          if op.text.split("(")[0] in FUNCTIONS]))
def test_every_function_has_a_method_spelling(op):
    x = op.points()[0][0]
    out, leaves = evaluate(op.text, a=x)
    method, m_leaves = evaluate(method_spelling(op.text), a=x)
    assert (method.op, method.data, m_leaves["a"].grad) == (out.op, out.data, leaves["a"].grad)


# text, the same graph built by hand: precedence, associativity, signs, constants, names
PRECEDENCE = [
    ("a + b * c", lambda a, b, c: a + b * c),
    ("(a + b) * c", lambda a, b, c: (a + b) * c),
    ("a - b - c", lambda a, b, c: (a - b) - c),
    ("a / b / c", lambda a, b, c: (a / b) / c),
    ("-a ** 2 + b", lambda a, b, c: -(a ** 2) + b),
    ("a ** -1.5 * 1e-3", lambda a, b, c: a ** -1.5 * 1e-3),
    ("a ** 2 ** 2", lambda a, b, c: a ** 4),
    ("2 * a + .5", lambda a, b, c: 2 * a + 0.5),
    ("tanh(a * b + c)", lambda a, b, c: (a * b + c).tanh()),
    ("(a*b).tanh().exp() + -(-c)", lambda a, b, c: (a * b).tanh().exp() + -(-c)),
    ("leaky_relu(b, -(2 ** -3)) * a", lambda a, b, c: b.leaky_relu(-0.125) * a),
    ("d = a * b; d * d + d", lambda a, b, c: (lambda d: d * d + d)(a * b)),
    ("(a * b) * (a * b) + a * b", lambda a, b, c: (a * b) * (a * b) + a * b),
    ("k = 2; e = k * a; f = e + c; f * e", lambda a, b, c: (lambda e: (e + c) * e)(2 * a)),
]


@pytest.mark.parametrize("text,by_hand", PRECEDENCE, ids=[p[0] for p in PRECEDENCE])
def test_grammar_builds_the_graph_python_would(text, by_hand):
    """Each text gives the graph the Python expression builds: the same value and
    gradients, and the same number of nodes (a named step is one node, used twice;
    the same text written twice is two)."""
    vals = {"a": 1.7, "b": -0.6, "c": 2.5}
    out, leaves = evaluate(text, **{n: vals[n] for n in variables(text)})
    hand = {k: Value(v) for k, v in vals.items()}
    ref = by_hand(hand["a"], hand["b"], hand["c"])
    ref.backward()
    assert out.data == pytest.approx(ref.data, rel=1e-15, abs=1e-15)
    assert len(out.topological_order()) == len(ref.topological_order())
    for name, leaf in leaves.items():
        assert leaf.grad == pytest.approx(hand[name].grad, rel=1e-14, abs=1e-15)
    numeric = numeric_gradients(text, **{n: vals[n] for n in leaves})
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
    # names for steps: only what Python would mean by them
    ("b = a + a; b = a * 2; b", 12, "'b' is defined twice"),
    ("c = b * 2; b = a + a; c * b", 12, "'b' is already a variable"),
    ("b = b + 1; b", 1, "'b' is already a variable"),
    ("b = a; b * 2", 1, "b = a only gives a a second name"),
    ("b = a + 1; c = b; c", 12, "c = b only gives b a second name"),
    ("b = a + a; c = a * 2", 1, "'b' is defined but never used"),
    ("a + 1; b", 1, "the value before ';' is never used"),
    ("tanh = a + 1; tanh", 1, "tanh is a function"),
    ("if = a + 1; if", 1, "'if' is a Python keyword"),
    ("_b = a + 1; _b", 1, "names may not start with '_'"),
    ("a + b = c", 7, "'=' names a step at the start of a statement"),
    ("b == a", 3, "'==': comparisons are not part of the language"),
    ("b = a + a;", 11, "ends too early"),
    ("(b = a)", 4, "expected ')' but found '='"),
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
    # names for steps: only NAME = expr; the rest of Python's assignments stays out
    "a = __import__",
    "x = 1; x.__class__",
    "b = 'a'; b",
    "b = [a]; b",
    "b, c = a, a; b",
    "b += a; b",
    "b = a = 1; b",
    "a.b = 1; a",
    "b = (c = a); b",
    "b = a + a; c = b * b;",
    "b = a ==",
    "; a",
    "a;",
    "a;;b",
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_refused(text, tmp_path):
    with pytest.raises(ExpressionError):
        evaluate(text, a=1.0, b=2.0, c=3.0, x=1.0, r=1.0)
    assert not (tmp_path / "x").exists()
    assert not os.path.exists("/tmp/gradplay_pwned")


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", [
    "a" * 100_000,
    "(" * 10_000 + "a" + ")" * 10_000,
    "-" * 10_000 + "a",
    "a" + "+a" * 5_000,
])
def test_huge_or_deep_input_is_refused(text):
    with pytest.raises(ExpressionError) as info:
        evaluate(text, a=1.0)
    assert "limit" in str(info.value) or "deep" in str(info.value)


def test_deep_but_allowed_nesting_works():
    text = "(" * 30 + "a" + ")" * 30
    assert len(text) <= MAX_LENGTH
    assert evaluate(text, a=2.0)[0].data == 2.0


@pytest.mark.timeout(300)
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("ab()+-*/.,_ 0123456789e=;") +
                                ["**", "tanh", "relu", "log", "exp", "(", "__", "leaky_relu",
                                 "b = ", "c = ", "; "]),
                max_size=40).map("".join) | st.text(max_size=80))
def test_fuzz_only_expression_errors(text):
    try:
        out, leaves = evaluate(text, a=0.7, b=-1.3)
        assert math.isfinite(out.data)
    except ExpressionError:
        pass


@pytest.mark.timeout(10)
def test_names_used_twice_at_every_step_stay_linear():
    """a1 = a + a; a2 = a1 + a1; ...: 60 names, each used twice. The graph has one
    node per name (not 2^60), and every walk over it visits each node once."""
    text = "; ".join(["a1 = a + a"] + [f"a{i + 1} = a{i} + a{i}" for i in range(1, 60)])
    assert len(text) <= MAX_LENGTH
    out, leaves = evaluate(text, a=1.0)
    assert out.data == leaves["a"].grad == 2.0 ** 60 and len(out.topological_order()) == 61
    (row,) = gradient_check(text, a=1.0)
    assert row.numeric == pytest.approx(2.0 ** 60, rel=1e-6) and row.note == ""


# ---------------------------------------------------------------- names for steps
def test_a_named_step_is_one_node_used_twice():
    out, leaves = evaluate("b = a + a; c = b * b", a=2.0)
    b = out.children[0]
    assert out.children == (b, b) and (b.label, out.label) == ("b", "c")
    assert (definition(b), definition(out)) == ("a + a", "b * b")
    assert b.children == (leaves["a"], leaves["a"])
    assert out.data == 16.0 and leaves["a"].grad == 16.0        # c = 4a^2: dc/da = 8a
    assert variables("b = a + a; c = b * b") == ["a"]
    # the same text written out twice is two nodes: the same gradient, another graph
    twice, twice_leaves = evaluate("(a + a) * (a + a)", a=2.0)
    assert twice_leaves["a"].grad == 16.0 and len(twice.topological_order()) == 4
    assert len(out.topological_order()) == 3


def test_names_are_kept_and_the_others_are_named_around_them():
    out, _ = build("d = a * b; e = d + c; e.tanh()", a=2.0, b=-3.0, c=10.0)
    labels = {n.label: definition(n) for n in out.topological_order() if n.children}
    assert labels == {"d": "a * b", "e": "d + c", "f": "tanh(e)"}
    out, _ = build("f = a * b; (f + c).tanh()", a=2.0, b=-3.0, c=10.0)
    labels = {n.label: definition(n) for n in out.topological_order() if n.children}
    assert labels == {"f": "a * b", "d": "f + c", "e": "tanh(d)"}      # d, e skip a, b, c, f
    assert variables("s = y * x; t = s + z; t * w") == ["y", "x", "z", "w"]
    out, _ = evaluate("k = 2; k * a + k", a=3.0)
    assert out.data == 8.0 and {n.label for n in out.topological_order()} >= {"k", "a"}


# ---------------------------------------------------------------- limits (issue 14)
def test_exponent_signs_do_not_count_as_nesting():
    text = "+".join(["a**-1"] * 41)                 # nesting depth 1, 41 signed exponents
    out, leaves = evaluate(text, a=2.0)
    assert out.data == pytest.approx(41 / 2) and leaves["a"].grad == pytest.approx(-41 / 4)
    assert evaluate("a ** --+-2", a=2.0)[0].data == pytest.approx(0.25)
    assert evaluate("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH, a=1.0)[0].data == 1.0
    with pytest.raises(ExpressionError, match="nested more than 40"):
        evaluate("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), a=1.0)


def test_a_value_beyond_the_float_range_is_an_expression_error():
    with pytest.raises(ExpressionError, match="value of a is too large"):
        evaluate("a", a=10 ** 400)
    with pytest.raises(ExpressionError, match="value of a is too large"):
        gradient_check("a * 2", a=-10 ** 400)


def test_a_derivative_that_overflows_says_which_and_where():
    with pytest.raises(ExpressionError) as info:
        evaluate("1/b", b=1e-200)                     # 1/b = 1e200 is fine, -1/b^2 is not
    message = str(info.value)
    assert "1 / b" in message and "b = 1e-200" in message
    assert "derivative with respect to b, -1/b^2, overflowed" in message
    assert "1.8e308" in message and info.value.column == 2


def test_a_power_that_overflows_says_so():
    with pytest.raises(ExpressionError) as info:
        evaluate("a**2", a=1e200)
    assert "(1e+200) ** 2 overflowed" in str(info.value)
    assert "beyond the largest float" in str(info.value) and info.value.column == 2


def test_an_overflow_names_each_variable_once():
    with pytest.raises(ExpressionError) as info:
        evaluate("a + a", a=1.7e308)
    message = str(info.value)
    assert "a + a overflowed at a = 1.7e+308: the result is beyond" in message
    assert message.count("a = 1.7e+308") == 1


def test_one_slope_parser_for_both_spellings():
    """leaky_relu(x, k) and (x).leaky_relu(k) read the slope the same way: any
    constant (signed, parenthesised, a power) in [-1, 1]; 0.01 if there is none."""
    for slope_text, slope in [("0.2", 0.2), ("-0.5", -0.5), ("(0.25)", 0.25), ("--0.1", 0.1),
                              ("2 ** -3", 0.125), ("", 0.01)]:
        sep = ", " if slope_text else ""
        for text in (f"leaky_relu(a{sep}{slope_text})", f"(a).leaky_relu({slope_text})"):
            out, leaves = evaluate(text, a=-2.0)
            assert out.data == -2.0 * slope and leaves["a"].grad == slope, text
    for bad, fragment in [("2", "in [-1, 1], got 2"), ("b", "plain number, like 0.01"),
                          ("(-3)", "in [-1, 1], got -3"), ("9 ** 9 ** 9", "limited to +-64")]:
        for text in (f"leaky_relu(a, {bad})", f"(a).leaky_relu({bad})"):
            with pytest.raises(ExpressionError, match=re.escape(fragment)):
                evaluate(text, a=1.0, b=1.0)


def test_at_most_max_variables_variables():
    names = [*string.ascii_lowercase, *(x + y for x in "qxz" for y in string.ascii_lowercase)]
    names = names[:MAX_VARIABLES]
    assert len(variables("+".join(names))) == MAX_VARIABLES == 80
    with pytest.raises(ExpressionError, match="at most 80 different variables") as info:
        variables("+".join(names + ["zz"]))
    assert info.value.column == len("+".join(names)) + 2   # the 81st name is pointed at
    assert len(variables("+".join(names + names[::-1]))) == MAX_VARIABLES   # reuse is free


def test_the_finite_difference_step_must_be_positive():
    for step in (0, -1e-6, float("nan"), float("inf")):
        with pytest.raises(ExpressionError, match="step must be a positive number"):
            numeric_gradients("a * a", _step=step, a=1.0)


def test_finite_differences_scale_the_step_with_the_value():
    # at a = 1e10 an absolute step of 1e-6 is below the spacing of floats
    numeric = numeric_gradients("a * a", a=1e10)["a"]
    assert numeric == pytest.approx(2e10, rel=1e-6)


# ---------------------------------------------------------------- names of intermediate nodes
def test_intermediate_nodes_are_named_in_order_of_computation():
    out, leaves = build("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    nodes = {n.label: n for n in out.topological_order()}
    assert set(nodes) == {"a", "b", "c", "d", "e", "f"} and out.label == "f"
    assert [definition(nodes[k]) for k in "def"] == ["a * b", "d + c", "tanh(e)"]
    assert definition(leaves["a"]) == "a"


def test_names_skip_the_variables_and_continue_after_z():
    out, _ = build("(d * e + a).tanh()", d=1.0, e=2.0, a=3.0)
    assert sorted(n.label for n in out.topological_order() if n.children) == ["b", "c", "f"]
    out, _ = build("+".join(["x"] * 30), x=1.0)
    labels = [n.label for n in out.topological_order() if n.children]
    assert len(set(labels)) == 29 and "x" not in labels and {"n1", "n2", "n3", "n4"} <= \
        set(labels)


def test_definitions_of_every_kind_of_node():
    out, _ = build("-(a ** 2) / leaky_relu(b, 0.1) - 3", a=1.0, b=2.0)
    defs = sorted(definition(n) for n in out.topological_order() if n.children)
    assert defs == sorted(["a ** 2", "-c", "leaky_relu(b)", "d / e", "f - 3"])


# ---------------------------------------------------------------- the gradient check
def test_gradient_check_rows_agree_away_from_kinks():
    rows = gradient_check("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    assert [r.name for r in rows] == ["a", "b", "c"]
    for r in rows:
        assert r.autograd == pytest.approx(r.numeric, rel=1e-6) and r.note == ""
        assert r.difference == abs(r.autograd - r.numeric)


@pytest.mark.parametrize("text,values,slopes", [
    ("relu(a) + a", {"a": 0.0}, "0 on the left, 1 on the right"),
    ("leaky_relu(a, 0.1) * 2", {"a": 0.0}, "0.1 on the left, 1 on the right"),
    ("relu(a - b)", {"a": 1.5, "b": 1.5}, "0 on the left, 1 on the right"),
    ("relu(2 * a) + relu(-a)", {"a": 0.0}, "0 on the left, 1 on the right"),  # a V shape
])
def test_a_kink_explains_the_disagreement(text, values, slopes):
    rows = gradient_check(text, **values)
    for r in rows:
        assert abs(r.autograd - r.numeric) > 0.01           # they do disagree here
        assert r.note.startswith("kink:") and slopes in r.note
        assert "has its input at 0" in r.note


def test_an_infinite_slope_at_zero_is_explained():
    (row,) = gradient_check("(a ** 2) ** 0.5", a=0.0)     # |a| written as a square root
    assert math.isnan(row.autograd) and row.numeric == pytest.approx(0.0)
    assert "slope is infinite" in row.note


def test_no_note_where_the_two_agree_even_near_a_kink():
    (row,) = gradient_check("relu(a) + a", a=0.25)
    assert row.note == "" and row.autograd == pytest.approx(row.numeric)


def test_undefined_neighbourhood_is_noted():
    (row,) = gradient_check("log(a)", a=1e-7)             # a - h < 0: log is undefined there
    assert math.isnan(row.numeric) and "undefined" in row.note
    assert row.autograd == pytest.approx(1e7)


def test_an_overflow_in_the_backward_pass_is_noted():
    """Every factor of the chain rule is a float, but backprop multiplies 1e300 by
    1e10 on the way: autograd gives inf where d/da = 1e-20 * 1e10 * 1e300 = 1e290."""
    (row,) = gradient_check("1e300 * (1e10 * (1e-20 * a))", a=1.0)
    assert row.autograd == math.inf and row.numeric == pytest.approx(1e290, rel=1e-6)
    assert row.note.startswith("overflow in the backward pass: at c = 1e10 * b, "
                               "b.grad += 1e+10 × 1e+300 is beyond the largest float")
    assert "autograd gives inf" in row.note


def test_a_backward_sum_that_overflows_is_noted():
    # b feeds two products; each += is a float, their sum 2e308 is not
    (row,) = gradient_check("b = 1e-10 * a; 1e308 * b + 1e308 * b", a=1.0)
    assert row.autograd == math.inf and row.numeric == pytest.approx(2e298, rel=1e-6)
    assert "b.grad = 1e+308 + 1e+308 is beyond the largest float" in row.note


def test_no_overflow_note_where_the_backward_pass_stays_finite():
    (row,) = gradient_check("1e300 * (1e-20 * (1e10 * a))", a=1.0)   # 1e300 * 1e-20 first
    assert row.autograd == pytest.approx(1e290) and row.note == ""


# ---------------------------------------------------------------- a neuron, as the trainer links it
NEURONS = {  # the activations as the expression language spells them
    "tanh": ("({z}).tanh()", math.tanh),
    "sigmoid": ("sigmoid({z})", lambda z: 1 / (1 + math.exp(-z))),
    "relu": ("relu({z})", lambda z: max(z, 0.0)),
    "leaky_relu": ("leaky_relu({z}, 0.01)", lambda z: z if z > 0 else 0.01 * z),
    "linear": ("{z}", lambda z: z),
}


def neuron_text(n: int, activation: str, inputs: list[float] | None = None) -> str:
    """One neuron written out: w0*x0 + ... + b, in its activation. With ``inputs``
    given, the x's are written as numbers (repr, every digit) instead of variables."""
    xs = [f"x{i}" if inputs is None else repr(inputs[i]) for i in range(n)]
    z = " + ".join(f"w{i}*{x}" for i, x in enumerate(xs)) + " + b"
    return NEURONS[activation][0].format(z=z)


@pytest.mark.parametrize("activation", NEURONS)
@pytest.mark.parametrize("n,as_numbers", [(8, False), (32, False), (32, True)],
                         ids=["2-8-1 output neuron", "32 inputs", "32 inputs as numbers"])
def test_a_trained_networks_neuron_evaluates_and_checks(n, as_numbers, activation):
    rng = random.Random(n)
    w = [rng.uniform(-1, 1) for _ in range(n)]
    x = [rng.uniform(-2, 2) for _ in range(n)]
    b = rng.uniform(-0.5, 0.5)
    text = neuron_text(n, activation, x if as_numbers else None)
    values = {f"w{i}": w[i] for i in range(n)} | {"b": b}
    if not as_numbers:
        values |= {f"x{i}": x[i] for i in range(n)}
    assert len(text) <= MAX_LENGTH and sorted(variables(text)) == sorted(values)
    out, leaves = evaluate(text, **values)
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    assert out.data == pytest.approx(NEURONS[activation][1](z), rel=1e-12, abs=1e-15)
    slope = leaves["b"].grad                                  # d out / dz
    for i in range(n):
        assert leaves[f"w{i}"].grad == pytest.approx(slope * x[i], rel=1e-12, abs=1e-15)
    rows = gradient_check(text, **values)
    assert [r.name for r in rows] == variables(text)
    for r in rows:
        assert r.numeric == pytest.approx(r.autograd, rel=1e-5, abs=1e-7) and r.note == ""


# ---------------------------------------------------------------- the command line
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


@pytest.mark.parametrize("flag", ["_step=0", "_step=1e308", "zz=1", "text=2"])
def test_cli_expr_variables_are_only_names_the_expression_uses(capsys, flag):
    code = main(["expr", "a", "-v", "a=1", "-v", flag])
    err = capsys.readouterr().err
    name = flag.split("=")[0]
    assert code == 2 and "Traceback" not in err
    assert f"no variable named {name!r}" in err and "its variables are: a" in err


def test_cli_expr_notes_a_kink(capsys):
    assert main(["expr", "relu(a) + a", "-v", "a=0"]) == 0
    assert "note (a): kink: b = relu(a)" in capsys.readouterr().out


def test_cli_expr_notes_a_backward_overflow(capsys):
    assert main(["expr", "1e300 * (1e10 * (1e-20 * a))", "-v", "a=1"]) == 0
    out = capsys.readouterr().out
    assert "value = 1e+290" in out and "note (a): overflow in the backward pass" in out


def test_cli_expr_takes_names_for_steps(capsys):
    assert main(["expr", "b = a + a; c = b * b", "-v", "a=2"]) == 0
    out = capsys.readouterr().out
    assert "value = 16" in out and re.search(r"\ba +2 +16 +16\b", out)
