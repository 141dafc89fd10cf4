"""Small 2-D datasets to watch networks learn on.

``load(name, ...)`` returns a ``Dataset`` with a stratified train/test split.
Everything is deterministic for a given seed.

| name           | what                                                     | classes |
|----------------|----------------------------------------------------------|---------|
| moons          | two interleaving half circles (scikit-learn)             | 2 |
| circles        | a ring around a disc (scikit-learn)                      | 2 |
| classification | two informative Gaussian clusters (scikit-learn)         | 2 |
| xor, and, or   | noisy points around the corners (+-1, +-1), labelled by  | 2 |
|                | the logic gate of (x > 0, y > 0)                          |   |
| spiral         | ``classes`` interleaved spiral arms                      | 2+ |
| gaussians      | ``classes`` Gaussian blobs                               | 2+ |

A CSV of your own: ``load_csv(path_or_text)`` -- two feature columns and a
label column, an optional header row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Dataset", "load", "load_csv", "from_arrays", "DATASETS"]

DATASETS = ("moons", "circles", "classification", "xor", "and", "or", "spiral", "gaussians")
MAX_SAMPLES = 100_000


@dataclass
class Dataset:
    """Features X (n, 2) float64 and integer labels y (n,), split into train and test."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str

    @property
    def n_classes(self) -> int:
        """k for integer labels 0..k-1; 0 for a regression target (float y)."""
        if _is_float(self.y_train):
            return 0
        largest = [int(y.max()) for y in (self.y_train, self.y_test) if len(y)]
        return max(largest, default=0) + 1

    @property
    def X(self) -> np.ndarray:
        return np.vstack([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_test])

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, train={len(self.y_train)}, test={len(self.y_test)}, "
                f"classes={self.n_classes})")


def _is_float(y) -> bool:
    """True for float targets, NumPy or torch (a regression problem)."""
    dtype = y.dtype
    if hasattr(dtype, "is_floating_point"):        # a torch dtype
        return dtype.is_floating_point
    return np.issubdtype(dtype, np.floating)


def _gate(name: str, n: int, noise: float, rng: np.random.Generator):
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    pick = rng.integers(0, 4, size=n)
    X = corners[pick] + rng.normal(0.0, noise, size=(n, 2))
    a, b = corners[pick, 0] > 0, corners[pick, 1] > 0
    y = {"xor": a ^ b, "and": a & b, "or": a | b}[name]
    return X, y.astype(int)


def _spiral(n: int, noise: float, classes: int, rng: np.random.Generator):
    # arm k: radius r in [0, 1], angle = 4 r + 2 pi k / classes, plus noise
    y = np.arange(n) % classes
    r = rng.uniform(0.05, 1.0, size=n)
    angle = 4.0 * r + 2 * np.pi * y / classes + rng.normal(0.0, noise, size=n)
    return np.c_[r * np.sin(angle), r * np.cos(angle)], y


def _gaussians(n: int, noise: float, classes: int, rng: np.random.Generator):
    # blob centres evenly spaced on a circle of radius 1.5
    y = np.arange(n) % classes
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = 1.5 * np.c_[np.cos(angles), np.sin(angles)]
    return centres[y] + rng.normal(0.0, max(noise, 1e-3) * 2.0, size=(n, 2)), y


def _generate(name: str, n: int, noise: float, seed: int, classes: int):
    from sklearn import datasets as skd
    rng = np.random.default_rng(seed)
    if name == "moons":
        return skd.make_moons(n_samples=n, noise=noise, random_state=seed)
    if name == "circles":
        return skd.make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
    if name == "classification":
        return skd.make_classification(n_samples=n, n_features=2, n_informative=2,
                                       n_redundant=0, n_clusters_per_class=1,
                                       class_sep=1.0 + (1.0 - min(noise, 1.0)),
                                       random_state=seed)
    if name in ("xor", "and", "or"):
        return _gate(name, n, noise, rng)
    if name == "spiral":
        return _spiral(n, noise, classes, rng)
    return _gaussians(n, noise, classes, rng)


def _check(name, value, low, high, kind=float):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not (low <= value <= high):
        raise ValueError(f"{name} must be a {'whole number' if kind is int else 'number'} "
                         f"in [{low}, {high}], got {value!r}")
    return kind(value)


def split(X, y, test_size: float, seed: int, name: str) -> Dataset:
    """A stratified train/test split (each class keeps its share in both parts)."""
    from sklearn.model_selection import train_test_split
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(int)
    if test_size == 0:
        return Dataset(X, y, X[:0], y[:0], name)
    counts = np.bincount(y)
    stratify = y if counts[counts > 0].min() >= 2 else None
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=seed,
                                              stratify=stratify)
    return Dataset(X_tr, y_tr, X_te, y_te, name)


def load(name: str, n_samples: int = 200, noise: float = 0.2, seed: int = 42,
         test_size: float = 0.2, classes: int = 2) -> Dataset:
    """Generate a named dataset and split it; see the module docstring."""
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}; got {name!r}")
    n = _check("n_samples", n_samples, 4, MAX_SAMPLES, int)
    noise = _check("noise", noise, 0.0, 5.0)
    test_size = _check("test_size", test_size, 0.0, 0.9)
    seed = _check("seed", seed, 0, 2**32 - 1, int)
    classes = _check("classes", classes, 2, 10, int)
    if classes != 2 and name not in ("spiral", "gaussians"):
        raise ValueError(f"classes: only spiral and gaussians have more than 2 classes, "
                         f"not {name!r}")
    X, y = _generate(name, n, noise, seed, classes)
    return split(X, y, test_size, seed, name)


def from_arrays(X, y, test_size: float = 0.2, seed: int = 42, name: str = "custom") -> Dataset:
    """Split arrays of your own: X (n, 2) numbers, y (n,) labels 0..k-1."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    return split(X, _labels_to_ints(y), _check("test_size", test_size, 0.0, 0.9), seed, name)


def _labels_to_ints(y: np.ndarray) -> np.ndarray:
    """Map labels to 0..k-1: numbers keep their order, -1/1 becomes 0/1."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"labels: need at least 2 different labels, got {classes.tolist()}")
    if len(classes) > 10:
        raise ValueError(f"labels: at most 10 classes, got {len(classes)}")
    return np.searchsorted(classes, y)


def load_csv(source, test_size: float = 0.2, seed: int = 42, name: str | None = None,
             max_rows: int = MAX_SAMPLES) -> Dataset:
    """Read rows ``x1, x2, label`` from a path, an open file, bytes or text.

    A first row that is not numeric is taken as a header. Any other problem
    raises ValueError naming the row (1-based, as a spreadsheet shows it) and
    the column.
    """
    if isinstance(source, (str, Path)) and "\n" not in str(source) and Path(source).exists():
        name = name or Path(source).stem
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    elif isinstance(source, bytes):
        text = source.decode("utf-8", errors="replace")
    elif hasattr(source, "read"):
        raw = source.read()
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    else:
        text = str(source)
    rows = list(csv.reader(io.StringIO(text.replace("\x00", ""))))
    X, y = [], []
    columns = ("x1", "x2", "label")
    for number, row in enumerate(rows, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise ValueError(f"row {number}: expected 3 columns (x1, x2, label), "
                             f"got {len(row)}")
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            if number == 1 and not X:
                continue  # a header row
            bad = next(i for i, cell in enumerate(row) if not _is_number(cell))
            raise ValueError(f"row {number}, column {bad + 1} ({columns[bad]}): "
                             f"{row[bad].strip()[:40]!r} is not a number") from None
        for i, v in enumerate(values):
            if not np.isfinite(v):
                raise ValueError(f"row {number}, column {i + 1} ({columns[i]}): "
                                 f"{row[i].strip()!r} is not a finite number")
        if not values[2].is_integer():
            raise ValueError(f"row {number}, column 3 (label): {row[2].strip()!r} "
                             "is not a whole number")
        X.append(values[:2])
        y.append(int(values[2]))
        if len(X) > max_rows:
            raise ValueError(f"the file has more than {max_rows} rows")
    if len(X) < 4:
        raise ValueError(f"the file needs at least 4 data rows, found {len(X)}")
    return from_arrays(np.array(X), np.array(y), test_size=test_size, seed=seed,
                       name=name or "csv")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False
