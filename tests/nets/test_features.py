"""Networks built on input features: every engine agrees with PyTorch on the
expanded inputs, and the network takes raw points (x1, x2) everywhere."""

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.check import compare_engines
from gradplay.data import load
from gradplay.nets import ENGINES
from gradplay.train import fit
from conftest import reference_loss_and_grads    # it skips a test itself without torch

# the features written out again here, independently of gradplay.features
BY_HAND = {"x1": lambda x: x[:, 0], "x2": lambda x: x[:, 1], "x1sq": lambda x: x[:, 0] ** 2,
           "x2sq": lambda x: x[:, 1] ** 2, "x1x2": lambda x: x[:, 0] * x[:, 1],
           "sinx1": lambda x: np.sin(x[:, 0]), "sinx2": lambda x: np.sin(x[:, 1])}

CASES = [  # features, hidden sizes, output, loss
    (("x1sq", "x2sq"), [], "sigmoid", "bce"),                  # logistic regression on squares
    (("x1", "x2", "x1x2", "sinx1"), [5], "sigmoid", "mse"),
    (tuple(BY_HAND), [4, 3], "linear", "mse"),                 # every feature, regression
    (("x1", "x2", "x2sq"), [6], "softmax", "ce"),
]


def by_hand(X, features):
    return np.column_stack([BY_HAND[f](X) for f in features])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("features,hidden,output,loss", CASES)
def test_engines_on_features_match_torch_on_the_expanded_inputs(engine, features, hidden,
                                                                output, loss):
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, size=(11, 2))                       # raw points
    units = 3 if output == "softmax" else 1
    y = rng.integers(0, units if units > 1 else 2, 11) if output != "linear" \
        else rng.uniform(-1, 1, 11)
    model = make_mlp([len(features), *hidden, units], "tanh", output, engine=engine, seed=1,
                     features=features)
    value, grads = model.loss_and_grads(X, y, loss)
    ref_value, ref = reference_loss_and_grads(model.get_weights(), by_hand(X, features), y,
                                              "tanh", output, loss)
    assert value == pytest.approx(ref_value, rel=1e-12)
    for ours, theirs in zip([g for pair in grads for g in pair], ref):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    # predict takes the points too, and agrees with the forward pass on the features
    twin = make_mlp(model.sizes, "tanh", output, engine=engine)
    twin.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(X), twin.predict(by_hand(X, features)), rtol=1e-14)


def test_a_network_on_features_refuses_its_feature_matrix():
    model = make_mlp([3, 1], features=("x1", "x2", "x1sq"))
    assert model.n_inputs == 2 and model.input_labels() == ["x1", "x2", "x1²"]
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(4, 3\)"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="need 2 inputs, not sizes"):
        make_mlp([3, 1], features=("x1sq", "x2sq"))


def test_compare_engines_and_the_torch_device_path_handle_features():
    torch = pytest.importorskip("torch")
    ds = load("circles", n_samples=80, seed=0)
    model = make_mlp([2, 4, 1], "tanh", "sigmoid", engine="manual", seed=0,
                     features=("x1sq", "x2sq"))
    rows = compare_engines(model, ds.X_train, ds.y_train, "bce")
    assert {r["engine"] for r in rows} == {"scalar", "tensor", "manual", "PyTorch autograd"}
    assert max(r["max_grad_diff"] for r in rows) < 1e-12
    value, grads = model.loss_and_grads(ds.X_train, ds.y_train, "bce")
    model.to("cpu")                                            # the manual engine on torch
    t_value, t_grads = model.loss_and_grads(torch.tensor(ds.X_train), torch.tensor(ds.y_train),
                                            "bce")
    assert t_value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(t_grads[0][0].numpy(), grads[0][0], rtol=1e-12)


def test_engines_train_identically_on_features():
    ds = load("circles", n_samples=60, noise=0.1, seed=1)
    losses = []
    for engine in ENGINES:
        model = make_mlp([3, 4, 1], "tanh", "sigmoid", engine=engine, seed=2,
                         features=("x1sq", "x2sq", "x1x2"))
        losses.append(fit(model, ds, loss="bce", optimizer="adam", lr=0.05, epochs=15,
                          batch_size=16).loss)
    np.testing.assert_allclose(losses[0], losses[1], atol=1e-9)
    np.testing.assert_allclose(losses[1], losses[2], atol=1e-9)
