"""Windows, WindowsAdjoint, PickWindow and PickWindowAdjoint run one backward rule on arrays
(first order) and on Tensors (create_graph): both must give the same gradient, and the Tensor
run must differentiate again. Also the cases the op specs avoid: ties in a max-pool window,
windows longer than 255 elements, and broadcast (zero-stride) gradients."""

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F

from ..helpers import assert_rules_agree_and_differentiate, requires_torch


# (case id, fn, input shapes)
CASES = [
    ("conv2d_padded_strided_dilated",
     lambda x, w: F.conv2d(x, w, stride=2, padding=1, dilation=2), [(2, 2, 7, 6), (3, 2, 2, 2)]),
    ("conv2d_groups", lambda x, w: F.conv2d(x, w, groups=2), [(1, 4, 4, 4), (2, 2, 3, 3)]),
    ("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1),
     [(1, 2, 3, 3), (2, 3, 3, 3)]),
    ("max_pool2d_padded", lambda x: F.max_pool2d(x, 3, stride=2, padding=1), [(2, 2, 5, 5)]),
    ("max_pool2d_tiles", lambda x: F.max_pool2d(x, 2), [(1, 3, 4, 6)]),
    ("max_pool2d_gaps", lambda x: F.max_pool2d(x, 2, stride=3), [(1, 2, 7, 8)]),
    ("fold_gaps", lambda x: F.fold(x, (5, 5), 2, stride=3), [(2, 8, 4)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2, stride=1), [(1, 2, 4, 4)]),
    ("fold_sum", lambda x: F.fold(x, (4, 4), 2).sum(), [(1, 8, 9)]),
    ("max_pool_sum", lambda x: F.max_pool1d(x, 3).sum(), [(2, 2, 9)]),
]


@pytest.mark.parametrize("fn, shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_array_and_tensor_rules_agree(fn, shapes):
    assert_rules_agree_and_differentiate(fn, shapes)


def test_max_pool_tie_sends_the_gradient_to_the_first_maximum():
    x = gr.tensor([[[1.0, 3.0, 3.0, 2.0, -np.inf, -np.inf]]], requires_grad=True)
    out, indices = F.max_pool1d(x, 3, return_indices=True)
    out.sum().backward()
    assert out.tolist() == [[[3.0, 2.0]]]
    assert indices.tolist() == [[[1, 3]]]
    assert x.grad.tolist() == [[[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]]]


def test_max_pool_window_longer_than_255():
    """The window offsets are counted in the smallest integer type that holds them."""
    values = np.random.default_rng(2).permutation(600).astype(np.float64).reshape(1, 2, 300)
    x = gr.tensor(values, requires_grad=True)
    out, indices = F.max_pool1d(x, 300, return_indices=True)
    out.sum().backward()
    assert indices.numpy().ravel().tolist() == values.argmax(-1).ravel().tolist()
    expected = np.zeros_like(values)
    np.put_along_axis(expected, values.argmax(-1)[..., None], 1.0, axis=-1)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@requires_torch
def test_max_pool_ties_match_torch():
    import torch
    values = np.random.default_rng(3).integers(0, 3, (2, 3, 6, 6)).astype(np.float64)
    x = gr.tensor(values, requires_grad=True)
    y = torch.tensor(values, requires_grad=True)
    F.max_pool2d(x, 3, stride=2, padding=1).sum().backward()
    torch.nn.functional.max_pool2d(y, 3, stride=2, padding=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.grad.numpy())
