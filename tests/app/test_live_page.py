"""The trainer page (views/train.py) through Streamlit's AppTest.

AppTest runs the page's Python, not its browser renderer: nobody connects to
the live channel, so the tests drive the page's stream from Python (as the
renderer's messages would) and read the run back with ``Stream.read``.
"""

import time

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from conftest import open_app_page  # noqa: E402
from gradplay.app import settings  # noqa: E402

XOR = {"dataset": "xor", "samples": "200", "noise": "0.15", "hidden": "4",
       "activation": "tanh", "optimizer": "sgd", "lr": "1.0"}
pytestmark = pytest.mark.timeout(120)


def open_train(query: dict | None = None) -> AppTest:
    return open_app_page("train", query)

def texts(at: AppTest) -> str:
    return " ".join(t.value for t in at.text)


def stream(at: AppTest):
    return at.session_state.live_ticket.stream


def wait(test, seconds: float = 30) -> None:
    """Wait until ``test()`` holds (pytest-timeout bounds the whole test)."""
    deadline = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < deadline, "it did not happen"
        time.sleep(0.02)


def epoch(at: AppTest) -> int:
    return stream(at).read(lambda s: s.epoch)


def test_the_page_shows_the_run_and_its_settings_in_the_url():
    at = open_train()
    assert "2-8-8-1 MLP, tanh hidden, sigmoid output (tensor engine)" in texts(at)
    assert at.query_params["dataset"] == "moons" and at.query_params["hidden"] == "8,8"
    at.selectbox(key="w_dataset").select("circles").run()
    assert at.query_params["dataset"] == "circles" and stream(at).config.dataset == "circles"
    at.select_slider(key="w_lr").set_value(0.1).run()
    assert at.query_params["lr"] == "0.1"
    at.slider(key="w_layers").set_value(3).run()
    assert at.query_params["hidden"] == "8,8,4" and stream(at).config.hidden == (8, 8, 4)
    assert not at.exception


def test_a_link_restores_the_controls_and_a_bad_one_is_shown_as_plain_text():
    query = {"dataset": "spiral", "classes": "3", "samples": "150", "hidden": "12,6,3",
             "activation": "relu", "optimizer": "rmsprop", "lr": "0.01", "batch_size": "32",
             "engine": "manual", "seed": "7", "speed": "5"}
    at = open_train(query)
    assert at.selectbox(key="w_dataset").value == "spiral"
    assert at.session_state.w_n1 == 6 and stream(at).speed == 5
    assert "2-12-6-3-3 MLP, relu hidden, softmax output (manual engine)" in texts(at)
    for key, value in query.items():
        assert at.query_params[key] == value
    bad = open_train({"dataset": "**mnist**", "lr": "-5"})
    assert "dataset must be one of" in texts(bad) and "'**mnist**'" in texts(bad)
    assert not any("mnist" in m.value for m in bad.markdown)   # never rendered as Markdown
    assert bad.selectbox(key="w_dataset").value == "moons"


@pytest.mark.parametrize("speed", ["²", "①", "-1", "7", "fast", ""])
def test_a_bad_speed_in_a_link_falls_back_to_one_with_a_note(speed):
    at = open_train({**XOR, "speed": speed})
    assert stream(at).speed == 1 and at.query_params["speed"] == "1"
    assert "speed: must be one of" in texts(at)


@pytest.mark.parametrize("key, value", [
    ("test_size", "0.6"), ("samples", "5000"), ("noise", "2.0"), ("hidden", "64,64"),
    ("hidden", "4,4,4,4,4,4,4,4"), ("data_seed", "3000000000"), ("seed", "3000000000"),
    ("classes", "7")])
def test_a_value_the_config_accepts_is_shown_and_kept_never_clamped(key, value):
    query = {key: value, **({"dataset": "spiral"} if key == "classes" else {})}
    at = open_train(query)
    assert at.query_params[key] == value                        # the link reproduces the run
    assert str(settings.url(stream(at).config, at.session_state)[key]) == value
    assert "Link:" not in texts(at)                              # nothing was changed


def test_play_step_pause_and_reset_from_the_stream():
    at = open_train(XOR)
    s = stream(at)
    s.step()
    wait(lambda: epoch(at) == 1)
    s.play()
    wait(lambda: epoch(at) > 5)
    s.pause()
    wait(lambda: not s.playing)
    paused = epoch(at)
    time.sleep(0.2)
    assert epoch(at) == paused
    s.reset()
    wait(lambda: epoch(at) == 0)
    at.run()
    assert not at.exception


def test_a_learning_rate_change_mid_run_keeps_the_epoch_and_weights():
    at = open_train(XOR)
    s = stream(at)
    for _ in range(3):
        s.step()
    wait(lambda: epoch(at) == 3)
    weights = s.read(lambda s: s.model.get_weights())
    at.select_slider(key="w_lr").set_value(0.1).run()
    assert s.read(lambda s: (s.epoch, s.run.optimizer.lr)) == (3, 0.1)
    after = s.read(lambda s: s.model.get_weights())
    assert all(np.array_equal(a, b) for pa, pb in zip(weights, after) for a, b in zip(pa, pb))
    run = s.read(lambda s: s.run_id)
    at.number_input(key="w_n0").set_value(5).run()
    assert s.read(lambda s: (s.epoch, s.run_id != run, s.model.sizes)) == (0, True, [2, 5, 1])


def test_a_lever_pulled_in_the_renderer_is_not_undone_by_a_sidebar_change():
    at = open_train(XOR)
    s = stream(at)
    s.receive('{"type": "features", "names": ["x1sq", "x2sq"]}')   # as a click would
    wait(lambda: s.config.features == ("x1sq", "x2sq"))
    at.select_slider(key="w_lr").set_value(0.3).run()               # before the settings came
    assert s.config.features == ("x1sq", "x2sq") and s.config.lr == 0.3
    settings.take_settings(at.session_state, {"features": ["x1sq", "x2sq"]})   # they come
    at.run()
    assert at.query_params["features"] == "x1sq,x2sq" and s.config.features == ("x1sq", "x2sq")


def test_the_optional_last_epoch_stops_training():
    at = open_train({**XOR, "stop": "1", "epochs": "3"})
    s = stream(at)
    s.play()
    wait(lambda: epoch(at) == 3 and not s.playing)
    time.sleep(0.2)
    assert epoch(at) == 3 and not s.playing


def test_divergence_stops_with_the_last_finite_model():
    at = open_train({"output": "linear", "loss": "mse", "activation": "relu",
                     "optimizer": "sgd", "lr": "10.0", "hidden": "16,16", "init": "normal",
                     "speed": "max"})
    s = stream(at)
    s.play()
    wait(lambda: s.read(lambda s: s.stopped) is not None)
    stopped, finite = s.read(lambda s: (s.stopped, all(np.isfinite(p).all()
                                                       for p in s.model.parameters())))
    assert "lower the learning rate" in stopped and finite
    wait(lambda: not s.playing)


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
    assert "one n-ary dot" in texts(at)                 # what the scalar engine really builds
