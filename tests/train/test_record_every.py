"""Trainer options for callers that need no history (the estimator), and the
NaN guard's one check after each step."""

import math

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.data import load
from gradplay.train import Trainer


def _moons():
    return load("moons", n_samples=80, noise=0.2, seed=0)


@pytest.mark.parametrize("every,rows", [(1, [1, 2, 3, 4, 5, 6, 7]), (3, [3, 6]), (0, [])])
def test_history_is_recorded_every_k_epochs_or_never(every, rows):
    model = make_mlp([2, 4, 1], seed=0)
    trainer = Trainer(model, _moons(), loss="bce", lr=0.5, record_every=every)
    trainer.run(7)
    assert trainer.history.epochs == rows and trainer.epoch == 7
    assert len(trainer.history.loss) == len(rows)


def test_the_rows_recorded_are_those_of_a_run_recording_every_epoch():
    runs = []
    for every in (1, 2):
        trainer = Trainer(make_mlp([2, 4, 1], seed=1), _moons(), loss="bce", lr=0.5,
                          record_every=every)
        runs.append(trainer.run(6))
    assert runs[1].loss == runs[0].loss[1::2] and runs[1].epochs == [2, 4, 6]


def test_epoch_loss_is_the_loss_the_epoch_trained_on():
    ds = _moons()
    model = make_mlp([2, 4, 1], seed=2)
    trainer = Trainer(model, ds, loss="bce", lr=0.5, record_every=0)
    assert math.isnan(trainer.epoch_loss)
    before = model.loss(ds.X_train, ds.y_train, "bce")
    trainer.step()
    assert trainer.epoch_loss == pytest.approx(before, rel=1e-13)   # full batch: one step
    mini = Trainer(make_mlp([2, 4, 1], seed=2), ds, loss="bce", lr=0.5, batch_size=16,
                   record_every=0)
    mini.step()
    assert np.isfinite(mini.epoch_loss) and mini.epoch_loss != trainer.epoch_loss


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_record_every_must_be_a_whole_number(bad):
    with pytest.raises(ValueError, match="record_every must be a whole number >= 0"):
        Trainer(make_mlp([2, 3, 1]), _moons(), loss="bce", record_every=bad)


def test_a_nan_gradient_with_a_finite_loss_is_caught_after_the_step():
    """The gradients are not checked on their own: a NaN gradient turns the weight
    it updates into NaN, the check after the step sees it, and the weights go
    back to the ones before that step (whose loss was finite)."""
    ds = _moons()
    model = make_mlp([2, 4, 1], engine="manual", seed=0)
    trainer = Trainer(model, ds, loss="bce", optimizer="adam", lr=0.01)
    trainer.run(3)
    good = model.get_weights()
    real = model.loss_and_grads

    def poisoned(X, y, loss):
        value, grads = real(X, y, loss)
        grads[0][0][0, 0] = np.nan
        return value, grads
    model.loss_and_grads = poisoned
    assert trainer.step() is False and trainer.history.stopped is not None
    for (W, b), (W0, b0) in zip(model.get_weights(), good):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
