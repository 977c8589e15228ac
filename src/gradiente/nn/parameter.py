"""``Parameter``: a tensor that a ``Module`` registers as a learnable weight when assigned."""

from ..tensor import Tensor, _init

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A leaf tensor that requires grad and shares ``data``'s memory.

    >>> import gradiente as gr
    >>> gr.nn.Parameter(gr.zeros(2))
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter: expected a Tensor as data, got {type(data).__name__}")
        _init(self, data.array)
        self._version = data._version  # the same memory, so the same version counter
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        """As PyTorch's: the values and requires_grad are copied, ``grad`` is not."""
        return self._deepcopy_values(memo)


class Buffer:
    """Marks a tensor assigned to a Module as a buffer: ``self.b = nn.Buffer(t)``."""

    def __init__(self, data, *, persistent=True):
        self.data, self.persistent = data, persistent
