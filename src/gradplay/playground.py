"""The training playground's settings and its live run, without any UI.

``Settings`` is every choice on the "Train a network" page, with the allowed
values in one place. It round-trips through a URL query string, so a copied
link reproduces a run: ``Settings.from_query(params)`` checks every field and
reports (rather than raises on) values it had to replace.

``LiveRun`` builds the dataset, the model and the trainer from settings and
trains in slices that fit a time budget, which is what lets a page redraw
several times a second and pause at once.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields

from .data import DATASETS, Dataset, load, load_csv
from .functional import ACTIVATIONS
from .network import ENGINES, INITS, make_mlp
from .optim import Schedule
from .train import Trainer

__all__ = ["Settings", "LiveRun", "CHOICES", "RANGES", "LEARNING_RATES", "L2_VALUES",
           "BATCH_SIZES", "DECAYS"]

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L2_VALUES = (0.0, 0.0001, 0.001, 0.01, 0.1)
BATCH_SIZES = (0, 8, 16, 32, 64, 128, 256)      # 0: the full batch
DECAYS = ("none", "inverse", "exponential", "step")

CHOICES: dict[str, tuple] = {
    "dataset": DATASETS + ("csv",),
    "activation": tuple(ACTIVATIONS),
    "output": ("sigmoid", "softmax", "linear"),
    "loss": ("bce", "mse", "ce"),
    "init": INITS,
    "optimizer": ("sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"),
    "engine": ENGINES,
    "decay": DECAYS,
    "lr": LEARNING_RATES,
    "l2": L2_VALUES,
    "batch": BATCH_SIZES,
}
# (low, high) for numeric fields
RANGES: dict[str, tuple] = {
    "samples": (20, 2000), "noise": (0.0, 1.0), "test": (0.1, 0.5), "data_seed": (0, 9999),
    "classes": (2, 5), "layers": (1, 6), "neurons": (1, 32), "epochs": (1, 100_000),
    "seed": (0, 9999),
}


@dataclass
class Settings:
    """Everything that defines a run. Field names are the query-string keys."""

    dataset: str = "moons"
    samples: int = 300
    noise: float = 0.2
    test: float = 0.2
    data_seed: int = 0
    classes: int = 2
    hidden: list = field(default_factory=lambda: [8, 8])
    activation: str = "tanh"
    output: str = "sigmoid"
    loss: str = "bce"
    init: str = "xavier"
    optimizer: str = "adam"
    lr: float = 0.03
    decay: str = "none"
    l2: float = 0.0
    batch: int = 0
    epochs: int = 500
    engine: str = "tensor"
    seed: int = 0

    # ------------------------------------------------------------------ checks
    def problems(self) -> list[str]:
        """What is wrong with these settings, as sentences naming the field."""
        out = []
        for name, options in CHOICES.items():
            if getattr(self, name) not in options:
                out.append(f"{name} must be one of {', '.join(map(str, options))}")
        for name, (lo, hi) in RANGES.items():
            if name in ("layers", "neurons"):
                continue
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
                out.append(f"{name} must be in [{lo}, {hi}]")
        lo, hi = RANGES["layers"]
        if not lo <= len(self.hidden) <= hi:
            out.append(f"hidden layers: between {lo} and {hi}")
        lo, hi = RANGES["neurons"]
        if any(not isinstance(n, int) or not lo <= n <= hi for n in self.hidden):
            out.append(f"neurons per layer must be whole numbers in [{lo}, {hi}]")
        if self.classes > 2 and self.dataset not in ("spiral", "gaussians"):
            out.append("classes > 2 needs the spiral or gaussians dataset")
        if self.loss == "bce" and self.output != "sigmoid":
            out.append("loss bce needs output sigmoid")
        if self.loss == "ce" and self.output != "softmax":
            out.append("loss ce needs output softmax")
        if self.classes > 2 and self.output != "softmax":
            out.append(f"{self.classes} classes need output softmax")
        return out

    def fix_output(self) -> "Settings":
        """Make output and loss fit the number of classes (multi-class: softmax + ce)."""
        if self.classes > 2 or self.output == "softmax":
            self.output, self.loss = "softmax", "ce"
        elif self.loss == "ce":
            self.loss = "bce"
        if self.output == "linear":
            self.loss = "mse"
        return self

    # ------------------------------------------------------------------ query string
    def to_query(self) -> dict[str, str]:
        """Every field as a string, ready for a URL's query string."""
        q = {}
        for k, v in asdict(self).items():
            q[k] = ",".join(map(str, v)) if isinstance(v, list) else f"{v:g}" \
                if isinstance(v, float) else str(v)
        return q

    @classmethod
    def from_query(cls, params) -> tuple["Settings", list[str]]:
        """Settings from query parameters; unknown keys are ignored, and each
        value that cannot be used is replaced by the default with a note."""
        s, notes = cls(), []
        types = {f.name: f.type for f in fields(cls)}
        for key, raw in dict(params).items():
            if key not in types:
                continue
            raw = raw[-1] if isinstance(raw, list) else str(raw)
            raw = raw[:200]
            try:
                value = _parse_field(key, raw)
            except ValueError as e:
                notes.append(f"ignored {key}={raw[:40]!r}: {e}")
                continue
            setattr(s, key, value)
        return s, notes


def _parse_field(key: str, raw: str):
    if key == "hidden":
        try:
            sizes = [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise ValueError("expected sizes like 8,8") from None
        lo, hi = RANGES["neurons"]
        if not 1 <= len(sizes) <= RANGES["layers"][1] or not all(lo <= n <= hi for n in sizes):
            raise ValueError(f"1 to {RANGES['layers'][1]} layers of {lo} to {hi} neurons")
        return sizes
    if key in ("lr", "l2", "batch"):
        value = float(raw)
        options = CHOICES[key]
        match = [o for o in options if math.isclose(o, value, rel_tol=1e-9, abs_tol=1e-12)]
        if not match:
            raise ValueError(f"one of {', '.join(f'{o:g}' for o in options)}")
        return match[0]
    if key in CHOICES:
        if raw not in CHOICES[key]:
            raise ValueError(f"one of {', '.join(CHOICES[key])}")
        return raw
    lo, hi = RANGES[key]
    is_int = isinstance(lo, int) and isinstance(hi, int)
    try:
        value = int(raw) if is_int else float(raw)
    except ValueError:
        raise ValueError("not a number") from None
    if not (lo <= value <= hi) or (not is_int and not math.isfinite(value)):
        raise ValueError(f"must be in [{lo}, {hi}]")
    return value


def make_dataset(s: Settings, csv_bytes: bytes | None = None) -> Dataset:
    """The dataset the settings describe (the uploaded file for dataset 'csv')."""
    if s.dataset == "csv":
        if not csv_bytes:
            raise ValueError("dataset 'csv': upload a file with rows x1,x2,label first")
        return load_csv(csv_bytes, test_size=s.test, seed=s.data_seed, name="uploaded")
    return load(s.dataset, n_samples=s.samples, noise=s.noise, seed=s.data_seed,
                test_size=s.test, classes=s.classes)


def _schedule(s: Settings) -> Schedule | None:
    if s.decay == "inverse":
        return Schedule("inverse", decay=1e-3)     # lr / (1 + 0.001 t)
    if s.decay == "exponential":
        return Schedule("exponential", gamma=0.999)
    if s.decay == "step":
        return Schedule("step", gamma=0.5, step_size=500)
    return None


class LiveRun:
    """A run the page can advance a slice at a time."""

    def __init__(self, settings: Settings, data: Dataset | None = None,
                 history_limit: int = 1000):
        problems = settings.problems()
        if problems:
            raise ValueError("; ".join(problems))
        self.settings = settings
        self.data = data if data is not None else make_dataset(settings)
        k = self.data.n_classes
        if k > 2 and settings.output != "softmax":
            raise ValueError(f"the data has {k} classes: choose output softmax")
        outputs = max(k, 2) if settings.output == "softmax" else 1
        self.model = make_mlp([2, *settings.hidden, outputs], activation=settings.activation,
                              output=settings.output, engine=settings.engine,
                              seed=settings.seed, init=settings.init)
        self.trainer = Trainer(self.model, self.data, loss=settings.loss,
                               optimizer=settings.optimizer, lr=settings.lr,
                               batch_size=settings.batch or None, weight_decay=settings.l2,
                               schedule=_schedule(settings), seed=settings.seed,
                               history_limit=history_limit)
        self.seconds = 0.0
        self.target = settings.epochs

    def extend(self) -> None:
        """Train for another ``settings.epochs`` epochs (Train after the end)."""
        self.target = self.epoch + self.settings.epochs

    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    @property
    def history(self):
        return self.trainer.history

    @property
    def stopped(self) -> str | None:
        return self.trainer.history.stopped

    @property
    def finished(self) -> bool:
        return self.stopped is not None or self.epoch >= self.target

    def advance(self, budget: float = 0.1, max_epochs: int | None = None) -> int:
        """Train until the time budget (seconds) is spent, the run's epochs are
        done, or it diverges; returns the epochs trained in this slice."""
        start = time.perf_counter()
        done = 0
        limit = self.target - self.epoch
        if max_epochs is not None:
            limit = min(limit, max_epochs)
        while done < limit and self.stopped is None:
            if not self.trainer.step():
                break
            done += 1
            if time.perf_counter() - start >= budget:
                break
        self.seconds += time.perf_counter() - start
        return done

    def step(self) -> int:
        """Exactly one epoch (the Step button), even past the target."""
        if self.stopped is None and self.trainer.step():
            return 1
        return 0

    def metrics(self) -> dict:
        return self.history.last()
