"""Autograd cores: ``Value`` (one node per number) and ``Tensor`` (one node per
array operation), and the one graph walk they share.

The gradient rule is the same for both: after ``out.backward()``, every
node's ``.grad`` holds d(out)/d(node). Gradients of *leaves* (nodes no
operation produced: inputs and parameters) accumulate across calls, as in
PyTorch and micrograd, so zero them between steps; gradients of *interior*
nodes are reset on every call and always describe the latest one.
"""

from .graph import topological_order
from .tensor import Tensor, unbroadcast
from .value import Value

__all__ = ["Value", "Tensor", "topological_order", "unbroadcast"]
