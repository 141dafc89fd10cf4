"""Classroom mode on the train page, and the lessons on the welcome page (AppTest)."""


import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from conftest import HOME, open_app_page  # noqa: E402
from gradplay.config import LESSONS  # noqa: E402



def open_train(query: dict) -> AppTest:
    return open_app_page("train", query)

def live(at: AppTest):
    """The page's live stream (its run: ``.config``, ``.read(fn)``)."""
    return at.session_state.live_ticket.stream


def control_keys(at: AppTest) -> set:
    """The keys of the sidebar's controls (w_<field>), without the w_ prefix."""
    widgets = [*at.sidebar.selectbox, *at.sidebar.select_slider, *at.sidebar.slider,
               *at.sidebar.number_input, *at.sidebar.checkbox]
    return {w.key.removeprefix("w_") for w in widgets}


@pytest.mark.timeout(120)
def test_hidden_controls_are_absent_and_the_link_still_sets_them():
    at = open_train({"hide": "lr,dataset", "lr": "0.1", "dataset": "circles"})
    keys = control_keys(at)
    assert "lr" not in keys and "dataset" not in keys
    assert {"layers", "optimizer", "epochs"} <= keys       # the others are there
    cfg = live(at).config
    assert cfg.lr == 0.1 and cfg.dataset == "circles"
    assert at.query_params["hide"] == "dataset,lr"        # kept in the page's own URL
    # another control changes: the hidden ones stay hidden and keep their values
    at.checkbox(key="w_stop").check().run()
    at.number_input(key="w_epochs").set_value(7).run()
    assert not at.exception
    assert "lr" not in control_keys(at) and at.query_params["hide"] == "dataset,lr"
    cfg = live(at).config
    assert (cfg.lr, cfg.dataset, cfg.epochs) == (0.1, "circles", 7)


def test_an_unknown_control_name_is_a_note_not_an_error():
    at = open_train({"hide": "lr,teacher,step,downloads"})
    assert "lr" not in control_keys(at) and "optimizer" in control_keys(at)
    assert any("no control named 'teacher'" in t.value for t in at.text)   # plain text
    assert {"lr", "step", "downloads"} <= set(live(at).meta["hide"])   # the renderer's too
    assert not {"dl_model", "dl_boundary", "dl_loss"} & {b.key for b in at.get("download_button")}


def test_the_welcome_page_links_every_lesson_to_the_trainer():
    at = AppTest.from_file(HOME, default_timeout=60).run()
    assert not at.exception
    links = {link.proto.query_string: link.proto for link in at.get("page_link")}
    for name in LESSONS:
        link = links[f"preset={name}"]
        assert link.page == "train" and link.label == LESSONS[name]


def test_a_lesson_link_opens_its_preset():
    at = open_train({"preset": "lesson-features"})
    cfg = live(at).config
    assert cfg.features == ("x1sq", "x2sq") and cfg.hidden == ()
    assert at.slider(key="w_layers").value == 0
    assert "2-1 MLP, no hidden layer" in " ".join(t.value for t in at.text)


@pytest.mark.timeout(120)
def test_the_link_for_students_carries_the_settings_and_the_hidden_controls():
    at = open_train({"dataset": "circles", "lr": "0.3", "features": "x1sq,x2sq", "hidden": "0"})
    at.multiselect(key="w_student_hide").set_value(["features", "hidden", "reset"]).run()
    assert not at.exception
    link = at.code[-1].value
    path, _, query = link.partition("?")
    assert path.endswith("/train")
    opened = open_train(dict(pair.split("=", 1) for pair in query.split("&")))
    cfg, teacher = live(opened).config, live(at).config
    assert cfg == teacher                                  # the same run...
    assert "features" not in control_keys(opened) | {m.key.removeprefix("w_")
                                                      for m in opened.sidebar.multiselect}
    assert "layers" not in control_keys(opened)            # ...without the levers it hides
    assert "reset" in live(opened).meta["hide"]            # the renderer draws no Reset
    assert "hide" not in at.query_params                   # the teacher's own page hides nothing


@pytest.mark.timeout(120)
def test_regenerate_picks_a_new_data_seed_and_a_new_run():
    at = open_train({"dataset": "moons", "data_seed": "5"})
    first = live(at).read(lambda s: s)
    at.button(key="regenerate").click().run()
    assert not at.exception
    assert live(at).config.data_seed != 5
    now = live(at).read(lambda s: s)
    assert now is not first
    assert at.query_params["data_seed"] == str(live(at).config.data_seed)
    assert not (first.data.X_train.shape == now.data.X_train.shape
                and (first.data.X_train == now.data.X_train).all())
