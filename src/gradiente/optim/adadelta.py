"""Adadelta (Zeiler): step sizes from running averages of squared gradients and updates."""

import numpy as np

from ..blas import axpy_
from .optimizer import Optimizer, _check_hyper, _ema_square_, _init_state, _l2, _scalar_step

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)``.

    Per parameter, PyTorch's update (``v`` the mean square gradient, ``u`` the mean square
    update)::

        g = -g if maximize;  g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d * d
        p = p - lr * d

    ``foreach`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_hyper("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_hyper("epsilon value", eps)
        _check_hyper("weight_decay value", weight_decay)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        rho, eps = group["rho"], group["eps"]
        _init_state(state, p, "square_avg", "acc_delta")
        _scalar_step(state)
        g = _l2(g, p, group["weight_decay"])
        square_avg, acc_delta = state["square_avg"].array, state["acc_delta"].array
        _ema_square_(square_avg, g, rho)
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= g
        _ema_square_(acc_delta, delta, rho)
        axpy_(-float(group["lr"]), delta, p.array)
