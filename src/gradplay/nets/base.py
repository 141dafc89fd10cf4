"""The network every engine computes: its shape, weights and forward pass.

A ``Network`` is a stack of dense layers ``a_l = f(a_{l-1} W_l + b_l)`` with
``W_l`` of shape (fan_in, fan_out) and ``b_l`` of shape (fan_out,). It owns
its weights as float64 arrays; each engine (scalar, tensor, manual) only
differs in how ``loss_and_grads`` computes the gradients. For the same
weights all three return the same numbers -- that agreement is the lesson.

A network may be built on input features (``features=("x1sq", "x2sq")``, see
``gradplay.features``). It then takes raw points (x1, x2) everywhere --
``predict``, ``evaluate``, ``loss_and_grads`` -- and ``input_matrix`` turns
them into its input matrix, so data sets, decision grids and saved models all
speak in points, never in feature columns.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

import numpy as np

from .. import functional as F
from ..backend import array_module, is_float, to_numpy
from ..features import FEATURES, RAW_FEATURES, check_features, expand_features
from ..rules import SEED, Interval, OneOf, RuleError, check

__all__ = ["Network", "init_weights", "count_weights", "check_sizes", "labels_from", "INITS",
           "INIT", "UNITS"]

INITS = ("uniform", "xavier", "he", "normal")
INIT = OneOf(*INITS)            # the rules config.FIELDS uses too
UNITS = Interval(int, 1, None)  # neurons in a layer


def init_weights(sizes: Sequence[int], init: str = "xavier", seed: int | None = 0):
    """Random weights for layer sizes like [2, 4, 1]; biases start at 0.

    uniform: W ~ U(-1, 1)                          (micrograd's choice)
    xavier:  W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out))   (Glorot, for tanh/sigmoid)
    he:      W ~ N(0, 2 / fan_in)                  (for ReLU)
    normal:  W ~ N(0, 1)
    """
    init = check("init", init, INIT)
    rng = np.random.default_rng(None if seed is None else check("seed", seed, SEED))
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if init == "uniform":
            W = rng.uniform(-1.0, 1.0, size=(fan_in, fan_out))
        elif init == "xavier":
            r = np.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-r, r, size=(fan_in, fan_out))
        elif init == "he":
            W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        else:
            W = rng.normal(0.0, 1.0, size=(fan_in, fan_out))
        weights.append((W, np.zeros(fan_out)))
    return weights


def count_weights(sizes: Sequence[int], biases: bool = True) -> int:
    """Parameters of a dense net with these layer sizes: sum of fan_in*fan_out
    (+ fan_out biases)."""
    return sum(a * b + (b if biases else 0) for a, b in zip(sizes[:-1], sizes[1:]))


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """Layer sizes must be at least [inputs, outputs], every one a positive int."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise RuleError("sizes", f"needs at least an input and an output size; got {sizes}")
    return [check(f"sizes[{i}]", s, UNITS) for i, s in enumerate(sizes)]


class Network(ABC):
    """Weights and the engine-independent parts of an MLP.

    Each engine is a subclass that defines ``loss_and_grads(X, y, loss)``.
    """

    engine = "base"

    def __init__(self, sizes: Sequence[int], activation: str = "tanh",
                 output: str = "sigmoid", init: str = "xavier", seed: int | None = 0,
                 features: Sequence[str] | None = None):
        self.sizes = check_sizes(sizes)
        # None: X is the input matrix itself; else raw points expanded to these columns
        self.features = None if features is None else check_features(features)
        if self.features is not None and len(self.features) != self.sizes[0]:
            raise ValueError(f"{len(self.features)} features ({', '.join(self.features)}) "
                             f"need {len(self.features)} inputs, not sizes[0] = {self.sizes[0]}")
        self.activation = F.get_activation(activation).name
        self.output = F.get_activation(output, output=True).name
        if self.output == "softmax" and self.sizes[-1] < 2:
            raise ValueError("output 'softmax' needs at least 2 output units (one per class)")
        self.init = init
        self.seed = seed
        self.weights = init_weights(self.sizes, init, seed)

    # ------------------------------------------------------------------ weights
    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of [(W, b), ...], W: (fan_in, fan_out), b: (fan_out,)."""
        return [(to_numpy(W).copy(), to_numpy(b).copy()) for W, b in self.weights]

    def set_weights(self, weights) -> None:
        """Replace the weights, checking every shape against the architecture."""
        weights = list(weights)
        if len(weights) != len(self.sizes) - 1:
            raise ValueError(f"expected {len(self.sizes) - 1} (W, b) pairs for sizes "
                             f"{self.sizes}, got {len(weights)}")
        new = []
        for i, ((W, b), fan_in, fan_out) in enumerate(zip(weights, self.sizes[:-1],
                                                           self.sizes[1:])):
            W = np.array(to_numpy(W), dtype=np.float64)
            b = np.array(to_numpy(b), dtype=np.float64).reshape(-1)
            if W.shape != (fan_in, fan_out) or b.shape != (fan_out,):
                raise ValueError(f"layer {i}: expected W {(fan_in, fan_out)} and b "
                                 f"{(fan_out,)}, got W {W.shape} and b {b.shape}")
            new.append((W, b))
        self.weights = new

    def parameters(self) -> list:
        """The live weight arrays, flat: [W1, b1, W2, b2, ...] (optimizers update these)."""
        return [p for pair in self.weights for p in pair]

    def near_zero_weights(self, tol: float = 1e-3) -> int:
        """How many weights (not biases) have |w| < tol: the count L1 drives up."""
        return sum(int((np.abs(to_numpy(W)) < tol).sum()) for W, _ in self.weights)

    @property
    def n_classes(self) -> int:
        """2 for a single sigmoid/linear output, k for a k-way softmax."""
        return self.sizes[-1] if self.output == "softmax" else 2

    # ------------------------------------------------------------------ forward
    def forward_layers(self, X, dtype=None) -> list:
        """Every layer's output for points X: [a_0, a_1, ..., a_L], where
        a_0 = input_matrix(X) is the input matrix (n, sizes[0]) -- the features,
        for a network built on features -- and a_l = f(a_{l-1} @ W_l + b_l).

        A plain NumPy (or torch) forward pass, shared by every engine for
        prediction and for pictures of the input and hidden units. ``dtype``:
        compute in NumPy with this float type instead (``np.float32`` for a
        picture: twice as fast, and far finer than a colour).
        """
        acts, weights = [self.input_matrix(X)], self.weights
        if dtype is not None:                  # the inputs stay as they are; the layers in dtype
            weights = [(np.asarray(to_numpy(W), dtype), np.asarray(to_numpy(b), dtype))
                       for W, b in weights]
        last = len(weights) - 1
        for i, (W, b) in enumerate(weights):
            f = F.get_activation(self.output, output=True) if i == last \
                else F.get_activation(self.activation)
            if dtype is None:
                z = acts[-1] @ W + b                                       # (n, units)
            else:
                # the same z = a W + b, as (W^T a^T + b)^T: a layer's units stored
                # one after the other, so b is added along rows of n values (on a
                # picture's 6,400 points 4x faster than along rows of 8 units)
                a = np.asarray(to_numpy(acts[-1]), dtype) if i == 0 else acts[-1]
                z = (W.T @ a.T + b[:, None]).T                             # (n, units) view
            acts.append(f.forward(z))
        return acts

    def predict(self, X):
        """Outputs for X (n, d): shape (n,) for one output unit, (n, k) for k."""
        out = self.forward_layers(X)[-1]
        return out[:, 0] if self.sizes[-1] == 1 else out

    def predict_labels(self, X) -> np.ndarray:
        """Class labels: output >= 0.5 for one unit, the arg-max for several."""
        return labels_from(self.forward_layers(X)[-1])

    @property
    def n_inputs(self) -> int:
        """Columns of the X this network takes: 2 (x1, x2) when built on features."""
        return 2 if self.features is not None else self.sizes[0]

    def input_matrix(self, X):
        """The input matrix (n, sizes[0]) for X (n, n_inputs): X itself, or its
        features for a network built on features."""
        if not hasattr(X, "shape"):
            X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (n, {self.n_inputs}), got {tuple(X.shape)}")
        return X if self.features is None else expand_features(X, self.features)

    def check_X(self, X):
        """Old name of ``input_matrix`` (the engines' modules still call it)."""
        return self.input_matrix(X)

    def input_labels(self) -> list[str]:
        """A label per input unit: the features' labels (x1², ...), or x1, x2, ..."""
        if self.features is not None:
            return [FEATURES[name].label for name in self.features]
        return [f"x{i + 1}" for i in range(self.sizes[0])]

    def targets(self, y, n: int):
        """Labels y (n,) -> a target matrix Y (n, k) matching the output layer.

        Checks what costs nothing to check on every batch: one label per row
        of X, and numbers (not text). Label values are checked once per run
        (``train.check_data``)."""
        if not hasattr(y, "shape"):
            y = np.asarray(y)
        if len(y) != n:
            raise ValueError(f"y has {len(y)} labels but X has {n} rows: one label per row")
        if isinstance(y, np.ndarray) and y.dtype.kind not in "biuf":
            raise ValueError(f"y must hold numbers (class labels or targets), got {y.dtype}")
        if self.output == "softmax":
            return F.one_hot(y, self.sizes[-1])
        y = y.reshape(n, -1)
        if y.shape[1] != self.sizes[-1]:
            raise ValueError(f"y must have {self.sizes[-1]} value(s) per sample, "
                             f"got shape {tuple(y.shape)}")
        if isinstance(y, np.ndarray):
            return y.astype(np.float64)
        return y.to(dtype=array_module(y).float64)  # a torch tensor: float64, same device

    @abstractmethod
    def loss_and_grads(self, X, y, loss: str = "mse"):
        """(loss, [(dW, db), ...]) for the mean loss over the batch."""

    def evaluate(self, X, y, loss: str = "mse") -> tuple[float, float]:
        """(loss, accuracy) from one forward pass, no gradients. Accuracy is
        nan when y is not one integer class label per sample (float y: regression
        targets)."""
        F.check_loss(loss, self.output)
        acts = self.forward_layers(X)
        W, b = self.weights[-1]
        z = acts[-2] @ W + b                      # the output layer's logits again
        value = float(F.LOSSES[loss].value(z, acts[-1], self.targets(y, z.shape[0])))
        if getattr(y, "ndim", 1) != 1 or is_float(y):
            return value, float("nan")
        hits = labels_from(acts[-1]) == y
        return value, float(hits.mean() if isinstance(hits, np.ndarray) else hits.double().mean())

    def loss(self, X, y, loss: str = "mse") -> float:
        """The loss alone, from a forward pass (no gradients)."""
        return self.evaluate(X, y, loss)[0]

    def describe(self) -> str:
        arch = "-".join(str(s) for s in self.sizes)
        hidden = f"{self.activation} hidden" if len(self.sizes) > 2 else "no hidden layer"
        text = f"{arch} MLP, {hidden}, {self.output} output ({self.engine} engine)"
        if self.features not in (None, RAW_FEATURES):
            text += f", inputs {', '.join(self.input_labels())}"
        return text

    def __repr__(self) -> str:
        features = "" if self.features is None else f", features={self.features!r}"
        return (f"{type(self).__name__}(sizes={self.sizes}, activation={self.activation!r}, "
                f"output={self.output!r}{features})")


def labels_from(out):
    """Class labels from output-layer activations (n, k), NumPy or torch:
    column 0 >= 0.5 for one unit, the arg-max of each row for several."""
    if out.shape[1] == 1:
        return (out[:, 0] >= 0.5) * 1
    return out.argmax(axis=1) if isinstance(out, np.ndarray) else out.argmax(dim=1)
