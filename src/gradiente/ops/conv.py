"""Convolutions and pooling: sliding windows plus one matrix product.

Everything here is built on one linear primitive, ``Windows`` (im2col): it copies every
kernel-sized patch of the zero-padded input into a row, channels first within the row, so

- a convolution is one matrix product of those rows with the flattened kernels,
- a pooling is a max or a mean over each row's kernel positions.

Its adjoint, ``WindowsAdjoint`` (col2im), adds every row back where its patch came from.
Each is the other's backward, so convolutions and pooling have derivatives of every order;
the only Python loop is over kernel offsets (9 for a 3×3 kernel), never over pixels or
examples.
"""

import itertools
import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .indexing import index_select, take_along_dim
from .movement import movedim, pad as pad_tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "max_pool1d",
           "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "unfold", "fold", "interpolate"]


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


class Windows(Function):
    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, pad_value):
        """out[n, o..., c·K + k] = x_padded[n, c, o·stride + k·dilation]  (im2col)"""
        a = x.array
        batch, channels, spatial = a.shape[0], a.shape[1], a.shape[2:]
        ctx.geometry = (a.shape, kernel, stride, padding, dilation)
        out_size = _window_geometry("windows", spatial, kernel, stride, padding, dilation)
        if any(padding):
            widths = ((0, 0), (0, 0)) + tuple((p, p) for p in padding)
            a = np.pad(a, widths, constant_values=pad_value)
        sn, sc, *ss = a.strides
        view = np.lib.stride_tricks.as_strided(
            a, shape=(batch, *out_size, channels, *kernel),
            strides=(sn, *(s * st for s, st in zip(ss, stride)), sc,
                     *(s * d for s, d in zip(ss, dilation))),
            writeable=False)
        return view.reshape(batch, *out_size, channels * math.prod(kernel))

    @staticmethod
    def backward(ctx, g):
        """dx = col2im(g): every row added back where its patch came from"""
        return WindowsAdjoint.apply(g, *ctx.geometry), None, None, None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return Windows.apply(dx, *ctx.geometry[1:], 0.0)


class WindowsAdjoint(Function):
    @staticmethod
    def forward(ctx, cols, shape, kernel, stride, padding, dilation):
        """out = col2im(cols), the adjoint of Windows"""
        ctx.geometry = (kernel, stride, padding, dilation)
        ctx.target_shape = shape
        c = cols.array
        batch, channels, spatial = shape[0], shape[1], shape[2:]
        out_size = c.shape[1:-1]
        patches = c.reshape(batch, *out_size, channels, *kernel)
        nd = len(spatial)
        patches = np.moveaxis(patches, 1 + nd, 1)  # (N, C, out..., k...)
        padded = np.zeros((batch, channels) + tuple(n + 2 * p for n, p in zip(spatial, padding)),
                          dtype=c.dtype)
        for offset in itertools.product(*(range(k) for k in kernel)):
            target = tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                           for o, d, s, n in zip(offset, dilation, stride, out_size))
            padded[(slice(None), slice(None)) + target] += patches[(Ellipsis,) + offset]
        crop = tuple(slice(p, p + n) for p, n in zip(padding, spatial))
        return padded[(slice(None), slice(None)) + crop]

    @staticmethod
    def backward(ctx, g):
        """dcols = im2col(g)"""
        return Windows.apply(g, *ctx.geometry, 0.0), None, None, None, None, None

    @staticmethod
    def jvp(ctx, dcols, *_):
        return WindowsAdjoint.apply(dcols, ctx.target_shape, *ctx.geometry)


def _tuple(op, name, value, nd):
    if isinstance(value, int):
        return (value,) * nd
    value = tuple(int(v) for v in value)
    if len(value) != nd:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {value}")
    return value


def windows(input, kernel_size, stride=1, padding=0, dilation=1, pad_value=0.0):
    """Every kernel-sized patch of ``input`` (N, C, *spatial) as rows: (N, *out, C·K)."""
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
    out_size = cols.shape[1:-1]
    if groups == 1:
        out = cols.reshape(-1, cols.shape[-1]) @ weight.reshape(out_channels, -1).T
    else:  # one batched product over groups: (g, N·L, C/g·K) @ (g, C/g·K, O/g)
        per_group = cols.reshape(-1, groups, group_channels * math.prod(kernel)).transpose(0, 1)
        kernels = weight.reshape(groups, out_channels // groups, -1).transpose(1, 2)
        out = (per_group @ kernels).transpose(0, 1).reshape(-1, out_channels)
    if bias is not None:
        out = out + bias
    out = movedim(out.reshape(batch, *out_size, out_channels), -1, 1)
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
    rows = movedim(input, 1, -1).reshape(-1, channels)
    if groups == 1:
        cols = rows @ weight.reshape(channels, -1)
    else:
        per_group = rows.reshape(-1, groups, channels // groups).transpose(0, 1)
        kernels = weight.reshape(groups, channels // groups, -1)
        cols = (per_group @ kernels).transpose(0, 1).reshape(rows.shape[0], -1)
    cols = cols.reshape(batch, *spatial, group_out * groups * math.prod(kernel))
    shape = (batch, group_out * groups) + out_spatial
    out = WindowsAdjoint.apply(cols, shape, kernel, stride, padding, dilation)
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


def _pool_windows(op, nd, input, kernel_size, stride, padding, dilation, pad_value):
    input, unbatched = _batched(op, input, nd)
    kernel = _tuple(op, "kernel_size", kernel_size, nd)
    stride = kernel if stride is None or stride == [] else _tuple(op, "stride", stride, nd)
    padding = _tuple(op, "padding", padding, nd)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise RuntimeError(f"{op}: pad should be at most half of the kernel size, got padding "
                           f"{padding} and kernel_size {kernel}")
    dilation = _tuple(op, "dilation", dilation, nd)
    cols = Windows.apply(input, kernel, stride, padding, dilation, pad_value)
    channels = input.shape[1]
    cols = cols.reshape(*cols.shape[:-1], channels, math.prod(kernel))
    return cols, unbatched, (input.shape, kernel, stride, padding, dilation)


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported yet")
    cols, unbatched, geometry = _pool_windows(op, nd, input, kernel_size, stride, padding,
                                              dilation, -np.inf)
    # the gradient goes to the first maximum of each window, as in PyTorch
    best = Tensor._make(np.argmax(cols.array, axis=-1)[..., None])
    out = movedim(take_along_dim(cols, best, dim=-1).squeeze(-1), -1, 1)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    indices = _flat_input_indices(best.array[..., 0], geometry)
    indices = Tensor._make(np.moveaxis(indices, -1, 1))
    return out, (indices.squeeze(0) if unbatched else indices)


def _flat_input_indices(offsets, geometry):
    """PyTorch's max-pool indices: the flat position in each input plane of every maximum."""
    shape, kernel, stride, padding, dilation = geometry
    spatial = shape[2:]
    out_size = offsets.shape[1:-1]
    kernel_pos = np.unravel_index(offsets, kernel)
    flat = np.zeros(offsets.shape, dtype=np.int64)
    for axis, (k_pos, s, p, d, n) in enumerate(zip(kernel_pos, stride, padding, dilation,
                                                    spatial)):
        grid_shape = [1] * offsets.ndim
        grid_shape[1 + axis] = out_size[axis]
        origin = (np.arange(out_size[axis]) * s - p).reshape(grid_shape)
        flat = flat * n + origin + k_pos * d
    return flat


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each window (stride defaults to the kernel size); padding is -inf."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported yet")
    cols, unbatched, geometry = _pool_windows(op, nd, input, kernel_size, stride, padding, 1,
                                              0.0)
    kernel = geometry[1]
    if divisor_override:
        out = cols.sum(-1) / divisor_override
    elif count_include_pad or not any(geometry[3]):
        out = cols.mean(-1)
    else:  # divide by the number of real (not padding) elements in each window
        ones = Tensor._make(np.ones((1, 1) + tuple(geometry[0][2:]), dtype=cols.array.dtype))
        counts = Windows.apply(ones, kernel, *geometry[2:], 0.0).array.sum(-1, keepdims=True)
        out = cols.sum(-1) / Tensor._make(counts)
    out = movedim(out, -1, 1)
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


def _adaptive_avg_pool(op, nd, input, output_size):
    input, unbatched = _batched(op, input, nd)
    spatial = tuple(input.shape[2:])
    output_size = tuple(n if o is None else o for o, n in
                        zip(_tuple(op, "output_size", output_size, nd), spatial))
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


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's F.unfold: (N, C, H, W) -> (N, C·kh·kw, L) patches as columns."""
    if input.ndim != 4:
        raise RuntimeError(f"unfold: expected a 4-D input (N, C, H, W), got shape "
                           f"{tuple(input.shape)}")
    cols = windows(input, kernel_size, stride, padding, dilation)
    return cols.reshape(cols.shape[0], -1, cols.shape[-1]).transpose(1, 2)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """PyTorch's F.fold, the adjoint of unfold: (N, C·kh·kw, L) -> (N, C, H, W), summing."""
    kernel = _tuple("fold", "kernel_size", kernel_size, 2)
    output_size = _tuple("fold", "output_size", output_size, 2)
    stride, padding = _tuple("fold", "stride", stride, 2), _tuple("fold", "padding", padding, 2)
    dilation = _tuple("fold", "dilation", dilation, 2)
    batch, rows, count = input.shape
    channels = rows // math.prod(kernel)
    out_size = _window_geometry("fold", output_size, kernel, stride, padding, dilation)
    if rows % math.prod(kernel) or math.prod(out_size) != count:
        raise RuntimeError(f"fold: input of shape {tuple(input.shape)} does not match kernel "
                           f"{kernel} and output_size {output_size} ({math.prod(out_size)} "
                           f"blocks expected)")
    cols = input.transpose(1, 2).reshape(batch, *out_size, rows)
    return WindowsAdjoint.apply(cols, (batch, channels) + output_size, kernel, stride, padding,
                                dilation)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None):
    """Resize the spatial dims; ``mode='nearest'`` (PyTorch's index rule: floor(i·in/out))."""
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: mode={mode!r} is not supported yet (only "
                                  f"'nearest')")
    nd = input.ndim - 2
    spatial = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size or scale_factor")
    if size is not None:
        out_size = _tuple("interpolate", "size", size, nd)
        scales = [n / o for n, o in zip(spatial, out_size)]
    else:
        factors = (scale_factor,) * nd if isinstance(scale_factor, (int, float)) \
            else tuple(scale_factor)
        out_size = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
        scales = [1 / f for f in factors]
    out = input
    for axis, (n, o, scale) in enumerate(zip(spatial, out_size, scales)):
        source = np.minimum(np.floor(np.arange(o) * scale).astype(np.int64), n - 1)
        out = index_select(out, 2 + axis, Tensor._make(source))
    return out
