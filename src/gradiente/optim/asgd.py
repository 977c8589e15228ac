"""ASGD (Polyak and Juditsky): SGD with a decaying step and a running average of the iterates."""

import numpy as np

from ..blas import axpy_
from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyper, _l2, _scalar_step, _zeros_state

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0)``.

    Per parameter, PyTorch's update at step t (``eta`` starts at lr and ``mu`` at 1, both
    float32 scalars; ``ax`` the averaged parameter)::

        g = -g if maximize;  g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax) if mu != 1 else p
        eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)

    ``foreach`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("ax",)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_hyper("learning rate", lr)
        _check_hyper("weight_decay value", weight_decay)
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        lr, lambd = float(group["lr"]), group["lambd"]
        if not state:
            state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
            state["eta"] = Tensor._make(np.array(lr, dtype=np.float32))
            state["mu"] = Tensor._make(np.ones((), dtype=np.float32))
            state["ax"] = _zeros_state(p)
        step = _scalar_step(state)
        g = _l2(g, p, group["weight_decay"])
        eta, mu, ax = state["eta"].array, state["mu"].array, state["ax"].array
        eta_value = float(eta)
        p.array *= 1 - lambd * eta_value
        axpy_(-eta_value, g, p.array)
        if float(mu) != 1:
            ax += (p.array - ax) * mu.astype(p.array.dtype)
        else:
            ax[...] = p.array
        eta[...] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        mu[...] = 1 / max(1, step - group["t0"])
