"""gradplay's MLPClassifier beside scikit-learn's, on five datasets, in one run.

Both estimators get the same settings: tanh hidden layers, Adam with
learning rate 0.01, full batch, no L2 penalty (alpha 0), 200 iterations and
no early stopping (scikit-learn's ``tol=0`` and ``n_iter_no_change`` past the
last iteration, so both run all 200), the same hidden sizes and Glorot
initialisation. Each dataset is split into 5 stratified folds; on every fold
the two fit the same training part, one after the other (the order
alternates, so a busy machine slows both alike), and are scored on the same
held-out part. The table gives the median over the folds of the CPU time
per fit and of the accuracy; "speed" is scikit-learn's time divided by
gradplay's (above 1: gradplay is faster).

Everything runs on one thread (BLAS via threadpoolctl and the
``*_NUM_THREADS`` variables), as in ``benchmarks/engines.py``.

    python benchmarks/vs_sklearn.py [--quick] [--repeats R]
"""

import argparse
import os
import statistics
import sys
import time
import warnings

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLP  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from gradplay.bench import machine_name  # noqa: E402
from gradplay.estimator import MLPClassifier  # noqa: E402

EPOCHS = 200
LR = 0.01


def load_datasets() -> list[tuple[str, np.ndarray, np.ndarray, tuple]]:
    """(name, X, y, hidden sizes) for the five datasets of the table."""
    moons = datasets.make_moons(500, noise=0.2, random_state=0)
    circles = datasets.make_circles(500, noise=0.1, factor=0.5, random_state=0)
    iris = datasets.load_iris(return_X_y=True)
    cancer_X, cancer_y = datasets.load_breast_cancer(return_X_y=True)
    digits = datasets.load_digits(return_X_y=True)
    return [
        ("moons 500", *moons, (16,)),
        ("circles 500", *circles, (16,)),
        ("iris", *iris, (16,)),
        ("breast_cancer (scaled)", StandardScaler().fit_transform(cancer_X), cancer_y, (16,)),
        ("digits (hidden 32)", *digits, (32,)),
    ]


def contenders(hidden: tuple, epochs: int, seed: int, n: int) -> dict:
    """The two estimators with the same settings, for ``n`` training samples."""
    return {
        "gradplay": MLPClassifier(hidden_layer_sizes=hidden, activation="tanh",
                                  optimizer="adam", learning_rate=LR, epochs=epochs,
                                  batch_size=None, weight_decay=0.0, init="xavier",
                                  random_state=seed),
        "scikit-learn": SkMLP(hidden_layer_sizes=hidden, activation="tanh", solver="adam",
                              learning_rate_init=LR, max_iter=epochs, batch_size=n,
                              alpha=0.0, early_stopping=False, tol=0.0,
                              n_iter_no_change=epochs + 1, shuffle=False, random_state=seed),
    }


def cpu_time_fit(model, X, y) -> float:
    """CPU seconds of one ``fit`` (process time: other people's load does not count)."""
    t0 = time.process_time()
    model.fit(X, y)
    return time.process_time() - t0


def compare(name, X, y, hidden, epochs: int = EPOCHS, folds: int = 5, repeats: int = 1) -> dict:
    """Median fit time and accuracy of both estimators over the folds."""
    times = {"gradplay": [], "scikit-learn": []}
    scores = {"gradplay": [], "scikit-learn": []}
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y)
    for i, (train, test) in enumerate(splits):
        order = ["gradplay", "scikit-learn"]
        if i % 2:
            order.reverse()
        for who in order:
            fold_times = []
            for _ in range(repeats):
                model = contenders(hidden, epochs, i, len(train))[who]
                fold_times.append(cpu_time_fit(model, X[train], y[train]))
            times[who].append(min(fold_times))
            scores[who].append(model.score(X[test], y[test]))
    row = {"dataset": name}
    for who in times:
        row[who] = (statistics.median(times[who]), statistics.median(scores[who]))
    row["speed"] = row["scikit-learn"][0] / row["gradplay"][0]
    return row


def print_rows(rows: list[dict], stream=sys.stdout) -> None:
    stream.write(f"{'dataset':24s} {'gradplay':>10s} {'sklearn':>10s} {'speed':>7s}"
                 f" {'acc gradplay':>13s} {'acc sklearn':>12s}\n")
    for r in rows:
        (tg, ag), (ts, a_s) = r["gradplay"], r["scikit-learn"]
        flag = "" if abs(ag - a_s) <= 0.02 else "  accuracy differs by more than 0.02"
        stream.write(f"{r['dataset']:24s} {tg * 1e3:8.1f}ms {ts * 1e3:8.1f}ms"
                     f" {r['speed']:6.2f}x {ag:13.3f} {a_s:12.3f}{flag}\n")
    stream.write("(CPU time per fit, median of the folds; speed = scikit-learn time / gradplay"
                 " time: above 1 is faster than scikit-learn)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 folds and 50 iterations: a fast check that prints the ratios")
    parser.add_argument("--repeats", type=int, default=1,
                        help="fits per fold and contender; the fastest counts")
    parser.add_argument("--only", default="",
                        help="run only the datasets whose name contains this text")
    args = parser.parse_args()
    epochs, folds = (50, 3) if args.quick else (EPOCHS, 5)
    print(f"machine: {machine_name()}; "
          f"threads: 1; {epochs} iterations, {folds} folds\n")
    rows = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, X, y, hidden in load_datasets():
            if args.only not in name:
                continue
            rows.append(compare(name, X, y, hidden, epochs, folds, args.repeats))
    print_rows(rows)


if __name__ == "__main__":
    main()
