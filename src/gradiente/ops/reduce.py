"""Reductions: sum, mean and the others along ``dim`` (int, tuple or None) with ``keepdim``.

``sum_to_shape`` is the one place broadcasting is undone: the engine calls it on every
gradient whose shape differs from its input's.
"""

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _check_dim
from .elementwise import _floating

__all__ = ["sum", "mean", "sum_to_shape", "normalize_dims"]


def normalize_dims(op, dim, ndim):
    """``dim`` as a sorted tuple of non-negative axes (all axes for None)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = tuple(sorted(_check_dim(op, int(d), ndim) if ndim else 0 for d in dims))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    return axes if ndim else ()


def _restore_dims(g, axes, keepdim, ndim):
    """Put back the reduced axes of ``g`` as size-1 dims, so it broadcasts against the input."""
    if keepdim or not axes or g.ndim == ndim:
        return g
    shape = list(g.shape)
    for axis in axes:
        shape.insert(axis, 1)
    return g.reshape(shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim, np_dtype):
        """out = Σ x over dim"""
        a = x.array
        ctx.axes = normalize_dims("sum", dim, a.ndim)
        ctx.keepdim, ctx.shape_in = keepdim, a.shape
        if np_dtype is None and a.dtype.kind in "bui":
            np_dtype = np.int64
        return np.sum(a, axis=ctx.axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        """dx = g broadcast back over the summed dims"""
        g = _restore_dims(g, ctx.axes, ctx.keepdim, len(ctx.shape_in))
        return g.expand(ctx.shape_in), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return dx.sum(ctx.axes, keepdim=ctx.keepdim)


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        """out = Σ x / n over dim"""
        a = x.array
        if a.dtype.kind != "f":
            raise RuntimeError(f"mean: could not infer output dtype; input dtype must be "
                               f"floating point, got {x.dtype}")
        ctx.axes = normalize_dims("mean", dim, a.ndim)
        ctx.keepdim, ctx.shape_in = keepdim, a.shape
        ctx.count = int(np.prod([a.shape[i] for i in ctx.axes])) if a.ndim else 1
        return np.mean(a, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        """dx = g / n broadcast back over the averaged dims"""
        g = _restore_dims(g, ctx.axes, ctx.keepdim, len(ctx.shape_in))
        return (g / ctx.count).expand(ctx.shape_in), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return dx.mean(ctx.axes, keepdim=ctx.keepdim)


class SumToShape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        """out = x summed over the dims that broadcasting added or stretched"""
        a = x.array
        ctx.shape_in = a.shape
        lead = a.ndim - len(shape)
        if lead < 0:
            raise ValueError(f"sum_to_shape: {a.shape} has fewer dims than {shape}")
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1)
        if any(n != 1 and a.shape[lead + i] != n for i, n in enumerate(shape)):
            raise ValueError(f"sum_to_shape: {a.shape} does not broadcast from {shape}")
        out = np.sum(a, axis=axes, keepdims=True) if axes else a
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        """dx = g broadcast back"""
        return g.expand(ctx.shape_in), None

    @staticmethod
    def jvp(ctx, dx, _):
        return sum_to_shape(dx, ctx.shape)


def sum_to_shape(x, shape):
    """Sum ``x`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``x.shape``."""
    if x.array.shape == tuple(shape):
        return x
    return SumToShape.apply(x, tuple(shape))


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of elements, over all of them or along ``dim``; bools and ints sum to int64."""
    from .. import dtypes
    np_dtype = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    return Sum.apply(input, dim, keepdim, np_dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return Mean.apply(input, dim, keepdim)
