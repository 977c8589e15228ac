"""Every primitive operation, one file per family, and the Tensor methods that call them.

Each family module defines public functions (``gradiente.exp``); this package attaches the
ones that are also Tensor methods (``x.exp()``), the operators (``x + y``) and the in-place
forms (``x.add_(y)``).
"""

import warnings

import numpy as np

from .. import creation, dtypes, random
from ..tensor import Tensor, bump_version
from ..autograd.grad_mode import STATE
from . import elementwise, reduce, movement, linalg, indexing, conv, nn

# IEEE arithmetic, as in PyTorch: log(0) is -inf and 0/0 is nan, silently. NumPy warns instead;
# its floating-point warnings raised from gradiente's own code are ignored, once, here: wrapping
# each operation in np.errstate would cost about 1 µs per call. (A catch_warnings block around
# the import, as pytest has, drops the filter: the warnings then show, the results are the same.)
warnings.filterwarnings("ignore", r"(divide by zero|invalid value|overflow|underflow) encountered",
                        RuntimeWarning, r"gradiente\.")

FAMILIES = (elementwise, reduce, movement, linalg, indexing, conv, nn)
_FUNCTIONS_ONLY = (conv,)  # families whose functions are not Tensor methods

# functions that are not methods of Tensor
_NOT_METHODS = {"cast", "as_operand", "sum_to_shape", "normalize_dims", "UNARY", "where",
                "allclose", "isclose", "equal", "cat", "concat", "concatenate", "stack",
                "hstack", "vstack", "dstack", "atleast_1d", "atleast_2d", "atleast_3d",
                "einsum", "var_mean", "std_mean", "meshgrid", "cdist", "cartesian_prod",
                "block_diag", "searchsorted", "bucketize", "isin", "polygamma", "column_stack",
                "row_stack", "tensordot", "chain_matmul", "real", "imag", "broadcast_shapes",
                "broadcast_tensors", "combinations", "unravel_index",
                "lu_unpack", "vander"}


def _public_functions():
    for module in FAMILIES:
        if module in _FUNCTIONS_ONLY:
            continue
        for name in module.__all__:
            yield name, getattr(module, name)


def _attach_methods():
    for name, fn in _public_functions():
        if callable(fn) and name not in _NOT_METHODS and not hasattr(Tensor, name):
            setattr(Tensor, name, fn)


def _reflected(fn):
    def method(self, other):
        if not isinstance(other, (int, float, bool)):
            return NotImplemented
        return fn(other, self)
    return method


def _inplace(fn, name):
    """``x.op_(...)``: compute ``op`` out of place, then write the result into ``x``."""
    def method(self, *args, **kwargs):
        recording = STATE.grad_enabled and (self._requires_grad or any(
            isinstance(a, Tensor) and a._requires_grad for a in args))
        if recording and self.is_leaf and self._requires_grad:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                               f"in-place operation; wrap it in `with gradiente.no_grad():` "
                               f"or use the out-of-place {name.rstrip('_')}")
        source = self
        if recording:  # the recorded op must not see self's new value
            source = Tensor._make(self.array.copy())
            source.grad_fn, source._requires_grad = self.grad_fn, self._requires_grad
            source._tangent = self._tangent
        result = fn(source, *args, **kwargs)
        return write_inplace(self, result, name)
    method.__name__ = name
    return method


def _inplace_view(fn, name):
    """``x.t_()`` and kin: ``x`` takes the shape (and history) of ``fn(x)``, a view of its
    memory; the version bump makes backward through a saved ``x`` raise, as in PyTorch."""
    def method(self, *args):
        if STATE.grad_enabled and self.is_leaf and self._requires_grad:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                               f"in-place operation; use the out-of-place {name.rstrip('_')}")
        source = Tensor._make(self.array)
        source.grad_fn, source._requires_grad = self.grad_fn, self._requires_grad
        source._tangent = self._tangent
        result = fn(source, *args)
        self.array = result.array
        bump_version(self)
        if result.grad_fn is not None:
            self.grad_fn, self._requires_grad = result.grad_fn, True
        self._tangent = result._tangent
        return self
    method.__name__ = name
    return method


_INPLACE_VIEWS = {"t_": movement.t, "transpose_": movement.transpose,
                  "swapaxes_": movement.transpose, "swapdims_": movement.transpose,
                  "squeeze_": movement.squeeze, "unsqueeze_": movement.unsqueeze}


def _imag(self):
    return elementwise.imag(self)


def write_inplace(self, result, name):
    """Store ``result`` in ``self``'s memory, bump its version, and take over its history."""
    array = result.array
    if array.dtype != self.array.dtype:
        if self.array.dtype.kind in "biu" and array.dtype.kind == "f":
            raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
    if array.shape != self.array.shape:
        raise RuntimeError(f"{name}: output with shape {list(self.array.shape)} doesn't match "
                           f"the broadcast shape {list(array.shape)}")
    try:
        self.array[...] = array
    except ValueError as e:
        raise RuntimeError(f"{name}: cannot write into this tensor ({e}); use .clone() "
                           f"first") from None
    bump_version(self)
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
        self._requires_grad = True
    if result._tangent is not None or self._tangent is not None:
        self._tangent = result._tangent
    return self


_OPERATORS = {
    "__add__": elementwise.add, "__sub__": elementwise.sub, "__mul__": elementwise.mul,
    "__truediv__": elementwise.div, "__floordiv__": elementwise.floor_divide,
    "__mod__": elementwise.remainder, "__pow__": elementwise.pow,
    "__matmul__": linalg.matmul, "__eq__": elementwise.eq, "__ne__": elementwise.ne,
    "__lt__": elementwise.lt, "__le__": elementwise.le, "__gt__": elementwise.gt,
    "__ge__": elementwise.ge, "__and__": elementwise.logical_and,
    "__or__": elementwise.logical_or, "__xor__": elementwise.logical_xor,
    "__lshift__": elementwise.bitwise_left_shift, "__rshift__": elementwise.bitwise_right_shift,
}
_REFLECTED = {
    "__radd__": elementwise.add, "__rsub__": elementwise.sub, "__rmul__": elementwise.mul,
    "__rtruediv__": elementwise.div, "__rfloordiv__": elementwise.floor_divide,
    "__rmod__": elementwise.remainder, "__rpow__": elementwise.pow,
    "__rand__": elementwise.logical_and, "__ror__": elementwise.logical_or,
    "__rlshift__": elementwise.bitwise_left_shift,
    "__rrshift__": elementwise.bitwise_right_shift,
}
_INPLACE = {
    "add_": elementwise.add, "sub_": elementwise.sub, "mul_": elementwise.mul,
    "div_": elementwise.div, "pow_": elementwise.pow, "clamp_": elementwise.clamp,
    "clip_": elementwise.clamp, "neg_": elementwise.neg, "remainder_": elementwise.remainder,
    "floor_divide_": elementwise.floor_divide, "lerp_": elementwise.lerp,
    "hypot_": elementwise.hypot, "xlogy_": elementwise.xlogy, "igamma_": elementwise.igamma,
    "igammac_": elementwise.igammac, "mvlgamma_": elementwise.mvlgamma,
    "polygamma_": lambda self, n: elementwise.polygamma(n, self),
    "clamp_min_": elementwise.clamp_min, "clamp_max_": elementwise.clamp_max,
    "__iadd__": elementwise.add, "__isub__": elementwise.sub, "__imul__": elementwise.mul,
    "__itruediv__": elementwise.div,
}
_INPLACE.update({name + "_": getattr(elementwise, name) for name in elementwise.UNARY})
_INPLACE.update({name + "_": getattr(family, name) for family in FAMILIES for name in (
    "absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "atan2",
    "arctan2", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "cumsum", "cumprod",
    "divide", "multiply", "subtract", "true_divide", "negative", "fix", "fmod", "sgn",
    "heaviside", "nan_to_num", "eq", "ne", "lt", "le", "gt", "ge", "greater", "less",
    "greater_equal", "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor",
    "logical_not") if name in family.__all__})
_INPLACE.update({name + "_": getattr(family, name) for family in FAMILIES for name in (
    "addcmul", "addcdiv", "addmm", "addmv", "addr", "baddbmm", "addbmm", "renorm", "copysign",
    "ldexp", "gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift", "nextafter")
    if name in family.__all__})
_INPLACE.update(movement.INPLACE)
_INPLACE.update(indexing.INPLACE)
_INPLACE.update(float_power_=elementwise._float_power_inplace,
                __ilshift__=elementwise.bitwise_left_shift,
                __irshift__=elementwise.bitwise_right_shift)
del _INPLACE["angle_"]  # PyTorch has no Tensor.angle_


def _replace(self, value):
    """``value`` broadcast to ``self``'s shape and dtype; the gradient to ``self`` becomes 0."""
    if not isinstance(value, Tensor):
        value = Tensor._make(np.asarray(value, dtype=self.array.dtype))
    value = value.to(self.dtype).expand(self.array.shape)
    if not self._requires_grad and not value._requires_grad:
        return value
    everywhere = Tensor._make(np.ones(self.array.shape, dtype=bool))
    return elementwise.where(everywhere, value, self)


def _random_fill(name, draw):
    def fill(self, *args, generator=None, **kwargs):
        values = draw(random.rng_of(generator), self.array, *args, **kwargs)
        return _replace(self, Tensor._make(np.asarray(values).astype(self.array.dtype)))
    return _inplace(fill, name)


def _new(fill):
    """Tensor.new_zeros(size, dtype=None, ...): a fresh tensor with self's dtype by default."""
    def new(self, *size, dtype=None, device=None, requires_grad=False):
        return fill(*size, dtype=dtype or self.dtype, device=device,
                    requires_grad=requires_grad)
    return new


def _is_nonzero(self):
    if self.array.size != 1:
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {self.array.size} values "
                           f"is ambiguous (expected one value)")
    return bool(self.array.reshape(()))


# methods that are thin wrappers in PyTorch as well
_CONVENIENCES = {
    "new_zeros": _new(creation.zeros), "new_ones": _new(creation.ones),
    "new_empty": _new(creation.empty),
    "new_full": lambda self, size, fill_value, *, dtype=None, device=None, requires_grad=False:
        creation.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                      requires_grad=requires_grad),
    "new_tensor": lambda self, data, *, dtype=None, device=None, requires_grad=False:
        creation.tensor(data, dtype=dtype or self.dtype, device=device,
                        requires_grad=requires_grad),
    "type_as": lambda self, other: self.to(other.dtype),
    "reshape_as": lambda self, other: movement.reshape(self, other.shape),
    "ravel": lambda self: movement.reshape(self, (-1,)),
    "where": lambda self, condition, other: elementwise.where(condition, self, other),
    "sum_to_size": lambda self, *size: reduce.sum_to_shape(self, movement._shape_args(size)),
    "equal": elementwise.equal, "allclose": elementwise.allclose,
    "isclose": elementwise.isclose,
    "byte": lambda self: self.to(dtypes.uint8), "char": lambda self: self.to(dtypes.int8),
    "short": lambda self: self.to(dtypes.int16),
    "is_complex": lambda self: False, "is_signed": lambda self: self.array.dtype.kind in "if",
    "is_nonzero": _is_nonzero, "is_same_size": lambda self, other: self.shape == other.shape,
    "get_device": lambda self: -1,
    "bernoulli": lambda self, *, generator=None: creation.bernoulli(self, generator=generator),
    "multinomial": creation.multinomial,
    "polygamma": lambda self, n: elementwise.polygamma(n, self),
}


def _copy(self, src, non_blocking=False):
    return _replace(self, src)


def _zero(self):
    return _replace(self, 0)


# NumPy ufuncs and functions called on tensors run gradiente's operation, so a rule written in
# NumPy (``g * np.cos(x)``) records its own graph when it runs on Tensors (create_graph=True)
_UFUNCS = {
    np.add: elementwise.add, np.subtract: elementwise.sub, np.multiply: elementwise.mul,
    np.true_divide: elementwise.div, np.floor_divide: elementwise.floor_divide,
    np.remainder: elementwise.remainder, np.fmod: elementwise.fmod, np.power: elementwise.pow,
    np.negative: elementwise.neg, np.positive: elementwise.positive,
    np.arctan2: elementwise.atan2, np.maximum: elementwise.maximum,
    np.minimum: elementwise.minimum, np.fmax: elementwise.fmax, np.fmin: elementwise.fmin,
    np.matmul: linalg.matmul, np.equal: elementwise.eq, np.not_equal: elementwise.ne,
    np.less: elementwise.lt, np.less_equal: elementwise.le, np.greater: elementwise.gt,
    np.greater_equal: elementwise.ge, np.logical_and: elementwise.logical_and,
    np.logical_or: elementwise.logical_or, np.logical_xor: elementwise.logical_xor,
    np.logical_not: elementwise.logical_not, np.isnan: elementwise.isnan,
    np.isinf: elementwise.isinf, np.isfinite: elementwise.isfinite,
}
_UFUNCS.update({f: elementwise.UNARY_FUNCTIONS[name] for name, (f, _) in elementwise.UNARY.items()
                if isinstance(f, np.ufunc)})
_ARRAY_FUNCTIONS = {np.where: elementwise.where, np.broadcast_to: movement.broadcast_to,
                    np.einsum: linalg.einsum_from_numpy,
                    # the same meaning for NumPy's positional arguments (axes/axis given)
                    np.transpose: movement.permute, np.flip: movement.flip, np.roll: movement.roll,
                    np.tril: movement.tril, np.triu: movement.triu, np.cumsum: reduce.cumsum}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    op = _UFUNCS.get(ufunc)
    if op is not None and method == "__call__" and not kwargs:
        return op(*inputs)
    name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    _refuse_tensor_out(name, kwargs.get("out", ()))
    return getattr(ufunc, method)(*_values(name, inputs), **kwargs)


def _array_function(self, func, types, args, kwargs):
    op = _ARRAY_FUNCTIONS.get(func)
    if op is not None:
        return op(*args, **kwargs)
    name = f"numpy.{func.__name__}"
    out = kwargs.get("out")
    _refuse_tensor_out(name, out if isinstance(out, tuple) else (out,))
    return func(*_values(name, args), **{k: _value(name, v) for k, v in kwargs.items()})


def _refuse_tensor_out(name, out):
    if any(isinstance(x, Tensor) for x in out):
        raise TypeError(f"{name}: out= must be a NumPy array, not a tensor (NumPy's write would "
                        f"bypass the tensor's version counter); write into a tensor with "
                        f"tensor.copy_(...)")


def _values(name, items):
    return tuple(_value(name, x) for x in items)


def _value(name, x):
    """NumPy on the values, as for any array-like: a tensor (also inside a list or tuple)
    becomes its array; one that requires grad would lose its graph, so it is refused."""
    if isinstance(x, (list, tuple)):
        return type(x)(_value(name, item) for item in x)
    if not isinstance(x, Tensor):
        return x
    if x._requires_grad:
        raise TypeError(f"{name}: no gradiente operation stands for this call, so it would lose "
                        f"the graph of a tensor that requires grad; use gradiente's operation, "
                        f"or call it on tensor.detach()")
    return x.array


def _attach_operators():
    for name, fn in _OPERATORS.items():  # the public function itself: one call less per op
        setattr(Tensor, name, fn)
    for name, fn in _REFLECTED.items():
        setattr(Tensor, name, _reflected(fn))
    for name, fn in _INPLACE.items():
        setattr(Tensor, name, _inplace(fn, name))
    Tensor.fill_ = _inplace(_replace, "fill_")
    for name, fn in _INPLACE_VIEWS.items():
        setattr(Tensor, name, _inplace_view(fn, name))
    Tensor.unfold = movement.unfold
    Tensor.real = property(elementwise.real)
    Tensor.imag = property(_imag)
    Tensor.conj_physical_ = _inplace(elementwise.real, "conj_physical_")
    for name, draw in random.IN_PLACE_DRAWS.items():
        setattr(Tensor, name, _random_fill(name, draw))
    for name, method in _CONVENIENCES.items():
        setattr(Tensor, name, method)
    Tensor.is_cpu = property(lambda self: True)
    Tensor.__getitem__ = indexing.getitem
    Tensor.__setitem__ = indexing.setitem
    Tensor.zero_ = _inplace(_zero, "zero_")
    Tensor.copy_ = _inplace(_copy, "copy_")
    Tensor.__array_ufunc__ = _array_ufunc
    Tensor.__array_function__ = _array_function
    Tensor.__neg__ = elementwise.neg
    Tensor.__pos__ = elementwise.positive
    Tensor.__abs__ = elementwise.abs
    Tensor.__invert__ = elementwise.logical_not
    Tensor.T = property(lambda self: self.permute(tuple(reversed(range(self.ndim)))))
    Tensor.mT = property(lambda self: movement.transpose(self, -2, -1))
    Tensor.H = Tensor.T
    Tensor.mH = Tensor.mT


_attach_methods()
_attach_operators()
