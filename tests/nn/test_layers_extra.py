"""GroupNorm, ParameterList/ParameterDict, distances, pixel shuffles, pad_sequence and
gumbel_softmax: against PyTorch in float64, gradcheck, state_dict names, errors."""

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn
from gradiente.autograd import gradcheck
from tests.helpers import HAS_TORCH, requires_torch
from tests.nn.helpers import assert_close, check_module_gradients, compare_modules, pair

if HAS_TORCH:
    import torch

F = nn.functional
RNG = np.random.default_rng(5)

LAYERS = [
    ("GroupNorm", (2, 6), [RNG.standard_normal((3, 6, 4))]),
    ("GroupNorm", (3, 6, 1e-3), [RNG.standard_normal((2, 6, 2, 3)) * 5 + 2]),
    ("GroupNorm", (1, 4, 1e-5, False), [RNG.standard_normal((2, 4))]),
    ("GroupNorm", (4, 4), [RNG.standard_normal((2, 4, 3))]),
    ("CosineSimilarity", (), [RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))]),
    ("CosineSimilarity", (0, 1e-3), [RNG.standard_normal((3, 2)), RNG.standard_normal((3, 1))]),
    ("CosineSimilarity", (-1,), [RNG.standard_normal((2, 1, 5)), RNG.standard_normal((3, 5))]),
    ("PairwiseDistance", (), [RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))]),
    ("PairwiseDistance", (1.0, 1e-6, True), [RNG.standard_normal((4, 5)),
                                             RNG.standard_normal((5,))]),
    ("PairwiseDistance", (3.0,), [RNG.standard_normal((2, 3, 5)), RNG.standard_normal((3, 5))]),
    ("PixelShuffle", (2,), [RNG.standard_normal((2, 8, 3, 2))]),
    ("PixelShuffle", (3,), [RNG.standard_normal((9, 2, 2))]),
    ("PixelUnshuffle", (2,), [RNG.standard_normal((2, 3, 4, 6))]),
    ("PixelUnshuffle", (2,), [RNG.standard_normal((2, 1, 2, 4, 2))]),
]
IDS = [f"{name}{args}" for name, args, _ in LAYERS]


@requires_torch
@pytest.mark.parametrize("name, args, inputs", LAYERS, ids=IDS)
def test_layer_matches_torch(name, args, inputs):
    theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    if name == "GroupNorm" and theirs.affine:  # non-trivial affine parameters
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-0.5, 0.5)
    compare_modules(ours, theirs, inputs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("name, args, inputs", LAYERS, ids=IDS)
def test_layer_gradcheck(name, args, inputs):
    assert check_module_gradients(getattr(nn, name)(*args), inputs)


@requires_torch
def test_group_norm_without_bias_matches_torch():
    theirs, ours = torch.nn.GroupNorm(2, 4, bias=False), nn.GroupNorm(2, 4, bias=False)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
    compare_modules(ours, theirs, [RNG.standard_normal((2, 4, 3))])
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == ["weight"]


def test_group_norm_normalises_each_group_and_starts_as_identity_affine():
    layer = nn.GroupNorm(2, 4)
    np.testing.assert_array_equal(layer.weight.array, np.ones(4, dtype=np.float32))
    np.testing.assert_array_equal(layer.bias.array, np.zeros(4, dtype=np.float32))
    x = RNG.standard_normal((3, 4, 5)) * 3 + 1
    out = layer.double()(gr.from_numpy(x)).array.reshape(3, 2, 10)
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(-1), 1, rtol=1e-4)  # eps = 1e-5 over variance ~9
    assert nn.GroupNorm(2, 4, affine=False).weight is None


def test_group_norm_errors_name_the_shapes():
    with pytest.raises(ValueError, match="num_channels=6 and num_groups=4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match=r"expected input \(N, 4, \.\.\.\), got shape "
                                           r"\(2, 3, 5\)"):
        nn.GroupNorm(2, 4)(gr.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match=r"divisible by num_groups=2, got shape \(2, 3\)"):
        F.group_norm(gr.randn(2, 3), 2)


@requires_torch
def test_cosine_similarity_eps_clamps_each_norm_as_torch():
    """Tiny and zero vectors: each norm is raised to eps in value, the gradient is the
    unclamped norm's (PyTorch clamps in place under no_grad)."""
    x1 = RNG.standard_normal((4, 3))
    x2 = RNG.standard_normal((4, 3))
    x1[0] *= 1e-9
    x1[1] = 0.0
    x2[2] *= 1e-10

    def forward(inputs, lib):
        return lib.cosine_similarity(*inputs, dim=1, eps=1e-8)
    ours, theirs = zip(pair(x1), pair(x2))
    a, b = forward(ours, F), forward(theirs, torch.nn.functional)
    assert_close(a, b, "cosine_similarity")
    a.sum().backward()
    b.sum().backward()
    for x, y in zip(ours, theirs):
        assert_close(x.grad, y.grad, "cosine_similarity gradient")


def test_pixel_shuffle_round_trip_and_errors():
    x = gr.randn(2, 8, 3, 5)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).array, x.array)
    with pytest.raises(RuntimeError, match=r"input shape \(2, 6, 3, 5\) to be divisible by "
                                           r"upscale_factor² = 4"):
        F.pixel_shuffle(gr.randn(2, 6, 3, 5), 2)
    with pytest.raises(RuntimeError, match=r"\(1, 2, 3, 4\) to be divisible by "
                                           r"downscale_factor=2"):
        F.pixel_unshuffle(gr.randn(1, 2, 3, 4), 2)
    with pytest.raises(RuntimeError, match="at least 3 dims"):
        F.pixel_shuffle(gr.randn(4, 4), 2)


# ----- ParameterList and ParameterDict --------------------------------------------------------

class Holder(nn.Module):
    def __init__(self, params):
        super().__init__()
        self.params = params


def test_parameter_list_registers_under_numbered_names():
    plist = nn.ParameterList([gr.ones(2), nn.Parameter(gr.zeros(3))])
    plist.append(gr.randn(1, 2))
    plist += [gr.ones(4)]
    model = Holder(plist)
    assert list(model.state_dict()) == ["params.0", "params.1", "params.2", "params.3"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in plist)
    assert len(plist) == 4 and len(list(model.parameters())) == 4
    assert tuple(plist[-2].shape) == (1, 2)
    assert [tuple(p.shape) for p in plist[1:3]] == [(3,), (1, 2)]
    plist[0] = gr.full((2,), 5.0)
    assert float(model.state_dict()["params.0"][0]) == 5.0
    with pytest.raises(IndexError, match="index 4 is out of range for 4 modules"):
        plist[4]
    with pytest.raises(TypeError, match="iterable, but got Tensor"):
        plist.extend(gr.ones(2))
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        plist()
    assert "(1): Parameter containing: [gradiente.float32 of size 3]" in repr(plist)


@requires_torch
def test_parameter_containers_state_dict_keys_match_torch():
    values = [np.ones(2), np.zeros((2, 3))]
    ours = nn.Module()
    ours.plist = nn.ParameterList(gr.from_numpy(v) for v in values)
    ours.pdict = nn.ParameterDict({"b": gr.from_numpy(values[0]), "a": gr.from_numpy(values[1])})
    theirs = torch.nn.Module()
    theirs.plist = torch.nn.ParameterList(torch.tensor(v) for v in values)
    theirs.pdict = torch.nn.ParameterDict({"b": torch.tensor(values[0]),
                                          "a": torch.tensor(values[1])})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())


def test_parameter_dict_behaves_as_an_ordered_dict_of_parameters():
    pdict = nn.ParameterDict([("w", gr.ones(2)), ("b", gr.zeros(1))])
    model = Holder(pdict)
    assert list(model.state_dict()) == ["params.w", "params.b"]
    assert isinstance(pdict["w"], nn.Parameter) and "b" in pdict and len(pdict) == 2
    pdict.update({"z": gr.ones(1), "c": gr.ones(1)})  # a plain dict: added in sorted order
    assert list(pdict) == ["w", "b", "c", "z"]
    assert pdict.pop("c").shape == (1,) and "c" not in pdict
    assert pdict.popitem()[0] == "z"
    assert pdict.get("missing") is None
    assert pdict.setdefault("s", gr.ones(3)).shape == (3,)
    merged = pdict | nn.ParameterDict({"m": gr.ones(1)})
    assert list(merged) == ["w", "b", "s", "m"] and list(pdict) == ["w", "b", "s"]
    del pdict["w"]
    assert list(model.state_dict()) == ["params.b", "params.s"]
    pdict.clear()
    assert len(pdict) == 0 and list(model.parameters()) == []
    with pytest.raises(TypeError, match="not a string"):
        pdict[0] = gr.ones(1)
    with pytest.raises(ValueError, match="element #0 should be a \\(key, value\\) pair"):
        pdict.update([("a", gr.ones(1), 3)])


def test_parameter_list_trains_with_an_optimizer():
    plist = nn.ParameterList([gr.ones(2)])
    optimizer = gr.optim.SGD(Holder(plist).parameters(), lr=0.5)
    (plist[0] * plist[0]).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(plist[0].array, [0.0, 0.0])


# ----- pad_sequence and gumbel_softmax --------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    from torch.nn.utils.rnn import pad_sequence as torch_pad_sequence
    arrays = [RNG.standard_normal((n, 3)) for n in (2, 4, 1)]
    ours, theirs = zip(*(pair(a) for a in arrays))
    a = nn.utils.rnn.pad_sequence(ours, batch_first, -1.5, padding_side)
    b = torch_pad_sequence(theirs, batch_first, -1.5, padding_side)
    assert_close(a, b, "pad_sequence")
    cotangent = RNG.standard_normal(tuple(b.shape))
    a.backward(gr.from_numpy(cotangent))
    b.backward(torch.tensor(cotangent))
    for x, y in zip(ours, theirs):
        assert_close(x.grad, y.grad, "pad_sequence gradient")


def test_pad_sequence_keeps_dtype_and_checks_trailing_shapes():
    out = nn.utils.rnn.pad_sequence([gr.tensor([1, 2]), gr.tensor([3])], padding_value=9)
    assert out.dtype == gr.int64
    np.testing.assert_array_equal(out.array, [[1, 3], [2, 9]])
    with pytest.raises(RuntimeError, match=r"trailing shape \(2,\).*shape \(1, 3\) for "
                                           r"sequence 1"):
        nn.utils.rnn.pad_sequence([gr.ones(2, 2), gr.ones(1, 3)])
    with pytest.raises(ValueError, match="padding_side must be 'left' or 'right'"):
        nn.utils.rnn.pad_sequence([gr.ones(2)], padding_side="middle")


def test_gumbel_softmax_samples_the_softmax_distribution():
    gr.manual_seed(0)
    logits = gr.tensor([[1.0, 0.0, -1.0]], dtype=gr.float64).expand(20000, 3)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.array.sum(-1), 1, rtol=1e-12)
    hard = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(hard.array)) == {0.0, 1.0}
    np.testing.assert_array_equal(hard.array.sum(-1), 1)
    expected = np.exp([1.0, 0.0, -1.0]) / np.exp([1.0, 0.0, -1.0]).sum()
    np.testing.assert_allclose(hard.array.mean(0), expected, atol=0.015)


def test_gumbel_softmax_hard_passes_the_soft_gradient():
    logits = gr.from_numpy(RNG.standard_normal((4, 3))).requires_grad_()
    weights = gr.from_numpy(RNG.standard_normal((4, 3)))
    gr.manual_seed(1)
    (F.gumbel_softmax(logits, hard=True) * weights).sum().backward()
    hard_grad = logits.grad.array.copy()
    logits.grad = None
    gr.manual_seed(1)
    (F.gumbel_softmax(logits) * weights).sum().backward()
    np.testing.assert_allclose(hard_grad, logits.grad.array, rtol=1e-12)

    def same_noise(x):
        gr.manual_seed(2)
        return (F.gumbel_softmax(x, tau=0.7) * weights).sum()
    assert gradcheck(same_noise, (logits.detach().requires_grad_(),))


def test_gumbel_softmax_under_vmap_draws_per_example():
    gr.manual_seed(0)
    logits = gr.zeros(500, 4, dtype=gr.float64)
    hard = gr.func.vmap(lambda x: F.gumbel_softmax(x, hard=True), randomness="different")(logits)
    np.testing.assert_array_equal(hard.array.sum(-1), 1)
    assert np.all(hard.array.mean(0) > 0.15)  # uniform logits: every class drawn
