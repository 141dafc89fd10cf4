"""The live trainer page (views/train.py) through Streamlit's AppTest.

AppTest runs the page's Python, not its browser renderer: a frame is sent as
bytes and nobody draws it. Where the browser would acknowledge a frame, the
tests do (``ack``), so the frame loop goes on as it would in a page.
"""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

import gradplay  # noqa: E402

HOME = str(Path(gradplay.__file__).parent / "app" / "Home.py")
XOR = {"dataset": "xor", "samples": "200", "noise": "0.15", "hidden": "4",
       "activation": "tanh", "optimizer": "sgd", "lr": "1.0"}


def open_train(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    if query:
        at.query_params.update(query)
    at.switch_page("views/train.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return " ".join(t.value for t in at.text)


def ack(at: AppTest) -> None:
    """What the browser says after drawing: every frame sent so far is on screen."""
    live = at.session_state.live
    at.session_state.acked = {"seq": at.session_state.seq, "run": live.run_id,
                              "epoch": live.epoch, "statics": live.run_id}


def play_until_it_stops(at: AppTest, frames: int = 10) -> None:
    """Press Play and acknowledge frames until the run stops by itself."""
    at.button(key="play").click().run()
    for _ in range(frames):
        if not at.session_state.running:
            break
        ack(at)
        at.run()


def epoch(at: AppTest) -> int:
    return at.session_state.live.epoch


def test_the_page_shows_the_run_and_its_settings_in_the_url():
    at = open_train()
    assert "2-8-8-1 MLP, tanh hidden, sigmoid output (tensor engine)" in texts(at)
    assert at.query_params["dataset"] == "moons" and at.query_params["hidden"] == "8,8"
    at.selectbox(key="w_dataset").select("circles").run()
    assert at.query_params["dataset"] == "circles"
    at.select_slider(key="w_lr").set_value(0.1).run()
    assert at.query_params["lr"] == "0.1"
    at.slider(key="w_layers").set_value(3).run()
    assert at.query_params["hidden"] == "8,8,4"
    assert not at.exception


def test_a_link_restores_the_controls_and_a_bad_one_is_shown_as_plain_text():
    query = {"dataset": "spiral", "classes": "3", "samples": "150", "hidden": "12,6,3",
             "activation": "relu", "optimizer": "rmsprop", "lr": "0.01", "batch_size": "32",
             "engine": "manual", "seed": "7", "speed": "5"}
    at = open_train(query)
    assert at.selectbox(key="w_dataset").value == "spiral"
    assert at.session_state.w_n1 == 6 and at.selectbox(key="w_speed").value == 5
    assert "2-12-6-3-3 MLP, relu hidden, softmax output (manual engine)" in texts(at)
    for key, value in query.items():
        assert at.query_params[key] == value
    bad = open_train({"dataset": "**mnist**", "lr": "-5"})
    assert "dataset must be one of" in texts(bad) and "'**mnist**'" in texts(bad)
    assert not any("mnist" in m.value for m in bad.markdown)   # never rendered as Markdown
    assert bad.selectbox(key="w_dataset").value == "moons"


def test_play_streams_frames_until_pause_and_step_and_reset():
    at = open_train(XOR)
    at.button(key="step").click().run()
    assert epoch(at) == 1 and not at.session_state.running
    at.button(key="play").click().run()
    assert at.session_state.running
    first = epoch(at)
    assert first > 1                                 # frames went out, one epoch each
    for _ in range(3):
        ack(at)
        at.run()
    assert epoch(at) > first                         # acknowledged: the loop goes on
    at.button(key="pause").click().run()
    assert not at.session_state.running
    paused = epoch(at)
    ack(at)
    at.run()
    assert epoch(at) == paused                       # paused: nothing moves
    at.button(key="reset").click().run()
    assert epoch(at) == 0 and "Reset" in texts(at)


def test_without_acknowledgements_the_server_stops_sending():
    at = open_train(XOR)
    at.button(key="play").click().run()
    sent = at.session_state.seq
    at.run()
    at.run()
    assert at.session_state.seq == sent             # the browser is behind: nothing piles up
    assert at.session_state.seq - at.session_state.acked.get("seq", 0) <= 12   # WINDOW


def test_a_learning_rate_change_mid_run_keeps_the_epoch_and_weights():
    at = open_train(XOR)
    for _ in range(3):
        at.button(key="step").click().run()
    weights = at.session_state.live.model.get_weights()
    at.select_slider(key="w_lr").set_value(0.1).run()
    live = at.session_state.live
    assert live.epoch == 3 and live.run.optimizer.lr == 0.1
    assert all(np.array_equal(a, b) for pa, pb in zip(weights, live.model.get_weights())
               for a, b in zip(pa, pb))
    at.number_input(key="w_n0").set_value(5).run()
    assert epoch(at) == 0 and "hidden changed: a new network" in texts(at)


def test_the_optional_last_epoch_stops_training():
    at = open_train({**XOR, "stop": "1", "epochs": "3"})
    play_until_it_stops(at)
    assert epoch(at) == 3 and not at.session_state.running
    assert at.button(key="play")                     # Play is back


def test_divergence_stops_with_the_last_finite_model():
    at = open_train({"output": "linear", "loss": "mse", "activation": "relu",
                     "optimizer": "sgd", "lr": "10.0", "hidden": "16,16", "init": "normal"})
    at.selectbox(key="w_speed").select("max").run()
    play_until_it_stops(at)
    live = at.session_state.live
    assert live.stopped and "lower the learning rate" in live.stopped
    assert all(np.isfinite(p).all() for p in live.model.parameters())
    assert at.button(key="play").disabled


def test_problems_are_explained():
    at = open_train({"engine": "scalar", "samples": "2000", "hidden": "32,32"})
    assert "engine 'scalar'" in texts(at)
    at = open_train({"dataset": "csv"})
    assert "upload a file with rows x1,x2,label" in texts(at)
    assert not at.exception


def test_gradient_check_compares_every_engine():
    at = open_train(XOR)
    at.button(key="compare").click().run()
    table = at.dataframe[0].value
    assert list(table["engine"])[:3] == ["scalar", "tensor", "manual"]
    assert table["max_grad_diff"].max() < 1e-12
