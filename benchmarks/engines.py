"""Engines side by side with PyTorch CPU (one thread), on three tasks.

1. The mlp-play preset: 2-4-1 sigmoid, MSE, its 500 training points, 5,000
   full-batch epochs (the NumPy reference is a hand-tuned loop with
   preallocated buffers).
2. 2-16-16-1 tanh with binary cross-entropy on 1,000 points.
3. 2-64-64-1 tanh with binary cross-entropy on 10,000 points, where the
   matrix products, not Python's per-op overhead, take the time.

Every contender starts from identical weights on identical data; the ratio
column is PyTorch autograd's time divided by the contender's. The
contenders of a task are timed in turns (``--repeats`` rounds, median), so
load from other processes slows them alike; the spread is the lowest and
highest ratio over the rounds.

It prints each task's full table, then the README's table (markdown, row
for row) and the spread the README states beside it, with the machine named.

    python benchmarks/engines.py [--quick] [--repeats R]
"""

import argparse
import os
import sys

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

from threadpoolctl import threadpool_limits  # noqa: E402

from gradplay.bench import describe_machine, print_table, run_benchmark, spread  # noqa: E402
from gradplay.config import PRESETS, make_data  # noqa: E402

# The README's columns: (heading, the contender's name in run_benchmark's rows)
COLUMNS = [("PyTorch autograd", "PyTorch autograd (reference)"),
           ("hand-tuned NumPy", "hand-tuned NumPy (out= buffers)"),
           ("gradplay manual", "gradplay manual"), ("gradplay tensor", "gradplay tensor")]


def tasks(quick: bool) -> list[tuple[str, dict]]:
    """(the README's name for the task, run_benchmark's arguments)."""
    p = PRESETS["mlp-play"]
    ds = make_data(p)
    return [
        ("preset: 2-4-1 sigmoid, MSE, 500 points",
         dict(sizes=[2, 4, 1], activation="sigmoid", loss="mse", lr=p.lr,
              epochs=200 if quick else p.epochs, data=(ds.X_train, ds.y_train),
              include_scalar=not quick)),
        ("2-16-16-1 tanh, BCE, 1,000 points",
         dict(sizes=[2, 16, 16, 1], activation="tanh", loss="bce", n=1000,
              epochs=100 if quick else 1000, include_scalar=not quick)),
        ("2-64-64-1 tanh, BCE, 10,000 points",
         dict(sizes=[2, 64, 64, 1], activation="tanh", loss="bce", n=10_000,
              epochs=10 if quick else 100, include_scalar=False)),
    ]


def torch_version() -> str:
    try:
        import torch
    except ImportError:
        return "PyTorch not installed (no reference: the ratios are missing)"
    return f"PyTorch {torch.__version__}"


def readme_table(results: list[tuple[str, list[dict]]]) -> str:
    """The README's table: microseconds per epoch and (speed vs PyTorch), the
    gradplay columns in bold, then one line per task with the spreads."""
    lines = ["| task | " + " | ".join(h for h, _ in COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 1) + "|"]
    spreads = []
    for name, rows in results:
        by_name = {r["name"]: r for r in rows}
        cells, task_spreads = [], []
        for heading, key in COLUMNS:
            r = by_name.get(key)
            if r is None or r["us_per_epoch"] is None or r["ratio"] is None:
                cells.append("—")
                continue
            ratio = f"{r['ratio']:.2f}x"
            cells.append(f"{r['us_per_epoch']:,.0f} ("
                         f"{f'**{ratio}**' if heading.startswith('gradplay') else ratio})")
            if key != COLUMNS[0][1]:
                task_spreads.append(f"{heading} {spread(r['ratios'])}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        spreads.append(f"- {name}: " + ", ".join(task_spreads))
    return "\n".join(lines + ["", "Spread of the speed over the rounds (lowest to highest):"]
                     + spreads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer epochs and rounds, no scalar engine: a fast check")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timing rounds per task (default 5, 3 with --quick)")
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 5)
    with threadpool_limits(1):
        print(f"machine: {describe_machine()}")
    print(f"threads: 1 (BLAS and torch); {torch_version()}; {repeats} rounds per task, "
          "median\n")
    results = []
    for name, task in tasks(args.quick):
        rows = run_benchmark(**task, repeats=repeats)
        print_table(rows, sys.stdout)
        print(f"(epochs per round: {task['epochs']})\n")
        results.append((name, rows))
    print("README table (µs per full-batch epoch, speed vs PyTorch autograd):\n")
    print(readme_table(results))
    print(f"\nload average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
