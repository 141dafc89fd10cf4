"""The ``gradplay`` command: app, train, expr, bench.

    gradplay app [--port 8501] [--host 127.0.0.1]
    gradplay train --preset mlp-play [--figures DIR] [--json] [--save model.json]
                   (one flag per RunConfig field: --lr 0.1 --hidden 8,8 --data-seed 3 ...)
    gradplay expr "(a*b+c).tanh()" -v a=2 -v b=-3 -v c=10 [--dot FILE | --svg FILE]
    gradplay bench [--epochs 200]

Bad input prints one line (and for expressions, a caret under the column)
and exits with status 2; no tracebacks.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import time

from .files import check_output_dir, check_output_file, finite_or_none
from .rules import Interval

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """A problem with what the user asked for (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (no usage block): exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------------- train
def _config_flag(name: str):
    """An argparse type that reads a RunConfig field with the field's own rule,
    so a bad flag gets the same message as a bad URL value."""
    from .config import FIELDS

    def parse(text: str):
        try:
            return FIELDS[name].rule.parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    parse.__name__ = name  # argparse names the type in some messages
    return parse


def _add_train_args(p: argparse.ArgumentParser) -> None:
    """One flag per RunConfig field (--data-seed for data_seed), plus the
    run's inputs and outputs. Defaults are None, so that a preset's value
    shows through unless a flag is given."""
    from .config import FIELDS, PRESETS
    p.add_argument("--preset", choices=list(PRESETS), help="a named set-up (flags override it)")
    p.add_argument("--csv", metavar="FILE", help="your own data: x1,x2,label rows")
    p.add_argument("--device", help="manual engine only: a torch device such as cpu or cuda")
    groups = {g: p.add_argument_group(title) for g, title in
              (("data", "data"), ("model", "network"), ("optim", "optimisation"),
               ("run", "run"), ("view", "figures (--figures)"))}
    for name, spec in FIELDS.items():
        groups[spec.group].add_argument(f"--{name.replace('_', '-')}", dest=name,
                                        type=_config_flag(name), metavar="VALUE",
                                        help=f"{spec.help}: {spec.rule.describe()}")
    g = p.add_argument_group("output")
    g.add_argument("--json", action="store_true", help="end with one JSON line of metrics")
    g.add_argument("--save", metavar="FILE", help="write the model (.json or .npz)")
    g.add_argument("--figures", metavar="DIR", help="write PNG figures into DIR")
    g.add_argument("--quiet", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace):
    """The preset (or the defaults), then the flags actually given."""
    from .config import FIELDS, PRESETS, RunConfig
    base = PRESETS[args.preset] if args.preset else RunConfig()
    given = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
    try:
        return base.replace(**given)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _progress(total: int, stream):
    """A progress bar on a terminal; nothing when output is redirected."""
    start = time.perf_counter()

    def show(trainer):
        done = trainer.epoch
        frac = done / max(total, 1)
        last = trainer.history.last()
        bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
        score = ("R² ", "train_r2") if trainer.data.is_regression else ("acc ", "train_accuracy")
        stream.write(f"\r[{bar}] {done}/{total} loss {last.get('train_loss', math.nan):.4f} "
                     f"{score[0]}{last.get(score[1], math.nan):.3f} "
                     f"{time.perf_counter() - start:5.1f}s")
        stream.flush()
    return show


def cmd_train(args: argparse.Namespace) -> int:
    # where the results go is checked first: a run is never lost to a bad path at its end
    if args.save:
        check_output_file(args.save, "--save")
    if args.figures:
        check_output_dir(args.figures, "--figures")
    cfg, run = _build(args)
    show = None if args.quiet or not sys.stderr.isatty() else _progress(cfg.epochs, sys.stderr)
    print(f"{run.data!r}\n{run.model.describe()}, {cfg.optimizer} lr={cfg.lr:g}, loss "
          f"{run.trainer.loss_name}, {cfg.epochs} epochs, batch {cfg.batch_size or 'full'}")
    t0 = time.perf_counter()
    history = run.trainer.run(cfg.epochs, callback=show, every=max(1, cfg.epochs // 200))
    seconds = time.perf_counter() - t0
    if show:
        sys.stderr.write("\n")
    if args.device:
        run.model.to("numpy")
        _use_device(run.model, run.data, "numpy")
    _report(history, run.data.is_regression, seconds)
    _write_outputs(args, cfg, run, history)
    if args.json:
        print(_json_line(cfg, run.trainer, seconds))
    return 1 if history.stopped else 0


def _build(args: argparse.Namespace):
    """The config from the flags, and its run (on --csv's data, on --device)."""
    from .config import build_run
    from .data import load_csv
    cfg = config_from_args(args)
    data = None
    if args.csv:
        data = load_csv(args.csv, test_size=cfg.test_size, seed=cfg.data_seed)
        cfg = cfg.replace(dataset="csv")
    if args.device and cfg.engine != "manual":
        raise UsageError("--device needs --engine manual (the engine that runs on torch)")
    run = build_run(cfg, data)
    if args.device:
        _use_device(run.model, run.data, args.device)
    return cfg, run


def _report(history, regression: bool, seconds: float) -> None:
    """Why the run stopped early, if it did, and the last epoch's metrics."""
    last = history.last()
    if history.stopped:
        print(f"stopped: {history.stopped}")
    if last:
        score = (f"train R² {last['train_r2']:.4f}, test R² {last['test_r2']:.4f}"
                 if regression else f"train accuracy {last['train_accuracy']:.2%}, "
                 f"test accuracy {last['test_accuracy']:.2%}")
        print(f"epoch {last['epoch']}: train loss {last['train_loss']:.5f}, test loss "
              f"{last['test_loss']:.5f}, {score} ({seconds:.1f}s)")


def _write_outputs(args: argparse.Namespace, cfg, run, history) -> None:
    """--save's model file and --figures' PNGs (their paths were checked before training)."""
    from .interop import save
    if args.save:
        print(f"saved model to {save(run.model, args.save)}")
    if args.figures:
        from .viz.plots import save_figures
        for path in save_figures(run.model, run.data, history, args.figures,
                                 show_test=cfg.show_test, discretize=cfg.discretize).values():
            print(f"wrote {path}")


def _json_line(cfg, trainer, seconds: float) -> str:
    """--json's last line: the metrics (accuracies for classes, R² for regression,
    the others null; never NaN), the epochs trained, why it stopped, the config."""
    history = trainer.history
    last = history.last()
    metrics = {k: finite_or_none(last.get(k)) for k in
               ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "train_r2",
                "test_r2")}
    return json.dumps({**metrics, "epochs": trainer.epoch, "stopped": history.stopped,
                       "seconds": round(seconds, 3), "config": cfg.to_dict()}, allow_nan=False)


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
    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError):
        raise UsageError(f"--device {device!r}: not a torch device; use cpu, cuda or "
                         "cuda:N") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {device}: no CUDA GPU is available to PyTorch here")
    if kind not in ("cpu", "cuda"):
        raise UsageError(f"--device {device}: gradplay runs on cpu or cuda, not {kind}")
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
    from .expr import ExpressionError, evaluate, gradient_check, variables
    from .viz.graph import render, to_dot
    values = dict(args.var or [])
    try:
        names = variables(args.expression)
        # -v sets the expression's own variables and nothing else: no other keyword
        # (such as the finite-difference step, _step) can be reached from here
        unknown = [n for n in values if n not in names]
        if unknown:
            raise UsageError(f"-v {unknown[0]}: the expression has no variable named "
                             f"{unknown[0]!r}; its variables are: {', '.join(names) or 'none'}")
        out, _ = evaluate(args.expression, **values)
        rows = gradient_check(args.expression, **values)
    except ExpressionError as e:
        print(e.pointer(), file=sys.stderr)
        return 2
    print(f"value = {out.data:.6g}")
    print(f"{'variable':>10} {'value':>12} {'autograd':>14} {'numeric':>14}")
    for r in rows:
        print(f"{r.name:>10} {r.value:>12.6g} {r.autograd:>14.8g} {r.numeric:>14.8g}")
    for r in rows:
        if r.note:
            print(f"note ({r.name}): {r.note}")
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
    """Serve the playground from this process (``gradplay.app.server``).

    Streamlit runs in-process, not as a child: a SIGTERM or SIGINT reaches
    the server itself, which stops and frees the port; SIGHUP (a closed
    terminal) is turned into SIGTERM unless it is ignored (nohup). A child
    process would be left serving, reparented to PID 1, when a supervisor
    signals the parent.
    """
    import signal
    try:
        from .app.server import serve
    except ImportError:
        raise UsageError("the web app needs Streamlit: pip install 'gradplay[app]'") from None
    _survive_closed_stdout()
    if signal.getsignal(signal.SIGHUP) is signal.SIG_DFL:
        signal.signal(signal.SIGHUP, lambda *_: os.kill(os.getpid(), signal.SIGTERM))
    print(f"gradplay playground: http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    serve(args.host, args.port)
    return 0


class _StdoutOrNothing(io.TextIOBase):
    """sys.stdout that goes quiet when its reader has gone (``gradplay app | head -1``).

    Python ignores SIGPIPE, so writing to a closed pipe raises BrokenPipeError,
    which would end the server at its next print. On the first one, file
    descriptor 1 is pointed at /dev/null (the recipe in Python's signal docs)
    and serving goes on.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            self._stream.write(text)
            self._stream.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
        return len(text)

    def flush(self) -> None:
        self.write("")

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self):
        return self._stream.encoding

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream.isatty()


def _survive_closed_stdout() -> None:
    if not isinstance(sys.stdout, _StdoutOrNothing):
        sys.stdout = _StdoutOrNothing(sys.stdout)


def _whole_number(low: int, high: int):
    """An argparse type: a whole number in [low, high], read by the rule book's
    ``Interval`` (the message the train flags give: "must be a whole number in ...")."""
    rule = Interval(int, low, high)

    def parse(text: str) -> int:
        try:
            return rule.parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def _host(text: str) -> str:
    """An argparse type: the address to listen on. An empty one would mean every
    interface to the server, while the help promises a local default: it is
    refused, and every interface must be asked for by name (0.0.0.0)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must be an address such as 127.0.0.1 (this machine "
                                         "only) or 0.0.0.0 (every interface); got ''")
    return text.strip()


def _bench_sizes(text: str) -> list[int]:
    """Layer sizes like 2-4-1: two inputs (the moons data), one output, hidden
    layers of 1..MAX_BENCH_UNITS."""
    try:
        sizes = [int(s) for s in text.split("-")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or sizes[0] != 2 or sizes[-1] != 1 \
            or not all(1 <= s <= MAX_BENCH_UNITS for s in sizes) or len(sizes) > 10:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes like 2-4-1: 2 inputs, 1 output, up to 8 hidden layers of "
            f"1 to {MAX_BENCH_UNITS} units, got {text!r}")
    return sizes


MAX_BENCH_UNITS = 1024


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import print_table, run_benchmark
    rows = run_benchmark(sizes=args.sizes, n=args.samples, epochs=args.epochs,
                         activation=args.activation, loss=args.loss, output=args.output)
    print_table(rows, sys.stdout)
    return 0


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = _Parser(prog="gradplay", description="See how neural networks "
                                     "learn: a playground, training, expressions, benchmarks.")
    parser.add_argument("--version", action="version", version=f"gradplay {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("app", help="start the web playground")
    p.add_argument("--port", type=_whole_number(1, 65535), default=8501,
                   help="port to listen on, 1 to 65535")
    p.add_argument("--host", type=_host, default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0: every interface)")
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
    p.add_argument("--sizes", type=_bench_sizes, default=[2, 4, 1],
                   help="layer sizes like 2-4-1")
    p.add_argument("--samples", type=_config_flag("samples"), default=800,
                   help="two-moons points, 10 to 100,000 (the rule of train's --samples)")
    p.add_argument("--epochs", type=_whole_number(1, 100_000), default=300,
                   help="timed epochs per repeat, 1 to 100,000")
    p.add_argument("--activation", default="sigmoid", choices=["sigmoid", "tanh", "relu"])
    p.add_argument("--output", default="sigmoid", choices=["sigmoid", "linear"])
    p.add_argument("--loss", default="mse", choices=["mse", "bce"])
    p.set_defaults(run=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:              # --help (0) or a bad argument (2, one line)
        return int(e.code or 0)
    try:
        return args.run(args) or 0
    except (UsageError, ValueError) as e:
        print(f"gradplay {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"gradplay {args.command}: error: {e}", file=sys.stderr)
        return 2
