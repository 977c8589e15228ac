"""gradiente.autograd.functional against torch.autograd.functional and against finite
differences: structure of results (tensor or tuples), values, create_graph, strict, errors."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import functional as F
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(5)
X, Y = RNG.standard_normal(3), RNG.standard_normal((2, 3))


def one_in_one_out(lib, x):
    return lib.sin(x) * x.sum()


def two_in_two_out(lib, x, y):
    return (x * y).sum(0), lib.tanh(y) @ x


def scalar_of_two(lib, x, y):
    return (x ** 3 * y).sum() + lib.exp(y).sum() * x[0]


def unused_second(lib, x, y):
    return (x ** 2).sum()


def _on(lib, fn):
    return lambda *xs: fn(lib, *xs)


def _inputs(lib, *arrays):
    tensors = tuple(lib.tensor(a) for a in arrays)
    return tensors if len(tensors) > 1 else tensors[0]


def _assert_same_structure(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _assert_same_structure(a, b)
    else:
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-12, atol=1e-12)


CASES = [(one_in_one_out, (X,)), (two_in_two_out, (X, Y)), (scalar_of_two, (X, Y[0]))]


@requires_torch
@pytest.mark.parametrize("vectorize", [False, True])
@pytest.mark.parametrize("fn, arrays", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_jacobian_matches_torch(fn, arrays, vectorize):
    ours = F.jacobian(_on(gr, fn), _inputs(gr, *arrays), vectorize=vectorize)
    theirs = torch.autograd.functional.jacobian(_on(torch, fn), _inputs(torch, *arrays),
                                                vectorize=vectorize)
    _assert_same_structure(ours, theirs)


@requires_torch
@pytest.mark.parametrize("name", ["vjp", "jvp"])
@pytest.mark.parametrize("fn, arrays", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_vjp_and_jvp_match_torch(fn, arrays, name):
    with torch.no_grad():
        outputs = fn(torch, *_inputs(torch, *arrays)) if len(arrays) > 1 else \
            fn(torch, _inputs(torch, *arrays))
    like = outputs if name == "vjp" else _inputs(torch, *arrays)
    like = like if isinstance(like, tuple) else (like,)
    vectors = [RNG.standard_normal(tuple(t.shape)) for t in like]
    pack = (lambda lib: tuple(lib.tensor(v) for v in vectors)) if len(vectors) > 1 else \
        (lambda lib: lib.tensor(vectors[0]))
    ours = getattr(F, name)(_on(gr, fn), _inputs(gr, *arrays), pack(gr))
    theirs = getattr(torch.autograd.functional, name)(_on(torch, fn),
                                                      _inputs(torch, *arrays), pack(torch))
    _assert_same_structure(ours, theirs)


@requires_torch
@pytest.mark.parametrize("name", ["hessian", "vhp", "hvp"])
@pytest.mark.parametrize("arrays", [(X, Y[0]), (X,)], ids=["two inputs", "one input"])
def test_hessian_and_its_products_match_torch(name, arrays):
    fn = scalar_of_two if len(arrays) == 2 else (lambda lib, x: (lib.sin(x) * x ** 2).sum())
    if name == "hessian":
        args = ()
    else:
        vectors = [RNG.standard_normal(a.shape) for a in arrays]
        args = ((lambda lib: tuple(lib.tensor(v) for v in vectors)) if len(arrays) > 1 else
                (lambda lib: lib.tensor(vectors[0])),)
    ours = getattr(F, name)(_on(gr, fn), _inputs(gr, *arrays), *(a(gr) for a in args))
    theirs = getattr(torch.autograd.functional, name)(_on(torch, fn), _inputs(torch, *arrays),
                                                      *(a(torch) for a in args))
    _assert_same_structure(ours, theirs)


def test_jacobian_against_finite_differences():
    def f(x):
        return gr.stack([x[0] * x[1] ** 2, gr.exp(x[2]) - x[0]])
    x = RNG.standard_normal(3)
    jac = F.jacobian(f, gr.tensor(x)).numpy()
    eps = 1e-6
    for j in range(3):
        step = np.eye(3)[j] * eps
        column = (f(gr.tensor(x + step)).numpy() - f(gr.tensor(x - step)).numpy()) / (2 * eps)
        np.testing.assert_allclose(jac[:, j], column, rtol=1e-7, atol=1e-8)


def test_create_graph_keeps_results_differentiable():
    x = gr.tensor(X, requires_grad=True)
    jac = F.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert jac.requires_grad
    (second,) = gr.autograd.grad(jac.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * X, rtol=1e-12)
    plain = F.jacobian(lambda a: a ** 3, x)
    assert not plain.requires_grad and plain.grad_fn is None


def test_unused_inputs_get_zeros_or_an_error_when_strict():
    x, y = gr.tensor(X), gr.tensor(Y[0])
    _, (dx, dy) = F.vjp(_on(gr, unused_second), (x, y))
    np.testing.assert_array_equal(dy.numpy(), np.zeros(3))
    np.testing.assert_allclose(dx.numpy(), 2 * X)
    with pytest.raises(RuntimeError, match="vjp: .* independent of input 1"):
        F.vjp(_on(gr, unused_second), (x, y), strict=True)
    hess = F.hessian(_on(gr, unused_second), (x, y))
    np.testing.assert_array_equal(hess[1][1].numpy(), np.zeros((3, 3)))


def test_bad_arguments_are_named():
    x = gr.tensor(X)
    with pytest.raises(TypeError, match="jacobian: the inputs must be a Tensor or a tuple"):
        F.jacobian(lambda a: a, [x])
    with pytest.raises(RuntimeError, match="vjp: the function has more than one output"):
        F.vjp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match=r"jvp: v has shapes \[\(2,\)\], expected \[\(3,\)\]"):
        F.jvp(lambda a: a * 2, x, gr.ones(2))
    with pytest.raises(RuntimeError, match="hessian: the function must return a single"):
        F.hessian(lambda a: a * 2, x)
    with pytest.raises(NotImplementedError, match="jacobian: strategy 'forward-mode'"):
        F.jacobian(lambda a: a, x, strategy="forward-mode")


@requires_torch
@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_with_batched_grad_outputs_matches_torch(create_graph):
    cotangents = RNG.standard_normal((4, 2, 3))
    results = []
    for lib in (gr, torch):
        x = lib.tensor(Y, requires_grad=True)
        out = lib.tanh(x) * x.sum()
        (batched,) = lib.autograd.grad(out, x, lib.tensor(cotangents), is_grads_batched=True,
                                       create_graph=create_graph)
        assert batched.requires_grad == create_graph
        results.append(to_numpy(batched))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    x = gr.tensor(Y, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad: with is_grads_batched=True every grad_output"):
        gr.autograd.grad(x.sum(), x, gr.tensor(1.0), is_grads_batched=True)


def test_variable_of_old_programs_is_a_new_leaf_sharing_memory():
    from gradiente.autograd import Variable

    x = gr.ones(2)
    v = Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and v.is_leaf and isinstance(x, Variable)
    v.detach().add_(1.0)  # shares memory with x, as in PyTorch
    np.testing.assert_array_equal(x.numpy(), [2.0, 2.0])
    (v * 3).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [3.0, 3.0])
    y = Variable(v * 2)
    assert y.grad_fn is None and not y.requires_grad
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(x, volatile=True)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0, 2.0])
