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
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Sequence

from .backend import array_module

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "AdaGrad", "make_optimizer",
           "OPTIMIZERS", "Schedule", "SCHEDULES"]


def _check_positive(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def _check_penalty(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_fraction(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


class Optimizer(ABC):
    """Base class: holds the learning rate, the weight decay and per-parameter state.
    Each optimizer defines ``update``: its rule for one parameter."""

    def __init__(self, lr: float, weight_decay: float = 0.0, l1: float = 0.0):
        self.lr = _check_positive("lr (learning rate)", lr)
        self.weight_decay = _check_penalty("weight_decay (L2)", weight_decay)
        self.l1 = _check_penalty("l1", l1)
        self.t = 0
        self.state: dict[int, dict] = {}

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

    def __init__(self, lr: float = 0.1, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, l1: float = 0.0):
        super().__init__(lr, weight_decay, l1)
        self.momentum = _check_fraction("momentum", momentum)
        if nesterov and not self.momentum:
            raise ValueError("nesterov=True needs a momentum > 0")
        self.nesterov = nesterov

    def update(self, p, g, state):
        if self.momentum:
            if "v" not in state:
                state["v"] = g * 1.0                       # a copy, not a view of g
            else:
                state["v"] *= self.momentum
                state["v"] += g
            g = g + self.momentum * state["v"] if self.nesterov else state["v"]
        p -= self.lr * g


class Adam(Optimizer):
    """Adaptive moments (Kingma & Ba).

    m = b1 m + (1-b1) g;   v = b2 v + (1-b2) g^2
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """

    def __init__(self, lr: float = 0.01, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, l1: float = 0.0):
        super().__init__(lr, weight_decay, l1)
        self.b1 = _check_fraction("betas[0]", betas[0])
        self.b2 = _check_fraction("betas[1]", betas[1])
        self.eps = _check_positive("eps", eps)

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

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, l1: float = 0.0):
        super().__init__(lr, weight_decay, l1)
        self.alpha = _check_fraction("alpha", alpha)
        self.eps = _check_positive("eps", eps)

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

    def __init__(self, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0,
                 l1: float = 0.0):
        super().__init__(lr, weight_decay, l1)
        self.eps = _check_positive("eps", eps)

    def update(self, p, g, state):
        if "s" not in state:
            state["s"] = g * 0.0
        s = state["s"]
        s += g * g
        p -= self.lr * g / (array_module(s).sqrt(s) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": SGD, "nesterov": SGD, "adam": Adam,
              "rmsprop": RMSprop, "adagrad": AdaGrad}


def make_optimizer(name: str, lr: float, momentum: float = 0.9, weight_decay: float = 0.0,
                   l1: float = 0.0):
    """An optimizer by name: sgd, momentum, nesterov, adam, rmsprop, adagrad.

    ``momentum`` is used by "momentum" and "nesterov" only.
    """
    key = name.lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
    penalties = {"weight_decay": weight_decay, "l1": l1}
    if key == "momentum":
        return SGD(lr, momentum=momentum, **penalties)
    if key == "nesterov":
        return SGD(lr, momentum=momentum, nesterov=True, **penalties)
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
        if kind not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {kind!r}")
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {gamma!r}")
        if int(step_size) < 1:
            raise ValueError(f"step_size must be >= 1 epoch, got {step_size!r}")
        if decay < 0:
            raise ValueError(f"decay must be >= 0, got {decay!r}")
        self.kind, self.gamma, self.step_size, self.decay = kind, gamma, int(step_size), decay

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
