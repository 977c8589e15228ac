"""Batching for ``vmap``: the BatchedTensor and the batch rule of each operation.

Under ``vmap`` a function sees ``BatchedTensor``s: tensors of the per-example (logical) shape
whose values live in ``value``, a plain Tensor with one leading dim per vmap level in
``levels`` (ascending, so the innermost vmap's dim comes last), then the logical dims.
``Function.apply`` hands every call with a batched argument to ``dispatch``, which runs the
operation's batch rule: the rule moves the batch dims where the operation treats them as
independent (in front, shifting ``dim`` arguments; broadcast for element-wise operations) and
calls the operation once on the plain tensors. The graph and the tangents live on those plain
tensors, so reverse and forward mode work under vmap as they do outside it.

A BatchedTensor's ``array`` only knows its logical shape and dtype: code that reads values
directly (rather than through an operation with a batch rule) raises an error that names it.
"""

import inspect
import itertools
import math
import string
import sys

import numpy as np

from .. import random
from ..autograd import forward_ad
from ..autograd.function import BATCHING
from ..tensor import Tensor, _init, _check_dim

_next_level = itertools.count(1)
_SIZES = {}      # level -> batch size
ACTIVE = []      # the open vmap levels, outermost first


class _LogicalArray:
    """A BatchedTensor's stand-in for an array: logical shape and dtype; no values."""

    __slots__ = ("shape", "dtype")
    base = None  # views of batched tensors share nothing (in-place changes are refused)

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def itemsize(self):
        return self.dtype.itemsize

    def __array__(self, dtype=None, copy=None):
        raise _direct_read()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _direct_read()

    def __getitem__(self, key):
        raise _direct_read()

    def __setitem__(self, key, value):
        raise _direct_read()


def _direct_read():
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    name = frame.f_code.co_name if frame is not None else "an operation"
    return RuntimeError(
        f"vmap: {name} reads the values of a batched tensor directly, so it has no batch rule "
        f"(in-place changes, .item(), .numpy() and data-dependent Python control flow are not "
        f"supported inside vmap); use operations with batch rules, or call it outside vmap")


class BatchedTensor(Tensor):
    """A tensor seen by a function under vmap: ``value`` holds all examples (see the module)."""

    __slots__ = ("value", "levels")

    def __repr__(self):
        return f"BatchedTensor(levels={self.levels}, value={self.value!r})"

    def detach(self):
        return wrap(self.value.detach(), self.levels)

    @property
    def data(self):
        return self.detach()

    def zeros_like_tangent(self):
        return Tensor._make(np.zeros(self.array.shape, dtype=self.array.dtype))


def wrap(value, levels):
    """``value`` (plain, with one leading dim per level) seen as a batched tensor."""
    if not levels:
        return value
    out = object.__new__(BatchedTensor)
    shape = value.array.shape
    _init(out, _LogicalArray(shape[len(levels):], value.array.dtype))
    out.value, out.levels = value, levels
    out._requires_grad = value._requires_grad
    return out


def levels_of(t):
    return t.levels if t.__class__ is BatchedTensor else ()


def physical(t):
    return t.value if t.__class__ is BatchedTensor else t


def merge(a, b):
    return a if a == b else tuple(sorted(set(a) | set(b)))


# ----- levels: open, close, move batch dims in and out ----------------------------------------

def push(size, randomness="error"):
    level = next(_next_level)
    _SIZES[level] = size
    _RANDOMNESS[level] = randomness
    ACTIVE.append(level)
    BATCHING.depth = len(ACTIVE)
    BATCHING.dispatch = dispatch
    random.VMAP.handler = RANDOM_DRAWS
    return level


def pop(level):
    ACTIVE.remove(level)
    del _SIZES[level], _RANDOMNESS[level]
    BATCHING.depth = len(ACTIVE)
    if not ACTIVE:
        random.VMAP.handler = None


# ----- random draws: gradiente.random's hook --------------------------------------------------

_RANDOMNESS = {}  # level -> vmap's randomness: 'error', 'same' or 'different'


class _RandomDraws:
    """Draws under vmap: refused at an 'error' level, one per example at 'different' levels
    (their batch dims in front), shared across 'same' levels."""

    @staticmethod
    def levels():
        return tuple(lv for lv in ACTIVE if _RANDOMNESS[lv] == "different")

    def rng(self, rng):
        if "error" in _RANDOMNESS.values():
            raise RuntimeError("vmap: called random operation while in randomness error mode. "
                               "Please either use the 'same' or 'different' randomness flags "
                               "on vmap or perform the randomness operation out of vmap")
        levels = self.levels()
        return _PerExampleRng(rng, _batch_sizes(levels)) if levels else rng

    def batched(self, tensor):
        return wrap(tensor, self.levels())


def _shape(size):
    return () if size is None else (size,) if isinstance(size, int) else tuple(size)


class _PerExampleRng:
    """A NumPy generator whose draws have the batch dims of the 'different' levels in front."""

    def __init__(self, rng, sizes):
        self._rng, self._sizes = rng, sizes

    def random(self, size=None, dtype=np.float64):
        return self._rng.random(self._sizes + _shape(size), dtype=dtype)

    def standard_normal(self, size=None):
        return self._rng.standard_normal(self._sizes + _shape(size))

    def integers(self, low, high=None, size=None):
        return self._rng.integers(low, high, self._sizes + _shape(size))

    def __getattr__(self, name):
        raise RuntimeError(f"vmap: randomness='different' is not supported by this random "
                           f"function (it draws with {name}); use randomness='same' or call it "
                           f"outside vmap")


RANDOM_DRAWS = _RandomDraws()


def add_level(t, dim, level):
    """``t``'s logical dim ``dim`` becomes the batch dim of the new (innermost) ``level``."""
    own = levels_of(t)
    value = physical(t)
    nb = len(own)
    source = nb + dim
    if source != nb:
        order = list(range(value.ndim))
        order.insert(nb, order.pop(source))
        value = value.permute(order)
    return wrap(value, own + (level,))


def remove_level(t, dim, level):
    """The innermost ``level``'s batch dim of ``t`` becomes its logical dim ``dim``."""
    if level not in levels_of(t):
        t = materialize(t, levels_of(t) + (level,))
    own = t.levels
    value = t.value
    nb = len(own)
    logical = value.ndim - nb
    if not -(logical + 1) <= dim <= logical:
        raise IndexError(f"vmap: out_dim {dim} is out of range for an output with {logical} "
                         f"dims (expected in [{-(logical + 1)}, {logical}])")
    target = nb - 1 + (dim % (logical + 1))
    if target != nb - 1:
        order = list(range(value.ndim))
        order.insert(target, order.pop(nb - 1))
        value = value.permute(order)
    return wrap(value, own[:-1])


def materialize(t, levels):
    """``t`` batched at every level of ``levels`` (a superset of its own): expanded copies."""
    own = levels_of(t)
    if own == levels:
        return t
    value = physical(t)
    logical = value.array.shape[len(own):]
    shape = tuple(value.array.shape[own.index(lv)] if lv in own else 1 for lv in levels)
    value = value.reshape(shape + logical).expand(tuple(_SIZES[lv] for lv in levels) + logical)
    return wrap(value, levels)


def lower(t, levels):
    """Batched ``t`` with the batch dims of ``levels`` made logical dims (leading, in order)."""
    own = levels_of(t)
    value = physical(t)
    keep = tuple(lv for lv in own if lv not in levels)
    order = [own.index(lv) for lv in keep] + [own.index(lv) for lv in levels]
    order += list(range(len(own), value.ndim))
    if order != list(range(value.ndim)):
        value = value.permute(order)
    return wrap(value, keep)


def lift(t, levels):
    """The inverse of ``lower``: ``t``'s leading logical dims become the batch dims ``levels``."""
    own = levels_of(t)
    value = physical(t)
    joined = own + tuple(levels)
    ordered = tuple(sorted(joined))
    order = [joined.index(lv) for lv in ordered] + list(range(len(joined), value.ndim))
    if order != list(range(value.ndim)):
        value = value.permute(order)
    return wrap(value, ordered)


# ----- forward mode under vmap: tangents live on the plain tensors ----------------------------

def make_dual(tensor, tangent, token):
    levels = merge(levels_of(tensor), levels_of(tangent))
    primal = physical(materialize(tensor, levels))
    tangent = physical(materialize(tangent, levels))
    dual = forward_ad.alias(primal)
    if tangent.array.dtype != primal.array.dtype:
        tangent = tangent.to(primal.dtype)
    forward_ad.set_tangent(dual, token, tangent)
    return wrap(dual, levels)


def unpack_dual(tensor, token):
    value = physical(tensor)
    tangent = forward_ad.get_tangent(value, token)
    if tangent is None:
        return tensor, None
    primal = forward_ad.alias(value)
    primal._tangent.pop(token, None)
    if not primal._tangent:
        primal._tangent = None
    return wrap(primal, tensor.levels), wrap(tangent, tensor.levels)


# ----- dispatch -------------------------------------------------------------------------------

def dispatch(cls, args, kwargs=None):
    """Run ``cls`` on batched arguments by its batch rule (NotImplemented when none is).
    With ``kwargs``, ``cls`` is a public function marked ``batch_rule``, whose rule gets its
    arguments by name."""
    levels = None
    for a in args if kwargs is None else (*args, *kwargs.values()):
        if a.__class__ is BatchedTensor:
            levels = a.levels if levels is None else merge(levels, a.levels)
    if levels is None:
        return NotImplemented
    if kwargs is not None:
        return _dispatch_function(cls, args, kwargs, levels)
    rule = RULES.get(cls)
    if rule is None and cls.__module__.endswith("ops.elementwise"):
        rule = _elementwise
    if rule is None:
        raise RuntimeError(f"vmap: {cls.__name__} has no batch rule, so it cannot run on "
                           f"batched tensors inside vmap; call it outside vmap or add a rule "
                           f"to gradiente.func._batching.RULES")
    return rule(cls, args, levels)


def _aligned(t, levels, rank=None):
    """Plain ``t`` with a dim per level of ``levels`` (size 1 where it has none) and its
    logical dims padded on the left with 1s to ``rank``."""
    if not isinstance(t, Tensor):
        return t
    own = levels_of(t)
    value = physical(t)
    logical = value.array.shape[len(own):]
    pad = 0 if rank is None else rank - len(logical)
    if own == levels and not pad:
        return value
    shape = tuple(value.array.shape[own.index(lv)] if lv in own else 1 for lv in levels)
    return value.reshape(shape + (1,) * pad + logical)


def _logical_ndim(t):
    return t.array.ndim if isinstance(t, Tensor) else 0


def _elementwise(cls, args, levels):
    """Element-wise operations broadcast: batch dims in front, logical dims right-aligned."""
    rank = max(_logical_ndim(a) for a in args)
    return wrap(cls.apply(*[_aligned(a, levels, rank) for a in args]), levels)


def _only_batched(cls, args, positions):
    for i, a in enumerate(args):
        if a.__class__ is BatchedTensor and i not in positions:
            raise RuntimeError(f"vmap: {cls.__name__} has a batch rule only for batched "
                               f"argument(s) {list(positions)}, but argument {i} is batched")


def _leading(*positions):
    """Operations that treat leading dims as independent: batch dims go in front."""
    def rule(cls, args, levels):
        _only_batched(cls, args, positions)
        args = [_aligned(a, levels) if i in positions else a for i, a in enumerate(args)]
        return wrap(cls.apply(*args), levels)
    return rule


def _shift_dims(op, dim, ndim, nb, none_is_all=True):
    if dim is None:
        return tuple(range(nb, nb + ndim)) if none_is_all else None
    if isinstance(dim, (tuple, list)):
        return tuple(nb + _check_dim(op, int(d), ndim) for d in dim) if ndim else ()
    if not ndim:
        if _check_dim(op, dim, ndim) == 0:
            return ()
    return nb + _check_dim(op, dim, ndim)


def _dim_arg(position):
    """Operations with a ``dim`` argument (int, tuple or None for all): shift it past the
    batch dims."""
    def rule(cls, args, levels):
        _only_batched(cls, args, (0,))
        x = args[0]
        args = list(args)
        args[0] = _aligned(x, levels)
        args[position] = _shift_dims(cls.__name__.lower(), args[position], x.array.ndim,
                                     len(levels))
        return wrap(cls.apply(*args), levels)
    return rule


def _batch_sizes(levels):
    return tuple(_SIZES[lv] for lv in levels)


def _reshape(cls, x, shape, op):
    return wrap(cls.apply(physical(x), _batch_sizes(x.levels) + tuple(shape), op), x.levels)


def _expand(cls, x, shape):
    value = _aligned(x, x.levels, len(shape))
    return wrap(cls.apply(value, _batch_sizes(x.levels) + tuple(shape)), x.levels)


def _permute(cls, x, dims):
    nb = len(x.levels)
    ndim = x.array.ndim
    if len(dims) != ndim:
        raise RuntimeError(f"permute: number of dims don't match: got {len(dims)} dims for a "
                           f"{ndim}-D tensor")
    order = tuple(range(nb)) + tuple(nb + _check_dim("permute", d, ndim) for d in dims)
    return wrap(cls.apply(x.value, order), x.levels)


def _sum_to_shape(cls, x, shape):
    nb = len(x.levels)
    value = x.value
    extra = x.array.ndim - len(shape)
    if extra > 0:  # sum the leading logical dims here: SumToShape would take the batch dims
        value = value.sum(tuple(range(nb, nb + extra)))
    return wrap(cls.apply(value, _batch_sizes(x.levels) + tuple(shape)), x.levels)


def _pad(cls, x, pads, value):
    return wrap(cls.apply(x.value, ((0, 0),) * len(x.levels) + tuple(pads), value), x.levels)


def _matmul(cls, args, levels):
    """Batch dims in front; 1-D operands as a row / column matrix, removed afterwards."""
    x, y = args
    rx, ry = _logical_ndim(x), _logical_ndim(y)
    if rx == 0 or ry == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got {rx}D and "
                           f"{ry}D tensors")
    nb = len(levels)
    if rx == 1 and ry == 2 and not levels_of(y):  # one (batch, k) @ (k, n) product
        return wrap(cls.apply(_aligned(x, levels), y), levels)
    if rx == 2 and ry == 1 and not levels_of(x):  # A @ v per example = V @ Aᵀ
        return wrap(cls.apply(_aligned(y, levels), x.transpose(0, 1)), levels)
    a = _aligned(x, levels)
    b = _aligned(y, levels)
    if rx == 1:
        a = a.unsqueeze(-2)
    if ry == 1:
        b = b.unsqueeze(-1)
    rank = max(rx, ry, 2)
    a, b = _pad_logical(a, nb, rank), _pad_logical(b, nb, rank)
    out = cls.apply(a, b)
    if ry == 1:
        out = out.squeeze(-1)
    if rx == 1:
        out = out.squeeze(-2)
    return wrap(out, levels)


def _pad_logical(value, nb, rank):
    shape = value.array.shape
    missing = rank - (len(shape) - nb)
    if missing <= 0:
        return value
    return value.reshape(shape[:nb] + (1,) * missing + shape[nb:])


def _cat(cls, args, levels):
    dim, tensors = args[0], args[1:]
    ndim = max(t.array.ndim for t in tensors)
    values = [physical(materialize(t, levels)) for t in tensors]
    return wrap(cls.apply(len(levels) + _check_dim("cat", dim, ndim), *values), levels)


def _linear(cls, args, levels):
    x, weight, bias = args
    if levels_of(weight) or (bias is not None and levels_of(bias)):
        from ..ops.linalg import matmul  # per-example weights: the composite batches
        out = matmul(x, weight.transpose(-1, -2))
        return out if bias is None else out + bias
    return wrap(cls.apply(_aligned(x, levels), weight, bias), levels)


def _batched_key(key, advanced, nb):
    """An index ``key`` of the logical dims, for the plain tensor with ``nb`` batch dims."""
    key = key if isinstance(key, tuple) else (key,)
    if advanced:
        kinds = [not (k is None or k is Ellipsis or isinstance(k, slice)) for k in key]
        first = kinds.index(True) if True in kinds else 0
        last = len(kinds) - kinds[::-1].index(True) if True in kinds else 0
        if not all(kinds[first:last]):
            raise RuntimeError("vmap: indexing with advanced indices separated by slices has "
                               "no batch rule (NumPy would move the indexed dims in front)")
    return (slice(None),) * nb + key


def _getitem(cls, args, levels):
    _only_batched(cls, args, (0,))
    x, key, advanced = args
    key = _batched_key(key, advanced, len(levels))
    return wrap(cls.apply(_aligned(x, levels), key, advanced), levels)


def _index_put(cls, args, levels):
    _only_batched(cls, args, (0, 3))
    x, key, advanced, values, accumulate = args
    base = physical(materialize(x, levels))  # IndexPut writes into a copy
    if isinstance(values, Tensor):
        region = np.broadcast_to(np.empty((), x.array.dtype), x.array.shape)[key].shape
        values = _aligned(values, levels, max(len(region), values.array.ndim))
    key = _batched_key(key, advanced, len(levels))
    return wrap(cls.apply(base, key, advanced, values, accumulate), levels)


def _class_loss(cls, args, levels):
    """Losses over class indices: examples joined into the loss's own batch, reduced after."""
    x, target, weight, ignore_index, reduction = args[:5]
    if weight is not None and reduction == "mean":
        raise RuntimeError(f"vmap: {cls.__name__} with class weights and reduction='mean' has "
                           f"no batch rule")
    nb = len(levels)
    logits = physical(materialize(x, levels))
    labels = physical(materialize(target, levels))
    skip = nb if x.array.ndim == 1 else nb + 1  # per-example logits (C,) or (N, C, ...)
    losses = cls.apply(logits.reshape((-1,) + tuple(logits.shape[skip:])),
                       labels.reshape((-1,) + tuple(labels.shape[skip:])), weight,
                       ignore_index, "none", *args[5:])
    losses = losses.reshape(tuple(labels.shape))
    if reduction == "none" or labels.ndim == nb:
        return wrap(losses, levels)
    logical = tuple(range(nb, labels.ndim))
    total = losses.sum(logical)
    if reduction == "sum":
        return wrap(total, levels)
    kept = (labels != ignore_index).sum(logical).to(total.dtype)
    return wrap(total / kept, levels)


def _pointwise_loss(cls, args, levels):
    """Losses of element pairs: per-element losses broadcast, then reduced per example."""
    *operands, reduction = args
    rank = max(_logical_ndim(a) for a in operands)
    losses = cls.apply(*[_aligned(a, levels, rank) for a in operands], "none")
    logical = tuple(range(len(levels), losses.ndim))
    if reduction == "none" or not logical:
        return wrap(losses, levels)
    return wrap(losses.sum(logical) if reduction == "sum" else losses.mean(logical), levels)


def _single(fn):
    """A rule for operations with one batched tensor argument, the first."""
    def rule(cls, args, levels):
        _only_batched(cls, args, (0,))
        return fn(cls, *args)
    return rule


def _fold_into_batch(cls, args, levels):
    """Windows: the batch dims join the operation's own batch dim N."""
    _only_batched(cls, args, (0,))
    x, *rest = args
    value = x.value
    batch = tuple(value.shape[:len(levels)])
    out = cls.apply(value.reshape((-1,) + tuple(value.shape[len(levels) + 1:])), *rest)
    return wrap(out.reshape(batch + (-1,) + tuple(out.shape[1:])), levels)


def _fold_adjoint(cls, args, levels):
    """WindowsAdjoint: the batch dims join N, in the columns and in the target shape."""
    _only_batched(cls, args, (0,))
    cols, shape, *rest = args
    value = cols.value
    batch = tuple(value.shape[:len(levels)])
    folded = value.reshape((-1,) + tuple(value.shape[len(levels) + 1:]))
    out = cls.apply(folded, (folded.shape[0],) + tuple(shape[1:]), *rest)
    return wrap(out.reshape(batch + tuple(shape)), levels)


def _fold_picked(cls, args, levels):
    """PickWindow and its adjoint: the batch dims join N, in the values and in the (plain,
    per-example) choice of window positions, and in the target shape if there is one."""
    _only_batched(cls, args, (0,))
    x, choice, *shape = args
    nb, value = len(levels), args[0].value
    batch = tuple(value.shape[:nb])
    folded = value.reshape((-1,) + tuple(value.shape[nb + 1:]))
    choice = np.broadcast_to(choice, batch + choice.shape).reshape((-1,) + choice.shape[1:])
    if shape:
        shape = [(folded.shape[0],) + tuple(shape[0][1:])]
    out = cls.apply(folded, choice, *shape)
    return wrap(out.reshape(batch + (-1,) + tuple(out.shape[1:])), levels)


def _einsum(cls, args, levels):
    """One fresh letter per batch level, in front of each batched operand and of the output."""
    from ..ops.linalg import _parse_einsum
    equation, operands = args[0], args[1:]
    terms, output = _parse_einsum(equation, tuple(tuple(t.shape) for t in operands))
    used = set("".join(terms))
    spare = [c for c in string.ascii_letters if c not in used]
    if len(spare) < len(levels):
        raise RuntimeError(f"einsum: {equation!r} leaves too few letters for {len(levels)} "
                           f"vmap levels")
    letter = dict(zip(levels, spare))
    terms = ["".join(letter[lv] for lv in levels_of(t)) + term for t, term in zip(operands,
                                                                                 terms)]
    output = "".join(letter[lv] for lv in levels) + output
    return wrap(cls.apply(",".join(terms) + "->" + output, *map(physical, operands)), levels)


def _diagonal(cls, x, offset, dim1, dim2):
    nb, ndim = len(x.levels), x.array.ndim
    dim1, dim2 = _check_dim("diagonal", dim1, ndim), _check_dim("diagonal", dim2, ndim)
    return wrap(cls.apply(x.value, offset, nb + dim1, nb + dim2), x.levels)


def _diag_embed(cls, x, shape, offset, dim1, dim2):
    nb, ndim = len(x.levels), len(shape)
    dim1, dim2 = _check_dim("diag_embed", dim1, ndim), _check_dim("diag_embed", dim2, ndim)
    return wrap(cls.apply(x.value, _batch_sizes(x.levels) + tuple(shape), offset, nb + dim1,
                          nb + dim2), x.levels)


def _repeat(cls, x, repeats):
    nb = len(x.levels)
    value = _aligned(x, x.levels, max(len(repeats), x.array.ndim))
    return wrap(cls.apply(value, (1,) * nb + tuple(repeats)), x.levels)


def _flip(cls, x, dims):
    ndim = x.array.ndim
    axes = tuple(len(x.levels) + _check_dim("flip", d, ndim) for d in dims) if ndim else ()
    if ndim == 0:
        for d in dims:
            _check_dim("flip", d, 0)
    return wrap(cls.apply(x.value, axes), x.levels)


def _roll(cls, x, shifts, dims):
    from ..ops.movement import Clone
    nb, ndim, value = len(x.levels), x.array.ndim, x.value
    if dims is None:  # roll the flattened example
        flat = value.reshape(_batch_sizes(x.levels) + (-1,))
        return wrap(cls.apply(flat, shifts, (nb,)).reshape(tuple(value.shape)), x.levels)
    axes = tuple(nb + _check_dim("roll", d, ndim) for d in dims)
    if ndim == 0:
        return wrap(Clone.apply(value), x.levels)
    return wrap(cls.apply(value, shifts, axes), x.levels)


def _select_by_index(cls, x, index, dim, keepdim):
    """The per-example ``index`` (kept dim of size 1) broadcasts over the batch dims."""
    from ..ops.movement import Clone
    nb, ndim = len(x.levels), x.array.ndim
    if ndim == 0:
        return wrap(Clone.apply(x.value), x.levels)
    index = np.asarray(index).reshape((1,) * nb + np.shape(index))
    return wrap(cls.apply(x.value, index, nb + _check_dim("select", dim, ndim), keepdim),
                x.levels)


def _median(cls, x, dim, keepdim, nan_shares=False):
    """The median of all elements (Median ignores dim): of each example's flattened ones."""
    nb, batch = len(x.levels), _batch_sizes(x.levels)
    out = _MedianAlongLastDim.apply(x.value.reshape(batch + (-1,)), nb, False, nan_shares)
    return wrap(out.reshape(batch + (1,) * x.array.ndim) if keepdim else out, x.levels)


def _make_median_along_last_dim():
    from ..ops import reduce

    class MedianAlongLastDim(reduce.Median):
        """Median's rules (ties share the gradient), along one dim: the batched median."""

        @staticmethod
        def array_op(a, axis, keepdims):
            """the lower median along axis (NaN if the slice has one)"""
            (axis,) = axis
            out = np.take_along_axis(a, reduce._median_index("median", a, axis), axis)
            return out if keepdims else np.squeeze(out, axis)
    return MedianAlongLastDim


def _same_shape_operands(count):
    """Element-wise operations that require equal shapes (the BCE losses): the first ``count``
    operands expanded to every batch level, the rest broadcast."""
    def rule(cls, args, levels):
        rank = max(_logical_ndim(a) for a in args[:count])
        full = [physical(materialize(a, levels)) for a in args[:count]]
        rest = [_aligned(a, levels, rank) for a in args[count:]]
        return wrap(cls.apply(*full, *rest), levels)
    return rule


def _batch_norm(cls, args, levels):
    """Each example normalised with its own statistics: the batch dims join the channels."""
    x, weight, bias, running_mean, running_var, momentum, eps = args
    if running_mean is not None or running_var is not None:
        raise RuntimeError("vmap: batch_norm that updates running statistics in place has no "
                           "batch rule (each example would write the shared buffers); use "
                           "track_running_stats=False or eval mode inside vmap")
    nb = len(levels)
    value = physical(materialize(x, levels))
    shape = tuple(value.shape)
    order = [nb] + list(range(nb)) + list(range(nb + 1, value.ndim))
    folded = value.permute(order).reshape((shape[nb], -1) + shape[nb + 2:])
    affine = [None if p is None else
              physical(materialize(p, levels)).reshape((1, -1) + (1,) * (len(shape) - nb - 2))
              for p in (weight, bias)]
    out = cls.apply(folded, *affine, None, None, momentum, eps)
    out = out.reshape((shape[nb],) + shape[:nb] + shape[nb + 1:])
    back = list(range(1, nb + 1)) + [0] + list(range(nb + 1, value.ndim))
    return wrap(out.permute(back), levels)


def _layer_norm(cls, args, levels):
    """Batch dims in front of the input; per-example weight and bias broadcast against it."""
    x, normalized_shape, weight, bias, eps = args
    rank = _logical_ndim(x)
    weight, bias = [p if levels_of(p) == () else _aligned(p, levels, rank)
                    for p in (weight, bias)]
    return wrap(cls.apply(_aligned(x, levels), normalized_shape, weight, bias, eps), levels)


def _embedding(cls, args, levels):
    """Per-example tables stacked into one: each example's indices offset by its number of
    rows (so scale_grad_by_freq counts per example). A padding row still gives its value but
    gets no gradient."""
    weight, indices, padding_idx, *scale_grad_by_freq = args
    if not levels_of(weight):
        return _leading(1)(cls, args, levels)
    nb, batch = len(levels), _batch_sizes(levels)
    table = physical(materialize(weight, levels))
    rows = table.shape[nb]
    idx = physical(materialize(indices, levels)).array
    offset = np.arange(math.prod(batch)).reshape(batch + (1,) * (idx.ndim - nb)) * rows
    flat = Tensor._make(idx + offset)
    stacked = table.reshape((-1,) + tuple(table.shape[nb + 1:]))
    out = cls.apply(stacked, flat, None, *scale_grad_by_freq)
    if padding_idx is not None:
        from ..ops.elementwise import where
        from ..ops.nn import _padding_mask
        kept = _padding_mask(Tensor._make(idx), padding_idx, np.bool_)
        out = where(kept.reshape(kept.shape + (1,) * (out.ndim - kept.ndim)), out,
                    cls.apply(stacked.detach(), flat, None))
    return wrap(out, levels)


def _embedding_backward(cls, args, levels):
    """Each example's rows in a block of its own: indices offset by the example's number,
    padding positions sent to one extra row that is dropped."""
    g, indices, num_weights, padding_idx, *scale_grad_by_freq = args
    nb = len(levels)
    rows = physical(materialize(g, levels))
    idx = physical(materialize(indices, levels)).array
    batch = _batch_sizes(levels)
    examples = math.prod(batch)
    offset = np.arange(examples).reshape(batch + (1,) * (idx.ndim - nb)) * num_weights
    flat = idx + offset
    if padding_idx is not None:
        flat = np.where(idx == padding_idx, examples * num_weights, flat)
    out = cls.apply(rows.reshape((-1,) + tuple(rows.shape[idx.ndim:])),
                    Tensor._make(flat.reshape(-1)), examples * num_weights + 1, None,
                    *scale_grad_by_freq)
    out = out.narrow(0, 0, examples * num_weights)
    return wrap(out.reshape(batch + (num_weights,) + tuple(rows.shape[idx.ndim:])), levels)


# ----- public functions that read values (marked ``batch_rule``) -------------------------------

def _dispatch_function(fn, args, kwargs, levels):
    rule = FUNCTION_RULES.get(fn)
    if rule is None:
        raise RuntimeError(f"vmap: {fn.__name__} has no batch rule, so it cannot run on "
                           f"batched tensors inside vmap; add one to "
                           f"gradiente.func._batching.FUNCTION_RULES")
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return rule(fn, bound.arguments, levels)


def _rewrapped(out, levels):
    """A function's result (a tensor or a (named) tuple of them) batched at ``levels``."""
    if isinstance(out, Tensor):
        return wrap(out, levels)
    items = [_rewrapped(o, levels) for o in out]
    return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)


def _squeezed_last(out):
    """``out`` with the trailing size-1 dim (added for a 0-d example) removed."""
    if isinstance(out, Tensor):
        return out.squeeze(-1) if out.ndim and out.shape[-1] == 1 else out
    items = [_squeezed_last(o) for o in out]
    return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)


def _physical_args(arguments, names, levels, trailing=False):
    for name in names:
        if isinstance(arguments[name], Tensor):
            value = physical(materialize(arguments[name], levels))
            arguments[name] = value.unsqueeze(-1) if trailing else value


def _along_dim(*names, default=None, when=lambda arguments: True):
    """Functions of tensors ``names`` (all batched at every level) along ``dim``: the dim
    shifted past the batch dims. A 0-d example gets a trailing dim of size 1, removed after.
    ``when`` tells which calls need this rule; the others run as they are (their operations
    have rules)."""
    def rule(fn, arguments, levels):
        dim = arguments["dim"]
        if isinstance(dim, Tensor) or not when(arguments):
            return NotImplemented
        dim = default if dim is None else dim
        ndim = arguments[names[0]].ndim
        _check_dim(fn.__name__, dim, ndim)
        _physical_args(arguments, names, levels, trailing=ndim == 0)
        arguments["dim"] = len(levels) + (dim % ndim if ndim else 0)
        out = fn(**arguments)
        return _rewrapped(_squeezed_last(out) if ndim == 0 else out, levels)
    return rule


def _index_batched(arguments):
    return arguments["index"].__class__ is BatchedTensor


def _arg_extreme(fn, arguments, levels):
    """argmax / argmin: over each example's flattened elements when dim is None."""
    if arguments["dim"] is not None:
        return _along_dim("input")(fn, arguments, levels)
    x, batch = arguments["input"], _batch_sizes(levels)
    flat = physical(materialize(x, levels)).reshape(batch + (-1,))
    out = fn(flat, len(levels), False)
    return wrap(out.reshape(batch + (1,) * x.ndim) if arguments["keepdim"] else out, levels)


def _index_along(fn, arguments, levels, make):
    """index_select / index_add / index_fill with a batched 1-D index: its entries broadcast
    along every other dim of ``input``, for ``make(input, dim, full_index)`` (gather or
    scatter)."""
    x, dim, index = arguments["input"], arguments["dim"], arguments["index"]
    if x.ndim == 0 or index.ndim > 1:
        return NotImplemented
    nb, axis = len(levels), _check_dim(fn.__name__, dim, x.ndim)
    value = physical(materialize(x, levels))
    entries = physical(materialize(index, levels))
    count = entries.shape[-1] if index.ndim else 1
    shape = list(value.shape)
    shape[nb + axis] = count
    entries = entries.reshape(tuple(shape[:nb]) + (1,) * axis + (count,)
                              + (1,) * (x.ndim - axis - 1))
    return wrap(make(value, nb + axis, entries.expand(shape), shape), levels)


def _index_select(fn, arguments, levels):
    from ..ops.indexing import gather
    if not _index_batched(arguments):
        return NotImplemented
    return _index_along(fn, arguments, levels, lambda x, dim, index, _: gather(x, dim, index))


def _index_add(fn, arguments, levels):
    from ..ops.indexing import scatter_add
    if not _index_batched(arguments):
        return NotImplemented
    source, alpha = arguments["source"], arguments["alpha"]
    expected = list(arguments["input"].shape)
    if expected:
        expected[_check_dim("index_add", arguments["dim"], len(expected))] = \
            arguments["index"].numel()
    if list(source.shape) != expected:
        raise RuntimeError(f"index_add: source of shape {list(source.shape)} does not match "
                           f"the expected shape {expected} (input with dim "
                           f"{arguments['dim']} replaced by the index length)")

    def make(x, dim, index, shape):
        src = physical(materialize(source, levels)).expand(shape)
        return scatter_add(x, dim, index, src if alpha == 1 else src * alpha)
    return _index_along(fn, arguments, levels, make)


def _index_fill(fn, arguments, levels):
    from ..ops.indexing import scatter
    if not _index_batched(arguments):
        return NotImplemented
    value = arguments["value"]

    def make(x, dim, index, shape):
        if not isinstance(value, Tensor):
            return scatter(x, dim, index, value=value)
        fill = physical(materialize(value, levels)).to(x.dtype)
        return scatter(x, dim, index, fill.reshape(fill.shape + (1,) * (len(shape) - fill.ndim))
                       .expand(shape))
    return _index_along(fn, arguments, levels, make)


def _take(fn, arguments, levels):
    """take: each example's flattened input gathered at its index (negatives from the end)."""
    from ..ops.indexing import gather
    x, index = arguments["input"], arguments["index"]
    if not _index_batched(arguments):
        return NotImplemented
    n, batch = x.numel(), _batch_sizes(levels)
    entries = physical(materialize(index, levels)).array.astype(np.int64)
    if entries.size and (entries.min() < -n or entries.max() >= n):
        bad = entries[(entries < -n) | (entries >= n)].flat[0]
        raise IndexError(f"take: out of range: tried to access index {int(bad)} on a tensor of "
                         f"{n} elements.")
    flat = physical(materialize(x, levels)).reshape(batch + (-1,))
    positions = Tensor._make(np.where(entries < 0, entries + n, entries).reshape(batch + (-1,)))
    return wrap(gather(flat, len(levels), positions).reshape(batch + tuple(index.shape)), levels)


def _quantile(fn, arguments, levels):
    """quantile / nanquantile along dim of each example (its flattened elements for None); the
    dim of a 1-D q, leading in the result, goes behind the batch dims."""
    x, dim, keepdim, q = arguments["input"], arguments["dim"], arguments["keepdim"], \
        arguments["q"]
    if q.__class__ is BatchedTensor:
        return NotImplemented
    nb, batch = len(levels), _batch_sizes(levels)
    value = physical(materialize(x, levels))
    flat = dim is None or x.ndim == 0
    if not flat:
        dim = nb + _check_dim(fn.__name__, dim, x.ndim)
    out = fn(value.reshape(batch + (-1,)) if flat else value, q, nb if flat else dim,
             keepdim and not flat, interpolation=arguments["interpolation"])
    if isinstance(q, Tensor) and q.ndim == 1:
        out = out.movedim(0, nb)
    if flat and keepdim:
        out = out.reshape(tuple(out.shape) + (1,) * x.ndim)
    return wrap(out, levels)


def _pooling(nd):
    """Pooling that picks values (max_pool): the batch dims join the pooling's own batch dim N
    (or become it, for examples without one)."""
    def rule(fn, arguments, levels):
        x = arguments["input"]
        nb, batch = len(levels), _batch_sizes(levels)
        value = physical(materialize(x, levels))
        lead = nb + 1 if x.ndim == nd + 2 else nb
        arguments["input"] = value.reshape((-1,) + tuple(value.shape[lead:]))
        out = fn(**arguments)
        kept = tuple(value.shape[nb:lead])
        return _rewrapped(_unfolded(out, batch + kept), levels)
    return rule


def _unfolded(out, lead):
    if isinstance(out, Tensor):
        return out.reshape(lead + tuple(out.shape[1:]))
    return type(out)(_unfolded(o, lead) for o in out)


def _register_functions():
    from ..ops import reduce, indexing, conv
    return {
        conv.max_pool1d: _pooling(1),
        conv.max_pool2d: _pooling(2),
        conv.max_pool3d: _pooling(3),
        reduce.argmax: _arg_extreme,
        reduce.argmin: _arg_extreme,
        reduce.max: _along_dim("input", when=lambda a: a["dim"] is not None),
        reduce.min: _along_dim("input", when=lambda a: a["dim"] is not None),
        reduce.median: _along_dim("input", when=lambda a: a["dim"] is not None),
        reduce.nanmedian: _along_dim("input", when=lambda a: a["dim"] is not None),
        reduce.mode: _along_dim("input"),
        reduce.cummax: _along_dim("input"),
        reduce.cummin: _along_dim("input"),
        reduce.quantile: _quantile,
        reduce.nanquantile: _quantile,
        indexing.sort: _along_dim("input"),
        indexing.argsort: _along_dim("input"),
        indexing.topk: _along_dim("input", default=-1),
        indexing.kthvalue: _along_dim("input"),
        indexing.gather: _along_dim("input", "index", when=_index_batched),
        indexing.scatter: _along_dim("input", "index", "src", when=_index_batched),
        indexing.scatter_add: _along_dim("input", "index", "src", when=_index_batched),
        indexing.scatter_reduce: _along_dim("input", "index", "src"),
        indexing.index_select: _index_select,
        indexing.index_add: _index_add,
        indexing.index_fill: _index_fill,
        indexing.take: _take,
    }


def _register():
    from ..ops import reduce, movement, linalg
    from ..ops import nn as nn_ops
    from ..ops import indexing
    rules = {
        reduce.SumToShape: _single(_sum_to_shape),
        movement.Reshape: _single(_reshape),
        movement.Expand: _single(_expand),
        movement.Permute: _single(_permute),
        movement.Cat: _cat,
        movement.Pad: _single(_pad),
        movement.Narrow: _single(_pad),
        linalg.Matmul: _matmul,
        indexing.GetItem: _getitem,
        indexing.IndexPut: _index_put,
    }
    dim_at = {1: ("Sum", "Mean", "Prod", "Amax", "Amin", "Var", "Logsumexp", "Cumsum",
                  "Cumprod", "Logcumsumexp"),
              2: ("Norm",)}
    for position, names in dim_at.items():
        for name in names:
            if hasattr(reduce, name):
                rules[getattr(reduce, name)] = _dim_arg(position)
    for name in ("Softmax", "LogSoftmax"):
        if hasattr(nn_ops, name):
            rules[getattr(nn_ops, name)] = _dim_arg(1)
    for name in ("CrossEntropy", "NllLoss"):
        if hasattr(nn_ops, name):
            rules[getattr(nn_ops, name)] = _class_loss
    for name in ("MseLoss",):
        if hasattr(nn_ops, name):
            rules[getattr(nn_ops, name)] = _pointwise_loss
    if hasattr(nn_ops, "Linear"):
        rules[nn_ops.Linear] = _linear
    for module, name, positions in ((movement, "Clone", (0,)), (movement, "Tril", (0,)),
                                    (movement, "Triu", (0,))):
        if hasattr(module, name):
            rules[getattr(module, name)] = _leading(*positions)
    from ..ops import conv
    for name in ("PickWindow", "PickWindowAdjoint"):
        if hasattr(conv, name):
            rules[getattr(conv, name)] = _fold_picked
    rules.update({
        conv.Windows: _fold_into_batch,
        conv.WindowsAdjoint: _fold_adjoint,
        indexing.Gather: _getitem,
        indexing.IndexSelect: _getitem,
        indexing.Scatter: _index_put,
        indexing.ScatterAdd: _index_put,
        indexing.IndexAdd: _index_put,
        linalg.Einsum: _einsum,
        linalg.Diagonal: _single(_diagonal),
        linalg.DiagEmbed: _single(_diag_embed),
        # factorizations treat leading dims as a batch; solve's A and B broadcast their batches
        **{cls: _leading(0) for cls in (linalg.Inv, linalg.Slogdet, linalg.Cholesky,
                                        linalg.Eigh, linalg.Svd, linalg.Qr, linalg.Pinv,
                                        linalg.MatrixExp, linalg.LuFactor)},
        linalg.Solve: _elementwise,
        movement.Repeat: _single(_repeat),
        movement.Flip: _single(_flip),
        movement.Roll: _single(_roll),
        reduce.SelectByIndex: _single(_select_by_index),
        reduce.Median: _single(_median),
        reduce.Std: _dim_arg(1),
        nn_ops.BinaryCrossEntropyWithLogits: _same_shape_operands(2),
        nn_ops.BinaryCrossEntropy: _same_shape_operands(2),
        nn_ops.BatchNorm: _batch_norm,
        nn_ops.LayerNorm: _layer_norm,
        nn_ops.Embedding: _embedding,
        nn_ops.EmbeddingBackward: _embedding_backward,
    })
    return rules


_MedianAlongLastDim = _make_median_along_last_dim()
RULES = _register()
FUNCTION_RULES = _register_functions()
