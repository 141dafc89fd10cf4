"""L1 in every optimizer against PyTorch autograd, and R² for regression."""

import math

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.data import load
from gradplay.optim import OPTIMIZERS, make_optimizer
from gradplay.train import Trainer, r2_score
from conftest import TORCH_ACTIVATIONS, torch_loss

try:
    import torch
except ImportError:  # the torch extra is optional: only the tests marked needs_torch skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch (the reference)")

TORCH_OPTIMIZERS = {  # the same rule in torch.optim, with gradplay's defaults
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
}


@needs_torch
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_l1_equals_the_autograd_gradient_of_the_penalty_for_every_optimizer(name):
    """gradplay adds l1 * sign(W) to the weight matrices' gradients (not the
    biases'). PyTorch differentiates loss + l1 * sum |W| itself; five steps of
    each optimizer must land on the same weights."""
    l1, lr = 0.05, 0.02
    ds = load("moons", n_samples=40, seed=0)
    model = make_mlp([2, 5, 3, 1], "tanh", "sigmoid", engine="manual", seed=4)
    params = [torch.tensor(a, requires_grad=True) for W, b in model.get_weights()
              for a in (W, b)]
    ours, theirs = make_optimizer(name, lr, momentum=0.9, l1=l1), TORCH_OPTIMIZERS[name](params,
                                                                                         lr)
    X, y = torch.tensor(ds.X_train), torch.tensor(ds.y_train)
    for _ in range(5):
        _, grads = model.loss_and_grads(ds.X_train, ds.y_train, "bce")
        ours.step(model.parameters(), [g for pair in grads for g in pair])
        h = X
        for l in range(0, len(params), 2):
            z = h @ params[l] + params[l + 1]
            h = TORCH_ACTIVATIONS["tanh"](z)
        penalty = sum(W.abs().sum() for W in params[0::2])      # weights only
        theirs.zero_grad()
        (torch_loss("bce", "sigmoid", z, y) + l1 * penalty).backward()
        theirs.step()
    for p, tp in zip(model.parameters(), params):
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    # one step from the same weights: L1 moves the weight matrices, never the biases
    a, b = (make_mlp([2, 5, 3, 1], "tanh", "sigmoid", engine="manual", seed=4) for _ in "ab")
    _, grads = a.loss_and_grads(ds.X_train, ds.y_train, "bce")
    flat = [g for pair in grads for g in pair]
    make_optimizer(name, lr, momentum=0.9, l1=l1).step(a.parameters(), flat)
    make_optimizer(name, lr, momentum=0.9).step(b.parameters(), flat)
    for i, (p, q) in enumerate(zip(a.parameters(), b.parameters())):
        assert (np.array_equal(p, q) if i % 2 else np.abs(p - q).min() > 0), i


def test_r2_matches_scikit_learn():
    from sklearn.metrics import r2_score as sk_r2
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=50), rng.normal(size=50)
    assert r2_score(y, p) == pytest.approx(sk_r2(y, p), rel=1e-12)
    assert r2_score(y, y) == 1.0
    Y, P = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    assert r2_score(Y, P) == pytest.approx(sk_r2(Y, P), rel=1e-12)
    if torch is not None:                                      # torch tensors too
        assert r2_score(torch.tensor(y), torch.tensor(p)) == pytest.approx(sk_r2(y, p),
                                                                          rel=1e-12)
    assert math.isnan(r2_score(np.ones(5), np.zeros(5))) and math.isnan(r2_score(y[:0], p[:0]))


def test_regression_records_r2_and_no_accuracy():
    ds = load("plane", n_samples=200, noise=0.0, seed=0)
    model = make_mlp([2, 1], output="linear", seed=0)         # linear regression
    trainer = Trainer(model, ds, loss="mse", optimizer="adam", lr=0.05)
    hist = trainer.run(300)
    last = hist.last()
    assert math.isnan(last["train_accuracy"]) and math.isnan(last["test_accuracy"])
    pred = model.predict(ds.X_test)
    assert last["test_r2"] == pytest.approx(r2_score(ds.y_test, pred), rel=1e-12)
    assert last["train_r2"] > 0.999 and last["test_r2"] > 0.999   # the plane is linear
    np.testing.assert_allclose(model.get_weights()[0][0][:, 0], [0.5, 0.5], atol=5e-3)
    assert len(hist.r2) == len(hist.loss) == 300


def test_classification_records_accuracy_and_no_r2():
    ds = load("moons", n_samples=60, seed=0)
    hist = Trainer(make_mlp([2, 4, 1]), ds, loss="bce", lr=0.5).run(3)
    assert all(math.isnan(v) for v in hist.r2 + hist.test_r2)
    assert 0 <= hist.accuracy[-1] <= 1
