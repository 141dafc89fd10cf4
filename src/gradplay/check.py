"""Check the engines against each other and against PyTorch autograd.

``compare_engines`` recomputes one gradient step of a model on every engine
(and on PyTorch when it is installed) and reports the largest difference
from the hand-written backprop: the "check the gradients" panel and the
tests both use it. ``torch_loss_and_grads`` is the independent reference.
"""

from __future__ import annotations

import numpy as np

from .interop import to_torch
from .nets import ENGINES, Network, make_mlp

__all__ = ["compare_engines", "torch_loss_and_grads"]


def torch_loss_and_grads(model: Network, X, y, loss: str = "mse"):
    """(loss, flat gradients [dW1, db1, ...]) of ``model`` computed by PyTorch
    autograd on the exported network: an independent check of our engines."""
    import torch
    import torch.nn.functional as tF
    net = to_torch(model)
    X = torch.as_tensor(np.asarray(X, dtype=np.float64))
    yt = torch.as_tensor(np.asarray(y))
    if loss == "mse":
        out = net(X)                                   # through the output activation
        target = tF.one_hot(yt.long(), out.shape[1]).double() if model.output == "softmax" \
            else yt.double().reshape(out.shape)
        value = ((out - target) ** 2).mean()
    else:
        logits = net[:-1](X)                           # bce and ce start from the logits
        value = tF.cross_entropy(logits, yt.long()) if loss == "ce" else \
            tF.binary_cross_entropy_with_logits(logits, yt.double().reshape(logits.shape))
    value.backward()
    grads = []
    for lin in (m for m in net if isinstance(m, torch.nn.Linear)):
        grads += [lin.weight.grad.numpy().T.copy(), lin.bias.grad.numpy().copy()]
    return value.item(), grads


def compare_engines(model: Network, X, y, loss: str = "mse", max_samples: int = 64) -> list[dict]:
    """The same loss and gradients from every engine (and PyTorch autograd when
    it is installed), for the model's current weights on at most
    ``max_samples`` samples: rows of {engine, loss, max_grad_diff}, where the
    difference is the largest absolute gap from the manual engine's gradient."""
    X, y = np.asarray(X)[:max_samples], np.asarray(y)[:max_samples]
    weights = model.get_weights()
    results = {}
    for engine in ENGINES:
        twin = make_mlp(model.sizes, model.activation, model.output, engine=engine)
        twin.set_weights(weights)
        value, grads = twin.loss_and_grads(X, y, loss)
        results[engine] = (value, [g for pair in grads for g in pair])
    try:
        results["PyTorch autograd"] = torch_loss_and_grads(model, X, y, loss)
    except ImportError:
        pass
    ref = results["manual"][1]
    return [{"engine": name, "loss": value,
             "max_grad_diff": max(float(np.max(np.abs(a - b))) for a, b in zip(grads, ref))}
            for name, (value, grads) in results.items()]
