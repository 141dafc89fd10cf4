"""Time every engine on one task, beside the references, in one process.

One "epoch" is a full-batch gradient step: loss and gradients, then an SGD
update. Every contender starts from the same weights on the same data. The
references, when installed: PyTorch autograd (``nn.Sequential`` +
``torch.optim.SGD``), a tight hand-written NumPy loop with preallocated
buffers, and micrograd. Everything runs on one thread (BLAS and torch), and
the table says so.

The contenders are timed in turns, round after round, so that load from
other processes slows them alike; a table gives each contender's median
round and the spread of its ratio to PyTorch over the rounds (each round's
ratio is taken between times measured seconds apart). ``describe_machine``
names what the figures depend on: the CPU, the load, the BLAS library with
its kernel and threads, and NumPy's tanh kernel.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Callable

import numpy as np

from . import functional as F
from .data import load
from .nets import count_weights, make_mlp, scalar_graph_size
from .optim import SGD
from .rules import RuleError
from .train import SCALAR_EDGE_CAP

__all__ = ["run_benchmark", "print_table", "numpy_reference_step", "torch_autograd_step",
           "machine_name", "describe_machine", "blas_description", "task_bytes",
           "check_task_memory", "ratio_text", "spread", "MAX_TASK_BYTES"]

# The arrays a benchmark may hold: far more than any task worth timing needs
# (2-64-64-1 on 10,000 points holds 40 MB), far less than a laptop has.
MAX_TASK_BYTES = 2 * 1024**3


# ---------------------------------------------------------------------- the machine
def machine_name() -> str:
    """The CPU's model name and core count, for the heading of a timing table."""
    import platform
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores"


def blas_description() -> str:
    """NumPy's BLAS as threadpoolctl sees it now: library, version, the kernel
    it chose for this CPU and its threads -- plus the OpenBLAS settings found
    in the environment, which change the kernel or its block sizes."""
    from threadpoolctl import threadpool_info
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    mine = [i for i in blas if "numpy" in i.get("filepath", "")] or blas
    if not mine:
        return "no BLAS found by threadpoolctl"
    i = mine[0]
    threads = i.get("num_threads")
    text = (f"{i.get('internal_api', '?')} {i.get('version', '?')}, kernel "
            f"{i.get('architecture', '?')}, {threads} thread{'s' if threads != 1 else ''}")
    overrides = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                 if k in os.environ]
    return text + (f" (set: {', '.join(overrides)})" if overrides else "")


def describe_machine() -> str:
    """One line naming what a timing depends on: CPU, cores, load average
    (1, 5, 15 minutes), BLAS kernel and threads, NumPy and its tanh kernel.
    Call it inside the thread limit the timing runs under."""
    load_avg = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    tanh = "vectorised (AVX-512)" if F.NUMPY_TANH_IS_VECTORISED else \
        "not vectorised (gradplay takes its exp form)"
    return (f"{machine_name()}; load average {load_avg}; BLAS: {blas_description()}; "
            f"NumPy {np.__version__}, float64 tanh {tanh}")


def ratio_text(r: float) -> str:
    """A speed ratio as tables show it: 1.14x, or 0.0074x for small ones."""
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"


def spread(values) -> str:
    """The run-to-run spread of a ratio, as 'min-max' ("1.12-1.19x")."""
    return f"{ratio_text(min(values))[:-1]}-{ratio_text(max(values))}"


# ---------------------------------------------------------------------- the task
def task_bytes(sizes, n: int) -> int:
    """About how many bytes of float64 arrays one step of the hungriest
    contender holds at once, for layer sizes ``sizes`` and ``n`` points.

    Per layer of u units the forward pass keeps its pre-activation and its
    output (n, u), and autograd or the hand-tuned loop one array more (3 per
    layer); the backward pass adds two of the widest layer (the product
    delta W^T and the activation's derivative); every contender holds the
    weights, their gradients and the optimizer's copy (6 copies in all).
    """
    units = sum(sizes[1:])
    return 8 * (n * (3 * units + 2 * max(sizes)) + 6 * count_weights(sizes))


def _available_memory() -> int | None:
    """Bytes of memory available now (Linux's MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_task_memory(sizes, n: int, available: int | None = None) -> None:
    """Refuse, before anything is allocated, a task whose arrays cannot fit:
    more than MAX_TASK_BYTES, or more than half the memory available
    (``available`` bytes; None: read it from the system)."""
    need = task_bytes(sizes, n)
    available = _available_memory() if available is None else available
    limit = MAX_TASK_BYTES if available is None else min(MAX_TASK_BYTES, available // 2)
    if need > limit:
        shown = "-".join(map(str, sizes)) if len(sizes) <= 6 else \
            f"{'-'.join(map(str, sizes[:3]))}-...-{sizes[-1]} ({len(sizes) - 2} hidden layers)"
        raise RuleError("sizes", f"{shown} on {n:,} samples would hold about "
                        f"{need / 1e9:.1f} GB of arrays a training step; a benchmark may "
                        f"use {limit / 1e9:.1f} GB here (2 GiB, or half the memory available "
                        "if less): use fewer samples or smaller layers")


def _check_head(output: str, loss: str) -> None:
    """The two-moons task has 2 classes: the output and the loss must fit them,
    by the head rule every command uses (``functional.head_for``)."""
    try:
        F.head_for(2, output, loss)
    except ValueError as e:
        raise ValueError(f"output/loss: {e}") from None


# ---------------------------------------------------------------------- timing
def _time_interleaved(contenders: dict, repeats: int) -> dict:
    """CPU seconds per call of each contender's step, one value per round.

    ``contenders`` maps a name to (step, calls). Every round times each step
    for its number of calls, one contender after the other (the order turns
    by one every round), so a burst of load from another process slows all
    of them alike. CPU time of this process (``time.process_time``), not
    wall time: the time another process holds the core is not counted.
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
    return runs


def engine_step(model, X, y, loss: str, lr: float) -> Callable:
    opt = SGD(lr)
    params = model.parameters()

    def step():
        _, grads = model.loss_and_grads(X, y, loss)
        opt.step(params, [g for pair in grads for g in pair])
    return step


# ---------------------------------------------------------------------- the references
class _HandTunedMLP:
    """The tightest NumPy training step we could write by hand, for sigmoid or
    tanh hidden layers, a sigmoid output and MSE: every buffer preallocated,
    every ufunc writing in place with ``out=``, BLAS (np.dot) for products
    and for column sums (1^T D), and the exp forms of sigmoid and tanh
    (1 / (1 + e^-z) and 1 - 2 / (e^{2z} + 1))."""

    def __init__(self, weights, X, y, activation: str):
        self.Ws = [W.copy() for W, _ in weights]
        self.bs = [b.copy() for _, b in weights]
        n = X.shape[0]
        self.Y = y.reshape(n, -1).astype(np.float64)               # (n, k)
        self.ones = np.ones(n)                                      # (n,)
        self.A = [X] + [np.empty((n, W.shape[1])) for W in self.Ws]  # (n, units) each
        self.D = [np.empty((n, W.shape[1])) for W in self.Ws]       # deltas
        self.T = [np.empty((n, W.shape[1])) for W in self.Ws]       # scratch
        self.dW = [np.empty_like(W) for W in self.Ws]
        self.db = [np.empty_like(b) for b in self.bs]
        self.activation = activation

    @staticmethod
    def _sigmoid_(a):  # in place: a <- 1 / (1 + e^-a)
        np.negative(a, out=a)
        np.exp(a, out=a)
        a += 1.0
        np.divide(1.0, a, out=a)

    @staticmethod
    def _tanh_(a):  # in place: a <- 1 - 2 / (e^{2a} + 1)
        a *= 2.0
        np.exp(a, out=a)
        a += 1.0
        np.divide(2.0, a, out=a)
        np.subtract(1.0, a, out=a)

    def forward(self) -> None:
        A, last = self.A, len(self.Ws) - 1
        for l, (W, b) in enumerate(zip(self.Ws, self.bs)):
            np.dot(A[l], W, out=A[l + 1])                           # (n, fan_out)
            A[l + 1] += b
            with np.errstate(over="ignore"):
                f = self._sigmoid_ if l == last or self.activation == "sigmoid" else self._tanh_
                f(A[l + 1])

    def output_delta(self) -> None:
        """delta_L = 2 (a - y) / (n k) * a (1 - a), into D[-1]."""
        d, a, t = self.D[-1], self.A[-1], self.T[-1]
        np.subtract(a, self.Y, out=d)
        np.multiply(a, a, out=t)
        np.subtract(a, t, out=t)                                    # a (1 - a)
        t *= 2.0 / self.Y.size
        d *= t

    def backward_and_update(self, lr: float) -> None:
        A, D, T = self.A, self.D, self.T
        for l in range(len(self.Ws) - 1, -1, -1):
            np.dot(A[l].T, D[l], out=self.dW[l])                   # (fan_in, fan_out)
            np.dot(self.ones, D[l], out=self.db[l])                # (fan_out,)
            if l > 0:
                np.dot(D[l], self.Ws[l].T, out=D[l - 1])           # (n, fan_in)
                a, t = A[l], T[l - 1]
                np.multiply(a, a, out=t)
                if self.activation == "sigmoid":
                    np.subtract(a, t, out=t)                        # a (1 - a)
                else:
                    np.subtract(1.0, t, out=t)                      # 1 - a^2
                D[l - 1] *= t
            self.dW[l] *= lr
            self.Ws[l] -= self.dW[l]
            self.db[l] *= lr
            self.bs[l] -= self.db[l]


def numpy_reference_step(weights, X, y, activation: str, lr: float) -> Callable:
    """One SGD step of the hand-tuned NumPy loop (``_HandTunedMLP``) as a function."""
    net = _HandTunedMLP(weights, X, y, activation)

    def step():
        net.forward()
        net.output_delta()
        net.backward_and_update(lr)
    return step


def torch_autograd_step(model, X, y, loss: str, lr: float):
    """PyTorch's idiom on the same network (``interop.to_torch``): a loss
    module, backward(), optim.SGD. BCE takes the logits, so the output's
    Sigmoid module is dropped (the head rule has checked it is there)."""
    import torch
    from torch import nn

    from .interop import to_torch
    _check_head(model.output, loss)
    net = to_torch(model)
    if loss == "bce":
        net = net[:-1]                              # the Sigmoid: BCEWithLogitsLoss has it
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


# ---------------------------------------------------------------------- one task
def run_benchmark(sizes=(2, 4, 1), n: int = 800, epochs: int = 300, activation: str = "sigmoid",
                  loss: str = "mse", lr: float = 0.5, seed: int = 0,
                  include_scalar: bool = True, data=None, output: str = "sigmoid",
                  repeats: int = 5) -> list[dict]:
    """Rows of {name, us_per_epoch, ratio, ratios, note, task}: ratios = torch
    autograd's time / this contender's in each round (above 1: faster than
    PyTorch), ratio = their median, us_per_epoch = the median round. ``data``: (X, y) to use instead of
    ``n`` two-moons points. The contenders are timed in turns, ``repeats``
    rounds of ``epochs`` epochs each. A task that cannot run (an output and
    loss that do not fit, arrays that would not fit in memory) is refused
    with a ValueError before anything is built."""
    from threadpoolctl import threadpool_limits
    sizes = list(sizes)
    _check_head(output, loss)
    check_task_memory(sizes, n if data is None else len(data[0]))
    if data is None:
        ds = load("moons", n_samples=max(n, 4), noise=0.2, seed=42, test_size=0.0)
        data = (ds.X_train[:n], ds.y_train[:n])
    X, y = np.asarray(data[0], dtype=np.float64), np.asarray(data[1], dtype=np.float64)
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
    """Each row's median microseconds per epoch and its speed against PyTorch
    (the first row): the ratio in every round, and the median of those (so
    that it lies within their spread)."""
    ref = seconds.get(rows[0]["name"]) if rows and rows[0]["name"].startswith("PyTorch") \
        else None
    for r in rows:
        runs = seconds.get(r["name"])
        r["seconds"] = None if runs is None else statistics.median(runs)
        r["us_per_epoch"] = None if runs is None else r["seconds"] * 1e6
        r["ratios"] = [] if ref is None or runs is None else [a / b for a, b in zip(ref, runs)]
        r["ratio"] = statistics.median(r["ratios"]) if r["ratios"] else None
        r["task"] = title
    return rows


def print_table(rows: list[dict], stream) -> None:
    if rows:
        stream.write(f"task: {rows[0]['task']}\n")
    stream.write(f"{'contender':34s} {'us/epoch':>10s} {'vs PyTorch':>11s} "
                 f"{'spread':>12s}  note\n")
    for r in rows:
        us = "-" if r["us_per_epoch"] is None else f"{r['us_per_epoch']:10.1f}"
        ratio = "-" if r["ratio"] is None else ratio_text(r["ratio"])
        rounds = spread(r["ratios"]) if r.get("ratios") else "-"
        stream.write(f"{r['name']:34s} {us:>10s} {ratio:>11s} {rounds:>12s}  {r['note']}\n")
    stream.write("(ratio = PyTorch time / contender time: above 1 is faster than PyTorch; "
                 "spread = its lowest and highest value over the rounds)\n")
