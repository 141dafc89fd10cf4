"""``LiveTrainer``: the web page's live trainer in a notebook cell (an anywidget).

    from gradplay.widgets import LiveTrainer
    w = LiveTrainer(preset="moons-best")     # or a RunConfig, or fields: hidden=(8, 8), lr=0.03
    w                                        # the picture, with its own Play/Pause/Step/Reset
    w.play(); ...; w.pause()                 # the same from Python
    w.session.model.get_weights()            # read the run once paused (or use w.read(fn))

It is the page's renderer (``gradplay.renderer``, the same ES modules
bundled with ``widget.js``) and the page's ``Stream``: only the transport
differs, the widget's comm instead of a WebSocket (``widgets.link``).

Training runs in the stream's worker thread, so the notebook stays usable
while it plays. That thread owns the run: read it from Python while paused
(``pause()`` returns once training has stopped), or pass a function to
``read(fn)``, which runs it between two mini-batches.

With no front end (a notebook run headless) nothing paces the stream:
``step()`` and ``play(); time.sleep(1); pause()`` train as usual.
"""

from __future__ import annotations

import time
import weakref

import anywidget
import traitlets

from .. import renderer
from ..config import RunConfig
from ..live import SPEEDS, LiveSession
from .inputs import config_from, dataset_from
from .link import Link

__all__ = ["LiveTrainer", "HEIGHT"]

HEIGHT = 500          # pixels: the renderer's height, as on the web page
STEP_POLL = 0.005     # seconds between two looks at a Step under way


def _sender(widget: "LiveTrainer"):
    """``send`` for the stream: to the widget's views, holding it weakly (the
    worker thread must not keep a widget alive that nobody else holds)."""
    ref = weakref.ref(widget)

    def send(data) -> None:
        w = ref()
        if w is None:
            raise RuntimeError("the widget is gone")    # the stream stops sending
        if isinstance(data, bytes):
            w.send({"kind": "frame"}, buffers=[data])
        else:
            w.send({"kind": "message", "text": data})
    return send


def _from_view(widget: "LiveTrainer", content, buffers) -> None:
    """A custom comm message from one of the widget's views."""
    widget._link.receive(content)


def _speed_text(speed) -> str:
    text = str(speed)
    if text not in map(str, SPEEDS):
        raise ValueError(f"speed must be one of {', '.join(map(str, SPEEDS))}; got {text[:20]!r}")
    return text


class LiveTrainer(anywidget.AnyWidget):
    """A live run in a notebook. ``LiveTrainer(config=None, *, preset=None,
    data=None, speed=1, height=500, **fields)``: a ``RunConfig``, a preset's
    name (``config.PRESETS``) or the defaults, with ``fields`` (``RunConfig``'s
    names) over it. ``data``: the learner's own (``widgets.inputs.dataset_from``:
    a ``Dataset``, arrays ``(X, y)``, or a CSV); it is kept across resets."""

    _esm = renderer.bundle("widget")
    _css = renderer.css()
    height = traitlets.Int(HEIGHT).tag(sync=True)

    def __init__(self, config: RunConfig | None = None, *, preset: str | None = None,
                 data=None, speed=1, height: int = HEIGHT, **fields):
        cfg = config_from(config, preset, fields)
        dataset = dataset_from(data, cfg)
        if dataset is not None:
            cfg = cfg.replace(dataset="csv")    # "the data given": kept by resets and apply
        session = LiveSession(cfg, dataset)     # bad settings raise here, before any comm
        super().__init__(height=height)
        self._link = Link(session, _sender(self), speed=_speed_text(speed))
        self._link.stream                       # open: the thread starts
        self.on_msg(_from_view)

    # ------------------------------------------------------------------ controls
    def play(self) -> None:
        """Train until ``pause()`` (or Pause in the widget), in the stream's
        thread: returns as soon as training has started."""
        self._do("play")

    def pause(self) -> None:
        """Stop training; returns once the current mini-batch is done."""
        self._do("pause")

    def step(self) -> None:
        """Train to the end of the epoch under way (a whole one if none is),
        then pause. The stream trains it in slices, so the widget's Pause
        still answers; this returns when it is done, or when Pause or Play
        in the widget has taken over."""
        stream = self._link.stream
        goal = stream.read(lambda s: s.epoch) + 1
        self._do("step")
        while stream.playing and stream.session.epoch < goal:
            time.sleep(STEP_POLL)
        stream.read(lambda s: None)             # the worker has ended its turn: paused

    def reset(self) -> None:
        """New weights from the seed, epoch 0 (the data stay)."""
        self._do("reset")

    def _do(self, control: str) -> None:
        """Post a control to the stream and wait until its worker has taken it."""
        stream = self._link.stream
        getattr(stream, control)()
        stream.read(lambda s: None)             # the worker takes messages in order: done

    def apply(self, config: RunConfig | None = None, *, data=None, **fields) -> list[str]:
        """New settings, as on the page: optimisation fields (lr, optimizer,
        L1/L2, batch size, schedule) keep the run; data or architecture fields
        start a new one. Returns those fields (empty: the run goes on). A
        value a field refuses raises ValueError and changes nothing."""
        base = config if config is not None else self.config
        cfg = config_from(base, None, fields)
        dataset = dataset_from(data, cfg)
        if dataset is not None:
            cfg = cfg.replace(dataset="csv")
        return self._link.stream.apply(cfg, dataset)

    def read(self, fn):
        """``fn(session)``, run in the training thread between two batches: a
        safe read (or change) of the run while it plays. Returns its result."""
        return self._link.read(fn)

    def close(self) -> None:
        """Close the widget: its views go, and its stream's thread ends."""
        link = self.__dict__.get("_link")       # None if __init__ refused the settings
        if link is not None:
            link.close()
        super().close()

    def __repr__(self) -> str:
        """What the run is (a notebook with no front end prints this)."""
        s = self._link.session
        return f"LiveTrainer({s.model.describe()} on {s.data!r})"

    # ------------------------------------------------------------------ state
    @property
    def session(self) -> LiveSession:
        """The run (model, data, trainer, history). The training thread changes
        it while playing: read it after ``pause()``, or through ``read(fn)``."""
        return self._link.session

    @property
    def config(self) -> RunConfig:
        return self._link.session.config

    @property
    def epoch(self) -> int:
        """Epochs trained so far (read between two batches)."""
        return self._link.read(lambda s: s.epoch)

    @property
    def playing(self) -> bool:
        return self._link.playing

    @property
    def speed(self) -> str:
        """Epochs per frame ("1" ... "100", or "max"), as the speed menu shows."""
        return self._link.speed

    @speed.setter
    def speed(self, value) -> None:
        self._link.set_speed(_speed_text(value))
