"""Adam (Kingma & Ba), with AMSGrad, L2 or decoupled weight decay, and maximize."""

import numpy as np

from .optimizer import (
    Optimizer, _addcdiv_, _check_adam_like, _ema_square_, _lerp_, _scalar_step,
    _weight_decay, _zeros_state,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)``.

    Per parameter, PyTorch's update at step t (``m``, ``v`` the moment estimates)::

        g = -g if maximize
        p = p * (1 - lr * weight_decay) if decoupled_weight_decay else g = g + weight_decay * p
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v) if amsgrad (used in place of v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    ``foreach``, ``fused`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_like(lr, eps, betas, weight_decay)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        if not state:
            state["exp_avg"] = _zeros_state(p)
            state["exp_avg_sq"] = _zeros_state(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _zeros_state(p)
        step = _scalar_step(state)
        param = p.array
        g = _weight_decay(g, p, group)
        exp_avg, exp_avg_sq = state["exp_avg"].array, state["exp_avg_sq"].array
        _lerp_(exp_avg, g, 1 - beta1)
        _ema_square_(exp_avg_sq, g, beta2)
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if group["amsgrad"]:
            max_exp_avg_sq = state["max_exp_avg_sq"].array
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            denom = np.sqrt(max_exp_avg_sq)
        else:
            denom = np.sqrt(exp_avg_sq)
        denom /= bias_correction2_sqrt
        denom += group["eps"]
        _addcdiv_(param, -step_size, exp_avg, denom)
