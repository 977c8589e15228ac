"""Linear algebra: matmul and its relatives. Bilinear, so the JVP is the product rule."""

import numpy as np

from ..autograd.function import Function
from .elementwise import _binary_arrays, product_rule

__all__ = ["matmul"]


class Matmul(Function):
    @staticmethod
    def forward(ctx, x, y):
        """out = x @ y (1-D operands are promoted to matrices and the added dim removed)"""
        ctx.save_for_backward(x, y)
        a, b = x.array, y.array
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got "
                               f"{a.ndim}D and {b.ndim}D tensors")
        inner_a = a.shape[-1]
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if inner_a != inner_b:
            shape_a = tuple(a.shape) if a.ndim > 1 else (a.shape[0],)
            raise RuntimeError(f"matmul: shapes {shape_a} and {tuple(b.shape)} cannot be "
                               f"multiplied ({inner_a} != {inner_b})")
        if a.dtype != b.dtype:
            a, b = _binary_arrays("matmul", x, y)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g @ yᵀ; dy = xᵀ @ g (with 1-D operands as column/row vectors)"""
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        xm = x.unsqueeze(0) if x.ndim == 1 else x
        ym = y.unsqueeze(-1) if y.ndim == 1 else y
        gm = g
        if x.ndim == 1:
            gm = gm.unsqueeze(-2)
        if y.ndim == 1:
            gm = gm.unsqueeze(-1)
        gx = gy = None
        if needs[0]:
            gx = gm @ ym.mT
            if x.ndim == 1:
                gx = gx.squeeze(-2)
        if needs[1]:
            gy = xm.mT @ gm
            if y.ndim == 1:
                gy = gy.squeeze(-1)
        return gx, gy

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return product_rule(dx, y, x, dy, matmul)


def matmul(input, other):
    return Matmul.apply(input, other)
