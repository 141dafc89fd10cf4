"""sample_trace and attribution against PyTorch autograd, every engine, finite
differences and the batch gradient; bad input refused."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.nets import ENGINES
from gradplay.trace import TraceError, attribution, backprop_steps, neuron_expression, \
    sample_trace

X_ONE = np.array([0.7, -0.4])     # a point for the tests that need no case

FIELDS = ("z", "a", "grad_a", "grad_z", "grad_W", "grad_b")


def test_one_example_matches_pytorch_autograd(case, torch_trace):
    x = np.array(case.x)
    model = case.model()
    tr = sample_trace(model, x, case.label, case.loss)
    loss, inputs, layers = torch_trace(case, model, x, case.label)
    assert tr.loss == pytest.approx(loss, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(tr.inputs, inputs, rtol=0, atol=1e-12)
    assert len(tr.layers) == len(layers) == len(case.sizes) - 1
    for ours, ref in zip(tr.layers, layers):
        for name, want in zip(FIELDS, ref):
            got = getattr(ours, name)
            assert got.shape == want.shape and got.dtype == np.float64, name
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_engine_gives_the_same_numbers(case, engine):
    """The trace's dL/dW and loss are each engine's own loss_and_grads on the
    example alone, and the same on every engine."""
    x = np.array(case.x)
    model = case.model(engine)
    tr = sample_trace(model, x, case.label, case.loss)
    reference = sample_trace(case.model("manual"), x, case.label, case.loss)
    value, grads = model.loss_and_grads(x[None], np.array([case.label]), case.loss)
    assert tr.loss == pytest.approx(value, rel=1e-12)
    for layer, ref, (dW, db) in zip(tr.layers, reference.layers, grads):
        np.testing.assert_allclose(layer.grad_W, dW, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(layer.grad_b, db, rtol=1e-9, atol=1e-12)
        for name in FIELDS:
            np.testing.assert_allclose(getattr(layer, name), getattr(ref, name), rtol=1e-9,
                                       atol=1e-12)


def test_the_forward_numbers_are_the_model_s(case):
    x = np.array(case.x)
    model = case.model()
    tr = sample_trace(model, x, case.label, case.loss)
    acts = model.forward_layers(x[None])
    np.testing.assert_allclose(tr.inputs, acts[0][0], rtol=0, atol=0)
    for layer, a_prev, a in zip(tr.layers, acts[:-1], acts[1:]):
        np.testing.assert_allclose(layer.z, a_prev[0] @ layer.W + layer.b, rtol=1e-12)
        np.testing.assert_allclose(layer.a, a[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tr.prediction, model.predict(x[None])[0], rtol=1e-12)
    for (W, b), layer in zip(model.get_weights(), tr.layers):
        assert np.array_equal(W, layer.W) and np.array_equal(b, layer.b)


def test_input_features_are_expanded_as_the_model_does():
    model = make_mlp([3, 4, 1], "tanh", "sigmoid", features=("x1sq", "x2sq", "sinx1"))
    tr = sample_trace(model, X_ONE, 1, "bce")
    x1, x2 = X_ONE
    np.testing.assert_allclose(tr.inputs, [x1 * x1, x2 * x2, np.sin(x1)], rtol=1e-15)
    assert tr.input_labels == ("x1²", "x2²", "sin x1")
    np.testing.assert_array_equal(tr.x, X_ONE)


def _loss_at(model, weights, x, y, loss):
    probe = copy.deepcopy(model)
    probe.set_weights(weights)
    return probe.loss(x[None], np.array([y]), loss)


def test_weight_gradients_match_finite_differences(case):
    x = np.array(case.x)
    model = case.model()
    tr = sample_trace(model, x, case.label, case.loss)
    h = 1e-6
    for l, layer in enumerate(tr.layers):
        for p, grad in ((0, layer.grad_W), (1, layer.grad_b)):
            for idx in np.ndindex(grad.shape):
                up, down = model.get_weights(), model.get_weights()
                up[l][p][idx] += h
                down[l][p][idx] -= h
                numeric = (_loss_at(model, up, x, case.label, case.loss)
                           - _loss_at(model, down, x, case.label, case.loss)) / (2 * h)
                assert grad[idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (l, p, idx)


def test_the_chain_rule_links_the_layers(case):
    """dL/dW is the outer product a_{l-1}^T dL/dz_l, dL/db = dL/dz_l and
    dL/da_{l-1} = dL/dz_l W_l^T: the trace's own numbers fit together."""
    x = np.array(case.x)
    tr = sample_trace(case.model(), x, case.label, case.loss)
    a_prev = [tr.inputs] + [layer.a for layer in tr.layers[:-1]]
    for l, layer in enumerate(tr.layers):
        np.testing.assert_allclose(layer.grad_W, np.outer(a_prev[l], layer.grad_z), rtol=1e-12)
        np.testing.assert_array_equal(layer.grad_b, layer.grad_z)
        if l:
            np.testing.assert_allclose(tr.layers[l - 1].grad_a, layer.W @ layer.grad_z,
                                       rtol=1e-12, atol=1e-15)


def test_a_model_on_torch_tensors_gives_the_same_trace(case):
    x = np.array(case.x)
    pytest.importorskip("torch")
    model = case.model("manual")
    on_torch = case.model("manual").to("cpu")
    a = sample_trace(model, x, case.label, case.loss)
    b = sample_trace(on_torch, x, case.label, case.loss)
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_allclose(la.grad_W, lb.grad_W, rtol=1e-12, atol=1e-15)


def _snapshot(model):
    return copy.deepcopy(vars(model)), np.random.get_state(), random.getstate()


def test_tracing_changes_nothing(case):
    """Weights, every other attribute and both global random generators are
    as they were after every function of the module."""
    x = np.array(case.x)
    model = case.model()
    np.random.seed(7)
    random.seed(7)
    before, np_state, py_state = _snapshot(model)
    X, y = case.data(50)
    tr = sample_trace(model, x, case.label, case.loss)
    attribution(model, X, y, case.loss, layer=0, i=1, j=0)
    steps = backprop_steps(tr, lr=0.5)
    neuron_expression(tr, 0, 0)
    after, np_after, py_after = _snapshot(model)
    assert steps[-1].weights                                 # an update was computed...
    for (W, b), (W2, b2) in zip(before.pop("weights"), after.pop("weights")):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)   # ...and not applied
    assert repr(before) == repr(after)
    assert all(np.array_equal(p, q) for p, q in zip(np_state, np_after))
    assert py_state == py_after


def test_the_trace_cannot_be_changed_in_place(case):
    x = np.array(case.x)
    tr = sample_trace(case.model(), x, case.label, case.loss)
    with pytest.raises(ValueError):
        tr.layers[0].grad_W[0, 0] = 1.0
    with pytest.raises(AttributeError):
        tr.loss = 0.0


# ---------------------------------------------------------------------- attribution
def _weights_of(case):
    """(layer, i, j) to check: a weight and the bias of every layer."""
    return [(l, i, j) for l, (fan_in, units) in enumerate(zip(case.sizes[:-1], case.sizes[1:]))
            for i, j in ((fan_in - 1, units - 1), (-1, 0), (0, units // 2))]


@pytest.mark.parametrize("engine", ["manual", "tensor"])
def test_attribution_mean_is_the_batch_gradient(case, engine):
    model = case.model(engine)
    X, y = case.data(300)
    _, grads = model.loss_and_grads(X, y, case.loss)
    for l, i, j in _weights_of(case):
        per_example = attribution(model, X, y, case.loss, layer=l, i=i, j=j)
        assert per_example.shape == (300,)
        batch = grads[l][1][j] if i == -1 else grads[l][0][i, j]
        assert per_example.mean() == pytest.approx(batch, rel=1e-9, abs=1e-13), (l, i, j)


def test_attribution_rows_are_each_example_s_own_gradient(case):
    model = case.model()
    X, y = case.data(12, seed=5)
    for l, i, j in _weights_of(case):
        per_example = attribution(model, X, y, case.loss, layer=l, i=i, j=j)
        for k in range(len(X)):
            layer = sample_trace(model, X[k], y[k], case.loss).layers[l]
            want = layer.grad_b[j] if i == -1 else layer.grad_W[i, j]
            assert per_example[k] == pytest.approx(want, rel=1e-9, abs=1e-14)


def test_attribution_on_the_scalar_engine_and_one_point():
    model = make_mlp([2, 3, 1], "tanh", "sigmoid", engine="scalar")
    X = X_ONE[None]
    got = attribution(model, X, [1], "bce", layer=1, i=2, j=0)
    _, grads = model.loss_and_grads(X, np.array([1]), "bce")
    assert got.shape == (1,) and got[0] == pytest.approx(grads[1][0][2, 0], rel=1e-12)


def test_some_examples_pull_a_weight_up_and_others_down():
    """On a trained-from-scratch net, the per-example gradients of a weight
    carry both signs: that is what the colouring shows."""
    model = make_mlp([2, 4, 1], "tanh", "sigmoid", seed=1)
    X = np.random.default_rng(2).uniform(-1, 1, size=(200, 2))
    y = (X[:, 0] * X[:, 1] > 0) * 1
    per_example = attribution(model, X, y, "bce", layer=0, i=0, j=1)
    assert (per_example > 0).any() and (per_example < 0).any()


# ---------------------------------------------------------------------- refusals
def _softmax_model():
    return make_mlp([2, 3, 3], "relu", "softmax")


BAD_CALLS = [
    ("x", lambda m: sample_trace(m, [0.1, 0.2, 0.3], 1, "ce")),
    ("x", lambda m: sample_trace(m, [[0.1, 0.2]], 1, "ce")),
    ("x", lambda m: sample_trace(m, [np.nan, 0.2], 1, "ce")),
    ("x", lambda m: sample_trace(m, [np.inf, 0.2], 1, "ce")),
    ("x", lambda m: sample_trace(m, ["a", "b"], 1, "ce")),
    ("y", lambda m: sample_trace(m, X_ONE, 3, "ce")),
    ("y", lambda m: sample_trace(m, X_ONE, -1, "ce")),
    ("y", lambda m: sample_trace(m, X_ONE, 1.5, "ce")),
    ("y", lambda m: sample_trace(m, X_ONE, np.nan, "ce")),
    ("y", lambda m: sample_trace(m, X_ONE, [0, 1], "ce")),
    ("loss", lambda m: sample_trace(m, X_ONE, 1, "bce")),
    ("loss", lambda m: sample_trace(m, X_ONE, 1, "hinge")),
    ("loss", lambda m: sample_trace(make_mlp([2, 3, 2], output="sigmoid"), X_ONE, [0, 1],
                                    "bce")),
    ("model", lambda m: sample_trace(object(), X_ONE, 1, "ce")),
    ("X", lambda m: attribution(m, X_ONE, [1], "ce", 0, 0, 0)),
    ("X", lambda m: attribution(m, np.zeros((0, 2)), [], "ce", 0, 0, 0)),
    ("y", lambda m: attribution(m, np.zeros((3, 2)), [0, 1], "ce", 0, 0, 0)),
    ("layer", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", 2, 0, 0)),
    ("layer", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", -1, 0, 0)),
    ("layer", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", True, 0, 0)),
    ("i", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", 0, 2, 0)),
    ("i", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", 0, -2, 0)),
    ("i", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", 0, 1.0, 0)),
    ("j", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", 1, 0, 3)),
    ("j", lambda m: attribution(m, np.zeros((3, 2)), [0, 1, 2], "ce", 0, 0, -1)),
]


@pytest.mark.parametrize("field, call", BAD_CALLS, ids=[f"{f}-{k}" for k, (f, _)
                                                        in enumerate(BAD_CALLS)])
def test_bad_input_is_refused_naming_the_argument(field, call):
    with pytest.raises(TraceError) as info:
        call(_softmax_model())
    assert isinstance(info.value, ValueError) and info.value.field == field
    assert field in str(info.value)


def test_bce_needs_labels_0_or_1_and_mse_takes_any_target():
    model = make_mlp([2, 3, 1], "tanh", "sigmoid")
    with pytest.raises(TraceError, match="0 or 1"):
        sample_trace(model, X_ONE, 0.5, "bce")
    assert sample_trace(model, X_ONE, 0.5, "mse").loss >= 0


def test_several_linear_outputs_take_one_target_each():
    model = make_mlp([2, 3, 2], "tanh", "linear", engine="tensor")
    tr = sample_trace(model, X_ONE, [0.5, -0.25], "mse")
    value, grads = model.loss_and_grads(X_ONE[None], np.array([[0.5, -0.25]]), "mse")
    assert tr.loss == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(tr.target, [0.5, -0.25])
    np.testing.assert_allclose(tr.prediction, model.predict(X_ONE[None])[0], rtol=1e-12)
    for layer, (dW, db) in zip(tr.layers, grads):
        np.testing.assert_allclose(layer.grad_W, dW, rtol=1e-9, atol=1e-14)
    with pytest.raises(TraceError) as info:
        sample_trace(model, X_ONE, 0.5, "mse")
    assert info.value.field == "y"
