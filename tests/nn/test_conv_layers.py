"""Convolution, pooling, batch-norm, dropout and upsampling layers against PyTorch, with
weights copied over."""

import numpy as np
import pytest

import gradiente as gr
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
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    ("LeNet", lambda nn: nn.Sequential(
        nn.Conv2d(1, 4, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
        nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3)),
     (2, 1, 12, 12)),
]


@requires_torch
@pytest.mark.parametrize("name, make, shape", LAYERS, ids=[case[0] for case in LAYERS])
def test_layer_matches_torch(name, make, shape):
    import torch

    ours, theirs = make(gr.nn).double(), make(torch.nn).double()
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


def test_batchnorm2d_updates_running_statistics_like_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = gr.nn.BatchNorm2d(3).double(), torch.nn.BatchNorm2d(3).double()
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5))
    for _ in range(3):
        ours(gr.tensor(x))
        theirs(torch.tensor(x))
    np.testing.assert_allclose(to_numpy(ours.running_var), to_numpy(theirs.running_var),
                               rtol=1e-12)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(to_numpy(ours(gr.tensor(x))), to_numpy(theirs(torch.tensor(x))),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="expected 4D input"):
        ours(gr.zeros(2, 3))


def test_dropout2d_zeros_whole_channels_and_scales_the_rest():
    layer = gr.nn.Dropout2d(0.5)
    out = layer(gr.ones(8, 16, 3, 3)).numpy().reshape(8, 16, 9)
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert np.all(out.std(-1) == 0)  # each channel all kept or all dropped
    assert 0 < (out[..., 0] == 0).mean() < 1
    layer.eval()
    assert np.all(layer(gr.ones(2, 3, 4, 4)).numpy() == 1)


def test_conv_errors_name_layer_and_shapes():
    layer = gr.nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match=r"expected input with 3 channels, got 2"):
        layer(gr.zeros(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match=r"smaller than the kernel"):
        layer(gr.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        gr.nn.Conv2d(3, 4, 3, groups=2)


def test_max_pool_indices_match_torch_layout():
    x = gr.arange(16.0).reshape(1, 1, 4, 4)
    out, indices = gr.ops.conv.max_pool2d(x, 2, return_indices=True)
    assert out.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert indices.tolist() == [[[[5, 7], [13, 15]]]]
