"""Training on hostile arguments and models (issue 25: C7, U3, U6, the History
rows after a divergence) and History's names (those of --json)."""

import math

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.data import Dataset, load
from gradplay.rules import RuleError
from gradplay.train import History, Trainer, fit

DATA = load("moons", n_samples=80, seed=0)


# ---------------------------------------------------------------- C7
@pytest.mark.parametrize("kwargs, message", [
    ({"callback": print, "every": 0}, r"^every must be a whole number >= 1; got 0$"),
    ({"callback": print, "every": 2.5}, r"^every must be a whole number >= 1; got 2.5$"),
    ({"callback": 5}, r"^callback must be a function of the trainer, or None; got int$"),
])
def test_callback_arguments_are_named(kwargs, message):
    with pytest.raises(RuleError, match=message):
        fit(make_mlp([2, 3, 1]), DATA, loss="bce", epochs=3, **kwargs)


@pytest.mark.parametrize("data, message", [
    (Dataset(DATA.X_train.astype(object), DATA.y_train, DATA.X_test, DATA.y_test, "o"),
     r"^X_train must hold numbers \(float64\), got dtype object"),
    (Dataset(DATA.X_train.tolist(), DATA.y_train, DATA.X_test, DATA.y_test, "l"),
     r"^X_train must be an array \(NumPy or torch\), got list"),
    (Dataset(DATA.X_train, DATA.y_train.tolist(), DATA.X_test, DATA.y_test, "l"),
     r"^y_train must be an array \(NumPy or torch\), got list"),
    (Dataset(DATA.X_train, DATA.y_train, DATA.X_test.astype(str), DATA.y_test, "s"),
     r"^X_test must hold numbers \(float64\), got dtype <U"),
])
def test_a_dataset_of_objects_or_lists_is_named_before_training(data, message):
    with pytest.raises(ValueError, match=message):
        fit(make_mlp([2, 3, 1], activation="tanh"), data, loss="bce", epochs=1)


# ---------------------------------------------------------------- U3
@pytest.mark.parametrize("spoil", ["times 1e200", "nan", "inf"])
def test_a_starting_model_that_is_already_broken_is_not_blamed_on_the_learning_rate(spoil):
    model = make_mlp([2, 8, 1], activation="relu", output="sigmoid", seed=0)
    W = model.weights[0][0]                           # in place, as a loaded file could be
    W[...] = W * 1e200 if spoil == "times 1e200" else np.where(W > 0, float(spoil), W)
    W = W.copy()
    history = fit(model, DATA, loss="bce", lr=0.5, epochs=5)
    assert history.stopped is not None and "before the first step" in history.stopped
    assert "the starting model (its weights) or the data already give a non-finite loss" in \
        history.stopped and "the learning rate played no part" in history.stopped
    assert "lower the learning rate" not in history.stopped
    np.testing.assert_array_equal(model.get_weights()[0][0], W)     # left as it was given


def test_a_run_that_diverges_later_still_says_lower_the_learning_rate():
    model = make_mlp([2, 8, 1], activation="relu", output="linear", seed=0)
    history = fit(model, DATA, loss="mse", lr=1e6, epochs=50)
    assert "lower the learning rate (it is 1e+06)" in history.stopped


# ---------------------------------------------------------------- one row per epoch
@pytest.mark.parametrize("batch_size", [None, 8])
def test_after_a_divergence_history_has_one_row_per_epoch(batch_size):
    model = make_mlp([2, 8, 1], activation="relu", output="linear", seed=0)
    trainer = Trainer(model, DATA, loss="mse", lr=0.5, batch_size=batch_size)
    trainer.run(3)
    trainer.optimizer.set(lr=1e9)                     # now it diverges within an epoch
    history = trainer.run(20)
    assert history.stopped is not None
    assert history.epochs == sorted(set(history.epochs)) == list(range(1, trainer.epoch + 1))
    # the last row is the model the trainer left behind
    loss, accuracy = model.evaluate(DATA.X_train, DATA.y_train, "mse")
    assert history.train_loss[-1] == pytest.approx(loss, rel=1e-12)


# ---------------------------------------------------------------- U6
def test_float_labels_are_regression_targets_and_the_message_says_so():
    y = DATA.y_train.astype(float)                      # 0.0 / 1.0
    data = Dataset(DATA.X_train, y, DATA.X_test, DATA.y_test.astype(float), "floats")
    assert data.is_regression and data.n_classes == 0   # the data model: dtype decides
    with pytest.raises(ValueError) as caught:
        fit(make_mlp([2, 3, 1]), data, loss="bce", epochs=1)
    text = str(caught.value)
    assert "a regression target needs loss 'mse', not 'bce'" in text
    assert "y_train holds floats (float64), which gradplay reads as regression targets" in text
    assert "give integer labels (y.astype(int))" in text
    as_ints = Dataset(DATA.X_train, y.astype(int), DATA.X_test, DATA.y_test, "ints")
    assert fit(make_mlp([2, 3, 1]), as_ints, loss="bce", epochs=2).epochs == [1, 2]


# ---------------------------------------------------------------- History's names
def test_history_fields_are_named_as_json_names_them_and_old_names_read_the_same():
    history = fit(make_mlp([2, 3, 1]), DATA, loss="bce", lr=0.5, epochs=3)
    last = history.last()
    for name in ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "train_r2",
                 "test_r2"):
        assert getattr(history, name)[-1] == last[name] or math.isnan(last[name])
    assert history.loss is history.train_loss and history.accuracy is history.train_accuracy
    assert history.r2 is history.train_r2
    with pytest.raises(AttributeError):
        history.loss = []                              # the old names are read-only
    h = History()
    h.append(1, 0.5, 0.6, 0.7, 0.8)
    assert (h.train_loss, h.test_loss, h.train_accuracy, h.test_accuracy) == \
        ([0.5], [0.6], [0.7], [0.8]) and math.isnan(h.train_r2[0])
