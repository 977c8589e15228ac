"""``gradiente.Size``: a tensor's shape, a tuple as ``torch.Size`` is."""

import math

__all__ = ["Size"]


class Size(tuple):
    def numel(self):
        return math.prod(self)

    def __repr__(self):
        return f"gradiente.Size({list(self)})"

    def __getitem__(self, item):
        result = tuple.__getitem__(self, item)
        return Size(result) if isinstance(item, slice) else result
