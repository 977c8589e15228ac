"""Argument and value validation: ValueError naming the distribution, the argument and the
constraint, as torch's (the same message where shapes print alike); kl_divergence's dispatch."""

import re

import numpy as np
import pytest

import gradiente as gr
from gradiente.distributions import (Bernoulli, Binomial, Categorical, Distribution,
                                     Exponential, Geometric, Laplace, MultivariateNormal, Normal,
                                     OneHotCategorical, Poisson, Uniform, kl_divergence,
                                     register_kl)
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch

t = gr.tensor

BAD_PARAMETERS = [
    ("Normal", lambda lib: {"loc": 0.0, "scale": -1.0}, "scale", "GreaterThan(lower_bound=0.0)"),
    ("Laplace", lambda lib: {"loc": 0.0, "scale": 0.0}, "scale", "GreaterThan(lower_bound=0.0)"),
    ("Exponential", lambda lib: {"rate": lib.tensor([1.0, -2.0])}, "rate", "GreaterThan"),
    ("Uniform", lambda lib: {"low": 1.0, "high": 1.0}, "low", "LessThan(upper_bound=1.0)"),
    ("Bernoulli", lambda lib: {"probs": lib.tensor([0.5, 1.5])}, "probs",
     "Interval(lower_bound=0.0, upper_bound=1.0)"),
    ("Bernoulli", lambda lib: {"logits": lib.tensor(float("nan"))}, "logits", "Real()"),
    ("Categorical", lambda lib: {"probs": lib.tensor([0.5, -0.1, 0.6])}, "probs", "Simplex()"),
    ("OneHotCategorical", lambda lib: {"probs": lib.tensor([-1.0, 2.0])}, "probs", "Simplex()"),
    ("Poisson", lambda lib: {"rate": lib.tensor([1.0, -1.0])}, "rate",
     "GreaterThanEq(lower_bound=0.0)"),
    ("Binomial", lambda lib: {"total_count": lib.tensor([2.5]), "probs": lib.tensor([0.5])},
     "total_count", "IntegerGreaterThan(lower_bound=0)"),
    ("Binomial", lambda lib: {"total_count": 3, "logits": lib.tensor([float("nan")])},
     "logits", "Real()"),
    ("Geometric", lambda lib: {"probs": lib.tensor([0.5, 1.5])}, "probs",
     "Interval(lower_bound=0.0, upper_bound=1.0)"),
    ("MultivariateNormal", lambda lib: {"loc": lib.zeros(2), "covariance_matrix":
                                        lib.tensor([[1.0, 2.0], [2.0, 1.0]])},
     "covariance_matrix", "PositiveDefinite()"),
    ("MultivariateNormal", lambda lib: {"loc": lib.zeros(2), "precision_matrix":
                                        lib.tensor([[1.0, 0.5], [0.0, 1.0]])},
     "precision_matrix", "PositiveDefinite()"),
    ("MultivariateNormal", lambda lib: {"loc": lib.zeros(2), "scale_tril":
                                        lib.tensor([[1.0, 0.0], [0.5, -1.0]])},
     "scale_tril", "LowerCholesky()"),
    ("MultivariateNormal", lambda lib: {"loc": lib.tensor([float("nan")] * 2), "scale_tril":
                                        lib.eye(2)}, "loc", "IndependentConstraint(Real(), 1)"),
]


@pytest.mark.parametrize("name, params, argument, constraint", BAD_PARAMETERS)
def test_invalid_parameter_raises_naming_distribution_and_argument(name, params, argument,
                                                                   constraint):
    with pytest.raises(ValueError) as error:
        getattr(gr.distributions, name)(**params(gr))
    message = str(error.value)
    assert re.match(rf"Expected parameter {argument} \(Tensor of shape .*\) of distribution "
                    rf"{name}\(", message), message
    assert f"to satisfy the constraint {constraint}" in message
    if name != "MultivariateNormal" or argument == "loc":  # (its factorization needs valid Σ)
        getattr(gr.distributions, name)(**params(gr), validate_args=False)  # not checked


@requires_torch
@pytest.mark.parametrize("name, params, argument, constraint",  # torch's OneHotCategorical
                         [row for row in BAD_PARAMETERS  # names its inner Categorical
                          if row[0] != "OneHotCategorical"])
def test_invalid_parameter_message_is_torchs(name, params, argument, constraint):
    with pytest.raises(ValueError) as ours:
        getattr(gr.distributions, name)(**params(gr))
    with pytest.raises(ValueError) as theirs:
        getattr(torch.distributions, name)(**params(torch))
    assert str(ours.value).replace("gradiente.", "torch.") == str(theirs.value)


BAD_VALUES = [
    (Normal(0.0, 1.0), t(float("nan")), "Real()"),
    (Exponential(t([1.0, 2.0])), t([1.0, -0.5]), "GreaterThanEq(lower_bound=0.0)"),
    (Uniform(0.0, 1.0), t(1.5), "Interval(lower_bound=0.0, upper_bound=1.0)"),
    (Bernoulli(t(0.3)), t(0.5), "Boolean()"),
    (Categorical(t([0.2, 0.8])), t(2), "IntegerInterval(lower_bound=0, upper_bound=1)"),
    (Categorical(t([0.2, 0.8])), t(0.5), "IntegerInterval(lower_bound=0, upper_bound=1)"),
    (OneHotCategorical(t([0.2, 0.8])), t([1.0, 1.0]), "OneHot()"),
    (Poisson(t(2.0)), t(1.5), "IntegerGreaterThan(lower_bound=0)"),
    (Geometric(t(0.5)), t(-1.0), "IntegerGreaterThan(lower_bound=0)"),
    (Binomial(t(3.0), t(0.5)), t(4.0), "IntegerInterval(lower_bound=0, upper_bound=3.0)"),
    (MultivariateNormal(t([0.0, 0.0]), scale_tril=gr.eye(2)), t([0.0, float("nan")]),
     "IndependentConstraint(Real(), 1)"),
]


@pytest.mark.parametrize("dist, value, support", BAD_VALUES,
                         ids=lambda x: type(x).__name__ if isinstance(x, Distribution) else "")
def test_value_outside_support_raises_naming_distribution(dist, value, support):
    with pytest.raises(ValueError, match=rf"Expected value argument \(Tensor of shape .*\) to be "
                       rf"within the support \({re.escape(support)}\) of the distribution "
                       rf"{type(dist).__name__}\("):
        dist.log_prob(value)


def test_value_shape_must_fit_batch_and_event_shapes():
    with pytest.raises(ValueError, match="Value is not broadcastable with batch_shape"):
        Normal(t([0.0, 1.0]), 1.0).log_prob(t([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        OneHotCategorical(t([0.2, 0.8])).log_prob(t([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="must be a Tensor"):
        Normal(0.0, 1.0).log_prob(0.5)


def test_probs_or_logits_exactly_one():
    for cls in (Bernoulli, Categorical, OneHotCategorical):
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
            cls()
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
            cls(t([0.5, 0.5]), t([0.0, 0.0]))
    with pytest.raises(ValueError, match="`logits` parameter must be at least one-dimensional"):
        Categorical(logits=t(0.0))


@requires_torch
def test_geometric_probs_must_be_positive_as_in_torch():
    with pytest.raises(ValueError) as ours:
        Geometric(t([0.5, 0.0]))
    with pytest.raises(ValueError) as theirs:
        torch.distributions.Geometric(torch.tensor([0.5, 0.0]))
    assert "to be positive but found invalid values" in str(ours.value)
    assert str(ours.value).replace("gradiente.", "torch.") == str(theirs.value)
    with np.errstate(divide="ignore"):  # 1 / p at p = 0
        assert Geometric(t([0.5, 0.0]), validate_args=False).mean.tolist()[1] == float("inf")


@pytest.mark.parametrize("arguments, message", [
    (dict(loc=t(0.0), covariance_matrix=gr.eye(1)), "loc must be at least one-dimensional"),
    (dict(loc=t([0.0])), "Exactly one of covariance_matrix or precision_matrix or scale_tril"),
    (dict(loc=t([0.0]), covariance_matrix=gr.eye(1), scale_tril=gr.eye(1)), "Exactly one of"),
    (dict(loc=t([0.0]), covariance_matrix=t([1.0])), "covariance_matrix must be at least "
                                                     "two-dimensional"),
    (dict(loc=t([0.0]), precision_matrix=t([1.0])), "precision_matrix must be at least "
                                                    "two-dimensional"),
    (dict(loc=t([0.0]), scale_tril=t([1.0])), "scale_tril matrix must be at least "
                                              "two-dimensional"),
])
def test_multivariate_normal_arguments_are_checked_as_in_torch(arguments, message):
    with pytest.raises(ValueError, match=message):
        MultivariateNormal(**arguments)
    if HAS_TORCH:
        with pytest.raises(ValueError, match=message):
            torch.distributions.MultivariateNormal(
                **{k: torch.tensor(v.numpy()) for k, v in arguments.items()})


def test_multivariate_normal_kl_needs_equal_event_shapes():
    p = MultivariateNormal(gr.zeros(2), scale_tril=gr.eye(2))
    q = MultivariateNormal(gr.zeros(3), scale_tril=gr.eye(3))
    with pytest.raises(ValueError, match=r"different event shapes cannot be computed: "
                                         r".*\[2\].* vs .*\[3\]"):
        kl_divergence(p, q)


def test_default_validation_can_be_turned_off():
    try:
        Distribution.set_default_validate_args(False)
        with np.errstate(invalid="ignore"):  # log of the negative scale
            assert np.isnan(Normal(0.0, -1.0).log_prob(t(0.0)).item())
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Normal(0.0, -1.0)


def test_kl_divergence_without_a_rule_names_both_types():
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for "
                       "p type Normal and q type Laplace"):
        kl_divergence(Normal(0.0, 1.0), Laplace(0.0, 1.0))


def test_register_kl_and_dispatch_to_the_nearest_base_classes():
    class Gaussian(Normal):
        pass

    p, q = Gaussian(t([0.0]), t([1.0])), Normal(t([1.0]), t([2.0]))
    np.testing.assert_allclose(kl_divergence(p, q).numpy(), kl_divergence(Normal(
        t([0.0]), t([1.0])), q).numpy())

    @register_kl(Gaussian, Laplace)
    def _kl_gaussian_laplace(p, q):
        return p.loc * 0 - 1

    assert kl_divergence(p, Laplace(t([0.0]), t([1.0]))).tolist() == [-1.0]
    with pytest.raises(NotImplementedError, match="p type Normal and q type Laplace"):
        kl_divergence(q, Laplace(0.0, 1.0))
