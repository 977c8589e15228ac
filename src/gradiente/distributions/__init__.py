"""Probability distributions, as ``torch.distributions``.

>>> import gradiente as gr
>>> d = gr.distributions.Normal(gr.tensor(0.0), gr.tensor(1.0))
>>> d.log_prob(gr.tensor(0.0)).item()  # -log √(2π)
-0.9189385...
"""

from . import constraints, transforms
from .continuous import Cauchy, Exponential, Laplace, Normal, Uniform
from .discrete import Bernoulli, Binomial, Categorical, Geometric, OneHotCategorical, Poisson
from .distribution import Distribution, broadcast_all
from .gamma import Beta, Chi2, Dirichlet, Gamma, StudentT
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .transformed import (Gumbel, HalfCauchy, HalfNormal, LogNormal, Pareto,
                          TransformedDistribution, Weibull)
from .transforms import *  # noqa: F403 - torch.distributions exports the transforms too

__all__ = ["constraints", "Distribution", "broadcast_all", "Normal", "Uniform", "Exponential",
           "Laplace", "Bernoulli", "Categorical", "OneHotCategorical", "Binomial", "Geometric",
           "Poisson", "MultivariateNormal", "Independent", "kl_divergence", "register_kl",
           "transforms", "TransformedDistribution", "LogNormal",
           "HalfNormal", "HalfCauchy", "Gumbel", "Cauchy", "Weibull", "Pareto",
           "Gamma", "Chi2", "StudentT", "Dirichlet", "Beta", *transforms.__all__]
