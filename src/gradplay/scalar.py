"""The scalar autograd engine: every number is a node you can draw.

This is micrograd's idea, kept just as small, with three changes that make it
fast and robust enough to use for real:

* Each node stores its *local derivatives* (d node / d child) as plain
  numbers, computed in the forward pass. Backpropagation is then one loop
  applying the chain rule::

      child.grad += (d node / d child) * node.grad

  micrograd stores a ``_backward`` closure per node instead; the closure refers
  to the node that owns it, so every node sits in a reference cycle and
  Python's garbage collector spends most of a training step chasing them.
  Here a node refers only to its children: the graph is freed by reference
  counting the moment the loss goes out of scope.
* The topological sort is iterative, so ``backward()`` works on graphs of a
  million nodes (a recursive sort hits Python's recursion limit near 1,000).
* Sums of many terms (``Value.sum``) are a single n-ary node, and so is a
  neuron's weighted sum ``w . x + b`` (``Value.dot``). Fewer nodes mean less
  to sort, less to free and less for the collector to look at.

The rule for calling ``backward()`` more than once: gradients of *leaves*
(nodes with no op: inputs and parameters) accumulate, as in PyTorch and
micrograd, so call ``zero_grad()`` between steps; gradients of *interior*
nodes are reset on every call and always hold d(output)/d(node) for the
latest call.
"""

from __future__ import annotations

import math
import random
from typing import Iterable, Sequence

__all__ = ["Value", "Neuron", "Layer", "MLP", "Module", "topological_order"]


def _sigmoid(x: float) -> float:
    """Logistic function 1 / (1 + e^-x), never overflowing for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0, so e^x is in (0, 1): no overflow
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    """log(1 + e^x) computed as max(x, 0) + log1p(e^-|x|), stable for any x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


class Value:
    """A scalar that remembers how it was computed.

    Fields:
        data:        the number itself.
        grad:        d(output)/d(this node), filled by ``output.backward()``.
        op:          the operation that produced it ("" for leaves).
        children:    the nodes it was computed from.
        local_grads: d(this node)/d(child) for each child, same order.
        label:       a name to show when the graph is drawn.
    """

    __slots__ = ("data", "grad", "op", "children", "local_grads", "label")

    def __init__(self, data, _children: tuple = (), _op: str = "", label: str = "",
                 _local_grads: tuple = ()):
        self.data = float(data)
        self.grad = 0.0
        self.op = _op
        self.children = tuple(_children)
        self.local_grads = _local_grads
        self.label = label

    # micrograd spells these with underscores; keep its names working.
    @property
    def _prev(self) -> set:
        return set(self.children)

    @property
    def _op(self) -> str:
        return self.op

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other) -> Value:
        other = _as_value(other)
        # d(a+b)/da = 1, d(a+b)/db = 1
        return Value(self.data + other.data, (self, other), "+", _local_grads=(1.0, 1.0))

    def __mul__(self, other) -> Value:
        other = _as_value(other)
        # d(a*b)/da = b, d(a*b)/db = a
        return Value(self.data * other.data, (self, other), "*",
                     _local_grads=(other.data, self.data))

    def __sub__(self, other) -> Value:
        other = _as_value(other)
        # d(a-b)/da = 1, d(a-b)/db = -1
        return Value(self.data - other.data, (self, other), "-", _local_grads=(1.0, -1.0))

    def __truediv__(self, other) -> Value:
        other = _as_value(other)
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division by zero: {a:g} / {b:g}")
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        return Value(a / b, (self, other), "/", _local_grads=(1.0 / b, -a / (b * b)))

    def __pow__(self, exponent) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, (int, float)):
            raise TypeError("Value ** k needs a plain number k (int or float), "
                            f"got {type(exponent).__name__}")
        k, x = float(exponent), self.data
        if x == 0.0 and k < 0:
            raise ZeroDivisionError(f"{x:g} ** {k:g}: zero to a negative power is undefined")
        if x < 0 and not k.is_integer():
            raise ValueError(f"({x:g}) ** {k:g}: a negative number to a fractional power "
                             "is not a real number")
        out = x ** k
        # d(x^k)/dx = k * x^(k-1); at x = 0 with 0 < k < 1 the slope is infinite
        if x == 0.0 and k < 1:
            local = 0.0 if k == 0 else math.inf
        else:
            local = k * x ** (k - 1)
        return Value(out, (self,), f"**{exponent:g}", _local_grads=(local,))

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return Value(-self.data, (self,), "neg", _local_grads=(-1.0,))

    def __radd__(self, other) -> Value:
        return self + other

    def __rmul__(self, other) -> Value:
        return self * other

    def __rsub__(self, other) -> Value:
        return _as_value(other) - self

    def __rtruediv__(self, other) -> Value:
        return _as_value(other) / self

    # ------------------------------------------------------------------ functions
    def relu(self) -> Value:
        x = self.data
        # relu(x) = max(0, x); slope 1 where x > 0, else 0
        return Value(x if x > 0 else 0.0, (self,), "relu", _local_grads=(1.0 if x > 0 else 0.0,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        x = self.data
        # x where x > 0, else slope*x; the slope of each piece is the derivative
        return Value(x if x > 0 else slope * x, (self,), "leaky_relu",
                     _local_grads=(1.0 if x > 0 else float(slope),))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        # d tanh(x)/dx = 1 - tanh(x)^2
        return Value(t, (self,), "tanh", _local_grads=(1.0 - t * t,))

    def sigmoid(self) -> Value:
        s = _sigmoid(self.data)
        # d s(x)/dx = s(x) * (1 - s(x))
        return Value(s, (self,), "sigmoid", _local_grads=(s * (1.0 - s),))

    def softplus(self) -> Value:
        # softplus(x) = log(1 + e^x); its derivative is sigmoid(x)
        return Value(_softplus(self.data), (self,), "softplus",
                     _local_grads=(_sigmoid(self.data),))

    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data:g}) is too large for a float "
                                "(the limit is about exp(709))") from None
        # d e^x/dx = e^x
        return Value(e, (self,), "exp", _local_grads=(e,))

    def log(self) -> Value:
        x = self.data
        if x <= 0:
            raise ValueError(f"log({x:g}): log is only defined for positive numbers")
        # d log(x)/dx = 1/x
        return Value(math.log(x), (self,), "log", _local_grads=(1.0 / x,))

    @staticmethod
    def sum(values: Iterable) -> Value:
        """One n-ary node for v1 + v2 + ... + vn (every local derivative is 1)."""
        children = tuple(_as_value(v) for v in values)
        total = sum(c.data for c in children)
        return Value(total, children, "sum", _local_grads=(1.0,) * len(children))

    @staticmethod
    def dot(weights: Sequence[Value], inputs: Sequence, bias: Value) -> Value:
        """One node for a neuron's weighted sum: w1*x1 + ... + wn*xn + b.

        Its local derivatives are d/dw_i = x_i, d/dx_i = w_i and d/db = 1. A
        single node instead of n multiplies and a sum keeps MLP graphs small
        (a 16-16-1 net on 100 points: ~7,000 nodes instead of ~38,000).
        """
        xs = [_as_value(x) for x in inputs]
        w_data = [w.data for w in weights]
        x_data = [x.data for x in xs]
        total = sum(w * x for w, x in zip(w_data, x_data)) + bias.data
        return Value(total, (*weights, *xs, bias), "dot",
                     _local_grads=(*x_data, *w_data, 1.0))

    # ------------------------------------------------------------------ backprop
    def topological_order(self) -> list[Value]:
        """Every node of the graph, each after all of its children."""
        return topological_order(self)

    def backward(self) -> None:
        """Fill ``.grad`` of every node with d(self)/d(node) by the chain rule.

        Called again, leaves *add* the new gradient to what they hold (call
        ``zero_grad()`` or set ``.grad = 0`` between steps); interior nodes
        are reset first, so they always show this call's gradient.
        """
        order = self.topological_order()
        for node in order:
            if node.children:
                node.grad = 0.0  # interior nodes: fresh for this call
        self.grad += 1.0  # d(self)/d(self) = 1 (a leaf output accumulates too)
        for node in reversed(order):
            g = node.grad
            for child, local in zip(node.children, node.local_grads):
                child.grad += local * g  # chain rule


def topological_order(output) -> list:
    """Every node of the graph below ``output``, each after all of its
    ``children`` (for Value and Tensor graphs alike).

    An iterative depth-first search, so deep graphs cannot hit Python's
    recursion limit: the stack holds (node, expanded) pairs, and a node is
    emitted when it is popped the second time, after everything it was
    computed from.
    """
    order: list = []
    visited: set = set()
    stack = [(output, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for child in node.children:
            if child not in visited:
                stack.append((child, False))
    return order


def _as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


# ---------------------------------------------------------------------- networks
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
        return getattr(act, self.activation)() if self.nonlin else act

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
