"""Shared test helpers: optional PyTorch, array conversion."""

import numpy as np
import pytest

try:  # an import, not a lookup: a torch that is found but fails to import counts as missing
    import torch  # noqa: F401
    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False
requires_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")


def to_numpy(t):
    """A gradiente or torch tensor (or None) as a NumPy array."""
    if t is None:
        return None
    if hasattr(t, "detach"):
        t = t.detach()
    if hasattr(t, "array"):
        return np.asarray(t.array)
    return t.numpy()
