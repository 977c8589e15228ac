"""NAdam (Dozat): Adam with Nesterov momentum and a momentum schedule."""

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer, _addcdiv_, _check_adam_like, _check_hyper, _ema_square_, _lerp_, _scalar_step,
    _weight_decay, _zeros_state,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False)``.

    Per parameter, PyTorch's update at step t (``m``, ``v`` the moments, ``P`` the product of
    the momentum coefficients, kept in float32 as PyTorch keeps it)::

        g = -g if maximize
        p = p * (1 - lr * weight_decay) if decoupled_weight_decay else g = g + weight_decay * p
        mu_t = beta1 * (1 - 0.96 ** (t * momentum_decay) / 2);  P = P * mu_t
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P) * g / d - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / d

    ``foreach`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_adam_like(lr, eps, betas, weight_decay)
        _check_hyper("momentum_decay value", momentum_decay)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
            state["mu_product"] = Tensor._make(np.ones((), dtype=np.float32))
            state["exp_avg"], state["exp_avg_sq"] = _zeros_state(p), _zeros_state(p)
        step = _scalar_step(state)
        lr = float(group["lr"])
        g = _weight_decay(g, p, group)
        momentum_decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        state["mu_product"].array *= mu
        mu_product = float(state["mu_product"].array)
        exp_avg, exp_avg_sq = state["exp_avg"].array, state["exp_avg_sq"].array
        _lerp_(exp_avg, g, 1 - beta1)
        _ema_square_(exp_avg_sq, g, beta2)
        denom = np.sqrt(exp_avg_sq / (1 - beta2 ** step))
        denom += group["eps"]
        _addcdiv_(p.array, -lr * (1.0 - mu) / (1.0 - mu_product), g, denom)
        _addcdiv_(p.array, -lr * mu_next / (1.0 - mu_product * mu_next), exp_avg, denom)
