"""``gradplay.bench``: a task it cannot run is refused before anything is built,
with one line naming the argument (the CLI prints it, exit 2); the references
it times compute the same step as gradplay."""

import numpy as np
import pytest

from gradplay import bench, make_mlp
from gradplay.cli import main
from gradplay.data import load
from gradplay.rules import RuleError


def test_bce_on_a_linear_output_gets_the_head_rules_message(capsys):
    """U2: the PyTorch reference dropped its last module for BCE -- with a linear
    output, the Linear -- and failed with "Target size (torch.Size([800, 1]))"."""
    assert main(["bench", "--output", "linear", "--loss", "bce", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "loss 'bce' needs output 'sigmoid'" in err and "torch.Size" not in err
    assert main(["train", "--output", "linear", "--loss", "bce", "--epochs", "1"]) == 2
    train_err = capsys.readouterr().err
    assert err.split("error: ", 1)[1] == train_err.split("error: ", 1)[1]   # the same words


def test_a_task_too_big_for_memory_is_refused_before_it_starts(capsys):
    """C5: each flag was checked alone; 8 layers of 1024 units on 100,000 samples
    died after 17 s with a MemoryError traceback."""
    sizes = "-".join(["2"] + ["1024"] * 8 + ["1"])
    assert main(["bench", "--sizes", sizes, "--samples", "100000"]) == 2
    err = capsys.readouterr().err
    assert "sizes 2-1024-1024-...-1 (8 hidden layers) on 100,000 samples" in err
    assert "GB" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("sizes, n, available, refused", [
    ([2, 64, 64, 1], 10_000, None, False),            # engines.py's largest task: 40 MB
    ([2, 1024, 1024, 1], 100_000, None, True),        # 6.6 GB: over the 2 GiB cap anywhere
    ([2, 256, 1], 100_000, 4 * 10**9, False),         # 1.0 GB fits in half of 4 GB
    ([2, 256, 1], 100_000, 10**9, True),              # ... not in half of 1 GB
])
def test_task_memory_counts_the_combination(sizes, n, available, refused):
    if refused:
        with pytest.raises(RuleError, match="use fewer samples or smaller layers") as e:
            bench.check_task_memory(sizes, n, available)
        assert e.value.field == "sizes" and isinstance(e.value, ValueError)
    else:
        bench.check_task_memory(sizes, n, available)


def test_the_estimate_covers_what_a_step_allocates():
    """task_bytes against the arrays one manual-engine step really holds: its
    forward cache (Z and A per layer) and gradients, counted by hand."""
    sizes, n = [2, 64, 64, 1], 10_000
    model = make_mlp(sizes, "tanh", "sigmoid", engine="manual", seed=0)
    X = np.random.default_rng(0).normal(size=(n, 2))
    Zs, As = model.forward(X)
    held = sum(a.nbytes for a in Zs + As) + sum(w.nbytes for w in model.parameters())
    assert held < bench.task_bytes(sizes, n) < 4 * held


def test_the_hand_tuned_reference_takes_the_same_step_as_gradplay():
    """numpy_reference_step (split into forward, output delta, backward) is one
    SGD step on the MSE, like the manual engine's."""
    ds = load("moons", n_samples=300, noise=0.2, seed=1, test_size=0.0)
    X, y = ds.X_train, ds.y_train.astype(float)
    for activation in ("sigmoid", "tanh"):
        model = make_mlp([2, 5, 4, 1], activation, "sigmoid", engine="manual", seed=2)
        ref = bench._HandTunedMLP(model.get_weights(), X, y, activation)
        step = bench.engine_step(model, X, y, "mse", 0.7)
        for _ in range(3):
            step()
            ref.forward()
            ref.output_delta()
            ref.backward_and_update(0.7)
        for (W, b), Wr, br in zip(model.get_weights(), ref.Ws, ref.bs):
            np.testing.assert_allclose(Wr, W, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(br, b, rtol=1e-12, atol=1e-14)
