"""Edge cases found in review, against PyTorch: empty batches through attention, group and
instance norms, the margin losses and the adaptive softmax; reprs of in-place activations."""

import warnings

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente import nn
from tests.helpers import HAS_TORCH, requires_torch, to_numpy
from tests.nn.helpers import assert_close

if HAS_TORCH:
    import torch
    import torch.nn.functional as TF

RNG = np.random.default_rng(41)


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask", [False, True])
def test_multihead_attention_empty_batch(need_weights, mask):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2)
    ours = nn.MultiheadAttention(8, 2)
    ours.load_state_dict({k: gr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    q, k = np.zeros((3, 0, 8), np.float32), np.zeros((4, 0, 8), np.float32)
    attn_mask = np.triu(np.ones((3, 4), bool), 1) if mask else None
    outs = [module(lib.tensor(q), lib.tensor(k), lib.tensor(k), need_weights=need_weights,
                   attn_mask=None if attn_mask is None else lib.tensor(attn_mask))
            for module, lib in ((ours, gr), (theirs, torch))]
    assert tuple(outs[0][0].shape) == tuple(outs[1][0].shape) == (3, 0, 8)
    if need_weights:
        assert tuple(outs[0][1].shape) == tuple(outs[1][1].shape) == (0, 3, 4)


@requires_torch
@pytest.mark.parametrize("name", ["GroupNorm", "InstanceNorm1d"])
def test_group_and_instance_norm_empty_batch(name):
    args = (2, 4) if name == "GroupNorm" else (4,)
    x = gr.zeros(0, 4, 3, requires_grad=True)
    out = getattr(nn, name)(*args)(x)
    expected = getattr(torch.nn, name)(*args)(torch.zeros(0, 4, 3))
    assert tuple(out.shape) == tuple(expected.shape) == (0, 4, 3)
    out.sum().backward()
    assert tuple(x.grad.shape) == (0, 4, 3)


@requires_torch
@pytest.mark.parametrize("name, target", [("multi_margin_loss", np.zeros(0, np.int64)),
                                          ("multilabel_margin_loss", np.zeros((0, 5), np.int64))])
def test_margin_losses_accept_an_empty_batch(name, target):
    x = gr.zeros(0, 5, requires_grad=True)
    out = getattr(F, name)(x, gr.tensor(target), reduction="none")
    expected = getattr(TF, name)(torch.zeros(0, 5), torch.tensor(target), reduction="none")
    assert tuple(out.shape) == tuple(expected.shape) == (0,)
    assert getattr(F, name)(x, gr.tensor(target), reduction="sum").item() == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(getattr(F, name)(x, gr.tensor(target)).item())  # mean of nothing
    with pytest.raises(RuntimeError, match=r"non-empty vector or matrix.*size \(2, 0\)"):
        getattr(F, name)(gr.zeros(2, 0), gr.tensor(np.zeros((2, 0), np.int64)))


@requires_torch
def test_adaptive_log_softmax_empty_batch():
    torch.manual_seed(0)
    with warnings.catch_warnings():  # both warn of the last cluster's 0-wide projection
        warnings.simplefilter("ignore")
        theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7])
        ours = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7])
    ours.load_state_dict({k: gr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = ours(gr.zeros(0, 8), gr.zeros(0, dtype=gr.int64))
        expected = theirs(torch.zeros(0, 8), torch.zeros(0, dtype=torch.int64))
    assert tuple(out.output.shape) == tuple(expected.output.shape) == (0,)
    assert np.isnan(out.loss.item()) and np.isnan(expected.loss.item())
    assert tuple(ours.predict(gr.zeros(0, 8)).shape) == (0,)
    x = RNG.standard_normal((1, 8)).astype(np.float32)  # and batch size 1 still matches
    assert_close(ours(gr.tensor(x), gr.tensor([9])).loss,
                 theirs(torch.tensor(x), torch.tensor([9])).loss, "loss", rtol=1e-5)


@requires_torch
@pytest.mark.parametrize("name", ["Hardsigmoid", "Hardswish", "ReLU", "SiLU", "Mish", "SELU"])
def test_inplace_activation_repr_and_effect_match_torch(name):
    ours, theirs = getattr(nn, name)(inplace=True), getattr(torch.nn, name)(inplace=True)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal(5)
    a, b = gr.tensor(x.copy()), torch.tensor(x.copy())
    assert ours(a) is a
    theirs(b)
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-12)


@requires_torch
def test_batch_norm_of_an_empty_batch_is_empty_and_keeps_the_running_stats():
    import torch

    for lib in (gr, torch):
        norm = lib.nn.BatchNorm1d(3)
        out = norm(lib.zeros(0, 3))
        assert tuple(out.shape) == (0, 3) and int(norm.num_batches_tracked) == 1
        np.testing.assert_array_equal(to_numpy(norm.running_mean), np.zeros(3))
        np.testing.assert_array_equal(to_numpy(norm.running_var), np.ones(3))
        assert tuple(lib.nn.functional.batch_norm(lib.zeros(0, 3, 4), None, None,
                                                  training=True).shape) == (0, 3, 4)
    with pytest.raises(ValueError, match="batch_norm: expected more than 1 value per channel"):
        gr.nn.BatchNorm1d(3)(gr.zeros(1, 3))
