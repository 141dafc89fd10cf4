"""Pictures: the numbers behind them (decision grids, hidden-unit grids) and the figures."""

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.data import load
from gradplay.train import fit
from gradplay.viz.plots import (class_map, decision_grid, figure_png, grid_bounds, hidden_grids,
                                plot_decision_boundary, plot_loss)


# ---------------------------------------------------------------- pictures
def test_decision_grid_and_class_map():
    ds = load("moons", n_samples=100, seed=0)
    model = make_mlp([2, 4, 1], seed=0)
    bounds = grid_bounds(ds.X)
    grid = decision_grid(model, bounds, resolution=25)
    assert grid.values.shape == (25, 25) and grid.xs[0] == bounds[0] and grid.ys[-1] == bounds[3]
    # values[i, j] is the prediction at (xs[j], ys[i])
    assert grid.values[3, 7] == pytest.approx(model.predict(np.array([[grid.xs[7],
                                                                       grid.ys[3]]]))[0])
    soft = make_mlp([2, 4, 3], output="softmax", seed=0)
    g3 = decision_grid(soft, bounds, 10)
    assert g3.values.shape == (10, 10, 3)
    assert np.array_equal(class_map(g3), g3.values.argmax(axis=2))
    layers = hidden_grids(make_mlp([2, 5, 3, 1]), bounds, 8)
    assert [g.values.shape for g in layers] == [(8, 8, 5), (8, 8, 3)]


def test_figure_png_gives_png_bytes():
    ds = load("moons", n_samples=60, seed=0)
    model = make_mlp([2, 4, 1], seed=0)
    hist = fit(model, ds, loss="bce", epochs=3)
    for fig in (plot_loss(hist), plot_decision_boundary(model, ds)):
        png = figure_png(fig)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000

