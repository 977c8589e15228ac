"""Grad modes, custom Functions, in-place checks and anomaly detection, as in PyTorch."""

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch


def leaf(values):
    return gr.tensor(values, dtype=gr.float64, requires_grad=True)


# ----- grad modes -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", [gr.no_grad, gr.inference_mode])
def test_no_grad_and_inference_mode_record_nothing(mode):
    x = leaf(1.0)
    with mode():
        y = x * 2
        assert not gr.is_grad_enabled()
    assert gr.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("mode", [gr.no_grad, gr.inference_mode,
                                  lambda: gr.set_grad_enabled(False)])
def test_grad_modes_work_as_decorators(mode):
    x = leaf(1.0)

    @mode()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert gr.is_grad_enabled() and (x * 2).requires_grad


def test_enable_grad_inside_no_grad():
    x = leaf(1.0)
    with gr.no_grad():
        with gr.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad

    @gr.enable_grad()
    def double(t):
        return t * 2

    with gr.no_grad():
        assert double(x).requires_grad


def test_set_grad_enabled_as_function_and_context():
    x = leaf(1.0)
    gr.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        gr.set_grad_enabled(True)
    with gr.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert gr.is_grad_enabled()


def test_inference_mode_false_keeps_recording():
    x = leaf(1.0)
    with gr.inference_mode(False):
        assert (x * 2).requires_grad


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with gr.no_grad():
            raise ValueError
    assert gr.is_grad_enabled()


def test_no_graph_is_recorded_when_nothing_requires_grad():
    y = gr.tensor([1.0, 2.0]) * 3 + 1
    assert y.grad_fn is None and not y.requires_grad


# ----- custom Function --------------------------------------------------------------------------

class Cube(gr.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x.array ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        ctx.calls = getattr(ctx, "calls", 0) + 1
        return g * 3 * ctx.scale * x * x, None

    @staticmethod
    def jvp(ctx, dx, _):
        (x,) = ctx.saved_tensors
        return dx * 3 * ctx.scale * x * x


def test_custom_function_forward_backward_and_higher_order():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, 16.0])
    assert y.grad_fn.name() == "CubeBackward0"
    (g,) = gr.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [6.0, 24.0])
    (h,) = gr.autograd.grad(g.sum(), x)  # backward was written with Tensor ops
    np.testing.assert_array_equal(h.numpy(), [12.0, 24.0])
    assert gr.autograd.gradcheck(lambda t: Cube.apply(t, 2.0), (x,), check_forward_ad=True)


def test_custom_function_needs_input_grad():
    seen = {}

    class Record(gr.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen["needs"] = ctx.needs_input_grad
            return x.array * y.array

        @staticmethod
        def backward(ctx, g):
            return g, g

    Record.apply(leaf(1.0), gr.tensor(2.0, dtype=gr.float64))
    assert seen["needs"] == (True, False)


def test_custom_function_forward_records_nothing_inside():
    inner = {}

    class Inside(gr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            z = x * 2  # Tensor ops inside forward run without recording
            inner["recorded"] = z.grad_fn is not None
            return z

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Inside.apply(leaf(1.0))
    assert not inner["recorded"] and y.grad_fn.name() == "InsideBackward0"


@requires_torch
def test_custom_function_matches_torch():
    class TorchCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return scale * x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * ctx.scale * x * x, None

    values = [0.5, -1.5, 2.0]
    ours = leaf(values)
    (Cube.apply(ours, 1.5) * ours).sum().backward()
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (TorchCube.apply(theirs, 1.5) * theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-15)


# ----- in-place operations ----------------------------------------------------------------------

def test_inplace_ops_bump_the_version():
    x = gr.tensor([1.0, 2.0])
    v0 = x._version_counter
    x.add_(1.0)
    x.mul_(2.0)
    assert x._version_counter == v0 + 2
    np.testing.assert_array_equal(x.numpy(), [4.0, 6.0])


def test_backward_through_a_modified_saved_tensor_raises_naming_the_op():
    x = leaf([1.0, 2.0])
    h = x * 1.0
    y = h.sin()  # saves h
    h.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*SinBackward0"):
        y.sum().backward()


def test_backward_through_a_modified_output_raises():
    x = leaf([1.0, 2.0])
    y = x.exp()  # exp's rule reuses its output
    y.add_(1.0)
    with pytest.raises(RuntimeError, match=r"inplace operation.*ExpBackward0"):
        y.sum().backward()


@requires_torch
def test_inplace_on_an_unsaved_intermediate_is_differentiated_like_torch():
    results = []
    for lib in (gr, torch):
        x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        h = x * 3
        h.add_(x)  # h is not saved by anything: allowed
        (h * h).sum().backward()
        results.append(x.grad.detach().numpy())
    np.testing.assert_array_equal(*results)


def test_inplace_on_a_leaf_requiring_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1.0)
    with gr.no_grad():
        x.add_(1.0)  # allowed, as in PyTorch
    np.testing.assert_array_equal(x.detach().numpy(), [2.0, 3.0])


# ----- anomaly detection ------------------------------------------------------------------------

def test_detect_anomaly_names_the_op_producing_nan_and_where_it_was_made():
    x = leaf([0.0, 1.0])
    with gr.autograd.detect_anomaly():
        y = x.sqrt()  # d sqrt at 0 is inf
        with pytest.raises(RuntimeError, match=r"SqrtBackward0.*returned (nan|inf)") as error:
            (y * 0.0 + y).sum().backward()
    assert "test_modes_and_functions.py" in str(error.value)  # the creation traceback
    assert not gr.autograd.is_anomaly_enabled()


def test_without_anomaly_detection_a_nan_gradient_passes_silently():
    x = leaf([0.0, 1.0])
    x.sqrt().sum().backward()
    assert np.isinf(x.grad.numpy()[0])
