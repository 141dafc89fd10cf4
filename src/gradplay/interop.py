"""Model files and PyTorch conversion.

Files hold data only, never code: JSON (readable) or NumPy .npz loaded with
``allow_pickle=False``. Both carry a format version and the architecture, and
``load`` checks every field, so a corrupt, truncated, hostile or
wrong-version file gets a clear ``ModelFileError`` instead of running
anything. Limits: a regular file of at most MAX_FILE_BYTES, at most
MAX_PARAMETERS weights, checked from the declared sizes and array headers
before any array is read.

Format versions: 2 adds ``features`` (the input features the model computes
from a point, or null for raw inputs). Files are written as version 2 -- an
older gradplay refuses them rather than feeding raw points to a model that
expects x1², x2² -- and version 1 files still load (no features).
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from pathlib import Path

import numpy as np

from .features import FEATURES
from .files import read_regular, shorten
from .functional import ACTIVATIONS, OUTPUTS
from .nets import ENGINES, INITS, Network, count_weights, make_mlp

__all__ = ["save", "load", "to_dict", "from_dict", "dumps", "loads", "ModelFileError",
           "FORMAT", "FORMAT_VERSION", "to_torch", "from_torch"]

FORMAT = "gradplay-mlp"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_FILE_BYTES = 50_000_000
MAX_UNITS = 4096
MAX_LAYERS = 64
# Weights and biases a model file may hold: 4,000,000 float64 are 32 MB per copy
# (training keeps a few: gradients, optimizer state, the NaN guard's snapshot),
# comfortable on a laptop; as .npz they fit under MAX_FILE_BYTES.
MAX_PARAMETERS = 4_000_000


class ModelFileError(ValueError):
    """A model file that cannot be read, or a model that cannot be written to
    one: says what is wrong with it."""


def _check_finite(model: Network) -> list[tuple[np.ndarray, np.ndarray]]:
    """The model's weights, if every one is a finite number. A NaN or an
    infinity cannot be written as JSON (json.dumps would write a bare NaN,
    which no JSON reader, ``load`` included, accepts), so saving refuses it
    and names the layer and the entry."""
    weights = model.get_weights()
    for i, (W, b) in enumerate(weights):
        for name, a in (("W", W), ("b", b)):
            bad = ~np.isfinite(a)
            if bad.any():
                at = ", ".join(map(str, np.argwhere(bad)[0]))
                raise ModelFileError(f"layer {i}: {name}[{at}] is {a[bad][0]}; a model can be "
                                     "saved only with finite weights (retrain, or load the "
                                     "last good ones)")
    return weights


def to_dict(model: Network) -> dict:
    """The model as plain JSON-ready data (its weights must all be finite)."""
    weights = _check_finite(model)
    return {
        "format": FORMAT, "version": FORMAT_VERSION, "engine": model.engine,
        "sizes": list(model.sizes), "activation": model.activation, "output": model.output,
        "init": model.init, "seed": model.seed,
        "features": None if model.features is None else list(model.features),
        "weights": [{"W": W.tolist(), "b": b.tolist()} for W, b in weights],
    }


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ModelFileError(message)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_header(d, engine: str | None) -> dict:
    """Every field but the weights, checked; returns make_mlp's arguments.

    The parameter cap is checked here, from ``sizes`` alone, so that nothing
    the file declares is allocated before it is known to fit.
    """
    _require(isinstance(d, dict), "the file does not hold a JSON object")
    _require(d.get("format") == FORMAT, f"not a gradplay model file (format should be "
                                        f"{FORMAT!r}, got {shorten(repr(d.get('format')))})")
    version = d.get("version")
    _require(version in READABLE_VERSIONS and not isinstance(version, bool),
             f"unsupported format version {shorten(repr(version))}: this gradplay reads "
             f"versions {', '.join(map(str, READABLE_VERSIONS))}")
    sizes = _check_sizes(d.get("sizes"))
    _require(d.get("activation") in ACTIVATIONS,
             f"'activation' must be one of {', '.join(ACTIVATIONS)}")
    output = d.get("output")
    _require(output in OUTPUTS, f"'output' must be one of {', '.join(OUTPUTS)}")
    _require(output != "softmax" or sizes[-1] >= 2,
             f"'output' softmax needs at least 2 output units, but 'sizes' ends with "
             f"{sizes[-1]} (one unit takes sigmoid or linear)")
    engine = engine or d.get("engine", "tensor")
    _require(engine in ENGINES, f"'engine' must be one of {', '.join(ENGINES)}")
    init = d.get("init", "xavier")
    _require(init in INITS, f"'init' must be one of {', '.join(INITS)}")
    seed = d.get("seed")
    _require(seed is None or (_whole(seed) and 0 <= seed < 2**64),
             "'seed' must be null or a whole number in [0, 2**64 - 1]")
    features = d.get("features") if version >= 2 else None
    _require(features is None or (isinstance(features, list) and len(features) == sizes[0]
                                  and all(isinstance(f, str) and f in FEATURES
                                          for f in features)
                                  and len(set(features)) == len(features)),
             f"'features' must be null or {sizes[0]} different names from "
             f"{', '.join(FEATURES)}")
    return {"sizes": sizes, "activation": d["activation"], "output": output,
            "engine": engine, "init": init, "seed": seed, "features": features}


def _check_sizes(sizes) -> list[int]:
    """'sizes': 2 to MAX_LAYERS + 1 whole numbers in [1, MAX_UNITS], with at
    most MAX_PARAMETERS weights and biases between them."""
    _require(isinstance(sizes, list) and 2 <= len(sizes) <= MAX_LAYERS + 1
             and all(_whole(s) and 1 <= s <= MAX_UNITS for s in sizes),
             f"'sizes' must be a list of 2 to {MAX_LAYERS + 1} whole numbers in "
             f"[1, {MAX_UNITS}]")
    n_params = count_weights(sizes)
    _require(n_params <= MAX_PARAMETERS,
             f"'sizes' {sizes[:8]}{'...' if len(sizes) > 8 else ''} make {n_params:,} "
             f"parameters; the cap is {MAX_PARAMETERS:,} ({MAX_PARAMETERS * 8 / 1e6:g} MB "
             "of float64 per copy of the weights)")
    return sizes


def _check_json_numbers(value, where: str) -> None:
    """Every entry of the nested lists ``value`` is a JSON number: not a
    string ("0.5"), not true/false (NumPy would read them as 0.5, 1.0 and
    0.0 without a word). Names the first entry that is not."""
    stack = [(value, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, list):
            stack.extend((v, f"{at}[{i}]") for i, v in enumerate(item))
        elif type(item) not in (int, float):
            kind = {bool: "true/false", str: "a string", dict: "an object",
                    type(None): "null"}.get(type(item), type(item).__name__)
            raise ModelFileError(f"{at} is {kind} ({shorten(json.dumps(item), 40)}): "
                                 "weights must be numbers")


def _layer(i: int, W, b, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Layer i's (W, b) as float64 arrays of the declared shapes, all finite."""
    try:
        W = np.array(W, dtype=np.float64)
        b = np.array(b, dtype=np.float64)
    except OverflowError:  # a Python int beyond float64, such as 10**400
        raise ModelFileError(f"layer {i}: weights must be finite numbers (one is too large "
                             "for float64)") from None
    except (TypeError, ValueError):
        raise ModelFileError(f"layer {i}: weights must be numbers") from None
    _require(W.shape == (fan_in, fan_out) and b.shape == (fan_out,),
             f"layer {i}: expected W {(fan_in, fan_out)} and b {(fan_out,)}, "
             f"got {W.shape} and {b.shape}")
    _require(bool(np.all(np.isfinite(W)) and np.all(np.isfinite(b))),
             f"layer {i}: weights must be finite numbers")
    return W, b


def _layer_shapes(sizes: list[int]):
    return list(enumerate(zip(sizes[:-1], sizes[1:])))


def _build(spec: dict, pairs: list) -> Network:
    seed = spec["seed"]
    model = make_mlp(spec["sizes"], activation=spec["activation"], output=spec["output"],
                     engine=spec["engine"], seed=0 if seed is None else seed, init=spec["init"],
                     features=spec["features"])
    model.set_weights(pairs)
    return model


def from_dict(d, engine: str | None = None) -> Network:
    """Rebuild a model from ``to_dict`` data, validating every field."""
    spec = _check_header(d, engine)
    sizes = spec["sizes"]
    weights = d.get("weights")
    _require(isinstance(weights, list) and len(weights) == len(sizes) - 1,
             f"'weights' must list {len(sizes) - 1} layers")
    pairs = []
    for i, (fan_in, fan_out) in _layer_shapes(sizes):
        layer = weights[i]
        _require(isinstance(layer, dict) and "W" in layer and "b" in layer,
                 f"layer {i}: needs 'W' and 'b'")
        for name in ("W", "b"):
            _check_json_numbers(layer[name], f"layer {i}: {name}")
        pairs.append(_layer(i, layer["W"], layer["b"], fan_in, fan_out))
    return _build(spec, pairs)


def dumps(model: Network) -> str:
    """The model as a JSON string (strict JSON: no NaN or Infinity)."""
    return json.dumps(to_dict(model), indent=1, allow_nan=False)


def _parse_json(text: str):
    """JSON with no NaN/Infinity and no giant integers.

    An integer literal longer than 20 digits is read as a float (10**400
    becomes inf), so it fails the field's own check ("weights must be finite",
    "'seed' must be a whole number") instead of Python's 4300-digit limit.
    """
    def no_constants(name):
        raise ModelFileError(f"the file holds {name}, which is not a finite number")
    try:
        return json.loads(text, parse_constant=no_constants,
                          parse_int=lambda s: int(s) if len(s) <= 20 else float(s))
    except json.JSONDecodeError as e:
        raise ModelFileError(f"not valid JSON (line {e.lineno}, column {e.colno}): "
                             f"{e.msg}") from None
    except RecursionError:
        raise ModelFileError("the JSON is nested too deeply") from None


def loads(text, engine: str | None = None) -> Network:
    """A model from a JSON string or bytes. A UTF-8 byte order mark in front
    (what some Windows editors write, and what CSV files may carry too) is
    skipped."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    text = text.removeprefix("\ufeff")
    _require(len(text) <= MAX_FILE_BYTES, "the file is too large to be a gradplay model")
    return from_dict(_parse_json(text), engine)


def _npz_bytes(model: Network) -> bytes:
    d = to_dict(model)
    header = {k: v for k, v in d.items() if k != "weights"}
    arrays = {"header": np.array(json.dumps(header))}
    for i, (W, b) in enumerate(model.get_weights()):
        arrays[f"W{i}"], arrays[f"b{i}"] = W, b
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# ---------------------------------------------------------------------- .npz, safely
# An .npz is a zip of .npy members. Each member's small header declares its
# dtype and shape; np.load would allocate whatever that says (a 526-byte file
# can declare 100000 x 100000). So: bound the zip's directory, read only the
# member headers, compare them with 'sizes', and only then read the arrays.
MAX_ZIP_DIRECTORY = 64 * 1024   # bytes of central directory: room for ~1,000 members
MAX_HEADER_MEMBER = 64 * 1024   # bytes of the JSON header member


def _check_zip_directory(raw: bytes) -> None:
    """zipfile reads the whole central directory into objects on opening:
    bound its size first (and refuse ZIP64, which np.savez files this small
    never need)."""
    end = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 65_557))
    _require(end >= 0 and end + 22 <= len(raw), "not a readable gradplay .npz file (no zip "
                                                "directory)")
    _require(raw[max(0, end - 20):end - 16] != b"PK\x06\x07",
             "not a gradplay .npz file (ZIP64 archive)")
    (directory_bytes,) = struct.unpack_from("<I", raw, end + 12)
    _require(directory_bytes <= MAX_ZIP_DIRECTORY, f"not a gradplay .npz file: its zip "
                                                   f"directory is {directory_bytes:,} bytes")


def _npy_header(z: zipfile.ZipFile, member: str):
    """(shape, dtype) that an .npy member declares, reading only its header."""
    _require(member in z.namelist(), f"the .npz has no array {member[:-4]}")
    with z.open(member) as f:
        version = np.lib.format.read_magic(f)
        _require(version in ((1, 0), (2, 0)), f"{member}: unsupported .npy version {version}")
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _fortran_order, dtype = read(f)
    return shape, dtype


def _npy_array(z: zipfile.ZipFile, name: str, shape: tuple) -> np.ndarray:
    """Member ``name`` read only if its header declares ``shape`` and plain numbers."""
    declared, dtype = _npy_header(z, name + ".npy")
    _require(declared == shape, f"array {name}: expected shape {shape} (from 'sizes'), "
                                f"the file declares {declared}")
    _require(dtype.kind in "fiu" and not dtype.hasobject,
             f"array {name}: expected numbers, the file declares dtype {dtype}")
    with z.open(name + ".npy") as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _from_npz(raw: bytes, engine: str | None) -> Network:
    _check_zip_directory(raw)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            _require("header.npy" in z.namelist(), "the .npz has no header")
            info = z.getinfo("header.npy")
            _require(info.file_size <= MAX_HEADER_MEMBER,
                     f"the .npz header is {info.file_size:,} bytes, over "
                     f"{MAX_HEADER_MEMBER:,}")
            shape, dtype = _npy_header(z, "header.npy")
            _require(shape == () and dtype.kind == "U", "the .npz header is not a text")
            with z.open("header.npy") as f:
                header = _parse_json(str(np.lib.format.read_array(f, allow_pickle=False)))
            spec = _check_header(header, engine)
            pairs = [_layer(i, _npy_array(z, f"W{i}", (fan_in, fan_out)),
                            _npy_array(z, f"b{i}", (fan_out,)), fan_in, fan_out)
                     for i, (fan_in, fan_out) in _layer_shapes(spec["sizes"])]
    except ModelFileError:
        raise
    # NotImplementedError: zipfile's answer to a compression method it lacks
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError,
            NotImplementedError) as e:
        raise ModelFileError(f"not a readable gradplay .npz file ({type(e).__name__}: "
                             f"{str(e)[:120]})") from None
    return _build(spec, pairs)


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
    raw = read_regular(path, MAX_FILE_BYTES, ModelFileError, "model file")
    if raw[:2] == b"PK":  # a zip archive: .npz
        return _from_npz(raw, engine)
    return loads(raw, engine)


# ---------------------------------------------------------------------- PyTorch
_TORCH_ACT = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU",
              "softplus": "Softplus", "softmax": "Softmax"}


def to_torch(model: Network):
    """A ``torch.nn.Sequential`` (float64) computing exactly ``model.predict``
    on the input matrix ``model.input_matrix(X)`` (for a model built on features,
    the features, not the raw points).

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
