"""Each optimizer step equals torch.optim's on the same gradients."""

import numpy as np
import pytest

from gradplay.optim import SGD, AdaGrad, Adam, RMSprop, Schedule, make_optimizer

try:
    import torch
except ImportError:  # the torch extra is optional: only the tests marked needs_torch skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch (the reference)")

CASES = [
    (lambda: SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda: SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    (lambda: SGD(0.1, momentum=0.8, nesterov=True, weight_decay=0.01),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01)),
    (lambda: Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    (lambda: Adam(0.02, weight_decay=0.1),
     lambda p: torch.optim.Adam(p, lr=0.02, weight_decay=0.1)),
    (lambda: RMSprop(0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
    (lambda: RMSprop(0.01, weight_decay=0.05),
     lambda p: torch.optim.RMSprop(p, lr=0.01, weight_decay=0.05)),
    (lambda: AdaGrad(0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
]


@needs_torch
@pytest.mark.parametrize("ours,theirs", CASES)
def test_steps_match_torch_optim(ours, theirs):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
    t_params = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt, t_opt = ours(), theirs(t_params)
    for _ in range(5):
        grads = [rng.normal(size=p.shape) for p in params]
        opt.step(params, grads)
        for tp, g in zip(t_params, grads):
            tp.grad = torch.tensor(g)
        t_opt.step()
        for p, tp in zip(params, t_params):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-14)


@needs_torch
def test_optimizers_work_on_torch_tensors():
    p = torch.ones(3, dtype=torch.float64)
    Adam(0.1).step([p], [torch.ones(3, dtype=torch.float64)])
    assert torch.allclose(p, torch.full((3,), 0.9, dtype=torch.float64))


@pytest.mark.parametrize("make,message", [
    (lambda: SGD(0), r"^lr must be a number > 0; got 0$"),
    (lambda: SGD(-1), "must be a number > 0"),
    (lambda: SGD(float("nan")), "must be a number > 0"),
    (lambda: SGD(0.1, momentum=1.5), r"^momentum must be a number in \[0, 1\); got 1.5$"),
    (lambda: SGD(0.1, nesterov=True), "^momentum must be > 0 for optimizer nesterov; got 0$"),
    (lambda: Adam(0.1, weight_decay=-1), r"^weight_decay must be a number >= 0; got -1$"),
    (lambda: Adam(0.1, betas=(0.9, 1.0)), r"^betas\[1\] must be a number in \[0, 1\)"),
    (lambda: Schedule("step", gamma=0), r"^gamma must be a number in \(0, 1\]; got 0$"),
    (lambda: Schedule("step", step_size=0.5), r"^step_size must be a whole number in \[1, "),
    (lambda: make_optimizer("lbfgs", 0.1), "optimizer must be one of"),
    (lambda: Schedule("cosine"), "schedule must be one of"),
])
def test_bad_settings_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@needs_torch
def test_schedules_match_torch_lr_schedulers():
    p = [torch.zeros(1, requires_grad=True)]
    cases = [(Schedule("step", gamma=0.5, step_size=3),
              lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
             (Schedule("exponential", gamma=0.9),
              lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
             (Schedule("inverse", decay=0.1),
              lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1 / (1 + 0.1 * e)))]
    for ours, make in cases:
        t_opt = torch.optim.SGD(p, lr=0.2)
        sched = make(t_opt)
        for epoch in range(10):
            assert ours(0.2, epoch) == pytest.approx(t_opt.param_groups[0]["lr"], rel=1e-12)
            t_opt.step()
            sched.step()


def test_named_optimizers():
    assert make_optimizer("momentum", 0.1, momentum=0.5).momentum == 0.5
    assert make_optimizer("nesterov", 0.1).nesterov
    assert isinstance(make_optimizer("Adam", 0.1), Adam)
