"""The scalar engine behind ``make_mlp(..., engine="scalar")``.

The weights live in NumPy arrays like on every engine; each call to
``loss_and_grads`` turns them into ``Value`` leaves, builds the graph, runs
``backward()`` and reads the leaves' grads back into arrays.

What the graph holds, per sample: one leaf per input, one n-ary ``dot`` node
per neuron (its w . x + b: 2 fan_in + 1 children) and one activation node
per hidden neuron. The loss is one node over all the logits, its local
derivatives dL/dz taken from ``gradplay.functional`` -- the same fused loss
node the tensor engine uses. ``scalar_graph_size`` counts nodes and edges.
Slow by design -- every number is a node you could draw -- so it is meant for
small networks and small batches.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import functional as F
from ..autograd import Value
from .base import Network

__all__ = ["ScalarMLP", "scalar_graph_size"]


def scalar_graph_size(sizes: Sequence[int], batch: int) -> tuple[int, int]:
    """(nodes, edges) of the graph ``ScalarMLP.loss_and_grads`` builds for a batch.

    nodes = parameters + batch * (inputs + neurons + hidden neurons) + 1 loss node
    edges = batch * (sum over layers of fan_out (2 fan_in + 1)     dot nodes
                     + hidden neurons                                activations
                     + outputs)                                      the loss node
    """
    layers = list(zip(sizes[:-1], sizes[1:]))
    params = sum(i * o + o for i, o in layers)
    neurons = sum(o for _, o in layers)
    hidden = neurons - sizes[-1]
    nodes = params + batch * (sizes[0] + neurons + hidden) + 1
    edges = batch * (sum(o * (2 * i + 1) for i, o in layers) + hidden + sizes[-1])
    return nodes, edges


def _activate(z: Value, name: str) -> Value:
    return z if name == "linear" else z.activation(name)


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

    def loss_node(self, rows: list[list[Value]], Y: np.ndarray, loss: str) -> Value:
        """One node for the mean loss over the logits (n rows of k Values), its
        local derivatives dL/dz_ij from the functional table."""
        output = F.get_activation(self.output, output=True)
        z = np.array([[v.data for v in row] for row in rows])       # (n, k)
        value, dz = F.loss_and_grad_z(loss, output, z, output.forward(z), Y)
        return Value(value, [v for row in rows for v in row], loss,
                     _local_grads=tuple(dz.ravel().tolist()))

    def loss_and_grads(self, X, y, loss: str = "mse"):
        F.check_loss(loss, self.output)
        X = self.input_matrix(np.asarray(X, dtype=np.float64))
        Y = self.targets(y, X.shape[0])
        rows, params = self.value_graph(X)
        out = self.loss_node(rows, Y, loss)
        out.backward()
        grads = [(np.array([[w.grad for w in row] for row in W]), np.array([bj.grad for bj in b]))
                 for W, b in params]
        return out.data, grads
