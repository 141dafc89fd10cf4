"""The scikit-learn estimators: sklearn's own checks, pipelines, and the fit
compared with scikit-learn's MLPClassifier (same settings, same accuracy)."""

import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from gradplay import make_mlp
from gradplay.data import load
from gradplay.estimator import MLPClassifier, MLPRegressor
from gradplay.nets import Network


@parametrize_with_checks([MLPClassifier(random_state=0), MLPRegressor(random_state=0)])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


def test_classifier_in_pipeline_grid_search_and_cross_validation():
    X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8,),
                                                         random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.9
    grid = GridSearchCV(pipe, {"mlpclassifier__activation": ["tanh", "relu"],
                               "mlpclassifier__learning_rate": [0.01, 0.03]}, cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.9 and set(grid.best_params_) == {
        "mlpclassifier__activation", "mlpclassifier__learning_rate"}


def test_classifier_string_labels_multiclass_and_probabilities():
    ds = load("spiral", n_samples=300, classes=3, noise=0.05, seed=0)
    names = np.array(["red", "green", "blue"])
    clf = MLPClassifier(hidden_layer_sizes=(32, 32), activation="relu", init="he",
                        learning_rate=0.02, epochs=300, random_state=0)
    clf.fit(ds.X_train, names[ds.y_train])
    assert list(clf.classes_) == ["blue", "green", "red"]
    proba = clf.predict_proba(ds.X_test)
    assert proba.shape == (len(ds.y_test), 3) and np.allclose(proba.sum(axis=1), 1)
    assert clf.score(ds.X_test, names[ds.y_test]) > 0.9
    assert clf.model_.output == "softmax" and clf.n_iter_ == 300


def test_regressor_learns_a_smooth_function():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(400, 1))
    y = 50 * np.sin(X[:, 0]) + 100   # a large offset and scale: targets are standardised
    reg = MLPRegressor(hidden_layer_sizes=(16,), epochs=500, learning_rate=0.02,
                       random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.98


# ---------------------------------------------------------------- model files


# ---------------------------------------------------------------- what a fit pays for
def test_fit_evaluates_nothing_beyond_its_training_steps(monkeypatch):
    """No history: a fit never runs the extra per-epoch forward pass of evaluate()."""
    calls = []
    monkeypatch.setattr(Network, "evaluate", lambda *a, **k: calls.append(1) or (0.0, 0.0))
    X, y = make_moons(n_samples=120, noise=0.2, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=30, random_state=0).fit(X, y)
    assert calls == [] and clf.n_iter_ == 30 and len(clf.loss_curve_) == 30


@pytest.mark.parametrize("batch_size", [None, 32])
def test_loss_curve_is_the_mean_batch_loss_of_each_epoch(batch_size):
    """As in scikit-learn: each entry is the loss the epoch trained on (full batch:
    the loss of the weights before that step), and it goes down."""
    X, y = make_moons(n_samples=200, noise=0.2, random_state=1)
    clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=60, batch_size=batch_size,
                        random_state=3).fit(X, y)
    start = make_mlp([2, 8, 1], "tanh", "sigmoid", engine="manual", seed=3)
    if batch_size is None:
        assert clf.loss_curve_[0] == pytest.approx(start.loss(X, y.astype(float), "bce"),
                                                   rel=1e-12)
    assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[0]


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "moons"])
def test_same_settings_as_scikit_learn_give_the_same_accuracy(name):
    """The settings of benchmarks/vs_sklearn.py (tanh, Adam lr 0.01, full batch,
    no penalty, 200 iterations, no early stopping, Glorot init): the median
    accuracy over 5 folds is within 0.02 of scikit-learn's."""
    if name == "moons":
        X, y = make_moons(n_samples=500, noise=0.2, random_state=0)
    else:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        X = StandardScaler().fit_transform(X)
    scores = {"ours": [], "theirs": []}
    for i, (a, b) in enumerate(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)):
        ours = MLPClassifier(hidden_layer_sizes=(16,), activation="tanh", optimizer="adam",
                             learning_rate=0.01, epochs=200, random_state=i).fit(X[a], y[a])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)   # max_iter reached: intended
            theirs = SkMLP(hidden_layer_sizes=(16,), activation="tanh", solver="adam",
                           learning_rate_init=0.01, max_iter=200, batch_size=len(a),
                           alpha=0.0, tol=0.0, n_iter_no_change=201, shuffle=False,
                           random_state=i).fit(X[a], y[a])
        assert theirs.n_iter_ == ours.n_iter_ == 200
        scores["ours"].append(ours.score(X[b], y[b]))
        scores["theirs"].append(theirs.score(X[b], y[b]))
    assert abs(np.median(scores["ours"]) - np.median(scores["theirs"])) <= 0.02
