"""The rules of ops/nn.py written in NumPy vocabulary (numpy_rules): one formula runs on arrays
for first-order gradients and on Tensors with create_graph, and both must agree."""

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente.autograd import gradgradcheck
from tests.helpers import assert_first_order_matches_create_graph

RNG = np.random.default_rng(0)


def normal(*shape):
    return gr.from_numpy(RNG.standard_normal(shape)).requires_grad_()


def uniform(*shape):
    return gr.from_numpy(RNG.uniform(0.05, 0.95, shape)).requires_grad_()


def indices(high, *shape):
    return gr.from_numpy(RNG.integers(0, high, shape))


CASES = {
    "linear_batched": (lambda x, w, b: F.linear(x, w, b), (normal(2, 3, 4), normal(5, 4),
                                                           normal(5))),
    "mse_mean": (F.mse_loss, (normal(4, 3), normal(4, 3))),
    "mse_none": (lambda x, y: F.mse_loss(x, y, reduction="none"), (normal(4, 3), normal(4, 3))),
    "cross_entropy": (lambda x: F.cross_entropy(x, indices(5, 4)), (normal(4, 5),)),
    "cross_entropy_weight_ignore_smoothing": (
        lambda x: F.cross_entropy(x, gr.tensor([0, -100, 4, 2]), label_smoothing=0.2,
                                  weight=gr.rand(5, dtype=gr.float64)), (normal(4, 5),)),
    "cross_entropy_spatial_none": (
        lambda x: F.cross_entropy(x, indices(3, 2, 4), reduction="none"), (normal(2, 3, 4),)),
    "nll_loss_weight": (lambda x: F.nll_loss(x, indices(5, 4), weight=gr.rand(5, dtype=gr.float64)),
                        (normal(4, 5),)),
    "softmax": (lambda x: F.softmax(x, 0), (normal(3, 4),)),
    "log_softmax": (lambda x: F.log_softmax(x, -1), (normal(3, 4),)),
    "bce": (F.binary_cross_entropy, (uniform(4, 3), uniform(4, 3))),
    "bce_logits_pos_weight": (
        lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw),
        (normal(4, 3), uniform(4, 3), uniform(3))),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
                   (normal(2, 3, 4), normal(3, 4), normal(3, 4))),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   (normal(4, 3, 2), normal(3), normal(3))),
    "embedding_padding": (lambda w: F.embedding(indices(5, 2, 3), w, padding_idx=1),
                          (normal(5, 2),)),
}


@pytest.mark.parametrize("name", CASES)
def test_first_order_matches_create_graph(name):
    """The same rule on arrays (first order) and on Tensors (create_graph) gives one answer;
    the cotangent requires grad, so every gradient is recorded under create_graph."""
    f, inputs = CASES[name]
    assert_first_order_matches_create_graph(f, inputs)


def test_cross_entropy_hessian_at_large_logits():
    """d² loss / dx² = diag(p) - p pᵀ: the rule's softmax, shifted by a constant maximum, is
    still differentiable in x (logits near 1000 would overflow without the shift)."""
    x = gr.from_numpy(1000.0 + RNG.standard_normal(5)).requires_grad_()
    (gx,) = gr.autograd.grad(F.cross_entropy(x, gr.tensor(2)), x, create_graph=True)
    hessian = np.stack([gr.autograd.grad(gx[i], x, retain_graph=True)[0].numpy()
                        for i in range(5)])
    p = F.softmax(x, 0).detach().numpy()
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), atol=1e-12)


def test_bce_with_logits_second_derivative():
    """d² loss / dx² = lw σ(x) σ(-x) with lw = 1 + (pw - 1) y: finite at ±1000, exact at 0."""
    logits = np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    x = gr.from_numpy(logits).requires_grad_()
    y = gr.from_numpy(np.array([0.0, 0.3, 1.0, 0.5, 1.0]))
    pos_weight = gr.from_numpy(np.full(5, 2.5))
    loss = F.binary_cross_entropy_with_logits(x, y, pos_weight=pos_weight, reduction="sum")
    (gx,) = gr.autograd.grad(loss, x, create_graph=True)
    (second,) = gr.autograd.grad(gx.sum(), x)
    with np.errstate(over="ignore"):
        sigmoid = 1 / (1 + np.exp(-logits))
    expected = (1 + 1.5 * y.numpy()) * sigmoid * (1 - sigmoid)
    np.testing.assert_allclose(second.numpy(), expected, rtol=1e-12, atol=1e-15)


def test_embedding_double_backward_with_padding():
    """The gradient of an embedding's gradient: its padding row stays without gradient."""
    idx = gr.tensor([[0, 1, 3], [1, 1, 2]])
    w = normal(4, 2)
    assert gradgradcheck(lambda w: F.embedding(idx, w, padding_idx=1) ** 2, (w,))
    (gw,) = gr.autograd.grad((F.embedding(idx, w, padding_idx=1) ** 2).sum(), w,
                             create_graph=True)
    (ggw,) = gr.autograd.grad(gw.sum(), w)
    counts = np.bincount(idx.numpy().ravel(), minlength=4)[:, None]
    counts[1] = 0
    np.testing.assert_allclose(ggw.numpy(), 2.0 * counts * np.ones((4, 2)))
