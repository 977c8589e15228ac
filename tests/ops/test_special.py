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


# ----- torch.special's Bessel, normal-distribution, zeta and incomplete-gamma functions ------

BESSEL_POINTS = np.concatenate([RNG.uniform(-30, 30, 300), RNG.uniform(-8.5, 8.5, 200),
                                np.geomspace(1e-10, 700, 100), -np.geomspace(1e-10, 700, 50)])


def _tensor64(a):
    return gr.tensor(np.asarray(a, dtype=np.float64), dtype=gr.float64)


@requires_mpmath
@pytest.mark.parametrize("name, order, scaled", [("i0", 0, False), ("i1", 1, False),
                                                 ("i0e", 0, True), ("i1e", 1, True)])
def test_modified_bessel_to_float64_accuracy(name, order, scaled):
    def exact(v):
        value = mpmath.besseli(order, v)
        return value * mpmath.exp(-abs(v)) if scaled else value
    reference = _reference(exact, BESSEL_POINTS)
    ours = getattr(gr.special, name)(_tensor64(BESSEL_POINTS)).numpy()
    assert _relative_error(ours, reference) < 2e-15


@requires_mpmath
def test_erfcx_to_float64_accuracy_for_large_arguments():
    """Relative to erfcx's own conditioning 1 + 2x² for x < 0 (exp(x²) there)."""
    points = np.concatenate([RNG.uniform(-5, 5, 300), np.geomspace(1e-8, 1e12, 300),
                             -np.geomspace(1e-8, 26, 100)])
    reference = _reference(lambda v: mpmath.exp(v * v) * mpmath.erfc(v), points)
    ours = gr.special.erfcx(_tensor64(points)).numpy()
    condition = 1 + 2 * np.minimum(points, 0) ** 2
    assert np.max(np.abs(ours - reference) / reference / condition) < 1e-15
    huge = gr.special.erfcx(_tensor64([1e300, np.inf])).numpy()  # 1/(x√π): no overflow
    np.testing.assert_allclose(huge[0], 1 / (1e300 * np.sqrt(np.pi)), rtol=1e-15)
    assert huge[1] == 0


@requires_mpmath
def test_log_ndtr_to_float64_accuracy_in_the_far_lower_tail():
    """Relative to the conditioning 1 + x² of log Φ(x) in both tails."""
    points = np.concatenate([RNG.uniform(-10, 10, 300), -np.geomspace(1e-8, 1e150, 300),
                             np.geomspace(1e-8, 40, 100)])
    reference = _reference(lambda v: mpmath.log1p(-mpmath.ncdf(-v)) if v > 0
                           else mpmath.log(mpmath.ncdf(v)), points)
    ours = gr.special.log_ndtr(_tensor64(points)).numpy()
    error = np.abs(ours - reference) / np.maximum(np.abs(reference), 1e-300)
    assert np.max(error / (1 + points ** 2)) < 1e-15
    assert _relative_error(ours[points < -40], reference[points < -40]) < 1e-15


@requires_mpmath
def test_ndtri_to_float64_accuracy_in_both_tails():
    p = np.concatenate([RNG.uniform(0, 1, 500), np.geomspace(1e-300, 0.5, 300),
                        1 - np.geomspace(1e-16, 0.5, 100), 0.5 + np.geomspace(1e-15, 0.2, 50)])
    ours = gr.special.ndtri(_tensor64(p)).numpy()
    reference = []
    with mpmath.workdps(40):
        for v, guess in zip(p, ours):
            tail = mpmath.mpf(float(min(v, 1 - v)))
            root = mpmath.findroot(lambda z: mpmath.log(mpmath.ncdf(z)) - mpmath.log(tail),
                                   -abs(mpmath.mpf(float(guess))))
            reference.append(float(root if v <= 0.5 else -root))
    assert _relative_error(ours, np.array(reference)) < 2e-15


def _hurwitz_zeta(s, q, terms=40):
    """Σₖ₌₀^{N−1} (q + k)⁻ˢ plus the Euler-Maclaurin tail at w = q + N, in mpmath (whose own
    zeta(s, q) loses digits for large s and q)."""
    w = q + terms
    tail = sum(mpmath.bernoulli(2 * j) / mpmath.factorial(2 * j) * mpmath.rf(s, 2 * j - 1)
               * w ** (-s - 2 * j + 1) for j in range(1, 30))
    return (sum((q + k) ** -s for k in range(terms)) + w ** (1 - s) / (s - 1) + w ** -s / 2
            + tail)


@requires_mpmath
def test_zeta_to_float64_accuracy():
    """Relative to 1 + s: ζ(s, q)'s conditioning in q is s q ζ(s + 1, q)/ζ(s, q) ≤ s + 1."""
    s = np.concatenate([RNG.uniform(1.01, 20, 300), np.geomspace(1.0001, 60, 100)])
    q = np.concatenate([RNG.uniform(0.01, 30, 300), np.geomspace(1e-3, 1e4, 100)])
    with mpmath.workdps(60):
        reference = np.array([float(_hurwitz_zeta(mpmath.mpf(float(a)), mpmath.mpf(float(b))))
                              for a, b in zip(s, q)])
    ours = gr.special.zeta(_tensor64(s), _tensor64(q)).numpy()
    assert np.max(np.abs(ours - reference) / reference / (1 + s)) < 5e-16


@requires_torch
def test_zeta_poles_and_domain_match_torch():
    s = np.array([2.0, 0.5, 1.0, 3.0, 3.0, 2.5, 4.0])
    q = np.array([1.0, 1.0, 1.0, -1.5, 0.0, -1.5, -2.0])
    np.testing.assert_allclose(gr.special.zeta(_tensor64(s), _tensor64(q)).numpy(),
                               torch.special.zeta(torch.tensor(s), torch.tensor(q)).numpy(),
                               rtol=1e-13, equal_nan=True)


@requires_mpmath
@pytest.mark.parametrize("upper", [False, True])
def test_incomplete_gamma_to_float64_accuracy(upper):
    """Relative to the conditioning 1 + |a log(x/a)| + |x − a| (P and Q in their far tails);
    and to 3e-14 near x = a for 20 < a < 200, where PyTorch's own float64 is off by 4e-10."""
    a = np.concatenate([RNG.uniform(0.001, 20, 300), np.geomspace(1e-3, 2e3, 200)])
    x = a * RNG.uniform(0.05, 3, 500)
    near = RNG.uniform(20, 200, 100)
    a, x = np.concatenate([a, near]), np.concatenate([x, near * RNG.uniform(0.7, 1.3, 100)])

    def exact(v, w):
        return (mpmath.gammainc(v, w, mpmath.inf, regularized=True) if upper
                else mpmath.gammainc(v, 0, w, regularized=True))
    with mpmath.workdps(40):
        reference = np.array([float(exact(mpmath.mpf(float(v)), mpmath.mpf(float(w))))
                              for v, w in zip(a, x)])
    fn = gr.special.gammaincc if upper else gr.special.gammainc
    ours = fn(_tensor64(a), _tensor64(x)).numpy()
    error = np.abs(ours - reference) / np.maximum(np.abs(reference), 1e-300)
    condition = 1 + np.abs(a * np.log(x / a)) + np.abs(x - a)
    assert np.max(error / condition) < 1e-14
    assert np.max(error[-100:]) < 3e-14


@requires_torch
def test_incomplete_gamma_edges_match_torch():
    a = np.array([0.0, 0.0, 1.0, np.inf, -1.0, 1.0, 2.0, np.inf, np.nan])
    x = np.array([0.0, 1.0, 0.0, 1.0, 1.0, np.inf, -1.0, np.inf, 1.0])
    for ours, theirs in [(gr.igamma, torch.igamma), (gr.igammac, torch.igammac)]:
        np.testing.assert_array_equal(ours(_tensor64(a), _tensor64(x)).numpy(),
                                      theirs(torch.tensor(a), torch.tensor(x)).numpy())


@requires_torch
def test_new_special_edges_match_torch():
    x = np.array([0.0, -0.0, 1e-300, -1.0, np.nan, 700.0, 720.0, -720.0, np.inf, -np.inf])
    finite = np.isfinite(x)
    for name in ("i0", "i0e", "i1", "i1e", "erfcx", "log_ndtr", "entr"):
        ours = getattr(gr.special, name)(_tensor64(x)).numpy()
        theirs = getattr(torch.special, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-13, err_msg=name)
    # at ±inf PyTorch's i0 and i1 give NaN (inf · 0 in exp(x) · chbevl / √x); ours the limits
    np.testing.assert_array_equal(gr.special.i0(_tensor64([np.inf, -np.inf])).numpy(),
                                  [np.inf, np.inf])
    np.testing.assert_array_equal(gr.special.i1(_tensor64([np.inf, -np.inf])).numpy(),
                                  [np.inf, -np.inf])
    p = np.array([0.0, 1.0, 0.5, -0.1, 1.1, np.nan, 1e-300])
    np.testing.assert_array_equal(gr.special.ndtri(_tensor64(p)).numpy()[:6],
                                  torch.special.ndtri(torch.tensor(p)).numpy()[:6])
    y = np.array([-1.0, np.nan, -2.0, 3.0])
    np.testing.assert_array_equal(
        gr.special.xlog1py(_tensor64([0.0, 0.0, 1.0, 0.0]), _tensor64(y)).numpy(),
        torch.special.xlog1py(torch.tensor([0.0, 0.0, 1.0, 0.0]), torch.tensor(y)).numpy())


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_new_special_names_match_torch(dtype):
    x, p = RNG.uniform(0.1, 3.0, 20), RNG.uniform(0.01, 0.99, 20)
    for name, args in [("i0", (x,)), ("i0e", (x - 1.5,)), ("i1", (x - 1.5,)), ("i1e", (x,)),
                       ("ndtri", (p,)), ("log_ndtr", (x - 2,)), ("entr", (x,)),
                       ("erfcx", (x,)), ("xlog1py", (x, p)), ("zeta", (x + 1, p)),
                       ("gammainc", (x, p)), ("gammaincc", (x, p))]:
        ours = getattr(gr.special, name)(*(gr.tensor(a, dtype=getattr(gr, dtype)) for a in args))
        theirs = getattr(torch.special, name)(*(torch.tensor(a, dtype=getattr(torch, dtype))
                                                for a in args))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch", "gradiente"), name
        tolerance = dict(rtol=1e-12) if dtype == "float64" else dict(rtol=2e-6, atol=2e-7)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), err_msg=name, **tolerance)
