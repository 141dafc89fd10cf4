"""compare_engines: one gradient step on every engine and on PyTorch autograd."""

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.check import compare_engines, torch_loss_and_grads
from gradplay.data import load
from conftest import reference_loss_and_grads


@pytest.mark.parametrize("activation,output,loss,k", [("tanh", "sigmoid", "bce", 1),
                                                      ("relu", "softmax", "ce", 3),
                                                      ("softplus", "sigmoid", "mse", 1),
                                                      ("leaky_relu", "linear", "mse", 1)])
def test_compare_engines_agree_with_each_other_and_torch(activation, output, loss, k):
    pytest.importorskip("torch")
    ds = load("spiral", n_samples=90, classes=3, seed=0)
    y = ds.y_train if output == "softmax" else (ds.y_train > 0).astype(int)
    rows = compare_engines(make_mlp([2, 5, k], activation, output, seed=1), ds.X_train, y, loss)
    assert [r["engine"] for r in rows] == ["scalar", "tensor", "manual", "PyTorch autograd"]
    assert max(r["max_grad_diff"] for r in rows) < 1e-12
    assert max(r["loss"] for r in rows) - min(r["loss"] for r in rows) < 1e-12


@pytest.mark.parametrize("output,loss,k", [("sigmoid", "bce", 1), ("softmax", "ce", 3),
                                           ("linear", "mse", 1)])
def test_the_library_torch_reference_equals_the_test_suites(output, loss, k):
    """check.torch_loss_and_grads goes through interop.to_torch; the suite's
    reference builds the network from the raw weights: the two must agree."""
    pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(7, 2)), rng.integers(0, max(k, 2), 7)
    model = make_mlp([2, 4, k], "tanh", output, seed=2)
    value, grads = torch_loss_and_grads(model, X, y, loss)
    ref_value, ref_grads = reference_loss_and_grads(model.get_weights(), X, y, "tanh", output,
                                                    loss)
    assert value == pytest.approx(ref_value, abs=1e-14)
    for ours, theirs in zip(grads, ref_grads):
        np.testing.assert_allclose(ours, theirs, atol=1e-14)


def test_input_matrix_is_the_networks_inputs_and_check_x_its_old_name():
    X = np.array([[0.5, -2.0], [3.0, 0.25]])
    model = make_mlp([3, 4, 1], features=("x1sq", "x2", "x1x2"), seed=0)
    np.testing.assert_array_equal(model.input_matrix(X), np.c_[X[:, 0] ** 2, X[:, 1],
                                                               X[:, 0] * X[:, 1]])
    np.testing.assert_array_equal(model.check_X(X), model.input_matrix(X))
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(2, 3\)"):
        model.input_matrix(np.zeros((2, 3)))
