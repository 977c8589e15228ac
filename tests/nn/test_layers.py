"""Every layer against PyTorch (weights copied, float64: outputs, input and parameter
gradients), gradcheck through inputs and parameters, PyTorch's initialisation, errors."""

import math
import warnings

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn
from tests.helpers import HAS_TORCH, requires_torch
from tests.nn.helpers import check_module_gradients, compare_modules

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 6))

# (name, constructor arguments, input arrays): built the same way from gradiente.nn and torch.nn
LAYERS = [
    ("Linear", (6, 3), [X]),
    ("Linear", (6, 3, False), [X]),
    ("Linear", (6, 2), [RNG.standard_normal((2, 5, 6))]),
    ("Bilinear", (6, 3, 2), [X, RNG.standard_normal((4, 3))]),
    ("Identity", (), [X]),
    ("Flatten", (), [RNG.standard_normal((2, 3, 4))]),
    ("Flatten", (0, 1), [RNG.standard_normal((2, 3, 4))]),
    ("Unflatten", (1, (2, 3)), [X]),
    ("BatchNorm1d", (6,), [X]),
    ("BatchNorm1d", (3,), [RNG.standard_normal((4, 3, 5))]),
    ("BatchNorm1d", (6, 1e-3, None, False), [X]),
    ("LayerNorm", (6,), [X]),
    ("LayerNorm", ((3, 2),), [RNG.standard_normal((4, 3, 2))]),
    ("Embedding", (10, 3), [np.array([[1, 2, 4], [4, 3, 9]])]),
    ("Embedding", (10, 3, 4), [np.array([[1, 4, 4], [4, 3, 0]])]),
    ("ReLU", (), [X]),
    ("ReLU6", (), [X * 4]),
    ("LeakyReLU", (0.2,), [X]),
    ("PReLU", (), [X]),
    ("PReLU", (6, 0.1), [X]),
    ("ELU", (0.7,), [X]),
    ("CELU", (1.5,), [X]),
    ("SELU", (), [X]),
    ("GELU", (), [X]),
    ("GELU", ("tanh",), [X]),
    ("SiLU", (), [X]),
    ("Mish", (), [X]),
    ("Softplus", (2.0, 3.0), [X]),
    ("Sigmoid", (), [X]),
    ("Tanh", (), [X]),
    ("Hardtanh", (-0.5, 0.8), [X]),
    ("Hardsigmoid", (), [X * 4]),
    ("Hardswish", (), [X * 4]),
    ("Softsign", (), [X]),
    ("LogSigmoid", (), [X]),
    ("Tanhshrink", (), [X]),
    ("Softmax", (1,), [X]),
    ("Softmax", (0,), [X]),
    ("LogSoftmax", (1,), [X]),
    ("Softmin", (-1,), [X]),
]
IDS = [f"{name}{args}" for name, args, _ in LAYERS]
# PyTorch's float64 backward of these multiplies by a float32 constant (1/6)
TORCH_RTOL = {"Hardsigmoid": 1e-7, "Hardswish": 1e-7}


@requires_torch
@pytest.mark.parametrize("name, args, inputs", LAYERS, ids=IDS)
def test_layer_matches_torch(name, args, inputs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args)
    ours = getattr(nn, name)(*args)
    if name.startswith("BatchNorm"):  # non-trivial affine parameters and running statistics
        with torch.no_grad():
            if theirs.affine:
                theirs.weight.uniform_(0.5, 1.5)
                theirs.bias.uniform_(-0.5, 0.5)
    compare_modules(ours, theirs, inputs, rtol=TORCH_RTOL.get(name, 1e-10))
    assert repr(ours) == repr(theirs)
    for key, value in theirs.state_dict().items():  # running statistics updated the same way
        np.testing.assert_allclose(ours.state_dict()[key].array, value.numpy(), rtol=1e-12,
                                   err_msg=key)


def _gradcheckable(layer):
    """Identity has no rule of its own; padding_idx's row gets no gradient by design, which
    finite differences cannot agree with (test_embedding_padding_row_... checks it)."""
    name, args, _ = layer
    return name != "Identity" and not (name == "Embedding" and len(args) > 2)


@pytest.mark.parametrize("name, args, inputs", [layer for layer in LAYERS if _gradcheckable(layer)],
                         ids=[i for i, layer in zip(IDS, LAYERS) if _gradcheckable(layer)])
def test_layer_gradcheck(name, args, inputs):
    module = getattr(nn, name)(*args)
    assert check_module_gradients(module, inputs)


@requires_torch
def test_batchnorm_eval_uses_running_statistics():
    torch.manual_seed(0)
    theirs, ours = torch.nn.BatchNorm1d(3).double(), nn.BatchNorm1d(3)
    for batch in (RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3)) * 3 + 1):
        compare_modules(ours, theirs, [batch])
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 2
    theirs.eval(), ours.eval()
    compare_modules(ours, theirs, [RNG.standard_normal((2, 3))])


def test_batchnorm_running_variance_is_unbiased():
    bn = nn.BatchNorm1d(2, momentum=1.0)
    x = RNG.standard_normal((5, 2))
    bn(gr.from_numpy(x))
    np.testing.assert_allclose(bn.running_mean.array, x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.array, x.var(0, ddof=1), rtol=1e-6)
    assert int(bn.num_batches_tracked) == 1


def test_batchnorm_needs_more_than_one_value_per_channel():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(gr.randn(1, 3))


def test_embedding_padding_row_gets_no_gradient_and_repeats_accumulate():
    ours = nn.Embedding(5, 2, padding_idx=1)
    assert np.all(ours.weight.array[1] == 0)
    indices = np.array([[1, 3, 3], [3, 1, 0]])
    cotangent = RNG.standard_normal((2, 3, 2)).astype(np.float32)
    ours(gr.tensor(indices)).backward(gr.from_numpy(cotangent))
    expected = np.zeros((5, 2), dtype=np.float32)
    np.add.at(expected, indices, cotangent)  # d<c, W[i]>/dW: each row the sum of its reads
    expected[1] = 0
    np.testing.assert_allclose(ours.weight.grad.array, expected, rtol=1e-6, atol=0)


def test_linear_default_initialisation_bounds():
    gr.manual_seed(1)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=√5) gives U(-1/√fan_in, 1/√fan_in)
    w, b = layer.weight.array, layer.bias.array
    assert w.dtype == np.float32 and w.shape == (300, 400)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(b).max() <= bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.01)
    assert layer.weight.requires_grad and layer.weight.is_leaf


def test_linear_wrong_feature_count_names_the_layer():
    layer = nn.Linear(10, 3)
    with pytest.raises(RuntimeError) as error:
        layer(gr.randn(4, 7))
    assert str(error.value) == ("Linear(in_features=10, out_features=3, bias=True): expected "
                                "input with 10 features in the last dim, got shape (4, 7)")


def test_linear_dtype_mismatch_is_an_error():
    with pytest.raises(RuntimeError, match="same dtype"):
        nn.Linear(3, 2)(gr.randn(2, 3, dtype=gr.float64))


def test_dropout_train_and_eval():
    gr.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = gr.ones(200, 100, requires_grad=True)
    y = layer(x)
    kept = y.array != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.array[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, y.array)  # the same mask scales the gradient
    layer.eval()
    assert layer(x) is x
    assert repr(layer) == "Dropout(p=0.25, inplace=False)"
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    assert np.all(nn.functional.dropout(x, 1.0).array == 0)


def test_dropout_uses_the_default_generator():
    gr.manual_seed(3)
    a = nn.functional.dropout(gr.ones(50)).array
    gr.manual_seed(3)
    np.testing.assert_array_equal(nn.functional.dropout(gr.ones(50)).array, a)


def test_softmax_without_dim_warns_and_follows_torchs_rule():
    layer = nn.Softmax()
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = layer(gr.randn(2, 3))
    np.testing.assert_allclose(out.array.sum(1), 1, rtol=1e-6)
    with pytest.warns(UserWarning):
        out = nn.functional.log_softmax(gr.randn(2, 3, 4))
    np.testing.assert_allclose(np.exp(out.array).sum(0), 1, rtol=1e-6)  # 3-D: dim 0


def test_activation_inplace_writes_into_the_input():
    x = gr.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x
    np.testing.assert_array_equal(x.array, [0.0, 2.0])
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.1, inplace=True)) == "LeakyReLU(negative_slope=0.1, inplace=True)"


def test_flatten_and_unflatten_round_trip():
    x = gr.randn(2, 6, 5)
    y = nn.Unflatten(1, (2, 3))(x)
    assert tuple(y.shape) == (2, 2, 3, 5)
    assert tuple(nn.Flatten(1, 2)(y).shape) == (2, 6, 5)


def test_layers_work_in_float32_without_conversions():
    model = nn.Sequential(nn.Linear(5, 4), nn.LayerNorm(4), nn.GELU(), nn.Linear(4, 2))
    out = model(gr.randn(3, 5))
    assert out.dtype == gr.float32
    nn.functional.cross_entropy(out, gr.tensor([0, 1, 1])).backward()
    assert all(p.grad.dtype == gr.float32 for p in model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.double()(gr.randn(3, 5, dtype=gr.float64))
