"""The live trainer's frames: everything the browser paints, computed here.

A frame is one picture of a run: the decision boundary over a grid, a small
output map for every neuron (inputs included, as in TF Playground), the
weights and biases with the last step's gradients dL/dW and dL/db, the
metrics, and the history rows the browser has not seen yet. The browser only
paints it (``app/components/live_trainer/renderer.js``): every number comes
from the functions below, which are tested.

Wire format (little-endian), one ``bytes`` object::

    b"GPF1" | uint32 n | n bytes of JSON header | zero padding to 8 bytes | blobs

One frame is one binary message of the live channel (``gradplay.live``); the
renderer's ``frame.js`` decodes it (a node test checks that both agree).

``header["blobs"]`` maps each blob's name to ``[offset, length, dtype]``,
offsets counted from the start of the blob area. Grids travel as uint8
(0..255 over a stated range ``[lo, hi]``: value = lo + q/255 * (hi - lo)),
numbers as float32 (weights, gradients, point coordinates: enough to paint
and to prefill an edit; downloads use the model itself, exact). An 80x80
boundary is 6.4 kB; a whole frame of an 8-8 network is about 17 kB.
"""

from __future__ import annotations

import functools
import json
import struct
from dataclasses import dataclass

import numpy as np

from ..backend import to_numpy
from ..features import FEATURES, expand_features
from ..files import finite_or_none
from .plots import grid_bounds, grid_points

__all__ = ["MAGIC", "View", "quantize", "dequantize", "activation_range", "grid_layers",
           "unit_ranges", "output_grid", "map_cells", "layer_maps", "feature_maps", "feature_header",
           "network_numbers", "history_rows", "build_frame", "pack", "unpack",
           "finite_or_none", "shown_rows", "MAX_POINTS"]

MAGIC = b"GPF1"
MAX_POINTS = 2000       # points drawn per split: a larger set is sampled evenly
GRID_WORK = 80 * 80 * 25    # grid cells x units of one frame's forward pass, at most
# The natural range of each activation's output; None: use the data's own range.
_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softmax": (0.0, 1.0)}


@dataclass(frozen=True)
class View:
    """Where and how finely a run is drawn: fixed for the life of a run.

    bounds: (x_min, x_max, y_min, y_max) of the plane; resolution: cells a
    side of the boundary grid; map_resolution: of each neuron's map;
    max_units: neurons drawn per layer (the rest are summarised).
    """

    bounds: tuple
    resolution: int = 80
    map_resolution: int = 20
    max_units: int = 12

    @classmethod
    def for_run(cls, X: np.ndarray, sizes, **kw) -> "View":
        """The view of data X for a network of these layer sizes: 80 cells a side,
        fewer for a big network (a frame's forward pass costs cells x units, so
        it is kept near 80 x 80 x 25), never under 40; maps a quarter of that."""
        units = sum(sizes[1:])
        r = int(np.clip(np.sqrt(GRID_WORK / units), 40, 80))
        kw = {"resolution": r, "map_resolution": r // 4, **kw}
        return cls(tuple(float(v) for v in grid_bounds(X)), **kw)

    def points(self, resolution: int) -> np.ndarray:
        """Grid points (r*r, 2), row-major with row 0 at the TOP (largest x2), as
        an image is stored: cell (i, j) is at (xs[j], ys[i]), ys falling."""
        return _grid_points(self.bounds, resolution)


@functools.lru_cache(maxsize=16)
def _grid_points(bounds: tuple, resolution: int) -> np.ndarray:
    points = grid_points(bounds, resolution, top_first=True)[2]    # (r*r, 2)
    points.flags.writeable = False                     # shared between frames
    return points


# ---------------------------------------------------------------------- numbers -> bytes
def quantize(values, lo, hi) -> np.ndarray:
    """Values -> uint8 codes: q = round(255 (v - lo) / (hi - lo)), clipped to [0, 255].
    NaN becomes 0. ``dequantize`` is the inverse (to within (hi - lo) / 510).
    lo and hi are numbers, or arrays that broadcast against ``values`` (a
    range for each column: every neuron's map in one call)."""
    v = np.asarray(values)
    v = v if v.dtype in (np.float32, np.float64) else v.astype(np.float64)
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    scale = (255.0 / np.where(hi != lo, hi - lo, 1.0)).astype(v.dtype)
    t = (v - lo.astype(v.dtype)) * scale          # 255 (v - lo) / (hi - lo)
    # fmax/fmin clip to [0, 255] and, unlike clip, turn NaN into 0; +0.5 then
    # truncation rounds to the nearest code
    return (np.fmin(np.fmax(t, 0.0, out=t), 255.0, out=t) + 0.5).astype(np.uint8)


def dequantize(codes: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """uint8 codes -> values: v = lo + q / 255 (hi - lo) (what the browser computes)."""
    return lo + codes.astype(np.float64) / 255.0 * (hi - lo)


def activation_range(name: str, values: np.ndarray) -> tuple[float, float]:
    """The colour range of a neuron's map: the activation's own range where it
    has one (tanh: [-1, 1]), else symmetric about 0 over the values seen, so
    that the colour's side always tells the sign."""
    lo, hi = unit_ranges(name, np.reshape(values, (-1, 1)))
    return float(lo[0]), float(hi[0])


def unit_ranges(name: str, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``activation_range`` of every column of ``values`` (n, k) at once:
    (lo, hi), each (k,). Non-finite values are left out; a zero span is 1."""
    k = values.shape[1]
    if name in _RANGES:
        return np.full(k, _RANGES[name][0]), np.full(k, _RANGES[name][1])
    size = np.abs(np.where(np.isfinite(values), values, 0.0)).max(axis=0, initial=0.0)   # (k,)
    size = np.where(size > 0, size, 1.0).astype(np.float64)
    return -size, size


# ---------------------------------------------------------------------- the pictures
def grid_layers(model, view: View) -> list[np.ndarray]:
    """Every layer's output over the boundary grid: [(r*r, units), ...], the
    inputs first -- a network built on features (x1², sin x1 ...) reads those,
    so each input node gets its feature's map. One forward pass serves the
    boundary and every neuron's map."""
    return [to_numpy(a) for a in model.forward_layers(view.points(view.resolution),
                                                      dtype=np.float32)]


def output_grid(model, out: np.ndarray, view: View) -> tuple[dict, dict]:
    """The model's output ``out`` (r*r, k) over the boundary grid, as (header part, blobs).

    kind "prob" (one sigmoid unit): p(class 1) on [0, 1];
    kind "class" (softmax): the arg-max class and its probability, two planes;
    kind "value" (a linear unit, regression): the output on its own range.
    """
    r = view.resolution
    if model.output == "softmax":
        cls = out.argmax(axis=1).astype(np.uint8)                # (r*r,)
        conf = out.max(axis=1)                                   # (r*r,) in [1/k, 1]
        return ({"kind": "class", "res": r, "lo": 0.0, "hi": 1.0, "classes": int(out.shape[1])},
                {"boundary": cls, "confidence": quantize(conf, 0.0, 1.0)})
    values = out[:, 0]
    if model.output == "sigmoid":
        kind, (lo, hi) = "prob", (0.0, 1.0)
    else:
        kind, (lo, hi) = "value", activation_range("linear", values)
    return {"kind": kind, "res": r, "lo": lo, "hi": hi}, {"boundary": quantize(values, lo, hi)}


def map_cells(view: View) -> np.ndarray:
    """Indices (m,) of the boundary grid's rows (and columns) that the small
    neuron maps sample: m evenly spaced, both edges included."""
    return _cells(view.resolution, view.map_resolution)


@functools.lru_cache(maxsize=16)
def _cells(resolution: int, m: int) -> np.ndarray:
    cells = np.linspace(0, resolution - 1, m).round().astype(int)
    cells.flags.writeable = False                     # shared between frames
    return cells


def layer_maps(model, acts: list[np.ndarray], view: View,
               input_names=None) -> tuple[list[dict], np.ndarray]:
    """Every drawn neuron's output over a coarse grid, inputs and outputs included.

    ``acts``: ``grid_layers``' output. Returns (layers, codes): layers[l] =
    {"units", "shown", "activation", "names", "ranges"}; codes: uint8
    (total shown units, m, m), layer by layer, unit by unit.
    """
    r, cells = view.resolution, map_cells(view)
    last = len(acts) - 1
    layers, maps = [], []
    for l, a in enumerate(acts):
        act = "input" if l == 0 else model.output if l == last else model.activation
        shown = min(a.shape[1], view.max_units)              # the first ``max_units`` units
        coarse = a.T[:shown].reshape(shown, r, r)[:, cells][:, :, cells]   # (shown, m, m)
        ranges, codes = _maps(act, coarse)
        maps.append(codes)
        names = list(input_names or model.input_labels()) if l == 0 else None
        layers.append({"units": int(a.shape[1]), "shown": shown, "activation": act,
                       "names": names, "ranges": ranges})
    return layers, np.concatenate(maps)                      # (total shown, m, m)


def _maps(act: str, coarse: np.ndarray) -> tuple[list, np.ndarray]:
    """Maps of k units on the coarse grid: (ranges, codes). ``coarse`` (k, m, m)
    holds their values; ranges[j] = [lo, hi] for unit j (``unit_ranges``);
    codes uint8 (k, m, m), quantised in one call (unit j's range on map j)."""
    k, m, _ = coarse.shape
    if k == 0:
        return [], np.zeros((0, m, m), np.uint8)
    lo, hi = unit_ranges(act, coarse.reshape(k, m * m).T)            # (k,) each
    return [[a, b] for a, b in zip(lo.tolist(), hi.tolist())], \
        quantize(coarse, lo[:, None, None], hi[:, None, None])


def feature_maps(view: View) -> tuple[list, np.ndarray]:
    """Every input feature's map over the coarse grid, used by the network or
    not: TF Playground draws them all on its input column, and a click there
    turns one on or off. Sent once per run (the plane does not change).

    Returns (ranges, codes): ranges[k] = [lo, hi] of feature k (the order of
    ``FEATURES``), codes uint8 (len(FEATURES), m, m), as ``layer_maps`` makes
    an input's map -- an active feature looks the same in both.
    """
    r, cells = view.resolution, map_cells(view)
    m = len(cells)
    points = view.points(r).reshape(r, r, 2)[np.ix_(cells, cells)]     # (m, m, 2)
    values = expand_features(points.reshape(-1, 2), tuple(FEATURES))   # (m*m, 7)
    return _maps("input", values.T.reshape(-1, m, m))                  # (7, m, m)


def feature_header(model) -> dict | None:
    """Which features exist and which the network reads (in its input order),
    for the input column; None for a network without named features."""
    if model.features is None:
        return None
    return {"names": list(FEATURES), "labels": [f.label for f in FEATURES.values()],
            "active": list(model.features)}


def network_numbers(model, grads) -> dict[str, np.ndarray]:
    """Weights, biases and the last step's gradients as flat float64 arrays
    (``build_frame`` sends them as float32, clipped to float32's range: a
    diverging run's last finite weights may not fit a float32).

    Layer l's W (fan_in, fan_out) is stored row-major (W[i, j]: from unit i to
    unit j), then the next layer's; biases likewise. ``grads``: [(dW, db), ...]
    from the trainer, or None before the first step (sent as zeros).
    """
    weights = model.get_weights()
    if grads is None:
        grads = [(np.zeros_like(W), np.zeros_like(b)) for W, b in weights]
    grads = [(to_numpy(dW), to_numpy(db)) for dW, db in grads]
    flat = lambda arrays: np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64)  # noqa: E731
    return {"W": flat(W for W, _ in weights), "b": flat(b for _, b in weights),
            "dW": flat(dW for dW, _ in grads), "db": flat(db for _, db in grads)}


def _to_float32(values: np.ndarray) -> np.ndarray:
    """float64 -> float32 for painting, clipped to float32's range so that a
    finite number (a gradient of 1e300 before a divergence) stays finite."""
    big = np.finfo(np.float32).max
    return np.clip(values, -big, big).astype(np.float32)


def history_rows(history, since_epoch: int, most: int = 200,
                 regression: bool = False) -> np.ndarray:
    """The history rows after ``since_epoch``: (n, 5) float64 columns epoch,
    train loss, test loss, train score, test score (NaN where there is none).
    The score is the accuracy, or R^2 for a regression run (``regression``).
    At most ``most`` rows: evenly thinned, the latest always kept, so a frame
    after a thousand fast epochs stays small while the curve keeps its shape."""
    epochs = history.epochs
    start = len(epochs)
    while start > 0 and epochs[start - 1] > since_epoch:   # rows are in epoch order
        start -= 1
    n = len(epochs) - start
    if n == 0:
        return np.zeros((0, 5))
    pick = np.arange(start, len(epochs))
    if n > most:
        pick = pick[np.unique(np.linspace(0, n - 1, most).round().astype(int))]
    scores = (history.train_r2, history.test_r2) if regression else \
        (history.train_accuracy, history.test_accuracy)
    cols = (history.epochs, history.train_loss, history.test_loss, *scores)
    return np.array([[cols[c][i] for c in range(5)] for i in pick], dtype=np.float64)


def shown_rows(n: int, most: int = MAX_POINTS) -> np.ndarray:
    """The rows of n points the boundary plot draws: all, or ``most`` evenly
    spaced. A point the renderer picks is given by its place in this list."""
    return np.unique(np.linspace(0, n - 1, most).round().astype(int)) if n > most \
        else np.arange(n)


def _points(data, most: int = MAX_POINTS) -> dict[str, np.ndarray]:
    """Train and test points (x1, x2 interleaved) with their targets, for the
    boundary plot; at most ``most`` of each, evenly sampled."""
    out = {}
    for part, X, y in (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
        pick = shown_rows(len(y), most)
        out[f"{part}_x"] = np.asarray(X[pick], np.float32).ravel()     # (2n,)
        out[f"{part}_y"] = np.asarray(y[pick], np.float32)             # (n,)
    return out


def build_frame(model, data, history, view: View, *, grads=None, since_epoch: int = -1,
                seq: int = 0, run_id: str = "", static: bool = False,
                meta: dict | None = None, extra: tuple | None = None) -> bytes:
    """One frame of a run, packed for the browser.

    since_epoch: the browser already has the history up to this epoch.
    static: include the data points and the geometry (the first frame of a
    run, or whenever the browser may not have them).
    meta: small extra facts for the page (playing, speed), JSON-ready.
    extra: (header part, blobs) to add, e.g. a picked example's numbers
    (``live.focus``): the header part goes under ``"focus"``.
    """
    acts = grid_layers(model, view)
    head, blobs = output_grid(model, acts[-1], view)
    layers, maps = layer_maps(model, acts, view)
    blobs["maps"] = maps
    numbers = network_numbers(model, grads)
    # the largest |value| of each, for the edge widths (None if not finite)
    scales = {k: finite_or_none(np.max(np.abs(v), initial=0.0)) for k, v in numbers.items()}
    blobs.update({k: _to_float32(v) for k, v in numbers.items()})
    rows = history_rows(history, since_epoch, regression=data.is_regression)
    blobs["rows"] = rows
    last = history.last() if len(history) else {}
    header = {
        "seq": seq, "run": run_id, "epoch": int(last.get("epoch", 0)),
        "since": since_epoch,
        "sizes": list(model.sizes), "activation": model.activation, "output": model.output,
        "boundary": head, "map_res": view.map_resolution, "scales": scales, "layers": layers,
        "metrics": {k: finite_or_none(v) for k, v in last.items() if k != "epoch"},
        "stopped": history.stopped, "bounds": list(view.bounds), "meta": meta or {},
        "features": feature_header(model),
        "score": "r2" if data.is_regression else "accuracy",   # what rows' columns 3-4 hold
    }
    if extra is not None:
        header["focus"], more_blobs = extra
        blobs.update(more_blobs)
    if static:
        blobs.update(_points(data))
        header["feature_ranges"], blobs["feature_maps"] = feature_maps(view)
        header["static"] = True
    return pack(header, blobs)


# ---------------------------------------------------------------------- packing
def _pad8(n: int) -> int:
    """The zero bytes that bring n bytes up to a multiple of 8 (typed arrays
    in the browser must start 8-byte aligned)."""
    return -n % 8


def pack(header: dict, blobs: dict[str, np.ndarray]) -> bytes:
    """Header and arrays -> one bytes object (see the module docstring)."""
    parts, index, offset = [], {}, 0
    for name, arr in blobs.items():
        arr = np.ascontiguousarray(arr)
        raw = arr.tobytes()
        index[name] = [offset, len(raw), arr.dtype.name]
        pad = _pad8(len(raw))                       # keep every blob 8-byte aligned
        parts.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    text = json.dumps({**header, "blobs": index}, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")
    head = MAGIC + struct.pack("<I", len(text)) + text
    head += b"\0" * _pad8(len(head))
    return head + b"".join(parts)


def unpack(payload: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The inverse of ``pack`` (the browser's decoder does the same in JS)."""
    if payload[:4] != MAGIC:
        raise ValueError("not a gradplay frame")
    (n,) = struct.unpack("<I", payload[4:8])
    header = json.loads(payload[8:8 + n].decode("utf-8"))
    start = 8 + n + _pad8(8 + n)
    blobs = {name: np.frombuffer(payload[start + off:start + off + length], dtype=dtype)
             for name, (off, length, dtype) in header["blobs"].items()}
    return header, blobs
