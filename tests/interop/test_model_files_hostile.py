"""Model files from strangers: every hostile file gets a ModelFileError that
names the field, before anything it declares is allocated.

Files that could allocate (declared shapes, deflate bombs) or block (FIFOs,
devices) are loaded in a child process with a 1 GiB memory cap and a time
limit: a regression fails with MemoryError or a timeout, not a dead machine.
"""

import io
import json
import os
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradplay import interop, make_mlp
from gradplay.interop import MAX_PARAMETERS, ModelFileError

MODEL = make_mlp([2, 3, 1], seed=0)


def _header(**changes) -> dict:
    d = {k: v for k, v in interop.to_dict(MODEL).items() if k != "weights"}
    return {**d, **changes}


def _npy_header(shape, descr="<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _write_npz(path, header: dict, members: dict) -> None:
    """An .npz like np.savez writes: header.npy (JSON text) plus given members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.npy", _npy(np.array(json.dumps(header))))
        for name, data in members.items():
            z.writestr(name, data)


def _valid_members() -> dict:
    members = {}
    for i, (W, b) in enumerate(MODEL.get_weights()):
        members[f"W{i}.npy"], members[f"b{i}.npy"] = _npy(W), _npy(b)
    return members


def _load_in_child(in_capped_child, path) -> dict:
    return in_capped_child(f"""
        from gradplay import interop
        model = interop.load({str(path)!r})
        result = {{'loaded': model.sizes}}
    """, timeout=60)


# ---------------------------------------------------------------- declared sizes
def test_declared_shapes_are_checked_before_any_array_is_read(tmp_path, in_capped_child):
    path = tmp_path / "liar.npz"           # ~1 KB declaring 74.5 GiB
    _write_npz(path, _header(), {**_valid_members(), "W0.npy": _npy_header((100_000, 100_000))})
    assert path.stat().st_size < 2000
    result = _load_in_child(in_capped_child, path)
    assert result == {"error": "ModelFileError", "message": "array W0: expected shape (2, 3) "
                      "(from 'sizes'), the file declares (100000, 100000)"}


@pytest.fixture(scope="module")
def deflate_bomb() -> tuple[bytes, bytes]:
    """A W0.npy member: a header declaring 20000 x 20000 float64 (3.2 GB) and
    1.5 GiB of zeros, deflated to ~1.5 MB. After a full flush a deflate
    stream starts afresh, so one compressed 16 MiB block of zeros can be
    repeated: building the bomb takes 0.1 s, not the 6 s of compressing it."""
    header = _npy_header((20_000, 20_000))
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = squeeze.compress(header) + squeeze.flush(zlib.Z_FULL_FLUSH)
    zeros = squeeze.compress(bytes(16 << 20)) + squeeze.flush(zlib.Z_FULL_FLUSH)
    deflated = start + zeros * 96 + squeeze.flush()
    first = zlib.decompressobj(-15).decompress(deflated, 64 << 20)
    assert first[:len(header)] == header and first.count(0) == len(first) - len(header) + \
        header.count(0)
    return header, deflated


def _write_bomb(path, header: dict, bomb) -> None:
    npy_header, deflated = bomb
    buf = io.BytesIO()
    _write_npz(buf, header, {k: v for k, v in _valid_members().items() if k != "W0.npy"})
    size = len(npy_header) + 96 * (16 << 20)
    path.write_bytes(_with_raw_member(buf.getvalue(), "W0.npy", deflated, size, crc=0))


def _with_raw_member(archive: bytes, name: str, deflated: bytes, size: int, crc: int) -> bytes:
    """``archive`` plus a member whose deflated bytes are given as they are."""
    import struct
    end = archive.rfind(b"PK\x05\x06")
    (entries, directory_size, directory_at) = struct.unpack_from("<HII", archive, end + 10)
    body, directory = archive[:directory_at], archive[directory_at:end]
    fname = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(deflated),
                        size, len(fname), 0) + fname
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                          len(deflated), size, len(fname), 0, 0, 0, 0, 0, len(body)) + fname
    new_directory = directory + central
    body += local + deflated
    tail = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries + 1, entries + 1,
                       len(new_directory), len(body), 0)
    return body + new_directory + tail


@pytest.mark.parametrize("header, message", [
    (_header(), r"^array W0: expected shape \(2, 3\) \(from 'sizes'\), the file declares "
                r"\(20000, 20000\)$"),
    (_header(sizes=[2, 4096, 4096, 4096, 1]), r"make 33,579,009 parameters; the cap is "
                                             r"4,000,000 \(32 MB"),
])
def test_a_deflate_bomb_is_refused_without_inflating_it(tmp_path, in_capped_child,
                                                        deflate_bomb, header, message):
    path = tmp_path / "bomb.npz"
    _write_bomb(path, header, deflate_bomb)
    assert path.stat().st_size < 5_000_000
    result = _load_in_child(in_capped_child, path)
    assert result["error"] == "ModelFileError"
    assert __import__("re").search(message, result["message"]), result


def test_the_parameter_cap_fits_a_laptop_and_is_stated_in_the_error():
    d = {**_header(sizes=[2] + [4096] * 63 + [1]), "weights": []}
    with pytest.raises(ModelFileError, match=rf"the cap is {MAX_PARAMETERS:,} \(32 MB of "
                                             r"float64 per copy"):
        interop.from_dict(d)
    assert MAX_PARAMETERS * 8 <= 64 * 2**20


def test_a_model_at_the_parameter_cap_round_trips(tmp_path):
    model = make_mlp([2, 1990, 1990, 1], seed=1)             # 3.97 M parameters
    assert 3_900_000 < sum(W.size + b.size for W, b in model.get_weights()) <= MAX_PARAMETERS
    back = interop.load(interop.save(model, tmp_path / "big.npz"))
    np.testing.assert_array_equal(back.get_weights()[1][0], model.get_weights()[1][0])


def test_a_huge_zip_directory_is_refused_before_zipfile_reads_it(tmp_path):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("header.npy", _npy(np.array(json.dumps(_header()))))
        for i in range(3000):
            z.writestr(f"junk{i}", b"")
    with pytest.raises(ModelFileError, match=r"its zip directory is [\d,]+ bytes"):
        interop.load(path)


@pytest.mark.parametrize("descr", ["|O", "<c16", "|S8", "<U4"])
def test_arrays_must_declare_plain_numbers(tmp_path, descr):
    path = tmp_path / "odd.npz"
    _write_npz(path, _header(), {**_valid_members(), "b0.npy": _npy_header((3,), descr)})
    with pytest.raises(ModelFileError, match=r"array b0: expected numbers, the file declares "
                                             r"dtype"):
        interop.load(path)


# ---------------------------------------------------------------- files
@pytest.mark.parametrize("kind", ["dev-zero", "symlink-to-dev-zero", "fifo", "directory"])
def test_only_regular_files_are_loaded(tmp_path, kind, in_capped_child):
    path = {"dev-zero": "/dev/zero", "directory": str(tmp_path)}.get(kind,
                                                                   str(tmp_path / "m.npz"))
    if kind == "symlink-to-dev-zero":
        os.symlink("/dev/zero", path)
    elif kind == "fifo":
        os.mkfifo(path)
    result = _load_in_child(in_capped_child, path)
    assert result["error"] == "ModelFileError"
    assert result["message"].endswith("is not a regular file (a directory, device, pipe or "
                                      "socket); give the path of a model file on disk")


# ---------------------------------------------------------------- fields
def _json_with(literal: str | None = None, where=None, **changes) -> str:
    """The model's JSON with fields changed, and optionally the number at
    ``where`` (a function of the dict that sets a marker) written as ``literal``."""
    d = {**interop.to_dict(MODEL), **changes}
    if where is not None:
        where(d, 424242.5)
        return json.dumps(d).replace("424242.5", literal, 1)
    return json.dumps(d)


def _set_w(d, v):
    d["weights"][0]["W"][0][0] = v


def _set_b(d, v):
    d["weights"][1]["b"][0] = v


def _set(key):
    return lambda d, v: d.__setitem__(key, v)


@pytest.mark.parametrize("text, message", [
    (_json_with("1" + "0" * 400, _set_w), r"^layer 0: weights must be finite numbers$"),
    (_json_with("-1e400", _set_b), r"^layer 1: weights must be finite numbers$"),
    (_json_with("7" * 5000, _set_w), r"^layer 0: weights must be finite numbers$"),
    (_json_with(seed=-1), r"^'seed' must be null or a whole number in \[0, 2\*\*64 - 1\]$"),
    (_json_with(seed=1.5), r"^'seed' must be"),
    (_json_with(seed=True), r"^'seed' must be"),
    (_json_with("9" * 5000, _set("seed")), r"^'seed' must be"),
    (_json_with(sizes=[2, 3, 10**30]), r"^'sizes' must be a list"),
    (_json_with("1" * 5000, lambda d, v: d["sizes"].__setitem__(2, v)),
     r"^'sizes' must be a list"),
    (_json_with(output="softmax"), r"^'output' softmax needs at least 2 output units, but "
                                   r"'sizes' ends with 1"),
    (_json_with("9" * 5000, _set("version")), r"^unsupported format version inf"),
])
def test_bad_numbers_are_model_file_errors_naming_the_field(text, message):
    with pytest.raises(ModelFileError, match=message):
        interop.loads(text)


def test_python_numbers_beyond_float64_name_the_layer():
    d = interop.to_dict(MODEL)
    d["weights"][1]["W"][0][0] = 10**400
    with pytest.raises(ModelFileError, match=r"^layer 1: weights must be finite numbers"):
        interop.from_dict(d)


def test_npz_header_fields_are_checked_like_json(tmp_path):
    for changes, message in (({"seed": -1}, "'seed' must be"),
                             ({"output": "softmax"}, "'output' softmax needs"),
                             ({"sizes": [2, 3, "1"]}, "'sizes' must be")):
        path = tmp_path / "h.npz"
        _write_npz(path, _header(**changes), _valid_members())
        with pytest.raises(ModelFileError, match=message):
            interop.load(path)


# ---------------------------------------------------------------- D2 and friends
@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_model_with_non_finite_weights_is_not_saved(tmp_path, suffix, bad):
    """D2: set_weights took NaN, save wrote a bare NaN (not JSON) and reported
    success, and load refused the file it wrote. Now save refuses, naming the
    layer and the entry, and writes nothing."""
    model = make_mlp([2, 3, 1], seed=0)
    weights = model.get_weights()
    weights[1][0][2, 0] = bad
    model.set_weights(weights)
    path = tmp_path / f"m{suffix}"
    with pytest.raises(ModelFileError, match=rf"^layer 1: W\[2, 0\] is {bad}; a model can be "
                                             "saved only with finite weights"):
        interop.save(model, path)
    assert not path.exists()
    with pytest.raises(ModelFileError, match="^layer 1: W"):
        interop.dumps(model)


def test_a_bias_that_is_not_finite_is_named_too():
    model = make_mlp([2, 3, 1], seed=0)
    weights = model.get_weights()
    weights[0][1][1] = np.nan
    model.set_weights(weights)
    with pytest.raises(ModelFileError, match=r"^layer 0: b\[1\] is nan"):
        interop.to_dict(model)


def test_what_save_writes_is_strict_json_that_load_reads_back(tmp_path):
    path = interop.save(make_mlp([2, 4, 3], "relu", "softmax", seed=2), tmp_path / "m.json")
    json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"{name} written"))
    assert interop.load(path).sizes == [2, 4, 3]


def test_a_utf8_byte_order_mark_is_skipped(tmp_path):
    """Some editors write one in front of JSON; CSV files are read with one too."""
    text = interop.dumps(MODEL)
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    X = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_array_equal(interop.load(path).predict(X), MODEL.predict(X))
    np.testing.assert_array_equal(interop.loads("\ufeff" + text).predict(X), MODEL.predict(X))


@pytest.mark.parametrize("where, value, says", [
    (("W", 0, 1), "0.5", r"layer 0: W\[0\]\[1\] is a string \(\"0.5\"\)"),
    (("W", 1, 2), True, r"layer 0: W\[1\]\[2\] is true/false \(true\)"),
    (("W", 0, 0), False, r"layer 0: W\[0\]\[0\] is true/false"),
    (("b", 2), "1", r"layer 0: b\[2\] is a string"),
    (("W", 0, 0), None, r"layer 0: W\[0\]\[0\] is null"),
    (("W", 0, 0), {"a": 1}, r"layer 0: W\[0\]\[0\] is an object"),
])
def test_weights_written_as_strings_or_booleans_are_refused_naming_where(where, value, says):
    """NumPy read "0.5" as 0.5 and true as 1.0 without a word."""
    d = interop.to_dict(MODEL)
    name, *index = where
    target = d["weights"][0][name]
    for i in index[:-1]:
        target = target[i]
    target[index[-1]] = value
    with pytest.raises(ModelFileError, match=says + ".*: weights must be numbers$"):
        interop.loads(json.dumps(d))


def test_whole_numbers_are_numbers():
    d = interop.to_dict(MODEL)
    d["weights"][0]["W"][0][0] = 1
    assert interop.from_dict(d).get_weights()[0][0][0, 0] == 1.0


# ---------------------------------------------------------------- fuzzing
GOOD_JSON = interop.dumps(MODEL).encode()
GOOD_NPZ = interop._npz_bytes(MODEL)


def _mutated(raw: bytes, data) -> bytes:
    raw = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    return bytes(raw[:data.draw(st.integers(1, len(raw)))])


@settings(max_examples=250, deadline=None)
@given(st.data(), st.sampled_from([GOOD_JSON, GOOD_NPZ]))
def test_any_damaged_file_loads_or_gives_a_model_file_error(tmp_path_factory, data, good):
    path = tmp_path_factory.mktemp("fuzz") / "m"
    path.write_bytes(_mutated(good, data))
    try:
        model = interop.load(path)
    except ModelFileError as e:
        assert str(e)
    else:
        assert all(np.isfinite(W).all() for W, _ in model.get_weights())
