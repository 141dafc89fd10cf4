"""The one table of ops (MiniTorch's ``MathTest``, tinygrad's ``helper_test_op``).

Each row is one operation, written once for every place it exists:

    name     the test id: a failure names its op
    value    on gradplay Values (a plain number may stand for any argument)
    tensor   on gradplay Tensors (same as ``value`` unless given; None: no Tensor form)
    text     in the expression language, over a and b (None: no text form)
    torch    on torch tensors (same as ``value`` unless given)
    domain   one (low, high) per argument: where the op is smooth and defined

The same rows drive the Value op tests and the Tensor op tests
(tests/autograd/test_ops.py), the grammar tests (tests/expr/test_expr.py),
and a finite-difference check of every op; PyTorch is the second reference
where it is installed. Rows for Tensor-only ops (matmul, sum, ...) have no
Value or text form and give their own shapes.

``torch`` is also a fixture here, for test modules to import: a test that asks
for it is skipped where PyTorch is not installed, and only that test. And
``closure_cube`` is an op written the lecture's way, for the tests of code
that must handle it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from gradplay import Value


def _tnn():
    """torch.nn.functional, imported when a row's torch form first runs."""
    import torch.nn.functional as tnn
    return tnn


@dataclass(frozen=True)
class OpCase:
    name: str
    value: Callable | None
    text: str | None
    domain: tuple = ((-2.0, 2.0),)
    tensor: Callable | None = None
    torch: Callable | None = None
    shapes: tuple | None = None        # Tensor-only rows: the inputs' shapes
    no_tensor: bool = False            # True: no Tensor form

    @property
    def arity(self) -> int:
        return len(self.domain)

    def tensor_form(self) -> Callable | None:
        return None if self.no_tensor else (self.tensor or self.value)

    def torch_form(self) -> Callable:
        return self.torch or self.value

    def tensor_shapes(self) -> tuple:
        """Shapes for the Tensor test: binary ops broadcast a row vector over a matrix."""
        return self.shapes or ((4, 3), (3,))[:self.arity]

    def points(self) -> list[tuple]:
        """Argument tuples spread over the domain (fixed: a failure reproduces)."""
        spots = (0.13, 0.37, 0.61, 0.89)
        return [tuple(lo + (hi - lo) * spots[(i + k) % 4] for k, (lo, hi) in
                      enumerate(self.domain)) for i in range(4)]


POSITIVE = ((0.2, 3.0),)
NONZERO_DENOMINATOR = ((-2.0, 2.0), (0.5, 3.0))

OPS = [
    # arithmetic: every engine's operators, and the grammar's
    OpCase("add", lambda a, b: a + b, "a + b", ((-2.0, 2.0), (-2.0, 2.0))),
    OpCase("sub", lambda a, b: a - b, "a - b", ((-2.0, 2.0), (-2.0, 2.0))),
    OpCase("mul", lambda a, b: a * b, "a * b", ((-2.0, 2.0), (-2.0, 2.0))),
    OpCase("div", lambda a, b: a / b, "a / b", NONZERO_DENOMINATOR),
    OpCase("neg", lambda a: -a, "-a"),
    OpCase("pow3", lambda a: a ** 3, "a ** 3"),
    OpCase("pow-1.5", lambda a: a ** -1.5, "a ** -1.5", POSITIVE),
    OpCase("pow0.5", lambda a: a ** 0.5, "a ** 0.5", POSITIVE),
    # functions: Value and Tensor methods, the grammar's functions, torch's
    OpCase("relu", lambda a: a.relu(), "relu(a)"),
    OpCase("tanh", lambda a: a.tanh(), "tanh(a)"),
    OpCase("sigmoid", lambda a: a.sigmoid(), "sigmoid(a)"),
    OpCase("exp", lambda a: a.exp(), "exp(a)"),
    OpCase("log", lambda a: a.log(), "log(a)", POSITIVE),
    OpCase("softplus", lambda a: a.softplus(), "softplus(a)",
           tensor=lambda a: a.activation("softplus"), torch=lambda a: _tnn().softplus(a)),
    OpCase("leaky_relu", lambda a: a.leaky_relu(), "leaky_relu(a)",
           tensor=lambda a: a.activation("leaky_relu"),
           torch=lambda a: _tnn().leaky_relu(a, 0.01)),
    OpCase("leaky_relu(0.1)", lambda a: a.leaky_relu(0.1), "leaky_relu(a, 0.1)",
           torch=lambda a: _tnn().leaky_relu(a, 0.1), no_tensor=True),
    # Tensor only: matrix products, reductions and shapes
    OpCase("matmul", None, None, ((-2.0, 2.0), (-2.0, 2.0)), tensor=lambda a, b: a @ b,
           torch=lambda a, b: a @ b, shapes=((4, 3), (3, 2))),
    OpCase("sum(axis=0)", None, None, tensor=lambda a: a.sum(axis=0),
           torch=lambda a: a.sum(dim=0), shapes=((4, 3),)),
    OpCase("mean(axis=1)", None, None, tensor=lambda a: a.mean(axis=1),
           torch=lambda a: a.mean(dim=1), shapes=((4, 3),)),
    OpCase("T", None, None, tensor=lambda a: a.T, torch=lambda a: a.T, shapes=((4, 3),)),
    OpCase("reshape", None, None, tensor=lambda a: a.reshape(12),
           torch=lambda a: a.reshape(12), shapes=((4, 3),)),
    OpCase("linear", None, None, ((-2.0, 2.0),) * 3, tensor=lambda x, w, b: x.linear(w, b),
           torch=lambda x, w, b: x @ w + b, shapes=((4, 3), (3, 2), (2,))),
    OpCase("add column", None, None, ((-2.0, 2.0), (-2.0, 2.0)), tensor=lambda a, b: a + b,
           torch=lambda a, b: a + b, shapes=((4, 3), (4, 1))),
]

VALUE_OPS = [op for op in OPS if op.value is not None]
TENSOR_OPS = [op for op in OPS if op.tensor_form() is not None]
TEXT_OPS = [op for op in OPS if op.text is not None]


def by_name(ops: list[OpCase]) -> dict:
    """``parametrize`` keywords: each case's id is its op's name."""
    return {"argvalues": ops, "ids": [op.name for op in ops]}


def central_difference(f: Callable[[list[float]], float], xs: list[float], i: int,
                       h: float = 1e-6) -> float:
    """(f(x + h e_i) - f(x - h e_i)) / 2h: d f / d x_i by finite differences."""
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2 * h)


def tensor_inputs(op: OpCase, seed: int = 0) -> list[np.ndarray]:
    """Arrays of the row's shapes, each drawn uniformly from its domain."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, hi, size=shape) for (lo, hi), shape in
            zip(op.domain, op.tensor_shapes())]


def closure_cube(x: Value) -> Value:
    """x ** 3 as a learner adds an op in micrograd's lecture: build the node, then
    give it a ``_backward`` closure (and no stored local derivatives)."""
    out = Value(x.data ** 3, (x,), "cube")

    def _backward():
        x.grad += 3 * x.data ** 2 * out.grad     # d x^3 / dx = 3 x^2
    out._backward = _backward
    return out


@pytest.fixture(scope="session")
def torch():
    """The torch module; the test that asks for it is skipped without PyTorch."""
    return pytest.importorskip("torch")
