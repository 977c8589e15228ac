"""Shape operations: reshape, view, expand, permute, cat, split, repeat, flip, roll, pad, ...

They are linear, so their JVP is the operation itself applied to the tangent, and their VJP
is the adjoint movement of the gradient (a slice's adjoint pads with zeros, a copy's adjoint
sums the copies).
"""

import itertools
import math
import warnings
from functools import reduce as _fold

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor, _check_dim

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_to", "cartesian_prod",
    "cat", "chunk", "clone", "column_stack", "concat", "concatenate", "contiguous", "diff",
    "dstack", "expand", "expand_as", "flatten", "flip", "fliplr", "flipud", "hstack", "meshgrid",
    "moveaxis", "movedim", "narrow", "permute", "repeat", "reshape", "roll", "rot90", "row_stack",
    "split", "squeeze", "stack", "swapaxes", "swapdims", "t", "tile", "transpose", "tril", "triu",
    "unbind", "unflatten", "unsqueeze", "view", "view_as", "vstack",
]

# Tensor methods that are written in place (made by ops/__init__._inplace)
INPLACE = {}


def _infer_shape(op, shape, numel):
    shape = [int(s) for s in shape]
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)}")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size "
                               f"{numel}")
        shape[shape.index(-1)] = numel // known
    if math.prod(shape) != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _share_version(input, out):
    """A view shares its base's version counter: in-place changes through either are seen."""
    if out.array.base is not None and np.may_share_memory(out.array, input.array):
        out._version = input._version
    return out


def _dims_tuple(dims):
    return (dims,) if isinstance(dims, int) else tuple(dims)


class Reshape(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, shape, op):
        """out = x with the same elements in a new shape"""
        a = x.array
        ctx.shape_in = a.shape
        ctx.shape_out = _infer_shape(op, shape, a.size)
        if op == "reshape":
            return a.reshape(ctx.shape_out)
        try:  # a view never copies
            return np.reshape(a, ctx.shape_out, copy=False)
        except ValueError:
            raise RuntimeError(f"view: view size is not compatible with input tensor's size and "
                               f"stride (shape {a.shape}, strides {_strides(a)}): at least one "
                               f"dimension spans across two contiguous subspaces. Use "
                               f".reshape(...) instead.") from None

    @staticmethod
    def backward(ctx, g):
        """dx = g reshaped back"""
        return g.reshape(ctx.shape_in), None, None

    @staticmethod
    def jvp(ctx, dx, *_):  # non-tensor arguments get None tangents
        return dx.reshape(ctx.shape_out)


class Expand(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, shape):
        """out = x broadcast to shape (a view: no copy)"""
        a = x.array
        ctx.shape_in = a.shape
        lead = len(shape) - a.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be "
                               f"greater or equal to the number of dimensions in the tensor "
                               f"({a.ndim})")
        shape = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        ctx.shape_out = shape
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise RuntimeError(f"expand: the expanded size {list(shape)} is not compatible "
                               f"with the tensor's shape {list(a.shape)}") from None

    @staticmethod
    def backward(ctx, g):
        """dx = g summed over the broadcast dims (the engine's sum_to_shape does it)"""
        return g, None

    @staticmethod
    def jvp(ctx, dx, _):  # the shape argument's tangent is None
        return dx.expand(ctx.shape_out)


class Permute(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dims):
        """out = x with its axes reordered by dims"""
        a = x.array
        if len(dims) != a.ndim:
            raise RuntimeError(f"permute: number of dims don't match: got {len(dims)} dims for "
                               f"a {a.ndim}-D tensor")
        dims = tuple(_check_dim("permute", d, a.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"permute: repeated dim in {dims}")
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, g):
        """dx = g with the inverse permutation"""
        return np.transpose(g, tuple(np.argsort(ctx.dims))), None

    @staticmethod
    def jvp(ctx, dx, _):
        return dx.permute(ctx.dims)


def reshape(input, *shape):
    shape = _shape_args(shape)
    if (input.array.shape == shape and not input._requires_grad and not input._tangent
            and input.__class__ is Tensor):
        return _share_version(input, Tensor._make(input.array))
    return _share_version(input, Reshape.apply(input, shape, "reshape"))


def _strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def view(input, *shape):
    """The same memory in a new shape; an error where that needs a copy (use reshape)."""
    shape = _shape_args(shape)
    if (input.array.shape == shape and not input._requires_grad and not input._tangent
            and input.__class__ is Tensor):
        return _share_version(input, Tensor._make(input.array))
    return _share_version(input, Reshape.apply(input, shape, "view"))


def view_as(input, other):
    return view(input, other.shape)


def expand(input, *shape):
    shape = _shape_args(shape)
    if input.array.shape == shape:
        return input
    return _share_version(input, Expand.apply(input, shape))


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def permute(input, *dims):
    return _share_version(input, Permute.apply(input, _shape_args(dims)))


def transpose(input, dim0, dim1):
    ndim = input.array.ndim
    if ndim == 0:
        return input
    dims = list(range(ndim))
    d0, d1 = _check_dim("transpose", dim0, ndim), _check_dim("transpose", dim1, ndim)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _share_version(input, Permute.apply(input, tuple(dims)))


swapaxes = swapdims = transpose


def t(input):
    if input.array.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but self is "
                           f"{input.array.ndim}D")
    return transpose(input, 0, 1) if input.array.ndim == 2 else input


def unsqueeze(input, dim):
    ndim = input.array.ndim
    axis = _check_dim("unsqueeze", dim, ndim + 1)
    shape = input.array.shape
    return reshape(input, shape[:axis] + (1,) + shape[axis:])


def squeeze(input, dim=None):
    shape = input.array.shape
    if dim is None:
        axes = {i for i, n in enumerate(shape) if n == 1}
    else:
        axes = {_check_dim("squeeze", d, len(shape)) for d in _dims_tuple(dim)}
        axes = {a for a in axes if shape and shape[a] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shape) if i not in axes))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one."""
    shape = input.array.shape
    if not shape:
        return reshape(input, (1,))
    start = _check_dim("flatten", start_dim, len(shape))
    end = _check_dim("flatten", end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten: start_dim cannot come after end_dim")
    if start == end:
        return input
    return reshape(input, shape[:start] + (-1,) + shape[end + 1:])


def unflatten(input, dim, sizes):
    """Split dim into the given sizes (one of them may be -1)."""
    shape = input.array.shape
    axis = _check_dim("unflatten", dim, len(shape))
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(s for s in sizes if s != -1)
    if (-1 not in sizes and known != shape[axis]) or (
            -1 in sizes and (known == 0 or shape[axis] % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[axis]}) in the input tensor")
    sizes = tuple(shape[axis] // known if s == -1 else s for s in sizes)  # -1 of a 0-size dim
    return reshape(input, shape[:axis] + sizes + shape[axis + 1:])


def movedim(input, source, destination):
    """Move the dims ``source`` to the positions ``destination``; the others keep their order."""
    ndim = input.array.ndim
    source, destination = _dims_tuple(source), _dims_tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source "
                           f"({list(source)} dims) should contain the same number of dims as "
                           f"destination ({list(destination)} dims)")
    source = [_check_dim("movedim", d, ndim) for d in source]
    destination = [_check_dim("movedim", d, ndim) for d in destination]
    for name, dims in (("source", source), ("destination", destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    if ndim == 0:
        return input
    rest = iter(d for d in range(ndim) if d not in source)
    placed = dict(zip(destination, source))
    return permute(input, tuple(placed[i] if i in placed else next(rest) for i in range(ndim)))


moveaxis = movedim


# ----- copies: repeat, flip, roll -------------------------------------------------------------

class Repeat(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, repeats):
        """out = x tiled repeats[i] times along dim i (extra leading repeats add dims)"""
        a = x.array
        if len(repeats) < a.ndim:
            raise RuntimeError("repeat: Number of dimensions of repeat dims can not be smaller "
                               "than number of dimensions of tensor")
        if any(r < 0 for r in repeats):
            raise RuntimeError(f"repeat: Trying to create tensor with negative dimension "
                               f"{min(repeats)}: {list(repeats)}")
        ctx.shape_in, ctx.repeats = a.shape, repeats
        ctx.padded = (1,) * (len(repeats) - a.ndim) + a.shape
        return np.tile(a.reshape(ctx.padded), repeats)

    @staticmethod
    def backward(ctx, g):
        """dx = g summed over the copies"""
        split = []
        for copies, n in zip(ctx.repeats, ctx.padded):
            split += [copies, n]
        copies = tuple(range(0, len(split), 2))
        return g.reshape(split).sum(copies).reshape(ctx.shape_in), None

    @staticmethod
    def jvp(ctx, dx, _):
        return dx.repeat(ctx.repeats)


def repeat(input, *repeats):
    """Tile the tensor ``repeats[i]`` times along dim i (PyTorch's repeat, NumPy's tile)."""
    return Repeat.apply(input, tuple(int(r) for r in _shape_args(repeats)))


def tile(input, dims):
    """Like repeat, but missing leading repeats count as 1."""
    dims = tuple(int(r) for r in _dims_tuple(dims))
    return repeat(input, (1,) * (input.array.ndim - len(dims)) + dims)


class Flip(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, dims):
        """out = x reversed along dims (a copy, as in PyTorch)"""
        a = x.array
        axes = [_check_dim("flip", d, a.ndim) for d in dims]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"flip: dim {axes[0]} appears multiple times in the list of dims")
        ctx.axes = tuple(axes) if a.ndim else ()
        return np.flip(a, ctx.axes).copy()

    @staticmethod
    def backward(ctx, g):
        """dx = g reversed along the same dims"""
        return np.flip(g, ctx.axes), None

    @staticmethod
    def jvp(ctx, dx, _):
        return dx.flip(ctx.axes)


def flip(input, *dims):
    if not dims:
        raise TypeError("flip: missing the required argument 'dims'")
    return Flip.apply(input, _shape_args(dims))


def fliplr(input):
    if input.array.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    if input.array.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(input, 0)


class Roll(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        """out[(i + shift) % n] = x[i] along each dim (over the flattened tensor for no dims)"""
        a = x.array
        if dims is not None:
            dims = tuple(_check_dim("roll", d, a.ndim) for d in dims)
        # a 0-d tensor rolls as its one element, whatever the dims
        ctx.shifts, ctx.dims = shifts, dims if a.ndim else None
        if ctx.dims is None:
            return np.roll(a.reshape(-1), shifts).reshape(a.shape)
        return np.roll(a, shifts, axis=dims)

    @staticmethod
    def backward(ctx, g):
        """dx = g rolled back by -shifts"""
        return np.roll(g, tuple(-s for s in ctx.shifts), ctx.dims), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return Roll.apply(dx, ctx.shifts, ctx.dims)


def roll(input, shifts, dims=None):
    shifts = _dims_tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims: 0")
        return Roll.apply(input, shifts, None)
    dims = _dims_tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    return Roll.apply(input, shifts, dims)


# ----- joining: cat, stack --------------------------------------------------------------------

class Cat(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, dim, *tensors):
        """out = [x1, x2, ...] joined along dim"""
        arrays = [x.array for x in tensors]
        # PyTorch's legacy rule: 1-D empty tensors are skipped whatever the others' shapes
        kept = [a for a in arrays if not (a.ndim == 1 and a.size == 0)] or arrays[:1]
        first = kept[0]
        if first.ndim == 0:
            raise RuntimeError("cat: zero-dimensional tensor (at position 0) cannot be "
                               "concatenated")
        axis = _check_dim("cat", dim, first.ndim)
        for i, a in enumerate(arrays):
            if a.ndim == 1 and a.size == 0 and len(kept) < len(arrays):
                continue
            if a.ndim != first.ndim:
                raise RuntimeError(f"cat: Tensors must have same number of dimensions: got "
                                   f"{first.ndim} and {a.ndim}")
            for d in range(a.ndim):
                if d != axis and a.shape[d] != first.shape[d]:
                    raise RuntimeError(
                        f"cat: Sizes of tensors must match except in dimension {axis}. "
                        f"Expected size {first.shape[d]} but got size {a.shape[d]} for tensor "
                        f"number {i} in the list.")
        ctx.axis, ctx.first_shape = axis, first.shape
        ctx.sizes = [a.shape[axis] if a.ndim == first.ndim else 0 for a in arrays]
        dtype = ctx.out_dtype = _fold(dtypes._promote_np, [a.dtype for a in arrays])
        return np.concatenate([a.astype(dtype, copy=False) for a in kept], axis=axis)

    @staticmethod
    def backward(ctx, g):
        """dx_i = the slice of g that x_i filled"""
        grads, start = [], 0
        for size, needs in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            piece = (slice(None),) * ctx.axis + (slice(start, start + size),)
            grads.append(g[piece] if needs else None)
            start += size
        return (None, *grads)

    @staticmethod
    def jvp(ctx, _, *tangents):
        parts = []
        for size, dx in zip(ctx.sizes, tangents):
            if size:
                parts.append(dx if dx is not None else _zeros_slab(ctx, size))
        return Cat.apply(ctx.axis, *parts)


def _zeros_slab(ctx, size):
    shape = list(ctx.first_shape)
    shape[ctx.axis] = size
    return Tensor._make(np.zeros(shape, dtype=ctx.out_dtype))


def _tensor_list(op, tensors):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of Tensors, got a Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected Tensor as element {i} in argument 0, but got "
                            f"{type(x).__name__}")
    return tensors


def cat(tensors, dim=0):
    """Join tensors along an existing dim."""
    return Cat.apply(dim, *_tensor_list("cat", tensors))


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join tensors of equal shape along a new dim."""
    tensors = _tensor_list("stack", tensors)
    first = tensors[0].array.shape
    for i, x in enumerate(tensors):
        if x.array.shape != first:
            raise RuntimeError(f"stack: stack expects each tensor to be equal size, but got "
                               f"{list(first)} at entry 0 and {list(x.array.shape)} at entry {i}")
    axis = _check_dim("stack", dim, len(first) + 1)
    return cat([unsqueeze(x, axis) for x in tensors], axis)


def atleast_1d(*tensors):
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    return _atleast(tensors, 3)


def _atleast(tensors, ndim):
    # NumPy's rule, as in PyTorch: 1-D (n) -> (1, n); for 3-D, (n) -> (1, n, 1), (m, n) -> (m, n, 1)
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    sequence = tensors[0] if len(tensors) == 1 and not single else tensors
    result = []
    for x in sequence:
        shape = x.array.shape
        if len(shape) < ndim:
            if ndim == 3 and len(shape) == 2:
                shape = shape + (1,)
            elif ndim == 3:
                shape = (1,) + (shape or (1,)) + (1,)
            else:
                shape = (1,) * (ndim - len(shape)) + shape
            x = reshape(x, shape)
        result.append(x)
    return result[0] if single else tuple(result)


def hstack(tensors):
    tensors = atleast_1d(_tensor_list("hstack", tensors))
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat(atleast_2d(_tensor_list("vstack", tensors)), 0)


def dstack(tensors):
    return cat(atleast_3d(_tensor_list("dstack", tensors)), 2)


row_stack = vstack


def column_stack(tensors):
    """hstack with 0-D and 1-D tensors as columns (n, 1)."""
    tensors = _tensor_list("column_stack", tensors)
    return hstack([reshape(x, (-1, 1)) if x.ndim <= 1 else x for x in tensors])


def _varargs(tensors):
    """f(a, b, ...) or f([a, b, ...])."""
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        return list(tensors[0])
    return list(tensors)


def meshgrid(*tensors, indexing=None):
    """Grids G_i[j_0, j_1, ...] = x_i[j_i] ('ij'); 'xy' swaps the first two output dims."""
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    tensors = _varargs(tensors)
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty TensorList")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    for i, x in enumerate(tensors):
        if x.ndim > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got "
                               f"shape {tuple(x.shape)} at position {i}")
        if x.dtype != tensors[0].dtype:
            raise RuntimeError(f"meshgrid: expects all tensors to have the same dtype, got "
                               f"{tensors[0].dtype} and {x.dtype} at position {i}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(axes) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for x, axis in zip(tensors, axes):
        shape[axis] = x.numel()
    return tuple(expand(reshape(x, [-1 if d == axis else 1 for d in range(len(shape))]), shape)
                 for x, axis in zip(tensors, axes))


def cartesian_prod(*tensors):
    """The rows (x_0[j_0], x_1[j_1], ...) over every index tuple, the last index fastest."""
    tensors = _varargs(tensors)
    for x in tensors:
        if x.ndim != 1:
            raise RuntimeError(f"cartesian_prod: Expect a 1D vector, but got shape "
                               f"{list(x.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([flatten(g) for g in meshgrid(*tensors, indexing="ij")], 1)


def block_diag(*tensors):
    """The block-diagonal matrix of the inputs (0-D as 1 x 1, 1-D as a row), zeros elsewhere."""
    blocks = []
    for i, x in enumerate(tensors):
        if x.ndim > 2:
            raise RuntimeError(f"block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {x.ndim} dimensions")
        blocks.append(reshape(x, (1, -1) if x.ndim < 2 else x.shape))
    if not blocks:
        return Tensor._make(np.zeros((1, 0), dtype=dtypes.to_numpy_dtype(
            dtypes.get_default_dtype())))
    width, left = sum(b.shape[1] for b in blocks), 0
    rows = []
    for b in blocks:
        rows.append(Pad.apply(b, ((0, 0), (left, width - left - b.shape[1])), 0))
        left += b.shape[1]
    return cat(rows, 0)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """out_i = x_{i+1} - x_i along dim (XOR for bool), n times, after joining prepend and append."""
    if input.ndim == 0:
        raise RuntimeError("diff: expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    axis = _check_dim("diff", dim, input.ndim)
    for extra in (prepend, append):
        if extra is not None and extra.ndim != input.ndim:
            raise RuntimeError(f"diff: expects prepend or append to be the same dimension as "
                               f"input, got shapes {tuple(extra.shape)} and "
                               f"{tuple(input.shape)}")
    parts = [x for x in (prepend, input, append) if x is not None]
    out = cat(parts, axis) if len(parts) > 1 else input
    for _ in range(min(n, out.shape[axis])):
        size = out.shape[axis] - 1
        later, earlier = narrow(out, axis, 1, size), narrow(out, axis, 0, size)
        out = later.logical_xor(earlier) if out.dtype == dtypes.bool_ else later - earlier
    return out


def rot90(input, k=1, dims=(0, 1)):
    """x rotated by k quarter turns in the plane dims, from the first dim towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (_check_dim("rot90", d, input.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return transpose(flip(input, d1), d0, d1)
    if k == 2:
        return flip(input, d0, d1)
    if k == 3:
        return transpose(flip(input, d0), d0, d1)
    return clone(input)


# ----- slicing: narrow, split, chunk, unbind, pad ---------------------------------------------

class Pad(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, pads, value):
        """out = x with pads[d] = (before, after) elements of value added on each side of dim d

        Negative amounts remove elements instead; a pure removal is a view, as a slice.
        """
        a = x.array
        ctx.pads = pads
        src, dst, shape = [], [], []
        for n, (before, after) in zip(a.shape, pads):
            size = n + before + after
            if size < 0:
                raise RuntimeError(f"pad: the input size {n}, plus negative padding {before} "
                                   f"and {after} resulted in a negative output size {size}")
            start, stop = max(-before, 0), n - max(-after, 0)
            src.append(slice(start, max(stop, start)))
            dst.append(slice(max(before, 0), max(before, 0) + max(stop - start, 0)))
            shape.append(size)
        if all(before <= 0 and after <= 0 for before, after in pads):
            return a[tuple(src)]
        out = np.full(shape, value, dtype=a.dtype)
        out[tuple(dst)] = a[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, g):
        """dx = g with the added elements removed and the removed ones back as zeros"""
        return Pad.map(g, tuple((-b, -a) for b, a in ctx.pads), 0), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return Pad.apply(dx, ctx.pads, 0)


class Narrow(Pad):
    """A slice of length elements from start along one dim: Pad with negative amounts."""


def narrow(input, dim, start, length):
    """The elements start..start+length-1 along dim (a view)."""
    shape = input.array.shape
    if not shape:
        raise RuntimeError("narrow: narrow() cannot be applied to a 0-dim tensor.")
    axis = _check_dim("narrow", dim, len(shape))
    n = shape[axis]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-n}, {n}], "
                         f"but got {start})")
    start %= n if n else 1
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}).")
    pads = [(0, 0)] * len(shape)
    pads[axis] = (-start, start + length - n)
    return _share_version(input, Narrow.apply(input, tuple(pads), 0))


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of split_size elements along dim (the last may be smaller), or of given sizes."""
    shape = tensor.array.shape
    axis = _check_dim("split", dim, len(shape))
    n = shape[axis] if shape else 0
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split: split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(f"split: split_size can only be 0 if dimension size is 0, but "
                               f"got dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split: split_with_sizes expects split_sizes to sum exactly to "
                               f"{n} (input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(narrow(tensor, axis, int(s), size) for s, size in zip(starts, sizes))


def chunk(input, chunks, dim=0):
    """At most chunks pieces of ceil(size / chunks) elements along dim."""
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunk expects `chunks` to be greater than 0, got: {chunks}")
    shape = input.array.shape
    n = shape[_check_dim("chunk", dim, len(shape))] if shape else 0
    return split(input, max(-(-n // chunks), 1) if n else 0, dim)


def unbind(input, dim=0):
    """The slices along dim, with dim removed."""
    shape = input.array.shape
    if not shape:
        raise IndexError("unbind: Dimension specified as 0 but tensor has no dimensions")
    axis = _check_dim("unbind", dim, len(shape))
    return tuple(squeeze(narrow(input, axis, i, 1), axis) for i in range(shape[axis]))


def pad(input, pad, mode="constant", value=None):
    """``torch.nn.functional.pad``: pad = (last_before, last_after, prev_before, prev_after, ...).

    Mode "constant" fills with value (negative amounts crop); "reflect", "replicate" and
    "circular" read the added elements from the input, so their gradients accumulate.
    """
    pad = [int(p) for p in pad]
    ndim = input.array.ndim
    if len(pad) % 2:
        raise RuntimeError("pad: Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"pad: Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {ndim}")
    amounts = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)][::-1]
    if mode == "constant":
        pads = ((0, 0),) * (ndim - len(amounts)) + tuple(amounts)
        return Pad.apply(input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: unknown padding mode {mode!r}")
    if value:
        raise RuntimeError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if not len(amounts) + 1 <= ndim <= len(amounts) + 2 or len(amounts) > 3:
        raise NotImplementedError(f"pad: padding size {len(pad)} is not supported for {ndim}D "
                                  f"input tensor in mode {mode!r} (pad the last 1, 2 or 3 dims "
                                  f"of a tensor with 1 or 2 more dims)")
    from .indexing import index_select
    out = input
    for axis, (before, after) in zip(range(ndim - len(amounts), ndim), amounts):
        n = input.array.shape[axis]
        index = _pad_index(mode, n, before, after, axis)
        out = index_select(out, axis, Tensor._make(index))
    return out


def _pad_index(mode, n, before, after, axis):
    """Which input element each padded position along one dim reads."""
    limit = {"reflect": n - 1, "circular": n}.get(mode, max(before, after))
    if max(before, after) > limit or n == 0:
        raise RuntimeError(f"pad: Padding size should be less than the corresponding input "
                           f"dimension, but got: padding ({before}, {after}) at dimension "
                           f"{axis} of input of size {n} (mode {mode!r})")
    index = np.arange(-before, n + after)
    if mode == "reflect":
        index = np.abs(index)
        index = np.where(index > n - 1, 2 * (n - 1) - index, index)
    elif mode == "replicate":
        index = np.clip(index, 0, n - 1)
    else:
        index = index % n
    return index


# ----- triangles, copies ----------------------------------------------------------------------

class Tril(Function):
    """x with the elements above (Triu: below) the diagonal-th diagonal set to 0; linear, so its
    VJP and JVP are the same map."""

    numpy_rules = True
    keep = staticmethod(np.tril)

    @staticmethod
    def forward(ctx, x, diagonal):
        """out = keep(x, diagonal)"""
        _check_matrix(ctx.fn.__name__.lower(), x)
        ctx.diagonal = diagonal
        return ctx.fn.keep(x.array, diagonal)

    @staticmethod
    def backward(ctx, g):
        """dx = keep(g, diagonal)"""
        return ctx.fn.keep(g, ctx.diagonal), None

    @staticmethod
    def jvp(ctx, dx, _):
        return ctx.fn.apply(dx, ctx.diagonal)


class Triu(Tril):
    keep = staticmethod(np.triu)


def _check_matrix(op, x):
    if x.array.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(x.array.shape)}")


def tril(input, diagonal=0):
    return Tril.apply(input, int(diagonal))


def triu(input, diagonal=0):
    return Triu.apply(input, int(diagonal))


class Clone(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x):
        """out = a copy of x"""
        return x.array.copy()

    @staticmethod
    def backward(ctx, g):
        """dx = g"""
        return g

    @staticmethod
    def jvp(ctx, dx):
        return dx


def clone(input, *, memory_format=None):
    return Clone.apply(input)


def contiguous(input, memory_format=None):
    """The tensor itself when its memory is C-contiguous, else a contiguous copy."""
    return input if input.array.flags.c_contiguous else Clone.apply(input)


INPLACE.update(tril_=tril, triu_=triu)


def split_with_sizes(input, split_sizes, dim=0):
    """Pieces of the given sizes along dim (they must sum to its length)."""
    return split(input, list(split_sizes), dim)


unsafe_split, unsafe_chunk = split, chunk


def tensor_split(input, indices_or_sections, dim=0):
    """Sections: n pieces, the first size % n one longer; indices: input[i_k : i_{k+1}] slices."""
    if input.array.ndim == 0:
        raise RuntimeError("tensor_split: expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    axis = _check_dim("tensor_split", dim, input.array.ndim)
    length = input.array.shape[axis]
    if isinstance(indices_or_sections, Tensor):
        a = indices_or_sections.array
        if a.ndim > 1:
            raise RuntimeError(f"tensor_split: expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {a.ndim} dims")
        if a.dtype != np.int64:
            raise RuntimeError(f"tensor_split: expected tensor_indices_or_sections to have "
                               f"dtype of long, but got {indices_or_sections.dtype}")
        indices_or_sections = int(a) if a.ndim == 0 else a.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got "
                               f"{sections}")
        short, extra = divmod(length, sections)
        sizes = [short + 1] * extra + [short] * (sections - extra)
        bounds = np.cumsum([0] + sizes).tolist()
    else:
        bounds = [0, *(int(i) for i in indices_or_sections), length]
    bounds = [min(max(b + length if b < 0 else b, 0), length) for b in bounds]
    return tuple(narrow(input, axis, start, max(end - start, 0))
                 for start, end in zip(bounds[:-1], bounds[1:]))


def _split_along(op, dim, min_ndim, input, indices_or_sections):
    if input.array.ndim < min_ndim:
        raise RuntimeError(f"{op}: requires a tensor with at least {min_ndim} dimension, but "
                           f"got a tensor with {input.array.ndim} dimensions!")
    if isinstance(indices_or_sections, int):
        length = input.array.shape[dim]
        if indices_or_sections == 0 or length % indices_or_sections:
            raise RuntimeError(f"{op}: attempted to split along dimension {dim}, but the size "
                               f"of the dimension {length} is not divisible by the split_size "
                               f"{indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for a 1-D input); sections must divide evenly."""
    dim = 0 if input.array.ndim == 1 else 1
    return _split_along("hsplit", dim, 1, input, indices_or_sections)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of an input with 2 or more dims."""
    return _split_along("vsplit", 0, 2, input, indices_or_sections)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of an input with 3 or more dims."""
    return _split_along("dsplit", 2, 3, input, indices_or_sections)


def unfold(input, dimension, size, step):
    """Tensor.unfold: windows input[..., i*step : i*step + size, ...] along dimension, the
    window a new last dim (out[..., i, ..., k] = input[..., i*step + k, ...])."""
    from .indexing import GetItem
    shape, ndim = input.array.shape, input.array.ndim
    axis = _check_dim("unfold", dimension, ndim)
    length = shape[axis] if ndim else 1
    if size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {axis} is {length} "
                           f"but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if ndim == 0:  # one window of the element (or an empty one)
        return GetItem.apply(reshape(input, (1,)), (np.zeros(size, dtype=np.int64),), True)
    count = (length - size) // step + 1
    out_shape = shape[:axis] + (count,) + shape[axis + 1:] + (size,)
    key = []
    for d in range(ndim):
        at = [1] * (ndim + 1)
        at[d] = out_shape[d]
        positions = np.arange(out_shape[d]).reshape(at)
        if d == axis:
            positions = positions * step + np.arange(size).reshape((1,) * ndim + (size,))
        key.append(positions)
    return GetItem.apply(input, tuple(key), True)


__all__ += ["dsplit", "hsplit", "split_with_sizes", "tensor_split", "unsafe_chunk",
            "unsafe_split", "vsplit"]


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` broadcast to, as a gradiente.Size."""
    from ..size import Size
    try:
        return Size(np.broadcast_shapes(*(tuple(s) if not isinstance(s, int) else (s,)
                                          for s in shapes)))
    except ValueError:
        listed = [(s,) if isinstance(s, int) else tuple(int(n) for n in s) for s in shapes]
        raise RuntimeError(f"broadcast_shapes: shapes {listed} cannot be broadcast "
                           f"together") from None


def broadcast_tensors(*tensors):
    """Each tensor expanded (a view) to the shape they broadcast to together."""
    tensors = _varargs(tensors)
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of a 1-D tensor's elements, as rows, in itertools' order."""
    if input.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_zeros(0)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    from .indexing import getitem
    return getitem(input, Tensor._make(rows))


def diagflat(input, offset=0):
    """The flattened input on the offset-th diagonal of a square matrix, zeros elsewhere."""
    from .linalg import diag_embed
    return diag_embed(flatten(input), offset, 0, 1)


def adjoint(input):
    """The conjugate transpose of the last two dims: for real tensors, a view transposing them."""
    if input.ndim < 2:
        raise RuntimeError(f"adjoint: tensor.adjoint() is only supported on matrices or batches "
                           f"of matrices. Got {input.ndim}-D tensor.")
    return transpose(input, -2, -1)


__all__ += ["broadcast_shapes", "broadcast_tensors", "combinations", "diagflat", "adjoint"]
