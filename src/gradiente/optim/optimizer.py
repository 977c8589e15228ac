"""The ``Optimizer`` base: parameter groups, per-parameter state, and state dicts.

Every optimizer updates ``p.array`` in place with NumPy, outside the graph, and bumps the
parameter's version counter (as an in-place op would), so a graph saved before the step and
run backward after it raises instead of computing a wrong gradient.
"""

import warnings
from collections import defaultdict

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..blas import axpy_
from ..tensor import Tensor, bump_version, zero_grads

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must give (PyTorch's ``required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of the optimizers: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
    groups) each with a ``"params"`` entry and options overriding ``defaults``.
    """

    # state entries shaped like their parameter (checked by load_state_dict)
    _param_shaped_state = ()

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ----- parameter groups -----------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (fine-tuning, per-layer lr)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        param_group["params"] = tensors
        for i, param in enumerate(tensors):
            if not isinstance(param, Tensor):
                raise TypeError(f"{type(self).__name__}: optimizer can only optimize Tensors, "
                                f"but parameter {i} is a {type(param).__name__}")
            if not (param.is_leaf or param.retains_grad):
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor "
                                 f"(parameter {i} of shape {tuple(param.shape)} was made by "
                                 f"{param.grad_fn!r}); optimize the leaf it was computed from")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set ``.grad`` to None, or to zeros in place."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    # ----- stepping ---------------------------------------------------------------------------
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._run_closure(closure)
        for group, params, grads in self._with_grads():
            maximize = group.get("maximize", False)
            for p, g in zip(params, grads):
                self._update(p, -g if maximize else g, group)
            _finish(params)
        return loss

    def _refuse_differentiable(self, differentiable):
        if differentiable:
            raise NotImplementedError(f"{type(self).__name__}: differentiable=True is not "
                                      f"supported")

    def _update(self, p, g, group):
        """Update ``p.array`` in place from the gradient array ``g`` (negated if maximizing),
        its state ``self.state[p]`` and its group's options."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _run_closure(self, closure):
        """The loss from re-evaluating the model, with grad recording on."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _with_grads(self):
        """Per group, the parameters that have a gradient and the gradients' arrays.

        Everything is checked before any parameter changes, so a step that raises leaves the
        parameters as they were.
        """
        gathered = []
        for group in self.param_groups:
            params, grads = [], []
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if grad.array.shape != p.array.shape or grad.array.dtype != p.array.dtype:
                    raise RuntimeError(f"{type(self).__name__}.step: gradient of shape "
                                       f"{tuple(grad.array.shape)} and dtype {grad.dtype} for a "
                                       f"parameter of shape {tuple(p.array.shape)} and dtype "
                                       f"{p.dtype}")
                params.append(p)
                grads.append(grad.array)
            gathered.append((group, params, grads))
        return gathered

    # ----- state dicts --------------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``."""
        index_of = {}
        param_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            param_groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Load a ``state_dict()`` (values are copied, tensors cast to their parameter's dtype)."""
        name = type(self).__name__
        groups = self.param_groups
        saved_groups = [_copy(g) for g in state_dict["param_groups"]]
        if len(groups) != len(saved_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has a different number "
                             f"of parameter groups ({len(saved_groups)} != {len(groups)})")
        for i, (group, saved) in enumerate(zip(groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"{name}.load_state_dict: loaded state dict contains a parameter "
                                 f"group that doesn't match the size of optimizer's group "
                                 f"(group {i}: {len(saved['params'])} != "
                                 f"{len(group['params'])} parameters)")
        id_map = {}
        for group, saved in zip(groups, saved_groups):
            id_map.update(zip(saved["params"], group["params"]))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            param = id_map.get(key)
            if param is None:
                state[key] = _copy(value)
                continue
            state[param] = {k: self._cast_state(param, key, k, v) for k, v in value.items()}
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    def _cast_state(self, param, index, key, value):
        """A copy of one state entry, tensors cast to the parameter's dtype (except ``step``)."""
        if key == "step" and isinstance(value, (int, float, np.ndarray, Tensor)):
            return Tensor._make(np.array(np.asarray(value), dtype=np.float32))
        if isinstance(value, np.ndarray):
            value = Tensor._make(value)
        if not isinstance(value, Tensor):
            return _copy(value)
        if key in self._param_shaped_state and value.array.shape != param.array.shape:
            raise ValueError(f"{type(self).__name__}.load_state_dict: state '{key}' of "
                             f"parameter {index} has shape {tuple(value.array.shape)}, but the "
                             f"parameter has shape {tuple(param.array.shape)}")
        dtype = param.array.dtype if param.array.dtype.kind == "f" else value.array.dtype
        return Tensor._make(np.array(value.array, dtype=dtype))


def _copy(value):
    """A deep copy of nested dicts, lists and tuples; tensors copied."""
    if isinstance(value, Tensor):
        return Tensor._make(value.array.copy())
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _scalar_step(state):
    """Create (as a float32 0-d tensor, like PyTorch) or advance the step count; return it."""
    step = state.get("step")
    if step is None:
        step = state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
    step.array += 1
    return float(step.array)


def _zeros_state(p):
    return Tensor._make(np.zeros_like(p.array))


def _lerp_(start, end, weight):
    """start += weight * (end - start) in place, in PyTorch's two-sided form."""
    diff = end - start
    if abs(weight) < 0.5:
        axpy_(weight, diff, start)
    else:
        diff *= 1.0 - weight
        np.subtract(end, diff, out=start)


def _l2(g, p, weight_decay):
    """The gradient with L2 weight decay folded in: g + weight_decay * p."""
    return g + weight_decay * p.array if weight_decay != 0 else g


def _weight_decay(g, p, group):
    """Decoupled decay ``p *= 1 - lr * weight_decay`` if the group asks for it, else L2."""
    weight_decay = group["weight_decay"]
    if group.get("decoupled_weight_decay") and weight_decay != 0:
        p.array *= 1 - float(group["lr"]) * weight_decay
        return g
    return _l2(g, p, weight_decay)


def _init_state(state, p, *names):
    """Start a parameter's state: ``step`` 0 (float32, like PyTorch), then zero buffers."""
    if not state:
        state["step"] = Tensor._make(np.zeros((), dtype=np.float32))
        for name in names:
            state[name] = _zeros_state(p)


def _ema_square_(avg, g, beta):
    """avg = beta * avg + (1 - beta) * g * g, in place (PyTorch's mul_ then addcmul_)."""
    avg *= beta
    square = (1 - beta) * g
    square *= g
    avg += square


def _addcdiv_(param, value, numerator, denominator):
    """param += value * numerator / denominator, rounded as PyTorch's addcdiv_."""
    update = value * numerator
    update /= denominator
    param += update


def _check_hyper(name, value, low=0.0):
    if not low <= value:
        raise ValueError(f"Invalid {name}: {value}")


def _check_adam_like(lr, eps, betas, weight_decay):
    """PyTorch's checks, in its order, for the Adam family."""
    _check_hyper("learning rate", lr)
    _check_hyper("epsilon value", eps)
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    _check_hyper("weight_decay value", weight_decay)


def _finish(params):
    """Bump the version of every parameter written in place."""
    for p in params:
        bump_version(p)
