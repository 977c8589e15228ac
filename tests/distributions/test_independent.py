"""Independent: shapes, support, repr, expand, enumeration and errors as torch's; its
constraint ``constraints.independent``; the Independent-Independent KL rule. (log_prob,
entropy, moments, samples, gradients and KL against torch run through ``cases.CASES``.)"""

import numpy as np
import pytest

import gradiente as gr
from gradiente.distributions import (Bernoulli, Independent, Normal, constraints,
                                     kl_divergence)
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch


def normal(lib, shape=(2, 3), reinterpreted=1, **kwargs):
    base = lib.distributions.Normal(lib.zeros(shape, dtype=lib.float64),
                                    lib.ones(shape, dtype=lib.float64))
    return lib.distributions.Independent(base, reinterpreted, **kwargs)


def same_text(ours, theirs):
    assert str(ours).replace("gradiente.", "torch.") == str(theirs)


@requires_torch
@pytest.mark.parametrize("reinterpreted", [0, 1, 2])
def test_shapes_repr_and_flags_match_torch(reinterpreted):
    ours, theirs = normal(gr, reinterpreted=reinterpreted), normal(torch,
                                                                  reinterpreted=reinterpreted)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == (2, 3)[:2 - reinterpreted]
    assert tuple(ours.event_shape) == tuple(theirs.event_shape) == (2, 3)[2 - reinterpreted:]
    same_text(repr(ours), repr(theirs))
    same_text(repr(ours.support), repr(theirs.support))
    assert ours.support.event_dim == theirs.support.event_dim == reinterpreted
    assert ours.has_rsample and ours.reinterpreted_batch_ndims == reinterpreted
    assert ours.log_prob(gr.zeros(2, 3, dtype=gr.float64)).shape == ours.batch_shape


@requires_torch
def test_expand_matches_torch():
    ours, theirs = normal(gr).expand((4, 2)), normal(torch).expand((4, 2))
    same_text(repr(ours), repr(theirs))
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == (4, 2)
    assert tuple(ours.event_shape) == (3,) and ours.reinterpreted_batch_ndims == 1
    assert tuple(ours.base_dist.batch_shape) == (4, 2, 3)
    value = np.random.default_rng(0).standard_normal((4, 2, 3))
    np.testing.assert_allclose(to_numpy(ours.log_prob(gr.tensor(value))),
                               to_numpy(theirs.log_prob(torch.tensor(value))), rtol=1e-12)
    assert not normal(gr, validate_args=False).expand((4, 2))._validate_args


@requires_torch
def test_independent_constraint_checks_whole_events_as_torch():
    value = np.array([[0.0, 1.0, 2.0], [0.0, np.nan, 2.0]])
    for reinterpreted, expected in [(0, [[True] * 3, [True, False, True]]),
                                    (1, [True, False]), (2, False)]:
        ours = constraints.independent(constraints.real, reinterpreted)
        theirs = torch.distributions.constraints.independent(
            torch.distributions.constraints.real, reinterpreted)
        np.testing.assert_array_equal(ours.check(gr.tensor(value)), expected)
        np.testing.assert_array_equal(ours.check(gr.tensor(value)),
                                      theirs.check(torch.tensor(value)).numpy())
        assert ours.event_dim == theirs.event_dim == reinterpreted
        same_text(repr(ours), repr(theirs))
    nested = constraints.independent(constraints.real_vector, 1)  # event_dim adds up
    assert nested.event_dim == 2 and repr(nested) == "IndependentConstraint(" \
        "IndependentConstraint(Real(), 1), 1)"
    assert nested.check(gr.tensor(value)).tolist() is False
    with pytest.raises(ValueError) as ours:
        constraints.independent(constraints.real, 1).check(gr.tensor(1.0))
    with pytest.raises(ValueError) as theirs:
        torch.distributions.constraints.independent(
            torch.distributions.constraints.real, 1).check(torch.tensor(1.0))
    assert str(ours.value) == str(theirs.value) == "Expected value.dim() >= 1 but got 0"


def test_independent_constraint_arguments_are_checked():
    with pytest.raises(AssertionError, match="base_constraint must be a Constraint, got str"):
        constraints.independent("real", 1)
    with pytest.raises(AssertionError, match="reinterpreted_batch_ndims must be an int, got "
                                             "float"):
        constraints.independent(constraints.real, 1.0)
    with pytest.raises(AssertionError, match="reinterpreted_batch_ndims must be >= 0, got -1"):
        constraints.independent(constraints.real, -1)


@requires_torch
def test_too_many_reinterpreted_dims_raise_as_torch():
    for lib in (gr, torch):
        with pytest.raises(ValueError, match=r"Expected reinterpreted_batch_ndims <= "
                           r"len\(base_distribution.batch_shape\), actual 3 vs 2"):
            normal(lib, reinterpreted=3)


@requires_torch
def test_value_outside_the_support_raises_torchs_message():
    value = np.array([[0.0, 1.0, 2.0], [0.0, np.nan, 2.0]])
    with pytest.raises(ValueError) as ours:
        normal(gr).log_prob(gr.tensor(value))
    with pytest.raises(ValueError) as theirs:
        normal(torch).log_prob(torch.tensor(value))
    assert "to be within the support (Real()) of the distribution Normal(" in str(ours.value)
    # the values printed after it differ in padding (gradiente's tensor printing)
    same_text(str(ours.value).split("\n")[0], str(theirs.value).split("\n")[0])
    with np.errstate(invalid="ignore"):
        log_prob = Independent(Normal(gr.zeros(2, 3, dtype=gr.float64), gr.ones(2, 3),
                                      validate_args=False), 1).log_prob(gr.tensor(value))
    assert np.isnan(log_prob.tolist()).tolist() == [False, True]


@requires_torch
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support(expand):
    probs = [[0.2, 0.7, 0.5]]
    ours = Independent(Bernoulli(gr.tensor(probs, dtype=gr.float64)), 0)
    theirs = torch.distributions.Independent(
        torch.distributions.Bernoulli(torch.tensor(probs, dtype=torch.float64)), 0)
    assert ours.has_enumerate_support and theirs.has_enumerate_support
    np.testing.assert_array_equal(to_numpy(ours.enumerate_support(expand)),
                                  to_numpy(theirs.enumerate_support(expand)))
    for dist in (Independent(Bernoulli(gr.tensor(probs)), 1),
                 torch.distributions.Independent(torch.distributions.Bernoulli(
                     torch.tensor(probs)), 1)):
        assert not dist.has_enumerate_support
        with pytest.raises(NotImplementedError, match="^Enumeration over cartesian product is "
                                                      "not implemented$"):
            dist.enumerate_support(expand)


@requires_torch
def test_methods_the_base_lacks_or_independent_lacks_raise_as_torch():
    bernoulli = {lib: lib.distributions.Independent(lib.distributions.Bernoulli(
        lib.tensor([0.3, 0.6])), 1) for lib in (gr, torch)}
    for lib, dist in bernoulli.items():
        assert not dist.has_rsample
        with pytest.raises(NotImplementedError):
            dist.rsample()
        assert tuple(dist.sample((5,)).shape) == (5, 2)
    for lib in (gr, torch):
        with pytest.raises(NotImplementedError):
            normal(lib).cdf(lib.zeros(2, 3, dtype=lib.float64))


@requires_torch
def test_kl_needs_equal_reinterpreted_dims_as_torch():
    for lib in (gr, torch):
        with pytest.raises(NotImplementedError) as error:
            lib.distributions.kl_divergence(normal(lib, reinterpreted=1),
                                            normal(lib, reinterpreted=2))
        assert str(error.value) == ""  # torch raises it bare
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for "
                       "p type Independent and q type Normal"):
        kl_divergence(normal(gr), Normal(0.0, 1.0))


def test_kl_sums_the_base_kl_over_the_reinterpreted_dims():
    rng = np.random.default_rng(0)
    loc, scale = gr.tensor(rng.standard_normal((2, 3, 4))), gr.tensor(rng.uniform(1, 2, (2, 3, 4)))
    p, q = Normal(loc, scale), Normal(loc * 0, scale * 0 + 1)
    kl = kl_divergence(Independent(p, 2), Independent(q, 2))
    assert tuple(kl.shape) == (2,)
    np.testing.assert_allclose(kl.numpy(), kl_divergence(p, q).numpy().sum((1, 2)), rtol=1e-12)
