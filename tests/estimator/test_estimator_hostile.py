"""The estimators against hostile parameters and data (issue 25: W3, C6, C7, U1):
each bad value gets a ValueError naming the parameter or X, never an
AttributeError, a TypeError from deep inside, or silently wrong predictions."""

import numpy as np
import pytest
from sklearn.datasets import make_moons

from gradplay.estimator import MLPClassifier, MLPRegressor, standardise
from gradplay.rules import RuleError


def _moons():
    return make_moons(n_samples=80, noise=0.2, random_state=0)


# ---------------------------------------------------------------- W3: huge or tiny targets
@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e300])
def test_regressor_fits_targets_of_any_scale_like_the_same_targets_at_scale_one(scale):
    """y.std() overflowed for |y| ~ 1e200 (every target became 0, every
    prediction inf) and underflowed for |y| ~ 1e-200 (nothing was learnt)."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(200, 1))
    y = np.sin(X[:, 0]) + 0.5
    settings = dict(hidden_layer_sizes=(8,), epochs=150, learning_rate=0.03, random_state=0)
    one = MLPRegressor(**settings).fit(X, y)
    big = MLPRegressor(**settings).fit(X, scale * y)
    pred = big.predict(X)
    assert np.all(np.isfinite(pred))
    np.testing.assert_allclose(pred / scale, one.predict(X), rtol=1e-9, atol=1e-12)
    assert one.score(X, y) > 0.9     # (score itself squares 1e200: scikit-learn's overflow)


def test_standardise_is_the_textbook_form_where_that_does_not_overflow():
    Y = np.random.default_rng(1).normal(3.0, 7.0, size=(500, 3))
    Y[:, 2] = 4.0                                       # a constant column keeps std 1
    target, mean, scale = standardise(Y)
    np.testing.assert_allclose(mean, Y.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(scale[:2], Y[:, :2].std(axis=0), rtol=1e-14)
    np.testing.assert_allclose(target[:, :2], (Y[:, :2] - Y[:, :2].mean(0)) / Y[:, :2].std(0),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(target[:, 2], 0.0)
    np.testing.assert_allclose(target * scale + mean, Y, rtol=1e-14)   # predictions map back


# ---------------------------------------------------------------- C6: parameters
@pytest.mark.parametrize("name, value", [
    ("random_state", np.random.default_rng(0)),       # a Generator: scikit-learn refuses it
    ("random_state", "a"),
    ("random_state", -1),
    ("random_state", 1.5),
    ("hidden_layer_sizes", None),
    ("hidden_layer_sizes", (16, 0)),
    ("hidden_layer_sizes", "16"),
    ("hidden_layer_sizes", (2.5,)),
    ("activation", "softmax"),
    ("activation", None),
    ("loss", "bce"),
    ("optimizer", "lbfgs"),
    ("learning_rate", 0),
    ("learning_rate", float("nan")),
    ("learning_rate", "0.01"),
    ("epochs", -1),
    ("epochs", 2.5),
    ("batch_size", 0),
    ("batch_size", "auto"),
    ("weight_decay", -0.1),
    ("init", "orthogonal"),
    ("engine", "gpu"),
])
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_a_bad_parameter_is_a_value_error_naming_it(Estimator, name, value):
    X, y = _moons()
    est = Estimator(**{"epochs": 2, name: value})   # __init__ stores, as scikit-learn asks
    with pytest.raises(RuleError) as e:
        est.fit(X, y.astype(float))
    assert e.value.field == name and str(e.value).startswith(f"{name} must be")
    assert isinstance(e.value, ValueError)


def test_random_state_by_scikit_learns_rule():
    """An int seeds exactly like make_mlp(seed=...); a RandomState draws the seed
    (the same state gives the same fit); None gives some fit."""
    X, y = _moons()
    a = MLPClassifier(epochs=20, random_state=3).fit(X, y)
    b = MLPClassifier(epochs=20, random_state=np.int64(3)).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    c = MLPClassifier(epochs=20, random_state=np.random.RandomState(7)).fit(X, y)
    d = MLPClassifier(epochs=20, random_state=np.random.RandomState(7)).fit(X, y)
    assert c.loss_curve_ == d.loss_curve_
    assert len(MLPClassifier(epochs=5, random_state=None).fit(X, y).loss_curve_) == 5


# ---------------------------------------------------------------- U1: NumPy scalars
def test_numpy_scalars_are_numbers():
    X, y = _moons()
    plain = MLPClassifier(epochs=30, learning_rate=float(np.float32(0.01)),
                          weight_decay=float(np.float32(1e-3)), batch_size=16,
                          hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    numpy = MLPClassifier(epochs=np.int64(30), learning_rate=np.float32(0.01),
                          weight_decay=np.float32(1e-3), batch_size=np.int32(16),
                          hidden_layer_sizes=np.array([8]), random_state=0).fit(X, y)
    assert numpy.loss_curve_ == plain.loss_curve_ and numpy.n_iter_ == 30


# ---------------------------------------------------------------- C7: X that is not numbers
def _dates():
    return np.array(["2020-01-01", "2020-01-02"] * 40, dtype="datetime64[D]").reshape(-1, 2)


def _with_object(value):
    X = _moons()[0].astype(object)
    X[3, 1] = value
    return X


@pytest.mark.parametrize("make_X, says", [
    (lambda: np.array([["a", "b"]] * 80), "got text"),
    (lambda: [["1.5", "x"]] * 80, "got text"),
    (lambda: _with_object({"foo": "bar"}), r"X\[3, 1\] is dict"),
    (lambda: _with_object("text"), r"X\[3, 1\] is str"),
    (lambda: _with_object("1.5"), r"X\[3, 1\] is str '1.5' \(text is not a number\)"),
    (_dates, "got dates"),
    (lambda: _moons()[0] * (1 + 1j), "Complex data not supported"),
])
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_x_that_is_not_numbers_is_refused_naming_x(Estimator, make_X, says):
    _, y = _moons()
    with pytest.raises(ValueError, match=says) as e:
        Estimator(epochs=2).fit(make_X(), y.astype(float))
    assert e.value.field == "X" and str(e.value).startswith("X must hold real numbers")


def test_numbers_held_as_objects_still_fit_and_predict_refuses_text():
    X, y = _moons()
    ours = MLPClassifier(epochs=10, random_state=0).fit(X.astype(object), y)
    plain = MLPClassifier(epochs=10, random_state=0).fit(X, y)
    assert ours.loss_curve_ == plain.loss_curve_
    with pytest.raises(ValueError, match="X must hold real numbers, got text"):
        ours.predict(np.array([["a", "b"]]))
