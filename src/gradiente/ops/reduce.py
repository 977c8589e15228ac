"""Reductions: sum, mean and the others along ``dim`` (int, tuple or None) with ``keepdim``.

``sum_to_shape`` is the one place broadcasting is undone: the engine calls it on every
gradient whose shape differs from its input's.

Non-differentiable here: argmax, argmin, all, any, count_nonzero, bincount, histc (integer or
bool results, or counts).
"""

import builtins
import math
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..autograd.function import Function, batch_rule
from ..tensor import Tensor, _check_dim
from .elementwise import _floating, isnan, lerp, maximum, minimum, where
from .indexing import gather, sort
from .movement import movedim

__all__ = ["sum", "mean", "sum_to_shape", "normalize_dims", "prod", "max", "min", "amax",
           "amin", "argmax", "argmin", "var", "std", "var_mean", "std_mean", "norm",
           "logsumexp", "cumsum", "cumprod", "all", "any", "count_nonzero", "median",
           "nansum", "nanmean", "quantile", "nanquantile", "mode", "nanmedian", "aminmax",
           "cummax", "cummin", "logcumsumexp", "bincount", "histc"]

# torch.return_types.max and its kin: (values, indices) named tuples
_VALUES_INDICES = {name: namedtuple(name, ("values", "indices")) for name in (
    "max", "min", "median", "nanmedian", "mode", "cummax", "cummin")}
_aminmax_result = namedtuple("aminmax", ("min", "max"))


def normalize_dims(op, dim, ndim):
    """``dim`` as a sorted tuple of non-negative axes (all axes for None)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = tuple(sorted(_check_dim(op, int(d), ndim) if ndim else 0 for d in dims))
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    return axes if ndim else ()


def _restore_dims(g, axes, keepdim, ndim):
    """Put back the reduced axes of ``g`` as size-1 dims, so it broadcasts against the input."""
    if keepdim or not axes or g.ndim == ndim:
        return g
    shape = list(g.shape)
    for axis in axes:
        shape.insert(axis, 1)
    return g.reshape(shape)


def _setup(ctx, op, x, dim, keepdim):
    """Record the reduced axes and the input's shape on ``ctx``; return the input's array."""
    a = x.array
    ctx.axes = normalize_dims(op, dim, a.ndim)
    ctx.keepdim, ctx.shape_in = keepdim, a.shape
    return a


def _restored(ctx, t):
    """``t`` (a result or its gradient) with the reduced axes back as size-1 dims."""
    return _restore_dims(t, ctx.axes, ctx.keepdim, len(ctx.shape_in))


def _reduced_count(shape, axes):
    return math.prod(shape[i] for i in axes)


def _require_floating(op, x):
    if x.array.dtype.kind != "f":
        raise RuntimeError(f"{op}: input dtype must be floating point, got {x.dtype}")


def _const(array):
    return Tensor._make(array)


# ----- sum, mean, prod ------------------------------------------------------------------------

class Sum(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, np_dtype):
        """out = Σ x over dim"""
        a = _setup(ctx, "sum", x, dim, keepdim)
        if np_dtype is None and a.dtype.kind in "bui":
            np_dtype = np.int64
        return np.sum(a, axis=ctx.axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        """dx = g broadcast back over the summed dims"""
        return np.broadcast_to(_restored(ctx, g), ctx.shape_in), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return dx.sum(ctx.axes, keepdim=ctx.keepdim)


class Mean(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        """out = Σ x / n over dim"""
        if x.array.dtype.kind != "f":
            raise RuntimeError(f"mean: could not infer output dtype; input dtype must be "
                               f"floating point, got {x.dtype}")
        a = _setup(ctx, "mean", x, dim, keepdim)
        ctx.count = _reduced_count(a.shape, ctx.axes)
        # the 0/0 of an empty mean happens inside NumPy's own code, which the module-scoped
        # warnings filter (ops/__init__.py) does not cover
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.mean(a, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        """dx = g / n broadcast back over the averaged dims"""
        return np.broadcast_to(_restored(ctx, g) / ctx.count, ctx.shape_in), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return dx.mean(ctx.axes, keepdim=ctx.keepdim)


class Prod(Function):
    saves_output = True
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, np_dtype):
        """out = Π x over dim"""
        ctx.save_for_backward(x)
        a = _setup(ctx, "prod", x, dim, keepdim)
        if np_dtype is None and a.dtype.kind in "bui":
            np_dtype = np.int64
        return np.prod(a, axis=ctx.axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        """dx_i = g * Π_{j≠i} x_j"""
        return _restored(ctx, g) * _prod_of_others(ctx), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return (dx * _prod_of_others(ctx)).sum(ctx.axes, keepdim=ctx.keepdim)


def _prod_of_others(ctx):
    """Π_{j≠i} x_j for every i: out / x where x != 0, never dividing by a zero."""
    (x,) = ctx.saved_tensors
    out = _restored(ctx, ctx.output)
    zero = np.asarray(x) == 0
    if not zero.any():
        return out / x
    # out / x is exact (also as a function, for second derivatives) wherever x != 0. At a zero
    # it is the product of the non-zeros when it is its slice's only zero; with two zeros, that
    # product times the other zero (0, but its derivative is what second derivatives need);
    # with more, 0 (every first and second derivative of it is 0 too).
    zeros_per_slice = np.sum(zero, axis=ctx.axes, keepdims=True)
    x_safe = np.where(zero, 1.0, x)
    nonzero_prod = Prod.map(x_safe, ctx.axes, True, None)
    other_zero = Sum.map(np.where(zero, x, 0.0), ctx.axes, True, None) - x
    at_zero = np.where(zeros_per_slice == 1, nonzero_prod,
                       np.where(zeros_per_slice == 2, nonzero_prod * other_zero, 0.0))
    return np.where(zero, at_zero, out / x_safe)


class SumToShape(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, shape):
        """out = x summed over the dims that broadcasting added or stretched"""
        ctx.shape_in, ctx.shape_out = x.array.shape, shape
        return sum_to_shape_array(x.array, shape)

    @staticmethod
    def backward(ctx, g):
        """dx = g broadcast back"""
        return np.broadcast_to(g, ctx.shape_in), None

    @staticmethod
    def jvp(ctx, dx, _):
        return sum_to_shape(dx, ctx.shape_out)


def sum_to_shape_array(a, shape):
    """The array ``a`` summed down to ``shape`` (also used by the engine on plain arrays)."""
    lead = a.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"sum_to_shape: {a.shape} has fewer dims than {shape}")
    if builtins.any(n != 1 and a.shape[lead + i] != n for i, n in enumerate(shape)):
        raise ValueError(f"sum_to_shape: {a.shape} does not broadcast from {shape}")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1)
    out = np.sum(a, axis=axes, keepdims=True) if axes else a
    return out.reshape(shape)


def sum_to_shape(x, shape):
    """Sum ``x`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``x.shape``."""
    if x.array.shape == tuple(shape):
        return x
    return SumToShape.apply(x, tuple(shape))


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of elements, over all of them or along ``dim``; bools and ints sum to int64.

    >>> import gradiente as gr
    >>> gr.tensor([[1., 2.], [3., 4.]]).sum(1)
    tensor([3., 7.])
    """
    np_dtype = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    if dim == () or dim == []:  # PyTorch reduces over all dims for an empty dim list
        dim = None
    return Sum.apply(input, dim, keepdim, np_dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if dim == () or dim == []:
        dim = None
    return Mean.apply(input, dim, keepdim)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as zero."""
    return sum(where(isnan(input), 0, input), dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over the non-NaN elements."""
    count = sum(~isnan(input), dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of elements; its gradient is exact with zeros in the input.

    >>> import gradiente as gr
    >>> gr.tensor([[1., 2.], [3., 4.]]).prod(0)
    tensor([3., 8.])
    """
    np_dtype = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    return Prod.apply(input, dim, keepdim, np_dtype)


# ----- max, min and their indices -------------------------------------------------------------

class Amax(Function):
    numpy_rules = True
    saves_output = True
    array_op = staticmethod(np.amax)
    name = "amax"

    @staticmethod
    def forward(ctx, x, dim, keepdim, nan_shares=False):
        """out = max x over dim"""
        ctx.save_for_backward(x)
        ctx.nan_shares = nan_shares
        a = _setup(ctx, ctx.fn.name, x, dim, keepdim)
        _check_nonempty(ctx.fn.name, a, ctx.axes)
        return ctx.fn.array_op(a, axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        """dx = g / (number of ties) at the elements equal to the result, 0 elsewhere"""
        return _restored(ctx, g) * _tie_share(ctx), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return (dx * _tie_share(ctx)).sum(ctx.axes, keepdim=ctx.keepdim)


class Amin(Amax):
    array_op = staticmethod(np.amin)
    name = "amin"


def _tie_share(ctx):
    (x,) = ctx.saved_tensors
    out = _restored(ctx, np.asarray(ctx.output))
    return _share_among(np.asarray(x), out, ctx.axes, ctx.nan_shares)


def _share_among(a, out, axes, nan_shares=True):
    """1/k at the k elements of ``a`` equal to ``out``, else 0, as an array (a constant to
    both kinds of rules). A NaN result is shared by the NaNs when ``nan_shares`` (PyTorch's
    max(), median()), else its gradient is NaN (amax)."""
    # ties share the gradient equally, as PyTorch's amax/amin, max(), median() and inf-norm do
    hit = a == out
    if nan_shares:
        hit |= np.isnan(a) & np.isnan(out)
    share = hit / np.sum(hit, axis=axes, keepdims=True)
    return share.astype(a.dtype, copy=False)


def _check_nonempty(op, a, axes):
    if builtins.any(a.shape[i] == 0 for i in axes) or (a.size == 0 and not axes):
        raise IndexError(f"{op}: expected reduction dims {list(axes)} to have non-zero size, "
                         f"got input of shape {tuple(a.shape)}")


class SelectByIndex(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, index, dim, keepdim):
        """out = x at ``index`` (an integer array with dim kept as size 1) along dim"""
        a = x.array
        ctx.index, ctx.dim, ctx.keepdim, ctx.shape_in = index, dim, keepdim, a.shape
        if a.ndim == 0:
            return a
        out = np.take_along_axis(a, index, axis=dim)
        return out if keepdim else np.squeeze(out, axis=dim)

    @staticmethod
    def backward(ctx, g):
        """dx = g at the selected positions, 0 elsewhere"""
        if len(ctx.shape_in) == 0:
            return g, None, None, None
        g = _restore_dims(g, (ctx.dim,), ctx.keepdim, len(ctx.shape_in))
        positions = np.arange(ctx.shape_in[ctx.dim]).reshape(
            [-1 if i == ctx.dim else 1 for i in range(len(ctx.shape_in))])
        return np.where(positions == ctx.index, g, 0.0), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return SelectByIndex.apply(dx, ctx.index, ctx.dim, ctx.keepdim)


def _values_indices(name, input, dim, keepdim, index):
    """The named tuple (values, indices) of ``max(dim=)`` and kin, from ``index`` (keepdim)."""
    a = input.array
    values = SelectByIndex.apply(input, index, dim, keepdim)
    if a.ndim and not keepdim:
        index = np.squeeze(index, axis=dim)
    return _VALUES_INDICES[name](values, _const(np.asarray(index, dtype=np.int64)))


def _arg_extreme(name, array_op, input, dim, keepdim):
    """argmax/argmin along one dim (kept as size 1), as an int64 array."""
    a = input.array
    if a.ndim == 0:
        return np.zeros((), dtype=np.int64)
    axis = _check_dim(name, dim, a.ndim)
    if a.shape[axis] == 0:
        raise IndexError(f"{name}: expected reduction dim {dim} to have non-zero size, got "
                         f"input of shape {tuple(a.shape)}")
    return array_op(a, axis=axis, keepdims=True)


def _max_min(name, array_op, fallback, extreme, input, dim, keepdim):
    if isinstance(dim, Tensor):  # max(input, other): the element-wise maximum
        return fallback(input, dim)
    if dim is None:
        return extreme.apply(input, None, False, True)
    axis = _check_dim(name, dim, input.array.ndim) if input.array.ndim else 0
    index = _arg_extreme(name, array_op, input, dim, True)
    return _values_indices(name, input, axis, keepdim, index)


@batch_rule
def max(input, dim=None, keepdim=False):
    """``max(x)``: the largest element; ``max(x, dim)``: (values, indices) along dim;
    ``max(x, other)``: the element-wise maximum. Ties of ``max(x)`` share the gradient equally.

    >>> import gradiente as gr
    >>> gr.tensor([[1., 5.], [3., 2.]]).max(dim=1)
    max(values=tensor([5., 3.]), indices=tensor([1, 0]))
    """
    return _max_min("max", np.argmax, maximum, Amax, input, dim, keepdim)


@batch_rule
def min(input, dim=None, keepdim=False):
    """``min(x)``, ``min(x, dim)`` -> (values, indices), or ``min(x, other)``; see ``max``."""
    return _max_min("min", np.argmin, minimum, Amin, input, dim, keepdim)


def amax(input, dim=(), keepdim=False):
    """The largest elements over ``dim`` (all dims for () or None); ties share the gradient."""
    return Amax.apply(input, None if dim == () else dim, keepdim, False)


def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, None if dim == () else dim, keepdim, False)


def _arg(name, array_op, input, dim, keepdim):
    if dim is not None:
        index = _arg_extreme(name, array_op, input, dim, keepdim)
        if not keepdim and index.ndim:
            index = np.squeeze(index, axis=_check_dim(name, dim, input.array.ndim))
        return _const(index)
    a = input.array
    if a.size == 0:
        raise RuntimeError(f"{name}: expected a non-empty tensor, got shape {tuple(a.shape)}")
    index = np.asarray(array_op(a.reshape(-1)), dtype=np.int64)
    return _const(index.reshape((1,) * a.ndim) if keepdim else index)


@batch_rule
def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (of the flattened input when dim is None); first on ties."""
    return _arg("argmax", np.argmax, input, dim, keepdim)


@batch_rule
def argmin(input, dim=None, keepdim=False):
    return _arg("argmin", np.argmin, input, dim, keepdim)


class Median(Amax):
    name = "median"

    @staticmethod
    def array_op(a, axis, keepdims):
        """the lower median of all elements (NaN if there is one)"""
        flat = a.reshape(-1)
        return flat[_median_index("median", flat, 0)].reshape((1,) * a.ndim if keepdims else ())


@batch_rule
def median(input, dim=None, keepdim=False):
    """The lower median: of all elements (ties share the gradient), or (values, indices) along
    ``dim`` (the gradient goes to the index).

    >>> import gradiente as gr
    >>> gr.tensor([3., 1., 4., 2.]).median()
    tensor(2.)
    """
    a = input.array
    if dim is None:
        return Median.apply(input, None, False, True)
    axis = _check_dim("median", dim, a.ndim) if a.ndim else 0
    index = _median_index("median", a, axis) if a.ndim else np.zeros((), dtype=np.int64)
    return _values_indices("median", input, axis, keepdim, index)


def _median_index(op, a, axis):
    """Index along ``axis`` of the lower median of each slice (of the first NaN, if any)."""
    n = a.shape[axis]
    if n == 0:
        raise IndexError(f"{op}: expected reduction dim {axis} to have non-zero size, got "
                         f"input of shape {tuple(a.shape)}")
    order = np.argsort(a, axis=axis, kind="stable")
    index = np.take(order, [(n - 1) // 2], axis=axis)
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        has_nan = nan.any(axis=axis, keepdims=True)
        index = np.where(has_nan, np.argmax(nan, axis=axis, keepdims=True), index)
    return index


# ----- variance, norms, log-sum-exp -----------------------------------------------------------

class Var(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        """out = Σ (x - mean)² / (n - correction) over dim"""
        _require_floating("var", x)
        ctx.save_for_backward(x)
        a = _setup(ctx, "var", x, dim, keepdim)
        n = ctx.count = _reduced_count(a.shape, ctx.axes)
        ctx.divisor = n - correction if n > correction else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):  # inside NumPy's code, as mean
            return np.var(a, axis=ctx.axes, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        """dx = g * 2 (x - mean) / (n - correction)"""
        return _restored(ctx, g) * _var_derivative(ctx), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return (dx * _var_derivative(ctx)).sum(ctx.axes, keepdim=ctx.keepdim)


def _var_derivative(ctx):
    """d var / dx = 2 (x - mean) / (n - correction), shaped like x."""
    (x,) = ctx.saved_tensors
    centered = x - _restore_dims(x.sum(ctx.axes), ctx.axes, False, x.ndim) / ctx.count
    if ctx.divisor == 0:
        return centered * math.inf
    return centered * (2.0 / ctx.divisor)


def _correction(op, unbiased, correction):
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{op}: pass either unbiased or correction, not both")
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _var_args(op, dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, unbiased): PyTorch's legacy overload
        dim, unbiased = None, dim
    if dim == () or dim == []:  # PyTorch reduces over all dims for an empty dim list
        dim = None
    return dim, _correction(op, unbiased, correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default; ``unbiased=False``: 0).

    >>> import gradiente as gr
    >>> gr.tensor([1., 2., 3., 4.]).var()
    tensor(1.6667)
    """
    dim, correction = _var_args("var", dim, unbiased, correction)
    return Var.apply(input, dim, correction, keepdim)


class Std(Var):
    saves_output = True

    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        """out = sqrt(var x)"""
        return np.sqrt(Var.forward(ctx, x, dim, correction, keepdim))

    @staticmethod
    def backward(ctx, g):
        """dx = g * (x - mean) / ((n - correction) * out), 0 where out = 0"""
        return _restored(ctx, g) * _std_derivative(ctx), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return (dx * _std_derivative(ctx)).sum(ctx.axes, keepdim=ctx.keepdim)


def _std_derivative(ctx):
    out = _restored(ctx, ctx.output)
    # a constant slice has std 0 and a kink there: its subgradient 0, as PyTorch's
    vanishes = out == 0
    return np.where(vanishes, 0.0, _var_derivative(ctx) / (2 * np.where(vanishes, 1.0, out)))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim``, with the arguments of ``var``; its gradient is 0 where
    it is 0."""
    dim, correction = _var_args("std", dim, unbiased, correction)
    return Std.apply(input, dim, correction, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over ``dim``."""
    dim, correction = _var_args("var_mean", dim, unbiased, correction)
    return Var.apply(input, dim, correction, keepdim), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over ``dim``."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


class Norm(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, p, dim, keepdim):
        """out = (Σ |x|^p)^(1/p) over dim; max |x| for p = inf, min |x| for -inf"""
        if x.array.dtype.kind != "f":
            raise RuntimeError(f"norm: input dtype should be floating point, got {x.dtype}")
        ctx.save_for_backward(x)
        ctx.p = p
        a = _setup(ctx, "norm", x, dim, keepdim)
        axes = ctx.axes
        magnitude = np.abs(a)
        if p == 2:
            return np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
        if p == 1:
            return np.sum(magnitude, axis=axes, keepdims=keepdim)
        if p == math.inf:
            return np.amax(magnitude, axis=axes, keepdims=keepdim, initial=0.0)
        if p == -math.inf:
            _check_nonempty("norm", a, axes)
            return np.amin(magnitude, axis=axes, keepdims=keepdim)
        if p == 0:
            return np.sum(a != 0, axis=axes, keepdims=keepdim).astype(a.dtype)
        return np.sum(magnitude ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)

    @staticmethod
    def backward(ctx, g):
        """dx = g * x / out for p = 2 (0 where out = 0); g * sign(x) * |x|^(p-1) / out^(p-1)"""
        return _restored(ctx, g) * _norm_derivative(ctx), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return (dx * _norm_derivative(ctx)).sum(ctx.axes, keepdim=ctx.keepdim)


def _norm_derivative(ctx):
    """d out / dx, shaped like x."""
    (x,) = ctx.saved_tensors
    p = ctx.p
    out = _restored(ctx, ctx.output)
    if p == 0:
        return x * 0.0
    if p == 1:
        return np.sign(x)
    if math.isinf(p):
        return np.sign(x) * _share_among(np.abs(np.asarray(x)), np.asarray(out), ctx.axes)
    # where out == 0 the norm has a kink: its subgradient 0 is taken, as PyTorch does
    vanishes = out == 0
    safe_out = np.where(vanishes, 1.0, out)
    if p == 2:
        return x / safe_out
    magnitude = np.abs(x) ** (p - 1)
    if p < 1:
        magnitude = np.where(x == 0, 0.0, magnitude)
    return np.where(vanishes, 0.0, np.sign(x) * magnitude / safe_out ** (p - 1))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of ``input`` flattened, or over ``dim``: p = 2 ('fro'), 1, inf, -inf, 0, any
    positive number. The gradient at a zero vector is 0.

    >>> import gradiente as gr
    >>> gr.tensor([3., 4.]).norm()
    tensor(5.)
    """
    if dtype is not None:
        input = input.to(dtype)
    if p == "fro" or p is None:
        p = 2
    elif isinstance(p, str):
        raise RuntimeError(f"norm: p={p!r} is not supported; use a number, inf or 'fro'")
    if isinstance(dim, int):
        dim = (dim,)
    elif dim == () or dim == []:  # PyTorch reduces over all dims for an empty dim list
        dim = None
    return Norm.apply(input, float(p), dim, keepdim)


class Logsumexp(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        """out = m + log Σ exp(x - m) over dim, with m = max x"""
        ctx.save_for_backward(x)
        a = _floating(x.array)
        _setup(ctx, "logsumexp", x, dim, keepdim)
        if a.size == 0:
            return np.log(np.sum(np.exp(a), axis=ctx.axes, keepdims=keepdim))
        # the max is subtracted so that exp never overflows; infinite maxima are left out
        m = np.amax(a, axis=ctx.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0).astype(a.dtype, copy=False)
        out = np.log(np.sum(np.exp(a - m), axis=ctx.axes, keepdims=True)) + m
        return out if keepdim else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx, g):
        """dx = g * exp(x - out), the softmax of x over dim"""
        return _restored(ctx, g) * _logsumexp_derivative(ctx), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return (dx * _logsumexp_derivative(ctx)).sum(ctx.axes, keepdim=ctx.keepdim)


def _logsumexp_derivative(ctx):
    (x,) = ctx.saved_tensors
    return np.exp(x - _restored(ctx, ctx.output))


def logsumexp(input, dim=None, keepdim=False):
    """log Σ exp(input) over ``dim``, computed without overflow.

    >>> import gradiente as gr
    >>> gr.tensor([1000., 1000.]).logsumexp(0)
    tensor(1000.6931)
    """
    return Logsumexp.apply(input, dim, keepdim)


# ----- cumulative sums and products -----------------------------------------------------------

class Cumsum(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dim, np_dtype):
        """out_i = Σ_{k≤i} x_k along dim"""
        a = x.array
        ctx.dim = _cumulative_axis("cumsum", a, dim)
        if np_dtype is None and a.dtype.kind in "bui":
            np_dtype = np.int64
        if a.ndim == 0:
            return a.astype(np_dtype or a.dtype)
        return np.cumsum(a, axis=ctx.dim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        """dx_k = Σ_{i≥k} g_i: the cumulative sum in the other direction"""
        return _reverse_cumsum(g, ctx.dim), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return Cumsum.apply(dx, ctx.dim, None)


def _reverse_cumsum(g, axis):
    """Σ_{i≥k} g_i along axis (g itself when 0-d)."""
    if g.ndim == 0:
        return g
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def _cumulative_axis(op, a, dim):
    if dim is None:
        raise TypeError(f"{op}: missing the required argument 'dim'")
    return _check_dim(op, dim, a.ndim)


class Cumprod(Function):
    saves_output = True
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dim, np_dtype):
        """out_i = Π_{k≤i} x_k along dim"""
        ctx.save_for_backward(x)
        a = x.array
        ctx.dim = _cumulative_axis("cumprod", a, dim)
        if np_dtype is None and a.dtype.kind in "bui":
            np_dtype = np.int64
        if a.ndim == 0:
            return a.astype(np_dtype or a.dtype)
        return np.cumprod(a, axis=ctx.dim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        """dx_k = Σ_{i≥k} g_i Π_{j≤i, j≠k} x_j = (Σ_{i≥k} g_i out_i) / x_k where x_k != 0"""
        (x,) = ctx.saved_tensors
        out = ctx.output
        if x.ndim == 0:
            return g, None, None
        zero = np.asarray(x) == 0
        if not zero.any():
            return _reverse_cumsum(g * out, ctx.dim) / x, None, None
        first, positions, at_first = _first_zero(zero, ctx.dim)
        x_safe = np.where(zero, 1.0, x)
        # exact wherever x != 0: out / x_k is the product without x_k even past a zero
        grad = _reverse_cumsum(g * out, ctx.dim) / x_safe
        # at a slice's first zero z: Π_{k<z} x_k · Σ_{i≥z} g_i Π_{z<k≤i} x_k
        at_zero = _at_zero(x, g, first, positions, ctx.dim)
        # at its second zero z': the same with x_z as a factor of the left product; 0, but its
        # derivative in x_z is not (at later zeros every derivative is 0 too)
        second, _, at_second = _first_zero(zero & (positions > first), ctx.dim)
        x_first = Sum.map(np.where(at_first, x, 0.0), (ctx.dim,), True, None)
        at_second_zero = x_first * _at_zero(x, g, second, positions, ctx.dim, skip=first)
        return np.where(zero, np.where(at_first, at_zero, np.where(at_second, at_second_zero,
                                                                   0.0)), grad), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        (x,) = ctx.saved_tensors
        out = ctx.output
        if x.ndim == 0:
            return dx
        zero = x.array == 0
        if not zero.any():
            return out * Cumsum.apply(dx / x, ctx.dim, None)
        first, positions, at_first = _first_zero(zero, ctx.dim)
        before = out * Cumsum.apply(dx / np.where(zero, 1.0, x), ctx.dim, None)
        # from the first zero z on, only x_z's tangent moves the product
        left, right = _around_first_zero(x, first, positions, ctx.dim)
        dx_at_first = Sum.map(np.where(at_first, dx, 0.0), (ctx.dim,), True, None)
        return np.where(positions < first, before, dx_at_first * left * right)


def _first_zero(zero, axis):
    """Index z of each slice's first zero (n if none), positions along axis, mask of z."""
    n = zero.shape[axis]
    first = np.where(zero.any(axis=axis, keepdims=True),
                     np.argmax(zero, axis=axis, keepdims=True), n)
    positions = np.arange(n).reshape([-1 if i == axis else 1 for i in range(zero.ndim)])
    return first, positions, positions == first


def _around_first_zero(x, first, positions, axis, skip=None):
    """Π_{k<z} x_k (keepdim; k = skip left out) and, for i ≥ z, Π_{z<k≤i} x_k."""
    kept = positions < first if skip is None else (positions < first) & (positions != skip)
    left = Prod.map(np.where(kept, x, 1.0), (axis,), True, None)
    right = np.where(positions <= first, 1.0, x).cumprod(axis)
    return left, right


def _at_zero(x, g, z, positions, axis, skip=None):
    """Σ_{i≥z} g_i Π_{k≤i, k≠z} x_k (k = skip left out too): cumprod's adjoint at a zero z."""
    left, right = _around_first_zero(x, z, positions, axis, skip)
    return left * Sum.map(np.where(positions >= z, g * right, 0.0), (axis,), True, None)


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``.

    >>> import gradiente as gr
    >>> gr.tensor([1., 2., 3.]).cumsum(0)
    tensor([1., 3., 6.])
    """
    np_dtype = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    return Cumsum.apply(input, dim, np_dtype)


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``; its gradient is exact with zeros in the input."""
    np_dtype = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    return Cumprod.apply(input, dim, np_dtype)


# ----- logical reductions: no gradient --------------------------------------------------------

def _logical(op, array_op, input, dim, keepdim):
    a = input.array
    axes = None if dim is None else normalize_dims(op, dim, a.ndim)
    return _const(np.asarray(array_op(a, axis=axes, keepdims=keepdim)))


def all(input, dim=None, keepdim=False):
    """True where every element (over ``dim``) is non-zero."""
    return _logical("all", np.all, input, dim, keepdim)


def any(input, dim=None, keepdim=False):
    """True where some element (over ``dim``) is non-zero."""
    return _logical("any", np.any, input, dim, keepdim)


def count_nonzero(input, dim=None):
    """Number of non-zero elements (over ``dim``), as int64."""
    a = input.array
    axes = None if dim is None else normalize_dims("count_nonzero", dim, a.ndim)
    return _const(np.asarray(np.count_nonzero(a, axis=axes), dtype=np.int64))




# ----- order statistics: quantiles, mode, nanmedian, aminmax ----------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")
_RANK_ROUNDING = {"lower": "floor", "higher": "ceil", "nearest": "round"}


@batch_rule
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-quantiles over ``dim`` (all elements for None): the sorted values at rank
    r = q (n - 1), between the neighbours floor(r) and ceil(r) by ``interpolation``; NaN for a
    slice with a NaN. A 1-D q adds a leading dim. Differentiable in input and (linear) q."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


@batch_rule
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` of the non-NaN elements (n their count); NaN for a slice of NaNs only."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


def _quantile_q(op, q, input):
    """q as a 1-D tensor of the input's dtype, checked to lie in [0, 1]."""
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{op}: q must be in the range [0, 1] but got {q}")
        return Tensor._make(np.full(1, q, dtype=input.array.dtype))
    if q.ndim > 1:
        raise RuntimeError(f"{op}: q must be a scalar or 1D tensor, got shape {tuple(q.shape)}")
    if q.dtype != input.dtype:
        raise RuntimeError(f"{op}: q tensor must be same dtype as the input tensor, got "
                           f"{q.dtype} and {input.dtype}")
    values = q.array
    if not ((values >= 0) & (values <= 1)).all():
        raise RuntimeError(f"{op}: q values must be in the range [0, 1], got "
                           f"{values.tolist()}")
    return q.reshape(-1)


def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):
    a = input.array
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{op}: input tensor must be either float or double dtype, got "
                           f"{input.dtype}")
    if a.size == 0:
        raise RuntimeError(f"{op}: input tensor must be non-empty, got shape {tuple(a.shape)}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}: interpolation must be one of linear, lower, higher, midpoint "
                           f"or nearest, but got {interpolation}")
    qs = _quantile_q(op, q, input)
    axis = None if dim is None else _check_dim(op, dim, a.ndim)
    if a.ndim == 0:
        axis = None
    x = input.reshape(-1) if axis is None else movedim(input, axis, -1)
    ordered = sort(x, -1).values  # NaNs sort last
    n = ordered.shape[-1]
    if ignore_nan:
        count = (~isnan(ordered)).sum(-1, keepdim=True)
        ranks = qs * (count - 1)
        ranks = where(ranks < 0, 0.0, ranks)  # a slice of NaNs only: its first NaN
    else:
        has_nan = isnan(ordered.narrow(-1, n - 1, 1))
        ranks = where(has_nan, float(n - 1), qs * (n - 1))
    if interpolation in _RANK_ROUNDING:  # round halves to even, as torch.round
        ranks = getattr(ranks, _RANK_ROUNDING[interpolation])()
    below = gather(ordered, -1, ranks.floor().long())
    out = below
    if interpolation in ("linear", "midpoint"):
        above = gather(ordered, -1, ranks.ceil().long())
        weights = ranks - ranks.floor() if interpolation == "linear" else 0.5
        out = lerp(below, above, weights)
    out = movedim(out, -1, 0)
    if keepdim:
        out = (out.reshape((-1,) + (1,) * a.ndim) if axis is None
               else out.unsqueeze(axis + 1))
    scalar_q = not isinstance(q, Tensor) or q.ndim == 0
    return out.squeeze(0) if scalar_q else out


@batch_rule
def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along ``dim`` (the smallest of equally
    frequent ones) and its last position; the gradient goes to that position."""
    a = input.array
    axis = _check_dim("mode", dim, a.ndim)
    if a.ndim == 0:
        return _values_indices("mode", input, 0, keepdim, np.zeros((), dtype=np.int64))
    if a.shape[axis] == 0:
        raise IndexError(f"mode: expected reduction dim {axis} to have non-zero size, got "
                         f"input of shape {tuple(a.shape)}")
    moved = np.moveaxis(a, axis, -1)
    order = np.argsort(moved, axis=-1, kind="stable")
    ordered = np.take_along_axis(moved, order, -1)
    positions = np.arange(moved.shape[-1])
    # each NaN is a run of its own, as in PyTorch (NaN != NaN)
    starts = np.concatenate([np.ones_like(ordered[..., :1], dtype=bool),
                             ordered[..., 1:] != ordered[..., :-1]], -1)
    run_length = positions - np.maximum.accumulate(np.where(starts, positions, 0), -1) + 1
    last_of_mode = np.argmax(run_length, axis=-1)[..., None]  # the first longest run ends here
    index = np.moveaxis(np.take_along_axis(order, last_of_mode, -1), -1, axis)
    return _values_indices("mode", input, axis, keepdim, index)


@batch_rule
def nanmedian(input, dim=None, keepdim=False):
    """``median`` of the non-NaN elements (NaN when all are NaN)."""
    a = input.array
    if dim is not None:
        axis = _check_dim("nanmedian", dim, a.ndim) if a.ndim else 0
        if not a.ndim:
            return _values_indices("nanmedian", input, 0, keepdim, np.zeros((), np.int64))
        if a.shape[axis] == 0:
            raise IndexError(f"nanmedian: expected reduction dim {axis} to have non-zero size, "
                             f"got input of shape {tuple(a.shape)}")
        order = np.argsort(a, axis=axis, kind="stable")  # NaNs last
        count = np.sum(~np.isnan(a), axis=axis, keepdims=True)
        index = np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis)
        return _values_indices("nanmedian", input, axis, keepdim, index)
    nan = np.isnan(a)
    if nan.any() and not nan.all():
        input = input[Tensor._make(~nan)]
    return Median.apply(input, None, False, True)


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) = (amin, amax) over ``dim`` (all dims for None); ties share the gradient."""
    a = input.array
    axes = normalize_dims("aminmax", dim, a.ndim)
    if builtins.any(a.shape[i] == 0 for i in axes):
        raise RuntimeError(f"aminmax: cannot compute aminmax over an empty dimension as the "
                           f"operation has no identity; input shape {tuple(a.shape)}, dim {dim}")
    dims = () if dim is None else dim
    return _aminmax_result(amin(input, dims, keepdim), amax(input, dims, keepdim))


# ----- cumulative extremes and log-sum-exp ----------------------------------------------------

def _cumulative_extreme(name, ufunc, input, dim):
    """(values, indices) of the running extreme along dim; the index is the last position
    holding it (a NaN holds from where it appears), and the gradient goes there."""
    a = input.array
    axis = _check_dim(name, dim, a.ndim)
    if a.ndim == 0:
        return _values_indices(name, input, 0, False, np.zeros((), dtype=np.int64))
    hit = a == ufunc.accumulate(a, axis=axis)
    if a.dtype.kind == "f":
        hit |= np.isnan(a)
    positions = np.arange(a.shape[axis]).reshape([-1 if i == axis else 1 for i in range(a.ndim)])
    index = np.maximum.accumulate(np.where(hit, positions, 0), axis=axis)
    index = _const(index.astype(np.int64, copy=False))
    return _VALUES_INDICES[name](gather(input, axis, index), index)


@batch_rule
def cummax(input, dim):
    """(values, indices): values_i = max_{k≤i} x_k along dim."""
    return _cumulative_extreme("cummax", np.maximum, input, dim)


@batch_rule
def cummin(input, dim):
    """(values, indices): values_i = min_{k≤i} x_k along dim."""
    return _cumulative_extreme("cummin", np.minimum, input, dim)


class Logcumsumexp(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, dim):
        """out_i = log Σ_{k≤i} exp x_k along dim"""
        _require_floating("logcumsumexp", x)
        ctx.save_for_backward(x)
        a = x.array
        ctx.dim = _cumulative_axis("logcumsumexp", a, dim)
        # log 0 stand-in for the rules: exp of it is 0, and a few of it add without overflow
        ctx.lowest = np.finfo(a.dtype).min / 8
        return a.copy() if a.ndim == 0 else np.logaddexp.accumulate(a, axis=ctx.dim)

    @staticmethod
    def backward(ctx, g):
        """dx_k = Σ_{i≥k} g_i exp(x_k - out_i), summed in log space by the signs of g"""
        (x,) = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        parts = [np.exp(_reverse_logcumsumexp(log_g - ctx.output, ctx.dim) + x)
                 for log_g in _log_signed_parts(g, ctx.lowest)]
        return parts[0] - parts[1], None

    @staticmethod
    def jvp(ctx, dx, _):
        (x,) = ctx.saved_tensors
        if x.ndim == 0:
            return dx
        parts = [np.exp(Logcumsumexp.apply(log_dx + x, ctx.dim) - ctx.output)
                 for log_dx in _log_signed_parts(dx, ctx.lowest)]
        return parts[0] - parts[1]


def _reverse_logcumsumexp(t, axis):
    """log Σ_{i≥k} exp t_i along axis."""
    return np.flip(Logcumsumexp.map(np.flip(t, axis), axis), axis)


def _log_signed_parts(t, lowest):
    """(log t where t > 0, log -t where t < 0), ``lowest`` elsewhere: t = e^first - e^second.
    The log reads 1 at zeros, so no derivative there is 0 * inf."""
    log_magnitude = np.log(np.where(t == 0, 1.0, np.abs(t)))
    return np.where(t > 0, log_magnitude, lowest), np.where(t < 0, log_magnitude, lowest)


def logcumsumexp(input, dim):
    """log of the cumulative sum of exp(input) along ``dim``, without overflow or underflow.

    >>> import gradiente as gr
    >>> gr.tensor([-1000., 0., 1000.]).logcumsumexp(0)
    tensor([-1000.,     0.,  1000.])
    """
    return Logcumsumexp.apply(input, dim)


# ----- counting: bincount, histc (no gradient) ------------------------------------------------

def bincount(input, weights=None, minlength=0):
    """counts[v] = number of entries equal to v (the sum of their weights, given weights), for
    v < max(max(input) + 1, minlength)."""
    a = input.array
    if a.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: not implemented for {input.dtype}; input must "
                                  f"be integral")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError(f"bincount: only supports 1-d non-negative integral inputs, got "
                           f"shape {tuple(a.shape)}" + (f" with minimum {a.min()}" if a.size
                                                         else ""))
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    size = builtins.max(int(a.max()) + 1 if a.size else 0, minlength)
    if weights is None:
        return _const(np.bincount(a, minlength=size).astype(np.int64, copy=False))
    w = weights.array
    if w.shape != a.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input, "
                           f"got shapes {tuple(w.shape)} and {tuple(a.shape)}")
    out = np.zeros(size, dtype=np.float32 if w.dtype == np.float32 else np.float64)
    np.add.at(out, a, w.astype(out.dtype, copy=False))  # in order, in the weights' precision
    return _const(out)


def histc(input, bins=100, min=0, max=0):
    """Counts of the elements in ``bins`` equal-width bins over [min, max] (the data's range
    when min == max; elements outside are ignored; the last bin includes max)."""
    a = input.array
    if a.dtype.kind != "f":
        raise NotImplementedError(f"histc: not implemented for {input.dtype}; input must be "
                                  f"floating point")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, but got {bins}")
    lo, hi = a.dtype.type(min), a.dtype.type(max)
    if lo == hi and a.size:
        lo, hi = np.min(a), np.max(a)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min {min} and max {max}")
    flat = a.reshape(-1)
    inside = flat[(flat >= lo) & (flat <= hi)]
    position = ((inside - lo) / (hi - lo) * bins).astype(np.int64)
    position[position == bins] = bins - 1
    return _const(np.bincount(position, minlength=bins).astype(a.dtype))


_histogram_result = namedtuple("histogram", ("hist", "bin_edges"))


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """Counts (or summed weights) per bin; bins: a count of equal-width bins over range (the
    data's [min, max], widened by 0.5 each side when empty) or a 1-D tensor of edges; the last
    bin includes its right edge; density divides by the total and the bin widths."""
    a = input.array
    if a.dtype.kind != "f":
        raise RuntimeError(f"histogram: not implemented for {input.dtype}; input must be "
                           f"floating point")
    if isinstance(bins, Tensor):
        edges = bins.array
        if edges.ndim != 1 or edges.size < 1 or edges.dtype != a.dtype:
            raise RuntimeError(f"histogram: bins must be a 1-D tensor of {input.dtype} with at "
                               f"least one edge, got shape {list(edges.shape)} of {bins.dtype}")
        if np.any(np.diff(edges) < 0):
            raise RuntimeError("histogram: bin edges must be increasing")
    else:
        if bins <= 0:
            raise RuntimeError(f"histogram: bins must be > 0, but got {bins}")
        if range is not None:
            lo, hi = (a.dtype.type(v) for v in range)
        else:
            lo, hi = (np.min(a), np.max(a)) if a.size else (a.dtype.type(0), a.dtype.type(0))
        if lo > hi:
            raise RuntimeError(f"histogram: min should not exceed max, but got min {lo} max {hi}")
        if lo == hi:
            lo, hi = lo - a.dtype.type(0.5), hi + a.dtype.type(0.5)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"histogram: range of [{lo}, {hi}] is not finite")
        # PyTorch's linspace: from both ends, each edge one fused multiply-add (emulated in
        # long double), so the edges agree to the last bit
        i, step = np.arange(bins + 1), (hi - lo) / a.dtype.type(bins)
        wide = np.longdouble
        edges = np.where(i < (bins + 1) // 2, wide(lo) + i * wide(step),
                         wide(hi) - (bins - i) * wide(step)).astype(a.dtype)
    w = None
    if weight is not None:
        if weight.shape != input.shape or weight.dtype != input.dtype:
            raise RuntimeError(f"histogram: weight must have the input's shape {list(a.shape)} "
                               f"and dtype {input.dtype}, got {list(weight.shape)} and "
                               f"{weight.dtype}")
        w = weight.array.reshape(-1)
    hist, _ = np.histogram(a.reshape(-1), bins=edges, weights=w)
    hist = hist.astype(a.dtype)
    if density:
        hist = hist / (hist.sum() * np.diff(edges))
    return _histogram_result(_const(hist.astype(a.dtype)), _const(edges.copy()))


__all__ += ["histogram"]
