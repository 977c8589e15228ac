"""``F.embedding`` / ``nn.Embedding`` with ``max_norm`` (and ``norm_type``), which renormalises
the looked-up rows of the weight in place before the lookup, and ``scale_grad_by_freq``, which
divides each row's gradient by the number of times its index occurs in the mini-batch."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import gradcheck, gradgradcheck
from gradiente.func import grad, vmap
from tests.helpers import requires_torch, to_numpy
from tests.nn.helpers import assert_close, compare_modules

F = gr.nn.functional
INDICES = np.array([[0, 2, 2, 7], [5, 2, 1, 0]])  # 2 three times, 0 twice; 3, 4, 6 unused


def table(rows=8, cols=3, dtype=np.float64, seed=0):
    """Rows of norms between about 0.3 and 5, so a max_norm of 1.5 renormalises some."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((rows, cols)) * rng.uniform(0.2, 3.0, (rows, 1))).astype(dtype)


@requires_torch
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-6)])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 0.5, 3])
def test_max_norm_renormalises_the_looked_up_rows_like_torch(norm_type, dtype, rtol):
    import torch

    start = table(dtype=dtype)
    ours, theirs = gr.from_numpy(start.copy()), torch.tensor(start.copy())
    out = F.embedding(gr.tensor(INDICES), ours, max_norm=1.5, norm_type=norm_type)
    expected = torch.nn.functional.embedding(torch.tensor(INDICES), theirs, max_norm=1.5,
                                             norm_type=norm_type)
    assert_close(ours, theirs, f"weight after the renorm (p={norm_type})", rtol)
    assert_close(out, expected, f"output (p={norm_type})", rtol)
    assert ours._version_counter == theirs._version == 1
    norms = np.linalg.norm(start, ord=norm_type, axis=1)
    untouched = np.isin(np.arange(8), INDICES, invert=True) | (norms <= 1.5)
    assert untouched.any() and not untouched.all()
    np.testing.assert_array_equal(to_numpy(ours)[untouched], start[untouched])
    renormed = np.linalg.norm(to_numpy(ours)[~untouched], ord=norm_type, axis=1)
    over = norms[~untouched]
    np.testing.assert_allclose(renormed, 1.5 * over / (over + 1e-7), rtol=10 * rtol)


@requires_torch
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("max_norm", [None, 1.5])
def test_module_values_and_gradients_match_torch(max_norm, padding_idx):
    """scale_grad_by_freq with padding_idx (negative too) and max_norm, as nn.Embedding."""
    import torch

    kwargs = {"padding_idx": padding_idx, "max_norm": max_norm, "scale_grad_by_freq": True}
    ours, theirs = gr.nn.Embedding(8, 3, **kwargs), torch.nn.Embedding(8, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(table()))
    compare_modules(ours, theirs, [INDICES], rtol=1e-12)
    assert_close(ours.weight, theirs.weight, "weight after the forward", rtol=1e-12)
    if padding_idx is not None:
        assert not to_numpy(ours.weight.grad)[padding_idx].any()


@requires_torch
def test_scale_grad_by_freq_float32_and_three_dim_indices_match_torch():
    import torch

    start = table(dtype=np.float32)
    indices = np.random.default_rng(1).integers(0, 8, (2, 3, 4))
    cotangent = np.random.default_rng(2).standard_normal((2, 3, 4, 3)).astype(np.float32)
    ours = gr.from_numpy(start.copy()).requires_grad_()
    theirs = torch.tensor(start.copy(), requires_grad=True)
    F.embedding(gr.tensor(indices), ours, scale_grad_by_freq=True).backward(
        gr.from_numpy(cotangent))
    torch.nn.functional.embedding(torch.tensor(indices), theirs, scale_grad_by_freq=True
                                  ).backward(torch.tensor(cotangent))
    assert ours.grad.dtype == gr.float32
    assert_close(ours.grad, theirs.grad, "float32 gradient", rtol=1e-6)


def test_scale_grad_by_freq_divides_each_rows_gradient_by_its_count():
    weight = gr.from_numpy(table()).requires_grad_()
    F.embedding(gr.tensor(INDICES), weight, scale_grad_by_freq=True).sum().backward()
    used = np.isin(np.arange(8), INDICES)
    np.testing.assert_array_equal(to_numpy(weight.grad)[used], 1.0)
    np.testing.assert_array_equal(to_numpy(weight.grad)[~used], 0.0)


def test_double_backward_and_forward_mode():
    """The gradient is linear in the cotangent: its derivative is checked (with padding_idx).
    PyTorch's double backward leaves out the 1 / count, so it is not the reference here.
    Forward mode is the true derivative, unaffected by the option."""
    rng = np.random.default_rng(3)
    weight = gr.from_numpy(table()).requires_grad_()
    cotangent = gr.from_numpy(rng.standard_normal((2, 4, 3))).requires_grad_()

    def weight_gradient(g):
        out = F.embedding(gr.tensor(INDICES), weight, padding_idx=0, scale_grad_by_freq=True)
        return gr.autograd.grad(out, weight, g, create_graph=True)[0]
    assert gradcheck(weight_gradient, [cotangent], check_forward_ad=True)
    assert gradgradcheck(weight_gradient, [cotangent])

    def lookup(w):
        return F.embedding(gr.tensor(INDICES), w, padding_idx=0, scale_grad_by_freq=True)
    assert gradcheck(lookup, [weight], check_forward_ad=True, check_backward_ad=False)


@pytest.mark.parametrize("weight_batched", [False, True])
def test_vmap_counts_per_example(weight_batched):
    weight = gr.from_numpy(table())
    weights = gr.stack([weight, 2 * weight]) if weight_batched else weight
    indices = gr.tensor(INDICES)

    def loss(w, i):
        return (F.embedding(i, w, padding_idx=1, scale_grad_by_freq=True) ** 2).sum()
    per_example = vmap(grad(loss), in_dims=(0 if weight_batched else None, 0))(weights, indices)
    for b in range(2):
        expected = grad(loss)(weights[b] if weight_batched else weight, indices[b])
        np.testing.assert_allclose(to_numpy(per_example[b]), to_numpy(expected), rtol=1e-14,
                                   err_msg=f"example {b}")


def test_renorm_is_an_in_place_write_seen_by_autograd():
    weight = gr.from_numpy(table()).requires_grad_()
    saved = (weight ** 2).sum()  # saves weight for its backward
    F.embedding(gr.tensor(INDICES), weight, max_norm=1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()
    with pytest.raises(RuntimeError, match="vmap"):
        vmap(lambda i: F.embedding(i, weight.detach(), max_norm=1.0))(gr.tensor(INDICES))


def test_errors():
    weight = gr.from_numpy(table())
    with pytest.raises(NotImplementedError, match="sparse=True .* no sparse tensors"):
        F.embedding(gr.tensor(INDICES), weight, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        gr.nn.Embedding(8, 3, sparse=True)(gr.tensor(INDICES))
    with pytest.raises(IndexError, match="index 8 is out of range for an embedding of 8 rows"):
        F.embedding(gr.tensor([1, 8]), weight, max_norm=0.1)
    np.testing.assert_array_equal(to_numpy(weight), table())  # checked before any write
    with pytest.raises(RuntimeError, match="max_norm needs a 2-D weight"):
        F.embedding(gr.tensor([1]), gr.ones(8, 3, 2), max_norm=1.0)


@requires_torch
def test_from_pretrained_passes_the_options_through():
    import torch

    options = {"max_norm": 1.5, "norm_type": 1.0, "scale_grad_by_freq": True, "freeze": False,
               "padding_idx": 7}
    ours = gr.nn.Embedding.from_pretrained(gr.from_numpy(table()), **options)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table()), **options)
    assert (ours.max_norm, ours.norm_type, ours.scale_grad_by_freq, ours.padding_idx) == (
        1.5, 1.0, True, 7)
    assert repr(ours) == repr(theirs)
    compare_modules(ours, theirs, [INDICES], rtol=1e-12)
    assert_close(ours.weight, theirs.weight, "weight after the forward", rtol=1e-12)
