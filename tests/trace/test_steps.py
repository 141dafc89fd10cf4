"""backprop_steps: the walk's order and what each step lights, its numbers
(the trace's), its text (the arithmetic shown is right to the printed
precision), and the update step (one SGD step on the example)."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.expr import ExpressionError, evaluate, fmt_number
from gradplay.trace import TraceError, backprop_step, backprop_steps, sample_trace, sgd_step


def _trace(case):
    return sample_trace(case.model(), np.array(case.x), case.label, case.loss)


def test_the_walk_runs_forward_loss_backward_update(case):
    tr = _trace(case)
    steps = backprop_steps(tr, lr=0.1)
    L = len(tr.layers)
    kinds = [s.kind for s in steps]
    assert kinds == (["input"] + ["forward"] * L + ["loss"]
                     + ["backward"] * sum(case.sizes[1:]) + ["update"])
    assert [s.layer for s in steps[1:L + 1]] == list(range(L))
    backward = [(s.layer, s.units) for s in steps if s.kind == "backward"]
    assert backward == [(l, (j,)) for l in reversed(range(L)) for j in range(case.sizes[l + 1])]


def test_one_step_alone_is_that_step_of_the_whole_walk(case):
    tr = _trace(case)
    steps = backprop_steps(tr, lr=0.1)
    facts = lambda s: (s.kind, s.layer, s.units, s.edges, s.edge_values, s.text)   # noqa: E731
    for k, step in enumerate(steps):
        alone, count = backprop_step(tr, 0.1, k)
        assert facts(alone) == facts(step) and count == len(steps)
    assert backprop_step(tr, 0.1, len(steps) + 5)[0].kind == "update"   # past the end: the last
    with pytest.raises(TraceError):
        backprop_step(tr, 0.1, -1)


def test_a_2_8_8_1_net_has_tens_of_steps_not_thousands():
    model = make_mlp([2, 8, 8, 1], "tanh", "sigmoid")
    steps = backprop_steps(sample_trace(model, [0.2, 0.1], 1, "bce"), 0.1)
    assert len(steps) == 1 + 3 + 1 + 17 + 1


def test_every_step_s_text_differs(case):
    texts = [s.text for s in backprop_steps(_trace(case), lr=0.1)]
    assert len(set(texts)) == len(texts)


def test_forward_steps_light_each_edge_with_its_w_times_a(case):
    tr = _trace(case)
    for step in backprop_steps(tr, 0.1):
        if step.kind != "forward":
            continue
        layer = tr.layers[step.layer]
        z = np.array(layer.b, dtype=float)
        for (l, i, j), v in zip(step.edges, step.edge_values):
            assert l == step.layer
            z[j] += v
        assert len(step.edges) == layer.W.size
        np.testing.assert_allclose(z, layer.z, rtol=1e-12, atol=1e-15)
        for j, (zj, aj) in enumerate(zip(layer.z, layer.a)):
            assert f"z[{step.layer + 1},{j}]" in step.text
            assert fmt_number(zj) in step.text and fmt_number(aj) in step.text


def test_backward_steps_carry_the_neuron_s_gradients(case):
    tr = _trace(case)
    for step in backprop_steps(tr, 0.1):
        if step.kind != "backward":
            continue
        l, (j,) = step.layer, step.units
        layer = tr.layers[l]
        into = {(i, jj): v for (ll, i, jj), v in zip(step.edges, step.edge_values) if ll == l}
        assert into == {(i, j): pytest.approx(layer.grad_W[i, j], rel=1e-15)
                        for i in range(layer.W.shape[0])}
        out = [v for (ll, i, _), v in zip(step.edges, step.edge_values) if ll == l + 1]
        if l + 1 < len(tr.layers):     # the edges the gradient came back along sum to dL/da
            assert all(i == j for (ll, i, _) in step.edges if ll == l + 1)
            assert sum(out) == pytest.approx(layer.grad_a[j], rel=1e-12, abs=1e-15)
        else:
            assert out == []
        assert step.values["grad_z"] == layer.grad_z[j]
        assert step.values["grad_a"] == layer.grad_a[j]
        N = l + 1
        assert f"∂L/∂z[{N},{j}] = " in step.text
        assert f"∂L/∂b[{N},{j}] = ∂L/∂z[{N},{j}] = {fmt_number(layer.grad_b[j])}" in step.text


def test_the_notebook_notation_on_a_sigmoid_output_with_mse():
    """The issue's example: ∂L/∂z[2,0] = ∂L/∂a[2,0] · σ′(z) = -0.31 × 0.19 = -0.059."""
    model = make_mlp([2, 3, 1], "tanh", "sigmoid", seed=4)
    tr = sample_trace(model, [0.5, -1.0], 1, "mse")
    out = [s for s in backprop_steps(tr, 0.1) if s.kind == "backward"][0].text
    number = r"\(?-?[\d.]+(?:e-?\d+)?\)?"
    assert re.search(rf"∂L/∂z\[2,0\] = ∂L/∂a\[2,0\] · σ′\(z\[2,0\]\) = {number} × {number} = "
                     rf"{number}$", out, re.M), out
    slope = tr.layers[1].a[0] * (1 - tr.layers[1].a[0])
    assert fmt_number(slope) in out
    for i in range(3):
        assert re.search(rf"∂L/∂w\[2\]\[{i},0\] = ∂L/∂z\[2,0\] · a\[1,{i}\] = ", out)


# ---------------------------------------------------------------------- the arithmetic shown
_TO_EXPR = {"×": "*", "−": "-", "²": "**2", "σ(": "sigmoid("}


def _as_expression(text: str) -> str:
    for shown, written in _TO_EXPR.items():
        text = text.replace(shown, written)
    return text


def _value(text: str) -> float | None:
    """The value of a numbers-only formula, or None (it names something)."""
    try:
        return evaluate(_as_expression(text))[0].data
    except (ExpressionError, ValueError, OverflowError):
        return None


def _claims(text: str):
    """(formula, value shown) for every '<numbers-only formula> = <number>' in
    the text: '-2.619 × 0.236 = -0.6182', 'tanh(0.5022) = 0.4638', ..."""
    for line in text.splitlines():
        for segment in line.split(" → "):
            parts = [p.strip() for p in re.split(r" = | ← |: ", segment)]
            for formula, shown in zip(parts, parts[1:]):
                if re.fullmatch(r"-?[\d.]+(?:e[-+]?\d+)?", formula) or _value(formula) is None:
                    continue                              # a bare number or a name
                try:
                    yield formula, float(shown)
                except ValueError:
                    continue


def _scale(formula: str) -> float:
    """The formula with every sign made +: how big its terms are, so how much
    rounding each printed number to 4 digits can move the result."""
    return abs(_value(formula.replace("-", "+").replace("−", "+")))


def test_the_arithmetic_shown_is_right_to_the_printed_precision(case):
    steps = backprop_steps(_trace(case), lr=0.1)
    checked = 0
    for step in steps:
        for formula, shown in _claims(step.text):
            got = _value(formula)
            tolerance = 2e-3 * max(_scale(formula), abs(shown)) + 1e-12
            assert abs(got - shown) <= tolerance, f"{formula} = {got}, shown {shown}"
            checked += 1
    # at least: every z and a, every dL/dz, the loss and the update's worked weight
    assert checked >= 3 * sum(case.sizes[1:]) + 2


def test_the_claims_checker_catches_a_wrong_product():
    claims = list(_claims("∂L/∂z[2,0] = ∂L/∂a[2,0] · σ′(z[2,0]) = -2.619 × 0.236 = -0.7"))
    assert claims == [("-2.619 × 0.236", -0.7)]
    formula, shown = claims[0]
    assert abs(_value(formula) - shown) > 2e-3 * _scale(formula)


# ---------------------------------------------------------------------- the loss and update
def test_the_loss_step_shows_the_trace_s_loss(case):
    tr = _trace(case)
    step = next(s for s in backprop_steps(tr, 0.1) if s.kind == "loss")
    assert step.values["loss"] == tr.loss
    assert step.text.endswith(f"= {fmt_number(tr.loss)}")
    assert step.layer == len(tr.layers) - 1


def test_the_update_is_one_sgd_step_on_this_example(case):
    model = case.model()
    tr = _trace(case)
    lr = 0.05
    update = backprop_steps(tr, lr)[-1]
    assert update.kind == "update" and update.values["lr"] == lr
    for (W, b), layer in zip(update.weights, tr.layers):
        np.testing.assert_array_equal(W, layer.W - lr * layer.grad_W)
        np.testing.assert_array_equal(b, layer.b - lr * layer.grad_b)
    stepped = copy.deepcopy(model)
    stepped.set_weights(update.weights)
    after = stepped.loss(np.array(case.x)[None], np.array([case.label]), case.loss)
    assert update.values["loss_after"] == pytest.approx(after, rel=1e-12)
    assert after < tr.loss                  # a small step down the gradient lowers it
    assert fmt_number(after) in update.text
    for (W, b), (W2, b2) in zip(sgd_step(tr, lr), update.weights):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)


@pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf, "0.1", True, None])
def test_a_bad_learning_rate_is_refused(lr):
    tr = sample_trace(make_mlp([2, 2, 1]), [0.1, 0.2], 1, "bce")
    with pytest.raises(TraceError) as info:
        backprop_steps(tr, lr)
    assert info.value.field == "lr"


def test_only_a_trace_is_walked():
    with pytest.raises(TraceError) as info:
        backprop_steps({"layers": []}, 0.1)
    assert info.value.field == "trace"
