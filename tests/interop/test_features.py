"""Saved models know their input features; version-1 files still load."""

import json

import numpy as np
import pytest

from gradplay import interop, make_mlp
from gradplay.interop import ModelFileError

X = np.random.default_rng(0).uniform(-1, 1, size=(20, 2))     # raw points


@pytest.mark.parametrize("suffix", [".json", ".npz"])
@pytest.mark.parametrize("engine", ["scalar", "tensor", "manual"])
def test_features_and_no_hidden_layer_survive_save_and_load(tmp_path, suffix, engine):
    model = make_mlp([3, 1], "tanh", "sigmoid", engine=engine, seed=5,
                     features=("x1sq", "x2sq", "sinx1"))
    back = interop.load(interop.save(model, tmp_path / f"m{suffix}"))
    assert back.features == model.features and back.sizes == [3, 1] and back.engine == engine
    np.testing.assert_array_equal(back.predict(X), model.predict(X))   # raw points in


def test_files_are_version_2_and_version_1_files_still_load():
    model = make_mlp([2, 3, 1], seed=1)
    d = interop.to_dict(model)
    assert d["version"] == 2 and d["features"] is None
    d.pop("features")
    d["version"] = 1                                # a file from before features existed
    old = interop.from_dict(d)
    assert old.features is None
    np.testing.assert_array_equal(old.predict(X), model.predict(X))


@pytest.mark.parametrize("features", [["x1sq"], ["x1sq", "x1sq"], ["x1", "cosx"], "x1x2",
                                      [["x1"], "x2"], [1, 2]])
def test_bad_features_in_a_file_are_a_model_file_error(features):
    d = interop.to_dict(make_mlp([2, 1], features=("x1sq", "x2sq")))
    d["features"] = features
    with pytest.raises(ModelFileError, match="'features' must be null or 2 different names"):
        interop.loads(json.dumps(d))


def test_a_newer_version_is_refused_by_name():
    d = interop.to_dict(make_mlp([2, 1]))
    d["version"] = 3
    with pytest.raises(ModelFileError, match="unsupported format version 3: this gradplay "
                                             "reads versions 1, 2"):
        interop.from_dict(d)
