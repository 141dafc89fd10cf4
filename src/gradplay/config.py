"""One vocabulary for a training run: ``RunConfig``, its checks, presets, and
``build_run`` -- the one place that turns settings into a run.

A field's name is the same everywhere (nanoGPT's rule): the CLI flag
(``--data-seed``), the URL query key (``data_seed``), the preset key and the
config echoed by ``gradplay train --json``. What each field may hold is a
rule of ``gradplay.rules``, and ``FIELDS`` lists them: mostly the very rule
objects that ``data.load``, the optimizers and ``Trainer`` check their own
arguments with, so a bad value gets the same message wherever it enters.
They are checked when a RunConfig is made::

    cfg, notes = RunConfig.from_query({"preset": "mlp-play", "epochs": "3000"})
    run = build_run(cfg)            # data, model, optimizer, schedule, trainer
    run.trainer.run(cfg.epochs)
    run.retune(cfg.replace(lr=0.1)) # a slider moved mid-run: same weights, same epoch

A page builds its controls from ``FIELDS[name].rule``: ``ui_range(value)``
(a slider's bounds and step), ``ui_menu(value)`` (a select-slider's values:
the learning rates, the L1/L2 rates ``L1_RATES``, ``BATCH_SIZES``), and
``choices`` (a select box); see ``gradplay.rules``.

The head rule -- which output layer and loss fit k classes -- is
``functional.head_for``: the config checks a RunConfig's output and loss
against it, ``build_run`` sizes the output layer with it, and the trainer
and the estimator call it on their data.

``regenerate`` is for the app's Regenerate button (the same data, a new draw).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .data import (CLASSES, DATASET, MULTICLASS_DATASETS, NOISE, REGRESSION_DATASETS, SAMPLES,
                   TEST_SIZE, Dataset, check_classes, load)
from .features import FEATURES, RAW_FEATURES
from .functional import ACTIVATIONS, LOSSES, OUTPUTS, Head, head_for
from .nets import ENGINE, INIT, Network, make_mlp
from .optim import (DECAY, GAMMA, L1_RATES, LEARNING_RATES, LR, MOMENTUM, MOMENTUM_OPTIMIZERS,
                    OPTIMIZER, PENALTY, SCHEDULE, STEP_SIZE, Optimizer, Schedule, check_momentum,
                    make_optimizer)
from .rules import SEED, Flag, Names, OneOf, RuleError, Sizes, check
from .train import BATCH_SIZE, BATCH_SIZES, EPOCHS, Trainer

__all__ = ["RunConfig", "FIELDS", "PRESETS", "LESSONS", "Head", "head_for", "build_run", "Run",
           "reset_fields", "regenerate", "MULTICLASS_DATASETS", "L1_RATES", "BATCH_SIZES",
           "LEARNING_RATES"]


@dataclass(frozen=True)
class Field:
    """What a setting may hold, which part of a run it changes, and what it means.

    group: "data" and "model" changes need a fresh run; "optim" changes can
    apply to a run under way; "run" is how long to train; "view" is how the
    results are drawn (it never changes the training).
    """

    rule: Any
    group: str
    help: str


FIELDS: dict[str, Field] = {
    # data
    "dataset": Field(DATASET, "data", "the data set (csv: a file of your own)"),
    "samples": Field(SAMPLES, "data", "points generated"),
    "noise": Field(NOISE, "data", "noise of the generator"),
    "classes": Field(CLASSES, "data", "classes (spiral and gaussians only)"),
    "data_seed": Field(SEED, "data", "seed of the data and its split"),
    "test_size": Field(TEST_SIZE, "data", "share of points held out for test"),
    # model
    "features": Field(Names(FEATURES), "model", "what the network sees of a point (x1sq: x1 squared)"),
    "hidden": Field(Sizes(8, 256, ui=(6, 32)), "model", "hidden layer sizes, e.g. 8,8 (0: none)"),
    "activation": Field(OneOf(*ACTIVATIONS), "model", "hidden-layer activation"),
    "output": Field(OneOf("auto", *OUTPUTS), "model",
                    "output activation (auto: sigmoid for 2 classes, softmax for more, "
                    "linear for regression)"),
    "loss": Field(OneOf("auto", *LOSSES), "model",
                  "loss (auto: bce for sigmoid, ce for softmax, mse otherwise)"),
    "init": Field(INIT, "model", "initial weights"),
    "seed": Field(SEED, "model", "seed of the weights and shuffling"),
    "engine": Field(ENGINE, "model", "which engine computes the gradients"),
    # optimisation: these can change while a run is under way
    "optimizer": Field(OPTIMIZER, "optim", "the update rule"),
    "lr": Field(LR, "optim", "learning rate"),
    "momentum": Field(MOMENTUM, "optim", "momentum (momentum, nesterov: > 0)"),
    "l2": Field(PENALTY, "optim", "L2 penalty (weight decay)"),
    "l1": Field(PENALTY, "optim", "L1 penalty on the weights"),
    "schedule": Field(SCHEDULE, "optim", "learning-rate schedule"),
    "gamma": Field(GAMMA, "optim", "factor of the step and exponential schedules"),
    "step_size": Field(STEP_SIZE, "optim", "epochs between steps (step)"),
    "decay": Field(DECAY, "optim", "rate of the inverse schedule"),
    "batch_size": Field(BATCH_SIZE, "optim", "mini-batch size (0: full batch)"),
    # how long
    "epochs": Field(EPOCHS, "run", "epochs to train"),
    # how the results are drawn
    "discretize": Field(Flag(), "view", "colour the output map by class, not by value"),
    "show_test": Field(Flag(), "view", "draw the test points too"),
}


# ---------------------------------------------------------------------- the config
@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run. See ``FIELDS`` for what each may hold."""

    dataset: str = "moons"
    samples: int = 300
    noise: float = 0.2
    classes: int = 2
    data_seed: int = 0
    test_size: float = 0.2
    features: tuple = RAW_FEATURES
    hidden: tuple = (8, 8)
    activation: str = "tanh"
    output: str = "auto"
    loss: str = "auto"
    init: str = "xavier"
    seed: int = 0
    engine: str = "tensor"
    optimizer: str = "adam"
    lr: float = 0.03
    momentum: float = 0.9
    l2: float = 0.0
    l1: float = 0.0
    schedule: str = "constant"
    gamma: float = 0.5
    step_size: int = 1000
    decay: float = 0.001
    batch_size: int = 0
    epochs: int = 500
    discretize: bool = False
    show_test: bool = True

    def __post_init__(self):
        for name, spec in FIELDS.items():
            object.__setattr__(self, name, check(name, getattr(self, name), spec.rule))
        check_classes(self.dataset, self.classes)
        check_momentum(self.optimizer, self.momentum)
        self.head(_classes(self.dataset, self.classes))

    @property
    def regression(self) -> bool:
        """True for a regression data set (continuous targets, linear output, MSE)."""
        return self.dataset in REGRESSION_DATASETS

    def head(self, classes: int) -> Head:
        """The output layer and loss for data with ``classes`` classes."""
        try:
            return head_for(classes, self.output, self.loss)
        except ValueError as e:
            raise ValueError(f"output/loss: {e}") from None

    def replace(self, **changes) -> "RunConfig":
        """A copy with some fields changed (and checked)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain data (lists, not tuples), as echoed by ``gradplay train --json``."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def to_query(self) -> dict[str, str]:
        """Every field as a string, for a URL's query string; ``from_query`` reads it back."""
        return {k: _text(v) for k, v in asdict(self).items()}

    @classmethod
    def from_query(cls, params) -> tuple["RunConfig", list[str]]:
        """A config from string parameters (a URL query, CLI flags).

        ``preset=NAME`` starts from a preset; the other keys override it.
        Unknown keys are left alone (the page has keys of its own). A value
        that cannot be used is not used: the note says which and why, and
        the preset's or default value stays.
        """
        params = {k: (v[-1] if isinstance(v, list) else v) for k, v in dict(params).items()}
        notes: list[str] = []
        base = cls()
        preset = params.get("preset")
        if preset is not None:
            if preset in PRESETS:
                base = PRESETS[preset]
            else:
                notes.append(f"preset: no preset named {str(preset)[:40]!r}; the presets are "
                             f"{', '.join(PRESETS)}")
        values = asdict(base)
        for key, raw in params.items():
            if key not in FIELDS:
                continue
            try:
                values[key] = FIELDS[key].rule.parse(str(raw)[:200])
            except ValueError as e:
                notes.append(f"{key} {e}; kept {_text(values[key])}")
        notes += _mend(values, base)
        return cls(**values), notes


def _mend(values: dict, base: RunConfig) -> list[str]:
    """Make fields that are each valid fit together (in place), with a note for
    each change: the rules between fields that ``RunConfig`` raises on."""
    notes = []
    try:
        check_classes(values["dataset"], values["classes"])
    except RuleError as e:
        notes.append(f"{e}; kept 2")
        values["classes"] = 2
    try:
        check_momentum(values["optimizer"], values["momentum"])
    except RuleError as e:
        usable = base.momentum or RunConfig.momentum      # the preset's, or the default 0.9
        notes.append(f"{e}; kept {_text(usable)}")
        values["momentum"] = usable
    try:
        head_for(_classes(values["dataset"], values["classes"]), values["output"],
                 values["loss"])
    except ValueError as e:
        notes.append(f"output/loss: {e}; using auto")
        values["output"], values["loss"] = "auto", "auto"
    return notes


def _classes(dataset: str, classes: int) -> int:
    """The classes the head must fit: 0 for a regression data set."""
    return 0 if dataset in REGRESSION_DATASETS else classes


def _text(value) -> str:
    """A field's value as query-string text: repr for floats (exact round trip)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(map(str, value)) if value else "0"
    return repr(value) if isinstance(value, float) else str(value)


def regenerate(cfg: RunConfig, rng: random.Random | None = None) -> RunConfig:
    """The same config with a new data seed: new points from the same generator
    (the app's Regenerate button). The seed always differs from the old one."""
    rng = rng or random.Random()
    seed = cfg.data_seed
    while seed == cfg.data_seed:
        seed = rng.randrange(0, 1_000_000)
    return cfg.replace(data_seed=seed)


def reset_fields(old: RunConfig, new: RunConfig) -> list[str]:
    """The changed fields that need a fresh run (data and architecture)."""
    return [f.name for f in fields(RunConfig)
            if FIELDS[f.name].group in ("data", "model")
            and getattr(old, f.name) != getattr(new, f.name)]


# ---------------------------------------------------------------------- presets
PRESETS: dict[str, RunConfig] = {
    # The MLP notebook's experiment: 2-4-1 sigmoid, MSE, full-batch gradient
    # descent, 5,000 epochs, manual backprop: 96.6% test accuracy (483/500).
    # lr 5, not 0.1: the notebook's backward pass used the sigmoid + cross-
    # entropy shortcut (A - y). The true MSE gradient carries an extra factor
    # 2a(1 - a) <= 1/2, so plain gradient descent needs a larger step.
    "mlp-play": RunConfig(dataset="moons", samples=1000, noise=0.2, data_seed=4, test_size=0.5,
                          hidden=(4,), activation="sigmoid", output="sigmoid", loss="mse",
                          seed=0, engine="manual", optimizer="sgd", lr=5.0, epochs=5000),
    # Same data, a regularised deeper net with mini-batches: 97.4% test accuracy.
    "moons-best": RunConfig(dataset="moons", samples=1000, noise=0.2, data_seed=4,
                            test_size=0.5, hidden=(16, 16), activation="tanh", loss="bce",
                            engine="manual", optimizer="adam", lr=0.003, l2=0.003,
                            batch_size=32, epochs=200),
    "xor": RunConfig(dataset="xor", samples=200, noise=0.05, data_seed=0, hidden=(4,),
                     activation="tanh", engine="tensor", optimizer="sgd", lr=0.5, epochs=500),
    "spiral3": RunConfig(dataset="spiral", classes=3, samples=600, noise=0.1, data_seed=0,
                         hidden=(32, 32), activation="relu", init="he", optimizer="adam",
                         lr=0.01, epochs=1500),
    # ---- the lessons (TensorFlow Playground's), linked from the welcome page
    # features vs depth: no hidden layer draws a straight line in its inputs' space;
    # on x1, x2 a ring cannot be cut off by a line (<= 75%), on x1², x2² it is one (>= 95%)
    "lesson-line": RunConfig(dataset="circles", samples=300, noise=0.1, hidden=(),
                             features=("x1", "x2"), optimizer="adam", lr=0.1, epochs=600),
    "lesson-features": RunConfig(dataset="circles", samples=300, noise=0.1, hidden=(),
                                 features=("x1sq", "x2sq"), optimizer="adam", lr=0.1,
                                 epochs=600),
    # L1 sparsity: about half of the 304 weights end near zero (and the boundary
    # gets simpler: at 0.01 it costs accuracy, 0.001 keeps it)
    "lesson-l1": RunConfig(dataset="moons", samples=300, noise=0.3, hidden=(16, 16),
                           activation="tanh", optimizer="adam", lr=0.01, l1=0.01, epochs=1000),
    # overfitting: 25 noisy training points and a 16-16 net: the test loss falls,
    # then climbs while the training loss goes on falling towards 0
    "lesson-overfit": RunConfig(dataset="moons", samples=50, noise=0.4, test_size=0.5,
                                hidden=(16, 16), activation="tanh", optimizer="adam", lr=0.003,
                                epochs=1500),
    # regression: six bumps, a linear output and the mean squared error; R² instead of accuracy
    "lesson-regression": RunConfig(dataset="multigauss", samples=600, noise=0.0,
                                   hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.02,
                                   epochs=1000),
    # backprop on one example: a small net early in training, with points it
    # gets wrong; pick one, walk its backward pass, see which points pull a weight
    "lesson-backprop": RunConfig(dataset="moons", samples=200, noise=0.2, data_seed=2,
                                 hidden=(4, 3), activation="tanh", optimizer="sgd", lr=0.3,
                                 epochs=2000),
}

# The lessons, in order: preset name -> what it shows (the welcome page links them)
LESSONS: dict[str, str] = {
    "lesson-line": "Features vs depth, 1: no hidden layer on x1, x2 draws a straight line, "
                   "and a ring cannot be cut off by a line.",
    "lesson-features": "Features vs depth, 2: the same model on x1², x2² separates the ring "
                       "-- a good feature can replace a hidden layer.",
    "lesson-l1": "L1 regularisation: a 16-16 network on noisy moons ends with about half "
                 "of its weights at zero.",
    "lesson-overfit": "Overfitting: little, noisy data and a big network. The training loss "
                      "falls to zero while the test loss climbs.",
    "lesson-regression": "Regression: predict a number, not a class. Linear output, mean "
                         "squared error, R².",
    "lesson-backprop": "Backprop, one example at a time: pick a point the network gets wrong, "
                       "step its forward and backward pass, see which points pull a weight, "
                       "then train on.",
}


# ---------------------------------------------------------------------- building a run
def make_data(cfg: RunConfig) -> Dataset:
    """The generated dataset the config describes."""
    if cfg.dataset == "csv":
        raise ValueError("dataset 'csv': load the file first (gradplay.data.load_csv) and "
                         "pass it to build_run(config, data)")
    return load(cfg.dataset, n_samples=cfg.samples, noise=cfg.noise, seed=cfg.data_seed,
                test_size=cfg.test_size, classes=cfg.classes)


def make_schedule(cfg: RunConfig) -> Schedule | None:
    """The learning-rate schedule, or None for a constant rate."""
    if cfg.schedule == "constant":
        return None
    return Schedule(cfg.schedule, gamma=cfg.gamma, step_size=cfg.step_size, decay=cfg.decay)


def make_optimizer_for(cfg: RunConfig) -> Optimizer:
    return make_optimizer(cfg.optimizer, cfg.lr, momentum=cfg.momentum, weight_decay=cfg.l2,
                          l1=cfg.l1)


@dataclass
class Run:
    """A run built from a config: what ``build_run`` returns."""

    config: RunConfig
    data: Dataset
    model: Network
    optimizer: Optimizer
    schedule: Schedule | None
    trainer: Trainer

    def retune(self, cfg: RunConfig) -> None:
        """Apply changes of the optimisation fields to this run, keeping the
        weights and the epoch (TF Playground keeps the network when the
        learning rate moves).

        The changes go through ``Trainer.retune``, the checks a new trainer
        runs: a batch size the scalar engine cannot take is refused with the
        cap's message (a ``RuleError`` naming batch_size), and the run stays as
        it was. A new kind of optimizer starts afresh (its own step count t = 0,
        no momentum or moments); the same kind keeps its memory, and lr, L1, L2
        and momentum change in place. A momentum of 0 is plain gradient
        descent; when it comes back, the velocity starts from the next gradient.
        Data or model changes raise a ``RuleError``: build a new run.
        """
        changed = reset_fields(self.config, cfg)
        if changed:
            raise RuleError(", ".join(changed), "changed: build a new run")
        same_kind = cfg.optimizer == self.config.optimizer
        optimizer = self.optimizer if same_kind else make_optimizer_for(cfg)
        schedule = make_schedule(cfg)
        self.trainer.retune(optimizer, batch_size=cfg.batch_size, schedule=schedule, lr=cfg.lr)
        if same_kind:   # values that passed the same rules when cfg was made: cannot fail
            momentum = {"momentum": cfg.momentum} if cfg.optimizer in MOMENTUM_OPTIMIZERS else {}
            optimizer.set(weight_decay=cfg.l2, l1=cfg.l1, **momentum)
        self.optimizer, self.schedule, self.config = optimizer, schedule, cfg


def build_run(cfg: RunConfig, data: Dataset | None = None) -> Run:
    """Data, model, optimizer, schedule and trainer for ``cfg``: the one place
    that builds a run (the CLI, the live page, the benchmarks and the tests
    all call it). ``data``: use this dataset instead of generating one."""
    data = data if data is not None else make_data(cfg)
    head = cfg.head(data.n_classes)
    # the network takes points (x1, x2) and computes its features itself
    model = make_mlp([len(cfg.features), *cfg.hidden, head.units],
                     activation=cfg.activation, output=head.output, engine=cfg.engine,
                     seed=cfg.seed, init=cfg.init, features=cfg.features)
    optimizer = make_optimizer_for(cfg)
    schedule = make_schedule(cfg)
    trainer = Trainer(model, data, loss=head.loss, optimizer=optimizer,
                      batch_size=cfg.batch_size or None, schedule=schedule, seed=cfg.seed)
    return Run(cfg, data, model, optimizer, schedule, trainer)
