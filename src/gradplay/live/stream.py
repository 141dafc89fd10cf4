"""One learner's live run, paced by their renderer, with no host in sight.

A ``Stream`` owns a ``LiveSession`` and a worker thread. The worker trains in
slices bounded by time (one mini-batch at a time, ``LiveSession.advance``),
builds a frame when the renderer can take one, and hands it to ``send`` --
whatever the host uses to reach the browser (a WebSocket, a widget's comm).
Everything else reaches the worker as a message of ``live.protocol``: the
renderer's (Play, Pause, a weight edit, an acknowledgement) through
``receive``, the host's Python (``play()``, ``apply(config)``, ``read(fn)``)
through the same inbox. The worker asks after every mini-batch whether a
message waits, so Pause is answered within one batch at any size.

Pacing: at most ``window`` frames are on their way (sent, not yet drawn); a
frame goes at most ``fps`` times a second. At "max" speed training goes on
flat out while frames still go at ``MAX_FPS``. A renderer that has not
answered for ``STALL_SECONDS`` no longer holds training back (a notebook run
with no front end, a lost message).

The session is touched by the worker thread only; ``read(fn)`` runs ``fn``
there, between two batches, and returns its result.

The streams of one process take turns (``TURN``): one trains, draws or
answers a ``read`` at a time, the others wait for their turn while they wait
for the clock or the renderer anyway. Python runs one thread at a time (the
GIL); without turns, twenty workers hand the GIL to each other around every
small NumPy call, and the handoffs cost more than the work: 3.3 ms of server
CPU a frame against 1.6 ms with turns, 18 against 30 frames a second each
(20 learners, ``benchmarks/live_load.py``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Callable

from .focus import Focus
from .protocol import ProtocolError, decode, encode, speed_value
from .session import FAST, LiveSession

__all__ = ["Stream", "FPS", "MAX_FPS", "WINDOW", "STALL_SECONDS", "TURN"]

FPS = 60                 # frames a second, at most (TF Playground paints every epoch at 60)
MAX_FPS = 30             # at "max" speed: the rest of the time trains
WINDOW = 2               # frames sent and not yet drawn, at most
STALL_SECONDS = 2.0      # a renderer silent this long while frames wait no longer paces
YIELD_SECONDS = 0.005    # training lets the event loop run at least this often
CALL_SECONDS = 30.0      # read() and apply() give up after this long
log = logging.getLogger(__name__)
TURN = threading.Lock()  # held while a stream trains, draws or runs a read (see the docstring)


class Stream:
    """A live run and its play loop: see the module docstring."""

    def __init__(self, session: LiveSession, *, fps: float = FPS, window: int = WINDOW,
                 meta: dict | None = None, start: bool = True):
        self.session = session
        self.fps, self.window = fps, window
        self.meta = dict(meta or {})        # the host's extras for every frame (hidden controls)
        self._send: Callable | None = None
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Event()
        self._seq = self._acked = 0
        self._acked_at = time.monotonic()
        self._playing, self._speed, self._closed = False, 1, False
        self._step_to: int | None = None    # a Step under way: the epoch it ends at
        self._sent_run, self._sent_epoch = None, -1   # what the renderer has: statics, history
        self._dirty = True                  # a frame is owed (a change while paused)
        self._next_frame = 0.0
        self._yielded = 0.0                 # when training last let the event loop run
        self.focus = Focus()                # the picked example and the selected weight
        self.frames = 0                     # frames sent (for benchmarks)
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"gradplay-stream-{session.run_id}")
        if start:
            self._thread.start()

    # ------------------------------------------------------------------ the host's side
    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def config(self):
        return self.session.config

    @property
    def speed(self):
        """Epochs per frame (``FAST``: as many as fit)."""
        return self._speed

    def attach(self, send: Callable) -> None:
        """A renderer is connected: ``send(bytes | str)`` reaches it (thread-safe,
        non-blocking). It gets everything again: the points, the whole history."""
        self._post("attach", {"send": send})

    def detach(self) -> None:
        """The renderer is gone: training pauses (nobody is watching)."""
        self._post("detach", {})

    def receive(self, raw) -> None:
        """A message from the renderer, checked by the protocol's table. A bad
        one is answered with an ``error`` message and changes nothing."""
        try:
            name, payload = decode(raw)
        except ProtocolError as e:
            self._emit(encode("error", message=str(e)))
            return
        if name == "ack":                   # hot path: no queue, the worker reads it
            self._acked = min(payload["seq"], self._seq)
            self._acked_at = time.monotonic()
            self._wake.set()
            return
        if name == "pause" and self._playing:
            # the renderer shows it at once; training stops after the batch under way
            self._emit(encode("state", playing=False, speed=str(self._speed)))
        self._post(name, payload)

    def play(self) -> None:
        self._post("play", {})

    def pause(self) -> None:
        self._post("pause", {})

    def step(self) -> None:
        self._post("step", {})

    def reset(self) -> None:
        self._post("reset", {})

    def set_speed(self, speed) -> None:
        self._post("speed", {"value": str(speed)})

    def apply(self, config, data=None) -> list[str]:
        """New settings (``LiveSession.apply``): the fields that forced a new run.
        A setting the run refuses raises its ValueError here; nothing changes."""
        return self.read(lambda s: self._apply(config, data))

    def read(self, fn: Callable):
        """``fn(session)``, run by the worker between two batches; its result."""
        if threading.current_thread() is self._thread or not self._thread.is_alive():
            return fn(self.session)
        done: Future = Future()
        self._post("call", {"fn": fn, "done": done})
        return done.result(CALL_SECONDS)

    def close(self) -> None:
        """Stop the worker; the stream is done."""
        self._post("close", {})

    @property
    def closed(self) -> bool:
        return self._closed

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    # ------------------------------------------------------------------ the worker
    def _post(self, name: str, payload: dict) -> None:
        self._inbox.put((name, payload))
        self._wake.set()

    def _emit(self, data) -> None:
        send = self._send
        if send is not None:
            try:
                send(data)
            except Exception:               # the host's connection is gone
                log.debug("send failed", exc_info=True)
                self._send = None

    def _loop(self) -> None:
        while not self._closed:
            try:
                self._turn()
            except Exception as e:          # a bug must not freeze the learner's page
                log.exception("live stream")
                self._playing, self._dirty = False, True
                self._emit(encode("error", message=f"training stopped: {type(e).__name__}"))

    def _turn(self) -> None:
        """One turn: apply what waits, then train and draw, or sleep until woken."""
        self._wake.clear()
        self._drain()
        if self._closed:
            return
        can_send = self._send is not None and self._in_flight() < self.window
        if self._playing:
            if self._dirty and can_send:    # a change shows at once (Play, a Step under way)
                with TURN:
                    self._frame()
            self._play()
        elif self._dirty and can_send:
            with TURN:
                self._frame()               # a change while paused (paced like the rest)
        else:
            self._wake.wait(1.0)

    def _drain(self) -> None:
        while True:
            try:
                name, payload = self._inbox.get_nowait()
            except queue.Empty:
                return
            try:
                self._handle(name, payload)
            except ValueError as e:         # a refused edit or setting: say so, change nothing
                self._emit(encode("error", message=str(e)))
            # a read changes nothing to show (one that starts a new run says so itself)
            self._dirty = self._dirty or name != "call"

    def _play(self) -> None:
        """Train up to the next frame, then send it if the renderer can take one.

        At 1 to 100 epochs a frame, a frame waits for the renderer and the
        clock, then trains its epochs (for at most one frame's time). At max
        speed, and during a Step, training runs until the next frame is due
        and goes on while the renderer is behind."""
        fast = self._speed == FAST or self._step_to is not None
        period = 1 / (MAX_FPS if fast else self.fps)
        now = time.monotonic()
        behind = self._in_flight() >= self.window
        if not fast and (behind or now < self._next_frame):    # the renderer or the clock
            self._wake.wait(0.25 if behind else self._next_frame - now)
            return
        if now >= self._next_frame:                             # this frame's, the next one's time
            self._next_frame = max(self._next_frame, now - period) + period
        epochs = 1 if self._step_to is not None else self._speed
        budget = max(self._next_frame - now, 0.001) if fast else period
        with TURN:
            self.session.advance(epochs, budget=budget, keep_going=self._between_batches)
        if self.session.finished or (self._step_to is not None
                                     and self.session.epoch >= self._step_to):
            self._playing, self._step_to = False, None
        elif fast and (behind or time.monotonic() < self._next_frame):
            return                                              # train on
        if self._send is not None:
            with TURN:
                self._frame()

    def _between_batches(self) -> bool:
        """Asked after every mini-batch: go on unless a message waits. At
        most every ``YIELD_SECONDS`` of training it also lets the event loop's
        thread take the GIL (send a frame, hear an acknowledgement): a
        pure-Python batch of the scalar engine would keep it for the
        interpreter's whole switch interval, and yielding after every small
        NumPy batch would cost a third of max speed."""
        now = time.monotonic()
        if now - self._yielded >= YIELD_SECONDS:
            time.sleep(0)
            self._yielded = now
        return self._inbox.empty()

    def _in_flight(self) -> int:
        if self._send is None or time.monotonic() - self._acked_at > STALL_SECONDS:
            return 0                                    # nobody paces us
        return self._seq - self._acked

    def _frame(self) -> None:
        s = self.session
        fresh = self._sent_run != s.run_id
        self._seq += 1
        if self._in_flight() == 1:                      # the first in a while: time from now
            self._acked_at = time.monotonic()
        data = s.frame(seq=self._seq, since_epoch=-1 if fresh else self._sent_epoch,
                       static=fresh, meta=self._meta(), focus=self.focus)
        self._sent_run, self._sent_epoch = s.run_id, s.last_epoch
        self._dirty = False
        self.frames += 1
        self._emit(data)

    def _meta(self) -> dict:
        c = self.session.config
        return {**self.meta, "playing": self._playing, "speed": str(self._speed),
                "stepping": self._step_to is not None,
                "finished": self.session.finished,
                "view": {"discretize": c.discretize, "show_test": c.show_test}}

    # ------------------------------------------------------------------ messages
    def _handle(self, name: str, p: dict) -> None:
        s = self.session
        if name == "call":
            self._call(p)
        elif name == "attach":
            self._send, self._sent_run = p["send"], None
            self._acked, self._acked_at = self._seq, time.monotonic()
        elif name in ("detach", "pause"):
            if name == "detach":
                self._send = None
            self._playing, self._step_to = False, None
        elif name == "close":
            self._closed, self._playing, self._send = True, False, None
        elif name == "play":
            self._step_to = None
            if s.finished and s.stopped is None:
                s.stop_at = None                        # past the last epoch: on until Pause
            self._playing = s.stopped is None
            self._next_frame = 0.0
        elif name == "step":                            # to the end of this epoch, in slices
            if s.finished and s.stopped is None:
                s.step()                                # past the optional last epoch
            elif s.stopped is None:                     # Step pressed again: one more epoch
                self._step_to = (self._step_to or s.epoch) + 1
                self._playing = True
        elif name == "reset":
            self._playing, self._step_to = False, None
            self._replace(s.reset())
        else:
            self._lever(name, p)

    def _lever(self, name: str, p: dict) -> None:
        """The renderer's levers: speed, a weight, the features, the display, the focus."""
        s = self.session
        if name == "hello":
            self._sent_run = None                       # a new view: send it everything
        elif name == "speed":
            self._speed = speed_value(p["value"])
            self._settings(speed=p["value"])
        elif name == "edit":
            s.set_weight(p["layer"], p["i"], p["j"], p["value"])
        elif name == "features":
            self._apply(s.config.replace(features=p["names"]))
            self._settings(features=list(p["names"]))
        elif name == "view":
            self._apply(s.config.replace(**p))
            self._settings(**p)
        elif name in ("pick", "select", "walk", "neuron"):
            self.focus = self.focus.changed(name, p, s)
        elif name == "update":                          # the walk's last step, then its first
            self.focus.sgd_step(s)
            self.focus = self.focus.changed("walk", {"step": 0}, s)

    def _settings(self, **values) -> None:
        self._emit(encode("settings", values=values))

    def _apply(self, config, data=None) -> list[str]:
        new, changed = self.session.apply(config, data)
        if new is not self.session:
            self._replace(new)
            self._emit(encode("notice", text=f"{', '.join(changed)} changed: a new network, "
                                             "starting again from epoch 0."))
        return changed

    def _replace(self, session: LiveSession) -> None:
        session.stop_at = self.session.stop_at
        self.session, self._dirty = session, True
        self.focus = Focus()

    def _call(self, p: dict) -> None:
        done: Future = p["done"]
        try:
            with TURN:
                result = p["fn"](self.session)
            done.set_result(result)
        except BaseException as e:        # handed to the caller, who raises it
            done.set_exception(e)
