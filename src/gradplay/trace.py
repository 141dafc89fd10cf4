"""One example's forward and backward pass, as numbers a viewer can show.

The live trainer shows the batch gradient of every weight. This module opens
the pass up for *one* example (x, y): every layer's pre-activation z,
activation a, and the gradients dL/da, dL/dz, dL/dW, dL/db of that example's
own loss. The UI holds no maths: every number it paints comes from here.

For one example, a row vector through layers l = 1..L::

    forward:   z_l = a_{l-1} W_l + b_l                 (units_l,)   a_0: the inputs
               a_l = f_l(z_l)                           (units_l,)   (features of x)
               L   = loss(a_L, y)                        the batch loss with n = 1
    backward:  dL/dz_L from the loss                    (k,)    functional.loss_and_grad_z
               dL/dW_l = a_{l-1}^T dL/dz_l              (fan_in, units_l)  an outer product
               dL/db_l = dL/dz_l                        (units_l,)
               dL/da_{l-1} = dL/dz_l W_l^T              (fan_in,)
               dL/dz_{l-1} = dL/da_{l-1} * f'(z_{l-1})  (fan_in,)   elementwise

For n examples at once the rows stack into matrices, as in
``gradplay.nets.manual``; ``attribution`` keeps the rows apart (each
example's own dL_k/dW) instead of summing them.

Index convention. Every *argument and field* is a Python index from 0:
``trace.layers[0]`` and ``attribution(..., layer=0)`` are the first weight
layer, ``model.get_weights()[0]``, with W[i, j] the weight from input unit i
to unit j. The *text* a learner reads uses the MLP notebook's layer numbers:
layer 0 is the inputs, so ``trace.layers[l]`` is written layer l + 1:
``z[l+1,j]``, ``a[l+1,j]``, ``w[l+1][i,j]`` (= W_{l+1}[i, j], from a[l,i] to
z[l+1,j]) and ``b[l+1,j]``; units and inputs count from 0 in both. The bias
of unit j is i = -1 where an edge index is asked for (as the live renderer
writes it).

What is here: ``sample_trace`` (one example's numbers), ``attribution`` (each
example's gradient of one weight), ``backprop_steps`` (the pass as a walk
for a step-through viewer, with the chain rule in words and numbers),
``sgd_step`` (the weights after one step on the example) and
``neuron_expression`` (one neuron as a text of ``gradplay.expr``). Bad input
raises ``TraceError``, a ``ValueError`` whose ``field`` names the argument.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import functional as F
from .data import MAX_ABS_VALUE
from .expr import MAX_VARIABLES, fmt_number
from .nets import Network
from .rules import RuleError
from .train import _check_labels

__all__ = ["edge_terms", "TraceError", "LayerTrace", "Trace", "Step", "NeuronExpression", "sample_trace",
           "attribution", "backprop_steps", "backprop_step", "sgd_step", "neuron_expression"]


class TraceError(RuleError):
    """Bad input to a trace; ``field`` names the argument (x, y, loss, layer, ...)."""

    def __init__(self, field: str, message: str):
        ValueError.__init__(self, message)
        self.field = field


# ---------------------------------------------------------------------- the records
@dataclass(frozen=True)
class LayerTrace:
    """One layer of one example's pass (read-only float64 arrays).

    W (fan_in, units), b (units,): the weights the pass was computed at;
    z, a, grad_a = dL/da, grad_z = dL/dz: (units,); grad_W = dL/dW like W;
    grad_b = dL/db (units,); activation: its name in ``functional``. The output
    layer's grad_a is the loss's slope in a (with BCE or CE: inf where a is
    exactly 0 or 1; its grad_z stays finite, as functional computes it from z).
    """

    activation: str
    W: np.ndarray
    b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    grad_a: np.ndarray
    grad_z: np.ndarray
    grad_W: np.ndarray
    grad_b: np.ndarray


@dataclass(frozen=True)
class Trace:
    """One example's pass: ``sample_trace``'s answer.

    x: the raw point; y: its label (an int for softmax) or target (a float,
    or (k,) for k linear outputs); target (k,): the row the loss compares a_L
    with (one-hot for softmax); loss: this example's loss (named
    ``loss_name``); inputs: a_0, the network's input vector (after features),
    labelled ``input_labels``; prediction: a_L as ``model.predict`` gives it
    (a float for one output unit: p(class 1) or the value; (k,) class
    probabilities for softmax); layers: one LayerTrace per weight layer,
    hidden and output.
    """

    x: np.ndarray
    y: object
    target: np.ndarray
    loss_name: str
    loss: float
    inputs: np.ndarray
    input_labels: tuple
    prediction: object
    layers: tuple


# ---------------------------------------------------------------------- checks
def _check_model(model) -> None:
    if not isinstance(model, Network):
        raise TraceError("model", f"model must be a gradplay network (make_mlp), got "
                                  f"{type(model).__name__}")


def _check_loss(model: Network, loss) -> None:
    try:
        F.check_loss(loss, model.output)
    except ValueError as e:
        raise TraceError("loss", str(e)) from None
    if loss == "bce" and model.sizes[-1] != 1:
        # head_for gives BCE one sigmoid unit, and the walk's text is written
        # for one (its loss line names a[L,0])
        raise TraceError("loss", f"loss 'bce' is traced on one sigmoid output unit, "
                                 f"this network has {model.sizes[-1]}")


def _check_points(model: Network, X, name: str, one: bool) -> np.ndarray:
    """The input matrix a_0 (n, sizes[0]) for raw points X: (n, n_inputs), or
    (n_inputs,) for ``one`` example, finite and within +-MAX_ABS_VALUE."""
    d = model.n_inputs
    shape = f"({d},)" if one else f"(n, {d}) with n >= 1"
    try:
        X = np.array(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise TraceError(name, f"{name} must be numbers of shape {shape}") from None
    bad = (X.shape != (d,)) if one else (X.ndim != 2 or X.shape[1] != d or len(X) == 0)
    if bad:
        raise TraceError(name, f"{name} must have shape {shape}, got {X.shape}")
    if not (np.abs(X) <= MAX_ABS_VALUE).all():          # NaN fails the test too
        raise TraceError(name, f"{name} must hold finite numbers within "
                               f"+-{MAX_ABS_VALUE:,.0f}, got {X.ravel()[:4].tolist()}")
    return model.input_matrix(X.reshape(1, d) if one else X)


def _check_targets(model: Network, y, n: int, loss: str, name: str) -> np.ndarray:
    """The target matrix Y (n, k) for labels y: one class per row for softmax,
    0/1 for BCE (train's own label rule), k finite numbers per row for MSE."""
    per_row = 1 if model.output == "softmax" else model.sizes[-1]
    try:
        y = np.array(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise TraceError(name, f"{name} must be numbers (class labels or targets)") from None
    if y.size != n * per_row:
        raise TraceError(name, f"{name} must hold {n * per_row} value(s), {per_row} per "
                               f"example, got {y.size}")
    if not (np.abs(y) <= MAX_ABS_VALUE).all():
        raise TraceError(name, f"{name} must be finite within +-{MAX_ABS_VALUE:,.0f}, "
                               f"got {y.ravel()[:4].tolist()}")
    try:
        _check_labels(y.reshape(-1), name, model, loss)
    except ValueError as e:
        raise TraceError(name, str(e)) from None
    return model.targets(y.reshape(n) if per_row == 1 else y.reshape(n, per_row), n)


def _check_index(name: str, value, size: int, bias: bool = False) -> int:
    """A whole number in [0, size), or -1 for the bias when ``bias``."""
    low = -1 if bias else 0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not low <= value < size:
        allowed = f"0..{size - 1}" + (" or -1 (the bias)" if bias else "")
        raise TraceError(name, f"{name} must be a whole number in {allowed}, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------- the passes
def _functions(model: Network) -> list[F.Activation]:
    """Each weight layer's activation: the hidden one, then the output's."""
    hidden = F.get_activation(model.activation)
    return [hidden] * (len(model.sizes) - 2) + [F.get_activation(model.output, output=True)]


def _forward(weights, fs, A0) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(Z_l, A_l)] per layer for the rows A0 (n, sizes[0])."""
    passes, A = [], A0
    for (W, b), f in zip(weights, fs):
        Z = A @ W + b                           # (n, fan_in) @ (fan_in, units) + (units,)
        A = f.forward(Z)                        # (n, units)
        passes.append((Z, A))
    return passes


def _backward(weights, fs, passes, delta, stop: int = 0) -> list:
    """[(dL/dA_l, dL/dZ_l)] for layers stop..L-1, walking back from the output
    error delta = dL/dZ_L (n, k). The output's dL/dA is left None (the loss
    gives dL/dZ_L directly); layers below ``stop`` are not computed."""
    grads = [None] * len(weights)
    grads[-1] = (None, delta)
    for l in range(len(weights) - 1, stop, -1):
        dA = delta @ weights[l][0].T            # dL/dA_{l-1} = dL/dZ_l W_l^T   (n, fan_in)
        Z, A = passes[l - 1]
        delta = fs[l - 1].backward(Z, A, dA)    # dL/dZ_{l-1} = dL/dA_{l-1} * f'(Z_{l-1})
        grads[l - 1] = (dA, delta)
    return grads


def _output_grad_a(loss: str, Z, A, Y) -> np.ndarray:
    """dL/dA_L (n, k) of each row's own loss: the slope in the output activation.

    ``functional`` starts the backward pass at dL/dZ_L (for BCE and CE from the
    logits: the a - y shortcut), so here the losses are read as functions of a:
      mse: 2 (a - y) / k   -- mse's own dL/dZ through the identity, whose f' = 1
      bce: -1/a for y = 1, 1/(1 - a) for y = 0   (d/da of -log a, -log(1 - a))
      ce:  -1/a_y for the label's unit, 0 for the others   (d/da of -log a_y)
    For bce and ce this is inf where the output saturates to exactly 0 or 1."""
    if loss == "mse":
        return F.LOSSES["mse"].grad_z(F.ACTIVATIONS["linear"], Z, A, Y) * Y.shape[0]
    with np.errstate(divide="ignore"):
        if loss == "bce":
            return np.where(Y == 1, -1.0 / A, 1.0 / (1.0 - A))
        return np.where(Y == 1, -1.0 / A, 0.0)


def _frozen(a) -> np.ndarray:
    a = np.array(a, dtype=np.float64)           # a copy the caller cannot change
    a.flags.writeable = False
    return a


def _layer(W, b, f, a_prev, z, a, grad_a, grad_z) -> LayerTrace:
    """One layer's record from row vectors; grad_W = a_{l-1}^T dL/dz_l, the
    outer product (fan_in, 1) (1, units), and grad_b = dL/dz_l."""
    return LayerTrace(f.name, *map(_frozen, (W, b, z, a, grad_a, grad_z,
                                              np.outer(a_prev, grad_z), grad_z)))


def sample_trace(model: Network, x, y, loss: str = "mse") -> Trace:
    """One example's forward and backward pass through ``model``.

    x: its raw point (model.n_inputs,) -- the plane's (x1, x2) for a network on
    features, which are expanded as the model does; y: its label (a class
    index, 0/1 for BCE) or target value. The loss is ``model.loss_and_grads``'s
    on this example alone (n = 1). The model is only read: its weights,
    optimizer state and random generator are left as they were.
    Cost: one forward and backward pass of one row (tens of microseconds).
    """
    _check_model(model)
    _check_loss(model, loss)
    A0 = _check_points(model, x, "x", one=True)                   # (1, sizes[0])
    Y = _check_targets(model, y, 1, loss, "y")                    # (1, k)
    weights, fs = model.get_weights(), _functions(model)
    passes = _forward(weights, fs, A0)
    Z, A = passes[-1]
    value, delta = F.loss_and_grad_z(loss, fs[-1], Z, A, Y)       # n = 1: this example's
    grads = _backward(weights, fs, passes, delta)
    grads[-1] = (_output_grad_a(loss, Z, A, Y), delta)
    a_prev = [A0] + [A for _, A in passes[:-1]]
    layers = tuple(_layer(W, b, f, ap[0], Zl[0], Al[0], dA[0], dZ[0]) for (W, b), f, ap,
                   (Zl, Al), (dA, dZ) in zip(weights, fs, a_prev, passes, grads))
    out = layers[-1].a
    prediction = float(out[0]) if out.size == 1 else out
    label = np.asarray(y, dtype=np.float64).reshape(-1)
    label = int(label[0]) if model.output == "softmax" else \
        float(label[0]) if label.size == 1 else _frozen(label)
    return Trace(_frozen(x), label, _frozen(Y[0]), loss, value, _frozen(A0[0]),
                 tuple(model.input_labels()), prediction, layers)


def attribution(model: Network, X, y, loss: str = "mse", layer: int = 0, i: int = 0,
                j: int = 0) -> np.ndarray:
    """Each example's own gradient dL_k/dW[layer][i, j], as an array (n,).

    L_k is example k's loss alone (n = 1), so the mean of the answer is the
    batch gradient ``model.loss_and_grads(X, y, loss)`` gives for that weight.
    layer: 0 for the first weight layer (get_weights()[0]); i: the input
    unit, or -1 for the bias b[layer][j]; j: the unit the weight feeds.

    One forward pass over all n rows and one backward pass down to ``layer``,
    no loop over examples: for each row, dL_k/dW[i, j] = a_{l-1}[k, i] *
    dL_k/dz_l[k, j], and the bias's is dL_k/dz_l[k, j]. Cost: about one
    ``loss_and_grads`` of the manual engine on the same rows, O(n x weights):
    on a 2-8-8-1 net, 2,000 points take about 0.26 ms for a first-layer weight
    and 0.17 ms for an output weight (one thread, NumPy; that loss_and_grads
    takes 0.23 ms), so it fits in every frame of the live trainer.
    """
    _check_model(model)
    _check_loss(model, loss)
    A0 = _check_points(model, X, "X", one=False)                  # (n, sizes[0])
    n = A0.shape[0]
    Y = _check_targets(model, y, n, loss, "y")                    # (n, k)
    layer = _check_index("layer", layer, len(model.sizes) - 1)
    i = _check_index("i", i, model.sizes[layer], bias=True)
    j = _check_index("j", j, model.sizes[layer + 1])
    weights, fs = model.get_weights(), _functions(model)
    passes = _forward(weights, fs, A0)
    Z, A = passes[-1]
    _, delta = F.loss_and_grad_z(loss, fs[-1], Z, A, Y)           # of the mean: rows / n
    # each row's own error: the mean loss divides every row's by n, so undo it
    grads = _backward(weights, fs, passes, delta * n, stop=layer)
    d = grads[layer][1][:, j]                                     # dL_k/dz_l[:, j]   (n,)
    if i == -1:
        return d.copy()                                           # dL_k/db[j]
    a_prev = A0 if layer == 0 else passes[layer - 1][1]
    return a_prev[:, i] * d                                       # dL_k/dW[i, j]   (n,)


# ---------------------------------------------------------------------- one SGD step
def _check_trace(trace) -> None:
    if not isinstance(trace, Trace):
        raise TraceError("trace", f"trace must come from sample_trace, got "
                                  f"{type(trace).__name__}")


def _check_lr(lr) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.number)) \
            or not 0 < lr <= MAX_ABS_VALUE:
        raise TraceError("lr", f"lr must be a number in (0, {MAX_ABS_VALUE:,.0f}], got {lr!r}")
    return float(lr)


def sgd_step(trace: Trace, lr: float) -> tuple:
    """The weights after one SGD step on this example alone, ((W, b), ...):
    W <- W - lr dL/dW and b <- b - lr dL/db with the trace's own gradients.
    The model is not touched (``model.set_weights`` applies the answer)."""
    _check_trace(trace)
    lr = _check_lr(lr)
    return tuple((t.W - lr * t.grad_W, t.b - lr * t.grad_b) for t in trace.layers)


def _loss_at(trace: Trace, weights) -> float:
    """This example's loss if the network had these weights."""
    fs = [F.get_activation(t.activation, output=True) for t in trace.layers]
    Z, A = _forward(weights, fs, trace.inputs.reshape(1, -1))[-1]
    return float(F.LOSSES[trace.loss_name].value(Z, A, trace.target.reshape(1, -1)))


# ---------------------------------------------------------------------- the step-through
@dataclass(frozen=True)
class Step:
    """One step of the walk through a pass, for a step-through viewer.

    kind: "input", "forward" (a layer), "loss", "backward" (one neuron) or
    "update". layer: an index into ``trace.layers`` (None: the inputs for
    "input", every layer for "update"); units: its lit neurons. edges: the lit
    edges as (layer, i, j), the weight W[layer][i, j], with one number each in
    edge_values: w * a on the way forward; on the way back dL/dw for the edges
    into the neuron and dL/dz[next] * w for the edges out of it (the terms of
    its dL/da). text: the chain rule with this example's numbers, one fact a
    line (the module docstring gives the notation). values: the step's named
    numbers. weights: after the "update" step, the new ((W, b), ...).
    """

    kind: str
    layer: int | None
    units: tuple
    edges: tuple
    edge_values: tuple
    text: str
    values: dict
    weights: tuple = ()


_SHOWN = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "leaky_relu": "leaky_relu",
          "softplus": "softplus"}       # linear: a = z; softmax: its own text
MAX_TERMS = 4       # a sum's terms are written out up to this many, else only Σ
MAX_EDGE_LINES = 8  # dL/dw lines per neuron (the largest); every edge is in edge_values


def _p(v: float) -> str:
    """A number as an operand: negative ones in parentheses, 2 × (-0.5)."""
    text = fmt_number(v)
    return f"({text})" if text.startswith("-") else text


def _terms(pairs, bias: float | None = None) -> str:
    """p × q + r × s − ... + b, the signs folded in: 0.5 × 0.3 − 0.2 × 0.1 + 0.05."""
    parts = [f"{fmt_number(p)} × {_p(q)}" for p, q in pairs[:1]]
    parts += [f"{'−' if p < 0 else '+'} {fmt_number(abs(p))} × {_p(q)}" for p, q in pairs[1:]]
    if bias is not None:
        parts.append(f"{'−' if bias < 0 else '+'} {fmt_number(abs(bias))}" if parts
                     else fmt_number(bias))
    return " ".join(parts)


def _a_in(trace: Trace, layer: int) -> np.ndarray:
    """a_{l-1}: the vector feeding ``trace.layers[layer]`` (the inputs for 0)."""
    return trace.inputs if layer == 0 else trace.layers[layer - 1].a


def edge_terms(trace: Trace, layer: int) -> np.ndarray:
    """Each edge's share of its neuron's sum going forward, w[i, j] · a[i]:
    (fan_in, units), laid out like W (z_j = Σ_i terms[i, j] + b_j)."""
    return trace.layers[layer].W * _a_in(trace, layer)[:, None]


def _slopes(t: LayerTrace) -> np.ndarray:
    """f'(z) per unit: the table's derivative with upstream 1 (elementwise f)."""
    return F.get_activation(t.activation, output=True).backward(t.z, t.a, np.ones_like(t.z))


def _input_step(trace: Trace) -> Step:
    same = trace.x.shape == trace.inputs.shape and bool((trace.x == trace.inputs).all())
    where = "x" if same else f"({', '.join(trace.input_labels)})"
    text = (f"Inputs: x = ({', '.join(map(fmt_number, trace.x))}) → a[0] = {where} = "
            f"({', '.join(map(fmt_number, trace.inputs))})")
    return Step("input", None, tuple(range(len(trace.inputs))), (), (), text,
                {"x": trace.x, "a": trace.inputs})


def _activation_text(t: LayerTrace, N: int, j: int) -> str:
    if t.activation == "linear":
        return f"a[{N},{j}] = z[{N},{j}] = {fmt_number(t.a[j])}"
    if t.activation == "softmax":
        return f"a[{N},{j}] = e^z[{N},{j}] / Σₖ e^z[{N},k] = {fmt_number(t.a[j])}"
    f = _SHOWN[t.activation]
    return f"a[{N},{j}] = {f}(z[{N},{j}]) = {f}({fmt_number(t.z[j])}) = {fmt_number(t.a[j])}"


def _forward_step(trace: Trace, l: int) -> Step:
    t, a_prev, N = trace.layers[l], _a_in(trace, l), l + 1
    f = f"z[{N}]" if t.activation == "linear" else \
        f"{_SHOWN.get(t.activation, t.activation)}(z[{N}])"
    lines = [f"Layer {N} forward: z[{N}] = a[{N - 1}] W[{N}] + b[{N}], a[{N}] = {f}"]
    for j in range(len(t.z)):
        numbers = (f" = {_terms(list(zip(t.W[:, j], a_prev)), t.b[j])}"
                   if len(a_prev) <= MAX_TERMS else "")
        lines.append(f"z[{N},{j}] = Σᵢ w[{N}][i,{j}]·a[{N - 1},i] + b[{N},{j}]{numbers} = "
                     f"{fmt_number(t.z[j])} → {_activation_text(t, N, j)}")
    edges = tuple((l, i, j) for j in range(len(t.z)) for i in range(len(a_prev)))
    terms = edge_terms(trace, l)
    contributions = tuple(float(terms[i, j]) for _, i, j in edges)
    return Step("forward", l, tuple(range(len(t.z))), edges, contributions,
                "\n".join(lines), {"z": t.z, "a": t.a})


def _loss_text(trace: Trace, N: int) -> list[str]:
    t, y, L = trace.layers[-1], trace.target, fmt_number(trace.loss)
    if trace.loss_name == "ce":
        c = int(np.argmax(y))
        return [f"Loss (cross-entropy, label y = {c}): L = −log a[{N},{c}] = "
                f"−log({fmt_number(t.a[c])}) = {L}"]
    if trace.loss_name == "bce":
        head = f"Loss (binary cross-entropy, y = {fmt_number(y[0])}): " \
               f"L = −(y·log a[{N},0] + (1 − y)·log(1 − a[{N},0]))"
        term = (f"−log a[{N},0] = −log({fmt_number(t.a[0])})" if y[0] == 1 else
                f"−log(1 − a[{N},0]) = −log({fmt_number(1.0 - t.a[0])})")
        return [head, f"L = {term} = {L}"]
    k = len(y)
    squares = " + ".join(f"({fmt_number(a)} − {_p(v)})²" for a, v in zip(t.a, y))
    if k == 1:
        return [f"Loss (squared error): L = (a[{N},0] − y)² = {squares} = {L}"]
    numbers = f" = ({squares}) / {k}" if k <= MAX_TERMS else ""
    return [f"Loss (mean squared error): L = (1/{k}) Σⱼ (a[{N},j] − y[j])²{numbers} = {L}"]


def _loss_step(trace: Trace) -> Step:
    l = len(trace.layers) - 1
    units = tuple(range(len(trace.target)))
    return Step("loss", l, units, (), (), "\n".join(_loss_text(trace, l + 1)),
                {"loss": trace.loss, "target": trace.target})


def _output_grad_a_text(trace: Trace, j: int, N: int) -> str:
    t, y, g = trace.layers[-1], trace.target, fmt_number(trace.layers[-1].grad_a[j])
    a = f"a[{N},{j}]"
    if trace.loss_name == "mse":
        k, yj = len(y), ("y" if len(y) == 1 else f"y[{j}]")
        per = "" if k == 1 else f" / {k}"
        return (f"∂L/∂{a} = 2·({a} − {yj}){per} = 2 × ({fmt_number(t.a[j])} − {_p(y[j])})"
                f"{per} = {g}")
    if y[j] == 1:
        return f"∂L/∂{a} = −1 / {a} = −1 / {fmt_number(t.a[j])} = {g}"
    if trace.loss_name == "bce":
        return f"∂L/∂{a} = 1 / (1 − {a}) = 1 / {fmt_number(1.0 - t.a[j])} = {g}"
    c = int(np.argmax(y))
    return f"∂L/∂{a} = 0: {a} is not in the loss −log a[{N},{c}]"


def _grad_a_text(trace: Trace, l: int, j: int) -> str:
    """dL/da[N, j]: from the loss (output layer), or summed over the next layer."""
    N = l + 1
    if l == len(trace.layers) - 1:
        return _output_grad_a_text(trace, j, N)
    up = trace.layers[l + 1]
    pairs = list(zip(up.grad_z, up.W[j]))
    numbers = f" = {_terms(pairs)}" if len(pairs) <= MAX_TERMS else ""
    return (f"∂L/∂a[{N},{j}] = Σₖ ∂L/∂z[{N + 1},k] · w[{N + 1}][{j},k]{numbers} = "
            f"{fmt_number(trace.layers[l].grad_a[j])}")


def _grad_z_text(trace: Trace, l: int, j: int) -> list[str]:
    """dL/dz[N, j] = dL/da[N, j] f'(z[N, j]), and the shortcut where one holds."""
    t, N = trace.layers[l], l + 1
    head = f"∂L/∂z[{N},{j}] = "
    gz = fmt_number(t.grad_z[j])
    if t.activation == "softmax":
        s = float(np.dot(t.grad_a, t.a))                        # Σᵢ ∂L/∂a_i a_i
        lines = [head + f"a[{N},{j}] · (∂L/∂a[{N},{j}] − Σᵢ ∂L/∂a[{N},i]·a[{N},i]) = "
                 f"{fmt_number(t.a[j])} × ({fmt_number(t.grad_a[j])} − {_p(s)}) = {gz}"]
    elif t.activation == "linear":
        lines = [head + f"∂L/∂a[{N},{j}] · 1 = {gz}"]
    else:
        f = _SHOWN[t.activation]
        lines = [head + f"∂L/∂a[{N},{j}] · {f}′(z[{N},{j}]) = {fmt_number(t.grad_a[j])} × "
                 f"{_p(_slopes(t)[j])} = {gz}"]
    if l == len(trace.layers) - 1 and trace.loss_name in ("bce", "ce"):
        pair = "σ + BCE" if trace.loss_name == "bce" else "softmax + CE"
        y = "y" if len(trace.target) == 1 else f"y[{j}]"
        lines.append(f"the {pair} shortcut: ∂L/∂z[{N},{j}] = a[{N},{j}] − {y} = "
                     f"{fmt_number(t.a[j])} − {_p(trace.target[j])} = {gz}")
    return lines


def _edge_lines(trace: Trace, l: int, j: int) -> list[str]:
    """dL/dw[N][i, j] = dL/dz[N, j] a[N-1, i] for the largest few, and dL/db."""
    t, a_prev, N = trace.layers[l], _a_in(trace, l), l + 1
    shown = sorted(np.argsort(-np.abs(t.grad_W[:, j]), kind="stable")[:MAX_EDGE_LINES])
    lines = [f"∂L/∂w[{N}][{i},{j}] = ∂L/∂z[{N},{j}] · a[{N - 1},{i}] = "
             f"{fmt_number(t.grad_z[j])} × {_p(a_prev[i])} = {fmt_number(t.grad_W[i, j])}"
             for i in shown]
    if len(a_prev) > len(shown):
        lines.append(f"… and {len(a_prev) - len(shown)} more edges into z[{N},{j}] "
                     f"(each one's ∂L/∂w is in the step's edge values)")
    return lines + [f"∂L/∂b[{N},{j}] = ∂L/∂z[{N},{j}] = {fmt_number(t.grad_b[j])}"]


def _backward_step(trace: Trace, l: int, j: int) -> Step:
    t = trace.layers[l]
    lines = [f"Backward, neuron {j} of layer {l + 1}:", _grad_a_text(trace, l, j),
             *_grad_z_text(trace, l, j), *_edge_lines(trace, l, j)]
    edges = [(l, i, j) for i in range(t.W.shape[0])]
    values = [float(t.grad_W[i, j]) for i in range(t.W.shape[0])]
    if l + 1 < len(trace.layers):                 # the edges dL/da[l, j] came back along
        up = trace.layers[l + 1]
        edges += [(l + 1, j, k) for k in range(len(up.z))]
        values += [float(up.grad_z[k] * up.W[j, k]) for k in range(len(up.z))]
    numbers = {"grad_a": float(t.grad_a[j]), "grad_z": float(t.grad_z[j]),
               "grad_b": float(t.grad_b[j]), "z": float(t.z[j]), "a": float(t.a[j])}
    return Step("backward", l, (j,), tuple(edges), tuple(values), "\n".join(lines), numbers)


def _update_step(trace: Trace, lr: float) -> Step:
    new = sgd_step(trace, lr)
    # the weight that moves most, as the worked example of the rule
    l = int(np.argmax([np.abs(t.grad_W).max() for t in trace.layers]))
    t = trace.layers[l]
    i, j = np.unravel_index(np.argmax(np.abs(t.grad_W)), t.grad_W.shape)
    after = _loss_at(trace, new)
    lines = [f"Update, one SGD step on this example alone (lr = {fmt_number(lr)}): "
             f"w ← w − lr·∂L/∂w and b ← b − lr·∂L/∂b for every weight and bias",
             f"the largest step: w[{l + 1}][{i},{j}] ← {fmt_number(t.W[i, j])} − "
             f"{fmt_number(lr)} × {_p(t.grad_W[i, j])} = {fmt_number(new[l][0][i, j])}",
             f"this example's loss: L = {fmt_number(trace.loss)} → {fmt_number(after)}"]
    return Step("update", None, (), (), (), "\n".join(lines),
                {"lr": lr, "loss_before": trace.loss, "loss_after": after}, new)


def backprop_steps(trace: Trace, lr: float) -> tuple:
    """The whole pass as an ordered walk, for a step-through viewer:

    the inputs; forward, layer by layer; the loss; backward, neuron by neuron
    from the last layer to the first (units in order); the update, one SGD
    step with learning rate ``lr`` on this example alone. A 2-8-8-1 net gives
    1 + 3 + 1 + 17 + 1 = 23 steps: one per layer or neuron, never per edge (a
    neuron's edges are listed in its step). Each ``Step`` says what it lights
    and carries its chain-rule text, every number from the trace.
    """
    _check_trace(trace)
    lr = _check_lr(lr)
    return tuple(_make(trace, lr, plan) for plan in _plan(trace))


def backprop_step(trace: Trace, lr: float, k: int) -> tuple[Step, int]:
    """Step ``k`` of ``backprop_steps`` alone (the last one past the end), and
    how many there are: a viewer showing one step need not write them all."""
    _check_trace(trace)
    lr = _check_lr(lr)
    plans = _plan(trace)
    return _make(trace, lr, plans[min(_check_index("k", k, 1 << 30), len(plans) - 1)]), len(plans)


def _plan(trace: Trace) -> list[tuple]:
    """The walk's steps as (kind, layer, unit), in order."""
    L = len(trace.layers)
    return [("input", None, None), *(("forward", l, None) for l in range(L)),
            ("loss", None, None),
            *(("backward", l, j) for l in reversed(range(L)) for j in range(len(trace.layers[l].z))),
            ("update", None, None)]


def _make(trace: Trace, lr: float, plan: tuple) -> Step:
    kind, l, j = plan
    if kind == "input":
        return _input_step(trace)
    if kind == "forward":
        return _forward_step(trace, l)
    if kind == "loss":
        return _loss_step(trace)
    return _backward_step(trace, l, j) if kind == "backward" else _update_step(trace, lr)


# ---------------------------------------------------------------------- one neuron's graph
@dataclass(frozen=True)
class NeuronExpression:
    """One neuron as a text in gradplay's expression language, and its variables.

    ``gradplay.expr.evaluate(text, **values)`` gives the neuron's a; each
    variable's grad is then d a / d variable, so grad * trace.layers[layer]
    .grad_a[unit] is its dL/d variable (elementwise activations). Variables:
    w{i} = W[layer][i, unit], a{i} = the i-th input to the layer (the notebook's
    a[layer, i]), b the bias; ``inputs`` lists the i that have them. When the
    neuron has more inputs than the language's MAX_VARIABLES allow, the
    inputs with the largest |w·a| keep theirs and the others are summed into
    one variable ``rest`` (their indices in ``rest``). A softmax unit is
    e^z / (e^z + Σ e^z{k}) with the layer's other logits as variables z{k}.
    """

    text: str
    values: dict
    layer: int
    unit: int
    inputs: tuple
    rest: tuple


def _named_inputs(W_col: np.ndarray, a_prev: np.ndarray, room: int) -> tuple:
    """The inputs that get their own w, a variables in ``room`` variable slots
    (all of them, or the largest |w a| with one slot left for ``rest``)."""
    if 2 * len(a_prev) <= room:
        return tuple(range(len(a_prev)))
    keep = (room - 1) // 2
    if keep < 1:
        raise TraceError("unit", f"this unit has too many neighbours for an expression of "
                                 f"at most {MAX_VARIABLES} variables")
    return tuple(sorted(np.argsort(-np.abs(W_col * a_prev), kind="stable")[:keep].tolist()))


def neuron_expression(trace: Trace, layer: int, unit: int,
                      most: int = MAX_VARIABLES) -> NeuronExpression:
    """Neuron ``unit`` of ``trace.layers[layer]`` as an expression over named
    numbers: ``(w0*a0 + w1*a1 + b).tanh()`` with {"w0": ..., "a0": ..., "b": ...}.

    Every activation is written as the expression language spells it:
    ``.sigmoid()``, ``.tanh()``, ``.relu()``, ``.leaky_relu()`` (its default
    slope, the network's), ``.softplus()``; linear is the bare sum. ``most``:
    variables at most (a small graph for a picture: the largest |w·a| keep
    their own, the others are summed into ``rest``).
    """
    _check_trace(trace)
    layer = _check_index("layer", layer, len(trace.layers))
    t = trace.layers[layer]
    unit = _check_index("unit", unit, len(t.z))
    a_prev, others = _a_in(trace, layer), []
    if t.activation == "softmax":
        others = [k for k in range(len(t.z)) if k != unit]
    most = _check_index("most", most, MAX_VARIABLES + 1)
    named = _named_inputs(t.W[:, unit], a_prev, most - 1 - len(others))
    rest = tuple(i for i in range(len(a_prev)) if i not in named)
    values = {f"{v}{i}": float(x) for i in named
              for v, x in (("w", t.W[i, unit]), ("a", a_prev[i]))}
    terms = [f"w{i}*a{i}" for i in named]
    if rest:
        values["rest"] = float(np.dot(t.W[list(rest), unit], a_prev[list(rest)]))
        terms.append("rest")
    values["b"] = float(t.b[unit])
    z = " + ".join(terms + ["b"])
    if t.activation == "softmax":
        values.update({f"z{k}": float(t.z[k]) for k in others})
        text = f"exp({z}) / (exp({z}) + {' + '.join(f'exp(z{k})' for k in others)})"
    else:
        text = z if t.activation == "linear" else f"({z}).{t.activation}()"
    return NeuronExpression(text, values, layer, unit, named, rest)
