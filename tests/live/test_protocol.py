"""The live channel's message table (gradplay.live.protocol): every message a
renderer may send is checked against its row before anything acts on it."""

import json

import pytest

from gradplay.live.protocol import IN, MAX_MESSAGE_BYTES, MESSAGES, OUT, ProtocolError, decode, encode

GOOD = {
    "hello": {}, "ack": {"seq": 3}, "play": {}, "pause": {}, "step": {}, "reset": {},
    "speed": {"value": "max"}, "edit": {"layer": 0, "i": -1, "j": 2, "value": 1.5},
    "features": {"names": ["x2", "x1sq"]}, "view": {"discretize": True, "show_test": False},
    "pick": {"index": 7}, "select": {"layer": 1, "i": 0, "j": 0}, "update": {},
    "walk": {"step": 3}, "neuron": {"layer": 1, "unit": 0},
}


def test_every_incoming_message_of_the_table_has_a_good_example_here():
    assert set(GOOD) == {name for name, m in MESSAGES.items() if m.direction == IN}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_good_message_decodes_to_its_checked_payload(name):
    got_name, payload = decode(json.dumps({"type": name, **GOOD[name]}))
    assert got_name == name and set(payload) == set(GOOD[name])
    if name == "features":
        assert payload["names"] == ("x2", "x1sq")          # in the table's order


BAD = [
    ("not json", "must be a JSON object"),
    ("[1, 2]", "must be a JSON object"),
    ('{"seq": 1}', 'with a "type"'),
    ('{"type": "nope"}', "unknown message type 'nope'"),
    ('{"type": "state", "playing": true, "speed": "1"}', "unknown message type"),   # an OUT row
    ('{"type": "ack"}', "missing field 'seq'"),
    ('{"type": "ack", "seq": 1, "epoch": 3}', "unknown field 'epoch'"),
    ('{"type": "ack", "seq": null}', "ack: seq must be a whole number"),
    ('{"type": "ack", "seq": "3"}', "ack: seq must be a whole number"),
    ('{"type": "ack", "seq": true}', "ack: seq must be a whole number"),
    ('{"type": "ack", "seq": -1}', "ack: seq must be a whole number"),
    ('{"type": "edit", "layer": 0, "i": 0, "j": 0, "value": NaN}', "must be a JSON object"),
    ('{"type": "edit", "layer": 0, "i": 0, "j": 0, "value": 1e400}', "edit: value must be a number"),
    ('{"type": "edit", "layer": 0, "i": 0, "j": 0, "value": ' + "9" * 400 + "}", "edit: value"),
    ('{"type": "edit", "layer": 0.5, "i": 0, "j": 0, "value": 1}', "edit: layer must be a whole"),
    ('{"type": "speed", "value": 5}', "speed: value must be one of"),
    ('{"type": "speed", "value": "7"}', "speed: value must be one of"),
    ('{"type": "features", "names": []}', "features: names must be one or more"),
    ('{"type": "features", "names": ["x1", "rm -rf"]}', "features: names must be one or more"),
    ('{"type": "features", "names": "x1"}', None),     # one name alone is fine
    ('{"type": "view", "discretize": 1, "show_test": true}', "view: discretize must be true or false"),
    ("[" * 100_000 + "]" * 100_000, "at most"),
    ('{"type": "ack", "seq": 1, "pad": "' + "x" * MAX_MESSAGE_BYTES + '"}', "at most"),
    ("[" * 30_000 + "]" * 30_000, "must be a JSON object"),       # nested past the recursion limit
]


@pytest.mark.parametrize("raw, message", BAD, ids=range(len(BAD)))
def test_a_malformed_message_is_refused_with_a_message_that_says_why(raw, message):
    if message is None:
        assert decode(raw)[1]["names"] == ("x1",)
        return
    with pytest.raises(ProtocolError, match=message.replace("(", r"\(")):
        decode(raw)


def test_bytes_must_be_utf8_json_and_bounded():
    assert decode(b'{"type": "play"}') == ("play", {})
    with pytest.raises(ProtocolError, match="UTF-8"):
        decode(b'{"type": "play"\xff}')
    with pytest.raises(ProtocolError, match="at most"):
        decode(b" " * (MAX_MESSAGE_BYTES + 1))
    with pytest.raises(ProtocolError, match="JSON text"):
        decode(12)


def test_outgoing_messages_are_strict_json_of_their_row():
    assert json.loads(encode("error", message="x")) == {"type": "error", "message": "x"}
    with pytest.raises(ValueError):
        encode("error", text="x")                     # not the row's field
    with pytest.raises(ValueError):
        encode("play")                                # an incoming row
    with pytest.raises(ValueError):
        encode("settings", values={"lr": float("nan")})   # JSON has no NaN
    assert all(m.direction in (IN, OUT) for m in MESSAGES.values())
