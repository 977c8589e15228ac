"""The second round of torch functions: API details beyond the op specs, against PyTorch.

Integer and bool results (gcd, shifts, histogram, unique_consecutive, ...), dtypes, the errors
(each naming the op and the shapes or values at fault), in-place forms, the Tensor methods
PyTorch has, and vmap of the new operations.
"""

import warnings

import numpy as np
import pytest

import gradiente as gr
from gradiente.func import vmap
from tests.helpers import HAS_TORCH, to_numpy

if not HAS_TORCH:
    pytest.skip("torch is not installed", allow_module_level=True)
import torch


def both(fn, *arrays):
    """fn run on gradiente and on torch with the same NumPy inputs."""
    return (fn(gr, *[gr.tensor(a) for a in arrays]),
            fn(torch, *[torch.tensor(a) for a in arrays]))


def assert_same(ours, theirs):
    """Same structure, shapes, dtypes and values (NaN equal to NaN)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
        return
    if not isinstance(theirs, torch.Tensor):
        assert ours == theirs
        return
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(to_numpy(ours), theirs.numpy())


def check(fn, *arrays):
    assert_same(*both(fn, *arrays))


NEW_NAMES = """
tensor_split hsplit vsplit dsplit split_with_sizes unsafe_chunk unsafe_split swapaxes_ swapdims_
t_ transpose_ squeeze_ unsqueeze_ index_copy index_copy_ masked_scatter masked_scatter_
scatter_reduce scatter_reduce_ diagonal_scatter select_scatter slice_scatter fill_diagonal_
index_reduce index_reduce_ put put_ addcmul addcmul_ addcdiv addcdiv_ addmv addr addr_ baddbmm
baddbmm_ addbmm addbmm_ addmm_ tensordot vdot chain_matmul cov corrcoef dist renorm renorm_
copysign copysign_ ldexp frexp gcd lcm bitwise_left_shift bitwise_right_shift
bitwise_left_shift_ bitwise_right_shift_ __lshift__ __rshift__ __ilshift__ __irshift__
__rlshift__ __rrshift__ signbit isneginf isposinf isreal deg2rad rad2deg nextafter nextafter_
float_power_ real imag conj angle conj_physical resolve_conj resolve_neg is_conj is_neg
histogram unique_consecutive
""".split()


@pytest.mark.parametrize("name", NEW_NAMES)
def test_functions_and_methods_where_torch_has_them(name):
    assert hasattr(gr, name) == hasattr(torch, name)
    assert hasattr(gr.Tensor, name) == hasattr(torch.Tensor, name)


# ----- splitting and windows ------------------------------------------------------------------

@pytest.mark.parametrize("split", [
    lambda lib, x: lib.tensor_split(x, 4, dim=1),
    lambda lib, x: lib.tensor_split(x, [1, -1, 9], dim=-1),
    lambda lib, x: x.tensor_split(lib.tensor(2)),
    lambda lib, x: x.tensor_split(lib.tensor([0, 1])),
    lambda lib, x: lib.hsplit(x, [2]),
    lambda lib, x: lib.vsplit(x, 3),
    lambda lib, x: lib.dsplit(x.reshape(3, 1, 5), [1, 3]),
    lambda lib, x: lib.hsplit(x.reshape(-1), 5),
    lambda lib, x: x.split_with_sizes([1, 4], 1),
    lambda lib, x: (x.unsafe_chunk(2, 1), lib.unsafe_split(x, 2)),
])
def test_split_family_matches_torch(split):
    check(split, np.arange(15.0).reshape(3, 5))


@pytest.mark.parametrize("split, message", [
    (lambda lib, x: lib.tensor_split(x, 0), "number of sections must be larger than 0"),
    (lambda lib, x: lib.tensor_split(x, lib.tensor([[1]])), "got a tensor with 2 dims"),
    (lambda lib, x: lib.tensor_split(x, lib.tensor([1.0])), "dtype of long"),
    (lambda lib, x: lib.hsplit(x, 2), "size of the dimension 5 is not divisible by"),
    (lambda lib, x: lib.vsplit(x.reshape(-1), 3), "at least 2 dimension"),
    (lambda lib, x: lib.dsplit(x, 1), "at least 3 dimension"),
])
def test_split_errors(split, message):
    for lib in (gr, torch):
        with pytest.raises(RuntimeError, match=message):
            split(lib, lib.arange(15.0).reshape(3, 5))


@pytest.mark.parametrize("args", [(0, 2, 1), (1, 2, 2), (-1, 5, 1), (1, 1, 4)])
def test_unfold_windows_match_torch(args):
    check(lambda lib, x: x.unfold(*args), np.arange(15.0).reshape(3, 5))


def test_unfold_errors_and_0d():
    check(lambda lib, x: (x.unfold(0, 1, 2), x.unfold(0, 0, 1)), np.array(3.0))
    check(lambda lib, x: x.unfold(1, 0, 2), np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match="unfold: maximum size for tensor at dimension 1 is 3"):
        gr.zeros(2, 3).unfold(1, 4, 1)
    with pytest.raises(RuntimeError, match="unfold: step is 0"):
        gr.zeros(2, 3).unfold(1, 2, 0)


def test_unfold_is_the_conv_free_method_and_gradiente_unfold_stays_f_unfold():
    assert gr.unfold is gr.nn.functional.unfold
    assert gr.Tensor.unfold is not gr.nn.functional.unfold


# ----- in-place shape changes -----------------------------------------------------------------

def test_inplace_views_change_shape_and_history():
    ours = gr.arange(6.0).reshape(2, 3).requires_grad_()
    theirs = torch.arange(6.0).reshape(2, 3).requires_grad_()
    results = []
    for lib, x in ((gr, ours), (torch, theirs)):
        y = x * 2
        same = y.t_().unsqueeze_(0).transpose_(0, 2).squeeze_(-1).swapdims_(0, 1).swapaxes_(0, 1)
        assert same is y
        (y * lib.arange(3.0)).sum().backward()
        results.append((y.detach(), x.grad))
    assert_same(*results)


def test_inplace_view_bumps_the_version_and_refuses_leaves():
    x = gr.ones(2, 3, requires_grad=True)
    y = x * 1
    z = y * y
    y.t_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    with pytest.raises(RuntimeError, match="t_: a leaf Variable that requires grad"):
        x.t_()
    with gr.no_grad():
        x.unsqueeze_(1)
    assert x.shape == (2, 1, 3) and x.requires_grad and x.is_leaf
    t = gr.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="t: expects a tensor with <= 2 dimensions"):
        t.t_()


# ----- scatter family -------------------------------------------------------------------------

@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_integers_match_torch(reduce, include_self):
    x = np.array([[1, -2, 3, -4], [5, 6, -7, 8]])
    index = np.array([[0, 0, 1], [3, 3, 3]])
    src = np.array([[4, -5, 8], [-9, 2, 7]])
    check(lambda lib, x, i, s: x.scatter_reduce(1, i, s, reduce, include_self=include_self),
          x, index, src)
    check(lambda lib, x, i, s: lib.scatter_reduce(x.double(), 0, i % 2, s.double(), reduce,
                                                  include_self=include_self), x, index, src)


def test_scatter_reduce_with_an_empty_index_copies_the_input():
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=False),
              np.arange(3.0), np.zeros(0, dtype=np.int64), np.zeros(0))


def test_scatter_reduce_inplace_and_errors():
    ours, theirs = both(lambda lib, x, i, s: x.scatter_reduce_(0, i, s, "amax"),
                        np.zeros(3), np.array([2, 2]), np.array([-1.0, -3.0]))
    assert_same(ours, theirs)
    x, index = gr.zeros(3), gr.tensor([0])
    with pytest.raises(RuntimeError, match="scatter_reduce: reduce argument must be one of"):
        gr.scatter_reduce(x, 0, index, gr.ones(1), "median")
    with pytest.raises(RuntimeError, match="scatter_reduce: expected self and source to have "
                                           "the same dtype"):
        gr.scatter_reduce(x, 0, index, gr.ones(1, dtype=gr.float64), "sum")
    with pytest.raises(RuntimeError, match="scatter_reduce: index 3 is out of bounds"):
        gr.scatter_reduce(x, 0, gr.tensor([3]), gr.ones(1), "sum")


@pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_matches_torch(reduce):
    check(lambda lib, x, i, s: (x.index_reduce(1, i, s, reduce),
                                x.index_reduce(1, i, s, reduce, include_self=False)),
          np.arange(1.0, 7.0).reshape(2, 3), np.array([2, 0, 2, 2]),
          np.array([[2.0, -1.0, 3.0, 0.5], [4.0, 5.0, -6.0, 1.0]]))


def test_index_copy_masked_scatter_put_match_torch():
    x = np.arange(12.0).reshape(3, 4)
    check(lambda lib, x, s: x.index_copy(1, lib.tensor([3, 0]), s), x, -np.ones((3, 2)))
    check(lambda lib, x, s: x.clone().index_copy_(0, lib.tensor([1]), s), x, -np.ones((1, 4)))
    mask = np.array([True, False, False, True])
    check(lambda lib, x, s: x.masked_scatter(lib.tensor(mask), s), x, -np.arange(7.0))
    check(lambda lib, x, s: x.clone().masked_scatter_(lib.tensor(mask), s), x, -np.arange(6.0))
    check(lambda lib, x, s: x[0].masked_scatter(lib.tensor(mask).expand(2, 4), s), x,
          -np.arange(6.0))
    check(lambda lib, x, s: (x[0, 0].masked_scatter(lib.tensor(True), s),
                             x[0, 0].masked_scatter(lib.tensor(False), s)), x, -np.arange(2.0))
    check(lambda lib, x, s: (x.put(lib.tensor([-1, 0]), s),
                             x.put(lib.tensor([1, 1]), s, accumulate=True),
                             x.clone().put_(lib.tensor([5, 2]), s)), x, np.array([7.0, 9.0]))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.index_copy(1, gr.tensor([0, 1]), gr.ones(3, 3)), RuntimeError,
     r"index_copy: Number of indices \(2\) should be equal to source.size\(dim\) \(3\)"),
    (lambda x: x.masked_scatter(gr.tensor([True] * 4), gr.ones(11)), RuntimeError,
     r"masked_scatter: Number of elements of source \(11\) < number of ones in mask \(12\)"),
    (lambda x: x.masked_scatter(gr.ones(4), gr.ones(12)), RuntimeError,
     "masked_scatter: only supports boolean masks"),
    (lambda x: x.masked_scatter(gr.ones(2, 4, dtype=gr.bool), gr.ones(12)), RuntimeError,
     r"masked_scatter: mask of shape \[2, 4\] and input of shape \[3, 4\] cannot be broadcast"),
    (lambda x: x.put(gr.tensor([12]), gr.ones(1)), IndexError,
     "put: out of range: tried to access index 12 on a tensor of 12 elements"),
    (lambda x: x.put(gr.tensor([1]), gr.ones(2)), IndexError,
     "put: Expected source and index to have the same number of elements"),
    (lambda x: gr.select_scatter(x, gr.ones(2), 0, 0), RuntimeError,
     r"select_scatter: expected src to have a size equal to the slice of self. src size = \[2\], "
     r"slice size = \[4\]"),
    (lambda x: gr.select_scatter(x, gr.ones(4), 0, 3), IndexError,
     "select_scatter: index 3 out of range"),
    (lambda x: gr.slice_scatter(x, gr.ones(3, 1), 1, 0, 2), RuntimeError,
     r"slice_scatter: expected src to have a size equal to the slice of self. src size = "
     r"\[3, 1\], slice size = \[3, 2\]"),
    (lambda x: gr.diagonal_scatter(x, gr.ones(4), 0), RuntimeError,
     r"diagonal_scatter: expected src .* src size = \[4\], slice size = \[3\]"),
    (lambda x: gr.diagonal_scatter(x, gr.ones(3), 0, 1, 1), RuntimeError,
     "diagonal_scatter: dim1 and dim2 cannot be the same dim"),
    (lambda x: gr.zeros(2, 3, 2).fill_diagonal_(1.0), RuntimeError,
     "fill_diagonal_: all dimensions of input must be of equal length"),
    (lambda x: gr.zeros(3).fill_diagonal_(1.0), RuntimeError,
     "fill_diagonal_: dimensions must larger than 1"),
    (lambda x: x.index_reduce(0, gr.tensor([0]), gr.ones(2, 4), "amax"), RuntimeError,
     r"index_reduce: source of shape \[2, 4\] does not match the expected shape \[1, 4\]"),
    (lambda x: x.index_reduce(0, gr.tensor([0]), gr.ones(1, 4), "sum"), RuntimeError,
     "index_reduce: reduce argument must be one of prod, mean, amax or amin"),
])
def test_scatter_family_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(gr.arange(12.0).reshape(3, 4))


def test_scatters_match_torch():
    x = np.arange(24.0).reshape(2, 3, 4)
    check(lambda lib, x, s: lib.select_scatter(x, s, 1, -1), x, -np.ones((2, 4)))
    check(lambda lib, x, s: x.slice_scatter(s, 2, 1, None, 2), x, -np.ones((2, 3, 2)))
    check(lambda lib, x, s: lib.diagonal_scatter(x, s, -1, 2, 1), x, -np.ones((2, 3)))
    check(lambda lib, x, s: x.diagonal_scatter(s, 4, 0, 2), x, -np.ones((3, 0)))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (3, 3, 3), (4, 4)])
@pytest.mark.parametrize("wrap", [False, True])
def test_fill_diagonal_matches_torch(shape, wrap):
    check(lambda lib, x: x.fill_diagonal_(-1, wrap=wrap), np.zeros(shape, dtype=np.int64))


# ----- products and statistics ----------------------------------------------------------------

def test_product_errors_and_beta_zero_ignores_nan():
    out = gr.addmv(gr.tensor([float("nan")] * 2), gr.ones(2, 3), gr.ones(3), beta=0)
    assert out.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="vdot: 1D tensors expected, but got 2D and 1D"):
        gr.vdot(gr.ones(2, 2), gr.ones(2))
    with pytest.raises(RuntimeError, match="chain_matmul\\(\\): Tensor 1 must have 2 dimensions"):
        gr.chain_matmul(gr.ones(2, 2), gr.ones(2))
    with pytest.raises(RuntimeError, match="tensordot: contracted dimensions need to match, "
                                           "but first has size 3 in dim 1 and second has size "
                                           "2 in dim 0"):
        gr.tensordot(gr.ones(2, 3), gr.ones(2, 3), dims=([1], [0]))
    with pytest.raises(RuntimeError, match="addcdiv: integer division is not supported"):
        gr.addcdiv(gr.ones(2), gr.tensor([1, 2]), gr.tensor([3, 4]))
    with pytest.raises(RuntimeError, match="renorm: input needs at least 2 dimensions"):
        gr.renorm(gr.ones(3), 2, 0, 1.0)
    with pytest.raises(RuntimeError, match="renorm: non-positive-norm not supported"):
        gr.renorm(gr.ones(3, 2), 0, 0, 1.0)


def test_products_match_torch_on_integers():
    check(lambda lib, x, a, b: (lib.addcmul(x, a, a, value=2), x.addr(a[:, 0], a[0]),
                                lib.tensordot(a, b, 1), lib.vdot(a[0], b[:, 0])),
          np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2))


@pytest.mark.parametrize("stat", [
    lambda lib, x, f, a: lib.cov(x),
    lambda lib, x, f, a: x.cov(correction=0, fweights=f),
    lambda lib, x, f, a: lib.cov(x, correction=2, aweights=a),
    lambda lib, x, f, a: lib.cov(x, fweights=f, aweights=a),
    lambda lib, x, f, a: lib.cov(x[0]),
    lambda lib, x, f, a: lib.corrcoef(x),
    lambda lib, x, f, a: lib.corrcoef(x[1]),
    lambda lib, x, f, a: lib.cov(x.long()),
])
def test_cov_corrcoef_match_torch(stat):
    ours, theirs = both(stat, np.array([[1.0, 2.5, -1.0, 4.0], [0.5, 0.0, 3.0, 3.5]]),
                        np.array([1, 2, 0, 3]), np.array([0.5, 1.0, 2.0, 0.25]))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch", "gradiente")
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(to_numpy(ours), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_cov_errors_and_warning():
    with pytest.raises(RuntimeError, match="cov\\(\\): expected input to have two or fewer"):
        gr.cov(gr.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="cov\\(\\): expected fweights to have integral"):
        gr.cov(gr.ones(2, 3), fweights=gr.ones(3))
    with pytest.raises(RuntimeError, match="cov\\(\\): aweights cannot be negative"):
        gr.cov(gr.ones(2, 3), aweights=-gr.ones(3))
    with pytest.warns(RuntimeWarning, match="degrees of freedom is <= 0"):
        assert np.isnan(gr.cov(gr.ones(1)).item())


# ----- element-wise ---------------------------------------------------------------------------

INTS = np.array([-12, -7, 0, 1, 6, 9, 40])
SHIFTS = np.array([0, 1, 3, 63, 70, 2, 5])


@pytest.mark.parametrize("op", [
    lambda lib, x, y: lib.gcd(x, y), lambda lib, x, y: lib.lcm(x, y),
    lambda lib, x, y: x.gcd(y.flip(0)), lambda lib, x, y: lib.bitwise_left_shift(x, y),
    lambda lib, x, y: lib.bitwise_right_shift(x, y), lambda lib, x, y: x << 3,
    lambda lib, x, y: x >> y, lambda lib, x, y: 5 << y.clamp(0, 10), lambda lib, x, y: 300 >> y,
    lambda lib, x, y: x.to(lib.int8) << y.to(lib.int8).clamp(0, 6),
    lambda lib, x, y: x.to(lib.uint8) >> y.to(lib.int16).clamp(0, 6),
    lambda lib, x, y: x.clone().bitwise_left_shift_(2),
    lambda lib, x, y: x.clone().lcm_(y),
])
def test_integer_ops_match_torch(op):
    check(op, INTS, SHIFTS)


def test_shift_assignment_operators_and_float_errors():
    x = gr.tensor([1, 2, -8])
    y = x
    x <<= 2
    x >>= gr.tensor([1, 0, 1])
    assert x is y and x.tolist() == [2, 8, -16]
    for call in (lambda: gr.gcd(gr.ones(2), gr.ones(2)), lambda: gr.ones(2) << 1,
                 lambda: gr.tensor([1]) >> 1.5):
        with pytest.raises(RuntimeError, match="not implemented for '(gradiente.float32|float)' "
                                               "operands, only integer and bool tensors"):
            call()


@pytest.mark.parametrize("op", [
    lambda lib, x: lib.signbit(x), lambda lib, x: x.isneginf(), lambda lib, x: lib.isposinf(x),
    lambda lib, x: x.isreal(), lambda lib, x: lib.angle(x), lambda lib, x: x.deg2rad(),
    lambda lib, x: lib.rad2deg(x), lambda lib, x: x.clone().deg2rad_(),
    lambda lib, x: lib.copysign(x, -1), lambda lib, x: x.copysign(x.flip(0)),
    lambda lib, x: lib.nextafter(x, lib.tensor(0.0, dtype=x.dtype)),
    lambda lib, x: x.clone().nextafter_(x.flip(0)),
    lambda lib, x: lib.ldexp(x, lib.tensor([3])),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floating_elementwise_match_torch(op, dtype):
    x = np.array([-np.inf, -2.5, -0.0, 0.0, 1e-40, 3.0, np.inf, np.nan], dtype=dtype)
    check(op, x)


@pytest.mark.parametrize("op", [
    lambda lib, x: lib.signbit(x), lambda lib, x: lib.isneginf(x), lambda lib, x: x.isposinf(),
    lambda lib, x: lib.angle(x), lambda lib, x: lib.deg2rad(x), lambda lib, x: x.rad2deg(),
    lambda lib, x: lib.copysign(x, x.flip(0)), lambda lib, x: lib.ldexp(x, x),
])
def test_integer_inputs_of_floating_elementwise_match_torch(op):
    check(op, np.array([-3, 0, 2, 5]))


def test_frexp_matches_torch():
    for dtype in (np.float32, np.float64):
        x = np.array([0.0, -0.0, 3.0, -0.5, 1e-310 if dtype == np.float64 else 1e-40, 7e30,
                      np.inf, np.nan], dtype=dtype)
        check(lambda lib, x: tuple(lib.frexp(x)), x)
    with pytest.raises(RuntimeError, match="frexp: only supports floating-point dtypes"):
        gr.frexp(gr.tensor([1]))


def test_float_power_inplace_needs_float64():
    check(lambda lib, x: x.float_power_(2), np.array([1.5, -2.0]))
    with pytest.raises(RuntimeError, match="float_power_: the base given to float_power_ has "
                                           "dtype gradiente.float32"):
        gr.ones(2).float_power_(2)


def test_complex_parts_of_real_tensors():
    x = gr.tensor([1.0, -2.0])
    for same in (x.real, gr.real(x), x.conj(), gr.conj_physical(x), x.resolve_conj(),
                 gr.resolve_neg(x), x.conj_physical_()):
        assert same is x
    assert not x.is_conj() and not gr.is_neg(x)
    for call in (lambda: x.imag, lambda: gr.imag(x)):
        with pytest.raises(RuntimeError, match="imag: not implemented for tensors with "
                                               "non-complex dtypes"):
            call()


def test_copysign_and_angle_gradients_as_torch():
    values = np.array([-2.0, -0.0, 0.0, 3.0])
    grads = []
    for lib in (gr, torch):
        x = lib.tensor(values, requires_grad=True)
        y = lib.tensor([1.0, -1.0, -1.0, -2.0])
        (lib.copysign(x, y) * lib.arange(1.0, 5.0)).sum().backward()
        g1 = x.grad.clone()
        x.grad = None
        lib.angle(x).sum().backward()
        grads.append((g1, x.grad))
    assert_same(*grads)


# ----- histogram, unique_consecutive ----------------------------------------------------------

DATA = np.array([0.3, -1.2, 2.5, 2.5, 0.0, 1.7, -0.4, 3.9, 1.1], dtype=np.float32)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.histogram(x, 4),
    lambda lib, x: x.histogram(5, range=(-1.0, 2.0)),
    lambda lib, x: lib.histogram(x, 3, weight=x.abs(), density=True),
    lambda lib, x: lib.histogram(x, lib.tensor([-2.0, 0.0, 0.5, 3.0], dtype=x.dtype)),
    lambda lib, x: lib.histogram(x[2:4], 3),
    lambda lib, x: lib.histogram(x.double(), 7, density=True),
])
def test_histogram_matches_torch(call):
    ours, theirs = both(call, DATA)
    assert_same(ours.bin_edges, theirs.bin_edges)
    assert str(ours.hist.dtype) == str(theirs.hist.dtype).replace("torch", "gradiente")
    np.testing.assert_allclose(to_numpy(ours.hist), theirs.hist.numpy(), rtol=1e-6)


def test_histogram_errors():
    with pytest.raises(RuntimeError, match="histogram: not implemented for gradiente.int64"):
        gr.histogram(gr.tensor([1, 2]), 3)
    with pytest.raises(RuntimeError, match="histogram: min should not exceed max"):
        gr.histogram(gr.ones(3), 3, range=(2.0, 1.0))
    with pytest.raises(RuntimeError, match="histogram: bins must be > 0"):
        gr.histogram(gr.ones(3), 0)


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True, "dim": 0},
                                    {"return_inverse": True, "return_counts": True, "dim": 1}])
def test_unique_consecutive_matches_torch(kwargs):
    check(lambda lib, x: lib.unique_consecutive(x, **kwargs),
          np.array([[1, 1, 2], [1, 1, 2], [3, 1, 2], [3, 1, 2]]))
    check(lambda lib, x: x.unique_consecutive(**kwargs),
          np.array([[1.0, 1.0], [2.0, 2.0], [2.0, 2.0]]))


# ----- vmap -----------------------------------------------------------------------------------

def test_vmap_of_the_new_operations():
    rng = np.random.default_rng(0)
    x = gr.tensor(rng.normal(size=(3, 2, 4)))
    src = gr.tensor(rng.normal(size=(3, 2, 3)))
    index = gr.tensor(np.array([[[0, 0, 3], [2, 2, 2]]] * 3))
    cases = [
        (lambda x, s, i: gr.scatter_reduce(x, 1, i, s, "amax"), (0, 0, 0)),
        (lambda x, s, i: gr.scatter_reduce(x, -1, i[0], s, "prod", include_self=False),
         (0, 0, None)),
        (lambda x, s, i: gr.copysign(x, s[..., :1]) + gr.nextafter(x, s[..., :1]), (0, 0, None)),
        (lambda x, s, i: x.unfold(-1, 2, 1), (0, None, None)),
        (lambda x, s, i: gr.diagonal_scatter(x, s[0, :2], 1), (0, 0, None)),
        (lambda x, s, i: x.index_copy(1, gr.tensor([3, 1, 0]), s), (0, 0, None)),
    ]
    for fn, in_dims in cases:
        args = (x, src, index)
        got = vmap(fn, in_dims=in_dims)(*args)
        expected = [fn(*[a if d is None else a[k] for a, d in zip(args, in_dims)])
                    for k in range(3)]
        np.testing.assert_allclose(got.array, np.stack([e.array for e in expected]), rtol=0,
                                   atol=1e-14)


def test_chain_matmul_single_matrix_is_a_copy():
    a = gr.ones(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = gr.chain_matmul(a)
    assert out is not a and out.tolist() == a.tolist()
