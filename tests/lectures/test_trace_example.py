"""Lecture 000: f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5)."""

import math

import gradiente as gr


def test_value_and_gradient_match_the_lecture():
    x1 = gr.tensor(2.0, dtype=gr.float64, requires_grad=True)
    x2 = gr.tensor(5.0, dtype=gr.float64, requires_grad=True)
    y = gr.log(x1) + x1 * x2 - gr.sin(x2)
    y.backward()
    assert round(y.item(), 3) == 11.652
    assert x1.grad.item() == 1 / 2 + 5  # 5.5
    assert math.isclose(x2.grad.item(), 2 - math.cos(5.0), rel_tol=1e-15)
    assert round(x2.grad.item(), 3) == 1.716
