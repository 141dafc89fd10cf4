"""gradplay's MLPClassifier beside scikit-learn's, on five datasets, in one run.

Both estimators get the same settings: tanh hidden layers, Adam with
learning rate 0.01, full batch, no L2 penalty (alpha 0), 200 iterations and
no early stopping (scikit-learn's ``tol=0`` and ``n_iter_no_change`` past the
last iteration, so both run all 200), the same hidden sizes and Glorot
initialisation. Each dataset is split into 5 stratified folds; on every fold
the two fit the same training part, one after the other (the order
alternates, so a busy machine slows both alike), and are scored on the same
held-out part. The whole comparison runs ``--rounds`` times. The table gives
the median CPU time per fit over every fold of every round and the median
accuracy over the folds. A round's speed is scikit-learn's median time
divided by gradplay's (above 1: gradplay is faster); the table gives the
median of the rounds' speeds, and the spread their lowest and highest.

Everything runs on one thread (BLAS via threadpoolctl and the
``*_NUM_THREADS`` variables), as in ``benchmarks/engines.py``. It prints the
README's table (markdown, row for row) with the machine named.

``--forms`` times instead each fast form of ``gradplay.functional`` beside
its textbook form, on the shapes of a digits fit (the figures its
docstrings quote).

    python benchmarks/vs_sklearn.py [--quick] [--rounds R] [--only NAME] [--forms]
"""

import argparse
import os
import statistics
import sys
import time
import timeit
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

from gradplay import functional as F  # noqa: E402
from gradplay.bench import describe_machine, spread  # noqa: E402
from gradplay.estimator import MLPClassifier  # noqa: E402

EPOCHS = 200
LR = 0.01
WHO = ("gradplay", "scikit-learn")


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


def one_round(X, y, hidden, epochs: int, folds: int, flip: bool) -> dict:
    """Fit times and test accuracies of both estimators on every fold:
    {who: ([seconds per fold], [accuracy per fold])}."""
    result = {who: ([], []) for who in WHO}
    splits = StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y)
    for i, (train, test) in enumerate(splits):
        order = list(WHO) if (i % 2) == flip else list(reversed(WHO))
        for who in order:
            model = contenders(hidden, epochs, i, len(train))[who]
            result[who][0].append(cpu_time_fit(model, X[train], y[train]))
            result[who][1].append(model.score(X[test], y[test]))
    return result


def compare(name, X, y, hidden, epochs: int = EPOCHS, folds: int = 5, rounds: int = 3) -> dict:
    """The median fit time (over all folds of all rounds) and the median accuracy
    (over the folds) of both estimators; each round's speed (the ratio of its
    median fit times) and the median of those."""
    times = {who: [] for who in WHO}
    speeds = []
    for r in range(rounds):
        result = one_round(X, y, hidden, epochs, folds, flip=bool(r % 2))
        for who in WHO:
            times[who] += result[who][0]
        speeds.append(statistics.median(result["scikit-learn"][0])
                      / statistics.median(result["gradplay"][0]))
    row = {"dataset": name, "speeds": speeds}
    for who in WHO:
        row[who] = (statistics.median(times[who]), statistics.median(result[who][1]))
    row["speed"] = statistics.median(speeds)       # so that it lies within the spread
    return row


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms"


def print_rows(rows: list[dict], stream=sys.stdout) -> None:
    """The README's table, then the spread of each dataset's speed."""
    stream.write("| dataset | gradplay | scikit-learn | gradplay's speed | "
                 "accuracy (gradplay / sklearn) |\n|---|---|---|---|---|\n")
    for r in rows:
        (tg, ag), (ts, a_s) = r["gradplay"], r["scikit-learn"]
        flag = "" if abs(ag - a_s) <= 0.02 else " (accuracy differs by more than 0.02)"
        stream.write(f"| {r['dataset']} | {_ms(tg)} | {_ms(ts)} | "
                     f"**{r['speed']:.2f}x** | {ag:.3f} / {a_s:.3f}{flag} |\n")
    stream.write("\n(CPU time per fit, median over the folds and rounds; speed = scikit-learn "
                 "time / gradplay time, the median of the rounds: above 1 is faster than "
                 "scikit-learn)\n")
    stream.write(f"Spread of the speed over {len(rows[0]['speeds']) if rows else 0} rounds "
                 "(lowest to highest): "
                 + "; ".join(f"{r['dataset']} {spread(r['speeds'])}" for r in rows) + "\n")


# ---------------------------------------------------------------------- --forms
def _us(f, number: int = 200) -> float:
    f()
    return min(timeit.repeat(f, number=number, repeat=5)) / number * 1e6


def time_forms(stream=sys.stdout) -> None:
    """Each fast form of gradplay.functional beside its textbook form, on the
    arrays of a digits fit (1437 samples, 64 inputs, 32 tanh units, 10 classes)."""
    X = datasets.load_digits().data[:1437]              # a view: 64 of 65 columns
    rng = np.random.default_rng(0)
    W1, W2 = rng.uniform(-0.25, 0.25, (64, 32)), rng.uniform(-0.4, 0.4, (32, 10))
    A1 = np.tanh(X / 16 @ W1)                                             # (1437, 32)
    Z2, D2, D1 = A1 @ W2, rng.normal(size=(1437, 10)), rng.normal(size=(1437, 32))
    d1 = rng.normal(size=(1437, 1))                                       # one-unit delta
    W3 = rng.normal(size=(1, 32))
    forms = [
        ("X @ W1, X a strided view", lambda: np.dot(X, W1), lambda: F.matmul(X, W1),
         "np.dot (the old form)"),
        ("X.T @ delta1, X a strided view", lambda: np.dot(X.T, D1), lambda: F.matmul(X.T, D1),
         "np.dot (the old form)"),
        ("delta2 @ W2.T", lambda: D2 @ W2.T, lambda: F.matmul(D2, W2.T), "a @ b"),
        ("delta (n, 1) @ W (1, 32)", lambda: d1 @ W3, lambda: F.matmul(d1, W3), "a @ b"),
        ("row max of Z2 (1437, 10)", lambda: Z2.max(axis=1, keepdims=True),
         lambda: F.row_max(Z2), "z.max(axis=1)"),
        ("row sum of Z2 (1437, 10)", lambda: Z2.sum(axis=1, keepdims=True),
         lambda: F.row_sum(Z2), "z.sum(axis=1)"),
        ("tanh of Z1 (1437, 32)", lambda: np.tanh(D1), lambda: F.tanh_exp_form(D1),
         "np.tanh (exp form beside it)"),
    ]
    stream.write("| product or reduction | beside | its µs | gradplay's µs | speed |\n"
                 "|---|---|---|---|---|\n")
    for name, textbook, fast, label in forms:
        a, b = _us(textbook), _us(fast)
        stream.write(f"| {name} | {label} | {a:,.1f} | {b:,.1f} | {a / b:.2f}x |\n")
    chosen = "np.tanh" if F.NUMPY_TANH_IS_VECTORISED else "the exp form"
    stream.write(f"\n(functional.tanh takes {chosen} on this machine)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 folds, 50 iterations, 2 rounds: a fast check that prints the "
                             "ratios")
    parser.add_argument("--rounds", type=int, default=None,
                        help="times the whole comparison runs (default 3; 2 with --quick)")
    parser.add_argument("--only", default="",
                        help="run only the datasets whose name contains this text")
    parser.add_argument("--forms", action="store_true",
                        help="time each fast form of gradplay.functional beside its textbook form")
    args = parser.parse_args()
    epochs, folds = (50, 3) if args.quick else (EPOCHS, 5)
    rounds = args.rounds or (2 if args.quick else 3)
    with threadpool_limits(1), warnings.catch_warnings():
        print(f"machine: {describe_machine()}")
        if args.forms:
            print("threads: 1\n")
            time_forms()
            return
        print(f"threads: 1; {epochs} iterations, {folds} folds, {rounds} rounds\n")
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = [compare(name, X, y, hidden, epochs, folds, rounds)
                for name, X, y, hidden in load_datasets() if args.only in name]
    print_rows(rows)
    print(f"load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
