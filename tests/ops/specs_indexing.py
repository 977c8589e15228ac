"""Op specs of the indexing operations (gradiente.ops.indexing); read by test_op_specs.py.

Index tensors are built inside each ``fn`` from the input's shape, so one lambda serves every
shape case and both libraries; they include repeated indices, whose gradients accumulate.
"""

import numpy as np

from tests.ops.spec import OpSpec


def _index(shape, dim, size, seed=0):
    """A deterministic int64 index array of ``shape`` with ``size`` rows along ``dim``."""
    shape = list(shape)
    shape[dim] = size
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) * 7 + seed) % max(shape[dim], 1)


def _gather_index(lib, x, dim):
    """An index no larger than x, with repeats along dim (size of dim + 1 entries)."""
    shape = list(x.shape)
    shape[dim] = shape[dim] + 1
    return lib.tensor(_index(shape, dim, shape[dim]) % x.shape[dim])


def _mask(lib, shape):
    return lib.tensor(np.arange(int(np.prod(shape))).reshape(shape) % 3 != 1)


def _scatter(lib, x, src, dim):
    """Distinct positions along dim (scatter without reduce keeps one writer per target)."""
    shape = list(src.shape)
    shape[dim] = min(x.shape[dim], src.shape[dim])
    grids = np.indices(shape)
    offset = grids.sum(0) - grids[dim]
    return lib.tensor((grids[dim] + offset) % x.shape[dim])


def _repeating(lib, x, src, dim):
    """An index of src's shape with values that repeat along dim (scatter_add accumulates)."""
    return lib.tensor(_index(src.shape, dim, src.shape[dim]) % x.shape[dim])


def _setitem(lib, x, v, key):
    """x[key] = v on a copy of x: gradients reach v and the untouched part of x."""
    y = x * 1.0
    y[key] = v
    return y


def _inplace(lib, x, name, *args):
    y = x * 1.0
    return getattr(y, name)(*args)


SPECS = [
    OpSpec("getitem_basic", lambda lib, x: x[1:, None, ..., ::2],
           [((3, 4),), ((3, 2, 5),)], covers=("GetItem",)),
    OpSpec("getitem_slice", lambda lib, x: x[-3:-1], [((4,),), ((3, 2),)], covers=("GetItem",)),
    OpSpec("getitem_int", lambda lib, x: x[-1, 1] if x.dim() > 1 else x[-2],
           [((3,),), ((2, 3),), ((2, 3, 4),)], covers=("GetItem",)),
    OpSpec("getitem_scalar", lambda lib, x: x[None, ...], [((),)], covers=("GetItem",)),
    OpSpec("getitem_repeated", lambda lib, x: x[lib.tensor([0, 2, 0, 0])],
           [((3,),), ((3, 2),), ((4, 2, 3),)], covers=("GetItem",)),
    OpSpec("getitem_advanced_pair", lambda lib, x: x[[0, 1, 1], ..., [2, 0, 2]],
           [((2, 3),), ((2, 4, 3),)], covers=("GetItem",)),
    OpSpec("getitem_advanced_2d", lambda lib, x: x[:, lib.tensor([[0, 1], [1, 1]])],
           [((3, 2),), ((2, 3, 2),)], covers=("GetItem",)),
    OpSpec("getitem_int_then_array", lambda lib, x: x[1, ..., lib.tensor([-1, 0, 0])],
           [((2, 3),), ((2, 3, 4),)], covers=("GetItem",)),
    OpSpec("getitem_mask", lambda lib, x: x[_mask(lib, x.shape)],
           [((5,),), ((3, 4),), ((2, 3, 2),)], covers=("GetItem",)),
    OpSpec("getitem_mask_partial", lambda lib, x: x[1:, _mask(lib, x.shape[1:])],
           [((3, 4),), ((2, 3, 2, 2),)], covers=("GetItem",)),
    OpSpec("index_put", lambda lib, x, v: x.index_put((lib.tensor([2, 0]),), v),
           [((3,), ()), ((4, 2), (2,)), ((3, 2, 2), (2, 2, 2))], covers=("IndexPut",)),
    OpSpec("index_put_accumulate",
           lambda lib, x, v: lib.index_put(x, (lib.tensor([0, 2, 0]),), v, accumulate=True),
           [((3,), (3,)), ((4, 2), (1, 2)), ((3, 2, 2), (3, 2, 2))], covers=("IndexPut",)),
    OpSpec("index_put_mask", lambda lib, x, v: x.index_put((_mask(lib, x.shape),), v),
           [((4,), ()), ((3, 3), ())], covers=("IndexPut",)),
    OpSpec("gather", lambda lib, x: x.gather(-1, _gather_index(lib, x, -1)[..., :3]),
           [((4,),), ((2, 5),), ((2, 3, 4),)]),
    OpSpec("gather_dim0", lambda lib, x: lib.gather(x, 0, _gather_index(lib, x, 0)),
           [((3,),), ((2, 3),), ((2, 2, 3, 2),)], covers=("Gather",)),
    OpSpec("scatter", lambda lib, x, s: x.scatter(1, _scatter(lib, x, s, 1), s),
           [((2, 4), (2, 3)), ((3, 3, 2), (2, 2, 2))]),
    OpSpec("scatter_value", lambda lib, x: x.scatter(0, _scatter(lib, x, x, 0), 2.5),
           [((3,),), ((3, 2),)], covers=("Scatter",)),
    OpSpec("scatter_add", lambda lib, x, s: x.scatter_add(-1, _repeating(lib, x, s, -1), s),
           [((4,), (5,)), ((2, 3), (2, 4)), ((2, 2, 3), (1, 2, 4))]),
    OpSpec("index_select", lambda lib, x: x.index_select(-1, lib.tensor([1, 0, 1, 1])),
           [((2,),), ((3, 2),), ((2, 3, 4),)]),
    OpSpec("index_add", lambda lib, x, s: x.index_add(0, lib.tensor([2, 0, 2]), s, alpha=-1.5),
           [((3,), (3,)), ((3, 2), (3, 2)), ((4, 1, 2), (3, 1, 2))]),
    OpSpec("select", lambda lib, x: x.select(-1, 1), [((2,),), ((3, 2),), ((2, 3, 4),)],
           covers=("GetItem",)),
    OpSpec("take", lambda lib, x: lib.take(x, lib.tensor([[0, -1], [0, 1]])),
           [((2,),), ((3, 2),), ((2, 3, 2),)], covers=("GetItem", "Reshape")),
    OpSpec("take_along_dim", lambda lib, x: lib.take_along_dim(
        x, _gather_index(lib, x, 1)[:1], dim=1), [((2, 3),), ((2, 4, 3),)],
        covers=("Gather", "Expand")),
    OpSpec("take_along_dim_flat",
           lambda lib, x: lib.take_along_dim(x, lib.tensor([[3, 0], [0, 1]])),
           [((2, 2),), ((3, 2),)], covers=("GetItem",)),
    OpSpec("masked_fill", lambda lib, x: x.masked_fill(_mask(lib, x.shape[-1:]), -2.0),
           [((3,),), ((2, 3),), ((2, 2, 4),)], covers=("Where",)),
    OpSpec("masked_fill_tensor", lambda lib, x, v: x.masked_fill(_mask(lib, x.shape), v),
           [((4,), ()), ((3, 2), ())], covers=("Where",)),
    OpSpec("masked_select", lambda lib, x: x.masked_select(_mask(lib, x.shape[-1:])),
           [((5,),), ((3, 2),), ((2, 2, 3),)], covers=("GetItem", "Expand")),
    OpSpec("sort", lambda lib, x: x.sort(-1)[0], [((),), ((5,),), ((3, 4),), ((2, 3, 4),)],
           covers=("Gather",)),
    OpSpec("sort_descending", lambda lib, x: lib.sort(x, 0, descending=True).values,
           [((5,),), ((3, 4),), ((3, 2, 2),)], covers=("Gather",)),
    OpSpec("topk", lambda lib, x: x.topk(2).values, [((3,),), ((3, 4),), ((2, 3, 5),)],
           covers=("Gather",)),
    OpSpec("topk_smallest", lambda lib, x: lib.topk(x, 2, dim=0, largest=False)[0],
           [((3,),), ((4, 3),)], covers=("Gather",)),
    OpSpec("kthvalue", lambda lib, x: x.kthvalue(2, 1, keepdim=True).values,
           [((3, 4),), ((2, 3, 2),)], covers=("Gather",)),
    OpSpec("setitem_slice", lambda lib, x, v: _setitem(lib, x, v, (slice(1, None), 0)),
           [((3, 2), ()), ((3, 2), (2,)), ((3, 2, 2), (2, 2))], covers=("IndexPut",)),
    OpSpec("setitem_mask", lambda lib, x, v: _setitem(lib, x, v, _mask(lib, x.shape)),
           [((4,), ()), ((2, 3), ())], covers=("IndexPut",)),
    OpSpec("setitem_advanced", lambda lib, x, v: _setitem(lib, x, v, (lib.tensor([2, 0]),)),
           [((3,), (2,)), ((3, 2), (2, 2)), ((3, 2), (1, 2))], covers=("IndexPut",)),
    OpSpec("masked_fill_", lambda lib, x: _inplace(lib, x, "masked_fill_",
                                                   _mask(lib, x.shape), 0.5),
           [((3,),), ((2, 3),)], covers=("Where",)),
    OpSpec("index_add_", lambda lib, x, s: _inplace(lib, x, "index_add_", 0,
                                                    lib.tensor([1, 1]), s),
           [((3,), (2,)), ((2, 3), (2, 3))], covers=("IndexAdd",)),
    OpSpec("scatter_add_", lambda lib, x, s: _inplace(lib, x, "scatter_add_", 0,
                                                      _repeating(lib, x, s, 0), s),
           [((3,), (4,)), ((2, 3), (3, 3))], covers=("ScatterAdd",)),
    OpSpec("index_fill", lambda lib, x: x.index_fill(-1, lib.tensor([1, 1, 0]), -0.5),
           [((3,),), ((2, 3),)], covers=("IndexPut",)),
    OpSpec("index_fill_tensor", lambda lib, x, v: lib.index_fill(x, 0, lib.tensor([1]), v),
           [((3,), ()), ((2, 3), ())], covers=("IndexPut",)),
    OpSpec("repeat_interleave", lambda lib, x: x.repeat_interleave(2),
           [((),), ((3,),), ((2, 3),)], covers=("IndexSelect", "Reshape")),
    OpSpec("repeat_interleave_counts",
           lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 0, 3]), dim=-1),
           [((3,),), ((2, 3),)], covers=("IndexSelect",)),
]


def _long(lib, values):
    return lib.tensor(np.asarray(values, dtype=np.int64))


def _reduce_index(lib, x, src, dim):
    """Targets along dim with repeats and untouched positions (index shaped as src)."""
    return _long(lib, _index(src.shape, dim, src.shape[dim], seed=1) % max(x.shape[dim] - 1, 1))


SPECS += [
    OpSpec("index_copy", lambda lib, x, s: x.index_copy(1, _long(lib, [2, 0]), s),
           [((3, 4), (3, 2)), ((2, 3, 2), (2, 2, 2))], covers=("IndexPut",)),
    OpSpec("masked_scatter", lambda lib, x, s: x.masked_scatter(_mask(lib, x.shape[-1:]), s),
           [((4,), (5,)), ((2, 3), (2, 3)), ((2, 2, 3), (9,))], covers=("IndexPut", "GetItem")),
    OpSpec("put", lambda lib, x, s: (x.put(_long(lib, [-1, 0, 1]), s),
                                     x.put(_long(lib, [1, 1, 0]), s, accumulate=True)),
           [((3,), (3,)), ((2, 3), (1, 3))], covers=("IndexPut",)),
    OpSpec("select_scatter", lambda lib, x, s: lib.select_scatter(x, s, 1, -1),
           [((2, 3), (2,)), ((2, 3, 4), (2, 4))], covers=("IndexPut",)),
    OpSpec("slice_scatter", lambda lib, x, s: lib.slice_scatter(x, s, -1, 1, None, 2),
           [((5,), (2,)), ((2, 4), (2, 2))], covers=("IndexPut",)),
    OpSpec("diagonal_scatter", lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 0, x.dim() - 1),
           [((3, 4), (3,)), ((2, 3, 4), (3, 2))], covers=("IndexPut",)),
    OpSpec("diagonal_scatter_below", lambda lib, x, s: x.diagonal_scatter(s, -1, -1, 0),
           [((4, 3), (2,)), ((3, 2, 3), (2, 2))], covers=("IndexPut",)),
    OpSpec("fill_diagonal_", lambda lib, x: (x * 1).fill_diagonal_(0.5, wrap=True),
           [((5, 2),), ((3, 3, 3),)], covers=("Where",)),
    *[OpSpec(f"scatter_reduce_{reduce}_{'self' if include_self else 'no_self'}",
             lambda lib, x, s, reduce=reduce, include_self=include_self: x.scatter_reduce(
                 -1, _reduce_index(lib, x, s, -1), s, reduce, include_self=include_self),
             [((4,), (6,)), ((2, 4), (2, 5)), ((2, 3, 3), (1, 2, 4))],
             covers=("ScatterAdd", "IndexPut", "Amax", "Prod", "Div", "Where"))
      for reduce in ("sum", "prod", "mean", "amax", "amin") for include_self in (True, False)],
    OpSpec("index_reduce", lambda lib, x, s: tuple(
        x.index_reduce(0, _long(lib, [1, 0, 1]), s, reduce, include_self=include_self)
        for reduce in ("prod", "mean", "amax", "amin") for include_self in (True, False)),
        [((2,), (3,)), ((3, 2), (3, 2))], covers=("IndexPut", "Amin")),
]
