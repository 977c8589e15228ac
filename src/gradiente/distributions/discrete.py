"""Discrete distributions: Bernoulli, Categorical, OneHotCategorical, Binomial, Geometric
and Poisson.

The first five take ``probs`` or ``logits`` (not both) and compute the other lazily; sampling
is not differentiable (there is no ``rsample``).
"""

from functools import cached_property

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import arange, bernoulli, eye, full, multinomial, rand, zeros_like
from ..nn import functional as F
from ..ops.elementwise import where
from ..random import drawn, rng_of
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, clamp_probs

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical", "Binomial", "Geometric", "Poisson"]


def _one_parameter(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _support_along_dim0(values, batch_shape, expand):
    """``values`` (1-D) viewed as (len, 1, ..., 1), or expanded to (len, *batch_shape)."""
    values = values.reshape((-1,) + (1,) * len(batch_shape))
    return values.expand((-1,) + tuple(batch_shape)) if expand else values


def _draws(array, like):
    """NumPy draws as a tensor of ``like``'s dtype (made per example under vmap)."""
    return drawn(Tensor._make(np.asarray(array).astype(like.array.dtype)))


def _probs_or_logits(dist, probs, logits):
    """Set ``dist.probs`` or ``dist.logits``, whichever is given (exactly one), and return it."""
    _one_parameter(probs, logits)
    name, param = ("probs", probs) if probs is not None else ("logits", logits)
    (param,) = broadcast_all(param)
    setattr(dist, name, param)
    return param


class _ProbsOrLogits(Distribution):
    """Parameterized by one probability per entry, given as ``probs`` or as ``logits``; the
    other is computed when first read."""

    _param = property(lambda self: self.__dict__.get("probs", self.__dict__.get("logits")))
    probs = cached_property(lambda self: self.logits.sigmoid())
    logits = cached_property(lambda self: clamp_probs(self.probs).logit())


class Bernoulli(_ProbsOrLogits):
    """P(x) = p^x (1 - p)^(1 - x) on {0, 1}: log P(x) = x logits - log(1 + e^logits)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        param = _probs_or_logits(self, probs, logits)
        super().__init__(param.shape, validate_args=validate_args)

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

    def enumerate_support(self, expand=True):
        values = arange(2, dtype=self._param.dtype)
        return _support_along_dim0(values, self._batch_shape, expand)


class Categorical(Distribution):
    """P(x = k) = probs[..., k] for k in 0..K-1, over the last dim of ``probs`` or ``logits``
    (probs are normalized to sum to 1; logits to logsumexp 0)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

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

    def enumerate_support(self, expand=True):
        return _support_along_dim0(arange(self._num_events), self._batch_shape, expand)


class OneHotCategorical(Distribution):
    """A Categorical whose values are one-hot vectors of length K (the event shape)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

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

    def enumerate_support(self, expand=True):
        n = self._num_events
        values = eye(n, dtype=self._categorical._param.dtype)
        values = values.reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + tuple(self._batch_shape) + (n,)) if expand else values

    def entropy(self):
        return self._categorical.entropy()


class Binomial(_ProbsOrLogits):
    """P(k) = C(n, k) p^k (1 - p)^(n - k) for k in 0..n (n = ``total_count``), from the logits:
    log P(k) = k logits - n log(1 + e^logits) + log n! - log k! - log (n - k)!."""

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        _one_parameter(probs, logits)
        name, param = ("probs", probs) if probs is not None else ("logits", logits)
        total_count, param = broadcast_all(total_count, param)
        self.total_count = total_count.type_as(param)
        setattr(self, name, param)
        super().__init__(param.shape, validate_args=validate_args)

    support = property(lambda self: constraints.integer_interval(0, self.total_count))

    mean = property(lambda self: self.total_count * self.probs)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))
    mode = property(lambda self: ((self.total_count + 1) * self.probs).floor()
                    .clamp(max=self.total_count))

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        counts = self.total_count.expand(shape).array.astype(np.int64)
        return _draws(rng_of(None).binomial(counts, self.probs.expand(shape).array),
                      self._param)

    def log_prob(self, value):
        value, n, logits = self._checked(value), self.total_count, self.logits
        # n·max(logits, 0) + n·log(1 + e^-|logits|) = n·log(1 + e^logits), without overflow
        positive_part = (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2
        normalizer = (n * positive_part + n * (-logits.abs()).exp().log1p()
                      - (n + 1).lgamma())
        return value * logits - (value + 1).lgamma() - (n - value + 1).lgamma() - normalizer

    def _homogeneous_count(self, what):
        count = int(self.total_count.max().item())
        if self.total_count.min().item() != count:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return count

    def enumerate_support(self, expand=True):
        count = self._homogeneous_count("enumerate_support")
        values = arange(count + 1, dtype=self._param.dtype)
        return _support_along_dim0(values, self._batch_shape, expand)

    def entropy(self):
        """H = -Σ_k P(k) log P(k) over k in 0..n (n the same in every batch entry)."""
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)


class Geometric(_ProbsOrLogits):
    """P(k) = (1 - p)^k p for k = 0, 1, ... (failures before the first success)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        param = _probs_or_logits(self, probs, logits)
        super().__init__(param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not (self.probs.array > 0).all():
            raise ValueError(
                f"Expected parameter probs ({type(self.probs).__name__} of shape "
                f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but found "
                f"invalid values:\n{self.probs[self.probs <= 0]}")

    mean = property(lambda self: 1.0 / self.probs - 1.0)
    mode = property(lambda self: zeros_like(self.probs))
    variance = property(lambda self: (1.0 / self.probs - 1.0) / self.probs)

    def sample(self, sample_shape=()):
        """k = floor(log u / log(1 - p)), u ~ U[tiny, 1)."""
        tiny = float(np.finfo(self.probs.array.dtype).tiny)
        with no_grad():
            u = rand(self._extended_shape(sample_shape), dtype=self.probs.dtype)
            return ((u * (1 - tiny) + tiny).log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        value, probs = broadcast_all(self._checked(value), self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)  # 0·log(0) counts as 0 there
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        """H = (-p log p - (1 - p) log(1 - p)) / p."""
        return F.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                  reduction="none") / self.probs


class Poisson(Distribution):
    """P(k) = rate^k e^(-rate) / k!: log P(k) = k log rate - rate - log Γ(k + 1)."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    mean = variance = property(lambda self: self.rate)
    mode = property(lambda self: self.rate.floor())

    def sample(self, sample_shape=()):
        rate = self.rate.expand(self._extended_shape(sample_shape)).array
        return _draws(rng_of(None).poisson(rate), self.rate)

    def log_prob(self, value):
        rate, value = broadcast_all(self.rate, self._checked(value))
        return value.xlogy(rate) - rate - (value + 1).lgamma()
