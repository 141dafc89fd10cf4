"""Training: epochs, mini-batches, history, a NaN guard and progress.

``fit(model, data, ...)`` trains in one call. ``Trainer`` holds the same
state between calls, so a user interface can train a few epochs, draw, and
carry on (or pause) without losing the optimizer's momentum.

One epoch: shuffle (mini-batches only), then for each batch
``loss, grads = model.loss_and_grads(Xb, yb)`` and ``optimizer.step``. After
the epoch the train and test loss and accuracy are recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import functional as F
from .data import Dataset
from .functional import _xp
from .network import Network, count_weights
from .optim import Optimizer, Schedule, make_optimizer

__all__ = ["History", "Trainer", "fit", "MAX_EPOCHS", "SCALAR_NODE_CAP"]

MAX_EPOCHS = 1_000_000
SCALAR_NODE_CAP = 200_000  # graph nodes per epoch the scalar engine may build


@dataclass
class History:
    """Per-epoch metrics. ``epochs[i]`` is the epoch that row i describes.

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

    def append(self, epoch, loss, test_loss, acc, test_acc) -> None:
        for name, v in (("epochs", epoch), ("loss", loss), ("test_loss", test_loss),
                        ("accuracy", acc), ("test_accuracy", test_acc)):
            getattr(self, name).append(v)
        if len(self.epochs) > self.limit:
            self.thin()

    def thin(self) -> None:
        """Keep every other row, and the last."""
        for name in ("epochs", "loss", "test_loss", "accuracy", "test_accuracy"):
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
                "test_accuracy": self.test_accuracy[-1]}


def _all_finite(arrays) -> bool:
    """True if no entry of any array (NumPy or torch) is NaN or infinite."""
    for a in arrays:
        finite = np.isfinite(a).all() if isinstance(a, np.ndarray) else _xp(a).isfinite(a).all()
        if not bool(finite):
            return False
    return True


def _rows(a, idx: np.ndarray):
    """a[idx] for a NumPy array or a torch tensor (on any device)."""
    if isinstance(a, np.ndarray):
        return a[idx]
    return a[_xp(a).as_tensor(idx, device=a.device)]


def _evaluate(model: Network, X, y, loss: str) -> tuple[float, float]:
    return model.evaluate(X, y, loss) if len(y) else (math.nan, math.nan)


class Trainer:
    """Everything a training run carries from one epoch to the next."""

    def __init__(self, model: Network, data: Dataset, loss: str = "mse",
                 optimizer: str | Optimizer = "sgd", lr: float = 0.5,
                 batch_size: int | None = None, momentum: float = 0.9,
                 weight_decay: float = 0.0, schedule: Schedule | None = None,
                 seed: int = 0, history_limit: int = 5000):
        F.check_loss(loss, model.output)
        if model.output == "sigmoid" and data.n_classes > 2:
            raise ValueError(f"the dataset has {data.n_classes} classes: use output 'softmax' "
                             f"with {data.n_classes} output units and loss 'ce'")
        if model.output == "softmax" and model.sizes[-1] < data.n_classes:
            raise ValueError(f"the dataset has {data.n_classes} classes but the output layer "
                             f"has {model.sizes[-1]} units")
        self.model, self.data, self.loss_name = model, data, loss
        self.optimizer = optimizer if isinstance(optimizer, Optimizer) else \
            make_optimizer(optimizer, lr, momentum=momentum, weight_decay=weight_decay)
        self.lr0 = self.optimizer.lr
        n = len(data.y_train)
        if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) != batch_size
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a whole number >= 1 or None (full batch), "
                             f"got {batch_size!r}")
        self.batch_size = None if batch_size is None or batch_size >= n else int(batch_size)
        self.schedule = schedule
        self.rng = np.random.default_rng(seed)
        self.epoch = 0
        self.history = History(limit=history_limit)
        check_scalar_size(model, self.batch_size or n)

    def _batches(self):
        X, y = self.data.X_train, self.data.y_train
        if self.batch_size is None:
            yield X, y
            return
        order = self.rng.permutation(len(y))
        for start in range(0, len(y), self.batch_size):
            idx = order[start:start + self.batch_size]
            yield _rows(X, idx), _rows(y, idx)

    def step(self) -> bool:
        """Train one epoch. Returns False (and sets history.stopped) if it diverged."""
        # overflow is expected when training diverges; the guard below reports it
        with np.errstate(over="ignore", invalid="ignore"):
            return self._step()

    def _step(self) -> bool:
        model = self.model
        if self.schedule is not None:
            self.optimizer.lr = self.schedule(self.lr0, self.epoch)
        for Xb, yb in self._batches():
            # a same-device copy to fall back on (no trip to the CPU for torch weights)
            good = [(W * 1, b * 1) for W, b in model.weights]
            value, grads = model.loss_and_grads(Xb, yb, self.loss_name)
            flat = [g for pair in grads for g in pair]
            if not math.isfinite(value) or not _all_finite(flat):
                return self._diverged(good, value)
            self.optimizer.step(model.parameters(), flat)
            if not _all_finite(model.parameters()):
                return self._diverged(good, math.inf)
        self.epoch += 1
        self.record()
        return True

    def _diverged(self, good_weights, value) -> bool:
        self.model.set_weights(good_weights)  # keep the last good model
        what = "NaN" if math.isnan(value) else "infinite"
        self.history.stopped = (f"loss became {what} at epoch {self.epoch + 1} — lower the "
                                f"learning rate (it is {self.optimizer.lr:g})")
        return False

    def record(self) -> None:
        d, m, loss = self.data, self.model, self.loss_name
        train_loss, train_acc = _evaluate(m, d.X_train, d.y_train, loss)
        test_loss, test_acc = _evaluate(m, d.X_test, d.y_test, loss)
        self.history.append(self.epoch, train_loss, test_loss, train_acc, test_acc)

    def run(self, epochs: int, callback: Callable | None = None, every: int = 1) -> History:
        """Train ``epochs`` more epochs. ``callback(trainer)`` runs every ``every``
        epochs and may return False to stop early (a pause button)."""
        if isinstance(epochs, bool) or int(epochs) != epochs or not 0 <= epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be a whole number in [0, {MAX_EPOCHS}], got {epochs!r}")
        for i in range(int(epochs)):
            if not self.step():
                break
            if callback is not None and (i + 1) % every == 0 and callback(self) is False:
                break
        return self.history


def check_scalar_size(model: Network, batch: int) -> None:
    """The scalar engine makes a node per weight per sample: refuse runs that
    would build graphs too big to be interactive, and say what to do."""
    if model.engine != "scalar":
        return
    weights = count_weights(model.sizes)
    nodes = weights * batch
    if nodes > SCALAR_NODE_CAP:
        most = max(1, SCALAR_NODE_CAP // weights)
        raise ValueError(f"engine 'scalar' builds one graph node per weight per sample: "
                         f"{batch} samples x {weights} weights = {nodes:,} nodes a step, over "
                         f"the cap of {SCALAR_NODE_CAP:,}. Use batch_size <= {most}, "
                         "a smaller network, or the tensor engine")


def fit(model: Network, data: Dataset, loss: str = "mse", optimizer: str | Optimizer = "sgd",
        lr: float = 0.5, epochs: int = 1000, batch_size: int | None = None,
        momentum: float = 0.9, weight_decay: float = 0.0, schedule: Schedule | None = None,
        seed: int = 0, callback: Callable | None = None, every: int = 1) -> History:
    """Train ``model`` on ``data`` and return its History (see Trainer)."""
    trainer = Trainer(model, data, loss=loss, optimizer=optimizer, lr=lr,
                      batch_size=batch_size, momentum=momentum, weight_decay=weight_decay,
                      schedule=schedule, seed=seed)
    return trainer.run(epochs, callback=callback, every=every)
