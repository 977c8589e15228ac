"""Shape and indexing ops beyond the op specs: errors, x[key] = v in place, views and version
counters, integer outputs (nonzero, argsort, unique, sort and topk indices), dtypes."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.autograd import forward_ad as fwAD
from gradiente.ops.movement import pad
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch


def _x(lib):
    return lib.arange(6.0).reshape(2, 3)


def _torch_pad(x, *args, **kwargs):
    return torch.nn.functional.pad(x, *args, **kwargs)


# (case id, fn(lib, x), exception type, message fragment); x = arange(6.).reshape(2, 3)
ERRORS = [
    ("int_index", lambda lib, x: x[5], IndexError,
     "index 5 is out of bounds for dimension 0 with size 2"),
    ("int_index_dim1", lambda lib, x: x[:, -4], IndexError,
     "index -4 is out of bounds for dimension 1 with size 3"),
    ("tensor_index", lambda lib, x: x[lib.tensor([0, 5])], IndexError,
     "index 5 is out of bounds for dimension 0 with size 2"),
    ("negative_step", lambda lib, x: x[::-1], ValueError, "step must be greater than zero"),
    ("zero_step", lambda lib, x: x[::0], ValueError, "slice step cannot be zero"),
    ("too_many", lambda lib, x: x[1, 2, 0], IndexError, ("too many indices for tensor of "
     "dimension 2")),
    ("mask_shape", lambda lib, x: x[lib.tensor([True, False, True])], IndexError,
     "The shape of the mask [3] at index 0 does not match"),
    ("float_index", lambda lib, x: x[lib.tensor([1.0])], IndexError,
     "tensors used as indices must be long"),
    ("view", lambda lib, x: x.view(4, 2), RuntimeError,
     "shape '[4, 2]' is invalid for input of size 6"),
    ("reshape_infer", lambda lib, x: x.reshape(-1, 4), RuntimeError,
     "shape '[-1, 4]' is invalid for input of size 6"),
    ("gather", lambda lib, x: x.gather(1, lib.tensor([[0, 5]])), RuntimeError,
     "index 5 is out of bounds for dimension 1 with size 3"),
    ("gather_negative", lambda lib, x: x.gather(1, lib.tensor([[0, -1]])), RuntimeError,
     "index -1 is out of bounds for dimension 1 with size 3"),
    ("gather_ndim", lambda lib, x: x.gather(1, lib.tensor([0, 1])), RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    ("scatter", lambda lib, x: x.scatter(1, lib.tensor([[0, 5]]), 1.0), RuntimeError,
     "index 5 is out of bounds for dimension 1 with size 3"),
    ("scatter_add", lambda lib, x: x.scatter_add(0, lib.tensor([[2, 0]]), x), RuntimeError,
     "index 2 is out of bounds for dimension 0 with size 2"),
    ("index_add", lambda lib, x: x.index_add(0, lib.tensor([0, 5]), x), RuntimeError,
     "index 5 is out of bounds for dimension 0 with size 2"),
    ("index_select", lambda lib, x: x.index_select(0, lib.tensor([0, 5])), IndexError,
     "index 5 is out of bounds for dimension 0 with size 2"),
    ("index_select_2d", lambda lib, x: x.index_select(0, lib.tensor([[0, 1]])), IndexError,
     "Index is supposed to be a vector"),
    ("take", lambda lib, x: lib.take(x, lib.tensor([10])), IndexError,
     "out of range: tried to access index 10 on a tensor of 6 elements"),
    ("cat_sizes", lambda lib, x: lib.cat([x, lib.zeros(3, 3)], 1), RuntimeError,
     ("Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for "
     "tensor number 1 in the list.")),
    ("cat_ndim", lambda lib, x: lib.cat([x, lib.zeros(3)]), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    ("cat_empty", lambda lib, x: lib.cat([]), ValueError, "expected a non-empty list of Tensors"),
    ("cat_scalar", lambda lib, x: lib.cat([lib.tensor(1.0)]), RuntimeError,
     "zero-dimensional tensor"),
    ("stack", lambda lib, x: lib.stack([x, lib.zeros(3, 3)]), RuntimeError,
     ("stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 3] at "
     "entry 1")),
    ("masked_fill_dtype", lambda lib, x: x.masked_fill(lib.tensor([1, 0, 1]), 0.0),
     RuntimeError, "only supports boolean masks"),
    ("masked_fill_value", lambda lib, x: x.masked_fill(lib.tensor([True, False, True]),
                                                       lib.tensor([1.0, 2.0])),
     RuntimeError, "only supports a 0-dimensional value tensor"),
    ("topk", lambda lib, x: x.topk(4), RuntimeError, "selected index k out of range"),
    ("kthvalue", lambda lib, x: x.kthvalue(4), RuntimeError,
     "selected number k out of range for dimension 1"),
    ("split_sizes", lambda lib, x: x.split([1, 1, 2], 1), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 3"),
    ("split_zero", lambda lib, x: x.split(0, 1), RuntimeError,
     "split_size can only be 0 if dimension size is 0"),
    ("chunk", lambda lib, x: x.chunk(0), RuntimeError,
     "chunk expects `chunks` to be greater than 0, got: 0"),
    ("narrow", lambda lib, x: x.narrow(1, 2, 2), RuntimeError,
     "start (2) + length (2) exceeds dimension size (3)."),
    ("repeat", lambda lib, x: x.repeat(2), RuntimeError,
     ("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
     "tensor")),
    ("flatten", lambda lib, x: x.flatten(1, 0), RuntimeError,
     "start_dim cannot come after end_dim"),
    ("unflatten", lambda lib, x: x.unflatten(1, (2, 2)), RuntimeError,
     "Provided sizes [2, 2] don't multiply up to the size of dim 1 (3)"),
    ("tril", lambda lib, x: lib.arange(3.0).tril(), RuntimeError,
     "tril: input tensor must have at least 2 dimensions"),
    ("movedim", lambda lib, x: x.movedim((0, 1), (0,)), RuntimeError,
     "should contain the same number of dims as destination"),
    ("roll", lambda lib, x: x.roll((1, 2), (0,)), RuntimeError,
     "shifts and dimensions must align. shifts: 2, dims:1"),
    ("squeeze", lambda lib, x: x.squeeze((0, 5)), IndexError,
     "out of range (expected to be in range of [-2, 1], but got 5)"),
    ("flip", lambda lib, x: x.flip(0, 0), RuntimeError,
     "dim 0 appears multiple times in the list of dims"),
    ("unbind", lambda lib, x: x.unbind(2), IndexError, "but got 2"),
    ("setitem_shape", lambda lib, x: x.__setitem__(0, lib.ones(2)), RuntimeError,
     "shape mismatch"),
]


@pytest.mark.parametrize("fn, error, fragment", [case[1:] for case in ERRORS],
                         ids=[case[0] for case in ERRORS])
def test_errors_name_the_op_and_values(fn, error, fragment):
    with pytest.raises(error) as raised:
        fn(gr, _x(gr))
    assert fragment in str(raised.value)
    if HAS_TORCH:
        with pytest.raises(error):
            fn(torch, _x(torch))


@pytest.mark.parametrize("args, kwargs, fragment", [
    ((1, 2, 3), {}, "Padding length must be divisible by 2"),
    ((1, 1, 1, 1, 1, 1), {}, "Padding length should be less than or equal to two times"),
    ((3, 3), {"mode": "reflect"}, "Padding size should be less than the corresponding input"),
])
def test_pad_errors(args, kwargs, fragment):
    with pytest.raises(RuntimeError, match=fragment):
        pad(_x(gr), args, **kwargs)
    if HAS_TORCH:
        with pytest.raises(RuntimeError):
            _torch_pad(_x(torch), args, **kwargs)


# ----- x[key] = value -------------------------------------------------------------------------

def test_setitem_writes_in_place_and_bumps_the_version():
    x = gr.zeros(2, 3)
    before = x._version_counter
    storage = x.array
    x[1, 1:] = gr.tensor([5.0, 6.0])
    x[0] = 2.0
    x[gr.tensor([True, False])] = -1.0
    assert x.array is storage
    np.testing.assert_array_equal(x.array, [[-1.0, -1.0, -1.0], [0.0, 5.0, 6.0]])
    assert x._version_counter == before + 3
    assert x.grad_fn is None and not x.requires_grad


def test_setitem_casts_to_the_tensor_dtype_as_torch():
    x = gr.zeros(3, dtype=gr.int64)
    x[0] = 1.7
    x[1:] = np.array([2.9, -3.5])
    assert x.dtype == gr.int64
    np.testing.assert_array_equal(x.array, [1, 2, -3])


def test_setitem_on_a_leaf_that_requires_grad_raises_outside_no_grad():
    w = gr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 2.0
    with gr.no_grad():
        w[0] = 2.0
    assert w.requires_grad and w.is_leaf and w._version_counter == 1
    np.testing.assert_array_equal(w.array, [2.0, 1.0, 1.0])


@requires_torch
@pytest.mark.parametrize("key", [
    (1,), (slice(None), 2), (slice(0, 2), None, slice(1, 3)),
    "mask", "repeated_rows",
], ids=["row", "column", "block", "mask", "rows"])
def test_setitem_gradients_reach_the_value_and_the_untouched_part(key):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 4))
    weights = rng.standard_normal((3, 4))
    results = []
    for lib in (gr, torch):
        w = lib.tensor(base, requires_grad=True)
        if key == "mask":
            index = lib.tensor(base > 0)
            value_shape = ()
        elif key == "repeated_rows":
            index = (lib.tensor([2, 0]),)
            value_shape = (4,)
        else:
            index = key
            value_shape = tuple(np.empty((3, 4))[key].shape)
        v = lib.tensor(np.linspace(-1, 1, int(np.prod(value_shape))).reshape(value_shape),
                       requires_grad=True)
        y = w * 2.0
        y[index] = v * 3.0
        (y * lib.tensor(weights)).sum().backward()
        results.append([to_numpy(y), to_numpy(w.grad), to_numpy(v.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_setitem_keeps_a_value_that_requires_grad_in_the_graph():
    v = gr.tensor([1.0, 2.0], dtype=gr.float64, requires_grad=True)
    y = gr.zeros(3, dtype=gr.float64)  # a leaf that does not require grad
    y[1:] = v * v
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(v.grad.array, [2.0, 4.0])


def test_backward_through_a_tensor_modified_by_setitem_after_saving_raises():
    x = gr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    z = y * y  # saves y
    y[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_setitem_through_a_view_writes_the_base_and_shares_its_version():
    base = gr.zeros(2, 3)
    row = base[0]
    flat = base.view(-1)
    row[1] = 7.0
    assert base.array[0, 1] == 7.0 and flat.array[1] == 7.0
    assert base._version_counter == row._version_counter == flat._version_counter == 1
    base[1, 2] = 1.0
    assert row._version_counter == 2


def test_advanced_indexing_copies():
    x = gr.arange(6.0)
    picked = x[gr.tensor([0, 1])]
    picked[0] = 9.0
    assert x.array[0] == 0.0 and x._version_counter == 0


@requires_torch
def test_setitem_forward_mode_tangent_matches_torch():
    import torch.autograd.forward_ad as tfwAD
    results = []
    for lib, ad in ((gr, fwAD), (torch, tfwAD)):
        with ad.dual_level():
            x = ad.make_dual(lib.tensor([1.0, 2.0], dtype=lib.float64),
                             lib.tensor([0.5, -1.0], dtype=lib.float64))
            y = lib.ones(2, 3, dtype=lib.float64)
            y[:, 1] = x * x
            results.append(to_numpy(ad.unpack_dual(y).tangent))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_no_graph_is_recorded_when_nothing_requires_grad():
    x = gr.arange(12.0).reshape(3, 4)
    for out in (x[1:, gr.tensor([0, 0])], x.gather(1, gr.tensor([[0], [1], [2]])),
                gr.cat([x, x]), x.repeat(2, 1), x.sort().values, x.flip(0)):
        assert out.grad_fn is None and not out.requires_grad


def _keys(lib):
    return [
        True, None, Ellipsis, lib.tensor(1), [0, 1], [True, False], (slice(1, 2), [0, 2]),
        lib.tensor([[True, False, True], [False, True, True]]), (Ellipsis, None, 1),
        (0, [0, 2], [1, 3]), ([0, 1], slice(None), [1, 3]), ([[0], [1]], [0, 2]),
        (lib.tensor([1, 0]), lib.tensor([True, False, True])),
        (slice(None), lib.tensor([[True, False, True, False]] * 3)), lib.tensor(True),
        (1, ..., lib.tensor([-1, 0])), (slice(None), [1, 0], slice(None), 1, None), [],
        (slice(5, 10),), (0, 0, 0), (-1, slice(None, None, 3)),
    ]


@requires_torch
@pytest.mark.parametrize("case", range(len(_keys(gr))))
def test_getitem_and_setitem_keys_match_torch(case):
    values = np.arange(48.0).reshape(2, 3, 4, 2)
    weights = np.random.default_rng(case).standard_normal(values.shape)
    results = []
    for lib in (gr, torch):
        key = _keys(lib)[case]
        x = lib.tensor(values, requires_grad=True)
        read = x[key]
        written = x * 1.0
        written[key] = read * -2.0
        (written * lib.tensor(weights)).sum().backward()
        results.append((to_numpy(read), to_numpy(written), to_numpy(x.grad)))
    for ours, theirs in zip(*results):
        assert ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


def test_getitem_gradient_accumulates_repeated_indices():
    x = gr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[gr.tensor([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 0.0, 1.0])


# ----- integer results ------------------------------------------------------------------------

INTEGER_RESULTS = [
    ("nonzero", lambda lib, x: lib.nonzero(x > 0.5)),
    ("nonzero_tuple", lambda lib, x: lib.nonzero(x > 0.5, as_tuple=True)),
    ("nonzero_scalar", lambda lib, x: lib.nonzero(x.sum())),
    ("nonzero_scalar_tuple", lambda lib, x: x.sum().nonzero(as_tuple=True)),
    ("argwhere", lambda lib, x: lib.argwhere(x)),
    ("where_one_argument", lambda lib, x: lib.where(x < 0)),
    ("argsort_ties", lambda lib, x: lib.argsort(x.round(), dim=0, stable=True)),
    ("argsort_descending_ties", lambda lib, x: x.round().argsort(descending=True, stable=True)),
    ("sort_indices_ties", lambda lib, x: x.round().sort(dim=0, stable=True).indices),
    ("sort_values", lambda lib, x: x.round().sort(1, descending=True).values),
    ("topk_indices", lambda lib, x: x.topk(3, dim=1).indices),
    ("kthvalue", lambda lib, x: x.kthvalue(2, 0)),
    ("unique", lambda lib, x: lib.unique(x.round(), return_inverse=True, return_counts=True)),
    ("unique_dim", lambda lib, x: (x.round() > 0).long().unique(dim=0, return_counts=True)),
    ("masked_select", lambda lib, x: x.masked_select(x > 0)),
    ("hstack", lambda lib, x: lib.hstack([x[0], x[1]])),
    ("vstack", lambda lib, x: lib.vstack([x[0], x[1]])),
    ("dstack", lambda lib, x: lib.dstack([x, x])),
    ("atleast_3d", lambda lib, x: lib.atleast_3d(x[0])),
    ("chunk_counts", lambda lib, x: lib.arange(6).chunk(4)),
    ("split_last_smaller", lambda lib, x: lib.arange(5).split(2)),
    ("cat_int_types", lambda lib, x: lib.cat([lib.arange(2, dtype=lib.int32), lib.arange(2)])),
    ("cat_bool_float", lambda lib, x: lib.cat([x[0] > 0, x[1].float()])),
    ("cat_skips_empty", lambda lib, x: lib.cat([lib.zeros(0), x])),
    ("unbind", lambda lib, x: x.unbind(1)),
    ("squeeze_tuple", lambda lib, x: x.reshape(1, 4, 1, 2).squeeze((0, 2, 1)).shape),
    ("swapaxes", lambda lib, x: lib.swapaxes(x.reshape(2, 2, 2), 0, -1)),
    ("scatter_multiply", lambda lib, x: x.scatter(1, lib.tensor([[0, 0]]), 2.0,
                                                  reduce="multiply")),
    ("flatten_scalar", lambda lib, x: x.sum().flatten().shape),
    ("view_as", lambda lib, x: x.view_as(x.reshape(8, 1))),
]


def _compare(ours, theirs):
    if isinstance(theirs, torch.Size):
        assert tuple(ours) == tuple(theirs)
        return
    if isinstance(ours, tuple) or isinstance(theirs, tuple):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _compare(a, b)
        return
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_array_equal(a, b)


@requires_torch
@pytest.mark.parametrize("fn", [case[1] for case in INTEGER_RESULTS],
                         ids=[case[0] for case in INTEGER_RESULTS])
def test_results_match_torch(fn):
    values = np.random.default_rng(1).uniform(-2, 2, size=(2, 4)).astype(np.float32)
    _compare(fn(gr, gr.tensor(values)), fn(torch, torch.tensor(values)))


def test_sort_and_topk_return_named_tuples():
    x = gr.tensor([[3.0, 1.0, 2.0]])
    values, indices = x.sort(descending=True)
    assert type(x.sort()).__name__ == "sort"
    np.testing.assert_array_equal(indices.array, [[0, 2, 1]])
    top = gr.topk(x, 2)
    assert top.values.tolist() == [[3.0, 2.0]] and top.indices.tolist() == [[0, 2]]
    assert values.dtype == gr.float32 and indices.dtype == gr.int64


def test_sort_puts_nan_last_ascending_and_first_descending():
    x = gr.tensor([1.0, float("nan"), 0.0, 1.0])
    assert x.sort().indices.tolist() == [2, 0, 3, 1]
    assert x.sort(descending=True).indices.tolist() == [1, 0, 3, 2]


def test_iteration_and_len_use_unbind():
    x = gr.arange(6.0).reshape(3, 2)
    rows = list(x)
    assert len(rows) == 3 and rows[2].tolist() == [4.0, 5.0]


@requires_torch
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes_match_torch_with_grad(mode):
    values = np.random.default_rng(2).standard_normal((2, 3, 4))
    padding = (2, 1, 1, 2) if mode != "circular" else (1, 2)
    results = []
    for lib, fn in ((gr, pad), (torch, _torch_pad)):
        x = lib.tensor(values, requires_grad=True)
        out = fn(x, padding, mode=mode)
        (out * lib.arange(float(out.numel()), dtype=lib.float64).reshape(out.shape)).sum() \
            .backward()
        results.append((to_numpy(out), to_numpy(x.grad)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
