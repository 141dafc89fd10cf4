"""Activations and losses, each with its derivative, in one place.

The tensor engine and the manual engine both take their formulas from here,
so there is exactly one definition of, say, the sigmoid's slope.

Every function works on NumPy arrays and on PyTorch tensors alike (the manual
engine runs on a GPU through torch): they use only operators and functions
that both libraries spell the same way, looked up with ``_xp``.

Shapes: ``z`` is a layer's pre-activation (n, units), ``a = f(z)`` its output,
``grad`` an upstream gradient dL/da of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from functools import lru_cache

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "OUTPUTS", "LOSSES", "get_activation",
           "sigmoid", "softmax", "logsumexp", "loss_value", "loss_grad_z", "loss_and_grad_z",
           "check_loss", "one_hot", "matmul", "column_sum"]


def _xp(x):
    """The array library of ``x``: numpy, or torch for a torch tensor."""
    if isinstance(x, (np.ndarray, np.generic, float, int)):
        return np
    if type(x).__module__.startswith("torch"):
        import torch
        return torch
    return np


def sigmoid(z):
    """1 / (1 + e^-z), computed as (1 + tanh(z/2)) / 2.

    The two are the same function (multiply top and bottom by e^{z/2}), but
    tanh never overflows, where e^-z does for z < -709. It is also the
    fastest stable form in NumPy (four in-place ufunc calls).
    """
    if _xp(z) is not np:
        return z.sigmoid()
    s = np.multiply(z, 0.5)
    np.tanh(s, out=s)
    s *= 0.5
    s += 0.5
    return s


def matmul(a, b):
    """a @ b. For NumPy arrays np.dot, which is the same product but skips a
    slow path NumPy's ``@`` takes for thin shapes like (n, 1) @ (1, k)."""
    return np.dot(a, b) if _xp(a) is np else a @ b


@lru_cache(maxsize=32)
def _ones(n: int) -> np.ndarray:
    ones = np.ones(n)
    ones.flags.writeable = False
    return ones


def column_sum(d):
    """Sum over the rows of d (n, k) -> (k,), written as the product 1^T d.

    A bias is added to every row, so its gradient is the sum of the rows'
    gradients. As a matrix-vector product BLAS does it ~10x faster than
    ``d.sum(axis=0)`` on tall, thin arrays.
    """
    return np.dot(_ones(d.shape[0]), d) if _xp(d) is np else d.sum(dim=0)


def _relu(z):
    return z * (z > 0)


def softplus(z):
    """log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), exact and overflow-free."""
    xp = _xp(z)
    return _relu(z) + xp.log1p(xp.exp(-xp.abs(z)))


def logsumexp(z):
    """log(sum_j e^{z_j}) per row (n, 1), shifted by the row max m so that no
    exponential overflows: m + log(sum_j e^{z_j - m})."""
    xp = _xp(z)
    m = xp.amax(z, axis=1, keepdims=True)
    return m + xp.log(xp.exp(z - m).sum(axis=1, keepdims=True))


def softmax(z):
    """e^{z_j} / sum_k e^{z_k} per row, computed as exp(z - logsumexp(z))."""
    return _xp(z).exp(z - logsumexp(z))


@dataclass(frozen=True)
class Activation:
    """An elementwise (or, for softmax, row-wise) nonlinearity.

    forward(z) -> a;  backward(z, a, grad) -> dL/dz given grad = dL/da.
    """

    name: str
    forward: Callable
    backward: Callable
    formula: str


# Each derivative is written as backward(z, a, g) = g * f'(z), with a = f(z)
# where that is the cheaper form. Named functions (not lambdas) so that models
# can be pickled by tools such as scikit-learn's.
def _sigmoid_backward(z, a, g):
    return g * a * (1 - a)                       # s'(z) = s (1 - s)


def _tanh(z):
    return _xp(z).tanh(z)


def _tanh_backward(z, a, g):
    return g * (1 - a * a)                       # tanh'(z) = 1 - tanh^2


def _relu_backward(z, a, g):
    return g * (z > 0)                           # relu'(z) = 1 if z > 0 else 0


def _leaky_forward(z, slope=0.01):
    return _xp(z).where(z > 0, z, slope * z)


def _leaky_backward(z, a, grad, slope=0.01):
    return _xp(z).where(z > 0, grad, slope * grad)   # slope 1 or 0.01


def _softplus_backward(z, a, g):
    return g * sigmoid(z)                        # softplus'(z) = sigmoid(z)


def _identity(z):
    return z


def _identity_backward(z, a, g):
    return g


def _softmax_backward(z, a, grad):
    # Jacobian of softmax: da_i/dz_j = a_i (delta_ij - a_j), so
    # dL/dz_j = a_j * (dL/da_j - sum_i dL/da_i a_i)   (row-wise)
    return a * (grad - (grad * a).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_backward, "s(z) = 1/(1+e^-z), s' = s(1-s)"),
    "tanh": Activation("tanh", _tanh, _tanh_backward, "tanh' = 1 - tanh^2"),
    "relu": Activation("relu", _relu, _relu_backward, "max(0, z), slope 1 or 0"),
    "leaky_relu": Activation("leaky_relu", _leaky_forward, _leaky_backward,
                             "z if z > 0 else 0.01 z"),
    "softplus": Activation("softplus", softplus, _softplus_backward,
                           "log(1+e^z), slope sigmoid(z)"),
    "linear": Activation("linear", _identity, _identity_backward, "z, slope 1"),
}
# Output layers may also use softmax (multi-class); hidden layers may not.
OUTPUTS: dict[str, Activation] = {
    **ACTIVATIONS,
    "softmax": Activation("softmax", softmax, _softmax_backward, "e^z_j / sum_k e^z_k"),
}

LOSSES = ("mse", "bce", "ce")


def get_activation(name: str, output: bool = False) -> Activation:
    """Look an activation up by name, with an error that lists the choices."""
    table = OUTPUTS if output else ACTIVATIONS
    if name not in table:
        field = "output" if output else "activation"
        raise ValueError(f"{field} must be one of {', '.join(sorted(table))}; got {name!r}")
    return table[name]


def check_loss(loss: str, output: str) -> None:
    """Reject a loss that does not fit the output layer, saying why."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    if loss == "bce" and output != "sigmoid":
        raise ValueError("loss 'bce' (binary cross-entropy) needs output 'sigmoid', "
                         f"got output {output!r}")
    if loss == "ce" and output != "softmax":
        raise ValueError(f"loss 'ce' (cross-entropy) needs output 'softmax', got {output!r}")


def one_hot(y, k: int):
    """Integer labels (n,) -> indicator matrix (n, k)."""
    xp = _xp(y)
    if xp is np:
        return (np.asarray(y).reshape(-1, 1) == np.arange(k)).astype(np.float64)
    return (y.reshape(-1, 1) == xp.arange(k, device=y.device)).to(xp.float64)


def loss_value(loss: str, z, a, y) -> float:
    """The loss of outputs ``a = f(z)`` (n, k) against targets ``y`` (n, k).

    mse = mean((a - y)^2) over every entry
    bce = mean(softplus(z) - y z)        (= -mean(y log a + (1-y) log(1-a)), from logits)
    ce  = mean(logsumexp(z) - z_y)       (= -mean(log softmax(z)_y), y one-hot)
    """
    if loss == "mse":
        d = a - y
        return float((d * d).mean())
    if loss == "bce":
        return float((softplus(z) - y * z).mean())
    if loss == "ce":
        return float((logsumexp(z) - (z * y).sum(axis=1, keepdims=True)).mean())
    raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")


def loss_grad_z(loss: str, output: Activation, z, a, y):
    """dL/dz for the output layer (n, k): where the backward pass starts.

    mse: dL/da = 2 (a - y) / (n k), then through the output activation.
    bce with sigmoid and ce with softmax: the famous simplification
    dL/dz = (a - y) / n -- true *only* for these pairs.
    """
    return loss_and_grad_z(loss, output, z, a, y)[1]


def loss_and_grad_z(loss: str, output: Activation, z, a, y):
    """(loss value, dL/dz) in one pass, sharing the error a - y."""
    n, k = y.shape
    error = a - y                                   # (n, k)
    if loss == "mse":
        # mean of squares = (e . e) / (n k); dL/da = 2 e / (n k)
        value = float(np.vdot(error, error)) / (n * k) if _xp(error) is np \
            else float((error * error).mean())
        error *= 2.0 / (n * k)
        return value, output.backward(z, a, error)
    if loss in ("bce", "ce"):
        error *= 1.0 / n
        return loss_value(loss, z, a, y), error
    raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
