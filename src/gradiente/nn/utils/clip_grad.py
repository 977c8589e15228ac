"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, in place on ``.grad``."""

import math

import numpy as np

from ...tensor import Tensor, bump_version

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    Returns the joint norm before clipping; the scale is max_norm / (norm + 1e-6), capped at 1.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.asarray(0.0, dtype=np.float32))
    dtype = grads[0].array.dtype
    if norm_type == math.inf:
        norms = [np.abs(g.array).max(initial=0.0) for g in grads]
        total = np.max(norms)
    else:
        norms = [np.sum(np.abs(g.array) ** norm_type) for g in grads]
        total = np.sum(norms) ** (1.0 / norm_type)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           f"is non-finite, so it cannot be clipped. To disable this error and "
                           f"scale the gradients by the non-finite norm anyway, set "
                           f"`error_if_nonfinite=False`")
    scale = dtype.type(min(float(max_norm) / (float(total) + 1e-6), 1.0))
    for g in grads:
        g.array *= scale
        bump_version(g)
    return Tensor._make(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g.array, -clip_value, clip_value, out=g.array)
        bump_version(g)
