"""Invertible maps y = f(x) between constraint sets, with log |det ∂y/∂x|, as
``torch.distributions.transforms``; ``biject_to``/``transform_to`` map a constraint's set from
the reals.

>>> import gradiente as gr
>>> t = gr.distributions.transforms.AffineTransform(1.0, 2.0)
>>> t(gr.tensor(0.5)).item(), t.inv(gr.tensor(2.0)).item(), t.sign
(2.0, 0.5, 1)
>>> gr.distributions.biject_to(gr.distributions.constraints.positive).parts
[ExpTransform(), AffineTransform()]
"""

import math
from functools import reduce
from numbers import Number

import numpy as np

from ..nn import functional as F
from ..tensor import Tensor
from . import constraints
from .constraints import _array
from .independent import _sum_rightmost

__all__ = ["Transform", "ComposeTransform", "ExpTransform", "PowerTransform", "SigmoidTransform",
           "TanhTransform", "SoftplusTransform", "AbsTransform", "AffineTransform",
           "SoftmaxTransform", "identity_transform", "biject_to", "transform_to"]


class Transform:
    """y = f(x) from ``domain`` to ``codomain``. With ``cache_size=1`` the last (x, y) pair is
    kept, so ``inv(f(x))`` returns the very ``x`` (even where f is not invertible)."""

    bijective = False
    domain = codomain = constraints.real

    def __init__(self, cache_size=0):
        if cache_size not in (0, 1):
            raise ValueError("cache_size must be 0 or 1")
        self._cache_size, self._cached_x_y = cache_size, (None, None)

    inv = property(lambda self: _InverseTransform(self))
    sign = property(lambda self: self._missing("sign"))

    def _missing(self, what):
        raise NotImplementedError(f"{type(self).__name__} does not implement {what}")

    def __call__(self, x):
        return self._through_cache(x, 0, self._call)

    def _inv_call(self, y):
        return self._through_cache(y, 1, self._inverse)

    def _through_cache(self, value, end, compute):
        """compute(value), or the cached pair's other end when ``value`` is its end ``end``."""
        if self._cache_size and value is self._cached_x_y[end]:
            return self._cached_x_y[1 - end]
        result = compute(value)
        if self._cache_size:
            self._cached_x_y = (value, result) if end == 0 else (result, value)
        return result

    def _call(self, x):
        self._missing("_call")

    def _inverse(self, y):
        self._missing("_inverse")

    def log_abs_det_jacobian(self, x, y):
        self._missing("log_abs_det_jacobian")

    def forward_shape(self, shape):
        return shape

    inverse_shape = forward_shape
    _params = property(lambda self: ())
    __hash__ = object.__hash__

    def __eq__(self, other):
        """Same type and equal parameters (tensors equal in every entry)."""
        if type(self) is not type(other) or len(self._params) != len(other._params):
            return False
        return all(a == b if isinstance(a, Transform) else bool(np.all(_array(a) == _array(b)))
                   for a, b in zip(self._params, other._params))

    def __repr__(self):
        return f"{type(self).__name__}()"


class _InverseTransform(Transform):
    """x = f⁻¹(y): log |det ∂x/∂y| = -log |det ∂y/∂x| at x = f⁻¹(y)."""

    def __init__(self, transform):
        super().__init__(transform._cache_size)
        self._inv = transform

    domain = property(lambda self: self._inv.codomain)
    codomain = property(lambda self: self._inv.domain)
    bijective = property(lambda self: self._inv.bijective)
    sign = property(lambda self: self._inv.sign)
    inv = property(lambda self: self._inv)
    forward_shape = property(lambda self: self._inv.inverse_shape)
    inverse_shape = property(lambda self: self._inv.forward_shape)
    _params = property(lambda self: (self._inv,))

    def __call__(self, x):
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def __repr__(self):
        return f"_InverseTransform({self._inv!r})"


def _widened(constraint, event_dim):
    """``constraint`` over ``event_dim`` dims: independent over those beyond its own."""
    extra = event_dim - constraint.event_dim
    return constraints.independent(constraint, extra) if extra > 0 else constraint


class ComposeTransform(Transform):
    """parts[-1] ∘ ... ∘ parts[0]; log |det J| sums the parts' terms, each summed over the
    dims that are event dims of the whole but not of the part."""

    def __init__(self, parts, cache_size=0):
        super().__init__(cache_size)
        self.parts = list(parts)

    domain = property(lambda self: self._end(self.parts, "domain", "codomain"))
    codomain = property(lambda self: self._end(self.parts[::-1], "codomain", "domain"))

    @staticmethod
    def _end(parts, near, far):
        """The first part's ``near`` set, over the event dims the whole chain needs there."""
        if not parts:
            return constraints.real
        event_dim = getattr(parts[-1], far).event_dim
        for part in reversed(parts):
            near_dim = getattr(part, near).event_dim
            event_dim = max(event_dim + near_dim - getattr(part, far).event_dim, near_dim)
        return _widened(getattr(parts[0], near), event_dim)

    bijective = property(lambda self: all(part.bijective for part in self.parts))
    sign = property(lambda self: reduce(lambda s, part: s * part.sign, self.parts, 1))
    inv = property(lambda self: ComposeTransform([p.inv for p in reversed(self.parts)]))
    _params = property(lambda self: tuple(self.parts))

    def __call__(self, x):
        return reduce(lambda x, part: part(x), self.parts, x)

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return x.new_zeros(x.shape)
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        result, event_dim = 0, self.domain.event_dim
        for part, x, y in zip(self.parts, xs, xs[1:] + [y]):
            result = result + _sum_rightmost(part.log_abs_det_jacobian(x, y),
                                             event_dim - part.domain.event_dim)
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return result

    def forward_shape(self, shape):
        return reduce(lambda s, part: part.forward_shape(s), self.parts, shape)

    def inverse_shape(self, shape):
        return reduce(lambda s, part: part.inverse_shape(s), reversed(self.parts), shape)

    def __repr__(self):
        return "ComposeTransform(\n    " + ",\n    ".join(map(repr, self.parts)) + "\n)"


identity_transform = ComposeTransform([])


class ExpTransform(Transform):
    """y = exp(x); log |dy/dx| = x."""

    codomain, bijective, sign = constraints.positive, True, 1
    _call, _inverse = staticmethod(Tensor.exp), staticmethod(Tensor.log)

    def log_abs_det_jacobian(self, x, y):
        return x


class PowerTransform(Transform):
    """y = x^exponent on x > 0; log |dy/dx| = log |exponent y / x|."""

    domain = codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size)
        self.exponent = exponent

    sign = property(lambda self: self.exponent.sign())
    _params = property(lambda self: (self.exponent,))

    def _call(self, x):
        return x.pow(self.exponent)

    def _inverse(self, y):
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return (self.exponent * y / x).abs().log()


def _clipped_sigmoid(x):
    """sigmoid(x) kept in [tiny, 1 - eps], so its log and logit stay finite."""
    finfo = np.finfo(x.array.dtype)
    return x.sigmoid().clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))


class SigmoidTransform(Transform):
    """y = 1 / (1 + e^-x); log |dy/dx| = -softplus(-x) - softplus(x)."""

    codomain, bijective, sign = constraints.unit_interval, True, 1
    _call = staticmethod(_clipped_sigmoid)

    def _inverse(self, y):
        finfo = np.finfo(y.array.dtype)
        y = y.clamp(min=float(finfo.tiny), max=1.0 - float(finfo.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        return -F.softplus(-x) - F.softplus(x)


class TanhTransform(Transform):
    """y = tanh(x); log |dy/dx| = log(1 - tanh²x) = 2 (log 2 - x - softplus(-2x))."""

    codomain, bijective, sign = constraints.interval(-1.0, 1.0), True, 1
    _call, _inverse = staticmethod(Tensor.tanh), staticmethod(Tensor.atanh)

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - F.softplus(-2.0 * x))


class SoftplusTransform(Transform):
    """y = log(1 + e^x); x = y + log(1 - e^-y); log |dy/dx| = -softplus(-x)."""

    codomain, bijective, sign = constraints.positive, True, 1
    _call = staticmethod(F.softplus)

    def _inverse(self, y):
        return (-(-y).expm1()).log() + y

    def log_abs_det_jacobian(self, x, y):
        return -F.softplus(-x)


class AbsTransform(Transform):
    """y = |x|; its inverse picks x = y (not a bijection: no log |det J|)."""

    codomain = constraints.positive
    _call = staticmethod(Tensor.abs)

    def _inverse(self, y):
        return y


class AffineTransform(Transform):
    """y = loc + scale x; log |det J| = log |scale|, summed over the ``event_dim`` last dims."""

    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size)
        self.loc, self.scale, self._event_dim = loc, scale, event_dim

    domain = codomain = property(lambda self: _widened(constraints.real, self._event_dim))
    _params = property(lambda self: (self.loc, self.scale))

    sign = property(lambda self: self.scale.sign() if isinstance(self.scale, Tensor)
                    else int(np.sign(self.scale)))

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        if isinstance(self.scale, Number):
            result = x.new_full(x.shape, math.log(abs(self.scale)))
        else:
            result = self.scale.abs().log()
        return _sum_rightmost(result, self._event_dim).expand(x.shape[:x.dim() - self._event_dim])

    def forward_shape(self, shape):
        shapes = (tuple(getattr(v, "shape", ())) for v in (self.loc, self.scale))
        return tuple(np.broadcast_shapes(tuple(shape), *shapes))

    inverse_shape = forward_shape


class SoftmaxTransform(Transform):
    """y = softmax(x) over the last dim; x = log y (not a bijection: no log |det J|)."""

    domain, codomain = constraints.real_vector, constraints.simplex

    def _call(self, x):
        probs = (x - x.amax(-1, keepdim=True)).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y):
        return y.log()


def _exp_then_shift(constraint, scale):
    bound = getattr(constraint, "lower_bound" if scale == 1 else "upper_bound")
    return ComposeTransform([ExpTransform(), AffineTransform(bound, scale)])


def _sigmoid_onto_interval(constraint):
    low, high = constraint.lower_bound, constraint.upper_bound
    if isinstance(low, Number) and isinstance(high, Number) and (low, high) == (0, 1):
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(low, high - low)])


_FROM_REALS = {"Real": lambda c: identity_transform,
               "GreaterThan": lambda c: _exp_then_shift(c, 1),
               "GreaterThanEq": lambda c: _exp_then_shift(c, 1),
               "LessThan": lambda c: _exp_then_shift(c, -1),
               "Interval": _sigmoid_onto_interval}


def _lookup(constraint, table):
    kind = repr(constraint).split("(")[0]  # torch dispatches on the class: _GreaterThan, ...
    if kind not in table:
        raise NotImplementedError(f"Cannot transform _{kind} constraints")
    return table[kind](constraint)


def biject_to(constraint):
    """A bijection from the reals (of the constraint's event dims) onto ``constraint``'s set."""
    return _lookup(constraint, _FROM_REALS)


def transform_to(constraint):
    """A map from the reals onto ``constraint``'s set (not always a bijection)."""
    table = dict(_FROM_REALS, Simplex=lambda c: SoftmaxTransform())
    return _lookup(constraint, table)
