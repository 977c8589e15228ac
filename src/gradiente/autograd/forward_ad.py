"""Forward-mode automatic differentiation with dual tensors, as ``torch.autograd.forward_ad``.

Inside ``dual_level()``, a tensor made by ``make_dual(primal, tangent)`` carries its tangent
through every operation: each ``Function`` computes its output tangent with its ``jvp`` rule,
the tangent of the lectures' forward sweep (v̇_i = Σ_j ∂v_i/∂v_j · v̇_j).

>>> import gradiente as gr
>>> import gradiente.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     x = fwAD.make_dual(gr.tensor(2.0), gr.tensor(1.0))
...     fwAD.unpack_dual(x * x).tangent
tensor(4.)

Levels nest (``jvp(jvp(f))``, ``jacfwd(jacfwd(f))``): ``tensor._tangent`` is None or a dict
{level token: tangent}. The rule of level k runs with only the levels opened before it active,
so its own operations carry the outer levels' tangents: that is what makes the tangent of a
tangent (a second derivative) come out. Levels are unique tokens, never reused, so a tangent
left on a tensor from a closed level can never be read by a later one.
"""

__all__ = ["dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor", "enter_dual_level",
           "exit_dual_level"]

import itertools
import weakref
from collections import namedtuple


class _State:
    level = 0  # how many dual levels are open; Function.apply propagates tangents while > 0


STATE = _State()
_TOKENS = []       # the open levels' tokens, outermost first
_REGISTERED = []   # per open level: weakrefs of the tensors given a tangent at that level
_next_token = itertools.count(1)

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def enter_dual_level():
    """Open a new (innermost) forward-AD level and return its token."""
    token = next(_next_token)
    _TOKENS.append(token)
    _REGISTERED.append([])
    STATE.level = len(_TOKENS)
    return token


def exit_dual_level(*, level=None):
    """Close the innermost level: every tangent it gave is dropped."""
    if not _TOKENS or (level is not None and level != _TOKENS[-1]):
        raise RuntimeError(f"exit_dual_level: level {level} is not the innermost open level "
                           f"(open: {_TOKENS}); levels close in the reverse order of opening")
    token = _TOKENS.pop()
    STATE.level = len(_TOKENS)
    for ref in _REGISTERED.pop():
        tensor = ref()
        if tensor is not None and tensor._tangent:
            tensor._tangent.pop(token, None)
            if not tensor._tangent:
                tensor._tangent = None


class dual_level:
    """Context in which dual tensors carry tangents; its tangents are dropped on exit."""

    def __enter__(self):
        self.token = enter_dual_level()
        return self.token

    def __exit__(self, *exc):
        exit_dual_level(level=self.token)
        return False


def _token(op, level):
    if not _TOKENS:
        raise RuntimeError(f"{op}: call it inside `with forward_ad.dual_level():`")
    if level is None:
        return _TOKENS[-1]
    if level not in _TOKENS:
        raise RuntimeError(f"{op}: level {level} is not an open dual level (open: {_TOKENS})")
    return level


def get_tangent(tensor, token):
    tangents = tensor._tangent
    return None if tangents is None else tangents.get(token)


def set_tangent(tensor, token, tangent):
    """Give ``tensor`` a tangent at the level ``token`` (dropped when that level closes)."""
    tangents = tensor._tangent
    if tangents is None:
        tensor._tangent = tangents = {}
    tangents[token] = tangent
    _REGISTERED[_TOKENS.index(token)].append(weakref.ref(tensor))


def alias(tensor, graph=True):
    """A new tensor sharing ``tensor``'s memory, version and tangents of open levels, and its
    graph (a recorded view) unless ``graph`` is False."""
    from ..tensor import Tensor
    if graph and tensor._requires_grad:
        out = tensor.view_as(tensor)  # recorded, so gradients flow back to ``tensor``
    else:
        out = Tensor._make(tensor.array)
        out._version = tensor._version
    if tensor._tangent:
        for token, tangent in tensor._tangent.items():
            if token in _TOKENS and get_tangent(out, token) is None:
                set_tangent(out, token, tangent)
    return out


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (same shape) as its forward derivative."""
    from ..tensor import Tensor
    token = _token("make_dual", level)
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError(f"make_dual: expected Tensors, got {type(tensor).__name__} and "
                        f"{type(tangent).__name__}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise ValueError(f"make_dual: tangent shape {tuple(tangent.shape)} does not match the "
                         f"primal's {tuple(tensor.shape)}")
    if not tensor.dtype.is_floating_point:
        raise ValueError(f"make_dual: expected a floating-point primal, got {tensor.dtype}")
    if tensor.__class__ is not Tensor or tangent.__class__ is not Tensor:
        from ..func import _batching  # a batched primal or tangent inside vmap
        return _batching.make_dual(tensor, tangent, token)
    dual = alias(tensor)
    set_tangent(dual, token, tangent if tangent.dtype == tensor.dtype else
                tangent.to(tensor.dtype))
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor; the tangent is None when it has none."""
    from ..tensor import Tensor
    if not _TOKENS or not tensor._tangent and tensor.__class__ is Tensor:
        return UnpackedDualTensor(tensor, None)
    token = _token("unpack_dual", level)
    if tensor.__class__ is not Tensor:
        from ..func import _batching
        return UnpackedDualTensor(*_batching.unpack_dual(tensor, token))
    tangent = get_tangent(tensor, token)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = alias(tensor)
    primal._tangent.pop(token, None)
    if not primal._tangent:
        primal._tangent = None
    return UnpackedDualTensor(primal, tangent)


def propagate(fn, ctx, args, out):
    """Give ``out`` a tangent at each open level by ``fn.jvp`` (zeros for inputs without one).

    Level k's rule runs with only the levels before it open, so its operations carry their
    tangents (tangents of tangents, for nested forward mode); ``ctx.output`` carries those of
    the levels already done.
    """
    from ..tensor import Tensor

    depth = STATE.level
    try:
        for k in range(depth):
            token = _TOKENS[k]
            tangents = []
            any_tangent = False
            for a in args:
                if isinstance(a, Tensor):
                    t = a._tangent.get(token) if a._tangent else None
                    if t is not None:
                        any_tangent = True
                    elif a.array.dtype.kind == "f":
                        t = a.zeros_like_tangent()
                    tangents.append(t)
                else:
                    tangents.append(None)
            if not any_tangent:
                continue
            STATE.level = k  # the rule's own operations carry only the outer levels' tangents
            tangent = fn.jvp(ctx, *tangents)
            if tangent is None:
                continue
            if not isinstance(tangent, Tensor):
                tangent = Tensor._make(tangent)
            if tangent.shape != out.shape:
                tangent = tangent.expand(out.shape)
            if tangent.array.dtype != out.array.dtype:
                tangent = tangent.to(out.dtype)
            STATE.level = depth
            set_tangent(out, token, tangent)
            ctx._output_tangents = out._tangent  # ctx.output carries them (see Node.output)
    finally:
        STATE.level = depth
