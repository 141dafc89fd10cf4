"""The playground's library side: settings and URLs, live runs, and its pictures."""

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradplay import make_mlp
from gradplay.data import load
from gradplay.expr import backward_order, evaluate, replay_backward
from gradplay.playground import CHOICES, LiveRun, Settings
from gradplay.viz.live import boundary_figure, curves_figure, heatmap_rgb, hidden_mosaic
from gradplay.viz.network import NEGATIVE, POSITIVE, edge_style, network_dot
from gradplay.viz.plots import class_map, decision_grid, grid_bounds, hidden_grids


def test_settings_round_trip_through_the_query_string():
    s = Settings(dataset="spiral", classes=3, hidden=[12, 6], activation="relu",
                 output="softmax", loss="ce", optimizer="rmsprop", lr=0.003, l2=0.01,
                 batch=64, epochs=1234, engine="manual", seed=9, noise=0.35, decay="step")
    assert s.problems() == []
    back, notes = Settings.from_query(s.to_query())
    assert back == s and notes == []


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(vars(Settings())) + ["zzz"]),
                       st.text(max_size=30) | st.sampled_from(["1", "0.1", "8,8", "moons"])))
def test_any_query_string_gives_usable_settings_or_notes(params):
    s, notes = Settings.from_query(params)
    assert isinstance(notes, list)
    for name, options in CHOICES.items():
        assert getattr(s, name) in options
    assert 1 <= len(s.hidden) <= 6 and all(1 <= n <= 32 for n in s.hidden)


def test_problems_name_the_field():
    assert any("lr must be one of" in p for p in Settings(lr=0.5).problems())
    assert any("classes > 2 needs" in p for p in Settings(classes=3).problems())
    assert any("bce needs output sigmoid" in p for p in
               Settings(output="linear", loss="bce").problems())
    assert Settings(classes=3, dataset="spiral").fix_output().output == "softmax"


def test_live_run_respects_its_time_budget_and_target():
    run = LiveRun(Settings(dataset="moons", samples=200, epochs=100_000, hidden=[8]))
    start = time.perf_counter()
    done = run.advance(budget=0.05)
    assert time.perf_counter() - start < 1.0 and 0 < done == run.epoch
    assert not run.finished
    short = LiveRun(Settings(dataset="xor", samples=40, epochs=30, hidden=[4]))
    assert short.advance(budget=10.0) == 30 and short.finished
    assert short.advance(budget=10.0) == 0
    short.extend()
    assert not short.finished and short.target == 60
    assert short.step() == 1 and short.epoch == 31


def test_live_run_refuses_bad_settings_with_the_reason():
    with pytest.raises(ValueError, match="lr must be one of"):
        LiveRun(Settings(lr=0.7))


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
    from gradplay.train import fit
    hist = fit(model, ds, loss="bce", epochs=5)
    curves = curves_figure(hist)
    assert [t.name for t in curves.data] == ["train", "test", "train", "test"]
    assert list(curves.data[0].x) == [1, 2, 3, 4, 5]


def test_replay_backward_walks_the_chain_rule_one_node_at_a_time():
    out, leaves = evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    final = {n: leaf.grad for n, leaf in leaves.items()}
    order = backward_order(out)
    assert replay_backward(out, 0) == [] and out.grad == 1.0 and leaves["a"].grad == 0.0
    visited = replay_backward(out, 1)
    assert visited == [out] and order[1].grad == pytest.approx(1 - math.tanh(4.0) ** 2)
    replay_backward(out, len(order))
    assert {n: leaf.grad for n, leaf in leaves.items()} == pytest.approx(final)


@pytest.mark.parametrize("activation,output,loss,k", [("tanh", "sigmoid", "bce", 1),
                                                      ("relu", "softmax", "ce", 3),
                                                      ("softplus", "sigmoid", "mse", 1),
                                                      ("leaky_relu", "linear", "mse", 1)])
def test_compare_engines_agree_with_each_other_and_torch(activation, output, loss, k):
    pytest.importorskip("torch")
    from gradplay.network import compare_engines
    ds = load("spiral", n_samples=90, classes=3, seed=0)
    y = ds.y_train if output == "softmax" else (ds.y_train > 0).astype(int)
    rows = compare_engines(make_mlp([2, 5, k], activation, output, seed=1), ds.X_train, y, loss)
    assert [r["engine"] for r in rows] == ["scalar", "tensor", "manual", "PyTorch autograd"]
    assert max(r["max_grad_diff"] for r in rows) < 1e-12
    assert max(r["loss"] for r in rows) - min(r["loss"] for r in rows) < 1e-12


def test_figure_png_gives_png_bytes():
    from gradplay.train import fit
    from gradplay.viz.plots import figure_png, plot_decision_boundary, plot_loss
    ds = load("moons", n_samples=60, seed=0)
    model = make_mlp([2, 4, 1], seed=0)
    hist = fit(model, ds, loss="bce", epochs=3)
    for fig in (plot_loss(hist), plot_decision_boundary(model, ds)):
        png = figure_png(fig)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
