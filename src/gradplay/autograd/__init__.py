"""Autograd cores: ``Value`` (one node per number) and ``Tensor`` (one node per
array operation), the one graph walk they share, and the backward pass one
node at a time (``steps``) with the words to show it (``text``).

The gradient rule is the same for both: after ``out.backward()``, every
node's ``.grad`` holds d(out)/d(node). Gradients of *leaves* (nodes no
operation produced: inputs and parameters) accumulate across calls, as in
PyTorch and micrograd, so zero them between steps; gradients of *interior*
nodes are reset on every call and always describe the latest one.
"""

from .graph import topological_order
from .steps import (Step, Term, backward_order, backward_steps, chain_rule_terms,
                    gradient_sums, replay_backward)
from .tensor import Tensor, unbroadcast
from .text import definition, fmt_number
from .value import Value

__all__ = ["Value", "Tensor", "topological_order", "unbroadcast", "backward_order",
           "replay_backward", "chain_rule_terms", "backward_steps", "gradient_sums", "Step",
           "Term", "fmt_number", "definition"]
