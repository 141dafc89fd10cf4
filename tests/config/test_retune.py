"""Mid-run settings through one checked path, ``Run.retune``: each lever moved
mid-run gives what a run built fresh at that point gives (or torch.optim),
and a change the trainer cannot take is refused with nothing changed."""

import numpy as np
import pytest

from gradplay import make_mlp
from gradplay.config import RunConfig, build_run
from gradplay.optim import SGD, Adam
from gradplay.rules import RuleError
from gradplay.train import Trainer

try:
    import torch
except ImportError:  # the torch extra is optional: only the tests marked needs_torch skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch (the reference)")

BASE = RunConfig(dataset="moons", samples=80, hidden=(4,), activation="tanh", engine="manual",
                 optimizer="sgd", lr=0.1, epochs=10)


def weights(model):
    return [a for pair in model.get_weights() for a in pair]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(weights(a), weights(b)))


def twin(run, optimizer, batch_size=None):
    """A trainer built fresh at the run's weights now: the reference for what
    the run should do after a change."""
    m = run.model
    model = make_mlp(m.sizes, m.activation, m.output, engine=m.engine, features=m.features)
    model.set_weights(m.get_weights())
    return Trainer(model, run.data, loss=run.trainer.loss_name, optimizer=optimizer,
                   batch_size=batch_size, seed=run.config.seed)


@pytest.mark.parametrize("change,optimizer", [
    ({"lr": 0.5}, lambda: SGD(0.5)),
    ({"l2": 0.01}, lambda: SGD(0.1, weight_decay=0.01)),
    ({"l1": 0.03}, lambda: SGD(0.1, l1=0.03)),
])
def test_lr_l1_and_l2_mid_run_equal_a_fresh_run_from_there(change, optimizer):
    run = build_run(BASE)
    run.trainer.run(3)
    ref = twin(run, optimizer())
    run.retune(run.config.replace(**change))
    run.trainer.run(2)
    ref.run(2)
    assert run.trainer.epoch == 5 and same(run.model, ref.model)
    assert run.config == BASE.replace(**change)


@needs_torch
def test_a_new_lr_keeps_adams_moments_as_torch_optim_does():
    """Adam at lr 0.01 for 3 steps, then lr 0.05: torch.optim.Adam with its
    param_group's lr changed after 3 steps lands on the same weights."""
    run = build_run(BASE.replace(optimizer="adam", lr=0.01))
    params = [torch.tensor(a, requires_grad=True) for a in weights(run.model)]
    theirs = torch.optim.Adam(params, lr=0.01)
    for epoch in range(6):
        if epoch == 3:
            run.retune(run.config.replace(lr=0.05))
            theirs.param_groups[0]["lr"] = 0.05
        run.trainer.step()
        for p, g in zip(params, [g for pair in run.trainer.last_grads for g in pair]):
            p.grad = torch.tensor(g)
        theirs.step()
        for ours, p in zip(weights(run.model), params):
            np.testing.assert_allclose(ours, p.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert run.trainer.optimizer.t == 6               # the same Adam: its count goes on


def test_a_schedule_chosen_mid_run_scales_the_rate_from_that_epoch():
    run = build_run(BASE)
    run.trainer.run(3)
    ref = twin(run, SGD(0.1)).model
    run.retune(run.config.replace(schedule="step", gamma=0.5, step_size=2))
    rates = []
    run.trainer.run(3, callback=lambda t: rates.append(t.optimizer.lr))
    for epoch in (3, 4, 5):                         # plain SGD at lr0 gamma^floor(e / 2)
        _, grads = ref.loss_and_grads(run.data.X_train, run.data.y_train, "bce")
        SGD(0.1 * 0.5 ** (epoch // 2)).step(ref.parameters(), [g for p in grads for g in p])
    assert rates == [0.05, 0.025, 0.025] and same(run.model, ref)
    run.retune(run.config.replace(schedule="constant"))
    assert run.trainer.optimizer.lr == 0.1 and run.trainer.schedule is None


def test_momentum_to_zero_and_back():
    """At 0 the optimizer is plain gradient descent; back at 0.9 it is a fresh
    momentum optimizer from those weights (its velocity starts from the next
    gradient). Before: the momentum stayed 0 for good."""
    run = build_run(BASE.replace(optimizer="momentum", momentum=0.9))
    run.trainer.run(3)
    ref = twin(run, SGD(0.1))
    run.retune(run.config.replace(momentum=0.0))
    run.trainer.run(2)
    ref.run(2)
    assert run.trainer.optimizer.momentum == 0 and same(run.model, ref.model)
    ref = twin(run, SGD(0.1, momentum=0.9))
    run.retune(run.config.replace(momentum=0.9))
    run.trainer.run(2)
    ref.run(2)
    assert run.trainer.optimizer.momentum == 0.9 and same(run.model, ref.model)


def test_a_new_batch_size_equals_a_fresh_run_with_it():
    run = build_run(BASE)                           # full batch: no shuffling drawn yet
    run.trainer.run(2)
    ref = twin(run, SGD(0.1), batch_size=16)
    run.retune(run.config.replace(batch_size=16))
    run.trainer.run(2)
    ref.run(2)
    assert run.trainer.batch_size == 16 and same(run.model, ref.model)
    run.retune(run.config.replace(batch_size=0))
    assert run.trainer.batch_size is None


def test_a_batch_size_over_the_scalar_cap_is_refused_mid_run_as_at_the_start():
    """A scalar 2-16-16-1 on 1,600 rows: full batch is 1,078,400 edges a step
    against the 400,000 cap. Trainer refuses it at the start; a switch to it
    mid-run is refused with the same message, and the run stays as it was."""
    cfg = RunConfig(dataset="moons", samples=2000, hidden=(16, 16), engine="scalar",
                    optimizer="sgd", lr=0.1, batch_size=32)
    with pytest.raises(RuleError) as at_start:
        build_run(cfg.replace(batch_size=0))
    assert "1,078,400 edges a step (1,600 samples x 674)" in str(at_start.value)
    run = build_run(cfg)
    optimizer = run.trainer.optimizer
    with pytest.raises(RuleError) as mid_run:
        run.retune(cfg.replace(batch_size=0, lr=0.5))
    assert str(mid_run.value) == str(at_start.value) and mid_run.value.field == "batch_size"
    assert run.config == cfg and run.trainer.batch_size == 32
    assert run.trainer.optimizer is optimizer and optimizer.lr == 0.1 and run.trainer.lr0 == 0.1


def test_a_new_optimizer_starts_its_own_count():
    """adam -> sgd -> adam: the second Adam is a fresh Adam (t from 0). Before,
    it took the old count, and its first step was ~2.5x lr, not lr."""
    run = build_run(BASE.replace(optimizer="adam", lr=0.01))
    run.trainer.run(5)
    run.retune(run.config.replace(optimizer="sgd"))
    run.trainer.run(1)
    ref = twin(run, Adam(0.01))
    run.retune(run.config.replace(optimizer="adam"))
    assert run.trainer.optimizer.t == 0 and run.trainer.optimizer.state == {}
    before = weights(run.model)
    run.trainer.step()
    # Adam's first step: m / sqrt(v) = g / |g|, so every weight moves by lr (less eps)
    moved = max(float(np.abs(a - b).max()) for a, b in zip(weights(run.model), before))
    assert 0.0099 < moved <= 0.01
    run.trainer.run(2)
    ref.run(3)
    assert run.trainer.optimizer.t == 3 and same(run.model, ref.model)


def test_data_and_model_changes_still_need_a_new_run():
    run = build_run(BASE)
    with pytest.raises(RuleError, match="^hidden, engine changed: build a new run$"):
        run.retune(BASE.replace(hidden=(5,), engine="tensor"))
    assert run.config == BASE
