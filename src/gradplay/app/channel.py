"""The live channel: one WebSocket per learner, beside Streamlit's own.

The trainer page makes a ``Stream`` (``gradplay.live``) for its learner and
registers it here under an unguessable token (``secrets.token_urlsafe``);
the page's renderer connects to ``PATH?token=...``. From then on frames,
acknowledgements and the renderer's clicks travel on this socket, with no
Streamlit script rerun. The socket's handler runs on the server's event
loop and only carries bytes: training happens in the stream's own thread.

The channel is a door, so it is locked:

* the Origin header must name this server's host (a page of another site
  cannot connect on a learner's behalf): otherwise the handshake is refused;
* a connection without a live token is closed (1008, policy violation)
  before any frame is sent; a token lives as long as its page's session
  (``Ticket``), and one connection per token at a time;
* messages are bounded in size (``protocol.MAX_MESSAGE_BYTES``) and rate
  (``RATE`` a second, bursts of ``BURST``; a renderer that keeps flooding
  is closed); a bad one gets an ``error`` message back and changes nothing;
* the server holds at most ``MAX_STREAMS`` streams; a closed tab's stream is
  freed ``GRACE_SECONDS`` later, one nobody connected to after
  ``CONNECT_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..live.protocol import MAX_MESSAGE_BYTES, encode
from ..live.stream import Stream

__all__ = ["PATH", "WINDOW", "Registry", "REGISTRY", "Ticket", "Full", "live_endpoint", "same_origin",
           "MAX_STREAMS", "GRACE_SECONDS", "CONNECT_SECONDS", "RATE", "BURST"]

PATH = "/_gradplay/live"
log = logging.getLogger(__name__)
# live streams per server process (each a thread); GRADPLAY_MAX_STREAMS sets another bound
MAX_STREAMS = int(os.environ.get("GRADPLAY_MAX_STREAMS", "48"))
GRACE_SECONDS = 5.0       # a dropped connection may come back this long (a network blip)
CONNECT_SECONDS = 30.0    # a registered stream nobody connects to is freed after this long
RATE, BURST = 200.0, 400  # messages a second from one renderer (it acks at most 60)
POLICY_VIOLATION = 1008
MAX_QUEUED = 64           # messages waiting to go out to one renderer, at most
# frames on their way to one renderer: the page's renderer acknowledges about
# every other frame (streamlit.js, ackMs), each acknowledgement costing the
# server's event loop as much as a frame's sending
WINDOW = 4


class Full(RuntimeError):
    """The server already holds its most live streams."""


class Ticket:
    """What a page keeps in its session state for its stream. The token dies
    with it: when the session is dropped, the registry frees the stream."""

    def __init__(self, token: str, stream: Stream):
        self.token, self.stream = token, stream


@dataclass
class _Entry:
    stream: Stream
    since: float                  # when registered, or when its connection ended
    connected: bool = False
    seen: bool = False            # it has had a connection


@dataclass
class Registry:
    """Tokens -> streams, bounded; shared by the page scripts and the socket
    handler (one lock)."""

    max_streams: int = MAX_STREAMS
    grace: float = GRACE_SECONDS
    connect: float = CONNECT_SECONDS
    _entries: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, stream: Stream) -> Ticket:
        """A new token for ``stream``; raises ``Full`` past ``max_streams``."""
        self.sweep()
        with self._lock:
            if len(self._entries) >= self.max_streams:
                raise Full(f"this server runs its most live trainers ({self.max_streams}); "
                           "close another tab or try again in a minute")
            token = secrets.token_urlsafe(24)
            self._entries[token] = _Entry(stream, time.monotonic())
        ticket = Ticket(token, stream)
        weakref.finalize(ticket, self.drop, token)
        return ticket

    def alive(self, token: str) -> bool:
        with self._lock:
            return token in self._entries

    def claim(self, token) -> Stream | None:
        """The stream of a connection with this token, or None: unknown, or
        already connected (one connection per token)."""
        self.sweep()
        with self._lock:
            entry = self._entries.get(token) if isinstance(token, str) else None
            if entry is None or entry.connected:
                return None
            entry.connected = entry.seen = True
            return entry.stream

    def release(self, token: str) -> None:
        """The connection of ``token`` has ended: its grace period starts."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is not None:
                entry.connected, entry.since = False, time.monotonic()

    def drop(self, token: str) -> None:
        """Forget ``token`` and stop its stream."""
        with self._lock:
            entry = self._entries.pop(token, None)
        if entry is not None:
            entry.stream.close()

    def sweep(self) -> None:
        """Free the streams whose connection ended more than ``grace`` ago, or
        that nobody connected to within ``connect``."""
        now = time.monotonic()
        with self._lock:
            stale = [t for t, e in self._entries.items() if not e.connected
                     and now - e.since > (self.grace if e.seen else self.connect)]
        for token in stale:
            self.drop(token)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


REGISTRY = Registry()


def same_origin(headers) -> bool:
    """Whether the Origin header names the host the request came to."""
    origin, host = headers.get("origin"), headers.get("host")
    if not origin or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


class _Bucket:
    """A token bucket: ``rate`` messages a second, bursts of ``burst``. A
    message over the rate is refused and still counted, so a renderer that
    keeps flooding runs into debt; ``drowned`` past ``burst`` of it."""

    def __init__(self, rate: float = RATE, burst: int = BURST):
        self.rate, self.burst, self.level, self.at = rate, burst, float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self.at) * self.rate) - 1
        self.at = now
        return self.level >= 0

    @property
    def drowned(self) -> bool:
        return self.level < -self.burst


async def live_endpoint(ws, registry: Registry | None = None) -> None:
    """One renderer's connection (a Starlette WebSocket): see the module docstring."""
    registry = registry or REGISTRY
    if not same_origin(ws.headers):
        await ws.close(code=POLICY_VIOLATION)       # before accept: the handshake is refused
        return
    token = ws.query_params.get("token", "")
    stream = registry.claim(token)
    await ws.accept()
    if stream is None:
        await ws.close(code=POLICY_VIOLATION, reason="no live run for this token")
        return
    out: asyncio.Queue = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def send(data) -> None:                          # from the stream's thread
        loop.call_soon_threadsafe(_enqueue, out, data)

    pump = asyncio.create_task(_pump(ws, out))
    stream.attach(send)
    try:
        await _listen(ws, stream, send)
    finally:
        stream.detach()
        registry.release(token)
        pump.cancel()
        loop.call_later(registry.grace + 0.5, registry.sweep)


def _enqueue(out: asyncio.Queue, data) -> None:
    """Queue a message for the renderer; past ``MAX_QUEUED`` (a renderer that
    does not read) text messages are dropped, frames are paced by the stream."""
    if out.qsize() < MAX_QUEUED or isinstance(data, bytes):
        out.put_nowait(data)


async def _pump(ws, out: asyncio.Queue) -> None:
    """Send what the stream hands over, in order."""
    while True:
        data = await out.get()
        try:
            if isinstance(data, bytes):
                await ws.send_bytes(data)
            else:
                await ws.send_text(data)
        except Exception:                             # the connection is gone
            return


async def _listen(ws, stream: Stream, send) -> None:
    """Hand the renderer's messages to the stream, bounded in size and rate."""
    bucket, refused = _Bucket(), 0
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        raw = message.get("bytes") if raw is None else raw
        if raw is None:
            continue
        if not bucket.take():
            refused += 1
            if refused % BURST == 1:
                send(encode("error", message=f"too many messages: at most {RATE:g} a second"))
            if bucket.drowned:
                await ws.close(code=POLICY_VIOLATION, reason="too many messages")
                return
            continue
        if len(raw) > MAX_MESSAGE_BYTES:
            send(encode("error", message=f"a message may have at most {MAX_MESSAGE_BYTES} "
                                         f"bytes, got {len(raw)}"))
            continue
        try:
            stream.receive(raw)
        except Exception:                              # a bug must not drop the learner
            log.exception("live channel")
            send(encode("error", message="the server could not take that message"))
