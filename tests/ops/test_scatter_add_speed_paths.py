"""The scatter-add by sorted runs (one index array along one axis, as index_select, x[idx] and
interpolate's backward make) against np.add.at, which it replaces for large rows: the same sums
up to summation order (exactly, for integer-valued data), non-finite values kept to their rows,
the same errors; and the gradients of the ops that use it against PyTorch."""

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente.autograd import gradcheck, gradgradcheck
from gradiente.ops import indexing

from ..helpers import HAS_TORCH, assert_first_order_matches_create_graph, requires_torch

if HAS_TORCH:
    import torch


def _count_sorted_runs(monkeypatch):
    calls = []
    original = indexing._sorted_add

    def counting(*args):
        calls.append(args[1])
        return original(*args)

    monkeypatch.setattr(indexing, "_sorted_add", counting)
    return calls


@pytest.fixture
def sorted_runs(monkeypatch):
    """The axes the sorted-runs path ran on, taken for every key of its pattern (not only the
    large ones), so that each case proves it took it."""
    monkeypatch.setattr(indexing, "_SORTED_ADD_MIN_ROW", 1)
    monkeypatch.setattr(indexing, "_SORTED_ADD_MIN_SIZE", 1)
    return _count_sorted_runs(monkeypatch)


def _integers(rng, shape, dtype):
    """Integer-valued floats: their sums are exact in any order."""
    return rng.integers(-8, 9, shape).astype(dtype)


def _both(target, key, values):
    """(the fast path's result, np.add.at's result) for the same target, key and values."""
    fast, reference = target.copy(), target.copy()
    indexing._add_at(fast, key, values)
    np.add.at(reference, key, values)
    return fast, reference


# (case id, target shape, axis, index, values shape or None for the indexing result's)
CASES = [
    ("repeated_unsorted_axis0", (20, 64), 0, [3, 1, 3, 3, 0, 19, 1], None),
    ("negative_axis1", (8, 30, 16), 1, [-1, 0, -30, 29, 5, -1, 5], None),
    ("last_axis_every_row_hit", (4, 32, 8), 2, [7, 6, 5, 4, 3, 2, 1, 0, 0, 7], None),
    ("two_dim_index", (24, 40), 0, [[1, 2, 2], [23, 1, -24]], None),
    ("broadcast_values", (30, 200), 0, [2, 2, 7], (200,)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis, index, values_shape", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_equals_np_add_at(sorted_runs, shape, axis, index, values_shape, dtype):
    rng = np.random.default_rng(0)
    index = np.array(index)
    key = (slice(None),) * axis + (index,)
    result_shape = shape[:axis] + index.shape + shape[axis + 1:]
    values = _integers(rng, values_shape or result_shape, dtype)
    fast, reference = _both(_integers(rng, shape, dtype), key, values)
    assert sorted_runs == [axis]
    assert fast.dtype == reference.dtype
    np.testing.assert_array_equal(fast, reference)


def test_random_values_match_up_to_rounding(sorted_runs):
    rng = np.random.default_rng(1)
    index = rng.integers(-50, 50, 400)
    values = rng.standard_normal((400, 33)).astype(np.float32)
    fast, reference = _both(np.zeros((50, 33), np.float32), (index,), values)
    assert sorted_runs == [0]
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-5)


def test_non_contiguous_values(sorted_runs):
    rng = np.random.default_rng(2)
    values = _integers(rng, (64, 40, 3), np.float64)[:, ::2, 1].T  # (20, 64), strided
    index = rng.integers(0, 10, 20)
    assert not values.flags.c_contiguous
    fast, reference = _both(np.zeros((10, 64)), (index,), values)
    assert sorted_runs == [0]
    np.testing.assert_array_equal(fast, reference)


def test_non_finite_values_stay_in_their_rows(sorted_runs):
    values = np.ones((6, 32))
    values[1, 3] = np.nan
    values[2, 5], values[4, 5] = np.inf, -np.inf  # both land on row 2: inf - inf = nan
    values[5, 7] = np.inf
    index = np.array([0, 4, 2, 0, 2, 1])
    with np.errstate(invalid="ignore"):
        fast, reference = _both(np.zeros((5, 32)), (index,), values)
    assert sorted_runs == [0]
    np.testing.assert_array_equal(fast, reference)  # NaN positions must match too
    assert np.isnan(fast[4, 3]) and np.isnan(fast[2, 5]) and fast[1, 7] == np.inf
    assert np.isfinite(np.delete(fast, [1, 2, 4], axis=0)).all()
    assert np.isfinite(fast[:, 0]).all()


def test_small_and_empty_keys_keep_np_add_at(monkeypatch):
    sorted_runs = _count_sorted_runs(monkeypatch)
    fast, reference = _both(np.zeros((40, 8)), (np.array([1, 1, 2]),), np.ones((3, 8)))
    np.testing.assert_array_equal(fast, reference)
    fast, reference = _both(np.zeros((40, 512)), (np.array([], dtype=np.int64),),
                            np.ones((0, 512)))
    np.testing.assert_array_equal(fast, reference)
    assert sorted_runs == []
    _both(np.zeros((40, 512)), (np.arange(10) % 3,), np.ones((10, 512)))
    assert sorted_runs == [0]  # the default thresholds take it for large rows


def test_empty_index_with_the_path_forced(sorted_runs):
    x = gr.zeros(4, 3, requires_grad=True)
    x[gr.tensor(np.zeros(0, dtype=np.int64))].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((4, 3)))
    assert sorted_runs == []


@pytest.mark.parametrize("index, message", [
    ([0, 40, 3], "index 40 is out of bounds for dimension 0 with size 32"),
    ([0, -33, 3], "index -33 is out of bounds for dimension 0 with size 32"),
])
def test_out_of_bounds_index_put_names_the_index(index, message):
    x = gr.zeros(32, 64)
    with pytest.raises(IndexError, match=f"index_put: {message}"):
        gr.index_put(x, (gr.tensor(index),), gr.ones(3, 64), accumulate=True)


def test_mismatched_values_raise_the_shape_error():
    x = gr.zeros(32, 64)
    with pytest.raises(RuntimeError, match=r"index_put: shape mismatch: value tensor of shape "
                                           r"\[3, 63\]"):
        gr.index_put(x, (gr.tensor([0, 1, 1]),), gr.ones(3, 63), accumulate=True)


# ----- the ops on top, first order (arrays) against create_graph (Tensors) and PyTorch --------

def _index(values):
    return gr.tensor(np.array(values))


OP_CASES = [
    ("index_select_dim0", lambda x: x.index_select(0, _index([4, 0, 4, -0, 2, 4])), (5, 20)),
    ("index_select_dim2", lambda x: gr.index_select(x, 2, _index([3, 3, 0, 1, 3])), (2, 6, 4)),
    ("getitem_repeats", lambda x: x[_index([[1, 1], [0, -1]])], (3, 17)),
    ("getitem_middle", lambda x: x[:, _index([2, 0, 2]), :], (3, 4, 6)),
    ("index_add", lambda x: x.index_add(0, _index([1, 0, 1]), x[:3] * 2.0), (4, 16)),
]


@pytest.mark.parametrize("fn, shape", [c[1:] for c in OP_CASES], ids=[c[0] for c in OP_CASES])
def test_gradients_through_the_sorted_runs(sorted_runs, fn, shape):
    x = gr.tensor(np.random.default_rng(3).standard_normal(shape), requires_grad=True)
    assert_first_order_matches_create_graph(fn, [x])
    assert sorted_runs
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_index_select_and_getitem_gradients_match_torch(sorted_runs, dtype):
    rng = np.random.default_rng(4)
    data = rng.standard_normal((50, 24)).astype(dtype)
    index = rng.integers(-50, 50, 300)
    weights = rng.standard_normal((300, 24)).astype(dtype)
    for select in (lambda x, i: x.index_select(0, i % 50), lambda x, i: x[i]):
        x, tx = gr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        (select(x, gr.tensor(index)) * gr.tensor(weights)).sum().backward()
        (select(tx, torch.tensor(index)) * torch.tensor(weights)).sum().backward()
        tol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
    assert len(sorted_runs) == 2


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bilinear_interpolation_gradient_matches_torch(sorted_runs, dtype):
    rng = np.random.default_rng(5)
    data = rng.standard_normal((2, 4, 16, 16)).astype(dtype)
    weights = rng.standard_normal((2, 4, 32, 32)).astype(dtype)
    x, tx = gr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    (F.interpolate(x, scale_factor=2, mode="bilinear") * gr.tensor(weights)).sum().backward()
    (torch.nn.functional.interpolate(tx, scale_factor=2, mode="bilinear")
     * torch.tensor(weights)).sum().backward()
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
    assert sorted(sorted_runs) == [2, 3]


def test_take_by_axis_reads_like_fancy_indexing():
    rng = np.random.default_rng(6)
    data = rng.standard_normal((3, 5, 4))
    index = np.array([[4, -1], [0, -5]])
    x = gr.tensor(data)
    np.testing.assert_array_equal(x[:, gr.tensor(index)].numpy(), data[:, index])
    with pytest.raises(IndexError, match="getitem: index 5 is out of bounds for dimension 1 "
                                         "with size 5"):
        x[:, gr.tensor([0, 5])]
    with pytest.raises(IndexError, match="getitem: too many indices for tensor of dimension 1"):
        gr.zeros(5)[gr.tensor([1]), :, :]
