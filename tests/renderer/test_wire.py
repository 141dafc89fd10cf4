"""The wire format, both ends: bytes packed by Python (viz.frames) decode in
the renderer's own JavaScript (frame.js, run by node) to the same numbers, and
every renderer module and host bundle parses."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from gradplay import renderer
from gradplay.config import RunConfig
from gradplay.live import LiveSession
from gradplay.viz.frames import pack, unpack

NODE = shutil.which("node")
HERE = Path(__file__).parent
pytestmark = [pytest.mark.skipif(NODE is None, reason="node is not installed"),
              pytest.mark.timeout(120)]


def node(*args) -> subprocess.CompletedProcess:
    return subprocess.run([NODE, *args], capture_output=True, text=True, timeout=60)


def decoded(tmp_path, frames: list[bytes]) -> list[dict]:
    paths = []
    for k, data in enumerate(frames):
        paths.append(tmp_path / f"frame{k}.bin")
        paths[-1].write_bytes(data)
    done = node(str(HERE / "decode.mjs"), *map(str, paths))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_live_frame_decodes_in_javascript_to_the_same_numbers(tmp_path):
    s = LiveSession(RunConfig(samples=80, hidden=(5, 3), features=("x1", "x2", "x1sq")))
    s.advance(3, budget=10)
    frames = [s.frame(seq=1, static=True), s.frame(seq=2, since_epoch=1)]
    for data, js in zip(frames, decoded(tmp_path, frames)):
        header, blobs = unpack(data)
        assert js["header"] == header                  # the JSON header, every field
        assert set(js["blobs"]) == set(blobs)
        for name, arr in blobs.items():
            kind = {"uint8": "Uint8Array", "float32": "Float32Array", "float64": "Float64Array"}
            assert js["blobs"][name]["type"] == kind[arr.dtype.name], name
            np.testing.assert_array_equal(np.array(js["blobs"][name]["values"], arr.dtype), arr)
        # the accessors index the flat blobs as frames.network_numbers lays them out
        W = s.model.get_weights()
        acc = js["accessors"]
        assert acc["weight"] == pytest.approx(float(np.float32(W[-1][0][-1, -1])))
        assert acc["bias"] == pytest.approx(float(np.float32(W[0][1][-1])))
        shown = header["layers"][1]["shown"]
        m = header["map_res"] ** 2
        first = sum(layer["shown"] for layer in header["layers"][:1])
        np.testing.assert_array_equal(acc["map"],
                                      blobs["maps"][(first + shown - 1) * m:(first + shown) * m])


def test_odd_sizes_and_every_dtype_survive_the_padding(tmp_path):
    blobs = {"p": np.arange(3, dtype=np.uint8), "q": np.array([1.5, -2.25], np.float32),
             "r": np.array([np.pi, -1e300], np.float64), "s": np.zeros(0, np.uint8),
             "t": np.arange(5, dtype=np.float32)}
    header = {"seq": 1, "run": "r", "sizes": [2, 1], "layers": [{"shown": 0}, {"shown": 0}],
              "map_res": 1, "note": "ünïcode ∂L/∂w"}
    js = decoded(tmp_path, [pack(header, blobs)])[0]
    assert js["header"]["note"] == "ünïcode ∂L/∂w"
    for name, arr in blobs.items():
        np.testing.assert_array_equal(js["blobs"][name]["values"], arr)


@pytest.mark.parametrize("host", sorted(renderer.HOSTS))
def test_each_host_bundle_is_one_es_module_that_parses(tmp_path, host):
    if not (renderer.HERE / renderer.HOSTS[host]).exists():
        pytest.skip(f"no {renderer.HOSTS[host]} yet")
    path = tmp_path / f"{host}.mjs"
    path.write_text(renderer.bundle(host))
    done = node("--check", str(path))
    assert done.returncode == 0, done.stderr
    assert "import {" not in renderer.bundle(host)          # the modules' imports are gone
    assert renderer.bundle(host).count("export default") == 1


def test_every_module_imports_in_node_with_single_line_imports():
    for name in renderer.MODULES:
        text = (renderer.HERE / name).read_text()
        imports = [line for line in text.splitlines() if line.startswith("import")]
        assert all(line.endswith('.js";') for line in imports), name
        done = node("--input-type=module", "-e", f'await import("{renderer.HERE / name}");')
        assert done.returncode == 0, (name, done.stderr)
