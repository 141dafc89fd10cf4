"""Input features, the regression data sets, and TF Playground's harder spiral and XOR."""

import numpy as np
import pytest

from gradplay.data import FEATURES, REGRESSION_DATASETS, expand_features, load, spiral

try:
    import torch
except ImportError:  # the torch extra is optional: only the tests marked needs_torch skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch (the reference)")


# ---------------------------------------------------------------- features
def test_each_feature_is_its_formula_and_columns_follow_the_names():
    X = np.array([[0.5, -2.0], [3.0, 0.25], [-1.0, 1.0]])
    x1, x2 = X[:, 0], X[:, 1]
    expected = {"x1": x1, "x2": x2, "x1sq": x1 ** 2, "x2sq": x2 ** 2, "x1x2": x1 * x2,
                "sinx1": np.sin(x1), "sinx2": np.sin(x2)}
    assert set(FEATURES) == set(expected)
    for name, column in expected.items():
        np.testing.assert_allclose(expand_features(X, [name])[:, 0], column, rtol=0, atol=0)
    out = expand_features(X, ["sinx2", "x1sq", "x1x2"])
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out, np.c_[np.sin(x2), x1 ** 2, x1 * x2])


@needs_torch
def test_raw_features_pass_the_points_through_and_torch_tensors_work():
    X = np.random.default_rng(0).normal(size=(5, 2))
    assert expand_features(X, ("x1", "x2")) is X
    names = list(FEATURES)
    t = expand_features(torch.tensor(X), names)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    np.testing.assert_allclose(t.numpy(), expand_features(X, names), rtol=1e-15)


@pytest.mark.parametrize("X,names,message", [
    (np.zeros((4, 2)), ["x3"], "features must be one or more of x1,x2,x1sq"),
    (np.zeros((4, 2)), [], "features must be one or more"),
    (np.zeros((4, 2)), ["x1", "x1"], "each once"),
    (np.zeros((4, 3)), ["x1"], r"X must have shape \(n, 2\), got \(4, 3\)"),
    (np.zeros(4), ["x1"], r"X must have shape \(n, 2\)"),
])
def test_bad_features_and_shapes_are_named(X, names, message):
    with pytest.raises(ValueError, match=message):
        expand_features(X, names)


# ---------------------------------------------------------------- regression data
@pytest.mark.parametrize("name", REGRESSION_DATASETS)
def test_regression_sets_have_float_targets_in_minus_one_one(name):
    ds = load(name, n_samples=500, noise=0.3, seed=1, test_size=0.25)
    assert ds.is_regression and ds.n_classes == 0 and "regression" in repr(ds)
    assert ds.y_train.dtype == np.float64 and ds.X_train.shape == (375, 2)
    assert len(np.unique(ds.y)) > 400       # continuous: (almost) every target differs
    assert ds.y.min() >= -1 and ds.y.max() <= 1 and ds.y.min() < -0.5 < 0.5 < ds.y.max()
    assert np.abs(ds.X).max() <= 1
    # the noise moves the point that is labelled, not the point: same X, other targets
    clean = load(name, n_samples=500, noise=0.0, seed=1, test_size=0.25)
    np.testing.assert_array_equal(clean.X_train, ds.X_train)
    assert not np.array_equal(clean.y_train, ds.y_train)


def test_plane_is_the_mean_of_the_coordinates():
    ds = load("plane", n_samples=300, noise=0.0, seed=0)
    np.testing.assert_allclose(ds.y, ds.X.sum(axis=1) / 2, rtol=0, atol=1e-15)


def test_multigauss_has_six_bumps_of_alternating_sign():
    ds = load("multigauss", n_samples=20_000, noise=0.0, seed=0, test_size=0.0)
    centres = [(-2 / 3, 0.45), (0, 0.45), (2 / 3, 0.45), (-2 / 3, -0.45), (0, -0.45),
               (2 / 3, -0.45)]
    for (cx, cy), sign in zip(centres, [1, -1, 1, -1, 1, -1]):
        near = np.hypot(ds.X[:, 0] - cx, ds.X[:, 1] - cy) < 0.05
        assert near.sum() > 20 and np.all(sign * ds.y[near] > 0.95)
    far = np.min([np.hypot(ds.X[:, 0] - cx, ds.X[:, 1] - cy) for cx, cy in centres], 0) > 0.8
    assert np.all(np.abs(ds.y[far]) < 0.01)   # the corners of the square lie between bumps


# ---------------------------------------------------------------- harder spiral and XOR
@pytest.mark.parametrize("classes", [2, 3])
def test_the_spiral_makes_one_and_three_quarter_turns_per_arm(classes):
    X, y = spiral(3000, 0.0, classes, np.random.default_rng(0))
    starts = []
    for k in range(classes):
        r = np.hypot(X[y == k, 0], X[y == k, 1])
        angle = np.arctan2(X[y == k, 0], X[y == k, 1])        # x = r sin t, y = r cos t
        order = np.argsort(r)
        unwrapped = np.unwrap(angle[order])
        turns = (unwrapped[-1] - unwrapped[0]) / (2 * np.pi) / (r[order[-1]] - r[order[0]])
        assert turns == pytest.approx(1.75, abs=0.01)
        starts.append(unwrapped[0] - 2 * np.pi * 1.75 * r[order[0]])
    # the arms start evenly spread around the circle: 2 pi / classes apart
    gaps = np.diff(np.unwrap(starts)) % (2 * np.pi)
    np.testing.assert_allclose(gaps, 2 * np.pi / classes, atol=0.02)


def test_the_spiral_is_harder_than_before_for_a_small_net():
    """Issue 12: an 8-8 ReLU net reached 100% on the old 3-class spiral."""
    from gradplay.config import PRESETS, build_run
    cfg = PRESETS["spiral3"].replace(hidden=(8, 8), epochs=600)
    hist = build_run(cfg).trainer.run(cfg.epochs)
    assert hist.accuracy[-1] < 0.95


def test_xor_points_fill_the_square_and_are_labelled_by_the_sign_of_x1_x2():
    ds = load("xor", n_samples=40_000, noise=0.0, seed=0, test_size=0.0)
    X, y = ds.X, ds.y
    assert np.abs(X).max() <= 1 and np.abs(X).max() > 0.999
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    # uniform over the square less a thin cross (|x| < 0.05) that keeps the classes apart:
    # every cell of an 8 x 8 grid holds its share of that area (not four blobs)
    margin, edges = 0.05, np.linspace(-1, 1, 9)
    assert np.abs(X).min(axis=1).min() >= margin
    outside = np.clip(edges[1:], margin, 1) - np.clip(edges[:-1], margin, 1) + \
        np.clip(edges[1:], -1, -margin) - np.clip(edges[:-1], -1, -margin)   # (8,)
    share = np.outer(outside, outside) / (2 * (1 - margin)) ** 2             # (8, 8)
    counts, _, _ = np.histogram2d(X[:, 0], X[:, 1], bins=[edges, edges])
    assert np.all(np.abs(counts / (len(X) * share) - 1) < 0.15)
    assert np.bincount(y).tolist() == pytest.approx([20_000, 20_000], rel=0.03)


def test_xor_noise_flips_labels_near_the_axes_only():
    ds = load("xor", n_samples=4000, noise=0.1, seed=2, test_size=0.0)
    X, y = ds.X, ds.y
    flipped = y != (X[:, 0] * X[:, 1] < 0)
    assert 0.02 < flipped.mean() < 0.15
    away = np.min(np.abs(X), axis=1) > 0.5
    assert not flipped[away].any()
