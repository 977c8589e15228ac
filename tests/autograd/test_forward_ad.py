"""forward_ad: dual tensors, nested levels, nn layers and losses, composition with reverse."""

import math

import numpy as np
import pytest

import gradiente as gr
import gradiente.autograd.forward_ad as fwAD
from tests.helpers import requires_torch, HAS_TORCH

if HAS_TORCH:
    import torch


def t64(a):
    return gr.tensor(np.asarray(a, dtype=np.float64))


def trace_example(x1, x2):
    return gr.log(x1) + x1 * x2 - gr.sin(x2)


@pytest.mark.parametrize("direction,expected", [((1.0, 0.0), 5.5),
                                                ((0.0, 1.0), 2 - math.cos(5.0))])
def test_lecture_forward_sweep(direction, expected):
    with fwAD.dual_level():
        x1 = fwAD.make_dual(t64(2.0), t64(direction[0]))
        x2 = fwAD.make_dual(t64(5.0), t64(direction[1]))
        y = trace_example(x1, x2)
        primal, tangent = fwAD.unpack_dual(y)
    assert round(primal.item(), 3) == 11.652
    assert math.isclose(tangent.item(), expected, rel_tol=1e-15)
    assert fwAD.unpack_dual(y).tangent is None  # dropped when the level closed


def test_nested_levels_give_mixed_second_derivatives():
    # d/dx1 of (d/dx2 f) = 1 for the trace example; d²/dx2² = sin(x2)
    with fwAD.dual_level():
        x1 = fwAD.make_dual(t64(2.0), t64(1.0))
        with fwAD.dual_level() as inner:
            x2 = fwAD.make_dual(t64(5.0), t64(1.0), level=inner)
            dy_dx2 = fwAD.unpack_dual(trace_example(x1, x2), level=inner).tangent
        assert math.isclose(dy_dx2.item(), 2 - math.cos(5.0))
        assert math.isclose(fwAD.unpack_dual(dy_dx2).tangent.item(), 1.0)
    with fwAD.dual_level():
        x2 = fwAD.make_dual(t64(5.0), t64(1.0))
        with fwAD.dual_level():
            x2_inner = fwAD.make_dual(x2, t64(1.0))
            d1 = fwAD.unpack_dual(trace_example(t64(2.0), x2_inner)).tangent
        assert math.isclose(fwAD.unpack_dual(d1).tangent.item(), math.sin(5.0), rel_tol=1e-14)


def test_levels_close_in_order_and_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="inside `with forward_ad.dual_level"):
        fwAD.make_dual(t64(1.0), t64(1.0))
    with fwAD.dual_level():
        with pytest.raises(ValueError, match=r"tangent shape \(2,\) does not match the "
                                             r"primal's \(\)"):
            fwAD.make_dual(t64(1.0), t64([1.0, 2.0]))
        with pytest.raises(ValueError, match="floating-point primal"):
            fwAD.make_dual(gr.tensor(1), gr.tensor(1))
        outer = fwAD.enter_dual_level()
        inner = fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match="not the innermost open level"):
            fwAD.exit_dual_level(level=outer)
        fwAD.exit_dual_level(level=inner)
        fwAD.exit_dual_level(level=outer)


def test_reshape_and_views_keep_the_tangent():
    with fwAD.dual_level():
        x = fwAD.make_dual(t64([1.0, 2.0]), t64([3.0, 4.0]))
        for y in (x.reshape(2), x.view(2), x.view_as(x), x.reshape(1, 2)):
            np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.array.ravel(), [3.0, 4.0])


@requires_torch
def test_nn_layers_and_losses_in_forward_mode_match_torch():
    gr.manual_seed(0)
    model = gr.nn.Sequential(gr.nn.Linear(3, 5), gr.nn.Tanh(), gr.nn.Linear(5, 4)).double()
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(),
                                 torch.nn.Linear(5, 4)).double()
    with torch.no_grad():
        for p, tp in zip(model.parameters(), tmodel.parameters()):
            tp.copy_(torch.tensor(p.array))
    rng = np.random.default_rng(1)
    x, v = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    target = rng.integers(0, 4, size=6)
    results = []
    for lib, net, ad in ((gr, model, fwAD), (torch, tmodel, torch.autograd.forward_ad)):
        with ad.dual_level():
            xd = ad.make_dual(lib.tensor(x), lib.tensor(v))
            logits = net(xd)
            ce = lib.nn.functional.cross_entropy(logits, lib.tensor(target))
            mse = lib.nn.functional.mse_loss(logits, lib.zeros(6, 4, dtype=lib.float64))
            results.append([ad.unpack_dual(t).tangent.detach().numpy()
                            for t in (logits, ce, mse)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, atol=1e-13)


def test_forward_over_reverse_and_reverse_over_forward_hvp(rng):
    f = lambda x: (gr.exp(x) * gr.sin(x)).sum() * x.sum()  # noqa: E731
    x, v = t64(rng.normal(size=3)), t64(rng.normal(size=3))
    H = gr.func.hessian(f)(x).array
    # forward over reverse: the tangent of the gradient
    with fwAD.dual_level():
        xd = fwAD.make_dual(x.detach().requires_grad_(), v)
        (g,) = gr.autograd.grad(f(xd), xd)
        hvp_fwd = fwAD.unpack_dual(g).tangent
    # reverse over forward: the gradient of the directional derivative
    xr = x.detach().requires_grad_()
    with fwAD.dual_level():
        directional = fwAD.unpack_dual(f(fwAD.make_dual(xr, v))).tangent
    (hvp_rev,) = gr.autograd.grad(directional, xr)
    np.testing.assert_allclose(hvp_fwd.array, H @ v.array, atol=1e-12)
    np.testing.assert_allclose(hvp_rev.array, H @ v.array, atol=1e-12)
