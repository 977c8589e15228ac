"""Padding layers: ``{Zero,Constant,Reflection,Replication,Circular}Pad{1,2,3}d``, each
``F.pad`` with a fixed mode; ``padding`` is an int or (left, right, top, bottom, front, back)."""

from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


class _PadNd(Module):
    mode, spatial = "constant", 1

    def __init_subclass__(cls, spatial=None, mode=None, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.spatial, cls.mode = spatial or cls.spatial, mode or cls.mode

    def __init__(self, padding):
        super().__init__()
        n = 2 * self.spatial
        self.padding = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of {n} "
                             f"ints, got {padding}")

    def forward(self, input):
        if self.mode == "circular" and input.ndim not in (self.spatial + 1, self.spatial + 2):
            raise ValueError(f"{type(self).__name__}: expected {self.spatial + 1}D or "
                             f"{self.spatial + 2}D input (got {input.ndim}D input of shape "
                             f"{tuple(input.shape)})")
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd, spatial=1):
    """Pad the last dim with zeros."""


class ZeroPad2d(_ZeroPadNd, spatial=2):
    """Pad the last 2 dims with zeros."""


class ZeroPad3d(_ZeroPadNd, spatial=3):
    """Pad the last 3 dims with zeros."""


class ConstantPad1d(_ConstantPadNd, spatial=1):
    """Pad the last dim with ``value``."""


class ConstantPad2d(_ConstantPadNd, spatial=2):
    """Pad the last 2 dims with ``value``."""


class ConstantPad3d(_ConstantPadNd, spatial=3):
    """Pad the last 3 dims with ``value``."""


class ReflectionPad1d(_PadNd, spatial=1, mode="reflect"):
    """Pad the last dim with the input reflected at its edges (the edge not repeated)."""


class ReflectionPad2d(_PadNd, spatial=2, mode="reflect"):
    """Pad the last 2 dims with the input reflected at its edges (the edge not repeated)."""


class ReflectionPad3d(_PadNd, spatial=3, mode="reflect"):
    """Pad the last 3 dims with the input reflected at its edges (the edge not repeated)."""


class ReplicationPad1d(_PadNd, spatial=1, mode="replicate"):
    """Pad the last dim with copies of the edge values."""


class ReplicationPad2d(_PadNd, spatial=2, mode="replicate"):
    """Pad the last 2 dims with copies of the edge values."""


class ReplicationPad3d(_PadNd, spatial=3, mode="replicate"):
    """Pad the last 3 dims with copies of the edge values."""


class CircularPad1d(_PadNd, spatial=1, mode="circular"):
    """Pad the last dim with the input wrapped around (periodic)."""


class CircularPad2d(_PadNd, spatial=2, mode="circular"):
    """Pad the last 2 dims with the input wrapped around (periodic)."""


class CircularPad3d(_PadNd, spatial=3, mode="circular"):
    """Pad the last 3 dims with the input wrapped around (periodic)."""
