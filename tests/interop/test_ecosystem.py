"""Model files, PyTorch export and the torch device path (the estimators: tests/estimator)."""

import json
import zipfile

import numpy as np
import pytest

from gradplay import interop, make_mlp
from gradplay.cli import main
from gradplay.data import load
from gradplay.interop import ModelFileError

try:
    import torch
except ImportError:         # the torch extra is optional: only the tests marked below need it
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch (pip install torch==2.13.0)")


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("engine", ["tensor", "manual", "scalar"])
def test_save_and_load_round_trip(tmp_path, suffix, engine):
    model = make_mlp([2, 5, 3], "relu", "softmax", engine=engine, seed=3)
    path = interop.save(model, tmp_path / f"m{suffix}")
    back = interop.load(path)
    assert back.sizes == model.sizes and back.engine == engine
    assert back.activation == "relu" and back.output == "softmax"
    X = np.random.default_rng(0).normal(size=(10, 2))
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def _valid(tmp_path):
    return json.loads(interop.dumps(make_mlp([2, 3, 1], seed=0)))


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.update(version=99), "unsupported format version 99"),
    (lambda d: d.update(format="pickle"), "not a gradplay model file"),
    (lambda d: d.update(sizes=[2, 3, 0]), "'sizes' must be a list"),
    (lambda d: d.update(sizes=[2] * 500), "'sizes' must be a list"),
    (lambda d: d.update(activation="__import__('os')"), "'activation' must be one of"),
    (lambda d: d["weights"][0].update(W=[[1, 2, 3]]), r"layer 0: expected W \(2, 3\)"),
    (lambda d: d["weights"][0].update(W=[["a", 2, 3], [1, 2, 3]]), "must be numbers"),
    (lambda d: d["weights"].pop(), "'weights' must list 2 layers"),
])
def test_bad_json_files_get_clear_errors(tmp_path, mutate, message):
    d = _valid(tmp_path)
    mutate(d)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ModelFileError, match=message):
        interop.load(path)


def test_corrupt_truncated_and_hostile_files(tmp_path):
    good = tmp_path / "good.json"
    interop.save(make_mlp([2, 3, 1]), good)
    truncated = tmp_path / "truncated.json"
    truncated.write_text(good.read_text()[:100])
    with pytest.raises(ModelFileError, match="not valid JSON"):
        interop.load(truncated)
    nan = tmp_path / "nan.json"
    nan.write_text(good.read_text().replace("0.0", "NaN", 1))
    with pytest.raises(ModelFileError, match="NaN"):
        interop.load(nan)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFileError):
        interop.load(deep)
    # a pickle disguised as .npz: np.load(allow_pickle=False) refuses it
    import pickle
    evil = tmp_path / "evil.npz"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("header.npy", pickle.dumps({"a": 1}))
    with pytest.raises(ModelFileError):
        interop.load(evil)
    npz = tmp_path / "m.npz"
    interop.save(make_mlp([2, 3, 1]), npz)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(npz.read_bytes()[:200])
    with pytest.raises(ModelFileError):
        interop.load(cut)
    with pytest.raises(ModelFileError, match="model file not found"):
        interop.load(tmp_path / "missing.json")


# ---------------------------------------------------------------- PyTorch
@needs_torch
@pytest.mark.parametrize("activation,output", [("tanh", "sigmoid"), ("relu", "softmax"),
                                               ("leaky_relu", "linear"),
                                               ("softplus", "sigmoid")])
def test_to_torch_and_back_match_to_1e12(activation, output):
    k = 3 if output == "softmax" else 1
    model = make_mlp([2, 6, 4, k], activation, output, seed=1, init="normal")
    net = interop.to_torch(model)
    X = np.random.default_rng(2).normal(size=(50, 2))
    with torch.no_grad():
        theirs = net(torch.from_numpy(X)).numpy()
    ours = model.predict(X).reshape(theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    back = interop.from_torch(net, engine="manual")
    assert back.sizes == model.sizes and back.activation == activation
    np.testing.assert_allclose(back.predict(X), model.predict(X), atol=1e-15)


@needs_torch
def test_from_torch_rejects_what_it_cannot_represent():
    with pytest.raises(ValueError, match="unsupported layer Dropout"):
        interop.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout()))


@needs_torch
def test_manual_engine_on_torch_tensors_matches_numpy_and_autograd():
    ds = load("moons", n_samples=100, seed=0)
    model = make_mlp([2, 5, 1], "tanh", "sigmoid", engine="manual", seed=0)
    loss_np, grads_np = model.loss_and_grads(ds.X_train, ds.y_train, "bce")
    model.to("cpu")
    Xt = torch.tensor(ds.X_train)
    yt = torch.tensor(ds.y_train)
    loss_t, grads_t = model.loss_and_grads(Xt, yt, "bce")
    assert isinstance(grads_t[0][0], torch.Tensor) and grads_t[0][0].dtype == torch.float64
    assert loss_t == pytest.approx(loss_np, abs=1e-12)
    for (a, b), (c, d) in zip(grads_np, grads_t):
        np.testing.assert_allclose(a, c.numpy(), atol=1e-12)
        np.testing.assert_allclose(b, d.numpy(), atol=1e-12)
    # and against torch.autograd on the same weights
    params = [p.clone().requires_grad_(True) for p in model.parameters()]
    z = torch.tanh(Xt @ params[0] + params[1]) @ params[2] + params[3]
    torch.nn.functional.binary_cross_entropy_with_logits(z[:, 0], yt.double()).backward()
    for p, g in zip(params, [g for pair in grads_t for g in pair]):
        assert torch.allclose(p.grad, g, atol=1e-12)


@needs_torch
def test_training_on_a_torch_device_from_the_cli(capsys):
    code = main(["train", "--preset", "xor", "--engine", "manual", "--device", "cpu",
                 "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out.splitlines()[-1])["test_accuracy"] == 1.0


@pytest.mark.skipif(torch is None or not torch.cuda.is_available(), reason="no CUDA GPU here")
def test_manual_engine_trains_on_cuda_like_on_the_cpu():
    ds = load("moons", n_samples=200, seed=0)
    cpu = make_mlp([2, 8, 1], "tanh", "sigmoid", engine="manual", seed=0)
    gpu = make_mlp([2, 8, 1], "tanh", "sigmoid", engine="manual", seed=0).to("cuda")
    Xg, yg = torch.tensor(ds.X_train, device="cuda"), torch.tensor(ds.y_train, device="cuda")
    loss_c, grads_c = cpu.loss_and_grads(ds.X_train, ds.y_train, "bce")
    loss_g, grads_g = gpu.loss_and_grads(Xg, yg, "bce")
    assert grads_g[0][0].is_cuda and loss_g == pytest.approx(loss_c, abs=1e-12)
    for (a, b), (c, d) in zip(grads_c, grads_g):
        np.testing.assert_allclose(a, c.cpu().numpy(), atol=1e-12)
        np.testing.assert_allclose(b, d.cpu().numpy(), atol=1e-12)
    code = main(["train", "--preset", "mlp-play", "--device", "cuda", "--epochs", "500",
                 "--quiet"])
    assert code == 0
