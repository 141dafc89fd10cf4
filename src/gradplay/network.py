"""Old path, kept working: networks live in ``gradplay.nets``, the engine
comparison in ``gradplay.check``."""

from .check import compare_engines
from .nets import ENGINES, INITS, Network, count_weights, init_weights, make_mlp

__all__ = ["Network", "make_mlp", "compare_engines", "init_weights", "count_weights",
           "ENGINES", "INITS"]
