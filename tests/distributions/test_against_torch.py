"""log_prob, cdf, icdf, entropy and moments against torch.distributions in float64, on
broadcast parameter shapes; kl_divergence for every registered pair."""

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

from .cases import BROADCAST_SHAPES, CASES, IDS, KL_CASES, KL_IDS, batch_shape, probabilities

if HAS_TORCH:
    import torch

pytestmark = requires_torch
TOL = dict(rtol=1e-12, atol=1e-12)


def assert_same(ours, theirs, what):
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape"
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), equal_nan=True, err_msg=what,
                               **TOL)


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case, shapes):
    rng = np.random.default_rng(0)
    params = case.draw(rng, shapes)
    ours, theirs = case.make(gr, params), case.make(torch, params)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == batch_shape(case, params)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    value_shape = (2,) + tuple(ours.batch_shape) + tuple(ours.event_shape)
    for method in case.methods:
        if method in ("log_prob", "cdf", "icdf"):
            value = (probabilities(rng, value_shape) if method == "icdf"
                     else case.value(rng, params, value_shape))
            args = (gr.tensor(value),), (torch.tensor(value),)
            assert_same(getattr(ours, method)(*args[0]), getattr(theirs, method)(*args[1]),
                        f"{case.name}.{method}")
        elif method == "entropy":
            assert_same(ours.entropy(), theirs.entropy(), f"{case.name}.entropy")
        else:
            assert_same(getattr(ours, method), getattr(theirs, method), f"{case.name}.{method}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_expand_matches_torch(case):
    rng = np.random.default_rng(1)
    params = case.draw(rng, [(3,), (3,)])
    ours, theirs = case.make(gr, params).expand((2, 3)), case.make(torch, params).expand((2, 3))
    assert tuple(ours.batch_shape) == (2, 3)
    value = case.value(rng, params, (2, 3) + tuple(ours.event_shape))
    assert_same(ours.log_prob(gr.tensor(value)), theirs.log_prob(torch.tensor(value)),
                f"{case.name}.expand.log_prob")
    assert tuple(ours.sample((4,)).shape) == (4, 2, 3) + tuple(ours.event_shape)


def test_uniform_log_prob_outside_support_is_minus_inf():
    value = np.array([-0.5, 0.0, 0.5, 1.0, 1.5])
    ours = gr.distributions.Uniform(0.0, 1.0, validate_args=False).log_prob(gr.tensor(value))
    theirs = torch.distributions.Uniform(0.0, 1.0, validate_args=False).log_prob(
        torch.tensor(value))
    assert_same(ours, theirs, "Uniform.log_prob outside [low, high)")
    assert np.isneginf(to_numpy(ours)).tolist() == [True, False, False, True, True]


def test_extreme_probabilities_match_torch():
    probs = np.array([0.0, 1e-300, 0.5, 1.0])
    for name in ("Bernoulli", "Categorical"):
        arg = probs if name == "Bernoulli" else np.stack([probs, 1 - probs], -1)
        ours = getattr(gr.distributions, name)(gr.tensor(arg))
        theirs = getattr(torch.distributions, name)(torch.tensor(arg))
        assert_same(ours.entropy(), theirs.entropy(), f"{name}.entropy at 0 and 1")
        assert_same(ours.logits, theirs.logits, f"{name}.logits at 0 and 1")
        assert_same(ours.mode, theirs.mode, f"{name}.mode")
    logits = np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, -np.inf]])
    assert_same(gr.distributions.Categorical(logits=gr.tensor(logits)).entropy(),
                torch.distributions.Categorical(logits=torch.tensor(logits)).entropy(),
                "Categorical.entropy with -inf logits")


# ----- kl_divergence --------------------------------------------------------------------------

@pytest.mark.parametrize("shapes", BROADCAST_SHAPES)
@pytest.mark.parametrize("case", KL_CASES, ids=KL_IDS)
def test_kl_divergence_matches_torch(case, shapes):
    rng = np.random.default_rng(3)
    p_params, q_params = case.draw(rng, shapes), case.draw(rng, shapes[::-1])
    if case.name == "Uniform":  # q's interval holds p's, else KL is infinite
        q_params = {"low": p_params["low"] - 0.5, "high": p_params["high"] + q_params["high"] ** 2}
    ours = gr.distributions.kl_divergence(case.make(gr, p_params), case.make(gr, q_params))
    # torch's Bernoulli and Categorical rules index with masks of p's or q's own shape, which
    # fails when the batch shapes differ: torch gets both parameter sets broadcast
    if case.name in ("Bernoulli", "Categorical", "OneHotCategorical"):
        shape = np.broadcast_shapes(*(np.shape(v) for v in [*p_params.values(),
                                                            *q_params.values()]))
        p_params, q_params = ({k: np.broadcast_to(v, shape) for k, v in params.items()}
                              for params in (p_params, q_params))
    theirs = torch.distributions.kl_divergence(case.make(torch, p_params),
                                               case.make(torch, q_params))
    assert_same(ours, theirs, f"KL({case.name} || {case.name})")
    assert np.all(to_numpy(ours) >= -1e-15)


@pytest.mark.parametrize("name, p, q", [
    ("Uniform", {"low": [0.0, 0.0, 0.0], "high": [1.0, 1.0, 1.0]},
     {"low": [0.5, -1.0, -1.0], "high": [2.0, 0.5, 2.0]}),
    ("Bernoulli", {"probs": [0.0, 0.3, 1.0, 0.3, 0.0, 1.0]},
     {"probs": [0.5, 0.0, 0.5, 1.0, 0.0, 1.0]}),
    ("Categorical", {"probs": [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.5, 0.5, 0.0]]},
     {"probs": [[0.0, 0.5, 0.5], [0.4, 0.6, 0.0], [0.3, 0.7, 0.0]]}),
])
def test_kl_divergence_infinite_and_zero_mass_match_torch(name, p, q):
    def kl(lib):
        dist = getattr(lib.distributions, name)
        make = {k: lib.tensor(v, dtype=lib.float64) for k, v in p.items()}
        return lib.distributions.kl_divergence(
            dist(**make), dist(**{k: lib.tensor(v, dtype=lib.float64) for k, v in q.items()}))
    ours, theirs = kl(gr), kl(torch)
    assert_same(ours, theirs, f"KL({name} || {name}) with zero mass")
    assert np.isinf(to_numpy(ours)).any()


# ----- enumerate_support, perplexity, what is not implemented ---------------------------------

@pytest.mark.parametrize("expand", [True, False])
@pytest.mark.parametrize("name, params", [
    ("Bernoulli", {"probs": [[0.2, 0.7, 0.5]]}),
    ("Categorical", {"logits": [[0.0, 1.0, -1.0, 2.0], [1.0, 1.0, 0.0, 0.0]]}),
    ("Binomial", {"total_count": [4.0, 4.0], "probs": [0.3, 0.9]}),
    ("OneHotCategorical", {"probs": [[0.1, 0.6, 0.3]] * 2}),
])
def test_enumerate_support_matches_torch(name, params, expand):
    def support(lib):
        dist = getattr(lib.distributions, name)(
            **{k: lib.tensor(v, dtype=lib.float64) for k, v in params.items()})
        assert dist.has_enumerate_support
        values = dist.enumerate_support(expand)
        return values, dist.log_prob(values)
    (ours, our_log_prob), (theirs, their_log_prob) = support(gr), support(torch)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert_same(ours, theirs, f"{name}.enumerate_support({expand})")
    assert_same(our_log_prob, their_log_prob, f"{name}.log_prob(enumerate_support)")
    np.testing.assert_allclose(np.exp(to_numpy(our_log_prob)).sum(0), 1.0, rtol=1e-12)


def test_binomial_with_differing_total_counts_cannot_enumerate():
    dist = gr.distributions.Binomial(gr.tensor([2.0, 3.0]), gr.tensor([0.5, 0.5]))
    for method in ("enumerate_support", "entropy"):
        with pytest.raises(NotImplementedError, match=f"Inhomogeneous total count not "
                                                      f"supported by `{method}`"):
            getattr(dist, method)()


@pytest.mark.parametrize("case", [c for c in CASES if "entropy" in c.methods],
                         ids=lambda c: c.name)
def test_perplexity_is_exp_entropy_as_torch(case):
    params = case.draw(np.random.default_rng(4), [(3,), (3,)])
    ours, theirs = case.make(gr, params), case.make(torch, params)
    assert_same(ours.perplexity(), theirs.perplexity(), f"{case.name}.perplexity")
    assert ours.has_enumerate_support == theirs.has_enumerate_support


@pytest.mark.parametrize("name, params, method", [
    ("Normal", {"loc": 0.0, "scale": 1.0}, "enumerate_support"),
    ("Poisson", {"rate": 2.0}, "entropy"),
    ("Poisson", {"rate": 2.0}, "cdf"),
    ("Geometric", {"probs": 0.3}, "icdf"),
    ("Bernoulli", {"probs": 0.3}, "cdf"),
    ("Binomial", {"total_count": 3.0, "probs": 0.3}, "icdf"),
    ("MultivariateNormal", {"loc": [0.0, 0.0], "scale_tril": [[1.0, 0.0], [0.0, 1.0]]}, "cdf"),
])
def test_methods_a_distribution_lacks_raise_not_implemented_as_in_torch(name, params, method):
    for lib in (gr, torch):
        dist = getattr(lib.distributions, name)(
            **{k: lib.tensor(v, dtype=lib.float64) for k, v in params.items()})
        args = () if method in ("entropy", "enumerate_support") else (lib.tensor(0.5),)
        with pytest.raises(NotImplementedError):
            getattr(dist, method)(*args)


def test_the_base_class_implements_nothing():
    dist = gr.distributions.Distribution()
    for attribute in ("mean", "mode", "variance", "support"):
        with pytest.raises(NotImplementedError, match=f"Distribution does not implement "
                                                      f"{attribute}"):
            getattr(dist, attribute)
    for method, args in [("log_prob", (gr.tensor(0.0),)), ("cdf", (gr.tensor(0.0),)),
                         ("icdf", (gr.tensor(0.5),)), ("entropy", ()),
                         ("enumerate_support", ()), ("perplexity", ()), ("rsample", ())]:
        with pytest.raises(NotImplementedError):
            getattr(dist, method)(*args)
    assert not dist.has_enumerate_support and not dist.has_rsample
