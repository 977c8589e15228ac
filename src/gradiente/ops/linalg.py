"""Linear algebra: matmul and its relatives, einsum, diagonals. Products are bilinear, so
their JVP is the product rule; diagonal and diag_embed are linear and adjoint to each other.
"""

import builtins
import functools
import math
import string

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _check_dim
from .elementwise import product_rule

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "inner", "outer", "ger", "addmm", "einsum",
           "diagonal", "diag_embed", "diag", "trace"]


def _same_dtype(op, *tensors):
    dtypes = {t.array.dtype for t in tensors}
    if len(dtypes) > 1:
        names = " and ".join(str(t.dtype) for t in tensors)
        raise RuntimeError(f"{op}: expected all operands to have the same dtype, got {names}")


def _check_product(op, a, b):
    """Raise, naming ``op`` and both shapes, when ``a @ b`` is undefined."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"{op}: both arguments need at least 1 dimension, got "
                           f"{a.ndim}D and {b.ndim}D tensors")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                           f"multiplied ({inner_a} != {inner_b})")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(f"{op}: the batch dimensions of shapes {tuple(a.shape)} and "
                               f"{tuple(b.shape)} cannot be broadcast") from None


class Matmul(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = x @ y (1-D operands are promoted to matrices and the added dim removed)"""
        ctx.save_for_backward(x, y)
        _check_product("matmul", x.array, y.array)
        _same_dtype("matmul", x, y)
        return np.matmul(x.array, y.array)

    @staticmethod
    def backward(ctx, g):
        """dx = g @ yᵀ; dy = xᵀ @ g (with 1-D operands as row/column vectors)"""
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        x_vector, y_vector = x.ndim == 1, y.ndim == 1
        if y_vector:  # first, so that a 0-D g (vector @ vector) becomes (1, 1)
            y = y.reshape(-1, 1)
            g = g.reshape(g.shape + (1,))
        if x_vector:
            x = x.reshape(1, -1)
            g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:])
        gx = gy = None
        if needs[0]:
            gx = g @ y.mT
            if x_vector:
                gx = gx.reshape(gx.shape[:-2] + gx.shape[-1:])
        if needs[1]:
            gy = x.mT @ g
            if y_vector:
                gy = gy.reshape(gy.shape[:-1])
        return gx, gy

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        return product_rule(dx, y, x, dy, matmul)


def matmul(input, other):
    """Matrix product with NumPy's (and PyTorch's) rules for 1-D and batched operands.

    >>> import gradiente as gr
    >>> gr.tensor([[1., 2.], [3., 4.]]) @ gr.tensor([1., 1.])
    tensor([3., 7.])
    """
    return Matmul.apply(input, other)


def _require_ndim(op, name, t, ndim):
    if t.ndim != ndim:
        kind = {1: "a vector", 2: "a matrix", 3: "a 3D tensor"}[ndim]
        raise RuntimeError(f"{op}: {name} must be {kind}, got a {t.ndim}D tensor of shape "
                           f"{tuple(t.shape)}")


def mm(input, mat2):
    """Product of two matrices (no broadcasting)."""
    _require_ndim("mm", "input", input, 2)
    _require_ndim("mm", "mat2", mat2, 2)
    _check_product("mm", input.array, mat2.array)
    return Matmul.apply(input, mat2)


def bmm(input, mat2):
    """Batched product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
    _require_ndim("bmm", "input", input, 3)
    _require_ndim("bmm", "mat2", mat2, 3)
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: shapes {tuple(input.shape)} and "
                           f"{tuple(mat2.shape)} ({input.shape[0]} != {mat2.shape[0]})")
    _check_product("bmm", input.array, mat2.array)
    return Matmul.apply(input, mat2)


def mv(input, vec):
    """Matrix-vector product."""
    _require_ndim("mv", "input", input, 2)
    _require_ndim("mv", "vec", vec, 1)
    _check_product("mv", input.array, vec.array)
    return Matmul.apply(input, vec)


def dot(input, other):
    """Dot product of two 1-D tensors with the same number of elements."""
    _require_ndim("dot", "input", input, 1)
    _require_ndim("dot", "other", other, 1)
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"dot: inconsistent sizes: shapes {tuple(input.shape)} and "
                           f"{tuple(other.shape)} ({input.shape[0]} != {other.shape[0]})")
    return Matmul.apply(input, other)


def outer(input, vec2):
    """Outer product of two vectors: out[i, j] = input[i] * vec2[j]."""
    _require_ndim("outer", "input", input, 1)
    _require_ndim("outer", "vec2", vec2, 1)
    return input.unsqueeze(1) * vec2


ger = outer


def inner(input, other):
    """Σ over the last dims: out[i..., j...] = Σ_k input[i..., k] * other[j..., k]."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dims of shapes {tuple(input.shape)} and "
                           f"{tuple(other.shape)} must match ({input.shape[-1]} != "
                           f"{other.shape[-1]})")
    left = string.ascii_letters[:input.ndim - 1]
    right = string.ascii_letters[input.ndim - 1:input.ndim + other.ndim - 2]
    return einsum(f"{left}z,{right}z->{left}{right}", input, other)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2); with beta = 0, input is ignored (NaN included)."""
    product = mm(mat1, mat2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


# ----- einsum ---------------------------------------------------------------------------------

class Einsum(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, equation, *operands):
        """out = Σ over the letters not in the output of Π operands, as the equation says"""
        ctx.save_for_backward(*operands)
        arrays = [t.array for t in operands]
        ctx.terms, ctx.output_term = _parse_einsum(equation, tuple(a.shape for a in arrays))
        ctx.equation = ",".join(ctx.terms) + "->" + ctx.output_term
        try:
            return np.einsum(ctx.equation, *arrays, optimize=_worth_a_path(arrays))
        except ValueError as e:
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
            raise RuntimeError(f"einsum: {equation!r} does not fit operands of shapes "
                               f"{shapes} ({e})") from None

    @staticmethod
    def backward(ctx, g):
        """d operand_k = einsum of g with the other operands, onto operand_k's letters"""
        operands = ctx.saved_tensors
        grads = [None]
        for k, needed in enumerate(ctx.needs_input_grad[1:]):
            grads.append(_einsum_operand_grad(ctx, operands, g, k) if needed else None)
        return tuple(grads)

    @staticmethod
    def jvp(ctx, _, *tangents):
        operands = ctx.saved_tensors
        total = None
        for k, tangent in enumerate(tangents):
            if tangent is None:
                continue
            changed = operands[:k] + (tangent,) + operands[k + 1:]
            term = Einsum.apply(ctx.equation, *changed)
            total = term if total is None else total + term
        return total


def _worth_a_path(operands):
    """Whether a contraction path (BLAS through tensordot) pays off: large or many operands."""
    return len(operands) > 2 or builtins.sum(math.prod(a.shape) for a in operands) > 4096


def einsum_from_numpy(subscripts, *operands, optimize=False):
    """``np.einsum`` called on Tensors (ops._ARRAY_FUNCTIONS): einsum, which picks its own
    contraction path."""
    return einsum(subscripts, *operands)


@functools.lru_cache(maxsize=256)
def _parse_einsum(equation, shapes):
    """The equation's input terms and output term, with '...' spelled out as letters."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    if "->" in rhs:
        raise RuntimeError(f"einsum: {equation!r} has more than one '->'")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum: {equation!r} names {len(terms)} operands but "
                           f"{len(shapes)} were given")
    letters = set(equation) - set(".,->")
    if not all(c in string.ascii_letters for c in letters):
        raise RuntimeError(f"einsum: {equation!r} may only use letters, ',', '->' and '...'")
    free = [c for c in string.ascii_letters if c not in letters]
    ellipsis_ndims = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if "..." in term and named <= len(shape):
            ellipsis_ndims.append(len(shape) - named)
        elif "..." not in term and "." not in term and named == len(shape):
            ellipsis_ndims.append(0)
        else:
            raise RuntimeError(f"einsum: the subscripts {term!r} of operand {i} do not fit "
                               f"its shape {tuple(shape)}")
    broadcast = "".join(free[:max(ellipsis_ndims, default=0)])
    terms = [t.replace("...", broadcast[len(broadcast) - n:] if n else "")
             for t, n in zip(terms, ellipsis_ndims)]
    if arrow:
        output = rhs.replace("...", broadcast)
        if len(set(output)) != len(output) or not set(output) <= set("".join(terms)):
            raise RuntimeError(f"einsum: the output subscripts of {equation!r} must be distinct "
                               f"letters that appear in the inputs")
    else:  # implicit output: the broadcast dims, then the letters used once, sorted
        joined = "".join(terms)
        once = sorted(c for c in set(joined) - set(broadcast) if joined.count(c) == 1)
        output = broadcast + "".join(once)
    return terms, output


def _einsum_operand_grad(ctx, operands, g, k):
    """The VJP for operand k: einsum(g, other operands -> operand k's letters)."""
    target = ctx.terms[k]
    shape = operands[k].shape
    subscripts = [ctx.output_term] + [t for j, t in enumerate(ctx.terms) if j != k]
    tensors = [g] + [t for j, t in enumerate(operands) if j != k]
    spare = iter(c for c in string.ascii_letters if c not in ctx.equation)
    # a letter repeated in operand k (a diagonal, as in 'ii->i') gets a fresh letter and an
    # identity matrix tying the two together
    spelled = ""
    for axis, c in enumerate(target):
        if c in spelled:
            fresh = next(spare)
            subscripts.append(c + fresh)
            tensors.append(_identity(shape[axis], operands[k]))
            c = fresh
        spelled += c
    # a letter only operand k has was summed away: its gradient is broadcast back along it
    available = set("".join(subscripts))
    reduced = "".join(c for c in spelled if c in available)
    grad = np.einsum(",".join(subscripts) + "->" + reduced, *tensors,
                     optimize=_worth_a_path(tensors))
    if len(reduced) != len(spelled):
        grad = grad.reshape(tuple(shape[i] if c in available else 1
                                  for i, c in enumerate(spelled)))
        grad = np.broadcast_to(grad, shape)
    return grad


def _identity(n, like):
    """The n × n identity in the dtype of ``like``, an array or a Tensor as ``like`` is."""
    if isinstance(like, Tensor):
        return Tensor._make(np.eye(n, dtype=like.array.dtype))
    return np.eye(n, dtype=like.dtype)


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: explicit ('ij,jk->ik') or implicit ('ij,jk')
    output, '...' for broadcast dims, repeated letters for diagonals.

    >>> import gradiente as gr
    >>> gr.einsum("ii", gr.tensor([[1., 2.], [3., 4.]]))
    tensor(5.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    _same_dtype("einsum", *operands)
    return Einsum.apply(equation, *operands)


# ----- diagonals ------------------------------------------------------------------------------

class Diagonal(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        """out = the diagonal x[..., i, i + offset] of the dims dim1 and dim2, as the last dim"""
        ctx.shape_in = x.array.shape
        ctx.offset, ctx.dim1, ctx.dim2 = offset, dim1, dim2
        return np.diagonal(x.array, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        """dx = g written on that diagonal of zeros"""
        return (DiagEmbed.map(g, ctx.shape_in, ctx.offset, ctx.dim1, ctx.dim2),
                None, None, None)

    @staticmethod
    def jvp(ctx, dx, *_):
        return Diagonal.apply(dx, ctx.offset, ctx.dim1, ctx.dim2)


class DiagEmbed(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, shape, offset, dim1, dim2):
        """out = zeros of shape with x's last dim on the diagonal (offset) of dim1, dim2"""
        ctx.shape_out, ctx.offset, ctx.dim1, ctx.dim2 = shape, offset, dim1, dim2
        a = x.array
        out = np.zeros(shape, dtype=a.dtype)
        square = np.moveaxis(out, (dim1, dim2), (-2, -1))  # a view: writing fills out
        rows = np.arange(a.shape[-1]) + max(-offset, 0)
        square[..., rows, rows + offset] = a
        return out

    @staticmethod
    def backward(ctx, g):
        """dx = the diagonal of g"""
        return Diagonal.map(g, ctx.offset, ctx.dim1, ctx.dim2), None, None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return DiagEmbed.apply(dx, ctx.shape_out, ctx.offset, ctx.dim1, ctx.dim2)


def _diag_embed_shape(shape_in, offset, dim1, dim2):
    size = shape_in[-1] + abs(offset)
    shape = list(shape_in[:-1])
    for d in sorted((dim1, dim2)):
        shape.insert(d, size)
    return tuple(shape)


def _two_dims(op, dim1, dim2, ndim):
    d1, d2 = _check_dim(op, dim1, ndim), _check_dim(op, dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"{op}: dim1 and dim2 cannot be the same dim ({dim1} and {dim2})")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal (above it for offset > 0) of the dims dim1 and dim2, as the last dim.

    >>> import gradiente as gr
    >>> gr.tensor([[1., 2.], [3., 4.]]).diagonal()
    tensor([1., 4.])
    """
    if input.ndim < 2:
        raise RuntimeError(f"diagonal: expected a tensor of at least 2 dims, got shape "
                           f"{tuple(input.shape)}")
    d1, d2 = _two_dims("diagonal", dim1, dim2, input.ndim)
    return Diagonal.apply(input, offset, d1, d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose (dim1, dim2) diagonals are the last dim of input (zeros elsewhere)."""
    if input.ndim == 0:
        raise RuntimeError("diag_embed: expected a tensor of at least 1 dim, got a 0D tensor")
    d1, d2 = _two_dims("diag_embed", dim1, dim2, input.ndim + 1)
    shape = _diag_embed_shape(input.shape, offset, d1, d2)
    return DiagEmbed.apply(input, shape, offset, d1, d2)


def diag(input, diagonal=0):
    """A vector's diagonal matrix, or a matrix's diagonal (above it for diagonal > 0)."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, diagonal, 0, 1)
    raise RuntimeError(f"diag: expected a 1D or 2D tensor, got shape {tuple(input.shape)}")


def trace(input):
    """Sum of the main diagonal of a matrix."""
    _require_ndim("trace", "input", input, 2)
    return Diagonal.apply(input, 0, 0, 1).sum()
