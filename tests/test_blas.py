"""gradiente.blas: one-pass in-place updates, through NumPy's BLAS or NumPy itself."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gradiente import blas

LARGE = max(blas._MIN_SIZE, blas._CHUNK) + 123  # past the sliced NumPy fallback too


def _pair(dtype, size, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(size).astype(dtype), rng.standard_normal(size).astype(dtype)


def _assert_rounding_close(actual, expected, *terms):
    """Equal up to a few roundings of the terms summed (with or without fused multiply-adds).

    A rounding errs by half a unit in the last place: relative to the value for normal numbers,
    half the smallest subnormal for subnormal ones, whatever their size.
    """
    info = np.finfo(actual.dtype)
    bound = 4 * (info.eps * sum(np.abs(t) for t in terms) + info.smallest_subnormal)
    assert np.all(np.abs(actual - expected) <= bound), np.max(np.abs(actual - expected) - bound)


@pytest.fixture(params=["blas", "numpy"])
def path(request, monkeypatch):
    if request.param == "numpy":
        monkeypatch.setattr(blas, "_ROUTINES", {})
    elif not blas._ROUTINES:
        pytest.skip("NumPy's BLAS has no axpy/axpby that gradiente.blas can find")
    return request.param


def test_numpy_wheels_blas_is_found():
    """NumPy's own wheels ship OpenBLAS: there the fast path must not silently vanish."""
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if config.get("name") != "scipy-openblas":
        pytest.skip(f"NumPy built against {config.get('name')}")
    assert blas.LIBRARY is not None and set(blas._ROUTINES) == {np.dtype(np.float32),
                                                                 np.dtype(np.float64)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [7, LARGE])
def test_axpy_and_axpby_compute_their_formulas(path, dtype, size):
    x, y = _pair(dtype, size)
    y_before = y.copy()
    assert blas.axpy_(-0.3, x, y) is y
    _assert_rounding_close(y, y_before + dtype(-0.3) * x, y_before, 0.3 * x)

    x, y = _pair(dtype, size, seed=1)
    y_before = y.copy()
    assert blas.axpby_(dtype(0.7), x, dtype(0.9), y) is y  # NumPy scalars work too
    _assert_rounding_close(y, dtype(0.7) * x + dtype(0.9) * y_before, 0.7 * x, 0.9 * y_before)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([np.float32, np.float64]), st.sampled_from([(LARGE,), (3, LARGE // 3)]),
       st.floats(-10, 10), st.floats(-10, 10))
@example(np.float32, (3, LARGE // 3), 7.5, 9.5)  # cancellation: an FMA and two roundings differ
@example(np.float64, (LARGE,), 1.1125369292536007e-308, 1.1125369292536007e-308)  # subnormals
def test_blas_and_numpy_paths_agree(dtype, shape, alpha, beta):
    x, y = (a.reshape(shape) for a in _pair(dtype, int(np.prod(shape))))
    fast, slow = y.copy(), y.copy()  # becomes (alpha x + beta y) + alpha x
    blas.axpby_(alpha, x, beta, fast)
    blas.axpy_(alpha, x, fast)
    routines, blas._ROUTINES = blas._ROUTINES, {}
    try:
        blas.axpby_(alpha, x, beta, slow)
        blas.axpy_(alpha, x, slow)
    finally:
        blas._ROUTINES = routines
    _assert_rounding_close(fast, slow, 2 * np.abs(alpha * x), 2 * np.abs(beta * y))


@pytest.mark.parametrize("case", ["strided", "transposed", "other dtype", "broadcast",
                                  "read-only x", "overlapping"])
def test_arrays_blas_cannot_take_still_update_correctly(path, case):
    x, y = _pair(np.float64, 2 * LARGE)
    y = y.reshape(2, LARGE)
    if case == "strided":
        x, y = x[::2], y.reshape(-1)[::2]
    elif case == "transposed":
        x, y = x.reshape(LARGE, 2).T, y
    elif case == "other dtype":
        x = x.reshape(2, LARGE).astype(np.float32)
    elif case == "broadcast":
        x = x[:LARGE]
    elif case == "read-only x":
        x = x.reshape(2, LARGE)
        x.flags.writeable = False
    else:  # x is y's second row, y straddles both rows
        x = y[1]
        y = y.reshape(-1)[LARGE // 2:LARGE // 2 + LARGE]
    x_before, y_before = x.copy(), y.copy()
    blas.axpy_(0.5, x, y)
    _assert_rounding_close(y, y_before + 0.5 * x_before, y_before, 0.5 * x_before)
    if case == "overlapping":
        y[...] = y_before
        blas.axpby_(0.5, x, 2.0, y)
        _assert_rounding_close(y, 0.5 * x_before + 2.0 * y_before, 0.5 * x_before,
                               2.0 * y_before)


def test_large_numpy_fallback_uses_no_parameter_sized_temporary(monkeypatch):
    """Without BLAS, axpy_ on a big array goes slice by slice (the optimizers' peak memory)."""
    import tracemalloc
    monkeypatch.setattr(blas, "_ROUTINES", {})
    x, y = _pair(np.float32, 8 * blas._CHUNK)
    expected = y + np.float32(-0.1) * x
    tracemalloc.start()
    blas.axpy_(-0.1, x, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * blas._CHUNK * 4
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)


def test_environment_variable_turns_blas_off():
    code = "from gradiente import blas; print(blas.LIBRARY, len(blas._ROUTINES))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"GRADIENTE_BLAS": "0", "PATH": ""})
    assert done.stdout.split() == ["None", "0"]


def test_num_threads_round_trip_through_numpys_openblas():
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if config.get("name") != "scipy-openblas":
        pytest.skip(f"NumPy built against {config.get('name')}")
    import gradiente as gr
    before = gr.get_num_threads()
    try:
        gr.set_num_threads(2)
        assert gr.get_num_threads() == 2
        gr.set_num_threads(1)
        assert gr.get_num_threads() == 1
    finally:
        gr.set_num_threads(before)
    with pytest.raises(ValueError, match="set_num_threads: expected a positive integer, got 0"):
        gr.set_num_threads(0)
