"""The kernel's side of a widget's comm, recorded, for tests with no browser.

ipywidgets opens every widget's comm through ``comm.create_comm``, the hook a
kernel (ipykernel) fills in; outside a kernel it gives a comm that drops
everything. ``front_end`` fills it with ``RecordingComm``: what the widget
publishes is kept, and a view's messages go in through ``comm.handle_msg``,
the call ipykernel makes when a ``comm_msg`` arrives. The widget's own code
runs unchanged from there on (ipywidgets' dispatch, anywidget, the link, the
stream). ``View`` speaks as ``renderer/widget.js`` does.
"""

from __future__ import annotations

import json
import threading
import time

import comm
import pytest
from comm.base_comm import BaseComm

from gradplay.viz.frames import unpack

pytest.importorskip("anywidget")


class RecordingComm(BaseComm):
    """A comm whose published messages are kept (thread-safe: the stream's
    worker publishes frames)."""

    def __init__(self, *args, **kwargs):
        self.published, self.arrived = [], threading.Condition()
        super().__init__(*args, **kwargs)

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        with self.arrived:
            self.published.append((msg_type, data, [bytes(b) for b in buffers or []]))
            self.arrived.notify_all()

    def custom(self) -> list[tuple[dict, list[bytes]]]:
        """The custom messages sent so far: (content, buffers)."""
        with self.arrived:
            return [(d["content"], b) for t, d, b in self.published
                    if t == "comm_msg" and d.get("method") == "custom"]

    def frames(self) -> list[dict]:
        """The frames' headers, in order."""
        return [unpack(b[0])[0] for c, b in self.custom() if c.get("kind") == "frame"]

    def texts(self) -> list[dict]:
        """The stream's JSON messages, decoded, in order."""
        return [json.loads(c["text"]) for c, b in self.custom() if c.get("kind") == "message"]

    def wait_for(self, test, seconds: float = 20.0):
        """Wait until ``test(self)`` is truthy; its value. (A bound on a hang,
        not a timing claim: the test fails if it never comes.)"""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while True:
                value = test(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                assert left > 0, "the widget never sent what the test waited for"
                self.arrived.wait(min(left, 0.05))

    def deliver(self, content) -> None:
        """A custom message from the browser, as ipykernel hands it to the comm."""
        self.handle_msg({"content": {"comm_id": self.comm_id,
                                     "data": {"method": "custom", "content": content}},
                         "buffers": []})


class View:
    """One view of a widget, as widget.js talks: open, messages, close."""

    def __init__(self, widget, name: str = "v1"):
        """(Call it as ``front_end.view(widget, name)``.)"""
        self.comm, self.name = widget.comm, name

    def open(self) -> "View":
        self.comm.deliver({"event": "open", "view": self.name})
        return self

    def say(self, message) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        self.comm.deliver({"event": "message", "view": self.name, "text": text})

    def ack(self, seq: int) -> None:
        self.say({"type": "ack", "seq": seq})

    def close(self) -> None:
        self.comm.deliver({"event": "close", "view": self.name})


class FrontEnd(list):
    """The widgets a test made (it appends them: they are closed even if it
    fails), and ``view(widget, name)``: a new view of one."""

    view = View


@pytest.fixture
def front_end(monkeypatch):
    """Widgets made in this test publish into RecordingComms."""
    monkeypatch.setattr(comm, "create_comm", RecordingComm)
    made = FrontEnd()
    yield made
    for w in made:
        w.close()
