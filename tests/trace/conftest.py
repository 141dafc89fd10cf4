"""The networks every trace test runs on, and one example's pass in PyTorch.

``case`` is one row of CASES: 2- and 3-layer nets (and one with no hidden
layer) with tanh, ReLU, sigmoid (and leaky ReLU, softplus) hidden units;
sigmoid + BCE, softmax + CE, linear + MSE (and sigmoid + MSE, softmax + MSE)
heads; some on input features. ``torch_trace`` is the reference: the same example through PyTorch
autograd, built here from the raw weights, its loss written in terms of the
output activation a so that dL/da is PyTorch's too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from conftest import TORCH_ACTIVATIONS, torch, torch_loss, tnn
from gradplay import make_mlp


@dataclass(frozen=True)
class Case:
    name: str
    sizes: tuple
    activation: str
    output: str
    loss: str
    features: tuple | None
    label: float            # the traced example's label or target
    x: tuple = (0.7, -0.4)  # and its raw point

    def model(self, engine: str = "manual", seed: int = 3):
        return make_mlp(list(self.sizes), self.activation, self.output, engine=engine,
                        seed=seed, features=self.features)

    def data(self, n: int, seed: int = 0):
        """n points in [-1.5, 1.5]^2 with labels the head can use."""
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1.5, 1.5, size=(n, 2))
        if self.loss == "mse" and self.output != "softmax":
            return X, np.tanh(X[:, 0] - X[:, 1])                  # a regression target
        k = self.sizes[-1] if self.output == "softmax" else 2
        return X, rng.integers(0, k, size=n)


FEATURES = ("x1sq", "x2sq", "sinx1")
CASES = [
    Case("2-layer tanh, sigmoid+bce", (2, 4, 1), "tanh", "sigmoid", "bce", None, 1),
    Case("2-layer relu, softmax+ce", (2, 5, 3), "relu", "softmax", "ce", None, 2),
    Case("2-layer sigmoid, linear+mse", (2, 4, 1), "sigmoid", "linear", "mse", None, 0.37),
    Case("2-layer softplus, sigmoid+mse", (2, 3, 1), "softplus", "sigmoid", "mse", None, 0),
    Case("3-layer tanh on features, sigmoid+bce", (3, 6, 4, 1), "tanh", "sigmoid", "bce",
         FEATURES, 0),
    Case("3-layer relu, linear+mse", (2, 8, 8, 1), "relu", "linear", "mse", None, -0.6),
    Case("3-layer sigmoid on features, softmax+ce", (3, 5, 4, 3), "sigmoid", "softmax", "ce",
         FEATURES, 1),
    Case("3-layer leaky_relu, softmax+mse", (2, 4, 4, 2), "leaky_relu", "softmax", "mse",
         None, 0),
    Case("no hidden layer on features, sigmoid+bce", (3, 1), "tanh", "sigmoid", "bce",
         FEATURES, 1),
]


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request) -> Case:
    return request.param


# each feature of gradplay.features, written again in PyTorch
TORCH_FEATURES = {"x1": lambda p: p[0], "x2": lambda p: p[1], "x1sq": lambda p: p[0] ** 2,
                  "x2sq": lambda p: p[1] ** 2, "x1x2": lambda p: p[0] * p[1],
                  "sinx1": lambda p: torch.sin(p[0]), "sinx2": lambda p: torch.sin(p[1])}


def _torch_loss_in_a(case: Case, a, y):
    """The textbook losses as functions of the output activation a (1, k)."""
    if case.loss == "ce":
        return -torch.log(a[0, int(y)])
    if case.loss == "bce":
        return tnn.binary_cross_entropy(a, torch.tensor([[float(y)]], dtype=torch.float64))
    target = (tnn.one_hot(torch.tensor([int(y)]), a.shape[1]).double()
              if case.output == "softmax" else torch.tensor([[float(y)]], dtype=torch.float64))
    return ((a - target) ** 2).mean()


def _torch_pass(weights, inputs, activation: str, output: str):
    """[(z, a)] per layer, each retaining its gradient."""
    h, passes = inputs, []
    for l, (W, b) in enumerate(weights):
        z = h @ W + b
        h = TORCH_ACTIVATIONS[output if l == len(weights) - 1 else activation](z)
        z.retain_grad()
        h.retain_grad()
        passes.append((z, h))
    return passes


@pytest.fixture
def torch_trace():
    """torch_trace(case, model, x, y) -> (loss, inputs, [(z, a, dL/da, dL/dz, dL/dW,
    dL/db)]) as NumPy arrays, by PyTorch autograd on this one example."""
    def run(case: Case, model, x, y):
        if torch is None:
            pytest.skip("needs torch")
        point = torch.tensor(np.asarray(x, dtype=np.float64))
        names = case.features or ("x1", "x2")
        inputs = torch.stack([TORCH_FEATURES[f](point) for f in names]).reshape(1, -1)
        weights = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
                   for W, b in model.get_weights()]
        passes = _torch_pass(weights, inputs, case.activation, case.output)
        z, a = passes[-1]
        value = _torch_loss_in_a(case, a, y)
        value.backward()
        logits_loss = torch_loss(case.loss, case.output, z.detach(),
                                 torch.tensor([y], dtype=torch.float64))
        assert abs(value.item() - logits_loss.item()) < 1e-12    # the two forms agree
        layers = [tuple(t.detach().numpy()[0] for t in (z, a, a.grad, z.grad))
                  + (W.grad.numpy(), b.grad.numpy())
                  for (z, a), (W, b) in zip(passes, weights)]
        return value.item(), inputs.numpy()[0], layers
    return run
