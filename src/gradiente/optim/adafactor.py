"""Adafactor (Shazeer and Stern): second moments kept as row and column factors."""

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _finish, _lerp_, _scalar_step

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """``Adafactor(params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
    weight_decay=0.0)``.

    Per parameter, PyTorch's update at step t (``R``, ``C`` the row and column factors of a
    parameter with two or more dims, ``V`` the second moment of a vector)::

        g = -g if maximize;  b = t ** beta2_decay;  rho = min(lr, 1 / sqrt(t))
        alpha = max(eps2, rms(p)) * rho;  p = p * (1 - lr * weight_decay)
        R = lerp(R, mean(g * g, -1), b);  C = lerp(C, mean(g * g, -2), b)
        V = R @ C / max(mean(R, -2), eps1)        (or V = lerp(V, g * g, b) for vectors)
        u = g / sqrt(max(V, eps1 ** 2));  p = p - alpha / max(1, rms(u) / d) * u

    ``eps1=None`` means the machine epsilon of the group's first parameter with a gradient.
    ``foreach`` is accepted and ignored (one NumPy path).
    """

    _param_shaped_state = ("variance",)

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group, params, grads in self._with_grads():
            eps1 = group["eps"][0]
            for p, g in zip(params, grads):
                if eps1 is None:
                    eps1 = float(np.finfo(p.array.dtype).eps)
                self._factored_update(p, -g if group["maximize"] else g, group, eps1)
            _finish(params)
        return loss

    def _factored_update(self, p, g, group, eps1):
        state = self.state[p]
        if not state:
            state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
            if g.ndim > 1:
                state["row_var"] = Tensor._make(np.zeros(g.shape[:-1] + (1,), g.dtype))
                state["col_var"] = Tensor._make(np.zeros(g.shape[:-2] + (1,) + g.shape[-1:],
                                                         g.dtype))
            else:
                state["variance"] = Tensor._make(np.zeros_like(g))
        step = _scalar_step(state)
        lr = float(group["lr"])
        beta2 = step ** group["beta2_decay"]
        rho = min(lr, 1 / step ** 0.5)
        param = p.array
        alpha = max(group["eps"][1], _norm(param) / param.size ** 0.5) * rho
        if group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        if g.ndim > 1:
            row_var, col_var = state["row_var"].array, state["col_var"].array
            _lerp_(row_var, _norm(g, -1) ** 2 / g.shape[-1], beta2)
            _lerp_(col_var, _norm(g, -2) ** 2 / g.shape[-2], beta2)
            estimate = row_var @ col_var
            estimate /= np.maximum(row_var.mean(-2, keepdims=True), eps1)
        else:
            variance = state["variance"].array
            _lerp_(variance, g * g, beta2)
            estimate = variance.copy()
        update = 1 / np.sqrt(np.maximum(estimate, eps1 * eps1))
        update *= g
        denom = max(1.0, _norm(update) / (update.size ** 0.5 * group["d"]))
        param -= alpha / denom * update


def _norm(array, axis=None):
    """The 2-norm, over one axis (kept) or the whole array, as a float for the whole."""
    if axis is None:
        return float(np.sqrt(np.sum(array * array)))
    return np.sqrt(np.sum(array * array, axis=axis, keepdims=True))
