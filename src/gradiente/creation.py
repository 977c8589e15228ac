"""Functions that make tensors: ``tensor``, ``zeros``, ``arange``, ``randn``, ...

Signatures follow PyTorch: sizes as varargs or one sequence, and keyword-only ``dtype``,
``device``, ``requires_grad`` and ``generator``.
"""

import math
import warnings

import numpy as np

from . import dtypes
from .device import device as Device, to_device
from .random import drawn, rng_of
from .tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "from_numpy", "asarray", "zeros", "ones", "full", "empty", "arange",
    "linspace", "logspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like",
    "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "randint_like",
    "normal", "bernoulli", "multinomial", "tril_indices", "triu_indices",
]


def _to_array(data, dtype=None, device=None, copy=True):
    """Convert nested sequences, scalars, arrays or tensors to an array of the right dtype."""
    np_dtype = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    if data.__class__ is float and device is None and (np_dtype is None or np_dtype.kind == "f"):
        return np.array(data, np_dtype or dtypes.default_float_np())  # the scalar fast path
    if isinstance(data, Tensor):
        array = data.array
    elif isinstance(data, (list, tuple)) and _contains_tensor(data):
        array = np.array(_unwrap(data))
    else:
        array = np.asarray(data)
    if array.dtype.kind in "OUS":
        raise TypeError(f"tensor: can't convert data of type {type(data).__name__} "
                        f"(NumPy dtype {array.dtype}) to a tensor")
    if np_dtype is None:
        if array.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic, Tensor)):
            np_dtype = dtypes.default_float_np()
        elif array.dtype.kind in "iu" and not isinstance(data, (np.ndarray, np.generic, Tensor)):
            np_dtype = np.dtype(np.int64)
        elif array.dtype.kind == "c":
            raise TypeError("tensor: complex numbers are not supported")
        else:
            np_dtype = dtypes.from_numpy_dtype(array.dtype).np
    array = array.astype(np_dtype, copy=copy)
    if device is not None:
        array = to_device(array, Device(device))
    return array


def _contains_tensor(seq):
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
               for x in seq)


def _unwrap(seq):
    return [x.array if isinstance(x, Tensor) else _unwrap(x) if isinstance(x, (list, tuple))
            else x for x in seq]


def _finish(array, requires_grad):
    t = Tensor._make(array)
    if requires_grad:
        if array.dtype.kind != "f":
            t.requires_grad = True  # raises, naming the dtype
        t._requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays).

    >>> tensor([[1, 2], [3, 4]]).dtype
    gradiente.int64
    """
    if data.__class__ is float and dtype.__class__ is dtypes.dtype and dtype.is_floating_point \
            and device is None:  # one number, the lectures' leaves: the shortest path
        t = Tensor._make(np.array(data, dtype.np))
        t._requires_grad = bool(requires_grad)
        return t
    return _finish(_to_array(data, dtype, device), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor._make(_to_array(data, dtype, device, copy=False))


asarray = as_tensor


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def _size(size, op):
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}: size must be ints or one sequence of ints, got {size!r}") from None
    if any(s < 0 for s in size):
        raise RuntimeError(f"{op}: negative dimension in size {size}")
    return size


def _float_dtype(dtype):
    return dtypes.default_float_np() if dtype is None else dtypes.to_numpy_dtype(dtype)


def _on_cpu(device):
    """Refuse a device gradiente does not have (``gradiente.device`` raises, naming it)."""
    if device is not None:
        Device(device)


def _make(xp_fn, size, dtype, device, requires_grad, op, *args):
    xp = Device(device or "cpu").xp
    array = getattr(xp, xp_fn)(_size(size, op), *args, dtype=_float_dtype(dtype))
    return _finish(array, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    if out is not None:
        raise RuntimeError("zeros: out= is not supported; assign the result instead")
    return _make("zeros", size, dtype, device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make("ones", size, dtype, device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _make("zeros", size, dtype, device, requires_grad, "empty")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    if dtype is None:
        dtype = dtypes.from_numpy_dtype(dtypes.result_np_dtype(fill_value))
    array = np.full(_size((size,), "full"), fill_value, dtype=dtypes.to_numpy_dtype(dtype))
    return _finish(array, requires_grad)


def _like(t, dtype):
    return t.dtype if dtype is None else dtype


def zeros_like(t, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    return zeros(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad)


def ones_like(t, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    return ones(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad)


def empty_like(t, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    return zeros_like(t, dtype=dtype, requires_grad=requires_grad)


def full_like(t, fill_value, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    return full(t.shape, fill_value, dtype=_like(t, dtype), requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (excluded) by ``step``; ints give int64."""
    _on_cpu(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        dtype = dtypes.from_numpy_dtype(dtypes.result_np_dtype(start, end, step))
    np_dtype = dtypes.to_numpy_dtype(dtype)
    count = max(0, int(np.ceil((end - start) / step)))
    array = (start + step * np.arange(count, dtype=np.float64)).astype(np_dtype)
    if np_dtype.kind in "iu":
        array = np.arange(start, end, step, dtype=np_dtype)
    return _finish(array, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    array = np.linspace(start, end, int(steps), dtype=np.float64).astype(_float_dtype(dtype))
    return _finish(array, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    array = np.logspace(start, end, int(steps), base=base).astype(_float_dtype(dtype))
    return _finish(array, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle j - i <= offset of a row x col matrix, in
    row-major order."""
    return _triangle_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the upper triangle j - i >= offset, in row-major order."""
    return _triangle_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)


def _triangle_indices(op, np_indices, row, col, offset, dtype, device):
    _on_cpu(device)
    for name, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{op}: {name} must be non-negative, got {n}")
    np_dtype = np.int64 if dtype is None else dtypes.to_numpy_dtype(dtype)
    if np.dtype(np_dtype).kind not in "iu":
        raise RuntimeError(f"{op}: dtype must be an integer type, got {dtype}")
    return Tensor._make(np.stack(np_indices(row, offset, col)).astype(np_dtype).reshape(2, -1))


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1)."""
    _on_cpu(device)
    array = rng_of(generator).random(_size(size, "rand")).astype(_float_dtype(dtype))
    return drawn(_finish(array, requires_grad))


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    _on_cpu(device)
    array = rng_of(generator).standard_normal(_size(size, "randn")).astype(_float_dtype(dtype))
    return drawn(_finish(array, requires_grad))


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform on [low, high); ``randint(high, size)`` starts at 0."""
    _on_cpu(device)
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected randint(low, high, size) or randint(high, size)")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    np_dtype = np.int64 if dtype is None else dtypes.to_numpy_dtype(dtype)
    array = rng_of(generator).integers(low, high, _size((size,), "randint")).astype(np_dtype)
    return drawn(_finish(array, requires_grad))


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    _on_cpu(device)
    np_dtype = np.int64 if dtype is None else dtypes.to_numpy_dtype(dtype)
    return _finish(rng_of(generator).permutation(int(n)).astype(np_dtype), requires_grad)


def rand_like(t, *, dtype=None, generator=None, requires_grad=False):
    return rand(t.shape, dtype=_like(t, dtype), generator=generator, requires_grad=requires_grad)


def randn_like(t, *, dtype=None, generator=None, requires_grad=False):
    return randn(t.shape, dtype=_like(t, dtype), generator=generator, requires_grad=requires_grad)


def randint_like(t, low, high=None, *, dtype=None, generator=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, dtype=_like(t, dtype), generator=generator)


def normal(mean, std, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Samples from N(mean, std²); mean and std may be tensors (broadcast)."""
    mean_a = mean.array if isinstance(mean, Tensor) else mean
    std_a = std.array if isinstance(std, Tensor) else std
    shape = _size((size,), "normal") if size is not None else np.broadcast_shapes(
        np.shape(mean_a), np.shape(std_a))
    if dtype is None:
        dtype = next((x.dtype for x in (mean, std) if isinstance(x, Tensor)), None)
    draws = rng_of(generator).standard_normal(shape) * std_a + mean_a
    return drawn(_finish(np.asarray(draws).astype(_float_dtype(dtype)), requires_grad))


def bernoulli(p, *, generator=None):
    """1 with probability ``p`` (a tensor of probabilities), else 0."""
    probs = p.array
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: expected all probabilities in [0, 1]")
    draws = rng_of(generator).random(probs.shape) < probs
    return drawn(Tensor._make(draws.astype(probs.dtype)))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn by the (unnormalised, non-negative) weights in each row of ``input``."""
    weights = np.asarray(input.array, dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: expected a 1-D or 2-D tensor, got {weights.ndim}-D")
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise RuntimeError("multinomial: probabilities must be finite and non-negative")
    rows = weights.reshape(-1, weights.shape[-1])
    totals = rows.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise RuntimeError("multinomial: each row of weights must have a positive sum")
    if not replacement and num_samples > np.count_nonzero(rows, axis=1).min():
        raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without replacement "
                           f"from rows with fewer non-zero weights")
    rng = rng_of(generator)
    samples = np.stack([rng.choice(rows.shape[1], size=num_samples, replace=replacement,
                                   p=row / row.sum()) for row in rows])
    return Tensor._make(samples.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64))


def inclusive_range(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """``gradiente.range``, deprecated in PyTorch: values from ``start`` to ``end`` INCLUDED,
    in the default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    _on_cpu(device)
    count = int(math.floor((end - start) / step)) + 1
    array = start + step * np.arange(max(count, 0), dtype=np.float64)
    return _finish(array.astype(_float_dtype(dtype)), requires_grad)


def _window(name, length, periodic, dtype, requires_grad, symmetric, device):
    """A window of ``length`` points; periodic windows are the symmetric one of length + 1
    without its last point (as PyTorch, for spectral analysis)."""
    if length < 0:
        raise RuntimeError(f"{name}: requires non-negative window_length, got {length}")
    _on_cpu(device)
    np_dtype = _float_dtype(dtype)
    if length <= 1:
        return _finish(np.ones(length, dtype=np_dtype), requires_grad)
    n = length + 1 if periodic else length
    ratio = np.arange(n, dtype=np.float64) / (n - 1)  # n / (N - 1), from 0 to 1
    return _finish(symmetric(ratio)[:length].astype(np_dtype), requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """0.5 − 0.5 cos(2πn / (N − 1))"""
    return _window("hann_window", window_length, periodic, dtype, requires_grad,
                   lambda r: 0.5 - 0.5 * np.cos(2 * np.pi * r), device)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   device=None, requires_grad=False):
    """α − β cos(2πn / (N − 1))"""
    return _window("hamming_window", window_length, periodic, dtype, requires_grad,
                   lambda r: alpha - beta * np.cos(2 * np.pi * r), device)


def blackman_window(window_length, periodic=True, *, dtype=None, device=None,
                    requires_grad=False):
    """0.42 − 0.5 cos(2πn / (N − 1)) + 0.08 cos(4πn / (N − 1))"""
    return _window("blackman_window", window_length, periodic, dtype, requires_grad,
                   lambda r: 0.42 - 0.5 * np.cos(2 * np.pi * r) + 0.08 * np.cos(4 * np.pi * r),
                   device)


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None,
                    requires_grad=False):
    """1 − |2n / (N − 1) − 1|"""
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad,
                   lambda r: 1 - np.abs(2 * r - 1), device)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None,
                  requires_grad=False):
    """I₀(β √(1 − (2n / (N − 1) − 1)²)) / I₀(β)"""
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad,
                   lambda r: np.i0(beta * np.sqrt(np.maximum(1 - (2 * r - 1) ** 2, 0)))
                   / np.i0(beta), device)


def poisson(input, generator=None):
    """Draws from Poisson(rate) for each rate in ``input``, in its dtype."""
    rates = input.array
    if np.any(rates < 0) or not np.all(np.isfinite(rates)):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    return drawn(Tensor._make(rng_of(generator).poisson(rates).astype(rates.dtype)))


def binomial(count, prob, generator=None):
    """Draws from Binomial(count, prob), element-wise, in ``count``'s dtype."""
    n, p = np.broadcast_arrays(count.array, prob.array)
    if np.any((p < 0) | (p > 1)) or np.any(n < 0):
        raise RuntimeError("binomial: expected count >= 0 and prob in [0, 1]")
    return drawn(Tensor._make(rng_of(generator).binomial(n.astype(np.int64), p)
                              .astype(count.array.dtype)))


__all__ += ["inclusive_range", "hann_window", "hamming_window", "blackman_window",
            "bartlett_window", "kaiser_window", "poisson", "binomial"]
