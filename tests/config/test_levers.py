"""TF Playground's levers in RunConfig: features, no hidden layer, regression,
L1 rates, view toggles, Regenerate, classroom links, and the lessons."""

import random

import numpy as np
import pytest

from gradplay.classroom import HIDEABLE, UI_CONTROLS, parse_hide, student_link, student_query
from gradplay.config import (BATCH_SIZES, FIELDS, L1_RATES, LESSONS, PRESETS, RunConfig,
                             build_run, regenerate, reset_fields)


# ---------------------------------------------------------------- fields
def test_features_are_a_set_of_names_in_the_url_and_the_config():
    cfg, notes = RunConfig.from_query({"features": "x2sq, x1sq,x1sq"})
    assert notes == [] and cfg.features == ("x1sq", "x2sq")
    assert cfg.to_query()["features"] == "x1sq,x2sq" and cfg.to_dict()["features"] == [
        "x1sq", "x2sq"]
    assert RunConfig.from_query(cfg.to_query())[0] == cfg
    cfg, notes = RunConfig.from_query({"features": "x1,x3"})
    assert cfg.features == ("x1", "x2") and "features must be one or more of x1,x2,x1sq" in \
        notes[0]
    with pytest.raises(ValueError, match="features must be"):
        RunConfig(features=())


def test_view_toggles_are_flags_and_never_reset_a_run():
    cfg, notes = RunConfig.from_query({"discretize": "on", "show_test": "False"})
    assert notes == [] and cfg.discretize is True and cfg.show_test is False
    assert cfg.to_query()["discretize"] == "true" and cfg.to_query()["show_test"] == "false"
    assert FIELDS["discretize"].group == FIELDS["show_test"].group == "view"
    _, notes = RunConfig.from_query({"discretize": "maybe"})
    assert notes == ["discretize must be true or false; got 'maybe'; kept false"]
    assert reset_fields(RunConfig(), RunConfig(discretize=True, show_test=False)) == []
    with pytest.raises(ValueError, match="discretize must be true or false"):
        RunConfig(discretize=1)


def test_build_run_sizes_the_network_by_its_features_and_allows_no_hidden_layer():
    run = build_run(RunConfig(dataset="circles", features=("x1sq", "x2sq", "x1x2"), hidden=(),
                              samples=50))
    assert run.model.sizes == [3, 1] and run.model.features == ("x1sq", "x2sq", "x1x2")
    assert run.data.X_train.shape[1] == 2            # the data stays points (x1, x2)
    assert run.trainer.step() and np.isfinite(run.trainer.history.loss[-1])
    assert RunConfig.from_query({"hidden": "0"})[0].hidden == ()


def test_regression_data_gets_a_linear_head_and_mse():
    cfg = RunConfig(dataset="plane")
    assert cfg.regression and cfg.head(0) == ("linear", "mse", 1)
    run = build_run(cfg.replace(samples=60))
    assert run.model.output == "linear" and run.trainer.loss_name == "mse"
    assert run.data.is_regression and run.data.n_classes == 0
    with pytest.raises(ValueError, match="a regression target needs loss 'mse'"):
        RunConfig(dataset="multigauss", loss="bce")
    cfg, notes = RunConfig.from_query({"dataset": "plane", "output": "softmax"})
    assert cfg.output == "auto" and "needs a single output unit" in notes[0]


def test_the_rates_and_batch_sizes_an_app_can_offer_are_valid_values():
    assert L1_RATES == (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)   # TF Playground's
    assert BATCH_SIZES[:30] == tuple(range(1, 31)) and 0 in BATCH_SIZES   # 0: full batch
    for rate in L1_RATES:
        assert FIELDS["l1"].rule.check(rate) == rate and FIELDS["l2"].rule.check(rate) == rate
    for size in BATCH_SIZES:
        assert FIELDS["batch_size"].rule.check(size) == size


def test_regenerate_draws_new_points_from_the_same_generator():
    cfg = RunConfig(dataset="spiral", samples=100, data_seed=7)
    new = regenerate(cfg, random.Random(0))
    assert new.data_seed != 7 and new.replace(data_seed=7) == cfg
    assert reset_fields(cfg, new) == ["data_seed"]
    assert regenerate(cfg, random.Random(0)) == new               # reproducible with an rng
    a, b = build_run(cfg).data, build_run(new).data
    assert not np.array_equal(a.X_train, b.X_train)
    seeds = {regenerate(cfg).data_seed for _ in range(20)}
    assert 7 not in seeds and len(seeds) > 1


# ---------------------------------------------------------------- classroom mode
def test_hide_names_fields_and_page_controls_and_notes_the_rest():
    names, notes = parse_hide("lr, dataset,train,lr")
    assert names == ("dataset", "lr", "train") and notes == []
    names, notes = parse_hide(["lr", "features,bogus"])           # a repeated URL key
    assert names == ("features", "lr") and len(notes) == 1 and "'bogus'" in notes[0]
    assert parse_hide(None) == ((), []) and parse_hide("") == ((), [])
    assert set(HIDEABLE) == set(FIELDS) | set(UI_CONTROLS)


def test_the_student_link_reopens_the_same_run_with_controls_hidden():
    cfg = PRESETS["lesson-features"]
    query = student_query(cfg, ["lr", "features"])
    assert query["hide"] == "features,lr" and query["features"] == "x1sq,x2sq"
    assert RunConfig.from_query(query) == (cfg, [])
    link = student_link("http://127.0.0.1:8501/train?old=1", cfg, ["features", "lr"])
    assert link.startswith("http://127.0.0.1:8501/train?dataset=circles&")
    assert link.endswith("&hide=features,lr") and "old=1" not in link
    assert "hide" not in student_query(cfg)
    with pytest.raises(ValueError, match="no control named 'learning_rate'"):
        student_query(cfg, ["learning_rate"])


# ---------------------------------------------------------------- the lessons
def test_every_lesson_is_a_preset():
    assert set(LESSONS) <= set(PRESETS) and len(LESSONS) >= 4


def train(name, **changes):
    cfg = PRESETS[name].replace(**changes)
    run = build_run(cfg)
    return run, run.trainer.run(cfg.epochs)


@pytest.mark.timeout(120)
def test_features_beat_depth_on_circles():
    _, line = train("lesson-line")
    run, squares = train("lesson-features")
    assert run.model.sizes == [2, 1]                   # no hidden layer in either
    assert line.test_accuracy[-1] <= 0.75
    assert squares.test_accuracy[-1] >= 0.95


@pytest.mark.timeout(180)
def test_l1_sends_weights_to_zero():
    with_l1, _ = train("lesson-l1")
    without, _ = train("lesson-l1", l1=0.0)
    assert with_l1.config.l1 == 0.01 and with_l1.model.sizes == [2, 16, 16, 1]
    near = with_l1.model.near_zero_weights(1e-3)
    assert near >= without.model.near_zero_weights(1e-3) + 30
    assert near == sum(int((np.abs(W) < 1e-3).sum()) for W, _ in with_l1.model.get_weights())


@pytest.mark.timeout(180)
def test_overfitting_test_loss_rises_while_train_loss_falls():
    run, hist = train("lesson-overfit")
    assert len(run.data.y_train) <= 30 and run.config.noise >= 0.3
    best = int(np.argmin(hist.test_loss))
    assert 0 < best < len(hist.test_loss) // 2          # the test loss falls first ...
    assert hist.test_loss[-1] > 2 * hist.test_loss[best]   # ... then climbs
    assert hist.loss[-1] < hist.loss[best] / 10          # while the training loss falls
    assert hist.accuracy[-1] == 1.0 and hist.test_accuracy[-1] < 0.9


@pytest.mark.timeout(180)
def test_the_regression_lesson_fits_the_bumps():
    run, hist = train("lesson-regression")
    assert run.model.output == "linear" and run.trainer.loss_name == "mse"
    assert hist.test_r2[-1] > 0.9 and hist.r2[0] < 0.5
