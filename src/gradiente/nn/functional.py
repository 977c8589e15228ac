"""``nn.functional``: activations, layers and losses as functions, with PyTorch's signatures.

The numerically sensitive primitives (softmax, cross-entropy, BCE, normalisation, embedding,
linear) are operations of ``gradiente.ops.nn`` with their own derivative rules; the rest is
composed of existing operations where that is exact.
"""

import math
import warnings

import numpy as np

from ..ops import _inplace
from .. import dtypes
from ..creation import zeros, zeros_like
from ..ops import elementwise as _ew
from ..ops import movement as _movement
from ..ops import conv as _conv
from ..ops import nn as _nn
from ..ops.conv import (  # the convolutions and poolings, in torch's namespace
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    fold,
    interpolate,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    unfold,
)
from ..random import drawn, rng_of
from ..tensor import Tensor, bump_version

__all__ = [
    "linear", "bilinear", "dropout", "one_hot", "normalize", "pad", "embedding", "layer_norm",
    "batch_norm", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "elu",
    "elu_", "selu", "celu", "gelu", "silu", "mish", "softplus", "sigmoid", "tanh", "hardtanh",
    "hardtanh_", "hardsigmoid", "hardswish", "softsign", "logsigmoid", "tanhshrink", "softmax",
    "log_softmax", "softmin", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "kl_div", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "max_pool1d",
    "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "unfold", "fold", "interpolate", "scaled_dot_product_attention",
    "multi_head_attention_forward", "group_norm", "cosine_similarity", "pairwise_distance",
    "pixel_shuffle", "pixel_unshuffle", "gumbel_softmax",
    "gaussian_nll_loss", "poisson_nll_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "cosine_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "pdist",
]

_REDUCTIONS = ("none", "mean", "sum")


# ----- layers ---------------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """y = x Wᵀ + b.

    >>> import gradiente as gr
    >>> linear(gr.ones(1, 2), gr.ones(3, 2), gr.zeros(3))
    tensor([[2., 2., 2.]])
    """
    return _nn.Linear.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1ᵀ W_k x2 + b_k, for weight of shape (out, in1, in2)."""
    out_features, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear: expected inputs with {in1} and {in2} features in the last "
                           f"dim (weight of shape {tuple(weight.shape)}), got shapes "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # x1 @ W viewed as (in1, out * in2): one matrix product, then a row-wise dot with x2
    mixed = (x1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    out = (mixed.reshape(-1, out_features, in2) * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (out_features,))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p)."""
    return _dropout("dropout", input, p, training, inplace, input.array.shape)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability p."""
    return _dropout("dropout1d", input, p, training, inplace, _channel_mask_shape(input, 1))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (feature maps) of (N, C, H, W) or (C, H, W) inputs."""
    return _dropout("dropout2d", input, p, training, inplace, _channel_mask_shape(input, 2))


def _channel_mask_shape(input, spatial):
    shape = input.array.shape
    if len(shape) not in (spatial + 1, spatial + 2):
        raise ValueError(f"dropout{spatial}d: expected a {spatial + 1}-D or {spatial + 2}-D "
                         f"input, got shape {tuple(shape)}")
    return shape[:len(shape) - spatial] + (1,) * spatial


def _dropout(op, input, p, training, inplace, mask_shape):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    a = input.array
    if p == 1.0:
        mask = np.zeros(mask_shape, dtype=a.dtype)
    else:
        draws = rng_of(None).random(mask_shape, dtype=np.float32 if a.dtype == np.float32
                                    else np.float64)
        mask = (draws >= p).astype(a.dtype) * a.dtype.type(1.0 / (1.0 - p))
    out = input * drawn(Tensor._make(mask))
    return _write_inplace(input, out, f"{op}_") if inplace else out


def one_hot(tensor, num_classes=-1):
    """Integer class indices as one-hot int64 vectors along a new last dim."""
    a = tensor.array
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor of integer dtype, got "
                           f"{tensor.dtype}")
    if a.size and a.min() < 0:
        raise RuntimeError("one_hot: class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(a.max()) + 1 if a.size else 0
    elif a.size and a.max() >= num_classes:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes "
                           f"({num_classes}), got {int(a.max())}.")
    out = np.zeros(a.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, a[..., None].astype(np.intp), 1, axis=-1)
    return Tensor._make(out)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(‖x‖_p, eps) along ``dim``."""
    if p == 2.0:
        squares = (input * input).sum(dim, keepdim=True)
    else:
        squares = (_ew.abs(input) ** p).sum(dim, keepdim=True)
    positive = squares > 0
    # the norm's derivative at 0 would be 0 * inf: take it as 0, as PyTorch does
    safe = _ew.where(positive, squares, 1.0)
    norm = _ew.where(positive, safe ** (1.0 / p), 0.0)
    return input / _ew.clamp(norm, eps)


def _norm_clamped_in_value(x, dim, eps):
    """‖x‖₂ along ``dim`` raised to at least eps in value only: PyTorch clamps it in place
    under no_grad, so the gradient is that of the unclamped norm."""
    norm = x.norm(2, dim, keepdim=True)
    return norm + (_ew.clamp(norm, eps) - norm).detach()


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Σ (x1 / max(‖x1‖, eps)) (x2 / max(‖x2‖, eps)) along ``dim``, inputs broadcast."""
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(f"cosine_similarity: shapes {tuple(x1.shape)} and "
                           f"{tuple(x2.shape)} cannot be broadcast together") from None
    x1, x2 = x1.expand(shape), x2.expand(shape)
    return ((x1 / _norm_clamped_in_value(x1, dim, eps))
            * (x2 / _norm_clamped_in_value(x2, dim, eps))).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x1 - x2 + eps‖_p over the last dim (of the broadcast shape)."""
    return (x1 - x2 + eps).norm(p, max(x1.ndim, x2.ndim) - 1, keepdim)


def _check_pixel_shuffle(op, input, factor, name):
    if factor <= 0:
        raise RuntimeError(f"{op}: {name} must be greater than 0, but got {factor}")
    if input.ndim < 3:
        raise RuntimeError(f"{op}: expected an input of at least 3 dims (*, C, H, W), got shape "
                           f"{tuple(input.shape)}")


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) to (*, C, H·r, W·r): each channel block of r² becomes an r×r patch."""
    r = upscale_factor
    _check_pixel_shuffle("pixel_shuffle", input, r, "upscale_factor")
    *batch, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(f"pixel_shuffle: expected the channels (dim -3) of input shape "
                           f"{tuple(input.shape)} to be divisible by upscale_factor² = {r * r}")
    n = len(batch)
    x = input.reshape(*batch, channels // (r * r), r, r, height, width)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*batch, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) to (*, C·r², H, W), the inverse of ``pixel_shuffle``."""
    r = downscale_factor
    _check_pixel_shuffle("pixel_unshuffle", input, r, "downscale_factor")
    *batch, channels, height, width = input.shape
    if height % r or width % r:
        raise RuntimeError(f"pixel_unshuffle: expected the height and width (dims -2, -1) of "
                           f"input shape {tuple(input.shape)} to be divisible by "
                           f"downscale_factor={r}")
    n = len(batch)
    x = input.reshape(*batch, channels, height // r, r, width // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*batch, channels * r * r, height // r, width // r)


def pad(input, pad, mode="constant", value=None):
    """Pad the last dims: ``pad`` = (left, right, top, bottom, ...), PyTorch's order."""
    return _movement.pad(input, pad, mode=mode, value=value)


def _embedding_renorm_(weight, input, max_norm, norm_type):
    """weight[i] *= max_norm / (‖weight[i]‖_norm_type + 1e-7) in place, unrecorded, for each
    row i that input looks up whose norm exceeds max_norm (PyTorch's embedding_renorm_)."""
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: max_norm needs a 2-D weight, got shape "
                           f"{tuple(weight.shape)}")
    _nn.check_embedding_indices(input, weight.shape[0])
    table = weight.array
    rows = np.unique(input.array)
    norms = np.linalg.norm(table[rows], ord=norm_type, axis=1).astype(np.float64)
    over = norms > max_norm
    table[rows[over]] *= (max_norm / (norms[over] + 1e-7)).astype(table.dtype)[:, None]
    bump_version(weight)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer tensor ``input``; padding_idx gets no gradient.

    With ``max_norm``, the looked-up rows whose ``norm_type``-norm exceeds it are first scaled
    down to that norm, in place in ``weight`` and unrecorded; ``scale_grad_by_freq`` divides
    each row's gradient by how often its index occurs in ``input``.
    """
    if sparse:
        raise NotImplementedError("embedding: sparse=True is not supported: gradiente has no "
                                  "sparse tensors to hold a sparse gradient (sparse=False gives "
                                  "the same values as a dense gradient)")
    if padding_idx is not None:
        rows = weight.shape[0]
        if not -rows <= padding_idx < rows:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({rows})")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return _nn.embedding(input, weight, padding_idx, scale_grad_by_freq)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return _nn.layer_norm(input, normalized_shape, weight, bias, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) by the batch's statistics (training) or the running ones."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got "
                         f"shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"batch_norm: {name} should have {channels} elements (the input's "
                               f"dim 1), got shape {tuple(t.shape)}")
    if training:
        return _nn.batch_norm_training(input, weight, bias, running_mean, running_var,
                                       momentum, eps)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var must be given when not "
                         "training")
    shape = (1, -1) + (1,) * (input.ndim - 2)
    out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each of ``num_groups`` groups of channels (dim 1) of each example over its
    channels and spatial positions, then scale and shift per channel."""
    shape = tuple(input.shape)
    if len(shape) < 2 or shape[1] % num_groups != 0:
        raise RuntimeError(f"group_norm: expected an input (N, C, ...) whose number of channels "
                           f"is divisible by num_groups={num_groups}, got shape {shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (shape[1],):
            raise RuntimeError(f"group_norm: {name} should have {shape[1]} elements (the "
                               f"input's channels), got shape {tuple(t.shape)}")
    groups = input.reshape(shape[0], num_groups, math.prod(shape[1:]) // num_groups)
    # a layer norm over each group's values is exactly the group norm, with its stable rules
    out = _nn.layer_norm(groups, (groups.shape[-1],), None, None, eps).reshape(shape)
    affine_shape = (1, -1) + (1,) * (len(shape) - 2)
    if weight is not None:
        out = out * weight.reshape(affine_shape)
    return out if bias is None else out + bias.reshape(affine_shape)


# ----- 3-D, adaptive max and LP pooling, unpooling, norms, shrinks, alpha dropout, bags -------

__all__ += [
    "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "max_pool1d_with_indices",
    "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "lp_pool1d",
    "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "instance_norm",
    "rms_norm", "local_response_norm", "glu", "threshold", "threshold_", "hardshrink",
    "softshrink", "rrelu", "rrelu_", "alpha_dropout", "feature_alpha_dropout", "dropout3d",
    "channel_shuffle", "embedding_bag", "conv_transpose3d",
]


def _adaptive_sizes(op, nd, input, output_size):
    """output_size as nd ints, None entries (keep that dim's size) filled from the input."""
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * nd
    if len(output_size) != nd:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {nd} ints or None, "
                         f"got {output_size}")
    return tuple(input.shape[input.ndim - nd + d] if o is None else int(o)
                 for d, o in enumerate(output_size))


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """max_pool1d returning (values, indices) whatever ``return_indices`` says, as PyTorch."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _adaptive_max_pool(op, nd, input, output_size, return_indices):
    """The max of each of PyTorch's bins [floor(i·n/o), ceil((i+1)·n/o)) per spatial dim."""
    batched, unbatched = _conv._batched(op, input, nd)
    spatial = tuple(batched.shape[2:])
    sizes = _adaptive_sizes(op, nd, batched, output_size)
    if any(n == 0 for n in spatial) or any(o <= 0 for o in sizes):
        raise RuntimeError(f"{op}: expected a non-empty input and a positive output_size, got "
                           f"input shape {tuple(input.shape)} and output_size {sizes}")
    # each bin's flat positions in its plane, padded to the longest bin by repeating the bin's
    # first position: that comes after the original in scan order, so neither the max nor the
    # first maximum (PyTorch's choice on ties) changes
    flat = np.zeros((1,) * (2 * nd), dtype=np.int64)
    for d, (n, o) in enumerate(zip(spatial, sizes)):
        starts, stops = np.arange(o) * n // o, -(-(np.arange(1, o + 1) * n) // o)
        positions = starts[:, None] + np.arange(int((stops - starts).max()))
        positions = np.where(positions < stops[:, None], positions, starts[:, None])
        shape = [1] * (2 * nd)
        shape[d], shape[nd + d] = positions.shape
        flat = flat * n + positions.reshape(shape)
    flat = flat.reshape(math.prod(sizes), -1)
    planes = batched.reshape(batched.shape[0], batched.shape[1], -1)
    gathered = planes.index_select(2, Tensor._make(flat.reshape(-1)))
    values, chosen = gathered.reshape(planes.shape[:2] + flat.shape).max(-1)
    out = values.reshape(tuple(batched.shape[:2]) + sizes)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    indices = flat[np.arange(flat.shape[0]), chosen.array].reshape(out.shape)
    return out, Tensor._make(indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size; ``return_indices`` adds each max's flat position."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool3d(input, output_size, True)


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    """(Σ x^p over each window)^(1/p), computed as PyTorch: from the window means."""
    kernel = _conv._tuple(f"lp_pool{nd}d", "kernel_size", kernel_size, nd)
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = pool(input ** norm_type, kernel, stride, 0, ceil_mode)
    return (_ew.sign(out) * relu(_ew.abs(out)) * math.prod(kernel)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


def _max_unpool(op, nd, input, indices, kernel_size, stride, padding, output_size):
    """Zeros with each input value put at its flat position (``indices``) in its plane."""
    kernel = _conv._tuple(op, "kernel_size", kernel_size, nd)
    stride = kernel if stride is None else _conv._tuple(op, "stride", stride, nd)
    padding = _conv._tuple(op, "padding", padding, nd)
    if input.ndim not in (nd + 1, nd + 2) or tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D input and indices of the "
                           f"same shape, got {tuple(input.shape)} and {tuple(indices.shape)}")
    default = [(n - 1) * s + k - 2 * p for n, k, s, p in
               zip(input.shape[-nd:], kernel, stride, padding)]
    size = default
    if output_size is not None:
        size = [int(n) for n in output_size][-nd:] if len(output_size) == nd + 2 else \
            [int(n) for n in output_size]
        if len(size) != nd:
            raise ValueError(f"{op}: output_size should be a sequence containing {nd} or "
                             f"{nd + 2} elements, but it has a length of '{len(output_size)}'")
        for d, (n, m, s) in enumerate(zip(size, default, stride)):
            if not m - s < n < m + s:
                raise ValueError(f'{op}: invalid output_size "{output_size}" (dim {d} must be '
                                 f'between {m - s} and {m + s})')
    lead, plane = tuple(input.shape[:-nd]), math.prod(size)
    index = indices.reshape(lead + (-1,))
    if index.numel() and (int(index.array.min()) < 0 or int(index.array.max()) >= plane):
        raise RuntimeError(f"{op}: found an invalid max index {int(index.array.max())} (output "
                           f"volumes are of size {'x'.join(map(str, size))})")
    out = zeros(lead + (plane,), dtype=input.dtype, device=input.device)
    return out.scatter(-1, index, input.reshape(lead + (-1,))).reshape(lead + tuple(size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: its maxima back at ``indices``, zeros elsewhere."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each example over its positions (dims 2...); running
    statistics are updated with the batch's mean of the per-example mean and unbiased var."""
    shape = tuple(input.shape)
    if not use_input_stats:
        out = batch_norm(input, running_mean, running_var, None, None, False, momentum, eps)
    elif math.prod(shape[2:]) == 1:
        raise ValueError(f"instance_norm: Expected more than 1 spatial element when training, "
                         f"got input size {shape}")
    else:
        planes = input.reshape(shape[0], shape[1], math.prod(shape[2:]))
        out = _nn.layer_norm(planes, (planes.shape[-1],), None, None, eps).reshape(shape)
        if running_mean is not None or running_var is not None:  # values read only here
            values = planes.array
            for buffer, stat in ((running_mean, values.mean(-1)),
                                 (running_var, values.var(-1, ddof=1))):
                if buffer is not None:
                    buffer.array[...] = (1 - momentum) * buffer.array + momentum * stat.mean(0)
                    bump_version(buffer)
    affine_shape = (1, -1) + (1,) * (len(shape) - 2)
    if weight is not None:
        out = out * weight.reshape(affine_shape)
    return out if bias is None else out + bias.reshape(affine_shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / √(mean(x²) + eps) · weight over the trailing ``normalized_shape`` dims; eps=None is
    the machine epsilon of the input's dtype."""
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                        else tuple(normalized_shape))
    n = len(normalized_shape)
    if n > input.ndim or tuple(input.shape[input.ndim - n:]) != normalized_shape:
        raise RuntimeError(f"rms_norm: Given normalized_shape={list(normalized_shape)}, expected "
                           f"input with shape [*, {', '.join(map(str, normalized_shape))}], but "
                           f"got input of size {tuple(input.shape)}")
    if eps is None:
        eps = float(np.finfo(dtypes.to_numpy_dtype(input.dtype)).eps)
    out = input * ((input * input).mean(tuple(range(-n, 0)), keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha · mean of x² over ``size`` neighbouring channels)^beta"""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got "
                         f"{input.ndim} dimensions, shape {tuple(input.shape)})")
    if input.numel() == 0:
        return input
    shape = tuple(input.shape)
    squares = pad((input * input).reshape(shape[0], shape[1], -1),
                  (0, 0, size // 2, (size - 1) // 2))
    total = squares.narrow(1, 0, shape[1])
    for j in range(1, size):
        total = total + squares.narrow(1, j, shape[1])
    return input / (total.reshape(shape) * (alpha / size) + k) ** beta


def glu(input, dim=-1):
    """a · sigmoid(b), for a and b the two halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if input.shape[dim] % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension "
                           f"{dim % input.ndim} is size {input.shape[dim]} (input shape "
                           f"{tuple(input.shape)})")
    first, second = input.chunk(2, dim)
    return first * _ew.sigmoid(second)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value"""
    out = _ew.where(input > threshold, input, value)
    return _write_inplace(input, out, "threshold_") if inplace else out


def threshold_(input, threshold, value):
    return _write_inplace(input, _ew.where(input > threshold, input, value), "threshold_")


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0"""
    return _ew.where(_ew.abs(input) > lambd, input, 0.0)


def softshrink(input, lambd=0.5):
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0"""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}.")
    return _ew.where(input > lambd, input - lambd, _ew.where(input < -lambd, input + lambd, 0.0))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """x where x > 0, else a·x with a ~ U(lower, upper) per element while training and
    a = (lower + upper) / 2 otherwise."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace=inplace)
    draws = rng_of(None).random(tuple(input.shape))
    slopes = (lower + (upper - lower) * draws).astype(dtypes.to_numpy_dtype(input.dtype))
    out = _ew.where(input > 0, input, input * drawn(Tensor._make(slopes)))
    return _write_inplace(input, out, "rrelu_") if inplace else out


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


_SELU_SATURATION = 1.7580993408473766  # SELU's scale · alpha: its limit is -this at -inf


def _alpha_dropout(op, input, p, training, inplace, mask_shape):
    """Dropped values set to SELU's saturation, then an affine map a·x + b that keeps the mean
    and variance of unit-normal inputs (PyTorch's formula)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        out = input * 0.0
    else:
        dtype = dtypes.to_numpy_dtype(input.dtype)
        keep = (rng_of(None).random(mask_shape) >= p).astype(dtype)
        a = 1.0 / math.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p))
        shift = (keep - 1) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p
        out = (input * drawn(Tensor._make((keep * a).astype(dtype)))
               + drawn(Tensor._make(shift.astype(dtype))))
    return _write_inplace(input, out, f"{op}_") if inplace else out


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: each element dropped with probability p (training only)."""
    return _alpha_dropout("alpha_dropout", input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one draw per (example, channel) of (N, C, ...)."""
    if input.ndim < 2:
        raise RuntimeError(f"feature_alpha_dropout: Feature dropout requires at least 2 "
                           f"dimensions in the input, got shape {tuple(input.shape)}")
    mask_shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha_dropout("feature_alpha_dropout", input, p, training, inplace, mask_shape)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability p."""
    return _dropout("dropout3d", input, p, training, inplace, _channel_mask_shape(input, 3))


def channel_shuffle(input, groups):
    """(N, C, *) with its channels, viewed as (groups, C / groups), transposed."""
    shape = tuple(input.shape)
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with sizes {shape}")
    if groups <= 0 or shape[1] % groups:
        raise RuntimeError(f"channel_shuffle: Number of channels must be divisible by groups "
                           f"(a positive number). Got {shape[1]} channels and {groups} groups.")
    x = input.reshape(shape[0], groups, shape[1] // groups, *shape[2:])
    return x.transpose(1, 2).reshape(shape)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """The sum, mean or max of the rows of ``weight`` in each bag of indices: each row of a 2-D
    ``input``, or each piece of a 1-D one starting at ``offsets``. Entries equal to padding_idx
    are left out of their bag; an empty bag gives zeros."""
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}"
                         f") is not None, then it must have the same shape as the input "
                         f"({tuple(input.shape)})")
    if weight.ndim != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, but got Tensor of "
                         f"dimension {weight.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}').")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse=True is not supported: gradiente has no "
                                  "sparse tensors to hold a sparse gradient")
    flat = input.array.reshape(-1)
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None, as "
                             "input is treated is a mini-batch of fixed length sequences")
        bags, bag_of = input.shape[0], np.repeat(np.arange(input.shape[0]), input.shape[1])
    elif input.ndim == 1:
        if offsets is None or offsets.ndim != 1:
            raise ValueError(f"embedding_bag: offsets has to be a 1D Tensor but got "
                             f"{None if offsets is None else tuple(offsets.shape)}")
        starts = offsets.array
        if starts.size and starts[0] != 0:
            raise RuntimeError(f"embedding_bag: offsets[0] has to be 0, i.e., the first sequence "
                               f"in the mini-batch has to start from position 0. However, got "
                               f"{starts[0]}")
        if include_last_offset:  # PyTorch (CPU) ends the last bag at the input's end anyway
            starts = starts[:-1]
        bags = len(starts)
        bag_of = np.searchsorted(starts, np.arange(flat.size), side="right") - 1
    else:
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of "
                         f"dimension {input.ndim}")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    keep = (bag_of >= 0) & (flat != (-1 if padding_idx is None else padding_idx % len(weight)))
    kept, bag_ids = np.flatnonzero(keep), bag_of[keep]
    rows = _nn.embedding(Tensor._make(flat[kept]), weight, None, scale_grad_by_freq)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[Tensor._make(kept)].unsqueeze(1)
    counts = np.bincount(bag_ids, minlength=bags)
    if mode != "max":
        out = zeros((bags, weight.shape[1]), dtype=rows.dtype, device=weight.device)
        out = out.index_add(0, Tensor._make(bag_ids), rows)
        return out if mode == "sum" else out / Tensor._make(
            np.maximum(counts, 1)[:, None].astype(dtypes.to_numpy_dtype(out.dtype)))
    # each bag's rows in a (bags, longest, D) block, padded with a -inf row (index len(rows));
    # bag_ids is sorted, so an entry's place in its bag is its distance from the bag's start
    places = np.arange(len(kept)) - np.repeat(np.cumsum(counts) - counts, counts)
    slots = np.full((bags, max(int(counts.max(initial=0)), 1)), len(kept))
    slots[bag_ids, places] = np.arange(len(kept))
    block = pad(rows, (0, 0, 0, 1), value=-math.inf)[Tensor._make(slots)]
    return _ew.where(Tensor._make(counts[:, None] > 0), block.max(1).values, 0.0)


# ----- attention ------------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q kᵀ · scale + mask) v over the last two dims, batch dims broadcast.

    ``attn_mask`` is bool (True = the key takes part) or float (added to the scores);
    ``is_causal`` lets query i see keys 0..i. A query row with every key masked gives 0, as
    PyTorch's safe softmax does; ``scale`` defaults to 1/√E.
    """
    op = "scaled_dot_product_attention"
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"{op}: expected query, key and value of at least 2 dims, got "
                           f"{shapes}")
    if key.shape[-1] != query.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: query and key need the same embedding size (last dim) and "
                           f"key and value the same sequence length (dim -2), got {shapes}")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"{op}: expected query, key and value of the same dtype, got "
                           f"{query.dtype}, {key.dtype} and {value.dtype}")
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{op}: attn_mask and is_causal=True cannot be given together")
    if attn_mask is not None and attn_mask.dtype != dtypes.bool \
            and not attn_mask.is_floating_point():
        raise RuntimeError(f"{op}: expected a bool or float attn_mask, got {attn_mask.dtype}")
    if enable_gqa:
        key, value = _repeat_kv_heads(op, query, key), _repeat_kv_heads(op, query, value)
    length, source = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    scores = (query @ key.mT) * scale
    if is_causal:
        attn_mask = Tensor._make(np.tril(np.ones((length, source), dtype=bool)))
    if attn_mask is not None:
        if not _broadcasts_to(tuple(attn_mask.shape), tuple(scores.shape)):
            raise RuntimeError(f"{op}: attn_mask of shape {tuple(attn_mask.shape)} does not "
                               f"broadcast to the attention scores' shape {tuple(scores.shape)} "
                               f"({shapes})")
        if attn_mask.dtype == dtypes.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), -math.inf)
        else:
            scores = scores + attn_mask
    # softmax over only -inf is NaN: such rows are 0, with 0 gradient (no value is read in
    # Python, so vmap batches this too)
    no_keys = scores.detach().amax(-1, keepdim=True) == -math.inf
    weights = _ew.where(no_keys, 0.0, _nn.softmax(_ew.where(no_keys, 0.0, scores), -1))
    return dropout(weights, dropout_p) @ value


def _broadcasts_to(shape, target):
    return len(shape) <= len(target) and all(
        n in (1, m) for n, m in zip(shape[::-1], target[::-1]))


def _repeat_kv_heads(op, query, kv):
    """Grouped-query attention: each of kv's heads (dim -3) serves query's heads / kv's."""
    heads, kv_heads = query.shape[-3], kv.shape[-3]
    if heads % kv_heads:
        raise RuntimeError(f"{op}: with enable_gqa the query's heads ({heads}, dim -3 of "
                           f"{tuple(query.shape)}) must be a multiple of the key's and "
                           f"value's heads, got {tuple(kv.shape)}")
    shape = tuple(kv.shape)
    grouped = kv.unsqueeze(-3).expand(shape[:-2] + (heads // kv_heads,) + shape[-2:])
    return grouped.reshape(shape[:-3] + (heads,) + shape[-2:])


def _canonical_mask(mask, mask_name, other, other_name, target_dtype):
    """A bool mask (True = masked out) as a float mask of 0 and -inf; float masks as given."""
    if mask is None:
        return None
    if mask.dtype != dtypes.bool and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported, got "
                             f"{mask.dtype}")
    if other is not None and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      f"same type for both instead.", stacklevel=3)
    if mask.is_floating_point():
        return mask
    return Tensor._make(np.where(mask.array, -np.inf, 0.0).astype(
        dtypes.to_numpy_dtype(target_dtype)))


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched (3-D query); errors name the shapes."""
    op = "multi_head_attention_forward"
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(f"{op}: expected query, key and value all 3-D (batched) or all "
                             f"2-D (unbatched), got shapes {tuple(query.shape)}, "
                             f"{tuple(key.shape)} and {tuple(value.shape)}")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(f"{op}: for a {query.ndim}-D query, expected key_padding_mask to "
                             f"be None or {query.ndim - 1}-D, got shape "
                             f"{tuple(key_padding_mask.shape)}")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError(f"{op}: expected attn_mask to be None, 2-D or 3-D, got shape "
                             f"{tuple(attn_mask.shape)}")
    if not batched and attn_mask is not None and attn_mask.ndim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(f"{op}: expected the 3-D attn_mask of an unbatched input to "
                                 f"have shape {expected}, got {tuple(attn_mask.shape)}")
    return batched


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention of (L, N, E) queries over (S, N, E) keys and values (or (L, E) and
    (S, E) unbatched): returns (output, weights); weights None unless ``need_weights``.

    Masks are True (or -inf) where a query may not attend; ``attn_mask`` is (L, S) or
    (N·num_heads, L, S), ``key_padding_mask`` (N, S). ``is_causal`` is a hint that
    ``attn_mask`` is causal, as in PyTorch.
    """
    op = "multi_head_attention_forward"
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask,
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention's is_causal replaces the mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
        is_causal = is_causal and key_padding_mask is None
    head_dim = embed_dim // num_heads
    if embed_dim != embed_dim_to_check or head_dim * num_heads != embed_dim:
        raise AssertionError(f"{op}: expected an embedding dim of {embed_dim_to_check} "
                             f"divisible by num_heads={num_heads}, got query shape "
                             f"{tuple(query.shape)}")
    if key.shape[:2] != value.shape[:2] or (not use_separate_proj_weight
                                           and key.shape != value.shape):
        raise AssertionError(f"{op}: key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")
    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    src_len = key.shape[0]
    if attn_mask is not None:
        expected = (tgt_len, src_len) if attn_mask.ndim == 2 else \
            (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != expected:
            raise RuntimeError(f"{op}: the shape of the {attn_mask.ndim}D attn_mask is "
                               f"{tuple(attn_mask.shape)}, but should be {expected} (query "
                               f"{tuple(query.shape)}, key {tuple(key.shape)}, "
                               f"num_heads={num_heads})")
        if attn_mask.ndim == 2:
            attn_mask = attn_mask.unsqueeze(0)
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError(f"{op}: bias cannot be added to a static key or value")
        k = _movement.cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = _movement.cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask)
    elif (bias_k is None) != (bias_v is None):
        raise AssertionError(f"{op}: bias_k and bias_v must be given together")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(op, "static_k", k, static_k, bsz * num_heads, head_dim)
    v = _heads(op, "static_v", v, static_v, bsz * num_heads, head_dim)
    if add_zero_attn:
        zeros = np.zeros((bsz * num_heads, 1, head_dim), dtype=k.array.dtype)
        k = _movement.cat([k, Tensor._make(zeros)], dim=1)
        v = _movement.cat([v, Tensor._make(zeros.copy())], dim=1)
        attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"{op}: expected key_padding_mask of shape {(bsz, src_len)} "
                                 f"(batch, source length), got {tuple(key_padding_mask.shape)}")
        key_padding_mask = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.mT
        weights = _nn.softmax(scores if attn_mask is None else attn_mask + scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
    else:
        if attn_mask is not None:
            attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else \
                attn_mask.reshape(bsz, num_heads, attn_mask.shape[1], src_len)
        q, k, v = (t.reshape(bsz, num_heads, t.shape[1], head_dim) for t in (q, k, v))
        out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
        out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
        weights = None
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


def _pad_masks(attn_mask, key_padding_mask):
    """One more key (bias_k or the zero key), never masked."""
    return tuple(None if m is None else pad(m, (0, 1)) for m in (attn_mask, key_padding_mask))


def _heads(op, name, x, static, batch_heads, head_dim):
    """(S, N, E) keys or values as (N·heads, S, head_dim), or the given static ones."""
    if static is None:
        return x.reshape(x.shape[0], batch_heads, head_dim).transpose(0, 1)
    if static.ndim != 3 or static.shape[0] != batch_heads or static.shape[2] != head_dim:
        raise AssertionError(f"{op}: expected {name} of shape ({batch_heads}, S, {head_dim}), "
                             f"got {tuple(static.shape)}")
    return static


# ----- activations ----------------------------------------------------------------------------

def _write_inplace(input, out, name):
    return _inplace(lambda source: out, name)(input)


def _activation(fn, name):
    def activation(input, *args, inplace=False, **kwargs):
        if inplace:  # through _inplace: the recorded op sees a copy, not the overwritten input
            return _inplace(fn, name + "_")(input, *args, **kwargs)
        return fn(input, *args, **kwargs)
    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = f"Element-wise {name} (see gradiente.{name}); ``inplace`` writes back."
    return activation


relu = _activation(_ew.relu, "relu")
relu6 = _activation(_ew.relu6, "relu6")
elu = _activation(_ew.elu, "elu")
selu = _activation(_ew.selu, "selu")
celu = _activation(_ew.celu, "celu")
silu = _activation(_ew.silu, "silu")
mish = _activation(_ew.mish, "mish")
hardsigmoid = _activation(_ew.hardsigmoid, "hardsigmoid")
hardswish = _activation(_ew.hardswish, "hardswish")
leaky_relu = _activation(_ew.leaky_relu, "leaky_relu")
hardtanh = _activation(_ew.hardtanh, "hardtanh")
gelu, softplus, softsign = _ew.gelu, _ew.softplus, _ew.softsign
logsigmoid, tanhshrink = _ew.logsigmoid, _ew.tanhshrink
sigmoid, tanh = _ew.sigmoid, _ew.tanh


def relu_(input):
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def prelu(input, weight):
    """x where x > 0, else weight * x, with one weight per channel (dim 1) or one for all."""
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else input.shape[0]
        if weight.numel() != channels:
            raise RuntimeError(f"prelu: weight has {weight.numel()} elements, expected 1 or "
                               f"the number of channels {channels} (dim 1 of input shape "
                               f"{tuple(input.shape)})")
        if input.ndim >= 2:
            weight = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    return _ew.where(input > 0, input, weight * input)


def _softmax_dim(name, ndim, stacklevel):
    """PyTorch's legacy implicit dim: 0 for 0-, 1- and 3-D inputs, else 1 (with a warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _nn.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return _nn.softmax(-input if dtype is None else -input.to(dtype), dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _nn.log_softmax(input, dim, dtype=dtype)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) with Gumbel(0, 1) noise g; ``hard`` gives the one-hot of
    the largest value in the forward pass and the soft sample's gradient (straight-through)."""
    # -log(E) with E ~ Exp(1) = -log(1 - U): drawn from uniforms, which vmap batches
    exponentials = -np.log1p(-rng_of(None).random(tuple(logits.shape)))
    gumbels = -np.log(exponentials).astype(dtypes.to_numpy_dtype(logits.dtype))
    y_soft = _nn.softmax((logits + drawn(Tensor._make(gumbels))) / tau, dim)
    if not hard:
        return y_soft
    y_hard = zeros_like(y_soft).scatter(dim, y_soft.argmax(dim, keepdim=True), value=1.0)
    return y_hard - y_soft.detach() + y_soft


# ----- losses ---------------------------------------------------------------------------------

def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='...' instead.", stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(op, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected "
                         f"'none', 'mean' or 'sum')")


def _reduce(op, loss, reduction, weight=None):
    """Apply ``weight`` (element-wise) and the reduction; weighted means divide by Σ weight."""
    _check_reduction(op, reduction)
    if weight is not None:
        if tuple(weight.shape) != tuple(loss.shape):
            raise ValueError(f"{op}: weights and input must have the same size, got "
                             f"{tuple(weight.shape)} and {tuple(loss.shape)}")
        loss = loss * weight
        if reduction == "mean":
            return loss.sum() / weight.sum()
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_same_size(op, input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"{op}: using a target size ({tuple(target.shape)}) that is different to "
                      f"the input size ({tuple(input.shape)}). This will likely lead to "
                      f"incorrect results due to broadcasting. Please ensure they have the same "
                      f"size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean((x - y)²)"""
    _check_same_size("mse_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is None:
        _check_reduction("mse_loss", reduction)
        return _nn.mse_loss(input, target, reduction)
    diff = input - target
    return _reduce("mse_loss", diff * diff, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean(|x - y|)"""
    _check_same_size("l1_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce("l1_loss", _ew.abs(input - target), reduction, weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d² / beta where |d| < beta, else |d| - 0.5 beta (d = x - y)"""
    _check_same_size("smooth_l1_loss", input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    diff = input - target
    size = _ew.abs(diff)
    if beta == 0.0:
        return _reduce("smooth_l1_loss", size, reduction)
    loss = _ew.where(size < beta, (0.5 / beta) * diff * diff, size - 0.5 * beta)
    return _reduce("smooth_l1_loss", loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d² where |d| <= delta, else delta (|d| - 0.5 delta) (d = x - y)"""
    _check_same_size("huber_loss", input, target)
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    diff = input - target
    size = _ew.abs(diff)
    loss = _ew.where(size <= delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    if weight is not None:  # PyTorch's weighted huber mean divides by the count, not Σ weight
        loss = _reduce("huber_loss", loss, "none", weight)
    return _reduce("huber_loss", loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-w_t x_t for log-probabilities x and class indices t, reduced."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("nll_loss", reduction)
    return _nn.nll_loss(input, target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits (N, C) or (N, C, d...) against class indices or probabilities.

    >>> import gradiente as gr
    >>> cross_entropy(gr.zeros(1, 4), gr.tensor([2]))
    tensor(1.3863)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    if target.array.dtype.kind in "iu":
        return _nn.cross_entropy_indices(input, target, weight, ignore_index, reduction,
                                         label_smoothing)
    if target.array.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy: expected class indices (integers) or class "
                           f"probabilities (floats) as target, got {target.dtype}")
    return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing):
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"cross_entropy: a target of class probabilities must have the "
                           f"input's shape {tuple(input.shape)}, got {tuple(target.shape)} "
                           f"(class indices must be integers)")
    class_dim = 1 if input.ndim >= 2 else 0
    n_classes = input.shape[class_dim]
    logp = _nn.log_softmax(input, class_dim)
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = n_classes
        logp = logp * weight.reshape(shape)
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    per_element = -(logp * target).sum(class_dim)
    if reduction == "none":
        return per_element
    total = per_element.sum()
    if reduction == "sum":
        return total
    return total / (input.numel() / n_classes if input.numel() else math.nan)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)), logs clamped at -100, for probabilities x."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy: target size {tuple(target.shape)} must be the "
                         f"same as input size {tuple(input.shape)}")
    loss = _nn.binary_cross_entropy(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce("binary_cross_entropy", loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """-w (pw y log σ(x) + (1 - y) log(1 - σ(x))), computed stably from the logits x."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy_with_logits: target size "
                         f"{tuple(target.shape)} must be the same as input size "
                         f"{tuple(input.shape)}")
    loss = _nn.binary_cross_entropy_with_logits(input, target, pos_weight)
    if weight is not None:
        loss = loss * weight
    return _reduce("binary_cross_entropy_with_logits", loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Σ y (log y - x) for log-probabilities x (y given as log-probabilities if log_target)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: {reduction!r} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = _ew.exp(target) * (target - input)
    else:
        positive = target > 0
        # y log y is taken as 0 where y == 0 (xlogy), without a NaN gradient there
        log_target_values = _ew.log(_ew.where(positive, target, 1.0))
        loss = _ew.where(positive, target * log_target_values, 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce("kl_div", loss, reduction)


def _shape(x):
    return tuple(x.shape)


def _apply_reduction(op, loss, reduction, size_average=None, reduce=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _reduce(op, loss, reduction)


def _hinge(z):
    """max(z, 0) with gradient 1 only where z > 0, as PyTorch's loops (z == 0 adds nothing)."""
    return _ew.where(z > 0, z, 0.0)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log max(var, eps) + (x - y)² / max(var, eps)) (+ 0.5 log 2π if ``full``).

    ``var`` has the input's shape, lacks its last dim, or differs from it in one dim of size
    1; a Python number is one variance for all.
    """
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = zeros_like(input) + var
    elif bool((var < 0).any()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    if _shape(var) != _shape(input):
        if _shape(input)[:-1] == _shape(var):
            var = var.unsqueeze(-1)
        elif not (var.ndim == input.ndim and sum(
                v for i, v in zip(_shape(input), _shape(var)) if i != v) == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size {_shape(var)} for "
                             f"input of size {_shape(input)}")
    _check_reduction("gaussian_nll_loss", reduction)
    # PyTorch clamps var under no_grad: the value is clamped, the gradient passes as if not
    var = var + (_ew.clamp(var, min=eps) - var).detach()
    loss = 0.5 * (_ew.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce("gaussian_nll_loss", loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(x) - y x (``log_input``) or x - y log(x + eps), plus Stirling's
    y log y - y + 0.5 log(2π y) where y > 1 if ``full``."""
    if log_input:
        loss = _ew.exp(input) - target * input
    else:
        loss = input - target * _ew.log(input + eps)
    if full:
        above_one = target > 1
        safe = _ew.where(above_one, target, 1.0)  # no 0 * log 0 in the masked-out entries
        stirling = safe * _ew.log(safe) - safe + 0.5 * _ew.log(2 * math.pi * safe)
        loss = loss + _ew.where(above_one, stirling, 0.0)
    return _apply_reduction("poisson_nll_loss", loss, reduction, size_average, reduce)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin)"""
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss: all input tensors should have the same "
                           f"dimension, got sizes input1 {_shape(input1)}, input2 "
                           f"{_shape(input2)}, target {_shape(target)}")
    loss = _ew.clamp(-target * (input1 - input2) + margin, min=0)
    return _apply_reduction("margin_ranking_loss", loss, reduction, size_average, reduce)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where y == 1, max(0, margin - x) where y == -1"""
    zeros = zeros_like(input)
    loss = (_ew.where(target != 1, _ew.clamp(margin - input, min=0), zeros)
            + _ew.where(target != -1, input, zeros))
    return _apply_reduction("hinge_embedding_loss", loss, reduction, size_average, reduce)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1"""
    dim = target.ndim
    if dim > 1 or not input1.ndim == input2.ndim == dim + 1:
        raise RuntimeError(f"cosine_embedding_loss: expected a 0-D target with 1-D inputs or a "
                           f"1-D target with 2-D inputs, got target {_shape(target)}, input1 "
                           f"{_shape(input1)}, input2 {_shape(input2)}")
    products = (input1 * input2).sum(dim)
    squares1 = (input1 * input1).sum(dim) + 1e-12
    squares2 = (input2 * input2).sum(dim) + 1e-12
    cos = products / _ew.sqrt(squares1 * squares2)
    zeros = zeros_like(cos)
    loss = (_ew.where(target == 1, 1 - cos, zeros)
            + _ew.where(target == -1, _ew.clamp(cos - margin, min=0), zeros))
    return _apply_reduction("cosine_embedding_loss", loss, reduction, size_average, reduce)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y x))"""
    loss = _ew.log1p(_ew.exp(-input * target))
    return _apply_reduction("soft_margin_loss", loss, reduction, size_average, reduce)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """-mean over classes of w (y log σ(x) + (1 - y) log σ(-x))"""
    loss = -(target * _ew.logsigmoid(input) + (1 - target) * _ew.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _apply_reduction("multilabel_soft_margin_loss", loss, reduction, size_average, reduce)


def _margin_frames(op, input, target, target_matches):
    """Frames and classes of a multi-margin input (C) or (N, C); checks the target's size."""
    if input.ndim > 2 or (input.shape[-1] if input.ndim else 1) == 0:
        raise RuntimeError(f"{op}: expected a non-empty vector or matrix (the batch may be "
                           f"empty), got input of size {_shape(input)}")
    frames = input.shape[0] if input.ndim == 2 else 1
    classes = input.shape[-1] if input.ndim else 1
    if not target_matches(frames, classes):
        raise RuntimeError(f"{op}: inconsistent target size {_shape(target)} for input of size "
                           f"{_shape(input)}")
    per_frame = target.shape[-1] if 0 < target.ndim == input.ndim else 1
    return input.reshape(frames, classes), target.array.reshape(frames, per_frame).astype(np.int64)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Σ_{j≠y} w_y max(0, margin - x_y + x_j)^p / C, for p in {1, 2}"""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("multi_margin_loss: only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError(f"multi_margin_loss: weight must be one-dimensional, got size "
                         f"{_shape(weight)}")
    scores, labels = _margin_frames("multi_margin_loss", input, target,
                                    lambda n, c: target.ndim <= 1 and target.numel() == n)
    classes = scores.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError(f"multi_margin_loss: target values must be in [0, {classes}), got "
                         f"{labels.ravel().tolist()}")
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"multi_margin_loss: inconsistent weight size {_shape(weight)}, "
                           f"expected {classes}")
    index = Tensor._make(labels)
    others = Tensor._make(np.arange(classes) != labels)
    loss = _ew.where(others, _hinge(margin - scores.gather(1, index) + scores), 0.0) ** p
    if weight is not None:
        loss = loss * weight.index_select(0, index.reshape(-1)).reshape(-1, 1)
    loss = loss.sum(1) / classes
    if reduction == "none" and target.ndim == 0:
        loss = loss.reshape(())
    return _reduce("multi_margin_loss", loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Σ_{t∈T} Σ_{j∉T} max(0, 1 - x_t + x_j) / C, T the target's classes before its first -1"""
    reduction = _legacy_reduction(size_average, reduce, reduction)

    def matches(frames, classes):
        if input.ndim <= 1:
            return target.ndim <= 1 and target.numel() == classes
        return _shape(target) == _shape(input)

    scores, labels = _margin_frames("multilabel_margin_loss", input, target, matches)
    classes = scores.shape[1]
    if labels.size and (labels.min() < -1 or labels.max() >= classes):
        raise RuntimeError(f"multilabel_margin_loss: target values must be -1 or in "
                           f"[0, {classes}), got {labels.tolist()}")
    listed = np.cumprod(labels >= 0, axis=1).astype(bool)  # entries before the first -1
    counts = np.zeros(labels.shape, dtype=scores.array.dtype)
    for row, (frame_labels, keep) in enumerate(zip(labels, listed)):
        np.add.at(counts[row], frame_labels[keep], 1)
    pairs = counts[:, :, None] * (counts == 0)[:, None, :]  # (target t, non-target j)
    margins = _hinge(1 - scores.unsqueeze(2) + scores.unsqueeze(1))
    loss = (margins * Tensor._make(pairs)).sum((1, 2)) / classes
    if reduction == "none" and target.ndim <= 1:
        loss = loss.reshape(())
    return _reduce("multilabel_margin_loss", loss, reduction)


def _triplet_dims(op, anchor, positive, negative):
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor "
                           f"{_shape(anchor)}, positive {_shape(positive)}, and negative "
                           f"{_shape(negative)}")


def _triplet_loss(op, dist_pos, dist_neg, dist_swap, margin, reduction):
    if dist_swap is not None:
        dist_neg = _ew.minimum(dist_neg, dist_swap)
    return _reduce(op, _ew.clamp(margin + dist_pos - dist_neg, min=0), reduction)


def _check_margin(op, margin):
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)), d the p-norm distance (d(a, n) = min(d(a, n),
    d(p, n)) with ``swap``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_margin("triplet_margin_loss", margin)
    _triplet_dims("triplet_margin_loss", anchor, positive, negative)
    dist_swap = pairwise_distance(positive, negative, p, eps) if swap else None
    return _triplet_loss("triplet_margin_loss", pairwise_distance(anchor, positive, p, eps),
                         pairwise_distance(anchor, negative, p, eps), dist_swap, margin,
                         reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) for a given distance d (pairwise_distance by
    default)."""
    op = "triplet_margin_with_distance_loss"
    _check_reduction(op, reduction)
    _check_margin(op, margin)
    _triplet_dims(op, anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    dist_swap = distance(positive, negative) if swap else None
    return _triplet_loss(op, distance(anchor, positive), distance(anchor, negative), dist_swap,
                         margin, reduction)


def pdist(input, p=2):
    """‖x_i - x_j‖_p for the rows i < j of a (N, M) input, in row-major order."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist: only supports 2D tensors, got size {_shape(input)}")
    if p < 0:
        raise RuntimeError(f"pdist: only supports non-negative p values, got {p}")
    rows, cols = np.triu_indices(input.shape[0], 1)
    first = input.index_select(0, Tensor._make(rows.astype(np.int64)))
    second = input.index_select(0, Tensor._make(cols.astype(np.int64)))
    return (first - second).norm(p, 1)


# ----- CTC, spatial transformers, deprecated aliases, in-place SELU/CELU ----------------------

__all__ += ["ctc_loss", "affine_grid", "grid_sample", "upsample", "upsample_nearest",
            "upsample_bilinear", "selu_", "celu_"]


def selu_(input):
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def _lengths(op, name, lengths, batch):
    values = np.asarray(lengths.array if isinstance(lengths, Tensor) else lengths).reshape(-1)
    if values.shape != (batch,) or values.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: {name} must be {batch} integers (one per batch entry), got "
                           f"{values.tolist()}")
    return values.astype(np.int64)


def _ctc_labels(op, targets, target_lengths, batch, classes, blank):
    """Per batch entry, its target labels, from padded (N, S) or concatenated targets."""
    values = np.asarray(targets.array if isinstance(targets, Tensor) else targets)
    if values.ndim == 2:
        if values.shape[0] != batch or target_lengths.max(initial=0) > values.shape[1]:
            raise RuntimeError(f"{op}: padded targets of shape {values.shape} are too short for "
                               f"target_lengths {target_lengths.tolist()}")
        labels = [values[n, :length] for n, length in enumerate(target_lengths)]
    else:
        if values.size != target_lengths.sum():
            raise RuntimeError(f"{op}: concatenated targets have {values.size} labels, but "
                               f"target_lengths sum to {target_lengths.sum()}")
        labels = np.split(values.reshape(-1), np.cumsum(target_lengths)[:-1])
    for label in labels:
        if np.any((label < 0) | (label >= classes) | (label == blank)):
            raise RuntimeError(f"{op}: targets must be in [0, {classes}) and not the blank "
                               f"{blank}, got {label.tolist()}")
    return labels


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist temporal classification: -log Σ over alignments of Π_t p_t(label).

    The forward recursion over the blank-extended targets runs in log space with
    differentiable operations, so gradients are those of the loss itself (PyTorch's kernel
    returns, for ``log_probs``, the gradient with respect to the logits of a log_softmax; the
    two agree on the logits when ``log_probs = log_softmax(logits)``).
    """
    op = "ctc_loss"
    _check_reduction(op, reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.reshape(1, -1) if isinstance(targets, Tensor) else [targets]
    if log_probs.ndim != 3:
        raise RuntimeError(f"{op}: log_probs must be (T, N, C) or (T, C), got shape "
                           f"{_shape(log_probs)}")
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise RuntimeError(f"{op}: blank must be in label range [0, {classes}), got {blank}")
    input_lengths = _lengths(op, "input_lengths", input_lengths, batch)
    target_lengths = _lengths(op, "target_lengths", target_lengths, batch)
    if np.any(input_lengths > steps) or np.any(input_lengths < 0):
        raise RuntimeError(f"{op}: input_lengths {input_lengths.tolist()} must be in [0, "
                           f"{steps}] (log_probs of shape {_shape(log_probs)})")
    labels = _ctc_labels(op, targets, target_lengths, batch, classes, blank)
    width = 2 * int(target_lengths.max(initial=0)) + 1
    extended = np.full((batch, width), blank, dtype=np.int64)
    skip = np.zeros((batch, width), dtype=bool)  # s may follow s - 2: a label after a blank
    for n, label in enumerate(labels):
        extended[n, 1:2 * len(label):2] = label
        skip[n, 3:2 * len(label):2] = label[1:] != label[:-1]
    used = np.arange(width) < (2 * target_lengths + 1)[:, None]
    dtype = log_probs.array.dtype
    emitted = log_probs.gather(2, Tensor._make(np.broadcast_to(extended, (steps,) + extended.shape
                                                               ).copy()))
    # which (t, s) an alignment can reach depends on the lengths only; unreachable entries of
    # alpha hold a finite 0 and are left out of every log-sum-exp, so no gradient meets -inf
    reach = used & (np.arange(width) < 2)
    alpha = _ew.where(Tensor._make(reach), emitted[0], 0.0)
    final = _ctc_final(alpha, reach, input_lengths == 1, target_lengths)
    empty = (input_lengths == 0) & (target_lengths == 0)  # the empty alignment: probability 1
    final = _ew.where(Tensor._make(empty[:, None]), 0.0, final)
    for t in range(1, steps):
        prev = np.stack([reach, np.pad(reach[:, :-1], ((0, 0), (1, 0))),
                         np.pad(reach[:, :-2], ((0, 0), (2, 0))) & skip], -1)
        reach = used & prev.any(-1)
        candidates = _movement.stack([alpha, pad(alpha[:, :-1], (1, 0)),
                                      pad(alpha[:, :-2], (2, 0))], -1)
        prev[..., 0] |= ~reach  # a finite dummy sum where nothing arrives
        summed = (candidates + np.where(prev, 0.0, -np.inf).astype(dtype)).logsumexp(-1)
        alpha = _ew.where(Tensor._make(reach), summed + emitted[t], 0.0)
        final = _ew.where(Tensor._make((input_lengths == t + 1)[:, None]),
                          _ctc_final(alpha, reach, True, target_lengths), final)
    loss = -final.reshape(batch)
    if zero_infinity:
        loss = _ew.where(loss == math.inf, 0.0, loss)
    if reduction == "mean":
        divisor = Tensor._make(np.maximum(target_lengths, 1).astype(loss.array.dtype))
        return (loss / divisor).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if unbatched else loss


def _ctc_final(alpha, reach, at_end, target_lengths):
    """log(alpha[2L] + alpha[2L - 1]) per batch entry, -inf where neither is reachable."""
    last = Tensor._make(np.stack([2 * target_lengths, np.maximum(2 * target_lengths - 1, 0)], 1))
    ends = np.take_along_axis(reach, last.array, 1)
    ends[:, 1] &= target_lengths > 0
    none = ~ends.any(1, keepdims=True) | ~np.reshape(at_end, (-1, 1))
    masked = alpha.gather(1, last) + np.where(ends | none, 0.0, -np.inf).astype(alpha.array.dtype)
    return _ew.where(Tensor._make(none), -math.inf, masked.logsumexp(-1, keepdim=True))


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners="
                  "False since 1.3.0. Please specify align_corners=True if the old behavior is "
                  "desired. See the documentation of grid_sample for details.")


def _grid_line(n, align_corners, dtype):
    """The n sample positions in [-1, 1] of affine_grid (pixel centres unless align_corners)."""
    if n <= 1:
        return np.zeros(1, dtype)
    line = np.linspace(-1, 1, n, dtype=dtype)
    return line if align_corners else line * (n - 1) / n


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, *spatial, d) of the affine maps theta (N, d, d + 1): each output
    position's normalized coordinates [x, y(, z), 1] times thetaᵀ."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    d = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (d, d + 1):
        raise ValueError(f"Expected a batch of {d}D affine matrices of shape Nx{d}x{d + 1} for "
                         f"size {size}. Got {_shape(theta)}.")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    lines = [_grid_line(n, align_corners, theta.array.dtype) for n in reversed(spatial)]
    axes = np.meshgrid(*lines[::-1], indexing="ij")[::-1]  # x varies along the last dim
    base = np.stack([*axes, np.ones(spatial, theta.array.dtype)], -1).reshape(-1, d + 1)
    return (Tensor._make(base) @ theta.mT).reshape((size[0],) + spatial + (d,))


def _clip_coordinates(coordinate, size):
    """min(size - 1, max(x, 0)), with PyTorch's zero derivative on and beyond both ends."""
    return _ew.where(coordinate <= 0, 0.0, _ew.where(coordinate >= size - 1, size - 1.0,
                                                     coordinate))


def _reflect_coordinates(coordinate, twice_low, twice_high):
    """Fold x into [low, high] by reflecting at both ends as often as needed."""
    if twice_low == twice_high:
        return coordinate * 0.0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = coordinate - low
    distance = _ew.where(shifted < 0, -shifted, shifted)
    extra = _ew.fmod(distance, span)
    even = Tensor._make(np.floor(distance.array / span) % 2 == 0)
    return _ew.where(even, extra + low, span - extra + low)


def _source_coordinate(coordinate, size, padding_mode, align_corners):
    """A normalized grid coordinate in [-1, 1] as a pixel position of a ``size``-long dim."""
    if align_corners:
        coordinate = (coordinate + 1) / 2 * (size - 1)
    else:
        coordinate = ((coordinate + 1) * size - 1) / 2
    if padding_mode == "border":
        return _clip_coordinates(coordinate, size)
    if padding_mode == "reflection":
        twice = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        return _clip_coordinates(_reflect_coordinates(coordinate, *twice), size)
    return coordinate


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """out[n, c, h, w] = input[n, c] sampled at grid[n, h, w] = (x, y) in [-1, 1] (4-D)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if mode == "bicubic" or input.ndim == 5:
        raise NotImplementedError("grid_sample: only 4-D input with mode 'bilinear' or "
                                  "'nearest' is supported")
    if (input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2
            or grid.shape[0] != input.shape[0]):
        raise RuntimeError(f"grid_sample: expected input (N, C, H, W) and grid (N, H_out, "
                           f"W_out, 2) with the same N, got input of shape {_shape(input)} "
                           f"and grid of shape {_shape(grid)}")
    batch, channels, height, width = input.shape
    out_spatial = tuple(grid.shape[1:3])
    x = _source_coordinate(grid[..., 0], width, padding_mode, align_corners)
    y = _source_coordinate(grid[..., 1], height, padding_mode, align_corners)
    flat = input.reshape(batch, channels, height * width)

    def tap(ix, iy, weight):
        """input at the integer positions (ix, iy) times weight; 0 outside the input."""
        inside = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
        index = (np.clip(iy, 0, height - 1) * width + np.clip(ix, 0, width - 1)).astype(np.int64)
        index = np.broadcast_to(index.reshape(batch, 1, -1), (batch, channels, index[0].size))
        values = flat.gather(2, Tensor._make(index.copy()))
        weight = weight * Tensor._make(inside.astype(input.array.dtype))
        return values * weight.reshape(batch, 1, -1)

    if mode == "nearest":
        ix, iy = np.rint(x.array), np.rint(y.array)
        # 1 + 0·x: the output depends on the grid with derivative 0, as in PyTorch
        out = tap(ix, iy, 1.0 + 0.0 * (x + y))
    else:
        x0, y0 = np.floor(x.array), np.floor(y.array)
        wx, wy = x - x0, y - y0
        out = tap(x0, y0, (1 - wx) * (1 - wy)) + tap(x0 + 1, y0, wx * (1 - wy))
        out = out + tap(x0, y0 + 1, (1 - wx) * wy) + tap(x0 + 1, y0 + 1, wx * wy)
    return out.reshape((batch, channels) + out_spatial)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ += ["fractional_max_pool2d", "fractional_max_pool2d_with_indices"]


def _fractional_starts(sample, size, out, pool):
    """PyTorch's window starts: int((i + u) * alpha) - int(u * alpha), in the samples' dtype,
    the last window flush with the end."""
    starts = np.full(sample.shape + (out,), size - pool, dtype=np.int64)
    if out > 1:
        alpha = sample.dtype.type(size - pool) / sample.dtype.type(out - 1)
        steps = np.arange(out - 1, dtype=sample.dtype)
        starts[..., :-1] = (((steps + sample[..., None]) * alpha).astype(np.int64)
                            - (sample * alpha).astype(np.int64)[..., None])
    return starts


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """Max over kernel-sized windows at pseudo-random fractional strides (Graham), the windows'
    starts drawn per example and channel; returns (output, flat indices into H·W)."""
    op = "fractional_max_pool2d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    unbatched = input.ndim == 3
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected a 3-D or 4-D input, got shape {_shape(input)}")
    height, width = input.shape[-2:]
    kh, kw = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    if output_size is None:
        ratio = (output_ratio,) * 2 if isinstance(output_ratio, float) else tuple(output_ratio)
        output_size = (int(height * ratio[0]), int(width * ratio[1]))
    oh, ow = (output_size,) * 2 if isinstance(output_size, int) else tuple(output_size)
    if oh + kh - 1 > height or ow + kw - 1 > width:
        raise RuntimeError(f"{op}: a {kh}x{kw} pool with output size {oh}x{ow} does not fit the "
                           f"input of shape {_shape(input)}")
    batched = input.unsqueeze(0) if unbatched else input
    batch, channels = batched.shape[:2]
    if _random_samples is None:
        samples = rng_of(None).random((batch, channels, 2)).astype(input.array.dtype)
    else:
        samples = np.asarray(_random_samples.array)
    if samples.shape != (batch, channels, 2):
        raise RuntimeError(f"{op}: _random_samples of shape {samples.shape}, expected "
                           f"{(batch, channels, 2)} for the input of shape {_shape(input)}")
    rows = _fractional_starts(samples[..., 1], height, oh, kh)[..., :, None] + np.arange(kh)
    cols = _fractional_starts(samples[..., 0], width, ow, kw)[..., :, None] + np.arange(kw)
    # (N, C, oh, ow, kh·kw) flat positions, scanned row by row as PyTorch's kernel does
    window = (rows[:, :, :, None, :, None] * width + cols[:, :, None, :, None, :]).reshape(
        batch, channels, oh, ow, kh * kw)
    flat = batched.reshape(batch, channels, height * width)
    values = np.take_along_axis(flat.array, window.reshape(batch, channels, -1), 2).reshape(
        window.shape)
    nan = np.isnan(values)
    last_nan = kh * kw - 1 - np.argmax(nan[..., ::-1], -1)
    choice = np.where(nan.any(-1), last_nan, np.argmax(values, -1))  # first max, or last NaN
    indices = np.take_along_axis(window, choice[..., None], -1)[..., 0]
    out = flat.gather(2, Tensor._make(indices.reshape(batch, channels, -1))).reshape(
        batch, channels, oh, ow)
    indices = Tensor._make(indices)
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return out, indices


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    out, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size,
                                                      output_ratio, return_indices,
                                                      _random_samples)
    return (out, indices) if return_indices else out
