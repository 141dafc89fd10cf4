"""The live play loop (gradplay.live.Stream) without any host: a fake
renderer that records what it is sent and acknowledges frames as the real
one does."""

import json
import threading
import time
from concurrent.futures import Future

import numpy as np
import pytest

from gradplay.config import RunConfig
from gradplay.live import FAST, LiveSession, Stream
from gradplay.viz.frames import unpack

SMALL = RunConfig(samples=120, hidden=(5,), epochs=10_000)
pytestmark = pytest.mark.timeout(60)


class Renderer:
    """Records the stream's messages; acknowledges every frame (``auto``)."""

    def __init__(self, stream: Stream, auto: bool = True):
        self.stream, self.auto = stream, auto
        self.frames, self.texts = [], []
        self.got = threading.Condition()
        stream.attach(self.send)

    def send(self, data) -> None:
        with self.got:
            if isinstance(data, bytes):
                self.frames.append(unpack(data)[0])
            else:
                self.texts.append(json.loads(data))
            self.got.notify_all()
        if isinstance(data, bytes) and self.auto:
            self.ack(self.frames[-1]["seq"])

    def ack(self, seq: int) -> None:
        self.stream.receive(json.dumps({"type": "ack", "seq": seq}))

    def wait(self, test, timeout: float = 20.0):
        """Wait until ``test(self)`` holds (bounded by pytest-timeout too)."""
        with self.got:
            assert self.got.wait_for(lambda: test(self), timeout), "nothing came"

    def last(self) -> dict:
        """The newest frame's header (an empty one before the first)."""
        with self.got:
            return self.frames[-1] if self.frames else {"epoch": -1, "run": None, "seq": 0,
                                                        "meta": {}}

    def errors(self) -> list[str]:
        return [t["message"] for t in self.texts if t["type"] == "error"]


@pytest.fixture
def stream():
    s = Stream(LiveSession(SMALL))
    yield s
    s.close()
    s.join(5)
    assert not s._thread.is_alive()


def send(stream, **msg) -> None:
    stream.receive(json.dumps(msg))


def test_a_new_renderer_gets_a_frame_with_the_points_and_the_whole_history(stream):
    r = Renderer(stream)
    r.wait(lambda r: r.frames)
    first = r.frames[0]
    assert first["static"] and first["since"] == -1 and first["meta"]["playing"] is False
    send(stream, type="hello")                        # a second view: everything again
    r.wait(lambda r: len(r.frames) >= 2)
    assert r.frames[1]["static"]


def test_play_streams_one_epoch_a_frame_and_pause_stops_it(stream):
    r = Renderer(stream)
    send(stream, type="play")
    r.wait(lambda r: r.last()["epoch"] >= 30)
    epochs = [f["epoch"] for f in r.frames if f["meta"]["playing"]]
    assert all(b - a <= 1 for a, b in zip(epochs, epochs[1:]))     # one epoch a frame
    assert not any(f.get("static") for f in r.frames[1:])          # the points once
    assert all(f["since"] == f0["epoch"] for f0, f in zip(r.frames, r.frames[1:])
               if f0["epoch"] > 0)                              # then only new history rows
    send(stream, type="pause")
    r.wait(lambda r: r.last()["meta"]["playing"] is False)
    paused, count = r.last()["epoch"], len(r.frames)
    time.sleep(0.3)
    assert len(r.frames) == count and stream.read(lambda s: s.epoch) == paused


def test_a_pause_is_answered_at_once_and_its_frame_follows(stream):
    r = Renderer(stream)
    send(stream, type="play")
    r.wait(lambda r: r.last()["meta"].get("playing"))
    send(stream, type="pause")
    assert {"type": "state", "playing": False, "speed": "1"} in r.texts   # before any frame
    r.wait(lambda r: r.last()["meta"]["playing"] is False)


def test_frames_in_flight_never_exceed_the_window(stream):
    r = Renderer(stream, auto=False)                   # a renderer that never answers ...
    send(stream, type="play")
    r.wait(lambda r: r.frames)
    time.sleep(0.5)                                    # ... is sent at most `window` frames
    assert len(r.frames) == stream.window
    r.ack(r.frames[-1]["seq"])                         # an answer lets two more go
    r.wait(lambda r: len(r.frames) == 2 * stream.window)


def test_a_silent_renderer_does_not_hold_training_back_for_ever():
    s = Stream(LiveSession(SMALL))
    try:
        r = Renderer(s, auto=False)
        send(s, type="play")
        r.wait(lambda r: len(r.frames) > s.window, timeout=20)    # after STALL_SECONDS
    finally:
        s.close()


def test_step_is_one_epoch_and_reset_starts_again(stream):
    r = Renderer(stream)
    send(stream, type="step")
    r.wait(lambda r: r.last()["epoch"] == 1)
    send(stream, type="step")
    r.wait(lambda r: r.last()["epoch"] == 2)
    run = r.last()["run"]
    send(stream, type="reset")
    r.wait(lambda r: r.last()["run"] != run)
    assert r.last()["epoch"] == 0 and r.last()["static"]


def test_max_speed_trains_many_epochs_a_frame_and_tells_the_host(stream):
    r = Renderer(stream)
    send(stream, type="speed", value="max")
    send(stream, type="play")
    r.wait(lambda r: r.last()["epoch"] >= 300)
    assert {"type": "settings", "values": {"speed": "max"}} in r.texts
    assert r.last()["meta"]["speed"] == "max"
    epochs = [f["epoch"] for f in r.frames]
    assert max(b - a for a, b in zip(epochs, epochs[1:])) > 5


def test_a_weight_edit_is_applied_between_batches(stream):
    r = Renderer(stream)
    send(stream, type="edit", layer=0, i=1, j=2, value=2.5)
    W = stream.read(lambda s: s.model.get_weights()[0][0])
    assert W[1, 2] == 2.5
    send(stream, type="edit", layer=0, i=9, j=0, value=1.0)       # no such unit
    r.wait(lambda r: r.errors())
    assert "outside layer 0" in r.errors()[0]


def test_a_feature_click_starts_a_new_run_and_tells_the_host(stream):
    r = Renderer(stream)
    r.wait(lambda r: r.frames)
    run = r.last()["run"]
    send(stream, type="features", names=["x1sq", "x2sq"])
    r.wait(lambda r: r.last()["run"] != run)
    assert r.last()["features"]["active"] == ["x1sq", "x2sq"]
    assert {"type": "settings", "values": {"features": ["x1sq", "x2sq"]}} in r.texts
    assert any(t["type"] == "notice" and "features changed" in t["text"] for t in r.texts)
    assert stream.config.features == ("x1sq", "x2sq")


def test_the_display_options_change_the_config_not_the_run(stream):
    r = Renderer(stream)
    send(stream, type="step")
    r.wait(lambda r: r.last()["epoch"] == 1)
    send(stream, type="view", discretize=True, show_test=False)
    r.wait(lambda r: r.last()["meta"]["view"] == {"discretize": True, "show_test": False})
    assert r.last()["epoch"] == 1 and stream.config.discretize and not stream.config.show_test


@pytest.mark.parametrize("raw", ['{"type": "ack", "epoch": null}', '{"type": "edit"}', "[",
                                 '{"type": "edit", "layer": 0, "i": 0, "j": 0, "value": ' +
                                 "9" * 400 + "}", '{"type": "play", "x": 1}'])
def test_a_malformed_message_gets_an_error_and_changes_nothing(stream, raw):
    r = Renderer(stream)
    r.wait(lambda r: r.frames)
    before = stream.read(lambda s: [w.copy() for pair in s.model.get_weights() for w in pair])
    stream.receive(raw)
    r.wait(lambda r: r.errors())
    after = stream.read(lambda s: [w for pair in s.model.get_weights() for w in pair])
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert not stream.playing and stream.read(lambda s: s.epoch) == 0


def test_apply_from_the_host_keeps_the_run_for_optimisation_and_renews_it_for_the_model(stream):
    stream.step()
    assert stream.apply(stream.config.replace(lr=0.3)) == []
    assert stream.read(lambda s: (s.epoch, s.run.optimizer.lr)) == (1, 0.3)
    assert stream.apply(stream.config.replace(hidden=(3, 3))) == ["hidden"]
    assert stream.read(lambda s: (s.epoch, s.model.sizes)) == (0, [2, 3, 3, 1])


def test_pause_is_answered_between_two_batches_at_any_size():
    # batches of the scalar engine at max speed: a frame's training is many
    # batches, and Pause ends it after the one under way (advance asks the
    # inbox after every batch), not at the end of the frame's time
    s = Stream(LiveSession(RunConfig(samples=400, hidden=(16, 16), engine="scalar",
                                     batch_size=8)))
    try:
        r = Renderer(s)
        s.set_speed(FAST)
        s.play()
        r.wait(lambda r: r.frames and r.last()["meta"]["playing"])
        seen = []
        s._post("call", {"fn": lambda sess: seen.append(sess.trainer.optimizer.t),
                         "done": Future()})
        s.pause()                                  # (usually drained with the call above)
        r.wait(lambda r: r.last()["meta"]["playing"] is False)
        after = s.read(lambda sess: sess.trainer.optimizer.t)
        assert after - seen[0] <= 1                # at most the batch under way
        time.sleep(0.3)
        assert s.read(lambda sess: sess.trainer.optimizer.t) == after
    finally:
        s.close()


def test_close_ends_the_worker_and_read_still_answers(stream):
    stream.close()
    stream.join(5)
    assert stream.closed and not stream._thread.is_alive()
    assert stream.read(lambda s: s.epoch) == 0         # read directly: no worker to ask
