"""Numerical checks of derivatives: the engine's against central finite differences.

``gradcheck`` compares the Jacobian that reverse mode gives, row by row, with the one of central
differences, column by column: J[:, j] ≈ (f(x + eps e_j) - f(x - eps e_j)) / (2 eps).
``gradgradcheck`` does the same for the gradient itself (built with ``create_graph=True``), and
``jvpcheck`` compares forward mode's output tangent with the directional difference
(f(x + eps v) - f(x - eps v)) / (2 eps). ``fast_mode=True`` compares only the projections
uᵀ J v along random directions (one backward and two evaluations per input); on a mismatch
the full Jacobians are built, so the report still names the worst element.

Run the checks in float64: in float32 the finite differences are too noisy to be conclusive.
"""

import warnings

import numpy as np

from ..tensor import Tensor
from .grad_mode import enable_grad
from . import forward_ad
from .engine import grad as _grad

__all__ = ["gradcheck", "gradgradcheck", "jvpcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Analytic and numerical derivatives disagree."""


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, seed=0):
    """Check ``func``'s gradients at ``inputs`` against central finite differences.

    Every Tensor in ``inputs`` that requires grad is differentiated; an entry passes when
    ``|analytic - numerical| <= atol + rtol * |numerical|``. Returns True, or raises a
    ``GradcheckError`` naming the worst element (returns False when ``raise_exception`` is
    False).

    >>> import gradiente as gr
    >>> x = gr.tensor([0.5, 1.5], dtype=gr.float64, requires_grad=True)
    >>> gr.autograd.gradcheck(gr.sin, (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff = _differentiable_inputs(inputs, "gradcheck")
    checks = []
    if check_backward_ad:
        checks.append(("backward", _reverse_jacobian))
    if check_forward_ad:
        checks.append(("forward", _forward_jacobian))
    rng = np.random.default_rng(seed)
    for mode, analytic_jacobian in checks:
        if fast_mode:
            message = _fast_check(func, inputs, diff, mode, eps, atol, rtol, rng)
            if message is not None:  # build the full Jacobians to name the worst element
                message = _full_check(func, inputs, diff, analytic_jacobian, mode, eps, atol,
                                      rtol) or message
        else:
            message = _full_check(func, inputs, diff, analytic_jacobian, mode, eps, atol, rtol)
        if message is not None:
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, fast_mode=False, seed=0):
    """Check the second derivatives of ``func``: gradcheck of x, v -> vᵀ ∂func/∂x.

    ``grad_outputs`` (one per floating output; random when None) are differentiated too, so
    the mixed derivative with respect to the cotangent is checked as well.
    """
    inputs = _as_tuple(inputs)
    diff = _differentiable_inputs(inputs, "gradgradcheck")
    outputs = _float_outputs(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(
            _leaf(rng.standard_normal(o.array.shape), o.array.dtype) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"gradgradcheck: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outputs)} floating-point outputs")
    n_inputs = len(inputs)

    def first_derivatives(*args):
        primals, cotangents = args[:n_inputs], args[n_inputs:]
        pairs = [(o, v) for o, v in zip(_float_outputs(func(*primals)), cotangents)
                 if o.requires_grad]
        if not pairs:
            return ()
        grads = _grad([o for o, _ in pairs], [primals[i] for i in diff],
                      [v for _, v in pairs], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)


def jvpcheck(func, inputs, tangents=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
             raise_exception=True, seed=0):
    """Check forward mode: the output tangent for input tangents ``tangents`` (one per input,
    None for inputs that are not differentiated; random when None) against the directional
    central difference (f(x + eps v) - f(x - eps v)) / (2 eps)."""
    inputs = _as_tuple(inputs)
    diff = _differentiable_inputs(inputs, "jvpcheck")
    if tangents is None:
        rng = np.random.default_rng(seed)
        tangents = tuple(rng.standard_normal(inputs[i].array.shape) if i in diff else None
                         for i in range(len(inputs)))
    directions = [None if v is None else np.asarray(v.array if isinstance(v, Tensor) else v,
                                                    dtype=np.float64) for v in tangents]
    analytic = jvp_of(func, inputs, directions)
    numerical = _directional_difference(func, inputs, directions, eps)
    for k, (a, n) in enumerate(zip(analytic, numerical)):
        message = _compare(a, n, atol, rtol, lambda index, k=k: (
            f"jvpcheck: forward-mode tangent mismatch for output {k} at element {index}"))
        if message is not None:
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def jvp_of(func, inputs, tangents):
    """The output tangents (float64 arrays, one per floating output) of forward mode."""
    with forward_ad.dual_level():
        duals = [x if v is None else forward_ad.make_dual(x, _constant(v, x.array.dtype))
                 for x, v in zip(inputs, tangents)]
        outputs = _float_outputs(func(*duals))
        result = []
        for out in outputs:
            tangent = forward_ad.unpack_dual(out).tangent
            array = np.zeros(out.array.shape) if tangent is None else tangent.array
            if tuple(np.shape(array)) != tuple(out.array.shape):
                raise GradcheckError(f"jvpcheck: the tangent has shape {np.shape(array)} but "
                                     f"the output has shape {tuple(out.array.shape)}")
            result.append(np.array(array, dtype=np.float64))
    return result


# ----- the checks -----------------------------------------------------------------------------

def _full_check(func, inputs, diff, analytic_jacobian, mode, eps, atol, rtol):
    """Compare whole Jacobians; a message naming the worst element, or None when they agree."""
    shapes = [o.array.shape for o in _float_outputs(_evaluate(func, inputs))]
    numerical = _numerical_jacobian(func, inputs, diff, shapes, eps)
    analytic = analytic_jacobian(func, inputs, diff, shapes)
    for (k, i), n in numerical.items():
        def where(index, k=k, i=i):
            out_index = np.unravel_index(index[0], shapes[k]) if index else "?"
            in_index = np.unravel_index(index[1], inputs[i].array.shape) if index else "?"
            return (f"gradcheck ({mode} mode): Jacobian mismatch for output {k} with respect "
                    f"to input {i} (shape {tuple(inputs[i].array.shape)}), at input element "
                    f"{tuple(int(n) for n in in_index)}, output element "
                    f"{tuple(int(n) for n in out_index)}")
        message = _compare(analytic[k, i], n, atol, rtol, where)
        if message is not None:
            return message
    return None


def _fast_check(func, inputs, diff, mode, eps, atol, rtol, rng):
    """Compare vᵀ J u for random u, v per input; a message on a mismatch, else None."""
    outputs = [o.array for o in _float_outputs(_evaluate(func, inputs))]
    cotangents = [rng.standard_normal(o.shape) for o in outputs]
    for i in diff:
        u = rng.standard_normal(inputs[i].array.shape)
        directions = _only(i, u, len(inputs))
        numerical_columns = _directional_difference(func, inputs, directions, eps)
        numerical = sum(float(np.sum(v * d)) for v, d in zip(cotangents, numerical_columns))
        scale = sum(float(np.sum(np.abs(v) * np.abs(d)))
                    for v, d in zip(cotangents, numerical_columns))
        if mode == "backward":
            g = _vjp(func, inputs, [i], cotangents)[0]
            analytic = float(np.sum(g * u))
        else:
            tangents = jvp_of(func, inputs, directions)
            analytic = sum(float(np.sum(v * t)) for v, t in zip(cotangents, tangents))
        # the elementwise tolerance atol + rtol |N| summed over |v| |u|, as PyTorch's fast mode
        tolerance = atol * np.abs(u).sum() * sum(np.abs(v).sum() for v in cotangents)
        tolerance += rtol * scale
        if not abs(analytic - numerical) <= tolerance:
            return (f"gradcheck ({mode} mode, fast): vᵀJu mismatch for input {i} (shape "
                    f"{tuple(u.shape)}) along random directions: analytic {analytic:.10g} vs "
                    f"numerical {numerical:.10g} (tolerance {tolerance:.3g})")
    return None


def _compare(analytic, numerical, atol, rtol, where):
    """None when all entries agree, else a report of the worst one (``where(index)`` names it)."""
    if analytic.shape != numerical.shape:
        return f"{where(())}: analytic shape {analytic.shape} != numerical {numerical.shape}"
    if analytic.size == 0:
        return None
    tolerance = atol + rtol * np.abs(numerical)
    error = np.abs(analytic - numerical)
    bad = ~(error <= tolerance)  # NaN counts as a mismatch
    if not bad.any():
        return None
    excess = np.where(np.isnan(error), np.inf, error - tolerance)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), analytic.shape))
    return (f"{where(worst)}: analytic {analytic[worst]:.10g} vs numerical "
            f"{numerical[worst]:.10g} (|difference| {error[worst]:.3g} > atol + rtol * "
            f"|numerical| = {tolerance[worst]:.3g}); {int(bad.sum())} of {bad.size} entries "
            f"differ")


# ----- Jacobians ------------------------------------------------------------------------------

def _numerical_jacobian(func, inputs, diff, shapes, eps):
    """{(output k, input i): (out_k.size, in_i.size) array} by central differences."""
    def column(i, index):
        unit = np.zeros(inputs[i].array.shape)
        unit[index] = 1.0
        return _directional_difference(func, inputs, _only(i, unit, len(inputs)), eps)
    return _jacobian_by_columns(column, inputs, diff, shapes)


def _forward_jacobian(func, inputs, diff, shapes):
    """{(k, i): Jacobian} column by column: one forward-mode pass per input element."""
    def column(i, index):
        unit = np.zeros(inputs[i].array.shape)
        unit[index] = 1.0
        return jvp_of(func, inputs, _only(i, unit, len(inputs)))
    return _jacobian_by_columns(column, inputs, diff, shapes)


def _jacobian_by_columns(column, inputs, diff, shapes):
    result = {}
    for i in diff:
        size = inputs[i].array.size
        jacobians = [np.zeros((int(np.prod(shape)), size)) for shape in shapes]
        for j, index in enumerate(np.ndindex(inputs[i].array.shape)):
            for jacobian, values in zip(jacobians, column(i, index)):
                jacobian[:, j] = values.reshape(-1)
        for k, jacobian in enumerate(jacobians):
            result[k, i] = jacobian
    return result


def _reverse_jacobian(func, inputs, diff, shapes):
    """{(k, i): Jacobian} row by row: one backward per output element."""
    with enable_grad():
        outputs = _float_outputs(func(*inputs))
    result = {}
    for k, out in enumerate(outputs):
        rows = {i: np.zeros((out.array.size, inputs[i].array.size)) for i in diff}
        if out.requires_grad:
            for r in range(out.array.size):
                onehot = np.zeros(out.array.size)
                onehot[r] = 1.0
                grads = _grad(out, [inputs[i] for i in diff],
                              _constant(onehot.reshape(out.array.shape), out.array.dtype),
                              retain_graph=True, allow_unused=True)
                for i, g in zip(diff, grads):
                    if g is not None:
                        rows[i][r] = _checked_gradient(g, inputs[i], i).reshape(-1)
        for i in diff:
            result[k, i] = rows[i]
    return result


def _vjp(func, inputs, which, cotangents):
    """uᵀ J for the inputs ``which``, as float64 arrays (zeros where an input is unused)."""
    with enable_grad():
        outputs = _float_outputs(func(*inputs))
    pairs = [(o, v) for o, v in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        return [np.zeros(inputs[i].array.shape) for i in which]
    grads = _grad([o for o, _ in pairs], [inputs[i] for i in which],
                  [_constant(v, o.array.dtype) for o, v in pairs], allow_unused=True)
    return [np.zeros(inputs[i].array.shape) if g is None
            else _checked_gradient(g, inputs[i], i) for i, g in zip(which, grads)]


def _directional_difference(func, inputs, directions, eps):
    """(f(x + eps v) - f(x - eps v)) / (2 eps) per floating output, perturbing in place."""
    saved = {j: inputs[j].array.copy() for j, v in enumerate(directions) if v is not None}
    try:
        for j in saved:
            inputs[j].array[...] = saved[j] + eps * directions[j]
        plus = [np.array(o.array, dtype=np.float64)
                for o in _float_outputs(_evaluate(func, inputs))]
        for j in saved:
            inputs[j].array[...] = saved[j] - eps * directions[j]
        minus = [np.array(o.array, dtype=np.float64)
                 for o in _float_outputs(_evaluate(func, inputs))]
    finally:
        for j, array in saved.items():
            inputs[j].array[...] = array
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


# ----- helpers --------------------------------------------------------------------------------

def _evaluate(func, inputs):
    # grad mode stays as the caller set it: second-order checks differentiate inside func
    return func(*inputs)


def _only(i, direction, n):
    """Directions for n inputs: ``direction`` for input i, None (unperturbed) for the others."""
    return [direction if j == i else None for j in range(n)]


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _float_outputs(outputs):
    outputs = _as_tuple(outputs)
    for k, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: the function must return Tensors, got "
                            f"{type(o).__name__} as output {k}")
    return [o for o in outputs if o.array.dtype.kind == "f"]


def _differentiable_inputs(inputs, op):
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError(f"{op}: at least one input tensor must require grad")
    for i in diff:
        if inputs[i].array.dtype != np.float64:
            warnings.warn(f"{op}: input {i} requires grad and is {inputs[i].dtype}, not float64;"
                          f" the check will likely fail from rounding alone", stacklevel=3)
    return diff


def _checked_gradient(g, x, i):
    if tuple(g.shape) != tuple(x.shape):
        raise GradcheckError(f"gradcheck: the gradient of input {i} has shape "
                             f"{tuple(g.shape)} but the input has shape {tuple(x.shape)}")
    if g.array.dtype != x.array.dtype:
        raise GradcheckError(f"gradcheck: the gradient of input {i} is {g.dtype} but the input "
                             f"is {x.dtype}")
    return np.asarray(g.array, dtype=np.float64)


def _constant(array, dtype):
    return Tensor._make(np.asarray(array, dtype=dtype))


def _leaf(array, dtype):
    t = Tensor._make(np.asarray(array, dtype=dtype))
    t.requires_grad = True
    return t
