"""The live channel's messages: one table, written once, that every host speaks.

A live trainer is a renderer (JavaScript, in a browser) talking to a
``Stream`` (Python). Whatever carries the messages -- a WebSocket beside
Streamlit, a Jupyter widget's comm -- they are the same:

* from the stream: frames as binary messages (``viz.frames.pack``), and the
  small JSON messages of ``MESSAGES`` whose direction is ``OUT``;
* from the renderer: JSON messages ``{"type": name, ...payload}`` whose
  direction is ``IN``.

Each row names a message, its direction, its payload's fields with the rule
each must satisfy (``gradplay.rules``) and what it means. ``decode`` checks a
message against its row before anything acts on it: a malformed or unknown
message raises ``ProtocolError`` (a ``ValueError``) and changes nothing; the
host answers it with an ``error`` message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..features import FEATURES
from ..rules import Flag, Interval, Names, OneOf
from .session import SPEEDS

__all__ = ["IN", "OUT", "Message", "MESSAGES", "ProtocolError", "decode", "encode",
           "MAX_MESSAGE_BYTES", "speed_value"]

IN, OUT = "in", "out"              # renderer -> stream, stream -> renderer
MAX_MESSAGE_BYTES = 64 * 1024      # a message from the renderer, at most (the largest is ~100 B)
_INDEX = Interval(int, -1, 1_000_000)          # a layer, a unit, a row; -1: none (a bias, let go)
_SEQ = Interval(int, 0, 2**53)


class ProtocolError(ValueError):
    """A message the table refuses: unknown, malformed, or with a bad field."""


@dataclass(frozen=True)
class Message:
    """One row of the table: name, direction, payload fields -> rules, meaning."""

    name: str
    direction: str
    fields: dict
    help: str


MESSAGES: dict[str, Message] = {m.name: m for m in (
    # renderer -> stream
    Message("ack", IN, {"seq": _SEQ},
            "the renderer has drawn frame seq (it paces the stream)"),
    Message("hello", IN, {}, "a renderer is ready: send it everything (points, history)"),
    Message("play", IN, {}, "train until Pause (or the last epoch)"),
    Message("pause", IN, {}, "stop training after the current mini-batch"),
    Message("step", IN, {}, "train to the end of the current epoch, then pause"),
    Message("reset", IN, {}, "new weights from the seed, epoch 0"),
    Message("speed", IN, {"value": OneOf(*map(str, SPEEDS))}, "epochs per frame, or max"),
    Message("edit", IN, {"layer": _INDEX, "i": _INDEX, "j": _INDEX,
                         "value": Interval(float, -1e6, 1e6)},
            "set W[layer][i, j] (i = -1: the bias b[layer][j])"),
    Message("features", IN, {"names": Names(FEATURES)}, "the input features the network reads"),
    Message("view", IN, {"discretize": Flag(), "show_test": Flag()}, "the display options"),
    Message("pick", IN, {"index": _INDEX},
            "follow training example index through the network (-1: let go)"),
    Message("select", IN, {"layer": _INDEX, "i": _INDEX, "j": _INDEX},
            "colour the points by their pull on W[layer][i, j] (layer -1: none)"),
    Message("walk", IN, {"step": _INDEX},
            "show step k of the picked example's backprop walk (-1: none)"),
    Message("neuron", IN, {"layer": _INDEX, "unit": _INDEX},
            "open a neuron's scalar graph for the picked example (layer -1: close it)"),
    Message("update", IN, {}, "one SGD step on the picked example alone"),
    # stream -> renderer
    Message("state", OUT, {"playing": Flag(), "speed": OneOf(*map(str, SPEEDS))},
            "a Pause heard: shown at once, before the batch under way ends (its frame follows)"),
    Message("settings", OUT, {"values": None},
            "settings a lever changed (features, display): the host writes its URL"),
    Message("notice", OUT, {"text": None}, "a sentence for the learner"),
    Message("error", OUT, {"message": None}, "a message was refused; nothing changed"),
)}


def _refuse_constant(name: str):
    raise ProtocolError(f"{name} is not a number JSON allows")


def decode(raw) -> tuple[str, dict]:
    """A renderer's message -> (name, payload), every field checked by its rule."""
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > MAX_MESSAGE_BYTES:
            raise ProtocolError(f"a message may have at most {MAX_MESSAGE_BYTES} bytes, "
                                f"got {len(raw)}")
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("a message must be UTF-8 JSON text") from None
    if not isinstance(raw, str):
        raise ProtocolError("a message must be JSON text")
    if len(raw.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"a message may have at most {MAX_MESSAGE_BYTES} bytes")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ProtocolError("a message must be a JSON object") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError('a message must be a JSON object with a "type"')
    row = MESSAGES.get(data["type"])
    if row is None or row.direction != IN:
        raise ProtocolError(f"unknown message type {data['type'][:40]!r}; the renderer may "
                            f"send {', '.join(n for n, m in MESSAGES.items() if m.direction == IN)}")
    extra = set(data) - {"type"} - set(row.fields)
    if extra:
        raise ProtocolError(f"{row.name}: unknown field {sorted(extra)[0][:40]!r}")
    payload = {}
    for name, rule in row.fields.items():
        if name not in data:
            raise ProtocolError(f"{row.name}: missing field {name!r}")
        try:
            payload[name] = rule.check(data[name])
        except (ValueError, TypeError, OverflowError) as e:
            raise ProtocolError(f"{row.name}: {name} {e}") from None
    return row.name, payload


def encode(name: str, **payload) -> str:
    """A stream's JSON message (a row whose direction is OUT)."""
    row = MESSAGES[name]
    if row.direction != OUT or set(payload) != set(row.fields):
        raise ValueError(f"{name} is not sent with fields {sorted(payload)}")
    return json.dumps({"type": name, **payload}, separators=(",", ":"), allow_nan=False)


def speed_value(text: str):
    """A speed as the protocol and the URL write it ("5", "max") -> SPEEDS' value."""
    return next(s for s in SPEEDS if str(s) == text)
