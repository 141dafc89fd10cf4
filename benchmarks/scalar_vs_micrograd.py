"""gradplay's scalar engine against micrograd, on micrograd's own demo.

The demo (micrograd's demo.ipynb): make_moons(n_samples=100, noise=0.1) with
the global NumPy seed 1337, labels in {-1, 1}, MLP(2, [16, 16, 1]), loss =
mean(relu(1 - y*score)) + 1e-4 * sum(p*p), 100 full-batch SGD steps with
lr = 1.0 - 0.9*k/100. Both engines start from identical weights in one
process; the script prints both loss trajectories' largest difference, the
time per step of each, and the ratio.

micrograd (PyPI 0.1.0) is the reference; this script installs nothing, and
without micrograd it times gradplay alone.

    python benchmarks/scalar_vs_micrograd.py [--steps 100]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

import numpy as np
from sklearn.datasets import make_moons

from gradplay.scalar import MLP as GpMLP
from gradplay.scalar import Value as GpValue

try:
    from micrograd.engine import Value as MgValue
    from micrograd.nn import MLP as MgMLP
except ImportError:  # the reference is optional
    MgValue = MgMLP = None


def demo_data():
    np.random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    return X.tolist(), (y * 2 - 1).tolist()


def loss_fn(model, X, y, value_cls, total):
    """micrograd's SVM 'max-margin' loss plus L2, as in its demo."""
    inputs = [[value_cls(v) for v in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = total(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * total([p * p for p in model.parameters()])
    return data_loss + reg_loss


def count_nodes(out) -> int:
    seen, stack = set(), [out]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(getattr(node, "children", None) or getattr(node, "_prev", ()))
    return len(seen)


def train(model, X, y, value_cls, total, steps):
    """Run the demo's SGD loop; return (losses, first-step grads, seconds per step, nodes)."""
    losses, times, first_grads, nodes = [], [], None, 0
    for k in range(steps):
        t0 = time.perf_counter()
        loss = loss_fn(model, X, y, value_cls, total)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
        if k == 0:
            first_grads = [p.grad for p in model.parameters()]
            nodes = count_nodes(loss)
        losses.append(loss.data)
        del loss
    return losses, first_grads, times, nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    X, y = demo_data()

    random.seed(1337)
    gp = GpMLP(2, [16, 16, 1])
    results = {}
    print(f"micrograd demo: 100 points, MLP(2, [16, 16, 1]), {args.steps} SGD steps, "
          "garbage collector ON (as users run it)")
    if MgMLP is not None:
        random.seed(1337)
        mg = MgMLP(2, [16, 16, 1])
        start = [p.data for p in mg.parameters()]
        for p, w in zip(gp.parameters(), start):
            p.data = w  # identical starting weights
        results["micrograd"] = train(mg, X, y, MgValue, sum, args.steps)
    start_gp = [p.data for p in gp.parameters()]
    results["gradplay"] = train(gp, X, y, GpValue, GpValue.sum, args.steps)

    for name, (losses, _, times, nodes) in results.items():
        print(f"  {name:10s} {1000 * statistics.median(times):9.2f} ms/step (median), "
              f"{nodes:,} graph nodes, loss {losses[0]:.6f} -> {losses[-1]:.6f}")
    if "micrograd" in results:
        mg_l, mg_g, mg_t, _ = results["micrograd"]
        gp_l, gp_g, gp_t, _ = results["gradplay"]
        print(f"  first-step loss difference      {abs(mg_l[0] - gp_l[0]):.2e}")
        print(f"  first-step largest grad diff    "
              f"{max(abs(a - b) for a, b in zip(mg_g, gp_g)):.2e}")
        print(f"  largest loss diff, all steps    "
              f"{max(abs(a - b) for a, b in zip(mg_l, gp_l)):.2e}")
        print(f"  speed-up vs micrograd (GC on):  "
              f"{statistics.median(mg_t) / statistics.median(gp_t):.1f}x")

        # The same again with the collector off, the fairest comparison of the engines.
        gc.disable()
        try:
            random.seed(1337)
            mg = MgMLP(2, [16, 16, 1])
            gp2 = GpMLP(2, [16, 16, 1])
            for p, w in zip(gp2.parameters(), start_gp):
                p.data = w
            steps = min(args.steps, 20)
            _, _, mg_t2, _ = train(mg, X, y, MgValue, sum, steps)
            _, _, gp_t2, _ = train(gp2, X, y, GpValue, GpValue.sum, steps)
        finally:
            gc.enable()
        print(f"  with GC off ({steps} steps): micrograd {1000 * statistics.median(mg_t2):.2f} "
              f"ms/step, gradplay {1000 * statistics.median(gp_t2):.2f} ms/step, "
              f"speed-up {statistics.median(mg_t2) / statistics.median(gp_t2):.1f}x")


if __name__ == "__main__":
    main()
