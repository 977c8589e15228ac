"""TransformedDistribution on its own: shapes, log_prob, cdf/icdf (also through decreasing
transforms), event dims from the transforms, errors and validation messages, against torch."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import gradcheck
from gradiente.distributions import Normal, TransformedDistribution, kl_divergence, transforms
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch
    import torch.distributions.transforms as torch_transforms

pytestmark = requires_torch
TOL = dict(rtol=1e-12, atol=1e-12)
RNG = np.random.default_rng(0)
LOC, SCALE = RNG.standard_normal((2, 3)), RNG.uniform(0.5, 2.0, 3)


def assert_same(ours, theirs, what):
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape"
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), err_msg=what, **TOL)


def build(lib, module, affine_scale, event_dim=0):
    """exp(a + b x), x ~ N(LOC, SCALE), with b = ``affine_scale`` (negative: decreasing)."""
    base = lib.distributions.Normal(lib.tensor(LOC), lib.tensor(SCALE))
    return lib.distributions.TransformedDistribution(
        base, [module.AffineTransform(0.5, affine_scale, event_dim), module.ExpTransform()])


@pytest.mark.parametrize("affine_scale", [2.0, -0.5])
def test_log_prob_cdf_icdf_match_torch(affine_scale):
    ours, theirs = build(gr, transforms, affine_scale), build(torch, torch_transforms, affine_scale)
    assert ours.batch_shape == (2, 3) and ours.event_shape == ()
    assert tuple(theirs.batch_shape) == (2, 3) and tuple(theirs.event_shape) == ()
    assert repr(ours.support) == repr(theirs.support) and ours.has_rsample
    value = RNG.uniform(0.2, 4.0, (4, 2, 3))
    probability = RNG.uniform(0.05, 0.95, (4, 2, 3))
    assert_same(ours.log_prob(gr.tensor(value)), theirs.log_prob(torch.tensor(value)), "log_prob")
    assert_same(ours.cdf(gr.tensor(value)), theirs.cdf(torch.tensor(value)), "cdf")
    assert_same(ours.icdf(gr.tensor(probability)), theirs.icdf(torch.tensor(probability)),
                "icdf")
    np.testing.assert_allclose(ours.cdf(ours.icdf(gr.tensor(probability))).numpy(), probability,
                               rtol=1e-12)
    assert tuple(ours.sample((5,)).shape) == tuple(ours.rsample((5,)).shape) == (5, 2, 3)


def test_log_prob_differentiates_by_the_base_parameters():
    loc, scale = (gr.tensor(v, requires_grad=True) for v in (LOC, SCALE))
    value = gr.tensor(RNG.uniform(0.2, 4.0, (2, 3)))

    def log_prob(loc, scale):
        dist = TransformedDistribution(Normal(loc, scale), [
            transforms.AffineTransform(0.5, -2.0), transforms.ExpTransform()])
        return dist.log_prob(value) + dist.cdf(value)
    assert gradcheck(log_prob, (loc, scale))


def test_transforms_over_event_dims_make_event_dims_as_torch():
    ours, theirs = build(gr, transforms, 2.0, 1), build(torch, torch_transforms, 2.0, 1)
    assert ours.batch_shape == (2,) and ours.event_shape == (3,)
    assert tuple(theirs.batch_shape) == (2,) and tuple(theirs.event_shape) == (3,)
    assert type(ours.base_dist).__name__ == type(theirs.base_dist).__name__ == "Independent"
    value = RNG.uniform(0.2, 4.0, (4, 2, 3))
    assert_same(ours.log_prob(gr.tensor(value)), theirs.log_prob(torch.tensor(value)),
                "log_prob over an event dim")
    assert repr(ours.support) == repr(theirs.support)


def test_softmax_of_normals_is_on_the_simplex_without_a_density():
    def build_softmax(lib, module):
        return lib.distributions.TransformedDistribution(
            lib.distributions.Normal(lib.tensor(LOC), 1.0), module.SoftmaxTransform())
    ours, theirs = build_softmax(gr, transforms), build_softmax(torch, torch_transforms)
    assert ours.batch_shape == (2,) and ours.event_shape == (3,)
    assert tuple(theirs.batch_shape) == (2,) and tuple(theirs.event_shape) == (3,)
    sample = ours.sample((100,)).numpy()
    np.testing.assert_allclose(sample.sum(-1), 1.0, rtol=1e-12)
    for dist, lib in ((ours, gr), (theirs, torch)):
        with pytest.raises(NotImplementedError):
            dist.log_prob(lib.tensor(sample[0]))


def test_base_is_expanded_to_the_transforms_broadcast_shape_as_torch():
    def build_broadcast(lib, module):
        return lib.distributions.TransformedDistribution(
            lib.distributions.Normal(lib.tensor(0.0, dtype=lib.float64), 1.0),
            module.AffineTransform(lib.tensor(LOC), lib.tensor(SCALE)))
    ours, theirs = build_broadcast(gr, transforms), build_broadcast(torch, torch_transforms)
    assert ours.batch_shape == (2, 3) == tuple(theirs.batch_shape)
    assert ours.base_dist.batch_shape == (2, 3) == tuple(theirs.base_dist.batch_shape)
    value = RNG.standard_normal((2, 3))
    assert_same(ours.log_prob(gr.tensor(value)), theirs.log_prob(torch.tensor(value)),
                "log_prob of a broadcast affine")


@pytest.mark.parametrize("bad, message", [
    (lambda module: "exp", "transforms must be a Transform or list, but was exp"),
    (lambda module: [module.ExpTransform(), "exp"],
     "transforms must be a Transform or a list of Transforms"),
])
def test_transforms_argument_is_checked_as_in_torch(bad, message):
    with pytest.raises(ValueError, match=message):
        TransformedDistribution(Normal(0.0, 1.0), bad(transforms))
    with pytest.raises(ValueError, match=message):
        torch.distributions.TransformedDistribution(
            torch.distributions.Normal(0.0, 1.0), bad(torch_transforms))


def test_base_needs_the_transforms_event_dims():
    for lib, module in ((gr, transforms), (torch, torch_transforms)):
        with pytest.raises(ValueError, match="base_distribution needs to have shape with size "
                                             "at least 1, but got"):
            lib.distributions.TransformedDistribution(lib.distributions.Normal(0.0, 1.0),
                                                      module.SoftmaxTransform())


def test_kl_needs_equal_transforms_as_in_torch():
    def pair(lib, module):
        base = lib.distributions.Normal(lib.tensor(LOC), lib.tensor(SCALE))
        make = lib.distributions.TransformedDistribution
        return (make(base, module.AffineTransform(0.0, 2.0)),
                make(base, module.AffineTransform(0.0, 2.0)),
                make(base, module.AffineTransform(1.0, 2.0)))
    (p, q, other), (tp, tq, tother) = pair(gr, transforms), pair(torch, torch_transforms)
    assert_same(kl_divergence(p, q), torch.distributions.kl_divergence(tp, tq), "KL")
    assert np.all(kl_divergence(p, q).numpy() == 0)
    with pytest.raises(NotImplementedError):
        kl_divergence(p, other)
    with pytest.raises(NotImplementedError):
        torch.distributions.kl_divergence(tp, tother)


@pytest.mark.parametrize("name, params", [
    ("LogNormal", {"loc": 0.0, "scale": -1.0}),  # both name the base Normal
    ("HalfNormal", {"scale": -1.0}),
    ("HalfCauchy", {"scale": 0.0}),
    ("Gumbel", {"loc": 0.0, "scale": -2.0}),
    ("Gumbel", {"loc": float("nan"), "scale": 2.0}),
    ("Cauchy", {"loc": 0.0, "scale": 0.0}),
])
def test_invalid_parameters_raise_torchs_message(name, params):
    with pytest.raises(ValueError) as ours:
        getattr(gr.distributions, name)(**params)
    with pytest.raises(ValueError) as theirs:
        getattr(torch.distributions, name)(**params)
    assert str(ours.value).replace("gradiente.", "torch.") == str(theirs.value)
    assert "Expected parameter" in str(ours.value)


@pytest.mark.parametrize("name, params, value", [
    ("LogNormal", {"loc": 0.0, "scale": 1.0}, -1.0),
    ("HalfNormal", {"scale": 1.0}, -0.5),
    ("HalfCauchy", {"scale": 1.0}, -0.5),
    ("Gumbel", {"loc": 0.0, "scale": 1.0}, float("nan")),
    ("Cauchy", {"loc": 0.0, "scale": 1.0}, float("nan")),
])
def test_values_outside_the_support_raise_torchs_message(name, params, value):
    with pytest.raises(ValueError) as ours:
        getattr(gr.distributions, name)(**params).log_prob(gr.tensor(value))
    with pytest.raises(ValueError) as theirs:
        getattr(torch.distributions, name)(**params).log_prob(torch.tensor(value))
    assert str(ours.value).replace("gradiente.", "torch.") == str(theirs.value)
    assert "to be within the support" in str(ours.value)
