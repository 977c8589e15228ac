"""Reductions and linear algebra beyond the op specs: ties, zeros, infinities and NaN against
PyTorch's conventions, second derivatives at zeros, results, dtypes and error messages."""

import math

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch

NAN, INF = math.nan, math.inf


def _value_and_grad(lib, fn, values, weights=None):
    """fn(x) and the gradient of Σ w * fn(x) (the first output when fn returns a tuple)."""
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    out = fn(lib, x)
    first = out[0] if isinstance(out, tuple) else out
    w = np.ones(tuple(first.shape)) if weights is None else np.asarray(weights, dtype=float)
    (first * lib.tensor(w, dtype=lib.float64)).sum().backward()
    return out, to_numpy(x.grad)


def _array(t):
    return t if isinstance(t, np.ndarray) else to_numpy(t)


def _same(ours, theirs, what):
    np.testing.assert_allclose(_array(ours), _array(theirs), rtol=1e-10, atol=1e-10,
                               equal_nan=True, err_msg=what)


# (name, fn(lib, x), input): where gradients are not smooth and PyTorch picks a convention
TIE_CASES = [
    ("max_all_ties", lambda lib, x: x.max(), [1.0, 3.0, 3.0, 2.0]),
    ("min_all_ties", lambda lib, x: lib.min(x), [[2.0, 1.0], [1.0, 1.0]]),
    ("amax_dim_ties", lambda lib, x: x.amax(1), [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]),
    ("amin_dims_ties", lambda lib, x: lib.amin(x, (0, 1), keepdim=True),
     [[[1.0, 4.0], [1.0, 2.0]], [[3.0, 1.0], [5.0, 6.0]]]),
    ("max_dim_ties", lambda lib, x: x.max(dim=1), [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]),
    ("min_dim_ties", lambda lib, x: x.min(0, keepdim=True), [[1.0, 3.0], [1.0, 3.0]]),
    ("median_all_ties", lambda lib, x: x.median(), [1.0, 3.0, 2.0, 2.0]),
    ("median_dim_ties", lambda lib, x: x.median(1), [[1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 5.0, 0.0]]),
    ("norm_inf_ties", lambda lib, x: x.norm(INF), [1.0, -3.0, 3.0, 2.0]),
    ("norm_neg_inf_ties", lambda lib, x: x.norm(-INF, dim=0), [1.0, -1.0, 3.0]),
    ("norm_at_zero", lambda lib, x: x.norm(), [0.0, 0.0, 0.0]),
    ("norm_dim_at_zero", lambda lib, x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]]),
    ("norm_3_at_zero", lambda lib, x: x.norm(3), [0.0, 0.0]),
    ("norm_1_with_zero", lambda lib, x: x.norm(1), [0.0, -2.0, 1.0]),
    ("std_constant", lambda lib, x: x.std(dim=1), [[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]),
    ("var_single", lambda lib, x: x.var(), [3.0]),
    ("prod_one_zero", lambda lib, x: x.prod(), [2.0, 0.0, 3.0]),
    ("prod_two_zeros", lambda lib, x: x.prod(), [0.0, 2.0, 0.0, 3.0]),
    ("prod_dim_zeros", lambda lib, x: x.prod(1, keepdim=True),
     [[0.0, 2.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]]),
    ("cumprod_zeros", lambda lib, x: x.cumprod(0), [2.0, 0.0, 3.0, 0.0, 4.0]),
    ("cumprod_zero_first", lambda lib, x: x.cumprod(1), [[0.0, 2.0, 3.0], [1.5, 2.0, 0.0]]),
    ("logsumexp_large", lambda lib, x: x.logsumexp(0), [1000.0, 1000.0, -1000.0]),
    ("logsumexp_neg_inf", lambda lib, x: x.logsumexp(1), [[-INF, 0.0], [-INF, -INF]]),
    ("logsumexp_inf", lambda lib, x: lib.logsumexp(x, 0), [INF, 1.0]),
    ("max_nan", lambda lib, x: x.max(), [NAN, 1.0, NAN]),
    ("amax_nan", lambda lib, x: x.amax(0), [1.0, NAN]),
    ("max_dim_nan", lambda lib, x: x.max(0), [1.0, NAN, 3.0, NAN]),
    ("median_nan", lambda lib, x: x.median(0), [1.0, NAN, 3.0]),
]


@requires_torch
@pytest.mark.parametrize("name, fn, values", TIE_CASES, ids=[c[0] for c in TIE_CASES])
def test_conventions_match_torch(name, fn, values):
    with np.errstate(all="ignore"):
        ours, our_grad = _value_and_grad(gr, fn, values)
    theirs, their_grad = _value_and_grad(torch, fn, values)
    if isinstance(theirs, tuple):
        assert type(ours).__name__ == type(theirs).__name__
        _same(ours.values, theirs.values, f"{name}: values")
        np.testing.assert_array_equal(to_numpy(ours.indices), to_numpy(theirs.indices),
                                      err_msg=f"{name}: indices")
    else:
        _same(ours, theirs, f"{name}: value")
    _same(our_grad, their_grad, f"{name}: gradient")


# second derivatives at zeros of the input, where the rules must not divide by x
HESSIAN_CASES = [
    ("prod", lambda lib, x: x.prod(), [2.0, 0.0, 3.0, -1.5]),
    ("prod_dim", lambda lib, x: x.prod(0), [[2.0, 1.0], [0.0, 3.0], [-1.5, 0.5]]),
    ("cumprod", lambda lib, x: x.cumprod(0), [2.0, 0.0, 3.0, -1.5]),
    ("cumprod_dim", lambda lib, x: x.cumprod(1), [[0.0, 1.0, 2.0], [2.0, 3.0, 0.0]]),
    ("norm", lambda lib, x: x.norm(), [3.0, 0.0, 4.0]),
    ("std", lambda lib, x: x.std(), [1.0, 2.0, 4.0]),
]


def _hessian_vector(lib, fn, values, v, w):
    """The gradient of ⟨∇(Σ w * fn)(x), v⟩: a Hessian-vector product by double backward."""
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    out = fn(lib, x)
    (g,) = lib.autograd.grad((out * lib.tensor(w, dtype=lib.float64)).sum(), x,
                             create_graph=True)
    (h,) = lib.autograd.grad((g * lib.tensor(v, dtype=lib.float64)).sum(), x)
    return to_numpy(h)


@requires_torch
@pytest.mark.parametrize("name, fn, values", HESSIAN_CASES, ids=[c[0] for c in HESSIAN_CASES])
def test_second_derivatives_at_zeros_match_torch(name, fn, values, rng):
    shape = np.shape(values)
    v = rng.standard_normal(shape)
    with torch.no_grad():
        out_shape = tuple(fn(torch, torch.tensor(values, dtype=torch.float64)).shape)
    w = rng.standard_normal(out_shape)
    _same(_hessian_vector(gr, fn, values, v, w), _hessian_vector(torch, fn, values, v, w),
          f"{name}: Hessian-vector product")


def test_max_dim_returns_values_and_indices():
    x = gr.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    result = x.max(dim=1)
    values, indices = result
    assert type(result).__name__ == "max" and result.values is values
    np.testing.assert_array_equal(values.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert indices.dtype == gr.int64
    kept = x.min(-1, keepdim=True)
    assert tuple(kept.values.shape) == (2, 1) and tuple(kept.indices.shape) == (2, 1)
    np.testing.assert_array_equal(kept.indices.numpy(), [[0], [1]])


def test_max_of_two_tensors_is_elementwise():
    x, y = gr.tensor([1.0, 4.0]), gr.tensor([3.0, 2.0])
    np.testing.assert_array_equal(gr.max(x, y).numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(x.min(y).numpy(), [1.0, 2.0])


def test_argmax_argmin():
    x = gr.tensor([[1.0, 9.0, 9.0], [8.0, 0.0, 3.0]])
    assert x.argmax().item() == 1  # the flattened index, the first of ties
    assert tuple(x.argmax(keepdim=True).shape) == (1, 1)
    np.testing.assert_array_equal(x.argmax(1).numpy(), [1, 0])
    np.testing.assert_array_equal(gr.argmin(x, dim=0, keepdim=True).numpy(), [[0, 1, 1]])
    assert x.argmax().grad_fn is None and x.argmax().dtype == gr.int64


def test_logical_reductions():
    x = gr.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert not x.all().item() and x.any().item()
    np.testing.assert_array_equal(x.all(1).numpy(), [False, True])
    np.testing.assert_array_equal(gr.any(x == 0, dim=0, keepdim=True).numpy(), [[False, True]])
    assert x.count_nonzero().item() == 3 and x.count_nonzero().dtype == gr.int64
    np.testing.assert_array_equal(gr.count_nonzero(x, dim=1).numpy(), [1, 2])
    assert gr.count_nonzero(x, dim=(0, 1)).item() == 3


def test_integer_and_bool_reductions_keep_torch_dtypes():
    ints = gr.tensor([[1, 2], [3, 4]])
    assert ints.sum().dtype == gr.int64 and ints.sum().item() == 10
    assert gr.tensor([True, True, False]).sum().item() == 2
    assert ints.prod().item() == 24 and ints.prod().dtype == gr.int64
    assert ints.max().item() == 4 and ints.max().dtype == gr.int64
    assert ints.cumsum(0).dtype == gr.int64
    assert ints.sum(dtype=gr.float64).dtype == gr.float64
    assert ints.logsumexp(1).dtype == gr.get_default_dtype()


def test_sum_over_an_empty_dim_list_reduces_everything():
    x = gr.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum(()).item() == 10.0 and x.mean([]).item() == 2.5


def test_var_std_arguments():
    data = [[1.0, 2.0, 4.0], [0.0, 3.0, 3.0]]
    x = gr.tensor(data)
    a = np.array(data)
    np.testing.assert_allclose(x.var().item(), a.var(ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(unbiased=False).item(), a.var(), rtol=1e-6)
    np.testing.assert_allclose(x.var(False).item(), a.var(), rtol=1e-6)
    np.testing.assert_allclose(x.var(1, True).numpy(), a.var(1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.std(1, correction=0).numpy(), a.std(1), rtol=1e-6)
    variance, average = gr.var_mean(x, 0, keepdim=True)
    np.testing.assert_allclose(variance.numpy(), a.var(0, ddof=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(average.numpy(), a.mean(0, keepdims=True), rtol=1e-6)
    deviation, _ = gr.std_mean(x, dim=1, unbiased=False)
    np.testing.assert_allclose(deviation.numpy(), a.std(1), rtol=1e-6)
    with pytest.raises(RuntimeError, match="var: pass either unbiased or correction"):
        x.var(unbiased=True, correction=0)


def test_logsumexp_is_stable():
    x = gr.tensor([1000.0, 1000.0], dtype=gr.float64, requires_grad=True)
    out = x.logsumexp(0)
    out.backward()
    assert out.item() == pytest.approx(1000.0 + math.log(2.0), abs=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5])
    small = gr.tensor([-1000.0, -1000.0], dtype=gr.float32)
    assert small.logsumexp(0).item() == pytest.approx(-1000.0 + math.log(2.0), rel=1e-6)


def test_cumsum_reverse_gradient():
    x = gr.tensor([1.0, 2.0, 3.0], dtype=gr.float64, requires_grad=True)
    (x.cumsum(0) * gr.tensor([1.0, 10.0, 100.0], dtype=gr.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [111.0, 110.0, 100.0])


def test_nothing_is_recorded_without_grad():
    x = gr.randn(4, 5)
    for result in (x.sum(), x.max(), x.max(1).values, x.norm(), x.var(0), x.logsumexp(1),
                   x.cumprod(0), x @ x.T, gr.einsum("ij->j", x), x.diagonal()):
        assert result.grad_fn is None and not result.requires_grad
    w = gr.randn(4, 5, requires_grad=True)
    with gr.no_grad():
        assert w.sum().grad_fn is None and (w @ w.T).grad_fn is None


def test_tensor_methods():
    x = gr.arange(24.0).reshape(2, 3, 4)
    assert tuple(x.sum((0, 1), keepdim=True).shape) == (1, 1, 4)
    assert tuple(x.max(dim=1).values.shape) == (2, 4)
    assert x.norm().item() == pytest.approx(float(np.linalg.norm(np.arange(24.0))), rel=1e-6)
    assert tuple(x.amax(-1).shape) == (2, 3) and tuple(x.mean(-1).shape) == (2, 3)
    m = gr.eye(3)
    assert m.trace().item() == 3.0 and tuple(m.diag().shape) == (3,)
    assert tuple(m.mm(m).shape) == (3, 3) and tuple(m.mv(gr.ones(3)).shape) == (3,)
    assert gr.ones(3).dot(gr.ones(3)).item() == 3.0
    assert tuple(gr.ones(2).outer(gr.ones(3)).shape) == (2, 3)
    assert not hasattr(gr.Tensor, "einsum")


# ----- matmul and relatives -------------------------------------------------------------------

@pytest.mark.parametrize("a, b, out", [
    ((3,), (3,), ()), ((2, 3), (3,), (2,)), ((3,), (3, 4), (4,)), ((5, 2, 3), (3, 4), (5, 2, 4)),
    ((3,), (5, 3, 4), (5, 4)), ((5, 2, 3), (3,), (5, 2)), ((2, 1, 2, 3), (4, 3, 2), (2, 4, 2, 2)),
])
def test_matmul_shapes(a, b, out):
    x, y = gr.ones(*a, requires_grad=True), gr.ones(*b, requires_grad=True)
    result = x @ y
    assert tuple(result.shape) == out
    result.sum().backward()
    assert tuple(x.grad.shape) == a and tuple(y.grad.shape) == b


@pytest.mark.parametrize("call, message", [
    (lambda: gr.ones(2, 3) @ gr.ones(4, 5),
     r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied \(3 != 4\)"),
    (lambda: gr.ones(3) @ gr.ones(4), r"matmul: shapes \(3,\) and \(4,\) cannot be multiplied"),
    (lambda: gr.ones(2, 2, 3) @ gr.ones(3, 3, 4),
     r"matmul: the batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 4\) cannot be broadcast"),
    (lambda: gr.matmul(gr.ones(()), gr.ones(3)), "matmul: both arguments need at least 1"),
    (lambda: gr.ones(2, 3) @ gr.ones(3, 2, dtype=gr.float64),
     "matmul: expected all operands to have the same dtype"),
    (lambda: gr.mm(gr.ones(2, 3, 4), gr.ones(4, 2)), r"mm: input must be a matrix, got a 3D"),
    (lambda: gr.mm(gr.ones(2, 3), gr.ones(4, 2)),
     r"mm: shapes \(2, 3\) and \(4, 2\) cannot be multiplied"),
    (lambda: gr.bmm(gr.ones(2, 3, 4), gr.ones(3, 4, 2)), r"bmm: batch sizes differ"),
    (lambda: gr.bmm(gr.ones(3, 4), gr.ones(4, 2)), r"bmm: input must be a 3D tensor"),
    (lambda: gr.mv(gr.ones(2, 3), gr.ones(2)), r"mv: shapes \(2, 3\) and \(2,\)"),
    (lambda: gr.dot(gr.ones(3), gr.ones(4)), r"dot: inconsistent sizes: shapes \(3,\) and \(4,\)"),
    (lambda: gr.dot(gr.ones(3, 1), gr.ones(3)), "dot: input must be a vector"),
    (lambda: gr.outer(gr.ones(3, 1), gr.ones(3)), "outer: input must be a vector"),
    (lambda: gr.inner(gr.ones(2, 3), gr.ones(2)), r"inner: the last dims of shapes \(2, 3\)"),
    (lambda: gr.trace(gr.ones(2, 2, 2)), "trace: input must be a matrix"),
    (lambda: gr.diag(gr.ones(2, 2, 2)), "diag: expected a 1D or 2D tensor"),
    (lambda: gr.diagonal(gr.ones(3, 3), 0, 1, -1), "diagonal: dim1 and dim2 cannot be the same"),
    (lambda: gr.einsum("ij,jk->ik", gr.ones(2, 3)), "einsum: 'ij,jk->ik' names 2 operands"),
    (lambda: gr.einsum("ijk", gr.ones(2, 3)), r"einsum: the subscripts 'ijk' of operand 0 do not"),
    (lambda: gr.einsum("ij->ik", gr.ones(2, 3)), "einsum: the output subscripts"),
    (lambda: gr.einsum("i1", gr.ones(2, 3)), "einsum: .* may only use letters"),
    (lambda: gr.einsum("ij,ij", gr.ones(2, 3), gr.ones(3, 2)),
     r"einsum: 'ij,ij' does not fit operands of shapes \(2, 3\), \(3, 2\)"),
])
def test_linalg_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.sum(2), IndexError, r"sum: dimension out of range .*got 2"),
    (lambda x: x.mean((0, -2)), RuntimeError, "mean: dim .* appears multiple times"),
    (lambda x: x.max(-3), IndexError, "max: dimension out of range"),
    (lambda x: x.amax(5), IndexError, "amax: dimension out of range"),
    (lambda x: x.argmax(2), IndexError, "argmax: dimension out of range"),
    (lambda x: x.cumsum(2), IndexError, "cumsum: dimension out of range"),
    (lambda x: x.cumprod(None), TypeError, "cumprod: missing the required argument 'dim'"),
    (lambda x: x.norm("nuc"), RuntimeError, "norm: p='nuc' is not supported"),
    (lambda x: x.long().mean(), RuntimeError, "mean: could not infer output dtype"),
    (lambda x: x.long().var(), RuntimeError, "var: input dtype must be floating point"),
    (lambda x: x.long().norm(), RuntimeError, "norm: input dtype should be floating point"),
    (lambda x: gr.ones(0, 3).max(), IndexError, "amax: expected reduction dims"),
    (lambda x: gr.ones(0, 3).max(0), IndexError, "max: expected reduction dim 0"),
    (lambda x: gr.ones(0).argmax(), RuntimeError, "argmax: expected a non-empty tensor"),
])
def test_reduction_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(gr.ones(2, 3))


def test_einsum_matches_numpy_for_three_operands():
    a, b, c = gr.randn(2, 3), gr.randn(3, 4), gr.randn(4, 5)
    np.testing.assert_allclose(gr.einsum("ij,jk,kl->il", a, b, c).numpy(),
                               a.numpy() @ b.numpy() @ c.numpy(), rtol=1e-5, atol=1e-6)


def test_addmm_with_beta_zero_ignores_input():
    out = gr.addmm(gr.full((2, 2), NAN), gr.eye(2), gr.eye(2), beta=0)
    np.testing.assert_array_equal(out.numpy(), np.eye(2))
