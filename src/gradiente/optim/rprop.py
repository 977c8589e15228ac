"""Rprop (Riedmiller and Braun): per-entry step sizes grown or shrunk by the gradient's sign."""

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_hyper, _scalar_step, _zeros_state

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """``Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50))``.

    Per parameter, PyTorch's update (``s`` the step sizes, starting at lr; ``prev`` the last
    gradient used)::

        g = -g if maximize
        f = etaplus where g * prev > 0, etaminus where < 0, else 1
        s = clamp(s * f, step_size_min, step_size_max)
        g = 0 where f == etaminus
        p = p - sign(g) * s;  prev = g

    ``foreach`` and ``capturable`` are accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("prev", "step_size")

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_hyper("learning rate", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        self._refuse_differentiable(differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p, g, group):
        state = self.state[p]
        if not state:
            state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
            state["prev"] = _zeros_state(p)
            state["step_size"] = Tensor._make(np.full_like(g, float(group["lr"])))
        _scalar_step(state)
        etaminus, etaplus = group["etas"]
        prev, step_size = state["prev"].array, state["step_size"].array
        product = g * prev
        # the factors in the gradient's dtype, compared with etaminus there, as PyTorch does
        factor = np.where(product > 0, etaplus, np.where(product < 0, etaminus, 1.0))
        factor = factor.astype(g.dtype)
        step_size *= factor
        np.clip(step_size, *group["step_sizes"], out=step_size)
        g = np.where(factor == g.dtype.type(etaminus), g.dtype.type(0), g)
        p.array -= np.sign(g) * step_size
        prev[...] = g
