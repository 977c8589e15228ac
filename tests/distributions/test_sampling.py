"""Samples: shapes, reproducibility under manual_seed, support, detachment, and seeded
statistical checks of their moments (seeded, so deterministic: not flaky)."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.distributions import (Bernoulli, Binomial, Categorical, Cauchy, Exponential,
                                     Geometric, Gumbel, HalfCauchy, HalfNormal, Independent,
                                     Laplace, LogNormal, MultivariateNormal, Normal,
                                     OneHotCategorical, Poisson, Uniform)

from .cases import CASES, IDS

N = 20000


@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_shape_is_sample_then_batch_then_event(case, sample_shape):
    params = case.draw(np.random.default_rng(0), [(2, 1), (3,)])
    dist = case.make(gr, params, requires_grad=True)
    expected = sample_shape + tuple(dist.batch_shape) + tuple(dist.event_shape)
    sample = dist.sample(sample_shape)
    assert tuple(sample.shape) == expected
    assert not sample.requires_grad
    if dist.has_rsample:
        rsample = dist.rsample(sample_shape)
        assert tuple(rsample.shape) == expected and rsample.requires_grad


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_manual_seed_reproduces_samples(case):
    dist = case.make(gr, case.draw(np.random.default_rng(0), [(3,), (3,)]))
    gr.manual_seed(7)
    first = dist.sample((50,)).numpy()
    gr.manual_seed(7)
    np.testing.assert_array_equal(dist.sample((50,)).numpy(), first)
    assert not np.array_equal(dist.sample((50,)).numpy(), first)


def _assert_moments(samples, mean, variance, what):
    """Sample mean and variance within 5 standard errors of the true ones (per batch entry)."""
    centred = samples - mean
    se_mean = np.sqrt(variance / len(samples))
    se_variance = np.sqrt(np.var(centred ** 2, axis=0) / len(samples))
    assert np.all(np.abs(samples.mean(0) - mean) < 5 * se_mean), f"{what}: mean"
    # <=: at p = 1/2 every (x - mean)² is 1/4, so both sides are 0
    assert np.all(np.abs((centred ** 2).mean(0) - variance) <= 5 * se_variance), f"{what}: var"


@pytest.mark.parametrize("dist", [
    Normal(gr.tensor([0.0, 3.0]), gr.tensor([1.0, 0.5])),
    Laplace(gr.tensor([-1.0, 2.0]), gr.tensor([0.5, 2.0])),
    Uniform(gr.tensor([0.0, -3.0]), gr.tensor([1.0, 5.0])),
    Exponential(gr.tensor([0.5, 4.0])),
    Bernoulli(gr.tensor([0.1, 0.7])),
    Bernoulli(logits=gr.tensor([-2.0, 0.5])),
    OneHotCategorical(gr.tensor([0.2, 0.5, 0.3])),
    Poisson(gr.tensor([0.5, 3.0, 20.0])),
    Binomial(gr.tensor([1.0, 10.0, 7.0]), gr.tensor([0.5, 0.2, 0.9])),
    Binomial(gr.tensor(12.0), logits=gr.tensor([-1.0, 2.0])),
    Geometric(gr.tensor([0.1, 0.5, 0.9])),
    Geometric(logits=gr.tensor([-1.0, 1.0])),
    MultivariateNormal(gr.tensor([1.0, -2.0]), gr.tensor([[2.0, 0.6], [0.6, 0.5]])),
    Independent(Laplace(gr.tensor([[-1.0, 2.0]]), gr.tensor([0.5, 2.0])), 2),
    LogNormal(gr.tensor([0.0, 1.0]), gr.tensor([0.25, 0.5])),
    HalfNormal(gr.tensor([0.5, 3.0])),
    Gumbel(gr.tensor([-1.0, 2.0]), gr.tensor([0.5, 2.0])),
], ids=lambda d: type(d).__name__)
def test_sample_moments_match_mean_and_variance(dist):
    samples = dist.sample((N,)).numpy().astype(np.float64)
    _assert_moments(samples, dist.mean.numpy(), dist.variance.numpy(), type(dist).__name__)
    if dist.has_rsample:
        samples = dist.rsample((N,)).detach().numpy().astype(np.float64)
        _assert_moments(samples, dist.mean.numpy(), dist.variance.numpy(), "rsample")


def test_multivariate_normal_samples_have_its_covariance():
    covariance = np.array([[2.0, 0.6, -0.3], [0.6, 0.5, 0.1], [-0.3, 0.1, 1.0]])
    for parameter in ("covariance_matrix", "precision_matrix", "scale_tril"):
        matrix = {"covariance_matrix": covariance, "precision_matrix": np.linalg.inv(covariance),
                  "scale_tril": np.linalg.cholesky(covariance)}[parameter]
        dist = MultivariateNormal(gr.zeros(3, dtype=gr.float64),
                                  **{parameter: gr.tensor(matrix)})
        gr.manual_seed(0)
        samples = dist.rsample((N,)).detach().numpy()
        products = samples[:, :, None] * samples[:, None, :]  # zero mean: E[x xᵀ] = Σ
        se = products.std(0) / np.sqrt(N)
        assert np.all(np.abs(products.mean(0) - covariance) < 5 * se), parameter


def test_count_samples_are_non_negative_integers_within_the_support():
    for dist in (Poisson(gr.tensor([0.1, 4.0])), Geometric(gr.tensor([0.05, 0.7])),
                 Binomial(gr.tensor([3.0, 0.0]), gr.tensor([0.5, 0.5]))):
        samples = dist.sample((500,)).numpy()
        assert samples.dtype == np.float32 and np.all(samples >= 0)
        assert np.all(samples == np.floor(samples)), type(dist).__name__
    binomial = Binomial(gr.tensor([3.0, 0.0]), gr.tensor([0.5, 0.5])).sample((500,)).numpy()
    assert binomial[:, 0].max() == 3 and binomial[:, 1].max() == 0


def test_categorical_frequencies_match_probs():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    samples = Categorical(gr.tensor(probs)).sample((N,)).numpy()
    assert samples.dtype == np.int64 and set(np.unique(samples)) <= {0, 1, 2}
    for k in range(3):
        frequency = (samples == k).mean(0)
        se = np.sqrt(probs[:, k] * (1 - probs[:, k]) / N)
        assert np.all(np.abs(frequency - probs[:, k]) < 5 * se), f"category {k}"


def test_samples_lie_in_the_support():
    assert set(np.unique(Bernoulli(gr.tensor([0.3, 0.9])).sample((100,)).numpy())) == {0.0, 1.0}
    one_hot = OneHotCategorical(logits=gr.tensor([0.0, 1.0, -1.0])).sample((100,)).numpy()
    assert np.all(one_hot.sum(-1) == 1) and set(np.unique(one_hot)) == {0.0, 1.0}
    assert np.all(Exponential(gr.tensor(2.0)).sample((1000,)).numpy() >= 0)
    uniform = Uniform(gr.tensor(-1.0), gr.tensor(2.0)).sample((1000,)).numpy()
    assert np.all((uniform >= -1) & (uniform < 2))


def test_rsample_is_the_reparameterized_noise():
    loc, scale = gr.tensor([1.0, -2.0]), gr.tensor([0.5, 3.0])
    gr.manual_seed(11)
    draws = Normal(loc, scale).rsample((6,))
    gr.manual_seed(11)
    noise = gr.randn(6, 2)
    np.testing.assert_allclose(draws.numpy(), (loc + noise * scale).numpy(), rtol=1e-6)


def test_numbers_take_the_default_dtype_and_tensors_theirs():
    assert Normal(0.0, 1.0).sample().dtype == gr.get_default_dtype()
    assert Normal(gr.tensor(0.0, dtype=gr.float64), 1.0).sample((2,)).dtype == gr.float64
    assert Normal(0.0, 1.0).batch_shape == gr.Size([])


@pytest.mark.parametrize("dist", [
    Cauchy(gr.tensor([0.0, 3.0], dtype=gr.float64), gr.tensor([1.0, 0.2], dtype=gr.float64)),
    HalfCauchy(gr.tensor([0.5, 4.0], dtype=gr.float64)),
    LogNormal(gr.tensor([0.0, 1.0], dtype=gr.float64), gr.tensor([0.25, 0.5], dtype=gr.float64)),
    Gumbel(gr.tensor([-1.0, 2.0], dtype=gr.float64), gr.tensor([0.5, 2.0], dtype=gr.float64)),
], ids=lambda d: type(d).__name__)
def test_sample_quantiles_match_the_cdf(dist):
    """The fraction of draws below each decile of icdf is within 5 standard errors of it (for
    families without moments, and as a check of the whole shape for the others)."""
    levels = np.linspace(0.1, 0.9, 9)[:, None] * np.ones(2)
    quantiles = dist.icdf(gr.tensor(levels)).numpy()
    gr.manual_seed(3)
    for samples in (dist.sample((N,)).numpy(), dist.rsample((N,)).detach().numpy()):
        below = (samples[:, None, :] <= quantiles[None]).mean(0)
        se = np.sqrt(levels * (1 - levels) / N)
        assert np.all(np.abs(below - levels) < 5 * se), type(dist).__name__
