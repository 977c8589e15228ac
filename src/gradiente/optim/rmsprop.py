"""RMSprop (Hinton), with centering, momentum and weight decay."""

import numpy as np

from .optimizer import Optimizer, _check_hyper, _finish, _lerp_, _scalar_step, _zeros_state

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
        if differentiable:
            raise NotImplementedError("RMSprop: differentiable=True is not supported")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        state = self.state
        for group, params, grads in self._with_grads():
            lr = float(group["lr"])
            alpha, eps, weight_decay = group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            for p, g in zip(params, grads):
                p_state = state[p]
                if not p_state:
                    p_state["square_avg"] = _zeros_state(p)
                    if momentum > 0:
                        p_state["momentum_buffer"] = _zeros_state(p)
                    if centered:
                        p_state["grad_avg"] = _zeros_state(p)
                _scalar_step(p_state)
                if maximize:
                    g = -g
                if weight_decay != 0:
                    g = g + weight_decay * p.array
                square_avg = p_state["square_avg"].array
                square_avg *= alpha
                square = (1 - alpha) * g
                square *= g
                square_avg += square
                if centered:
                    grad_avg = p_state["grad_avg"].array
                    _lerp_(grad_avg, g, 1 - alpha)
                    avg = np.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    avg = np.sqrt(square_avg)
                avg += eps
                if momentum > 0:
                    buf = p_state["momentum_buffer"].array
                    buf *= momentum
                    buf += g / avg
                    p.array -= lr * buf
                else:
                    update = -lr * g
                    update /= avg
                    p.array += update
            _finish(params)
        return loss
