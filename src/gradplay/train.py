"""Training: epochs, mini-batches, history, a NaN guard and progress.

``fit(model, data, ...)`` trains in one call. ``Trainer`` holds the same
state between calls, so a user interface can train a few batches, draw, and
carry on (or pause) without losing the optimizer's momentum.

One epoch: shuffle (mini-batches only), then for each batch
``loss, grads = model.loss_and_grads(Xb, yb)`` and ``optimizer.step``. After
the epoch the train and test loss and accuracy are recorded -- for a
regression problem (float targets) R^2 instead of accuracy -- every
``record_every`` epochs, or never (an estimator has no use for them).
``Trainer.step_batch()`` trains one batch, so a caller with a time budget
(the live page) can stop in the middle of an epoch and resume there.

The NaN guard: before each step the weights whose batch loss was finite are
kept aside. If a loss or a gradient becomes NaN or infinite, or a weight
grows past MAX_WEIGHT (a run diverging with a loss that is still finite),
training stops and the model goes back to the last weights with a finite
loss. The weight bound is also what keeps the metrics of the model shown
finite on the whole set, not just on its last batch: with |x| <= 1e6 (the
data check) and |w| <= 1e12, 9 layers of 256 units give |z| < 1e137, and
even z**2 stays below float64's 1.8e308.

Before the first step the data is checked against the model and the loss
(``check_data``, ``check_labels``): rows of X and y, finite numbers within
+-MAX_ABS_VALUE, labels 0/1 for BCE and 0..k-1 for a k-way softmax, with
errors that name the entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from collections import deque

from . import functional as F
from .backend import array_module, to_numpy
from .data import MAX_ABS_VALUE, Dataset
from .nets import Network, scalar_graph_size
from .optim import Optimizer, Schedule, make_optimizer

__all__ = ["History", "Trainer", "fit", "r2_score", "MAX_EPOCHS", "MAX_WEIGHT",
           "SCALAR_EDGE_CAP", "check_scalar_size", "check_data", "check_labels"]

MAX_EPOCHS = 1_000_000
MAX_WEIGHT = 1e12  # |w| past this is divergence even while the loss is finite
SCALAR_EDGE_CAP = 400_000  # graph edges a scalar-engine step may build (see scalar_graph_size)


@dataclass
class History:
    """Per-epoch metrics. ``epochs[i]`` is the epoch that row i describes.

    Classification fills ``accuracy``/``test_accuracy`` (``r2`` rows are nan);
    regression fills ``r2``/``test_r2`` (``accuracy`` rows are nan).

    Long runs are thinned (every other row dropped when ``limit`` is passed),
    so memory stays bounded however many epochs run; the latest row is
    always kept.
    """

    loss: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    stopped: str | None = None  # why training stopped early, if it did
    limit: int = 5000
    r2: list = field(default_factory=list)
    test_r2: list = field(default_factory=list)

    ROWS = ("epochs", "loss", "test_loss", "accuracy", "test_accuracy", "r2", "test_r2")

    def append(self, epoch, loss, test_loss, acc, test_acc, r2=math.nan,
               test_r2=math.nan) -> None:
        for name, v in zip(self.ROWS, (epoch, loss, test_loss, acc, test_acc, r2, test_r2)):
            getattr(self, name).append(v)
        if len(self.epochs) > self.limit:
            self.thin()

    def thin(self) -> None:
        """Keep every other row, and the last."""
        for name in self.ROWS:
            rows = getattr(self, name)
            setattr(self, name, rows[:-1:2] + rows[-1:])

    def __len__(self) -> int:
        return len(self.epochs)

    def last(self) -> dict:
        """The latest row as a dict (empty before the first epoch)."""
        if not self.epochs:
            return {}
        return {"epoch": self.epochs[-1], "train_loss": self.loss[-1],
                "test_loss": self.test_loss[-1], "train_accuracy": self.accuracy[-1],
                "test_accuracy": self.test_accuracy[-1], "train_r2": self.r2[-1],
                "test_r2": self.test_r2[-1]}


def _largest(arrays) -> float:
    """max |entry| over arrays (NumPy or torch); NaN if any entry is NaN."""
    return max(float(abs(a).max()) for a in arrays)


def _rows(a, idx: np.ndarray):
    """a[idx] for a NumPy array or a torch tensor (on any device)."""
    if isinstance(a, np.ndarray):
        return a[idx]
    return a[array_module(a).as_tensor(idx, device=a.device)]


def _evaluate(model: Network, X, y, loss: str) -> tuple[float, float]:
    return model.evaluate(X, y, loss) if len(y) else (math.nan, math.nan)


def r2_score(y, y_pred) -> float:
    """The coefficient of determination R^2 = 1 - SS_res / SS_tot, with
    SS_res = sum (y - y_pred)^2 and SS_tot = sum (y - mean y)^2: 1 is a perfect
    fit, 0 is no better than predicting the mean. Several target columns (n, k):
    the mean of the columns' R^2 (scikit-learn's default). nan when there are
    no targets or one column's targets are all equal (SS_tot = 0).
    NumPy arrays or torch tensors."""
    n = len(y)
    if n == 0:
        return math.nan
    Y, P = y.reshape(n, -1), y_pred.reshape(n, -1)                  # (n, k) each
    ss_res = ((Y - P) ** 2).sum(0)                                  # (k,)
    ss_tot = ((Y - Y.mean(0)) ** 2).sum(0)                          # (k,)
    if bool((ss_tot == 0).any()):
        return math.nan
    return float((1 - ss_res / ss_tot).mean())


class Trainer:
    """Everything a training run carries from one batch to the next.

    ``optimizer``, ``schedule``, ``lr0`` and ``batch_size`` may be changed
    between steps (the live page does, when a learner moves a slider); a new
    batch size takes effect at the next epoch.
    """

    def __init__(self, model: Network, data: Dataset, loss: str = "mse",
                 optimizer: str | Optimizer = "sgd", lr: float = 0.5,
                 batch_size: int | None = None, momentum: float = 0.9,
                 weight_decay: float = 0.0, l1: float = 0.0, schedule: Schedule | None = None,
                 seed: int = 0, history_limit: int = 5000, record_every: int = 1):
        check_data(data)
        head = F.head_for(data.n_classes, model.output, loss)   # raises if they do not fit
        if model.output == "softmax" and model.sizes[-1] < head.units:
            raise ValueError(f"the dataset has {data.n_classes} classes but the output layer "
                             f"has {model.sizes[-1]} units")
        check_labels(data, model, loss)
        self.model, self.data, self.loss_name = model, data, loss
        self.optimizer = optimizer if isinstance(optimizer, Optimizer) else \
            make_optimizer(optimizer, lr, momentum=momentum, weight_decay=weight_decay, l1=l1)
        self.lr0 = self.optimizer.lr
        self.batch_size = check_batch_size(batch_size)
        self.schedule = schedule
        self.rng = np.random.default_rng(seed)
        self.epoch = 0
        self.history = History(limit=history_limit)
        # record() (a forward pass over the train and test sets) after every
        # ``record_every`` epochs; 0: never (``epoch_loss`` is still kept)
        self.record_every = check_record_every(record_every)
        self.epoch_loss = math.nan            # mean batch loss of the latest epoch
        self._epoch_losses: list = []         # (loss, batch size) of this epoch's batches
        self.last_grads: list | None = None   # [(dW, db), ...] of the latest step
        self._last_finite: list | None = None # weights whose batch loss was finite
        self._batches: deque = deque()        # index arrays left in this epoch
        check_scalar_size(model, self.batch_size or len(data.y_train))

    # ------------------------------------------------------------------ batches
    def _start_epoch(self) -> None:
        """Queue the batches of a new epoch and set its learning rate."""
        n = len(self.data.y_train)
        if self.schedule is not None:
            self.optimizer.lr = self.schedule(self.lr0, self.epoch)
        if self.batch_size is None or self.batch_size >= n:
            self._batches.append(None)           # None: the whole training set
            return
        order = self.rng.permutation(n)
        self._batches.extend(order[start:start + self.batch_size]
                             for start in range(0, n, self.batch_size))

    @property
    def mid_epoch(self) -> bool:
        """True between the first and the last batch of an epoch."""
        return bool(self._batches)

    def step_batch(self) -> bool:
        """Train one batch (recording the metrics when it ends an epoch).

        Returns False, with ``history.stopped`` set, if training diverged.
        """
        if self.history.stopped is not None:
            return False
        if not self._batches:
            self._start_epoch()
        idx = self._batches.popleft()
        X, y = self.data.X_train, self.data.y_train
        if idx is not None:
            X, y = _rows(X, idx), _rows(y, idx)
        # overflow is expected when training diverges; the guard below reports it
        with np.errstate(over="ignore", invalid="ignore"):
            finite = self._step_on(X, y)
        if not finite:
            self._batches.clear()
            self.record()                        # the restored, finite model's metrics
            return False
        if not self._batches:
            self.epoch += 1
            self.epoch_loss = sum(v * m for v, m in self._epoch_losses) / \
                sum(m for _, m in self._epoch_losses)
            self._epoch_losses.clear()
            if self.record_every and self.epoch % self.record_every == 0:
                self.record()
        return True

    def _step_on(self, X, y) -> bool:
        model = self.model
        # the weights before this step, copied on their own device (no trip to the CPU)
        before = [(W * 1, b * 1) for W, b in model.weights]
        value, grads = model.loss_and_grads(X, y, self.loss_name)
        if not math.isfinite(value):
            # ``before`` has this non-finite loss: go back to the last finite one
            what = "NaN" if math.isnan(value) else "infinite"
            return self._diverged(f"loss became {what}")
        self._last_finite = before
        self.last_grads = grads
        self._epoch_losses.append((value, len(y)))
        self.optimizer.step(model.parameters(), [g for pair in grads for g in pair])
        # Gradients are not checked on their own: under every optimizer here a NaN
        # or infinite gradient makes the weight it updates NaN or infinite, and
        # the check below sees it (and the weights go back to ``before``).
        largest = _largest(model.parameters())
        if not largest <= MAX_WEIGHT:            # also true for NaN
            return self._diverged("the weights became infinite" if not math.isfinite(largest)
                                  else f"a weight grew to {largest:.3g}, past {MAX_WEIGHT:g}")
        return True

    def _diverged(self, what: str) -> bool:
        if self._last_finite is not None:
            self.model.set_weights(self._last_finite)
        self.history.stopped = (f"{what} at epoch {self.epoch + 1} — lower the learning rate "
                                f"(it is {self.optimizer.lr:g}); the model shown is the last "
                                "one with a finite loss")
        return False

    # ------------------------------------------------------------------ epochs
    def step(self) -> bool:
        """Train to the end of the current epoch (one whole epoch when none is
        under way). Returns False (and sets history.stopped) if it diverged."""
        while True:
            if not self.step_batch():
                return False
            if not self._batches:
                return True

    def record(self) -> None:
        d, m, loss = self.data, self.model, self.loss_name
        with np.errstate(over="ignore", invalid="ignore"):
            train_loss, train_acc = _evaluate(m, d.X_train, d.y_train, loss)
            test_loss, test_acc = _evaluate(m, d.X_test, d.y_test, loss)
            scores = [r2_score(y, m.predict(X)) if len(y) else math.nan
                      for X, y in ((d.X_train, d.y_train), (d.X_test, d.y_test))] \
                if d.is_regression else [math.nan, math.nan]
        self.history.append(self.epoch, train_loss, test_loss, train_acc, test_acc, *scores)

    def run(self, epochs: int, callback: Callable | None = None, every: int = 1) -> History:
        """Train ``epochs`` more epochs. ``callback(trainer)`` runs every ``every``
        epochs and may return False to stop early (a pause button)."""
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) \
                or not 0 <= epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be a whole number in [0, {MAX_EPOCHS}], got {epochs!r}")
        for i in range(int(epochs)):
            if not self.step():
                break
            if callback is not None and (i + 1) % every == 0 and callback(self) is False:
                break
        return self.history


def check_data(data: Dataset) -> None:
    """Refuse data nothing can train on, naming the part and the entry: X and
    y with different row counts, an empty training set, labels that are not
    numbers, values that are not finite or beyond +-MAX_ABS_VALUE (their
    arithmetic overflows)."""
    for part in ("train", "test"):
        X = to_numpy(getattr(data, f"X_{part}"))
        y = to_numpy(getattr(data, f"y_{part}"))
        if X.ndim != 2 or len(y) != X.shape[0]:
            raise ValueError(f"{part} set: X has {X.shape[0] if X.ndim else 0} rows but y has "
                             f"{len(y)} labels: one label per row")
        if y.dtype.kind not in "biuf":
            example = f" such as {y.flat[0].item()!r}" if len(y) else ""
            raise ValueError(f"{part} set: labels must be numbers, got {y.dtype} "
                             f"values{example}")
        for name, a in ((f"X_{part}", X), (f"y_{part}", y)):
            bad = ~(np.abs(a) <= MAX_ABS_VALUE)          # NaN fails the test too
            if bad.any():
                at = tuple(int(i) for i in np.argwhere(bad)[0])
                where = f"{name}[{', '.join(map(str, at))}] = {a[at].item()!r}"
                raise ValueError(f"{where}: values must be finite numbers within "
                                 f"+-{MAX_ABS_VALUE:,.0f} (rescale larger ones)")
    if len(data.y_train) == 0:
        raise ValueError("the training set is empty: it needs at least one row")


def check_labels(data: Dataset, model: Network, loss: str) -> None:
    """Labels the loss can use: 0..k-1 for a k-unit softmax, 0/1 for BCE."""
    for part in ("train", "test"):
        _check_labels(to_numpy(getattr(data, f"y_{part}")), f"y_{part}", model, loss)


def _check_labels(y: np.ndarray, name: str, model: Network, loss: str) -> None:
    k = model.sizes[-1]
    if model.output == "softmax":
        bad, rule = (y < 0) | (y > k - 1) | (y != np.round(y)), \
            f"a {k}-unit softmax needs class labels 0..{k - 1}"
    elif loss == "bce":
        bad, rule = (y != 0) & (y != 1), "loss 'bce' needs labels 0 or 1 (map -1/1 to 0/1)"
    else:
        return                                   # mse on sigmoid/linear: any finite target
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name}[{i}] = {y[i].item()!r}: {rule}")


def check_record_every(k) -> int:
    """Epochs between two history rows: a whole number >= 0 (0: no history)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"record_every must be a whole number >= 0 (0: never), got {k!r}")
    return int(k)


def check_batch_size(batch_size) -> int | None:
    """A mini-batch size: a whole number >= 1, or None for the full batch."""
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, or None (full batch), "
                         f"got {batch_size!r}")
    return int(batch_size)


def check_scalar_size(model: Network, batch: int) -> None:
    """The scalar engine builds a graph of every number: refuse steps whose
    graph would be too big to be interactive, and say what to do."""
    if model.engine != "scalar":
        return
    _, edges = scalar_graph_size(model.sizes, batch)
    if edges > SCALAR_EDGE_CAP:
        _, per_sample = scalar_graph_size(model.sizes, 1)
        most = max(1, SCALAR_EDGE_CAP // per_sample)
        raise ValueError(f"engine 'scalar' would build a graph of {edges:,} edges a step "
                         f"({batch} samples x {per_sample:,}), over the cap of "
                         f"{SCALAR_EDGE_CAP:,}. Use batch_size <= {most}, a smaller network, "
                         "or the tensor engine")


def fit(model: Network, data: Dataset, loss: str = "mse", optimizer: str | Optimizer = "sgd",
        lr: float = 0.5, epochs: int = 1000, batch_size: int | None = None,
        momentum: float = 0.9, weight_decay: float = 0.0, l1: float = 0.0,
        schedule: Schedule | None = None, seed: int = 0, callback: Callable | None = None,
        every: int = 1) -> History:
    """Train ``model`` on ``data`` and return its History (see Trainer)."""
    trainer = Trainer(model, data, loss=loss, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, momentum=momentum, weight_decay=weight_decay,
                      l1=l1, schedule=schedule, seed=seed)
    return trainer.run(epochs, callback=callback, every=every)
