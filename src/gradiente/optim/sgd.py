"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

import numpy as np

from ..blas import axpby_, axpy_
from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyper, _l2

__all__ = ["SGD"]


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False)``.

    Per parameter, PyTorch's update (``g`` the gradient, ``b`` the momentum buffer)::

        g = -g if maximize;  g = g + weight_decay * p
        b = g on the first step, else b = momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b
        p = p - lr * g

    ``foreach``, ``fused`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("momentum_buffer",)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check_hyper("learning rate", lr)
        _check_hyper("momentum value", momentum)
        _check_hyper("weight_decay value", weight_decay)
        self._refuse_differentiable(differentiable)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        momentum, dampening = group["momentum"], group["dampening"]
        g = _l2(g, p, group["weight_decay"])
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.array(g)  # a copy, and 0-d stays an array
                state["momentum_buffer"] = Tensor._make(buf)
            else:
                buf = axpby_(1 - dampening, g, momentum, buf.array)
            g = g + momentum * buf if group["nesterov"] else buf
        axpy_(-float(group["lr"]), g, p.array)
