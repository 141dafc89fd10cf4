"""The live trainer's frames: every number the browser paints, checked here."""

import copy
import math

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.config import RunConfig, build_run
from gradplay.data import load
from gradplay.features import FEATURES
from gradplay.viz.frames import (MAGIC, View, activation_range, build_frame, dequantize,
                                 feature_maps, finite_or_none, grid_layers, history_rows,
                                 layer_maps, map_cells, network_numbers, output_grid, pack,
                                 quantize, unpack)


def trained(cfg=None, epochs=5):
    run = build_run(cfg or RunConfig(samples=120, hidden=(5, 3), epochs=epochs))
    run.trainer.run(epochs)
    return run


def test_quantize_round_trips_within_half_a_step():
    lo, hi = -1.5, 2.5
    v = np.linspace(lo, hi, 1001)
    q = quantize(v, lo, hi)
    assert q.dtype == np.uint8 and q[0] == 0 and q[-1] == 255
    assert np.max(np.abs(dequantize(q, lo, hi) - v)) <= (hi - lo) / 510 + 1e-12
    # outside the range clips, NaN is the low end
    assert list(quantize([-9.0, 9.0, np.nan], lo, hi)) == [0, 255, 0]


def test_activation_range_is_natural_or_symmetric():
    assert activation_range("tanh", np.array([0.1])) == (-1.0, 1.0)
    assert activation_range("sigmoid", np.array([0.1])) == (0.0, 1.0)
    assert activation_range("relu", np.array([0.0, 3.0, np.inf])) == (-3.0, 3.0)
    assert activation_range("linear", np.zeros(4)) == (-1.0, 1.0)   # never a zero span


def test_big_networks_get_a_coarser_grid():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert View.for_run(X, [2, 8, 8, 1]).resolution == 80
    big = View.for_run(X, [2, *[32] * 6, 1])
    assert big.resolution == 40 and big.map_resolution == 10
    assert View.for_run(X, [2, 64, 1]).resolution == 49       # sqrt(80 * 80 * 25 / 65)


def test_the_grid_is_an_image_with_x2_pointing_up():
    view = View((-1.0, 1.0, -2.0, 2.0), resolution=5)
    pts = view.points(5).reshape(5, 5, 2)
    assert tuple(pts[0, 0]) == (-1.0, 2.0)        # top-left: smallest x1, largest x2
    assert tuple(pts[-1, -1]) == (1.0, -2.0)      # bottom-right
    assert np.all(np.diff(pts[0, :, 0]) > 0) and np.all(np.diff(pts[:, 0, 1]) < 0)


def test_output_grid_is_the_models_prediction():
    run = trained()
    view = View.for_run(run.data.X, run.model.sizes, resolution=30)
    acts = grid_layers(run.model, view)
    head, blobs = output_grid(run.model, acts[-1], view)
    assert head["kind"] == "prob" and (head["lo"], head["hi"]) == (0.0, 1.0)
    p = run.model.predict(view.points(30))                          # (900,)
    assert np.max(np.abs(dequantize(blobs["boundary"], 0, 1) - p)) <= 1 / 510 + 1e-12


def test_softmax_output_sends_class_and_confidence():
    run = trained(RunConfig(dataset="spiral", classes=3, samples=150, hidden=(6,)))
    view = View.for_run(run.data.X, run.model.sizes, resolution=20)
    head, blobs = output_grid(run.model, grid_layers(run.model, view)[-1], view)
    probs = run.model.predict(view.points(20))                      # (400, 3)
    assert head["kind"] == "class" and head["classes"] == 3
    assert np.array_equal(blobs["boundary"], probs.argmax(axis=1))
    assert np.max(np.abs(dequantize(blobs["confidence"], 0, 1) - probs.max(axis=1))) <= 1 / 510


def test_linear_output_is_a_value_map_on_its_own_range():
    model = make_mlp([2, 4, 1], activation="tanh", output="linear", seed=1)
    view = View((-2.0, 2.0, -2.0, 2.0), resolution=16)
    head, blobs = output_grid(model, grid_layers(model, view)[-1], view)
    out = model.predict(view.points(16))
    m = np.max(np.abs(out))
    assert head["kind"] == "value" and head["lo"] == pytest.approx(-m) and head["hi"] == \
        pytest.approx(m)
    assert np.max(np.abs(dequantize(blobs["boundary"], -m, m) - out)) <= 2 * m / 510 + 1e-12


def test_every_neuron_map_is_its_activation_on_the_coarse_grid():
    model = make_mlp([2, 7, 3, 1], activation="relu", seed=2)
    view = View((-1.0, 1.0, -1.0, 1.0), resolution=40, map_resolution=10, max_units=5)
    acts = grid_layers(model, view)
    layers, codes = layer_maps(model, acts, view)
    assert [(l["units"], l["shown"]) for l in layers] == [(2, 2), (7, 5), (3, 3), (1, 1)]
    assert layers[0]["names"] == ["x1", "x2"] and layers[1]["activation"] == "relu"
    assert codes.shape == (2 + 5 + 3 + 1, 10, 10)
    cells = map_cells(view)
    assert cells[0] == 0 and cells[-1] == 39 and len(cells) == 10
    # hidden layer 1, unit 4: a_1 = relu(X W1 + b1) at the sampled grid points
    W1, b1 = model.get_weights()[0]
    X = view.points(40).reshape(40, 40, 2)[np.ix_(cells, cells)]    # (10, 10, 2)
    a = np.maximum(X @ W1 + b1, 0)[:, :, 4]
    lo, hi = layers[1]["ranges"][4]
    assert np.max(np.abs(dequantize(codes[2 + 4], lo, hi) - a)) <= (hi - lo) / 510 + 1e-12
    # the input maps are x1 and x2 themselves
    lo, hi = layers[0]["ranges"][0]
    assert np.allclose(dequantize(codes[0], lo, hi), X[:, :, 0], atol=(hi - lo) / 510)


def test_input_features_get_their_own_maps():
    model = make_mlp([3, 2, 1], features=("x1", "x2", "x1sq"), seed=0)
    view = View((-1.0, 1.0, -1.0, 1.0), resolution=8, map_resolution=8)
    h, b = unpack(build_frame(model, load("moons", n_samples=40), trained(epochs=1).trainer.history,
                              view))
    assert h["layers"][0]["names"] == model.input_labels()
    lo, hi = h["layers"][0]["ranges"][2]
    x1sq = dequantize(b["maps"].reshape(-1, 8, 8)[2], lo, hi)
    assert np.allclose(x1sq, view.points(8)[:, 0].reshape(8, 8) ** 2, atol=(hi - lo) / 510)


def test_network_numbers_are_the_weights_and_last_gradients():
    run = trained()
    numbers = network_numbers(run.model, run.trainer.last_grads)
    (W1, b1), (W2, b2), (W3, b3) = run.model.get_weights()
    assert numbers["W"].dtype == np.float64 and len(numbers["W"]) == W1.size + W2.size + W3.size
    # row-major: W[l][i, j] sits at offset(l) + i * fan_out + j
    assert numbers["W"][W1.size + 1 * W2.shape[1] + 2] == W2[1, 2]
    assert numbers["b"][len(b1) + 1] == b2[1]
    dW2 = run.trainer.last_grads[1][0]
    assert numbers["dW"][W1.size + 3 * W2.shape[1] + 0] == dW2[3, 0]
    # before the first step there is no gradient: zeros
    fresh = network_numbers(run.model, None)
    assert not fresh["dW"].any() and not fresh["db"].any()


def test_the_gradients_sent_are_the_last_steps_at_the_weights_before_it():
    run = trained()
    before = copy.deepcopy(run.model)
    run.trainer.step_batch()                          # one full-batch step
    _, expected = before.loss_and_grads(run.data.X_train, run.data.y_train,
                                        run.trainer.loss_name)
    numbers = network_numbers(run.model, run.trainer.last_grads)
    np.testing.assert_allclose(numbers["dW"], np.concatenate([dW.ravel() for dW, _ in expected]))
    np.testing.assert_allclose(numbers["db"], np.concatenate([db.ravel() for _, db in expected]))
    now = network_numbers(run.model, None)["W"]
    assert not np.allclose(now, network_numbers(before, None)["W"])   # the step moved them


def test_history_rows_are_the_new_ones_thinned_with_the_last_kept():
    run = trained(epochs=30)
    h = run.trainer.history
    rows = history_rows(h, since_epoch=25)
    assert rows.shape == (5, 5) and list(rows[:, 0]) == [26, 27, 28, 29, 30]
    assert rows[-1, 1] == h.train_loss[-1] and rows[-1, 4] == h.test_accuracy[-1]
    thin = history_rows(h, since_epoch=-1, most=7)
    assert len(thin) == 7 and thin[0, 0] == 1 and thin[-1, 0] == 30
    assert history_rows(h, since_epoch=30).shape == (0, 5)


def test_pack_and_unpack_are_inverse_and_aligned():
    blobs = {"a": np.arange(5, dtype=np.uint8), "b": np.array([1.5, -2.0], np.float32),
             "c": np.array([[math.nan, 3.0]])}
    payload = pack({"x": 1, "s": "é"}, blobs)
    assert payload[:4] == MAGIC
    header, back = unpack(payload)
    assert header["x"] == 1 and header["s"] == "é"
    for name, arr in blobs.items():
        assert np.array_equal(back[name], arr.ravel(), equal_nan=True)
        assert back[name].dtype == arr.dtype
    start = len(payload) - sum(-(-arr.nbytes // 8) * 8 for arr in blobs.values())
    assert start % 8 == 0 and all(off % 8 == 0 for off, _, _ in header["blobs"].values())
    with pytest.raises(ValueError, match="not a gradplay frame"):
        unpack(b"PNG?" + payload[4:])


def test_a_frame_carries_everything_and_stays_small():
    run = trained(epochs=12)
    view = View.for_run(run.data.X, run.model.sizes)
    payload = build_frame(run.model, run.data, run.trainer.history, view,
                          grads=run.trainer.last_grads, since_epoch=10, seq=7, run_id="r1",
                          static=True)
    h, b = unpack(payload)
    assert (h["seq"], h["run"], h["epoch"]) == (7, "r1", 12)
    assert h["sizes"] == [2, 5, 3, 1] and h["static"] is True
    assert h["metrics"]["train_loss"] == pytest.approx(run.trainer.history.train_loss[-1])
    assert h["scales"]["W"] == max(np.abs(W).max() for W, _ in run.model.get_weights())
    assert b["rows"].reshape(-1, 5)[:, 0].tolist() == [11, 12]
    # weights travel as float32: what painting and an edit's prefill need
    exact = network_numbers(run.model, run.trainer.last_grads)["W"]
    assert b["W"].dtype == np.float32 and np.allclose(b["W"], exact, rtol=1e-6, atol=0)
    assert len(b["train_x"]) == 2 * len(run.data.y_train)
    assert len(payload) < 30_000                   # a 80x80 boundary and every map
    lean = build_frame(run.model, run.data, run.trainer.history, view)
    assert "train_x" not in unpack(lean)[1] and len(lean) < len(payload)


def test_metrics_after_a_divergence_are_finite_or_none():
    assert finite_or_none(math.nan) is None and finite_or_none(math.inf) is None
    assert finite_or_none(0.25) == 0.25
    run = build_run(RunConfig(samples=120, hidden=(16, 16), activation="relu", init="normal",
                              output="linear", loss="mse", optimizer="sgd", lr=50.0))
    run.trainer.run(50)
    assert run.trainer.history.stopped
    h, b = unpack(build_frame(run.model, run.data, run.trainer.history,
                              View.for_run(run.data.X, run.model.sizes), grads=run.trainer.last_grads))
    assert all(v is None or math.isfinite(v) for v in h["metrics"].values())
    assert "lower the learning rate" in h["stopped"]
    assert np.isfinite(b["W"]).all() and np.isfinite(b["dW"]).all()


def test_large_datasets_send_a_sample_of_points():
    ds = load("moons", n_samples=6000, seed=0, test_size=0.5)
    model = make_mlp([2, 3, 1], seed=0)
    run = trained()
    h, b = unpack(build_frame(model, ds, run.trainer.history, View.for_run(ds.X, model.sizes), static=True))
    assert len(b["train_y"]) == 2000 and len(b["train_x"]) == 4000


def test_every_feature_has_a_map_and_a_used_one_matches_its_input_map():
    run = trained(RunConfig(dataset="circles", samples=100, hidden=(3,),
                            features=("x1x2", "x1sq")))
    view = View.for_run(run.data.X, run.model.sizes)
    ranges, codes = feature_maps(view)
    m = view.map_resolution
    assert codes.shape == (len(FEATURES), m, m) and len(ranges) == len(FEATURES)
    # each map is its feature at the coarse grid's points, quantised on its range
    points = view.points(view.resolution).reshape(view.resolution, view.resolution, 2)
    coarse = points[np.ix_(map_cells(view), map_cells(view))]              # (m, m, 2)
    sin_x2 = list(FEATURES).index("sinx2")
    lo, hi = ranges[sin_x2]
    assert np.max(np.abs(dequantize(codes[sin_x2], lo, hi) - np.sin(coarse[..., 1]))) \
        <= (hi - lo) / 510 + 1e-12
    # the network's own inputs (x1sq, x1x2: the config keeps FEATURES' order) look the same
    layers, maps = layer_maps(run.model, grid_layers(run.model, view), view)
    for unit, name in enumerate(run.model.features):
        k = list(FEATURES).index(name)
        assert np.array_equal(maps[unit], codes[k]) and layers[0]["ranges"][unit] == ranges[k]
    header, blobs = unpack(build_frame(run.model, run.data, run.trainer.history, view,
                                       static=True))
    assert header["features"]["active"] == list(run.model.features) == ["x1sq", "x1x2"]
    assert header["features"]["names"] == list(FEATURES)
    assert np.array_equal(blobs["feature_maps"].reshape(codes.shape), codes)


def test_a_regression_frame_scores_by_r2():
    run = trained(RunConfig(dataset="plane", samples=100, hidden=(), epochs=5))
    view = View.for_run(run.data.X, run.model.sizes)
    header, blobs = unpack(build_frame(run.model, run.data, run.trainer.history, view))
    h = run.trainer.history
    assert header["score"] == "r2" and header["boundary"]["kind"] == "value"
    rows = blobs["rows"].reshape(-1, 5)
    assert np.allclose(rows[:, 3], h.r2) and np.allclose(rows[:, 4], h.test_r2)
    assert math.isclose(header["metrics"]["test_r2"], h.test_r2[-1])
