"""Input features: what the network sees of a point (x1, x2).

TensorFlow Playground lets a learner feed a network more than the raw
coordinates. A network with no hidden layer draws a straight boundary in the
space of its inputs; give it x1^2 and x2^2 and that straight line becomes a
circle in the plane. The lesson: a good feature can replace depth.

| name  | feature   | label  |
|-------|-----------|--------|
| x1    | x1        | x1     |
| x2    | x2        | x2     |
| x1sq  | x1^2      | x1²    |
| x2sq  | x2^2      | x2²    |
| x1x2  | x1 * x2   | x1·x2  |
| sinx1 | sin(x1)   | sin x1 |
| sinx2 | sin(x2)   | sin x2 |

``expand_features(X, names)`` turns raw points X (n, 2) into the network's
input matrix (n, k), one column per name. It runs on NumPy arrays and on
torch tensors (the manual engine trains on a GPU through torch).
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import numpy as np

from .backend import array_module
from .rules import Names, check

__all__ = ["Feature", "FEATURES", "RAW_FEATURES", "FEATURE_COLUMNS", "expand_features",
           "check_features"]


class Feature(NamedTuple):
    """One input feature: f(x1, x2) on columns, and how a picture labels it."""

    f: Callable
    label: str


FEATURES: dict[str, Feature] = {
    "x1": Feature(lambda x1, x2: x1, "x1"),
    "x2": Feature(lambda x1, x2: x2, "x2"),
    "x1sq": Feature(lambda x1, x2: x1 * x1, "x1²"),
    "x2sq": Feature(lambda x1, x2: x2 * x2, "x2²"),
    "x1x2": Feature(lambda x1, x2: x1 * x2, "x1·x2"),
    "sinx1": Feature(lambda x1, x2: array_module(x1).sin(x1), "sin x1"),
    "sinx2": Feature(lambda x1, x2: array_module(x2).sin(x2), "sin x2"),
}

RAW_FEATURES = ("x1", "x2")   # the identity: the network sees the point itself
# a network's input columns: names of FEATURES, in the order given, each once
# (config.FIELDS["features"] reads the same names as a set of toggles)
FEATURE_COLUMNS = Names(FEATURES, ordered=True)


def check_features(names: Sequence[str]) -> tuple[str, ...]:
    """Feature names as a tuple: each a key of FEATURES, at least one, none twice."""
    return check("features", names, FEATURE_COLUMNS)


def expand_features(X, names: Sequence[str]):
    """Raw points X (n, 2) -> the feature matrix (n, k), column j = FEATURES[names[j]].

    Column order follows ``names`` as given. For the raw features (x1, x2)
    the input is returned as it is (no copy).
    """
    if not hasattr(X, "shape"):
        X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"features are computed from points (x1, x2): X must have shape "
                         f"(n, 2), got {tuple(X.shape)}")
    names = check_features(names)
    if names == RAW_FEATURES:
        return X
    x1, x2 = X[:, 0], X[:, 1]                                     # (n,) each
    return array_module(X).stack([FEATURES[n].f(x1, x2) for n in names], 1)   # (n, k)
