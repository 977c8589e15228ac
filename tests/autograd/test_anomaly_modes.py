"""detect_anomaly's two switches, as PyTorch: the mode itself and its NaN check."""

import pytest

import gradiente as gr
from gradiente import autograd


def _nan_backward():
    x = gr.tensor([0.0, 1.0], requires_grad=True)
    return (gr.sqrt(x) * 0.0).sum(), x  # d sqrt / dx at 0 is inf: 0 * inf = nan


def test_check_nan_false_keeps_the_mode_but_skips_the_check():
    with autograd.detect_anomaly(check_nan=False):
        assert autograd.is_anomaly_enabled()
        assert not autograd.is_anomaly_check_nan_enabled()
        y, x = _nan_backward()
        y.backward()
    assert gr.isnan(x.grad).any()
    assert not autograd.is_anomaly_enabled() and autograd.is_anomaly_check_nan_enabled()


def test_the_check_names_the_op():
    with autograd.detect_anomaly():
        y, _ = _nan_backward()
        with pytest.raises(RuntimeError, match="SqrtBackward0.* returned (nan|inf)|"
                                               "MulBackward0.* returned (nan|inf)"):
            y.backward()


def test_set_detect_anomaly_sets_now_and_restores_as_a_context():
    with autograd.set_detect_anomaly(True):
        assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()
    guard = autograd.set_detect_anomaly(True)
    assert autograd.is_anomaly_enabled()
    guard.__exit__(None, None, None)
    assert not autograd.is_anomaly_enabled()
