"""gradcheck, gradgradcheck and jvpcheck: they pass on right rules and name the wrong ones."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import GradcheckError, gradcheck, gradgradcheck, jvpcheck


def leaf(values):
    return gr.tensor(values, dtype=gr.float64, requires_grad=True)


def make_square(backward_factor=2.0, jvp_factor=2.0, twice_factor=1.0):
    """x² with configurable (possibly wrong) first- and second-order rules."""
    class Square(gr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.array ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # x ** twice_factor (1 when right) changes only the second derivative's value
            return g * backward_factor * x * (x ** (twice_factor - 1.0))

        @staticmethod
        def jvp(ctx, dx):
            (x,) = ctx.saved_tensors
            return dx * jvp_factor * x
    return Square


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_passes_on_correct_rules(fast_mode):
    x, y = leaf([[0.5, -1.0], [2.0, 0.3]]), leaf([1.5, -0.7])
    assert gradcheck(lambda a, b: (a * b).tanh() + b.exp(), (x, y), fast_mode=fast_mode,
                     check_forward_ad=True)
    assert gradgradcheck(lambda a, b: (a * b).sin() * b, (x, y), fast_mode=fast_mode)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_names_the_worst_element(fast_mode):
    Square = make_square(backward_factor=2.01)
    x = leaf([[0.5, -1.0], [3.0, 0.25]])
    with pytest.raises(GradcheckError) as error:
        gradcheck(Square.apply, (x,), fast_mode=fast_mode)
    message = str(error.value)
    assert "input 0" in message and "input element (1, 0)" in message
    assert "analytic 6.03 " in message and "numerical 6" in message


def test_gradcheck_without_raising_returns_false():
    x = leaf([1.0, 2.0])
    assert gradcheck(make_square(backward_factor=3.0).apply, (x,),
                     raise_exception=False) is False


def test_gradcheck_checks_forward_mode_when_asked():
    Square = make_square(jvp_factor=2.5)
    x = leaf([1.0, 2.0])
    assert gradcheck(Square.apply, (x,))
    with pytest.raises(GradcheckError, match="forward mode"):
        gradcheck(Square.apply, (x,), check_forward_ad=True)


def test_jvpcheck_catches_a_wrong_tangent():
    x = leaf([0.5, 1.5])
    assert jvpcheck(make_square().apply, (x,))
    with pytest.raises(GradcheckError, match="tangent mismatch for output 0 at element"):
        jvpcheck(make_square(jvp_factor=1.9).apply, (x,))


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = leaf([0.5, 1.5, 2.0])
    # backward g * 2 * x * x**0.01: right first derivative only where x == 1, so use x**eps
    wrong = make_square(backward_factor=2.0, twice_factor=1.0 + 1e-2)
    with pytest.raises(GradcheckError):
        gradcheck(wrong.apply, (x,))
    assert gradgradcheck(make_square().apply, (x,))

    class SquareWithConstantGradient(gr.autograd.Function):
        """Right gradient values, but computed from a detached x: its derivative is lost."""
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.array ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach()

    assert gradcheck(SquareWithConstantGradient.apply, (x,))
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(SquareWithConstantGradient.apply, (x,))


def test_gradcheck_handles_several_outputs_and_non_differentiated_inputs():
    x, w = leaf([0.5, 1.0, 1.5]), gr.tensor([2.0, 3.0, 4.0], dtype=gr.float64)
    assert gradcheck(lambda a, b: (a * b, a.exp().sum()), (x, w))
    assert gradcheck(lambda a, b: (a * b, a.exp().sum()), (x, w), fast_mode=True)


def test_gradcheck_restores_the_inputs():
    values = np.array([0.5, 1.0, 1.5])
    x = leaf(values)
    gradcheck(gr.sin, (x,))
    np.testing.assert_array_equal(x.detach().numpy(), values)


def test_gradcheck_warns_on_single_precision_and_needs_a_differentiable_input():
    with pytest.warns(UserWarning, match="float32"):
        gradcheck(lambda a: a * 2, (gr.tensor([1.0], requires_grad=True),), eps=1e-2)
    with pytest.raises(ValueError, match="require grad"):
        gradcheck(lambda a: a * 2, (gr.tensor([1.0], dtype=gr.float64),))
