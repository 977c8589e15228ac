"""Which layer recorded which graph node: module forward hooks label the nodes they create.

``record_layers(model)`` registers, on every submodule, a pre-hook that takes a sequence number
(nodes recorded later get larger ones) and a hook that walks back from the module's output
labelling every not-yet-labelled node newer than that number with the module's name. Inner
modules finish first, so each node gets the innermost module that made it. Nothing in ``nn``
or ``autograd`` knows about this: it only uses PyTorch's public hook API.
"""

import weakref

from ..autograd import function
from ..tensor import Tensor

__all__ = ["layer_of", "record_layers"]

_LAYER_OF = weakref.WeakKeyDictionary()  # graph node -> module name


def layer_of(node):
    """'name (Type)' of the innermost module that recorded ``node`` under ``record_layers``."""
    return _LAYER_OF.get(node)


class record_layers:
    """Context manager: label the graph nodes each submodule of ``model`` records.

    >>> with record_layers(model):      # doctest: +SKIP
    ...     loss = loss_fn(model(x), y)
    >>> explain.trace(loss)             # rows grouped by layer  # doctest: +SKIP
    """

    def __init__(self, model):
        if not hasattr(model, "named_modules"):
            raise TypeError(f"record_layers: expected a module (with named_modules()), got "
                            f"{type(model).__name__}")
        self.model = model
        self._handles = []

    def __enter__(self):
        for name, module in self.model.named_modules():
            if not name:  # the model itself: what its forward does outside layers stays loose
                continue
            starts = []
            self._handles.append(module.register_forward_pre_hook(_pre_hook(starts)))
            label = f"{name} ({type(module).__name__})"
            self._handles.append(module.register_forward_hook(_post_hook(label, starts)))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        return False


def _pre_hook(starts):
    def hook(module, args):
        # a fresh sequence number: every node this call records is numbered after it
        starts.append(function.current_sequence())
    return hook


def _post_hook(name, starts):
    def hook(module, args, output):
        start = starts.pop() if starts else 0
        outputs = output if isinstance(output, (tuple, list)) else (output,)
        roots = [t.grad_fn for t in outputs if isinstance(t, Tensor)]
        for node in function.reachable(roots, since=start):
            _LAYER_OF.setdefault(node, name)
    return hook
