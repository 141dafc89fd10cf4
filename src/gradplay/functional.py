"""The one table of activations and losses: name, formula and derivative.

Every engine takes its formulas from here, so there is exactly one definition
of, say, the sigmoid's slope:

* the manual engine calls ``forward``/``backward`` on whole matrices;
* the tensor engine wraps the same two functions in one graph node per layer;
* the scalar engine's ``Value.sigmoid()`` calls them on a single float.

Every function works on NumPy arrays, on plain floats and on PyTorch tensors
(the manual engine runs on a GPU through torch): they use only operators and
functions that the libraries spell the same way, looked up with
``backend.array_module``.

Shapes: ``z`` is a layer's pre-activation (n, units), ``a = f(z)`` its output,
``grad`` an upstream gradient dL/da of the same shape, ``Y`` the targets (n, k).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .backend import array_module

__all__ = ["Activation", "Loss", "ACTIVATIONS", "OUTPUTS", "LOSSES", "get_activation",
           "sigmoid", "tanh", "softplus", "softmax", "logsumexp", "loss_and_grad_z",
           "check_loss", "one_hot", "matmul", "column_sum", "row_sum", "row_max", "tanh_exp_form",
           "Head", "head_for"]


# ---------------------------------------------------------------------- activations
def sigmoid(z):
    """s(z) = 1 / (1 + e^-z), the textbook form.

    For z < -709, e^-z overflows to inf and 1 / (1 + inf) = 0: the right
    limit, so the overflow warning is silenced, not avoided. (An older form,
    (1 + tanh(z/2)) / 2, never overflows but cancels for z << 0 and needs the
    slow tanh; a test checks this form at the extremes.)
    """
    xp = array_module(z)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + xp.exp(-z))


# The backward functions below build their result in one new array and then
# work in place: on big batches a fresh array costs more than the arithmetic
# (page faults on new memory), and the textbook forms make two or three.


def _sigmoid_backward(z, a, g):
    # textbook: g * a * (1 - a)                   s'(z) = s (1 - s)
    d = 1 - a
    d *= a
    d *= g
    return d


# Below this many values the exp form's four NumPy calls cost more than
# np.tanh itself; such arrays keep np.tanh.
FAST_TANH_MIN_SIZE = 256


def _numpy_tanh_is_vectorised() -> bool:
    """True when NumPy runs its AVX-512 (x86-64-v4) float64 tanh kernel.

    Only that kernel is vectorised: on 46,000 values (1437 samples x 32
    units, one thread) ``np.tanh`` takes 54 us with it and 379 us without it
    (the same CPU with NumPy's AVX-512 turned off, ``NPY_DISABLE_CPU_FEATURES``),
    where the exp form below takes 87 and 179 us. ``numpy.lib.introspect``
    (NumPy 2) says which kernel runs; without it, the exp form is kept.
    """
    try:
        from numpy.lib.introspect import opt_func_info
        kernel = opt_func_info(func_name="^tanh$", signature="float64")["tanh"]["dd"]["current"]
    except (ImportError, KeyError, TypeError):
        return False
    return kernel == "X86_V4" or kernel.startswith("AVX512")


NUMPY_TANH_IS_VECTORISED = _numpy_tanh_is_vectorised()


def tanh(z):
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z).

    Textbook form: ``np.tanh(z)``, and that is what runs on torch tensors,
    numbers, small arrays and wherever NumPy's float64 tanh is vectorised
    (``NUMPY_TANH_IS_VECTORISED``). Elsewhere -- x86 CPUs without AVX-512,
    such as AMD Zen 3 -- NumPy's float64 ``tanh`` is a scalar loop and the
    slowest step of a big network, and NumPy float arrays of at least
    FAST_TANH_MIN_SIZE values take ``tanh_exp_form``, twice as fast.
    """
    xp = array_module(z)
    if xp is not np or NUMPY_TANH_IS_VECTORISED or np.ndim(z) == 0 \
            or z.size < FAST_TANH_MIN_SIZE or z.dtype.kind != "f":
        return xp.tanh(z)                         # torch, numbers, small arrays
    return tanh_exp_form(z)


def tanh_exp_form(z):
    """tanh(z) computed as 1 - 2 / (e^{2z} + 1) (multiply top and bottom of
    the textbook form by e^z), for a NumPy float array: one ``exp`` and three
    in-place steps. On 640,000 values (10,000 samples x 64 units, one thread,
    AVX2) ``np.tanh`` takes 8.7 ms and this form about 4.4 ms. For z > 354,
    e^{2z} overflows to inf and 2 / inf = 0 gives exactly 1; for z < -354 it
    gives exactly -1.

    It agrees with ``np.tanh`` to 4.4e-16 (two units in the last place of 1)
    at every z, and a test checks it. Near z = 0 the final subtraction
    cancels, so the *relative* error grows as |z| shrinks (about 1e-12 at
    |z| = 1e-4): harmless for an activation, whose outputs are summed with
    terms of size about 1 in the next layer.
    """
    with np.errstate(over="ignore"):              # inf for z > 354: fine, see above
        e = z * 2.0                               # one new array, then in place:
        np.exp(e, out=e)                          # e^{2z}
    e += 1.0
    np.divide(2.0, e, out=e)                      # 2 / (e^{2z} + 1)
    return np.subtract(1.0, e, out=e)             # 1 - 2 / (e^{2z} + 1) == tanh(z)


def _tanh_backward(z, a, g):
    # textbook: g * (1 - a * a)                   tanh'(z) = 1 - tanh^2
    d = a * a
    d -= 1                                        # a^2 - 1 = -(1 - a^2), exactly
    d *= g
    d *= -1                                       # g (1 - a^2), bit for bit
    return d


def _relu(z):
    return z * (z > 0)                            # max(0, z)


def _relu_backward(z, a, g):
    return g * (z > 0)                            # relu'(z) = 1 if z > 0 else 0


def _leaky_relu(z, slope=0.01):
    return array_module(z).where(z > 0, z, slope * z)   # z if z > 0 else slope z


def _leaky_relu_backward(z, a, g, slope=0.01):
    return array_module(z).where(z > 0, g, slope * g)   # slope 1 or ``slope``


def softplus(z):
    """log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): exact, and overflow-free."""
    xp = array_module(z)
    return _relu(z) + xp.log1p(xp.exp(-xp.abs(z)))


def _softplus_backward(z, a, g):
    return g * sigmoid(z)                         # softplus'(z) = sigmoid(z)


def _identity(z):
    return z


def _identity_backward(z, a, g):
    return g                                      # d z / d z = 1


def logsumexp(z):
    """log(sum_j e^{z_j}) per row (n, 1), shifted by the row max m so that no
    exponential overflows: m + log(sum_j e^{z_j - m})."""
    xp = array_module(z)
    m = row_max(z)                                            # (n, 1)
    return m + xp.log(row_sum(xp.exp(z - m)))                 # (n, 1)


def softmax(z):
    """e^{z_j} / sum_k e^{z_k} per row (n, k).

    Each row is first shifted by its max m: e^{z_j - m} / sum_k e^{z_k - m}
    is the same fraction (e^{-m} cancels), and no exponential exceeds 1.
    """
    xp = array_module(z)
    e = xp.exp(z - row_max(z))                                # (n, k)
    e /= row_sum(e)                                           # (n, k) / (n, 1)
    return e


def _softmax_backward(z, a, grad):
    # Jacobian of softmax: da_i/dz_j = a_i (delta_ij - a_j), so
    # dL/dz_j = a_j * (dL/da_j - sum_i dL/da_i a_i)   (row-wise)
    return a * (grad - row_sum(grad * a))                     # (n, k)


@dataclass(frozen=True)
class Activation:
    """An elementwise (or, for softmax, row-wise) nonlinearity.

    forward(z) -> a;  backward(z, a, grad) -> dL/dz given grad = dL/da.
    """

    name: str
    forward: Callable
    backward: Callable


# Named functions, not lambdas: a profile or a traceback names them, and a
# fitted ``estimator.MLPClassifier`` holds its network, which scikit-learn
# pickles (its ``check_estimators_pickle``; joblib, to run
# ``cross_val_score(..., n_jobs=2)`` in worker processes): a lambda cannot be
# pickled. gradplay never pickles or unpickles anything itself; its model
# files are JSON or .npz (``interop``).
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("sigmoid", sigmoid, _sigmoid_backward),
    Activation("tanh", tanh, _tanh_backward),
    Activation("relu", _relu, _relu_backward),
    Activation("leaky_relu", _leaky_relu, _leaky_relu_backward),
    Activation("softplus", softplus, _softplus_backward),
    Activation("linear", _identity, _identity_backward),
)}
# Output layers may also use softmax (multi-class); hidden layers may not.
OUTPUTS: dict[str, Activation] = {**ACTIVATIONS,
                                  "softmax": Activation("softmax", softmax, _softmax_backward)}


def get_activation(name: str, output: bool = False) -> Activation:
    """Look an activation up by name, with an error that lists the choices."""
    table = OUTPUTS if output else ACTIVATIONS
    if name not in table:
        field = "output" if output else "activation"
        raise ValueError(f"{field} must be one of {', '.join(table)}; got {name!r}")
    return table[name]


# ---------------------------------------------------------------------- losses
def _mse_value(z, a, Y):
    d = a - Y
    return (d * d).mean()                         # mean((a - y)^2) over every entry


def _mse_grad_z(output, z, a, Y):
    n, k = Y.shape
    # dL/da = 2 (a - y) / (n k), then back through the output activation
    return output.backward(z, a, (a - Y) * (2.0 / (n * k)))


def _bce_value(z, a, Y):
    # -mean(y log s(z) + (1-y) log(1 - s(z))) = mean(softplus(z) - y z): from the
    # logits, so log(0) never happens
    return (softplus(z) - Y * z).mean()


def _ce_value(z, a, Y):
    # -mean(log softmax(z)_y) = mean(logsumexp(z) - z_y), Y one-hot (n, k)
    return (logsumexp(z) - row_sum(z * Y)).mean()


def _bce_grad_z(output, z, a, Y):
    # The famous simplification dL/dz = a - y, per entry: it holds *only* for
    # sigmoid + binary cross-entropy (Loss.needs). The value is a mean over the
    # n k entries (k sigmoid units), hence / (n k).
    n, k = Y.shape
    return (a - Y) * (1.0 / (n * k))


def _ce_grad_z(output, z, a, Y):
    # The same simplification for softmax + cross-entropy: dL/dz = (a - y) / n,
    # the value being a mean over the n rows (each row's loss sums its k units).
    return (a - Y) * (1.0 / Y.shape[0])


@dataclass(frozen=True)
class Loss:
    """A mean loss over a batch: value(z, a, Y) and dL/dz = grad_z(output, z, a, Y).

    ``needs``: the output activation the formula assumes (None: any).
    """

    name: str
    value: Callable
    grad_z: Callable
    needs: str | None


LOSSES: dict[str, Loss] = {l.name: l for l in (
    Loss("mse", _mse_value, _mse_grad_z, None),
    Loss("bce", _bce_value, _bce_grad_z, "sigmoid"),
    Loss("ce", _ce_value, _ce_grad_z, "softmax"),
)}


def check_loss(loss: str, output: str) -> Loss:
    """The loss named ``loss``, if it fits the output layer; otherwise say why."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    spec = LOSSES[loss]
    if spec.needs is not None and output != spec.needs:
        raise ValueError(f"loss {loss!r} needs output {spec.needs!r}, got output {output!r}")
    return spec


def loss_and_grad_z(loss: str, output: Activation, z, a, Y):
    """(loss value as a float, dL/dz (n, k)): where every backward pass starts."""
    spec = check_loss(loss, output.name)
    return float(spec.value(z, a, Y)), spec.grad_z(output, z, a, Y)


# ---------------------------------------------------------------------- the head rule
# Which output layer and loss fit a problem: the one place this rule is written.
class Head(NamedTuple):
    """The output layer and loss for a problem: activation, loss, units."""

    output: str
    loss: str
    units: int


def head_for(classes: int, output: str = "auto", loss: str = "auto") -> Head:
    """The output activation, loss and number of output units for ``classes``
    classes (0: a regression target). "auto" picks the textbook choice:

    | classes | output  | loss | units |
    |---------|---------|------|-------|
    | 0       | linear  | mse  | 1     |
    | 2       | sigmoid | bce  | 1     |
    | k > 2   | softmax | ce   | k     |

    A given output or loss is kept if it fits, otherwise a ValueError says why.
    """
    if output == "auto":
        output = "linear" if classes == 0 else "sigmoid" if classes == 2 else "softmax"
    if classes > 2 and output != "softmax":
        raise ValueError(f"{classes} classes need output 'softmax' (one unit per class), "
                         f"not {output!r}")
    if classes == 0 and output == "softmax":
        raise ValueError("a regression target needs a single output unit, not 'softmax'")
    if loss == "auto":
        loss = {"sigmoid": "bce", "softmax": "ce"}.get(output, "mse") if classes else "mse"
    if classes == 0 and loss != "mse":
        raise ValueError(f"a regression target needs loss 'mse', not {loss!r}")
    check_loss(loss, output)
    units = max(classes, 2) if output == "softmax" else 1
    return Head(output, loss, units)


# ---------------------------------------------------------------------- helpers
def one_hot(y, k: int):
    """Integer labels (n,) -> indicator matrix (n, k)."""
    xp = array_module(y)
    if xp is np:
        return (np.asarray(y).reshape(-1, 1) == np.arange(k)).astype(np.float64)
    return (y.reshape(-1, 1) == xp.arange(k, device=y.device)).to(xp.float64)


def matmul(a, b):
    """The matrix product a @ b of a (n, m) and b (m, k), NumPy or torch.

    Textbook form: ``a @ b``, and for NumPy arrays that is what runs, with
    two exceptions where NumPy's own path is slow (one thread, OpenBLAS;
    ``python benchmarks/vs_sklearn.py --forms`` times each form):

    * an outer product, m = 1 (the backward pass of a one-unit output
      layer): ``@`` computes it in a plain loop, 2-4x slower; ``np.dot``
      hands it to BLAS;
    * a right operand that is a transposed view (``W.T`` in the backward
      pass) is copied to C order first. The copy costs m*k numbers, the
      product n times as many, and OpenBLAS's SkylakeX kernel took up to
      twice as long on the transposed operand (no difference on Haswell).

    ``np.dot`` is not used otherwise: it copies an operand that is neither
    C- nor Fortran-ordered -- such as ``load_digits()``'s X, a view of 64
    of 65 columns -- on every call (a fit of the digits spent half its
    matrix time so), where ``@`` hands BLAS the array as it is.
    """
    if array_module(a) is not np:
        return a @ b
    if a.shape[-1] == 1:
        return np.dot(a, b)                       # (n, 1) @ (1, k): BLAS, not a loop
    if not b.flags.c_contiguous:
        b = np.ascontiguousarray(b)               # (m, k) in C order: W.T copied
    return a @ b


def column_sum(d):
    """Sum over the rows of d (n, k) -> (k,): the gradient of a bias added to
    every row. Textbook form: ``d.sum(axis=0)``; for NumPy it is computed as
    the product 1^T d, which BLAS does several times faster on tall, thin
    arrays (a test checks the two agree)."""
    if array_module(d) is not np:
        return d.sum(dim=0)
    return np.dot(np.ones(d.shape[0]), d)         # 1^T d == d.sum(axis=0)


def row_sum(d):
    """Sum over the columns of d (n, k) -> (n, 1): softmax's denominator.
    Textbook form: ``d.sum(axis=1, keepdims=True)``. NumPy sums a short row
    (k of 2 to 10 classes) one row at a time, slowly; the product d 1 in
    BLAS gives the same sums (to rounding) about 5x faster on (1437, 10)."""
    if array_module(d) is not np:
        return d.sum(dim=1, keepdim=True)
    return np.dot(d, np.ones(d.shape[1])).reshape(-1, 1)     # d 1 == d.sum(axis=1)


def row_max(z):
    """The largest entry of each row of z (n, k) -> (n, 1): softmax's shift.
    Textbook form: ``z.max(axis=1, keepdims=True)``. As with ``row_sum``,
    NumPy reduces short rows slowly; the max down the columns of z's
    transpose, copied to C order (k, n), is the same numbers, about 4.5x
    faster on (1437, 10)."""
    if array_module(z) is not np:
        return z.amax(dim=1, keepdim=True)
    return np.maximum.reduce(np.ascontiguousarray(z.T), axis=0).reshape(-1, 1)  # (k, n) -> (n, 1)
