"""The Tensor: an array, its dtype and device, and its place in the autograd graph.

A tensor holds its values in ``array`` (a NumPy array on the CPU) and, when it takes part in
differentiation, ``grad_fn``: the graph node of the operation that produced it. Operations and
their derivatives live in ``gradiente.ops``; this file holds what is not an operation.
"""

import itertools
import sys
from copy import deepcopy

import numpy as np

from . import dtypes
from .device import device_of, to_device, device as Device

__all__ = ["Tensor"]

# One clock for the graph and for in-place writes: each recorded node takes its ``seq`` from it,
# and each write stamps the tensor's version box, so a node finds a saved tensor overwritten
# after it was recorded by comparing two numbers.
SEQUENCE = itertools.count()
LAST_WRITE = [-1]  # the stamp of the latest in-place write anywhere


def bump_version(t):
    """Record an in-place write to ``t``: version count + 1, and a stamp from ``SEQUENCE``."""
    box = t._version
    box[0] += 1
    box[1] = LAST_WRITE[0] = next(SEQUENCE)


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    >>> import gradiente as gr
    >>> x = gr.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __slots__ = ("array", "_requires_grad", "grad", "grad_fn", "_version", "_hooks",
                 "_retains_grad", "_tangent", "__weakref__")
    __array_priority__ = 1000  # numpy scalars defer to Tensor's reflected operators

    def __init__(self, data=(), dtype=None, device=None, requires_grad=False):
        from .creation import _to_array
        array = _to_array(data, dtype if dtype is not None else dtypes.get_default_dtype(), device)
        _init(self, array)
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, array, grad_fn=None):
        """Wrap an array without copying or checking: the fast path every operation uses
        (``grad_fn``: the graph node of a recorded operation's result)."""
        t = _new(cls)
        t.array = array  # _init's assignments, inlined: this runs for every operation
        t.grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t.grad = t._hooks = t._tangent = None
        t._version = [0, -1]  # [in-place writes so far, stamp of the last one]
        t._retains_grad = False
        return t

    # ----- autograd attributes ------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if not self.is_leaf:
            if value:
                return
            raise RuntimeError("requires_grad: you can only change requires_grad of leaf "
                               "tensors; use .detach() to get a tensor that does not require grad")
        if value and self.array.dtype.kind not in "fc":
            raise RuntimeError(f"requires_grad: only tensors of floating point dtype can require "
                               f"gradients, got {self.dtype}")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def data(self):
        """A tensor sharing this one's values, outside the graph (PyTorch's ``.data``)."""
        return Tensor._make(self.array)

    @data.setter
    def data(self, value):
        self.array = value.array if isinstance(value, Tensor) else np.asarray(value)

    def detach(self):
        """A new tensor with the same values (shared memory) and no graph history."""
        out = Tensor._make(self.array)
        out._version = self._version
        return out

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that does not "
                               "require grad")
        if self.grad_fn is not None:
            import weakref
            node = self.grad_fn
            node.retained = weakref.ref(self)
            if node.hooks is None:  # the engine visits nodes with hooks: retain_grad is one
                node.hooks = []
            self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not "
                               "require grad")
        if self.grad_fn is not None:
            self.grad_fn.register_hook(hook)
            return _RemovableHandle(self.grad_fn.hooks, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad."""
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    # ----- metadata -----------------------------------------------------------------------
    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self.array.dtype)

    @property
    def device(self):
        return device_of(self.array)

    @property
    def shape(self):
        from .size import Size
        return Size(self.array.shape)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self.array.shape[_check_dim("size", dim, self.array.ndim)]

    def dim(self):
        return self.array.ndim

    @property
    def ndim(self):
        return self.array.ndim

    def ndimension(self):
        return self.array.ndim

    def numel(self):
        return int(self.array.size)

    nelement = numel

    def element_size(self):
        return self.array.itemsize

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def is_floating_point(self):
        return self.array.dtype.kind == "f"

    def is_contiguous(self):
        return bool(self.array.flags.c_contiguous)

    def stride(self, dim=None):
        strides = tuple(s // self.array.itemsize for s in self.array.strides)
        return strides if dim is None else strides[dim]

    @property
    def _version_counter(self):
        return self._version[0]

    # ----- conversion ---------------------------------------------------------------------
    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self.array

    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"item: a Tensor with {self.array.size} elements cannot be "
                               f"converted to a Python scalar (shape {tuple(self.array.shape)})")
        return self.array.reshape(()).item()

    def tolist(self):
        return self.array.tolist()

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.array.size} elements is "
                               f"ambiguous")
        return bool(self.array.reshape(()).item())

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    __hash__ = object.__hash__

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """``to(dtype)``, ``to(device)``, ``to(other_tensor)`` or ``to(device, dtype)``."""
        dtype, device = to_arguments(args, dtype, device)
        out = self
        if device is not None:
            moved = to_device(self.array, Device(device))
            if moved is not self.array:
                out = Tensor._make(moved)
        if dtype is not None and dtypes.to_numpy_dtype(dtype) != out.array.dtype:
            from .ops.elementwise import cast
            out = cast(out, dtypes.to_numpy_dtype(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None):
        if dtype is None:
            return f"gradiente.{_TYPE_NAMES.get(self.dtype.name, 'Tensor')}"
        return self.to(dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to(device or "cuda")

    def zeros_like_tangent(self):
        return Tensor._make(np.zeros_like(self.array))

    # ----- printing -----------------------------------------------------------------------
    def __repr__(self):
        return _format(self)

    def __format__(self, spec):
        if self.array.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        raise TypeError("Tensors are not pickled; use gradiente.save (safetensors)")

    def __copy__(self):
        """``copy.copy``: a leaf of the same type sharing this tensor's memory, as in PyTorch."""
        out = _leaf_like(self, self.array)
        out._version = self._version
        return out

    def __deepcopy__(self, memo):
        """``copy.deepcopy`` of a leaf: its own copy of the values (tensors that were views of one
        array become views of one copy), requires_grad and a copy of ``grad``."""
        out = self._deepcopy_values(memo)
        if self.grad is not None:
            out.grad = deepcopy(self.grad, memo)
        return out

    def _deepcopy_values(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only tensors created explicitly by the user (graph "
                               "leaves) support the deepcopy protocol; deepcopy x.detach() "
                               "instead")
        out = _leaf_like(self, _copied_array(self.array, memo))
        memo[id(self)] = out
        return out


_new = object.__new__


def _init(t, array):
    t.array = array
    t._requires_grad = False
    t.grad = None
    t.grad_fn = None
    t._version = [0, -1]
    t._hooks = None
    t._retains_grad = False
    t._tangent = None


def zero_grads(tensors, set_to_none=True):
    """Forget the gradients of ``tensors``: ``.grad`` set to None, or zeroed in place (detached,
    the same tensor kept), as the ``zero_grad`` of PyTorch's modules and optimizers."""
    for t in tensors:
        grad = t.grad
        if grad is None:
            continue
        if set_to_none:
            t.grad = None
        else:
            grad.grad_fn = None
            grad._requires_grad = False
            grad.array.fill(0)
            bump_version(grad)


def to_arguments(args, dtype=None, device=None):
    """The (dtype, device) that ``to``'s positional arguments name: a tensor gives both."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif isinstance(arg, (dtypes.dtype, type, np.dtype)):
            dtype = arg
        else:
            device = arg
    return dtype, device


def _leaf_like(t, array):
    """A leaf of ``t``'s type holding ``array``, requiring grad as ``t`` does."""
    out = _new(type(t))
    _init(out, array)
    out._requires_grad = t._requires_grad
    return out


def _copied_array(array, memo):
    """A copy of ``array``; arrays viewing one base, copied with one ``memo``, view one copy."""
    base = array
    while isinstance(base.base, np.ndarray):
        base = base.base
    if not (base.flags.c_contiguous or base.flags.f_contiguous):
        return array.copy()
    key = ("array base", id(base))
    if key not in memo:
        memo[key] = base.copy(order="A")
    if base is array:
        return memo[key]
    offset = array.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return np.ndarray(array.shape, array.dtype, memo[key], offset, array.strides)


def _check_dim(op, dim, ndim):
    lo = -max(ndim, 1)
    if not lo <= dim < max(ndim, 1):
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{lo}, {max(ndim, 1) - 1}], but got {dim})")
    return dim % max(ndim, 1)


class _RemovableHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
               "int32": "IntTensor", "bool": "BoolTensor", "float16": "HalfTensor"}


PRINT_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
                 "sci_mode": None}
_PRINT_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
                   "full": (4, sys.maxsize, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """How tensors print, as ``torch.set_printoptions``: a profile first, then each option given.
    ``sci_mode`` None chooses scientific notation for very large or small values."""
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r} "
                             f"(expected one of {', '.join(_PRINT_PROFILES)})")
        PRINT_OPTIONS.update(zip(("precision", "threshold", "edgeitems", "linewidth"),
                                 _PRINT_PROFILES[profile]))
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                 linewidth=linewidth)
    PRINT_OPTIONS.update({k: v for k, v in given.items() if v is not None})
    PRINT_OPTIONS["sci_mode"] = sci_mode


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def _format(t):
    array = t.array
    prefix = "tensor("
    precision, sci_mode = PRINT_OPTIONS["precision"], PRINT_OPTIONS["sci_mode"]
    if array.dtype.kind == "f":
        finite = array[np.isfinite(array)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size and (np.abs(finite).max() >= 1e8 or
                               0 < np.abs(finite[finite != 0]).min(initial=1) < 1e-4)
        options = dict(precision=precision, floatmode="maxprec" if integral else "fixed",
                       suppress_small=False)
        if sci_mode or (big and sci_mode is None):
            text = lambda v: f"{v:.{precision}e}"  # noqa: E731
        elif big:  # sci_mode=False: NumPy would still choose scientific notation from 1e8 on
            text = (lambda v: f"{v:.0f}.") if integral else (lambda v: f"{v:.{precision}f}")
        if sci_mode or big:
            width = max((len(text(v)) for v in array.flat), default=0)
            options = dict(formatter={"float_kind": lambda v: text(v).rjust(width)})
    else:
        options = {}
    if array.size == 0:
        body = "[]"
    else:
        body = np.array2string(array, separator=", ", prefix=prefix,
                               threshold=PRINT_OPTIONS["threshold"],
                               edgeitems=PRINT_OPTIONS["edgeitems"],
                               max_line_width=PRINT_OPTIONS["linewidth"], **options)
        body = body.replace(", ...,", ",  ...,")  # PyTorch's elided columns: " ..." as an entry
    extras = []
    if array.size == 0 and array.ndim != 1:
        extras.append(f"size={tuple(array.shape)}")
    default = dtypes.get_default_dtype().np
    # an empty tensor has no elements to show it is int64 or bool, so it says so
    implied = (default,) if array.size == 0 else (default, np.dtype(np.int64), np.dtype(np.bool_))
    if array.dtype not in implied:
        extras.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    if t._tangent:  # {dual level: tangent}; show the innermost level's
        extras.append(f"tangent={t._tangent[max(t._tangent)].array!r}")
    text = prefix + body
    last_line = len(text) - text.rfind("\n") + 1  # PyTorch's count, off by two on line one
    for extra in extras:  # on the last line while it fits, as PyTorch does
        if last_line + len(extra) + 2 > PRINT_OPTIONS["linewidth"]:
            text += ",\n" + " " * len(prefix) + extra
            last_line = len(prefix) + len(extra)
        else:
            text += ", " + extra
            last_line += len(extra) + 2
    return text + ")"


from .autograd import engine as _engine  # noqa: E402 - the engine imports Tensor from here
