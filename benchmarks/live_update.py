"""The server-side cost of one live update of the training page.

One update = train k epochs, evaluate the 100x100 decision grid, and build
every picture the page sends: the Plotly boundary and loss figures (as the
JSON Streamlit ships to the browser), the network's DOT and the hidden-neuron
mosaics. Task: 2-8-8-1 tanh, BCE, Adam, on 500 moons points. Target: under
100 ms, so the page can refresh at 10 frames a second or better.

For reference, the same run times the naive way of drawing: matplotlib
figures rendered to PNG on the server.

    python benchmarks/live_update.py [--epochs-per-update 10] [--updates 30]
"""

import argparse
import os
import statistics
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from gradplay.playground import LiveRun, Settings  # noqa: E402
from gradplay.viz.live import boundary_figure, curves_figure, hidden_mosaic  # noqa: E402
from gradplay.viz.network import network_dot  # noqa: E402
from gradplay.viz.plots import (decision_grid, figure_png, grid_bounds,  # noqa: E402
                                plot_decision_boundary, plot_loss)


def timed(parts: dict, name: str, fn):
    t0 = time.perf_counter()
    result = fn()
    parts.setdefault(name, []).append(time.perf_counter() - t0)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs-per-update", type=int, default=10)
    parser.add_argument("--updates", type=int, default=30)
    args = parser.parse_args()
    run = LiveRun(Settings(dataset="moons", samples=625, test=0.2, hidden=[8, 8],
                           activation="tanh", optimizer="adam", lr=0.03, epochs=100_000))
    print(f"task: {run.model.describe()}, {len(run.data.y_train)} training points, "
          f"{args.epochs_per_update} epochs per update, 1 thread")
    parts: dict = {}
    totals = []
    bounds = grid_bounds(run.data.X)
    for _ in range(args.updates):
        t0 = time.perf_counter()
        timed(parts, "train k epochs", lambda: run.advance(10.0, args.epochs_per_update))
        grid = timed(parts, "100x100 decision grid", lambda: decision_grid(run.model, bounds,
                                                                            100))
        timed(parts, "boundary figure (JSON)",
              lambda: boundary_figure(grid, run.data).to_json())
        timed(parts, "loss figure (JSON)", lambda: curves_figure(run.history).to_json())
        timed(parts, "network DOT", lambda: network_dot(run.model))
        timed(parts, "hidden-neuron mosaics", lambda: hidden_mosaic(run.model, bounds, 40))
        totals.append(time.perf_counter() - t0)

    naive = []
    for _ in range(5):
        t0 = time.perf_counter()
        figure_png(plot_decision_boundary(run.model, run.data, resolution=100))
        figure_png(plot_loss(run.history))
        naive.append(time.perf_counter() - t0)

    for name, times in parts.items():
        print(f"  {name:28s} {1000 * statistics.median(times):7.2f} ms")
    total = statistics.median(totals)
    print(f"  {'one live update (median)':28s} {1000 * total:7.2f} ms   "
          f"-> {1 / total:.0f} updates/s possible; target < 100 ms: "
          f"{'met' if total < 0.1 else 'NOT met'}")
    ref = statistics.median(naive)
    print(f"reference, matplotlib PNGs of the boundary and loss: {1000 * ref:.1f} ms "
          f"({ref / total:.1f}x the whole live update)")


if __name__ == "__main__":
    main()
