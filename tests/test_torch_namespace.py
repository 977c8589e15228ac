"""PyTorch's top-level names that gradiente keeps elsewhere or adds as small functions: window
functions, range, poisson/binomial draws, broadcasting helpers, combinations, unravel_index,
the nn.functional and in-place aliases, typename, can_cast."""

import math
import warnings

import numpy as np
import pytest

import gradiente as gr
from gradiente import aliases
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@requires_torch
@pytest.mark.parametrize("name, kwargs", [
    ("hann_window", {}), ("hamming_window", {}), ("hamming_window", {"alpha": 0.5, "beta": 0.4}),
    ("blackman_window", {}), ("bartlett_window", {}), ("kaiser_window", {}),
    ("kaiser_window", {"beta": 5.0}),
])
@pytest.mark.parametrize("length", [0, 1, 2, 7, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name, kwargs, length, periodic):
    for dtype, rtol in (("float64", 1e-14), ("float32", 2e-6)):
        ours = getattr(gr, name)(length, periodic, dtype=getattr(gr, dtype), **kwargs)
        theirs = getattr(torch, name)(length, periodic, dtype=getattr(torch, dtype), **kwargs)
        assert ours.dtype == getattr(gr, dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=rtol)


def test_window_of_negative_length_is_refused():
    with pytest.raises(RuntimeError, match="hann_window: requires non-negative window_length"):
        gr.hann_window(-1)


@requires_torch
@pytest.mark.parametrize("args", [(0, 1, 0.25), (1, 4), (0, 1, 0.3), (2, 0, -0.5)])
def test_range_includes_its_end_and_warns_as_torch(args):
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        ours = gr.range(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.range(*args)
    assert ours.dtype == gr.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_poisson_and_binomial_draw_from_their_distributions():
    gr.manual_seed(5)
    rates = gr.full((20000,), 3.5)
    draws = gr.poisson(rates).numpy()
    assert draws.dtype == np.float32 and abs(draws.mean() - 3.5) < 5 * math.sqrt(3.5 / 20000)
    counts, probs = gr.full((20000,), 10.0), gr.full((20000,), 0.3)
    draws = gr.binomial(counts, probs).numpy()
    assert abs(draws.mean() - 3.0) < 5 * math.sqrt(2.1 / 20000) and draws.max() <= 10
    with pytest.raises(RuntimeError, match="poisson: invalid Poisson rate"):
        gr.poisson(gr.tensor([-1.0]))
    with pytest.raises(RuntimeError, match=r"binomial: expected count >= 0 and prob in \[0, 1\]"):
        gr.binomial(gr.tensor([3.0]), gr.tensor([1.5]))


@requires_torch
def test_broadcasting_helpers_combinations_unravel_index_match_torch():
    assert gr.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
    ours = gr.broadcast_tensors(gr.zeros(2, 1), gr.ones(3))
    theirs = torch.broadcast_tensors(torch.zeros(2, 1), torch.ones(3))
    assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
    with pytest.raises(RuntimeError, match=r"broadcast_shapes: shapes \[\(2,\), \(3,\)\]"):
        gr.broadcast_shapes((2,), (3,))
    values = [1.0, 2.0, 3.0, 4.0]
    for r, replace in ((2, False), (3, True), (0, False), (5, False)):
        np.testing.assert_array_equal(
            gr.combinations(gr.tensor(values), r, replace).numpy(),
            torch.combinations(torch.tensor(values), r, replace).numpy())
    for indices, shape in (([5, 7, -1], (3, 4)), ([[0, 23]], (2, 3, 4)), (4, 5)):
        ours = gr.unravel_index(gr.tensor(indices), shape)
        theirs = torch.unravel_index(torch.tensor(indices), shape)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(TypeError, match="unravel_index: expected 'indices' to be integer"):
        gr.unravel_index(gr.tensor([1.5]), (3, 4))
    with pytest.raises(RuntimeError, match=r"unravel_index: indices must be in \[-12, 12\)"):
        gr.unravel_index(gr.tensor([12]), (3, 4))
    with pytest.raises(RuntimeError, match="adjoint: .* Got 1-D tensor"):
        gr.zeros(3).adjoint()


def test_functional_aliases_are_the_functional_functions():
    present = [name for name in aliases.FUNCTIONAL if hasattr(gr.nn.functional, name)]
    assert len(present) >= 15
    for name in present:
        assert getattr(gr, name) is getattr(gr.nn.functional, name), name


@requires_torch
@pytest.mark.parametrize("name", [n for n in aliases.IN_PLACE if n not in (
    "fill_", "index_put_", "detach_", "addmv_", "clamp_", "clamp_max_", "clamp_min_", "clip_",
    "gcd_", "lcm_", "ldexp_", "xlogy_", "i0_")])
def test_in_place_functions_match_torch(name):
    values = np.array([0.3, 0.7, 0.1])
    ours, theirs = gr.tensor(values), torch.tensor(values)
    assert getattr(gr, name)(ours) is ours
    getattr(torch, name)(theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)


@requires_torch
def test_in_place_functions_with_arguments_match_torch():
    for name, args in (("clamp_", (0.2, 0.5)), ("clamp_max_", (0.5,)), ("fill_", (2.0,)),
                       ("xlogy_", ("other",)), ("ldexp_", ("other",))):
        ours, theirs = gr.tensor([0.3, 0.7]), torch.tensor([0.3, 0.7])
        getattr(gr, name)(ours, *(gr.tensor([2.0, 3.0]) if a == "other" else a for a in args))
        getattr(torch, name)(theirs, *(torch.tensor([2.0, 3.0]) if a == "other" else a
                                       for a in args))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)


@requires_torch
def test_small_functions_match_torch():
    for lib in (gr, torch):
        x = lib.tensor([[1.0, -2.0]], requires_grad=True)
        assert not lib.detach(x).requires_grad
        np.testing.assert_array_equal(to_numpy(lib.fill(x, 3.0)), [[3.0, 3.0]])
        assert lib.is_nonzero(lib.tensor([2.0])) and lib.is_same_size(x, x)
        assert lib.is_signed(x) and not lib.is_signed(lib.zeros(1, dtype=lib.uint8))
        assert lib.get_device(x) == -1 and lib.ravel(x).shape == (2,)
    assert gr.typename(gr.zeros(1, dtype=gr.float64)) == "gradiente.DoubleTensor"
    assert torch.typename(torch.zeros(1, dtype=torch.float64)) == "torch.DoubleTensor"
    for obj in (3, "a", np.zeros(1), math.sqrt, warnings.catch_warnings):
        assert gr.typename(obj) == torch.typename(obj)
    for a in DTYPES:
        for b in DTYPES:
            assert gr.can_cast(getattr(gr, a), getattr(gr, b)) == torch.can_cast(
                getattr(torch, a), getattr(torch, b)), (a, b)


def test_anomaly_and_determinism_switches():
    try:
        gr.set_anomaly_enabled(True, check_nan=False)
        assert gr.is_anomaly_enabled() and not gr.is_anomaly_check_nan_enabled()
    finally:
        gr.set_anomaly_enabled(False)
    assert not gr.is_anomaly_enabled()
    try:
        gr.use_deterministic_algorithms(True, warn_only=True)
        assert gr.is_deterministic_algorithms_warn_only_enabled()
    finally:
        gr.use_deterministic_algorithms(False)
    assert not gr.is_deterministic_algorithms_warn_only_enabled()


@pytest.mark.parametrize("make", [
    lambda d: gr.full((1,), 0.25, device=d), lambda d: gr.zeros_like(gr.zeros(1), device=d),
    lambda d: gr.ones_like(gr.zeros(1), device=d), lambda d: gr.full_like(gr.zeros(1), 2, device=d),
    lambda d: gr.arange(3, device=d), lambda d: gr.linspace(0, 1, 3, device=d),
    lambda d: gr.logspace(0, 1, 3, device=d), lambda d: gr.eye(2, device=d),
    lambda d: gr.rand(2, device=d), lambda d: gr.randn(2, device=d),
    lambda d: gr.randint(0, 3, (2,), device=d), lambda d: gr.randperm(3, device=d),
])
def test_factories_refuse_a_device_they_cannot_use(make):
    assert make("cpu").device == gr.device("cpu")
    with pytest.raises(RuntimeError, match="device: unknown or unavailable device 'cuda'"):
        make("cuda")
