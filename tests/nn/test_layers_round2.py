"""The round-2 layers (padding, 3-D and adaptive max / LP pooling, unpooling, instance, RMS and
local response norm, GLU and the shrinks, RReLU, alpha dropout, channel shuffle, fold) against
PyTorch in float64 with copied weights, gradcheck through inputs and parameters, repr and
state_dict keys, initialisation, errors, and the statistics of the random ones."""

import math

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn
from gradiente.nn import functional as F
from tests.helpers import HAS_TORCH, requires_torch, to_numpy
from tests.nn.helpers import assert_close, check_module_gradients, compare_modules, pair

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(11)
X3 = RNG.standard_normal((2, 3, 5))
X4 = RNG.standard_normal((2, 4, 5, 6))
X5 = RNG.standard_normal((2, 3, 4, 5, 6))

# (name, constructor arguments, input arrays): built the same way from gradiente.nn and torch.nn
LAYERS = [
    ("ZeroPad1d", (2,), [X3]),
    ("ZeroPad2d", ((1, 0, 2, -1),), [X4]),
    ("ZeroPad3d", (1,), [X5[0]]),
    ("ConstantPad1d", ((1, 3), 2.5), [X3]),
    ("ConstantPad2d", (2, -1.0), [X4]),
    ("ConstantPad3d", ((1, 0, 0, 2, 1, 1), 0.5), [X5]),
    ("ReflectionPad1d", ((2, 3),), [X3]),
    ("ReflectionPad2d", (2,), [X4[0]]),
    ("ReflectionPad3d", ((1, 2, 0, 1, 2, 1),), [X5]),
    ("ReplicationPad1d", (3,), [X3[0]]),
    ("ReplicationPad2d", ((0, 2, 3, 1),), [X4]),
    ("ReplicationPad3d", (2,), [X5]),
    ("CircularPad1d", ((1, 4),), [X3]),
    ("CircularPad2d", (2,), [X4]),
    ("CircularPad3d", ((1, 1, 2, 0, 0, 3),), [X5]),
    ("MaxPool3d", (2,), [X5]),
    ("MaxPool3d", ((2, 3, 2), 1, 1, 1, False, True), [X5[0]]),
    ("AvgPool3d", (2,), [X5]),
    ("AvgPool3d", (3, 2, 1, True, False), [X5]),
    ("AvgPool3d", ((2, 2, 3), None, 0, False, True, 5), [X5]),
    ("AdaptiveAvgPool3d", ((2, 3, 4),), [X5]),
    ("AdaptiveAvgPool3d", ((3, None, 4),), [X5[0]]),
    ("AdaptiveMaxPool1d", (3,), [X3]),
    ("AdaptiveMaxPool1d", (7,), [X3[0]]),
    ("AdaptiveMaxPool2d", ((3, 4),), [X4]),
    ("AdaptiveMaxPool2d", ((None, 4),), [X4[0]]),
    ("AdaptiveMaxPool3d", ((3, 2, 4),), [X5]),
    ("LPPool1d", (2, 2), [X3]),
    ("LPPool1d", (3.0, 3, 1, True), [np.abs(X3) + 0.1]),
    ("LPPool2d", (2, (2, 3)), [X4]),
    ("LPPool2d", (1.5, 2, 1), [np.abs(X4) + 0.1]),
    ("LPPool3d", (2, 2), [X5]),
    ("BatchNorm3d", (3,), [X5]),
    ("InstanceNorm1d", (3,), [X3]),
    ("InstanceNorm1d", (3, 1e-3, 0.2, True), [X3[0]]),
    ("InstanceNorm2d", (4, 1e-5, 0.1, True, True), [X4]),
    ("InstanceNorm3d", (3, 1e-5, None, False, True), [X5]),
    ("RMSNorm", (5,), [X3]),
    ("RMSNorm", ((4, 5), 1e-3), [RNG.standard_normal((3, 4, 5))]),
    ("RMSNorm", ([6], None, False), [X4]),
    ("LocalResponseNorm", (2,), [X3]),
    ("LocalResponseNorm", (3, 0.1, 0.6, 2.0), [X4]),
    ("LocalResponseNorm", (4, 0.5, 0.75, 1.0), [X5]),
    ("GLU", (), [X4]),
    ("GLU", (1,), [X4]),
    ("Threshold", (0.1, 20.0), [X4]),
    ("Hardshrink", (), [X4]),
    ("Hardshrink", (1.0,), [X4]),
    ("Softshrink", (), [X4]),
    ("Softshrink", (0.8,), [X4]),
    ("Softmax2d", (), [X4]),
    ("Softmax2d", (), [X4[0]]),
    ("ChannelShuffle", (2,), [X4]),
    ("Fold", ((4, 5), (2, 2)), [RNG.standard_normal((2, 12, 12))]),
    ("Fold", (5, 3, 1, 1, 2), [RNG.standard_normal((2, 18, 9))]),
    ("Unfold", ((2, 3),), [X4]),
    ("Unfold", (3, 2, 1, 2), [X4]),
]
IDS = [f"{name}{args}" for name, args, _ in LAYERS]
STATEFUL = ("BatchNorm", "InstanceNorm", "RMSNorm")


def _built(module, name):
    """Non-trivial affine parameters, so their gradients and effect are tested."""
    if name.startswith(STATEFUL):
        with torch.no_grad():
            for p in module.parameters():
                p.uniform_(0.5, 1.5)
    return module


@requires_torch
@pytest.mark.parametrize("name, args, inputs", LAYERS, ids=IDS)
def test_layer_matches_torch(name, args, inputs):
    torch.manual_seed(0)
    theirs = _built(getattr(torch.nn, name)(*args), name)
    ours = getattr(nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare_modules(ours, theirs, inputs)
    for key, value in theirs.state_dict().items():  # running statistics updated the same way
        np.testing.assert_allclose(ours.state_dict()[key].array, value.numpy(), rtol=1e-12,
                                   err_msg=key)


@pytest.mark.parametrize("name, args, inputs", LAYERS, ids=IDS)
def test_layer_gradcheck(name, args, inputs):
    assert check_module_gradients(getattr(nn, name)(*args), inputs)


@requires_torch
@pytest.mark.parametrize("nd, size", [(1, 3), (1, 8), (2, (3, 4)), (2, (7, 2)), (3, (2, 3, 4))])
def test_adaptive_max_pool_indices_match_torch(nd, size):
    x, t = pair(RNG.standard_normal((2, 3) + (5, 6, 7)[:nd]))
    x.array[0, 0].flat[:4] = t.data[0, 0].view(-1)[:4] = 1.0  # ties: the first maximum wins
    name = f"adaptive_max_pool{nd}d"
    out, indices = getattr(F, name)(x, size, return_indices=True)
    expected, expected_indices = getattr(torch.nn.functional, name)(t, size, True)
    assert_close(out, expected, name)
    assert_close(indices, expected_indices, f"{name} indices")
    assert indices.dtype == gr.int64
    cotangent = RNG.standard_normal(tuple(expected.shape))
    out.backward(gr.from_numpy(cotangent.copy()))
    expected.backward(torch.tensor(cotangent))
    assert_close(x.grad, t.grad, f"{name} gradient")
    with_indices = getattr(F, f"{name}_with_indices")(x, size)
    assert_close(with_indices[1], expected_indices, f"{name}_with_indices")
    module = getattr(nn, f"AdaptiveMaxPool{nd}d")(size, return_indices=True)
    assert_close(module(x)[1], expected_indices, "module indices")


@requires_torch
@pytest.mark.parametrize("nd, kernel, stride, padding, output_size", [
    (1, 2, None, 0, None), (1, 3, 2, 1, [2, 3, 12]), (2, 2, None, 0, None),
    (2, (2, 3), (2, 2), (1, 1), (11, 12)), (3, 2, None, 0, None), (3, 2, 1, 1, None)])
def test_max_unpool_inverts_max_pool_as_torch(nd, kernel, stride, padding, output_size):
    shape = (2, 3) + ((11, 12)[:nd] if nd < 3 else (4, 6, 6))
    x, t = pair(RNG.standard_normal(shape))
    pooled, indices = getattr(F, f"max_pool{nd}d_with_indices")(x, kernel, stride, padding)
    expected, expected_indices = getattr(torch.nn.functional, f"max_pool{nd}d")(
        t, kernel, stride, padding, return_indices=True)
    assert_close(indices, expected_indices, "max_pool indices")
    ours = getattr(nn, f"MaxUnpool{nd}d")(kernel, stride, padding)
    theirs = getattr(torch.nn, f"MaxUnpool{nd}d")(kernel, stride, padding)
    assert repr(ours) == repr(theirs)
    value, value_t = pair(to_numpy(expected))
    out = ours(value, indices, output_size)
    expected_out = theirs(value_t, expected_indices, output_size)
    assert_close(out, expected_out, "max_unpool")
    cotangent = RNG.standard_normal(tuple(expected_out.shape))
    out.backward(gr.from_numpy(cotangent.copy()))
    expected_out.backward(torch.tensor(cotangent))
    assert_close(value.grad, value_t.grad, "max_unpool input gradient")
    unbatched = ours(value[0], indices[0], output_size)
    assert_close(unbatched, expected_out[0], "max_unpool unbatched")


def test_max_unpool_gradcheck_and_errors():
    x = gr.from_numpy(RNG.standard_normal((2, 3, 6, 6)))
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    unpool = nn.MaxUnpool2d(2)
    assert gr.autograd.gradcheck(lambda v: unpool(v, indices),
                                 [pooled.detach().requires_grad_()])
    with pytest.raises(ValueError, match=r"invalid output_size .* between 4 and 8"):
        unpool(pooled, indices, (9, 6))
    with pytest.raises(RuntimeError, match="invalid max index 40"):
        unpool(pooled, gr.full(tuple(indices.shape), 40), (6, 6))
    with pytest.raises(RuntimeError, match=r"max_unpool2d: .* got \(2, 3, 3, 3\) and \(3, 3\)"):
        unpool(pooled, indices[0, 0])


@requires_torch
def test_max_pool_with_indices_aliases_return_indices():
    x, t = pair(RNG.standard_normal((2, 3, 8)))
    out, indices = F.max_pool1d_with_indices(x, 3, 2, 1)
    expected, expected_indices = torch.nn.functional.max_pool1d_with_indices(t, 3, 2, 1)
    assert_close(out, expected, "values")
    assert_close(indices, expected_indices, "indices")
    pooled = nn.MaxPool3d(2, return_indices=True)(gr.from_numpy(X5))
    expected = torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(X5))
    assert_close(pooled[1], expected[1], "MaxPool3d indices")


@requires_torch
def test_instance_norm_running_statistics_then_eval():
    torch.manual_seed(0)
    theirs = torch.nn.InstanceNorm2d(4, momentum=0.3, affine=True, track_running_stats=True)
    ours = nn.InstanceNorm2d(4, momentum=0.3, affine=True, track_running_stats=True)
    for batch in (X4, RNG.standard_normal((3, 4, 2, 3)) * 2 + 1):
        compare_modules(ours, theirs, [batch])
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].array, value.numpy(), rtol=1e-12,
                                   err_msg=key)
    assert int(ours.num_batches_tracked) == 0  # instance norm does not count batches
    theirs.eval(), ours.eval()
    compare_modules(ours, theirs, [X4[:1]])
    compare_modules(ours, theirs, [X4[1]])  # unbatched, with the running statistics


@requires_torch
def test_functional_instance_norm_matches_torch():
    x, t = pair(X3)
    mean, var = gr.zeros(3, dtype=gr.float64), gr.ones(3, dtype=gr.float64)
    mean_t, var_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out = F.instance_norm(x, mean, var, momentum=0.4, eps=1e-3)
    expected = torch.nn.functional.instance_norm(t, mean_t, var_t, momentum=0.4, eps=1e-3)
    assert_close(out, expected, "instance_norm")
    assert_close(mean, mean_t, "running_mean")
    assert_close(var, var_t, "running_var")
    out = F.instance_norm(x, mean, var, use_input_stats=False)
    expected = torch.nn.functional.instance_norm(t, mean_t, var_t, use_input_stats=False)
    assert_close(out, expected, "instance_norm with running statistics")


def test_instance_norm_errors_name_the_layer_and_shape():
    with pytest.raises(ValueError, match=r"InstanceNorm1d: expected 2D or 3D input \(got 4D "
                                         r"input of shape \(2, 4, 5, 6\)\)"):
        nn.InstanceNorm1d(4)(gr.from_numpy(X4))
    with pytest.raises(ValueError, match=r"size at dim=1 to match num_features \(5\), but "
                                         r"got: 4"):
        nn.InstanceNorm2d(5, affine=True)(gr.from_numpy(X4))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm2d(5)(gr.from_numpy(X4))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm1d(3)(gr.randn(2, 3, 1))


def test_norm_initialisation():
    instance = nn.InstanceNorm1d(3, affine=True)
    np.testing.assert_array_equal(instance.weight.array, np.ones(3, np.float32))
    np.testing.assert_array_equal(instance.bias.array, np.zeros(3, np.float32))
    assert instance.running_mean is None and list(nn.InstanceNorm1d(3).state_dict()) == []
    rms = nn.RMSNorm((2, 3), dtype=gr.float64)
    assert rms.weight.dtype == gr.float64 and np.all(rms.weight.array == 1)
    assert list(rms.state_dict()) == ["weight"]
    assert nn.RMSNorm(3, elementwise_affine=False).weight is None
    assert np.all(nn.BatchNorm3d(2).running_var.array == 1)


def test_rms_norm_default_eps_is_the_dtypes_machine_epsilon():
    x = gr.tensor([[1e-4, -2e-4]], dtype=gr.float32)
    for dtype, eps in ((gr.float32, np.finfo(np.float32).eps), (gr.float64, 2.0 ** -52)):
        x = x.to(dtype)
        expected = x.array / np.sqrt((x.array ** 2).mean() + eps)
        np.testing.assert_allclose(F.rms_norm(x, [2]).array, expected, rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[3\], expected input with shape "
                                           r"\[\*, 3\], but got input of size \(2, 4\)"):
        nn.RMSNorm(3)(gr.randn(2, 4))


def test_shape_errors_name_the_function_and_shape():
    with pytest.raises(ValueError, match=r"CircularPad2d: expected 3D or 4D input \(got 2D"):
        nn.CircularPad2d(1)(gr.randn(3, 4))
    with pytest.raises(RuntimeError, match="Padding size should be less than"):
        nn.ReflectionPad1d(5)(gr.randn(1, 2, 5))
    with pytest.raises(ValueError, match="tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match=r"3D or higher dimensionality input \(got 2"):
        nn.LocalResponseNorm(2)(gr.randn(3, 4))
    with pytest.raises(RuntimeError, match="dimension 1 is size 3"):
        nn.GLU(1)(gr.randn(2, 3))
    with pytest.raises(RuntimeError, match="Got 4 channels and 3 groups"):
        nn.ChannelShuffle(3)(gr.randn(2, 4, 5))
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(gr.randn(3, 4))
    with pytest.raises(RuntimeError, match=r"adaptive_max_pool2d: expected a 3-D .* shape \(4,"):
        nn.AdaptiveMaxPool2d(2)(gr.randn(4, 5))
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(gr.randn(3), -0.5)
    with pytest.raises(RuntimeError, match="max_pool3d: expected a 4-D"):
        nn.MaxPool3d(2)(gr.randn(2, 3, 4))


def test_threshold_inplace_and_reprs():
    x = gr.tensor([-1.0, 0.5, 2.0])
    assert nn.Threshold(0.5, -3.0, inplace=True)(x) is x
    np.testing.assert_array_equal(x.array, [-3.0, -3.0, 2.0])
    assert (repr(nn.Threshold(0.5, -3.0, True))
            == "Threshold(threshold=0.5, value=-3.0, inplace=True)")
    assert repr(nn.RReLU(0.1, 0.3, True)) == "RReLU(lower=0.1, upper=0.3, inplace=True)"


@requires_torch
def test_random_layer_reprs_match_torch():
    for name, args in (("RReLU", ()), ("RReLU", (0.2, 0.4)), ("AlphaDropout", (0.2,)),
                       ("FeatureAlphaDropout", ()), ("Dropout3d", (0.3, True)),
                       ("LPPool2d", (2, 3, 2)), ("AdaptiveMaxPool2d", ((2, None), True))):
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@requires_torch
def test_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    ours, theirs = nn.RReLU(0.1, 0.3).eval(), torch.nn.RReLU(0.1, 0.3).eval()
    compare_modules(ours, theirs, [X4])
    assert check_module_gradients(ours, [X4])


def test_rrelu_train_draws_slopes_from_the_generator():
    x = gr.from_numpy(-np.abs(RNG.standard_normal(20000)) - 0.1).requires_grad_()
    gr.manual_seed(5)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = out.array / x.array
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.002 and abs(slopes.std() - 0.2 / math.sqrt(12)) < 0.002
    out.sum().backward()
    np.testing.assert_allclose(x.grad.array, slopes, rtol=1e-12)  # the drawn slope is dx
    gr.manual_seed(5)
    np.testing.assert_array_equal(F.rrelu(x.detach(), 0.1, 0.3, True).array, out.array)
    positive = gr.from_numpy(np.abs(X4))
    np.testing.assert_array_equal(nn.RReLU()(positive).array, positive.array)


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    gr.manual_seed(2)
    x = gr.from_numpy(RNG.standard_normal((400, 500)))
    layer = nn.AlphaDropout(0.3)
    out = layer(x).array
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.3 + 1) * 0.7)
    dropped = np.isclose(out, -1.7580993408473766 * a * 0.7)
    assert abs(dropped.mean() - 0.3) < 0.005
    np.testing.assert_allclose(out[~dropped], a * x.array[~dropped] + 1.7580993408473766 * a
                               * 0.3, rtol=1e-12)
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01
    layer.eval()
    assert layer(x) is x
    assert F.alpha_dropout(x, 0.3) is x  # training defaults to False, as in PyTorch
    assert np.all(F.alpha_dropout(x, 1.0, True).array == 0)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.alpha_dropout(x, 1.5, True)


def test_feature_alpha_dropout_and_dropout3d_drop_whole_channels():
    gr.manual_seed(4)
    x = gr.from_numpy(RNG.standard_normal((40, 50, 2, 3)))
    out = F.feature_alpha_dropout(x, 0.4, training=True).array
    a = 1 / math.sqrt((1.7580993408473766 ** 2 * 0.4 + 1) * 0.6)
    dropped = np.isclose(out, -1.7580993408473766 * a * 0.6).all(axis=(2, 3))
    kept = np.isclose(out, a * x.array + 1.7580993408473766 * a * 0.4).all(axis=(2, 3))
    assert np.all(dropped ^ kept) and abs(dropped.mean() - 0.4) < 0.05
    y = gr.ones(30, 40, 2, 2, 2, requires_grad=True)
    out = nn.Dropout3d(0.25)(y)
    channel = out.array.reshape(30, 40, 8)
    assert np.all((channel == 0).all(-1) | (channel == 1 / 0.75).all(-1))
    assert abs((channel[:, :, 0] == 0).mean() - 0.25) < 0.05
    out.sum().backward()
    np.testing.assert_array_equal(y.grad.array, out.array)
    assert nn.Dropout3d().eval()(y) is y


def test_new_layers_are_exported():
    for name in ("ZeroPad2d", "CircularPad3d", "LPPool1d", "MaxUnpool2d", "InstanceNorm3d",
                 "RMSNorm", "ChannelShuffle", "Fold", "Unfold", "Softmax2d"):
        assert name in nn.__all__ and hasattr(nn, name)
    for name in ("glu", "rrelu", "channel_shuffle", "max_unpool2d", "instance_norm",
                 "local_response_norm", "adaptive_max_pool2d", "lp_pool2d"):
        assert name in F.__all__


@pytest.mark.parametrize("fn", [
    lambda t: F.instance_norm(t), lambda t: F.rms_norm(t, [6]),
    lambda t: F.local_response_norm(t, 3), lambda t: F.adaptive_max_pool2d(t, (3, 4)),
    lambda t: F.lp_pool2d(t, 2, 2), lambda t: F.avg_pool3d(t.unsqueeze(0), 2),
    lambda t: F.glu(t, 1), lambda t: F.channel_shuffle(t, 2), lambda t: F.softshrink(t)],
    ids=["instance_norm", "rms_norm", "local_response_norm", "adaptive_max_pool2d",
         "lp_pool2d", "avg_pool3d", "glu", "channel_shuffle", "softshrink"])
def test_functions_under_vmap_match_a_loop(fn):
    x = gr.from_numpy(RNG.standard_normal((3, 2, 4, 5, 6)))
    expected = np.stack([fn(x[i]).array for i in range(3)])
    np.testing.assert_allclose(gr.func.vmap(fn)(x).array, expected, rtol=1e-12)


def test_layers_keep_float32():
    x = gr.randn(2, 4, 5, 6)
    for layer in (nn.RReLU(), nn.AlphaDropout(), nn.InstanceNorm2d(4, track_running_stats=True),
                  nn.RMSNorm(6), nn.LocalResponseNorm(3), nn.LPPool2d(2, 2),
                  nn.AdaptiveMaxPool2d(3), nn.Threshold(0.1, 2), nn.ReflectionPad2d(1)):
        assert layer(x).dtype == gr.float32, layer


BAG_INPUT = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
BAG_CASES = [  # (constructor keywords, input, offsets, with per_sample_weights)
    ({"mode": "sum"}, BAG_INPUT.reshape(-1)[:10].reshape(2, 5), None, False),
    ({"mode": "mean"}, BAG_INPUT[:9].reshape(3, 3), None, False),
    ({"mode": "max"}, BAG_INPUT[:8].reshape(4, 2), None, False),
    ({"mode": "sum"}, BAG_INPUT, np.array([0, 2, 2, 7]), True),
    ({"mode": "mean"}, BAG_INPUT, np.array([0, 2, 2, 7]), False),
    ({"mode": "max"}, BAG_INPUT, np.array([0, 3, 3, 10]), False),
    ({"mode": "mean", "include_last_offset": True}, BAG_INPUT, np.array([0, 4, 4, 9]), False),
    ({"mode": "max", "include_last_offset": True}, BAG_INPUT, np.array([0, 0, 5, 11]), False),
    ({"mode": "mean", "padding_idx": 5}, BAG_INPUT, np.array([0, 4, 8]), False),
    ({"mode": "max", "padding_idx": 1}, BAG_INPUT[:8].reshape(4, 2), None, False),
    ({"mode": "sum", "padding_idx": -5}, BAG_INPUT, np.array([0, 6]), True),
    ({"mode": "mean", "max_norm": 1.5, "norm_type": 1.0}, BAG_INPUT, np.array([0, 6]), False),
]


@requires_torch
@pytest.mark.parametrize("kwargs, indices, offsets, weighted", BAG_CASES,
                         ids=[f"{k}-{'1d' if o is not None else '2d'}"
                              for k, _, o, _ in BAG_CASES])
def test_embedding_bag_matches_torch(kwargs, indices, offsets, weighted):
    torch.manual_seed(0)
    theirs = torch.nn.EmbeddingBag(10, 3, **kwargs).double()
    ours = nn.EmbeddingBag(10, 3, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    args = [] if offsets is None else [gr.tensor(offsets)]
    args_t = [] if offsets is None else [torch.tensor(offsets)]
    if weighted:
        sample_weights, sample_weights_t = pair(RNG.standard_normal(indices.shape))
        args, args_t = args + [sample_weights], args_t + [sample_weights_t]
        if offsets is None:
            args.insert(0, None)
            args_t.insert(0, None)
    out = ours(gr.tensor(indices), *args)
    expected = theirs(torch.tensor(indices), *args_t)
    assert_close(out, expected, "EmbeddingBag output")
    assert_close(ours.weight, theirs.weight, "weight after max_norm")
    cotangent = RNG.standard_normal(tuple(expected.shape))
    out.backward(gr.from_numpy(cotangent.copy()))
    expected.backward(torch.tensor(cotangent))
    assert_close(ours.weight.grad, theirs.weight.grad, "EmbeddingBag weight gradient")
    if weighted:
        assert_close(sample_weights.grad, sample_weights_t.grad, "per_sample_weights gradient")


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_gradcheck(mode):
    weight = gr.from_numpy(RNG.standard_normal((10, 3))).requires_grad_()
    offsets = gr.tensor([0, 3, 3, 7])
    indices = gr.tensor(BAG_INPUT)
    if mode == "sum":
        sample_weights = gr.from_numpy(RNG.standard_normal(11)).requires_grad_()
        assert gr.autograd.gradcheck(lambda w, s: F.embedding_bag(
            indices, w, offsets, mode="sum", per_sample_weights=s), [weight, sample_weights])
    else:
        assert gr.autograd.gradcheck(lambda w: F.embedding_bag(indices, w, offsets, mode=mode),
                                     [weight])


def test_embedding_bag_initialisation_and_errors():
    gr.manual_seed(0)
    bag = nn.EmbeddingBag(400, 50, padding_idx=3)
    assert np.all(bag.weight.array[3] == 0) and abs(bag.weight.array.std() - 1) < 0.01
    assert nn.EmbeddingBag.from_pretrained(gr.ones(4, 2)).weight.requires_grad is False
    indices = gr.tensor([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        bag(indices, gr.tensor([0, 1]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        bag(gr.tensor([1, 2, 3]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        bag(indices, None, gr.ones(2, 2))
    with pytest.raises(ValueError, match=r"per_sample_weights \(\(3,\)\) .* input \(\(2, 2\)\)"):
        nn.EmbeddingBag(5, 2, mode="sum")(indices, None, gr.ones(3))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(indices, bag.weight, mode="median")
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        bag(gr.tensor([1, 2, 3]), gr.tensor([1, 2]))


@requires_torch
def test_embedding_bag_scales_gradients_by_the_true_frequency():
    """PyTorch 2.13's CPU embedding_bag divides by the wrong count (pytorch/pytorch#190063,
    fixed upstream): compare with embedding, whose rows summed are the one bag."""
    ours = gr.from_numpy(RNG.standard_normal((10, 3))).requires_grad_()
    theirs = torch.tensor(ours.array.copy(), requires_grad=True)
    F.embedding_bag(gr.tensor(BAG_INPUT), ours, gr.tensor([0]), mode="sum",
                    scale_grad_by_freq=True).sum().backward()
    torch.nn.functional.embedding(torch.tensor(BAG_INPUT), theirs,
                                  scale_grad_by_freq=True).sum().backward()
    assert_close(ours.grad, theirs.grad, "embedding_bag scale_grad_by_freq gradient")
    np.testing.assert_array_equal(ours.grad.array[[3, 5, 7]], np.ones((3, 3)) * [[1], [1], [0]])


def test_max_pool3d_runs_under_vmap_as_a_loop():
    from gradiente.func import vmap

    x = gr.tensor(np.random.default_rng(2).standard_normal((3, 2, 4, 4, 4)))
    batched = vmap(lambda t: F.max_pool3d(t, 2))(x)
    looped = gr.stack([F.max_pool3d(x[i], 2) for i in range(3)])
    np.testing.assert_array_equal(batched.numpy(), looped.numpy())


@pytest.mark.parametrize("pool, input_shape, size, expected", [
    (F.adaptive_avg_pool1d, (2, 3, 7), (None,), (2, 3, 7)),
    (F.adaptive_avg_pool2d, (2, 3, 6, 6), (None, 3), (2, 3, 6, 3)),
    (F.adaptive_avg_pool3d, (2, 3, 4, 5, 6), (2, None, 1), (2, 3, 2, 5, 1)),
])
def test_adaptive_average_pooling_keeps_the_sizes_given_as_none(pool, input_shape, size,
                                                               expected):
    assert tuple(pool(gr.zeros(*input_shape), size).shape) == expected


@requires_torch
def test_fold_and_unfold_take_unbatched_inputs_as_torch():
    import torch

    image = np.random.default_rng(3).standard_normal((2, 5, 6))
    ours = F.unfold(gr.tensor(image), 3, padding=1)
    theirs = torch.nn.functional.unfold(torch.tensor(image), 3, padding=1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    back = F.fold(ours, (5, 6), 3, padding=1)
    np.testing.assert_allclose(back.numpy(), torch.nn.functional.fold(theirs, (5, 6), 3,
                                                                      padding=1).numpy(),
                               rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"unfold: expected a 3-D \(unbatched\) or 4-D"):
        F.unfold(gr.zeros(5, 6), 3)
    with pytest.raises(RuntimeError, match=r"fold: expected a 2-D \(unbatched\) or 3-D"):
        F.fold(gr.zeros(9), (3, 3), 3)
