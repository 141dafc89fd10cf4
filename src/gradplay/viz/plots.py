"""Figures of data, training and what a network has learned (matplotlib).

The numbers behind the pictures come from small functions, tested like the
rest of the library: ``decision_grid`` (the model's output over a grid
covering the data), ``hidden_grids`` (each hidden neuron's output over the
same grid), ``input_grid`` (each input feature over it) and ``discretized``
(TensorFlow Playground's "discretize output"). The figure functions only
draw them. A regression model's output is drawn as a value map from -1
(orange) through 0 (white) to +1 (blue), as in TensorFlow Playground.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..train import r2_score

__all__ = ["Grid", "decision_grid", "hidden_grids", "input_grid", "grid_bounds", "grid_points",
           "discretized", "plot_dataset", "plot_loss", "plot_decision_boundary",
           "plot_hidden_activations", "figure_png", "save_figures"]

CLASS_COLORS = ["#e8743b", "#2e86de", "#19a979", "#c23b6b", "#8e6cbd", "#b3a23a",
                "#5c5c5c", "#13a4b4", "#945ecf", "#d4526e"]


def class_cmap():
    """orange (p = 0, class 0) -> white -> blue (p = 1, class 1), matching the
    colours of the points, as in the live playground."""
    from matplotlib.colors import LinearSegmentedColormap
    return LinearSegmentedColormap.from_list("gradplay", [CLASS_COLORS[0], "#f7f7f7",
                                                          CLASS_COLORS[1]])


@dataclass
class Grid:
    """A model evaluated on a regular grid: xs (r,), ys (r,), values (r, r) or (r, r, k)."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray

    @property
    def extent(self) -> tuple:
        return (self.xs[0], self.xs[-1], self.ys[0], self.ys[-1])


def grid_bounds(X: np.ndarray, margin: float = 0.5) -> tuple:
    """(x_min, x_max, y_min, y_max) of the data, widened by ``margin``."""
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    return (lo[0], hi[0], lo[1], hi[1])


def grid_points(bounds: tuple, resolution: int, top_first: bool = False):
    """(xs, ys, points) of a resolution x resolution grid over ``bounds``:
    points (r*r, 2) row-major, row i at y = ys[i]. ys rise (a plot's origin
    at the bottom), or fall with ``top_first`` (an image's first row on top)."""
    xs = np.linspace(bounds[0], bounds[1], resolution)
    ys = np.linspace(bounds[2], bounds[3], resolution)
    ys = ys[::-1] if top_first else ys
    gx, gy = np.meshgrid(xs, ys)                     # (r, r) each; row i is y = ys[i]
    return xs, ys, np.c_[gx.ravel(), gy.ravel()]     # points (r*r, 2)


def decision_grid(model, bounds: tuple, resolution: int = 100) -> Grid:
    """The model's output at every point of a resolution x resolution grid.

    values[i, j] is the prediction at (xs[j], ys[i]): a probability for a
    sigmoid output, a (k,) vector of class probabilities for softmax.
    """
    xs, ys, points = grid_points(bounds, resolution)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged model: draw what we can
        out = np.asarray(model.predict(points))
    return Grid(xs, ys, out.reshape(resolution, resolution, *out.shape[1:]))


def _layer_grids(model, bounds: tuple, resolution: int) -> list[Grid]:
    """Every layer's units over the grid, the inputs first: values (r, r, units)."""
    xs, ys, points = grid_points(bounds, resolution)
    with np.errstate(over="ignore", invalid="ignore"):
        layers = model.forward_layers(points)
    return [Grid(xs, ys, np.asarray(a).reshape(resolution, resolution, -1)) for a in layers]


def hidden_grids(model, bounds: tuple, resolution: int = 40) -> list[Grid]:
    """For each hidden layer, every neuron's output over the grid: values (r, r, units).
    An empty list for a network with no hidden layer."""
    return _layer_grids(model, bounds, resolution)[1:-1]


def input_grid(model, bounds: tuple, resolution: int = 40) -> Grid:
    """Each input unit over the grid -- x1, x2, or the features (x1², sin x1, ...)
    the network computes from the point: values (r, r, inputs)."""
    return _layer_grids(model, bounds, resolution)[0]


def class_map(grid: Grid) -> np.ndarray:
    """Predicted class at each grid point: (r, r) ints."""
    if grid.values.ndim == 3:
        return grid.values.argmax(axis=2)
    return (grid.values >= 0.5).astype(int)


def discretized(grid: Grid, regression: bool = False) -> np.ndarray:
    """The output map with every point given a whole answer, for "discretize
    output": the class (r, r) for classes, the sign -1 / +1 (r, r) for regression."""
    if regression:
        return np.where(grid.values >= 0, 1.0, -1.0)
    return class_map(grid)


# ---------------------------------------------------------------------- figures
def _plt():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _scatter(ax, X, y, marker="o", edge="white", label_prefix="", size=18):
    """Points coloured by class; regression targets coloured by value on -1..1."""
    if np.asarray(y).dtype.kind == "f":
        ax.scatter(X[:, 0], X[:, 1], s=size, c=y, cmap=class_cmap(), vmin=-1, vmax=1,
                   marker=marker, edgecolors=edge, linewidths=0.6, label=f"{label_prefix}points")
        return
    for k in np.unique(y):
        pts = X[y == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, c=CLASS_COLORS[int(k) % 10], marker=marker,
                   edgecolors=edge, linewidths=0.6, label=f"{label_prefix}class {k}")


def _shown_points(data, show_test: bool):
    """The points a boundary picture draws: the test points when shown and there
    are any, else the training points; and their name."""
    if show_test and len(data.y_test):
        return data.X_test, data.y_test, "test"
    return data.X_train, data.y_train, "train"


def plot_dataset(data, ax=None, show_test: bool = True):
    """Train points as dots, test points (when shown) as crosses; regression
    targets coloured by value."""
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
    _scatter(ax, data.X_train, data.y_train, label_prefix="train ")
    if show_test and len(data.y_test):
        _scatter(ax, data.X_test, data.y_test, marker="X", edge="black", label_prefix="test ",
                 size=30)
    shown = f", {len(data.y_test)} test (X)" if show_test else ""
    ax.set_title(f"{data.name}: {len(data.y_train)} train (dots){shown}")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(fontsize=7, loc="best")
    return ax.figure


def plot_loss(history, ax=None, log: bool = True):
    """Train and test loss per epoch (log scale), and the test accuracy -- or
    the test R² for regression -- on a twin axis."""
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(history.epochs, history.train_loss, label="train loss", color="#2e86de")
    if not np.all(np.isnan(history.test_loss)):
        ax.plot(history.epochs, history.test_loss, label="test loss", color="#e8743b")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax2 = ax.twinx()
    regression = len(history.train_r2) > 0 and not np.all(np.isnan(history.train_r2))
    score, name = (history.test_r2, "test R²") if regression else \
        (history.test_accuracy, "test accuracy")
    ax2.plot(history.epochs, score, color="#19a979", alpha=0.6, lw=1, label=name)
    ax2.set_ylabel(name)
    ax2.set_ylim(0, 1.02)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="center right")
    ax.set_title("training loss")
    return ax.figure


def _boundary(ax, grid, X, y, title, regression=False, discretize=False):
    values = grid.values
    if regression:
        # the value map, -1 (orange) .. 1 (blue); contour at 0 where it changes sign
        shown = discretized(grid, True) if discretize else values
        ax.contourf(grid.xs, grid.ys, shown, levels=np.linspace(-1, 1, 21), cmap=class_cmap(),
                    alpha=0.7, vmin=-1, vmax=1, extend="both")
        ax.contour(grid.xs, grid.ys, values, levels=[0.0], colors="black", linewidths=0.8)
    elif values.ndim == 2:
        shown = discretized(grid) if discretize else values
        ax.contourf(grid.xs, grid.ys, shown, levels=np.linspace(0, 1, 21), cmap=class_cmap(),
                    alpha=0.6, vmin=0, vmax=1)
        ax.contour(grid.xs, grid.ys, values, levels=[0.5], colors="black", linewidths=1.2)
    else:
        from matplotlib.colors import ListedColormap
        k = values.shape[2]
        ax.contourf(grid.xs, grid.ys, class_map(grid), levels=np.arange(k + 1) - 0.5,
                    cmap=ListedColormap(CLASS_COLORS[:k]), alpha=0.45)
    _scatter(ax, X, y, size=16, edge="black")
    ax.set_title(title)
    ax.set_xlim(grid.xs[0], grid.xs[-1])
    ax.set_ylim(grid.ys[0], grid.ys[-1])


def plot_decision_boundary(model, data, resolution: int = 150, show_test: bool = True,
                           discretize: bool = False):
    """Prediction beside ground truth, over the model's output map: for classes,
    the model's labels for the points (left) and the true labels (right); for
    regression, the predicted values (left) and the true ones (right). The
    points are the test points when ``show_test`` and there are any, else the
    training points. ``discretize``: colour the map by class (by sign for
    regression) instead of by value."""
    plt = _plt()
    X, y, part = _shown_points(data, show_test)
    grid = decision_grid(model, grid_bounds(data.X), resolution)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    regression = data.is_regression
    if regression:
        pred = np.asarray(model.predict(X), dtype=float)
        title = f"prediction ({part} R² {r2_score(y, pred):.3f})"
    else:
        pred = np.asarray(model.predict_labels(X))
        title = f"prediction ({part} accuracy {float(np.mean(pred == y)):.1%})"
    _boundary(left, grid, X, pred, title, regression, discretize)
    _boundary(right, grid, X, y, "ground truth", regression, discretize)
    fig.tight_layout()
    return fig


def plot_hidden_activations(model, data, resolution: int = 60, max_units: int = 16):
    """What each hidden neuron responds to: its output over the input plane."""
    plt = _plt()
    grids = hidden_grids(model, grid_bounds(data.X), resolution)
    rows = [(l, j) for l, g in enumerate(grids) for j in range(min(g.values.shape[2], max_units))]
    if not rows:
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.text(0.5, 0.5, "no hidden layers", ha="center", va="center")
        ax.axis("off")
        return fig
    cols = min(len(rows), 8)
    nrows = int(np.ceil(len(rows) / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(1.9 * cols, 1.9 * nrows + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (l, j) in zip(axes.ravel(), rows):
        g = grids[l]
        ax.imshow(g.values[:, :, j], origin="lower", extent=g.extent, cmap=class_cmap(),
                  aspect="auto")
        ax.set_title(f"layer {l + 1}, unit {j + 1}", fontsize=8)
    fig.suptitle(f"hidden neurons ({model.activation}): output over the input plane")
    fig.tight_layout()
    return fig


def figure_png(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (the figure is closed afterwards)."""
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def save_figures(model, data, history, directory, show_test: bool = True,
                 discretize: bool = False) -> dict:
    """Write the four standard PNGs; returns {name: path}. ``show_test`` and
    ``discretize`` are the config's view toggles."""
    from pathlib import Path
    plt = _plt()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        f"{data.name}_dataset.png": plot_dataset(data, show_test=show_test),
        "training_loss.png": plot_loss(history),
        "decision_boundary.png": plot_decision_boundary(model, data, show_test=show_test,
                                                        discretize=discretize),
        "hidden_activations.png": plot_hidden_activations(model, data),
    }
    paths = {}
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths[name] = out / name
    return paths
