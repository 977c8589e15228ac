"""Gradients with respect to the parameters, by gradcheck in float64: log_prob, cdf, icdf,
entropy, moments, kl_divergence and reparameterized samples."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import gradcheck, gradgradcheck

from .cases import CASES, IDS, KL_CASES, KL_IDS, probabilities

SHAPES = [(2, 1), (3,)]  # broadcast: gradients are summed back over the expanded dims
RNG = np.random.default_rng(0)


def parameters(case, seed=0):
    """(names, leaves): the parameters to differentiate by, as float64 leaves."""
    params = case.draw(np.random.default_rng(seed), SHAPES)
    names = [name for name in params if name not in case.constant]
    return names, [gr.tensor(params[name], dtype=gr.float64, requires_grad=True)
                   for name in names]


def builder(case, names, seed=0):
    """tensors -> the distribution, with the constant parameters fixed and the matrix
    parameters read from free matrices as ``case.matrix_form`` says."""
    params = case.draw(np.random.default_rng(seed), SHAPES)
    constants = {name: gr.tensor(params[name]) for name in case.constant}

    def build(*tensors):
        kwargs = dict(zip(names, tensors))
        for name, form in (case.matrix_form or {}).items():
            m = kwargs[name]
            kwargs[name] = (m + m.mT) / 2 if form == "symmetric" else m.tril()
        return case.build(gr, **kwargs, **constants)
    return build


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_methods_differentiate_by_the_parameters(case):
    names, tensors = parameters(case)
    make = builder(case, names)
    rng = np.random.default_rng(1)
    params = case.draw(np.random.default_rng(0), SHAPES)
    shape = (2,) + tuple(make(*tensors).batch_shape) + tuple(make(*tensors).event_shape)
    for method in case.methods:
        if method == "mode" or (case.name == "Categorical"
                                and method not in ("log_prob", "entropy")):
            continue  # piecewise constant, or NaN (a Categorical's mean and variance)
        if case.name in ("Cauchy", "HalfCauchy") and method in ("mean", "variance", "stddev"):
            continue  # NaN or infinite: no moments
        if method in ("log_prob", "cdf", "icdf"):
            value = gr.tensor(probabilities(rng, shape) if method == "icdf"
                              else case.value(rng, params, shape))
            fn = lambda *ts: getattr(make(*ts), method)(value)  # noqa: E731
        elif method == "entropy":
            fn = lambda *ts: make(*ts).entropy()  # noqa: E731
        else:
            fn = lambda *ts: getattr(make(*ts), method)  # noqa: E731
        assert gradcheck(fn, tensors), f"{case.name}.{method}"


@pytest.mark.parametrize("case", KL_CASES, ids=KL_IDS)
def test_kl_divergence_differentiates_by_both_distributions(case):
    names, p_tensors = parameters(case, seed=0)
    _, q_tensors = parameters(case, seed=1)
    if case.name == "Uniform":  # q's interval around p's, so the KL is finite
        q_tensors = [p_tensors[0] - q_tensors[0] ** 2 - 0.5, p_tensors[1] + q_tensors[1] ** 2]
    if case.name == "Pareto":  # q's support [scale, ∞) holds p's, else KL is infinite
        q_tensors = [p_tensors[0] * 0.5, q_tensors[1]]
    make_p, make_q = builder(case, names, seed=0), builder(case, names, seed=1)
    n = len(names)

    def kl(*ts):
        return gr.distributions.kl_divergence(make_p(*ts[:n]), make_q(*ts[n:]))
    leaves = p_tensors + [t.detach().requires_grad_() for t in q_tensors]
    assert gradcheck(kl, leaves)


RSAMPLED = [(c, i) for c, i in zip(CASES, IDS)
            if c.name in ("Normal", "Laplace", "Uniform", "Exponential", "MultivariateNormal",
                          "Cauchy", "LogNormal", "HalfNormal", "HalfCauchy", "Gumbel")]


@pytest.mark.parametrize("case", [c for c, _ in RSAMPLED], ids=[i for _, i in RSAMPLED])
def test_rsample_differentiates_by_the_parameters(case):
    names, tensors = parameters(case)
    make = builder(case, names)

    def rsample(*ts):
        gr.manual_seed(5)  # the same noise on every call: a function of the parameters alone
        return make(*ts).rsample((4,))
    assert make(*tensors).has_rsample
    assert rsample(*tensors).requires_grad
    assert gradcheck(rsample, tensors)


def test_normal_icdf_second_derivative():
    p = gr.tensor([0.02, 0.3, 0.5, 0.97], dtype=gr.float64, requires_grad=True)
    scale = gr.tensor([0.5, 1.0, 2.0, 1.5], dtype=gr.float64, requires_grad=True)
    icdf = lambda p, scale: gr.distributions.Normal(0.0, scale).icdf(p)  # noqa: E731
    assert gradgradcheck(icdf, (p, scale))
    assert gradcheck(icdf, (p, scale), check_forward_ad=True)


def test_normal_log_prob_gradient_in_closed_form():
    loc = gr.tensor([0.3, -1.0], dtype=gr.float64, requires_grad=True)
    scale = gr.tensor([0.5, 2.0], dtype=gr.float64, requires_grad=True)
    value = gr.tensor([1.0, 0.0], dtype=gr.float64)
    gr.distributions.Normal(loc, scale).log_prob(value).sum().backward()
    z = (value.numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(loc.grad.numpy(), z / scale.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(scale.grad.numpy(), (z ** 2 - 1) / scale.detach().numpy(),
                               rtol=1e-14)
