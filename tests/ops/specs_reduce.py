"""Op specs of ``gradiente.ops.reduce``: sums, products, extremes, moments, norms, scans.

Extremes (max, amax, median, the inf-norm) get distinct values spaced well apart, so finite
differences never cross a tie; products get zeros where the rule must not divide by x. Tie
semantics are checked against PyTorch in ``test_reduce_linalg_extra.py``.
"""

import math

import numpy as np

from tests.ops.spec import OpSpec

ANY_SHAPE = [((),), ((5,),), ((3, 4),), ((2, 3, 4),)]
MATRIX_UP = [((3, 4),), ((2, 3, 4),), ((2, 1, 5),)]
CUBE = [((2, 3, 4),), ((3, 1, 2),)]


def distinct(rng, shapes):
    """Values a permutation of an evenly spaced grid (gap 0.25): no ties, no near-ties."""
    arrays = []
    for s in shapes:
        n = math.prod(s)
        grid = (np.arange(n) - n / 2) * 0.25 + 0.1
        arrays.append(rng.permutation(grid).reshape(s) + rng.uniform(-0.02, 0.02, size=s))
    return arrays


def distinct_magnitudes(rng, shapes):
    """Distinct magnitudes in [0.5, ...) of random sign: for norms (kinks at 0 and at ties)."""
    arrays = []
    for s in shapes:
        n = math.prod(s)
        magnitude = rng.permutation(0.5 + 0.25 * np.arange(n)).reshape(s)
        arrays.append(rng.choice([-1.0, 1.0], size=s) * magnitude)
    return arrays


def away_from_zero(rng, shapes):
    return [rng.choice([-1.0, 1.0], size=s) * rng.uniform(0.5, 1.5, size=s) for s in shapes]


def zeros_along(dim, count=1):
    """Values in [0.5, 1.5] of random sign with ``count`` zeros in every slice along ``dim``
    (the last slice keeps none, so both cases are exercised)."""
    def make(rng, shapes):
        arrays = []
        for s in shapes:
            a = np.moveaxis(away_from_zero(rng, [s])[0], dim, -1)
            rows = a.reshape(-1, a.shape[-1])
            for row in rows[:-1] if len(rows) > 1 else rows:
                row[rng.choice(a.shape[-1], size=count, replace=False)] = 0.0
            arrays.append(np.moveaxis(rows.reshape(a.shape), -1, dim))
        return arrays
    return make


def quantile_levels(rng, shape, n):
    """Levels q whose ranks q (n - 1) sit strictly between integers: no kink in q nearby."""
    ranks = rng.integers(0, n - 1, size=shape) + rng.uniform(0.2, 0.8, size=shape)
    return ranks / (n - 1)


def with_nans(rng, shapes):
    """``distinct`` values with a NaN at index (0, ..., 0, 1): one slice along any dim has one
    NaN, never only NaNs."""
    arrays = distinct(rng, shapes)
    for a in arrays:
        a[(0,) * (a.ndim - 1) + (1,)] = np.nan
    return arrays


SPECS = [
    # ----- sum, mean ------------------------------------------------------------------------
    OpSpec("sum", lambda lib, x: lib.sum(x), ANY_SHAPE),
    OpSpec("sum_dim", lambda lib, x: x.sum(-1), [((5,),), ((3, 4),), ((2, 3, 4),)],
           covers=("Sum",)),
    OpSpec("sum_dims_keepdim", lambda lib, x: x.sum((0, -1), keepdim=True), MATRIX_UP,
           covers=("Sum",)),
    OpSpec("sum_dim_keepdim", lambda lib, x: lib.sum(x, dim=1, keepdim=True), MATRIX_UP,
           covers=("Sum",)),
    OpSpec("sum_scalar_dim", lambda lib, x: x.sum(0), [((),), ((4,),)], covers=("Sum",)),
    OpSpec("mean", lambda lib, x: x.mean(), ANY_SHAPE),
    OpSpec("mean_dims", lambda lib, x: lib.mean(x, dim=(-1, 0)), MATRIX_UP, covers=("Mean",)),
    OpSpec("mean_dim_keepdim", lambda lib, x: x.mean(1, keepdim=True), MATRIX_UP,
           covers=("Mean",)),
    OpSpec("nansum", lambda lib, x: lib.nansum(x, 0), [((3, 4),)], covers=("Sum", "Where")),
    # ----- prod ---------------------------------------------------------------------------------
    OpSpec("prod", lambda lib, x: x.prod(), ANY_SHAPE, make_inputs=away_from_zero),
    OpSpec("prod_dim", lambda lib, x: lib.prod(x, 1), MATRIX_UP, make_inputs=away_from_zero,
           covers=("Prod",)),
    OpSpec("prod_dim_keepdim", lambda lib, x: x.prod(-1, keepdim=True), MATRIX_UP,
           make_inputs=away_from_zero, covers=("Prod",)),
    OpSpec("prod_one_zero", lambda lib, x: x.prod(), [((1,),), ((4,),)],
           make_inputs=zeros_along(0), covers=("Prod",)),
    OpSpec("prod_dim_one_zero", lambda lib, x: x.prod(1), [((3, 4),), ((2, 5, 3),)],
           make_inputs=zeros_along(1), covers=("Prod",)),
    OpSpec("prod_dim_two_zeros", lambda lib, x: x.prod(-1), [((3, 4),)],
           make_inputs=zeros_along(-1, 2), covers=("Prod",)),
    # ----- extremes -----------------------------------------------------------------------------
    OpSpec("amax", lambda lib, x: lib.amax(x), ANY_SHAPE, make_inputs=distinct),
    OpSpec("amax_dims", lambda lib, x: x.amax((0, -1)), MATRIX_UP, make_inputs=distinct,
           covers=("Amax",)),
    OpSpec("amin", lambda lib, x: x.amin(dim=1, keepdim=True), MATRIX_UP,
           make_inputs=distinct),
    OpSpec("max_all", lambda lib, x: x.max(), ANY_SHAPE, make_inputs=distinct,
           covers=("Amax",)),
    OpSpec("min_all", lambda lib, x: lib.min(x), ANY_SHAPE, make_inputs=distinct,
           covers=("Amin",)),
    OpSpec("max_dim", lambda lib, x: lib.max(x, dim=1), MATRIX_UP, make_inputs=distinct,
           covers=("SelectByIndex",)),
    OpSpec("max_dim_keepdim", lambda lib, x: x.max(-1, keepdim=True), MATRIX_UP,
           make_inputs=distinct, covers=("SelectByIndex",)),
    OpSpec("max_scalar_dim", lambda lib, x: x.max(0), [((),), ((5,),)], make_inputs=distinct,
           covers=("SelectByIndex",)),
    OpSpec("min_dim", lambda lib, x: x.min(0), MATRIX_UP, make_inputs=distinct,
           covers=("SelectByIndex",)),
    OpSpec("max_values", lambda lib, x: x.max(dim=-2).values, MATRIX_UP, make_inputs=distinct,
           covers=("SelectByIndex",)),
    OpSpec("max_binary", lambda lib, x, y: lib.max(x, y), [((3, 4), (4,))],
           make_inputs=distinct, covers=("Maximum",)),
    OpSpec("median", lambda lib, x: x.median(), ANY_SHAPE, make_inputs=distinct),
    OpSpec("median_dim", lambda lib, x: lib.median(x, 1), MATRIX_UP, make_inputs=distinct,
           covers=("SelectByIndex",)),
    OpSpec("median_dim_keepdim", lambda lib, x: x.median(-1, keepdim=True), MATRIX_UP,
           make_inputs=distinct, covers=("SelectByIndex",)),
    # ----- moments ------------------------------------------------------------------------------
    OpSpec("var", lambda lib, x: x.var(), [((5,),), ((3, 4),), ((2, 3, 4),)]),
    OpSpec("var_dim_biased", lambda lib, x: lib.var(x, 1, unbiased=False), MATRIX_UP,
           covers=("Var",)),
    OpSpec("var_dims_correction", lambda lib, x: x.var((0, -1), keepdim=True, correction=2),
           [((3, 4),), ((2, 3, 4),)], covers=("Var",)),
    OpSpec("std", lambda lib, x: x.std(), [((5,),), ((3, 4),)], covers=("Std",)),
    OpSpec("std_dim", lambda lib, x: lib.std(x, dim=-1, keepdim=True), MATRIX_UP,
           covers=("Std",)),
    OpSpec("var_mean", lambda lib, x: lib.var_mean(x, 0), MATRIX_UP, covers=("Var", "Mean")),
    OpSpec("std_mean", lambda lib, x: lib.std_mean(x, dim=(0, 1), correction=0), MATRIX_UP,
           covers=("Std", "Mean")),
    # ----- norms --------------------------------------------------------------------------------
    OpSpec("norm", lambda lib, x: x.norm(), ANY_SHAPE, make_inputs=away_from_zero),
    OpSpec("norm_dim", lambda lib, x: lib.norm(x, dim=1), MATRIX_UP,
           make_inputs=away_from_zero, covers=("Norm",)),
    OpSpec("norm_fro_dims", lambda lib, x: x.norm("fro", dim=(0, 1), keepdim=True), MATRIX_UP,
           make_inputs=away_from_zero, covers=("Norm",)),
    OpSpec("norm_1", lambda lib, x: x.norm(p=1, dim=-1), MATRIX_UP,
           make_inputs=away_from_zero, covers=("Norm",)),
    OpSpec("norm_3", lambda lib, x: x.norm(3), [((5,),), ((3, 4),)],
           make_inputs=away_from_zero, covers=("Norm",)),
    OpSpec("norm_half", lambda lib, x: lib.norm(x, 0.5, dim=0), [((5,),), ((3, 4),)],
           make_inputs=away_from_zero, covers=("Norm",)),
    OpSpec("norm_inf", lambda lib, x: x.norm(math.inf, dim=1), MATRIX_UP,
           make_inputs=distinct_magnitudes, covers=("Norm",)),
    OpSpec("norm_neg_inf", lambda lib, x: x.norm(-math.inf), [((5,),), ((3, 4),)],
           make_inputs=distinct_magnitudes, covers=("Norm",)),
    OpSpec("norm_0", lambda lib, x: x.norm(0, dim=1), [((3, 4),)], covers=("Norm",)),
    # ----- log-sum-exp --------------------------------------------------------------------------
    OpSpec("logsumexp", lambda lib, x: x.logsumexp(dim=-1), [((5,),), ((3, 4),),
                                                             ((2, 3, 4),)]),
    OpSpec("logsumexp_dims", lambda lib, x: lib.logsumexp(x, (0, 1), keepdim=True), MATRIX_UP,
           covers=("Logsumexp",)),
    OpSpec("logsumexp_scalar", lambda lib, x: lib.logsumexp(x, 0), [((),)],
           covers=("Logsumexp",)),
    # ----- scans --------------------------------------------------------------------------------
    OpSpec("cumsum", lambda lib, x: x.cumsum(-1), [((),), ((5,),), ((3, 4),), ((2, 3, 4),)]),
    OpSpec("cumsum_dim0", lambda lib, x: lib.cumsum(x, dim=0), MATRIX_UP, covers=("Cumsum",)),
    OpSpec("cumprod", lambda lib, x: x.cumprod(1), MATRIX_UP, make_inputs=away_from_zero),
    OpSpec("cumprod_vector", lambda lib, x: lib.cumprod(x, 0), [((),), ((6,),)],
           make_inputs=away_from_zero, covers=("Cumprod",)),
    OpSpec("cumprod_one_zero", lambda lib, x: x.cumprod(-1), [((6,),), ((3, 5),)],
           make_inputs=zeros_along(-1), covers=("Cumprod",)),
    OpSpec("cumprod_dim0_one_zero", lambda lib, x: x.cumprod(0), [((5, 3),), ((4, 2, 3),)],
           make_inputs=zeros_along(0), covers=("Cumprod",)),
    OpSpec("cumprod_two_zeros", lambda lib, x: x.cumprod(-1), [((3, 5),)],
           make_inputs=zeros_along(-1, 2), covers=("Cumprod",)),
    OpSpec("cumprod_three_zeros", lambda lib, x: x.cumprod(-1), [((3, 6),)],
           make_inputs=zeros_along(-1, 3), covers=("Cumprod",)),
    OpSpec("logcumsumexp", lambda lib, x: x.logcumsumexp(-1),
           [((),), ((5,),), ((3, 4),), ((2, 3, 4),)]),
    OpSpec("logcumsumexp_wide", lambda lib, x: lib.logcumsumexp(x, 0), [((6,),), ((5, 3),)],
           low=-300.0, high=300.0, covers=("Logcumsumexp",)),
    OpSpec("cummax", lambda lib, x: lib.cummax(x, -1), [((),), ((6,),), ((3, 4),)],
           make_inputs=distinct, covers=("Gather",)),
    OpSpec("cummin_values", lambda lib, x: x.cummin(0).values, [((5,),), ((4, 2, 3),)],
           make_inputs=distinct, covers=("Gather",)),
    # ----- order statistics ---------------------------------------------------------------------
    OpSpec("quantile", lambda lib, x: lib.quantile(x, 0.3), ANY_SHAPE, make_inputs=distinct,
           covers=("Gather", "Lerp")),
    OpSpec("quantile_dim_q_tensor", lambda lib, x, q: x.quantile(q, dim=0, keepdim=True),
           [((5, 3), (4,)), ((5,), (1,)), ((5, 2, 3), ())], make_inputs=lambda rng, shapes: [
               distinct(rng, shapes[:1])[0], quantile_levels(rng, shapes[1], 4)],
           covers=("Gather", "Lerp")),
    *[OpSpec(f"quantile_{mode}", lambda lib, x, mode=mode: lib.quantile(
        x, lib.tensor([0.0, 0.3, 0.6, 0.875, 1.0], dtype=x.dtype), dim=-1, interpolation=mode),
        [((9,),), ((2, 3, 9),)], make_inputs=distinct, covers=("Gather",)) for mode in (
            "lower", "higher", "midpoint", "nearest")],
    OpSpec("nanquantile", lambda lib, x: lib.nanquantile(x, 0.4, dim=1),
           [((3, 6),), ((2, 5, 4),)], make_inputs=with_nans, covers=("Gather", "Lerp")),
    OpSpec("mode_distinct", lambda lib, x: lib.mode(x, 1), MATRIX_UP, make_inputs=distinct,
           covers=("SelectByIndex",)),
    OpSpec("nanmedian", lambda lib, x: x.nanmedian(), ANY_SHAPE, make_inputs=distinct,
           covers=("Median",)),
    OpSpec("nanmedian_with_nans", lambda lib, x: lib.nanmedian(x), [((3, 5),)],
           make_inputs=with_nans, covers=("Median", "GetItem")),
    OpSpec("nanmedian_dim", lambda lib, x: lib.nanmedian(x, 1, keepdim=True),
           [((3, 6),), ((2, 5, 4),)], make_inputs=with_nans, covers=("SelectByIndex",)),
    OpSpec("aminmax", lambda lib, x: lib.aminmax(x), ANY_SHAPE, make_inputs=distinct,
           covers=("Amin", "Amax")),
    OpSpec("aminmax_dim", lambda lib, x: x.aminmax(dim=-1, keepdim=True), MATRIX_UP,
           make_inputs=distinct, covers=("Amin", "Amax")),
]
