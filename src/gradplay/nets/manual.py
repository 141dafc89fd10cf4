"""Backpropagation written out by hand, as matrix formulas.

No autograd: the forward pass keeps every layer's pre-activation ``Z`` and
output ``A`` (the cache), and the backward pass walks the layers in reverse
applying the chain rule. With n samples and layer l of shape
(fan_in, fan_out)::

    forward:   Z_l = A_{l-1} @ W_l + b_l            (n, fan_out)
               A_l = f(Z_l)                          (n, fan_out)
    backward:  delta_L = dL/dZ_L                     (n, k)   from the loss
               dW_l = A_{l-1}.T @ delta_l            (fan_in, fan_out)
               db_l = sum over rows of delta_l       (fan_out,)
               delta_{l-1} = (delta_l @ W_l.T) * f'(Z_{l-1})

The loss is a *mean* over samples, so 1/n is already inside delta_L and
every gradient above is the gradient of that mean.

The same code runs on PyTorch tensors (CPU or CUDA): give it torch tensors,
or call ``model.to("cuda")``. Only operators both libraries share are used.
"""

from __future__ import annotations

from .. import functional as F
from ..backend import to_numpy
from .base import Network

__all__ = ["ManualMLP"]


class ManualMLP(Network):
    """An MLP whose gradients come from hand-written backpropagation."""

    engine = "manual"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_f = F.get_activation(self.activation)
        self.output_f = F.get_activation(self.output, output=True)
        self.device = None  # None: NumPy; else a torch device string

    def set_weights(self, weights) -> None:
        super().set_weights(weights)
        if self.device is not None:
            self._move_weights(self.device)

    def to(self, device: str) -> "ManualMLP":
        """Keep the weights as torch tensors on ``device`` ("cpu", "cuda"), or
        pass "numpy" to go back to NumPy arrays."""
        if device == "numpy":
            self.weights = [(to_numpy(W).copy(), to_numpy(b).copy()) for W, b in self.weights]
            self.device = None
        else:
            self._move_weights(device)
            self.device = device
        return self

    def _move_weights(self, device: str) -> None:
        import torch
        self.weights = [(torch.as_tensor(to_numpy(W), dtype=torch.float64, device=device),
                         torch.as_tensor(to_numpy(b), dtype=torch.float64, device=device))
                        for W, b in self.weights]

    def forward(self, X):
        """Forward pass with cache: returns (Zs, As), As[0] = X."""
        Zs, As = [], [X]
        last = len(self.weights) - 1
        for l, (W, b) in enumerate(self.weights):
            Z = F.matmul(As[-1], W)                  # (n, fan_in) @ (fan_in, fan_out)
            Z += b                                   # + b (fan_out,), added to every row
            f = self.output_f if l == last else self.hidden_f
            Zs.append(Z)
            As.append(f.forward(Z))                  # A_l = f(Z_l)
        return Zs, As

    def backward_from(self, delta, Zs, As):
        """Walk the layers from the output error delta_L = dL/dZ_L back to the input."""
        L = len(self.weights)
        grads = [None] * L
        for l in range(L - 1, -1, -1):
            W, _ = self.weights[l]
            dW = F.matmul(As[l].T, delta)            # (fan_in, n) @ (n, fan_out)
            db = F.column_sum(delta)                 # (fan_out,): sum of delta's rows
            grads[l] = (dW, db)
            if l > 0:
                # delta_{l-1} = (delta_l @ W_l.T) * f'(Z_{l-1})     (n, fan_in)
                delta = self.hidden_f.backward(Zs[l - 1], As[l], F.matmul(delta, W.T))
        return grads

    def loss_and_grads(self, X, y, loss: str = "mse"):
        F.check_loss(loss, self.output)
        X = self.input_matrix(X)
        Y = self.targets(y, X.shape[0])
        Zs, As = self.forward(X)
        value, delta = F.loss_and_grad_z(loss, self.output_f, Zs[-1], As[-1], Y)
        return value, self.backward_from(delta, Zs, As)
