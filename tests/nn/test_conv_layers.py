"""Convolution, pooling and upsampling layers against PyTorch, with weights copied over."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.nn.modules.conv import Conv1d, Conv2d, ConvTranspose2d
from gradiente.nn.modules.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d
from gradiente.nn.modules.upsampling import Upsample
from tests.helpers import requires_torch, to_numpy

LAYERS = [
    ("Conv2d", lambda nn: nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6)),
    ("Conv2d groups", lambda nn: nn.Conv2d(4, 6, (3, 2), groups=2, bias=False), (2, 4, 5, 5)),
    ("Conv2d same", lambda nn: nn.Conv2d(2, 3, 3, padding="same", dilation=2), (1, 2, 6, 6)),
    ("Conv1d", lambda nn: nn.Conv1d(3, 5, 3, padding=2), (2, 3, 8)),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2, output_padding=1),
     (2, 3, 4, 4)),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 6)),
    ("MaxPool1d", lambda nn: nn.MaxPool1d(2), (2, 3, 8)),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(2), (2, 3, 6, 6)),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 6)),
    ("Upsample", lambda nn: nn.Upsample(scale_factor=2), (1, 2, 3, 3)),
]


class _Namespace:
    """The new layers by name, until gradiente.nn exports them all."""

    Conv1d, Conv2d, ConvTranspose2d = Conv1d, Conv2d, ConvTranspose2d
    MaxPool1d, MaxPool2d, AvgPool2d = MaxPool1d, MaxPool2d, AvgPool2d
    AdaptiveAvgPool2d, Upsample = AdaptiveAvgPool2d, Upsample


@requires_torch
@pytest.mark.parametrize("name, make, shape", LAYERS, ids=[case[0] for case in LAYERS])
def test_layer_matches_torch(name, make, shape):
    import torch

    ours, theirs = make(_Namespace).double(), make(torch.nn).double()
    for (key, p), q in zip(ours.named_parameters(), theirs.parameters()):
        p.data = gr.tensor(q.detach().numpy().copy())
    x = np.random.default_rng(0).standard_normal(shape)
    xg = gr.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yg, yt = ours(xg), theirs(xt)
    np.testing.assert_allclose(to_numpy(yg), to_numpy(yt), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    (yg * gr.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_numpy(xg.grad), to_numpy(xt.grad), rtol=1e-10, atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), rtol=1e-10, atol=1e-12)
    assert repr(ours) == repr(theirs)


def test_conv_errors_name_layer_and_shapes():
    layer = Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=r"expected input with 3 channels, got 2"):
        layer(gr.zeros(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match=r"smaller than the kernel"):
        layer(gr.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        Conv2d(3, 4, 3, groups=2)


def test_max_pool_indices_match_torch_layout():
    x = gr.arange(16.0).reshape(1, 1, 4, 4)
    out, indices = gr.ops.conv.max_pool2d(x, 2, return_indices=True)
    assert out.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert indices.tolist() == [[[[5, 7], [13, 15]]]]
