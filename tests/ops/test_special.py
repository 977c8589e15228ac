"""Special functions (lgamma, digamma, polygamma, erfinv, sinc) against mpmath to float64
accuracy, their poles and limits against PyTorch, and ``gradiente.special``'s names."""

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch

try:  # PyTorch's dependency sympy brings mpmath; without it the accuracy tests skip
    import mpmath
except ImportError:
    mpmath = None
requires_mpmath = pytest.mark.skipif(mpmath is None, reason="mpmath is not installed")

RNG = np.random.default_rng(8)
# non-integers of both signs, small and large, at least 1e-3 from the poles 0, -1, -2, ...
POINTS = np.concatenate([RNG.uniform(-30, 30, 400), RNG.uniform(0, 3, 200),
                         -RNG.uniform(0, 3, 200), np.geomspace(1e-6, 1e6, 50)])
POINTS = POINTS[(POINTS > 0) | (np.abs(POINTS - np.round(POINTS)) > 1e-3)]


def _reference(fn, points):
    with mpmath.workdps(40):
        return np.array([float(fn(mpmath.mpf(float(v)))) for v in points])


def _relative_error(ours, reference, floor=1e-300):
    return np.max(np.abs(ours - reference) / np.maximum(np.abs(reference), floor))


@requires_mpmath
@pytest.mark.parametrize("n, bound", [(0, 1e-13), (1, 1e-14), (2, 1e-13), (4, 1e-12)])
def test_polygamma_to_float64_accuracy(n, bound):
    """Relative to max(1, |value|): digamma crosses zero at 1.46 and once between each pair
    of negative poles. Near those poles the reflection's cot(πx) amplifies rounding."""
    reference = _reference(lambda v: mpmath.polygamma(n, v), POINTS)
    ours = gr.polygamma(n, gr.tensor(POINTS)).numpy()
    assert _relative_error(ours, reference, floor=1.0) < bound


@requires_mpmath
def test_lgamma_to_float64_accuracy():
    reference = _reference(lambda v: mpmath.log(abs(mpmath.gamma(v))), POINTS)
    ours = gr.lgamma(gr.tensor(POINTS)).numpy()
    # relative to max(1, |value|): lgamma crosses zero at 1 and 2
    assert np.max(np.abs(ours - reference) / np.maximum(np.abs(reference), 1)) < 1e-13


@requires_mpmath
def test_erfinv_to_float64_accuracy_into_the_tails():
    near_one = 1 - np.geomspace(np.finfo(float).epsneg, 1e-2, 200)
    points = np.concatenate([RNG.uniform(-1, 1, 1000), near_one, -near_one,
                             np.geomspace(1e-300, 1e-3, 30)])
    reference = _reference(mpmath.erfinv, points)
    assert _relative_error(gr.erfinv(gr.tensor(points)).numpy(), reference) < 2e-15


@requires_torch
def test_poles_and_limits_match_torch():
    x = np.array([0.0, -1.0, -2.0, np.inf, -np.inf, np.nan, 1e-300, 1e300])
    for name in ("lgamma", "digamma"):
        ours = getattr(gr, name)(gr.tensor(x)).numpy()
        theirs = getattr(torch, name)(torch.tensor(x)).numpy()
        np.testing.assert_array_equal(ours[[0, 3, 5]], theirs[[0, 3, 5]])
        np.testing.assert_allclose(ours[[6, 7]], theirs[[6, 7]], rtol=1e-14)
    np.testing.assert_array_equal(gr.lgamma(gr.tensor(x[:3])).numpy(), [np.inf] * 3)
    assert np.isnan(gr.digamma(gr.tensor([-1.0, -2.0])).numpy()).all()
    # ψ⁽ⁿ⁾(0): the sign of (−1)ⁿ⁺¹ n!/0ⁿ⁺¹
    for n in (1, 2, 3):
        np.testing.assert_array_equal(gr.polygamma(n, gr.tensor([0.0])).numpy(),
                                      torch.polygamma(n, torch.tensor([0.0])).numpy())
    y = np.array([-1.0, 1.0, 0.0, 1.5, -2.0, np.nan])
    np.testing.assert_array_equal(gr.erfinv(gr.tensor(y)).numpy(),
                                  torch.erfinv(torch.tensor(y)).numpy())


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_namespace_matches_torch(dtype):
    x = RNG.uniform(0.1, 3.0, 20)
    p = RNG.uniform(0.01, 0.99, 20)
    for name, args in [("gammaln", (x,)), ("digamma", (x,)), ("psi", (x,)), ("erfinv", (p,)),
                       ("expit", (x,)), ("logit", (p,)), ("ndtr", (x - 1.5,)),
                       ("sinc", (x - 1.5,)), ("xlogy", (x, p)), ("multigammaln", (x + 1, 2)),
                       ("polygamma", (2, x)), ("softmax", (x, 0)), ("logsumexp", (x, 0)),
                       ("log_softmax", (x, 0)), ("exp2", (x,)), ("expm1", (x,)),
                       ("log1p", (x,)), ("erf", (x,)), ("erfc", (x,)), ("round", (x,))]:
        ours = getattr(gr.special, name)(*(gr.tensor(a, dtype=getattr(gr, dtype))
                                           if isinstance(a, np.ndarray) else a for a in args))
        theirs = getattr(torch.special, name)(*(torch.tensor(a, dtype=getattr(torch, dtype))
                                                if isinstance(a, np.ndarray) else a
                                                for a in args))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch", "gradiente"), name
        tolerance = dict(rtol=1e-12, atol=1e-300) if dtype == "float64" else dict(rtol=2e-6,
                                                                                   atol=2e-7)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), err_msg=name, **tolerance)


def test_bad_orders_are_named():
    with pytest.raises(RuntimeError, match="polygamma: n must be a non-negative integer"):
        gr.polygamma(-1, gr.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"mvlgamma: all elements must be greater than "
                                           r"\(p-1\)/2 = 1.0"):
        gr.mvlgamma(gr.tensor([0.8]), 3)
