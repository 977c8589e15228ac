"""Data types and PyTorch's type-promotion rules.

A gradiente ``dtype`` wraps a NumPy dtype. Promotion follows PyTorch, not NumPy: a Python
scalar or a 0-d tensor only changes the result type when it is of a higher category
(bool < integer < floating), so ``float32_tensor * 2.5`` and ``float32_tensor * tensor(2.0,
dtype=float64)`` stay float32, and integer tensors divided give the default float dtype.
"""

import numpy as np

__all__ = [
    "dtype", "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
    "float", "double", "half", "long", "int", "short",
    "set_default_dtype", "get_default_dtype", "promote_types", "result_type",
]


class dtype:
    """A tensor element type, e.g. ``gradiente.float32``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or self.np.kind == "i"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"gradiente.{self.name}"

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
globals()["bool"] = bool_
half, float, double = float16, float32, float64  # noqa: A001 - torch's aliases
short, int, long = int16, int32, int64  # noqa: A001

_py_float = (1.0).__class__
_ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NUMPY = {d.np: d for d in _ALL}
_default_float = float32


def from_numpy_dtype(np_dtype):
    """The gradiente dtype of a NumPy dtype; raises for types gradiente does not support."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"gradiente does not support NumPy dtype {np_dtype}") from None


def to_numpy_dtype(d):
    """Accept a gradiente dtype, a NumPy dtype or a Python type and return the NumPy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is _py_float:
        return _default_float.np
    return from_numpy_dtype(np.dtype(d)).np


def set_default_dtype(d):
    """Set the dtype of new floating-point tensors (float32 unless changed)."""
    global _default_float
    d = _FROM_NUMPY[to_numpy_dtype(d)]
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are allowed, got {d}")
    _default_float = d


def get_default_dtype():
    return _default_float


def default_float_np():
    return _default_float.np


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to (PyTorch's table)."""
    return from_numpy_dtype(_promote_np(to_numpy_dtype(a), to_numpy_dtype(b)))


def _promote_np(a, b):
    if a == b:
        return a
    if a.kind == "b":
        return b
    if b.kind == "b":
        return a
    if (a.kind == "f") != (b.kind == "f"):  # an integer meeting a float takes the float, as torch
        return a if a.kind == "f" else b
    return np.promote_types(a, b)


_CATEGORY_OF_SCALAR = {(True).__class__: 0, (0).__class__: 1, _py_float: 2}


def result_np_dtype(*args):
    """NumPy dtype of an op on ``args`` (arrays, 0-d arrays and Python scalars), PyTorch-style.

    Tensors of one or more dimensions decide first; 0-d tensors and then Python scalars only
    count when their category (bool < int < float) is higher than everything before them.
    """
    dims = zero_dim = None
    scalar_category = -1
    for a in args:
        if hasattr(a, "dtype"):
            if a.ndim:
                dims = a.dtype if dims is None else _promote_np(dims, a.dtype)
            else:
                zero_dim = a.dtype if zero_dim is None else _promote_np(zero_dim, a.dtype)
        else:
            scalar_category = max(scalar_category, _CATEGORY_OF_SCALAR.get(a.__class__, 2))
    result = dims
    if zero_dim is not None and (result is None or _category(zero_dim) > _category(result)):
        result = zero_dim
    if scalar_category >= 0 and (result is None or scalar_category > _category(result)):
        result = (np.dtype(np.bool_), np.dtype(np.int64), _default_float.np)[scalar_category]
    return result


def result_type(*args):
    """``gradiente.result_type``: the dtype an operation on ``args`` produces."""
    arrays = [a.array if hasattr(a, "array") else a for a in args]
    return from_numpy_dtype(result_np_dtype(*arrays))


def _category(np_dtype):
    kind = np_dtype.kind
    return 0 if kind == "b" else 2 if kind in "fc" else 1
