"""RunConfig: one vocabulary for the URL, the CLI, the presets and build_run."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradplay.config import (FIELDS, PRESETS, RunConfig, build_run, head_for, reset_fields)
from gradplay.train import fit


def test_every_field_has_a_rule_and_every_rule_a_field():
    assert [f.name for f in dataclasses.fields(RunConfig)] == list(FIELDS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_round_trip_through_the_query_string(name):
    cfg = PRESETS[name]
    back, notes = RunConfig.from_query(cfg.to_query())
    assert back == cfg and notes == []


def test_a_preset_with_overrides():
    cfg, notes = RunConfig.from_query({"preset": "mlp-play", "epochs": "3000"})
    assert notes == [] and cfg.lr == 5.0 and cfg.epochs == 3000 and cfg.hidden == (4,)


def test_any_learning_rate_in_range_not_only_a_list():
    cfg, notes = RunConfig.from_query({"lr": "0.0123"})
    assert cfg.lr == 0.0123 and notes == []


@pytest.mark.parametrize("params,field,allowed", [
    ({"lr": "0"}, "lr", "must be a number > 0; got 0"),
    ({"lr": "nan"}, "lr", "must be a number > 0; got nan"),
    ({"hidden": "100000,100000"}, "hidden", "[1, 256]"),
    ({"samples": "2.5"}, "samples", "whole number"),
    ({"dataset": "[x](https://evil.example/)"}, "dataset", "one of moons"),
    ({"preset": "nope"}, "preset", "the presets are"),
    ({"dataset": "moons", "classes": "3"}, "classes", "spiral and gaussians"),
    ({"output": "linear", "loss": "bce"}, "output/loss", "needs output 'sigmoid'"),
])
def test_a_bad_value_is_not_used_and_the_note_names_the_field(params, field, allowed):
    cfg, notes = RunConfig.from_query(params)
    assert len(notes) == 1 and notes[0].startswith(field) and allowed in notes[0]
    assert cfg == RunConfig()      # the default stays where the value was bad


def test_constructing_a_bad_config_raises_naming_the_field():
    with pytest.raises(ValueError, match=r"^lr must be a number > 0; got -1.0"):
        RunConfig(lr=-1.0)
    with pytest.raises(ValueError, match="^hidden must be"):
        RunConfig(hidden=(0,))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(FIELDS) + ["preset", "zzz"]),
                       st.text(max_size=30) | st.sampled_from(["1", "0.1", "8,8", "moons", "0"])))
def test_any_query_string_gives_a_valid_config_or_notes(params):
    cfg, notes = RunConfig.from_query(params)
    assert isinstance(cfg, RunConfig) and isinstance(notes, list)
    assert RunConfig.from_query(cfg.to_query()) == (cfg, [])


@pytest.mark.parametrize("classes,output,loss,expected", [
    (0, "auto", "auto", ("linear", "mse", 1)),
    (2, "auto", "auto", ("sigmoid", "bce", 1)),
    (2, "sigmoid", "mse", ("sigmoid", "mse", 1)),
    (2, "softmax", "auto", ("softmax", "ce", 2)),
    (5, "auto", "auto", ("softmax", "ce", 5)),
    (5, "auto", "mse", ("softmax", "mse", 5)),
])
def test_head_for_picks_the_textbook_head(classes, output, loss, expected):
    assert tuple(head_for(classes, output, loss)) == expected


@pytest.mark.parametrize("classes,output,loss,message", [
    (3, "sigmoid", "auto", "3 classes need output 'softmax'"),
    (2, "linear", "bce", "needs output 'sigmoid'"),
    (0, "auto", "bce", "regression target needs loss 'mse'"),
])
def test_head_for_explains_what_does_not_fit(classes, output, loss, message):
    with pytest.raises(ValueError, match=message):
        head_for(classes, output, loss)


def test_build_run_is_what_fit_would_do_by_hand():
    cfg = RunConfig(dataset="xor", samples=80, hidden=(4,), optimizer="sgd", lr=0.5, epochs=30,
                    engine="manual")
    run = build_run(cfg)
    assert run.model.sizes == [2, 4, 1] and run.trainer.loss_name == "bce"
    history = run.trainer.run(cfg.epochs)
    twin = build_run(cfg)
    by_hand = fit(twin.model, twin.data, loss="bce", optimizer="sgd", lr=0.5, epochs=30)
    assert history.loss == by_hand.loss


def test_retune_keeps_the_weights_and_the_epoch():
    run = build_run(RunConfig(dataset="moons", samples=60, hidden=(3,), epochs=5))
    run.trainer.run(5)
    weights = run.model.get_weights()
    run.retune(run.config.replace(lr=0.5, l2=0.01, optimizer="sgd"))
    assert run.trainer.epoch == 5 and run.trainer.optimizer.lr == 0.5
    assert all(np.array_equal(a, b) for pa, pb in zip(weights, run.model.get_weights())
               for a, b in zip(pa, pb))
    assert reset_fields(run.config, run.config.replace(hidden=(4,), samples=70)) == \
        ["samples", "hidden"]
    with pytest.raises(ValueError, match="hidden changed"):
        run.retune(run.config.replace(hidden=(5,)))
