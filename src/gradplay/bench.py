"""Time every engine on one task, beside the references, in one process.

One "epoch" is a full-batch gradient step: loss and gradients, then an SGD
update. Every contender starts from the same weights on the same data. The
references, when installed: PyTorch autograd (``nn.Sequential`` +
``torch.optim.SGD``), a tight hand-written NumPy loop with preallocated
buffers, and micrograd. Everything runs on one thread (BLAS and torch), and
the table says so.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

import numpy as np

from .data import load
from .nets import make_mlp, scalar_graph_size
from .optim import SGD
from .train import SCALAR_EDGE_CAP

__all__ = ["run_benchmark", "print_table", "numpy_reference_step", "torch_autograd_step",
           "machine_name"]


def machine_name() -> str:
    """The CPU's model name and core count, for the heading of a timing table."""
    import os
    import platform
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores"


def _time_interleaved(contenders: dict, repeats: int) -> dict:
    """Median CPU seconds per call of each contender's step, timed in turns.

    ``contenders`` maps a name to (step, calls). Every round times each step
    for its number of calls, one contender after the other (the order turns
    by one every round), so a burst of load from another process slows all
    of them alike; the median over ``repeats`` rounds is kept. CPU time of
    this process (``time.process_time``), not wall time: the time another
    process holds the core is not counted.
    """
    names = list(contenders)
    for step, _ in contenders.values():
        step()  # warm-up: caches, lazy imports, the optimizer's state
    runs: dict = {name: [] for name in names}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            step, calls = contenders[name]
            t0 = time.process_time()
            for _ in range(calls):
                step()
            runs[name].append((time.process_time() - t0) / calls)
    return {name: statistics.median(times) for name, times in runs.items()}


def engine_step(model, X, y, loss: str, lr: float) -> Callable:
    opt = SGD(lr)
    params = model.parameters()

    def step():
        _, grads = model.loss_and_grads(X, y, loss)
        opt.step(params, [g for pair in grads for g in pair])
    return step


def numpy_reference_step(weights, X, y, activation: str, lr: float) -> Callable:
    """The tightest NumPy training step we could write by hand for sigmoid or
    tanh hidden layers, a sigmoid output and MSE: every buffer preallocated,
    every ufunc writing in place with ``out=``, BLAS (np.dot) for products
    and for column sums (1^T D), and the exp forms of sigmoid and tanh that
    gradplay.functional uses (1 / (1 + e^-z) and 1 - 2 / (e^{2z} + 1))."""
    Ws = [W.copy() for W, _ in weights]
    bs = [b.copy() for _, b in weights]
    n = X.shape[0]
    Y = y.reshape(n, -1).astype(np.float64)
    ones = np.ones(n)
    A = [X] + [np.empty((n, W.shape[1])) for W in Ws]
    D = [np.empty((n, W.shape[1])) for W in Ws]
    T = [np.empty((n, W.shape[1])) for W in Ws]
    dW = [np.empty_like(W) for W in Ws]
    db = [np.empty_like(b) for b in bs]
    scale = 2.0 / Y.size
    L = len(Ws)

    def sigmoid_(a):  # in place: a <- 1 / (1 + e^-a)
        np.negative(a, out=a)
        np.exp(a, out=a)
        a += 1.0
        np.divide(1.0, a, out=a)

    def tanh_(a):  # in place: a <- 1 - 2 / (e^{2a} + 1)
        a *= 2.0
        np.exp(a, out=a)
        a += 1.0
        np.divide(2.0, a, out=a)
        np.subtract(1.0, a, out=a)

    def step():
        for l in range(L):
            np.dot(A[l], Ws[l], out=A[l + 1])
            A[l + 1] += bs[l]
            with np.errstate(over="ignore"):
                (sigmoid_ if l == L - 1 or activation == "sigmoid" else tanh_)(A[l + 1])
        # delta_L = 2 (a - y) / (n k) * a (1 - a)
        d, a, t = D[-1], A[-1], T[-1]
        np.subtract(a, Y, out=d)
        np.multiply(a, a, out=t)
        np.subtract(a, t, out=t)
        t *= scale
        d *= t
        for l in range(L - 1, -1, -1):
            np.dot(A[l].T, D[l], out=dW[l])
            np.dot(ones, D[l], out=db[l])
            if l > 0:
                np.dot(D[l], Ws[l].T, out=D[l - 1])
                a, t = A[l], T[l - 1]
                if activation == "sigmoid":
                    np.multiply(a, a, out=t)
                    np.subtract(a, t, out=t)
                else:
                    np.multiply(a, a, out=t)
                    np.subtract(1.0, t, out=t)
                D[l - 1] *= t
            dW[l] *= lr
            Ws[l] -= dW[l]
            db[l] *= lr
            bs[l] -= db[l]
    return step


def torch_autograd_step(model, X, y, loss: str, lr: float):
    """PyTorch's idiom on the same network (``interop.to_torch``): a loss
    module, backward(), optim.SGD. BCE takes the logits, so it drops the
    output activation."""
    import torch
    from torch import nn

    from .interop import to_torch
    net = to_torch(model)
    if loss == "bce":
        net = net[:-1]
    criterion = nn.MSELoss() if loss == "mse" else nn.BCEWithLogitsLoss()
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    Xt = torch.from_numpy(X)
    Yt = torch.from_numpy(y.reshape(-1, 1).astype(np.float64))

    def step():
        opt.zero_grad()
        criterion(net(Xt), Yt).backward()
        opt.step()
    return step


def micrograd_step(weights, X, y, lr: float) -> Callable:
    """micrograd's own MLP (ReLU hidden layers, linear output) with our
    weights, trained on the mean squared error by its own Values."""
    from micrograd.engine import Value as MgValue
    from micrograd.nn import MLP as MgMLP
    net = MgMLP(weights[0][0].shape[0], [W.shape[1] for W, _ in weights])
    for layer, (W, b) in zip(net.layers, weights):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(W[i, j])
            neuron.b.data = float(b[j])
    rows, targets = X.tolist(), y.tolist()

    def step():
        scores = [net([MgValue(v) for v in row]) for row in rows]
        loss = sum((s - t) ** 2 for s, t in zip(scores, targets)) * (1.0 / len(rows))
        net.zero_grad()
        loss.backward()
        for p in net.parameters():
            p.data -= lr * p.grad
    return step


def run_benchmark(sizes=(2, 4, 1), n: int = 800, epochs: int = 300, activation: str = "sigmoid",
                  loss: str = "mse", lr: float = 0.5, seed: int = 0,
                  include_scalar: bool = True, data=None, output: str = "sigmoid",
                  repeats: int = 5) -> list[dict]:
    """Rows of {name, us_per_epoch, ratio, note}; ratio = torch autograd time / this time
    (above 1 means faster than PyTorch). ``data``: (X, y) to use instead of
    ``n`` two-moons points. The contenders are timed in turns, ``repeats``
    rounds of ``epochs`` epochs each, and each keeps its median round."""
    from threadpoolctl import threadpool_limits
    if data is None:
        ds = load("moons", n_samples=max(n, 4), noise=0.2, seed=42, test_size=0.0)
        data = (ds.X_train[:n], ds.y_train[:n])
    X, y = np.asarray(data[0], dtype=np.float64), np.asarray(data[1], dtype=np.float64)
    sizes = list(sizes)
    task = dict(sizes=sizes, activation=activation, output=output, loss=loss, lr=lr)
    with threadpool_limits(1):
        rows, contenders = _contenders(X, y, task, seed, epochs, include_scalar)
        seconds = _time_interleaved(contenders, repeats)
    title = (f"{'-'.join(map(str, sizes))} {activation} hidden, {output} output, {loss}, "
             f"{len(y)} points, full batch, 1 thread")
    return _scored(rows, seconds, title)


def _contenders(X, y, task: dict, seed: int, epochs: int, include_scalar: bool):
    """What to time, from the same starting weights: (rows, {name: (step, epochs)}).
    A contender that cannot run here still gets a row, with the reason as its note."""
    sizes, activation, output, loss, lr = (task[k] for k in
                                           ("sizes", "activation", "output", "loss", "lr"))
    torch_start = make_mlp(sizes, activation, output, seed=seed)
    weights = torch_start.get_weights()
    rows, contenders = [], {}
    few = max(2, epochs // 100)  # the scalar engines are timed on fewer epochs

    def add(name, step=None, n_epochs=epochs, note=""):
        if step is not None:
            contenders[name] = (step, n_epochs)
        rows.append({"name": name, "seconds": None, "note": note})

    try:
        import torch
        torch.set_num_threads(1)
        add("PyTorch autograd (reference)", torch_autograd_step(torch_start, X, y, loss, lr))
    except ImportError:
        pass
    if loss == "mse" and activation in ("sigmoid", "tanh") and output == "sigmoid":
        add("hand-tuned NumPy (out= buffers)",
            numpy_reference_step(weights, X, y, activation, lr))
    try:
        add("micrograd 0.1.0", *_micrograd_contender(weights, X, y, task, few))
    except ImportError:
        pass
    for engine in ("manual", "tensor", "scalar"):
        model = make_mlp(sizes, activation, output, engine=engine, seed=seed)
        model.set_weights(weights)
        if engine != "scalar":
            add(f"gradplay {engine}", engine_step(model, X, y, loss, lr))
        elif include_scalar and scalar_graph_size(sizes, len(y))[1] <= 5 * SCALAR_EDGE_CAP:
            add("gradplay scalar", engine_step(model, X, y, loss, lr), few, note=f"{few} epochs")
        else:
            add("gradplay scalar", note="skipped: graph too large")
    return rows, contenders


def _micrograd_contender(weights, X, y, task: dict, few: int):
    """(step or None, epochs, note) for micrograd, which has only relu and a linear output."""
    if not (task["activation"] == "relu" and task["output"] == "linear" and task["loss"] == "mse"):
        return None, few, "skipped: micrograd has only relu (try --activation relu --output linear)"
    if scalar_graph_size(task["sizes"], len(y))[1] > SCALAR_EDGE_CAP:
        return None, few, "skipped: graph too large"
    return micrograd_step(weights, X, y, task["lr"]), few, f"{few} epochs"


def _scored(rows: list[dict], seconds: dict, title: str) -> list[dict]:
    """Each row's microseconds per epoch and its speed against PyTorch (the first row)."""
    ref = seconds.get(rows[0]["name"]) if rows and rows[0]["name"].startswith("PyTorch") \
        else None
    for r in rows:
        r["seconds"] = seconds.get(r["name"])
        r["us_per_epoch"] = None if r["seconds"] is None else r["seconds"] * 1e6
        r["ratio"] = None if ref is None or r["seconds"] is None else ref / r["seconds"]
        r["task"] = title
    return rows


def print_table(rows: list[dict], stream) -> None:
    if rows:
        stream.write(f"task: {rows[0]['task']}\n")
    stream.write(f"{'contender':34s} {'us/epoch':>10s} {'vs PyTorch':>11s}  note\n")
    for r in rows:
        us = "-" if r["us_per_epoch"] is None else f"{r['us_per_epoch']:10.1f}"
        ratio = "-" if r["ratio"] is None else \
            f"{r['ratio']:.2f}x" if r["ratio"] >= 0.1 else f"{r['ratio']:.2g}x"
        stream.write(f"{r['name']:34s} {us:>10s} {ratio:>11s}  {r['note']}\n")
    stream.write("(ratio = PyTorch time / contender time: above 1 is faster than PyTorch)\n")
