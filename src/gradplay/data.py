"""Small 2-D datasets to watch networks learn on.

``load(name, ...)`` returns a ``Dataset`` with a train/test split
(stratified for classes). Everything is deterministic for a given seed.

| name           | what                                                     | classes |
|----------------|----------------------------------------------------------|---------|
| moons          | two interleaving half circles (scikit-learn)             | 2 |
| circles        | a ring around a disc (scikit-learn)                      | 2 |
| classification | two informative Gaussian clusters (scikit-learn)         | 2 |
| xor            | points filling the square [-1, 1]^2, labelled 1 where    | 2 |
|                | x1 * x2 < 0 (as TensorFlow Playground's XOR)             |   |
| and, or        | noisy points around the corners (+-1, +-1), labelled by  | 2 |
|                | the logic gate of (x > 0, y > 0)                          |   |
| spiral         | ``classes`` interleaved arms of 1.75 turns each          | 2+ |
| gaussians      | ``classes`` Gaussian blobs                               | 2+ |
| plane          | regression: y = (x1 + x2) / 2 on the square              | 0 |
| multigauss     | regression: six bumps of height +-1 on the square        | 0 |

Classes are integer labels 0..k-1; a regression data set has float targets
in [-1, 1] (``n_classes`` 0). In xor, plane and multigauss the noise moves
the point that is *labelled*, not the point shown, as in TensorFlow
Playground: labels near a boundary flip, the points still fill the square.

Input features (x1^2, sin x1, ...) are computed by the network itself, from
the points: ``FEATURES`` and ``expand_features`` (from ``gradplay.features``).

What each argument of ``load`` may hold is a rule of ``gradplay.rules``
(``SAMPLES``, ``NOISE``, ``CLASSES``, ``TEST_SIZE``, ``rules.SEED``);
``config.FIELDS`` uses the same rule objects, so a bad value gets the same
message here as in a URL or on the command line.

A CSV of your own: ``load_csv(path_or_text)`` -- two feature columns and a
label column, an optional header row. Files over MAX_CSV_BYTES (10 MB) or
MAX_SAMPLES rows are refused, never truncated; features and labels must be
finite and within +-MAX_ABS_VALUE (1e6), so that training arithmetic cannot
overflow (squares of 1e6 are 1e12, far from float64's 1.8e308).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .backend import is_float
# FEATURES and expand_features live in gradplay.features; they stay importable from
# here because the public API names them so (DESIGN.md: from gradplay.data import ...)
from .features import FEATURES, expand_features
from .files import read_regular, shorten
from .rules import SEED, Interval, OneOf, RuleError, check

__all__ = ["Dataset", "DataError", "load", "load_csv", "check_csv_size", "from_arrays",
           "check_classes", "DATASETS", "REGRESSION_DATASETS", "MULTICLASS_DATASETS",
           "MAX_SAMPLES", "MAX_CSV_BYTES", "MAX_ABS_VALUE", "DATASET", "SAMPLES", "NOISE",
           "CLASSES", "TEST_SIZE", "FEATURES", "expand_features", "gate_blobs", "xor_square",
           "spiral", "plane", "multigauss"]

REGRESSION_DATASETS = ("plane", "multigauss")
MULTICLASS_DATASETS = ("spiral", "gaussians")   # the generators that take ``classes``
DATASETS = ("moons", "circles", "classification", "xor", "and", "or", "spiral", "gaussians",
            *REGRESSION_DATASETS)
MAX_SAMPLES = 100_000        # rows, generated or read from a file
MAX_CSV_BYTES = 10_000_000   # 100,000 rows of "-0.1234567890123456,0.1234567890123456,1" fit
MAX_ABS_VALUE = 1e6          # largest |feature| or |label| accepted from user data
SPIRAL_TURNS = 1.75          # turns of each spiral arm, as in TensorFlow Playground

# The rules of load()'s arguments, shared with config.FIELDS; ui: what the page offers
DATASET = OneOf(*DATASETS, "csv")                        # csv: a file of your own (load_csv)
SAMPLES = Interval(int, 10, MAX_SAMPLES, ui=(20, 2000, 10))
NOISE = Interval(float, 0.0, 5.0, ui=(0.0, 1.0, 0.05))
CLASSES = Interval(int, 2, 10, ui=(2, 5, 1))
TEST_SIZE = Interval(float, 0.0, 0.9, ui=(0.0, 0.5, 0.05))


class DataError(ValueError):
    """Data gradplay cannot use; the message names the row, column or file and what is allowed."""


@dataclass
class Dataset:
    """Points X (n, 2) float64 and targets y (n,), split into train and test.

    y holds integer class labels 0..k-1, or float targets for a regression
    problem (``n_classes`` is then 0).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str

    @property
    def is_regression(self) -> bool:
        """Float targets: a regression problem."""
        return is_float(self.y_train)

    @property
    def n_classes(self) -> int:
        """k for integer labels 0..k-1; 0 for a regression problem (float y)."""
        if self.is_regression:
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
        kind = "regression" if self.is_regression else f"classes={self.n_classes}"
        return (f"Dataset({self.name!r}, train={len(self.y_train)}, test={len(self.y_test)}, "
                f"{kind})")


def gate_blobs(name: str, n: int, noise: float, rng: np.random.Generator):
    """Noisy blobs around the corners (+-1, +-1), labelled by the logic gate
    ``name`` ("and" or "or") of (x1 > 0, x2 > 0). (XOR fills the square
    instead: ``xor_square``.)"""
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    pick = rng.integers(0, 4, size=n)
    X = corners[pick] + rng.normal(0.0, noise, size=(n, 2))
    a, b = corners[pick, 0] > 0, corners[pick, 1] > 0
    y = {"and": a & b, "or": a | b}[name]
    return X, y.astype(int)


def _labelled_nearby(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Where each point's label is read: X moved by Gaussian noise of std ``noise``."""
    return X + rng.normal(0.0, noise, size=X.shape) if noise else X


def _square(n: int, rng: np.random.Generator, margin: float = 0.0) -> np.ndarray:
    """n points uniform in [-1, 1]^2; with a margin, uniform in each quadrant
    of the square minus a cross of half-width ``margin`` around the axes."""
    u = rng.uniform(-1.0, 1.0, size=(n, 2))
    return np.sign(u) * (margin + (1.0 - margin) * np.abs(u))


def xor_square(n: int, noise: float, rng: np.random.Generator, margin: float = 0.05):
    """TensorFlow Playground's XOR: points fill the square, labelled 1 where x1 and
    x2 have opposite signs (x1 * x2 < 0). Harder than blobs: the boundary is the
    axes themselves, and a network must bend sharply at the origin."""
    X = _square(n, rng, margin)
    seen = _labelled_nearby(X, noise, rng)
    return X, (seen[:, 0] * seen[:, 1] < 0).astype(int)


def spiral(n: int, noise: float, classes: int, rng: np.random.Generator,
           turns: float = SPIRAL_TURNS):
    """``classes`` spiral arms, each turning ``turns`` times from the centre out.

    arm k, radius r in [0, 1]: angle = 2 pi (turns * r + k / classes), the point
    r (sin angle, cos angle) plus Gaussian noise of std noise / 10 (neighbouring
    arms lie 1 / (turns * classes) apart: 0.29 for two arms of 1.75 turns).
    """
    y = np.arange(n) % classes
    r = rng.uniform(0.0, 1.0, size=n)
    angle = 2 * np.pi * (turns * r + y / classes)
    X = np.c_[r * np.sin(angle), r * np.cos(angle)]
    return X + rng.normal(0.0, noise / 10, size=(n, 2)), y


def plane(n: int, noise: float, rng: np.random.Generator):
    """Regression on a tilted plane: y = (x1 + x2) / 2 in [-1, 1], over the square."""
    X = _square(n, rng)
    seen = _labelled_nearby(X, noise, rng)
    return X, np.clip(seen.sum(axis=1) / 2, -1.0, 1.0)


# six bumps in two rows of three, alternating +1 and -1 like a chequerboard
_BUMPS = np.array([[-2 / 3, 0.45], [0.0, 0.45], [2 / 3, 0.45],
                   [-2 / 3, -0.45], [0.0, -0.45], [2 / 3, -0.45]])
_BUMP_SIGNS = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
_BUMP_WIDTH = 0.2


def multigauss(n: int, noise: float, rng: np.random.Generator):
    """Regression on six Gaussian bumps: at each point the bump of largest height,
    sign_k exp(-|x - c_k|^2 / (2 w^2)), gives y in [-1, 1]."""
    X = _square(n, rng)
    seen = _labelled_nearby(X, noise, rng)
    d2 = ((seen[:, None, :] - _BUMPS[None, :, :]) ** 2).sum(axis=2)      # (n, 6)
    heights = _BUMP_SIGNS * np.exp(-d2 / (2 * _BUMP_WIDTH ** 2))         # (n, 6)
    tallest = np.abs(heights).argmax(axis=1)                             # (n,)
    return X, heights[np.arange(n), tallest]


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
    if name == "xor":
        return xor_square(n, noise, rng)
    if name in ("and", "or"):
        return gate_blobs(name, n, noise, rng)
    if name == "spiral":
        return spiral(n, noise, classes, rng)
    if name == "plane":
        return plane(n, noise, rng)
    if name == "multigauss":
        return multigauss(n, noise, rng)
    return _gaussians(n, noise, classes, rng)


def split(X, y, test_size: float, seed: int, name: str, regression: bool = False) -> Dataset:
    """A train/test split: stratified for class labels (each class keeps its
    share in both parts), plain for regression targets (kept as floats)."""
    from sklearn.model_selection import train_test_split
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64) if regression else np.asarray(y).astype(int)
    if test_size == 0:
        return Dataset(X, y, X[:0], y[:0], name)
    if not regression:
        _check_rows_per_class(y, test_size)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=seed,
                                              stratify=None if regression else y)
    return Dataset(X_tr, y_tr, X_te, y_te, name)


def _check_rows_per_class(y: np.ndarray, test_size: float) -> None:
    """A stratified split needs every class in both parts: at least 2 rows per
    class, and as many test rows (and training rows) as there are classes.
    scikit-learn takes ceil(test_size * n) rows for the test part."""
    counts = np.bincount(y)
    present = np.flatnonzero(counts)
    k, n = len(present), len(y)
    rarest = present[np.argmin(counts[present])]
    if counts[rarest] < 2:
        raise DataError(f"class {rarest} has only {counts[rarest]} row: with a test split "
                        "every class needs at least 2 rows (one to train on, one to test on)")
    n_test = math.ceil(test_size * n)
    for part, rows in (("test", n_test), ("training", n - n_test)):
        if rows < k:
            raise DataError(f"{n} rows with test_size {test_size:g} leave {rows} {part} "
                            f"row(s) for {k} classes: every class needs a row in each part. "
                            "Use more rows or change test_size")


def check_classes(dataset: str, classes: int) -> None:
    """More than 2 classes only from the generators that take ``classes``."""
    if classes != 2 and dataset not in MULTICLASS_DATASETS:
        raise RuleError("classes", f"must be 2 for {dataset!r}: only "
                        f"{' and '.join(MULTICLASS_DATASETS)} have more than 2 classes; "
                        f"got {classes}")


def load(name: str, n_samples: int = 200, noise: float = 0.2, seed: int = 42,
         test_size: float = 0.2, classes: int = 2) -> Dataset:
    """Generate a named dataset and split it; see the module docstring.

    A bad argument raises ``rules.RuleError`` (a ValueError) naming it."""
    if check("dataset", name, DATASET) == "csv":
        raise RuleError("dataset", "'csv' is a file of your own: read it with load_csv")
    n = check("n_samples", n_samples, SAMPLES)
    noise = check("noise", noise, NOISE)
    test_size = check("test_size", test_size, TEST_SIZE)
    seed = check("seed", seed, SEED)
    classes = check("classes", classes, CLASSES)
    check_classes(name, classes)
    X, y = _generate(name, n, noise, seed, classes)
    return split(X, y, test_size, seed, name, regression=name in REGRESSION_DATASETS)


def from_arrays(X, y, test_size: float = 0.2, seed: int = 42, name: str = "custom") -> Dataset:
    """Split arrays of your own: X (n, 2) real numbers, y (n,) labels 0..k-1.

    Features must be finite and within +-MAX_ABS_VALUE; labels must be finite
    whole numbers (NaN is not a class). Anything else -- complex numbers,
    dates, text -- raises ``DataError`` naming the entry: nothing is cast
    into something else without a word. A bad ``test_size`` or ``seed``
    raises ``rules.RuleError`` naming it.
    """
    test_size, seed = check("test_size", test_size, TEST_SIZE), check("seed", seed, SEED)
    X = _features(X)
    y = _labels(y, X.shape[0])
    return split(X, _labels_to_ints(y), test_size, seed, name)


# dtype kinds NumPy would cast to float64 while changing the values
_NOT_REAL = {"c": "complex numbers (the imaginary part would be lost)",
             "M": "dates (datetime64; they would become day counts)",
             "m": "time spans (timedelta64)", "U": "text", "S": "bytes", "V": "raw records"}


def _array_of_numbers(values, name: str) -> np.ndarray:
    """``values`` as an array of bools, integers or floats, as given (no cast
    that would change a value); a list of Python numbers becomes one."""
    try:
        a = np.asarray(values)
        if a.dtype.kind == "O":                 # mixed Python objects: numbers only
            a = a.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise DataError(f"{name} must be a table of real numbers") from None
    if a.dtype.kind not in "biuf":
        example = shorten(repr(a.flat[0].item()), 40) if a.size else "none"
        raise DataError(f"{name} must hold real numbers, got "
                        f"{_NOT_REAL.get(a.dtype.kind, a.dtype)} such as {example}")
    return a


def _features(X) -> np.ndarray:
    X = _array_of_numbers(X, "X")
    if X.ndim != 2 or X.shape[1] != 2:
        raise DataError(f"X must have shape (n, 2), got {X.shape}")
    X = X.astype(np.float64)
    bad = ~np.isfinite(X) | (np.abs(X) > MAX_ABS_VALUE)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        value = float(X[row, col])
        raise DataError(f"X[{row}, {col}] = {value!r} " + (
            _too_large() if math.isfinite(value) else "is not a finite number"))
    return X


def _labels(y, n: int) -> np.ndarray:
    try:
        y = _array_of_numbers(y, "y")
    except DataError as e:
        raise DataError(f"y: labels must be whole numbers (0..k-1); {e}") from None
    if y.shape != (n,):
        raise DataError(f"y must have shape ({n},), one label per row of X, got {y.shape}")
    # compared as float64, which holds the size of any label (a uint64 of 2**63 would
    # wrap to -2**63 in int64); NaN fails the first test too
    size = np.abs(y.astype(np.float64))
    bad = ~(size <= MAX_ABS_VALUE) | (y != np.round(y))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"y[{i}] = {y[i].item()!r}: labels must be whole numbers within "
                        f"+-{MAX_ABS_VALUE:,.0f} (NaN is not a class)")
    return y.astype(np.int64)


def _labels_to_ints(y: np.ndarray) -> np.ndarray:
    """Map labels to 0..k-1: numbers keep their order, -1/1 becomes 0/1."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise DataError(f"labels: need at least 2 different labels, got {classes.tolist()}")
    if len(classes) > 10:
        raise DataError(f"labels: at most 10 classes, got {len(classes)}")
    return np.searchsorted(classes, y)


def _too_large() -> str:
    return (f"is outside +-{MAX_ABS_VALUE:,.0f}, the range gradplay accepts: larger values "
            "overflow the training arithmetic; rescale them first")


# ---------------------------------------------------------------------- CSV files
COLUMNS = ("x1", "x2", "label")


def check_csv_size(n_bytes: int, what: str = "the file") -> None:
    """Refuse a CSV over MAX_CSV_BYTES before reading it (never truncate it)."""
    if n_bytes > MAX_CSV_BYTES:
        raise DataError(f"{what} is {n_bytes:,} bytes; the limit for a CSV is "
                        f"{MAX_CSV_BYTES:,} bytes ({MAX_CSV_BYTES / 1e6:g} MB, and at most "
                        f"{MAX_SAMPLES:,} rows)")


def load_csv(source, test_size: float = 0.2, seed: int = 42, name: str | None = None,
             max_rows: int = MAX_SAMPLES) -> Dataset:
    """Read rows ``x1, x2, label`` and split them into a Dataset.

    ``source`` is one of:

    - a ``Path``, or a ``str`` without a line break: the path of a regular file
      (a missing file says "file not found");
    - ``bytes`` (an upload) or an open file: the file's contents;
    - a ``str`` with a line break: the CSV text itself (valid data has at least
      4 rows, so it always has line breaks).

    Contents over MAX_CSV_BYTES (counted in UTF-8 bytes, text too) are refused
    whole. A UTF-8 byte-order mark is dropped; line ends may be LF, CRLF or CR.
    The first row is a header when every one of its cells is not a number.
    Reading stops as soon as the rows pass ``max_rows``. Any problem raises
    ``DataError`` naming the row (1-based, as a spreadsheet shows it) and the
    column; a bad ``test_size`` or ``seed`` raises ``rules.RuleError``, before
    anything is read.
    """
    test_size, seed = check("test_size", test_size, TEST_SIZE), check("seed", seed, SEED)
    lines, name = _csv_lines(source, name)
    X, y = _read_rows((line.replace("\x00", "") for line in lines), max_rows)
    if len(X) < 4:
        raise DataError(f"the file needs at least 4 data rows, found {len(X)}")
    return from_arrays(np.array(X), np.array(y), test_size=test_size, seed=seed,
                       name=name or "csv")


def _csv_lines(source, name: str | None):
    """The lines of a CSV ``source`` (see load_csv) and the data set's name."""
    if isinstance(source, (str, bytes, bytearray)) and not source.strip():
        raise DataError("load_csv: empty input (give a file's path, its bytes, or CSV text)")
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        # the limit is in bytes: a character may take up to 4 of them in UTF-8
        size = len(source) if len(source) > MAX_CSV_BYTES else \
            len(source.encode("utf-8", errors="surrogatepass"))
        check_csv_size(size, "the text")
        return io.StringIO(source.removeprefix("\ufeff"), newline=""), name
    if isinstance(source, (str, Path)):
        name = name or Path(source).stem
        raw = _read_path(source)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
    elif hasattr(source, "read"):
        raw = source.read(MAX_CSV_BYTES + 1)
    else:
        raise DataError(f"load_csv: expected a path, bytes, text or an open file, "
                        f"got {type(source).__name__}")
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="replace")
    check_csv_size(len(raw))
    return _decoded_lines(raw), name


def _read_path(path) -> bytes:
    try:
        return read_regular(path, MAX_CSV_BYTES, DataError, "CSV file")
    except DataError as e:
        if isinstance(path, str) and "," in path:
            raise DataError(f"{e}. (Text without a line break is taken as a file path; "
                            "CSV text needs one row per line.)") from None
        raise


def _decoded_lines(raw: bytes):
    """The text of ``raw`` line by line: UTF-16 when it starts with that BOM,
    otherwise UTF-8 (BOM dropped); undecodable bytes become U+FFFD.
    newline="" keeps CR-only (classic Mac) line ends as line ends."""
    encoding = "utf-16" if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    return io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, errors="replace", newline="")


def _read_rows(lines, max_rows: int) -> tuple[list, list]:
    """Parse CSV lines into features and integer labels, checking every cell."""
    reader = csv.reader(lines)
    X, y = [], []
    header_allowed = True
    for number in itertools.count(1):
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise DataError(f"row {number}: {_csv_reason(e)}") from None
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise DataError(f"row {number}: expected 3 columns (x1, x2, label) separated by "
                            f"commas, got {len(row)}")
        cells = [cell.strip() for cell in row]
        values = [_number(cell) for cell in cells]
        if header_allowed and all(v is None for v in values):
            header_allowed = False
            continue  # a header row: every cell is a name, not a number
        header_allowed = False
        for i, (cell, v) in enumerate(zip(cells, values)):
            where = f"row {number}, column {i + 1} ({COLUMNS[i]}): {shorten(cell, 40)!r}"
            if v is None:
                raise DataError(f"{where} is not a number")
            if not math.isfinite(v):
                raise DataError(f"{where} is not a finite number")
            if abs(v) > MAX_ABS_VALUE:
                raise DataError(f"{where} {_too_large()}")
        if not values[2].is_integer():
            raise DataError(f"row {number}, column 3 (label): {shorten(cells[2], 40)!r} "
                            "is not a whole number")
        if len(y) == max_rows:
            raise DataError(f"row {number}: the file has more than {max_rows:,} data rows, "
                            "the limit")
        X.append(values[:2])
        y.append(int(values[2]))
    return X, y


def _csv_reason(e: csv.Error) -> str:
    if "field limit" in str(e):
        return (f"a cell is longer than {csv.field_size_limit():,} characters (is a quote "
                "left open?)")
    return f"not readable as CSV ({e})"


def _number(cell: str) -> float | None:
    """The cell as a float, or None when it is not a number."""
    try:
        return float(cell)
    except ValueError:
        return None
