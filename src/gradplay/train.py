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

If the very first loss is not finite, or the starting weights are already
past MAX_WEIGHT, no step is to blame: the message says that the starting
model or the data give it, not to lower the learning rate.

Before the first step the data is checked against the model and the loss
(``check_data``, ``check_labels``): arrays of numbers, rows of X and y,
finite numbers within +-MAX_ABS_VALUE, labels 0/1 for BCE and 0..k-1 for a
k-way softmax, with errors that name the entry.

The settings (batch size, epochs, seeds, the optimizer's) are checked by the
rules of ``gradplay.rules`` that ``config.FIELDS`` uses too; ``Trainer.retune``
changes them between steps through the same checks as ``Trainer.__init__``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import functional as F
from .backend import array_module, to_numpy
from .data import MAX_ABS_VALUE, Dataset
from .nets import Network, scalar_graph_size
from .optim import LR, Optimizer, Schedule, make_optimizer
from .rules import SEED, Interval, RuleError, check

__all__ = ["History", "Trainer", "fit", "r2_score", "MAX_EPOCHS", "MAX_WEIGHT",
           "SCALAR_EDGE_CAP", "check_scalar_size", "check_data", "check_labels",
           "check_batch_size", "BATCH_SIZE", "BATCH_SIZES", "EPOCHS", "RECORD_EVERY", "EVERY"]

MAX_EPOCHS = 1_000_000
MAX_WEIGHT = 1e12  # |w| past this is divergence even while the loss is finite
SCALAR_EDGE_CAP = 400_000  # graph edges a scalar-engine step may build (see scalar_graph_size)

# TensorFlow Playground's batch slider (1 to 30), larger sizes, and 0: the full batch
BATCH_SIZES = (*range(1, 31), 32, 64, 128, 256, 0)
# What each setting may hold (config.FIELDS uses the same rules)
BATCH_SIZE = Interval(int, 0, None, ui=(0, 256, 1), menu=BATCH_SIZES)   # 0, None: full batch
EPOCHS = Interval(int, 1, MAX_EPOCHS, ui=(1, MAX_EPOCHS, 100))
RECORD_EVERY = Interval(int, 0, None)                          # 0: never
EVERY = Interval(int, 1, None)                                 # epochs between callbacks


@dataclass
class History:
    """Per-epoch metrics, named as ``gradplay train --json`` names them.
    ``epochs[i]`` is the epoch that row i describes; one row per epoch (after
    a divergence, the row of the model restored replaces that epoch's row).

    Classification fills ``train_accuracy``/``test_accuracy`` (the R² rows are
    nan); regression fills ``train_r2``/``test_r2`` (the accuracy rows are nan).

    Long runs are thinned (every other row dropped when ``limit`` is passed),
    so memory stays bounded however many epochs run; the latest row is
    always kept.
    """

    train_loss: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    stopped: str | None = None  # why training stopped early, if it did
    limit: int = 5000
    train_r2: list = field(default_factory=list)
    test_r2: list = field(default_factory=list)

    ROWS = ("epochs", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
            "train_r2", "test_r2")

    # the old names, read-only (viz, the estimator and the notebooks still use them)
    loss = property(lambda self: self.train_loss, doc="Old name of ``train_loss``.")
    accuracy = property(lambda self: self.train_accuracy, doc="Old name of ``train_accuracy``.")
    r2 = property(lambda self: self.train_r2, doc="Old name of ``train_r2``.")

    def append(self, epoch, train_loss, test_loss, train_accuracy, test_accuracy,
               train_r2=math.nan, test_r2=math.nan) -> None:
        row = (epoch, train_loss, test_loss, train_accuracy, test_accuracy, train_r2, test_r2)
        if self.epochs and self.epochs[-1] == epoch:       # the same epoch again: replace it
            for name in self.ROWS:
                getattr(self, name).pop()
        for name, v in zip(self.ROWS, row):
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
        return {"epoch": self.epochs[-1], **{name: getattr(self, name)[-1]
                                             for name in self.ROWS[1:]}}


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

    The optimizer, its base learning rate ``lr0``, the schedule and the batch
    size may change between steps (the live page does, when a learner moves a
    slider), through ``retune``: the checks ``__init__`` runs. A new batch size
    takes effect at the next epoch.
    """

    def __init__(self, model: Network, data: Dataset, loss: str = "mse",
                 optimizer: str | Optimizer = "sgd", lr: float = 0.5,
                 batch_size: int | None = None, momentum: float = 0.9,
                 weight_decay: float = 0.0, l1: float = 0.0, schedule: Schedule | None = None,
                 seed: int | None = 0, history_limit: int = 5000, record_every: int = 1):
        check_data(data)
        check_head(data, model, loss)
        self.model, self.data, self.loss_name = model, data, loss
        self.rng = np.random.default_rng(None if seed is None else check("seed", seed, SEED))
        self.epoch = 0
        self.history = History(limit=history_limit)
        # record() (a forward pass over the train and test sets) after every
        # ``record_every`` epochs; 0: never (``epoch_loss`` is still kept)
        self.record_every = check("record_every", record_every, RECORD_EVERY)
        self.epoch_loss = math.nan            # mean batch loss of the latest epoch
        self._epoch_losses: list = []         # (loss, batch size) of this epoch's batches
        self.last_grads: list | None = None   # [(dW, db), ...] of the latest step
        self._last_finite: list | None = None # weights whose batch loss was finite
        self._batches: deque = deque()        # index arrays left in this epoch
        if not isinstance(optimizer, Optimizer):
            optimizer = make_optimizer(optimizer, lr, momentum=momentum,
                                       weight_decay=weight_decay, l1=l1)
        self.retune(optimizer, batch_size=batch_size, schedule=schedule)

    def retune(self, optimizer: Optimizer, batch_size: int | None = None,
               schedule: Schedule | None = None, lr: float | None = None) -> None:
        """Train on with this optimizer, batch size and schedule (what
        ``__init__`` sets, checked the same way). ``lr``: the base learning
        rate lr0 (default: the optimizer's own ``lr``); a schedule scales it
        from this epoch on. A refusal (``RuleError``, e.g. a batch too big for
        the scalar engine) changes nothing."""
        if not isinstance(optimizer, Optimizer):
            raise RuleError("optimizer", f"must be an Optimizer (gradplay.optim); got "
                                         f"{type(optimizer).__name__}")
        if schedule is not None and not isinstance(schedule, Schedule):
            raise RuleError("schedule", f"must be a Schedule or None; got "
                                        f"{type(schedule).__name__}")
        lr0 = optimizer.lr if lr is None else check("lr", lr, LR)
        batch_size = check_batch_size(batch_size)
        n = len(self.data.y_train)
        check_scalar_size(self.model, min(batch_size or n, n))     # the rows a step really sees
        self.optimizer, self.lr0, self.schedule = optimizer, lr0, schedule
        self.batch_size = batch_size
        optimizer.lr = lr0 if schedule is None else schedule(lr0, self.epoch)

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
        if self._last_finite is None:            # the first step: the starting weights
            largest = _largest(model.parameters())
            if not largest <= MAX_WEIGHT:
                return self._diverged(f"the starting weights reach {largest:.3g}, past "
                                      f"{MAX_WEIGHT:g}")
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
        if self._last_finite is None:
            # no step has run on a finite loss: the learning rate played no part
            self.history.stopped = (f"{what} at epoch {self.epoch + 1}, before the first step: "
                                    "the starting model (its weights) or the data already "
                                    "give a non-finite loss; the learning rate played no part")
            return False
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
        epochs, every = check("epochs", epochs, EPOCHS), check("every", every, EVERY)
        if callback is not None and not callable(callback):
            raise RuleError("callback", f"must be a function of the trainer, or None; got "
                                        f"{type(callback).__name__}")
        for i in range(epochs):
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
        X, y = (_array(data, f"{a}_{part}") for a in "Xy")
        if X.dtype.kind not in "biuf":
            raise ValueError(f"X_{part} must hold numbers (float64), got dtype {X.dtype}: "
                             "build the data with gradplay.data.from_arrays")
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


def _array(data: Dataset, name: str) -> np.ndarray:
    """data.<name> as a NumPy array; anything but an array (a list) is refused."""
    a = getattr(data, name)
    if not (hasattr(a, "shape") and hasattr(a, "dtype")):
        raise ValueError(f"{name} must be an array (NumPy or torch), got {type(a).__name__}: "
                         "build the data with gradplay.data.from_arrays, or np.asarray")
    return to_numpy(a)


def check_head(data: Dataset, model: Network, loss: str) -> None:
    """The model's output layer and the loss fit the data (``functional.head_for``),
    and the labels fit them (``check_labels``)."""
    try:
        head = F.head_for(data.n_classes, model.output, loss)
    except ValueError as e:
        if not data.is_regression:
            raise
        # the data model: float labels are regression targets, integer labels classes
        raise ValueError(f"{e}. y_train holds floats ({to_numpy(data.y_train).dtype}), which "
                         "gradplay reads as regression targets; for classes give integer "
                         "labels (y.astype(int))") from None
    if model.output == "softmax" and model.sizes[-1] < head.units:
        raise ValueError(f"the dataset has {data.n_classes} classes but the output layer "
                         f"has {model.sizes[-1]} units")
    check_labels(data, model, loss)


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


def check_batch_size(batch_size) -> int | None:
    """A mini-batch size, or None for the full batch (also written 0, as in
    the config)."""
    return None if batch_size is None else check("batch_size", batch_size, BATCH_SIZE) or None


def check_scalar_size(model: Network, batch: int) -> None:
    """The scalar engine builds a graph of every number: refuse steps whose
    graph would be too big to be interactive, and say what to do. ``batch``:
    the rows one step sees (min(batch_size, training rows))."""
    if model.engine != "scalar":
        return
    _, edges = scalar_graph_size(model.sizes, batch)
    if edges > SCALAR_EDGE_CAP:
        _, per_sample = scalar_graph_size(model.sizes, 1)
        most = SCALAR_EDGE_CAP // per_sample
        fix = f"Use batch_size <= {most}, a smaller network" if most else "Use a smaller network"
        raise RuleError("batch_size", f"too big for engine 'scalar': it would build a graph of "
                                      f"{edges:,} edges a step ({batch:,} samples x "
                                      f"{per_sample:,}), over the cap of {SCALAR_EDGE_CAP:,}. "
                                      f"{fix}, or the tensor engine")


def fit(model: Network, data: Dataset, loss: str = "mse", optimizer: str | Optimizer = "sgd",
        lr: float = 0.5, epochs: int = 1000, batch_size: int | None = None,
        momentum: float = 0.9, weight_decay: float = 0.0, l1: float = 0.0,
        schedule: Schedule | None = None, seed: int | None = 0, callback: Callable | None = None,
        every: int = 1) -> History:
    """Train ``model`` on ``data`` and return its History (see Trainer)."""
    trainer = Trainer(model, data, loss=loss, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, momentum=momentum, weight_decay=weight_decay,
                      l1=l1, schedule=schedule, seed=seed)
    return trainer.run(epochs, callback=callback, every=every)
