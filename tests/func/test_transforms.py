"""gradiente.func: grad, vjp, jvp, jacrev, jacfwd, hessian, linearize, functional_call."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.func import (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, linearize,
                            functional_call, vmap)
from tests.helpers import requires_torch, HAS_TORCH

if HAS_TORCH:
    import torch


def t64(a):
    return gr.tensor(np.asarray(a, dtype=np.float64))


def central_jacobian(f, x, eps=1e-6):
    """d f / d x by central differences on NumPy arrays: shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=np.float64)
    cols = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        cols.append((f(x + step) - f(x - step)) / (2 * eps))
    return np.moveaxis(np.stack(cols), 0, -1).reshape(np.shape(f(x)) + x.shape)


# random functions built from many operations: the same lambda runs on arrays through gradiente
CHAINS = [
    lambda lib, x, A: lib.tanh(A @ x) * x.sum() + lib.sin(x[:3]),
    lambda lib, x, A: (lib.exp(-x * x) @ A.T).softmax(0) * lib.sigmoid(x).mean(),
    lambda lib, x, A: lib.log(1 + x ** 2).reshape(2, 2).T.reshape(-1) @ A.T
    + lib.cos(x).cumsum(0)[-1],
    lambda lib, x, A: lib.stack([x.max(), (x / (1 + x.abs())).prod(), lib.sqrt(x * x + 1).sum()]),
]


@pytest.mark.parametrize("chain", range(len(CHAINS)))
def test_jacfwd_equals_jacrev_and_finite_differences(chain, rng):
    fn = CHAINS[chain]
    A = t64(rng.normal(size=(3, 4)))
    x = t64(rng.normal(size=4))
    f = lambda x: fn(gr, x, A)  # noqa: E731
    forward, reverse = jacfwd(f)(x), jacrev(f)(x)
    assert forward.shape == reverse.shape == tuple(f(x).shape) + (4,)
    np.testing.assert_allclose(forward.array, reverse.array, atol=1e-12)
    numeric = central_jacobian(lambda a: f(gr.tensor(a)).array, x.array)
    np.testing.assert_allclose(forward.array, numeric, atol=1e-7)
    if HAS_TORCH:
        tf = lambda x: fn(torch, x, torch.tensor(A.array))  # noqa: E731
        expected = torch.func.jacrev(tf)(torch.tensor(x.array)).numpy()
        np.testing.assert_allclose(reverse.array, expected, atol=1e-12)


def test_grad_argnums_has_aux_and_value():
    f = lambda x, y: ((x * y).sum() ** 2, x.detach() * 2)  # noqa: E731
    x, y = t64([1.0, 2.0]), t64([3.0, -1.0])
    (gx, gy), aux = grad(f, argnums=(0, 1), has_aux=True)(x, y)
    s = (x * y).sum().item()
    np.testing.assert_allclose(gx.array, 2 * s * y.array)
    np.testing.assert_allclose(gy.array, 2 * s * x.array)
    np.testing.assert_allclose(aux.array, [2.0, 4.0])
    g, value = grad_and_value(lambda x: (x ** 3).sum())(x)
    np.testing.assert_allclose(g.array, 3 * x.array ** 2)
    assert value.item() == 9.0 and not value.requires_grad
    assert grad(lambda x, y: (x * y).sum(), argnums=-1)(x, y).tolist() == [1.0, 2.0]


def test_grad_of_grad_and_third_derivative():
    f = lambda x: gr.sin(x) * x ** 2  # noqa: E731
    x = t64(0.7)
    d1, d2, d3 = grad(f), grad(grad(f)), grad(grad(grad(f)))
    s, c, v = np.sin(0.7), np.cos(0.7), 0.7
    assert np.isclose(d1(x).item(), c * v ** 2 + 2 * v * s, rtol=1e-14)
    assert np.isclose(d2(x).item(), -s * v ** 2 + 4 * v * c + 2 * s, rtol=1e-14)
    assert np.isclose(d3(x).item(), -c * v ** 2 - 6 * v * s + 6 * c, rtol=1e-13)


def test_grad_keeps_an_outer_backward_through_closures():
    w = t64([1.5, -0.5]).requires_grad_()
    x = t64([2.0, 3.0])
    g = grad(lambda x: (w * x * x).sum())(x)  # 2 w x, which depends on w
    g.sum().backward()
    np.testing.assert_allclose(w.grad.array, 2 * x.array)


def test_vjp_and_jvp_agree_by_the_dot_product_test(rng):
    f = CHAINS[0]
    A = t64(rng.normal(size=(3, 4)))
    x, v, u = t64(rng.normal(size=4)), t64(rng.normal(size=4)), t64(rng.normal(size=3))
    out, vjp_fn = vjp(lambda x: f(gr, x, A), x)
    (ju,) = vjp_fn(u)
    out2, jv = jvp(lambda x: f(gr, x, A), (x,), (v,))
    np.testing.assert_allclose(out.array, out2.array)
    assert np.isclose((u * jv).sum().item(), (ju * v).sum().item(), rtol=1e-12)


def test_vjp_tuple_outputs_and_aux():
    out, vjp_fn, aux = vjp(lambda x: ((x * 2, x.sum()), "aux"), t64([1.0, 2.0]), has_aux=True)
    assert aux == "aux" and out[1].item() == 3.0
    (g,) = vjp_fn((t64([1.0, 1.0]), t64(10.0)))
    np.testing.assert_allclose(g.array, [12.0, 12.0])


def test_jvp_tuple_outputs_aux_and_zero_tangent_for_constant_outputs():
    f = lambda x, y: ((x * y, gr.ones(2)), {"note": 1})  # noqa: E731
    _, tangents, aux = jvp(f, (t64([1.0, 2.0]), t64([3.0, 4.0])),
                           (t64([1.0, 0.0]), t64([0.0, 1.0])), has_aux=True)
    np.testing.assert_allclose(tangents[0].array, [3.0, 2.0])  # dx * y + x * dy
    np.testing.assert_allclose(tangents[1].array, [0.0, 0.0])
    assert aux == {"note": 1}


def test_linearize_matches_jvp():
    f = lambda x: gr.exp(x) * gr.cos(x)  # noqa: E731
    x = t64([0.1, 0.2])
    out, jvp_fn = linearize(f, x)
    np.testing.assert_allclose(out.array, f(x).array)
    np.testing.assert_allclose(jvp_fn(t64([1.0, 2.0])).array,
                               jvp(f, (x,), (t64([1.0, 2.0]),))[1].array)


def test_jacobians_of_several_inputs_and_outputs():
    f = lambda x, y: (x * y.sum(), (x ** 2).sum() * y)  # noqa: E731
    x, y = t64([1.0, 2.0]), t64([3.0, 4.0, 5.0])
    for transform in (jacrev, jacfwd):
        (dxa, dya), (dxb, dyb) = transform(f, argnums=(0, 1))(x, y)
        assert dxa.shape == (2, 2) and dya.shape == (2, 3)
        assert dxb.shape == (3, 2) and dyb.shape == (3, 3)
        np.testing.assert_allclose(dxa.array, 12 * np.eye(2))
        np.testing.assert_allclose(dya.array, np.ones((2, 3)) * x.array[:, None])
        np.testing.assert_allclose(dxb.array, np.outer(y.array, 2 * x.array))
        np.testing.assert_allclose(dyb.array, 5 * np.eye(3))


@pytest.mark.parametrize("outer,inner", [(jacfwd, jacrev), (jacrev, jacrev), (jacfwd, jacfwd),
                                         (jacrev, jacfwd)])
def test_hessians_compose_all_ways(outer, inner, rng):
    f = lambda x: (gr.exp(x) * x).sum() ** 2 + (x[0] * x[1] * x[2])  # noqa: E731
    x = t64(rng.normal(size=3))
    H = outer(inner(f))(x)
    numeric = central_jacobian(lambda a: grad(f)(gr.tensor(a)).array, x.array)
    np.testing.assert_allclose(H.array, numeric, atol=1e-6)
    np.testing.assert_allclose(hessian(f)(x).array, H.array, atol=1e-12)


def test_errors_name_the_problem():
    x = t64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="scalar Tensor"):
        grad(lambda x: x * 2)(x)
    with pytest.raises(TypeError, match="grad: expected the outputs of func to be Tensors, "
                                        "got float"):
        grad(lambda x: 3.0)(x)
    with pytest.raises(TypeError, match="outputs of func to be Tensors"):
        jvp(lambda x: 1, (x,), (x,))
    with pytest.raises(RuntimeError, match=r"tangent 0 has shape \(3,\) but its primal has "
                                           r"shape \(2,\)"):
        jvp(gr.sin, (x,), (t64([1.0, 2.0, 3.0]),))
    with pytest.raises(TypeError, match="primals to be a tuple"):
        jvp(gr.sin, x, (x,))
    _, vjp_fn = vjp(gr.sin, x)
    with pytest.raises(RuntimeError, match=r"cotangent 0 has shape \(3,\)"):
        vjp_fn(t64([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="argnums=2 but only 1 positional"):
        grad(lambda x: x.sum(), argnums=2)(x)


def _mlp(lib, params, x):
    w1, b1, w2, b2 = params
    return lib.tanh(x @ w1 + b1) @ w2 + b2


def test_functional_call_differentiates_module_parameters():
    gr.manual_seed(0)
    model = gr.nn.Sequential(gr.nn.Linear(3, 4), gr.nn.Tanh(), gr.nn.Linear(4, 1)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = gr.randn(5, 3, dtype=gr.float64)

    def loss(p):
        return (functional_call(model, p, (x,)) ** 2).mean()
    grads = grad(loss)(params)
    (model(x) ** 2).mean().backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(grads[name].array, p.grad.array, atol=1e-14)
    assert model[0].weight is dict(model.named_parameters())["0.weight"]  # restored


@requires_torch
def test_per_example_gradients_of_a_module_match_torch_func():
    gr.manual_seed(0)
    model = gr.nn.Sequential(gr.nn.Linear(3, 4), gr.nn.Tanh(), gr.nn.Linear(4, 2)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = gr.randn(6, 3, dtype=gr.float64), gr.randn(6, 2, dtype=gr.float64)

    def loss(p, xi, yi):
        return gr.nn.functional.mse_loss(functional_call(model, p, (xi,)), yi)
    per_example = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)

    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 2)).double()
    tparams = {k: torch.tensor(v.array) for k, v in params.items()}

    def tloss(p, xi, yi):
        return torch.nn.functional.mse_loss(torch.func.functional_call(tmodel, p, (xi,)), yi)
    expected = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(
        tparams, torch.tensor(x.array), torch.tensor(y.array))
    for name in params:
        assert per_example[name].shape == (6,) + tuple(params[name].shape)
        np.testing.assert_allclose(per_example[name].array, expected[name].numpy(), atol=1e-13)
