"""Optimizers and learning-rate schedules.

An optimizer updates a list of parameter arrays *in place* from a matching
list of gradients: ``opt.step(params, grads)``. It works with every engine
(the weights are arrays on all three) and with torch tensors. Each update is
written as torch.optim writes it, so one step here equals one step there on
the same gradients (tested).

Notation: p a parameter, g its gradient, lr the learning rate, t the step
number (1, 2, ...). Two penalties can be added to the loss before the rule
applies:

    L2 (weight decay wd):  wd/2 ||p||^2  adds  wd * p       to g  (every parameter)
    L1 (rate l1):          l1 ||W||_1    adds  l1 * sign(W) to g  (weights only)

L1 acts on the weight matrices (2-D arrays), not on the biases, as in
TensorFlow Playground: it pushes unneeded weights to zero, where they then
hover within about a step of it. (TensorFlow Playground also snaps a weight
that crosses zero to exactly 0; here L1 is the plain gradient above, the same
in every optimizer, and a test checks it against PyTorch autograd.)

Every setting is checked by a rule of ``gradplay.rules`` (``LR``,
``PENALTY``, ``MOMENTUM`` ...), the same rule objects ``config.FIELDS`` uses,
both when an optimizer is made and when ``set`` changes it between steps (a
slider moved mid-run): the memory of the steps so far (momentum, Adam's
moments, the step count t) stays.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Sequence

from .backend import array_module
from .rules import Interval, OneOf, RuleError, check

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "AdaGrad", "make_optimizer",
           "check_momentum", "OPTIMIZERS", "MOMENTUM_OPTIMIZERS", "Schedule", "SCHEDULES",
           "LEARNING_RATES", "L1_RATES", "LR", "PENALTY", "MOMENTUM", "FRACTION", "POSITIVE",
           "OPTIMIZER", "SCHEDULE", "GAMMA", "STEP_SIZE", "DECAY"]

# TensorFlow Playground's menus: its learning rates, and its L1/L2 rates (0: off)
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
L1_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

# What each setting may hold (config.FIELDS uses the same rules)
LR = Interval(float, 0, None, open_low=True, ui=(0.00001, 10.0, None), menu=LEARNING_RATES)
PENALTY = Interval(float, 0, None, ui=(0.0, 10.0, None), menu=L1_RATES)   # L1, L2 (weight decay)
MOMENTUM = Interval(float, 0, 1, open_high=True, ui=(0.0, 0.99, 0.01))
FRACTION = Interval(float, 0, 1, open_high=True)       # Adam's betas, RMSprop's alpha
POSITIVE = Interval(float, 0, None, open_low=True)     # eps


def check_momentum(optimizer: str, momentum: float) -> None:
    """Nesterov's look-ahead, g + mu v, is plain gradient descent at mu = 0: refuse it."""
    if optimizer == "nesterov" and momentum == 0:
        raise RuleError("momentum", "must be > 0 for optimizer nesterov; got 0")


class Optimizer(ABC):
    """Base class: holds the learning rate, the weight decay and per-parameter state.
    Each optimizer defines ``update``: its rule for one parameter.

    ``RULES``: the settings ``set`` may change, each with its rule.
    """

    RULES = {"lr": LR, "weight_decay": PENALTY, "l1": PENALTY}

    def __init__(self, lr: float, weight_decay: float = 0.0, l1: float = 0.0, **settings):
        self.t = 0
        self.state: dict[int, dict] = {}
        self.set(lr=lr, weight_decay=weight_decay, l1=l1, **settings)

    def set(self, **settings) -> None:
        """Change settings (lr=0.1, momentum=0.5 ...), each checked by its rule,
        all or none: a refused value (``RuleError``) changes nothing. The memory
        of the steps so far stays."""
        checked = {}
        for name, value in settings.items():
            if name not in self.RULES:
                raise RuleError(name, f"is not a setting of {type(self).__name__}; its "
                                      f"settings are {', '.join(self.RULES)}")
            checked[name] = check(name, value, self.RULES[name])
        self.check_together({**vars(self), **checked})
        vars(self).update(checked)

    def check_together(self, settings: dict) -> None:
        """Rules between settings (``settings``: all of them, new values included)."""

    def step(self, params: Sequence, grads: Sequence) -> None:
        """Update every p in ``params`` in place from its gradient."""
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameters but {len(grads)} gradients")
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            if self.weight_decay:
                g = g + self.weight_decay * p           # L2: d/dp (wd/2 ||p||^2) = wd p
            if self.l1 and p.ndim >= 2:
                g = g + self.l1 * array_module(p).sign(p)   # L1: d/dW (l1 |W|) = l1 sign(W)
            self.update(p, g, self.state.setdefault(i, {}))

    @abstractmethod
    def update(self, p, g, state: dict) -> None:
        """Change p in place from its gradient g (weight decay already added);
        ``state`` is this parameter's memory between steps."""


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum.

    plain:     p -= lr g
    momentum:  v = mu v + g;   p -= lr v              (v = g on the first step)
    nesterov:  v = mu v + g;   p -= lr (g + mu v)
    """

    RULES = {**Optimizer.RULES, "momentum": MOMENTUM}

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, l1: float = 0.0):
        self.nesterov = bool(nesterov)
        super().__init__(lr, weight_decay, l1, momentum=momentum)

    def check_together(self, settings: dict) -> None:
        check_momentum("nesterov" if settings["nesterov"] else "sgd", settings["momentum"])

    def update(self, p, g, state):
        if not self.momentum:
            # plain descent keeps no velocity: if momentum comes back (set(momentum=0.9)
            # mid-run), v starts again from g, as on a first step
            state.pop("v", None)
            p -= self.lr * g
            return
        if "v" not in state:
            state["v"] = g * 1.0                           # a copy, not a view of g
        else:
            state["v"] *= self.momentum
            state["v"] += g
        p -= self.lr * (g + self.momentum * state["v"] if self.nesterov else state["v"])


class Adam(Optimizer):
    """Adaptive moments (Kingma & Ba).

    m = b1 m + (1-b1) g;   v = b2 v + (1-b2) g^2
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """

    RULES = {**Optimizer.RULES, "b1": FRACTION, "b2": FRACTION, "eps": POSITIVE}

    def __init__(self, lr: float = 0.01, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, l1: float = 0.0):
        b1, b2 = (check(f"betas[{i}]", b, FRACTION) for i, b in enumerate(betas))
        super().__init__(lr, weight_decay, l1, b1=b1, b2=b2, eps=eps)

    def update(self, p, g, state):
        if "m" not in state:
            state["m"], state["v"] = g * 0.0, g * 0.0
        m, v = state["m"], state["v"]
        m *= self.b1
        m += (1 - self.b1) * g
        v *= self.b2
        v += (1 - self.b2) * g * g
        step = self.lr / (1 - self.b1 ** self.t)
        denom = array_module(v).sqrt(v) / math.sqrt(1 - self.b2 ** self.t) + self.eps
        p -= step * m / denom


class RMSprop(Optimizer):
    """Divide by a running root-mean-square of the gradient (Hinton).

    s = alpha s + (1-alpha) g^2;   p -= lr g / (sqrt(s) + eps)
    """

    RULES = {**Optimizer.RULES, "alpha": FRACTION, "eps": POSITIVE}

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, l1: float = 0.0):
        super().__init__(lr, weight_decay, l1, alpha=alpha, eps=eps)

    def update(self, p, g, state):
        if "s" not in state:
            state["s"] = g * 0.0
        s = state["s"]
        s *= self.alpha
        s += (1 - self.alpha) * g * g
        p -= self.lr * g / (array_module(s).sqrt(s) + self.eps)


class AdaGrad(Optimizer):
    """Per-parameter rates that shrink with the gradients seen so far (Duchi et al.).

    s += g^2;   p -= lr g / (sqrt(s) + eps)
    """

    RULES = {**Optimizer.RULES, "eps": POSITIVE}

    def __init__(self, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0,
                 l1: float = 0.0):
        super().__init__(lr, weight_decay, l1, eps=eps)

    def update(self, p, g, state):
        if "s" not in state:
            state["s"] = g * 0.0
        s = state["s"]
        s += g * g
        p -= self.lr * g / (array_module(s).sqrt(s) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": SGD, "nesterov": SGD, "adam": Adam,
              "rmsprop": RMSprop, "adagrad": AdaGrad}
OPTIMIZER = OneOf(*OPTIMIZERS)
MOMENTUM_OPTIMIZERS = ("momentum", "nesterov")     # the names that take ``momentum``


def make_optimizer(name: str, lr: float, momentum: float = 0.9, weight_decay: float = 0.0,
                   l1: float = 0.0):
    """An optimizer by name: sgd, momentum, nesterov, adam, rmsprop, adagrad
    (any case). A new optimizer starts afresh: step count t = 0, no memory.

    ``momentum`` is used by "momentum" and "nesterov" only.
    """
    key = check("optimizer", name.lower() if isinstance(name, str) else name, OPTIMIZER)
    penalties = {"weight_decay": weight_decay, "l1": l1}
    if key in MOMENTUM_OPTIMIZERS:
        return SGD(lr, momentum=momentum, nesterov=key == "nesterov", **penalties)
    return OPTIMIZERS[key](lr, **penalties)


# ---------------------------------------------------------------------- schedules
class Schedule:
    """The learning rate at epoch e (0-based), from the initial rate lr0.

    constant:     lr0
    step:         lr0 * gamma^floor(e / step_size)
    exponential:  lr0 * gamma^e
    inverse:      lr0 / (1 + decay * e)          (the "1/t" schedule)
    """

    def __init__(self, kind: str = "constant", gamma: float = 0.5, step_size: int = 1000,
                 decay: float = 1e-3):
        self.kind = check("schedule", kind, SCHEDULE)
        self.gamma = check("gamma", gamma, GAMMA)
        self.step_size = check("step_size", step_size, STEP_SIZE)
        self.decay = check("decay", decay, DECAY)

    def __repr__(self) -> str:
        detail = {"step": f"gamma={self.gamma:g}, step_size={self.step_size}",
                  "exponential": f"gamma={self.gamma:g}", "inverse": f"decay={self.decay:g}",
                  "constant": ""}[self.kind]
        return f"Schedule({self.kind!r}{', ' + detail if detail else ''})"

    def __call__(self, lr0: float, epoch: int) -> float:
        if self.kind == "step":
            return lr0 * self.gamma ** (epoch // self.step_size)
        if self.kind == "exponential":
            return lr0 * self.gamma ** epoch
        if self.kind == "inverse":
            return lr0 / (1.0 + self.decay * epoch)
        return lr0


SCHEDULES = ("constant", "step", "exponential", "inverse")
SCHEDULE = OneOf(*SCHEDULES)
GAMMA = Interval(float, 0, 1, open_low=True, ui=(0.05, 1.0, 0.05))
STEP_SIZE = Interval(int, 1, 1_000_000, ui=(1, 10_000, 10))      # epochs
DECAY = Interval(float, 0, None, ui=(0.0, 1.0, 0.001))
