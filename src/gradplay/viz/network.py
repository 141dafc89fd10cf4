"""Draw a network's architecture with its weights, as TensorFlow Playground does.

Every neuron is a circle in its layer's column; every weight is an edge whose
colour is its sign (blue positive, orange negative) and whose width grows
with its size |w|. Returned as Graphviz DOT, which a browser can render.
"""

from __future__ import annotations

import numpy as np

__all__ = ["network_dot", "edge_style", "POSITIVE", "NEGATIVE", "MAX_EDGES"]

POSITIVE = "#2e86de"
NEGATIVE = "#e8743b"
MAX_EDGES = 3000


def edge_style(w: float, scale: float) -> tuple[str, float]:
    """(colour, pen width) for weight w; width 0.3 to 5, proportional to |w| / scale."""
    width = 0.3 + 4.7 * min(abs(w) / scale, 1.0) if scale > 0 else 0.3
    return (POSITIVE if w >= 0 else NEGATIVE), round(width, 2)


def network_dot(model, input_names=None) -> str:
    """DOT source of the model's layers, neurons and weights. The input nodes
    are named by ``input_names``, else by the model's features (x1², ...)."""
    if input_names is None:
        input_names = model.input_labels()
    weights = model.get_weights()
    n_edges = sum(W.size for W, _ in weights)
    if n_edges > MAX_EDGES:
        raise ValueError(f"{n_edges} weights are too many to draw (limit {MAX_EDGES})")
    scale = max(float(np.max(np.abs(W))) for W, _ in weights) or 1.0
    lines = ["digraph network {", '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.08, '
             'ranksep=1.1, splines=line];',
             '  node [shape=circle, style=filled, fixedsize=true, width=0.32, fontsize=8, '
             'fontname="Helvetica", label=""];', "  edge [arrowhead=none];"]
    sizes = model.sizes
    names = {0: list(input_names)[:sizes[0]] + [f"x{i + 1}" for i in range(len(input_names),
                                                                            sizes[0])]}
    for layer, size in enumerate(sizes):
        kind = "input" if layer == 0 else "output" if layer == len(sizes) - 1 else "hidden"
        color = {"input": "#dfe6e9", "hidden": "#ffffff", "output": "#ffeaa7"}[kind]
        lines.append(f"  subgraph layer{layer} {{ rank=same;")
        for j in range(size):
            label = names[0][j] if layer == 0 else ""
            bias = "" if layer == 0 else f" b={weights[layer - 1][1][j]:.3g}"
            tooltip = f"{kind} {layer} unit {j + 1}{bias}"
            lines.append(f'    n{layer}_{j} [fillcolor="{color}", label="{label}", '
                         f'tooltip="{tooltip}"];')
        lines.append("  }")
    for layer, (W, _) in enumerate(weights):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                color, width = edge_style(float(W[i, j]), scale)
                lines.append(f'  n{layer}_{i} -> n{layer + 1}_{j} [color="{color}", '
                             f'penwidth={width}, tooltip="w={W[i, j]:.3g}"];')
    lines.append("}")
    return "\n".join(lines)
