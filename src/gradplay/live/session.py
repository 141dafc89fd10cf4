"""The live trainer's session, without any widgets: what Play, Pause, Step,
Reset, the speed control and the settings do to a run.

A ``Stream`` (``live.stream``) owns one and calls ``advance`` once per frame. A frame's training is bounded by time,
one mini-batch at a time (``Trainer.step_batch``), so the largest settings
still hand control back to the page -- and to Pause -- within a frame.

Settings are a ``RunConfig``. ``apply(new_config)`` keeps the run when only
the optimisation changed (learning rate, L1/L2, schedule, optimizer, batch
size: TF Playground keeps the network when the learning rate moves) and
starts a new one when the data or the architecture changed, saying which.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from .. import interop
from ..config import Run, RunConfig, build_run, reset_fields
from ..data import Dataset
from ..viz.frames import View, build_frame
from ..viz.plots import figure_png, plot_decision_boundary, plot_loss

__all__ = ["LiveSession", "SPEEDS", "FAST", "MAX_BUDGET"]

FAST = "max"                                  # as many epochs as fit in a frame's budget
SPEEDS = (1, 2, 5, 10, 25, 100, FAST)         # epochs per frame
MAX_BUDGET = 0.25                             # seconds of training in one frame, at most
_ids = itertools.count(1)


@dataclass
class LiveSession:
    """One run the page shows, and how the page drives it."""

    config: RunConfig
    data: Dataset | None = None                 # a dataset to use (a CSV), else generated
    stop_at: int | None = None                  # an optional last epoch
    run: Run = field(init=False)
    view: View = field(init=False)
    run_id: str = field(init=False)

    def __post_init__(self):
        self.run = build_run(self.config, self.data)
        self.data = self.run.data
        self.view = View.for_run(self.run.data.X, self.run.model.sizes)
        self.run_id = f"r{next(_ids)}"
        self.train_seconds = 0.0                # time spent in step_batch, for the benchmark

    # ------------------------------------------------------------------ state
    @property
    def trainer(self):
        return self.run.trainer

    @property
    def model(self):
        return self.run.model

    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    @property
    def last_epoch(self) -> int:
        """The epoch of the last history row (-1: none yet)."""
        epochs = self.trainer.history.epochs
        return epochs[-1] if epochs else -1

    @property
    def stopped(self) -> str | None:
        """Why training stopped by itself (NaN/inf), or None."""
        return self.trainer.history.stopped

    @property
    def finished(self) -> bool:
        """Diverged, or reached the optional last epoch."""
        return self.stopped is not None or (self.stop_at is not None
                                            and self.epoch >= self.stop_at)

    # ------------------------------------------------------------------ training
    def advance(self, epochs: int | str = 1, budget: float = MAX_BUDGET,
                keep_going=None) -> int:
        """One frame's training: ``epochs`` whole epochs (FAST: as many as fit),
        but never longer than ``budget`` seconds -- an epoch cut short is
        finished by the next frame. ``keep_going()`` is asked after every
        batch (the page's Pause). Returns the epochs completed."""
        start, first = time.perf_counter(), self.epoch
        want = None if epochs == FAST else int(epochs)
        trainer = self.trainer
        while not self.finished:
            if want is not None and self.epoch - first >= want:
                break
            if not trainer.step_batch():
                break
            if time.perf_counter() - start >= budget:
                break
            if keep_going is not None and not keep_going():
                break
        self.train_seconds += time.perf_counter() - start
        return self.epoch - first

    def step(self) -> int:
        """The Step button: to the end of the current epoch (a whole epoch
        when none is under way), even past the optional last epoch."""
        first = self.epoch
        if self.stopped is None:
            self.trainer.step()
        return self.epoch - first

    def reset(self) -> "LiveSession":
        """A fresh run from the same settings and data (new weights from the seed)."""
        return LiveSession(self.config, self.data, self.stop_at)

    def apply(self, config: RunConfig, data=None) -> tuple["LiveSession", list[str]]:
        """The session for new settings, and the fields that forced a new run.

        Optimisation changes are applied to this run (same weights, same
        epoch); data or architecture changes (or new ``data``) start anew.
        """
        changed = reset_fields(self.config, config)
        if data is not None and data is not self.data:
            changed = changed or ["data"]
        if changed:
            return LiveSession(config, data if data is not None else
                               (self.data if config.dataset == "csv" else None),
                               self.stop_at), changed
        if config != self.config:
            self.run.retune(config)
            self.config = config
        return self, []

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Set one weight W[layer][i, j] (i = -1: the bias b[layer][j]), as a
        click on an edge does in TF Playground."""
        value = float(value)
        if not -1e6 <= value <= 1e6:
            raise ValueError(f"a weight must be a finite number in [-1e6, 1e6], got {value!r}")
        weights = self.model.get_weights()
        if not 0 <= layer < len(weights):
            raise ValueError(f"layer must be in [0, {len(weights) - 1}], got {layer}")
        W, b = weights[layer]
        if not 0 <= j < W.shape[1] or not -1 <= i < W.shape[0]:
            raise ValueError(f"unit ({i}, {j}) is outside layer {layer}'s {W.shape} weights")
        if i == -1:
            b[j] = value
        else:
            W[i, j] = value
        self.model.set_weights(weights)   # the optimizer's state is by position: it carries on

    # ------------------------------------------------------------------ output
    def frame(self, *, seq: int, since_epoch: int = -1, static: bool = False,
              meta: dict | None = None, focus=None) -> bytes:
        """The frame the browser paints now (see ``viz.frames``); ``focus``: a
        ``live.focus.Focus`` whose numbers (a picked example) go with it."""
        extra = focus.frame_part(self) if focus is not None else None
        return build_frame(self.model, self.data, self.trainer.history, self.view,
                           grads=self.trainer.last_grads, since_epoch=since_epoch, seq=seq,
                           run_id=self.run_id, static=static, meta=meta, extra=extra)

    def model_json(self) -> bytes:
        """The model as gradplay JSON (``interop.loads`` reads it back)."""
        return interop.dumps(self.model).encode("utf-8")

    def boundary_png(self) -> bytes:
        """The decision boundary, prediction beside ground truth, as a PNG."""
        return figure_png(plot_decision_boundary(self.model, self.data))

    def loss_png(self) -> bytes:
        """The loss curves as a PNG."""
        return figure_png(plot_loss(self.trainer.history))
