"""TF Playground's levers from the command line: features, no hidden layer,
regression metrics, view toggles, saved models that know their features."""

import json

import numpy as np
import pytest

from gradplay import interop
from gradplay.cli import main
from gradplay.data import load

PNG = b"\x89PNG\r\n\x1a\n"


def train(capsys, *argv):
    code = main(["train", "--quiet", "--json", *argv])
    out = capsys.readouterr()
    last = out.out.strip().splitlines()[-1]
    def no_nan(name):
        raise AssertionError(f"{name} in the JSON line")
    return code, json.loads(last, parse_constant=no_nan), out


LESSON = ["--dataset", "circles", "--noise", "0.1", "--hidden", "0", "--optimizer", "adam",
          "--lr", "0.1", "--epochs", "600"]


@pytest.mark.timeout(120)
def test_features_vs_depth_from_the_command_line(capsys, tmp_path):
    code, line, _ = train(capsys, *LESSON, "--features", "x1,x2")
    assert code == 0 and line["test_accuracy"] <= 0.75
    path = tmp_path / "squares.json"
    code, squares, out = train(capsys, *LESSON, "--features", "x1sq,x2sq", "--save", str(path))
    assert code == 0 and squares["test_accuracy"] >= 0.95
    assert squares["config"]["features"] == ["x1sq", "x2sq"] and squares["config"]["hidden"] == []
    assert "2-1 MLP, no hidden layer, sigmoid output (tensor engine), inputs x1², x2²" in out.out
    assert squares["train_r2"] is None and squares["test_r2"] is None
    # the saved model knows its features: it takes raw points and scores the same
    model = interop.load(path)
    assert model.features == ("x1sq", "x2sq") and model.sizes == [2, 1]
    ds = load("circles", n_samples=300, noise=0.1, seed=0, test_size=0.2)
    acc = float(np.mean(model.predict_labels(ds.X_test) == ds.y_test))
    assert acc == pytest.approx(squares["test_accuracy"], abs=1e-12)


@pytest.mark.parametrize("dataset", ["plane", "multigauss"])
def test_regression_reports_r2_and_null_accuracy(capsys, dataset):
    code, result, out = train(capsys, "--dataset", dataset, "--samples", "200", "--hidden",
                              "8", "--epochs", "150", "--lr", "0.03")
    assert code == 0 and "linear output" in out.out and "regression" in out.out
    assert result["train_accuracy"] is None and result["test_accuracy"] is None
    assert -1 < result["test_r2"] <= 1 and 0 < result["train_r2"] <= 1
    assert "test R²" in out.out and "accuracy" not in out.out.splitlines()[-2]


def test_no_hidden_layer_figures_and_view_toggles(capsys, tmp_path):
    for argv in (["--dataset", "plane", "--discretize", "true", "--show-test", "false"],
                 ["--dataset", "xor", "--features", "x1x2", "--discretize", "yes"]):
        out_dir = tmp_path / argv[1]
        code, result, _ = train(capsys, *argv, "--hidden", "0", "--samples", "100",
                                "--epochs", "30", "--figures", str(out_dir))
        assert code == 0 and result["config"]["discretize"] is True
        names = sorted(p.name for p in out_dir.iterdir())
        assert names == sorted([f"{argv[1]}_dataset.png", "training_loss.png",
                                "decision_boundary.png", "hidden_activations.png"])
        for p in out_dir.iterdir():
            assert p.read_bytes()[:8] == PNG


def test_x1x2_alone_solves_xor_without_a_hidden_layer(capsys):
    code, result, _ = train(capsys, "--dataset", "xor", "--noise", "0", "--features", "x1x2",
                            "--hidden", "0", "--optimizer", "adam", "--lr", "0.1",
                            "--epochs", "300")
    assert code == 0 and result["test_accuracy"] >= 0.95


@pytest.mark.parametrize("argv,message", [
    (["--features", "x1,cosx1"], r"--features: must be one or more of x1,x2,x1sq"),
    (["--discretize", "maybe"], r"--discretize: must be true or false"),
    (["--dataset", "plane", "--loss", "bce"], "regression target needs loss 'mse'"),
])
def test_bad_lever_flags_are_one_line(capsys, argv, message):
    code = main(["train", *argv])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert __import__("re").search(message, err)


def test_help_lists_the_new_flags(capsys):
    assert main(["train", "--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--features", "--l1", "--discretize", "--show-test", "--hidden"):
        assert flag in text
