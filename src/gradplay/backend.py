"""Which array library an array belongs to: NumPy, or PyTorch for the GPU path.

The formulas in ``functional`` and the manual engine are written once and run
on NumPy arrays and on torch tensors alike; ``array_module(x)`` picks the
library whose ``tanh``, ``exp``, ``log`` ... to call. torch is imported only
when a torch tensor is actually passed in, so it stays an optional extra.
"""

from __future__ import annotations

import numpy as np

__all__ = ["array_module", "is_torch", "is_float", "to_numpy"]


def is_torch(x) -> bool:
    """True for a torch tensor (checked by type name: no torch import needed)."""
    return type(x).__module__.startswith("torch")


def array_module(x):
    """numpy for NumPy arrays and plain numbers, torch for a torch tensor."""
    if type(x) is np.ndarray:                     # the common case, asked first: it is
        return np                                 # asked ~20 times a training step
    if is_torch(x):
        import torch
        return torch
    return np


def to_numpy(a) -> np.ndarray:
    """A NumPy view or copy of ``a`` (a torch tensor is detached and moved to the CPU)."""
    if is_torch(a):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def is_float(a) -> bool:
    """True for an array (NumPy or torch) of floating-point numbers: regression
    targets, where class labels are integers."""
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        return isinstance(a, float)
    if is_torch(a):
        return bool(dtype.is_floating_point)
    return np.dtype(dtype).kind == "f"
