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
  Here ``_backward`` is an ordinary method that reads the stored numbers, and
  a node refers only to its children: the graph is freed by reference
  counting the moment the loss goes out of scope.
* The topological sort is iterative, so ``backward()`` works on graphs of a
  million nodes (a recursive sort hits Python's recursion limit near 1,000).
* Sums of many terms (``Value.sum``) are a single n-ary node, and so is a
  neuron's weighted sum ``w . x + b`` (``Value.dot``). Fewer nodes mean less
  to sort, less to free and less for the collector to look at.

It is a drop-in for the ``Value`` of micrograd and of Karpathy's lecture:
``Value(data, _children, _op, label=...)``, ``_prev`` (a set), ``_op``,
``node._backward()`` (one node's step of the chain rule, for backpropagating
by hand), micrograd's repr, and user code may store its own attributes on a
node (an optimizer's ``p.m``, a colour for drawing). Code that builds its own
ops in micrograd's style, assigning ``out._backward = closure``, works too:
``backward()`` calls each node's ``_backward``, whichever it is.

The rule for calling ``backward()`` more than once: gradients of *leaves*
(nodes with no op: inputs and parameters) accumulate, as in PyTorch and
micrograd, so call ``zero_grad()`` between steps; gradients of *interior*
nodes are reset on every call and always hold d(output)/d(node) for the
latest call.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from ..functional import ACTIVATIONS
from .graph import topological_order

__all__ = ["Value"]


class Value:
    """A scalar that remembers how it was computed.

    Fields:
        data:        the number itself.
        grad:        d(output)/d(this node), filled by ``output.backward()``.
        op:          the operation that produced it ("" for leaves).
        children:    the nodes it was computed from.
        local_grads: d(this node)/d(child) for each child, same order.
        label:       a name to show when the graph is drawn.

    There are no ``__slots__``: user code may set attributes of its own, as
    micrograd's users do (``benchmarks/scalar_vs_micrograd.py`` measured the
    cost).
    """

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
        """The children as a set, as micrograd stores them."""
        return set(self.children)

    @property
    def _op(self) -> str:
        return self.op

    @_op.setter
    def _op(self, op: str) -> None:
        self.op = op

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"  # micrograd's, character for character

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
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2, computed as -(a/b)/b: b*b would
        # underflow to 0 for |b| < 1e-162 and divide by zero; this form gives the
        # true value, or +-inf where it is beyond the float range.
        return Value(a / b, (self, other), "/", _local_grads=(1.0 / b, -(a / b) / b))

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
        try:
            out = x ** k
        except OverflowError:
            raise OverflowError(f"({x:g}) ** {k:g} overflowed: the result is beyond the "
                                "largest float, about 1.8e308") from None
        # d(x^k)/dx = k * x^(k-1); at x = 0 with 0 < k < 1 the slope is infinite
        if x == 0.0 and k < 1:
            local = 0.0 if k == 0 else math.inf
        else:
            try:
                local = k * x ** (k - 1)
            except OverflowError:  # beyond the float range: +-inf, as k * x^k / x gives
                local = k * out / x
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
    def activation(self, name: str, **options) -> Value:
        """f(self) for an activation of ``gradplay.functional``: its value and its
        local derivative f'(x) both come from that one table."""
        f = ACTIVATIONS[name]
        x = self.data
        a = float(f.forward(x, **options))
        # d f(x)/dx = f.backward(x, a, 1): the table's derivative with upstream 1
        return Value(a, (self,), name, _local_grads=(float(f.backward(x, a, 1.0, **options)),))

    def relu(self) -> Value:
        return self.activation("relu")              # max(0, x); slope 1 or 0

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return self.activation("leaky_relu", slope=slope)   # x or slope*x

    def tanh(self) -> Value:
        return self.activation("tanh")              # slope 1 - tanh(x)^2

    def sigmoid(self) -> Value:
        return self.activation("sigmoid")           # slope s(x) (1 - s(x))

    def softplus(self) -> Value:
        return self.activation("softplus")          # log(1 + e^x); slope sigmoid(x)

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

    def _backward(self) -> None:
        """One step of backpropagation, at this node only: pass this node's
        gradient to each child, times the local derivative d(self)/d(child).

        This is micrograd's ``node._backward()``, so the lecture's cells that
        backpropagate by hand, node by node, work. A leaf has no children and
        does nothing. Like micrograd's, it *adds* to the children's grads.
        """
        g = self.grad
        for child, local in zip(self.children, self.local_grads):
            child.grad += local * g  # chain rule: d out/d child += d self/d child * d out/d self

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
        for node in reversed(order):  # every node after all the nodes that use it
            node._backward()


def _as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)
