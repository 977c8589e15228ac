"""Adamax (Kingma & Ba): Adam with the infinity norm in place of the second moment."""

import numpy as np

from .optimizer import (
    Optimizer, _addcdiv_, _check_adam_like, _init_state, _l2, _lerp_, _scalar_step,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)``.

    Per parameter, PyTorch's update at step t (``m`` the first moment, ``u`` the infinity
    norm)::

        g = -g if maximize;  g = g + weight_decay * p
        m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    ``foreach`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("exp_avg", "exp_inf")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_adam_like(lr, eps, betas, weight_decay)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        beta1, beta2 = group["betas"]
        _init_state(state, p, "exp_avg", "exp_inf")
        step = _scalar_step(state)
        g = _l2(g, p, group["weight_decay"])
        exp_avg, exp_inf = state["exp_avg"].array, state["exp_inf"].array
        _lerp_(exp_avg, g, 1 - beta1)
        exp_inf *= beta2
        norm = np.abs(g)
        norm += group["eps"]
        np.maximum(exp_inf, norm, out=exp_inf)
        _addcdiv_(p.array, -float(group["lr"]) / (1 - beta1 ** step), exp_avg, exp_inf)
