"""Continuous distributions on the real line: Normal, Uniform, Exponential, Laplace.

Each draws by reparameterization (``rsample``: a transform of parameter-free noise), so
samples are differentiable with respect to the parameters.
"""

import math

import numpy as np

from ..creation import full, rand, randn, zeros_like
from ..ops.elementwise import erfinv, where
from . import constraints
from .distribution import Distribution, broadcast_all

__all__ = ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy"]


class _LocationScale(Distribution):
    """A location-scale family on the real line (Normal, Laplace): x = loc + scale z, with z
    drawn from the family's standard member; its mean and mode are loc."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    mean = mode = property(lambda self: self.loc)


class Normal(_LocationScale):
    """N(loc, scale²): log p(x) = -(x - loc)² / (2 scale²) - log scale - log √(2π)."""

    stddev = property(lambda self: self.scale)
    variance = property(lambda self: self.scale ** 2)

    def rsample(self, sample_shape=()):
        """x = loc + ε scale, ε ~ N(0, 1)."""
        eps = randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        return (-((self._checked(value) - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value):
        """F(x) = (1 + erf((x - loc) / (scale √2))) / 2."""
        return 0.5 * (1 + ((self._checked(value) - self.loc) / (self.scale * math.sqrt(2))).erf())

    def icdf(self, value):
        """F⁻¹(p) = loc + scale √2 erf⁻¹(2p - 1)."""
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        """H = 1/2 + log(√(2π) scale)."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """U[low, high): p(x) = 1 / (high - low) on [low, high), 0 elsewhere."""

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)

    arg_constraints = property(lambda self: {"low": constraints.less_than(self.high),
                                             "high": constraints.greater_than(self.low)})
    support = property(lambda self: constraints.interval(self.low, self.high))

    mean = property(lambda self: (self.high + self.low) / 2)
    mode = property(lambda self: np.nan * self.high)
    stddev = property(lambda self: (self.high - self.low) / 12 ** 0.5)
    variance = property(lambda self: (self.high - self.low) ** 2 / 12)

    def rsample(self, sample_shape=()):
        """x = low + u (high - low), u ~ U[0, 1)."""
        u = rand(self._extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = self._checked(value)
        inside = (self.low <= value) & (value < self.high)
        return where(inside, -(self.high - self.low).log(), -math.inf)

    def cdf(self, value):
        """F(x) = clamp((x - low) / (high - low), 0, 1)."""
        return ((self._checked(value) - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value):
        """F⁻¹(p) = low + p (high - low)."""
        return value * (self.high - self.low) + self.low

    def entropy(self):
        """H = log(high - low)."""
        return (self.high - self.low).log()


class Exponential(Distribution):
    """Exp(rate): log p(x) = log rate - rate x for x >= 0."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    mean = stddev = property(lambda self: self.rate.reciprocal())
    mode = property(lambda self: zeros_like(self.rate))
    variance = property(lambda self: self.rate ** -2)

    def rsample(self, sample_shape=()):
        """x = -log(1 - u) / rate, u ~ U[0, 1)."""
        u = rand(self._extended_shape(sample_shape), dtype=self.rate.dtype)
        return -(-u).log1p() / self.rate

    def log_prob(self, value):
        return self.rate.log() - self.rate * self._checked(value)

    def cdf(self, value):
        """F(x) = 1 - exp(-rate x)."""
        return 1 - (-self.rate * self._checked(value)).exp()

    def icdf(self, value):
        """F⁻¹(p) = -log(1 - p) / rate."""
        return -(-value).log1p() / self.rate

    def entropy(self):
        """H = 1 - log rate."""
        return 1.0 - self.rate.log()


class Laplace(_LocationScale):
    """Laplace(loc, scale): log p(x) = -log(2 scale) - |x - loc| / scale."""

    stddev = property(lambda self: math.sqrt(2) * self.scale)
    variance = property(lambda self: 2 * self.scale ** 2)

    def rsample(self, sample_shape=()):
        """x = loc - scale sign(u) log(1 - |u|), u ~ U[eps - 1, 1) (eps keeps log finite)."""
        eps = float(np.finfo(self.loc.array.dtype).eps)
        u = rand(self._extended_shape(sample_shape), dtype=self.loc.dtype) * (2 - eps) + eps - 1
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        return -(2 * self.scale).log() - (self._checked(value) - self.loc).abs() / self.scale

    def cdf(self, value):
        """F(x) = 1/2 - sign(x - loc) expm1(-|x - loc| / scale) / 2."""
        z = self._checked(value) - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value):
        """F⁻¹(p) = loc - scale sign(p - 1/2) log(1 - 2 |p - 1/2|)."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self):
        """H = 1 + log(2 scale)."""
        return 1 + (2 * self.scale).log()


class Cauchy(_LocationScale):
    """Cauchy(loc, scale): log p(x) = -log π - log scale - log(1 + ((x - loc) / scale)²)."""

    mean = property(lambda self: full(self._batch_shape, np.nan, dtype=self.loc.dtype))
    variance = property(lambda self: full(self._batch_shape, np.inf, dtype=self.loc.dtype))
    mode = property(lambda self: self.loc)

    def rsample(self, sample_shape=()):
        """x = loc + scale tan(π (u - 1/2)), u ~ U[0, 1)."""
        u = rand(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + (math.pi * (u - 0.5)).tan() * self.scale

    def log_prob(self, value):
        z = (self._checked(value) - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - (z ** 2).log1p()

    def cdf(self, value):
        """F(x) = atan((x - loc) / scale) / π + 1/2."""
        return ((self._checked(value) - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        """F⁻¹(p) = loc + scale tan(π (p - 1/2))."""
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        """H = log(4π scale)."""
        return math.log(4 * math.pi) + self.scale.log()
