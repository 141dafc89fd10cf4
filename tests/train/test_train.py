"""Datasets, the training loop and the published preset."""

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.data import DATASETS, REGRESSION_DATASETS, load, load_csv
from gradplay.config import PRESETS, build_run
from gradplay.train import SCALAR_EDGE_CAP, History, Trainer, fit


@pytest.mark.parametrize("name", [d for d in DATASETS if d not in REGRESSION_DATASETS])
def test_datasets_are_deterministic_and_stratified(name):
    a = load(name, n_samples=200, noise=0.1, seed=3, test_size=0.25)
    b = load(name, n_samples=200, noise=0.1, seed=3, test_size=0.25)
    c = load(name, n_samples=200, noise=0.1, seed=4, test_size=0.25)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train)
    assert a.X_train.shape == (150, 2) and a.X_test.shape == (50, 2)
    assert set(np.unique(a.y)) == {0, 1}
    # stratified: each class has the same share in train and test (within one sample)
    share = lambda y: np.mean(y == 1)  # noqa: E731
    assert abs(share(a.y_train) - share(a.y_test)) <= 1 / 50 + 1e-9


def test_logic_gates_are_labelled_by_their_truth_tables():
    for gate, table in {"xor": [0, 1, 1, 0], "and": [0, 0, 0, 1], "or": [0, 1, 1, 1]}.items():
        # xor fills the square, and its noise flips labels near the axes: exact at 0
        ds = load(gate, n_samples=400, noise=0.0 if gate == "xor" else 0.05, seed=0)
        for (sx, sy), label in zip([(-1, -1), (-1, 1), (1, -1), (1, 1)], table):
            corner = (np.sign(ds.X[:, 0]) == sx) & (np.sign(ds.X[:, 1]) == sy)
            assert corner.sum() > 20 and np.all(ds.y[corner] == label)


def test_multiclass_spiral_and_bad_arguments():
    ds = load("spiral", n_samples=300, classes=3, seed=0)
    assert ds.n_classes == 3 and np.bincount(ds.y).tolist() == [100, 100, 100]
    with pytest.raises(ValueError, match="dataset must be one of"):
        load("mnist")
    with pytest.raises(ValueError, match=r"noise must be a number in \[0, 5\]; got -1"):
        load("moons", noise=-1)
    with pytest.raises(ValueError, match=r"n_samples must be a whole number in \[10, 100000\]"):
        load("moons", n_samples=10**9)
    with pytest.raises(ValueError, match="only spiral and gaussians"):
        load("moons", classes=3)


def test_csv_upload_with_header_and_errors_naming_row_and_column(tmp_path):
    rows = "x1,x2,label\n" + "\n".join(f"{i * 0.1},{-i * 0.2},{i % 2}" for i in range(20))
    path = tmp_path / "points.csv"
    path.write_text(rows)
    ds = load_csv(path, test_size=0.25)
    assert ds.name == "points" and len(ds.y_train) == 15 and ds.n_classes == 2
    assert load_csv(rows.encode()).X.shape == (20, 2)
    with pytest.raises(ValueError, match=r"row 3, column 2 \(x2\): 'abc' is not a number"):
        load_csv("x1,x2,label\n1,2,0\n1,abc,1\n3,4,0\n5,6,1\n")
    with pytest.raises(ValueError, match=r"row 2: expected 3 columns"):
        load_csv("1,2,0\n1,2\n")
    with pytest.raises(ValueError, match=r"row 1, column 3 \(label\): '0.5' is not a whole"):
        load_csv("1,2,0.5\n")
    with pytest.raises(ValueError, match=r"row 1, column 1 \(x1\): 'nan' is not a finite"):
        load_csv("nan,2,0\n")
    with pytest.raises(ValueError, match="at least 2 different labels"):
        load_csv("1,2,0\n3,4,0\n5,6,0\n7,8,0\n")


def test_preset_mlp_play_reaches_the_published_accuracy():
    """2-4-1 sigmoid, MSE, full-batch GD, 5,000 epochs, manual backprop: >= 96%."""
    run = build_run(PRESETS["mlp-play"])
    assert run.model.sizes == [2, 4, 1] and run.trainer.loss_name == "mse"
    hist = run.trainer.run(run.config.epochs)
    assert len(hist.loss) == 5000
    assert hist.test_accuracy[-1] >= 0.96
    assert hist.loss[-1] < hist.loss[0] / 4


def test_xor_trains_to_full_accuracy_on_every_engine():
    ds = load("xor", n_samples=40, noise=0.0, seed=1, test_size=0.25)
    for engine in ("scalar", "tensor", "manual"):
        model = make_mlp([2, 4, 1], "tanh", "sigmoid", engine=engine, seed=0)
        hist = fit(model, ds, loss="bce", lr=0.5, epochs=300)
        # 30 points of the filled square: learnt exactly, and most of the 10 others
        assert hist.accuracy[-1] == 1.0 and hist.test_accuracy[-1] >= 0.8, engine


def test_engines_train_identically():
    ds = load("moons", n_samples=60, seed=0)
    losses = []
    for engine in ("scalar", "tensor", "manual"):
        model = make_mlp([2, 5, 1], "tanh", "sigmoid", engine=engine, seed=2)
        losses.append(fit(model, ds, loss="bce", optimizer="adam", lr=0.05, epochs=20,
                          batch_size=16).loss)
    assert np.allclose(losses[0], losses[1], atol=1e-9) and np.allclose(losses[1], losses[2],
                                                                          atol=1e-9)


def test_minibatches_are_seeded_and_softmax_learns_three_classes():
    ds = load("spiral", n_samples=300, classes=3, noise=0.05, seed=0)
    runs = []
    for _ in range(2):
        model = make_mlp([2, 24, 24, 3], "relu", "softmax", seed=0, init="he")
        runs.append(fit(model, ds, loss="ce", optimizer="adam", lr=0.02, epochs=150,
                        batch_size=32, seed=5))
    assert runs[0].loss == runs[1].loss
    assert runs[0].test_accuracy[-1] > 0.9


def test_nan_guard_stops_with_a_message_and_keeps_the_last_good_model():
    ds = load("moons", n_samples=100, seed=0)
    model = make_mlp([2, 8, 1], "relu", "linear", seed=0)
    trainer = Trainer(model, ds, loss="mse", lr=1e6)
    hist = trainer.run(50)
    assert hist.stopped is not None and "lower the learning rate" in hist.stopped
    assert "epoch" in hist.stopped and len(hist.loss) < 50
    assert all(np.all(np.isfinite(p)) for p in model.parameters())
    # the model kept is one whose loss was finite, and so are the metrics shown for it
    last = hist.last()
    assert np.isfinite(last["train_loss"]) and np.isfinite(last["test_loss"])
    assert np.isfinite(model.loss(ds.X_train, ds.y_train, "mse"))


@pytest.mark.parametrize("batch_size", [None, 7])
def test_step_batch_can_stop_mid_epoch_and_resume_to_the_same_result(batch_size):
    """Batch by batch (what a time-budgeted frame does) equals epoch by epoch."""
    cfg_ds = load("moons", n_samples=60, seed=0)
    runs = []
    for by_batch in (False, True):
        model = make_mlp([2, 4, 1], seed=1)
        trainer = Trainer(model, cfg_ds, loss="bce", optimizer="adam", lr=0.05,
                          batch_size=batch_size, seed=3)
        if by_batch:
            steps = 0
            while trainer.epoch < 3:
                assert trainer.step_batch()
                steps += 1
            assert steps == 3 * (1 if batch_size is None else -(-48 // batch_size))
        else:
            trainer.run(3)
        runs.append((trainer.history.loss, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    assert all(np.array_equal(a, b) for pa, pb in zip(runs[0][1], runs[1][1])
               for a, b in zip(pa, pb))


def test_last_grads_are_the_gradients_of_the_last_step():
    ds = load("moons", n_samples=40, seed=0)
    model = make_mlp([2, 3, 1], seed=0)
    trainer = Trainer(model, ds, loss="bce", lr=0.1)
    before = model.get_weights()
    trainer.step()
    twin = make_mlp([2, 3, 1], seed=0)
    twin.set_weights(before)
    _, grads = twin.loss_and_grads(ds.X_train, ds.y_train, "bce")
    assert len(trainer.last_grads) == len(grads) == 2
    for (dW, db), (gW, gb) in zip(trainer.last_grads, grads):
        np.testing.assert_allclose(dW, gW, rtol=0, atol=0)   # the same step: the same numbers
        np.testing.assert_allclose(db, gb, rtol=0, atol=0)


def test_callback_reports_progress_and_can_pause():
    ds = load("moons", n_samples=80, seed=0)
    model = make_mlp([2, 4, 1], seed=0)
    seen = []
    trainer = Trainer(model, ds, loss="bce", lr=0.5)
    trainer.run(100, callback=lambda t: seen.append(t.epoch) or t.epoch < 30, every=10)
    assert seen == [10, 20, 30] and trainer.epoch == 30
    trainer.run(5)  # resumes where it paused
    assert trainer.epoch == 35 and trainer.history.epochs[-1] == 35


def test_history_is_thinned_to_stay_bounded():
    h = History(limit=100)
    for e in range(1, 10_001):
        h.append(e, 1.0 / e, 0.0, 0.5, 0.5)
    assert len(h) <= 101 and h.epochs[-1] == 10_000 and h.epochs[0] == 1
    assert h.epochs == sorted(h.epochs)


@pytest.mark.parametrize("kwargs,message", [
    ({"lr": 0}, r"^lr must be a number > 0; got 0$"),
    ({"batch_size": -1}, r"^batch_size must be a whole number >= 0; got -1$"),
    ({"loss": "hinge"}, "loss must be one of"),
    ({"optimizer": "sgdx"}, "optimizer must be one of"),
])
def test_invalid_training_settings(kwargs, message):
    ds = load("moons", n_samples=40, seed=0)
    with pytest.raises(ValueError, match=message):
        Trainer(make_mlp([2, 3, 1]), ds, **{"loss": "bce", **kwargs})
    with pytest.raises(ValueError, match=r"^epochs must be a whole number in \[1, 1000000\]"):
        fit(make_mlp([2, 3, 1]), ds, loss="bce", epochs=-1)


def test_scalar_engine_cap_says_why():
    ds = load("moons", n_samples=5000, seed=0)
    with pytest.raises(ValueError, match=r"graph of [\d,]+ edges a step.*tensor engine"):
        Trainer(make_mlp([2, 16, 16, 1], engine="scalar"), ds, loss="bce")
    edges = 4000 * (16 * 5 + 16 * 33 + 1 * 33 + 16 + 16 + 1)
    assert edges > SCALAR_EDGE_CAP  # the run refused above really is over the cap
    Trainer(make_mlp([2, 16, 16, 1], engine="scalar"), ds, loss="bce", batch_size=100)


def test_multiclass_data_needs_softmax():
    ds = load("spiral", n_samples=90, classes=3, seed=0)
    with pytest.raises(ValueError, match="3 classes need output 'softmax'"):
        Trainer(make_mlp([2, 4, 1]), ds, loss="bce")
