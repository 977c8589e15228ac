"""In-place vector updates, one pass each, through the BLAS that NumPy is linked against.

An optimizer step is a few vector updates over every parameter, such as ``y += a * x``.
NumPy does that in two passes over memory (``a * x`` into a temporary, then the sum); the BLAS
routines ``axpy`` (y = a x + y) and ``axpby`` (y = a x + b y) do it in one. For parameters
larger than the caches this is the step's cost: SGD with momentum over the 0.9 MB of an
MNIST-sized MLP takes 2 passes instead of 4.

The routines are looked up once, in the BLAS library NumPy loaded (OpenBLAS in NumPy's wheels).
Where they are missing (another BLAS, an unusual NumPy build) or the arrays do not suit them
(small, not contiguous, not float32/float64, overlapping), the same formula runs in NumPy. The
environment variable ``GRADIENTE_BLAS=0`` turns the BLAS path off. ``LIBRARY`` names what was found.
"""

import ctypes
import os

import numpy as np

__all__ = ["axpy_", "axpby_", "LIBRARY", "get_num_threads", "set_num_threads"]

# below this many elements a call through ctypes (about 5 µs with its checks) costs more than
# NumPy's two passes (measured on float32 with OpenBLAS: break-even near 40,000)
_MIN_SIZE = 1 << 15
_CHUNK = 1 << 16  # elements per slice of the NumPy fallback's scratch buffer


def _numpy_extension():
    """A handle on NumPy's extension module: its symbol lookup also searches the libraries it
    loaded, among them its BLAS."""
    from numpy._core import _multiarray_umath
    try:
        return ctypes.CDLL(_multiarray_umath.__file__)
    except OSError:
        return None


_LIBRARY_HANDLE = _numpy_extension()


def _find():
    """{dtype: (axpy, axpby)} from NumPy's BLAS, a description and the largest length the
    routines take; ({}, None, 0) if not found."""
    if os.environ.get("GRADIENTE_BLAS", "1") == "0" or _LIBRARY_HANDLE is None:
        return {}, None, 0
    library = _LIBRARY_HANDLE
    # OpenBLAS as NumPy's wheels ship it (64-bit integers, prefixed names), then plain CBLAS
    for prefix, suffix, integer in (("scipy_cblas_", "64_", ctypes.c_int64),
                                    ("cblas_", "64_", ctypes.c_int64),
                                    ("cblas_", "", ctypes.c_int)):
        routines = {}
        for dtype, letter, real in ((np.float32, "s", ctypes.c_float),
                                    (np.float64, "d", ctypes.c_double)):
            try:
                axpy = getattr(library, f"{prefix}{letter}axpy{suffix}")
                axpby = getattr(library, f"{prefix}{letter}axpby{suffix}")
            except AttributeError:
                break
            pointer = ctypes.c_void_p
            axpy.argtypes = (integer, real, pointer, integer, pointer, integer)
            axpby.argtypes = (integer, real, pointer, integer, real, pointer, integer)
            axpy.restype = axpby.restype = None
            routines[np.dtype(dtype)] = (axpy, axpby)
        if len(routines) == 2:
            name = f"{prefix}?axpy{suffix} and {prefix}?axpby{suffix} from NumPy's BLAS"
            return routines, name, 2 ** (8 * ctypes.sizeof(integer) - 1) - 1
    return {}, None, 0


_ROUTINES, LIBRARY, _MAX_SIZE = _find()


def _routines(x, y):
    """The (axpy, axpby) pair for ``x`` and ``y``, or None where NumPy must do it."""
    if not _MIN_SIZE <= y.size <= _MAX_SIZE:
        return None
    routines = _ROUTINES.get(y.dtype)
    if (routines is None or x.dtype is not y.dtype or x.shape != y.shape
            or not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable
                    and x.flags.aligned and y.flags.aligned)
            or np.may_share_memory(x, y)):
        return None
    return routines


def _address(array):
    """Where the array's data starts: through the buffer protocol where the array is
    writable (4x faster than ``__array_interface__``)."""
    if array.flags.writeable:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    return array.__array_interface__["data"][0]


def axpy_(alpha, x, y):
    """y += alpha * x, in place; x broadcasts to y's shape."""
    routines = _routines(x, y)
    if routines is not None:
        routines[0](y.size, float(alpha), _address(x), 1, _address(y), 1)
        return y
    if (y.size <= _CHUNK or x.shape != y.shape or not (x.flags.c_contiguous
                                                        and y.flags.c_contiguous)
            or np.may_share_memory(x, y)):
        y += alpha * x
        return y
    # slice by slice through a small scratch buffer: no temporary the size of the parameter
    flat_x, flat_y = x.reshape(-1), y.reshape(-1)
    scratch = np.empty(_CHUNK, dtype=np.result_type(x, alpha))
    for start in range(0, flat_y.size, _CHUNK):
        part = flat_x[start:start + _CHUNK]
        scaled = scratch[:part.size]
        np.multiply(part, alpha, out=scaled)
        flat_y[start:start + _CHUNK] += scaled
    return y


def axpby_(alpha, x, beta, y):
    """y = alpha * x + beta * y, in place (first y *= beta, then y += alpha * x)."""
    routines = _routines(x, y)
    if routines is not None:
        routines[1](y.size, float(alpha), _address(x), 1, float(beta), _address(y), 1)
        return y
    if np.may_share_memory(x, y):
        y[...] = alpha * x + beta * y
        return y
    y *= beta
    y += x if alpha == 1 else alpha * x
    return y


def _thread_control(op):
    """OpenBLAS's (get, set) number-of-threads functions, as NumPy's wheels or a plain build
    name them."""
    for get_name, set_name in (("scipy_openblas_get_num_threads64_",
                                "scipy_openblas_set_num_threads64_"),
                               ("openblas_get_num_threads", "openblas_set_num_threads")):
        try:
            getter = getattr(_LIBRARY_HANDLE, get_name)
            setter = getattr(_LIBRARY_HANDLE, set_name)
        except (AttributeError, TypeError):
            continue
        getter.restype, setter.argtypes = ctypes.c_int, (ctypes.c_int,)
        return getter, setter
    raise RuntimeError(f"{op}: NumPy's BLAS offers no thread control gradiente can find; set "
                       f"OPENBLAS_NUM_THREADS or OMP_NUM_THREADS before starting Python")


def get_num_threads():
    """The threads NumPy's BLAS uses for matrix products (gradiente's only parallel work)."""
    return int(_thread_control("get_num_threads")[0]())


def set_num_threads(n):
    """Let NumPy's BLAS use ``n`` threads for matrix products, as ``torch.set_num_threads``."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    _thread_control("set_num_threads")[1](n)
