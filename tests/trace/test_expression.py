"""neuron_expression: one neuron as a text of gradplay's expression language,
whose value is the neuron's a and whose gradients fit the trace."""

from __future__ import annotations

import numpy as np
import pytest

from gradplay import functional as F
from gradplay import make_mlp
from gradplay.expr import MAX_LENGTH, MAX_VARIABLES, evaluate, variables
from gradplay.trace import TraceError, neuron_expression, sample_trace


def _inputs(tr, layer):
    return tr.inputs if layer == 0 else tr.layers[layer - 1].a


def _check_neuron(tr, layer: int, unit: int):
    """The expression's value is a; each weight's and input's gradient, times
    dL/da, is the trace's dL/dw and that input's share of dL/da below."""
    ex = neuron_expression(tr, layer, unit)
    t, a_prev = tr.layers[layer], _inputs(tr, layer)
    assert len(variables(ex.text)) <= MAX_VARIABLES and len(ex.text) <= MAX_LENGTH
    out, leaves = evaluate(ex.text, **ex.values)
    assert out.data == pytest.approx(t.a[unit], rel=1e-12, abs=1e-15)
    assert sorted(ex.inputs + ex.rest) == list(range(len(a_prev)))
    if t.activation == "softmax":
        _check_softmax_unit(tr, layer, unit, ex, leaves)
        return ex
    g = t.grad_a[unit]
    for i in ex.inputs:
        assert leaves[f"w{i}"].grad * g == pytest.approx(t.grad_W[i, unit], rel=1e-9, abs=1e-14)
        assert leaves[f"a{i}"].grad * g == pytest.approx(t.W[i, unit] * t.grad_z[unit],
                                                         rel=1e-9, abs=1e-14)
    assert leaves["b"].grad * g == pytest.approx(t.grad_b[unit], rel=1e-9, abs=1e-14)
    return ex


def _check_softmax_unit(tr, layer, unit, ex, leaves):
    """d a_j / d z_k of a softmax is the Jacobian a_j (delta_jk - a_k)."""
    t, a_prev = tr.layers[layer], _inputs(tr, layer)
    a = t.a
    for i in ex.inputs:
        assert leaves[f"w{i}"].grad == pytest.approx(a_prev[i] * a[unit] * (1 - a[unit]),
                                                     rel=1e-9, abs=1e-14)
    for k in range(len(a)):
        if k != unit:
            assert leaves[f"z{k}"].grad == pytest.approx(-a[unit] * a[k], rel=1e-9)


def test_every_neuron_of_every_case(case):
    tr = sample_trace(case.model(), np.array(case.x), case.label, case.loss)
    for layer, t in enumerate(tr.layers):
        for unit in range(len(t.z)):
            _check_neuron(tr, layer, unit)


@pytest.mark.parametrize("activation", sorted(F.ACTIVATIONS))
def test_each_activation_is_spelled_as_the_language_spells_it(activation):
    model = make_mlp([2, 3, 1], activation, "linear", seed=2)
    tr = sample_trace(model, [0.4, -0.9], 0.3, "mse")
    ex = _check_neuron(tr, 0, 1)
    assert ex.text == ("w0*a0 + w1*a1 + b" if activation == "linear" else
                       f"(w0*a0 + w1*a1 + b).{activation}()")
    assert ex.values == {"w0": tr.layers[0].W[0, 1], "a0": 0.4, "w1": tr.layers[0].W[1, 1],
                         "a1": -0.9, "b": tr.layers[0].b[1]}


def test_a_wide_neuron_keeps_its_largest_inputs_and_sums_the_rest():
    # 64 inputs: 2 x 64 + 1 variables, more than the expression language takes
    model = make_mlp([2, 64, 64, 1], "tanh", "sigmoid", seed=1)
    tr = sample_trace(model, [0.3, 0.8], 1, "bce")
    ex = _check_neuron(tr, 1, 5)
    t, a_prev = tr.layers[1], tr.layers[0].a
    assert ex.rest and "rest" in ex.values
    shares = np.abs(t.W[:, 5] * a_prev)
    assert shares[list(ex.inputs)].min() >= shares[list(ex.rest)].max()
    assert ex.values["rest"] == pytest.approx(t.W[list(ex.rest), 5] @ a_prev[list(ex.rest)])


def test_a_wide_softmax_unit_fits_too():
    model = make_mlp([2, 32, 10], "relu", "softmax", seed=0, init="he")
    tr = sample_trace(model, [1.0, -0.5], 7, "ce")
    _check_neuron(tr, 1, 7)


@pytest.mark.parametrize("layer, unit, field", [(2, 0, "layer"), (-1, 0, "layer"),
                                                (0, 4, "unit"), (1, 1, "unit"),
                                                (0, 0.0, "unit")])
def test_a_neuron_that_is_not_there_is_refused(layer, unit, field):
    tr = sample_trace(make_mlp([2, 4, 1]), [0.1, 0.2], 1, "bce")
    with pytest.raises(TraceError) as info:
        neuron_expression(tr, layer, unit)
    assert info.value.field == field
