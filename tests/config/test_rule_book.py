"""One rule book: a setting's rule is the same object wherever the value enters
(``data.load``, an optimizer, ``Trainer``, ``make_mlp``, ``RunConfig``, a URL,
a CLI flag), so the same bad value gets the same message everywhere; NumPy
scalars count as numbers; the page's control ranges come from the rules."""

import re

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.cli import main
from gradplay.config import FIELDS, RunConfig, build_run
from gradplay.data import load
from gradplay.optim import Schedule, make_optimizer
from gradplay.rules import Flag, Interval, RuleError, Sizes
from gradplay.train import Trainer, fit

SMALL = load("moons", n_samples=40, seed=0)


def _trainer(**kwargs):
    return Trainer(make_mlp([2, 3, 1]), SMALL, loss="bce", **kwargs)


# field of RunConfig (= URL key = --flag), a bad value, and how the library takes the
# same setting: (the argument's name there, a call that passes the value to it)
TABLE = [
    ("samples", 5, "n_samples", lambda v: load("moons", n_samples=v)),
    ("samples", 20.5, "n_samples", lambda v: load("moons", n_samples=v)),
    ("samples", 200_000, "n_samples", lambda v: load("moons", n_samples=v)),
    ("noise", -0.5, "noise", lambda v: load("moons", noise=v)),
    ("noise", 6, "noise", lambda v: load("moons", noise=v)),
    ("classes", 11, "classes", lambda v: load("spiral", classes=v)),
    ("test_size", 0.95, "test_size", lambda v: load("moons", test_size=v)),
    ("data_seed", -1, "seed", lambda v: load("moons", seed=v)),
    ("data_seed", 1.5, "seed", lambda v: load("moons", seed=v)),
    ("data_seed", 2**32, "seed", lambda v: load("moons", seed=v)),
    ("dataset", "mnist", "dataset", lambda v: load(v)),
    ("seed", -3, "seed", lambda v: make_mlp([2, 3, 1], seed=v)),
    ("engine", "gpu", "engine", lambda v: make_mlp([2, 3, 1], engine=v)),
    ("init", "zeros", "init", lambda v: make_mlp([2, 3, 1], init=v)),
    ("optimizer", "lbfgs", "optimizer", lambda v: make_optimizer(v, 0.1)),
    ("lr", 0, "lr", lambda v: _trainer(lr=v)),
    ("lr", -1, "lr", lambda v: fit(make_mlp([2, 3, 1]), SMALL, loss="bce", lr=v, epochs=1)),
    ("l2", -0.1, "weight_decay", lambda v: _trainer(weight_decay=v)),
    ("l1", -1, "l1", lambda v: _trainer(l1=v)),
    ("momentum", 1.0, "momentum", lambda v: make_optimizer("momentum", 0.1, momentum=v)),
    ("batch_size", -1, "batch_size", lambda v: _trainer(batch_size=v)),
    ("batch_size", 2.5, "batch_size", lambda v: _trainer(batch_size=v)),
    ("epochs", 0, "epochs", lambda v: _trainer().run(v)),
    ("epochs", 10**7, "epochs", lambda v: fit(make_mlp([2, 3, 1]), SMALL, loss="bce", epochs=v)),
    ("schedule", "cosine", "schedule", lambda v: Schedule(v)),
    ("gamma", 0, "gamma", lambda v: Schedule("step", gamma=v)),
    ("gamma", 1.5, "gamma", lambda v: Schedule("exponential", gamma=v)),
    ("step_size", 0, "step_size", lambda v: Schedule("step", step_size=v)),
    ("decay", -1, "decay", lambda v: Schedule("inverse", decay=v)),
]


@pytest.mark.parametrize("field,value,argument,library", TABLE,
                         ids=[f"{t[0]}={t[1]}" for t in TABLE])
def test_the_same_bad_value_gets_the_same_message_everywhere(field, value, argument, library,
                                                             capsys):
    with pytest.raises(RuleError) as caught:
        library(value)
    assert caught.value.field == argument and str(caught.value).startswith(f"{argument} must be ")
    rule = str(caught.value)[len(argument) + 1:]               # "must be ...; got ..."
    assert re.search(r"^must be .*; got ", rule)
    # RunConfig
    with pytest.raises(RuleError) as made:
        RunConfig(**{field: value})
    assert str(made.value) == f"{field} {rule}" and made.value.field == field
    # a URL: the value is not used, the note says why and what was kept
    cfg, notes = RunConfig.from_query({field: str(value)})
    kept = RunConfig.from_query({})[0].to_query()[field]
    assert notes == [f"{field} {rule}; kept {kept}"] and cfg == RunConfig()
    # the command line: one line, exit 2
    assert main(["train", f"--{field.replace('_', '-')}", str(value)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"argument --{field.replace('_', '-')}: {rule}")
    assert len(err.splitlines()) == 1


def test_every_field_and_the_library_share_one_rule_object():
    from gradplay import data, nets, optim, train
    from gradplay.rules import SEED
    shared = {"dataset": data.DATASET, "samples": data.SAMPLES, "noise": data.NOISE,
              "classes": data.CLASSES, "test_size": data.TEST_SIZE, "data_seed": SEED,
              "seed": SEED, "engine": nets.ENGINE, "init": nets.INIT,
              "optimizer": optim.OPTIMIZER, "lr": optim.LR, "momentum": optim.MOMENTUM,
              "l1": optim.PENALTY, "l2": optim.PENALTY, "schedule": optim.SCHEDULE,
              "gamma": optim.GAMMA, "step_size": optim.STEP_SIZE, "decay": optim.DECAY,
              "batch_size": train.BATCH_SIZE, "epochs": train.EPOCHS}
    for name, rule in shared.items():
        assert FIELDS[name].rule is rule, name


# ---------------------------------------------------------------- NumPy scalars (U1)
def test_numpy_scalars_are_numbers_everywhere():
    ds = load("moons", n_samples=np.int64(60), noise=np.float32(0.25), seed=np.uint32(3),
              test_size=np.float64(0.25))
    assert len(ds.y_train) == 45 and ds == ds
    model = make_mlp([2, 3, 1], seed=np.int64(1))
    hist = fit(model, ds, loss="bce", optimizer="sgd", lr=np.float32(0.5),
               weight_decay=np.float32(0.001), l1=np.float16(0.001), epochs=np.int64(2),
               batch_size=np.int32(16), seed=np.int64(2), every=np.int8(1))
    assert hist.epochs == [1, 2] and np.isfinite(hist.train_loss).all()
    opt = make_optimizer("momentum", np.int64(1), momentum=np.float32(0.5))
    assert (opt.lr, opt.momentum) == (1.0, 0.5) and type(opt.lr) is float
    assert Schedule("step", gamma=np.float32(0.5), step_size=np.int64(3)).step_size == 3
    cfg = RunConfig(lr=np.float32(0.25), l2=np.float64(0.01), samples=np.int32(100),
                    hidden=(np.int64(4),), discretize=np.bool_(True))
    assert (cfg.lr, cfg.samples, cfg.hidden, cfg.discretize) == (0.25, 100, (4,), True)
    assert type(cfg.samples) is int and type(cfg.discretize) is bool
    with pytest.raises(RuleError, match="^show_test must be true or false; got 1$"):
        RunConfig(show_test=np.int64(1))


def test_whole_numbers_are_never_truncated():
    for kwargs in ({"n_samples": 20.5}, {"seed": 1.5}, {"classes": 2.5}):
        with pytest.raises(RuleError, match=r"must be a whole number in .*; got \d+\.5$"):
            load("spiral", **kwargs)
    assert len(load("moons", n_samples=20.0, test_size=0.5).y_train) == 10   # 20.0 is 20


def test_huge_and_odd_values_are_refused_by_the_rule_not_by_python():
    for value in (10**400, -10**400, float("inf"), float("nan"), "1", None, [1], True):
        with pytest.raises(RuleError, match=r"^lr must be a number > 0; got "):
            RunConfig(lr=value)
    assert FIELDS["batch_size"].rule.parse("9" * 30) == int("9" * 30)       # exact, no float
    assert FIELDS["samples"].rule.parse(" 1e3 ") == 1000


# ---------------------------------------------------------------- Nesterov needs momentum (U5)
def test_nesterov_at_momentum_zero_is_refused_by_the_config_itself():
    with pytest.raises(RuleError, match="^momentum must be > 0 for optimizer nesterov; got 0"):
        RunConfig(optimizer="nesterov", momentum=0)
    cfg, notes = RunConfig.from_query({"optimizer": "nesterov", "momentum": "0"})
    assert notes == ["momentum must be > 0 for optimizer nesterov; got 0; kept 0.9"]
    assert cfg.optimizer == "nesterov" and cfg.momentum == 0.9
    run = build_run(cfg.replace(samples=40, epochs=2))        # a usable run, not a later error
    assert run.optimizer.nesterov and run.optimizer.momentum == 0.9
    assert RunConfig(optimizer="momentum", momentum=0).momentum == 0      # plain SGD: allowed


# ---------------------------------------------------------------- the page's ranges
@pytest.mark.parametrize("name,value,expected", [
    ("samples", 300, (20, 2000, 10)),
    ("samples", 5000, (20, 5000, 10)),
    ("samples", 10, (10, 2000, 10)),
    ("noise", 2.0, (0.0, 2.0, 0.05)),
    ("test_size", 0.6, (0.0, 0.6, 0.05)),
    ("classes", 7, (2, 7, 1)),
    ("data_seed", 3_000_000_000, (0, 3_000_000_000, 1)),
    ("seed", 0, (0, 2**31 - 1, 1)),
    ("epochs", 500, (1, 1_000_000, 100)),
])
def test_a_control_range_widens_to_hold_a_link_value(name, value, expected):
    rule = FIELDS[name].rule
    assert rule.ui_range(value) == expected
    assert rule.check(value) == value                # a value the rule accepts is shown as is


def test_hidden_layers_and_menus_widen_too():
    hidden = FIELDS["hidden"].rule
    assert hidden.ui_range(()) == (6, 32)
    assert hidden.ui_range((64, 64)) == (6, 64) and hidden.ui_range((4,) * 8) == (8, 32)
    lr = FIELDS["lr"].rule
    assert lr.ui_menu(0.03) == lr.menu and 0.00001 in lr.menu and 10.0 in lr.menu
    assert lr.ui_menu(0.0123) == tuple(sorted({*lr.menu, 0.0123}))
    assert FIELDS["l1"].rule.ui_menu(0.5)[:3] == (0.0, 0.001, 0.003)
    assert 0 in FIELDS["batch_size"].rule.ui_menu(1000) and 1000 in \
        FIELDS["batch_size"].rule.ui_menu(1000)


def test_every_control_range_lies_inside_its_rule():
    for name, spec in FIELDS.items():
        rule = spec.rule
        for v in list(getattr(rule, "ui", ())[:2] if isinstance(rule, Interval) else ()) + \
                list(getattr(rule, "menu", None) or ()):
            if v is not None:
                assert rule.check(v) == v, name
        default = getattr(RunConfig(), name)
        if isinstance(rule, (Interval, Sizes)):     # a page always gets numbers to draw with
            assert None not in rule.ui_range(default)[:2], name
    with pytest.raises(ValueError, match="outside"):
        Interval(int, 10, 100, ui=(5, 50, 1))
    with pytest.raises(ValueError, match="outside"):
        Sizes(8, 256, ui=(9, 32))
    assert Flag().check(np.bool_(False)) is False
