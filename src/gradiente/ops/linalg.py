"""Linear algebra: matmul and its relatives, einsum, diagonals. Products are bilinear, so
their JVP is the product rule; diagonal and diag_embed are linear and adjoint to each other.
"""

import builtins
import functools
import math
import string
import warnings
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor, _check_dim
from .elementwise import product_rule, where
from .movement import cat, movedim, stack
from .reduce import norm as _norm

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "inner", "outer", "ger", "addmm", "einsum",
           "diagonal", "diag_embed", "diag", "trace", "inverse", "det", "logdet", "slogdet",
           "kron", "cross", "cdist", "matrix_power", "pinverse", "addmv", "addr", "baddbmm",
           "addbmm", "vdot", "tensordot", "chain_matmul", "cov", "corrcoef", "dist",
           "renorm", "matrix_exp", "lu", "lu_solve", "lu_unpack", "cholesky", "cholesky_solve",
           "cholesky_inverse", "svd", "qr", "triangular_solve", "vander"]


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


def _scaled_sum(input, product, beta, alpha):
    """beta * input + alpha * product; with beta = 0, input is ignored (NaN included)."""
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2); with beta = 0, input is ignored (NaN included)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2), one product per batch entry."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * Σ_b batch1[b] @ batch2[b]."""
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


def vdot(input, other):
    """Σ_i input[i] * other[i] for 1-D tensors (no conjugation for real ones)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"vdot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           f"tensors")
    return dot(input, other)


def tensordot(a, b, dims=2, out=None):
    """Σ over the paired dims: dims=n pairs a's last n dims with b's first n; dims=(da, db)
    pairs da[i] with db[i]."""
    if out is not None:
        raise RuntimeError("tensordot: out= is not supported; assign the result instead")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot: expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError(f"tensordot: both dimension lists should have the same length, got "
                           f"{dims_a} and {dims_b}")
    dims_a = [_check_dim("tensordot", d, a.ndim) for d in dims_a]
    dims_b = [_check_dim("tensordot", d, b.ndim) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has "
                               f"size {a.shape[da]} in dim {da} and second has size "
                               f"{b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = math.prod(a.shape[d] for d in dims_a)
    left = a.permute(free_a + dims_a).reshape(-1, k)
    right = b.permute(dims_b + free_b).reshape(k, -1)
    return matmul(left, right).reshape([a.shape[d] for d in free_a] +
                                       [b.shape[d] for d in free_b])


def chain_matmul(*matrices):
    """The product of 2-D matrices, left to right (deprecated: linalg.multi_dot)."""
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Tensor {i} must have 2 dimensions, but got "
                               f"{m.ndim}D")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Σ_k w_k (x_ik - m_i)(x_jk - m_j) / (Σ w - correction·Σ w·a / Σ w): rows are variables,
    columns observations, m the w-weighted means, w = fweights · aweights."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if x.array.dtype.kind != "f":
        x = x * 1.0  # the default float dtype
    observations = x.shape[1]
    weights = None
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is None:
            continue
        if w.ndim > 1 or w.numel() != observations:
            raise RuntimeError(f"cov(): expected {name} to have one dimension of size "
                               f"{observations}, got shape {list(w.shape)}")
        if name == "fweights" and w.array.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype, got {w.dtype}")
        if (w.array < 0).any():
            raise RuntimeError(f"cov(): {name} cannot be negative")
        weights = w if weights is None else weights * w
    if weights is None:
        mean, total = x.mean(1, keepdim=True), observations
        factor = observations - correction
    else:
        total = weights.sum()
        mean = (x * weights).sum(1, keepdim=True) / total
        if correction == 0:
            factor = total
        elif aweights is None:
            factor = total - correction
        else:
            factor = total - correction * (weights * aweights).sum() / total
    if float(factor if isinstance(factor, (int, float)) else factor.array) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0", RuntimeWarning, stacklevel=2)
        factor = 0
    centred = x - mean
    product = matmul(centred, (centred if weights is None else centred * weights).mT)
    return (product / factor).squeeze()


def corrcoef(input):
    """cov(input)_ij / sqrt(cov_ii cov_jj), clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    stddev = diagonal(c).sqrt()
    c = c / stddev.unsqueeze(1) / stddev.unsqueeze(0)
    return c.clamp(-1, 1)


def renorm(input, p, dim, maxnorm):
    """Each slice along dim times maxnorm / (‖slice‖_p + 1e-7) where its norm exceeds maxnorm."""
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           f"dimensions")
    axis = _check_dim("renorm", dim, input.ndim)
    others = tuple(d for d in range(input.ndim) if d != axis)
    norms = _norm(input, p, others, True, None)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return input * factor


def dist(input, other, p=2):
    """‖input - other‖_p over all elements."""
    return _norm(input - other, p, None, False, None)


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


# ----- torch.linalg: inverses, determinants, solves, factorizations -------------------------
# A factorization with several results (eigh, svd, qr, slogdet) is one Function whose output
# packs them along a dim; the public function slices it, so each result has its gradient.

class LinAlgError(RuntimeError):
    """A matrix that an inversion or factorization cannot handle (singular, not positive
    definite), as ``torch.linalg.LinAlgError``."""


slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
eigh_result = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
svd_result = namedtuple("svd", ["U", "S", "Vh"])
qr_result = namedtuple("qr", ["Q", "R"])
lstsq_result = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])


def _matrices(op, A, square=True):
    """The array of ``A``, checked: floating point, at least 2 dims, square when ``square``."""
    a = A.array
    if a.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {A.dtype}")
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions, got "
                           f"shape {tuple(a.shape)}")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    return a


def _lapack(op, fn, a, *args, problem="singular"):
    try:
        return fn(a, *args)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"{op}: the input of shape {tuple(a.shape)} is {problem}") from None


def _value(t):
    return t.array if isinstance(t, Tensor) else t


def _diag(v, like):
    """The diagonal matrices of the vectors v (..., n)."""
    return v[..., None, :] * _identity(v.shape[-1], like)


def _scaled(X, F):
    """X ∘ F, and 0 where X is 0 and F infinite: F is infinite at repeated (or zero) values,
    where a loss that ignores the vectors (eigvalsh, svdvals) keeps the finite gradient PyTorch
    gives it. Linear in X (so its derivative in X is F, also where X is 0)."""
    infinite = np.isinf(F)
    return np.where(infinite & (X != 0), X * F, X * np.where(infinite, 0.0, F))


def _gap_inverse(w, like):
    """F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it (the w must be distinct)."""
    eye = _identity(w.shape[-1], like)
    return (1 - eye) / (w[..., None, :] - w[..., :, None] + eye)


class Inv(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A):
        """out = A⁻¹"""
        return _lapack("linalg.inv", np.linalg.inv, _matrices("linalg.inv", A))

    @staticmethod
    def backward(ctx, g):
        """dA = -outᵀ g outᵀ"""
        out = ctx.output
        return -(out.mT @ g @ out.mT)

    @staticmethod
    def jvp(ctx, dA):
        out = ctx.output
        return -(out @ dA @ out)


class Slogdet(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, A):
        """out[..., 0] = sign det A (a constant), out[..., 1] = log |det A|"""
        ctx.save_for_backward(A)
        sign, logabsdet = np.linalg.slogdet(_matrices("linalg.slogdet", A))
        return np.stack([sign, logabsdet], axis=-1)

    @staticmethod
    def backward(ctx, g):
        """dA = g[..., 1] A⁻ᵀ (A must be invertible)"""
        (A,) = ctx.saved_tensors
        g = g[..., 1]
        return g.reshape(g.shape + (1, 1)) * Inv.map(A).mT

    @staticmethod
    def jvp(ctx, dA):
        (A,) = ctx.saved_tensors
        d_logabsdet = (Inv.apply(A).mT * dA).sum((-2, -1))
        return d_logabsdet.unsqueeze(-1) * np.array([0, 1], dtype=A.array.dtype)


class Solve(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A, B):
        """out = A⁻¹ B for matrices B (..., n, k); the batch dims broadcast"""
        ctx.save_for_backward(A)
        a, b = _matrices("linalg.solve", A), _value(B)
        if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
            rhs = "x".join(map(str, b.shape[-2:]))
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                               f"AX = B ({a.shape[-2]}x{a.shape[-1]} and {rhs})")
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(f"linalg.solve: the batch dims of A {tuple(a.shape)} and B "
                               f"{tuple(b.shape)} cannot be broadcast") from None
        return _lapack("linalg.solve", np.linalg.solve, a, b)

    @staticmethod
    def backward(ctx, g):
        """dB = A⁻ᵀ g; dA = -dB outᵀ"""
        (A,) = ctx.saved_tensors
        gB = Solve.map(A.mT, g)
        return -(gB @ ctx.output.mT), gB

    @staticmethod
    def jvp(ctx, dA, dB):
        (A,) = ctx.saved_tensors
        return Solve.apply(A, dB - dA @ ctx.output)


class Cholesky(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A):
        """out = L, lower triangular with L Lᵀ = A (A's lower triangle is read)"""
        return _lapack("linalg.cholesky", np.linalg.cholesky, _matrices("linalg.cholesky", A),
                       problem="not positive-definite")

    @staticmethod
    def backward(ctx, g):
        """dA = L⁻ᵀ (P + tril(P, -1)ᵀ) L⁻¹ / 2 with P = tril(Lᵀ g) (symmetric, Murray 2016)"""
        L = ctx.output
        P = np.tril(L.mT @ g)
        L_inv = Inv.map(L)
        return L_inv.mT @ ((P + np.tril(P, -1).mT) * 0.5) @ L_inv

    @staticmethod
    def jvp(ctx, dA):
        """dL = L Φ(L⁻¹ dA L⁻ᵀ), Φ = the lower triangle with its diagonal halved"""
        L = ctx.output
        L_inv = Inv.apply(L)
        X = L_inv @ dA @ L_inv.mT
        return L @ ((np.tril(X) + np.tril(X, -1)) * 0.5)


class Eigh(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A, UPLO):
        """out[..., 0, :] = eigenvalues w (ascending), out[..., 1:, :] = eigenvectors V"""
        w, V = _lapack("linalg.eigh", np.linalg.eigh, _matrices("linalg.eigh", A), UPLO,
                       problem="too ill-conditioned (the algorithm did not converge)")
        return np.concatenate([w[..., None, :], V], axis=-2)

    @staticmethod
    def backward(ctx, g):
        """dA = V (diag(g_w) + F ∘ (Vᵀ g_V - g_Vᵀ V) / 2) Vᵀ, F_ij = 1 / (w_j - w_i)"""
        out = ctx.output
        w, V = out[..., 0, :], out[..., 1:, :]
        VtgV = V.mT @ g[..., 1:, :]
        inner = _scaled((VtgV - VtgV.mT) * 0.5, _gap_inverse(w, V)) + _diag(g[..., 0, :], V)
        return V @ inner @ V.mT, None

    @staticmethod
    def jvp(ctx, dA, _):
        """dw = diag(P), dV = V (F ∘ P) with P = Vᵀ dA V"""
        out = ctx.output
        w, V = out[..., 0, :], out[..., 1:, :]
        P = V.mT @ dA @ V
        dV = V @ (P * _gap_inverse(w, V))
        return cat([diagonal(P, 0, -2, -1).unsqueeze(-2), dV], -2)


class Svd(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A):
        """out = U (m, k), then S as a row, then V = Vhᵀ (n, k), along dim -2; k = min(m, n)"""
        a = _matrices("linalg.svd", A, square=False)
        U, S, Vh = _lapack("linalg.svd", np.linalg.svd, a, False,
                           problem="too ill-conditioned (the algorithm did not converge)")
        ctx.m = a.shape[-2]
        return np.concatenate([U, S[..., None, :], Vh.mT], axis=-2)

    @staticmethod
    def backward(ctx, g):
        """dA = U [(skew(Uᵀg_U) S + S skew(Vᵀg_V)) ∘ F + diag(g_S)] Vᵀ
        + (I - UUᵀ) g_U S⁻¹ Vᵀ + U S⁻¹ g_Vᵀ (I - VVᵀ); F_ij = 1 / (S_j² - S_i²), skew(X) = X - Xᵀ
        """
        m, out = ctx.m, ctx.output
        U, S, V = out[..., :m, :], out[..., m, :], out[..., m + 1:, :]
        gU, gS, gV = g[..., :m, :], g[..., m, :], g[..., m + 1:, :]
        UtgU, VtgV = U.mT @ gU, V.mT @ gV
        rows, cols = S[..., None, :], S[..., :, None]
        inner = (_scaled((UtgU - UtgU.mT) * rows + cols * (VtgV - VtgV.mT), _gap_inverse(S * S, U))
                 + _diag(gS, U))
        gA = U @ inner @ V.mT
        k = S.shape[-1]
        if m > k:
            gU_scaled = _scaled(gU, 1 / rows)
            gA = gA + (gU_scaled - U @ (U.mT @ gU_scaled)) @ V.mT
        if V.shape[-2] > k:
            gV_scaled = _scaled(gV, 1 / rows)
            gA = gA + U @ (gV_scaled - V @ (V.mT @ gV_scaled)).mT
        return gA

    @staticmethod
    def jvp(ctx, dA):
        """dS = diag(P), dU = U (F ∘ (P S + S Pᵀ)) + (I - UUᵀ) dA V S⁻¹,
        dV = V (F ∘ (S P + Pᵀ S)) + (I - VVᵀ) dAᵀ U S⁻¹ with P = Uᵀ dA V"""
        m, out = ctx.m, ctx.output
        U, S, V = out[..., :m, :], out[..., m, :], out[..., m + 1:, :]
        rows, cols = S[..., None, :], S[..., :, None]
        P = U.mT @ dA @ V
        F = _gap_inverse(S * S, U)
        dU = U @ ((P * rows + cols * P.mT) * F)
        dV = V @ ((cols * P + P.mT * rows) * F)
        k = S.shape[-1]
        if m > k:
            dAV = dA @ V
            dU = dU + (dAV - U @ (U.mT @ dAV)) / rows
        if V.shape[-2] > k:
            dAtU = dA.mT @ U
            dV = dV + (dAtU - V @ (V.mT @ dAtU)) / rows
        return cat([dU, diagonal(P, 0, -2, -1).unsqueeze(-2), dV], -2)


class Qr(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A):
        """out = Q (m, k) then Rᵀ (n, k) along dim -2: A = QR, R upper triangular, k = min(m, n)"""
        Q, R = np.linalg.qr(_matrices("linalg.qr", A, square=False))
        ctx.m = Q.shape[-2]
        return np.concatenate([Q, R.mT], axis=-2)

    @staticmethod
    def backward(ctx, g):
        """With A = Q [R_k | R_Y] (R_k square) and g_Q' = g_Q + Q R_Y g_Yᵀ:
        dA = [(g_Q' + Q M) R_k⁻ᵀ | Q g_Y], M = triu(N) + triu(N, 1)ᵀ, N = g_Rk R_kᵀ - Qᵀ g_Q'"""
        m, out = ctx.m, ctx.output
        Q, R, gQ, gR = out[..., :m, :], out[..., m:, :].mT, g[..., :m, :], g[..., m:, :].mT
        k, n = R.shape[-2], R.shape[-1]
        R_k, gR_k = R[..., :k], gR[..., :k]
        if n > k:
            gQ = gQ + Q @ (R[..., k:] @ gR[..., k:].mT)
        N = gR_k @ R_k.mT - Q.mT @ gQ
        M = np.triu(N) + np.triu(N, 1).mT
        gA = Solve.map(R_k, (gQ + Q @ M).mT).mT
        if n > k:
            eye = _identity(n, Q)
            gA = gA @ eye[:k] + Q @ (gR * eye[k:].sum(0))
        return gA

    @staticmethod
    def jvp(ctx, dA):
        """X = Qᵀ dA_k R_k⁻¹, C = tril(X, -1) - tril(X, -1)ᵀ: dQ = dA_k R_k⁻¹ - Q (X - C),
        dR_k = (X - C) R_k, dR_Y = dQᵀ Q R_Y + Qᵀ dA_Y"""
        m, out = ctx.m, ctx.output
        Q, R = out[..., :m, :], out[..., m:, :].mT
        k = R.shape[-2]
        R_k = R[..., :k]
        dA_Rinv = Solve.apply(R_k.mT, dA[..., :k].mT).mT
        X = Q.mT @ dA_Rinv
        lower = np.tril(X, -1)
        X_minus_C = X - lower + lower.mT
        dQ, dR = dA_Rinv - Q @ X_minus_C, X_minus_C @ R_k
        if R.shape[-1] > k:
            dR = cat([dR, dQ.mT @ (Q @ R[..., k:]) + Q.mT @ dA[..., k:]], -1)
        return cat([dQ, dR.mT], -2)


class Pinv(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A, atol, rtol):
        """out = V S⁺ Uᵀ, where S⁺ drops the singular values ≤ max(atol, rtol · max S)"""
        ctx.save_for_backward(A)
        a = _matrices("linalg.pinv", A, square=False)
        U, S, Vh = _lapack("linalg.pinv", np.linalg.svd, a, False,
                           problem="too ill-conditioned (the SVD did not converge)")
        cutoff = np.maximum(atol, rtol * S[..., :1])
        S_inv = np.where(S > cutoff, 1 / np.where(S > cutoff, S, 1), 0).astype(a.dtype)
        return (Vh.mT * S_inv[..., None, :]) @ U.mT

    @staticmethod
    def backward(ctx, g):
        """dA = -Xᵀ g Xᵀ + (I - AX) gᵀ X Xᵀ + XᵀX gᵀ (I - XA), X = out (rank locally constant)"""
        (A,) = ctx.saved_tensors
        X, gt = ctx.output, g.mT
        return (-(X.mT @ g @ X.mT) + (gt - A @ (X @ gt)) @ (X @ X.mT)
                + (X.mT @ X) @ (gt - (gt @ X) @ A)), None, None

    @staticmethod
    def jvp(ctx, dA, *_):
        """dX = -X dA X + X Xᵀ dAᵀ (I - AX) + (I - XA) dAᵀ XᵀX"""
        (A,) = ctx.saved_tensors
        X, dAt = ctx.output, dA.mT
        return (-(X @ dA @ X) + (X @ X.mT) @ (dAt - (dAt @ A) @ X)
                + (dAt - X @ (A @ dAt)) @ (X.mT @ X))


# ----- the public functions (torch.linalg's names live in gradiente.linalg) -------------------

def _same_floating(op, *tensors):
    _same_dtype(op, *tensors)
    for t in tensors:
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {t.dtype}")


def inv(A):
    """A⁻¹ of square matrices (..., n, n); LinAlgError when one is singular.

    >>> import gradiente as gr
    >>> gr.linalg.inv(gr.tensor([[2., 0.], [0., 4.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    return Inv.apply(A)


def inverse(input):
    """A⁻¹, as ``linalg.inv``."""
    return Inv.apply(input)


def slogdet(A):
    """(sign, log |det A|) of square matrices; the sign has no gradient."""
    packed = Slogdet.apply(A)
    return slogdet_result(packed[..., 0].detach(), packed[..., 1])


def det(A):
    """det A = sign · exp(log |det A|); its gradient needs A invertible."""
    _matrices("linalg.det", A)
    sign, logabsdet = slogdet(A)
    return sign * logabsdet.exp()


def logdet(input):
    """log det A: nan (with a zero gradient, as PyTorch) where det A < 0, -inf where it is 0."""
    sign, logabsdet = slogdet(input)
    return where(sign >= 0, logabsdet, sign.log())


def solve(A, B, *, left=True):
    """X with A X = B (left=False: X A = B). B is a batch of vectors when it is 1-D or has the
    shape A.shape[:-1]; otherwise a batch of matrices; the batch dims broadcast."""
    if not left:
        return solve(A.mT, B.mT).mT
    _same_floating("linalg.solve", A, B)
    if B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1])):
        return Solve.apply(A, B.unsqueeze(-1)).squeeze(-1)
    return Solve.apply(A, B)


def linalg_cholesky(A, *, upper=False):
    """L lower triangular with L Lᵀ = A (Uᵀ U = A with upper=True) for A positive-definite;
    only the lower triangle of A is read."""
    L = Cholesky.apply(A)
    return L.mT if upper else L


def linalg_qr(A, mode="reduced"):
    """(Q, R) with A = QR, Q orthonormal columns, R upper triangular. mode 'complete' with
    m > n adds to Q an orthonormal basis with no gradient (and zero rows to R); mode 'r' gives
    an empty Q."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr: qr received unrecognized mode {mode!r} but expected one "
                           f"of 'reduced' (default), 'r', or 'complete'")
    packed = Qr.apply(A)
    m, n = A.shape[-2:]
    Q, R = packed[..., :m, :], packed[..., m:, :].mT
    if mode == "r":
        return qr_result(Tensor._make(np.zeros(0, dtype=A.array.dtype)), R)
    if mode == "complete" and m > n:
        Q = cat([Q, Tensor._make(np.linalg.qr(A.array, "complete")[0][..., n:].copy())], -1)
        R = cat([R, Tensor._make(np.zeros(R.shape[:-2] + (m - n, n), dtype=A.array.dtype))], -2)
    return qr_result(Q, R)


def eigh(A, UPLO="L"):
    """(eigenvalues ascending, eigenvectors as columns) of symmetric matrices, from the triangle
    UPLO. Eigenvectors are defined up to sign: only sign-invariant functions of them have
    gradients, and repeated eigenvalues make the gradient infinite, as in PyTorch."""
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    packed = Eigh.apply(A, UPLO)
    return eigh_result(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(A, UPLO="L"):
    """The eigenvalues (ascending) of symmetric matrices."""
    return eigh(A, UPLO).eigenvalues


def linalg_svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending. With full_matrices=True and m != n,
    U or Vh is completed by an orthonormal basis that has no gradient (PyTorch's backward
    ignores those columns too). Only gauge-invariant functions of U and Vh (U diag(S) Vh, |U|)
    have gradients, and repeated singular values make them infinite, as in PyTorch."""
    if driver is not None:
        raise RuntimeError(f"linalg.svd: driver={driver!r} is only supported on CUDA")
    packed = Svd.apply(A)
    m, n = A.shape[-2:]
    U, S, Vh = packed[..., :m, :], packed[..., m, :], packed[..., m + 1:, :].mT
    if full_matrices and m != n:
        full_U, _, full_Vh = np.linalg.svd(A.array, full_matrices=True)
        k = min(m, n)
        if m > n:
            U = cat([U, Tensor._make(np.ascontiguousarray(full_U[..., k:]))], -1)
        else:
            Vh = cat([Vh, Tensor._make(np.ascontiguousarray(full_Vh[..., k:, :]))], -2)
    return svd_result(U, S, Vh)


def svdvals(A, *, driver=None):
    """The singular values of A, descending."""
    return linalg_svd(A, full_matrices=False, driver=driver).S


def _pinv_tolerances(A, atol, rtol):
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else (
            np.finfo(A.array.dtype).eps * max(A.shape[-2:]))
    return (0.0 if atol is None else atol), rtol


def pinv(A, *, atol=None, rtol=None):
    """The Moore-Penrose pseudo-inverse, from the singular values above max(atol,
    rtol · max S) (rtol = eps · max(m, n) when neither is given). Its derivative assumes the
    rank is constant near A."""
    atol, rtol = _pinv_tolerances(A, atol, rtol)
    return Pinv.apply(A, float(atol), float(rtol))


def pinverse(input, rcond=1e-15):
    """The pseudo-inverse with singular values at or below rcond · max S dropped."""
    return pinv(input, rtol=rcond)


def lstsq(A, B, rcond=None, *, driver=None):
    """The minimum-norm least-squares solution of A X = B, as PyTorch's CPU driver 'gelsy'
    gives it: (solution, residuals and singular_values empty, rank)."""
    if driver not in (None, "gelsy"):
        raise RuntimeError(f"linalg.lstsq: driver={driver!r} is not supported (only 'gelsy')")
    _same_floating("linalg.lstsq", A, B)
    vector = B.ndim == A.ndim - 1
    if A.ndim < 2 or (B if vector else B.mT).shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.lstsq: A {tuple(A.shape)} and B {tuple(B.shape)} do not "
                           f"have the same number of rows")
    atol, rtol = _pinv_tolerances(A, None, rcond)
    A_pinv = Pinv.apply(A, atol, rtol)
    rank = matrix_rank(A, rtol=rtol)
    empty = Tensor._make(np.zeros(0, dtype=A.array.dtype))
    if vector:
        return lstsq_result((A_pinv @ B.unsqueeze(-1)).squeeze(-1), empty, rank, empty)
    return lstsq_result(A_pinv @ B, empty, rank, empty)


def matrix_rank(A, *, atol=None, rtol=None):
    """The number of singular values above max(atol, rtol · max S) (as pinv's tolerances)."""
    atol, rtol = _pinv_tolerances(A, atol, rtol)
    S = svdvals(A.detach())
    return ((S > S[..., :1] * rtol) & (S > atol)).sum(-1)


def cond(A, p=None):
    """The condition number ‖A‖_p ‖A⁻¹‖_p; for p = None or 2 (-2), max S / min S (its inverse)."""
    if p in (None, 2, -2):
        S = svdvals(A)
        ratio = S[..., 0] / S[..., -1]
        return 1 / ratio if p == -2 else ratio
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with A X = B (X A = B for left=False), reading only A's upper or lower triangle, or
    only its strict part with a unit diagonal when unitriangular."""
    if not left:
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    _same_floating("linalg.solve_triangular", A, B)
    _matrices("linalg.solve_triangular", A)
    offset = 1 if unitriangular else 0
    T = A.triu(offset) if upper else A.tril(-offset)
    if unitriangular:
        T = T + Tensor._make(np.eye(A.shape[-1], dtype=A.array.dtype))
    return Solve.apply(T, B)


def matrix_power(input, n):
    """Aⁿ by repeated squaring; A⁰ = I, and A⁻ⁿ = (A⁻¹)ⁿ."""
    _matrices("linalg.matrix_power", input)
    if n == 0:
        eye = np.eye(input.shape[-1], dtype=input.array.dtype)
        return Tensor._make(np.ascontiguousarray(np.broadcast_to(eye, input.array.shape)))
    power, result, n = (inv(input) if n < 0 else input), None, abs(n)
    while n:
        if n & 1:
            result = power if result is None else result @ power
        n >>= 1
        if n:
            power = power @ power
    return result


def multi_dot(tensors):
    """The product of matrices, left to right; the first and last may be vectors."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    for i, t in enumerate(tensors):
        if t.ndim != 2 and not ((i == 0 and first) or (i == len(tensors) - 1 and last)):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D, got shape {tuple(t.shape)}")
    out = tensors[0].unsqueeze(0) if first else tensors[0]
    for t in tensors[1:]:
        _check_product("multi_dot", out.array, t.array)
        out = out @ t
    return out.squeeze(0) if first else out


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(Σ |x|^ord)^(1/ord) over dim (all dims for None); ord = inf, -inf, 0 and any number."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _norm(x, ord, dim, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix norm over the two dims: 'fro', 'nuc' (Σ S), 2 / -2 (max / min S),
    1 / -1 (max / min column sum of |A|), inf / -inf (max / min row sum of |A|)."""
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2 or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: expected a tensor of at least 2 dims and 2 "
                           f"dims to reduce, got shape {tuple(A.shape)} and dim={dim}")
    rows, cols = (_check_dim("linalg.matrix_norm", d, A.ndim) for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got {tuple(dim)}")
    if ord == "fro":
        return _norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        S = svdvals(movedim(A, (rows, cols), (-2, -1)))
        out = S.sum(-1) if ord == "nuc" else S.amax(-1) if ord == 2 else S.amin(-1)
        return out.unsqueeze(min(rows, cols)).unsqueeze(max(rows, cols)) if keepdim else out
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, picked = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(picked, keepdim=True) if ord > 0 else sums.amin(picked, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.norm``: a vector norm for an int dim (or a 1-D input), a matrix norm for
    two dims (or a 2-D input with ord given); the 2-norm of A flattened by default."""
    if isinstance(dim, int) or (dim is not None and len(dim) == 1):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is not None:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {A.ndim}D.")
    norm_of = vector_norm if A.ndim == 1 else matrix_norm
    return norm_of(A, ord, (-1,) if A.ndim == 1 else (-2, -1), keepdim, dtype=dtype)


def _cross(op, x, y, dim):
    if x.ndim != y.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions, got shapes "
                           f"{tuple(x.shape)} and {tuple(y.shape)}")
    d = _check_dim(op, dim, x.ndim)
    sizes = [x.shape[d], y.shape[d]]
    if sizes != [3, 3]:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got {sizes[0]} "
                           f"and {sizes[1]}")
    return x.roll(-1, d) * y.roll(-2, d) - x.roll(-2, d) * y.roll(-1, d)


def cross(input, other, dim=None):
    """The cross product along dim (the first dim of size 3 when None); inputs broadcast."""
    if dim is None:
        dim = next((i for i, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input {tuple(input.shape)}")
    return _cross("cross", input, other, dim)


def linalg_cross(input, other, *, dim=-1):
    """The cross product along dim; the inputs broadcast."""
    return _cross("linalg.cross", input, other, dim)


def kron(input, other):
    """The Kronecker product: out[i·q + k, ...] = input[i, ...] · other[k, ...] per dim."""
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(x for n in a_shape for x in (n, 1)))
    b = other.reshape(tuple(x for n in b_shape for x in (1, n)))
    return (a * b).reshape(tuple(p * q for p, q in zip(a_shape, b_shape)))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """out[..., i, j] = ‖x1[..., i, :] - x2[..., j, :]‖_p (computed directly for every
    compute_mode)."""
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must be at least 2D with the same number of "
                           f"columns, got shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return _norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def vecdot(x, y, *, dim=-1):
    """Σ x · y along dim; the inputs broadcast."""
    return (x * y).sum(dim)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of the last two dims, as ``torch.linalg.diagonal``."""
    return diagonal(A, offset, dim1, dim2)


# ----- the matrix exponential and the LU factorization -----------------------------------------

# the [13/13] Padé coefficients of exp (Higham 2005), b₀ ... b₁₃
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_PADE13_THETA = 5.371920351148152  # the largest ‖A‖₁ for which [13/13] is exact to 2⁻⁵³


def _expm_array(a):
    """exp(A) by scaling and squaring: per matrix, s with ‖A/2ˢ‖₁ ≤ θ₁₃, the [13/13] Padé
    approximant R = (V − U)⁻¹ (V + U) of exp(A/2ˢ), squared s times (Higham 2005)."""
    b = _PADE13
    norm = np.abs(a).sum(-2).max(-1, initial=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.ceil(np.log2(norm / _PADE13_THETA))
    s = np.where(np.isfinite(s) & (s > 0), s, 0).astype(np.int64)
    x = a / (2.0 ** s)[..., None, None]
    eye = np.eye(a.shape[-1])
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2
             + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u) if a.size else v
    for k in range(int(s.max(initial=0))):
        r = np.where((s > k)[..., None, None], r @ r, r)
    return r


def _as_like(array, like):
    """A constant array as a Tensor when ``like`` is one (a rule running on Tensors)."""
    return Tensor._make(np.ascontiguousarray(array)) if isinstance(like, Tensor) else array


def _exp_upper_right(X, Y):
    """The upper-right block of exp([[X, Y], [0, X]]): the derivative of exp at X along Y."""
    n = X.shape[-1]
    if isinstance(X, Tensor) or isinstance(Y, Tensor):
        X, Y = (t if isinstance(t, Tensor) else Tensor._make(t) for t in (X, Y))
        block = cat([cat([X, Y], -1), cat([X * 0, X], -1)], -2)
    else:
        block = np.concatenate([np.concatenate([X, Y], -1), np.concatenate([X * 0, X], -1)], -2)
    return MatrixExp.map(block)[..., :n, n:]


class MatrixExp(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, A):
        """out = exp(A) = Σₖ Aᵏ/k!"""
        ctx.save_for_backward(A)
        a = _matrices("linalg.matrix_exp", A)
        return _expm_array(a.astype(np.float64)).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        """dA = the upper-right block of exp([[Aᵀ, g], [0, Aᵀ]])"""
        (A,) = ctx.saved_tensors
        return _exp_upper_right(A.mT, g)

    @staticmethod
    def jvp(ctx, dA):
        """dout = the upper-right block of exp([[A, dA], [0, A]])"""
        (A,) = ctx.saved_tensors
        return _exp_upper_right(A, dA)


def _lu_array(a):
    """LAPACK's getrf: P A = L U by partial pivoting (the first largest |entry| of each column),
    L unit lower and U upper packed in one matrix; the 1-based row swaps; info, the first zero
    pivot (1-based, 0 if none); and the permutation with A[perm] = L U."""
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    lu = np.array(a, dtype=a.dtype).reshape((-1, m, n))
    count, k = lu.shape[0], min(m, n)
    rows = np.arange(count)
    pivots = np.zeros((count, k), dtype=np.int32)
    info = np.zeros(count, dtype=np.int32)
    perm = np.tile(np.arange(m), (count, 1))
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        lu[rows, j], lu[rows, p] = lu[rows, p], lu[rows, j].copy()
        perm[rows, j], perm[rows, p] = perm[rows, p], perm[rows, j].copy()
        pivot = lu[:, j, j]
        info = np.where((info == 0) & (pivot == 0), j + 1, info)
        # a zero pivot means a zero column below it: nothing to eliminate (as LAPACK skips it)
        column = lu[:, j + 1:, j] / np.where(pivot == 0, 1, pivot)[:, None]
        lu[:, j + 1:, j] = column
        lu[:, j + 1:, j + 1:] -= column[:, :, None] * lu[:, j, None, j + 1:]
    return (lu.reshape(a.shape), pivots.reshape(batch + (k,)), info.reshape(batch),
            perm.reshape(batch + (m,)))


def _permutation_matrices(perm, dtype):
    """P with P[..., perm[i], i] = 1, so that A = P (A[perm])."""
    m = perm.shape[-1]
    return (perm[..., :, None] == np.arange(m)).swapaxes(-1, -2).astype(dtype)


def _unit_lower_and_upper(LU, k):
    """L (m × k, unit diagonal) and U (k × n) from the packed factors."""
    m, n = LU.shape[-2:]
    dtype = LU.array.dtype if isinstance(LU, Tensor) else LU.dtype
    return np.tril(LU[..., :, :k], -1) + _as_like(np.eye(m, k, dtype=dtype), LU), np.triu(
        LU[..., :k, :])


class LuFactor(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, A):
        """out = the packed L\\U of P A = L U, then a row of the pivots and one with info
        (floats, detached by the public functions)"""
        a = _matrices("linalg.lu_factor", A, square=False)
        lu, pivots, info, perm = _lu_array(a)
        ctx.P = _permutation_matrices(perm, a.dtype)
        extra = np.zeros(a.shape[:-2] + (2, a.shape[-1]), dtype=a.dtype)
        extra[..., 0, :pivots.shape[-1]] = pivots
        extra[..., 1, 0] = info
        return np.concatenate([lu, extra], axis=-2)

    @staticmethod
    def backward(ctx, g):
        """dA = P L⁻ᵀ (tril(Lᵀ g, −1) + triu(g Uᵀ)) U⁻ᵀ (square A of full rank)"""
        LU, g, L, U = _lu_parts(ctx, ctx.output, g)
        X = np.tril(L.mT @ g, -1) + np.triu(g @ U.mT)
        return _as_like(ctx.P, g) @ Solve.map(U, Solve.map(L.mT, X).mT).mT

    @staticmethod
    def jvp(ctx, dA):
        """dLU = L tril(K, −1) + triu(K) U with K = L⁻¹ Pᵀ dA U⁻¹"""
        LU, dA, L, U = _lu_parts(ctx, ctx.output, dA)
        K = Solve.apply(U.mT, Solve.apply(L, _as_like(ctx.P, dA).mT @ dA).mT).mT
        return cat([L @ np.tril(K, -1) + np.triu(K) @ U, ctx.output[..., -2:, :] * 0], -2)


def _lu_parts(ctx, out, g):
    m, n = out.shape[-2] - 2, out.shape[-1]
    if m != n:
        raise RuntimeError(f"linalg.lu_factor: the derivative is implemented only for square "
                           f"matrices, got {m} by {n} matrices")
    LU = out[..., :m, :]
    return (LU, g[..., :m, :], *_unit_lower_and_upper(LU, m))


lu_factor_result = namedtuple("lu_factor", ["LU", "pivots"])
lu_factor_ex_result = namedtuple("lu_factor_ex", ["LU", "pivots", "info"])
lu_result = namedtuple("lu", ["P", "L", "U"])
ex_results = {name: namedtuple(f"{name}_ex", [field, "info"])
              for name, field in (("solve", "result"), ("inv", "inverse"), ("cholesky", "L"))}
svd_legacy_result = namedtuple("svd", ["U", "S", "V"])
triangular_solve_result = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


def matrix_exp(A):
    """exp(A) = Σₖ Aᵏ/k! of square matrices (..., n, n)."""
    return MatrixExp.apply(A)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """(LU, pivots, info): L \\ U packed in one matrix, the 1-based row swaps (int32) and the
    first zero pivot of U (0 when none), as LAPACK's getrf."""
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    packed = LuFactor.apply(A)
    m, k = A.shape[-2], min(A.shape[-2:])
    info = packed[..., m + 1, 0].detach().to(dtypes.int32)
    if check_errors:
        _raise_for_info("linalg.lu_factor_ex", info, "The factorization could not be completed "
                        "because U[{i},{i}] is zero")
    return lu_factor_ex_result(packed[..., :m, :], packed[..., m, :k].detach().to(dtypes.int32),
                               info)


def _raise_for_info(op, info, message, shift=1):
    bad = np.flatnonzero(info.array.reshape(-1))
    if bad.size:
        i = int(info.array.reshape(-1)[bad[0]]) - shift
        batch = f"(Batch element {bad[0]}): " if info.ndim else ""
        raise LinAlgError(f"{op}: {batch}" + message.format(i=i, order=i + shift))


def lu_factor(A, *, pivot=True):
    """(LU, pivots) of lu_factor_ex; an error when U has a zero pivot (A singular)."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    _raise_for_info("linalg.lu_factor", info, "U[{i},{i}] is zero and using it on lu_solve "
                    "would result in a division by zero")
    return lu_factor_result(LU, pivots)


def _pivot_permutations(pivots, m, dtype):
    """P of the row swaps (1-based, applied in order) with A = P L U."""
    swaps = pivots.array.astype(np.int64) - 1
    perm = np.tile(np.arange(m), swaps.shape[:-1] + (1,))
    for j in range(swaps.shape[-1]):
        p = swaps[..., j:j + 1]
        row_j, row_p = perm[..., j:j + 1].copy(), np.take_along_axis(perm, p, -1)
        perm[..., j:j + 1] = row_p
        np.put_along_axis(perm, p, row_j, -1)
    return Tensor._make(_permutation_matrices(perm, dtype))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """(P, L, U) from the packed factors; an empty tensor for what is not unpacked."""
    m, n = LU_data.shape[-2:]
    empty = Tensor._make(np.zeros(0, dtype=LU_data.array.dtype))
    L, U = _unit_lower_and_upper(LU_data, min(m, n)) if unpack_data else (empty, empty)
    P = _pivot_permutations(LU_pivots, m, LU_data.array.dtype) if unpack_pivots else empty
    return lu_result(P, L, U)


def linalg_lu(A, *, pivot=True):
    """(P, L, U) with A = P L U: P a permutation, L unit lower (m × k), U upper (k × n)."""
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return lu_unpack(LU, pivots)


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (Aᵀ X = B for adjoint; X A = B for left=False) from A's LU factors:
    X = U⁻¹ L⁻¹ Pᵀ B, or P L⁻ᵀ U⁻ᵀ B."""
    if not left:
        return linalg_lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    _same_floating("linalg.lu_solve", LU, B)
    _matrices("linalg.lu_solve", LU)
    if B.ndim < 2 or B.shape[-2] != LU.shape[-1]:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({LU.shape[-2]}x{LU.shape[-1]} and "
                           f"{'x'.join(map(str, B.shape[-2:]))})")
    P = _pivot_permutations(pivots, LU.shape[-1], LU.array.dtype)
    if adjoint:
        Y = solve_triangular(LU.mT, B, upper=False)
        return P @ solve_triangular(LU.mT, Y, upper=True, unitriangular=True)
    Y = solve_triangular(LU, P.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(LU, Y, upper=True)


def lu(A, pivot=True, get_infos=False):
    """``torch.lu``: (LU, pivots) or, with get_infos, (LU, pivots, infos)."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return LU, pivots, info
    _raise_for_info("lu", info, "U[{i},{i}] is zero")
    return LU, pivots


def lu_solve(b, LU_data, LU_pivots):
    """``torch.lu_solve(b, LU_data, LU_pivots)``, the old argument order."""
    return linalg_lu_solve(LU_data, LU_pivots, b)


def _where_factorable(fn, A, info, vector=False):
    """fn(A) for the matrices whose info is 0; NaN for the others (fn runs on I there)."""
    if not info.array.any():
        return fn(A)
    failing = Tensor._make((info.array != 0).reshape(info.array.shape + (1, 1)))
    out = fn(where(failing, Tensor._make(np.eye(A.shape[-1], dtype=A.array.dtype)), A))
    nan = Tensor._make(np.array(np.nan, dtype=out.array.dtype))
    return where(failing.squeeze(-1) if vector else failing, nan, out)


def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info): linalg.solve where A is invertible; info is the first zero pivot of A's
    LU (0 when none) and the result NaN there (PyTorch's there is unspecified)."""
    info = Tensor._make(_lu_array(_matrices("linalg.solve_ex", A))[2])
    if check_errors:
        _raise_for_info("linalg.solve_ex", info, "The solver failed because the input matrix "
                        "is singular")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    return ex_results["solve"](_where_factorable(lambda M: solve(M, B, left=left), A, info,
                                                 vector), info)


def inv_ex(A, *, check_errors=False):
    """(inverse, info): linalg.inv where A is invertible; info as solve_ex's, the inverse NaN
    where it is not 0."""
    info = Tensor._make(_lu_array(_matrices("linalg.inv_ex", A))[2])
    if check_errors:
        _raise_for_info("linalg.inv_ex", info, "The diagonal element {order} is zero, the "
                        "inversion could not be completed because the input matrix is singular",
                        shift=0)
    return ex_results["inv"](_where_factorable(inv, A, info), info)


def _positive_definite(matrix):
    try:
        np.linalg.cholesky(matrix)
        return True
    except np.linalg.LinAlgError:
        return False


def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info): linalg.cholesky where A is positive-definite; info the order of the first
    leading minor that is not (0 when none), and L NaN there (PyTorch's holds a partial
    factorization)."""
    a = _matrices("linalg.cholesky_ex", A)
    info = Tensor._make(np.array([0 if _positive_definite(m) else next(
        k for k in range(1, len(m) + 1) if not _positive_definite(m[:k, :k]))
        for m in a.reshape((-1,) + a.shape[-2:])], dtype=np.int32).reshape(a.shape[:-2]))
    if check_errors:
        _raise_for_info("linalg.cholesky_ex", info, "The factorization could not be completed "
                        "because the input is not positive-definite (the leading minor of "
                        "order {order} is not positive-definite)", shift=0)
    return ex_results["cholesky"](_where_factorable(
        lambda M: linalg_cholesky(M, upper=upper), A, info), info)


def tensorinv(A, ind=2):
    """The inverse of A read as a matrix (∏ shape[:ind]) × (∏ shape[ind:]), shaped
    shape[ind:] + shape[:ind]: tensordot(tensorinv(A), A, ind) is the identity."""
    if ind <= 0:
        raise RuntimeError(f"linalg.tensorinv: Expected a strictly positive integer for 'ind', "
                           f"but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    if math.prod(rows) != math.prod(cols):
        raise RuntimeError(f"linalg.tensorinv: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{math.prod(cols)} != {math.prod(rows)}")
    return inv(A.reshape(math.prod(rows), -1)).reshape(cols + rows)


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B: A read as a (B.numel) × (∏ A.shape[B.ndim:]) matrix
    (after moving ``dims`` of A to the end)."""
    if dims is not None:
        A = movedim(A, tuple(dims), tuple(range(A.ndim - len(dims), A.ndim)))
    rest = tuple(A.shape[B.ndim:])
    if math.prod(A.shape[:B.ndim]) != math.prod(rest) or tuple(A.shape[:B.ndim]) != tuple(
            B.shape):
        raise RuntimeError(f"linalg.tensorsolve: Expected self to satisfy the requirement "
                           f"prod(result.shape) == prod(self.shape[other.ndim:]) with "
                           f"self.shape[:other.ndim] == other.shape, got shapes "
                           f"{tuple(A.shape)} and {tuple(B.shape)}")
    return solve(A.reshape(math.prod(rest), -1), B.reshape(-1)).reshape(rest)


def linalg_vander(x, *, N=None):
    """out[..., i, j] = x[..., i]ʲ for j < N (N = x.shape[-1] by default): increasing powers."""
    if x.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got N={N}")
    return _powers(x, N)


def _powers(x, N):
    return stack([x ** 0] + [x ** k for k in range(1, N)], -1)


def vander(x, N=None, increasing=False):
    """torch.vander: the powers of a 1-D x, decreasing (x^(N−1), ..., 1) unless increasing."""
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape "
                           f"{tuple(x.shape)}")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {N}")
    if N == 0:
        return Tensor._make(np.zeros((x.shape[0], 0), dtype=x.array.dtype))
    out = _powers(x, N)
    return out if increasing else out.flip(-1)


def cholesky_solve(B, L, upper=False):
    """X with A X = B for A = L Lᵀ (Uᵀ U with upper=True) from its Cholesky factor."""
    if upper:
        return solve_triangular(L, solve_triangular(L.mT, B, upper=False), upper=True)
    return solve_triangular(L.mT, solve_triangular(L, B, upper=False), upper=True)


def cholesky_inverse(L, upper=False):
    """(L Lᵀ)⁻¹ (or (Uᵀ U)⁻¹) from the Cholesky factor."""
    _matrices("cholesky_inverse", L)
    eye = Tensor._make(np.eye(L.shape[-1], dtype=L.array.dtype))
    return cholesky_solve(eye, L, upper=upper)


def cholesky(A, upper=False):
    """torch.cholesky (deprecated): linalg.cholesky."""
    return linalg_cholesky(A, upper=upper)


def svd(A, some=True, compute_uv=True):
    """torch.svd (deprecated): (U, S, V) with A = U diag(S) Vᵀ; V, not Vh. some=False gives
    the full U and V; compute_uv=False gives zero U and V of the full shapes."""
    if not compute_uv:
        m, n = A.shape[-2:]
        zeros = np.zeros(A.shape[:-2] + (m, m), dtype=A.array.dtype)
        return svd_legacy_result(Tensor._make(zeros), svdvals(A), Tensor._make(
            np.zeros(A.shape[:-2] + (n, n), dtype=A.array.dtype)))
    U, S, Vh = linalg_svd(A, full_matrices=not some)
    return svd_legacy_result(U, S, Vh.mT)


def qr(input, some=True):
    """torch.qr (deprecated): linalg.qr with mode 'reduced' (some) or 'complete'."""
    return linalg_qr(input, "reduced" if some else "complete")


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """torch.triangular_solve (deprecated): (X, A.clone()) with op(A) X = b, op(A) = Aᵀ when
    transpose."""
    T = A.mT if transpose else A
    X = solve_triangular(T, b, upper=upper != transpose, unitriangular=unitriangular)
    return triangular_solve_result(X, A.clone())
