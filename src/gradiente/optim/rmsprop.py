"""RMSprop (Hinton), with centering, momentum and weight decay."""

import numpy as np

from .optimizer import (
    Optimizer, _addcdiv_, _check_hyper, _ema_square_, _l2, _lerp_, _scalar_step, _zeros_state,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False)``.

    Per parameter, PyTorch's update (``v`` the mean square, ``a`` the mean gradient)::

        g = -g if maximize;  g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        a = lerp(a, g, 1 - alpha) and d = sqrt(v - a * a) + eps if centered
        else d = sqrt(v) + eps
        b = momentum * b + g / d; p = p - lr * b    if momentum > 0
        p = p - lr * g / d                           otherwise

    ``foreach`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_hyper("learning rate", lr)
        _check_hyper("epsilon value", eps)
        _check_hyper("momentum value", momentum)
        _check_hyper("weight_decay value", weight_decay)
        _check_hyper("alpha value", alpha)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["square_avg"] = _zeros_state(p)
            if momentum > 0:
                state["momentum_buffer"] = _zeros_state(p)
            if group["centered"]:
                state["grad_avg"] = _zeros_state(p)
        _scalar_step(state)
        g = _l2(g, p, group["weight_decay"])
        square_avg = state["square_avg"].array
        _ema_square_(square_avg, g, alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"].array
            _lerp_(grad_avg, g, 1 - alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        lr = float(group["lr"])
        if momentum > 0:
            buf = state["momentum_buffer"].array
            buf *= momentum
            buf += g / avg
            p.array -= lr * buf
        else:
            _addcdiv_(p.array, -lr, g, avg)
