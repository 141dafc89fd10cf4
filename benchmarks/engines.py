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
load from other processes slows them alike.

    python benchmarks/engines.py [--quick] [--repeats R]
"""

import argparse
import os
import sys

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

from gradplay.bench import machine_name, print_table, run_benchmark  # noqa: E402
from gradplay.config import PRESETS, make_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer epochs and rounds, no scalar engine: a fast check")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timing rounds per task (default 5, 3 with --quick)")
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 5)
    p = PRESETS["mlp-play"]
    ds = make_data(p)
    tasks = [
        dict(sizes=[2, 4, 1], activation="sigmoid", loss="mse", lr=p.lr,
             epochs=200 if args.quick else p.epochs, data=(ds.X_train, ds.y_train),
             include_scalar=not args.quick),
        dict(sizes=[2, 16, 16, 1], activation="tanh", loss="bce", n=1000,
             epochs=100 if args.quick else 1000, include_scalar=not args.quick),
        dict(sizes=[2, 64, 64, 1], activation="tanh", loss="bce", n=10_000,
             epochs=10 if args.quick else 100, include_scalar=False),
    ]
    print(f"machine: {machine_name()}; "
          f"threads: 1 (BLAS and torch); {repeats} rounds per task, median\n")
    for task in tasks:
        print_table(run_benchmark(**task, repeats=repeats), sys.stdout)
        print()


if __name__ == "__main__":
    main()
