"""Discrete distributions: Bernoulli, Categorical and OneHotCategorical.

Each takes ``probs`` or ``logits`` (not both) and computes the other lazily; sampling is not
differentiable (there is no ``rsample``).
"""

from functools import cached_property

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import bernoulli, full, multinomial
from ..nn import functional as F
from ..ops.elementwise import where
from . import constraints
from .distribution import Distribution, broadcast_all, clamp_probs

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical"]


def _one_parameter(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class Bernoulli(Distribution):
    """P(x) = p^x (1 - p)^(1 - x) on {0, 1}: log P(x) = x logits - log(1 + e^logits)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_parameter(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        super().__init__(self._param.shape, validate_args=validate_args)

    _param = property(lambda self: self.__dict__.get("probs", self.__dict__.get("logits")))

    probs = cached_property(lambda self: self.logits.sigmoid())

    logits = cached_property(lambda self: clamp_probs(self.probs).logit())

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    @property
    def mode(self):
        """1 where p > 1/2, 0 where p < 1/2, NaN at p = 1/2 (two modes)."""
        return where(self.probs == 0.5, np.nan, (self.probs >= 0.5).to(self.probs.dtype))

    def sample(self, sample_shape=()):
        with no_grad():
            return bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        logits, value = broadcast_all(self.logits, self._checked(value))
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        """H = -p log p - (1 - p) log(1 - p), from the logits."""
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    """P(x = k) = probs[..., k] for k in 0..K-1, over the last dim of ``probs`` or ``logits``
    (probs are normalized to sum to 1; logits to logsumexp 0)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_parameter(probs, logits)
        name, param = ("probs", probs) if probs is not None else ("logits", logits)
        if param.dim() < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional.")
        if probs is not None:
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
        super().__init__(param.shape[:-1], validate_args=validate_args)

    _param = property(lambda self: self.__dict__.get("probs", self.__dict__.get("logits")))
    param_shape = property(lambda self: self._param.shape)
    _num_events = property(lambda self: self._param.shape[-1])
    support = property(lambda self: constraints.integer_interval(0, self._num_events - 1))

    probs = cached_property(lambda self: self.logits.softmax(-1))
    logits = cached_property(lambda self: clamp_probs(self.probs).log())

    mean = property(lambda self: full(self._batch_shape, np.nan, dtype=self._param.dtype))
    variance = mean
    mode = property(lambda self: self.probs.argmax(-1))

    def sample(self, sample_shape=()):
        """Draws per row of ``probs`` by ``multinomial`` with replacement."""
        probs_2d = self.probs.reshape(-1, self._num_events)
        count = int(np.prod(tuple(sample_shape), dtype=np.int64))
        return multinomial(probs_2d, count, True).T.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        value = self._checked(value).long().unsqueeze(-1)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape))
        index = value.expand(shape[:-1] + (1,))
        return self.logits.expand(shape).gather(-1, index).squeeze(-1)

    def entropy(self):
        """H = -Σ_k p_k log p_k (logits clamped to the float range: 0 log 0 = 0, not NaN)."""
        logits = self.logits.clamp(min=float(np.finfo(self.logits.array.dtype).min))
        return -(logits * self.probs).sum(-1)


class OneHotCategorical(Distribution):
    """A Categorical whose values are one-hot vectors of length K (the event shape)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot

    def __init__(self, probs=None, logits=None, validate_args=None):
        # checked here, so errors name OneHotCategorical (torch's name the inner Categorical)
        self._categorical = Categorical(probs, logits, validate_args=False)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    probs = property(lambda self: self._categorical.probs)
    logits = property(lambda self: self._categorical.logits)
    _num_events = property(lambda self: self._categorical._num_events)
    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    @property
    def mode(self):
        return F.one_hot(self.probs.argmax(-1), self._num_events).to(self.probs.dtype)

    def sample(self, sample_shape=()):
        indices = self._categorical.sample(sample_shape)
        return F.one_hot(indices, self._num_events).to(self.probs.dtype)

    def log_prob(self, value):
        return self._categorical.log_prob(self._checked(value).argmax(-1))

    def entropy(self):
        return self._categorical.entropy()
