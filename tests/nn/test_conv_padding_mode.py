"""``nn.Conv1d/2d/3d(padding_mode=...)``: 'reflect', 'replicate' and 'circular' pad the input
with ``F.pad`` and convolve without padding, as PyTorch does."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import gradcheck, gradgradcheck
from tests.helpers import requires_torch, to_numpy
from tests.nn.helpers import compare_modules

MODES = ["reflect", "replicate", "circular"]

# (dims, constructor keywords, input shape): odd and even 'same' totals, per-dim padding,
# strides, dilation, groups, an unbatched input
CASES = [
    (1, {"kernel_size": 3, "padding": 2}, (2, 2, 7)),
    (1, {"kernel_size": 4, "padding": "same", "bias": False}, (2, 7)),
    (2, {"kernel_size": (3, 2), "padding": (1, 2), "stride": (2, 1)}, (2, 2, 5, 6)),
    (2, {"kernel_size": 3, "padding": "same", "dilation": 2, "groups": 2}, (1, 2, 6, 5)),
    (3, {"kernel_size": 2, "padding": (1, 0, 1), "stride": 2}, (1, 2, 4, 3, 5)),
    (3, {"kernel_size": (2, 3, 1), "padding": "same"}, (2, 2, 3, 4, 3)),
]
IDS = [f"{d}d-{kw['padding']}" for d, kw, _ in CASES]


def make(lib, dims, mode, kwargs):
    return getattr(lib.nn, f"Conv{dims}d")(2, 4, padding_mode=mode, **kwargs)


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("mode", MODES + ["zeros"])
@pytest.mark.parametrize("dims, kwargs, shape", CASES, ids=IDS)
def test_matches_torch_values_gradients_and_repr(dims, kwargs, shape, mode):
    import torch

    ours, theirs = make(gr, dims, mode, kwargs), make(torch, dims, mode, kwargs)
    assert repr(ours) == repr(theirs)
    assert ours._reversed_padding_repeated_twice == list(theirs._reversed_padding_repeated_twice)
    x = np.random.default_rng(dims).standard_normal(shape)
    compare_modules(ours, theirs, [x])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dims, kwargs, shape", CASES[::2] + CASES[3:4], ids=IDS[::2] + IDS[3:4])
def test_gradcheck_and_gradgradcheck(dims, kwargs, shape, mode):
    conv = make(gr, dims, mode, kwargs).double()
    rng = np.random.default_rng(1)
    x = gr.from_numpy(rng.standard_normal(shape)).requires_grad_()
    weight = gr.from_numpy(rng.standard_normal(tuple(conv.weight.shape))).requires_grad_()
    bias = gr.from_numpy(rng.standard_normal(4)).requires_grad_()
    inputs = [x, weight] + ([bias] if conv.bias is not None else [])

    def fn(x, weight, bias=None):
        return conv._conv_forward(x, weight, bias)
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-5)
    if dims == 2:  # pad and conv have second-order specs of their own: one composition here
        assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_each_mode_pads_the_input_as_f_pad_does():
    x = gr.from_numpy(np.random.default_rng(2).standard_normal((1, 1, 4, 5)))
    for mode in MODES:
        conv = gr.nn.Conv2d(1, 1, 3, padding=(1, 2), padding_mode=mode, bias=False).double()
        with gr.no_grad():
            conv.weight.zero_()
            conv.weight[0, 0, 1, 1] = 1.0  # the identity kernel returns the padded input
        expected = gr.nn.functional.pad(x, (2, 2, 1, 1), mode=mode)[..., 1:-1, 1:-1]
        np.testing.assert_array_equal(to_numpy(conv(x)), to_numpy(expected), err_msg=mode)


@pytest.mark.parametrize("mode", MODES)
def test_state_dict_round_trip(mode, tmp_path):
    source = gr.nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode)
    target = gr.nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode)
    path = tmp_path / "conv.pt"
    gr.save(source.state_dict(), path)
    state = gr.load(path)
    assert list(state) == ["weight", "bias"]
    target.load_state_dict(state)
    x = gr.from_numpy(np.random.default_rng(3).standard_normal((1, 2, 4, 4)).astype(np.float32))
    np.testing.assert_array_equal(to_numpy(target(x)), to_numpy(source(x)))
    assert target.padding_mode == mode


@pytest.mark.parametrize("cls", ["ConvTranspose1d", "ConvTranspose2d"])
def test_transposed_convolutions_accept_only_zeros(cls):
    with pytest.raises(ValueError, match=f'{cls}: only "zeros" padding mode'):
        getattr(gr.nn, cls)(2, 3, 3, padding_mode="reflect")
    assert getattr(gr.nn, cls)(2, 3, 3, padding_mode="zeros").padding_mode == "zeros"


def test_invalid_arguments_raise_like_torch():
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be one of .* got 'mirror'"):
        gr.nn.Conv2d(2, 3, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        gr.nn.Conv1d(2, 3, 3, stride=2, padding="same", padding_mode="reflect")
    conv = gr.nn.Conv1d(1, 1, 3, padding=4, padding_mode="reflect")
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        conv(gr.zeros(1, 1, 4))
