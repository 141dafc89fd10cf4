"""Figures cheap enough to redraw several times a second.

* ``boundary_figure``: a Plotly heatmap of the model's output over the plane
  with the train and test points on top (the browser draws it).
* ``heatmap_rgb`` / ``hidden_mosaic``: colour-mapped images made directly in
  NumPy -- no plotting library in the loop -- for the small per-neuron maps.
"""

from __future__ import annotations

import numpy as np

from .plots import CLASS_COLORS, Grid, class_map, hidden_grids

__all__ = ["heatmap_rgb", "hidden_mosaic", "boundary_figure", "curves_figure"]

# a diverging map: orange (low) -> white (middle) -> blue (high)
_LOW = np.array([232, 116, 59], dtype=float)
_MID = np.array([247, 247, 247], dtype=float)
_HIGH = np.array([46, 134, 222], dtype=float)


def heatmap_rgb(values: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """(h, w) values -> (h, w, 3) uint8 colours on the orange-white-blue map.

    t = (v - vmin) / (vmax - vmin) in [0, 1]; below 1/2 blend orange->white,
    above it white->blue. Row 0 is drawn at the top, so flip y before calling
    for a plot whose y axis points up.
    """
    span = (vmax - vmin) or 1.0
    t = np.clip((np.asarray(values, dtype=float) - vmin) / span, 0.0, 1.0)[..., None]
    low = _LOW + (_MID - _LOW) * np.clip(2 * t, 0, 1)
    high = _MID + (_HIGH - _MID) * np.clip(2 * t - 1, 0, 1)
    return np.where(t < 0.5, low, high).round().astype(np.uint8)


def _range(activation: str, values: np.ndarray) -> tuple[float, float]:
    """The colour range: the activation's own range when it has one."""
    if activation == "sigmoid":
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    hi = float(np.max(np.abs(values))) or 1.0
    return -hi, hi


def hidden_mosaic(model, bounds: tuple, resolution: int = 32, max_units: int = 32,
                  per_row: int = 8, gap: int = 3) -> list[np.ndarray]:
    """One RGB image per hidden layer: each neuron's output over the input
    plane as a tile, ``per_row`` tiles a row (at most ``max_units`` a layer)."""
    images = []
    for grid in hidden_grids(model, bounds, resolution):
        units = min(grid.values.shape[2], max_units)
        lo, hi = _range(model.activation, grid.values)
        cols = min(units, per_row)
        rows = -(-units // cols)  # ceil(units / cols)
        step = resolution + gap
        mosaic = np.full((rows * step - gap, cols * step - gap, 3), 255, dtype=np.uint8)
        for j in range(units):
            y, x = (j // cols) * step, (j % cols) * step
            # flip rows so that x2 points up, as in the boundary plot
            mosaic[y:y + resolution, x:x + resolution] = heatmap_rgb(grid.values[::-1, :, j],
                                                                     lo, hi)
        images.append(mosaic)
    return images


def boundary_figure(grid: Grid, data, title: str = ""):
    """Plotly figure: the predicted probability (or class) map, with train
    points as circles and test points as crosses."""
    import plotly.graph_objects as go
    fig = go.Figure()
    if grid.values.ndim == 2:
        fig.add_trace(go.Heatmap(x=grid.xs, y=grid.ys, z=grid.values, zmin=0, zmax=1,
                                 colorscale=[[0, "rgb(232,116,59)"], [0.5, "rgb(247,247,247)"],
                                             [1, "rgb(46,134,222)"]],
                                 colorbar={"title": "p(class 1)", "len": 0.8},
                                 hovertemplate="x1=%{x:.2f} x2=%{y:.2f} p=%{z:.3f}"
                                 "<extra></extra>"))
    else:
        k = grid.values.shape[2]
        scale = [[i / max(k - 1, 1), CLASS_COLORS[i]] for i in range(k)]
        fig.add_trace(go.Heatmap(x=grid.xs, y=grid.ys, z=class_map(grid), zmin=0, zmax=k - 1,
                                 colorscale=scale, opacity=0.45, showscale=False,
                                 hovertemplate="x1=%{x:.2f} x2=%{y:.2f} class %{z}"
                                 "<extra></extra>"))
    for X, y, symbol, part in ((data.X_train, data.y_train, "circle", "train"),
                               (data.X_test, data.y_test, "x", "test")):
        for c in np.unique(y):
            pts = X[y == c]
            fig.add_trace(go.Scatter(
                x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"{part} class {int(c)}",
                marker={"symbol": symbol, "size": 6 if part == "train" else 8,
                        "color": CLASS_COLORS[int(c) % 10],
                        "line": {"width": 1, "color": "white" if part == "train" else "black"}}))
    fig.update_layout(title=title, height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis={"range": [grid.xs[0], grid.xs[-1]], "title": "x1"},
                      yaxis={"range": [grid.ys[0], grid.ys[-1]], "title": "x2",
                             "scaleanchor": "x"},
                      legend={"orientation": "h", "y": -0.12}, uirevision="keep")
    return fig


def curves_figure(history):
    """Plotly figure: train/test loss (log scale) above train/test accuracy."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.6, 0.4], subplot_titles=("loss", "accuracy"))
    blue, orange = "#2e86de", "#e8743b"
    for row, (train, test) in enumerate(((history.loss, history.test_loss),
                                         (history.accuracy, history.test_accuracy)), start=1):
        fig.add_trace(go.Scatter(x=history.epochs, y=train, name="train", mode="lines",
                                 line={"color": blue}, legendgroup="train",
                                 showlegend=row == 1), row=row, col=1)
        if not all(v != v for v in test):  # not all NaN: there is a test set
            fig.add_trace(go.Scatter(x=history.epochs, y=test, name="test", mode="lines",
                                     line={"color": orange}, legendgroup="test",
                                     showlegend=row == 1), row=row, col=1)
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=2, col=1)
    fig.update_xaxes(title_text="epoch", row=2, col=1)
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": 1.1, "x": 1, "xanchor": "right"},
                      uirevision="keep")
    return fig
