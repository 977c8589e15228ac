"""The Gamma family: torch's reparameterized gradient of Gamma draws, gradients of rsample,
sample moments, and validation messages against torch."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import gradcheck
from gradiente.distributions import Beta, Chi2, Dirichlet, Gamma, Pareto, StudentT, Weibull
from gradiente.distributions.gamma import _standard_gamma_grad
from tests.helpers import HAS_TORCH, requires_torch

from .test_sampling import N, _assert_moments

if HAS_TORCH:
    import torch


@requires_torch
def test_standard_gamma_grad_is_torchs_in_every_branch():
    rng = np.random.default_rng(0)
    alpha = np.concatenate([rng.uniform(0.05, 20.0, 5000), [0.5, 9.0, 9.0, 9.0, 12.0, 3.0]])
    # draws, plus points at the branch edges: x < 0.8, 0.9 α <= x <= 1.1 α for α > 8
    x = np.concatenate([rng.gamma(alpha[:5000]), [0.7999, 8.1, 9.9, 8.0999, 13.21, 0.8]])
    ours = _standard_gamma_grad(alpha, x)
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    ours32 = _standard_gamma_grad(alpha.astype(np.float32), x.astype(np.float32))
    theirs32 = torch._standard_gamma_grad(torch.tensor(alpha, dtype=torch.float32),
                                          torch.tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_array_equal(ours32.astype(np.float32), theirs32)


@requires_torch
def test_gamma_rsample_gradients_are_torchs_at_the_drawn_values():
    alpha = gr.tensor([0.3, 2.0, 15.0], dtype=gr.float64, requires_grad=True)
    rate = gr.tensor([2.0, 0.5, 1.5], dtype=gr.float64, requires_grad=True)
    value = Gamma(alpha, rate).rsample((500,))
    value.sum().backward()
    draws = value.detach().numpy()
    standard = draws * rate.detach().numpy()
    dz_dalpha = torch._standard_gamma_grad(
        torch.tensor(np.broadcast_to(alpha.detach().numpy(), draws.shape).copy()),
        torch.tensor(standard)).numpy()
    np.testing.assert_allclose(alpha.grad.numpy(), (dz_dalpha / rate.detach().numpy()).sum(0),
                               rtol=1e-12)
    np.testing.assert_allclose(rate.grad.numpy(), (-draws / rate.detach().numpy()).sum(0),
                               rtol=1e-12)


def test_gamma_rsample_gradient_averages_to_the_gradient_of_the_mean():
    """E[dx/dα] = dE[x]/dα = 1/β, within 5 standard errors."""
    alpha = gr.tensor([0.4, 3.0, 20.0], dtype=gr.float64, requires_grad=True)
    rate = gr.tensor([1.0, 2.0, 0.5], dtype=gr.float64)
    gr.manual_seed(0)
    value = Gamma(alpha, rate).rsample((N,))
    (summed,) = gr.autograd.grad(value.sum(), alpha)
    dz = _standard_gamma_grad(np.broadcast_to(alpha.detach().numpy(), (N, 3)),
                              value.detach().numpy() * rate.numpy()) / rate.numpy()
    np.testing.assert_allclose(summed.numpy(), dz.sum(0), rtol=1e-12)
    se = dz.std(0) / np.sqrt(N)
    assert np.all(np.abs(dz.mean(0) - 1 / rate.numpy()) < 5 * se)


def test_student_t_rsample_differentiates_by_loc_and_scale():
    df = gr.tensor([3.0, 7.0], dtype=gr.float64)
    loc = gr.tensor([0.5, -1.0], dtype=gr.float64, requires_grad=True)
    scale = gr.tensor([1.5, 0.7], dtype=gr.float64, requires_grad=True)

    def rsample(loc, scale):
        gr.manual_seed(2)
        return StudentT(df, loc, scale).rsample((4,))
    assert gradcheck(rsample, (loc, scale))
    assert StudentT(df, loc, scale).has_rsample and Chi2(df).has_rsample
    assert not Beta(1.0, 2.0).has_rsample and not Dirichlet(gr.ones(3)).has_rsample


@pytest.mark.parametrize("dist", [
    Gamma(gr.tensor([0.3, 2.0, 15.0]), gr.tensor([2.0, 0.5, 1.5])),
    Chi2(gr.tensor([1.0, 6.0])),
    StudentT(gr.tensor([6.0, 10.0]), gr.tensor([1.0, -2.0]), gr.tensor([0.5, 2.0])),
    Beta(gr.tensor([0.5, 2.0]), gr.tensor([1.5, 0.4])),
    Dirichlet(gr.tensor([[0.5, 2.0, 1.0], [3.0, 0.2, 1.0]])),
    Weibull(gr.tensor([1.0, 3.0]), gr.tensor([0.8, 2.5])),
    Pareto(gr.tensor([1.0, 0.5]), gr.tensor([5.0, 8.0])),
], ids=lambda d: type(d).__name__)
def test_sample_moments_match_mean_and_variance(dist):
    gr.manual_seed(4)
    samples = dist.sample((N,)).numpy().astype(np.float64)
    _assert_moments(samples, dist.mean.numpy(), dist.variance.numpy(), type(dist).__name__)
    if dist.has_rsample:
        samples = dist.rsample((N,)).detach().numpy().astype(np.float64)
        _assert_moments(samples, dist.mean.numpy(), dist.variance.numpy(), "rsample")


def test_dirichlet_and_beta_samples_lie_in_their_support():
    dirichlet = Dirichlet(gr.tensor([0.05, 0.1, 0.2])).sample((2000,)).numpy()
    assert np.all(dirichlet > 0) and np.all(dirichlet < 1)
    np.testing.assert_allclose(dirichlet.sum(-1), 1.0, rtol=1e-6)
    beta = Beta(gr.tensor(0.05), gr.tensor(0.05)).sample((2000,)).numpy()
    assert np.all(beta > 0) and np.all(beta < 1)


@requires_torch
@pytest.mark.parametrize("name, params", [
    ("Gamma", lambda lib: {"concentration": lib.tensor([1.0, -1.0]), "rate": 1.0}),
    ("Gamma", lambda lib: {"concentration": 1.0, "rate": 0.0}),
    ("Chi2", lambda lib: {"df": lib.tensor([-1.0])}),
    ("StudentT", lambda lib: {"df": 0.0}),
    ("StudentT", lambda lib: {"df": 3.0, "scale": -1.0}),
    ("Beta", lambda lib: {"concentration1": -1.0, "concentration0": 1.0}),
    ("Dirichlet", lambda lib: {"concentration": lib.tensor([1.0, -1.0])}),
    ("Weibull", lambda lib: {"scale": -1.0, "concentration": 1.0}),
    ("Pareto", lambda lib: {"scale": 1.0, "alpha": -1.0}),
])
def test_invalid_parameters_raise_torchs_message(name, params):
    with pytest.raises(ValueError) as ours:
        getattr(gr.distributions, name)(**params(gr))
    with pytest.raises(ValueError) as theirs:
        getattr(torch.distributions, name)(**params(torch))
    assert str(ours.value).replace("gradiente.", "torch.") == str(theirs.value)


@requires_torch
@pytest.mark.parametrize("name, params, value", [
    ("Gamma", {"concentration": 1.0, "rate": 1.0}, -1.0),
    ("StudentT", {"df": 3.0}, float("nan")),
    ("Beta", {"concentration1": 1.0, "concentration0": 1.0}, 1.5),
    ("Dirichlet", {"concentration": [1.0, 1.0]}, [0.3, 0.3]),
    ("Pareto", {"scale": 2.0, "alpha": 1.0}, 1.0),
])
def test_values_outside_the_support_raise_torchs_message(name, params, value):
    def log_prob(lib):
        dist = getattr(lib.distributions, name)(**{k: lib.tensor(v) if isinstance(v, list) else v
                                                   for k, v in params.items()})
        return dist.log_prob(lib.tensor(value))
    with pytest.raises(ValueError) as ours:
        log_prob(gr)
    with pytest.raises(ValueError) as theirs:
        log_prob(torch)
    assert str(ours.value).replace("gradiente.", "torch.") == str(theirs.value)


@requires_torch
def test_dirichlet_concentration_must_be_a_vector_as_in_torch():
    for lib in (gr, torch):
        with pytest.raises(ValueError, match="`concentration` parameter must be at least "
                                             "one-dimensional"):
            lib.distributions.Dirichlet(lib.tensor(1.0))


@requires_torch
def test_binomial_kl_needs_q_total_count_at_most_ps_as_in_torch():
    for lib in (gr, torch):
        p = lib.distributions.Binomial(lib.tensor([3.0, 5.0]), lib.tensor([0.5, 0.5]))
        q = lib.distributions.Binomial(lib.tensor([4.0, 5.0]), lib.tensor([0.5, 0.5]))
        with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
            lib.distributions.kl_divergence(p, q)
    p = gr.distributions.Binomial(gr.tensor([6.0, 5.0]), gr.tensor([0.5, 0.5]))
    q = gr.distributions.Binomial(gr.tensor([5.0, 5.0]), gr.tensor([0.5, 0.4]))
    kl = gr.distributions.kl_divergence(p, q).tolist()
    assert kl[0] == float("inf") and 0 < kl[1] < float("inf")
