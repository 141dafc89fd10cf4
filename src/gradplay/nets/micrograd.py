"""micrograd's ``Neuron``, ``Layer`` and ``MLP``, on gradplay's ``Value``.

Same constructor arguments, the same random draws (weights uniform(-1, 1)
from Python's ``random``, biases 0), the same ``parameters()`` order (each
neuron's weights, then its bias): code written for micrograd runs unchanged,
and gives the same numbers. One difference inside: a neuron's w . x + b is
one n-ary ``dot`` node rather than n multiplies and n adds (same values and
gradients, a smaller graph).
"""

from __future__ import annotations

import random
from typing import Sequence

from ..autograd import Value

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """Something with parameters (micrograd's base class)."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """out = act(w . x + b), with weights uniform(-1, 1) and bias 0 as in micrograd."""

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu"):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin
        self.activation = activation

    def __call__(self, x: Sequence) -> Value:
        # one n-ary node: w1*x1 + w2*x2 + ... + b
        act = Value.dot(self.w, x, self.b)
        return act.activation(self.activation) if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = self.activation.capitalize() if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons reading the same inputs."""

    def __init__(self, nin: int, nout: int, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """micrograd's MLP: hidden layers with ReLU (or ``activation``), a linear last layer."""

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu"):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1,
                             activation=activation)
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
