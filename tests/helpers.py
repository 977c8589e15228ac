"""Shared test helpers: optional PyTorch, array conversion."""

import importlib.util

import numpy as np
import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None
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
