"""KL(p ‖ q) = E_p[log p(x) - log q(x)] in closed form, by rules registered per pair of types."""

import math

import numpy as np

from ..nn import functional as F
from ..ops.elementwise import where
from .. import linalg
from .continuous import Cauchy, Exponential, Laplace, Normal, Uniform
from .discrete import Bernoulli, Binomial, Categorical, Geometric, OneHotCategorical, Poisson
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent, _sum_rightmost
from .multivariate_normal import MultivariateNormal, _half_log_det, _mahalanobis
from .transformed import Gumbel, HalfNormal, Pareto, TransformedDistribution

__all__ = ["kl_divergence", "register_kl"]

_KL_RULES = {}


def register_kl(type_p, type_q):
    """Decorator: ``@register_kl(Normal, Normal) def kl(p, q): ...``."""
    def register(rule):
        _KL_RULES[type_p, type_q] = rule
        return rule
    return register


def kl_divergence(p, q):
    """KL(p ‖ q), by the rule of the most specific registered pair of base classes."""
    for type_p in type(p).__mro__:
        for type_q in type(q).__mro__:
            if (type_p, type_q) in _KL_RULES:
                return _KL_RULES[type_p, type_q](p, q)
    raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} "
                              f"and q type {type(q).__name__}")


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """(r + ((μp - μq) / σq)² - 1 - log r) / 2, with r = (σp / σq)²."""
    var_ratio = (p.scale / q.scale) ** 2
    return 0.5 * (var_ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """p log(p/q) + (1-p) log((1-p)/(1-q)), from the logits; ∞ where q puts 0 on p's mass."""
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = where(p.probs == 0, 0.0, where(q.probs == 0, math.inf, t1))
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = where(p.probs == 1, 0.0, where(q.probs == 1, math.inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """Σ_k p_k (log p_k - log q_k); ∞ where q_k = 0 < p_k."""
    t = p.probs * (p.logits - q.logits)
    t = where(p.probs == 0, 0.0, where(q.probs == 0, math.inf, t))
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """log((bq - aq) / (bp - ap)); ∞ where p's interval leaves q's."""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return where((q.low > p.low) | (q.high < p.high), math.inf, result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    """r - 1 - log r, with r = λq / λp."""
    rate_ratio = q.rate / p.rate
    return rate_ratio - 1 - rate_ratio.log()


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    """-log r + |μp - μq| / bq + r exp(-|μp - μq| / bp) - 1, with r = bp / bq."""
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return (-scale_ratio.log() + loc_abs_diff / q.scale
            + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    """log √det Σq - log √det Σp + (tr(Σq⁻¹ Σp) + |Lq⁻¹ (μq - μp)|² - k) / 2."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two Multivariate Normals with different event "
                         f"shapes cannot be computed: {p.event_shape} vs {q.event_shape}")
    p_tril, q_tril = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    # tr(Σq⁻¹ Σp) = |Lq⁻¹ Lp|² (Frobenius)
    trace = (linalg.solve_triangular(q_tril, p_tril, upper=False) ** 2).sum((-2, -1))
    return (_half_log_det(q_tril) - _half_log_det(p_tril)
            + 0.5 * (trace + _mahalanobis(q_tril, q.loc - p.loc) - p.event_shape[0]))

@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    """KL of the base distributions, summed over the reinterpreted dims."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError  # as torch's: only equal reinterpreted dims
    result = kl_divergence(p.base_dist, q.base_dist)
    return _sum_rightmost(result, p.reinterpreted_batch_ndims)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    """λp (log λp - log λq) - (λp - λq)."""
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    """log((σp + σq)² + (μp - μq)²) - log(4 σp σq)."""
    return ((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2).log() - (4 * p.scale * q.scale).log()


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    """KL of the base distributions, when both apply equal transforms."""
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    """αq log(βp / βq) + log Γ(αq) - log Γ(αp) + (αp - αq) ψ(αp) + (βq - βp) αp / βp."""
    return (q.concentration * (p.rate / q.rate).log() + q.concentration.lgamma()
            - p.concentration.lgamma() + (p.concentration - q.concentration)
            * p.concentration.digamma() + (q.rate - p.rate) * (p.concentration / p.rate))


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    """The Dirichlet rule on (a, b), in torch's order of operations."""
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * p.concentration1.digamma()
    t4 = (p.concentration0 - q.concentration0) * p.concentration0.digamma()
    return t1 - t2 + t3 + t4 + (sum_q - sum_p) * sum_p.digamma()


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    """log Γ(Σαp) - log Γ(Σαq) - Σ (log Γ(αp) - log Γ(αq)) + Σ (αp - αq)(ψ(αp) - ψ(Σαp))."""
    sum_p, sum_q = p.concentration.sum(-1), q.concentration.sum(-1)
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t4 = p.concentration.digamma() - sum_p.digamma().unsqueeze(-1)
    return sum_p.lgamma() - sum_q.lgamma() - t2 + ((p.concentration - q.concentration) * t4).sum(-1)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    """n (p (logit p - logit q) + log(1 - p) - log(1 - q)); ∞ where n_p > n_q."""
    if (p.total_count < q.total_count).any():
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count "
                                  "is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p()
                          - (-q.probs).log1p())
    return where(p.total_count > q.total_count, math.inf, kl)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    """-H(p) - log(1 - q) / p - logit q."""
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    """-log r - (μq - μp)/σq + r γ + exp((μq - μp)/σq + log Γ(1 + r)) - 1 - γ, r = σp/σq."""
    ct1, ct2, ct3 = p.scale / q.scale, q.loc / q.scale, p.loc / q.scale
    return (-ct1.log() - ct2 + ct3 + ct1 * np.euler_gamma + (ct2 + (1 + ct1).lgamma() - ct3).exp()
            - (1 + np.euler_gamma))


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    """αq log(sp / sq) - log r + r - 1, r = αq / αp; ∞ where sp < sq."""
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * (p.scale / q.scale).log() - alpha_ratio.log() + alpha_ratio - 1
    return where(p.scale < q.scale, math.inf, result)
