"""Tensor autograd over NumPy: the scalar engine's graph, one node per matrix op.

A ``Tensor`` wraps an ndarray. Each operation records its inputs and a
*gradient rule*: a function from the output's gradient G to the gradient of
each input. ``backward()`` visits the nodes in reverse topological order and
applies the rules (the chain rule, a matrix at a time)::

    C = A @ B          dA = G @ B.T,   dB = A.T @ G
    C = A + b          dA = G,         db = G summed over the broadcast axes
    C = f(A)           dA = f'(A) * G  (f from gradplay.functional)

The rules capture only the inputs, never the output, so the graph has no
reference cycles and is freed as soon as the loss is dropped.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import functional as F
from .graph import topological_order

__all__ = ["Tensor", "unbroadcast"]


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` back down to ``shape``: the gradient of NumPy broadcasting.

    If x of shape (4,) was broadcast to (n, 4), each x_j was used n times, so
    dL/dx_j = sum over those n uses.
    """
    if grad.shape == shape:
        return grad
    if grad.ndim == 2 and shape == (grad.shape[1],):
        return F.column_sum(grad)  # a bias broadcast over the rows of a batch
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


class Tensor:
    """An ndarray that remembers how it was computed (float64 by default)."""

    __slots__ = ("data", "grad", "children", "grad_fn", "op", "label", "requires_grad")

    def __init__(self, data, _children: tuple = (), _op: str = "",
                 grad_fn: Callable | None = None, label: str = "", requires_grad: bool = True):
        self.data = data if isinstance(data, np.ndarray) else np.asarray(data, dtype=np.float64)
        # False for data (a batch X): backward() then skips its gradient, which
        # nobody reads; weights and every computed node keep True.
        self.requires_grad = requires_grad
        self.grad = None
        self.children = _children
        self.grad_fn = grad_fn  # G -> tuple of gradients, one per child
        self.op = _op
        self.label = label

    @property
    def shape(self) -> tuple:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Tensor(shape={self.data.shape}, op={self.op!r})"

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other) -> Tensor:
        other = _as_tensor(other)
        return Tensor(self.data + other.data, (self, other), "+", lambda G: (G, G))

    def __sub__(self, other) -> Tensor:
        other = _as_tensor(other)
        return Tensor(self.data - other.data, (self, other), "-", lambda G: (G, -G))

    def __mul__(self, other) -> Tensor:
        other = _as_tensor(other)
        a, b = self.data, other.data
        # d(a*b) = b da + a db, elementwise
        return Tensor(a * b, (self, other), "*", lambda G: (G * b, G * a))

    def __truediv__(self, other) -> Tensor:
        other = _as_tensor(other)
        a, b = self.data, other.data
        # d(a/b) = da / b - a db / b^2
        return Tensor(a / b, (self, other), "/", lambda G: (G / b, -G * a / (b * b)))

    def __pow__(self, k) -> Tensor:
        if not isinstance(k, (int, float)):
            raise TypeError("Tensor ** k needs a plain number k")
        a = self.data
        # d(a^k) = k a^(k-1) da
        return Tensor(a ** k, (self,), f"**{k:g}", lambda G: (G * k * a ** (k - 1),))

    def __neg__(self) -> Tensor:
        return Tensor(-self.data, (self,), "neg", lambda G: (-G,))

    def __matmul__(self, other) -> Tensor:
        other = _as_tensor(other)
        A, B = self.data, other.data
        # C = A @ B:  dA = G @ B.T  (n, k)(k, m) ;  dB = A.T @ G
        return Tensor(F.matmul(A, B), (self, other), "@",
                      lambda G: (F.matmul(G, B.T), F.matmul(A.T, G)))

    def linear(self, W: Tensor, b: Tensor) -> Tensor:
        """A dense layer, self @ W + b, as one node.

        The same as ``self @ W + b`` (two nodes, the rules of ``@`` and ``+``
        below), but the bias is added in place instead of into a second
        (n, fan_out) array, and dX is skipped when X needs no gradient::

            Z = X @ W + b:   dX = G @ W.T,   dW = X.T @ G,   db = G summed over the rows
        """
        W, b = _as_tensor(W), _as_tensor(b)
        X, Wd = self.data, W.data
        Z = F.matmul(X, Wd)                       # (n, fan_in) @ (fan_in, fan_out)
        Z += b.data                               # + b (fan_out,) on every row, in place
        x_needs = self.requires_grad
        return Tensor(Z, (self, W, b), "linear",
                      lambda G: (F.matmul(G, Wd.T) if x_needs else None,
                                 F.matmul(X.T, G), F.column_sum(G)))

    def __radd__(self, other) -> Tensor:
        return self + other

    def __rmul__(self, other) -> Tensor:
        return self * other

    def __rsub__(self, other) -> Tensor:
        return _as_tensor(other) - self

    def __rtruediv__(self, other) -> Tensor:
        return _as_tensor(other) / self

    # ------------------------------------------------------------------ reductions and shape
    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        shape = self.data.shape

        def rule(G):
            # every input entry contributed once to its sum: spread G back out
            if axis is not None and not keepdims:
                G = np.expand_dims(G, axis)
            return (np.broadcast_to(G, shape).copy(),)
        return Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum", rule)

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        count = self.data.size if axis is None else self.data.shape[axis]
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    @property
    def T(self) -> Tensor:
        return Tensor(self.data.T, (self,), "T", lambda G: (G.T,))

    def reshape(self, *shape) -> Tensor:
        old = self.data.shape
        return Tensor(self.data.reshape(*shape), (self,), "reshape", lambda G: (G.reshape(old),))

    # ------------------------------------------------------------------ functions
    def activation(self, name: str) -> Tensor:
        """f(self) for an activation in gradplay.functional, with its derivative."""
        f = F.get_activation(name, output=True)
        z = self.data
        a = f.forward(z)
        return Tensor(a, (self,), name, lambda G: (f.backward(z, a, G),))

    def relu(self) -> Tensor:
        return self.activation("relu")

    def tanh(self) -> Tensor:
        return self.activation("tanh")

    def sigmoid(self) -> Tensor:
        return self.activation("sigmoid")

    def exp(self) -> Tensor:
        e = np.exp(self.data)
        return Tensor(e, (self,), "exp", lambda G: (G * e,))

    def log(self) -> Tensor:
        a = self.data
        if np.any(a <= 0):
            raise ValueError("log is only defined for positive numbers; the input has "
                             f"{int(np.sum(a <= 0))} entries <= 0")
        return Tensor(np.log(a), (self,), "log", lambda G: (G / a,))

    def loss(self, name: str, output: str, Y: np.ndarray) -> Tensor:
        """The scalar loss of this tensor of logits z (n, k) against targets Y.

        One fused node (value and dL/dz from gradplay.functional), so bce and
        cross-entropy are computed stably from logits.
        """
        f = F.get_activation(output, output=True)
        z = self.data
        value, dz = F.loss_and_grad_z(name, f, z, f.forward(z), Y)
        return Tensor(np.array(value), (self,), name, lambda G: (G * dz,))

    # ------------------------------------------------------------------ backprop
    def topological_order(self) -> list[Tensor]:
        """Nodes each after their inputs (the same search as for Values)."""
        return topological_order(self)

    def backward(self, retain_grads: bool = True) -> None:
        """Fill ``.grad`` of every node with d(self)/d(node); self must be a scalar.

        As for ``Value``: leaves (no op) *accumulate* across calls, like PyTorch,
        so zero them between steps; interior nodes are reset on every call.
        ``retain_grads=False`` drops an interior node's gradient as soon as its
        rule has used it (PyTorch's default: only leaves keep ``.grad``), so a
        big batch holds fewer (n, units) arrays at once.
        """
        if self.data.size != 1:
            raise ValueError(f"backward() needs a scalar output, got shape {self.data.shape}")
        order = self.topological_order()
        for node in order:
            if node.children:
                node.grad = None            # interior: fresh for this call
        self.grad = np.ones_like(self.data) if self.grad is None or self.children \
            else self.grad + 1.0            # d(self)/d(self) = 1
        for node in reversed(order):
            if node.grad_fn is None or node.grad is None:
                continue
            for child, g in zip(node.children, node.grad_fn(node.grad)):
                if g is None or not child.requires_grad:
                    continue
                g = unbroadcast(g, child.data.shape)
                child.grad = g if child.grad is None else child.grad + g
            if not retain_grads:
                node.grad = None            # interior: used up (leaves have no grad_fn)


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64))
