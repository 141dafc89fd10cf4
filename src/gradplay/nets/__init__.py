"""The same MLP written three ways, as siblings, and ``make_mlp`` to pick one.

| engine | class | gradients from |
|---|---|---|
| "scalar" | ``ScalarMLP`` | a graph of ``Value`` nodes, one per number |
| "tensor" | ``TensorMLP`` | a graph of ``Tensor`` nodes, one per matrix op |
| "manual" | ``ManualMLP`` | backpropagation written out as matrix formulas |

All three share ``Network`` (weights, forward pass, predict, evaluate) and
differ only in ``loss_and_grads``. For the same weights they return the same
numbers -- that agreement is the lesson.
"""

from __future__ import annotations

from typing import Sequence

from ..rules import OneOf, check
from .base import INIT, INITS, Network, count_weights, init_weights, labels_from
from .manual import ManualMLP
from .scalar import ScalarMLP, scalar_graph_size
from .tensor import TensorMLP

__all__ = ["ENGINES", "ENGINE", "INITS", "INIT", "make_mlp", "Network", "ScalarMLP",
           "TensorMLP", "ManualMLP", "count_weights", "init_weights", "labels_from",
           "scalar_graph_size"]

ENGINES: dict[str, type[Network]] = {"scalar": ScalarMLP, "tensor": TensorMLP,
                                     "manual": ManualMLP}
ENGINE = OneOf(*ENGINES)     # the rule config.FIELDS["engine"] uses too


def make_mlp(sizes: Sequence[int], activation: str = "tanh", output: str = "sigmoid",
             engine: str = "tensor", seed: int | None = 0, init: str = "xavier",
             features: Sequence[str] | None = None) -> Network:
    """Build an MLP on the chosen engine: "scalar", "tensor" or "manual".

    The same arguments give the same initial weights on every engine.
    ``features`` (e.g. ("x1sq", "x2sq")): the network takes points (x1, x2)
    and computes these inputs itself; sizes[0] must be len(features).
    """
    return ENGINES[check("engine", engine, ENGINE)](sizes, activation=activation, output=output, init=init, seed=seed,
                           features=features)
