"""``Flatten`` and ``Unflatten``: reshape a range of dims into one, and back."""

from ...tensor import _check_dim
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dims start_dim..end_dim into one (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        shape = tuple(input.shape)
        if not shape:
            return input.reshape(1)
        start = _check_dim("Flatten", self.start_dim, len(shape))
        end = _check_dim("Flatten", self.end_dim, len(shape))
        if start > end:
            raise RuntimeError(f"Flatten: start_dim {self.start_dim} cannot come after end_dim "
                               f"{self.end_dim} for an input of shape {shape}")
        merged = 1
        for n in shape[start:end + 1]:
            merged *= n
        return input.reshape(shape[:start] + (merged,) + shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"Unflatten: invalid type {type(dim).__name__} of dim: int expected")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size) if isinstance(
            unflattened_size, list) else unflattened_size

    def forward(self, input):
        shape = tuple(input.shape)
        dim = _check_dim("Unflatten", self.dim, len(shape))
        return input.reshape(shape[:dim] + tuple(self.unflattened_size) + shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
