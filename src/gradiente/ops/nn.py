"""Neural-network primitives: softmax, the losses, normalisation, embedding, linear.

These are the numerically sensitive operations of ``nn.functional``: each has hand-written
forward, backward (VJP) and jvp rules side by side, so that softmax of logits of 1000 and
binary cross-entropy with logits of ±1000 stay finite, and the common training step (linear
layers and a cross-entropy) records one node per layer. ``nn.functional`` adds the PyTorch
signatures (reductions, weights, implicit dims) on top of the functions defined here.
"""

import numpy as np

from ..autograd.function import Function
from ..tensor import _check_dim, bump_version
from .elementwise import _binary_arrays, _floating

__all__ = ["softmax", "log_softmax"]


# ----- softmax and log-softmax ----------------------------------------------------------------

def _log_softmax_array(a, axis, maximum=None):
    # log-sum-exp with the row maximum subtracted: exp never overflows, logits of 1000 are fine
    shifted = a - (_max_keepdims(a, axis) if maximum is None else maximum)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _softmax_array(a, axis):
    e = np.exp(a - _max_keepdims(a, axis))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _max_keepdims(a, axis):
    """``a.max(axis, keepdims=True)``."""
    if a.ndim == 2 and axis == 1 and a.shape[1] <= 32:
        # NumPy reduces a short last axis row by row (10 classes: ~8 ns an element); over the
        # rows of the transposed copy it is vectorised, 4 times faster including the copy
        return np.ascontiguousarray(a.T).max(axis=0)[:, None]
    return a.max(axis=axis, keepdims=True)


def _kept_shape(shape, axes):
    """``shape`` with ``axes`` as size-1 dims: what a reduction with keepdims=True leaves."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _sum_kept(v, axis, kept_shape):
    """Σ v over ``axis`` with the dim kept as size 1, for arrays and Tensors alike."""
    return v.sum(axis).reshape(kept_shape)


def _setup_axis(ctx, op, a, dim):
    """Record the normalised axis (None for a 0-d input) and the kept shape on ``ctx``."""
    ctx.axis = _check_dim(op, dim, a.ndim) if a.ndim else None
    ctx.kept_shape = _kept_shape(a.shape, (ctx.axis,))


class Softmax(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, dim):
        """out = exp(x - max) / Σ exp(x - max) along dim"""
        a = _floating(x.array)
        _setup_axis(ctx, "softmax", a, dim)
        return _softmax_array(a, ctx.axis)

    @staticmethod
    def backward(ctx, g):
        """dx = out * (g - Σ g * out)"""
        return _softmax_jacobian_times(ctx, g), None

    @staticmethod
    def jvp(ctx, dx, _):
        return _softmax_jacobian_times(ctx, dx)


def _softmax_jacobian_times(ctx, v):
    """J v = out * (v - Σ v * out); J is symmetric, so this is the VJP and the JVP alike."""
    out = ctx.output
    return out * (v - _sum_kept(v * out, ctx.axis, ctx.kept_shape))


class LogSoftmax(Function):
    numpy_rules = True
    saves_output = True

    @staticmethod
    def forward(ctx, x, dim):
        """out = x - max - log Σ exp(x - max) along dim"""
        a = _floating(x.array)
        _setup_axis(ctx, "log_softmax", a, dim)
        return _log_softmax_array(a, ctx.axis)

    @staticmethod
    def backward(ctx, g):
        """dx = g - exp(out) * Σ g"""
        return g - np.exp(ctx.output) * _sum_kept(g, ctx.axis, ctx.kept_shape), None

    @staticmethod
    def jvp(ctx, dx, _):
        return dx - _sum_kept(np.exp(ctx.output) * dx, ctx.axis, ctx.kept_shape)


def softmax(input, dim, dtype=None):
    """exp(x) / Σ exp(x) along ``dim``, computed with the maximum subtracted."""
    if dtype is not None:
        input = input.to(dtype)
    return Softmax.apply(input, dim)


def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x)."""
    if dtype is not None:
        input = input.to(dtype)
    return LogSoftmax.apply(input, dim)


# ----- losses over class indices ---------------------------------------------------------------

def _class_index_terms(ctx, op, logp, target, weight, ignore_index, reduction, smoothing):
    """The loss of log-probabilities ``logp`` against class indices, and what its rules need.

    With label smoothing ε over C classes and class weights w:
    loss_i = -(1 - ε) w_t logp_it - (ε / C) Σ_c w_c logp_ic, zero where t == ignore_index.
    The derivatives are d loss_i / d logit_ic = coef_p_i p_ic - coef_ic (cross-entropy) and
    d loss_i / d logp_ic = -coef_ic (nll): ``ctx.coef_p`` is set here, ``coef`` is made by
    ``_target_coef``, and ``ctx.scale`` is 1 / Σ w_t for 'mean'.
    """
    t = target.array
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target of integer dtype (class indices), got "
                           f"{target.dtype}")
    class_dim = 1 if logp.ndim >= 2 else 0
    n_classes = logp.shape[class_dim]
    expected = logp.shape[:class_dim] + logp.shape[class_dim + 1:]
    if t.shape != expected:
        raise RuntimeError(f"{op}: expected target of shape {expected} (the input's shape "
                           f"{logp.shape} without the class dim {class_dim}), got {t.shape}")
    if weight is not None and weight.array.shape != (n_classes,):
        raise RuntimeError(f"{op}: weight should have one entry per class, {n_classes}, got "
                           f"shape {weight.array.shape}")
    keep = None  # every target counts: the common case, settled by two reductions
    if t.size and (t.min() < 0 or t.max() >= n_classes or 0 <= ignore_index < n_classes):
        keep = t != ignore_index
        bad = keep & ((t < 0) | (t >= n_classes))
        if bad.any():
            raise IndexError(f"{op}: target {int(t[bad].flat[0])} is out of bounds for "
                             f"{n_classes} classes (valid: 0 to {n_classes - 1}, or "
                             f"ignore_index={ignore_index})")
        t = np.where(keep, t, 0)
    dtype = logp.dtype
    if weight is None:
        w_t = 1.0 if keep is None else np.asarray(keep, dtype)
    else:
        w = weight.array.astype(dtype, copy=False)
        w_t = w[t] if keep is None else w[t] * keep
    if t.ndim == 1:  # (N, C) logits: the common case
        positions = [np.arange(t.shape[0])]
    else:  # np.indices(sparse=True), 5x faster
        positions = [np.arange(n).reshape([-1 if j == k else 1 for j in range(t.ndim)])
                     for k, n in enumerate(t.shape)]
    ctx.index = (*positions[:class_dim], t, *positions[class_dim:])  # logp[index] = logp_it
    ctx.target_coef = (1.0 - smoothing) * w_t
    loss = -ctx.target_coef * logp[ctx.index]
    coef_p, ctx.smoothing_coef = ctx.target_coef, None
    if smoothing:
        shape = [1] * logp.ndim
        shape[class_dim] = n_classes
        w_c = np.ones(shape, dtype) if weight is None else w.reshape(shape)
        ctx.smoothing_coef = (smoothing / n_classes) * w_c
        if keep is not None:
            ctx.smoothing_coef = ctx.smoothing_coef * np.expand_dims(keep, class_dim)
        loss = loss - (logp * ctx.smoothing_coef).sum(axis=class_dim)
        coef_p = coef_p + (smoothing / n_classes) * w_c.sum() * (1.0 if keep is None else keep)
    ctx.class_dim, ctx.reduction = class_dim, reduction
    ctx.kept_shape = expected[:class_dim] + (1,) + expected[class_dim:]
    coef_p = np.asarray(coef_p, dtype)
    ctx.coef_p = np.expand_dims(coef_p, class_dim) if coef_p.ndim else coef_p
    loss = np.asarray(loss, dtype)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return np.asarray(total)
    weight_total = np.sum(w_t, dtype=dtype) if np.ndim(w_t) else dtype.type(w_t * t.size)
    if weight_total == 0:  # every target ignored: the loss is 0 / 0 = nan and the gradient 0
        ctx.scale = 0.0
        return np.asarray(np.nan, dtype=dtype)
    ctx.scale = 1.0 / weight_total
    return np.asarray(total * ctx.scale, dtype=dtype)


def _target_coef(ctx, shape):
    """coef_ic: (1 - ε) w_t at each target class, plus (ε / C) w_c with label smoothing."""
    coef = np.zeros(shape, ctx.coef_p.dtype)
    coef[ctx.index] = ctx.target_coef
    if ctx.smoothing_coef is not None:
        coef += ctx.smoothing_coef
    return coef


def _reduced_g(ctx, g):
    """The incoming gradient broadcast against the input: per element, or one scaled number."""
    if ctx.reduction == "none":
        return g.reshape(ctx.kept_shape)
    return g * ctx.scale if ctx.reduction == "mean" else g


def _reduce_tangent(ctx, per_class):
    per_element = per_class.sum(ctx.class_dim)
    if ctx.reduction == "none":
        return per_element
    total = per_element.sum()
    return total * ctx.scale if ctx.reduction == "mean" else total


def _no_weight_grad(ctx, op):
    if ctx.needs_input_grad[2]:
        raise NotImplementedError(f"{op}: the derivative for 'weight' is not implemented")


class CrossEntropy(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        """out = -(1 - ε) w_t log softmax(x)_t - (ε / C) Σ_c w_c log softmax(x)_c, reduced"""
        ctx.save_for_backward(x)
        a = _floating(x.array)
        if a.ndim == 0:
            raise RuntimeError("cross_entropy: expected input of shape (C,), (N, C) or "
                               "(N, C, d1, ...), got a 0-d tensor")
        class_dim = 1 if a.ndim >= 2 else 0
        ctx.shift = _max_keepdims(a, class_dim)
        logp = _log_softmax_array(a, class_dim, ctx.shift)
        return _class_index_terms(ctx, "cross_entropy", logp, target, weight, ignore_index,
                                  reduction, label_smoothing)

    @staticmethod
    def backward(ctx, g):
        """dx = (coef_p * softmax(x) - coef) * g  (coef: the weighted, smoothed one-hot target)"""
        _no_weight_grad(ctx, "cross_entropy")
        return _cross_entropy_dlogits(ctx) * _reduced_g(ctx, g), None, None, None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return _reduce_tangent(ctx, _cross_entropy_dlogits(ctx) * dx)


def _cross_entropy_dlogits(ctx):
    """coef_p * softmax(x) - coef = e * (coef_p / Σ e) - coef with e = exp(x - max), the
    loss's derivative per logit before reduction."""
    (x,) = ctx.saved_tensors
    # softmax recomputed from x, so that the rule is differentiable again. exp(x - c) / Σ is
    # softmax for any constant c, so the row maximum saved in forward is a constant here
    e = np.exp(x - ctx.shift)
    dlogits = e * (ctx.coef_p / _sum_kept(e, ctx.class_dim, ctx.kept_shape))
    if dlogits.__class__ is not np.ndarray:  # Tensors, for create_graph: out of place
        return dlogits - _target_coef(ctx, e.shape)
    dlogits[ctx.index] -= ctx.target_coef
    if ctx.smoothing_coef is not None:
        dlogits -= ctx.smoothing_coef
    return dlogits


class NllLoss(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        """out = -w_t x_t, reduced (x holds log-probabilities)"""
        a = x.array
        if a.ndim == 0:
            raise RuntimeError("nll_loss: expected input of shape (C,), (N, C) or "
                               "(N, C, d1, ...), got a 0-d tensor")
        ctx.logp_shape = a.shape
        return _class_index_terms(ctx, "nll_loss", a, target, weight, ignore_index,
                                  reduction, 0.0)

    @staticmethod
    def backward(ctx, g):
        """dx = -coef * g  (coef: the weighted one-hot target)"""
        _no_weight_grad(ctx, "nll_loss")
        return -_target_coef(ctx, ctx.logp_shape) * _reduced_g(ctx, g), None, None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        return _reduce_tangent(ctx, -_target_coef(ctx, ctx.logp_shape) * dx)


def cross_entropy_indices(input, target, weight=None, ignore_index=-100, reduction="mean",
                          label_smoothing=0.0):
    """Cross-entropy of logits against class indices, as one fused node."""
    return CrossEntropy.apply(input, target, weight, ignore_index, reduction, label_smoothing)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities against class indices."""
    return NllLoss.apply(input, target, weight, ignore_index, reduction)


# ----- mean squared error ---------------------------------------------------------------------

class MseLoss(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y, reduction):
        """out = (x - y)², reduced"""
        ctx.save_for_backward(x, y)
        a, b = _binary_arrays("mse_loss", x, y)
        diff = a - b
        squares = diff * diff
        ctx.reduction = reduction
        ctx.scale = 1.0 / squares.size if reduction == "mean" else 1.0
        if reduction == "none":
            return squares
        return np.asarray(squares.sum() * squares.dtype.type(ctx.scale))

    @staticmethod
    def backward(ctx, g):
        """dx = 2 (x - y) g (divided by n for 'mean'); dy = -dx"""
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = (x - y) * (g * (2 * ctx.scale))
        return (gx if needs[0] else None), (-gx if needs[1] else None), None

    @staticmethod
    def jvp(ctx, dx, dy, _):
        x, y = ctx.saved_tensors
        tangent = 2 * (x - y) * (dx - dy)
        if ctx.reduction == "none":
            return tangent
        return tangent.sum() * ctx.scale


def mse_loss(input, target, reduction="mean"):
    """(x - y)² reduced by 'mean', 'sum' or 'none', one node."""
    return MseLoss.apply(input, target, reduction)


# ----- binary cross-entropy -------------------------------------------------------------------

def _check_unit_interval(op, what, a):
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError(f"{op}: all elements of {what} should be between 0 and 1, got values "
                         f"from {a.min()} to {a.max()}")


def _softplus(z):
    """log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), finite for any z."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class BinaryCrossEntropyWithLogits(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y, pos_weight):
        """out = (1 - y) x + (1 + (pw - 1) y) log(1 + exp(-x)), element-wise"""
        ctx.save_for_backward(x, y, pos_weight)
        a, t = _binary_arrays("binary_cross_entropy_with_logits", x, y)
        if a.shape != t.shape:
            raise ValueError(f"binary_cross_entropy_with_logits: target size {t.shape} must be "
                             f"the same as input size {a.shape}")
        _check_unit_interval("binary_cross_entropy_with_logits", "target", t)
        # max(x, 0) - x y + log1p(exp(-|x|)): the exponent is never positive, so ±1000 is fine
        softplus_neg = np.log1p(np.exp(-np.abs(a)))
        if pos_weight is None:
            return np.maximum(a, 0) - a * t + softplus_neg
        softplus_neg += np.maximum(-a, 0)
        log_weight = (pos_weight.array - 1) * t + 1
        return ((1 - t) * a + log_weight * softplus_neg).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """dx = g ((1 - y) - lw sigmoid(-x)); dy = g (-x + (pw - 1) sp(-x)); dpw = g y sp(-x)"""
        x, y, pos_weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dx, dy, dpw = _bce_logits_partials(x, y, pos_weight, needs)
        return (None if dx is None else g * dx, None if dy is None else g * dy,
                None if dpw is None else g * dpw)

    @staticmethod
    def jvp(ctx, dx, dy, dpw):
        x, y, pos_weight = ctx.saved_tensors
        needs = (True, dy is not None, dpw is not None)
        px, py, ppw = _bce_logits_partials(x, y, pos_weight, needs)
        out = dx * px
        if py is not None:
            out = out + dy * py
        if ppw is not None:
            out = out + dpw * ppw
        return out


def _bce_logits_partials(x, y, pos_weight, needs):
    """∂loss/∂x, ∂loss/∂y, ∂loss/∂pos_weight (None where not needed)."""
    dx = dy = dpw = None
    log_weight = 1.0 if pos_weight is None else (pos_weight - 1) * y + 1
    if needs[0]:  # sigmoid(-x) = exp(-softplus(x)): the exponent is never positive
        dx = (1 - y) - log_weight * np.exp(-_softplus(x))
    if needs[1]:
        dy = -x if pos_weight is None else -x + (pos_weight - 1) * _softplus(-x)
    if pos_weight is not None and needs[2]:
        dpw = y * _softplus(-x)
    return dx, dy, dpw


class BinaryCrossEntropy(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, y):
        """out = -(y log x + (1 - y) log(1 - x)), each log clamped at -100 as PyTorch"""
        ctx.save_for_backward(x, y)
        a, t = _binary_arrays("binary_cross_entropy", x, y)
        if a.shape != t.shape:
            raise ValueError(f"binary_cross_entropy: target size {t.shape} must be the same as "
                             f"input size {a.shape}")
        _check_unit_interval("binary_cross_entropy", "input", a)
        _check_unit_interval("binary_cross_entropy", "target", t)
        log_x = np.maximum(np.log(a), -100)
        log_1mx = np.maximum(np.log1p(-a), -100)
        return ((t - 1) * log_1mx - t * log_x).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """dx = g (x - y) / max(x (1 - x), 1e-12); dy = g (log(1 - x) - log x)"""
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return ((g * _bce_dx(x, y)) if needs[0] else None,
                (g * _bce_dy(x)) if needs[1] else None)

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        out = dx * _bce_dx(x, y)
        return out if dy is None else out + dy * _bce_dy(x)


def _bce_dx(x, y):
    # PyTorch's epsilon: at x = 0 or 1 the gradient is large but finite
    return (x - y) / np.maximum((1 - x) * x, 1e-12)


def _bce_dy(x):
    return np.maximum(np.log1p(-x), -100.0) - np.maximum(np.log(x), -100.0)


def binary_cross_entropy_with_logits(input, target, pos_weight=None):
    """Element-wise BCE of logits, before weighting and reduction."""
    return BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)


def binary_cross_entropy(input, target):
    """Element-wise BCE of probabilities, before weighting and reduction."""
    return BinaryCrossEntropy.apply(input, target)


# ----- normalisation --------------------------------------------------------------------------

def _normalize_array(a, axes, eps):
    mean = a.mean(axis=axes, keepdims=True)
    centered = a - mean
    var = np.mean(centered * centered, axis=axes, keepdims=True)
    return centered / np.sqrt(var + eps), mean, var


def _normalized(ctx, x):
    """(x - mean) / sqrt(var + eps) and 1 / sqrt(var + eps), statistics over ``ctx.axes``."""
    centered = x - _mean_kept(ctx, x)
    rstd = 1 / np.sqrt(_mean_kept(ctx, centered * centered) + ctx.eps)
    return centered * rstd, rstd


def _mean_kept(ctx, v):
    """v averaged over ``ctx.axes``, those dims kept as size 1, for arrays and Tensors alike."""
    return v.mean(ctx.axes).reshape(ctx.stat_shape)


def _affine(xhat, weight, bias):
    out = xhat if weight is None else xhat * weight.array
    return out if bias is None else out + bias.array


class _NormalizationRules:
    """The rules of y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over
    ``ctx.axes``; a mixin, not a Function, so that only LayerNorm and BatchNorm are ops."""

    numpy_rules = True

    @staticmethod
    def backward(ctx, g):
        """dx = rstd (ĝ - mean ĝ - x̂ mean(ĝ x̂)) with ĝ = g w; dw = g x̂; db = g"""
        x, weight, bias = ctx.saved_tensors
        needs = ctx.needs_input_grad
        xhat, rstd = _normalized(ctx, x)
        gx = gw = gb = None
        if needs[0]:
            gxhat = g if weight is None else g * weight
            gx = rstd * (gxhat - _mean_kept(ctx, gxhat) - xhat * _mean_kept(ctx, gxhat * xhat))
        if weight is not None and needs[ctx.weight_index]:
            gw = g * xhat
        if bias is not None and needs[ctx.weight_index + 1]:
            gb = g
        grads = [None] * len(needs)
        grads[0], grads[ctx.weight_index], grads[ctx.weight_index + 1] = gx, gw, gb
        return tuple(grads)

    @staticmethod
    def jvp(ctx, dx, *tangents):
        x, weight, _ = ctx.saved_tensors
        i = ctx.weight_index - 1
        dw, db = tangents[i], tangents[i + 1]
        xhat, rstd = _normalized(ctx, x)
        dxhat = rstd * (dx - _mean_kept(ctx, dx) - xhat * _mean_kept(ctx, dx * xhat))
        out = dxhat if weight is None else dxhat * weight
        if dw is not None:
            out = out + xhat * dw
        return out if db is None else out + db


class LayerNorm(_NormalizationRules, Function):
    @staticmethod
    def forward(ctx, x, normalized_shape, weight, bias, eps):
        """out = (x - mean) / sqrt(var + eps) * weight + bias over the last dims"""
        a = _floating(x.array)
        k = len(normalized_shape)
        if a.shape[a.ndim - k:] != tuple(normalized_shape) or k > a.ndim:
            raise RuntimeError(f"layer_norm: expected input with shape (*, "
                               f"{', '.join(map(str, normalized_shape))}) to normalize over "
                               f"its last {k} dims, got {a.shape}")
        ctx.save_for_backward(x, weight, bias)
        ctx.axes, ctx.eps, ctx.weight_index = tuple(range(a.ndim - k, a.ndim)), eps, 2
        ctx.stat_shape = _kept_shape(a.shape, ctx.axes)
        return _affine(_normalize_array(a, ctx.axes, eps)[0], weight, bias)


class BatchNorm(_NormalizationRules, Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps):
        """out = (x - batch mean) / sqrt(batch var + eps) * weight + bias, per channel (dim 1);
        running_stat = (1 - momentum) running_stat + momentum batch_stat (unbiased variance)"""
        a = _floating(x.array)
        axes = (0,) + tuple(range(2, a.ndim))
        count = a.size // a.shape[1]
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input size {a.shape}")
        ctx.save_for_backward(x, weight, bias)
        ctx.axes, ctx.eps, ctx.weight_index = axes, eps, 1
        ctx.stat_shape = _kept_shape(a.shape, axes)
        xhat, mean, var = _normalize_array(a, axes, eps)
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, var * (count / (count - 1)), momentum)
        return _affine(xhat, weight, bias)


def _update_running(buffer, batch_stat, momentum):
    buffer.array *= 1 - momentum
    buffer.array += momentum * batch_stat.reshape(buffer.array.shape)
    bump_version(buffer)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims, then scale and shift."""
    return LayerNorm.apply(input, tuple(normalized_shape), weight, bias, eps)


def batch_norm_training(input, weight, bias, running_mean, running_var, momentum, eps):
    """Normalise each channel (dim 1) with the batch statistics, updating the running ones."""
    shape = (1, -1) + (1,) * (input.ndim - 2)
    weight = None if weight is None else weight.reshape(shape)
    bias = None if bias is None else bias.reshape(shape)
    if input.array.size == 0:  # an empty batch: nothing to normalise, running stats untouched
        return _affine_empty(input, weight, bias)
    return BatchNorm.apply(input, weight, bias, running_mean, running_var, momentum, eps)


def _affine_empty(input, weight, bias):
    out = input if weight is None else input * weight
    return out.clone() if bias is None else out + bias


# ----- embedding and linear -------------------------------------------------------------------

def _padding_mask(indices, padding_idx, dtype):
    """1 where an index is not the padding index (whose row gets no gradient), else 0."""
    return np.expand_dims(indices.array != padding_idx, -1).astype(dtype)


def check_embedding_indices(indices, num_weights):
    """Integer indices within [0, num_weights), or an error naming the offending one."""
    idx = indices.array
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected indices of integer dtype, got {indices.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_weights):
        bad = idx.max() if idx.max() >= num_weights else idx.min()
        raise IndexError(f"embedding: index {bad} is out of range for an embedding of "
                         f"{num_weights} rows")


class Embedding(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq=False):
        """out = weight[indices]"""
        w = weight.array
        check_embedding_indices(indices, w.shape[0])
        ctx.indices, ctx.padding_idx, ctx.num_weights = indices, padding_idx, w.shape[0]
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return w[indices.array]

    @staticmethod
    def backward(ctx, g):
        """dweight[i] = Σ g over the positions holding index i (none for padding_idx), divided
        by their count with scale_grad_by_freq"""
        return EmbeddingBackward.map(g, ctx.indices, ctx.num_weights, ctx.padding_idx,
                                     ctx.scale_grad_by_freq), None, None, None

    @staticmethod
    def jvp(ctx, dw, *_):
        # the true derivative, as PyTorch's forward mode: padding_idx and scale_grad_by_freq
        # only affect the gradient
        return Embedding.apply(dw, ctx.indices, None)


class EmbeddingBackward(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, g, indices, num_weights, padding_idx, scale_grad_by_freq=False):
        """out[i] = Σ g over the positions holding index i (/ their count with
        scale_grad_by_freq), 0 for padding_idx"""
        ctx.indices, ctx.padding_idx, ctx.counts = indices, padding_idx, None
        ctx.num_weights, ctx.scale_grad_by_freq = num_weights, scale_grad_by_freq
        idx = indices.array
        rows = g.array.reshape(idx.size, -1)
        out = np.zeros((num_weights, rows.shape[1]), dtype=rows.dtype)
        np.add.at(out, idx.reshape(-1), rows)
        if scale_grad_by_freq:
            counts = np.maximum(np.bincount(idx.reshape(-1), minlength=num_weights), 1)
            out /= counts.astype(out.dtype)[:, None]
            ctx.counts = counts.astype(out.dtype).reshape((-1,) + (1,) * (g.ndim - idx.ndim))
        if padding_idx is not None:
            out[padding_idx] = 0
        return out.reshape((num_weights,) + g.array.shape[idx.ndim:])

    @staticmethod
    def backward(ctx, gg):
        """dg = gg[indices] (/ the index's count with scale_grad_by_freq; 0 at padding
        positions)"""
        # PyTorch's double backward leaves out the 1 / count (its gradgradcheck fails); this
        # is the adjoint of the forward above
        if ctx.counts is not None:
            gg = gg / ctx.counts
        out = gg[ctx.indices.array]
        if ctx.padding_idx is not None:
            out = np.where(_padding_mask(ctx.indices, ctx.padding_idx, np.bool_), out, 0.0)
        return out, None, None, None, None

    @staticmethod
    def jvp(ctx, dg, *_):
        return EmbeddingBackward.apply(dg, ctx.indices, ctx.num_weights, ctx.padding_idx,
                                       ctx.scale_grad_by_freq)


def embedding(input, weight, padding_idx=None, scale_grad_by_freq=False):
    """Rows of ``weight`` picked by the integer tensor ``input``."""
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


class Linear(Function):
    numpy_rules = True

    @staticmethod
    def forward(ctx, x, weight, bias):
        """out = x @ weightᵀ + bias"""
        a, w = x.array, weight.array
        if w.ndim != 2 or a.ndim == 0 or a.shape[-1] != w.shape[1]:
            raise RuntimeError(f"linear: input of shape {a.shape} and weight of shape "
                               f"{w.shape} cannot be multiplied (the input's last dim must be "
                               f"weight.shape[1])")
        if a.dtype != w.dtype:
            raise RuntimeError(f"linear: expected input and weight of the same dtype, got "
                               f"{x.dtype} and {weight.dtype}")
        ctx.save_for_backward(x, weight, bias)
        out = a @ w.T
        if bias is not None:
            out += bias.array
        return out

    @staticmethod
    def backward(ctx, g):
        """dx = g @ weight; dweight = gᵀ @ x; dbias = Σ g over the batch"""
        x, weight, bias = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = gw = gb = None
        if needs[0]:
            gx = g @ weight
        if g.ndim != 2:  # batch dims flattened: dweight = Σ over every leading dim
            g = g.reshape(-1, g.shape[-1])
            x = x.reshape(-1, x.shape[-1])
        if needs[1]:
            gw = g.mT @ x
        if bias is not None and needs[2]:
            gb = g.sum(0)
        return gx, gw, gb

    @staticmethod
    def jvp(ctx, dx, dw, db):
        x, weight, _ = ctx.saved_tensors
        out = dx @ weight.mT + x @ dw.mT
        return out if db is None else out + db


def linear(input, weight, bias=None):
    """input @ weightᵀ + bias, one node for the whole layer."""
    return Linear.apply(input, weight, bias)
