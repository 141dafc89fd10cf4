"""Old path, kept working: ``Value`` now lives in ``gradplay.autograd`` and
micrograd's ``Neuron``/``Layer``/``MLP`` in ``gradplay.nets.micrograd``."""

from .autograd import Value, topological_order
from .nets.micrograd import MLP, Layer, Module, Neuron

__all__ = ["Value", "Neuron", "Layer", "MLP", "Module", "topological_order"]
