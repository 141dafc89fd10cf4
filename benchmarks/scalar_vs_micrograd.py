"""gradplay's scalar engine against micrograd, on micrograd's own demo.

The demo (micrograd's demo.ipynb): make_moons(n_samples=100, noise=0.1) with
the global NumPy seed 1337, labels in {-1, 1}, MLP(2, [16, 16, 1]), loss =
mean(relu(1 - y*score)) + 1e-4 * sum(p*p), full-batch SGD steps with
lr = 1.0 - 0.9*k/100. Both engines start from identical weights in one
process and train in turns: ``--rounds`` blocks of steps, micrograd's block
then gradplay's (the order flips every round), so load slows both alike.
The script checks that both loss trajectories agree, then prints the
README's table (median milliseconds per step, with the garbage collector on
as people run it and off; the speed-up is the median of the rounds'), the
spread of the speed-up over the rounds, and the one figure the README's
opening quotes (collector on).

micrograd (PyPI 0.1.0) is the reference; this script installs nothing, and
without micrograd it times gradplay alone.

    python benchmarks/scalar_vs_micrograd.py [--steps 30] [--steps-off 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time

import numpy as np
from sklearn.datasets import make_moons
from threadpoolctl import threadpool_limits

from gradplay.bench import describe_machine, spread
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


class Run:
    """One engine training the demo: its model, and what each step gave."""

    def __init__(self, name, model, value_cls, total):
        self.name, self.model, self.value_cls, self.total = name, model, value_cls, total
        self.losses, self.times, self.first_grads, self.nodes, self.k = [], [], None, 0, 0

    def train(self, X, y, steps: int) -> list[float]:
        """``steps`` more SGD steps of the demo; returns their seconds."""
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            loss = loss_fn(self.model, X, y, self.value_cls, self.total)
            self.model.zero_grad()
            loss.backward()
            lr = 1.0 - 0.9 * self.k / 100
            for p in self.model.parameters():
                p.data -= lr * p.grad
            times.append(time.perf_counter() - t0)
            if self.k == 0:
                self.first_grads = [p.grad for p in self.model.parameters()]
                self.nodes = count_nodes(loss)
            self.losses.append(loss.data)
            self.k += 1
            del loss
        self.times += times
        return times


def make_runs(start: list[float] | None):
    """gradplay's run and, with micrograd installed, micrograd's, from the same weights."""
    random.seed(1337)
    gp = GpMLP(2, [16, 16, 1])
    if MgMLP is None:
        return [Run("gradplay", gp, GpValue, GpValue.sum)]
    random.seed(1337)
    mg = MgMLP(2, [16, 16, 1])
    for p, w in zip(gp.parameters(), start or [p.data for p in mg.parameters()]):
        p.data = w                                 # identical starting weights
    return [Run("micrograd", mg, MgValue, sum), Run("gradplay", gp, GpValue, GpValue.sum)]


def race(X, y, steps: int, rounds: int) -> tuple[list[Run], list[float]]:
    """Both engines, ``rounds`` blocks of steps each, in turns: (runs, each
    round's speed-up = micrograd's median step / gradplay's)."""
    runs = make_runs(None)
    per_round = max(1, steps // rounds)
    speedups = []
    for r in range(rounds):
        medians = {}
        for run in (runs if r % 2 == 0 else runs[::-1]):
            medians[run.name] = statistics.median(run.train(X, y, per_round))
        if "micrograd" in medians:
            speedups.append(medians["micrograd"] / medians["gradplay"])
    return runs, speedups


def report_agreement(runs: list[Run]) -> None:
    mg, gp = runs
    print(f"  first-step loss difference      {abs(mg.losses[0] - gp.losses[0]):.2e}")
    print(f"  first-step largest grad diff    "
          f"{max(abs(a - b) for a, b in zip(mg.first_grads, gp.first_grads)):.2e}")
    print(f"  largest loss diff, all steps    "
          f"{max(abs(a - b) for a, b in zip(mg.losses, gp.losses)):.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="steps with the collector on")
    parser.add_argument("--steps-off", type=int, default=20, help="steps with it off")
    parser.add_argument("--rounds", type=int, default=3, help="blocks of steps, in turns")
    args = parser.parse_args()
    X, y = demo_data()
    with threadpool_limits(1):
        print(f"machine: {describe_machine()}")
    print(f"micrograd demo: 100 points, MLP(2, [16, 16, 1]), one thread (pure Python); "
          f"{args.steps} steps with the garbage collector on (as people run it), "
          f"{args.steps_off} with it off, in {args.rounds} rounds each\n")
    with threadpool_limits(1):
        on, on_speedups = race(X, y, args.steps, args.rounds)
    for run in on:
        print(f"  {run.name:10s} {1000 * statistics.median(run.times):9.2f} ms/step (median), "
              f"{run.nodes:,} graph nodes, loss {run.losses[0]:.6f} -> {run.losses[-1]:.6f}")
    if len(on) < 2:
        print("\nmicrograd is not installed: nothing to compare with (pip install micrograd)")
        return
    report_agreement(on)
    gc.disable()
    try:
        with threadpool_limits(1):
            off, off_speedups = race(X, y, args.steps_off, args.rounds)
    finally:
        gc.enable()
    table = [("garbage collector on (as people run it)", on, on_speedups, True),
             ("garbage collector off", off, off_speedups, False)]
    print("\nREADME table (median time per step, both engines in one process):\n")
    print("| | micrograd 0.1.0 | gradplay scalar | speed-up |\n|---|---|---|---|")
    for name, (mg, gp), speedups, bold in table:
        ratio = f"{statistics.median(speedups):.1f}x"    # the rounds' median: within the spread
        print(f"| {name} | {1000 * statistics.median(mg.times):,.1f} ms | "
              f"{1000 * statistics.median(gp.times):,.1f} ms | "
              f"{f'**{ratio}**' if bold else ratio} |")
    print("\nSpread of the speed-up over the rounds (lowest to highest): "
          + "; ".join(f"{name.split(' (')[0]} {spread(s)}" for name, _, s, _ in table))
    print(f"\nREADME opening: the scalar engine is {statistics.median(on_speedups):.0f}x faster than "
          "micrograd on micrograd's own demo (garbage collector on, as people run it)")
    print(f"load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
