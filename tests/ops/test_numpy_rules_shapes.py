"""The rules of ops/reduce.py and ops/movement.py written in NumPy vocabulary (numpy_rules):
one formula runs on arrays for first-order gradients and on Tensors with create_graph, and
both must agree; the NumPy functions those rules call dispatch to gradiente on Tensors."""

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import assert_first_order_matches_create_graph, requires_torch

RNG = np.random.default_rng(0)


def normal(*shape):
    return gr.from_numpy(RNG.standard_normal(shape)).requires_grad_()


def with_ties(*shape):
    return gr.from_numpy(RNG.integers(0, 3, shape).astype(np.float64)).requires_grad_()


CASES = {
    "sum_all": (lambda x: x.sum(), (normal(3, 4),)),
    "sum_dims_keepdim": (lambda x: x.sum((0, 2), keepdim=True), (normal(2, 3, 4),)),
    "sum_to_float32": (lambda x: x.sum(1, dtype=gr.float32), (normal(3, 4),)),
    "sum_0d": (lambda x: x.sum(), (normal(),)),
    "mean_dim": (lambda x: x.mean(-1), (normal(3, 4),)),
    "broadcast_add": (lambda x, y: x + y, (normal(3, 1), normal(4))),
    "reshape_view": (lambda x: x.view(4, 3).reshape(-1), (normal(3, 4),)),
    "expand": (lambda x: x.expand(2, 3, 4), (normal(3, 1),)),
    "permute": (lambda x: x.permute(2, 0, 1), (normal(2, 3, 4),)),
    "transpose_mT": (lambda x: x.mT, (normal(2, 3, 4),)),
    "squeeze_unsqueeze": (lambda x: x.unsqueeze(1).squeeze(0), (normal(1, 3),)),
    "repeat": (lambda x: x.repeat(2, 1, 3), (normal(3, 2),)),
    "flip": (lambda x: x.flip(0, -1), (normal(3, 4),)),
    "roll": (lambda x: x.roll((1, -2), (0, 1)), (normal(3, 4),)),
    "roll_flat": (lambda x: x.roll(5), (normal(3, 4),)),
    "cat_stack": (lambda x, y: gr.stack([gr.cat([x, y], 1), gr.cat([y, x], 1)]),
                  (normal(2, 3), normal(2, 1))),
    "tril_triu": (lambda x: x.tril(-1) + 2 * x.triu(1), (normal(2, 4, 3),)),
    "clone": (lambda x: x.clone(), (normal(3),)),
    "var": (lambda x: x.var(1), (normal(3, 4),)),
    "std_with_constant_row": (lambda x: (x * gr.tensor([[1.0], [0.0]])).std(1),
                              (normal(2, 4),)),
    "logsumexp": (lambda x: x.logsumexp(0), (normal(3, 4),)),
    "amax_ties": (lambda x: x.amax(1), (with_ties(4, 5),)),
    "max_all_ties": (lambda x: x.max(), (with_ties(4, 5),)),
    "max_dim": (lambda x: x.max(1).values, (normal(3, 4),)),
    "median": (lambda x: x.median(), (normal(5),)),
    "norm_2": (lambda x: x.norm(dim=1), (normal(3, 4),)),
    "norm_inf": (lambda x: x.norm(float("inf")), (with_ties(3, 4),)),
    "norm_half": (lambda x: x.norm(0.5, dim=0), (normal(3, 4),)),
    "cumsum": (lambda x: x.cumsum(1), (normal(3, 4),)),
    "cumsum_0d": (lambda x: x.cumsum(0), (normal(),)),
}


@pytest.mark.parametrize("name", CASES)
def test_first_order_matches_create_graph(name):
    """The same rule on arrays (first order) and on Tensors (create_graph) gives one answer;
    the cotangent requires grad, so every gradient is recorded under create_graph."""
    f, inputs = CASES[name]
    assert_first_order_matches_create_graph(f, inputs)


NUMPY_CALLS = {
    "transpose": (lambda a: np.transpose(a, (1, 2, 0)), lambda x: x.permute(1, 2, 0)),
    "flip": (lambda a: np.flip(a, (0, 2)), lambda x: x.flip(0, 2)),
    "roll": (lambda a: np.roll(a, (1, -1), (0, 2)), lambda x: x.roll((1, -1), (0, 2))),
    "roll_flat": (lambda a: np.roll(a, 3), lambda x: x.roll(3)),
    "tril": (lambda a: np.tril(a, -1), lambda x: x.tril(-1)),
    "triu": (lambda a: np.triu(a, 1), lambda x: x.triu(1)),
    "cumsum": (lambda a: np.cumsum(a, 1), lambda x: x.cumsum(1)),
}


@pytest.mark.parametrize("name", NUMPY_CALLS)
def test_numpy_function_on_a_tensor_is_recorded(name):
    """np.transpose(t, axes) and kin run gradiente's operation: the same values as NumPy's on
    arrays, and a graph."""
    numpy_call, gradiente_call = NUMPY_CALLS[name]
    x = normal(2, 3, 4)
    out = numpy_call(x)
    assert isinstance(out, gr.Tensor) and out.requires_grad
    np.testing.assert_array_equal(out.detach().numpy(), numpy_call(x.detach().numpy()))
    np.testing.assert_array_equal(out.detach().numpy(), gradiente_call(x).detach().numpy())


def test_flip_requires_dims():
    with pytest.raises(TypeError, match="flip: missing the required argument 'dims'"):
        gr.ones(2, 3).flip()


def test_roll_of_a_0d_tensor_along_a_dim():
    x = gr.tensor(2.0, requires_grad=True)
    y = x.roll(1, 0)
    y.backward()
    assert y.item() == 2.0 and x.grad.item() == 1.0


@requires_torch
@pytest.mark.parametrize("op", ["var", "std", "norm"])
def test_an_empty_dim_list_reduces_over_all_dims(op):
    """As PyTorch's values; the gradient is that of the reduction over all dims (PyTorch's own
    var/std backward with dim=() divides by zero: inf)."""
    import torch

    values = RNG.standard_normal((2, 3))
    x = gr.from_numpy(values).requires_grad_()
    out = getattr(gr, op)(x, dim=())
    expected = getattr(torch, op)(torch.from_numpy(values), dim=())
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), rtol=1e-12)
    (grad,) = gr.autograd.grad(out, x)
    (grad_all_dims,) = gr.autograd.grad(getattr(gr, op)(x), x)
    np.testing.assert_allclose(grad.numpy(), grad_all_dims.numpy(), rtol=1e-12)
