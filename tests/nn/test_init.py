"""nn.init: gains and fans as PyTorch's, distributions, in place without a graph, seeding."""

import math

import numpy as np
import pytest

import gradiente as gr
from gradiente.nn import init
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch


@requires_torch
@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@requires_torch
@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (6, 2, 3, 3)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(gr.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(gr.empty(3))


# (function, kwargs, expected bound of |w| or None, expected std) for a (200, 300) weight
FAN_IN, FAN_OUT = 300, 200
CASES = [
    (init.uniform_, {"a": -2.0, "b": 3.0}, None, 5 / math.sqrt(12)),
    (init.normal_, {"mean": 1.0, "std": 0.5}, None, 0.5),
    (init.xavier_uniform_, {"gain": 2.0}, 2 * math.sqrt(6 / (FAN_IN + FAN_OUT)),
     2 * math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (init.xavier_normal_, {}, None, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(6 / FAN_IN),
     math.sqrt(2 / FAN_IN)),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(FAN_IN), 1 / math.sqrt(3 * FAN_IN)),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, None,
     math.sqrt(2 / FAN_OUT)),
    (init.kaiming_normal_, {"a": 0.1}, None, math.sqrt(2 / (1.01 * FAN_IN))),
    (init.trunc_normal_, {"std": 1.0, "a": -1.0, "b": 1.0}, 1.0, 0.5379),
]


@pytest.mark.parametrize("fn, kwargs, bound, std", CASES,
                         ids=[f"{c[0].__name__}{c[1]}" for c in CASES])
def test_distributions(fn, kwargs, bound, std):
    w = gr.nn.Parameter(gr.empty(FAN_OUT, FAN_IN))
    version = w._version_counter
    assert fn(w, **kwargs) is w
    a = w.array
    assert a.dtype == np.float32 and w.grad_fn is None and w.requires_grad
    assert w._version_counter == version + 1
    if bound is not None:
        assert np.abs(a).max() <= bound * (1 + 1e-6)
        assert np.abs(a).max() > 0.95 * bound
    np.testing.assert_allclose(a.std(), std, rtol=0.03)


def test_constant_zeros_ones_eye():
    w = gr.empty(3, 4)
    np.testing.assert_array_equal(init.constant_(w, 0.3).array, np.full((3, 4), 0.3, np.float32))
    np.testing.assert_array_equal(init.zeros_(w).array, 0)
    np.testing.assert_array_equal(init.ones_(w).array, 1)
    np.testing.assert_array_equal(init.eye_(w).array, np.eye(3, 4))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(gr.empty(2, 2, 2))


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2)])
def test_orthogonal(shape):
    w = init.orthogonal_(gr.empty(*shape, dtype=gr.float64), gain=2.0)
    flat = w.array.reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(gr.empty(3))


def test_init_is_seeded_by_the_default_generator_and_accepts_a_generator():
    gr.manual_seed(5)
    a = init.kaiming_uniform_(gr.empty(3, 4)).array.copy()
    gr.manual_seed(5)
    np.testing.assert_array_equal(init.kaiming_uniform_(gr.empty(3, 4)).array, a)
    g1, g2 = gr.Generator().manual_seed(9), gr.Generator().manual_seed(9)
    np.testing.assert_array_equal(init.normal_(gr.empty(5), generator=g1).array,
                                  init.normal_(gr.empty(5), generator=g2).array)


def test_zero_element_tensor_is_a_noop_with_a_warning():
    with pytest.warns(UserWarning, match="no-op"):
        init.kaiming_normal_(gr.empty(0, 3))


def test_init_records_no_graph_and_invalidates_saved_weights():
    layer = gr.nn.Linear(3, 2)
    out = layer(gr.randn(4, 3)).sum()
    init.zeros_(layer.weight)
    assert layer.weight.grad_fn is None and layer.weight.is_leaf
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()
