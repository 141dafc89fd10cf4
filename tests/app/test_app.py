"""The Streamlit playground, driven through Streamlit's AppTest."""

import math
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

import gradplay  # noqa: E402

HOME = str(Path(gradplay.__file__).parent / "app" / "Home.py")


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    if query:
        at.query_params.update(query)
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def train_to_end(at: AppTest, max_runs: int = 40) -> AppTest:
    at.button(key="train").click().run()
    for _ in range(max_runs):
        if not at.session_state.running:
            break
        at.run()  # a browser's timer would rerun the live fragment; here we do it
    assert not at.exception, at.exception
    assert not at.session_state.running
    return at


def test_welcome_page_links_to_both_tools():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Expression explorer" in text and "Train a network" in text


# (the expression explorer's tests: tests/app/test_explorer.py)


# ---------------------------------------------------------------- training page
XOR = {"dataset": "xor", "samples": "200", "noise": "0", "hidden": "8", "activation": "tanh",
       "output": "sigmoid", "loss": "bce", "optimizer": "sgd", "lr": "1", "epochs": "300",
       "engine": "tensor"}


def test_xor_with_2_8_1_tanh_trains_to_full_accuracy():
    at = open_page("train", XOR)
    assert "2-8-1 MLP, tanh hidden" in " ".join(c.value for c in at.caption)
    train_to_end(at)
    assert metric(at, "Epoch") == "300"
    assert metric(at, "Train accuracy") == "100.0%" and metric(at, "Test accuracy") == "100.0%"
    assert at.get("plotly_chart") and at.get("graphviz_chart")
    assert len(at.get("image")) >= 1  # hidden-neuron heatmaps


def test_changing_a_control_updates_the_query_string():
    at = open_page("train")
    assert at.query_params["dataset"] == "moons"
    at.selectbox(key="cfg_dataset").select("circles").run()
    assert at.query_params["dataset"] == "circles"
    at.text_input(key="cfg_hidden").set_value("4,4,4").run()
    assert at.query_params["hidden"] == "4,4,4"
    at.text_input(key="cfg_lr").set_value("0.1").run()
    assert at.query_params["lr"] == "0.1"
    assert not at.exception


def test_the_notebook_preset_opens_with_its_learning_rate():
    at = open_page("train", {"preset": "mlp-play"})
    assert not at.warning
    assert at.query_params["lr"] == "5.0" and at.query_params["hidden"] == "4"
    assert "2-4-1 MLP, sigmoid hidden, sigmoid output (manual engine)" in \
        " ".join(c.value for c in at.caption)


def test_a_link_restores_every_control():
    query = {"dataset": "spiral", "classes": "3", "samples": "150", "noise": "0.1",
             "hidden": "12,6,3", "activation": "relu", "optimizer": "rmsprop", "lr": "0.01",
             "l2": "0.001", "batch_size": "32", "epochs": "40", "engine": "manual", "seed": "7",
             "init": "he", "schedule": "step"}
    at = open_page("train", query)
    assert at.selectbox(key="cfg_dataset").value == "spiral"
    assert at.text_input(key="cfg_hidden").value == "12,6,3"
    assert at.selectbox(key="cfg_engine").value == "manual"
    assert "2-12-6-3-3 MLP, relu hidden, softmax output (manual engine)" in \
        " ".join(c.value for c in at.caption)
    for key, value in query.items():
        assert at.query_params[key] == value


def test_a_bad_link_warns_and_keeps_defaults():
    at = open_page("train", {"dataset": "mnist", "lr": "-5", "hidden": "4,999", "epochs": "abc"})
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    for field in ("dataset", "lr", "hidden", "epochs"):
        assert f"{field} must be" in warnings
    assert at.selectbox(key="cfg_dataset").value == "moons"


def test_a_learning_rate_change_mid_run_keeps_the_epoch_count():
    at = open_page("train", {**XOR, "epochs": "100000"})
    for _ in range(3):
        at.button(key="step").click().run()
    weights = at.session_state.run.model.get_weights()
    at.text_input(key="cfg_lr").set_value("0.05").run()
    assert metric(at, "Epoch") == "3" and at.session_state.run.optimizer.lr == 0.05
    assert all((a == b).all() for pa, pb in zip(weights, at.session_state.run.model.get_weights())
               for a, b in zip(pa, pb))
    at.text_input(key="cfg_hidden").set_value("5").run()
    assert metric(at, "Epoch") == "0"      # a new architecture is a new run


def test_two_sessions_do_not_share_state():
    a = open_page("train", {**XOR, "epochs": "100"})
    b = open_page("train", {"dataset": "circles", "hidden": "6", "epochs": "50",
                            "optimizer": "adam", "lr": "0.03"})
    a.button(key="train").click().run()
    b.button(key="step").click().run()
    assert metric(b, "Epoch") == "1"
    a.run()
    b.run()
    assert "xor" in a.session_state.run.data.name and b.session_state.run.data.name == "circles"
    assert a.session_state.run.model is not b.session_state.run.model
    assert metric(b, "Epoch") == "1"  # b only stepped once, however far a trained
    assert int(metric(a, "Epoch")) > 1


def test_step_pause_and_reset():
    at = open_page("train", {**XOR, "epochs": "100000"})
    at.button(key="step").click().run()
    assert metric(at, "Epoch") == "1"
    at.button(key="train").click().run()
    assert at.session_state.running
    at.button(key="pause").click().run()
    assert not at.session_state.running
    epoch = int(metric(at, "Epoch").replace(",", ""))
    at.run()
    assert int(metric(at, "Epoch").replace(",", "")) == epoch  # paused: nothing moves
    at.button(key="reset").click().run()
    assert metric(at, "Epoch") == "0"


def test_divergence_stops_with_a_message_and_keeps_the_model():
    at = open_page("train", {"dataset": "moons", "output": "linear", "loss": "mse",
                             "activation": "relu", "optimizer": "sgd", "lr": "10",
                             "hidden": "16,16", "epochs": "500", "init": "normal"})
    train_to_end(at)
    assert any("lower the learning rate" in e.value for e in at.error)
    model = at.session_state.run.model
    assert all(math.isfinite(float(abs(p).max())) for p in model.parameters())


def test_scalar_engine_cap_is_explained():
    at = open_page("train", {"engine": "scalar", "samples": "2000", "hidden": "32,32"})
    assert not at.exception
    assert any("engine 'scalar' would build a graph of" in e.value for e in at.error)


def test_csv_dataset_without_a_file_asks_for_one():
    at = open_page("train", {"dataset": "csv"})
    assert not at.exception
    assert any("upload a file with rows x1,x2,label" in e.value for e in at.error)


def test_gradient_check_compares_every_engine():
    at = open_page("train", {**XOR, "epochs": "20"})
    at.button(key="compare").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["engine"])[:3] == ["scalar", "tensor", "manual"]
    assert table["max_grad_diff"].max() < 1e-12
