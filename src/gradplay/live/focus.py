"""What a learner looks at closely in a live run: a picked training example
(its forward and backward pass through the network, a step of the walk, one
neuron's scalar graph) and a selected weight (which examples pull it which
way). Every number comes from ``gradplay.trace``; this module remembers the
choice, checks it against the run and lays the numbers out for a frame.

Indices, as the protocol writes them: ``index`` is a point's place among the
training points the renderer draws (``viz.frames.shown_rows``); a weight is
(layer, i, j) of ``W[layer][i, j]`` with i = -1 for the bias b[layer][j]; a
neuron is (layer, unit), unit of the output of ``W[layer]`` (0: the first
hidden layer).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

import numpy as np

from .. import trace
from ..expr import evaluate
from ..viz.frames import shown_rows

__all__ = ["Focus", "GRAPH_VARIABLES"]

GRAPH_VARIABLES = 13    # a neuron's graph in the renderer: 6 inputs (w, a), "rest" and b


@dataclass(frozen=True)
class Focus:
    """index: the picked example (-1: none); weight: the selected (layer, i, j)
    or None; step: the walk's step shown (-1: none); neuron: (layer, unit)
    whose graph is open, or None."""

    index: int = -1
    weight: tuple | None = None
    step: int = -1
    neuron: tuple | None = None

    # ------------------------------------------------------------------ the learner's choices
    def changed(self, name: str, p: dict, session) -> "Focus":
        """The focus after a ``pick``, ``select``, ``walk`` or ``neuron`` message,
        checked against the run (a ValueError says what is not there)."""
        sizes = session.model.sizes
        if name == "pick":
            n = len(shown_rows(len(session.data.y_train)))
            _within("pick: index", p["index"], -1, n - 1)
            return Focus(weight=self.weight) if p["index"] == -1 else \
                replace(self, index=p["index"])
        if name == "walk":
            _within("walk: step", p["step"], -1, 10_000)
            return replace(self, step=p["step"] if self.index >= 0 else -1)
        if name == "neuron":
            if p["layer"] == -1:
                return replace(self, neuron=None)
            _within("neuron: layer", p["layer"], 0, len(sizes) - 2)
            _within("neuron: unit", p["unit"], 0, sizes[p["layer"] + 1] - 1)
            return replace(self, neuron=(p["layer"], p["unit"]))
        if p["layer"] == -1:
            return replace(self, weight=None)
        _within("select: layer", p["layer"], 0, len(sizes) - 2)
        _within("select: i", p["i"], -1, sizes[p["layer"]] - 1)
        _within("select: j", p["j"], 0, sizes[p["layer"] + 1] - 1)
        return replace(self, weight=(p["layer"], p["i"], p["j"]))

    def sgd_step(self, session) -> None:
        """The walk's last step: one SGD step on the picked example alone
        (the run's learning rate); the walk starts again at its first step."""
        if self.index < 0:
            raise ValueError("update: pick an example first")
        new = trace.sgd_step(self._trace(session), session.trainer.optimizer.lr)
        session.model.set_weights([(np.array(W), np.array(b)) for W, b in new])

    # ------------------------------------------------------------------ the frame's part
    def frame_part(self, session):
        """(header, blobs) for a frame (see ``viz.frames.build_frame``'s
        ``extra``): the picked example's numbers and the selected weight's
        pull, or None when nothing is picked or selected."""
        if self.index < 0 and self.weight is None:
            return None
        header, blobs = {}, {}
        if self.weight is not None:
            header["pull"], blobs["pull"] = self._pull(session)
        if self.index >= 0:
            tr = self._trace(session)
            header["sample"], more = _sample(tr, self.index)
            blobs.update(more)
            if self.step >= 0:
                header["walk"] = _walk(tr, self.step, session.trainer.optimizer.lr)
            if self.neuron is not None:
                header["neuron"] = _neuron(tr, *self.neuron)
        return header, blobs

    def _trace(self, session) -> trace.Trace:
        row = shown_rows(len(session.data.y_train))[self.index]
        return trace.sample_trace(session.model, session.data.X_train[row],
                                  session.data.y_train[row], session.trainer.loss_name)

    def _pull(self, session) -> tuple[dict, np.ndarray]:
        """Each drawn training point's dL_k/dw for the selected weight."""
        rows = shown_rows(len(session.data.y_train))
        layer, i, j = self.weight
        pull = trace.attribution(session.model, session.data.X_train[rows],
                                 session.data.y_train[rows], session.trainer.loss_name,
                                 layer, i, j)
        finite = pull[np.isfinite(pull)]
        scale = float(np.max(np.abs(finite))) if finite.size else 0.0
        return {"weight": [layer, i, j], "scale": scale}, _float32(pull)


def _within(what: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be in [{lo}, {hi}], got {value}")


def _float32(values) -> np.ndarray:
    big = np.finfo(np.float32).max
    return np.clip(np.nan_to_num(np.asarray(values, np.float64), nan=0.0), -big, big) \
        .astype(np.float32)


def _number(v):
    """A float for JSON (None for NaN or inf), or a list of them."""
    v = np.asarray(v, np.float64)
    if v.ndim:
        return [_number(x) for x in v]
    return float(v) if np.isfinite(v) else None


def _sample(tr: trace.Trace, index: int) -> tuple[dict, dict]:
    """The example's facts for the panel, and every layer's numbers as blobs
    laid out as the frame lays out the network: a for every layer, inputs
    first; z, dL/dz, dL/da for layers 1..L; dL/dw and w·a like W."""
    layers = tr.layers
    terms = [trace.edge_terms(tr, l) for l in range(len(layers))]
    blobs = {"s_a": _float32(np.concatenate([tr.inputs, *(t.a for t in layers)])),
             "s_z": _float32(np.concatenate([t.z for t in layers])),
             "s_dz": _float32(np.concatenate([t.grad_z for t in layers])),
             "s_da": _float32(np.concatenate([t.grad_a for t in layers])),
             "s_dW": _float32(np.concatenate([t.grad_W.ravel() for t in layers])),
             "s_wa": _float32(np.concatenate([w.ravel() for w in terms]))}
    scales = {"wa": _number(max(np.max(np.abs(w), initial=0.0) for w in terms)),
              "dW": _number(max(np.max(np.abs(t.grad_W), initial=0.0) for t in layers))}
    label = tr.y.item() if hasattr(tr.y, "item") else tr.y
    return {"index": index, "x": _number(tr.x), "label": _number(label),
            "prediction": _number(tr.prediction), "loss": _number(tr.loss),
            "loss_name": tr.loss_name, "scales": scales}, blobs


def _walk(tr: trace.Trace, step: int, lr: float) -> dict:
    """Step ``step`` of the walk (the last one if past it): what it lights and its text."""
    s, count = trace.backprop_step(tr, lr, step)
    return {"step": min(step, count - 1), "count": count, "kind": s.kind, "layer": s.layer,
            "units": list(s.units), "text": s.text}


def _neuron(tr: trace.Trace, layer: int, unit: int) -> dict:
    """A neuron's scalar graph for the renderer (each node's label, op, data
    and dL/d node), and the whole neuron as an explorer link."""
    small = trace.neuron_expression(tr, layer, unit, most=GRAPH_VARIABLES)
    out, leaves = evaluate(small.text, **small.values)
    upstream = float(tr.layers[layer].grad_a[unit])          # dL/da: the chain rule's outer factor
    names = {id(v): name for name, v in leaves.items()}
    order = out.topological_order()                          # leaves first
    ids = {id(v): k for k, v in enumerate(order)}
    nodes = [{"label": names.get(id(v), ""), "op": v.op, "data": _number(v.data),
              "grad": _number(v.grad * upstream), "children": [ids[id(c)] for c in v.children]}
             for v in order]
    full = trace.neuron_expression(tr, layer, unit)
    link = urlencode({"expr": full.text, **{f"v_{k}": repr(v) for k, v in full.values.items()}})
    return {"layer": layer, "unit": unit, "activation": tr.layers[layer].activation,
            "nodes": nodes, "explorer": link, "rest": len(small.rest)}
