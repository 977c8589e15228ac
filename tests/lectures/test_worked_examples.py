"""The seeds' worked examples (lectures 001, 002, 003), with the lectures' numbers.

Each gradient from the engine is compared with the closed form the notes derive by hand.
"""

import math

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import requires_torch


def scalar(value):
    return gr.tensor(value, dtype=gr.float64, requires_grad=True)


# ----- lecture 002: gradients, the chain rule, relu(wx + b) ------------------------------------

@pytest.mark.parametrize("x0, y0", [(1.0, 2.0), (-3.0, 0.5), (0.0, 4.0)])
def test_gradient_of_x2y_plus_y(x0, y0):
    """∇(x²y + y) = [2xy, x² + 1]"""
    x, y = scalar(x0), scalar(y0)
    (x ** 2 * y + y).backward()
    assert x.grad.item() == 2 * x0 * y0
    assert y.grad.item() == x0 ** 2 + 1


@pytest.mark.parametrize("x0", [0.5, 1.0, -2.0])
def test_chain_rule_through_g_and_h(x0):
    """f(g, h) = g²h + h with g = 3x, h = x²: df/dx = 2gh·3 + (g² + 1)·2x = 36x³ + 2x"""
    x = scalar(x0)
    g, h = 3 * x, x ** 2
    f = g ** 2 * h + h
    f.backward()
    assert x.grad.item() == pytest.approx(36 * x0 ** 3 + 2 * x0, rel=1e-15)


def test_relu_of_wx_plus_b_as_a_graph():
    """relu(wx + b) at w = 2, x = 3, b = 1: a = 7, ∂a/∂w = x = 3, ∂a/∂b = 1"""
    w, x, b = scalar(2.0), scalar(3.0), scalar(1.0)
    a = gr.relu(w * x + b)
    a.backward()
    assert a.item() == 7.0
    assert w.grad.item() == 3.0 and b.grad.item() == 1.0 and x.grad.item() == 2.0


def test_relu_derivative_at_zero_is_zero():
    """The lectures take relu'(0) = 0 (as PyTorch does)."""
    z = gr.tensor([-1.0, 0.0, 2.0], dtype=gr.float64, requires_grad=True)
    gr.relu(z).sum().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 0.0, 1.0])


def test_shared_weight_on_two_paths_sums_both_chain_rule_terms():
    """l = L(y, σ3[σ1(w1·x1), σ2(w1·x1)]): ∂l/∂w1 = ∂l/∂o·∂o/∂a1·∂a1/∂w1 + ∂l/∂o·∂o/∂a2·∂a2/∂w1,
    with σ1 = sigmoid, σ2 = tanh, o = σ3(a1, a2) = sigmoid(a1 + a2) and L = (o − y)²."""
    w1, x1, y = scalar(0.8), 1.7, 0.3
    a1, a2 = gr.sigmoid(w1 * x1), gr.tanh(w1 * x1)
    o = gr.sigmoid(a1 + a2)
    loss = (o - y) ** 2
    loss.backward()
    s1, t2 = 1 / (1 + math.exp(-0.8 * x1)), math.tanh(0.8 * x1)
    o_ = 1 / (1 + math.exp(-(s1 + t2)))
    dl_do, do_da = 2 * (o_ - y), o_ * (1 - o_)  # ∂o/∂a1 = ∂o/∂a2
    path_1 = dl_do * do_da * s1 * (1 - s1) * x1
    path_2 = dl_do * do_da * (1 - t2 * t2) * x1
    assert w1.grad.item() == pytest.approx(path_1 + path_2, rel=1e-14)
    assert abs(path_1) > 1e-3 and abs(path_2) > 1e-3  # both paths matter


# ----- lecture 001: the toy chain of Prince's chapter 7 ----------------------------------------

def toy_chain_closed_forms(b, w, x, y):
    """The 8 partial derivatives of ℓ = (f − y)² by the notes' backward pass."""
    f0 = b[0] + w[0] * x
    h1 = math.sin(f0)
    f1 = b[1] + w[1] * h1
    h2 = math.exp(f1)
    f2 = b[2] + w[2] * h2
    h3 = math.cos(f2)
    f3 = b[3] + w[3] * h3
    dl_df3 = 2 * (f3 - y)
    dl_df2 = dl_df3 * w[3] * -math.sin(f2)
    dl_df1 = dl_df2 * w[2] * math.exp(f1)
    dl_df0 = dl_df1 * w[1] * math.cos(f0)
    d_beta = [dl_df0, dl_df1, dl_df2, dl_df3]
    d_omega = [dl_df0 * x, dl_df1 * h1, dl_df2 * h2, dl_df3 * h3]
    # the notes' expanded form of ∂ℓ/∂ω0, written out in one line
    d_omega0_expanded = (-2 * (b[3] + w[3] * math.cos(b[2] + w[2] * math.exp(
        b[1] + w[1] * math.sin(b[0] + w[0] * x))) - y) * w[1] * w[2] * w[3] * x
        * math.cos(b[0] + w[0] * x) * math.exp(b[1] + w[1] * math.sin(b[0] + w[0] * x))
        * math.sin(b[2] + w[2] * math.exp(b[1] + w[1] * math.sin(b[0] + w[0] * x))))
    return f3, d_beta, d_omega, d_omega0_expanded


def test_toy_chain_all_eight_partial_derivatives():
    b0, w0 = [0.3, -0.2, 0.1, 0.5], [1.1, 0.7, -0.4, 1.3]
    x, y = 0.9, 1.2
    beta = [scalar(v) for v in b0]
    omega = [scalar(v) for v in w0]
    f = beta[3] + omega[3] * gr.cos(beta[2] + omega[2] * gr.exp(
        beta[1] + omega[1] * gr.sin(beta[0] + omega[0] * x)))
    loss = (f - y) ** 2
    loss.backward()
    f_expected, d_beta, d_omega, d_omega0 = toy_chain_closed_forms(b0, w0, x, y)
    assert f.item() == pytest.approx(f_expected, rel=1e-15)
    for k in range(4):
        assert beta[k].grad.item() == pytest.approx(d_beta[k], rel=1e-13), f"dl/dbeta{k}"
        assert omega[k].grad.item() == pytest.approx(d_omega[k], rel=1e-13), f"dl/domega{k}"
    assert omega[0].grad.item() == pytest.approx(d_omega0, rel=1e-13)


@requires_torch
def test_toy_chain_matches_torch():
    import torch
    values = [0.3, -0.2, 0.1, 0.5, 1.1, 0.7, -0.4, 1.3]
    grads = []
    for lib in (gr, torch):
        p = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in values]
        b, w = p[:4], p[4:]
        f = b[3] + w[3] * lib.cos(b[2] + w[2] * lib.exp(b[1] + w[1] * lib.sin(b[0] + w[0] * 0.9)))
        ((f - 1.2) ** 2).backward()
        grads.append([t.grad.item() for t in p])
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14)


# ----- lecture 003: logistic regression as a graph ---------------------------------------------

@pytest.mark.parametrize("w0_, w1_, x, y", [(0.5, -1.0, 2.0, 1.0), (-0.3, 0.8, -1.5, 0.7)])
def test_logistic_regression_graph_derivative(w0_, w1_, x, y):
    """d = y·log c with a = −w0 − w1·x, b = exp(a), c = 1/(1 + b):
    ∂d/∂w0 = y · (1/c) · (b + 1)^−2 · exp(a), which is y·(1 − σ(w0 + w1·x))."""
    w0, w1 = scalar(w0_), scalar(w1_)
    a = -w0 - w1 * x
    b = gr.exp(a)
    c = 1 / (1 + b)
    d = y * gr.log(c)
    d.backward()
    a_, b_ = -w0_ - w1_ * x, math.exp(-w0_ - w1_ * x)
    c_ = 1 / (1 + b_)
    by_the_notes = y * (1 / c_) * (b_ + 1) ** -2 * math.exp(a_)
    assert w0.grad.item() == pytest.approx(by_the_notes, rel=1e-14)
    sigma = 1 / (1 + math.exp(-(w0_ + w1_ * x)))
    assert w0.grad.item() == pytest.approx(y * (1 - sigma), rel=1e-14)
    assert w1.grad.item() == pytest.approx(y * (1 - sigma) * x, rel=1e-14)
    # the same graph through the library's sigmoid
    w0.grad = None
    (y * gr.log(gr.sigmoid(w0 + w1 * x))).backward()
    assert w0.grad.item() == pytest.approx(by_the_notes, rel=1e-14)


def test_other_graph_w0_plus_3w1_squared_plus_5w2_cubed():
    """∇(w0 + 3w1² + 5w2³) = [1, 6w1, 15w2²]"""
    w = gr.tensor([0.4, -1.5, 2.0], dtype=gr.float64, requires_grad=True)
    (w[0] + 3 * w[1] ** 2 + 5 * w[2] ** 3).backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 6 * -1.5, 15 * 2.0 ** 2], rtol=1e-15)
