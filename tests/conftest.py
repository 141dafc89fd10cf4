"""Shared references for the whole suite: the PyTorch tables every engine is checked against.

This file is the one place the tests write the network and its losses in
PyTorch. Test modules import the names below (``from conftest import ...``:
``tests`` is on pytest's pythonpath).
"""

from __future__ import annotations

import numpy as np
import pytest

try:
    import torch
    import torch.nn.functional as tnn
except ImportError:  # the torch extra is optional; the tests that need it skip
    torch = tnn = None

# gradplay activation name -> the PyTorch function computing it
TORCH_ACTIVATIONS = {} if torch is None else {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
    "leaky_relu": tnn.leaky_relu, "softplus": tnn.softplus, "linear": lambda t: t,
    "softmax": lambda t: torch.softmax(t, dim=1)}


def torch_loss(loss: str, output: str, z, y):
    """The mean loss of logits z (n, k) against labels/targets y, in PyTorch.

    mse = mean((output(z) - y)^2), bce/ce from the logits (PyTorch's own).
    """
    k = z.shape[1]
    if loss == "mse":
        target = tnn.one_hot(y.long(), k).double() if output == "softmax" else \
            y.double().reshape(len(y), -1)
        return ((TORCH_ACTIVATIONS[output](z) - target) ** 2).mean()
    if loss == "bce":
        return tnn.binary_cross_entropy_with_logits(z, y.double().reshape(len(y), -1))
    return tnn.cross_entropy(z, y.long())


def reference_loss_and_grads(weights, X, y, activation: str, output: str, loss: str):
    """(loss, [dW1, db1, ...]) by PyTorch autograd for the MLP with these raw
    weights [(W, b), ...], W (fan_in, fan_out): built here from scratch,
    independent of gradplay's own torch export."""
    if torch is None:
        pytest.skip("needs torch")
    params = [torch.tensor(a, requires_grad=True) for W, b in weights for a in (W, b)]
    h = torch.tensor(np.asarray(X, dtype=np.float64))
    for l in range(len(weights)):
        z = h @ params[2 * l] + params[2 * l + 1]
        h = TORCH_ACTIVATIONS[activation](z)
    value = torch_loss(loss, output, z, torch.tensor(np.asarray(y)))
    value.backward()
    return value.item(), [p.grad.numpy() for p in params]
