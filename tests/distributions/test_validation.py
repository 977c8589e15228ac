"""Argument and value validation: ValueError naming the distribution, the argument and the
constraint, as torch's (the same message where shapes print alike); kl_divergence's dispatch."""

import re

import numpy as np
import pytest

import gradiente as gr
from gradiente.distributions import (Bernoulli, Categorical, Distribution, Exponential, Laplace,
                                     Normal, OneHotCategorical, Uniform, kl_divergence,
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
