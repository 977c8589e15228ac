"""Element-wise operations: arithmetic, the elementary functions, comparisons.

Unary functions are rows of the ``UNARY`` table: a name, the forward array function and the
local derivative f'(x, y) written in NumPy (y is the forward result). The same formula gives
the VJP (g * f') and the JVP (dx * f'). The other operations are ``Function`` classes with
their forward, backward (VJP) and jvp rules side by side. Rules are written as if shapes
matched: the engine sums gradients back over broadcast dimensions.
"""

import math
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "float_power", "atan2", "arctan2", "maximum", "minimum", "fmax",
    "fmin", "where", "lerp", "clamp", "clip", "neg", "negative", "positive", "cast",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal",
    "not_equal", "equal", "isnan", "isinf", "isfinite", "isclose", "allclose",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_not", "UNARY",
    "hardtanh", "leaky_relu", "elu", "celu", "selu", "softplus", "gelu", "silu", "relu6",
    "hardsigmoid", "hardswish", "mish", "softsign", "logsigmoid", "tanhshrink", "nan_to_num",
    "hypot", "logaddexp", "logaddexp2", "xlogy", "clamp_min", "clamp_max", "heaviside",
    "searchsorted", "bucketize", "isin", "polygamma", "mvlgamma", "igamma", "igammac",
]


# ----- operands and dtypes --------------------------------------------------------------------

def as_operand(x):
    """The array (or Python scalar) an operation computes with."""
    return x.array if isinstance(x, Tensor) else x


def _binary_arrays(op, x, y):
    """Both operands as arrays of the PyTorch result dtype, checking they broadcast."""
    a = x.array if isinstance(x, Tensor) else x  # as_operand, inlined on this hot path
    b = y.array if isinstance(y, Tensor) else y
    a_array, b_array = hasattr(a, "dtype"), hasattr(b, "dtype")
    if a_array and b_array:
        if a.dtype != b.dtype:
            dt = dtypes.result_np_dtype(a, b)
            # a bool operand (a mask) is left to NumPy, which promotes it as PyTorch does,
            # within the ufunc's loop: no converted copy
            if a.dtype.kind != "b":
                a = a.astype(dt, copy=False)
            if b.dtype.kind != "b":
                b = b.astype(dt, copy=False)
        if a.shape != b.shape:
            _check_broadcast(op, a.shape, b.shape)
        elif not a.ndim:  # two 0-d arrays: as NumPy scalars, whose arithmetic is 8x faster
            return a[()], b[()]
        return a, b
    if not (a_array or b_array):
        raise TypeError(f"{op}: expected at least one tensor, got {type(x).__name__} and "
                        f"{type(y).__name__}")
    array, scalar = (a, b) if a_array else (b, a)
    if not isinstance(scalar, (int, float, bool, np.number, np.bool_)):
        raise TypeError(f"{op}: unsupported operand type {type(scalar).__name__}")
    kind = array.dtype.kind
    # NumPy keeps the array's dtype for a Python scalar of the same or a lower category, as
    # PyTorch does; only a higher category (an int tensor and a float) needs a cast
    if not (kind == "f" or (kind in "iu" and not isinstance(scalar, float))
            or (kind == "b" and isinstance(scalar, (bool, np.bool_)))):
        array = array.astype(dtypes.result_np_dtype(array, scalar))
    elif isinstance(scalar, np.generic):
        scalar = scalar.item()
    if not array.ndim:
        array = array[()]
    return (array, scalar) if a_array else (scalar, array)


def _check_broadcast(op, a, b):
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {tuple(a)} and {tuple(b)} cannot be broadcast "
                           f"together") from None


def _is_bool_tensor(x):
    return isinstance(x, Tensor) and x.array.dtype.kind == "b"


def _floating(array):
    """Integer and bool inputs of floating functions compute in the default float dtype."""
    if array.dtype.kind == "f":
        return array
    return array.astype(dtypes.default_float_np())


def product_rule(dx, y, x, dy, op):
    """The tangent of a bilinear ``op(x, y)``: op(dx, y) + op(x, dy), skipping absent terms."""
    left = None if dx is None else op(dx, y)
    right = None if dy is None else op(x, dy)
    if left is None:
        return right
    return left if right is None else left + right


def _scaled(tangent, factor):
    return None if tangent is None else tangent * factor


def _sum_present(*terms):
    present = [t for t in terms if t is not None]
    total = present[0]
    for t in present[1:]:
        total = total + t
    return total


# ----- arithmetic -----------------------------------------------------------------------------

class Add(Function):
    numpy_rules = True
    @staticmethod
    def forward(ctx, x, y):
        """out = x + y"""
        a, b = _binary_arrays("add", x, y)
        return a + b

    @staticmethod
    def backward(ctx, g):
        """dx = g; dy = g"""
        return g, g

    @staticmethod
    def jvp(ctx, dx, dy):
        return _sum_present(dx, dy)


class Sub(Function):
    numpy_rules = True
    @staticmethod
    def forward(ctx, x, y):
        """out = x - y"""
        if _is_bool_tensor(x) or _is_bool_tensor(y):
            raise RuntimeError("sub: subtraction with a bool tensor is not supported; invert a "
                               "mask with ~ (logical_not), compare two with logical_xor")
        a, b = _binary_arrays("sub", x, y)
        return a - b

    @staticmethod
    def backward(ctx, g):
        """dx = g; dy = -g"""
        return g, (-g if ctx.needs_input_grad[1] else None)

    @staticmethod
    def jvp(ctx, dx, dy):
        return _sum_present(dx, None if dy is None else -dy)


class Mul(Function):
    numpy_rules = True
    @staticmethod
    def forward(ctx, x, y):
        """out = x * y"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("mul", x, y)
        return a * b

    @staticmethod
    def backward(ctx, g):
        """dx = g * y; dy = g * x"""
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (g * y if needs[0] else None), (g * x if needs[1] else None)

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return product_rule(dx, y, x, dy, mul)


class Div(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, y):
        """out = x / y (true division: integers give floats)"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("div", x, y)
        out = np.true_divide(a, b)
        if out.dtype != np.result_type(a, b):  # integers divided give the default float dtype
            out = out.astype(dtypes.default_float_np())
        return out

    @staticmethod
    def backward(ctx, g):
        """dx = g / y; dy = -g * out / y"""
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = g / y
        return (gx if needs[0] else None), (-gx * ctx.output if needs[1] else None)

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return _sum_present(None if dx is None else dx / y,
                            None if dy is None else -dy * ctx.output / y)


class Pow(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, y):
        """out = x ** y"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("pow", x, y)
        if hasattr(b, "dtype") and b.dtype.kind in "iu" and np.any(b < 0):
            raise RuntimeError("pow: integers to negative integer powers are not allowed")
        # np.power(a, 2) takes ~0.8 µs to resolve its types; a NumPy scalar's ** is the same
        # pow() in 60 ns (an array's ** could take NumPy's square and sqrt shortcuts)
        return a ** b if isinstance(a, np.generic) else np.power(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g * y * x ** (y - 1); dy = g * out * log(x)  (0 where x == 0)"""
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = gy = None
        if needs[0]:
            gx = g * _pow_derivative(x, y)
        if needs[1]:
            gy = g * _pow_exponent_derivative(x, ctx.output)
        return gx, gy

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return _sum_present(None if dx is None else dx * _pow_derivative(x, y),
                            None if dy is None else dy * _pow_exponent_derivative(x, ctx.output))


_NUMBERS = (int, float, np.number)  # numbers.Number's isinstance check costs 3 times more


def _pow_derivative(x, y):
    if isinstance(y, _NUMBERS):
        return y * x ** (y - 1) if y != 0 else x * 0.0
    return np.where(y == 0, 0.0, y * x ** (y - 1))


def _pow_exponent_derivative(x, out):
    # x == 0 gives 0 * log(0); PyTorch takes the derivative there as 0.
    if isinstance(x, _NUMBERS):
        return out * math.log(x) if x > 0 else out * 0.0
    zero = x == 0
    return np.where(zero, 0.0, out * np.log(np.where(zero, 1.0, x)))


class Remainder(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = x - floor(x / y) * y (Python's sign convention, as torch.remainder)"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("remainder", x, y)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g; dy = -g * floor(x / y)"""
        x, y = ctx.saved_tensors
        gy = -g * np.floor_divide(x, y) if ctx.needs_input_grad[1] else None
        return g, gy

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return _sum_present(dx, None if dy is None else -dy * floor_divide(x, y))


class Fmod(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = x - trunc(x / y) * y (C's sign convention)"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("fmod", x, y)
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g; dy = -g * trunc(x / y)"""
        x, y = ctx.saved_tensors
        gy = -g * np.trunc(x / y) if ctx.needs_input_grad[1] else None
        return g, gy

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return _sum_present(dx, None if dy is None else -dy * trunc(div(x, y)))  # noqa: F821


class Atan2(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, y, x):
        """out = atan2(y, x), the angle of the point (x, y)"""
        ctx.save_for_backward(y, x)
        return np.arctan2(*_binary_floating("atan2", y, x)[:2])

    @staticmethod
    def backward(ctx, g):
        """dy = g * x / (x² + y²); dx = -g * y / (x² + y²)"""
        y, x = ctx.saved_tensors
        scale = g / (x * x + y * y)
        return scale * x, -scale * y

    @staticmethod
    def jvp(ctx, dy, dx):
        y, x = ctx.saved_tensors
        return (dy * x - dx * y) / (x * x + y * y)


class Hypot(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, y):
        """out = √(x² + y²), without overflow in the squares"""
        ctx.save_for_backward(x, y)
        return np.hypot(*_binary_floating("hypot", x, y)[:2])

    @staticmethod
    def backward(ctx, g):
        """dx = g * x / out; dy = g * y / out"""
        x, y = ctx.saved_tensors
        scale = g / ctx.output
        return scale * x, scale * y

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return _sum_present(_scaled(dx, x), _scaled(dy, y)) / ctx.output


class Logaddexp(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, y):
        """out = log(eˣ + eʸ), without overflow in the exponentials"""
        ctx.save_for_backward(x, y)
        return np.logaddexp(*_binary_floating("logaddexp", x, y)[:2])

    @staticmethod
    def backward(ctx, g):
        """dx = g * eˣ⁻ᵒᵘᵗ; dy = g * eʸ⁻ᵒᵘᵗ (the softmax of the pair)"""
        x, y = ctx.saved_tensors
        return g * np.exp(x - ctx.output), g * np.exp(y - ctx.output)

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return _sum_present(_scaled(dx, np.exp(x - ctx.output)),
                            _scaled(dy, np.exp(y - ctx.output)))


class Xlogy(Function):
    """xlogy (log = log, shift = 0) and, as the subclass Xlog1py, x * log1p(y) (shift = 1)."""
    numpy_rules = True
    log, shift = staticmethod(np.log), 0

    @staticmethod
    def forward(ctx, x, y):
        """out = x * log(y + shift), and 0 where x = 0 (unless y is NaN)"""
        ctx.save_for_backward(x, y)
        a, b = np.broadcast_arrays(*_binary_floating(ctx.fn.__name__.lower(), x, y)[:2])
        return np.where((a == 0) & ~np.isnan(b), 0.0, a * ctx.fn.log(b)).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        """dx = g * log(y + shift), but 0 where x = 0 and y + shift ≤ 0 (as PyTorch);
        dy = g * x / (y + shift)"""
        x, y = ctx.saved_tensors
        return g * _xlogy_x_derivative(ctx, x, y), g * x / (y + ctx.fn.shift)

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return _sum_present(_scaled(dx, _xlogy_x_derivative(ctx, x, y)),
                            _scaled(dy, x / (y + ctx.fn.shift)))


class Xlog1py(Xlogy):
    log, shift = staticmethod(np.log1p), 1


def _xlogy_x_derivative(ctx, x, y):
    return np.where((x == 0) & (y <= -ctx.fn.shift), 0.0, ctx.fn.log(y))


class Maximum(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = max(x, y) element-wise (NaN propagates)"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("maximum", x, y)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g where x > y; dy = g where y > x; ties split g equally"""
        x, y = ctx.saved_tensors
        tie = x == y
        return _share(g, x < y, tie), _share(g, x > y, tie)

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        tie = x == y
        return _share(dx, x < y, tie) + _share(dy, x > y, tie)


class Minimum(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = min(x, y) element-wise (NaN propagates)"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("minimum", x, y)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g where x < y; dy = g where y < x; ties split g equally"""
        x, y = ctx.saved_tensors
        tie = x == y
        return _share(g, x > y, tie), _share(g, x < y, tie)

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        tie = x == y
        return _share(dx, x > y, tie) + _share(dy, x < y, tie)


def _share(g, loses, tie):
    """An operand's part of g: 0 where it loses (written, so an inf in g gives no NaN), g / 2
    on ties, g where it wins, and g where a NaN makes every comparison false, as PyTorch."""
    return np.where(loses, 0.0, np.where(tie, 0.5 * g, g))


class Fmax(Function):
    """out = max(x, y) element-wise, ignoring a NaN operand (Fmin: the same with min)."""

    numpy_rules = True
    pick, x_wins = staticmethod(np.fmax), staticmethod(np.greater_equal)

    @staticmethod
    def forward(ctx, x, y):
        """out = pick(x, y)"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays(ctx.fn.__name__.lower(), x, y)
        return ctx.fn.pick(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g where x wins or ties or y is NaN; dy = g elsewhere (ties go to x, as PyTorch)"""
        x_taken = _x_taken(ctx)
        return np.where(x_taken, g, 0.0), np.where(x_taken, 0.0, g)

    @staticmethod
    def jvp(ctx, dx, dy):
        return np.where(_x_taken(ctx), dx, dy)


def _x_taken(ctx):
    x, y = ctx.saved_tensors
    return ctx.fn.x_wins(x, y) | np.isnan(y)


class Fmin(Fmax):
    pick, x_wins = staticmethod(np.fmin), staticmethod(np.less_equal)


class Where(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, condition, x, y):
        """out = x where condition else y"""
        cond = as_operand(condition)
        if not hasattr(cond, "dtype") or cond.dtype.kind != "b":
            raise RuntimeError(f"where: expected condition to be a bool tensor, got "
                               f"{getattr(cond, 'dtype', type(cond).__name__)}")
        ctx.condition = cond
        a, b = _binary_arrays("where", x, y)
        _check_broadcast("where", cond.shape, np.broadcast_shapes(np.shape(a), np.shape(b)))
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g where condition else 0; dy = g where not condition else 0"""
        c = ctx.condition
        needs = ctx.needs_input_grad
        # zeros are written, not multiplied in, so an inf or NaN in g never leaks as 0 * inf
        gx = np.where(c, g, 0.0) if needs[1] else None
        gy = np.where(c, 0.0, g) if needs[2] else None
        return None, gx, gy

    @staticmethod
    def jvp(ctx, dc, dx, dy):
        return where(ctx.condition, 0.0 if dx is None else dx, 0.0 if dy is None else dy)


class Lerp(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, start, end, weight):
        """out = start + weight * (end - start)"""
        ctx.save_for_backward(start, end, weight)
        a, b = _binary_arrays("lerp", start, end)
        w = as_operand(weight)
        return a + w * (b - a)

    @staticmethod
    def backward(ctx, g):
        """dstart = g * (1 - weight); dend = g * weight; dweight = g * (end - start)"""
        start, end, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return ((g * (1 - weight)) if needs[0] else None, (g * weight) if needs[1] else None,
                (g * (end - start)) if needs[2] else None)

    @staticmethod
    def jvp(ctx, ds, de, dw):
        start, end, weight = ctx.saved_tensors
        terms = [ds * (1 - weight), de * weight]
        if dw is not None:
            terms.append(dw * (end - start))
        return _sum_present(*terms)


class Clamp(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, low, high):
        """out = min(max(x, low), high)"""
        ctx.save_for_backward(x, low, high)
        a = x.array
        if low is not None:
            a = np.maximum(*_binary_arrays("clamp", a, low))
        if high is not None:
            a = np.minimum(*_binary_arrays("clamp", a, high))
        return a

    @staticmethod
    def backward(ctx, g):
        """dx = g where low <= x <= high; dlow = g where x < low < high; dhigh = g where
        x > high or high < low (crossed bounds give high, as PyTorch)"""
        x, low, high = ctx.saved_tensors
        needs = ctx.needs_input_grad
        glow = np.where(_clamp_to_low(x, low, high), g, 0.0) if needs[1] else None
        ghigh = np.where(_clamp_to_high(x, low, high), g, 0.0) if needs[2] else None
        return np.where(_clamp_inside(x, low, high), g, 0.0), glow, ghigh

    @staticmethod
    def jvp(ctx, dx, dlow, dhigh):
        x, low, high = ctx.saved_tensors
        out = where(_clamp_inside(x, low, high), dx, 0.0)
        if isinstance(low, Tensor):
            out = out + where(_clamp_to_low(x, low, high), dlow, 0.0)
        if isinstance(high, Tensor):
            out = out + where(_clamp_to_high(x, low, high), dhigh, 0.0)
        return out


def _clamp_to_low(x, low, high):
    below = x < low
    return below if high is None else below & (low < high)


def _clamp_to_high(x, low, high):
    above = x > high
    return above if low is None else above | (high < low)


def _clamp_inside(x, low, high):
    inside = None
    if low is not None:
        inside = x >= low
    if high is not None:
        below = x <= high
        inside = below if inside is None else inside & below
    return inside


class Cast(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, np_dtype):
        """out = x converted to another dtype"""
        ctx.dtype_in = x.array.dtype
        return x.array.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        """dx = g converted back"""
        return Cast.map(g, ctx.dtype_in), None

    @staticmethod
    def jvp(ctx, dx, _):
        return dx


class FloorDivide(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, x, y):
        """out = floor(x / y); not differentiable (its derivative is 0 almost everywhere)"""
        a, b = _binary_arrays("floor_divide", x, y)
        return np.floor_divide(a, b)


# ----- unary functions: one row each ----------------------------------------------------------

class Elementwise(Function):
    """y = f(x) with derivative f'(x, y); subclasses are made from the rows of ``UNARY``."""

    saves_output = True
    numpy_rules = True
    f = None
    df = None

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x.array
        if a.dtype.kind != "f":
            a = _floating(a)
        return ctx.fn.f(a if a.ndim else a[()])  # 0-d: a NumPy scalar, whose math is faster

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.fn.df(x, ctx.output)

    @staticmethod
    def jvp(ctx, dx):
        (x,) = ctx.saved_tensors
        return dx * ctx.fn.df(x, ctx.output)


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


# erf and erfc by the rational approximations of Cephes (S. Moshier, ndtr.c): erf = x T(x²)/U(x²)
# for |x| <= 1, erfc = exp(-x²) P(x)/Q(x) for 1 <= x < 8 and exp(-x²) R(x)/S(x) beyond;
# relative error about 1e-16 for erf and 1e-14 for erfc (tested against math.erf and SciPy)
_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF_U = (1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC_Q = (1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)
_ERFC_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
           6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_ERFC_S = (1.0, 2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
           1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)


def _polynomial(x, coefficients):
    """Σ c_k x^(n-k) by Horner's rule, highest power first."""
    result = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        result *= x
        result += c
    return result


def _erf_core(x):
    """erf(x) for |x| <= 1."""
    z = x * x
    return x * _polynomial(z, _ERF_T) / _polynomial(z, _ERF_U)


def _erfc_tail(x):
    """erfc(x) for x >= 1 (past 27 it underflows to 0; the cap keeps inf from giving NaN)."""
    x = np.minimum(x, 30.0)
    near = x < 8
    ratio = np.empty_like(x)
    ratio[near] = _polynomial(x[near], _ERFC_P) / _polynomial(x[near], _ERFC_Q)
    ratio[~near] = _polynomial(x[~near], _ERFC_R) / _polynomial(x[~near], _ERFC_S)
    return np.exp(-x * x) * ratio


# float32 erf without float64: three polynomials over the whole array (no boolean indexing),
# blended with exact 0/1 weights. Coefficients: least-squares fits on 40,000 Chebyshev points
# (numpy.polynomial.Chebyshev.fit, converted to monomials, rounded to float32) of
#   erf(x)/x − 1 in z = x² on [0, 0.75]           (degree 5, error 6e-9 after rounding),
#   erf(x) − 0.84270078 in t = x − 1 on [0.75, 1.25] (degree 8, 3e-9),
#   erfc(x) in t = x − 2.5 on [1.25, 3.95]           (degree 13, 6e-9);
# the references from math.erf/math.erfc. Each form keeps the large part exact (x itself, the
# float32 constant erf(1) rounded, 1) and leaves rounding only in a term of magnitude ≤ 0.13,
# and x − 1, x − 2.5 are exact by Sterbenz's lemma, so the error stays below 0.87 ulp of the
# true value (checked on every float32 in [0, 4] and on subnormals), i.e. within 1 ulp of the
# correctly rounded result. Past 3.95, erfc < 2.4e-8 < half an ulp of 1: erf rounds to ±1.
_ERF32_SMALL = (-0.0006787299644201994, 0.005119888111948967, -0.02683752030134201,
                0.1128344014286995, -0.376126229763031, 0.12837916612625122)
_ERF32_MID = (-0.004588613286614418, 0.014890780672430992, 0.004602059256285429,
              -0.06917222589254379, 0.069184809923172, 0.13836894929409027,
              -0.41510748863220215, 0.41510748863220215, 1.351391709647487e-08)
_ERF32_ONE = 0.8427007794380188  # erf(1) rounded to float32
_ERFC32_TAIL = (-1.9286860606371192e-06, 1.0761204976006411e-05, -9.897956260829233e-06,
                -7.020176417427137e-05, 0.00025391616509296, -0.00027067630435340106,
                -0.000543270434718579, 0.002804322401061654, -0.00611762423068285,
                0.008620763197541237, -0.008349953219294548, 0.005445878021419048,
                -0.0021782948169857264, 0.00040694914059713483)


def _polynomial32(v, coefficients, out):
    """Horner's rule in float32 into out (v's shape): Σ c_k v^(n-k), highest power first."""
    f = np.float32
    np.multiply(v, f(coefficients[0]), out=out)
    out += f(coefficients[1])
    for c in coefficients[2:]:
        out *= v
        out += f(c)
    return out


def _erf_float32(a):
    """erf of a float32 array in float32 arithmetic (within 1 ulp; see the note above)."""
    f = np.float32
    # the six temporaries, in one block
    x, z, small, t, mid, tail = np.empty((6, a.size), dtype=np.float32)
    np.clip(a.reshape(-1), f(-3.95), f(3.95), out=x)  # NaN stays; ±inf → ±3.95 (erf ±1)
    np.multiply(x, x, out=z)
    _polynomial32(z, _ERF32_SMALL, small)
    small *= x
    small += x  # x + x (erf(x)/x − 1): odd, exact sign for ±0, accurate for subnormals
    sign = np.multiply(x, f(2), out=z)
    np.clip(sign, f(-1), f(1), out=sign)  # ±1 exactly where |x| ≥ 0.5 (the weights below)
    np.abs(x, out=x)
    # the other two take |x| clamped from below to their intervals: finite everywhere, and
    # positive at x = ±0, where their zero weights then give +0 and ±0 keeps its sign
    np.maximum(x, f(0.75), out=t)
    t -= f(1)
    _polynomial32(t, _ERF32_MID, mid)
    mid += f(_ERF32_ONE)
    np.maximum(x, f(1.25), out=t)
    t -= f(2.5)
    _polynomial32(t, _ERFC32_TAIL, tail)
    np.subtract(f(1), tail, out=tail)
    weight = np.greater_equal(x, f(1.25), out=t)  # exact 0/1 weights: finite × 0 = 0
    tail *= weight
    np.less(x, f(0.75), out=x)
    small *= x
    weight += x
    np.subtract(f(1), weight, out=weight)  # the middle interval's
    mid *= weight
    mid += tail
    mid *= sign
    small += mid
    return small.reshape(a.shape)


def _erf_array(a):
    if isinstance(a, np.ndarray) and a.dtype == np.float32:
        return _erf_float32(a)
    a = np.asarray(a, dtype=np.float64)
    x = np.abs(a)
    small = x <= 1
    out = np.empty_like(a)
    out[small] = _erf_core(a[small])
    # erfc(8) < 1e-28, so erf is ±1 to double precision beyond 8
    out[~small] = np.copysign(1 - _erfc_tail(np.minimum(x[~small], 8.0)), a[~small])
    return out


def _erfc_array(a):
    a = np.asarray(a, dtype=np.float64)
    x = np.abs(a)
    small = x < 1
    out = np.empty_like(a)
    out[small] = 1 - _erf_core(a[small])
    tail = _erfc_tail(x[~small])
    out[~small] = np.where(a[~small] < 0, 2 - tail, tail)
    return out


def _lgamma_scalar(v):
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # the poles 0, -1, -2, ... and huge arguments
        return math.inf


_LGAMMA = np.frompyfunc(_lgamma_scalar, 1, 1)


def _lgamma_array(a):
    """log|Γ(x)|, each element by Python's math.lgamma (correctly rounded, no SciPy)."""
    return np.asarray(_LGAMMA(np.asarray(a, dtype=np.float64)), dtype=np.float64)


# B₂ⱼ for the asymptotic series of ψ and of the Hurwitz zeta function
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)


def _cot_derivative(n, x):
    """dⁿ/dxⁿ cot(πx): cot' = −π(1 + cot²) applied n times to a polynomial in cot(πx)
    (of π(x − round(x)), an exact reduction: cot has period 1)."""
    poly = np.polynomial.polynomial
    coefficients = np.array([0.0, 1.0])
    for _ in range(n):
        coefficients = -np.pi * poly.polymul(poly.polyder(coefficients), [1.0, 0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):  # at the poles, replaced later
        return poly.polyval(1 / np.tan(np.pi * (x - np.round(x))), coefficients)


def _polygamma_array(n, a):
    """ψ⁽ⁿ⁾(x): reflected below 1/2, shifted up by ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) − (−1)ⁿ n!/xⁿ⁺¹,
    then the asymptotic series (of ln for n = 0, of the Hurwitz zeta ζ(n + 1, z) above)."""
    x = np.asarray(a, dtype=np.float64)
    reflect = x < 0.5
    z = np.where(reflect, 1 - x, x)
    s, factorial, threshold = n + 1, math.factorial(n), 20.0 + n
    shifted = np.zeros_like(z)
    while np.any(low := z < threshold):
        shifted += np.where(low, z ** -s, 0.0)
        z = np.where(low, z + 1, z)
    if n == 0:
        series = np.log(z) - 0.5 / z - sum(b / (2 * j) * z ** (-2 * j)
                                             for j, b in enumerate(_BERNOULLI, 1))
        value = series - shifted
    else:
        zeta = z ** (1 - s) / (s - 1) + 0.5 * z ** -s
        rising, term_factorial = s, 2
        for j, b in enumerate(_BERNOULLI, 1):  # B₂ⱼ/(2j)! (s)₂ⱼ₋₁ z^(−s−2j+1)
            zeta = zeta + b / term_factorial * rising * z ** (-s - 2 * j + 1)
            rising *= (s + 2 * j - 1) * (s + 2 * j)
            term_factorial *= (2 * j + 1) * (2 * j + 2)
        value = (-1) ** (n + 1) * factorial * (zeta + shifted)
    if np.any(reflect):  # ψ⁽ⁿ⁾(x) = (−1)ⁿ⁺¹ (π dⁿ/dxⁿ cot(πx) (−1)ⁿ − ψ⁽ⁿ⁾(1 − x))
        reflected = (-1) ** (n + 1) * ((-1) ** n * np.pi * _cot_derivative(n, x) - value)
        value = np.where(reflect, reflected, value)
    poles = (x <= 0) & (x == np.floor(x))
    if np.any(poles):  # the limit from the right at 0 (as PyTorch); at −1, −2, ... the two-sided
        at_zero, at_negative = (np.inf, np.inf) if n % 2 else (-np.inf, np.nan)  # limit or NaN
        value = np.where(poles, np.where(x == 0, at_zero, at_negative), value)
    return value


_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                   0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _erfinv_array(a):
    """Giles' single-precision approximation, then Newton steps on erf (on log erfc in the
    tails, where erf(x) − y would be all rounding and erfc too curved)."""
    y = np.asarray(a, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1 - y) * (1 + y))
        central = w < 5
        t = np.where(central, w - 2.5, np.sqrt(w) - 3)
        p = np.zeros_like(y)
        for c, d in zip(_ERFINV_CENTRAL, _ERFINV_TAIL):
            p = np.where(central, c, d) + p * t
        x = np.abs(p * y)
        size, tail = np.abs(y), np.abs(y) > 0.5
        for _ in range(4):  # Newton on erf(x) = |y|, or on log erfc(x) = log(1 − |y|) in the tail
            x = np.where(np.isfinite(x), x, 0.0)
            scale = (_SQRT_PI / 2) * np.exp(x * x)
            erfc = _erfc_array(x)
            x = np.where(tail, x + np.log(erfc / (1 - size)) * erfc * scale,
                         x - (_erf_array(x) - size) * scale)
        x = np.copysign(x, y)
        return np.where(size == 1, np.copysign(np.inf, y), np.where(size > 1, np.nan, x))


def _sinc_derivative(x, y):
    """(cos(πx) − sinc(x)) / x, and 0 at x = 0 (with a safe x there, so no NaN reaches the
    second derivative through the branch not taken)."""
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, (np.cos(np.pi * safe) - y) / safe)


# Cephes' Chebyshev coefficients (S. Moshier, i0.c and i1.c) for exp(−x) I₀(x) and
# exp(−x) I₁(x)/x on [0, 8] in y = x/2 − 2, and for exp(−x) √x I₀(x), exp(−x) √x I₁(x) on
# [8, ∞) in y = 32/x − 2
_I0_A = (-4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
         1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
         -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
         9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
         -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
         1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
         -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
         1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
         -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
         1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
_I0_B = (-7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
         3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
         1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
         -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
         7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
         -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
         3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
         2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
         8.04490411014108831608e-1)
_I1_A = (2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
         -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
         3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
         -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
         9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
         -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
         4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
         -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
         2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
         -1.76416518357834055153e-1, 2.52587186443633654823e-1)
_I1_B = (7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
         -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
         -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
         4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
         -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
         3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
         -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
         -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
         7.78576235018280120474e-1)


def _chebyshev(y, coefficients):
    """Σ' cₖ Tₖ(y/2) by Clenshaw's recurrence (Cephes' chbevl: half the first term)."""
    b0, b1, b2 = np.full_like(y, coefficients[0]), np.zeros_like(y), np.zeros_like(y)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = y * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel_i_scaled(a, order):
    """exp(−|x|) Iₙ(x) for n = 0, 1: I₀ is even, I₁ odd."""
    a = np.asarray(a, dtype=np.float64)
    x = np.abs(a)
    near = x <= 8
    out = np.empty_like(x)
    small, large = x[near], x[~near]
    out[near] = _chebyshev(small / 2 - 2, _I1_A if order else _I0_A) * (small if order else 1)
    out[~near] = _chebyshev(32 / large - 2, _I1_B if order else _I0_B) / np.sqrt(large)
    return np.copysign(out, a) if order else out


def _bessel_i(a, order):
    """Iₙ(x) = exp(|x|) · exp(−|x|) Iₙ(x); ±inf at ±inf (where the product would be inf · 0)."""
    a = np.asarray(a, dtype=np.float64)
    out = np.exp(np.abs(a)) * _bessel_i_scaled(a, order)
    return np.where(np.isinf(a), np.copysign(np.inf, a) if order else np.inf, out)


_SQRT_2, _SQRT_2PI = math.sqrt(2.0), math.sqrt(2 * math.pi)


def _erfcx_array(a):
    """exp(x²) erfc(x): Cephes' rational erfc fits without their exp(−x²) factor for x ≥ 1,
    the asymptotic series 1/(x√π) Σ (−1)ᵏ (2k−1)!!/(2x²)ᵏ past 50, exp(x²) erfc(x) below 1."""
    x = np.asarray(a, dtype=np.float64)
    out = np.array(np.exp(x * x) * _erfc_array(np.minimum(x, 1.0)), dtype=np.float64)
    near, mid, far = (x >= 1) & (x < 8), (x >= 8) & (x < 50), x >= 50
    out[near] = _polynomial(x[near], _ERFC_P) / _polynomial(x[near], _ERFC_Q)
    out[mid] = _polynomial(x[mid], _ERFC_R) / _polynomial(x[mid], _ERFC_S)
    z = 1 / (2 * x[far] ** 2)
    out[far] = _polynomial(z, (-945.0, 105.0, -15.0, 3.0, -1.0, 1.0)) / (x[far] * _SQRT_PI)
    return out


def _log_ndtr_array(a):
    """log Φ(x): log(erfcx(−x/√2)/2) − x²/2 below −1 (no underflow), log(erfc(−x/√2)/2) up to
    0, log1p(−erfc(x/√2)/2) above (Φ near 1)."""
    x = np.asarray(a, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # branches not taken
        return np.where(x < -1, np.log(0.5 * _erfcx_array(-x / _SQRT_2)) - x * x / 2,
                        np.where(x < 0, np.log(0.5 * _erfc_array(-x / _SQRT_2)),
                                 np.log1p(-0.5 * _erfc_array(x / _SQRT_2))))


def _ndtri_array(a):
    """Φ⁻¹(p): √2 erfinv(2p − 1) for |p − ½| ≤ ¼ (where 2p − 1 is exact); in the tails, with
    q = min(p, 1 − p) (also exact), Abramowitz-Stegun 26.2.23 then Newton steps on
    log Φ(x) = log q, whose step (log Φ(x) − log q) Φ/φ has Φ/φ = √(π/2) erfcx(−x/√2)."""
    p = np.asarray(a, dtype=np.float64)
    q = np.where(p > 0.5, 1 - p, p)
    t = np.sqrt(-2 * np.log(q))
    x = (2.515517 + t * (0.802853 + 0.010328 * t)) / (
        1 + t * (1.432788 + t * (0.189269 + 0.001308 * t))) - t
    for _ in range(4):
        x = x - (_log_ndtr_array(x) - np.log(q)) * (_SQRT_PI / _SQRT_2) * _erfcx_array(
            -x / _SQRT_2)
    x = np.where(p > 0.5, -x, x)
    x = np.where(np.abs(p - 0.5) <= 0.25, _SQRT_2 * _erfinv_array(2 * p - 1), x)
    return np.where(q == 0, np.copysign(np.inf, p - 0.5), np.where(q < 0, np.nan, x))


def _entr_array(a):
    """−x log x for x > 0, 0 at 0, −inf below (NaN kept)."""
    x = np.asarray(a, dtype=np.float64)
    return np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)),
                    np.where(x == 0, 0.0, np.where(x < 0, -np.inf, x)))


# (2k)!/B₂ₖ, the Euler-Maclaurin denominators of Cephes' zeta.c
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def _zeta_array(s, q):
    """Hurwitz ζ(s, q) = Σₖ (q + k)⁻ˢ by Euler-Maclaurin (Cephes): the terms up to w = q + N
    with N ≥ 9 and w > 9, then w¹⁻ˢ/(s − 1) + w⁻ˢ/2 + Σⱼ (s)₂ⱼ₋₁ w^(−s−2j+1) B₂ⱼ/(2j)!.
    inf at s = 1 and at the poles q = 0, −1, ...; NaN for s < 1, and for q < 0 with s not an
    integer (as PyTorch)."""
    s, q = np.broadcast_arrays(np.asarray(s, dtype=np.float64), np.asarray(q, dtype=np.float64))
    # the sum of (v/|q|)⁻ˢ, times |q|⁻ˢ at the end: no subnormal terms for large s and q
    base = np.where(q == 0, 1.0, np.abs(q))
    total, w = np.zeros_like(s), q.copy()
    for _ in range(9):
        total += (w / base) ** -s
        w = w + 1
    while np.any(low := (w <= 9) & np.isfinite(w)):
        total += np.where(low, (w / base) ** -s, 0.0)
        w = np.where(low, w + 1, w)
    b = (w / base) ** -s
    total += w * b / (s - 1) + 0.5 * b
    rising, power = np.ones_like(s), b.copy()
    done = b == 0
    for j, denominator in enumerate(_ZETA_A):
        rising = rising * (s + 2 * j)
        power = power / w
        term = rising * power / denominator
        total = total + np.where(done, 0.0, term)
        done = done | (np.abs(term) < 1.1e-16 * np.abs(total))
        rising = rising * (s + 2 * j + 1)
        power = power / w
    integer_q = (q <= 0) & (q == np.floor(q))
    return np.where((s == 1) | integer_q, np.inf, np.where(
        (s < 1) | ((q < 0) & (s != np.floor(s))), np.nan, total * base ** -s))


_ZETA_INTEGERS = tuple(_zeta_array(np.arange(2.0, 43.0), 1.0))  # ζ(2), ..., ζ(42)


def _log1pmx(t):
    """log(1 + t) − t, by its series −Σ (−t)ᵏ/k (k ≥ 2) where |t| < ½ (no cancellation)."""
    small = np.abs(t) < 0.5
    ts = np.where(small, t, 0.0)
    series, power = np.zeros_like(ts), ts * ts
    for k in range(2, 60):
        series -= power / k
        power = power * -ts
    return np.where(small, series, np.log1p(t) - t)


def _stirling_error(a):
    """lgamma(a) − ((a − ½) log a − a + ½ log 2π), by its series 1/(12a) − 1/(360a³) + ...
    from 15 on (where the difference would cancel)."""
    a_large = np.where(a >= 15, a, 15.0)
    r = 1 / (a_large * a_large)
    series = _polynomial(r, (1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360,
                             1 / 12)) / a_large
    direct = _lgamma_array(a) - ((a - 0.5) * np.log(a) - a + 0.5 * math.log(2 * math.pi))
    return np.where(a >= 15, series, direct)


_EULER_GAMMA = 0.57721566490153286061


def _lgamma_1p(a):
    """lgamma(1 + a) without rounding 1 + a: −γa + Σₖ ζ(k) (−a)ᵏ/k for |a| ≤ ½, and
    log a + lgamma(1 + (a − 1)) for ½ < a < 3/2 (SciPy's lgam1p)."""
    shifted = np.abs(a) > 0.5
    t = np.where(shifted, a - 1, a)
    series, power = -_EULER_GAMMA * t, t * t
    for k, zeta_k in enumerate(_ZETA_INTEGERS, 2):
        series += zeta_k * power / k
        power = power * -t
    return np.where(shifted, np.log(a) + series, series)


def _incomplete_gamma(a, x, upper):
    """P(a, x) = γ(a, x)/Γ(a) (upper=False) or Q = 1 − P, choosing as Cephes (igam.c) among
    P = (D/a) Σₙ xⁿ/((a+1)...(a+n)), Q = D/(x+1−a− 1(1−a)/(x+3−a− ...)) (modified Lentz) and,
    for small x, Q = −expm1(a log x − lgamma(1+a)) − (xᵃ/Γ(a)) Σₙ₌₁ (−x)ⁿ/(n! (a+n)).
    D = xᵃ e⁻ˣ/Γ(a) is taken as exp(a log1pmx((x − a)/a) − stirling_error(a)) √(a/2π): large a
    keeps its digits.
    """
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    inside = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    a_in, x_in = np.where(inside, a, 1.0), np.where(inside, x, 1.0)
    prefactor = np.exp(a_in * _log1pmx((x_in - a_in) / a_in) - _stirling_error(a_in)) * np.sqrt(
        a_in / (2 * math.pi))
    series = ~((x_in > 1) & (x_in > a_in))
    continued = (x_in > 1.1) & (x_in >= a_in)
    small_x = (x_in <= 1.1) & ~(((x_in <= 0.5) & (-0.4 / np.log(x_in) < a_in))
                                | ((x_in > 0.5) & (x_in * 1.1 < a_in)))
    term, total, n = np.ones_like(a_in), np.ones_like(a_in), 0
    while n < 10000 and np.any(active := series & (np.abs(term) > 1e-17 * total)):
        n += 1
        term = np.where(active, term * x_in / (a_in + n), 0.0)
        total += term
    lower = prefactor * total / a_in
    tiny = 1e-300
    b = np.where(continued, x_in + 1 - a_in, 1.0)
    c, d = np.full_like(a_in, 1 / tiny), 1 / b
    fraction, n, done = d.copy(), 0, ~continued
    while n < 10000 and not np.all(done):
        n += 1
        an = -n * (n - a_in)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1 / d
        fraction = np.where(done, fraction, fraction * d * c)
        done = done | (np.abs(d * c - 1) < 3e-16)
    x_small = np.where(small_x, x_in, 0.5)
    factor, total_small = np.ones_like(a_in), np.zeros_like(a_in)
    for k in range(1, 40):
        factor = factor * -x_small / k
        total_small += factor / (a_in + k)
    log_x = np.log(x_small)
    q_small = -np.expm1(a_in * log_x - _lgamma_1p(a_in)) - np.exp(
        a_in * log_x - _lgamma_array(a_in)) * total_small
    q = np.where(continued, prefactor * fraction, np.where(small_x, q_small, 1 - lower))
    value = q if upper else np.where(series, lower, 1 - q)
    # the edges, as PyTorch: a = 0 gives P = 1 for x > 0; x = 0 gives P = 0; x = inf, P = 1
    edge = np.where((x == 0) & (a > 0), 0.0, np.where(
        (a == 0) & (x > 0) | (np.isinf(x) & (x > 0) & np.isfinite(a)), 1.0,
        np.where(np.isinf(a) & np.isfinite(x) & (x >= 0), 0.0, np.nan)))
    edge = 1 - edge if upper else edge
    return np.where(inside, value, edge)


_SQRT_PI = math.sqrt(math.pi)
_LN2, _LN10 = math.log(2.0), math.log(10.0)

# name: (forward on arrays, f'(x, y) in NumPy: it runs on arrays and on Tensors alike)
UNARY = {
    "exp": (np.exp, lambda x, y: y),
    "exp2": (np.exp2, lambda x, y: y * _LN2),
    "expm1": (np.expm1, lambda x, y: y + 1),
    "log": (np.log, lambda x, y: 1 / x),
    "log2": (np.log2, lambda x, y: 1 / (x * _LN2)),
    "log10": (np.log10, lambda x, y: 1 / (x * _LN10)),
    "log1p": (np.log1p, lambda x, y: 1 / (x + 1)),
    "sqrt": (np.sqrt, lambda x, y: 0.5 / y),
    "rsqrt": (lambda a: 1 / np.sqrt(a), lambda x, y: -0.5 * y * y * y),
    "reciprocal": (np.reciprocal, lambda x, y: -(y * y)),
    "square": (np.square, lambda x, y: 2 * x),
    "abs": (np.abs, lambda x, y: np.sign(x)),
    "sin": (np.sin, lambda x, y: np.cos(x)),
    "cos": (np.cos, lambda x, y: -np.sin(x)),
    "tan": (np.tan, lambda x, y: 1 + y * y),
    "asin": (np.arcsin, lambda x, y: 1 / np.sqrt(1 - x * x)),
    "acos": (np.arccos, lambda x, y: -1 / np.sqrt(1 - x * x)),
    "atan": (np.arctan, lambda x, y: 1 / (1 + x * x)),
    "sinh": (np.sinh, lambda x, y: np.cosh(x)),
    "cosh": (np.cosh, lambda x, y: np.sinh(x)),
    "tanh": (np.tanh, lambda x, y: 1 - y * y),
    "asinh": (np.arcsinh, lambda x, y: 1 / np.sqrt(x * x + 1)),
    "acosh": (np.arccosh, lambda x, y: 1 / np.sqrt(x * x - 1)),
    "atanh": (np.arctanh, lambda x, y: 1 / (1 - x * x)),
    "sigmoid": (_sigmoid, lambda x, y: y * (1 - y)),
    "logit": (lambda a: np.log(a / (1 - a)), lambda x, y: 1 / (x * (1 - x))),
    "erf": (lambda a: _erf_array(a).astype(a.dtype, copy=False),
            lambda x, y: (2 / _SQRT_PI) * np.exp(-x * x)),
    "erfc": (lambda a: _erfc_array(a).astype(a.dtype),
             lambda x, y: (-2 / _SQRT_PI) * np.exp(-x * x)),
    "lgamma": (lambda a: _lgamma_array(a).astype(a.dtype),
               lambda x, y: Digamma.map(x)),  # noqa: F821 - the class made from the next row
    "digamma": (lambda a: _polygamma_array(0, a).astype(a.dtype),
                lambda x, y: Polygamma.map(x, 1)),
    "erfinv": (lambda a: _erfinv_array(a).astype(a.dtype),
               lambda x, y: (_SQRT_PI / 2) * np.exp(y * y)),
    "sinc": (np.sinc, lambda x, y: _sinc_derivative(x, y)),
    # relu' = 1 where y != 0 (x > 0, or NaN as PyTorch), else 0: relu'(0) = 0, as the lectures
    # take it (a subgradient choice). A bool mask: g * mask is one pass, with no converted copy
    "relu": (lambda a: np.maximum(a, 0), lambda x, y: y != 0),
    # piecewise-constant functions: derivative 0 everywhere it exists
    "sign": (np.sign, lambda x, y: x * 0.0),
    "floor": (np.floor, lambda x, y: x * 0.0),
    "ceil": (np.ceil, lambda x, y: x * 0.0),
    "round": (np.round, lambda x, y: x * 0.0),
    "trunc": (np.trunc, lambda x, y: x * 0.0),
    "frac": (lambda a: a - np.trunc(a), lambda x, y: x * 0.0 + 1.0),
    # times the constant in the input's dtype, as PyTorch rounds it
    "deg2rad": (lambda a: a * a.dtype.type(math.pi / 180), lambda x, y: math.pi / 180),
    "rad2deg": (lambda a: a * a.dtype.type(180 / math.pi), lambda x, y: 180 / math.pi),
    # the angle of a real number: π for negatives, else 0 (-0.0 and inf included, NaN kept)
    "angle": (lambda a: np.where(a < 0, np.pi, np.where(np.isnan(a), a, 0)).astype(a.dtype),
              lambda x, y: x * 0.0),
}
_KEEP_INTEGERS = {"abs", "sign", "square", "relu", "floor", "ceil", "round", "trunc"}
UNARY["i0"] = (lambda a: _bessel_i(a, 0).astype(a.dtype),
               lambda x, y: I1.map(x))  # noqa: F821 - made from SPECIAL_UNARY

# torch.special's functions that are neither torch.NAME nor Tensor.NAME
SPECIAL_UNARY = {
    "i0e": (lambda a: _bessel_i_scaled(a, 0).astype(a.dtype),
            lambda x, y: I1e.map(x) - np.sign(x) * y),  # noqa: F821 - made from the next row
    "i1": (lambda a: _bessel_i(a, 1).astype(a.dtype),
           lambda x, y: np.where(x == 0, 0.5, I0.map(x) - y / np.where(x == 0, 1.0, x))),  # noqa: F821
    "i1e": (lambda a: _bessel_i_scaled(a, 1).astype(a.dtype),
            lambda x, y: np.where(x == 0, 0.5, I0e.map(x)  # noqa: F821
                                  - y * (np.sign(x) + 1 / np.where(x == 0, 1.0, x)))),
    "ndtri": (lambda a: _ndtri_array(a).astype(a.dtype),
              lambda x, y: _SQRT_2PI * np.exp(y * y / 2)),
    "log_ndtr": (lambda a: _log_ndtr_array(a).astype(a.dtype),
                 lambda x, y: np.exp(-(y + x * x / 2)) / _SQRT_2PI),
    "erfcx": (lambda a: _erfcx_array(a).astype(a.dtype),
              lambda x, y: 2 * x * y - 2 / _SQRT_PI),
    "entr": (lambda a: _entr_array(a).astype(a.dtype), lambda x, y: -(np.log(x) + 1)),
}


def _make_unary(name, f, df):
    cls = type("".join(part.capitalize() for part in name.split("_")), (Elementwise,),
               {"f": staticmethod(f), "df": staticmethod(df)})
    if name in _KEEP_INTEGERS:
        cls.forward = staticmethod(_integer_preserving_forward)

    def op(input):
        return cls.apply(input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise {name}; its derivative is a row of UNARY in {__name__}."
    return cls, op


def _integer_preserving_forward(ctx, x):
    ctx.save_for_backward(x)
    a = x.array
    if a.dtype.kind == "b":
        raise RuntimeError(f"{ctx.fn.__name__.lower()}: not supported for bool tensors")
    return ctx.fn.f(a)


UNARY_FUNCTIONS = {}
for _name, (_f, _df) in UNARY.items():
    _cls, UNARY_FUNCTIONS[_name] = _make_unary(_name, _f, _df)
    globals()[_name] = UNARY_FUNCTIONS[_name]
    globals()[_cls.__name__] = _cls
__all__ += list(UNARY)
for _name, (_f, _df) in SPECIAL_UNARY.items():
    _cls, UNARY_FUNCTIONS[_name] = _make_unary(_name, _f, _df)
    globals()[_name] = UNARY_FUNCTIONS[_name]
    globals()[_cls.__name__] = _cls

arcsin, arccos, arctan = asin, acos, atan  # noqa: F821 - made from UNARY above
arcsinh, arccosh, arctanh = asinh, acosh, atanh  # noqa: F821
absolute, fix, sgn = abs, trunc, sign  # noqa: F821
__all__ += ["arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "absolute", "fix",
            "sgn"]


class Polygamma(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, n):
        """out = ψ⁽ⁿ⁾(x), the n-th derivative of digamma"""
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise RuntimeError(f"polygamma: n must be a non-negative integer, got {n!r}")
        ctx.save_for_backward(x)
        ctx.n = int(n)
        a = _floating(x.array)
        return _polygamma_array(ctx.n, a).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        """dx = g * ψ⁽ⁿ⁺¹⁾(x)"""
        (x,) = ctx.saved_tensors
        return g * Polygamma.map(x, ctx.n + 1), None

    @staticmethod
    def jvp(ctx, dx, dn):
        (x,) = ctx.saved_tensors
        return dx * Polygamma.map(x, ctx.n + 1)


def polygamma(n, input):
    return Polygamma.apply(input, n)


def mvlgamma(input, p):
    """log of the multivariate gamma function: p(p−1)/4 · log π + Σⱼ₌₀ᵖ⁻¹ lgamma(x − j/2)."""
    if not isinstance(p, (int, np.integer)) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    if np.any(as_operand(input) <= (p - 1) / 2):
        raise RuntimeError(f"mvlgamma: all elements must be greater than (p-1)/2 = "
                           f"{(p - 1) / 2}")
    total = lgamma(input)  # noqa: F821 - made from UNARY
    for j in range(1, p):
        total = total + lgamma(input - j / 2)  # noqa: F821
    return total + p * (p - 1) / 4 * math.log(math.pi)


def _no_first_derivative(ctx, op, dfirst=None):
    """PyTorch has no derivative of zeta in x nor of the incomplete gammas in a: refuse."""
    first = ctx.saved_tensors[0]
    if (ctx.needs_input_grad and ctx.needs_input_grad[0]) or (
            dfirst is not None and isinstance(first, Tensor) and first._tangent):
        raise NotImplementedError(f"the derivative for '{op}' with respect to its first "
                                  f"argument is not implemented (as in PyTorch)")


def _map_binary(cls, x, y):
    """``cls`` inside a rule: recorded when an operand is a Tensor, else on the arrays."""
    return cls.apply(x, y) if isinstance(x, Tensor) or isinstance(y, Tensor) else cls.map(x, y)


def _binary_floating(op, x, y):
    """Both operands as arrays of the floating result dtype (a Python number adds no width)."""
    a, b = _binary_arrays(op, x, y)
    dtype = np.result_type(*[_floating(np.asarray(v)) for v in (a, b) if hasattr(v, "dtype")])
    return np.asarray(a, dtype), np.asarray(b, dtype), dtype


class Zeta(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, q):
        """out = ζ(x, q) = Σₖ (q + k)⁻ˣ, the Hurwitz zeta function"""
        ctx.save_for_backward(x, q)
        a, b, dtype = _binary_floating("special.zeta", x, q)
        return _zeta_array(a, b).astype(dtype)

    @staticmethod
    def backward(ctx, g):
        """dq = −g x ζ(x + 1, q); none for x"""
        _no_first_derivative(ctx, "zeta")
        x, q = ctx.saved_tensors
        return None, g * -x * _map_binary(Zeta, x + 1, q)

    @staticmethod
    def jvp(ctx, dx, dq):
        _no_first_derivative(ctx, "zeta", dx)
        x, q = ctx.saved_tensors
        return dq * -x * Zeta.apply(x + 1, q)


class Igamma(Function):
    """P(a, x), the regularized lower incomplete gamma; the subclass Igammac is Q = 1 − P."""
    numpy_rules = True
    upper = False

    @staticmethod
    def forward(ctx, a, x):
        """out = P(a, x) = γ(a, x)/Γ(a) (Q(a, x) = Γ(a, x)/Γ(a) for Igammac)"""
        ctx.save_for_backward(a, x)
        a, x, dtype = _binary_floating(ctx.fn.__name__.lower(), a, x)
        return _incomplete_gamma(a, x, ctx.fn.upper).astype(dtype)

    @staticmethod
    def backward(ctx, g):
        """dx = ±g x^(a−1) e⁻ˣ / Γ(a) (+ for P, − for Q); none for a"""
        _no_first_derivative(ctx, ctx.fn.__name__.lower())
        return None, g * _igamma_x_derivative(ctx)

    @staticmethod
    def jvp(ctx, da, dx):
        _no_first_derivative(ctx, ctx.fn.__name__.lower(), da)
        return dx * _igamma_x_derivative(ctx)


class Igammac(Igamma):
    upper = True


def _igamma_x_derivative(ctx):
    a, x = ctx.saved_tensors
    density = np.exp((a - 1) * np.log(x) - x - Lgamma.map(a))  # noqa: F821 - made from UNARY
    return -density if ctx.fn.upper else density


def xlog1py(input, other):
    return Xlog1py.apply(input, other)


def zeta(input, other):
    return Zeta.apply(input, other)


def igamma(input, other):
    return Igamma.apply(input, other)


def igammac(input, other):
    return Igammac.apply(input, other)


class Neg(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x):
        """out = -x"""
        if x.array.dtype.kind == "b":
            raise RuntimeError("neg: negation of a bool tensor is not supported; use "
                               "logical_not")
        return np.negative(x.array)

    @staticmethod
    def backward(ctx, g):
        """dx = -g"""
        return -g

    @staticmethod
    def jvp(ctx, dx):
        return -dx


# ----- activations with parameters ------------------------------------------------------------

class LeakyRelu(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, slope):
        """out = x if x > 0 else slope * x"""
        ctx.save_for_backward(x)
        ctx.slope = slope
        a = x.array
        return np.where(a > 0, a, a * a.dtype.type(slope))

    @staticmethod
    def backward(ctx, g):
        """dx = g if x > 0 else slope * g"""
        (x,) = ctx.saved_tensors
        return np.where(x > 0, g, g * ctx.slope), None

    @staticmethod
    def jvp(ctx, dx, _):
        (x,) = ctx.saved_tensors
        return where(gt(x, 0), dx, dx * ctx.slope)


class Elu(Function):
    numpy_rules = True

    saves_output = True

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        """out = scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))"""
        ctx.save_for_backward(x)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        a = x.array
        negative = alpha * np.expm1(np.minimum(a, 0) * input_scale)
        return (scale * np.where(a > 0, a, negative)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """dx = g * scale if x > 0 else g * input_scale * (out + scale * alpha)"""
        return _elu_derivative(ctx) * g, None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return _elu_derivative(ctx) * dx


def _elu_derivative(ctx):
    (x,) = ctx.saved_tensors
    negative = ctx.input_scale * (ctx.output + ctx.scale * ctx.alpha)
    return np.where(x > 0, ctx.scale, negative)


class Softplus(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        """out = log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold"""
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        a = x.array
        z = a * beta
        return np.where(z > threshold, a, np.logaddexp(0, z) / beta).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """dx = g * sigmoid(beta * x) (g where beta * x > threshold)"""
        return g * _softplus_derivative(ctx), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return dx * _softplus_derivative(ctx)


def _softplus_derivative(ctx):
    (x,) = ctx.saved_tensors
    z = x * ctx.beta
    return np.where(z > ctx.threshold, 1.0, Sigmoid.map(z))  # noqa: F821 - made from UNARY


class Gelu(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, approximate):
        """out = x * Φ(x) (exact, with erf) or its tanh approximation"""
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        a = x.array
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)
            return (0.5 * a * (1 + np.tanh(inner))).astype(a.dtype, copy=False)
        return (0.5 * a * (1 + _erf_array(a / math.sqrt(2)))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """dx = g * (Φ(x) + x φ(x)), or the derivative of the tanh form"""
        return g * _gelu_derivative(ctx), None

    @staticmethod
    def jvp(ctx, dx, _):
        return dx * _gelu_derivative(ctx)


def _gelu_derivative(ctx):
    (x,) = ctx.saved_tensors
    if ctx.approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        t = np.tanh(k * (x + 0.044715 * x ** 3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
    cdf = 0.5 * (1 + Erf.map(x * (1 / math.sqrt(2))))  # noqa: F821 - made from UNARY
    pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return cdf + x * pdf


# ----- public functions -----------------------------------------------------------------------

def add(input, other, *, alpha=1):
    """input + alpha * other, broadcasting."""
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(input, other)


def sub(input, other, *, alpha=1):
    """input - alpha * other, broadcasting."""
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(input, other)


def mul(input, other):
    return Mul.apply(input, other)


def div(input, other, *, rounding_mode=None):
    """input / other; ``rounding_mode`` 'trunc' or 'floor' rounds (and has no gradient)."""
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        result = Div.apply(input, other).detach()
        out = trunc(result)  # noqa: F821
        dt = dtypes.result_np_dtype(as_operand(input), as_operand(other))
        return out if dt.kind == "f" else out.to(dtypes.from_numpy_dtype(dt))
    raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                     f"{rounding_mode!r}")


true_divide = divide = div
subtract, multiply = sub, mul


def floor_divide(input, other):
    return FloorDivide.apply(input, other)


def remainder(input, other):
    return Remainder.apply(input, other)


def fmod(input, other):
    return Fmod.apply(input, other)


def pow(input, exponent):
    """input ** exponent; either may be a tensor or a Python number."""
    if not isinstance(input, Tensor):
        from ..creation import full
        dt = dtypes.result_np_dtype(input, exponent.array)
        input = full((), input, dtype=dtypes.from_numpy_dtype(dt))
    return Pow.apply(input, exponent)


def float_power(input, exponent):
    return pow(_as_double(input), _as_double(exponent))


def _as_double(x):
    return x.double() if isinstance(x, Tensor) else float(x)


def atan2(input, other):
    return Atan2.apply(input, other)


arctan2 = atan2


def hypot(input, other):
    return Hypot.apply(input, other)


def logaddexp(input, other):
    return Logaddexp.apply(input, other)


def logaddexp2(input, other):
    """log₂(2ˣ + 2ʸ) = logaddexp(x ln 2, y ln 2) / ln 2"""
    return Logaddexp.apply(input * _LN2, other * _LN2) / _LN2


_LN2 = math.log(2.0)


def xlogy(input, other):
    return Xlogy.apply(input, other)


def maximum(input, other):
    return Maximum.apply(input, other)


def minimum(input, other):
    return Minimum.apply(input, other)


def fmax(input, other):
    """Element-wise maximum where a NaN loses to a number (NaN only when both are NaN)."""
    return Fmax.apply(input, other)


def fmin(input, other):
    """Element-wise minimum where a NaN loses to a number (NaN only when both are NaN)."""
    return Fmin.apply(input, other)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (scalars allowed)."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    return Where.apply(condition, input, other)


def lerp(input, end, weight):
    return Lerp.apply(input, end, weight)


def clamp(input, min=None, max=None):
    """Clip values to [min, max]; either bound may be None or a tensor."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    return Clamp.apply(input, min, None)


def clamp_max(input, max):
    return Clamp.apply(input, None, max)


def neg(input):
    return Neg.apply(input)


negative = neg


def positive(input):
    return input


def cast(input, np_dtype):
    """``input`` converted to a NumPy dtype, differentiably between floating types."""
    if np_dtype.kind != "f" or input.array.dtype.kind != "f":
        return Tensor._make(input.array.astype(np_dtype))
    return Cast.apply(input, np_dtype)


def leaky_relu(input, negative_slope=0.01):
    return LeakyRelu.apply(input, negative_slope)


def hardtanh(input, min_val=-1.0, max_val=1.0):
    return clamp(input, min_val, max_val)


def relu6(input):
    return hardtanh(input, 0.0, 6.0)


def elu(input, alpha=1.0):
    return Elu.apply(input, alpha, 1.0, 1.0)


def celu(input, alpha=1.0):
    return Elu.apply(input, alpha, 1.0, 1.0 / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input):
    return Elu.apply(input, _SELU_ALPHA, _SELU_SCALE, 1.0)


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(input, beta, threshold)


def gelu(input, approximate="none"):
    return Gelu.apply(input, approximate)


def silu(input):
    """x * sigmoid(x)"""
    return input * sigmoid(input)  # noqa: F821


def mish(input):
    return input * tanh(softplus(input))  # noqa: F821


def hardsigmoid(input):
    return clamp(input / 6.0 + 0.5, 0.0, 1.0)


def hardswish(input):
    return input * hardsigmoid(input)


def softsign(input):
    return input / (1 + abs(input))  # noqa: F821


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    return -softplus(-input)


def tanhshrink(input):
    return input - tanh(input)  # noqa: F821


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    array = np.nan_to_num(input.array, nan=nan, posinf=posinf, neginf=neginf)
    return where(isfinite(input), input, Tensor._make(array))


# ----- comparisons and logic: no gradient -----------------------------------------------------

class _Predicate(Function):
    differentiable = False
    array_op = None

    @staticmethod
    def forward(ctx, x, y):
        a, b = _binary_arrays(ctx.fn.__name__.lower(), x, y)
        return ctx.fn.array_op(a, b)


def _predicate(name, array_op):
    cls = type(name, (_Predicate,), {"array_op": staticmethod(array_op)})

    def op(input, other):
        return cls.apply(input, other)

    op.__name__ = op.__qualname__ = name.lower()
    return op


eq = _predicate("Eq", np.equal)
ne = _predicate("Ne", np.not_equal)
lt = _predicate("Lt", np.less)
le = _predicate("Le", np.less_equal)
gt = _predicate("Gt", np.greater)
ge = _predicate("Ge", np.greater_equal)
logical_and = _predicate("Logical_and", np.logical_and)
logical_or = _predicate("Logical_or", np.logical_or)
logical_xor = _predicate("Logical_xor", np.logical_xor)
bitwise_and = _predicate("Bitwise_and", np.bitwise_and)
bitwise_or = _predicate("Bitwise_or", np.bitwise_or)
bitwise_xor = _predicate("Bitwise_xor", np.bitwise_xor)
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne
__all__ += ["bitwise_and", "bitwise_or", "bitwise_xor"]


def equal(input, other):
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(np.array_equal(input.array, other.array))


def _array_predicate(array_op, input):
    return Tensor._make(array_op(input.array))


def logical_not(input):
    return _array_predicate(np.logical_not, input)


def heaviside(input, values):
    """0 where input < 0, 1 where input > 0, ``values`` where input = 0 (no gradient)."""
    if input.dtype != values.dtype:
        raise RuntimeError(f"heaviside: expected input and values to have the same dtype, "
                           f"got {input.dtype} and {values.dtype}")
    return Tensor._make(np.heaviside(input.array, values.array).astype(input.array.dtype))


def _search_side(op, right, side):
    if side is not None and side not in ("left", "right"):
        raise RuntimeError(f"{op}: side can only be 'left' or 'right', got {side!r}")
    if side is not None and right and side == "left":
        raise RuntimeError(f"{op}: side and right can't be set to opposites, got side of left "
                           f"while right was True")
    return side or ("right" if right else "left")


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where each value would be inserted to keep each innermost row of the sequence sorted."""
    side = _search_side("searchsorted", right, side)
    boundaries = as_operand(sorted_sequence)
    values = as_operand(input)
    if sorter is not None:
        boundaries = np.take_along_axis(boundaries, as_operand(sorter), -1)
    if boundaries.ndim > 1 and boundaries.shape[:-1] != np.shape(values)[:-1]:
        raise RuntimeError(f"searchsorted: boundaries tensor should be 1 dimension or the first "
                           f"N-1 dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(boundaries.shape)} and "
                           f"input value tensor {list(np.shape(values))}")
    if boundaries.ndim <= 1:
        found = np.searchsorted(boundaries, values, side=side)
    else:
        found = np.empty(np.shape(values), dtype=np.int64)
        for row in np.ndindex(boundaries.shape[:-1]):
            found[row] = np.searchsorted(boundaries[row], values[row], side=side)
    return Tensor._make(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The index of each value's bucket: boundaries[i-1] < x <= boundaries[i] (right=False)."""
    if as_operand(boundaries).ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim("
                           f"{as_operand(boundaries).ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` is among ``test_elements``."""
    found = np.isin(as_operand(elements), as_operand(test_elements),
                    assume_unique=assume_unique, invert=invert)
    return Tensor._make(np.asarray(found))


def bitwise_not(input):
    if input.array.dtype.kind == "f":
        raise RuntimeError("bitwise_not: not implemented for floating-point tensors")
    return _array_predicate(np.invert, input)


def isnan(input):
    return _array_predicate(np.isnan, input)


def isinf(input):
    return _array_predicate(np.isinf, input)


def isfinite(input):
    return _array_predicate(np.isfinite, input)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._make(np.isclose(input.array, as_operand(other), rtol=rtol, atol=atol,
                                   equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input.array, as_operand(other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


# ----- sign bits, exponents, integer arithmetic -----------------------------------------------

class Copysign(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = |x| with the sign bit of y"""
        a, b, _ = _binary_floating("copysign", x, y)
        # d out / dx = out / x, taken as 0 at x = 0 as PyTorch does
        ctx.ratio = np.where(a == 0, 0.0, np.sign(a) * np.copysign(1.0, b)).astype(a.dtype)
        return np.copysign(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g * out / x (0 where x = 0); dy = 0 (PyTorch's zeros, not an unused input)"""
        return g * ctx.ratio, 0 * g if ctx.needs_input_grad[1] else None

    @staticmethod
    def jvp(ctx, dx, dy):
        return dx * ctx.ratio


def copysign(input, other):
    return Copysign.apply(input, other)


class Nextafter(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = the next float after x towards y"""
        a, b = _binary_arrays("nextafter", x, y)
        if np.asarray(a).dtype.kind != "f":
            raise RuntimeError(f"nextafter: not implemented for '{x.dtype}' tensors")
        return np.nextafter(a, b)

    @staticmethod
    def backward(ctx, g):
        """dx = g (out is x moved by one ulp); y: none"""
        return g, None

    @staticmethod
    def jvp(ctx, dx, dy):
        return dx


def nextafter(input, other):
    return Nextafter.apply(input, other)


def ldexp(input, other):
    """input * 2 ** other."""
    return mul(input, pow(2.0, other))


frexp_result = namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input):
    """input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1) (0, inf and NaN kept, exponent
    0); dmantissa = g / 2 ** exponent."""
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"frexp: only supports floating-point dtypes, got {input.dtype}")
    _, exponent = np.frexp(input.array)
    half = exponent // 2  # two exact scalings: 2 ** -exponent alone overflows for subnormals
    dtype = input.array.dtype
    mantissa = mul(mul(input, Tensor._make(np.ldexp(1.0, -half).astype(dtype))),
                   Tensor._make(np.ldexp(1.0, half - exponent).astype(dtype)))
    return frexp_result(mantissa, Tensor._make(exponent.astype(np.int32)))


def _integer_binary(name, array_op):
    cls = type(name.capitalize(), (_Predicate,), {"array_op": staticmethod(array_op)})

    def op(input, other):
        for operand in (input, other):
            kind = operand.array.dtype.kind if isinstance(operand, Tensor) else (
                "f" if isinstance(operand, float) else "i")
            if kind not in "iub":
                dtype = operand.dtype if isinstance(operand, Tensor) else "float"
                raise RuntimeError(f"{name}: not implemented for '{dtype}' operands, only "
                                   f"integer and bool tensors")
        return cls.apply(input, other)

    op.__name__ = op.__qualname__ = name
    return op


gcd = _integer_binary("gcd", np.gcd)
lcm = _integer_binary("lcm", np.lcm)
bitwise_left_shift = _integer_binary("bitwise_left_shift", np.left_shift)
bitwise_right_shift = _integer_binary("bitwise_right_shift", np.right_shift)


def signbit(input):
    a = input.array
    return Tensor._make(np.zeros(a.shape, bool) if a.dtype.kind == "b" else np.signbit(a))


def isneginf(input):
    return _array_predicate(np.isneginf, input)


def isposinf(input):
    return _array_predicate(np.isposinf, input)


def isreal(input):
    """True everywhere: gradiente's tensors are real."""
    return Tensor._make(np.ones(input.array.shape, dtype=bool))


def _float_power_inplace(input, exponent):
    if input.array.dtype != np.float64:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype "
                           f"{input.dtype} but the operation's result requires dtype float64")
    return float_power(input, exponent)


# ----- complex parts of real tensors ----------------------------------------------------------

def real(input):
    """The real part: the tensor itself."""
    return input


def imag(input):
    raise RuntimeError(f"imag: not implemented for tensors with non-complex dtypes (got "
                       f"{input.dtype})")


def is_conj(input):
    return False


def is_neg(input):
    return False


conj = conj_physical = resolve_conj = resolve_neg = real


# ----- fused products -------------------------------------------------------------------------

def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    product = mul(tensor1, tensor2)
    return add(input, product if value == 1 else mul(product, value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (true division; integer operands refused)."""
    if all(isinstance(t, Tensor) and t.array.dtype.kind in "iub" for t in (tensor1, tensor2)):
        raise RuntimeError(f"addcdiv: integer division is not supported (tensor1 "
                           f"{tensor1.dtype}, tensor2 {tensor2.dtype}); use addcmul with "
                           f"1 / tensor2 or floating-point operands")
    quotient = div(tensor1, tensor2)
    return add(input, quotient if value == 1 else mul(quotient, value))


__all__ += ["addcdiv", "addcmul", "conj", "conj_physical", "copysign", "frexp", "gcd",
            "imag", "is_conj", "is_neg", "isneginf", "isposinf", "isreal", "lcm", "ldexp",
            "nextafter", "real", "resolve_conj", "resolve_neg", "signbit",
            "bitwise_left_shift", "bitwise_right_shift"]
