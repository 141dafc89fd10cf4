"""The scalar engine behind ``make_mlp(..., engine="scalar")``.

The weights live in NumPy arrays like on every engine; each call to
``loss_and_grads`` turns them into ``Value`` leaves, builds the whole graph
(one node per multiply), runs ``backward()`` and reads the leaves' grads back
into arrays. Slow by design -- every number is a node you could draw -- so
it is meant for small networks and small batches.
"""

from __future__ import annotations

import numpy as np

from . import functional as F
from .network import Network
from .scalar import Value

__all__ = ["ScalarMLP", "scalar_loss"]


def _activate(z: Value, name: str) -> Value:
    return z if name == "linear" else getattr(z, name)()


def _softmax_row(zs: list[Value]) -> list[Value]:
    # softmax_j = e^{z_j - m} / sum_k e^{z_k - m}, m = max z (a constant shift)
    m = max(z.data for z in zs)
    es = [(z - m).exp() for z in zs]
    total = Value.sum(es)
    return [e / total for e in es]


def scalar_loss(loss: str, output: str, zs: list[list[Value]], Y: np.ndarray) -> Value:
    """The mean loss over rows of logits zs (n lists of k Values) against Y (n, k)."""
    n, k = Y.shape
    terms = []
    for z_row, y_row in zip(zs, Y):
        if loss == "mse":
            a_row = _softmax_row(z_row) if output == "softmax" else \
                [_activate(z, output) for z in z_row]
            terms += [((a - float(t)) ** 2) * (1.0 / (n * k)) for a, t in zip(a_row, y_row)]
        elif loss == "bce":
            # -[y log s(z) + (1-y) log(1 - s(z))] = softplus(z) - y z
            terms += [(z.softplus() - z * float(t)) * (1.0 / n) for z, t in zip(z_row, y_row)]
        else:
            # -log softmax(z)_y = logsumexp(z) - z_y
            m = max(z.data for z in z_row)
            lse = Value.sum([(z - m).exp() for z in z_row]).log() + m
            z_y = z_row[int(np.argmax(y_row))]
            terms.append((lse - z_y) * (1.0 / n))
    return Value.sum(terms)


class ScalarMLP(Network):
    """An MLP whose gradients come from a graph of scalar ``Value`` nodes."""

    engine = "scalar"

    def value_graph(self, X: np.ndarray):
        """Build the graph for inputs X: returns (logits rows, parameter leaves)."""
        params = [([[Value(w) for w in row] for row in W], [Value(bj) for bj in b])
                  for W, b in self.weights]
        last = len(params) - 1
        rows = []
        for x in X:
            h = [Value(v) for v in x]
            for l, (W, b) in enumerate(params):
                # unit j: z_j = sum_i h_i W_ij + b_j, one n-ary dot node
                z = [Value.dot([row[j] for row in W], h, b[j]) for j in range(len(b))]
                h = z if l == last else [_activate(v, self.activation) for v in z]
            rows.append(h)
        return rows, params

    def loss_and_grads(self, X, y, loss: str = "mse"):
        F.check_loss(loss, self.output)
        X = self.check_X(np.asarray(X, dtype=np.float64))
        Y = self.targets(np.asarray(y, dtype=np.float64), X.shape[0])
        zs, params = self.value_graph(X)
        out = scalar_loss(loss, self.output, zs, Y)
        out.backward()
        grads = [(np.array([[w.grad for w in row] for row in W]), np.array([bj.grad for bj in b]))
                 for W, b in params]
        return out.data, grads
