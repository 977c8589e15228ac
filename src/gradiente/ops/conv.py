"""Convolutions and pooling: sliding windows plus one matrix product.

Everything here is built on one linear primitive, ``Windows`` (im2col): for every kernel
offset k it copies the input shifted by k, so ``cols[n, c, k, o]`` is the input value that
kernel position k sees at output position o (shape (N, C, K, *out)). Then

- a convolution is one matrix product of the flattened kernels (O, C·K) with the columns
  (N, C·K, L), batched over N,
- a pooling is a max or a mean over the K axis.

Its adjoint, ``WindowsAdjoint`` (col2im), adds every column back where it came from.
Each is the other's backward, so convolutions and pooling have derivatives of every order;
the only Python loop is over kernel offsets (9 for a 3×3 kernel), never over pixels or
examples.
"""

import itertools
import math

import numpy as np

from ..autograd.function import Function, batch_rule
from ..tensor import Tensor
from .indexing import index_select
from .movement import pad as pad_tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "max_pool1d",
           "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "unfold", "fold",
           "interpolate"]


def _window_geometry(op, spatial, kernel, stride, padding, dilation):
    """Output size of each spatial dim, checking the window fits."""
    out = []
    for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        n = (size + 2 * p - d * (k - 1) - 1) // s + 1
        if n < 1:
            raise RuntimeError(f"{op}: input spatial size {tuple(spatial)} (padded by "
                               f"{tuple(padding)}) is smaller than the kernel {tuple(kernel)} "
                               f"with dilation {tuple(dilation)}")
        out.append(n)
    return tuple(out)


def _offsets(kernel, stride, dilation, out_size):
    """(k, index) for each kernel offset: the slices of the padded input that offset sees."""
    for k, offset in enumerate(itertools.product(*(range(n) for n in kernel))):
        yield k, (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s)
            for o, d, s, n in zip(offset, dilation, stride, out_size))


class Windows(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, pad_value):
        """out[n, c, k, o...] = x_padded[n, c, o·stride + offset_k·dilation]  (im2col)"""
        a = x.array
        ctx.geometry = (a.shape, kernel, stride, padding, dilation)
        out_size = _window_geometry("windows", a.shape[2:], kernel, stride, padding, dilation)
        if any(padding):  # a filled array and one slice assignment: twice as fast as np.pad
            padded = np.full(a.shape[:2] + tuple(n + 2 * p for n, p in zip(a.shape[2:], padding)),
                             pad_value, dtype=a.dtype)
            padded[(slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in
                                                      zip(padding, a.shape[2:]))] = a
            a = padded
        # a strided view (N, C, *kernel, *out) of the input, copied once: the copy's inner loop
        # runs along the output's rows, which are contiguous in the input when stride is 1
        steps = a.strides[2:]
        view = np.lib.stride_tricks.as_strided(
            a, a.shape[:2] + tuple(kernel) + out_size,
            a.strides[:2] + tuple(t * d for t, d in zip(steps, dilation))
            + tuple(t * s for t, s in zip(steps, stride)), writeable=False)
        return view.reshape(a.shape[:2] + (-1,) + out_size)

    @staticmethod
    def backward(ctx, g):
        """dx = col2im(g): every column added back where it came from"""
        return WindowsAdjoint.map(g, *ctx.geometry), None, None, None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return Windows.apply(dx, *ctx.geometry[1:], 0.0)


class WindowsAdjoint(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, cols, shape, kernel, stride, padding, dilation):
        """out = col2im(cols), the adjoint of Windows: (N, C, K, *out) -> shape"""
        ctx.geometry = (kernel, stride, padding, dilation)
        ctx.target_shape = shape
        c = cols.array
        padded = np.zeros(tuple(shape[:2]) + tuple(n + 2 * p for n, p in zip(shape[2:], padding)),
                          dtype=c.dtype)
        overlap = any(d * (k - 1) >= s for k, s, d in zip(kernel, stride, dilation))
        for k, index in _offsets(kernel, stride, dilation, c.shape[3:]):
            if overlap:
                padded[index] += c[:, :, k]
            else:  # each position is in one window at most (2×2 pooling): a copy, 2.5x faster
                padded[index] = c[:, :, k]
        crop = tuple(slice(p, p + n) for p, n in zip(padding, shape[2:]))
        return padded[(slice(None), slice(None)) + crop]

    @staticmethod
    def backward(ctx, g):
        """dcols = im2col(g)"""
        return Windows.map(g, *ctx.geometry, 0.0), None, None, None, None, None

    @staticmethod
    def jvp(ctx, dcols, *_):
        return WindowsAdjoint.apply(dcols, ctx.target_shape, *ctx.geometry)


def _chosen_positions(choice, shape):
    """The flat index, in an array of ``shape`` (N, C, K, *out), of the element ``choice``
    (N, C, *out) picks from each window: one fancy index instead of take_along_axis's three."""
    batch, channels, kernel = shape[:3]
    size = math.prod(shape[3:])
    window_starts = (np.arange(batch * channels).reshape(batch, channels, 1) * (kernel * size)
                     + np.arange(size))
    return window_starts.reshape(choice.shape) + choice * size


class PickWindow(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, cols, choice):
        """out[n, c, o] = cols[n, c, choice[n, c, o], o]: one element of each window (max pool)"""
        a = cols.array
        ctx.choice, ctx.shape_in = choice, a.shape
        return a.reshape(-1)[_chosen_positions(choice, a.shape)]

    @staticmethod
    def backward(ctx, g):
        """dcols = g put back at the chosen positions, zeros elsewhere"""
        return PickWindowAdjoint.map(g, ctx.choice, ctx.shape_in), None

    @staticmethod
    def jvp(ctx, dcols, _):
        return PickWindow.apply(dcols, ctx.choice)


class PickWindowAdjoint(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, values, choice, shape):
        """out = zeros(shape) with values at the chosen positions, the adjoint of PickWindow"""
        ctx.choice, ctx.shape_out = choice, shape
        out = np.zeros(math.prod(shape), dtype=values.array.dtype)
        # one position per window, so a plain write (no accumulation) is exact
        out[_chosen_positions(choice, shape)] = values.array
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        """dvalues = g at the chosen positions"""
        return PickWindow.map(g, ctx.choice), None, None

    @staticmethod
    def jvp(ctx, dvalues, *_):
        return PickWindowAdjoint.apply(dvalues, ctx.choice, ctx.shape_out)


def _first_max(cols):
    """Index along axis 2 of the first maximum (PyTorch's choice on ties), one pass per
    kernel offset: faster than np.argmax along a middle axis."""
    value = cols[:, :, 0].copy()
    # a running maximum of (offset if it beats the best so far), in the smallest integer type:
    # no data-dependent branch, which a masked write mispredicts on random data (2-5x slower)
    offset_type = np.min_scalar_type(cols.shape[2])
    best = np.zeros(value.shape, dtype=offset_type)
    for k in range(1, cols.shape[2]):
        np.maximum(best, (cols[:, :, k] > value) * offset_type.type(k), out=best)
        np.maximum(value, cols[:, :, k], out=value)
    return best.astype(np.int64)


def _tuple(op, name, value, nd):
    if isinstance(value, int):
        return (value,) * nd
    value = tuple(int(v) for v in value)
    if len(value) != nd:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {value}")
    return value


def windows(input, kernel_size, stride=1, padding=0, dilation=1, pad_value=0.0):
    """Every kernel-sized patch of ``input`` (N, C, *spatial) as columns: (N, C, K, *out)."""
    nd = input.ndim - 2
    kernel = _tuple("windows", "kernel_size", kernel_size, nd)
    return Windows.apply(input, kernel, _tuple("windows", "stride", stride, nd),
                         _tuple("windows", "padding", padding, nd),
                         _tuple("windows", "dilation", dilation, nd), pad_value)


def _batched(op, input, nd):
    """Inputs may omit the batch dim, as in PyTorch; returns (batched input, was_unbatched)."""
    if input.ndim == nd + 1:
        return input.unsqueeze(0), True
    if input.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) "
                           f"input, got shape {tuple(input.shape)}")
    return input, False


def _convolution(op, nd, input, weight, bias, stride, padding, dilation, groups):
    input, unbatched = _batched(op, input, nd)
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (out_channels, in_channels / "
                           f"groups, *kernel), got shape {tuple(weight.shape)}")
    batch, channels = input.shape[0], input.shape[1]
    out_channels, group_channels, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
    if channels != group_channels * groups or out_channels % groups:
        raise RuntimeError(f"{op}: weight of shape {tuple(weight.shape)} with groups={groups} "
                           f"expects {group_channels * groups} input channels, but the input "
                           f"of shape {tuple(input.shape)} has {channels}")
    stride = _tuple(op, "stride", stride, nd)
    dilation = _tuple(op, "dilation", dilation, nd)
    input, padding = _resolve_padding(op, input, padding, kernel, stride, dilation, nd)
    cols = Windows.apply(input, tuple(kernel), stride, padding, dilation, 0.0)
    out_size = tuple(cols.shape[3:])
    columns = math.prod(out_size)
    if groups == 1:  # (O, C·K) @ (N, C·K, L): one product per example, no transposes
        out = weight.reshape(out_channels, -1) @ cols.reshape(batch, -1, columns)
    else:  # (g, O/g, C/g·K) @ (N, g, C/g·K, L)
        kernels = weight.reshape(groups, out_channels // groups, -1)
        out = kernels @ cols.reshape(batch, groups, -1, columns)
    if bias is not None:
        out = out.reshape(batch, out_channels, columns) + bias.reshape(out_channels, 1)
    out = out.reshape((batch, out_channels) + out_size)
    return out.squeeze(0) if unbatched else out


def _resolve_padding(op, input, padding, kernel, stride, dilation, nd):
    """Symmetric padding per dim; 'same' pads asymmetrically first when the total is odd."""
    if padding == "valid":
        return input, (0,) * nd
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        left = [t // 2 for t in totals]
        if any(t % 2 for t in totals):  # PyTorch puts the extra element on the right
            widths = []
            for t, lo in reversed(list(zip(totals, left))):
                widths += [0, t - 2 * lo]
            input = pad_tensor(input, widths)
        return input, tuple(left)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got "
                         f"{padding!r}")
    return input, _tuple(op, "padding", padding, nd)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation, as in PyTorch) of (N, C, L) by (O, C/groups, k)."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of (N, C, H, W) by (O, C/groups, kh, kw)."""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _transposed(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                dilation):
    """The adjoint of a convolution: each input pixel scatters a kernel-shaped patch."""
    input, unbatched = _batched(op, input, nd)
    batch, channels, spatial = input.shape[0], input.shape[1], tuple(input.shape[2:])
    if weight.ndim != nd + 2 or weight.shape[0] != channels:
        raise RuntimeError(f"{op}: expected weight (in_channels={channels}, out_channels / "
                           f"groups, *kernel), got shape {tuple(weight.shape)}")
    group_out, kernel = weight.shape[1], tuple(weight.shape[2:])
    stride = _tuple(op, "stride", stride, nd)
    padding = _tuple(op, "padding", padding, nd)
    dilation = _tuple(op, "dilation", dilation, nd)
    output_padding = _tuple(op, "output_padding", output_padding, nd)
    out_spatial = tuple((n - 1) * s - 2 * p + d * (k - 1) + op_ + 1 for n, s, p, d, k, op_
                        in zip(spatial, stride, padding, dilation, kernel, output_padding))
    rows = input.reshape(batch, channels, -1)  # (N, C_in, L)
    if groups == 1:  # (O·K, C_in) @ (N, C_in, L)
        cols = weight.reshape(channels, -1).mT @ rows
    else:  # (g, O/g·K, C_in/g) @ (N, g, C_in/g, L)
        kernels = weight.reshape(groups, channels // groups, -1).mT
        cols = kernels @ rows.reshape(batch, groups, channels // groups, -1)
    out_channels = group_out * groups
    cols = cols.reshape((batch, out_channels, math.prod(kernel)) + spatial)
    out = WindowsAdjoint.apply(cols, (batch, out_channels) + out_spatial, kernel, stride,
                               padding, dilation)
    if bias is not None:
        out = out + bias.reshape((-1,) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    return _transposed("conv_transpose1d", 1, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input)."""
    return _transposed("conv_transpose2d", 2, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    return _transposed("conv_transpose3d", 3, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def _pool_windows(op, nd, input, kernel_size, stride, padding, dilation, pad_value,
                  ceil_mode):
    input, unbatched = _batched(op, input, nd)
    kernel = _tuple(op, "kernel_size", kernel_size, nd)
    stride = kernel if stride is None or stride == [] else _tuple(op, "stride", stride, nd)
    padding = _tuple(op, "padding", padding, nd)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise RuntimeError(f"{op}: pad should be at most half of the kernel size, got padding "
                           f"{padding} and kernel_size {kernel}")
    dilation = _tuple(op, "dilation", dilation, nd)
    extra = (_ceil_extra(input.shape[2:], kernel, stride, padding, dilation) if ceil_mode
             else (0,) * nd)
    source = input
    if any(extra):  # ceil_mode: a last, partial window reaching past the right padding
        widths = [w for e in reversed(extra) for w in (0, e)]
        source = pad_tensor(input, widths, value=pad_value)
    cols = Windows.apply(source, kernel, stride, padding, dilation, pad_value)
    return cols, unbatched, (input.shape, kernel, stride, padding, dilation), extra


def _ceil_extra(spatial, kernel, stride, padding, dilation):
    """The right padding that gives PyTorch's ceil_mode output sizes: one more window where a
    partial one remains, unless it would start in the right padding."""
    extra = []
    for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        out = -(-span // s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
        extra.append(max(0, (out - 1) * s - span))
    return tuple(extra)


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    cols, unbatched, geometry, _ = _pool_windows(op, nd, input, kernel_size, stride, padding,
                                                 dilation, -np.inf, ceil_mode)
    # the gradient goes to the first maximum of each window, as in PyTorch
    best = _first_max(cols.array)
    out = PickWindow.apply(cols, best)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    indices = Tensor._make(_flat_input_indices(best, geometry))
    return out, (indices.squeeze(0) if unbatched else indices)


def _flat_input_indices(offsets, geometry):
    """PyTorch's max-pool indices: the flat position in each input plane of every maximum."""
    shape, kernel, stride, padding, dilation = geometry
    out_size = offsets.shape[2:]
    kernel_pos = np.unravel_index(offsets, kernel)
    flat = np.zeros(offsets.shape, dtype=np.int64)
    for axis, (k_pos, s, p, d, n) in enumerate(zip(kernel_pos, stride, padding, dilation,
                                                    shape[2:])):
        grid_shape = [1] * offsets.ndim
        grid_shape[2 + axis] = out_size[axis]
        origin = (np.arange(out_size[axis]) * s - p).reshape(grid_shape)
        flat = flat * n + origin + k_pos * d
    return flat


@batch_rule
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


@batch_rule
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each window (stride defaults to the kernel size); padding is -inf."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


@batch_rule
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    cols, unbatched, geometry, extra = _pool_windows(op, nd, input, kernel_size, stride,
                                                     padding, 1, 0.0, ceil_mode)
    shape, kernel, stride, padding = geometry[:4]
    if divisor_override:
        out = cols.sum(2) / divisor_override
    elif not any(extra) and (count_include_pad or not any(padding)):
        out = cols.mean(2)
    else:  # divide by the elements of each window inside the (padded) input, as PyTorch
        counted = np.zeros((1, 1) + tuple(n + 2 * p + e for n, p, e in
                                          zip(shape[2:], padding, extra)), dtype=cols.array.dtype)
        inside = tuple(slice(0, n + 2 * p) if count_include_pad else slice(p, p + n)
                       for n, p in zip(shape[2:], padding))
        counted[(0, 0) + inside] = 1
        counts = Windows.apply(Tensor._make(counted), kernel, stride, (0,) * len(kernel),
                               geometry[4], 0.0).array.sum(2)
        out = cols.sum(2) / Tensor._make(counts)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each window (stride defaults to the kernel size)."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def _adaptive_avg_pool(op, nd, input, output_size):
    input, unbatched = _batched(op, input, nd)
    spatial = tuple(input.shape[2:])
    if isinstance(output_size, (tuple, list)) and len(output_size) == nd:  # None: keep that size
        output_size = tuple(n if o is None else o for o, n in zip(output_size, spatial))
    output_size = _tuple(op, "output_size", output_size, nd)
    if all(n % o == 0 for n, o in zip(spatial, output_size)):
        kernel = tuple(n // o for n, o in zip(spatial, output_size))
        out = _avg_pool(op, nd, input, kernel, kernel, 0, False, True, None)
    else:  # PyTorch's bins: [floor(i·n/o), ceil((i+1)·n/o)) along each dim
        out = input
        for axis, (n, o) in enumerate(zip(spatial, output_size)):
            dim = 2 + axis
            bins = [out.narrow(dim, (i * n) // o, -(-((i + 1) * n) // o) - (i * n) // o)
                    .mean(dim, keepdim=True) for i in range(o)]
            from .movement import cat
            out = cat(bins, dim)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size, whatever the input size."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's F.unfold: (N, C, H, W) -> (N, C·kh·kw, L) patches as columns (N optional)."""
    input, unbatched = _batched("unfold", input, 2)
    cols = windows(input, kernel_size, stride, padding, dilation)
    cols = cols.reshape(cols.shape[0], cols.shape[1] * cols.shape[2], -1)
    return cols.squeeze(0) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's F.fold, the adjoint of unfold: (N, C·kh·kw, L) -> (N, C, H, W), summing."""
    kernel = _tuple("fold", "kernel_size", kernel_size, 2)
    output_size = _tuple("fold", "output_size", output_size, 2)
    stride, padding = _tuple("fold", "stride", stride, 2), _tuple("fold", "padding", padding, 2)
    dilation = _tuple("fold", "dilation", dilation, 2)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected a 2-D (unbatched) or 3-D (batched) input, got shape "
                           f"{tuple(input.shape)}")
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel, dilation, padding, stride).squeeze(0)
    batch, rows, count = input.shape
    channels = rows // math.prod(kernel)
    out_size = _window_geometry("fold", output_size, kernel, stride, padding, dilation)
    if rows % math.prod(kernel) or math.prod(out_size) != count:
        raise RuntimeError(f"fold: input of shape {tuple(input.shape)} does not match kernel "
                           f"{kernel} and output_size {output_size} ({math.prod(out_size)} "
                           f"blocks expected)")
    cols = input.reshape((batch, channels, math.prod(kernel)) + out_size)
    return WindowsAdjoint.apply(cols, (batch, channels) + output_size, kernel, stride, padding,
                                dilation)


_LINEAR_MODE_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"


def _interpolation_sizes(spatial, size, scale_factor, recompute_scale_factor):
    """PyTorch's output size of each spatial dim, and the scale factors its kernels see (None
    with an explicit size or recompute_scale_factor=True: then the ratio of the sizes)."""
    nd = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                         "explicit size.")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * nd
        if len(sizes) != nd:
            raise ValueError(f"interpolate: input and output must have the same number of "
                             f"spatial dimensions, but got input with spatial dimensions of "
                             f"{list(spatial)} and output size of {size}")
        if not all(isinstance(n, (int, np.integer)) for n in sizes):
            raise TypeError(f"interpolate: expected size to be an int or a tuple of {nd} ints, "
                            f"but got size with types {[type(n) for n in sizes]}")
        return tuple(int(n) for n in sizes), (None,) * nd
    factors = (tuple(scale_factor) if isinstance(scale_factor, (list, tuple))
               else (scale_factor,) * nd)
    if len(factors) != nd:
        raise ValueError(f"interpolate: input and scale_factor must have the same number of "
                         f"spatial dimensions, but got input with spatial dimensions of "
                         f"{list(spatial)} and scale_factor of shape {scale_factor}")
    out_size = tuple(int(n * float(f)) for n, f in zip(spatial, factors))  # truncated, as in C++
    return out_size, (None,) * nd if recompute_scale_factor else factors


def _floor_index(position, n):
    """min(floorf(position), n - 1): PyTorch rounds the position to float32 before flooring."""
    return np.minimum(np.floor(position.astype(np.float32)).astype(np.int64), n - 1)


def _cubic_weights(t):
    """Keys' cubic convolution weights (A = -0.75) of the taps at offsets -1, 0, 1, 2."""
    a = t.dtype.type(-0.75)
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731  |x| <= 1
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731  1 < |x| < 2
    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])


def _step(n, o, align_corners, factor, dtype):
    """PyTorch's area_pixel_compute_scale: input positions per output position."""
    if align_corners:
        return dtype.type(n - 1) / dtype.type(o - 1) if o > 1 else dtype.type(0)
    if factor is not None and factor > 0:  # a given scale factor sets the step: 1 / factor
        return dtype.type(1.0 / factor)
    return dtype.type(n) / dtype.type(o)


def _source_taps(mode, n, o, align_corners, factor, dtype, planar):
    """PyTorch's CPU source indices and weights, each (taps, o), of the o outputs along a dim
    of n inputs (weights None for a plain selection; both None when the dim is copied),
    computed in the precision PyTorch uses for the input dtype. ``planar``: a 4-D input,
    whose nearest kernels have rules of their own."""
    if mode.startswith("nearest") and planar:  # a float32 step; exact ratios copy or halve
        step = _step(n, o, False, factor, np.dtype(np.float32))
        if mode == "nearest-exact":
            return _floor_index((np.arange(o) + 0.5) * np.float64(step), n)[None], None
        if o in (n, 2 * n):
            return (None, None) if o == n else ((np.arange(o) // 2)[None], None)
        return _floor_index(np.arange(o, dtype=np.float32) * step, n)[None], None
    step = _step(n, o, align_corners, factor, dtype)
    if mode == "nearest":  # floor(i·step): PyTorch's legacy rule, kept for compatibility
        return _floor_index(np.arange(o, dtype=dtype) * step, n)[None], None
    if align_corners:
        position = np.arange(o, dtype=dtype) * step
    else:  # step·(i + 1/2) - 1/2 rounded once, as PyTorch's fused multiply-add on float32
        position = (np.float64(step) * (np.arange(o) + 0.5) - 0.5).astype(dtype)
    if mode == "nearest-exact":
        return _floor_index(np.maximum(position, 0).astype(np.float64) + 0.5, n)[None], None
    if mode != "bicubic":  # linear: the two neighbours; same sizes are copied
        if n == o:
            return None, None
        position = np.maximum(position, 0)
        index = _floor_index(position, n)
        fraction = np.clip(position - index.astype(dtype), 0, 1)
        return (np.stack([index, index + (index < n - 1)]),
                np.stack([1 - fraction, fraction]))
    index = _floor_index(position, n)  # bicubic: four neighbours, clamped at the borders
    fraction = np.clip(position - index.astype(dtype), 0, 1)
    return np.clip(index + np.arange(-1, 3)[:, None], 0, n - 1), _cubic_weights(fraction)


def _resample(input, dim, index, weights):
    """out[..., j, ...] = sum_t weights[t, j] * input[..., index[t, j], ...] along dim"""
    picked = index_select(input, dim, Tensor._make(index.reshape(-1)))
    if weights is None:
        return picked
    taps, o = index.shape
    shape = tuple(input.shape)
    picked = picked.reshape(shape[:dim] + (taps, o) + shape[dim + 1:])
    trailing = (1,) * (len(shape) - dim - 1)
    return (picked * Tensor._make(weights.reshape((taps, o) + trailing))).sum(dim)


def _named(sizes):
    """(4, 5) -> 'H: 4, W: 5', as PyTorch names spatial sizes in its messages."""
    return ", ".join(f"{d}: {n}" for d, n in zip("DHW"[-len(sizes):], sizes))


def _check_interpolation_dims(input, mode):
    """The input dims each mode needs: (N, C, *spatial) with 1-3 spatial dims."""
    ndim = input.ndim
    if mode not in ("nearest", "nearest-exact", "area") and mode not in _LINEAR_MODE_DIMS:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported (modes: "
                                  f"{_MODES})")
    needed = _LINEAR_MODE_DIMS.get(mode)
    if needed is not None and ndim != needed + 2:
        raise NotImplementedError(f"interpolate: got {ndim}D input, but {mode} mode needs "
                                  f"{needed + 2}D input (N, C, {needed} spatial dims)")
    if ndim not in (3, 4, 5):
        raise NotImplementedError(f"interpolate: only 3D, 4D and 5D input tensors are "
                                  f"supported (got {ndim}D, shape {tuple(input.shape)}) for "
                                  f"the modes: {_MODES} (got {mode})")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *spatial) with PyTorch's sampling rules: nearest,
    nearest-exact, (bi/tri)linear, bicubic (A = -0.75) or area (adaptive average pooling)."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("interpolate: align_corners option can only be set with the "
                             "interpolating modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    spatial = tuple(input.shape[2:])
    recompute = recompute_scale_factor or (mode == "area" and size is None)
    out_size, factors = _interpolation_sizes(spatial, size, scale_factor, recompute)
    if antialias:
        if mode not in ("bilinear", "bicubic") or input.ndim != 4:
            raise ValueError("interpolate: anti-alias option is restricted to bilinear and "
                             "bicubic modes and requires a 4-D tensor as input")
        raise NotImplementedError("interpolate: antialias=True is not supported")
    _check_interpolation_dims(input, mode)
    if min(spatial + out_size) < 1:
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, "
                           f"but got input ({_named(spatial)}) output ({_named(out_size)})")
    if mode == "area":
        nd = len(spatial)
        return _adaptive_avg_pool(f"adaptive_avg_pool{nd}d", nd, input, out_size)
    dtype = input.array.dtype
    if mode not in ("nearest", "nearest-exact") and dtype.kind != "f":
        raise NotImplementedError(f"interpolate: mode {mode!r} needs a floating-point input, "
                                  f"got {dtype}")
    precision = np.dtype(np.float64 if dtype == np.float64 else np.float32)
    out = input
    # the last dim first: PyTorch's kernels nest the sums the same way (same rounding)
    for axis in reversed(range(len(spatial))):
        index, weights = _source_taps(mode, spatial[axis], out_size[axis], align_corners,
                                      factors[axis], precision, len(spatial) == 2)
        if index is not None:
            out = _resample(out, 2 + axis, index, weights)
    return input.clone() if out is input else out  # a new tensor even when nothing moves
