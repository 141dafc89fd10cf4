"""The gradplay command line."""

import json
import subprocess
import sys

import numpy as np
import pytest

from gradplay import interop
from gradplay.cli import main
from gradplay.data import load


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_train_json_last_line_has_fractions(capsys):
    code, out, _ = run(capsys, "train", "--preset", "xor", "--json", "--quiet")
    assert code == 0
    metrics = json.loads(out.strip().splitlines()[-1])
    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert key in metrics
    assert 0.95 <= metrics["test_accuracy"] <= 1.0 and metrics["train_loss"] < 0.2


def test_flags_override_the_preset(capsys):
    code, out, _ = run(capsys, "train", "--preset", "mlp-play", "--epochs", "3", "--json")
    echoed = json.loads(out.splitlines()[-1])
    assert code == 0 and echoed["epochs"] == 3
    # the echoed config uses the same names as the flags, the URL and the presets
    assert echoed["config"]["lr"] == 5.0 and echoed["config"]["data_seed"] == 4
    assert "2-4-1 MLP, sigmoid hidden, sigmoid output (manual engine)" in out


def test_figures_and_saved_model(tmp_path, capsys):
    model_path = tmp_path / "model.json"
    code, out, _ = run(capsys, "train", "--dataset", "circles", "--samples", "200",
                       "--hidden", "6,4", "--epochs", "50", "--figures", str(tmp_path / "fig"),
                       "--save", str(model_path))
    assert code == 0
    for name in ("circles_dataset.png", "training_loss.png", "decision_boundary.png",
                 "hidden_activations.png"):
        png = (tmp_path / "fig" / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    model = interop.load(model_path)
    assert model.sizes == [2, 6, 4, 1]
    # the saved model is the trained one: it scores what the run printed, on the same data
    ds = load("circles", n_samples=200, noise=0.2, seed=0, test_size=0.2)
    printed = next(line for line in out.splitlines() if line.startswith("epoch "))
    assert printed.startswith("epoch 50: ") and "test accuracy" in printed
    accuracy = float(np.mean(model.predict_labels(ds.X_test) == ds.y_test))
    assert f"test accuracy {accuracy:.2%}" in printed


def test_multiclass_from_the_command_line(capsys):
    # gaussians: the 3-arm spiral (1.75 turns, issue 12) needs far more than 100 epochs
    code, out, _ = run(capsys, "train", "--dataset", "gaussians", "--classes", "3", "--hidden",
                       "16", "--optimizer", "adam", "--lr", "0.05", "--epochs", "100",
                       "--json")
    assert code == 0
    assert "softmax output" in out and json.loads(out.splitlines()[-1])["train_accuracy"] > 0.5


@pytest.mark.parametrize("argv,message", [
    (["train", "--lr", "-1"], r"--lr: must be a number > 0; got -1"),
    (["train", "--samples", "2"], r"--samples: must be a whole number in \[10, 100000\]"),
    (["train", "--hidden", "100000,100000"], r"--hidden: .*\[1, 256\]"),
    (["train", "--dataset", "moons", "--classes", "3"], "only spiral and gaussians"),
    (["train", "--engine", "tensor", "--device", "cpu"], "--device needs --engine manual"),
    (["train", "--csv", "/nonexistent/file.csv"], "error"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert __import__("re").search(message, err)


def test_diverging_run_says_so(capsys):
    code, out, _ = run(capsys, "train", "--output", "linear", "--loss", "mse", "--activation",
                       "relu", "--optimizer", "sgd", "--lr", "100", "--epochs", "300")
    assert code == 1 and "lower the learning rate" in out


def test_bench_prints_a_table_with_ratios(capsys):
    pytest.importorskip("torch")                     # the ratios are against PyTorch
    code, out, _ = run(capsys, "bench", "--epochs", "3", "--samples", "40")
    assert code == 0
    assert "gradplay manual" in out and "gradplay tensor" in out and "vs PyTorch" in out
    assert "PyTorch autograd (reference)" in out and "1.00x" in out
    assert "micrograd has only relu" in out


def test_bench_includes_micrograd_on_a_task_it_can_express(capsys):
    pytest.importorskip("micrograd")
    pytest.importorskip("torch")                     # the ratios are against PyTorch
    code, out, _ = run(capsys, "bench", "--activation", "relu", "--output", "linear",
                       "--epochs", "2", "--samples", "20")
    line = next(row for row in out.splitlines() if row.startswith("micrograd 0.1.0"))
    us, ratio = line.split()[2:4]                  # "micrograd 0.1.0  <us/epoch> <ratio>x"
    assert code == 0 and float(us) > 0 and float(ratio.rstrip("x")) > 0


def test_python_dash_m_and_console_script():
    out = subprocess.run([sys.executable, "-m", "gradplay", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    for command in ("app", "train", "expr", "bench"):
        assert command in out.stdout
