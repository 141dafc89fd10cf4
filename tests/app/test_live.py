"""The live trainer's session logic (app.live), without a browser."""

import json

import numpy as np
import pytest

from gradplay import interop
from gradplay.app.live import FAST, LiveSession
from gradplay.config import RunConfig
from gradplay.viz.frames import unpack

SMALL = RunConfig(samples=120, hidden=(5,), epochs=50)


def test_advance_trains_the_asked_epochs_per_frame():
    s = LiveSession(SMALL)
    assert s.advance(1, budget=10) == 1 and s.epoch == 1
    assert s.advance(5, budget=10) == 5 and s.epoch == 6
    assert len(s.trainer.history) == 6


def test_a_frame_is_bounded_by_time_not_by_epochs():
    # mini-batches of 8: with no time left after the first batch, a frame
    # trains exactly one batch and the epoch is finished by later frames
    s = LiveSession(RunConfig(samples=400, hidden=(8,), batch_size=8))
    assert s.advance(FAST, budget=0.0) == 0
    assert s.trainer.mid_epoch and s.epoch == 0
    batches = -(-len(s.data.y_train) // 8)
    for _ in range(batches - 1):
        s.advance(1, budget=0.0)
    assert s.epoch == 1 and not s.trainer.mid_epoch


def test_the_optional_last_epoch_stops_and_step_goes_past_it():
    s = LiveSession(SMALL)
    s.stop_at = 3
    s.advance(FAST, budget=10)
    assert s.epoch == 3 and s.finished
    assert s.advance(1) == 0
    assert s.step() == 1 and s.epoch == 4


def test_optimisation_changes_keep_the_run_and_data_changes_reset_it():
    s = LiveSession(SMALL)
    s.advance(4, budget=10)
    before = s.model.get_weights()
    same, changed = s.apply(SMALL.replace(lr=0.3, l2=0.001, optimizer="sgd"))
    assert same is s and changed == [] and s.epoch == 4
    assert s.run.optimizer.lr == 0.3 and s.run.optimizer.weight_decay == 0.001
    assert all(np.array_equal(a, b) for pa, pb in zip(before, s.model.get_weights())
               for a, b in zip(pa, pb))
    s.advance(1, budget=10)
    assert s.epoch == 5                               # the epoch count goes on
    new, changed = s.apply(s.config.replace(hidden=(3, 3)))
    assert new is not s and changed == ["hidden"] and new.epoch == 0
    assert new.model.sizes == [2, 3, 3, 1]
    new2, changed = new.apply(new.config.replace(dataset="circles"))
    assert changed == ["dataset"] and new2.data.name.startswith("circles")


def test_reset_starts_again_from_the_seed():
    s = LiveSession(SMALL)
    w0 = s.model.get_weights()
    s.advance(3, budget=10)
    r = s.reset()
    assert r.epoch == 0 and r.run_id != s.run_id
    assert all(np.array_equal(a, b) for pa, pb in zip(w0, r.model.get_weights())
               for a, b in zip(pa, pb))


def test_setting_a_weight_and_a_bias():
    s = LiveSession(SMALL)
    s.set_weight(0, 1, 2, 0.75)
    s.set_weight(1, -1, 0, -2.5)
    (W1, _), (_, b2) = s.model.get_weights()
    assert W1[1, 2] == 0.75 and b2[0] == -2.5
    _, blobs = unpack(s.frame(seq=1))
    assert blobs["W"][1 * 5 + 2] == 0.75                  # what the browser will draw
    s.advance(1, budget=10)                               # training carries on from there
    for bad in ((2, 0, 0, 1.0), (0, 2, 0, 1.0), (0, 0, 5, 1.0), (0, 0, 0, float("nan"))):
        with pytest.raises(ValueError):
            s.set_weight(*bad)


def test_downloads_are_a_loadable_model_and_two_pngs():
    s = LiveSession(SMALL)
    s.advance(5, budget=10)
    model = interop.loads(s.model_json())
    X = s.data.X_test
    assert np.allclose(model.predict(X), s.model.predict(X))
    assert json.loads(s.model_json())
    for png in (s.boundary_png(), s.loss_png()):
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_frames_after_divergence_show_the_last_finite_model():
    s = LiveSession(RunConfig(samples=120, hidden=(16, 16), activation="relu",
                              init="normal", output="linear", loss="mse", optimizer="sgd",
                              lr=50.0))
    s.advance(FAST, budget=5)
    assert s.stopped and s.finished
    h, b = unpack(s.frame(seq=3))
    assert h["stopped"] == s.stopped and np.isfinite(b["W"]).all()
    assert all(v is None or np.isfinite(v) for v in h["metrics"].values())
