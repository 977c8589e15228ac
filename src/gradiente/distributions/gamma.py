"""The Gamma family and what is built on it: Gamma, Chi2, StudentT, Dirichlet, Beta.

Gamma draws are differentiable by implicit reparameterization: for x ~ Gamma(α, 1) with CDF
F, dx/dα = -(∂F/∂α) / p(x), which torch approximates (``_standard_gamma_grad``); gradiente
uses the same approximation, so gradients of ``rsample`` agree with torch's.
"""

import math

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import full_like, randn
from ..nn import functional as F
from ..ops.elementwise import where
from ..ops.movement import stack
from ..random import rng_of
from ..tensor import Tensor
from . import constraints
from .discrete import _draws
from .distribution import Distribution, broadcast_all

__all__ = ["Gamma", "Chi2", "StudentT", "Dirichlet", "Beta"]

# ATen's standard_gamma_grad_one compares with float literals (0.8f, 0.9f, 1.1f)
_SMALL_X, _NEAR_LOW, _NEAR_HIGH = (float(np.float32(c)) for c in (0.8, 0.9, 1.1))
_RATIONAL_COEFFICIENTS = np.array([  # rows: 1, u, u²; columns: p's then q's powers of v
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343,
     1, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758,
     0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777,
     0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07]])


def _standard_gamma_grad(alpha, x):
    """dx/dα for x ~ Gamma(α, 1), as torch's ``_standard_gamma_grad`` (same operation order):
    for x < 0.8, -(∂F/∂α) / p(x) from F's Taylor series; for α > 8, Rice's saddle-point
    expansion; otherwise exp(p(u, v) / q(u, v)), a rational fit in u = log(x/α), v = log α."""
    alpha, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    with np.errstate(all="ignore"):
        numer, denom = np.ones_like(x), alpha
        series1, series2 = numer / denom, numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-x / i)
            denom = denom + 1
            series1, series2 = series1 + numer / denom, series2 + numer / (denom * denom)
        pow_x_alpha = x ** alpha
        pdf = x ** (alpha - 1) * np.exp(-x)
        digamma = Tensor._make(alpha).digamma().array
        cdf_alpha = (np.log(x) - digamma) * (pow_x_alpha * series1) - pow_x_alpha * series2
        small_x = -cdf_alpha / pdf
        small_x = np.where(np.isnan(small_x), 0.0, small_x)

        near = ((1 + 24 * alpha * (1 + 12 * alpha))
                * (1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha
                   + alpha * (107 + 3600 * x)) / (1244160 * (alpha * alpha) * (alpha * alpha)))
        root = np.sqrt(8 * alpha)
        term2 = root / (alpha - x)
        term3 = (x - alpha - alpha * np.log(x / alpha)) ** -1.5
        term1 = (np.log(x / alpha) * np.where(x < alpha, term2 - term3, term2 + term3)
                 - np.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x)))
        stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        far = -stirling * (x * term1) / root
        large_alpha = np.where((_NEAR_LOW * alpha <= x) & (x <= _NEAR_HIGH * alpha), near, far)

        u, v = np.log(x / alpha)[..., None], np.log(alpha)
        c = _RATIONAL_COEFFICIENTS
        c = c[0] + u * (c[1] + u * c[2])
        p = c[..., 0] + v * (c[..., 1] + v * (c[..., 2] + v * c[..., 3]))
        q = c[..., 4] + v * (c[..., 5] + v * (c[..., 6] + v * c[..., 7]))
        rational = np.exp(p / q)
    return np.where(x < _SMALL_X, small_x, np.where(alpha > 8, large_alpha, rational))


class Gamma(Distribution):
    """Gamma(concentration α, rate β): log p(x) = α log β + (α - 1) log x - β x - log Γ(α)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    mean = property(lambda self: self.concentration / self.rate)
    mode = property(lambda self: ((self.concentration - 1) / self.rate).clamp(min=0))
    variance = property(lambda self: self.concentration / self.rate ** 2)

    def rsample(self, sample_shape=()):
        """x = z / β, z ~ Gamma(α, 1), with dz/dα from ``_standard_gamma_grad``."""
        alpha = self.concentration.expand(self._extended_shape(sample_shape))
        z = _draws(rng_of(None).standard_gamma(alpha.array), alpha)
        dz_dalpha = Tensor._make(_standard_gamma_grad(alpha.array, z.array).astype(z.array.dtype))
        # equal to z, with derivative dz/dα along α: the draw itself is not differentiable
        value = (z + (alpha - alpha.detach()) * dz_dalpha) / self.rate
        # as torch, values that underflow become the smallest normal number, outside the graph
        np.maximum(value.array, np.finfo(value.array.dtype).tiny, out=value.array)
        return value

    def log_prob(self, value):
        value = self._checked(value)
        return (self.concentration.xlogy(self.rate) + (self.concentration - 1).xlogy(value)
                - self.rate * value - self.concentration.lgamma())

    def entropy(self):
        """H = α - log β + log Γ(α) + (1 - α) ψ(α)."""
        alpha = self.concentration
        return alpha - self.rate.log() + alpha.lgamma() + (1.0 - alpha) * alpha.digamma()


class Chi2(Gamma):
    """χ²(df) = Gamma(df / 2, 1/2)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * broadcast_all(df)[0], 0.5, validate_args=validate_args)

    df = property(lambda self: self.concentration * 2)


class StudentT(Distribution):
    """t(df, loc, scale): log p(x) = -(df + 1)/2 log(1 + y²/df) - log scale - log √(df π)
    - log Γ(df/2) + log Γ((df + 1)/2), y = (x - loc) / scale."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.shape, validate_args=validate_args)

    mean = property(lambda self: where(self.df <= 1, math.nan, self.loc))
    mode = property(lambda self: self.loc)

    @property
    def variance(self):
        """scale² df / (df - 2) for df > 2; ∞ for 1 < df <= 2; undefined (NaN) for df <= 1."""
        finite = self.scale ** 2 * self.df / (self.df - 2)
        infinite_or_undefined = where(self.df > 1, full_like(self.df, math.inf), math.nan)
        return where(self.df > 2, finite, infinite_or_undefined)

    def rsample(self, sample_shape=()):
        """x = loc + scale ε / √(z / df), ε ~ N(0, 1), z ~ χ²(df)."""
        eps = randn(self._extended_shape(sample_shape), dtype=self.df.dtype)
        chi2 = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (eps * (chi2 / self.df).rsqrt())

    def log_prob(self, value):
        y = (self._checked(value) - self.loc) / self.scale
        normalizer = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
                      + (0.5 * self.df).lgamma() - (0.5 * (self.df + 1.0)).lgamma())
        return -0.5 * (self.df + 1.0) * (y ** 2 / self.df).log1p() - normalizer

    def entropy(self):
        """H = log scale + (df + 1)/2 (ψ((df + 1)/2) - ψ(df/2)) + log √df + log B(df/2, 1/2)."""
        half_df, half_df1 = 0.5 * self.df, 0.5 * (self.df + 1)
        log_beta = half_df.lgamma() + math.lgamma(0.5) - half_df1.lgamma()
        return (self.scale.log() + half_df1 * (half_df1.digamma() - half_df.digamma())
                + 0.5 * self.df.log() + log_beta)


class Dirichlet(Distribution):
    """Dir(α) on the simplex: log p(x) = Σ (α_k - 1) log x_k + log Γ(Σ α_k) - Σ log Γ(α_k)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def sample(self, sample_shape=()):
        """Gammas normalized to sum to 1 (as torch: kept in [tiny, 1))."""
        alpha = self.concentration.expand(self._extended_shape(sample_shape)).array
        finfo = np.finfo(alpha.dtype)
        gammas = np.maximum(rng_of(None).standard_gamma(alpha), finfo.tiny)
        ratio = (gammas / gammas.sum(-1, keepdims=True)).astype(alpha.dtype)
        with no_grad():
            return _draws(np.clip(ratio, finfo.tiny, np.nextafter(alpha.dtype.type(1), 0)),
                          self.concentration)

    def log_prob(self, value):
        alpha = self.concentration
        return ((alpha - 1.0).xlogy(self._checked(value)).sum(-1) + alpha.sum(-1).lgamma()
                - alpha.lgamma().sum(-1))

    mean = property(lambda self: self.concentration / self.concentration.sum(-1, keepdim=True))

    @property
    def mode(self):
        """(α - 1)⁺ normalized; a vertex (the largest entry) where every α_k < 1."""
        excess = (self.concentration - 1).clamp(min=0.0)
        mode = excess / excess.sum(-1, keepdim=True)
        vertex = F.one_hot(mode.argmax(-1), excess.shape[-1]).to(mode.dtype)
        return where((self.concentration < 1).all(-1, keepdim=True), vertex, mode)

    @property
    def variance(self):
        total = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (total - self.concentration) / (total ** 2 * (total + 1))

    def entropy(self):
        """H = Σ log Γ(α_k) - log Γ(α₀) - (K - α₀) ψ(α₀) - Σ (α_k - 1) ψ(α_k), α₀ = Σ α_k."""
        alpha, k = self.concentration, self.concentration.shape[-1]
        total = alpha.sum(-1)
        return (alpha.lgamma().sum(-1) - total.lgamma() - (k - total) * total.digamma()
                - ((alpha - 1.0) * alpha.digamma()).sum(-1))


class Beta(Distribution):
    """Beta(a = concentration1, b = concentration0): the first entry of a Dir((a, b))."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        pair = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(stack(pair, -1), validate_args=validate_args)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    concentration1 = property(lambda self: self._dirichlet.concentration[..., 0])
    concentration0 = property(lambda self: self._dirichlet.concentration[..., 1])
    mean = property(lambda self: self.concentration1 / (self.concentration1
                                                        + self.concentration0))
    mode = property(lambda self: self._dirichlet.mode[..., 0])

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))

    def sample(self, sample_shape=()):
        return self._dirichlet.sample(sample_shape)[..., 0]

    def log_prob(self, value):
        value = self._checked(value)
        return self._dirichlet.log_prob(stack((value, 1.0 - value), -1))

    def entropy(self):
        return self._dirichlet.entropy()
