"""``Variable``: before PyTorch 0.4, the wrapper that made a tensor record a graph; since then
every tensor does. Old lecture code still writes ``Variable(x, requires_grad=True)``: it gets
a new leaf sharing ``x``'s memory, and ``isinstance(t, Variable)`` holds for every tensor."""

import warnings

from ..tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "torch.no_grad():` instead.", UserWarning, stacklevel=2)
        return data.detach().requires_grad_(requires_grad)
