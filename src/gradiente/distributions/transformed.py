"""``TransformedDistribution``: y = f(x), x from a base distribution, with
log p(y) = log p_base(f⁻¹(y)) - log |det ∂f/∂x|; and the families torch builds on it."""

import math

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import full_like, ones_like, zeros_like
from ..ops.elementwise import where
from ..size import Size
from . import constraints
from .continuous import Cauchy, Exponential, Normal, Uniform
from .distribution import Distribution, broadcast_all
from .independent import Independent, _sum_rightmost
from .transforms import AbsTransform, AffineTransform, ComposeTransform, ExpTransform, \
    PowerTransform, Transform, _widened

__all__ = ["TransformedDistribution", "LogNormal", "HalfNormal", "HalfCauchy", "Gumbel",
           "Weibull", "Pareto"]


class TransformedDistribution(Distribution):
    """Draws ``transforms[-1](... transforms[0](x))`` with x from ``base_distribution``."""

    arg_constraints = {}

    def __init__(self, base_distribution, transforms, validate_args=None):
        self.transforms = [transforms] if isinstance(transforms, Transform) else transforms
        if not isinstance(self.transforms, list):
            raise ValueError(f"transforms must be a Transform or list, but was {transforms}")
        if not all(isinstance(t, Transform) for t in self.transforms):
            raise ValueError("transforms must be a Transform or a list of Transforms")
        base_shape = tuple(base_distribution.batch_shape + base_distribution.event_shape)
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(f"base_distribution needs to have shape with size at least "
                             f"{transform.domain.event_dim}, but got {Size(base_shape)}.")
        forward_shape = tuple(transform.forward_shape(base_shape))
        expanded_base_shape = tuple(transform.inverse_shape(forward_shape))
        if base_shape != expanded_base_shape:
            base_distribution = base_distribution.expand(
                expanded_base_shape[:len(expanded_base_shape) - base_event_dim])
        reinterpreted = transform.domain.event_dim - base_event_dim
        self.base_dist = (Independent(base_distribution, reinterpreted) if reinterpreted > 0
                          else base_distribution)
        event_dim = max(transform.codomain.event_dim, base_event_dim
                        + transform.codomain.event_dim - transform.domain.event_dim)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    has_rsample = property(lambda self: self.base_dist.has_rsample)

    @property
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        return _widened(self.transforms[-1].codomain, len(self._event_shape))

    def sample(self, sample_shape=()):
        with no_grad():
            return self._transformed(self.base_dist.sample(sample_shape))

    def rsample(self, sample_shape=()):
        return self._transformed(self.base_dist.rsample(sample_shape))

    def _transformed(self, x):
        return ComposeTransform(self.transforms)(x)

    def log_prob(self, value):
        """log p_base(x) - Σ log |det J| of each transform, back from y = value."""
        y, event_dim, log_prob = self._checked(value), len(self._event_shape), 0.0
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_prob = log_prob - _sum_rightmost(transform.log_abs_det_jacobian(x, y),
                                                 event_dim - transform.domain.event_dim)
            y = x
        return log_prob + _sum_rightmost(self.base_dist.log_prob(y),
                                         event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        """F(y) = F_base(x) where f increases, 1 - F_base(x) where it decreases."""
        sign = ComposeTransform(self.transforms).sign
        return value if isinstance(sign, int) and sign == 1 else sign * (value - 0.5) + 0.5

    def cdf(self, value):
        for transform in reversed(self.transforms):
            value = transform.inv(value)
        return self._monotonize_cdf(self.base_dist.cdf(self.base_dist._checked(value)))

    def icdf(self, value):
        return self._transformed(self.base_dist.icdf(self._monotonize_cdf(value)))


class LogNormal(TransformedDistribution):
    """exp(x), x ~ N(loc, scale²)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    loc = property(lambda self: self.base_dist.loc)
    scale = property(lambda self: self.base_dist.scale)

    def __init__(self, loc, scale, validate_args=None):
        super().__init__(Normal(loc, scale, validate_args=validate_args), ExpTransform(),
                         validate_args=validate_args)

    mean = property(lambda self: (self.loc + self.scale ** 2 / 2).exp())
    mode = property(lambda self: (self.loc - self.scale ** 2).exp())
    variance = property(lambda self: (self.scale ** 2).expm1() * (2 * self.loc
                                                                  + self.scale ** 2).exp())

    def entropy(self):
        """H = H_normal + loc."""
        return self.base_dist.entropy() + self.loc


class _Folded(TransformedDistribution):
    """|x| for x from a symmetric ``base`` centred at 0: p(y) = 2 p_base(y) for y >= 0."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    scale = property(lambda self: self.base_dist.scale)
    mode = property(lambda self: zeros_like(self.scale))

    def __init__(self, scale, validate_args=None):
        super().__init__(self._base(0, scale, validate_args=False), AbsTransform(),
                         validate_args=validate_args)

    def log_prob(self, value):
        value = self._checked(value)
        return where(value >= 0, self.base_dist.log_prob(value) + math.log(2), -math.inf)

    def cdf(self, value):
        return 2 * self.base_dist.cdf(self._checked(value)) - 1

    def icdf(self, value):
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Folded):
    """|x|, x ~ N(0, scale²)."""

    _base = Normal
    mean = property(lambda self: self.scale * math.sqrt(2 / math.pi))
    variance = property(lambda self: self.scale ** 2 * (1 - 2 / math.pi))


class HalfCauchy(_Folded):
    """|x|, x ~ Cauchy(0, scale): no mean nor variance (both infinite)."""

    _base = Cauchy
    mean = variance = property(lambda self: full_like(self.scale, math.inf))


class Gumbel(TransformedDistribution):
    """loc - scale log(-log u), u ~ U(0, 1): log p(x) = z - e^z - log scale,
    z = (loc - x) / scale."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = np.finfo(self.loc.array.dtype)
        base = Uniform(full_like(self.loc, float(finfo.tiny)),
                       full_like(self.loc, 1 - float(finfo.eps)), validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, -ones_like(self.scale)),
                      ExpTransform().inv, AffineTransform(loc, -self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def log_prob(self, value):
        z = (self.loc - self._checked(value)) / self.scale
        return (z - z.exp()) - self.scale.log()

    mean = property(lambda self: self.loc + self.scale * np.euler_gamma)
    mode = property(lambda self: self.loc)
    stddev = property(lambda self: math.pi / math.sqrt(6) * self.scale)
    variance = property(lambda self: self.stddev ** 2)

    def entropy(self):
        """H = log scale + 1 + γ."""
        return self.scale.log() + (1 + np.euler_gamma)


class Weibull(TransformedDistribution):
    """scale e^(1/k), e ~ Exp(1), k = concentration: F(x) = 1 - exp(-(x / scale)^k)."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        transforms = [PowerTransform(self.concentration_reciprocal),
                      AffineTransform(0, self.scale)]
        super().__init__(Exponential(ones_like(self.scale), validate_args=validate_args),
                         transforms, validate_args=validate_args)

    mean = property(lambda self: self.scale * (1 + self.concentration_reciprocal).lgamma().exp())
    mode = property(lambda self: self.scale * ((self.concentration - 1) / self.concentration)
                    ** self.concentration_reciprocal)
    variance = property(lambda self: self.scale ** 2 * (
        (1 + 2 * self.concentration_reciprocal).lgamma().exp()
        - (2 * (1 + self.concentration_reciprocal).lgamma()).exp()))

    def entropy(self):
        """H = γ (1 - 1/k) + log(scale / k) + 1."""
        return (np.euler_gamma * (1 - self.concentration_reciprocal)
                + (self.scale * self.concentration_reciprocal).log() + 1)


class Pareto(TransformedDistribution):
    """scale e^e, e ~ Exp(alpha): p(x) = alpha scale^alpha / x^(alpha + 1) for x >= scale."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        super().__init__(Exponential(self.alpha, validate_args=validate_args),
                         [ExpTransform(), AffineTransform(0, self.scale)],
                         validate_args=validate_args)

    support = property(lambda self: constraints.greater_than_eq(self.scale))

    @property
    def mean(self):
        """alpha scale / (alpha - 1), infinite for alpha <= 1."""
        alpha = self.alpha.clamp(min=1)
        return alpha * self.scale / (alpha - 1)

    mode = property(lambda self: self.scale)

    @property
    def variance(self):
        """scale² alpha / ((alpha - 1)² (alpha - 2)), infinite for alpha <= 2."""
        alpha = self.alpha.clamp(min=2)
        return self.scale ** 2 * alpha / ((alpha - 1) ** 2 * (alpha - 2))

    def entropy(self):
        """H = log(scale / alpha) + 1 + 1 / alpha."""
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
