"""The ``Distribution`` base class: shapes, argument validation, sampling without gradients."""

from functools import cached_property
from numbers import Number

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..dtypes import get_default_dtype
from ..size import Size
from ..tensor import Tensor

__all__ = ["Distribution", "broadcast_all"]


def broadcast_all(*values):
    """The values as tensors of their broadcast shape; numbers take a tensor's dtype, or the
    default dtype when all are numbers."""
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number or "
                         "gradiente.Tensor.")
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), get_default_dtype())
    values = [v if isinstance(v, Tensor) else tensor(float(v), dtype=dtype) for v in values]
    shape = np.broadcast_shapes(*(tuple(v.shape) for v in values))
    return tuple(v.expand(shape) for v in values)


def clamp_probs(probs):
    """Probabilities kept in [eps, 1 - eps], so their logits are finite."""
    eps = float(np.finfo(probs.array.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


class Distribution:
    """A batch of distributions: ``sample(sample_shape)`` has shape
    ``sample_shape + batch_shape + event_shape``; ``log_prob(value)`` has the batch shape."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints = {}
    _validate_default = True

    @staticmethod
    def set_default_validate_args(value):
        Distribution._validate_default = bool(value)

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = Size(batch_shape), Size(event_shape)
        self._validate_args = self._validate_default if validate_args is None else validate_args
        if not self._validate_args:
            return
        for param, constraint in self.arg_constraints.items():
            if isinstance(getattr(type(self), param, None), cached_property) \
                    and param not in self.__dict__:
                continue  # computed lazily from the parameter given, which is checked
            value = getattr(self, param)
            if not constraint.check(value).all():
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape "
                    f"{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint "
                    f"{constraint!r}, but found invalid values:\n{value}")

    batch_shape = property(lambda self: self._batch_shape)
    event_shape = property(lambda self: self._event_shape)

    def expand(self, batch_shape):
        """The same distribution with its parameters expanded (not copied) to ``batch_shape``."""
        batch_shape = Size(batch_shape)
        new = object.__new__(type(self))
        for name, value in self.__dict__.items():
            if isinstance(value, Distribution):
                value = value.expand(batch_shape)
            elif name in self.arg_constraints:
                value = value.expand(tuple(batch_shape) + value.shape[len(self._batch_shape):])
            new.__dict__[name] = value
        new._batch_shape = batch_shape
        return new

    def _extended_shape(self, sample_shape=()):
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape=()):
        """Draws without gradients (``rsample`` under ``no_grad``)."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterized rsample")

    def _missing(self, what):
        raise NotImplementedError(f"{type(self).__name__} does not implement {what}")

    mean = property(lambda self: self._missing("mean"))
    mode = property(lambda self: self._missing("mode"))
    variance = property(lambda self: self._missing("variance"))
    support = property(lambda self: self._missing("support"))
    stddev = property(lambda self: self.variance.sqrt())

    def log_prob(self, value):
        self._missing("log_prob")

    def cdf(self, value):
        self._missing("cdf")

    def icdf(self, value):
        self._missing("icdf")

    def entropy(self):
        self._missing("entropy")

    def enumerate_support(self, expand=True):
        """Every value of the (discrete) support along a new dim 0, before the batch dims."""
        self._missing("enumerate_support")

    def perplexity(self):
        """exp(entropy)."""
        return self.entropy().exp()

    def _checked(self, value):
        """``value``, once checked (when validating) to fit the shapes and lie in the support."""
        if not self._validate_args:
            return value
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_start = value.dim() - len(self._event_shape)
        if tuple(value.shape[event_start:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{value.shape} vs {self._event_shape}.")
        expected = self._batch_shape + self._event_shape
        try:
            np.broadcast_shapes(tuple(value.shape), tuple(expected))
        except ValueError:
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                             f"{value.shape} vs {Size(expected)}.") from None
        if not self.support.check(value).all():
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) "
                f"to be within the support ({self.support!r}) of the distribution {self!r}, "
                f"but found invalid values:\n{value}")
        return value

    def __repr__(self):
        params = [p for p in self.arg_constraints if p in self.__dict__]
        # as torch's: a 0-d parameter as its number, another single value as its tensor
        shown = [f"{p}: {v.item() if v.dim() == 0 else v if v.numel() == 1 else v.shape}"
                 for p, v in ((p, self.__dict__[p]) for p in params)]
        return f"{type(self).__name__}({', '.join(shown)})"
