"""The live channel's door (gradplay.app.channel), in-process: Starlette's
test client speaks WebSocket to the real endpoint, with a registry of its own."""

import gc
import json
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
from starlette.applications import Starlette  # noqa: E402
from starlette.routing import WebSocketRoute  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from gradplay.app.channel import BURST, PATH, Full, Registry, live_endpoint  # noqa: E402
from gradplay.config import RunConfig  # noqa: E402
from gradplay.live import LiveSession, Stream  # noqa: E402
from gradplay.viz.frames import unpack  # noqa: E402

ORIGIN = {"origin": "http://testserver"}
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def registry():
    reg = Registry(max_streams=3, grace=0.2, connect=30.0)
    yield reg
    for token in list(reg._entries):
        reg.drop(token)


@pytest.fixture
def client(registry):
    app = Starlette(routes=[WebSocketRoute(PATH, lambda ws: live_endpoint(ws, registry))])
    with TestClient(app) as c:
        yield c


def a_stream(registry):
    stream = Stream(LiveSession(RunConfig(samples=60, hidden=(3,))))
    return registry.register(stream)


def refused(client, url: str, headers=ORIGIN) -> int:
    """The close code of a connection that must get no frame."""
    with pytest.raises(WebSocketDisconnect) as e:
        with client.websocket_connect(url, headers=headers) as ws:
            ws.receive_bytes()                        # a frame here would fail the test
    return e.value.code


def test_a_connection_without_a_live_token_is_closed_before_any_frame(client, registry):
    assert refused(client, PATH) == 1008
    assert refused(client, f"{PATH}?token=nope") == 1008
    assert refused(client, f"{PATH}?token=" + "x" * 5000) == 1008


def test_a_foreign_origin_is_refused_at_the_handshake(client, registry):
    ticket = a_stream(registry)
    for headers in ({"origin": "http://evil.example"}, {}, {"origin": "null"}):
        assert refused(client, f"{PATH}?token={ticket.token}", headers) == 1008
    assert registry.claim(ticket.token) is ticket.stream   # the token was not used up


def test_one_connection_per_token_and_another_sessions_token_gets_nothing(client, registry):
    mine, theirs = a_stream(registry), a_stream(registry)
    with client.websocket_connect(f"{PATH}?token={mine.token}", headers=ORIGIN) as ws:
        header, _ = unpack(ws.receive_bytes())
        assert header["static"] and header["run"] == mine.stream.session.run_id
        assert refused(client, f"{PATH}?token={mine.token}") == 1008   # taken while open
    with client.websocket_connect(f"{PATH}?token={theirs.token}", headers=ORIGIN) as ws:
        header, _ = unpack(ws.receive_bytes())
        assert header["run"] == theirs.stream.session.run_id       # each token its own run


def test_play_and_acks_over_the_socket(client, registry):
    ticket = a_stream(registry)
    with client.websocket_connect(f"{PATH}?token={ticket.token}", headers=ORIGIN) as ws:
        ws.send_text(json.dumps({"type": "play"}))
        epochs = []
        while len(epochs) < 10:
            message = ws.receive()
            if message.get("bytes"):
                header, _ = unpack(message["bytes"])
                epochs.append(header["epoch"])
                ws.send_text(json.dumps({"type": "ack", "seq": header["seq"]}))
        assert epochs[-1] > epochs[0]


def test_oversized_and_malformed_messages_get_an_error_and_change_nothing(client, registry):
    ticket = a_stream(registry)
    with client.websocket_connect(f"{PATH}?token={ticket.token}", headers=ORIGIN) as ws:
        ws.receive_bytes()
        for raw in ("x" * (1 << 20), '{"type": "edit", "layer": 0}', "\x00\x01",
                    '{"type": "ack", "seq": "1"}'):
            ws.send_text(raw)
            reply = json.loads(ws.receive_text())
            assert reply["type"] == "error", reply
        ws.send_bytes(b"\xff" * (1 << 20))
        assert "at most" in json.loads(ws.receive_text())["message"]
    assert ticket.stream.read(lambda s: s.epoch) == 0 and not ticket.stream.playing


def test_a_flood_of_messages_is_bounded(client, registry):
    ticket = a_stream(registry)
    with client.websocket_connect(f"{PATH}?token={ticket.token}", headers=ORIGIN) as ws:
        ws.receive_bytes()
        for _ in range(4 * BURST):
            ws.send_text('{"type": "pause"}')
        replies = []
        while not replies or replies[-1]["type"] != "websocket.close":
            replies.append(ws.receive())
    errors = [json.loads(r["text"])["message"] for r in replies if r.get("text")]
    assert errors and all(e.startswith("too many messages") for e in errors)
    assert replies[-1]["code"] == 1008
    frames = [r for r in replies if r.get("bytes")]
    assert len(frames) <= ticket.stream.window        # commands do not buy frames


def test_a_closed_connection_frees_its_stream_after_the_grace_period(client, registry):
    ticket = a_stream(registry)
    with client.websocket_connect(f"{PATH}?token={ticket.token}", headers=ORIGIN) as ws:
        ws.receive_bytes()
    time.sleep(registry.grace + 0.1)
    registry.sweep()
    assert not registry.alive(ticket.token)
    ticket.stream.join(5)
    assert ticket.stream.closed
    assert refused(client, f"{PATH}?token={ticket.token}") == 1008


def test_the_registry_is_bounded_and_a_token_dies_with_its_session(registry):
    tickets = [a_stream(registry) for _ in range(3)]
    with pytest.raises(Full, match="most live trainers"):
        a_stream(registry)
    token, stream = tickets[0].token, tickets[0].stream
    del tickets[0]                                     # the page's session is gone
    gc.collect()
    assert not registry.alive(token) and len(registry) == 2
    stream.join(5)
    assert stream.closed
    a_stream(registry)                                 # room again


def test_a_stream_nobody_connects_to_is_freed():
    reg = Registry(max_streams=2, grace=0.1, connect=0.1)
    ticket = a_stream(reg)
    time.sleep(0.2)
    reg.sweep()
    assert not reg.alive(ticket.token)
