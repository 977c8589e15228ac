"""Higher-order derivatives of the lectures' examples (seeds 000 and 001), in float64."""

import math

import numpy as np
import pytest

import gradiente as gr
from gradiente.func import grad, hessian, jvp, jacrev, jacfwd
from tests.helpers import HAS_TORCH

if HAS_TORCH:
    import torch


def t64(a):
    return gr.tensor(np.asarray(a, dtype=np.float64))


# ----- the trace example: f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5) ----------------------

def trace_example(lib, x1, x2):
    return lib.log(x1) + x1 * x2 - lib.sin(x2)


def test_second_and_third_derivatives_by_create_graph():
    x1, x2 = t64(2.0).requires_grad_(), t64(5.0).requires_grad_()
    y = trace_example(gr, x1, x2)
    d1, d2 = gr.autograd.grad(y, (x1, x2), create_graph=True)
    assert d1.item() == 5.5 and round(d2.item(), 3) == 1.716
    d11, d12 = gr.autograd.grad(d1, (x1, x2), create_graph=True)
    d21, d22 = gr.autograd.grad(d2, (x1, x2), create_graph=True)
    assert d11.item() == -1 / 4 and d12.item() == 1.0 and d21.item() == 1.0
    assert math.isclose(d22.item(), math.sin(5.0), rel_tol=1e-15)
    (d111,) = gr.autograd.grad(d11, x1, create_graph=True)
    (d222,) = gr.autograd.grad(d22, x2)
    assert d111.item() == 2 / 8  # d³/dx1³ ln x1 = 2 / x1³
    assert math.isclose(d222.item(), math.cos(5.0), rel_tol=1e-15)


def test_forward_mode_directions_of_the_lecture():
    for tangent, expected in (((1.0, 0.0), 5.5), ((0.0, 1.0), 2 - math.cos(5.0))):
        _, ydot = jvp(lambda a, b: trace_example(gr, a, b), (t64(2.0), t64(5.0)),
                      tuple(t64(v) for v in tangent))
        assert math.isclose(ydot.item(), expected, rel_tol=1e-15)
    assert round(2 - math.cos(5.0), 3) == 1.716


def test_trace_example_hessian_by_transforms():
    H = hessian(lambda x: trace_example(gr, x[0], x[1]))(t64([2.0, 5.0]))
    np.testing.assert_allclose(H.array, [[-0.25, 1.0], [1.0, math.sin(5.0)]], rtol=1e-15)


# ----- the toy chain of seed 001 ---------------------------------------------------------------

PHI = np.array([0.3, 0.4, -0.2, 0.5, 0.1, -0.3, 0.7, 0.2])  # β0 ω0 β1 ω1 β2 ω2 β3 ω3
X, Y = 1.3, 0.8


def toy_loss(lib, b0, w0, b1, w1, b2, w2, b3, w3):
    f = b3 + w3 * lib.cos(b2 + w2 * lib.exp(b1 + w1 * lib.sin(b0 + w0 * X)))
    return (f - Y) ** 2


def numeric_hessian(fn, x, eps=1e-4):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * eps, np.eye(n)[j] * eps
            H[i, j] = (fn(x + ei + ej) - fn(x + ei - ej) - fn(x - ei + ej)
                       + fn(x - ei - ej)) / (4 * eps * eps)
    return H


def test_toy_chain_hessian_of_its_eight_parameters():
    params = [t64(p) for p in PHI]
    rows = hessian(lambda *p: toy_loss(gr, *p), argnums=tuple(range(8)))(*params)
    H = np.array([[entry.item() for entry in row] for row in rows])
    numeric = numeric_hessian(lambda p: toy_loss(np, *p), PHI)
    np.testing.assert_allclose(H, numeric, atol=1e-6)
    np.testing.assert_allclose(H, H.T, atol=1e-14)
    stacked = jacfwd(jacrev(lambda p: toy_loss(gr, *p)))(t64(PHI))
    np.testing.assert_allclose(stacked.array, H, atol=1e-13)
    if HAS_TORCH:
        expected = torch.func.hessian(lambda p: toy_loss(torch, *p))(torch.tensor(PHI))
        np.testing.assert_allclose(H, expected.numpy(), atol=1e-13)


# ----- Hessian-vector products of a small MLP's loss ------------------------------------------

def mlp_loss(lib, w1, b1, w2, b2, x, y):
    return ((lib.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()


@pytest.fixture
def mlp_problem(rng):
    shapes = [(3, 5), (5,), (5, 2), (2,)]
    params = [rng.normal(size=s) for s in shapes]
    vector = [rng.normal(size=s) for s in shapes]
    return params, vector, rng.normal(size=(7, 3)), rng.normal(size=(7, 2))


def test_mlp_hessian_vector_products_both_ways(mlp_problem):
    params, vector, x, y = mlp_problem
    p, v = tuple(t64(a) for a in params), tuple(t64(a) for a in vector)
    loss = lambda *p: mlp_loss(gr, *p, t64(x), t64(y))  # noqa: E731
    argnums = (0, 1, 2, 3)
    forward_over_reverse = jvp(grad(loss, argnums=argnums), p, v)[1]
    reverse_over_forward = grad(lambda *q: jvp(loss, q, v)[1], argnums=argnums)(*p)
    reverse_over_reverse = grad(lambda *q: sum((g * t).sum() for g, t in zip(
        grad(loss, argnums=argnums)(*q), v)), argnums=argnums)(*p)
    eps = 1e-6  # central differences of the gradient along v

    def flat_grad(shift):
        q = [t64(a + shift * b) for a, b in zip(params, vector)]
        return np.concatenate([g.array.ravel() for g in grad(loss, argnums=argnums)(*q)])
    numeric = (flat_grad(eps) - flat_grad(-eps)) / (2 * eps)
    for hvp in (forward_over_reverse, reverse_over_forward, reverse_over_reverse):
        flat = np.concatenate([h.array.ravel() for h in hvp])
        np.testing.assert_allclose(flat, numeric, atol=1e-7)
        np.testing.assert_allclose(flat, np.concatenate(
            [h.array.ravel() for h in forward_over_reverse]), atol=1e-13)
    if HAS_TORCH:
        tloss = lambda *q: mlp_loss(torch, *q, torch.tensor(x), torch.tensor(y))  # noqa: E731
        expected = torch.func.jvp(torch.func.grad(tloss, argnums=argnums),
                                  tuple(torch.tensor(a) for a in params),
                                  tuple(torch.tensor(a) for a in vector))[1]
        for ours, theirs in zip(forward_over_reverse, expected):
            np.testing.assert_allclose(ours.array, theirs.numpy(), atol=1e-13)
