"""gradplay: see how neural networks learn.

Three engines compute the same MLP -- a scalar autograd graph (``Value``), a
tensor autograd graph (``Tensor``) and backpropagation written by hand -- and
agree on every gradient. ``draw_dot`` draws a Value graph as the micrograd
lecture does.
"""

from .autograd import Tensor, Value
from .nets import make_mlp
from .viz.graph import draw_dot

__version__ = "0.1.0"
__all__ = ["Value", "Tensor", "make_mlp", "draw_dot", "__version__"]
