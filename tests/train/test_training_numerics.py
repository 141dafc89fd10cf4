"""Training stays honest on hostile settings and data: a diverging run stops
on a model whose metrics are finite, runaway weights are caught while the
loss still looks finite, and data or labels the loss cannot use get a clear
error before the first step (never numpy's words, never "lower the learning
rate" for a problem that is not the learning rate)."""

import itertools
import json
import math

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.cli import main
from gradplay.data import Dataset, load
from gradplay.train import MAX_WEIGHT, Trainer, fit

DATA = load("moons", n_samples=200, seed=3)
DIVERGING = list(itertools.product(["manual", "tensor"], ["relu", "tanh"], [1e2, 1e8, 1e30],
                                   [None, 16], ["sgd", "adam"], ["bce", "mse"]))


def _largest_weight(model) -> float:
    return max(float(np.abs(p).max()) for p in model.parameters())


@pytest.mark.timeout(300)
def test_a_stopped_run_shows_a_model_whose_loss_and_metrics_are_finite():
    stopped = 0
    for engine, act, lr, batch, opt, loss in DIVERGING:
        model = make_mlp([2, 8, 8, 1], activation=act, output="sigmoid", engine=engine, seed=1)
        trainer = Trainer(model, DATA, loss=loss, optimizer=opt, lr=lr, batch_size=batch)
        history = trainer.run(40)
        last = history.last()
        assert all(math.isfinite(last[k]) for k in ("train_loss", "test_loss",
                                                     "train_accuracy", "test_accuracy")), last
        # the recorded metrics are those of the model the trainer leaves behind
        loss_now, acc_now = model.evaluate(DATA.X_train, DATA.y_train, loss)
        assert loss_now == pytest.approx(last["train_loss"], rel=1e-12)
        assert acc_now == last["train_accuracy"]
        assert _largest_weight(model) <= MAX_WEIGHT
        stopped += history.stopped is not None
    assert stopped >= len(DIVERGING) // 4     # the sweep does diverge, often


def test_runaway_weights_stop_the_run_while_the_loss_is_still_finite():
    model = make_mlp([2, 8, 8, 1], activation="relu", output="sigmoid", engine="manual", seed=1)
    history = fit(model, DATA, loss="bce", optimizer="sgd", lr=1e30, epochs=50)
    assert "past 1e+12" in history.stopped and "lower the learning rate" in history.stopped
    assert _largest_weight(model) <= MAX_WEIGHT
    assert math.isfinite(history.last()["train_loss"])


def test_a_healthy_run_is_not_stopped_by_the_guards():
    model = make_mlp([2, 8, 1], activation="tanh", output="sigmoid", engine="manual", seed=0)
    history = fit(model, DATA, loss="bce", optimizer="adam", lr=0.05, epochs=200)
    assert history.stopped is None and history.last()["test_accuracy"] > 0.85


# ---------------------------------------------------------------- labels against the loss
def _with_labels(y_train, y_test=None) -> Dataset:
    return Dataset(DATA.X_train, np.asarray(y_train), DATA.X_test,
                   np.asarray(DATA.y_test if y_test is None else y_test), "custom")


@pytest.mark.parametrize("output, loss, units, labels, message", [
    ("sigmoid", "bce", 1, "pm1", r"y_train\[\d+\] = -1: loss 'bce' needs labels 0 or 1"),
    ("softmax", "ce", 2, "pm1", r"y_train\[\d+\] = -1: a 2-unit softmax needs class labels 0..1"),
    ("softmax", "mse", 2, "pm1", r"a 2-unit softmax needs class labels 0..1"),
    ("sigmoid", "bce", 1, "half", r"a regression target needs loss 'mse', not 'bce'"),
])
def test_labels_are_checked_against_the_loss(output, loss, units, labels, message):
    y = DATA.y_train * 2 - 1 if labels == "pm1" else np.where(DATA.y_train == 1, 0.5, 0.0)
    model = make_mlp([2, 4, units], output=output)
    with pytest.raises(ValueError, match=message):
        fit(model, _with_labels(y), loss=loss, epochs=1)


def test_labels_beyond_the_softmax_units_are_refused():
    y = DATA.y_train.copy()
    y[5] = 3
    with pytest.raises(ValueError, match=r"(4 classes|y_train\[5\] = 3: a 3-unit softmax)"):
        fit(make_mlp([2, 4, 3], output="softmax"), _with_labels(y), loss="ce", epochs=1)


# ---------------------------------------------------------------- fit and loss_and_grads
X10 = np.random.default_rng(0).normal(size=(10, 2))


@pytest.mark.parametrize("engine", ["scalar", "tensor", "manual"])
def test_loss_and_grads_names_a_row_mismatch_and_text_labels(engine):
    model = make_mlp([2, 3, 1], engine=engine)
    with pytest.raises(ValueError, match="y has 5 labels but X has 10 rows"):
        model.loss_and_grads(X10, np.zeros(5), "mse")
    with pytest.raises(ValueError, match=r"y must hold numbers .* got <U1"):
        model.loss_and_grads(X10, np.array(list("0101010101")), "mse")


@pytest.mark.parametrize("data, kwargs, message", [
    (Dataset(X10, np.zeros(5, int), X10[:0], np.zeros(0, int), "x"), {},
     r"train set: X has 10 rows but y has 5 labels"),
    (Dataset(X10[:0], np.zeros(0, int), X10, np.arange(10) % 2, "x"), {},
     r"the training set is empty"),
    (Dataset(X10, np.array(list("0101010101")), X10[:0], np.zeros(0, str), "x"), {},
     r"train set: labels must be numbers, got <U1 values such as '0'"),
    (Dataset(np.where(np.arange(20).reshape(10, 2) == 7, np.nan, X10), np.arange(10) % 2,
             X10[:0], np.zeros(0, int), "x"), {},
     r"X_train\[3, 1\] = nan: values must be finite numbers"),
    (Dataset(X10 * 1e300, np.arange(10) % 2, X10[:0], np.zeros(0, int), "x"), {},
     r"X_train\[0, 0\] = .*e\+29\d: values must be finite numbers within \+-1,000,000"),
    (DATA, {"epochs": None}, r"epochs must be a whole number in \[1, 1000000\]; got None"),
    (DATA, {"epochs": float("nan")}, r"epochs must be a whole number .*; got nan"),
    (DATA, {"batch_size": float("nan")}, r"batch_size must be a whole number >= 0; got nan"),
    (DATA, {"weight_decay": float("nan")}, r"weight_decay must be a number >= 0; got nan"),
    (DATA, {"weight_decay": float("inf")}, r"weight_decay must be a number >= 0; got inf"),
    (DATA, {"lr": float("nan")}, r"lr must be a number > 0; got nan"),
])
def test_fit_names_what_is_wrong_before_training(data, kwargs, message):
    with pytest.raises(ValueError, match=message) as caught:
        fit(make_mlp([2, 3, 1]), data, loss="bce", **{"epochs": 2, **kwargs})
    assert "lower the learning rate" not in str(caught.value)


# ---------------------------------------------------------------- the command line
def _train(capsys, *args) -> tuple[int, str, str]:
    status = main(["train", "--quiet", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def _strict_json(line: str) -> dict:
    def refuse(name):
        raise AssertionError(f"{name} is not JSON")
    return json.loads(line, parse_constant=refuse)


@pytest.mark.timeout(300)
def test_train_json_is_valid_json_with_the_stop_reason(capsys):
    statuses = set()
    for optimizer in ("sgd", "adam"):    # sgd at lr 100 diverges; adam survives it
        status, out, err = _train(capsys, "--lr", "100", "--optimizer", optimizer, "--hidden",
                                  "32,32", "--activation", "relu", "--engine", "manual",
                                  "--output", "linear", "--loss", "mse", "--epochs", "100",
                                  "--json")
        statuses.add(status)
        result = _strict_json(out.strip().splitlines()[-1])
        assert (result["stopped"] is None) == (status == 0), err
        for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
            assert result[key] is None or math.isfinite(result[key])
    assert statuses == {0, 1}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("args, message", [
    (["--hidden", "100000,100000"], "argument --hidden: must be 0 to 8 layer sizes"),
    (["--device", "bogus", "--engine", "manual"], "--device 'bogus': not a torch device"),
    (["--device", "meta", "--engine", "manual"], "gradplay runs on cpu or cuda, not meta"),
    (["--seed", "-1"], "argument --seed: must be a whole number"),
    (["--schedule", "inverse", "--decay", "nan"], "argument --decay: must be a number"),
    (["--epochs", "nan"], "argument --epochs: must be a whole number"),
])
def test_bad_train_arguments_exit_2_with_one_line(capsys, args, message):
    if "--device" in args:
        pytest.importorskip("torch")
    status, out, err = _train(capsys, *args, *([] if "--epochs" in args else ["--epochs", "1"]))
    assert status == 2, out + err
    assert message in err and len(err.strip().splitlines()) == 1
