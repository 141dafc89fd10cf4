"""Old path, kept working: ``Tensor`` lives in ``gradplay.autograd``, the
tensor-engine MLP in ``gradplay.nets.tensor``."""

from .autograd import Tensor, unbroadcast
from .nets.tensor import Linear
from .nets.tensor import TensorMLP as MLP

__all__ = ["Tensor", "Linear", "MLP", "unbroadcast"]
