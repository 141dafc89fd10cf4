"""The three engines agree with each other, with finite differences and with PyTorch autograd.

One table of cases (MiniTorch's pattern) drives every engine: each case is a
network and a loss; every engine computes it. The engines must agree with
each other and with finite differences everywhere, and with the suite's
PyTorch reference (tests/conftest.py) where PyTorch is installed.
"""

import math
import warnings

import numpy as np
import pytest

from gradplay import Tensor, Value, make_mlp
from gradplay import functional as F
from gradplay.nets import ENGINES, init_weights, scalar_graph_size
from conftest import TORCH_ACTIVATIONS, reference_loss_and_grads
from op_table import central_difference, torch  # noqa: F401  (torch: a fixture)

CASES = [  # sizes, hidden activation, output, loss
    ([2, 4, 1], "sigmoid", "sigmoid", "mse"),
    ([2, 4, 1], "sigmoid", "sigmoid", "bce"),
    ([2, 8, 4, 1], "tanh", "sigmoid", "bce"),
    ([3, 5, 1], "relu", "linear", "mse"),
    ([2, 6, 3], "leaky_relu", "softmax", "ce"),
    ([2, 3, 3], "softplus", "softmax", "mse"),
    ([2, 5, 2, 2], "tanh", "sigmoid", "mse"),  # two sigmoid outputs
    ([2, 1], "tanh", "sigmoid", "bce"),        # no hidden layer: logistic regression
    ([3, 2], "tanh", "linear", "mse"),         # no hidden layer: linear regression
]


def case_data(sizes, output):
    """Nine points and labels for a case: class indices for softmax, 0/1 otherwise."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(9, sizes[0]))
    if output == "softmax":
        y = rng.integers(0, sizes[-1], 9)
    elif sizes[-1] > 1:
        y = rng.integers(0, 2, (9, sizes[-1])).astype(float)
    else:
        y = rng.integers(0, 2, 9).astype(float)
    return X, y


def every_engine(sizes, activation, output, loss):
    """{engine: (loss, grads)} for the same network and data, and the network's weights."""
    X, y = case_data(sizes, output)
    results = {}
    for engine in ENGINES:
        model = make_mlp(sizes, activation, output, engine=engine, seed=3, init="normal")
        results[engine] = model.loss_and_grads(X, y, loss)
    return results, model.get_weights(), X, y


@pytest.mark.parametrize("sizes,activation,output,loss", CASES)
def test_engines_agree_with_each_other_and_finite_differences(sizes, activation, output, loss):
    results, weights, X, y = every_engine(sizes, activation, output, loss)
    ref_loss, ref_grads = results["manual"]
    for engine, (value, grads) in results.items():
        assert value == pytest.approx(ref_loss, abs=1e-12), engine
        for (dW, db), (rW, rb) in zip(grads, ref_grads):
            assert np.max(np.abs(dW - rW)) < 1e-9 and np.max(np.abs(db - rb)) < 1e-9, engine
    # the first and last weights and biases by finite differences of the loss
    model = make_mlp(sizes, activation, output, engine="manual", seed=3, init="normal")
    for layer, kind, index in ((0, 0, (0, 0)), (-1, 0, (-1, -1)), (0, 1, (0,)), (-1, 1, (-1,))):
        def loss_at(xs):
            ws = [(W.copy(), b.copy()) for W, b in weights]
            ws[layer][kind][index] = xs[0]
            model.set_weights(ws)
            return model.loss_and_grads(X, y, loss)[0]
        numeric = central_difference(loss_at, [weights[layer][kind][index]], 0)
        assert ref_grads[layer][kind][index] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("sizes,activation,output,loss", CASES)
def test_engines_agree_with_torch(sizes, activation, output, loss, torch):
    results, weights, X, y = every_engine(sizes, activation, output, loss)
    ref_loss, ref_grads = reference_loss_and_grads(weights, X, y, activation, output, loss)
    for engine, (value, grads) in results.items():
        flat = [g for pair in grads for g in pair]
        assert value == pytest.approx(ref_loss, abs=1e-12), engine
        for ours, theirs in zip(flat, ref_grads):
            assert ours.shape == theirs.shape
            np.testing.assert_allclose(ours, theirs, atol=1e-12, rtol=1e-9, err_msg=engine)


def test_same_seed_gives_same_weights_on_every_engine():
    ws = [make_mlp([2, 4, 3, 1], engine=e, seed=11).get_weights() for e in ENGINES]
    for other in ws[1:]:
        for (W1, b1), (W2, b2) in zip(ws[0], other):
            assert np.array_equal(W1, W2) and np.array_equal(b1, b2)


def test_get_set_weights_and_predict_shapes():
    model = make_mlp([2, 4, 1], engine="manual", seed=0)
    ws = model.get_weights()
    assert [W.shape for W, _ in ws] == [(2, 4), (4, 1)] and [b.shape for _, b in ws] == [(4,), (1,)]
    assert all(W.dtype == np.float64 for W, _ in ws)
    ws[0][0][:] = 0  # a copy: the model is untouched
    assert not np.all(model.get_weights()[0][0] == 0)
    X = np.random.default_rng(0).normal(size=(5, 2))
    assert model.predict(X).shape == (5,)
    soft = make_mlp([2, 4, 3], output="softmax", seed=0)
    p = soft.predict(X)
    assert p.shape == (5, 3) and np.allclose(p.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match=r"layer 0: expected W \(2, 4\)"):
        model.set_weights([(np.zeros((3, 4)), np.zeros(4)), ws[1]])
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        model.predict(np.zeros((3, 3)))


@pytest.mark.parametrize("kwargs,message", [
    ({"sizes": [2, 0, 1]}, r"sizes\[1\] must be a whole number >= 1"),
    ({"sizes": [2]}, "at least an input and an output"),
    ({"activation": "swish"}, "activation must be one of"),
    ({"output": "relu6"}, "output must be one of"),
    ({"engine": "jax"}, "engine must be one of"),
    ({"init": "orthogonal"}, "init must be one of"),
])
def test_invalid_settings_name_the_field(kwargs, message):
    args = {"sizes": [2, 4, 1], **kwargs}
    with pytest.raises(ValueError, match=message):
        make_mlp(**args)


def test_loss_must_fit_the_output():
    model = make_mlp([2, 3, 1], output="linear")
    with pytest.raises(ValueError, match="'bce'.*needs output 'sigmoid'"):
        model.loss_and_grads(np.zeros((2, 2)), np.zeros(2), "bce")


def test_inits_have_the_documented_scale():
    big = init_weights([400, 300], "xavier", seed=0)[0][0]
    r = np.sqrt(6 / 700)
    assert big.max() <= r and big.min() >= -r
    assert big.std() == pytest.approx(r / np.sqrt(3), rel=0.05)
    he = init_weights([400, 300], "he", seed=0)[0][0]
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    uni = init_weights([400, 300], "uniform", seed=0)[0][0]
    assert uni.min() >= -1 and uni.max() <= 1
    assert uni.std() == pytest.approx(1 / np.sqrt(3), rel=0.05)


# ---------------------------------------------------------------- tensor engine
# Each Tensor op against finite differences and PyTorch: tests/autograd/test_ops.py.
def test_tensor_reused_node_accumulates_and_needs_scalar_output():
    x = Tensor(np.array([1.0, 2.0]))
    y = (x * x + x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * x.data + 1)
    with pytest.raises(ValueError, match="scalar output"):
        (x * 2).backward()


# ---------------------------------------------------------------- functional
@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
def test_activation_derivatives_match_torch(name, torch):
    z = np.linspace(-4, 4, 41).reshape(-1, 1) + 0.013
    f = F.ACTIVATIONS[name]
    a = f.forward(z)
    g = np.cos(z)
    zt = torch.tensor(z, requires_grad=True)
    at = TORCH_ACTIVATIONS[name](zt)
    (at * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(a, at.detach().numpy(), atol=1e-15)
    np.testing.assert_allclose(f.backward(z, a, g), zt.grad.numpy(), atol=1e-14)


def test_sigmoid_and_losses_are_stable_at_extremes():
    z = np.array([[-1000.0], [-40.0], [0.0], [40.0], [1000.0]])
    s = F.sigmoid(z)
    assert np.all(np.isfinite(s)) and s[0, 0] == 0.0 and s[-1, 0] == 1.0
    y = np.array([[1.0], [1.0], [0.0], [0.0], [0.0]])
    bce = F.LOSSES["bce"].value(z, s, y)
    # -log sigmoid(z) = log(1 + e^-z) for y = 1 and -log(1 - sigmoid(z)) = log(1 + e^z) for
    # y = 0, each by hand: 1000 + log(1 + e^-1000) = 1000 for the first point, ...
    by_hand = [1000.0, 40.0 + math.log1p(math.exp(-40.0)), math.log(2.0),
               40.0 + math.log1p(math.exp(-40.0)), 1000.0]
    assert np.isfinite(bce) and bce == pytest.approx(sum(by_hand) / 5, rel=1e-12)
    zz = np.array([[1000.0, -1000.0, 0.0]])
    ce = F.LOSSES["ce"].value(zz, F.softmax(zz), np.array([[0.0, 1.0, 0.0]]))
    assert ce == pytest.approx(2000.0)


# ---------------------------------------------------------------- fast forms beside the textbook
def test_sigmoid_matches_torch_to_the_last_bits_and_is_quiet_at_the_extremes(torch):
    """sigmoid is the textbook 1 / (1 + e^-z); e^-z overflows for z < -709 and
    gives the right limit 0 without a warning."""
    z = np.concatenate([np.linspace(-30, 30, 601), [-745.0, -1e4, 710.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = F.sigmoid(z)
    np.testing.assert_allclose(s, torch.sigmoid(torch.tensor(z)).numpy(), rtol=4e-16, atol=0)
    assert s[-4] < 1e-300 and s[-3] == 0.0 and s[-1] == 1.0


def test_column_sum_equals_the_textbook_sum():
    d = np.random.default_rng(0).normal(size=(501, 7))
    np.testing.assert_allclose(F.column_sum(d), d.sum(axis=0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
def test_value_activation_uses_the_table(name):
    """Value's activations are the table's formulas applied to one float."""
    for x in (-2.5, -0.3, 0.7, 3.0):
        v = Value(x)
        out = v.activation(name) if name != "linear" else v * 1.0
        out.backward()
        f = F.ACTIVATIONS[name]
        a = f.forward(np.array([x]))
        assert out.data == pytest.approx(float(a[0]), abs=1e-15)
        assert v.grad == pytest.approx(float(f.backward(np.array([x]), a, np.ones(1))[0]),
                                       abs=1e-15)


# ---------------------------------------------------------------- the gradient rule
def test_leaves_accumulate_on_every_engine_core():
    """backward() twice: a leaf's grad doubles (d(v*v)/dv = 2v = 6, twice), an
    interior node's grad is the latest call's."""
    v = Value(3.0)
    y = v * v
    y.backward()
    y.backward()
    t = Tensor(np.array([3.0]))
    ty = (t * t).sum()
    ty.backward()
    ty.backward()
    assert v.grad == float(t.grad[0]) == 12.0
    assert y.grad == 1.0 and float(ty.grad) == 1.0


def test_leaves_accumulate_like_torch(torch):
    r = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    ry = (r * r).sum()
    ry.backward(retain_graph=True)
    ry.backward()
    assert r.grad.item() == 12.0


@pytest.mark.parametrize("sizes,batch", [([2, 4, 1], 3), ([2, 16, 16, 1], 100), ([3, 2], 5),
                                         ([2, 5, 3], 4)])
def test_scalar_graph_size_counts_the_graph_actually_built(sizes, batch):
    model = make_mlp(sizes, output="softmax" if sizes[-1] > 1 else "sigmoid", engine="scalar")
    X = np.random.default_rng(0).normal(size=(batch, sizes[0]))
    rows, _ = model.value_graph(X)
    Y = model.targets(np.zeros(batch, dtype=int), batch)
    loss = "ce" if sizes[-1] > 1 else "bce"
    order = model.loss_node(rows, Y, loss).topological_order()
    nodes, edges = scalar_graph_size(sizes, batch)
    assert len(order) == nodes
    assert sum(len(n.children) for n in order) == edges
