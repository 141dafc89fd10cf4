"""Pictures for the levers: feature maps, discretized output, regression value maps."""

import numpy as np

from gradplay import make_mlp
from gradplay.data import load
from gradplay.train import fit
from gradplay.viz.plots import (decision_grid, discretized, figure_png, hidden_grids,
                                input_grid, plot_dataset, plot_decision_boundary, plot_loss)

BOUNDS = (-2.0, 2.0, -1.0, 1.0)


def test_input_grid_shows_each_feature_over_the_plane():
    model = make_mlp([3, 4, 1], features=("x1sq", "x1x2", "sinx2"))
    grid = input_grid(model, BOUNDS, 5)
    gx, gy = np.meshgrid(grid.xs, grid.ys)                  # row i is y = ys[i]
    assert grid.values.shape == (5, 5, 3)
    np.testing.assert_allclose(grid.values[:, :, 0], gx ** 2)
    np.testing.assert_allclose(grid.values[:, :, 1], gx * gy)
    np.testing.assert_allclose(grid.values[:, :, 2], np.sin(gy))
    assert hidden_grids(make_mlp([2, 1]), BOUNDS, 5) == []   # no hidden layer: no hidden maps


def test_discretize_gives_classes_or_signs():
    model = make_mlp([2, 1], "tanh", "linear", seed=0)
    grid = decision_grid(model, BOUNDS, 7)
    signs = discretized(grid, regression=True)
    assert set(np.unique(signs)) <= {-1.0, 1.0}
    np.testing.assert_array_equal(signs > 0, grid.values >= 0)
    classifier = make_mlp([2, 1], "tanh", "sigmoid", seed=0)
    g = decision_grid(classifier, BOUNDS, 7)
    np.testing.assert_array_equal(discretized(g), (g.values >= 0.5).astype(int))


def test_regression_figures_draw_values():
    ds = load("plane", n_samples=80, noise=0.0, seed=0)
    model = make_mlp([2, 1], output="linear", seed=0)
    hist = fit(model, ds, loss="mse", optimizer="adam", lr=0.05, epochs=40)
    for fig in (plot_dataset(ds, show_test=False), plot_loss(hist),
                plot_decision_boundary(model, ds, resolution=30, discretize=True)):
        assert figure_png(fig)[:4] == b"\x89PNG"
    fig = plot_decision_boundary(model, ds, resolution=30)
    assert fig.axes[0].get_title().startswith("prediction (test R² ")
    assert plot_loss(hist).axes[1].get_ylabel() == "test R²"
