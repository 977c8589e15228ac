"""``Upsample`` (nearest neighbour)."""

from ...ops import conv as C
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d"]


class Upsample(Module):
    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        if mode != "nearest":
            raise NotImplementedError(f"Upsample: mode={mode!r} is not supported yet (only "
                                      f"'nearest')")
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else scale_factor

    def forward(self, input):
        return C.interpolate(input, self.size, self.scale_factor, self.mode)

    def extra_repr(self):
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor}, mode='{self.mode}'"
        return f"size={self.size}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")
