"""Pictures: the numbers behind them (decision grids, hidden-unit grids) and the figures."""

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.data import load
from gradplay.train import fit
from gradplay.viz.live import boundary_figure, curves_figure, heatmap_rgb, hidden_mosaic
from gradplay.viz.network import NEGATIVE, POSITIVE, edge_style, network_dot
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


def test_heatmap_colours_and_mosaic_layout():
    rgb = heatmap_rgb(np.array([[-1.0, 0.0, 1.0]]), -1, 1)
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 3, 3)
    assert tuple(rgb[0, 0]) == (232, 116, 59) and tuple(rgb[0, 2]) == (46, 134, 222)
    assert tuple(rgb[0, 1]) == (247, 247, 247)
    model = make_mlp([2, 10, 3, 1], "tanh", seed=0)
    mosaics = hidden_mosaic(model, (-1, 1, -1, 1), resolution=16, per_row=8, gap=2)
    assert mosaics[0].shape == (2 * 18 - 2, 8 * 18 - 2, 3)   # 10 tiles: 2 rows of 8
    assert mosaics[1].shape == (16, 3 * 18 - 2, 3)


def test_network_dot_draws_every_weight_with_sign_and_size():
    model = make_mlp([2, 3, 1], seed=0)
    W = model.get_weights()
    dot = network_dot(model)
    assert dot.count("->") == 2 * 3 + 3 * 1
    assert f'n0_0 -> n1_0 [color="{POSITIVE if W[0][0][0, 0] >= 0 else NEGATIVE}"' in dot
    assert edge_style(-2.0, 2.0) == (NEGATIVE, 5.0)
    assert edge_style(0.0, 2.0) == (POSITIVE, 0.3)
    with pytest.raises(ValueError, match="too many to draw"):
        network_dot(make_mlp([2, 32, 32, 32, 32, 32, 1]))


def test_plotly_figures_have_the_data():
    ds = load("circles", n_samples=80, seed=0)
    model = make_mlp([2, 4, 1], seed=0)
    fig = boundary_figure(decision_grid(model, grid_bounds(ds.X), 20), ds)
    kinds = [t.type for t in fig.data]
    assert kinds[0] == "heatmap" and kinds.count("scatter") == 4
    hist = fit(model, ds, loss="bce", epochs=5)
    curves = curves_figure(hist)
    assert [t.name for t in curves.data] == ["train", "test", "train", "test"]
    assert list(curves.data[0].x) == [1, 2, 3, 4, 5]


def test_figure_png_gives_png_bytes():
    ds = load("moons", n_samples=60, seed=0)
    model = make_mlp([2, 4, 1], seed=0)
    hist = fit(model, ds, loss="bce", epochs=3)
    for fig in (plot_loss(hist), plot_decision_boundary(model, ds)):
        png = figure_png(fig)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000

