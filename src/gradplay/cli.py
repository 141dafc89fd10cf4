"""The ``gradplay`` command: app, train, expr, bench.

    gradplay app [--port 8501] [--host 127.0.0.1]
    gradplay train --preset mlp-play [--figures DIR] [--json] [--save model.json]
    gradplay expr "(a*b+c).tanh()" -v a=2 -v b=-3 -v c=10 [--dot FILE | --svg FILE]
    gradplay bench [--epochs 200]

Bad input prints one line (and for expressions, a caret under the column)
and exits with status 2; no tracebacks.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """A problem with what the user asked for (exit status 2)."""


# ---------------------------------------------------------------------- train
def _hidden(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden: expected sizes like 4 or 8,4, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden: every size must be >= 1, got {text!r}")
    return sizes


def _add_train_args(p: argparse.ArgumentParser) -> None:
    from .data import DATASETS
    from .functional import ACTIVATIONS, LOSSES, OUTPUTS
    from .network import ENGINES, INITS
    from .optim import OPTIMIZERS, SCHEDULES
    from .presets import PRESETS
    # defaults are None so that a preset's value shows through unless a flag is given
    g = p.add_argument_group("data")
    g.add_argument("--preset", choices=sorted(PRESETS), help="a named set-up (flags override it)")
    g.add_argument("--dataset", choices=DATASETS)
    g.add_argument("--csv", metavar="FILE", help="your own data: x1,x2,label rows")
    g.add_argument("--samples", type=int)
    g.add_argument("--noise", type=float)
    g.add_argument("--classes", type=int, help="classes for spiral/gaussians")
    g.add_argument("--data-seed", type=int)
    g.add_argument("--test-size", type=float)
    g = p.add_argument_group("network")
    g.add_argument("--hidden", type=_hidden, help="hidden layer sizes, e.g. 4 or 8,4")
    g.add_argument("--activation", choices=sorted(ACTIVATIONS))
    g.add_argument("--output", choices=sorted(OUTPUTS))
    g.add_argument("--loss", choices=LOSSES)
    g.add_argument("--init", choices=INITS)
    g.add_argument("--seed", type=int, help="seed of the initial weights and the shuffling")
    g.add_argument("--engine", choices=ENGINES)
    g.add_argument("--device", help="manual engine only: a torch device such as cpu or cuda")
    g = p.add_argument_group("optimisation")
    g.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    g.add_argument("--lr", type=float)
    g.add_argument("--momentum", type=float)
    g.add_argument("--weight-decay", type=float, help="L2 penalty")
    g.add_argument("--schedule", choices=SCHEDULES)
    g.add_argument("--gamma", type=float, help="decay factor of step/exponential schedules")
    g.add_argument("--step-size", type=int, help="epochs between steps of the step schedule")
    g.add_argument("--decay", type=float, help="decay of the inverse (1/t) schedule")
    g.add_argument("--batch-size", type=int, help="mini-batch size (default: full batch)")
    g.add_argument("--epochs", type=int)
    g = p.add_argument_group("output")
    g.add_argument("--json", action="store_true", help="end with one JSON line of metrics")
    g.add_argument("--save", metavar="FILE", help="write the model (.json or .npz)")
    g.add_argument("--figures", metavar="DIR", help="write PNG figures into DIR")
    g.add_argument("--quiet", action="store_true", help="no progress bar")


DEFAULTS = {"dataset": "moons", "samples": 400, "noise": 0.2, "classes": 2, "data_seed": 42,
            "test_size": 0.2, "hidden": [8], "activation": "tanh", "output": None,
            "loss": None, "init": "xavier", "seed": 0, "engine": "tensor", "optimizer": "sgd",
            "lr": 0.5, "momentum": 0.9, "weight_decay": 0.0, "schedule": "constant",
            "gamma": 0.5, "step_size": 1000, "decay": 1e-3, "batch_size": None, "epochs": 1000}


def resolve_settings(args: argparse.Namespace) -> dict:
    """Defaults, then the preset, then the flags actually given."""
    from .presets import PRESETS
    settings = dict(DEFAULTS)
    if args.preset:
        settings.update(PRESETS[args.preset])
    for key in DEFAULTS:
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    settings["csv"] = args.csv
    if settings["output"] is None:
        settings["output"] = "softmax" if settings["classes"] > 2 else "sigmoid"
    if settings["loss"] is None:
        settings["loss"] = {"softmax": "ce", "sigmoid": "bce"}.get(settings["output"], "mse")
    return settings


def _progress(total: int, stream):
    """A progress bar on a terminal; nothing when output is redirected."""
    start = time.perf_counter()

    def show(trainer):
        done = trainer.epoch
        frac = done / max(total, 1)
        last = trainer.history.last()
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        stream.write(f"\r[{bar}] {done}/{total} loss {last.get('train_loss', math.nan):.4f} "
                     f"acc {last.get('train_accuracy', math.nan):.3f} "
                     f"{time.perf_counter() - start:5.1f}s")
        stream.flush()
    return show


def cmd_train(args: argparse.Namespace) -> int:
    from . import data as datasets
    from .interop import save
    from .network import make_mlp
    from .optim import Schedule
    from .train import Trainer

    s = resolve_settings(args)
    if s["csv"]:
        ds = datasets.load_csv(s["csv"], test_size=s["test_size"], seed=s["data_seed"])
    else:
        ds = datasets.load(s["dataset"], n_samples=s["samples"], noise=s["noise"],
                           seed=s["data_seed"], test_size=s["test_size"], classes=s["classes"])
    k = ds.n_classes
    outputs = k if s["output"] == "softmax" else 1
    if k > 2 and s["output"] != "softmax":
        raise UsageError(f"the data has {k} classes: use --output softmax --loss ce")
    model = make_mlp([2, *s["hidden"], outputs], activation=s["activation"], output=s["output"],
                     engine=s["engine"], seed=s["seed"], init=s["init"])
    if args.device:
        if s["engine"] != "manual":
            raise UsageError("--device needs --engine manual (the engine that runs on torch)")
        _use_device(model, ds, args.device)
    schedule = Schedule(s["schedule"], gamma=s["gamma"], step_size=s["step_size"],
                        decay=s["decay"]) if s["schedule"] != "constant" else None
    trainer = Trainer(model, ds, loss=s["loss"], optimizer=s["optimizer"], lr=s["lr"],
                      batch_size=s["batch_size"], momentum=s["momentum"],
                      weight_decay=s["weight_decay"], schedule=schedule, seed=s["seed"])
    show = None if args.quiet or not sys.stderr.isatty() else _progress(s["epochs"], sys.stderr)
    print(f"{ds!r}\n{model.describe()}, {s['optimizer']} lr={s['lr']:g}, loss {s['loss']}, "
          f"{s['epochs']} epochs, batch {s['batch_size'] or 'full'}")
    t0 = time.perf_counter()
    history = trainer.run(s["epochs"], callback=show, every=max(1, s["epochs"] // 200))
    seconds = time.perf_counter() - t0
    if show:
        sys.stderr.write("\n")
    if args.device:
        model.to("numpy")
        _use_device(model, ds, "numpy")
    last = history.last()
    if history.stopped:
        print(f"stopped: {history.stopped}")
    if last:
        print(f"epoch {last['epoch']}: train loss {last['train_loss']:.5f}, test loss "
              f"{last['test_loss']:.5f}, train accuracy {last['train_accuracy']:.2%}, "
              f"test accuracy {last['test_accuracy']:.2%} ({seconds:.1f}s)")
    if args.save:
        print(f"saved model to {save(model, args.save)}")
    if args.figures:
        from .viz.plots import save_figures
        for path in save_figures(model, ds, history, args.figures).values():
            print(f"wrote {path}")
    if args.json:
        print(json.dumps({**{k: last.get(k) for k in ("train_loss", "test_loss",
                                                       "train_accuracy", "test_accuracy")},
                          "epochs": trainer.epoch, "stopped": history.stopped,
                          "seconds": round(seconds, 3)}))
    return 1 if history.stopped else 0


def _use_device(model, ds, device: str) -> None:
    """Move the manual engine and the data onto a torch device (or back)."""
    if device == "numpy":
        for name in ("X_train", "y_train", "X_test", "y_test"):
            a = getattr(ds, name)
            if not hasattr(a, "__array_interface__"):
                setattr(ds, name, a.cpu().numpy())
        return
    try:
        import torch
    except ImportError:
        raise UsageError("--device needs PyTorch: pip install 'gradplay[torch]'") from None
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"--device {device}: no CUDA GPU is available to PyTorch here")
    model.to(device)
    for name in ("X_train", "X_test"):
        setattr(ds, name, torch.as_tensor(getattr(ds, name), dtype=torch.float64, device=device))
    for name in ("y_train", "y_test"):
        setattr(ds, name, torch.as_tensor(getattr(ds, name), device=device))


# ---------------------------------------------------------------------- expr
def _assignment(text: str):
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"-v expects NAME=NUMBER, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"-v {name}: {value!r} is not a number") from None


def cmd_expr(args: argparse.Namespace) -> int:
    from .expr import ExpressionError, evaluate, numeric_gradients
    from .viz.graph import render, to_dot
    values = dict(args.var or [])
    try:
        out, leaves = evaluate(args.expression, **values)
        numeric = numeric_gradients(args.expression, **values)
    except ExpressionError as e:
        print(e.pointer(), file=sys.stderr)
        return 2
    print(f"value = {out.data:.6g}")
    print(f"{'variable':>10} {'value':>12} {'autograd':>14} {'numeric':>14}")
    for name, leaf in leaves.items():
        print(f"{name:>10} {leaf.data:>12.6g} {leaf.grad:>14.8g} {numeric[name]:>14.8g}")
    if args.dot:
        with open(args.dot, "w", encoding="utf-8") as f:
            f.write(to_dot(out))
        print(f"wrote {args.dot}")
    if args.svg:
        with open(args.svg, "wb") as f:
            f.write(render(out, "svg"))
        print(f"wrote {args.svg}")
    return 0


# ---------------------------------------------------------------------- app, bench
def cmd_app(args: argparse.Namespace) -> int:
    import subprocess
    from pathlib import Path
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise UsageError("the web app needs Streamlit: pip install 'gradplay[app]'") from None
    script = Path(__file__).parent / "app" / "Home.py"
    url = f"http://{args.host}:{args.port}"
    print(f"gradplay playground: {url}  (Ctrl+C to stop)", flush=True)
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", args.host,
           "--server.port", str(args.port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--global.developmentMode", "false"]
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import print_table, run_benchmark
    rows = run_benchmark(sizes=args.sizes, n=args.samples, epochs=args.epochs,
                         activation=args.activation, loss=args.loss, output=args.output)
    print_table(rows, sys.stdout)
    return 0


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = argparse.ArgumentParser(prog="gradplay", description="See how neural networks "
                                     "learn: a playground, training, expressions, benchmarks.")
    parser.add_argument("--version", action="version", version=f"gradplay {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("app", help="start the web playground")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: local)")
    p.set_defaults(run=cmd_app)

    p = sub.add_parser("train", help="train a network and print its metrics")
    _add_train_args(p)
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("expr", help="evaluate an expression and its gradients")
    p.add_argument("expression")
    p.add_argument("-v", "--var", action="append", type=_assignment, metavar="NAME=VALUE")
    p.add_argument("--dot", metavar="FILE", help="write the graph as Graphviz DOT")
    p.add_argument("--svg", metavar="FILE", help="render the graph to SVG (needs Graphviz)")
    p.set_defaults(run=cmd_expr)

    p = sub.add_parser("bench", help="time every engine on one task")
    p.add_argument("--sizes", type=lambda t: [int(s) for s in t.split("-")], default=[2, 4, 1],
                   help="layer sizes like 2-4-1")
    p.add_argument("--samples", type=int, default=800)
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--activation", default="sigmoid", choices=["sigmoid", "tanh", "relu"])
    p.add_argument("--output", default="sigmoid", choices=["sigmoid", "linear"])
    p.add_argument("--loss", default="mse", choices=["mse", "bce"])
    p.set_defaults(run=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except (UsageError, ValueError) as e:
        print(f"gradplay {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"gradplay {args.command}: error: {e}", file=sys.stderr)
        return 2
