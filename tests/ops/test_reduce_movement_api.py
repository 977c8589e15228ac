"""Statistics, counting and grid functions beyond the op specs: results of integer and NaN
inputs, ties, output dtypes, named fields, error messages, Tensor methods and vmap, against
PyTorch where it is importable (literal expectations below are PyTorch's results)."""

import math
import warnings

import numpy as np
import pytest

import gradiente as gr
from gradiente.func import vmap
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch

NAN = math.nan


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def _assert_same(ours, theirs):
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert tuple(a.shape) == tuple(b.shape), f"output {k}: {a.shape} != {b.shape}"
        assert _dtype_name(a) == _dtype_name(b), f"output {k}: {a.dtype} != {b.dtype}"
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-6, atol=0, equal_nan=True,
                                   err_msg=f"output {k}")


# (name, fn(lib), literal expectation of the first output or None): non-differentiable
# functions, integer and bool inputs, NaNs and ties
CASES = [
    ("bincount", lambda lib: lib.bincount(lib.tensor([1, 3, 3, 0])), [1, 1, 0, 2]),
    ("bincount_minlength_uint8",
     lambda lib: lib.bincount(lib.tensor([1, 3], dtype=lib.uint8), minlength=6),
     [0, 1, 0, 1, 0, 0]),
    ("bincount_empty", lambda lib: lib.bincount(lib.tensor([], dtype=lib.int64)), []),
    ("bincount_weights_float32", lambda lib: lib.bincount(
        lib.tensor([2, 0, 2]), lib.tensor([0.5, 1.0, 0.25], dtype=lib.float32)),
     [1.0, 0.0, 0.75]),
    ("bincount_weights_int_to_float64",
     lambda lib: lib.bincount(lib.tensor([2, 0, 2]), lib.tensor([1, 2, 3]), minlength=4),
     [2.0, 0.0, 4.0, 0.0]),
    ("histc", lambda lib: lib.histc(lib.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=3),
     [0.0, 2.0, 1.0, 0.0]),
    ("histc_data_range", lambda lib: lib.histc(lib.tensor([1.0, 1.0]), 3), [0.0, 2.0, 0.0]),
    ("histc_float64_nan_ignored", lambda lib: lib.histc(
        lib.tensor([0.1, NAN, 0.3, 0.2, 0.3], dtype=lib.float64), 4, 0, 0.4),
     [0.0, 1.0, 3.0, 0.0]),  # (0.3 - 0) / 0.4 * 4 rounds below 3, as in PyTorch
    ("histc_empty", lambda lib: lib.histc(lib.tensor([]), 3), [0.0, 0.0, 0.0]),
    ("tril_indices", lambda lib: lib.tril_indices(3, 4, 1),
     [[0, 0, 1, 1, 1, 2, 2, 2, 2], [0, 1, 0, 1, 2, 0, 1, 2, 3]]),
    ("triu_indices", lambda lib: lib.triu_indices(4, 3, -1),
     [[0, 0, 0, 1, 1, 1, 2, 2, 3], [0, 1, 2, 0, 1, 2, 1, 2, 2]]),
    ("triu_indices_int32_empty", lambda lib: lib.triu_indices(2, 2, 5, dtype=lib.int32), None),
    ("tril_indices_zero", lambda lib: lib.tril_indices(0, 0), None),
    ("mode_ties_last_index", lambda lib: lib.mode(lib.tensor([1, 2, 2, 1])), 1),
    ("mode_smallest_of_ties", lambda lib: lib.mode(lib.tensor([3.0, 1, 3, 1, 2, 2])), 1.0),
    ("mode_nans_count_once", lambda lib: lib.mode(lib.tensor([[1.0, NAN, NAN, 2.0]])), [1.0]),
    ("mode_dim0_keepdim", lambda lib: lib.mode(lib.tensor([[1, 2], [1, 1], [2, 2]]), 0, True),
     [[1, 2]]),
    ("mode_scalar", lambda lib: lib.mode(lib.tensor(3.0)), 3.0),
    ("cummax_ties_nans", lambda lib: lib.cummax(lib.tensor([1.0, 3, 3, 2, 5, NAN, 4, NAN]), 0),
     [1.0, 3, 3, 3, 5, NAN, NAN, NAN]),
    ("cummin_ties_nans", lambda lib: lib.cummin(lib.tensor([1.0, 3, 1, 2, NAN, 0]), 0),
     [1.0, 1, 1, 1, NAN, NAN]),
    ("cummax_bool", lambda lib: lib.cummax(lib.tensor([False, True, False]), 0),
     [False, True, True]),
    ("cummin_int_dim0", lambda lib: lib.cummin(lib.tensor([[3, 1], [3, 2], [1, 1]]), 0),
     [[3, 1], [3, 1], [1, 1]]),
    ("cummax_empty", lambda lib: lib.cummax(lib.zeros(2, 0), 1), None),
    ("nanmedian_dim", lambda lib: lib.nanmedian(
        lib.tensor([[1.0, NAN, 3, 2], [4.0, 3, 2, 1]]), 1), [2.0, 2.0]),
    ("nanmedian_all", lambda lib: lib.nanmedian(lib.tensor([1.0, NAN, 2, 3, NAN])), 2.0),
    ("nanmedian_only_nans", lambda lib: lib.nanmedian(lib.tensor([NAN, NAN])), NAN),
    ("quantile_nan_slice", lambda lib: lib.quantile(
        lib.tensor([[1.0, NAN, 3], [1, 2, 3]]), 0.5, dim=1), [NAN, 2.0]),
    ("nanquantile_only_nans", lambda lib: lib.nanquantile(
        lib.tensor([[1.0, NAN, 3], [NAN, NAN, NAN]]), 0.5, dim=1), [2.0, NAN]),
    ("quantile_float32_levels", lambda lib: lib.quantile(
        lib.arange(5.0), lib.tensor([0.0, 0.1, 0.125, 0.375, 0.5, 1.0])),
     [0.0, 0.4, 0.5, 1.5, 2.0, 4.0]),
    ("quantile_empty_q", lambda lib: lib.quantile(lib.arange(4.0), lib.tensor([])), []),
    ("quantile_keepdim_all", lambda lib: lib.quantile(
        lib.ones(2, 3), lib.tensor([0.5, 0.2]), keepdim=True), None),
    ("quantile_nearest_half_to_even", lambda lib: lib.quantile(
        lib.arange(5.0), lib.tensor([0.125, 0.375, 0.625, 0.875]), interpolation="nearest"),
     [0.0, 2.0, 2.0, 4.0]),
    ("aminmax_int", lambda lib: lib.aminmax(lib.tensor([[1, 5], [3, 2]]), dim=1), [1, 2]),
    ("aminmax_keepdim_all", lambda lib: lib.aminmax(lib.ones(2, 3), keepdim=True), None),
    ("logcumsumexp_extremes", lambda lib: lib.logcumsumexp(
        lib.tensor([-1000.0, 0, 1000, 1000], dtype=lib.float64), 0),
     [-1000.0, 0.0, 1000.0, 1000.0 + math.log(2)]),
    ("diff_int_n2", lambda lib: lib.diff(lib.tensor([1, 3, 2, 5]), n=2), [-3, 4]),
    ("diff_bool_xor", lambda lib: lib.diff(lib.tensor([True, False, False])), [True, False]),
    ("diff_promotes_prepend_append", lambda lib: lib.diff(
        lib.tensor([1.0, 2]), prepend=lib.tensor([5]),
        append=lib.tensor([0.5], dtype=lib.float64)), [-4.0, 1.0, -1.5]),
    ("diff_order_past_size", lambda lib: lib.diff(lib.ones(2, 3), n=3, dim=0), None),
    ("diff_order_zero", lambda lib: lib.diff(lib.tensor([1, 4]), n=0), [1, 4]),
    ("block_diag_mixed", lambda lib: lib.block_diag(
        lib.tensor(1.0), lib.tensor([2, 3]), lib.ones(2, 2, dtype=lib.int64), lib.ones(0, 2),
        lib.ones(2, 0)), None),
    ("block_diag_int", lambda lib: lib.block_diag(lib.tensor([[1, 2]]), lib.tensor([[3], [4]])),
     [[1, 2, 0], [0, 0, 3], [0, 0, 4]]),
    ("block_diag_none", lambda lib: lib.block_diag(), None),
    ("cartesian_prod_int", lambda lib: lib.cartesian_prod(lib.tensor([1, 2]),
                                                          lib.tensor([3, 4, 5])),
     [[1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5]]),
    ("cartesian_prod_one", lambda lib: lib.cartesian_prod(lib.tensor([1, 2])), [1, 2]),
    ("meshgrid_scalars_xy", lambda lib: lib.meshgrid(
        lib.tensor(1), lib.tensor([2, 3]), lib.tensor([4, 5, 6]), indexing="xy"), None),
    ("rot90_int", lambda lib: lib.rot90(lib.arange(6).reshape(2, 3), -1),
     [[3, 0], [4, 1], [5, 2]]),
    ("rot90_dims_reversed", lambda lib: lib.rot90(lib.arange(6).reshape(2, 3), 3, [1, 0]),
     [[2, 5], [1, 4], [0, 3]]),
    ("column_stack", lambda lib: lib.column_stack(
        [lib.tensor(1), lib.tensor([2]), lib.ones(1, 2)]), [[1.0, 2.0, 1.0, 1.0]]),
    ("row_stack", lambda lib: lib.row_stack([lib.tensor([1, 2]), lib.tensor([[3, 4]])]),
     [[1, 2], [3, 4]]),
]


LITERAL_CASES = [c for c in CASES if c[2] is not None]


@pytest.mark.parametrize("name, fn, expected", LITERAL_CASES, ids=[c[0] for c in LITERAL_CASES])
def test_results_match_literal_expectations(name, fn, expected):
    first = _flat(fn(gr))[0]
    np.testing.assert_array_equal(to_numpy(first), np.asarray(expected, dtype=to_numpy(first)
                                                              .dtype))


@requires_torch
@pytest.mark.parametrize("name, fn, expected", CASES, ids=[c[0] for c in CASES])
def test_results_match_pytorch(name, fn, expected):
    _assert_same(fn(gr), fn(torch))


def test_named_fields():
    x = gr.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    for name in ("mode", "cummax", "cummin", "nanmedian"):
        result = getattr(gr, name)(x, 1)
        assert type(result).__name__ == name and result._fields == ("values", "indices")
        assert result.values.dtype == gr.float32 and result.indices.dtype == gr.int64
    mode = x.mode(1)
    np.testing.assert_array_equal(mode.values.numpy(), [3.0, 2.0])
    np.testing.assert_array_equal(mode.indices.numpy(), [2, 2])
    result = x.aminmax(dim=0)
    assert type(result).__name__ == "aminmax" and result._fields == ("min", "max")
    np.testing.assert_array_equal(result.max.numpy(), [2.0, 3.0, 3.0])


def test_output_dtypes():
    index = gr.tensor([0, 2])
    assert gr.bincount(index).dtype == gr.int64
    assert gr.bincount(index, gr.tensor([1.0, 2.0], dtype=gr.float32)).dtype == gr.float32
    assert gr.bincount(index, gr.tensor([1.0, 2.0], dtype=gr.float64)).dtype == gr.float64
    assert gr.bincount(index, gr.tensor([True, False])).dtype == gr.float64
    assert gr.histc(gr.tensor([1.0], dtype=gr.float64), 2).dtype == gr.float64
    assert gr.tril_indices(2, 2, dtype=gr.int32).dtype == gr.int32
    assert gr.quantile(gr.tensor([1.0, 2.0], dtype=gr.float64), 0.5).dtype == gr.float64


# (fn, exception, message pattern): errors name the op and the offending shapes or values
ERRORS = [
    (lambda lib: lib.quantile(lib.tensor([1.0, 2.0]), 1.5), RuntimeError,
     r"quantile.*\[0, 1\].*1\.5"),
    (lambda lib: lib.nanquantile(lib.tensor([1.0, 2.0]), lib.tensor([0.5, -0.1])),
     RuntimeError, r"nanquantile.*\[0, 1\]"),
    (lambda lib: lib.quantile(lib.tensor([1.0]), lib.tensor([0.5], dtype=lib.float64)),
     RuntimeError, "quantile.*same dtype"),
    (lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5), RuntimeError,
     "quantile.*float or double"),
    (lambda lib: lib.quantile(lib.tensor([]), 0.5), RuntimeError, "quantile.*non-empty"),
    (lambda lib: lib.quantile(lib.tensor([1.0]), lib.ones(2, 2) / 2), RuntimeError,
     "quantile.*scalar or 1D"),
    (lambda lib: lib.quantile(lib.tensor([1.0]), 0.5, interpolation="cubic"), RuntimeError,
     "quantile.*interpolation.*cubic"),
    (lambda lib: lib.quantile(lib.ones(2, 3), 0.5, dim=2), IndexError, "out of range"),
    (lambda lib: lib.bincount(lib.tensor([-1, 2])), RuntimeError,
     "bincount.*non-negative"),
    (lambda lib: lib.bincount(lib.tensor([[1]])), RuntimeError, r"bincount.*1-d"),
    (lambda lib: lib.bincount(lib.tensor([1.0])), NotImplementedError, "bincount"),
    (lambda lib: lib.bincount(lib.tensor([1, 2]), lib.ones(3)), RuntimeError,
     "bincount.*weights.*same length"),
    (lambda lib: lib.bincount(lib.tensor([1, 2]), minlength=-1), RuntimeError,
     "bincount.*minlength"),
    (lambda lib: lib.histc(lib.tensor([1.0]), 0), RuntimeError, "bins must be > 0.*0"),
    (lambda lib: lib.histc(lib.tensor([1.0]), 3, 2, 1), RuntimeError,
     "histc: max must be larger than min"),
    (lambda lib: lib.histc(lib.tensor([NAN]), 3), RuntimeError, r"histc.*range.*not finite"),
    (lambda lib: lib.histc(lib.tensor([1, 2]), 3), NotImplementedError, "histc"),
    (lambda lib: lib.meshgrid(lib.ones(2, 2), lib.ones(3), indexing="ij"), RuntimeError,
     r"meshgrid.*0D or 1D.*\(2, 2\)"),
    (lambda lib: lib.meshgrid(lib.ones(2), lib.ones(2, dtype=lib.float64), indexing="ij"),
     RuntimeError, "meshgrid.*same dtype"),
    (lambda lib: lib.meshgrid(indexing="ij"), RuntimeError, "meshgrid.*non-empty"),
    (lambda lib: lib.meshgrid(lib.ones(2), indexing="ji"), RuntimeError,
     "meshgrid.*indexing.*ji"),
    (lambda lib: lib.cartesian_prod(lib.ones(2, 2)), RuntimeError, r"1D vector.*\[2, 2\]"),
    (lambda lib: lib.block_diag(lib.ones(2, 2, 2)), RuntimeError,
     "block_diag.*Input 0 has 3 dimensions"),
    (lambda lib: lib.diff(lib.tensor(1.0)), RuntimeError, "diff.*one-dimensional"),
    (lambda lib: lib.diff(lib.ones(3), n=-1), RuntimeError, "order must be non-negative.*-1"),
    (lambda lib: lib.diff(lib.ones(3), prepend=lib.ones(2, 2)), RuntimeError,
     "diff.*prepend or append.*same dimension"),
    (lambda lib: lib.diff(lib.ones(2, 3), dim=1, prepend=lib.ones(3, 1)), RuntimeError,
     "Sizes of tensors must match"),
    (lambda lib: lib.rot90(lib.ones(3)), RuntimeError, "rot90|total dims >= 2.*1"),
    (lambda lib: lib.rot90(lib.ones(2, 2), 1, [0, 0]), RuntimeError,
     "rotation dims to be different"),
    (lambda lib: lib.rot90(lib.ones(2, 2), 1, [0, 1, 2]), RuntimeError,
     "total rotation dims == 2.*3"),
    (lambda lib: lib.aminmax(lib.tensor([])), RuntimeError, "aminmax.*empty"),
    (lambda lib: lib.mode(lib.ones(2, 0)), IndexError, "mode.*non-zero size"),
    (lambda lib: lib.cummax(lib.ones(3), 1), IndexError, "out of range"),
    (lambda lib: lib.logcumsumexp(lib.tensor([1, 2]), 0), RuntimeError, "logcumsumexp"),
    (lambda lib: lib.tril_indices(-1, 2), RuntimeError, "row must be non-negative.*-1"),
    (lambda lib: lib.column_stack([lib.ones(2, 2), lib.ones(3)]), RuntimeError,
     "Sizes of tensors must match"),
]


@pytest.mark.parametrize("fn, error, pattern", ERRORS, ids=[p for _, _, p in ERRORS])
def test_errors_name_the_op_and_values(fn, error, pattern):
    with pytest.raises(error, match=pattern):
        fn(gr)
    if HAS_TORCH:  # PyTorch refuses the same call with the same kind of error
        with pytest.raises(error):
            fn(torch)


def test_meshgrid_warns_only_without_indexing():
    x, y = gr.ones(2), gr.ones(3)
    with pytest.warns(UserWarning, match="meshgrid.*indexing"):
        grids = gr.meshgrid(x, y)
    assert [tuple(g.shape) for g in grids] == [(2, 3), (2, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [tuple(g.shape) for g in gr.meshgrid([x, y], indexing="xy")] == [(3, 2), (3, 2)]


def test_methods_as_in_pytorch():
    for name in ("quantile", "nanquantile", "mode", "nanmedian", "aminmax", "cummax", "cummin",
                 "logcumsumexp", "bincount", "histc", "diff", "rot90"):
        assert hasattr(gr.Tensor, name), name
    for name in ("meshgrid", "cartesian_prod", "block_diag"):
        assert not hasattr(gr.Tensor, name), name


# ----- gradients where PyTorch picks a convention ---------------------------------------------

GRADIENT_CASES = [
    ("mode_ties", lambda lib, x: lib.mode(x, 0).values, [3.0, 1, 3, 1, 2, 2]),
    ("mode_rows", lambda lib, x: x.mode(1).values, [[1.0, 2, 2], [5.0, 4, 5]]),
    ("cummax_ties_nan", lambda lib, x: x.cummax(0).values, [1.0, 3, 3, 2, 5, NAN, 4, NAN]),
    ("cummin_ties", lambda lib, x: lib.cummin(x, 1).values, [[2.0, 1, 1, 3], [1.0, 1, 0, 0]]),
    ("aminmax_ties", lambda lib, x: sum(t.sum() * w for t, w in zip(lib.aminmax(x), (1, 2))),
     [1.0, 1, 2, 2]),
    ("nanmedian_ties", lambda lib, x: lib.nanmedian(x), [1.0, NAN, 2, 2, NAN]),
    ("nanmedian_only_nans", lambda lib, x: x.nanmedian(), [NAN, NAN]),
    ("quantile_ties", lambda lib, x: lib.quantile(x, 0.5), [2.0, 1, 2, 3]),
    ("logcumsumexp_extremes", lambda lib, x: lib.logcumsumexp(x, 0), [-1000.0, 0, 1000, 1000]),
]


def _gradient(lib, fn, values):
    x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    out = fn(lib, x)
    weights = lib.tensor(np.arange(1.0, 1.0 + out.numel()).reshape(tuple(out.shape)),
                         dtype=lib.float64)
    (out * weights).sum().backward()
    return to_numpy(x.grad)


@pytest.mark.parametrize("name, fn, values", GRADIENT_CASES, ids=[c[0] for c in GRADIENT_CASES])
def test_gradient_conventions(name, fn, values):
    ours = _gradient(gr, fn, values)
    assert np.isfinite(ours).all()
    if HAS_TORCH:
        np.testing.assert_allclose(ours, _gradient(torch, fn, values), rtol=1e-10, atol=1e-12)


def test_mode_gradient_goes_to_its_last_index():
    np.testing.assert_array_equal(_gradient(gr, GRADIENT_CASES[0][1], GRADIENT_CASES[0][2]),
                                  [0, 0, 0, 1, 0, 0])


def test_logcumsumexp_gradient_is_stable():
    # dx_k = Σ_{i≥k} w_i exp(x_k - out_i) with w = 1, 2, 3, 4: the terms are 1, 0 or 1/2
    np.testing.assert_allclose(_gradient(gr, GRADIENT_CASES[-1][1], [-1000.0, 0, 1000, 1000]),
                               [1.0, 2.0, 3.0 + 4 * 0.5, 4 * 0.5],
                               rtol=1e-12)


def test_quantile_gradient_in_q():
    x = gr.tensor([3.0, 1.0, 4.0, 2.0], dtype=gr.float64, requires_grad=True)
    q = gr.tensor([0.3, 0.7], dtype=gr.float64, requires_grad=True)
    gr.quantile(x, q).sum().backward()
    # d/dq of lerp(sorted[floor r], sorted[ceil r], r - floor r), r = 3 q
    np.testing.assert_allclose(q.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [0.9, 0.1, 0.1, 0.9])


@requires_torch
def test_histc_matches_pytorch_on_bin_edges():
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        values = (np.round(rng.standard_normal(2000) * 8) / 4).astype(dtype)
        for bins, lo, hi in ((7, 0, 0), (13, -1, 1.5), (40, -3.3, 2.9)):
            np.testing.assert_array_equal(gr.histc(gr.tensor(values), bins, lo, hi).numpy(),
                                          torch.histc(torch.tensor(values), bins, lo, hi))


# ----- vmap: the per-example results, stacked -------------------------------------------------

VMAP_CASES = [
    ("quantile", lambda x: gr.quantile(x, gr.tensor([0.2, 0.9], dtype=x.dtype), dim=0)),
    ("quantile_keepdim", lambda x: x.quantile(0.7, dim=-1, keepdim=True,
                                              interpolation="midpoint")),
    ("nanquantile_all", lambda x: gr.nanquantile(x, 0.4)),
    ("nanquantile_all_keepdim", lambda x: x.nanquantile(
        gr.tensor([0.1, 0.5, 1.0], dtype=x.dtype), keepdim=True)),
    ("mode", lambda x: gr.mode(x.round(), 1)),
    ("nanmedian_dim", lambda x: gr.nanmedian(x, 0)),
    ("cummax", lambda x: gr.cummax(x, 1)),
    ("cummin", lambda x: x.cummin(0)),
    ("logcumsumexp", lambda x: x.logcumsumexp(1)),
    ("aminmax", lambda x: gr.aminmax(x, dim=1)),
    ("diff", lambda x: gr.diff(x, 2, 0, prepend=x[:1])),
    ("rot90", lambda x: x.rot90()),
    ("meshgrid", lambda x: gr.meshgrid(x[0], x[1], indexing="xy")),
    ("cartesian_prod", lambda x: gr.cartesian_prod(x[0], x[1, :2])),
    ("block_diag", lambda x: gr.block_diag(x, x[0])),
]


@pytest.mark.parametrize("name, fn", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_stacks_the_examples(name, fn):
    batch = gr.tensor(np.random.default_rng(3).normal(size=(3, 4, 5)) * 2, dtype=gr.float64)
    batch[1, 2, 3] = NAN
    got = _flat(vmap(fn)(batch))
    expected = [_flat(fn(batch[i])) for i in range(3)]
    for k, g in enumerate(got):
        stacked = np.stack([to_numpy(e[k]) for e in expected])
        assert g.dtype == expected[0][k].dtype and tuple(g.shape) == stacked.shape
        np.testing.assert_allclose(to_numpy(g), stacked, rtol=0, atol=1e-13, equal_nan=True)
