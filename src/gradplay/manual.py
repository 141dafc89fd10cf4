"""Old path, kept working: the hand-written backprop lives in ``gradplay.nets.manual``."""

from .nets.manual import ManualMLP

__all__ = ["ManualMLP"]
