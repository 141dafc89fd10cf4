"""Check the engines against each other and against PyTorch autograd.

``compare_engines`` recomputes one gradient step of a model on every engine
(and on PyTorch when it is installed) and reports the largest difference
from the hand-written backprop: the "check the gradients" panel and the
tests both use it. ``torch_loss_and_grads`` is the independent reference.
"""

from __future__ import annotations

import numpy as np

from . import functional as F
from .interop import to_torch
from .nets import ENGINES, Network, make_mlp

__all__ = ["compare_engines", "torch_loss_and_grads"]


def torch_loss_and_grads(model: Network, X, y, loss: str = "mse"):
    """(loss, flat gradients [dW1, db1, ...]) of ``model`` by PyTorch autograd.

    The network is PyTorch's own (``interop.to_torch``, up to the logits), and
    the loss is gradplay's formula from ``functional.LOSSES`` evaluated on
    torch tensors: PyTorch, not gradplay, differentiates all of it, so this is
    an independent check of every engine's backward pass. (The formulas
    themselves are checked against PyTorch's own loss functions in the tests.)
    """
    import torch
    net = to_torch(model)
    if model.output != "linear":
        net = net[:-1]                                 # stop at the logits z
    X = np.asarray(model.input_matrix(X), dtype=np.float64)    # the input matrix (features)
    z = net(torch.as_tensor(X))
    output = F.get_activation(model.output, output=True)
    Y = model.targets(torch.as_tensor(np.asarray(y)), z.shape[0])
    value = F.check_loss(loss, model.output).value(z, output.forward(z), Y)
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
        twin = make_mlp(model.sizes, model.activation, model.output, engine=engine,
                        features=model.features)
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
