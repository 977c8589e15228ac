"""nn.utils: gradient clipping against PyTorch, parameters to one vector and back."""

import math

import numpy as np
import pytest

import gradiente as gr
from gradiente.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)
from tests.helpers import HAS_TORCH, requires_torch
from tests.nn.helpers import assert_close

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(3)
GRADS = [RNG.standard_normal((3, 4)) * 2, RNG.standard_normal(5)]


def _params(lib):
    params = [lib.nn.Parameter(lib.zeros(*g.shape, dtype=lib.float64)) for g in GRADS]
    for p, g in zip(params, GRADS):
        p.grad = lib.tensor(g.copy())
    return params


@requires_torch
@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                 (0.5, math.inf), (2.0, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    ours, theirs = _params(gr), _params(torch)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_close(total, expected, "total norm")
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad, "clipped gradient")


def test_clip_grad_norm_non_finite():
    p = gr.nn.Parameter(gr.zeros(2))
    p.grad = gr.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([], 1.0).item() == 0.0


@requires_torch
def test_clip_grad_value_matches_torch():
    ours, theirs = _params(gr), _params(torch)
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad, "clipped gradient")


def test_parameters_to_vector_and_back():
    model = gr.nn.Sequential(gr.nn.Linear(3, 2), gr.nn.Linear(2, 1))
    vec = parameters_to_vector(model.parameters())
    assert tuple(vec.shape) == (3 * 2 + 2 + 2 + 1,)
    vec.sum().backward()  # differentiable, as PyTorch's
    assert all(np.all(p.grad.array == 1) for p in model.parameters())
    new = gr.arange(11, dtype=gr.float32)
    vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(model[0].weight.array, np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(model[1].bias.array, [10])
    with pytest.raises(ValueError, match="11 elements"):
        vector_to_parameters(gr.zeros(4), model.parameters())
