"""Shape operations: reshape, view, expand, transpose, permute, ...

They are linear, so their JVP is the operation itself applied to the tangent, and their VJP
is the inverse movement of the gradient.
"""

import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _check_dim

__all__ = ["reshape", "view", "view_as", "expand", "expand_as", "broadcast_to", "transpose",
           "permute", "t"]


def _infer_shape(op, shape, numel):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size "
                               f"{numel}")
        shape[shape.index(-1)] = numel // known
    if math.prod(shape) != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        """out = x with the same elements in a new shape"""
        a = x.array
        ctx.shape_in = a.shape
        return a.reshape(_infer_shape("reshape", shape, a.size))

    @staticmethod
    def backward(ctx, g):
        """dx = g reshaped back"""
        return g.reshape(ctx.shape_in), None

    @staticmethod
    def jvp(ctx, dx, shape):
        return dx.reshape(shape)


class Expand(Function):
    @staticmethod
    def forward(ctx, x, shape):
        """out = x broadcast to shape (a view: no copy)"""
        a = x.array
        ctx.shape_in = a.shape
        lead = len(shape) - a.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be "
                               f"greater or equal to the number of dimensions in the tensor "
                               f"({a.ndim})")
        shape = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise RuntimeError(f"expand: the expanded size {list(shape)} is not compatible "
                               f"with the tensor's shape {list(a.shape)}") from None

    @staticmethod
    def backward(ctx, g):
        """dx = g summed over the broadcast dims (the engine's sum_to_shape does it)"""
        return g, None

    @staticmethod
    def jvp(ctx, dx, shape):
        return dx.expand(shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, x, dims):
        """out = x with its axes reordered by dims"""
        a = x.array
        if len(dims) != a.ndim:
            raise RuntimeError(f"permute: number of dims don't match: got {len(dims)} dims for "
                               f"a {a.ndim}-D tensor")
        dims = tuple(_check_dim("permute", d, a.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"permute: repeated dim in {dims}")
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        """dx = g with the inverse permutation"""
        return g.permute(tuple(np.argsort(ctx.dims))), None

    @staticmethod
    def jvp(ctx, dx, _):
        return dx.permute(ctx.dims)


def reshape(input, *shape):
    shape = _shape_args(shape)
    if input.array.shape == shape:
        return Reshape.apply(input, shape) if input._requires_grad else Tensor._make(input.array)
    return Reshape.apply(input, shape)


def view(input, *shape):
    """Like reshape; gradiente's views and reshapes both share memory when NumPy can."""
    return reshape(input, *shape)


def view_as(input, other):
    return reshape(input, other.shape)


def expand(input, *shape):
    shape = _shape_args(shape)
    if input.array.shape == shape:
        return input
    return Expand.apply(input, shape)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def permute(input, *dims):
    return Permute.apply(input, _shape_args(dims))


def transpose(input, dim0, dim1):
    ndim = input.array.ndim
    if ndim == 0:
        return input
    dims = list(range(ndim))
    d0, d1 = _check_dim("transpose", dim0, ndim), _check_dim("transpose", dim1, ndim)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


def t(input):
    if input.array.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but self is "
                           f"{input.array.ndim}D")
    return transpose(input, 0, 1) if input.array.ndim == 2 else input


def unsqueeze(input, dim):
    ndim = input.array.ndim
    axis = _check_dim("unsqueeze", dim, ndim + 1)
    shape = input.array.shape
    return reshape(input, shape[:axis] + (1,) + shape[axis:])


def squeeze(input, dim=None):
    shape = input.array.shape
    if dim is None:
        axes = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        axes = {_check_dim("squeeze", d, len(shape)) for d in dims} if shape else set()
        axes = {a for a in axes if shape[a] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shape) if i not in axes))


__all__ += ["unsqueeze", "squeeze"]
