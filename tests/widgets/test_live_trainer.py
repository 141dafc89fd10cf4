"""LiveTrainer from Python, with no browser: the controls, the settings, the
learner's data, the comm's messages and their checks, and the threads.

The comm is recorded (conftest.py): everything from ipywidgets' dispatch of a
custom message down to the stream's worker runs for real.
"""

import gc
import sys
import threading
import time
import types
import weakref

import numpy as np
import pytest

from gradplay.config import PRESETS, RunConfig, build_run
from gradplay.data import Dataset, from_arrays, load
from gradplay.widgets import LiveTrainer, live_streams

SMALL = dict(dataset="moons", samples=120, hidden=(4,), data_seed=3)


def weights(w):
    return w.read(lambda s: [a.copy() for pair in s.model.get_weights() for a in pair])


def same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def stream_threads(w) -> list[str]:
    name = f"gradplay-stream-{w.session.run_id}"
    return [t.name for t in threading.enumerate() if t.name == name]


def reaches(root, target, most: int = 200_000) -> bool:
    """Whether ``target`` can be reached from ``root`` through references
    other than modules' globals (every object can be reached from those)."""
    seen = {id(m.__dict__) for m in list(sys.modules.values()) if m is not None}
    seen.add(id(root))
    todo = [root]
    while todo and len(seen) < most:
        for ref in gc.get_referents(todo.pop()):
            if ref is target:
                return True
            if id(ref) not in seen and not isinstance(ref, (type, types.ModuleType)):
                seen.add(id(ref))
                todo.append(ref)
    assert not todo, "the search gave up"
    return False


def wait_until(test, seconds: float = 20.0):
    """Poll ``test()`` until truthy (a bound on a hang, not a timing claim)."""
    deadline = time.monotonic() + seconds
    while not (value := test()):
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)
    return value


# ---------------------------------------------------------------------- from Python
@pytest.mark.timeout(60)
def test_step_reset_and_apply_from_python(front_end):
    w = LiveTrainer(**SMALL, lr=0.05)
    front_end.append(w)
    fresh = build_run(w.config).model.get_weights()
    assert w.epoch == 0
    w.step()
    w.step()
    assert w.epoch == 2 and w.session.trainer.history.epochs[-1] == 2
    assert not same(weights(w), [a for pair in fresh for a in pair])
    w.reset()
    assert w.epoch == 0
    assert same(weights(w), [a for pair in fresh for a in pair])   # the seed's weights again

    w.step()
    before = weights(w)
    assert w.apply(lr=0.2, optimizer="sgd") == []                 # optimisation: same run
    assert w.epoch == 1 and w.config.lr == 0.2 and w.config.optimizer == "sgd"
    assert same(weights(w), before)
    assert w.session.trainer.optimizer.lr == 0.2

    assert w.apply(hidden=(3, 2)) == ["hidden"]                   # architecture: a new run
    assert w.epoch == 0 and w.session.model.sizes == [2, 3, 2, 1]
    assert w.apply(RunConfig(**SMALL)) == ["hidden"]              # a whole config works too
    with pytest.raises(ValueError, match="lr"):
        w.apply(lr=-1.0)
    with pytest.raises(ValueError, match="no setting named 'learning_rate'"):
        w.apply(learning_rate=0.1)
    assert w.config == RunConfig(**SMALL)                          # refused: nothing changed


@pytest.mark.timeout(60)
def test_play_and_pause_train_with_no_front_end(front_end):
    w = LiveTrainer(**SMALL)
    front_end.append(w)
    w.play()
    assert w.playing
    wait_until(lambda: w.epoch >= 5)
    w.pause()
    assert not w.playing
    stopped = w.epoch
    time.sleep(0.3)
    assert w.epoch == stopped                   # pause() returned once training had stopped
    assert w.comm.frames() == []                # no view: no frames were made


def test_a_preset_a_config_and_fields(front_end):
    front_end.extend([LiveTrainer(preset="xor"), LiveTrainer(PRESETS["spiral3"], lr=0.5),
                      LiveTrainer(hidden=[6], activation="relu")])
    a, b, c = front_end
    assert a.config == PRESETS["xor"]
    assert b.config == PRESETS["spiral3"].replace(lr=0.5)
    assert c.config == RunConfig(hidden=(6,), activation="relu")
    with pytest.raises(ValueError, match="no preset named 'nope'"):
        LiveTrainer(preset="nope")
    with pytest.raises(ValueError, match="activation"):
        LiveTrainer(activation="swish")
    with pytest.raises(ValueError, match="not both"):
        LiveTrainer(RunConfig(), preset="xor")
    with pytest.raises(ValueError, match="speed"):
        LiveTrainer(speed=3)


def test_the_learners_own_data_is_kept_across_resets_and_new_runs(front_end):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    w = LiveTrainer(data=(X, y), hidden=(4,), test_size=0.25)
    ds = from_arrays(X, y, test_size=0.25, seed=0)
    mine = load("circles", n_samples=60)
    v = LiveTrainer(data=mine)
    csv = LiveTrainer(data="x1,x2,label\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in
                                                        zip(X[:8].tolist(), y[:8])))
    front_end.extend([w, v, csv])
    for run in (lambda: None, w.reset, lambda: w.apply(hidden=(5,))):
        run()
        data = w.session.data
        assert isinstance(data, Dataset) and w.config.dataset == "csv"
        assert np.array_equal(data.X_train, ds.X_train) and np.array_equal(data.y, ds.y)
    assert v.session.data is mine
    assert len(csv.session.data.y) == 8
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        LiveTrainer(data=(np.zeros((5, 3)), np.zeros(5)))
    with pytest.raises(TypeError, match="data must be"):
        LiveTrainer(data=42)


# ---------------------------------------------------------------------- the comm
@pytest.mark.timeout(60)
def test_a_view_gets_everything_then_the_frames_it_acknowledges(front_end):
    w = LiveTrainer(**SMALL)
    front_end.append(w)
    view = front_end.view(w).open()
    first = w.comm.wait_for(lambda c: c.frames())[0]
    assert first["static"] and first["epoch"] == 0 and first["meta"]["playing"] is False
    view.say({"type": "play"})
    while len(w.comm.frames()) < 20:            # a renderer that draws every frame
        n = len(w.comm.frames())
        view.ack(w.comm.wait_for(lambda c: len(c.frames()) > n and c.frames()[-1]["seq"]))
    frames = w.comm.frames()[1:]
    assert all(f["meta"]["playing"] and "static" not in f for f in frames)
    assert [f["seq"] for f in frames] == sorted({f["seq"] for f in frames})
    assert frames[-1]["epoch"] > frames[0]["epoch"]
    front_end.view(w, "v2").open()              # a second view: everything again
    w.comm.wait_for(lambda c: c.frames()[-1].get("static"))
    view.say({"type": "pause"})
    w.pause()
    assert not w.playing


BAD = [
    ({"event": "message", "view": "v1", "text": "not json"}, "JSON"),
    ({"event": "message", "view": "v1", "text": '{"type": "explode"}'}, "unknown message type"),
    ({"event": "message", "view": "v1", "text": '{"type": "play", "now": 1}'}, "unknown field"),
    ({"event": "message", "view": "v1",
      "text": '{"type": "edit", "layer": 0, "i": 0, "j": 0, "value": 1e9}'}, "value"),
    ({"event": "message", "view": "v1",
      "text": '{"type": "edit", "layer": 7, "i": 0, "j": 0, "value": 1}'}, "layer must be in"),
    ({"event": "message", "view": "v1", "text": '{"type": "speed", "value": "3"}'}, "speed"),
    ({"event": "message", "view": "v1", "text": '{"type": "ack", "seq": NaN}'}, "JSON object"),
    ({"event": "message", "view": "v1", "text": "{" * 70_000}, "at most"),
    ({"event": "message", "view": "v1", "text": {"type": "play"}}, "JSON text"),
    ({"event": "shout", "view": "v1"}, "event must be one of"),
    ({"event": "open"}, "view must be a name"),
    ({"event": "open", "view": "x" * 65}, "view must be a name"),
    ({"event": "close", "view": "v1", "text": "{}"}, "unknown field"),
    ({"event": "message", "view": "stranger", "text": '{"type": "play"}'}, "is not open"),
    (["play"], "must be an object"),
]


@pytest.mark.timeout(60)
def test_malformed_messages_are_answered_with_an_error_and_change_nothing(front_end):
    w = LiveTrainer(**SMALL)
    front_end.append(w)
    view = front_end.view(w).open()
    w.step()
    before, epoch, config = weights(w), w.epoch, w.config
    for content, says in BAD:
        n = len(w.comm.texts())
        w.comm.deliver(content)
        reply = w.comm.wait_for(lambda c: c.texts()[n:])[0]
        assert reply["type"] == "error" and says in reply["message"], (content, reply)
    assert same(weights(w), before) and w.epoch == epoch and w.config == config
    assert not w.playing
    # the same channel does change the run when the message is good
    view.say({"type": "edit", "layer": 0, "i": 1, "j": 2, "value": 0.75})
    assert w.read(lambda s: s.model.get_weights()[0][0][1, 2]) == 0.75
    view.say({"type": "speed", "value": "5"})
    wait_until(lambda: w.speed == "5")


# ---------------------------------------------------------------------- threads and runs
@pytest.mark.timeout(60)
def test_closing_frees_the_thread_and_nothing_keeps_the_widget_alive(front_end):
    start = live_streams()
    w = LiveTrainer(**SMALL)
    view = front_end.view(w).open()
    w.play()
    w.comm.wait_for(lambda c: len(c.frames()) >= 2)
    view.ack(2)
    assert live_streams() == start + 1 and stream_threads(w)
    name = stream_threads(w)[0]
    worker = next(t for t in threading.enumerate() if t.name == name)
    assert w.playing and not reaches(worker, w)   # the playing thread holds no widget
    ref = weakref.ref(w)
    w.close()
    assert live_streams() == start
    assert name not in [t.name for t in threading.enumerate()]
    del w, view
    gc.collect()
    assert ref() is None                          # the worker did not hold it


def test_a_closed_widget_refuses_controls_and_keeps_its_run(front_end):
    w = LiveTrainer(**SMALL)
    w.step()
    w.close()
    with pytest.raises(RuntimeError, match="closed"):
        w.play()
    assert w.epoch == 1 and w.session.trainer.history.epochs == [1]


@pytest.mark.timeout(60)
def test_a_rerun_cell_frees_its_stream_and_the_run_is_kept(front_end):
    """A re-run or cleared cell removes the widget's view (widget.js says
    close): with no view left, the stream's thread ends; the run stays, and a
    new view (or a call from Python) carries on from the same epoch."""
    w = LiveTrainer(**SMALL, speed="2")
    front_end.append(w)
    start = live_streams()
    view = front_end.view(w).open()
    second = front_end.view(w, "v2").open()
    w.step()
    w.step()
    view.close()
    assert live_streams() == start                # one view is left: the stream stays
    second.close()
    assert live_streams() == start - 1 and not stream_threads(w)
    assert w.epoch == 2                           # read with no thread: the run is kept
    front_end.view(w, "v3").open()
    assert live_streams() == start
    header = w.comm.wait_for(lambda c: [f for f in c.frames() if f["epoch"] == 2 and
                                        f.get("static")])[-1]
    assert header["meta"]["speed"] == "2"         # the speed came along
    w.step()
    assert w.epoch == 3
    w.speed = "max"
    assert w.speed == "max"
    with pytest.raises(ValueError, match="speed must be one of"):
        w.speed = 7


@pytest.mark.timeout(60)
def test_three_widgets_keep_their_own_runs(front_end):
    a, b, c = (LiveTrainer(**SMALL) for _ in range(3))
    front_end.extend([a, b, c])
    views = [front_end.view(x).open() for x in (a, b, c)]
    assert len({x.session.run_id for x in (a, b, c)}) == 3
    first = weights(a)
    b.play()
    wait_until(lambda: b.epoch >= 10)
    b.pause()
    c.step()
    c.apply(lr=0.5)
    assert (a.epoch, c.epoch) == (0, 1) and b.epoch >= 10
    assert same(weights(a), first) and a.config.lr == 0.03 and c.config.lr == 0.5
    views[0].say({"type": "edit", "layer": 0, "i": 0, "j": 0, "value": 2.0})
    assert a.read(lambda s: s.model.get_weights()[0][0][0, 0]) == 2.0
    assert b.read(lambda s: s.model.get_weights()[0][0][0, 0]) != 2.0
    a.close()
    b.step()
    assert c.epoch == 1 and live_streams() >= 2
