"""Indexing: x[key], x[key] = v, gather, scatter, index_select, masks, sort, topk, unique, ...

Two rules carry every differentiable op here. Reading elements (``GetItem``: x[key], gather,
index_select, take, masked_select) is linear; its adjoint writes the gradient into zeros at the
same positions, adding where an index repeats. Writing elements (``IndexPut``: x[key] = v,
scatter, index_add, index_put) is linear in x and v jointly; its adjoint reads the gradient at
those positions for v and zeroes them for x. Sorting ops compute their indices without
gradients and gather the values, so the values' gradients flow through gather.
"""

import math
import re
from collections import namedtuple

import numpy as np

from ..autograd.function import Function, batch_rule
from ..autograd.grad_mode import STATE
from ..tensor import Tensor, _check_dim, bump_version
from .elementwise import where
from .movement import _share_version

__all__ = [
    "argsort", "argwhere", "gather", "index_add", "index_fill", "index_put", "index_select",
    "kthvalue", "masked_fill", "masked_select", "msort", "nonzero", "repeat_interleave", "scatter",
    "scatter_add", "select", "sort", "take", "take_along_dim", "topk", "unique",
]

# PyTorch's torch.return_types
sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])


# ----- keys -----------------------------------------------------------------------------------

def _index_array(op, index):
    """An index Tensor, array or list as a NumPy array: bool masks stay bool, integers int64."""
    array = index.array if isinstance(index, Tensor) else np.asarray(_unwrap(index))
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind in "iu" or (array.size == 0 and array.dtype.kind == "f"
                                    and not isinstance(index, (Tensor, np.ndarray))):
        return array.astype(np.int64, copy=False)
    raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool tensors, "
                     f"got {array.dtype}")


def _unwrap(seq):
    if isinstance(seq, Tensor):
        return seq.array
    if isinstance(seq, (list, tuple)):
        return [_unwrap(s) for s in seq]
    return seq


def _key(key):
    """``key`` as a NumPy index tuple, and whether it holds advanced (array) indices.

    Boolean masks become their nonzero() coordinates, which index the same elements, so that
    ``np.add.at`` can accumulate through them.
    """
    if key.__class__ is int:  # the common x[i]
        return (key,), False
    if not isinstance(key, tuple):
        key = (key,)
    parts, advanced = [], False
    for item in key:
        if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
            parts.append(item)
        elif isinstance(item, (int, np.integer)):
            parts.append(int(item))
        elif isinstance(item, slice):
            if item.step is not None and int(item.step) <= 0:
                raise ValueError("getitem: step must be greater than zero" if int(item.step)
                                 else "getitem: slice step cannot be zero")
            parts.append(item)
        elif isinstance(item, (Tensor, np.ndarray, list, tuple)):
            array = _index_array("getitem", item)
            if array.ndim == 0 and array.dtype.kind != "b":
                parts.append(int(array))
            elif array.dtype.kind == "b" and array.ndim:
                parts.extend(np.nonzero(array))
                advanced = True
            else:
                parts.append(array)
                advanced = True
        else:
            raise TypeError(f"getitem: only integers, slices (`:`), ellipsis (`...`), None and "
                            f"long or bool tensors are valid indices (got "
                            f"{type(item).__name__})")
    if advanced and any(isinstance(p, int) and not isinstance(p, bool) for p in parts):
        return _IntsFirst(parts), advanced
    return tuple(parts), advanced


class _IntsFirst(tuple):
    """A key whose integers PyTorch applies before its arrays: (ints key, rest key).

    NumPy counts integers as arrays when arrays are present, which moves the result's
    dimensions when they are not adjacent; PyTorch selects with them first.
    """

    def __new__(cls, parts):
        ints = tuple(p if isinstance(p, int) or p is Ellipsis else slice(None)
                     for p in parts if p is not None and not isinstance(p, bool))
        rest = tuple(p for p in parts if not isinstance(p, int) or isinstance(p, bool))
        return super().__new__(cls, (ints, rest))


def _locate(a, key):
    """The array and key that ``key`` reaches: a view of ``a`` for an ``_IntsFirst`` key."""
    if isinstance(key, _IntsFirst):
        return a[key[0]], key[1]
    return a, key


def _checked_mask_key(op, a, key):
    """The mask shapes of ``key`` (before conversion) must match the dims they index."""
    if not isinstance(key, tuple):
        key = (key,)
    dim = 0
    for item in key:
        if isinstance(item, (Tensor, np.ndarray)):
            array = item.array if isinstance(item, Tensor) else item
            if array.dtype.kind == "b" and array.ndim:
                indexed = a.shape[dim:dim + array.ndim]
                if tuple(indexed) != array.shape:
                    bad = next((i for i, (m, n) in enumerate(zip(array.shape, indexed))
                                if m != n), len(indexed))
                    raise IndexError(f"{op}: The shape of the mask {list(array.shape)} at index "
                                     f"{bad} does not match the shape of the indexed tensor "
                                     f"{list(a.shape)} at index {dim + bad}")
                dim += array.ndim
                continue
        if item is Ellipsis:
            dim = a.ndim - sum(_dims_used(k) for k in key[key.index(item) + 1:])
            continue
        dim += _dims_used(item)


def _dims_used(item):
    if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
        return 0
    if isinstance(item, (Tensor, np.ndarray)):
        array = item.array if isinstance(item, Tensor) else item
        return array.ndim if array.dtype.kind == "b" else 1
    return 1


def _numpy_error(op, error):
    """NumPy's indexing message in PyTorch's words, naming the op."""
    text = str(error).replace("axis", "dimension").replace("array", "tensor")
    found = re.match(r"too many indices for tensor: tensor is (\d+)-dimensional, but (\d+)", text)
    if found:
        text = (f"too many indices for tensor of dimension {found[1]} ({found[2]} were "
                f"indexed)")
    return type(error)(f"{op}: {text}")


def _at(a, key):
    """``a[key]`` for a key made by ``_key``, on arrays and Tensors alike."""
    if isinstance(key, _IntsFirst):
        return a[key[0]][key[1]]
    return a[key]


def _unwritten(shape, key):
    """A mask of ``shape``: False at the positions ``key`` reaches, True elsewhere."""
    mask = np.ones(shape, dtype=bool)
    target, key = _locate(mask, key)
    target[key] = False
    return mask


_ALL = slice(None)


def _one_array(a, key):
    """(axis, index) when ``key`` reads ``a`` with one integer array among full slices (the
    index_select pattern), else None."""
    if key.__class__ is not tuple or len(key) > a.ndim:
        return None
    found = None
    for axis, item in enumerate(key):
        if item.__class__ is slice:
            if item != _ALL:
                return None
        elif item.__class__ is np.ndarray and found is None and item.dtype.kind in "iu":
            found = axis, item
        else:
            return None
    return found


# np.add.at is as fast below about 16 elements per index or 4096 in all, and 10x faster for
# 1-D targets (its own fast path; sorting costs more there)
_SORTED_ADD_MIN_ROW, _SORTED_ADD_MIN_SIZE = 16, 4096


def _add_at(target, key, values):
    """``np.add.at(target, key, values)``: repeated indices accumulate.

    For one index array along one axis the values are sorted by index and each run of equal
    indices is summed by ``np.add.reduceat`` (several times faster when each index moves many
    elements): a repeated index's terms are summed first and then added to ``target``, where
    np.add.at adds them one by one, so only the floating-point summation order changes.
    """
    single = _one_array(target, key)
    if single is not None:
        axis, index = single
        shape = target.shape
        rows = math.prod(shape[:axis] + shape[axis + 1:])
        if rows >= _SORTED_ADD_MIN_ROW and index.size * rows >= _SORTED_ADD_MIN_SIZE:
            values = np.broadcast_to(values, shape[:axis] + index.shape + shape[axis + 1:])
            flat = index.reshape(-1)
            _sorted_add(target, axis, flat, values.reshape(
                shape[:axis] + flat.shape + shape[axis + 1:]))
            return
    np.add.at(target, key, values)


def _sorted_add(target, axis, index, values):
    """target[..., index[j], ...] += values[..., j, ...] along axis, by runs of equal indices."""
    n = target.shape[axis]
    index = np.where(index < 0, index + n, index)
    order = np.argsort(index, kind="stable")  # each run keeps its terms' order: deterministic
    ordered = index[order]
    if ordered[0] < 0 or ordered[-1] >= n:
        bad = ordered[0] - n if ordered[0] < 0 else ordered[-1]
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sums = np.add.reduceat(values.take(order, axis=axis), starts, axis=axis)
    if starts.size == n:  # every row is hit: a plain sum, much faster than a fancy one
        target += sums
    else:
        target[(_ALL,) * axis + (ordered[starts],)] += sums


def _read(op, a, key):
    try:
        a, key = _locate(a, key)
        single = _one_array(a, key)
        if single is not None:  # take: up to 6x faster than a[key] along inner axes
            return a.take(single[1], axis=single[0])
        return a[key]
    except IndexError as e:
        raise _numpy_error(op, e) from None


def _write(out, key, advanced, values, accumulate):
    """``out`` with out[key] = values (+= when accumulating), written in place."""
    values = np.asarray(values).astype(out.dtype, copy=False)
    try:
        target, key = _locate(out, key)
        if accumulate and advanced:
            _add_at(target, key, values)
        elif accumulate:
            target[key] += values
        else:
            target[key] = values
    except IndexError as e:
        raise _numpy_error("index_put", e) from None
    except ValueError:
        raise RuntimeError(f"index_put: shape mismatch: value tensor of shape "
                           f"{list(values.shape)} cannot be broadcast to indexing result of "
                           f"shape {list(np.shape(target[key]))}") from None
    return out


# ----- the two rules --------------------------------------------------------------------------

class GetItem(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, key, advanced):
        """out = x[key]"""
        a = x.array
        ctx.shape_in, ctx.key, ctx.advanced = a.shape, key, advanced
        return _read("getitem", a, key)

    @staticmethod
    def backward(ctx, g):
        """dx = zeros with g added at the positions x[key] read (repeats accumulate)"""
        if isinstance(g, Tensor):  # create_graph: recorded, so dx differentiates again
            zeros = Tensor._make(np.zeros(ctx.shape_in, dtype=g.array.dtype))
            return IndexPut.apply(zeros, ctx.key, ctx.advanced, g, True), None, None
        zeros = np.zeros(ctx.shape_in, dtype=g.dtype)
        return _write(zeros, ctx.key, ctx.advanced, g, True), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return ctx.fn.apply(dx, ctx.key, ctx.advanced)


class IndexPut(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, key, advanced, values, accumulate):
        """out = x with out[key] = values (out[key] += values when accumulate)"""
        v = values.array if isinstance(values, Tensor) else np.asarray(values)
        ctx.key, ctx.advanced, ctx.accumulate = key, advanced, accumulate
        ctx.values_ndim = v.ndim
        return _write(x.array.copy(), key, advanced, v, accumulate)

    @staticmethod
    def backward(ctx, g):
        """dx = g, zeroed at key unless accumulating; dvalues = g[key]"""
        needs = ctx.needs_input_grad
        gx = gv = None
        if needs[0]:
            gx = g if ctx.accumulate else np.where(_unwritten(g.shape, ctx.key), g, 0.0)
        if needs[3]:
            gv = _at(g, ctx.key)
            if gv.ndim < ctx.values_ndim:  # NumPy drops the values' leading size-1 dims
                gv = gv.reshape((1,) * (ctx.values_ndim - gv.ndim) + tuple(gv.shape))
        return gx, None, None, gv, None

    @staticmethod
    def jvp(ctx, dx, _, __, dv, ___):
        return ctx.fn.apply(dx, ctx.key, ctx.advanced, 0.0 if dv is None else dv, ctx.accumulate)


class Gather(GetItem):
    """out[i][j][k] = x[i][index[i][j][k]][k] (dim 1): a GetItem with one index per element."""


class IndexSelect(GetItem):
    """out = x[..., index, ...] with index at dim."""


class Scatter(IndexPut):
    """out = x with out[i][index[i][j]] = src[i][j] (dim 1)."""


class ScatterAdd(IndexPut):
    """out = x with out[i][index[i][j]] += src[i][j] (dim 1)."""


class IndexAdd(IndexPut):
    """out = x with out[..., index[j], ...] += alpha * source[..., j, ...] along dim."""


# ----- x[key] and x[key] = value --------------------------------------------------------------

def getitem(input, key):
    """``input[key]``: ints, slices (positive steps), None, ..., bool masks, integer tensors."""
    np_key, advanced = _key(key)
    if advanced:
        _checked_mask_key("getitem", input.array, key)
    out = GetItem.apply(input, np_key, advanced)
    if not advanced:
        _share_version(input, out)
    return out


def setitem(input, key, value):
    """``input[key] = value`` in place: bumps the version; keeps both operands' gradients."""
    np_key, advanced = _key(key)
    if advanced:
        _checked_mask_key("setitem", input.array, key)
    value_is_tensor = isinstance(value, Tensor)
    recording = STATE.grad_enabled and (input._requires_grad or (
        value_is_tensor and value._requires_grad))
    if recording and input.is_leaf and input._requires_grad:
        raise RuntimeError("setitem: a leaf Variable that requires grad is being used in an "
                           "in-place operation; wrap it in `with gradiente.no_grad():` or "
                           "clone it first")
    tangents = input._tangent is not None or (value_is_tensor and value._tangent is not None)
    if not recording and not tangents:
        values = value.array if value_is_tensor else np.asarray(_unwrap(value))
        try:
            target, np_key = _locate(input.array, np_key)
            target[np_key] = values
        except IndexError as e:
            raise _numpy_error("setitem", e) from None
        except ValueError as e:
            if not input.array.flags.writeable:
                raise RuntimeError(f"setitem: cannot write into this tensor ({e}); use "
                                   f"clone() first") from None
            raise RuntimeError(f"setitem: shape mismatch: value tensor of shape "
                               f"{list(np.shape(values))} cannot be broadcast to indexing "
                               f"result of shape {list(np.shape(target[np_key]))}") from None
        bump_version(input)
        return
    from . import write_inplace
    if not value_is_tensor:
        value = np.asarray(_unwrap(value))
    write_inplace(input, IndexPut.apply(input, np_key, advanced, value, False), "setitem")


def _integer_index(op, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: index must be a Tensor, got {type(index).__name__}")
    if index.array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected dtype int64 for index, got {index.dtype}")
    return index.array.astype(np.int64, copy=False)


def _check_bounds(op, index, n, dim):
    if not index.size:
        return
    bad = index[(index < 0) | (index >= n)]
    if bad.size:
        # PyTorch raises IndexError from index_select and RuntimeError from gather and scatter
        error = IndexError if op == "index_select" else RuntimeError
        raise error(f"{op}: index {int(bad.flat[0])} is out of bounds for dimension {dim} "
                    f"with size {n}")


# ----- gather, scatter ------------------------------------------------------------------------

def _along_dim_key(op, shape, dim, index):
    """The index tuple that pairs each element of ``index`` with its own position elsewhere."""
    ndim = len(shape)
    if index.ndim != max(ndim, 1) and not (ndim == 0 and index.ndim == 0):
        raise RuntimeError(f"{op}: Index tensor must have the same number of dimensions as "
                           f"input tensor (index {index.ndim}D, input {ndim}D)")
    if ndim == 0:
        _check_bounds(op, index, 1, 0)
        return (), False
    axis = _check_dim(op, dim, ndim)
    for d, (m, n) in enumerate(zip(index.shape, shape)):
        if d != axis and m > n:
            raise RuntimeError(f"{op}: Size does not match at dimension {d}: expected index "
                               f"{list(index.shape)} to be no larger than self {list(shape)} "
                               f"apart from dimension {axis}")
    _check_bounds(op, index, shape[axis], axis)
    key = tuple(index if d == axis else
                np.arange(m).reshape((m,) + (1,) * (index.ndim - d - 1))
                for d, m in enumerate(index.shape))
    return key, True


@batch_rule
def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[i][index[i][j]] for dim 1 (index no larger than input elsewhere)."""
    array = _integer_index("gather", index)
    key, advanced = _along_dim_key("gather", input.array.shape, dim, array)
    return Gather.apply(input, key, advanced)


def _source_for(op, src, index):
    """The part of ``src`` that scatter reads: its leading index.shape block."""
    if not isinstance(src, Tensor):
        return src
    if src.array.ndim != index.ndim:
        raise RuntimeError(f"{op}: Index tensor must have the same number of dimensions as "
                           f"src tensor (index {index.ndim}D, src {src.array.ndim}D)")
    if any(m > n for m, n in zip(index.shape, src.array.shape)):
        raise RuntimeError(f"{op}: Expected index {list(index.shape)} to be no larger than src "
                           f"{list(src.array.shape)} in any dimension")
    if src.array.shape == index.shape:
        return src
    return getitem(src, tuple(slice(0, m) for m in index.shape))


@batch_rule
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """out = input with out[i][index[i][j]] = src[i][j] for dim 1 (src may be a number)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: expected a src tensor or a value")
    array = _integer_index("scatter", index)
    key, advanced = _along_dim_key("scatter", input.array.shape, dim, array)
    src = _source_for("scatter", src, array)
    if reduce is None:
        return Scatter.apply(input, key, advanced, src, False)
    if reduce == "add":
        return ScatterAdd.apply(input, key, advanced, src, True)
    if reduce != "multiply":
        raise RuntimeError(f"scatter: reduce argument must be either add or multiply, got "
                           f"{reduce!r}")
    if STATE.grad_enabled and (input._requires_grad or getattr(src, "_requires_grad", False)):
        raise RuntimeError("scatter: the derivative of scatter with reduce='multiply' is not "
                           "implemented; use scatter_reduce's inputs under no_grad")
    out = input.array.copy()
    np.multiply.at(out, key, np.asarray(src.array if isinstance(src, Tensor) else src,
                                        dtype=out.dtype))
    return Tensor._make(out)


@batch_rule
def scatter_add(input, dim, index, src):
    """out = input with out[i][index[i][j]] += src[i][j] for dim 1 (repeats accumulate)."""
    array = _integer_index("scatter_add", index)
    key, advanced = _along_dim_key("scatter_add", input.array.shape, dim, array)
    return ScatterAdd.apply(input, key, advanced, _source_for("scatter_add", src, array), True)


# ----- index_select, index_add, index_put, select, take ---------------------------------------

def _dim_key(op, input, dim, index):
    array = _integer_index(op, index)
    if array.ndim > 1:
        raise IndexError(f"{op}: Index is supposed to be a vector, got shape "
                         f"{list(array.shape)}")
    ndim = input.array.ndim
    axis = _check_dim(op, dim, ndim)
    n = input.array.shape[axis] if ndim else 1
    _check_bounds(op, array, n, axis)
    if ndim == 0:
        return (), False, axis
    return (slice(None),) * axis + (array.reshape(-1),), True, axis


@batch_rule
def index_select(input, dim, index):
    """The entries index[0], index[1], ... of input along dim."""
    key, advanced, _ = _dim_key("index_select", input, dim, index)
    return IndexSelect.apply(input, key, advanced)


@batch_rule
def index_add(input, dim, index, source, *, alpha=1):
    """out = input with out[..., index[j], ...] += alpha * source[..., j, ...] along dim."""
    key, advanced, axis = _dim_key("index_add", input, dim, index)
    expected = list(input.array.shape)
    if expected:
        expected[axis] = index.array.size
    if list(source.array.shape) != expected:
        raise RuntimeError(f"index_add: source of shape {list(source.array.shape)} does not "
                           f"match the expected shape {expected} (input with dim {axis} "
                           f"replaced by the index length)")
    if alpha != 1:
        source = source * alpha
    return IndexAdd.apply(input, key, advanced, source, True)


@batch_rule
def index_fill(input, dim, index, value):
    """out = input with the entries index[j] along dim set to value (a number or 0-d tensor)."""
    key, advanced, _ = _dim_key("index_fill", input, dim, index)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"index_fill: only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    return IndexPut.apply(input, key, advanced, value, False)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each entry along dim repeated repeats times (or repeats[i] times for entry i)."""
    if dim is None:
        input, dim = input.reshape(-1), 0
    axis = _check_dim("repeat_interleave", dim, input.ndim)
    n = input.shape[axis] if input.ndim else 1
    counts = repeats.array if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, n)):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along "
                           f"dim {axis} ({n}), got shape {list(counts.shape)}")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    index = np.repeat(np.arange(n), np.broadcast_to(counts.reshape(-1), (n,)))
    return index_select(input, axis, Tensor._make(index))


def index_put(input, indices, values, accumulate=False):
    """out = input with out[indices] = values (+= when accumulate); indices: tensors."""
    np_key, advanced = _key(tuple(indices))
    if advanced:
        _checked_mask_key("index_put", input.array, tuple(indices))
    if not isinstance(values, Tensor):
        values = np.asarray(values)
    return IndexPut.apply(input, np_key, advanced, values, bool(accumulate))


def select(input, dim, index):
    """input[..., index, ...] with index at dim, which is removed."""
    shape = input.array.shape
    if not shape:
        raise IndexError("select: select() cannot be applied to a 0-dim tensor.")
    axis = _check_dim("select", dim, len(shape))
    if not -shape[axis] <= index < shape[axis]:
        raise IndexError(f"select: index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {axis}")
    return getitem(input, (slice(None),) * axis + (int(index),))


@batch_rule
def take(input, index):
    """input viewed as 1-D, read at index (negative indices count from the end)."""
    array = _integer_index("take", index)
    n = input.array.size
    if array.size and (array.min() < -n or array.max() >= n):
        bad = array[(array < -n) | (array >= n)].flat[0]
        raise IndexError(f"take: out of range: tried to access index {int(bad)} on a tensor of "
                         f"{n} elements.")
    return GetItem.apply(input.reshape(-1), (array,), True)


def take_along_dim(input, indices, dim=None):
    """gather along dim after broadcasting input and indices elsewhere (flattened for None)."""
    if dim is None:
        return take(input, indices.reshape(-1))
    ndim = input.array.ndim
    axis = _check_dim("take_along_dim", dim, ndim)
    if indices.ndim != ndim:
        raise RuntimeError(f"take_along_dim: input and indices should have the same number of "
                           f"dimensions, but got {ndim} dimensions for input, and "
                           f"{indices.ndim} dimensions for indices")
    shape_in, shape_index = list(input.array.shape), list(indices.shape)
    shape_in[axis] = shape_index[axis] = 1
    try:
        common = list(np.broadcast_shapes(tuple(shape_in), tuple(shape_index)))
    except ValueError:
        raise RuntimeError(f"take_along_dim: shapes {list(input.shape)} and "
                           f"{list(indices.shape)} cannot be broadcast outside dim "
                           f"{axis}") from None
    target_in, target_index = list(common), list(common)
    target_in[axis], target_index[axis] = input.array.shape[axis], indices.shape[axis]
    return gather(input.expand(target_in), axis, indices.expand(target_index))


# ----- masks ----------------------------------------------------------------------------------

def _bool_mask(op, mask):
    if not isinstance(mask, Tensor) or mask.array.dtype.kind != "b":
        dtype = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{op}: only supports boolean masks, but got mask with dtype "
                           f"{dtype}")


def masked_fill(input, mask, value):
    """out = value where mask, else input (value: a number or a 0-d tensor)."""
    _bool_mask("masked_fill", mask)
    shape = input.array.shape
    if np.broadcast_shapes(mask.array.shape, shape) != shape:
        raise RuntimeError(f"masked_fill: mask of shape {list(mask.shape)} cannot be broadcast "
                           f"to the input's shape {list(shape)}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        value = value.to(input.dtype)
    else:
        value = Tensor._make(np.asarray(value).astype(input.array.dtype))
    return where(mask, value, input)


def masked_select(input, mask):
    """The elements of input where mask holds (both broadcast), as a 1-D tensor."""
    _bool_mask("masked_select", mask)
    try:
        shape = np.broadcast_shapes(input.array.shape, mask.array.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: shapes {list(input.shape)} and {list(mask.shape)} "
                           f"cannot be broadcast together") from None
    coordinates = np.nonzero(np.broadcast_to(mask.array, shape))
    return GetItem.apply(input.expand(shape), coordinates, True)


def nonzero(input, *, as_tuple=False):
    """The coordinates of the nonzero elements: (n, ndim) int64, or one 1-D tensor per dim."""
    a = input.array
    coordinates = np.nonzero(a.reshape(1) if a.ndim == 0 else a)
    if as_tuple:
        return tuple(Tensor._make(c.astype(np.int64)) for c in coordinates)
    if a.ndim == 0:
        return Tensor._make(np.zeros((int(coordinates[0].size), 0), dtype=np.int64))
    return Tensor._make(np.stack(coordinates, axis=1).astype(np.int64, copy=False))


def argwhere(input):
    return nonzero(input)


# ----- sorting --------------------------------------------------------------------------------

def _argsort(a, axis, descending):
    """Stable sort indices; descending keeps equal elements in their original order, NaN first."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    reversed_order = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - reversed_order, axis)


def _sorted_along(op, input, dim, descending):
    a = input.array
    if a.ndim == 0:
        _check_dim(op, dim, 0)
        return input.clone(), Tensor._make(np.zeros((), dtype=np.int64))
    axis = _check_dim(op, dim, a.ndim)
    indices = Tensor._make(_argsort(a, axis, descending))
    return gather(input, axis, indices), indices


@batch_rule
def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along dim; equal elements keep their order (always stable)."""
    return sort_result(*_sorted_along("sort", input, dim, descending))


@batch_rule
def argsort(input, dim=-1, descending=False, stable=False):
    a = input.array
    if a.ndim == 0:
        _check_dim("argsort", dim, 0)
        return Tensor._make(np.zeros((), dtype=np.int64))
    return Tensor._make(_argsort(a, _check_dim("argsort", dim, a.ndim), descending))


def msort(input):
    return sort(input, 0).values


@batch_rule
def topk(input, k, dim=None, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) entries along dim, in order."""
    a = input.array
    axis = _check_dim("topk", -1 if dim is None else dim, a.ndim)
    n = a.shape[axis] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k = {k}, size {n} at "
                           f"dimension {axis})")
    if a.ndim == 0:
        values, indices = _sorted_along("topk", input, axis, largest)
        return topk_result(values, indices)
    order = _argsort(a, axis, largest)
    indices = Tensor._make(np.ascontiguousarray(np.take(order, np.arange(k), axis=axis)))
    return topk_result(gather(input, axis, indices), indices)


@batch_rule
def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest entry along dim."""
    a = input.array
    axis = _check_dim("kthvalue", dim, a.ndim)
    n = a.shape[axis] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: selected number k out of range for dimension {axis} "
                           f"(k = {k}, size {n})")
    if a.ndim == 0:
        return kthvalue_result(*_sorted_along("kthvalue", input, axis, False))
    order = _argsort(a, axis, False)
    indices = Tensor._make(np.take(order, [k - 1], axis=axis))
    values = gather(input, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return kthvalue_result(values, indices)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (sorted), with the inverse map and the counts if asked."""
    a = input.array
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=dim)
    if dim is None:
        inverse = inverse.reshape(a.shape)
    result = [Tensor._make(values)]
    if return_inverse:
        result.append(Tensor._make(inverse.astype(np.int64).reshape(-1) if dim is not None
                                   else inverse.astype(np.int64)))
    if return_counts:
        result.append(Tensor._make(counts.astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


# Tensor methods written in place (made by ops/__init__._inplace)
INPLACE = {"index_add_": index_add, "index_fill_": index_fill, "index_put_": index_put,
           "masked_fill_": masked_fill, "scatter_": scatter, "scatter_add_": scatter_add}


# ----- index_copy, masked_scatter, put, *_scatter, scatter_reduce -----------------------------

def index_copy(input, dim, index, source):
    """out = input with out[..., index[j], ...] = source[..., j, ...] along dim."""
    key, advanced, axis = _dim_key("index_copy", input, dim, index)
    count = index.array.size
    if source.array.ndim and source.array.shape[axis] != count:
        raise RuntimeError(f"index_copy: Number of indices ({count}) should be equal to "
                           f"source.size(dim) ({source.array.shape[axis]})")
    _same_dtype("index_copy", input, source)
    return IndexPut.apply(input, key, advanced, source, False)


def _same_dtype(op, input, source):
    if input.dtype != source.dtype:
        raise RuntimeError(f"{op}: expected self and source to have the same dtype, but got "
                           f"{input.dtype} and {source.dtype}")


def masked_scatter(input, mask, source):
    """out = input with the positions where mask is True filled by source's leading elements
    in row-major order (input and mask broadcast together)."""
    _bool_mask("masked_scatter", mask)
    _same_dtype("masked_scatter", input, source)
    try:
        shape = np.broadcast_shapes(mask.array.shape, input.array.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter: mask of shape {list(mask.shape)} and input of "
                           f"shape {list(input.shape)} cannot be broadcast together") from None
    if shape != input.array.shape:
        input = input.expand(shape)
    positions = np.flatnonzero(np.broadcast_to(mask.array, shape))
    if source.array.size < positions.size:
        raise RuntimeError(f"masked_scatter: Number of elements of source ({source.array.size}) "
                           f"< number of ones in mask ({positions.size})")
    values = source.reshape(-1)[:positions.size]
    return IndexPut.apply(input.reshape(-1), (positions,), True, values, False).reshape(shape)


def put(input, index, source, accumulate=False):
    """input viewed as 1-D with out[index[j]] = source[j] (+= when accumulate)."""
    array = _integer_index("put", index)
    n = input.array.size
    if array.size != source.array.size:
        raise IndexError(f"put: Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {source.array.size}, index.numel() = "
                         f"{array.size}")
    if array.size and (array.min() < -n or array.max() >= n):
        bad = array[(array < -n) | (array >= n)].flat[0]
        raise IndexError(f"put: out of range: tried to access index {int(bad)} on a tensor of "
                         f"{n} elements.")
    _same_dtype("put", input, source)
    flat = IndexPut.apply(input.reshape(-1), (array.reshape(-1) % max(n, 1),), True,
                          source.reshape(-1), bool(accumulate))
    return flat.reshape(input.array.shape)


def _scatter_into(op, input, src, key, advanced):
    """out = input with out[key] = src, src of exactly the shape input[key] has."""
    slot = np.broadcast_to(np.empty((), input.array.dtype), input.array.shape)[key].shape
    if tuple(src.array.shape) != slot:
        raise RuntimeError(f"{op}: expected src to have a size equal to the slice of self. src "
                           f"size = {list(src.array.shape)}, slice size = {list(slot)}")
    _same_dtype(op, input, src)
    return IndexPut.apply(input, key, advanced, src, False)


def select_scatter(input, src, dim, index):
    """out = input with out.select(dim, index) = src."""
    shape = input.array.shape
    axis = _check_dim("select_scatter", dim, len(shape))
    if not shape or not -shape[axis] <= index < shape[axis]:
        raise IndexError(f"select_scatter: index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {axis}")
    return _scatter_into("select_scatter", input, src, (slice(None),) * axis + (int(index),),
                         False)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """out = input with out[..., start:end:step, ...] (at dim) = src."""
    axis = _check_dim("slice_scatter", dim, input.array.ndim)
    if step <= 0:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got {step}")
    return _scatter_into("slice_scatter", input, src,
                         (slice(None),) * axis + (slice(start, end, step),), False)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """out = input with out.diagonal(offset, dim1, dim2) = src (the diagonal src's last dim)."""
    from .linalg import _two_dims
    shape = input.array.shape
    d1, d2 = _two_dims("diagonal_scatter", dim1, dim2, len(shape))
    length = max(min(shape[d1] + min(offset, 0), shape[d2] - max(offset, 0)), 0)
    others = [d for d in range(len(shape)) if d not in (d1, d2)]
    rank = len(others) + 1
    key = [None] * len(shape)
    for j, d in enumerate(others):
        key[d] = np.arange(shape[d]).reshape([-1 if i == j else 1 for i in range(rank)])
    along = np.arange(length).reshape((1,) * len(others) + (length,))
    key[d1], key[d2] = along - min(offset, 0), along + max(offset, 0)
    return _scatter_into("diagonal_scatter", input, src, tuple(key), True)


def _fill_diagonal(input, fill_value, wrap=False):
    """input with its main diagonal (i, i, ..., i) set to fill_value; wrap restarts a tall
    matrix's diagonal every n + 1 rows (NumPy's and PyTorch's wrap)."""
    shape = input.array.shape
    if len(shape) < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got shape "
                           f"{list(shape)}")
    if len(shape) > 2 and len(set(shape)) > 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, "
                           f"got shape {list(shape)}")
    mask = np.zeros(shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return masked_fill(input, Tensor._make(mask), fill_value)


_SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


@batch_rule
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """out[i][index[i][j]] = reduce(input[i][index[i][j]] (if include_self), src[i][j] ...) for
    dim 1; sum and mean accumulate; prod, amax and amin reduce each target's padded row of
    values, so their gradients are prod's and amax's (ties share equally)."""
    from . import reduce as reductions
    if reduce not in _SCATTER_REDUCTIONS:
        raise RuntimeError(f"scatter_reduce: reduce argument must be one of "
                           f"{list(_SCATTER_REDUCTIONS)}, got {reduce!r}")
    _same_dtype("scatter_reduce", input, src)
    if input.array.ndim == 0:
        return scatter_reduce(input.reshape(1), 0, index.reshape(1), src.reshape(1), reduce,
                              include_self=include_self).reshape(())
    array = _integer_index("scatter_reduce", index)
    shape = input.array.shape
    key, advanced = _along_dim_key("scatter_reduce", shape, dim, array)
    src = _source_for("scatter_reduce", src, array)
    if not array.size:
        return input.clone()
    targets = np.ravel_multi_index(np.broadcast_arrays(*key), shape).reshape(-1)
    counts = np.bincount(targets, minlength=input.array.size).reshape(shape)
    touched = Tensor._make(counts > 0)
    base = input if include_self else masked_fill(input, touched, 0)
    if reduce in ("sum", "mean"):
        total = ScatterAdd.apply(base, key, advanced, src, True)
        if reduce == "sum":
            return total
        divisor = Tensor._make(np.maximum(counts + include_self, 1).astype(input.array.dtype))
        return total // divisor if input.array.dtype.kind in "iu" else total / divisor
    rows, row_of = np.unique(targets, return_inverse=True)
    order = np.argsort(row_of, kind="stable")
    slot = np.empty_like(order)
    starts = np.concatenate([[0], np.cumsum(np.bincount(row_of))[:-1]])
    slot[order] = np.arange(order.size) - np.repeat(starts, np.bincount(row_of))
    slot += include_self
    dtype = input.array.dtype
    limits = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    identity = {"prod": 1, "amax": -np.inf if dtype.kind == "f" else limits.min,
                "amin": np.inf if dtype.kind == "f" else limits.max}[reduce]
    padded = Tensor._make(np.full((rows.size, slot.max() + 1), identity, dtype=dtype))
    padded = IndexPut.apply(padded, (row_of, slot), True, src.reshape(-1), False)
    flat = input.reshape(-1)
    if include_self:
        padded = IndexPut.apply(padded, (np.arange(rows.size), 0), True,
                                GetItem.apply(flat, (rows,), True), False)
    reduced = getattr(reductions, reduce)(padded, 1)
    return IndexPut.apply(flat, (rows,), True, reduced, False).reshape(shape)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """scatter_reduce with out[..., index[j], ...] gathering source[..., j, ...] along dim
    (reduce: prod, mean, amax or amin)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce: reduce argument must be one of prod, mean, amax or "
                           f"amin, got {reduce!r}")
    array = _integer_index("index_reduce", index)
    ndim = input.array.ndim
    axis = _check_dim("index_reduce", dim, ndim)
    expected = list(input.array.shape)
    if expected:
        expected[axis] = array.size
    if array.ndim > 1 or list(source.array.shape) != expected:
        raise RuntimeError(f"index_reduce: source of shape {list(source.array.shape)} does not "
                           f"match the expected shape {expected} (input with dim {axis} "
                           f"replaced by the index length {array.size})")
    full = np.broadcast_to(array.reshape([-1 if d == axis else 1 for d in range(ndim)]),
                           source.array.shape)
    return scatter_reduce(input, axis, Tensor._make(np.ascontiguousarray(full)), source, reduce,
                          include_self=include_self)


__all__ += ["diagonal_scatter", "index_copy", "index_reduce", "masked_scatter", "put",
            "scatter_reduce", "select_scatter", "slice_scatter"]
INPLACE.update(index_copy_=index_copy, masked_scatter_=masked_scatter, put_=put,
               scatter_reduce_=scatter_reduce, index_reduce_=index_reduce,
               fill_diagonal_=_fill_diagonal)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The first of each run of equal consecutive elements (or slices along dim), with the
    run number of every element and the run lengths if asked."""
    a = input.array
    if dim is None:
        rows = a.reshape(-1, 1)
    else:
        axis = _check_dim("unique_consecutive", dim, a.ndim)
        rows = np.moveaxis(a, axis, 0).reshape(a.shape[axis] if a.ndim else 1, -1)
    starts = np.ones(len(rows), dtype=bool)
    starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    inverse = np.cumsum(starts) - 1
    if dim is None:
        values, inverse = a.reshape(-1)[starts], inverse.reshape(a.shape)
    else:
        values = np.compress(starts, a, axis=axis)
    result = [Tensor._make(values)]
    if return_inverse:
        result.append(Tensor._make(inverse.astype(np.int64)))
    if return_counts:
        result.append(Tensor._make(np.diff(np.append(np.flatnonzero(starts), len(rows)))))
    return result[0] if len(result) == 1 else tuple(result)


__all__ += ["unique_consecutive"]


def unravel_index(indices, shape):
    """The coordinates of flat (row-major) ``indices`` in a tensor of ``shape``: one int64
    tensor per dim; negative indices count from the end."""
    array = indices.array if isinstance(indices, Tensor) else np.asarray(indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be integer dtype, but got "
                        f"{array.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    size = math.prod(shape)
    if np.any((array < -size) | (array >= size)):
        raise RuntimeError(f"unravel_index: indices must be in [{-size}, {size}) for shape "
                           f"{list(shape)}")
    return tuple(Tensor._make(np.asarray(c, dtype=np.int64))
                 for c in np.unravel_index(np.where(array < 0, array + size, array), shape))


__all__ += ["unravel_index"]
