"""nn.utils round two against PyTorch in float64: legacy weight_norm / spectral_norm hooks,
parametrize and parametrizations, conv/linear + batch-norm fusion, get_total_norm and
clip_grads_with_norm_, stateless.functional_call; nn.init's dirac_, eye_, sparse_ and the
deprecated names."""

import copy
import math
import warnings

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn
from gradiente.nn import init
from gradiente.nn.utils import parametrize
from tests.helpers import HAS_TORCH, requires_torch, to_numpy
from tests.nn.helpers import assert_close

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(5)

LAYERS = {  # (our layer, torch's layer, input shape)
    "linear": (lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3), (5, 4)),
    "conv2d": (lambda: nn.Conv2d(2, 3, 3), lambda: torch.nn.Conv2d(2, 3, 3), (2, 2, 5, 5)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(2, 3, 3),
                         lambda: torch.nn.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4)),
}


def _pair(layer, wrap, their_wrap=None, **kwargs):
    """Our and torch's layer, both wrapped, with torch's parameters and buffers copied."""
    make_ours, make_theirs, shape = LAYERS[layer]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ours = wrap(make_ours().double(), **kwargs)
        theirs = (their_wrap or wrap)(make_theirs().double(), **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().clone() for k, v in theirs.state_dict().items()})
    return ours, theirs, shape


def _run_and_compare(ours, theirs, shape, what):
    x = RNG.standard_normal(shape)
    our_x = gr.from_numpy(x.copy()).requires_grad_()
    their_x = torch.tensor(x, requires_grad=True)
    a, b = ours(our_x), theirs(their_x)
    assert_close(a, b, f"{what} output")
    cotangent = RNG.standard_normal(tuple(b.shape))
    a.backward(gr.from_numpy(cotangent.copy()))
    b.backward(torch.tensor(cotangent))
    assert_close(our_x.grad, their_x.grad, f"{what} input gradient")
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, their_params[name].grad, f"{what} gradient of {name}")
    their_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        assert_close(value, their_state[name], f"{what} state {name}")
    ours.zero_grad()
    theirs.zero_grad()


def _weight_norm(module, **kwargs):
    return nn.utils.weight_norm(module, **kwargs)


def _torch_weight_norm(module, **kwargs):
    return torch.nn.utils.weight_norm(module, **kwargs)


@requires_torch
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm_matches_torch(layer, dim):
    ours, theirs, shape = _pair(layer, _weight_norm, _torch_weight_norm, dim=dim)
    assert tuple(ours.weight_g.shape) == tuple(theirs.weight_g.shape)
    _run_and_compare(ours, theirs, shape, f"weight_norm {layer} dim={dim}")
    with torch.no_grad():
        theirs.weight_v.mul_(1.5)
    ours.weight_v.data = gr.from_numpy(to_numpy(theirs.weight_v).copy())
    _run_and_compare(ours, theirs, shape, f"weight_norm {layer} dim={dim} after an update")
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert isinstance(ours.weight, nn.Parameter)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_close(ours.weight, theirs.weight, "weight after remove_weight_norm")


def test_legacy_weight_norm_warns_and_refuses_twice():
    layer = nn.Linear(3, 2)
    with pytest.warns(FutureWarning, match="weight_norm` is deprecated in favor of"):
        nn.utils.weight_norm(layer)
    with pytest.raises(RuntimeError, match="two weight_norm hooks on the same parameter weight"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            nn.utils.weight_norm(layer)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        nn.utils.remove_weight_norm(layer, "bias")


def _spectral_norm(module, **kwargs):
    return nn.utils.spectral_norm(module, **kwargs)


def _torch_spectral_norm(module, **kwargs):
    return torch.nn.utils.spectral_norm(module, **kwargs)


@requires_torch
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("kwargs", [{}, {"n_power_iterations": 3, "eps": 1e-4}, {"dim": 1}])
def test_legacy_spectral_norm_matches_torch_in_train_and_eval(layer, kwargs):
    ours, theirs, shape = _pair(layer, _spectral_norm, _torch_spectral_norm, **kwargs)
    for step in range(2):  # power iteration updates weight_u and weight_v each call
        _run_and_compare(ours, theirs, shape, f"spectral_norm {layer} {kwargs} step {step}")
    ours.eval()
    theirs.eval()
    u_before = to_numpy(ours.weight_u).copy()
    _run_and_compare(ours, theirs, shape, f"spectral_norm {layer} {kwargs} eval")
    np.testing.assert_array_equal(ours.weight_u.numpy(), u_before)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert isinstance(ours.weight, nn.Parameter)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_close(ours.weight, theirs.weight, "weight after remove_spectral_norm")


def test_legacy_spectral_norm_checks():
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    layer = nn.utils.spectral_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        nn.utils.spectral_norm(layer)
    with pytest.raises(ValueError, match="spectral_norm of 'bias' not found"):
        nn.utils.remove_spectral_norm(layer, "bias")


def _parametrized_weight_norm(module, **kwargs):
    return nn.utils.parametrizations.weight_norm(module, **kwargs)


def _torch_parametrized_weight_norm(module, **kwargs):
    return torch.nn.utils.parametrizations.weight_norm(module, **kwargs)


@requires_torch
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrized_weight_norm_matches_torch(layer, dim):
    ours, theirs, shape = _pair(layer, _parametrized_weight_norm,
                                _torch_parametrized_weight_norm, dim=dim)
    assert type(ours).__name__ == type(theirs).__name__
    _run_and_compare(ours, theirs, shape, f"parametrizations.weight_norm {layer} dim={dim}")
    parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert type(ours) is type(LAYERS[layer][0]())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_close(ours.weight, theirs.weight, "weight after remove_parametrizations")


def _parametrized_spectral_norm(module, **kwargs):
    return nn.utils.parametrizations.spectral_norm(module, **kwargs)


def _torch_parametrized_spectral_norm(module, **kwargs):
    return torch.nn.utils.parametrizations.spectral_norm(module, **kwargs)


@requires_torch
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("kwargs", [{}, {"n_power_iterations": 2, "eps": 1e-5, "dim": 1}])
def test_parametrized_spectral_norm_matches_torch(layer, kwargs):
    ours, theirs, shape = _pair(layer, _parametrized_spectral_norm,
                                _torch_parametrized_spectral_norm, **kwargs)
    for step in range(2):
        _run_and_compare(ours, theirs, shape, f"parametrizations.spectral_norm {layer} {step}")
    ours.eval()
    theirs.eval()
    _run_and_compare(ours, theirs, shape, f"parametrizations.spectral_norm {layer} eval")
    parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert_close(ours.weight, theirs.weight, "weight after remove_parametrizations")


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).mT

    def right_inverse(self, a):
        return a.triu()


class Scale(nn.Module):
    def forward(self, x):
        return 2 * x

    def right_inverse(self, a):
        return a / 2


def test_register_parametrization_chain_assignment_and_removal():
    layer = nn.Linear(3, 3)
    original = layer.weight
    parametrize.register_parametrization(layer, "weight", Symmetric())
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    assert layer.parametrizations.weight.original is original  # same object, for optimizers
    w = to_numpy(layer.weight)
    np.testing.assert_array_equal(w, w.T)
    parametrize.register_parametrization(layer, "weight", Scale())
    np.testing.assert_allclose(to_numpy(layer.weight), 2 * w)
    target = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]], dtype=np.float32)
    layer.weight = gr.from_numpy(target)  # runs the right inverses, last first
    np.testing.assert_allclose(to_numpy(layer.weight), target)
    np.testing.assert_allclose(to_numpy(original), np.triu(target) / 2)
    layer(gr.ones(2, 3)).sum().backward()
    # dL/dW = 2 everywhere; W = 2 (triu(O) + triu(O, 1)ᵀ): 4 on O's diagonal, 8 above, 0 below
    np.testing.assert_allclose(original.grad.numpy(), np.triu(np.full((3, 3), 8.0)) - 4 * np.eye(3))
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and not hasattr(layer, "parametrizations")
    assert layer.weight is original and isinstance(layer.weight, nn.Parameter)
    np.testing.assert_allclose(to_numpy(layer.weight), target)


def test_remove_parametrizations_can_restore_the_original():
    layer = nn.Linear(3, 3)
    before = to_numpy(layer.weight).copy()
    parametrize.register_parametrization(layer, "weight", Scale())
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    # the original was set to right_inverse(weight) at registration, as in torch
    np.testing.assert_array_equal(to_numpy(layer.weight), before / 2)


def test_cached_computes_the_parametrization_once():
    calls = []

    class Counting(nn.Module):
        def forward(self, x):
            calls.append(1)
            return x

    layer = parametrize.register_parametrization(nn.Linear(2, 2), "weight", Counting())
    calls.clear()
    with parametrize.cached():
        first, second = layer.weight, layer.weight
    assert first is second and len(calls) == 1
    layer.weight
    assert len(calls) == 2


def test_parametrization_errors():
    class Shrink(nn.Module):
        def forward(self, x):
            return x[:1]

    with pytest.raises(ValueError, match=r"may not change the dtype or shape.*\(1, 2\)"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", Shrink())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(nn.Linear(2, 2), "nothing", Scale())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(nn.Linear(2, 2), "weight")
    layer = nn.utils.parametrizations.weight_norm(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        layer.__getstate__()
    assert copy.deepcopy(layer).weight.shape == layer.weight.shape


@requires_torch
@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_matches_the_unfused_pair_and_torch(transpose):
    conv = (nn.ConvTranspose2d(3, 4, 3) if transpose else nn.Conv2d(3, 4, 3)).double()
    their_conv = (torch.nn.ConvTranspose2d(3, 4, 3) if transpose
                  else torch.nn.Conv2d(3, 4, 3)).double()
    conv.load_state_dict(their_conv.state_dict())
    bn, their_bn = nn.BatchNorm2d(4).double(), torch.nn.BatchNorm2d(4).double()
    state = {"weight": RNG.uniform(0.5, 2, 4), "bias": RNG.standard_normal(4),
             "running_mean": RNG.standard_normal(4), "running_var": RNG.uniform(0.5, 2, 4),
             "num_batches_tracked": np.array(3)}
    their_bn.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    bn.load_state_dict(their_bn.state_dict())
    for module in (conv, their_conv, bn, their_bn):
        module.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    their_fused = torch.nn.utils.fuse_conv_bn_eval(their_conv, their_bn, transpose=transpose)
    x = gr.from_numpy(RNG.standard_normal((2, 3, 6, 6)))
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)
    assert isinstance(fused.weight, nn.Parameter) and fused.weight.requires_grad
    assert not np.shares_memory(conv.weight.array, fused.weight.array)
    assert_close(fused.weight, their_fused.weight, "fused conv weight", rtol=1e-14)
    assert_close(fused.bias, their_fused.bias, "fused conv bias", rtol=1e-14)


@requires_torch
def test_fuse_linear_bn_matches_the_unfused_pair_and_torch():
    linear, their_linear = nn.Linear(5, 3, bias=False).double(), torch.nn.Linear(5, 3, bias=False)
    their_linear.double()
    linear.load_state_dict(their_linear.state_dict())
    bn, their_bn = nn.BatchNorm1d(3).double(), torch.nn.BatchNorm1d(3).double()
    with torch.no_grad():
        their_bn.running_mean.normal_()
        their_bn.running_var.uniform_(0.5, 2)
        their_bn.weight.uniform_(0.5, 2)
    bn.load_state_dict(their_bn.state_dict())
    for module in (linear, their_linear, bn, their_bn):
        module.eval()
    fused = nn.utils.fuse_linear_bn_eval(linear, bn)
    their_fused = torch.nn.utils.fuse_linear_bn_eval(their_linear, their_bn)
    x = gr.from_numpy(RNG.standard_normal((4, 5)))
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(linear(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)
    assert_close(fused.weight, their_fused.weight, "fused linear weight", rtol=1e-14)
    assert_close(fused.bias, their_fused.bias, "fused linear bias", rtol=1e-14)
    assert not fused.bias.requires_grad  # as torch: made from the missing (zero) bias
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_linear_bn_eval(linear.train(), bn)
    with pytest.raises(AssertionError, match="linear.out_features=3 and bn.num_features=2"):
        nn.utils.fuse_linear_bn_eval(linear.eval(), nn.BatchNorm1d(2).eval())


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.0])
def test_get_total_norm_and_clip_grads_with_norm_match_torch(norm_type):
    grads = [RNG.standard_normal((3, 4)).astype(np.float32), RNG.standard_normal(5)
             .astype(np.float32)]
    ours = [gr.zeros(*g.shape, requires_grad=True) for g in grads]
    theirs = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = gr.from_numpy(g.copy()), torch.tensor(g)
    total = nn.utils.get_total_norm([p.grad for p in ours], norm_type)
    their_total = torch.nn.utils.get_total_norm([q.grad for q in theirs], norm_type)
    assert_close(total, their_total, f"total norm {norm_type}", rtol=1e-6)
    nn.utils.clip_grads_with_norm_(ours, 0.5, total)
    torch.nn.utils.clip_grads_with_norm_(theirs, 0.5, their_total)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad, f"clipped gradient {norm_type}", rtol=1e-6)


def test_clip_grad_norm_is_a_deprecated_alias():
    p = gr.zeros(2, requires_grad=True)
    p.grad = gr.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated in favor of"):
        total = nn.utils.clip_grad_norm(p, 1.0)
    assert float(total) == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], rtol=1e-6)
    with pytest.raises(RuntimeError, match="total norm of order 2.0"):
        nn.utils.get_total_norm([gr.tensor([math.inf])], error_if_nonfinite=True)
    assert float(nn.utils.get_total_norm([])) == 0.0


def test_stateless_functional_call_uses_the_given_tensors():
    layer = nn.Linear(2, 1)
    out = nn.utils.stateless.functional_call(
        layer, {"weight": gr.ones(1, 2), "bias": gr.zeros(1)}, gr.tensor([[1.0, 2.0]]))
    np.testing.assert_array_equal(out.detach().numpy(), [[3.0]])
    assert not np.array_equal(to_numpy(layer.weight), np.ones((1, 2)))


# ----- nn.init ---------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("shape, groups", [
    ((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((4, 5, 3, 2, 3), 1), ((6, 2, 5, 5), 3)])
def test_dirac_matches_torch_exactly(shape, groups):
    ours = init.dirac_(gr.full(shape, 7.0), groups)
    theirs = torch.nn.init.dirac_(torch.full(shape, 7.0), groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye_matches_torch_exactly(shape):
    np.testing.assert_array_equal(init.eye_(gr.full(shape, 7.0)).numpy(),
                                  torch.nn.init.eye_(torch.full(shape, 7.0)).numpy())


def test_dirac_checks_its_groups():
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(gr.empty(5, 2, 3), groups=2)


def test_sparse_zeroes_a_fraction_of_each_column_and_draws_with_std():
    gr.manual_seed(0)
    values = init.sparse_(gr.empty(400, 30), sparsity=0.25, std=0.5).numpy()
    assert ((values == 0).sum(0) == math.ceil(0.25 * 400)).all()
    nonzero = values[values != 0]
    assert abs(nonzero.std() - 0.5) < 0.02 and abs(nonzero.mean()) < 0.02
    gr.manual_seed(0)
    np.testing.assert_array_equal(init.sparse_(gr.empty(400, 30), 0.25, 0.5).numpy(), values)


@pytest.mark.parametrize("old", ["uniform", "normal", "constant", "eye", "dirac",
                                 "xavier_uniform", "xavier_normal", "kaiming_uniform",
                                 "kaiming_normal", "orthogonal", "sparse"])
def test_deprecated_init_names_warn_and_call_the_underscore_version(old):
    shape = (4, 2, 3) if old == "dirac" else (4, 3)
    args = {"constant": (0.3,), "sparse": (0.5,)}.get(old, ())
    gr.manual_seed(1)
    with pytest.warns(FutureWarning, match=rf"`nn.init.{old}` is now deprecated in favor of "
                                           rf"`nn.init.{old}_`\."):
        deprecated = getattr(init, old)(gr.empty(*shape), *args)
    gr.manual_seed(1)
    np.testing.assert_array_equal(deprecated.numpy(),
                                  getattr(init, old + "_")(gr.empty(*shape), *args).numpy())
    assert getattr(init, old).__name__ == old
