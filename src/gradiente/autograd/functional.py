"""``gradiente.autograd.functional``, as ``torch.autograd.functional``: Jacobians, Hessians and
their products for a function of tensors, computed with the reverse-mode engine
(``gradiente.func`` has the composable transforms; these keep PyTorch's older signatures).

``inputs`` is a Tensor or a tuple of Tensors and results keep that structure: ``jacobian``
of one output and one input is one tensor of shape ``output.shape + input.shape``; with tuples
it is a tuple (per output) of tuples (per input). An input the output does not depend on gets
zeros, or an error with ``strict=True``.
"""

import numpy as np

from ..tensor import Tensor
from .engine import grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(value, what, op):
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(f"{op}: the {what} must be a Tensor or a tuple of Tensors, but the "
                            f"value at index {i} has type {type(item).__name__}")
    return is_tuple, items


def _restore(is_tuple, items):
    return tuple(items) if is_tuple else items[0]


def _prepare(inputs, create_graph):
    """Inputs the function is traced from: new leaves, or views that keep the outer graph."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(True) for x in inputs)


def _finish(tensors, create_graph):
    return tuple(t if create_graph or t is None else t.detach() for t in tensors)


def _gradients(op, outputs, inputs, cotangents, create_graph, strict, batched=False):
    """Σ cotangent · ∂output/∂input per input, zeros for inputs not reached."""
    pairs = [(o, v) for o, v in zip(outputs, cotangents) if o.requires_grad]
    found = (grad([o for o, _ in pairs], inputs, [v for _, v in pairs], retain_graph=True,
                  create_graph=create_graph, allow_unused=True, is_grads_batched=batched)
             if pairs else (None,) * len(inputs))
    result = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if strict:
                raise RuntimeError(f"{op}: the output of the user-provided function is "
                                   f"independent of input {i}, which is not allowed in "
                                   f"strict mode")
            shape = ((cotangents[0].shape[0],) if batched else ()) + tuple(x.shape)
            g = Tensor._make(np.zeros(shape, dtype=x.array.dtype))
        result.append(g)
    return result


def _call(func, inputs, op):
    with enable_grad():
        is_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", op)
    return is_tuple, outputs


def _vector(v, like, op, what="v"):
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"{op}: the function has more than one output element (or "
                               f"several outputs): give {what}, the vector to multiply by")
        return (Tensor._make(np.ones(tuple(like[0].shape), dtype=like[0].array.dtype)),)
    _, vs = _as_tuple(v, what, op)
    if len(vs) != len(like) or any(a.shape != b.shape for a, b in zip(vs, like)):
        raise RuntimeError(f"{op}: {what} has shapes {[tuple(a.shape) for a in vs]}, expected "
                           f"{[tuple(b.shape) for b in like]}")
    return vs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ · J): the vector-Jacobian product, by one backward pass."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _prepare(inputs, create_graph)
    out_tuple, outputs = _call(func, inputs, "vjp")
    v = _vector(v, outputs, "vjp")
    products = _gradients("vjp", outputs, inputs, v, create_graph, strict)
    return (_restore(out_tuple, _finish(outputs, create_graph)),
            _restore(is_tuple, _finish(products, create_graph)))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J · v): the Jacobian-vector product, by PyTorch's double-backward trick:
    J·v is the gradient with respect to u of the linear map u ↦ uᵀ J, applied to v."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _prepare(inputs, create_graph)
    v = _vector(v, inputs, "jvp")
    out_tuple, outputs = _call(func, inputs, "jvp")
    with enable_grad():
        dummies = [Tensor._make(np.zeros(tuple(o.shape), dtype=o.array.dtype))
                   .requires_grad_(True) for o in outputs]
        u_jacobian = _gradients("jvp", outputs, inputs, dummies, True, strict)
        live = [(g, w) for g, w in zip(u_jacobian, v) if g.requires_grad]
        products = _gradients("jvp", [g for g, _ in live], dummies, [w for _, w in live],
                              create_graph, strict)
    return (_restore(out_tuple, _finish(outputs, create_graph)),
            _restore(out_tuple, _finish(products, create_graph)))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """∂ outputs / ∂ inputs, one backward pass per output element (one batched pass with
    ``vectorize=True``)."""
    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian: strategy {strategy!r} is not implemented; use "
                                  f"'reverse-mode' or gradiente.func.jacfwd for forward mode")
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _prepare(inputs, create_graph)
    out_tuple, outputs = _call(func, inputs, "jacobian")
    rows = []
    for out in outputs:
        n = out.numel()
        basis = Tensor._make(np.eye(n, dtype=out.array.dtype).reshape((n,) + tuple(out.shape)))
        if vectorize:
            per_input = _gradients("jacobian", [out], inputs, [basis], create_graph, strict,
                                   batched=True)
        else:
            per_row = [_gradients("jacobian", [out], inputs, [basis[e]], create_graph, strict)
                       for e in range(n)]
            per_input = [_stack([row[i] for row in per_row], x) for i, x in enumerate(inputs)]
        rows.append(_restore(is_tuple, _finish(
            [j.reshape(tuple(out.shape) + tuple(x.shape)) for j, x in zip(per_input, inputs)],
            create_graph)))
    return _restore(out_tuple, rows)


def _stack(rows, like):
    from ..ops.movement import stack
    if not rows:
        return Tensor._make(np.zeros((0,) + tuple(like.shape), dtype=like.array.dtype))
    return stack(rows)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """∂² func / ∂ inputs²: the Jacobian of the gradient, for a function with one element."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out_tuple, outputs = _call(func, xs, "hessian")
        if out_tuple or outputs[0].numel() != 1:
            raise RuntimeError(f"hessian: the function must return a single Tensor with one "
                               f"element, got {[tuple(o.shape) for o in outputs]}")
        return tuple(_gradients("hessian", outputs, xs, _vector(None, outputs, "hessian"),
                                True, strict))

    result = jacobian(gradient, inputs, create_graph, strict, vectorize,
                      outer_jacobian_strategy)
    return _restore(is_tuple, [_restore(is_tuple, row) for row in result])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ · H): two backward passes, the second through the gradient."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
    inputs = _prepare(inputs, create_graph)
    out_tuple, outputs = _call(func, inputs, "vhp")
    if out_tuple or outputs[0].numel() != 1:
        raise RuntimeError(f"vhp: the function must return a single Tensor with one element, "
                           f"got {[tuple(o.shape) for o in outputs]}")
    v = _vector(v, inputs, "vhp")
    with enable_grad():
        gradients = _gradients("vhp", outputs, inputs, _vector(None, outputs, "vhp"), True,
                               strict)
        products = _gradients("vhp", gradients, inputs, v, create_graph, strict)
    return (_finish(outputs, create_graph)[0], _restore(is_tuple, _finish(products,
                                                                            create_graph)))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H · v): equal to vhp for the symmetric Hessian of a twice-differentiable
    function, which is how it is computed here."""
    return vhp(func, inputs, v, create_graph, strict)
