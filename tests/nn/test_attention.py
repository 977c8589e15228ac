"""Attention and Transformers against PyTorch (weights copied, float64: outputs, attention
weights, input and parameter gradients), gradcheck, PyTorch's initialisation, errors."""

import math

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn
from gradiente.autograd import gradcheck
from tests.helpers import HAS_TORCH, requires_torch
from tests.nn.helpers import assert_close, check_module_gradients, pair

if HAS_TORCH:
    import torch

F = nn.functional
RNG = np.random.default_rng(11)
L, S, N, E, H = 3, 4, 2, 6, 2  # query length, source length, batch, embedding, heads


def both(array):
    """A mask (bool or float, no gradient) as a gradiente tensor and a torch tensor."""
    return gr.tensor(array), torch.tensor(array)


def float_mask(shape):
    mask = RNG.standard_normal(shape)
    mask[RNG.random(shape) < 0.3] = -np.inf
    mask[..., 0] = 0.0  # every query keeps a key
    return mask


def bool_keep_mask(shape):
    """True = the key takes part (scaled_dot_product_attention's convention)."""
    mask = RNG.random(shape) < 0.7
    mask[..., 0] = True
    return mask


def compare_runs(ours, theirs, arrays, forward, rtol=1e-10):
    """Copy torch's weights into ours (float64), run ``forward(module, inputs, side)`` (side 0
    for gradiente, 1 for torch) and compare every output, then the gradients of a random
    projection of all outputs with respect to the inputs and every parameter."""
    if ours is not None:
        ours.double()
        theirs.double()
        ours.load_state_dict(theirs.state_dict())
    pairs = [pair(a) for a in arrays]
    our_inputs, their_inputs = [p[0] for p in pairs], [p[1] for p in pairs]
    outs = [forward(ours, our_inputs, 0), forward(theirs, their_inputs, 1)]
    outs = [out if isinstance(out, tuple) else (out,) for out in outs]
    assert len(outs[0]) == len(outs[1])
    our_loss, their_loss = 0, 0
    for k, (a, b) in enumerate(zip(*outs)):
        if b is None:
            assert a is None, f"output {k}: torch gives None"
            continue
        assert_close(a, b, f"output {k}", rtol)
        cotangent = RNG.standard_normal(tuple(b.shape))
        our_loss = our_loss + (a * gr.from_numpy(cotangent)).sum()
        their_loss = their_loss + (b * torch.tensor(cotangent)).sum()
    our_loss.backward()
    their_loss.backward()
    for k, (x, y) in enumerate(zip(our_inputs, their_inputs)):
        assert_close(x.grad, y.grad, f"input {k} gradient", rtol)
    if ours is not None:
        ours_params = dict(ours.named_parameters())
        assert list(ours_params) == [name for name, _ in theirs.named_parameters()]
        for name, p in theirs.named_parameters():
            assert_close(ours_params[name].grad, p.grad, f"{name} gradient", rtol)
    return outs


# ----- scaled_dot_product_attention -----------------------------------------------------------

SDPA_CASES = {
    "plain": ((N, H, L, E), (N, H, S, E), (N, H, S, 5), {}),
    "unbatched": ((L, E), (S, E), (S, E), {}),
    "broadcast batch": ((N, H, L, E), (H, S, E), (1, S, 5), {}),
    "causal": ((N, H, L, E), (N, H, S, E), (N, H, S, E), {"is_causal": True}),
    "scale": ((N, L, E), (N, S, E), (N, S, E), {"scale": 0.3}),
    "bool mask": ((N, H, L, E), (N, H, S, E), (N, H, S, E), {"bool": (L, S)}),
    "bool mask per head": ((N, H, L, E), (N, H, S, E), (N, H, S, E), {"bool": (N, H, L, S)}),
    "float mask": ((N, H, L, E), (N, H, S, E), (N, H, S, E), {"float": (H, 1, S)}),
    "gqa": ((N, 4, L, E), (N, 2, S, E), (N, 2, S, E), {"enable_gqa": True}),
}


@requires_torch
@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_scaled_dot_product_attention_matches_torch(case):
    q, k, v, options = SDPA_CASES[case]
    options = dict(options)
    mask = None
    if "bool" in options:
        mask = both(bool_keep_mask(options.pop("bool")))
    elif "float" in options:
        mask = both(float_mask(options.pop("float")))
    arrays = [RNG.standard_normal(shape) for shape in (q, k, v)]

    def forward(_, inputs, side):
        fn = F.scaled_dot_product_attention if side == 0 else \
            torch.nn.functional.scaled_dot_product_attention
        return fn(*inputs, attn_mask=None if mask is None else mask[side], **options)
    compare_runs(None, None, arrays, forward)


@requires_torch
def test_sdpa_rows_with_every_key_masked_give_zero_and_zero_gradient():
    keep = bool_keep_mask((L, S))
    keep[1] = False
    additive = np.where(keep, 0.0, -np.inf)
    arrays = [RNG.standard_normal(shape) for shape in ((N, L, E), (N, S, E), (N, S, E))]
    for mask in (both(keep), both(additive)):
        outs = compare_runs(None, None, arrays, lambda _, inputs, side, m=mask:
                            (F.scaled_dot_product_attention if side == 0 else
                             torch.nn.functional.scaled_dot_product_attention)(
                                 *inputs, attn_mask=m[side]))
        assert np.all(outs[0][0].array[:, 1] == 0)


def test_sdpa_under_vmap_matches_the_batched_call():
    q, k, v = (gr.from_numpy(RNG.standard_normal(s)) for s in ((4, L, 5), (4, S, 5), (4, S, 2)))
    keep = bool_keep_mask((L, S))
    keep[1] = False
    mask = gr.tensor(keep)
    mapped = gr.func.vmap(lambda *t: F.scaled_dot_product_attention(*t, attn_mask=mask))(q, k, v)
    batched = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_allclose(mapped.array, batched.array, rtol=1e-12, atol=1e-12)
    assert not mapped.array[:, 1].any()


def test_sdpa_gradcheck_with_float_mask_and_causal():
    q, k, v = (gr.from_numpy(RNG.standard_normal(s)).requires_grad_()
               for s in ((2, L, 4), (2, S, 4), (2, S, 3)))
    mask = gr.from_numpy(float_mask((L, S)))
    assert gradcheck(lambda *t: F.scaled_dot_product_attention(*t, attn_mask=mask), (q, k, v))
    assert gradcheck(lambda *t: F.scaled_dot_product_attention(*t, is_causal=True), (q, k, v))


def test_sdpa_errors_name_the_shapes():
    q, k = gr.randn(2, L, 4), gr.randn(2, S, 4)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(2, 5\) does not broadcast"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=gr.ones(2, 5, dtype=gr.bool))
    with pytest.raises(RuntimeError, match=r"query \(2, 3, 4\), key \(2, 4, 3\)"):
        F.scaled_dot_product_attention(q, gr.randn(2, S, 3), k)
    with pytest.raises(RuntimeError, match="cannot be given together"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=gr.ones(L, S), is_causal=True)
    with pytest.raises(RuntimeError, match="bool or float attn_mask, got gradiente.int64"):
        F.scaled_dot_product_attention(q, k, k, attn_mask=gr.zeros(L, S, dtype=gr.int64))
    with pytest.raises(RuntimeError, match="same dtype, got gradiente.float32, "
                                           "gradiente.float64 and gradiente.float32"):
        F.scaled_dot_product_attention(q, k.double(), k)
    with pytest.raises(RuntimeError, match="multiple of the key's and value's heads"):
        F.scaled_dot_product_attention(gr.randn(1, 3, L, 4), gr.randn(1, 2, S, 4),
                                       gr.randn(1, 2, S, 4), enable_gqa=True)


def test_sdpa_dropout_zeroes_attention_weights():
    gr.manual_seed(0)
    q, k = gr.randn(1, 1, 4), gr.randn(1, 50, 4)
    v = gr.eye(50).unsqueeze(0)  # the output is the (dropped-out) attention weights
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).array
    weights = F.scaled_dot_product_attention(q, k, v).array
    kept = out != 0
    assert 0.2 < kept.mean() < 0.8
    np.testing.assert_allclose(out[kept], 2 * weights[kept], rtol=1e-5)


# ----- MultiheadAttention ---------------------------------------------------------------------

def q_k_v(batch_first=False, batched=True, kdim=E, vdim=E):
    def shaped(length, dim):
        if not batched:
            return (length, dim)
        return (N, length, dim) if batch_first else (length, N, dim)
    return [RNG.standard_normal(shaped(L, E)), RNG.standard_normal(shaped(S, kdim)),
            RNG.standard_normal(shaped(S, vdim))]


MHA_CASES = {  # name: (constructor options, forward options, which masks)
    "weights averaged": ({}, {}, ()),
    "weights per head": ({}, {"average_attn_weights": False}, ()),
    "no weights": ({}, {"need_weights": False}, ()),
    "batch first": ({"batch_first": True}, {}, ()),
    "batch first, no weights": ({"batch_first": True}, {"need_weights": False}, ()),
    "bool attn_mask": ({}, {}, ("attn_bool",)),
    "float attn_mask, no weights": ({}, {"need_weights": False}, ("attn_float",)),
    "3-D attn_mask": ({}, {"need_weights": False}, ("attn_3d",)),
    "key_padding_mask": ({}, {}, ("padding_bool",)),
    "key_padding_mask, no weights": ({}, {"need_weights": False}, ("padding_bool",)),
    "float key_padding_mask": ({"batch_first": True}, {}, ("padding_float",)),
    "both masks": ({}, {"need_weights": False}, ("attn_bool", "padding_bool")),
    "causal hint": ({}, {"need_weights": False, "is_causal": True}, ("causal",)),
    "causal hint with weights": ({}, {"is_causal": True}, ("causal",)),
    "kdim and vdim": ({"kdim": 5, "vdim": 3}, {}, ("padding_bool",)),
    "no bias": ({"bias": False}, {"need_weights": False}, ("attn_bool",)),
    "bias_kv and zero attn": ({"add_bias_kv": True, "add_zero_attn": True}, {},
                              ("attn_bool", "padding_bool")),
    "eval with dropout": ({"dropout": 0.3}, {}, ("padding_bool",)),
}


def mha_masks(names, length=L, source=S, batch=N):
    masks = {}
    for name in names:
        if name == "attn_bool":  # True = may not attend, MultiheadAttention's convention
            masks["attn_mask"] = ~bool_keep_mask((length, source))
        elif name == "attn_float":
            masks["attn_mask"] = float_mask((length, source))
        elif name == "attn_3d":
            masks["attn_mask"] = float_mask((batch * H, length, source))
        elif name == "causal":
            masks["attn_mask"] = np.triu(np.ones((length, source), dtype=bool), 1)
        elif name == "padding_bool":
            masks["key_padding_mask"] = ~bool_keep_mask((batch, source))
        elif name == "padding_float":
            masks["key_padding_mask"] = float_mask((batch, source))
    return {key: both(value) for key, value in masks.items()}


@requires_torch
@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_torch(case):
    options, call_options, mask_names = MHA_CASES[case]
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, H, **options)
    ours = nn.MultiheadAttention(E, H, **options)
    if "dropout" in options:
        theirs.eval(), ours.eval()
    masks = mha_masks(mask_names)
    arrays = q_k_v(options.get("batch_first", False), kdim=options.get("kdim", E),
                   vdim=options.get("vdim", E))

    def forward(module, inputs, side):
        return module(*inputs, **call_options, **{k: m[side] for k, m in masks.items()})
    outs = compare_runs(ours, theirs, arrays, forward)
    assert (outs[0][1] is None) == (call_options.get("need_weights", True) is False)


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_unbatched_matches_torch(need_weights):
    torch.manual_seed(0)
    theirs, ours = torch.nn.MultiheadAttention(E, H), nn.MultiheadAttention(E, H)
    masks = {"key_padding_mask": both(float_mask((S,))),
             "attn_mask": both(float_mask((H, L, S)))}

    def forward(module, inputs, side):
        return module(*inputs, need_weights=need_weights,
                      **{k: m[side] for k, m in masks.items()})
    outs = compare_runs(ours, theirs, q_k_v(batched=False), forward)
    assert tuple(outs[0][0].shape) == (L, E)


@requires_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered")  # NumPy, on the NaN rows
def test_multihead_attention_fully_padded_example_as_torch():
    """With weights, softmax over only -inf gives NaN (as PyTorch); without, 0."""
    torch.manual_seed(0)
    theirs, ours = torch.nn.MultiheadAttention(E, H).double(), nn.MultiheadAttention(E, H)
    ours.double().load_state_dict(theirs.state_dict())
    padding = np.zeros((N, L), dtype=bool)
    padding[1] = True
    x = RNG.standard_normal((L, N, E))
    for need_weights in (True, False):
        a = ours(*[gr.from_numpy(x)] * 3, key_padding_mask=gr.tensor(padding),
                 need_weights=need_weights)[0]
        b = theirs(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(padding),
                   need_weights=need_weights)[0]
        assert_close(a, b, f"need_weights={need_weights}")
        assert np.isnan(a.array[:, 1]).all() == need_weights


class FirstOutput(nn.Module):
    """The attention output of ``attention(*inputs, **options)``, for gradcheck."""

    def __init__(self, attention, **options):
        super().__init__()
        self.attention = attention
        self.options = options

    def forward(self, *inputs):
        return self.attention(*inputs, **self.options)[0]


@pytest.mark.parametrize("options", [{}, {"kdim": 5, "vdim": 3, "add_bias_kv": True}])
def test_multihead_attention_gradcheck(options):
    module = nn.MultiheadAttention(4, 2, **options)
    mask = gr.tensor(np.triu(np.ones((2, 3), dtype=bool), 1))
    arrays = [RNG.standard_normal(s) for s in ((2, 2, 4), (3, 2, options.get("kdim", 4)),
                                              (3, 2, options.get("vdim", 4)))]
    assert check_module_gradients(FirstOutput(module, attn_mask=mask), arrays)


def test_multihead_attention_init_and_state_dict_names():
    gr.manual_seed(0)
    module = nn.MultiheadAttention(64, 4)
    names = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert list(module.state_dict()) == names
    w = module.in_proj_weight.array
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ over the stacked (3E, E) weight
    assert w.shape == (192, 64) and np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    out_bound = 1 / math.sqrt(64)  # out_proj keeps Linear's kaiming_uniform_(a=√5)
    assert np.abs(module.out_proj.weight.array).max() <= out_bound
    assert np.abs(module.out_proj.weight.array).max() > 0.98 * out_bound
    assert not module.in_proj_bias.array.any() and not module.out_proj.bias.array.any()
    separate = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False, add_bias_kv=True)
    assert list(separate.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                           "bias_k", "bias_v", "out_proj.weight"]
    assert tuple(separate.k_proj_weight.shape) == (8, 3)
    assert tuple(separate.v_proj_weight.shape) == (8, 5)
    if HAS_TORCH:
        theirs = torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False,
                                             add_bias_kv=True)
        assert list(theirs.state_dict()) == list(separate.state_dict())
        assert repr(theirs) == repr(separate)


def test_multihead_attention_errors_name_the_problem():
    with pytest.raises(AssertionError, match="embed_dim=10 and num_heads=3"):
        nn.MultiheadAttention(10, 3)
    module = nn.MultiheadAttention(E, H)
    x = gr.randn(L, N, E)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(3, 3\), but should be \(3, 4\)"):
        module(x, gr.randn(S, N, E), gr.randn(S, N, E), attn_mask=gr.zeros(L, L))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is \(2, 3, 3\), but should be "
                                           r"\(4, 3, 3\)"):
        module(x, x, x, attn_mask=gr.zeros(N, L, L))
    with pytest.raises(AssertionError, match=r"key_padding_mask of shape \(2, 3\).*got \(3, 2\)"):
        module(x, x, x, key_padding_mask=gr.zeros(L, N, dtype=gr.bool))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        module(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask"):
        module(x, x, x, attn_mask=gr.zeros(L, L, dtype=gr.int64))
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        module(x, x, x, attn_mask=gr.zeros(L, L), key_padding_mask=gr.zeros(N, L, dtype=gr.bool))


def test_multihead_attention_dropout_only_while_training():
    gr.manual_seed(0)
    module = nn.MultiheadAttention(E, H, dropout=0.5)
    x = gr.randn(L, N, E)
    _, weights = module(x, x, x, average_attn_weights=False)
    assert (weights.array == 0).any()  # PyTorch returns the dropped-out weights
    module.eval()
    out1, weights = module(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(weights.array.sum(-1), 1, rtol=1e-6)
    np.testing.assert_array_equal(module(x, x, x)[0].array, out1.array)


# ----- Transformer layers ---------------------------------------------------------------------

D, HEADS, FF = 8, 2, 12  # d_model, heads, feed-forward width
LAYER_CASES = {
    "post-norm": {},
    "pre-norm": {"norm_first": True},
    "batch first pre-norm": {"batch_first": True, "norm_first": True},
    "gelu": {"activation": "gelu", "batch_first": True},
    "no bias": {"bias": False, "layer_norm_eps": 1e-3},
}


def seq(length, batch_first, batch=N, d=D):
    return RNG.standard_normal((batch, length, d) if batch_first else (length, batch, d))


def encoder_masks(length=L, batch=N):
    return {"src_mask": both(np.triu(np.full((length, length), -np.inf), 1)),
            "src_key_padding_mask": both(float_mask((batch, length)))}


@requires_torch
@pytest.mark.parametrize("case", list(LAYER_CASES))
@pytest.mark.parametrize("masked", [False, True])
def test_transformer_encoder_layer_matches_torch(case, masked):
    options = {"dropout": 0.0, **LAYER_CASES[case]}
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, **options)
    ours = nn.TransformerEncoderLayer(D, HEADS, FF, **options)
    assert repr(ours) == repr(theirs)
    masks = encoder_masks() if masked else {}

    def forward(module, inputs, side):
        return module(*inputs, **{k: m[side] for k, m in masks.items()})
    compare_runs(ours, theirs, [seq(L, options.get("batch_first", False))], forward)


@requires_torch
def test_transformer_encoder_layer_callable_activation_and_causal_hint():
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, 0.0, torch.nn.functional.silu)
    ours = nn.TransformerEncoderLayer(D, HEADS, FF, 0.0, F.silu)
    mask = both(nn.Transformer.generate_square_subsequent_mask(L, dtype=gr.float64).array)

    def forward(module, inputs, side):
        return module(*inputs, src_mask=mask[side], is_causal=True)
    compare_runs(ours, theirs, [seq(L, False)], forward)


@requires_torch
def test_transformer_encoder_layer_eval_disables_dropout():
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.5, norm_first=True)
    ours = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.5, norm_first=True)
    theirs.eval(), ours.eval()
    compare_runs(ours, theirs, [seq(L, False)], lambda module, inputs, side: module(*inputs))
    ours.train()
    x = gr.from_numpy(seq(L, False))
    assert not np.allclose(ours(x).array, ours.eval()(x).array)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder_matches_torch(batch_first):
    torch.manual_seed(0)
    layer_args = (D, HEADS, FF, 0.0)
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(*layer_args, batch_first=batch_first), 2,
        torch.nn.LayerNorm(D), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(*layer_args, batch_first=batch_first),
                                 2, nn.LayerNorm(D))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    masks = {"mask": both(np.triu(np.ones((L, L), dtype=bool), 1)),
             "src_key_padding_mask": both(~bool_keep_mask((N, L)))}

    def forward(module, inputs, side):
        return module(*inputs, **{k: m[side] for k, m in masks.items()})
    compare_runs(ours, theirs, [seq(L, batch_first)], forward)


def test_transformer_encoder_layers_are_deep_copies():
    layer = nn.TransformerEncoderLayer(D, HEADS, FF)
    encoder = nn.TransformerEncoder(layer, 3)
    first, second = encoder.layers[0], encoder.layers[1]
    assert first is not layer and first.linear1.weight is not second.linear1.weight
    np.testing.assert_array_equal(first.linear1.weight.array, layer.linear1.weight.array)
    assert len(list(encoder.parameters())) == 3 * len(list(layer.parameters()))


@requires_torch
@pytest.mark.parametrize("case", ["post-norm", "pre-norm", "batch first pre-norm"])
def test_transformer_decoder_layer_matches_torch(case):
    options = {"dropout": 0.0, **LAYER_CASES[case]}
    batch_first = options.get("batch_first", False)
    torch.manual_seed(0)
    theirs = torch.nn.TransformerDecoderLayer(D, HEADS, FF, **options)
    ours = nn.TransformerDecoderLayer(D, HEADS, FF, **options)
    masks = {"tgt_mask": both(np.triu(np.full((L, L), -np.inf), 1)),
             "memory_mask": both(~bool_keep_mask((L, S))),
             "tgt_key_padding_mask": both(float_mask((N, L))),
             "memory_key_padding_mask": both(~bool_keep_mask((N, S)))}

    def forward(module, inputs, side):
        return module(*inputs, **{k: m[side] for k, m in masks.items()})
    compare_runs(ours, theirs, [seq(L, batch_first), seq(S, batch_first)], forward)


@requires_torch
@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")  # torch's own note
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    torch.manual_seed(0)
    args = {"d_model": D, "nhead": HEADS, "num_encoder_layers": 2, "num_decoder_layers": 1,
            "dim_feedforward": FF, "dropout": 0.0, "batch_first": batch_first}
    theirs, ours = torch.nn.Transformer(**args), nn.Transformer(**args)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    tgt_mask = both(nn.Transformer.generate_square_subsequent_mask(L).double().array)
    padding = both(~bool_keep_mask((N, S)))

    def forward(module, inputs, side):
        return module(*inputs, tgt_mask=tgt_mask[side], src_key_padding_mask=padding[side],
                      memory_key_padding_mask=padding[side])
    compare_runs(ours, theirs, [seq(S, batch_first), seq(L, batch_first)], forward)


def test_transformer_initialisation_is_xavier_uniform():
    gr.manual_seed(0)
    model = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=48)
    for name, p in model.named_parameters():
        if p.ndim > 1:
            fan_out, fan_in = p.shape
            bound = math.sqrt(6 / (fan_in + fan_out))
            assert bound * 0.95 < np.abs(p.array).max() <= bound, name
    assert not model.encoder.layers[0].self_attn.in_proj_bias.array.any()


def test_generate_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.dtype == gr.float32
    np.testing.assert_array_equal(mask.array, [[0, -np.inf, -np.inf], [0, 0, -np.inf],
                                               [0, 0, 0]])
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=gr.float64).dtype == \
        gr.float64


def test_transformer_errors_name_shapes():
    model = nn.Transformer(d_model=D, nhead=HEADS, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=FF)
    with pytest.raises(RuntimeError, match=r"batch number of src and tgt.*\(3, 2, 8\) and "
                                           r"\(3, 1, 8\)"):
        model(gr.randn(L, N, D), gr.randn(L, 1, D))
    with pytest.raises(RuntimeError, match="d_model=8"):
        model(gr.randn(L, N, 4), gr.randn(L, N, 4))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, HEADS, activation="tanh")


def test_transformer_encoder_layer_gradcheck():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=gr.float64)

    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x, src_mask=mask)
    assert check_module_gradients(Masked(), [RNG.standard_normal((3, 2, 4))])
