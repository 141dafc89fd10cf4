"""Model files and PyTorch conversion.

Files hold data only, never code: JSON (readable) or NumPy .npz loaded with
``allow_pickle=False``. Both carry a format version and the architecture, and
``load`` checks every field, so a corrupt, truncated, hostile or
wrong-version file gets a clear ``ModelFileError`` instead of running
anything.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np

from .functional import ACTIVATIONS, OUTPUTS
from .nets import ENGINES, INITS, Network, make_mlp

__all__ = ["save", "load", "to_dict", "from_dict", "dumps", "loads", "ModelFileError",
           "FORMAT", "FORMAT_VERSION", "to_torch", "from_torch"]

FORMAT = "gradplay-mlp"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 50_000_000
MAX_UNITS = 4096
MAX_LAYERS = 64


class ModelFileError(ValueError):
    """A model file that cannot be read: says what is wrong with it."""


def to_dict(model: Network) -> dict:
    """The model as plain JSON-ready data."""
    return {
        "format": FORMAT, "version": FORMAT_VERSION, "engine": model.engine,
        "sizes": model.sizes, "activation": model.activation, "output": model.output,
        "init": model.init, "seed": model.seed,
        "weights": [{"W": W.tolist(), "b": b.tolist()} for W, b in model.get_weights()],
    }


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ModelFileError(message)


def from_dict(d, engine: str | None = None) -> Network:
    """Rebuild a model from ``to_dict`` data, validating every field."""
    _require(isinstance(d, dict), "the file does not hold a JSON object")
    _require(d.get("format") == FORMAT, f"not a gradplay model file (format should be "
                                        f"{FORMAT!r}, got {d.get('format')!r})")
    version = d.get("version")
    _require(version == FORMAT_VERSION, f"unsupported format version {version!r}: this "
                                        f"gradplay reads version {FORMAT_VERSION}")
    sizes = d.get("sizes")
    _require(isinstance(sizes, list) and 2 <= len(sizes) <= MAX_LAYERS + 1
             and all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_UNITS
                     for s in sizes),
             f"'sizes' must be a list of 2 to {MAX_LAYERS + 1} whole numbers in "
             f"[1, {MAX_UNITS}]")
    _require(d.get("activation") in ACTIVATIONS,
             f"'activation' must be one of {', '.join(ACTIVATIONS)}")
    _require(d.get("output") in OUTPUTS, f"'output' must be one of {', '.join(OUTPUTS)}")
    engine = engine or d.get("engine", "tensor")
    _require(engine in ENGINES, f"'engine' must be one of {', '.join(ENGINES)}")
    init = d.get("init", "xavier")
    _require(init in INITS, f"'init' must be one of {', '.join(INITS)}")
    weights = d.get("weights")
    _require(isinstance(weights, list) and len(weights) == len(sizes) - 1,
             f"'weights' must list {len(sizes) - 1} layers")
    pairs = []
    for i, (layer, fan_in, fan_out) in enumerate(zip(weights, sizes[:-1], sizes[1:])):
        _require(isinstance(layer, dict) and "W" in layer and "b" in layer,
                 f"layer {i}: needs 'W' and 'b'")
        try:
            W = np.array(layer["W"], dtype=np.float64)
            b = np.array(layer["b"], dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelFileError(f"layer {i}: weights must be numbers") from None
        _require(W.shape == (fan_in, fan_out) and b.shape == (fan_out,),
                 f"layer {i}: expected W {(fan_in, fan_out)} and b {(fan_out,)}, "
                 f"got {W.shape} and {b.shape}")
        _require(bool(np.all(np.isfinite(W)) and np.all(np.isfinite(b))),
                 f"layer {i}: weights must be finite numbers")
        pairs.append((W, b))
    seed = d.get("seed")
    model = make_mlp(sizes, activation=d["activation"], output=d["output"], engine=engine,
                     seed=seed if isinstance(seed, int) else 0, init=init)
    model.set_weights(pairs)
    return model


def dumps(model: Network) -> str:
    """The model as a JSON string."""
    return json.dumps(to_dict(model), indent=1)


def loads(text, engine: str | None = None) -> Network:
    """A model from a JSON string or bytes."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    _require(len(text) <= MAX_FILE_BYTES, "the file is too large to be a gradplay model")

    def no_constants(name):
        raise ModelFileError(f"the file holds {name}, which is not a finite number")
    try:
        data = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        raise ModelFileError(f"not valid JSON (line {e.lineno}, column {e.colno}): "
                             f"{e.msg}") from None
    except RecursionError:
        raise ModelFileError("the JSON is nested too deeply") from None
    return from_dict(data, engine)


def _npz_bytes(model: Network) -> bytes:
    d = to_dict(model)
    header = {k: v for k, v in d.items() if k != "weights"}
    arrays = {"header": np.array(json.dumps(header))}
    for i, (W, b) in enumerate(model.get_weights()):
        arrays[f"W{i}"], arrays[f"b{i}"] = W, b
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _from_npz(raw: bytes, engine: str | None) -> Network:
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            _require(isinstance(header, dict), "the .npz header is not a JSON object")
            n = len(header.get("sizes") or []) - 1
            header["weights"] = [{"W": z[f"W{i}"], "b": z[f"b{i}"]} for i in range(max(n, 0))]
    except ModelFileError:
        raise
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise ModelFileError(f"not a readable gradplay .npz file ({type(e).__name__}: "
                             f"{str(e)[:120]})") from None
    return from_dict(header, engine)


def save(model: Network, path) -> Path:
    """Write the model to ``path``: .npz for NumPy's format, anything else JSON."""
    path = Path(path)
    if path.suffix == ".npz":
        path.write_bytes(_npz_bytes(model))
    else:
        path.write_text(dumps(model), encoding="utf-8")
    return path


def load(path, engine: str | None = None) -> Network:
    """Read a model written by ``save`` (JSON or .npz, told apart by content)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        _require(size <= MAX_FILE_BYTES, f"{path.name} is {size:,} bytes: too large to be a "
                                         "gradplay model")
        raw = path.read_bytes()
    except OSError as e:
        raise ModelFileError(f"cannot read {path}: {e.strerror}") from None
    if raw[:2] == b"PK":  # a zip archive: .npz
        return _from_npz(raw, engine)
    return loads(raw, engine)


# ---------------------------------------------------------------------- PyTorch
_TORCH_ACT = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU",
              "softplus": "Softplus", "softmax": "Softmax"}


def to_torch(model: Network):
    """A ``torch.nn.Sequential`` (float64) computing exactly ``model.predict``.

    nn.Linear stores its weight as (fan_out, fan_in), the transpose of ours.
    """
    import torch
    from torch import nn
    layers = []
    last = len(model.weights) - 1
    for i, (W, b) in enumerate(model.get_weights()):
        lin = nn.Linear(W.shape[0], W.shape[1]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        name = model.output if i == last else model.activation
        if name == "softmax":
            layers.append(nn.Softmax(dim=1))
        elif name == "leaky_relu":
            layers.append(nn.LeakyReLU(0.01))
        elif name != "linear":
            layers.append(getattr(nn, _TORCH_ACT[name])())
    return nn.Sequential(*layers)


def from_torch(sequential, engine: str = "tensor") -> Network:
    """A gradplay model from a ``torch.nn.Sequential`` of Linear layers and
    supported activations (the inverse of ``to_torch``)."""
    from torch import nn
    names = {v: k for k, v in _TORCH_ACT.items()}
    linears, acts = [], []
    for module in sequential:
        if isinstance(module, nn.Linear):
            if len(acts) < len(linears):
                acts.append("linear")
            linears.append(module)
        else:
            kind = type(module).__name__
            if kind not in names:
                raise ValueError(f"from_torch: unsupported layer {kind}; supported: Linear, "
                                 f"{', '.join(names)}")
            if isinstance(module, nn.LeakyReLU) and not math.isclose(module.negative_slope, 0.01):
                raise ValueError("from_torch: LeakyReLU must have negative_slope 0.01")
            acts.append(names[kind])
    if len(acts) < len(linears):
        acts.append("linear")
    if not linears:
        raise ValueError("from_torch: the model has no Linear layers")
    hidden = set(acts[:-1])
    if len(hidden) > 1 or "softmax" in hidden:
        raise ValueError(f"from_torch: hidden layers must share one activation, got {acts[:-1]}")
    sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
    model = make_mlp(sizes, activation=hidden.pop() if hidden else "tanh", output=acts[-1],
                     engine=engine)
    model.set_weights([(lin.weight.detach().double().numpy().T, lin.bias.detach().double()
                        .numpy()) for lin in linears])
    return model
