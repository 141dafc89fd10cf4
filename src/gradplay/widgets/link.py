"""A widget's live run and the views that show it: the comm's end of the stream.

A Jupyter widget reaches its views through one comm, and every view hears
every message. ``Link`` is what a ``LiveTrainer`` hands the comm's traffic
to. It owns the run's ``Stream`` (``gradplay.live``) and speaks the comm's
envelope (``renderer/widget.js`` is the other end):

    view -> Python: {"event": "open", "view": id}          a view is shown
                    {"event": "message", "view": id, "text": "<JSON>"}
                    {"event": "close", "view": id}         a view is gone

``open`` is what a WebSocket's connection is to the web page: the stream is
attached and sends that view everything. A message's ``text`` goes to
``Stream.receive`` unchanged, so it passes the same checks
(``live.protocol``) as the web channel's; a malformed envelope is answered
with an ``error`` message too, and changes nothing.

When the last view closes (its cell re-run or cleared) nobody watches: the
stream is closed, so its thread ends, and the run (the ``LiveSession``) is
kept. A new view, or a call from Python, opens a new stream on it.

The stream's worker thread holds the link, never the widget: ``deliver`` is
given a weak reference (see ``live_trainer``), so a widget nobody holds is
freed even while its run plays.
"""

from __future__ import annotations

import threading
import weakref
from typing import Callable

from ..live import LiveSession, Stream
from ..live.protocol import ProtocolError, encode

__all__ = ["Link", "envelope", "live_streams", "EVENTS", "WINDOW", "JOIN_SECONDS"]

EVENTS = ("open", "message", "close")
WINDOW = 10                      # frames on their way over the comm, at most: widget.js
                                 # sends one ack per 100 ms (6 frames at 60 fps), and a
                                 # comm's round trip is slower than a WebSocket's
MAX_VIEW_ID = 64                 # characters of a view's name, at most
JOIN_SECONDS = 5.0               # a closing stream finishes its batch within this
_STREAMS: "weakref.WeakSet[Stream]" = weakref.WeakSet()   # every stream a link opened


def live_streams() -> int:
    """How many widgets' streams are running now (each one a thread)."""
    return sum(1 for s in list(_STREAMS) if not s.closed)


def envelope(content) -> tuple[str, str, str | None]:
    """A view's comm message -> (event, view, text); ``ProtocolError`` if malformed."""
    if not isinstance(content, dict):
        raise ProtocolError("a widget message must be an object with an event and a view")
    event, view = content.get("event"), content.get("view")
    if event not in EVENTS:
        raise ProtocolError(f"a widget message's event must be one of {', '.join(EVENTS)}")
    if not isinstance(view, str) or not 0 < len(view) <= MAX_VIEW_ID:
        raise ProtocolError(f"a widget message's view must be a name of 1 to {MAX_VIEW_ID} "
                            "characters")
    allowed = {"event", "view", "text"} if event == "message" else {"event", "view"}
    extra = set(content) - allowed
    if extra:
        raise ProtocolError(f"{event}: unknown field {sorted(map(str, extra))[0][:40]!r}")
    text = content.get("text")
    if event == "message" and not isinstance(text, str):
        raise ProtocolError("message: text must be a renderer message as JSON text")
    return event, view, text


class Link:
    """One widget's run, its stream (opened when needed) and its open views."""

    def __init__(self, session: LiveSession, deliver: Callable, *, speed: str = "1",
                 meta: dict | None = None):
        self._deliver = deliver          # (bytes | str) -> None: to every view, via the comm
        self._session = session          # the run while no stream is open
        self._stream: Stream | None = None
        self._lock = threading.Lock()
        self._speed, self.meta = speed, dict(meta or {})   # for the next stream
        self.views: set[str] = set()
        self.closed = False

    # ------------------------------------------------------------------ the stream
    @property
    def stream(self) -> Stream:
        """The run's stream: a new one on the same run if none is open."""
        with self._lock:
            if self.closed:
                raise RuntimeError("this LiveTrainer is closed")
            if self._stream is None:
                self._stream = Stream(self._session, meta=self.meta, window=WINDOW)
                self._stream.set_speed(self._speed)
                _STREAMS.add(self._stream)
                if self.views:
                    self._stream.attach(self.send)
            return self._stream

    @property
    def session(self) -> LiveSession:
        """The run now (a reset or a new architecture replaces it)."""
        stream = self._stream
        return stream.session if stream is not None else self._session

    @property
    def speed(self) -> str:
        """Epochs per frame, as the protocol writes it ("5", "max")."""
        stream = self._stream
        return str(stream.speed) if stream is not None else self._speed

    def set_speed(self, text: str) -> None:
        """A checked speed ("5", "max"): now, or for the next stream."""
        self._speed = text
        stream = self._stream
        if stream is not None:
            stream.set_speed(text)
            stream.read(lambda s: None)          # taken by the worker

    @property
    def playing(self) -> bool:
        stream = self._stream
        return stream is not None and stream.playing

    def read(self, fn: Callable):
        """``fn(session)`` between two batches (or at once when no stream runs)."""
        stream = self._stream
        return stream.read(fn) if stream is not None else fn(self._session)

    def sleep(self) -> None:
        """Close the stream (its thread ends); the run is kept for the next one."""
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
            stream.join(JOIN_SECONDS)
            self._session, self._speed = stream.session, str(stream.speed)

    def close(self) -> None:
        """The widget is closed: end the stream for good."""
        self.sleep()
        self.closed = True
        self.views.clear()

    # ------------------------------------------------------------------ the comm
    def send(self, data) -> None:
        """To every view (the stream's ``send``: called from its worker thread)."""
        self._deliver(data)

    def receive(self, content) -> None:
        """A view's comm message (see the module docstring)."""
        if self.closed:                  # a closed widget's views are going away
            return
        try:
            event, view, text = envelope(content)
            if event != "open" and view not in self.views:
                raise ProtocolError(f"{event}: view {view[:40]!r} is not open")
        except ProtocolError as e:
            self.send(encode("error", message=str(e)))
            return
        if event == "open":
            self.views.add(view)
            self.stream.attach(self.send)
        elif event == "close":
            self.views.discard(view)
            if not self.views:
                self.sleep()
        else:
            self.stream.receive(text)
