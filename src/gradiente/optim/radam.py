"""RAdam (Liu et al.): Adam with the variance of the adaptive rate rectified."""

import numpy as np

from .optimizer import (
    Optimizer, _check_adam_like, _ema_square_, _init_state, _lerp_, _scalar_step,
    _weight_decay,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False)``.

    Per parameter, PyTorch's update at step t (``m``, ``v`` the moments)::

        g = -g if maximize
        p = p * (1 - lr * weight_decay) if decoupled_weight_decay else g = g + weight_decay * p
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1;  rho = rho_inf - 2 t beta2**t / (1 - beta2**t)
        r = sqrt((rho - 4) (rho - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho))
        p = p - lr * m / (1 - beta1**t) * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r  if rho > 5
        p = p - lr * m / (1 - beta1**t)                                            otherwise

    ``foreach`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_adam_like(lr, eps, betas, weight_decay)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        beta1, beta2 = group["betas"]
        _init_state(state, p, "exp_avg", "exp_avg_sq")
        step = _scalar_step(state)
        lr = float(group["lr"])
        g = _weight_decay(g, p, group)
        exp_avg, exp_avg_sq = state["exp_avg"].array, state["exp_avg_sq"].array
        _lerp_(exp_avg, g, 1 - beta1)
        _ema_square_(exp_avg_sq, g, beta2)
        bias_correction2 = 1 - beta2 ** step
        update = exp_avg / (1 - beta1 ** step)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            # PyTorch's number / tensor: the reciprocal, times the number
            update *= 1 / (np.sqrt(exp_avg_sq) + group["eps"]) * bias_correction2 ** 0.5
            update *= ((rho_t - 4) * (rho_t - 2) * rho_inf
                       / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        p.array -= update
