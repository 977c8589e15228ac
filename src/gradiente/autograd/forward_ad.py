"""Forward-mode automatic differentiation with dual tensors, as ``torch.autograd.forward_ad``.

Inside ``dual_level()``, a tensor made by ``make_dual(primal, tangent)`` carries its tangent
through every operation: each ``Function`` computes its output tangent with its ``jvp`` rule,
the tangent of the lectures' forward sweep (v̇_i = Σ_j ∂v_i/∂v_j · v̇_j).
"""

__all__ = ["dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

import weakref
from collections import namedtuple


class _State:
    level = 0


STATE = _State()

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


class dual_level:
    """Context in which dual tensors carry tangents; tangents are dropped on exit."""

    def __enter__(self):
        if STATE.level:
            raise RuntimeError("dual_level: nested forward-AD levels are not supported; "
                               "use gradiente.func.jvp for nested forward mode")
        STATE.level = 1
        self._duals = []
        _ACTIVE.append(self._duals)
        return STATE.level

    def __exit__(self, *exc):
        STATE.level = 0
        for ref in _ACTIVE.pop():
            tensor = ref()
            if tensor is not None:
                tensor._tangent = None
        return False


_ACTIVE = []


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (same shape) as its forward derivative."""
    if not STATE.level:
        raise RuntimeError("make_dual: call it inside `with forward_ad.dual_level():`")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise ValueError(f"make_dual: tangent shape {tuple(tangent.shape)} does not match the "
                         f"primal's {tuple(tensor.shape)}")
    if not tensor.dtype.is_floating_point:
        raise ValueError(f"make_dual: expected a floating-point primal, got {tensor.dtype}")
    dual = tensor.view_as(tensor)
    dual._tangent = tangent.to(tensor.dtype)
    _ACTIVE[-1].append(weakref.ref(dual))
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor; the tangent is None when it has none."""
    tangent = tensor._tangent if STATE.level else None
    primal = tensor.view_as(tensor) if tangent is not None else tensor
    if tangent is not None:
        primal._tangent = None
    return UnpackedDualTensor(primal, tangent)


def propagate(fn, ctx, args, out):
    """Compute ``out``'s tangent from its inputs' by ``fn.jvp`` (zeros for inputs without)."""
    from ..tensor import Tensor

    tangents = []
    any_tangent = False
    for a in args:
        if isinstance(a, Tensor):
            t = a._tangent
            if t is not None:
                any_tangent = True
            elif a.array.dtype.kind == "f":
                t = a.zeros_like_tangent()
            tangents.append(t)
        else:
            tangents.append(None)
    if not any_tangent:
        return
    STATE.level = 0  # the rule's own operations must not propagate tangents again
    try:
        tangent = fn.jvp(ctx, *tangents)
    finally:
        STATE.level = 1
    if tangent is None:
        return
    if not isinstance(tangent, Tensor):
        tangent = Tensor._make(tangent)
    if tangent.shape != out.shape:
        tangent = tangent.expand(out.shape)
    if tangent.array.dtype != out.array.dtype:
        tangent = tangent.to(out.dtype)
    out._tangent = tangent
    _ACTIVE[-1].append(weakref.ref(out))
