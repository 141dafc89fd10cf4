"""The tensor engine behind ``make_mlp(..., engine="tensor")``.

The same network as the manual engine, but nobody writes the backward pass:
the forward pass is built from ``Tensor`` operations (one graph node per
matrix op), and ``Tensor.backward()`` applies each node's gradient rule.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import functional as F
from ..autograd import Tensor
from .base import Network

__all__ = ["TensorMLP", "Linear"]


class Linear:
    """A dense layer, x @ W + b, holding its parameters as Tensors."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        self.W = Tensor(W, label="W")
        self.b = Tensor(b, label="b")

    def __call__(self, x: Tensor) -> Tensor:
        # x @ self.W + self.b: (n, fan_in) @ (fan_in, fan_out) + (fan_out,), as
        # one node (Tensor.linear) so that the bias is added in place
        return x.linear(self.W, self.b)

    def parameters(self) -> list[Tensor]:
        return [self.W, self.b]


class TensorMLP(Network):
    """An MLP on the tensor engine: its gradients come from Tensor.backward()."""

    engine = "tensor"

    def layers(self) -> list[Linear]:
        # The Tensors wrap the very arrays in self.weights (no copy), so an
        # optimizer updating the arrays updates the layers.
        return [Linear(W, b) for W, b in self.weights]

    def logits(self, X, layers: Sequence[Linear]) -> Tensor:
        """The output layer's pre-activation z, as a graph of Tensors."""
        h = Tensor(X, requires_grad=False)    # data: no gradient wanted
        for layer in layers[:-1]:
            h = layer(h).activation(self.activation)
        return layers[-1](h)

    def loss_and_grads(self, X, y, loss: str = "mse"):
        F.check_loss(loss, self.output)
        X = self.input_matrix(np.asarray(X, dtype=np.float64))
        Y = self.targets(y, X.shape[0])
        layers = self.layers()
        out = self.logits(X, layers).loss(loss, self.output, Y)
        out.backward(retain_grads=False)   # only the weights' gradients are read
        return float(out.data), [(layer.W.grad, layer.b.grad) for layer in layers]
