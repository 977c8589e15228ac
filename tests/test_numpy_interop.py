"""NumPy called on tensors: ufuncs and the functions backward rules use run gradiente's
operations (so they are recorded); any other NumPy function runs on the values, and refuses a
tensor that requires grad rather than silently dropping its graph."""

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import requires_torch


def test_numpy_ufuncs_on_tensors_are_gradiente_operations_and_differentiate():
    x = gr.tensor([0.5, 1.5], dtype=gr.float64, requires_grad=True)
    y = np.cos(x) * np.exp(x) + np.maximum(x, 1.0)
    assert isinstance(y, gr.Tensor) and y.grad_fn is not None
    y.sum().backward()
    a = x.detach().numpy()
    expected = -np.sin(a) * np.exp(a) + np.cos(a) * np.exp(a) + (a > 1.0)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)


def test_np_where_and_broadcast_to_on_tensors_are_recorded():
    x = gr.tensor([-1.0, 2.0], dtype=gr.float64, requires_grad=True)
    y = np.where(x > 0, x, 0.0) + np.broadcast_to(x, (3, 2))
    assert y.shape == (3, 2)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])  # 3 rows: the mask, and 1


def test_other_numpy_functions_run_on_the_values():
    t, u = gr.tensor([1.0, 2.0]), gr.tensor([3.0, 4.0])
    np.testing.assert_array_equal(np.concatenate([t, u]), [1.0, 2.0, 3.0, 4.0])
    assert np.mean(t) == 1.5 and np.add.reduce(u) == 7.0 and np.dot(t, u) == 11.0
    out = np.empty(2, dtype=np.float32)
    np.sin(t, out=out)
    np.testing.assert_allclose(out, np.sin([1.0, 2.0]), rtol=1e-6)


@pytest.mark.parametrize("call", [lambda x: np.mean(x), lambda x: np.add.reduce(x),
                                  lambda x: np.concatenate([x, x]),
                                  lambda x: np.sin(x, out=np.empty(2))])
def test_numpy_refuses_to_drop_the_graph_of_a_tensor_that_requires_grad(call):
    x = gr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="requires grad"):
        call(x)


@pytest.mark.parametrize("call", [lambda t: np.sin(np.ones(2), out=t),
                                  lambda t: np.concatenate([np.ones(1), np.ones(1)], out=t)])
def test_numpy_refuses_to_write_into_a_tensor(call):
    with pytest.raises(TypeError, match="out= must be a NumPy array"):
        call(gr.zeros(2, dtype=gr.float64))


@requires_torch
def test_a_numpy_ufunc_on_a_tensor_gives_a_tensor_as_torch():
    import torch

    assert isinstance(np.sin(torch.tensor([1.0])), torch.Tensor)
    assert isinstance(np.sin(gr.tensor([1.0])), gr.Tensor)
