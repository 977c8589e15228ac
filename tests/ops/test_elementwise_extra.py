"""Element-wise behaviour the op specs cannot reach: accuracy, kinks, ties, NaN, dtypes."""

import math

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch


def test_erf_and_erfc_match_math_on_many_points():
    rng = np.random.default_rng(0)
    points = np.concatenate([np.linspace(-7, 7, 20001), rng.normal(scale=3, size=5000),
                             np.geomspace(1e-300, 1e-3, 300), -np.geomspace(1e-300, 1e-3, 300),
                             [0.0, -0.0, 0.99999, 1.0, 1.00001, 7.99999, 8.0, 8.00001, 26.0]])
    erf = gr.erf(gr.tensor(points, dtype=gr.float64)).numpy()
    erfc = gr.erfc(gr.tensor(points, dtype=gr.float64)).numpy()
    expected_erf = np.array([math.erf(v) for v in points])
    expected_erfc = np.array([math.erfc(v) for v in points])
    np.testing.assert_allclose(erf, expected_erf, rtol=4e-16, atol=0)
    # erfc keeps its relative accuracy far into the tail, where 1 - erf would be all rounding
    np.testing.assert_allclose(erfc, expected_erfc, rtol=1e-14, atol=0)


def test_erf_limits_and_float32():
    x = gr.tensor([np.inf, -np.inf, np.nan, 30.0, -30.0], dtype=gr.float64)
    np.testing.assert_array_equal(gr.erf(x).numpy(), [1.0, -1.0, np.nan, 1.0, -1.0])
    np.testing.assert_array_equal(gr.erfc(x).numpy(), [0.0, 2.0, np.nan, 0.0, 2.0])
    single = gr.erf(gr.tensor([0.5, -1.5]))
    assert single.dtype == gr.float32
    np.testing.assert_allclose(single.numpy(), [math.erf(0.5), math.erf(-1.5)], rtol=1e-7)



def test_float32_erf_within_one_ulp_of_the_correctly_rounded_value():
    # float32 erf runs in float32 arithmetic; the float64 kernel (within 5e-16 of math.erf)
    # rounded to float32 is the correctly rounded reference
    rng = np.random.default_rng(0)
    tiny = np.float32(2.0) ** -np.arange(100, 150, dtype=np.float32)  # subnormals
    points = np.concatenate([
        np.linspace(-4, 4, 1_500_000, dtype=np.float32),
        rng.uniform(-4.5, 4.5, 400_000).astype(np.float32),
        (10.0 ** rng.uniform(-30, -3, 50_000)).astype(np.float32),
        np.nextafter(np.float32([0.75, 1.25, 3.95]), np.float32(0)), np.float32([0.75, 1.25, 3.95]),
        tiny, -tiny, np.float32([1e-38, 3e38, 9.0, 3.9, 3.92, 3.93])])
    points = np.concatenate([points, -points])
    got = gr.erf(gr.tensor(points)).numpy()
    assert got.dtype == np.float32
    exact = gr.erf(gr.tensor(points.astype(np.float64))).numpy()
    nearest = exact.astype(np.float32)
    ulps = np.abs(got.astype(np.float64) - nearest) / np.spacing(np.abs(nearest)).astype(np.float64)
    assert ulps.max() <= 1.0
    assert np.mean(got == nearest) > 0.9  # mostly correctly rounded, not just near
    np.testing.assert_array_equal(np.signbit(got), np.signbit(points))  # odd, ±0 included
    special = gr.erf(gr.tensor([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=gr.float32)).numpy()
    np.testing.assert_array_equal(special, [0.0, -0.0, 1.0, -1.0, np.nan])
    assert np.signbit(special[1]) and not np.signbit(special[0])
    scalar = gr.erf(gr.tensor(0.5, dtype=gr.float32))  # 0-d
    assert scalar.shape == () and scalar.item() == np.float32(math.erf(0.5))

@requires_torch
@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_ties_and_nans_split_gradients_as_torch(name):
    left = [1.0, 2.0, np.nan, 3.0, np.nan, -1.0]
    right = [1.0, np.nan, 2.0, 0.5, np.nan, 4.0]
    results = []
    for lib in (gr, torch):
        x = lib.tensor(left, dtype=lib.float64, requires_grad=True)
        y = lib.tensor(right, dtype=lib.float64, requires_grad=True)
        out = getattr(lib, name)(x, y)
        out.backward(lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=lib.float64))
        results.append([out.detach().numpy(), x.grad.numpy(), y.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


@requires_torch
def test_clamp_at_and_across_its_bounds_as_torch():
    values = ([0.0, -2.0, 2.0, 0.5, 0.5, -1.0, 1.0],  # x
              [1.0, 1.0, 1.0, 0.5, 0.5, -1.0, -1.0],  # low
              [-1.0, -1.0, -1.0, 0.5, 0.7, 1.0, 1.0])  # high: crossed, equal, touching
    results = []
    for lib in (gr, torch):
        x, low, high = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in values)
        out = lib.clamp(x, low, high)
        out.sum().backward()
        scalar_bounds = lib.tensor(values[0], dtype=lib.float64, requires_grad=True)
        lib.clamp(scalar_bounds, -1.0, 1.0).sum().backward()
        results.append([out.detach().numpy(), x.grad.numpy(), low.grad.numpy(),
                        high.grad.numpy(), scalar_bounds.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_where_untaken_branch_does_not_leak_nan():
    x = gr.tensor([-1.0, 4.0], dtype=gr.float64, requires_grad=True)
    y = gr.where(x > 0, gr.log(x), 0.0)  # log(-1) is NaN, but not taken
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.25])
    g = gr.tensor([np.inf, 1.0], dtype=gr.float64)
    z = gr.tensor([1.0, 2.0], dtype=gr.float64, requires_grad=True)
    gr.where(gr.tensor([False, True]), z, 0.0).backward(g)
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 1.0])  # 0, not 0 * inf


def test_kinks_use_the_documented_subgradients():
    x = gr.tensor([0.0, 0.0], dtype=gr.float64, requires_grad=True)
    (gr.relu(x) + gr.abs(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])  # relu'(0) = 0, |x|'(0) = 0


def test_relu_gradient_is_a_mask_that_passes_nan_inputs_as_torch():
    x = gr.tensor([math.nan, -1.0, 0.0, 2.0], dtype=gr.float64, requires_grad=True)
    (g,) = gr.autograd.grad(gr.relu(x), x, gr.tensor([3.0, 3.0, 3.0, 3.0], dtype=gr.float64),
                            create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [3.0, 0.0, 0.0, 3.0])
    assert g.dtype == gr.float64


@requires_torch
@pytest.mark.parametrize("name", ["exp", "sqrt", "sigmoid", "sin", "erf", "log1p", "abs", "neg",
                                  "square", "sign", "floor", "relu"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_unary_result_dtypes_match_torch(name, dtype):
    ours = getattr(gr, name)(gr.tensor([1, 2, 3], dtype=getattr(gr, dtype)))
    theirs = getattr(torch, name)(torch.tensor([1, 2, 3], dtype=getattr(torch, dtype)))
    assert repr(ours.dtype).split(".")[1] == repr(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_elementwise_errors_name_the_operation():
    with pytest.raises(RuntimeError, match=r"^add: shapes \(2,\) and \(3,\)"):
        gr.ones(2) + gr.ones(3)
    with pytest.raises(RuntimeError, match="^where: expected condition to be a bool"):
        gr.where(gr.ones(2), gr.ones(2), gr.zeros(2))
    with pytest.raises(RuntimeError, match="^clamp: at least one"):
        gr.clamp(gr.ones(2))
    with pytest.raises(ValueError, match="^gelu: approximate"):
        gr.gelu(gr.ones(2), approximate="fast")
    with pytest.raises(RuntimeError, match="^pow: integers to negative"):
        gr.tensor([2]) ** gr.tensor([-1])


@pytest.mark.parametrize("left, right", [([True], [False]), ([True], [1.0]), ([1.0], [True]),
                                         ([2], [True]), (1.0, [True])])
def test_subtraction_with_a_bool_tensor_is_refused_as_torch(left, right):
    left = gr.tensor(left) if isinstance(left, list) else left
    with pytest.raises(RuntimeError, match="^sub: subtraction with a bool tensor"):
        left - gr.tensor(right)


def test_values_outside_a_domain_are_ieee_and_silent_while_user_numpy_still_warns():
    # in a fresh interpreter: pytest runs imports inside catch_warnings, which drops the
    # filter gradiente installs when imported (a script or a notebook keeps it)
    import subprocess
    import sys

    script = """if True:
        import warnings
        import numpy as np
        import gradiente as gr
        x = gr.tensor([0.0, -1.0, 1000.0], dtype=gr.float64, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", append=True)  # after gradiente's own filter
            y = gr.log(x) + gr.sqrt(x) + gr.exp(x) + x / 0.0 + x ** -1.5
            y.sum().backward()
            assert not caught, [str(w.message) for w in caught]
            np.log(np.zeros(1))
        assert [str(w.message) for w in caught] == ["divide by zero encountered in log"]
        assert np.isneginf(gr.log(x).detach().numpy()[0]) and np.isnan(y.detach().numpy()[1])
    """
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ----- xlogy, logaddexp, heaviside, searchsorted, bucketize, isin ------------------------------

def _both(fn, *arrays, grad=False):
    """fn on gradiente and on torch tensors made from the same float64 arrays."""
    ours = [gr.tensor(a, requires_grad=grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grad) for a in arrays]
    return (ours, fn(gr, *ours)), (theirs, fn(torch, *theirs))


@requires_torch
def test_xlogy_at_zero_follows_torch():
    """0 · log y is 0 even for y = 0 or y < 0, and its x-gradient there is 0 rather than
    log y (PyTorch's rule; JAX's gives log y); NaN in y stays NaN."""
    x, y = np.array([0.0, 0.0, 0.0, 2.0, 0.0]), np.array([0.0, -1.0, 3.0, 3.0, np.nan])
    (ours_in, ours), (theirs_in, theirs) = _both(lambda lib, a, b: lib.xlogy(a, b), x, y,
                                                 grad=True)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    for a, b in zip(ours_in, theirs_in):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@requires_torch
def test_logaddexp_does_not_overflow_and_handles_infinities():
    x = np.array([1000.0, -1000.0, -np.inf, np.inf, 0.0])
    y = np.array([1000.0, -1001.0, -np.inf, 1.0, -np.inf])
    for name in ("logaddexp", "logaddexp2"):
        (_, ours), (_, theirs) = _both(lambda lib, a, b: getattr(lib, name)(a, b), x, y)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)


@requires_torch
def test_heaviside_matches_torch_and_checks_dtypes():
    x, values = np.array([-1.5, 0.0, 2.0, 0.0]), np.array([0.5, 0.25, 0.5, 0.75])
    (_, ours), (_, theirs) = _both(lambda lib, a, v: lib.heaviside(a, v), x, values)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="heaviside: .*same dtype.*float64 and .*float32"):
        gr.heaviside(gr.tensor(x), gr.tensor(values, dtype=gr.float32))


@requires_torch
@pytest.mark.parametrize("options", [{}, {"right": True}, {"side": "right"}, {"side": "left"},
                                     {"out_int32": True}])
def test_searchsorted_and_bucketize_match_torch(options):
    rng = np.random.default_rng(3)
    rows = np.sort(rng.integers(0, 6, size=(3, 7)).astype(np.float64), axis=-1)
    values = rng.integers(-1, 8, size=(3, 5)).astype(np.float64)  # ties with the boundaries
    for boundaries, queries in ((rows[0], values), (rows, values), (rows[1], 2.0)):
        ours = gr.searchsorted(gr.tensor(boundaries), gr.as_tensor(queries), **options)
        theirs = torch.searchsorted(torch.tensor(boundaries), torch.as_tensor(queries),
                                    **options)
        assert ours.dtype == getattr(gr, str(theirs.dtype).split(".")[1])
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if "side" not in options:
        ours = gr.bucketize(gr.tensor(values), gr.tensor(rows[0]), **options)
        theirs = torch.bucketize(torch.tensor(values), torch.tensor(rows[0]), **options)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
def test_searchsorted_with_a_sorter_matches_torch():
    sequence = np.array([3.0, 1.0, 2.0, 5.0])
    sorter = np.argsort(sequence)
    queries = np.array([0.0, 2.0, 2.5, 6.0])
    ours = gr.searchsorted(gr.tensor(sequence), gr.tensor(queries), sorter=gr.tensor(sorter))
    theirs = torch.searchsorted(torch.tensor(sequence), torch.tensor(queries),
                                sorter=torch.tensor(sorter))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_searchsorted_and_bucketize_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"searchsorted: .*boundaries tensor \[2, 3\] and "
                                           r"input value tensor \[3, 3\]"):
        gr.searchsorted(gr.zeros(2, 3), gr.zeros(3, 3))
    with pytest.raises(RuntimeError, match="searchsorted: side and right can't be set"):
        gr.searchsorted(gr.zeros(3), gr.zeros(2), right=True, side="left")
    with pytest.raises(RuntimeError, match=r"bucketize: boundaries tensor must be 1 dimension"):
        gr.bucketize(gr.zeros(3), gr.zeros(2, 2))


@requires_torch
@pytest.mark.parametrize("invert", [False, True])
def test_isin_matches_torch(invert):
    elements, tests = np.array([[1, 2, 3], [4, 5, 6]]), np.array([2, 6, 9])
    ours = gr.isin(gr.tensor(elements), gr.tensor(tests), invert=invert)
    theirs = torch.isin(torch.tensor(elements), torch.tensor(tests), invert=invert)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == gr.bool
    np.testing.assert_array_equal(gr.isin(gr.tensor(elements), 5).numpy(),
                                  torch.isin(torch.tensor(elements), 5).numpy())


def test_new_in_place_forms():
    x = gr.tensor([3.0, -4.0])
    x.hypot_(gr.tensor([4.0, 3.0]))
    np.testing.assert_array_equal(x.numpy(), [5.0, 5.0])
    x.clamp_max_(4.5).clamp_min_(4.75)
    np.testing.assert_array_equal(x.numpy(), [4.75, 4.75])
    y = gr.tensor([0.0, 2.0])
    y.xlogy_(gr.tensor([0.0, math.e]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0])
