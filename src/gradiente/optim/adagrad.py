"""Adagrad (Duchi et al.), with learning-rate decay and weight decay."""

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _addcdiv_, _check_hyper, _l2, _scalar_step

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10)``.

    Per parameter, PyTorch's update at step t (``s`` the sum of squared gradients, which
    starts at ``initial_accumulator_value``)::

        g = -g if maximize;  g = g + weight_decay * p
        s = s + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    ``foreach`` and ``fused`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("sum",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_hyper("learning rate", lr)
        _check_hyper("lr_decay value", lr_decay)
        _check_hyper("weight_decay value", weight_decay)
        _check_hyper("initial_accumulator_value value", initial_accumulator_value)
        _check_hyper("epsilon value", eps)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                p_state = self.state[p]
                p_state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
                p_state["sum"] = Tensor._make(
                    np.full_like(p.array, group["initial_accumulator_value"]))

    def _update(self, p, g, group):
        state = self.state[p]
        step = _scalar_step(state)
        g = _l2(g, p, group["weight_decay"])
        clr = float(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"].array
        state_sum += g * g
        std = np.sqrt(state_sum)
        std += group["eps"]
        _addcdiv_(p.array, -clr, g, std)
