"""Round 3: torch.special's Bessel, normal, zeta and incomplete-gamma functions and the
linalg factorizations (matrix_exp, LU, the *_ex forms, the deprecated top-level forms):
names, argument conventions, errors and info values against PyTorch. Values and gradients are
checked by the op specs (specs_elementwise.py, specs_linalg.py) and, for accuracy, against
mpmath in test_special.py."""

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(3)


def _both(array):
    return gr.tensor(array, dtype=gr.float64), torch.tensor(array, dtype=torch.float64)


# ----- special functions ----------------------------------------------------------------------

@requires_torch
def test_top_level_and_inplace_special_forms_match_torch():
    x, p = RNG.uniform(1.1, 3.0, 5), RNG.uniform(0.1, 4.0, 5)
    (gx, tx), (gp, tp) = _both(x), _both(p)
    pairs = [(gr.i0(gx), torch.i0(tx)), (gx.i0(), tx.i0()), (gx.clone().i0_(), tx.clone().i0_()),
             (gr.igamma(gx, gp), torch.igamma(tx, tp)), (gx.igammac(gp), tx.igammac(tp)),
             (gx.clone().igamma_(gp), tx.clone().igamma_(tp)),
             (gx.clone().igammac_(gp), tx.clone().igammac_(tp)),
             (gx.clone().mvlgamma_(2), tx.clone().mvlgamma_(2)),
             (gx.clone().polygamma_(2), tx.clone().polygamma_(2))]
    for k, (ours, theirs) in enumerate(pairs):
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-12, err_msg=str(k))


@requires_torch
def test_modified_bessel_aliases_match_torch():
    ours, theirs = _both(np.linspace(-30, 30, 61))
    for name in ("modified_bessel_i0", "modified_bessel_i1"):
        np.testing.assert_allclose(getattr(gr.special, name)(ours).numpy(),
                                   getattr(torch.special, name)(theirs).numpy(), rtol=1e-14)


def test_inplace_special_forms_write_into_the_tensor():
    x = gr.tensor([1.5, 2.5], dtype=gr.float64)
    version = x._version[0]
    out = x.polygamma_(1)
    assert out is x and x._version[0] > version
    np.testing.assert_allclose(x.numpy(), gr.polygamma(1, gr.tensor([1.5, 2.5],
                                                                    dtype=gr.float64)).numpy())


def test_special_only_names_are_not_top_level_or_methods():
    """torch has i0e, ndtri, ... only in torch.special."""
    for name in ("i0e", "i1", "i1e", "ndtri", "log_ndtr", "entr", "erfcx", "xlog1py", "zeta",
                 "gammainc", "gammaincc"):
        assert hasattr(gr.special, name)
        assert not hasattr(gr, name) and not hasattr(gr.Tensor, name), name


@pytest.mark.parametrize("fn, message", [
    (lambda x, y: gr.special.zeta(x, y), "zeta"),
    (lambda x, y: gr.special.gammainc(x, y), "igamma"),
    (lambda x, y: gr.special.gammaincc(x, y), "igammac"),
])
def test_first_argument_derivative_is_refused_as_in_torch(fn, message):
    x = gr.tensor([2.5, 3.0], dtype=gr.float64, requires_grad=True)
    y = gr.tensor([1.5, 0.5], dtype=gr.float64, requires_grad=True)
    out = fn(x, y).sum()
    with pytest.raises(NotImplementedError, match=f"the derivative for '{message}'"):
        out.backward()
    # the second argument alone is differentiable
    (grad,) = gr.autograd.grad(fn(x.detach(), y).sum(), [y])
    assert np.all(np.isfinite(grad.numpy()))
    with gr.autograd.forward_ad.dual_level():
        dual = gr.autograd.forward_ad.make_dual(x.detach(), gr.ones(2, dtype=gr.float64))
        with pytest.raises(NotImplementedError, match=f"the derivative for '{message}'"):
            fn(dual, y.detach())


@requires_torch
def test_integer_and_scalar_operands_promote_as_torch():
    ints = np.array([1, 2, 3])
    # (PyTorch's gammainc refuses integer tensors and numbers; ours promotes them)
    for name, args in [("zeta", (ints + 1, 2.0)), ("xlog1py", (ints, 0.5)),
                       ("gammainc", (ints * 1.0, ints * 0.5)), ("i0e", (ints,)),
                       ("entr", (ints,))]:
        ours = getattr(gr.special, name)(*(gr.tensor(a) if isinstance(a, np.ndarray) else a
                                           for a in args))
        theirs = getattr(torch.special, name)(*(torch.tensor(a) if isinstance(a, np.ndarray)
                                                else a for a in args))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch", "gradiente"), name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)


def test_special_functions_under_vmap():
    x = gr.tensor(RNG.uniform(0.5, 3.0, (4, 3)), dtype=gr.float64)
    for fn in (gr.special.i1, gr.special.ndtri, lambda v: gr.special.zeta(v + 1, v),
               lambda v: gr.special.gammaincc(v, 2 * v)):
        p = x / 4 if fn is gr.special.ndtri else x
        np.testing.assert_allclose(gr.vmap(fn)(p).numpy(), fn(p).numpy(), rtol=1e-14)


# ----- matrix_exp -----------------------------------------------------------------------------

@requires_torch
def test_matrix_exp_matches_torch_across_norms_and_batches():
    a = RNG.standard_normal((3, 4, 4)) * np.array([1e-3, 1.0, 20.0])[:, None, None]
    ours, theirs = _both(a)
    for x, y in [(gr.linalg.matrix_exp(ours), torch.linalg.matrix_exp(theirs)),
                 (ours.matrix_exp(), theirs.matrix_exp()), (gr.matrix_exp(ours[1]),
                                                            torch.matrix_exp(theirs[1]))]:
        np.testing.assert_allclose(to_numpy(x), to_numpy(y), rtol=1e-11)


def test_matrix_exp_exact_cases_and_errors():
    d = np.array([0.5, -2.0, 3.0])
    np.testing.assert_allclose(gr.linalg.matrix_exp(gr.tensor(np.diag(d))).numpy(),
                               np.diag(np.exp(d)), rtol=1e-14)
    np.testing.assert_array_equal(gr.linalg.matrix_exp(gr.zeros(2, 3, 3)).numpy(),
                                  np.broadcast_to(np.eye(3), (2, 3, 3)))
    rotation = gr.linalg.matrix_exp(gr.tensor([[0.0, -np.pi / 2], [np.pi / 2, 0.0]],
                                              dtype=gr.float64))
    np.testing.assert_allclose(rotation.numpy(), [[0, -1], [1, 0]], atol=1e-15)
    with pytest.raises(RuntimeError, match="linalg.matrix_exp: A must be batches of square"):
        gr.linalg.matrix_exp(gr.zeros(2, 3))
    with pytest.raises(RuntimeError, match="linalg.matrix_exp: .* at least 2 dimensions"):
        gr.linalg.matrix_exp(gr.zeros(3))


def test_factorizations_under_vmap():
    """matrix_exp, and LU's Function; lu_factor itself reads its pivots' values (not vmap)."""
    a = gr.tensor(RNG.standard_normal((3, 4, 4)), dtype=gr.float64)
    np.testing.assert_allclose(gr.vmap(gr.linalg.matrix_exp)(a).numpy(),
                               gr.linalg.matrix_exp(a).numpy(), rtol=1e-14)
    packed = gr.vmap(gr.ops.linalg.LuFactor.apply)(a)
    np.testing.assert_allclose(packed[:, :4].numpy(), gr.linalg.lu_factor(a).LU.numpy(),
                               rtol=1e-14)
    np.testing.assert_array_equal(packed[:, 4, :].numpy(), gr.linalg.lu_factor(a).pivots.numpy())


# ----- LU -------------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (3, 5), (5, 3), (2, 1, 4, 2)])
def test_lu_factor_and_lu_match_torch(shape):
    ours, theirs = _both(RNG.standard_normal(shape))
    LU, pivots, info = gr.linalg.lu_factor_ex(ours)
    LU_t, pivots_t, info_t = torch.linalg.lu_factor_ex(theirs)
    assert pivots.dtype == gr.int32 and info.dtype == gr.int32
    np.testing.assert_array_equal(pivots.numpy(), pivots_t.numpy())
    np.testing.assert_array_equal(info.numpy(), info_t.numpy())
    np.testing.assert_allclose(LU.numpy(), LU_t.numpy(), rtol=1e-12, atol=1e-14)
    for x, y in zip(gr.linalg.lu(ours), torch.linalg.lu(theirs)):
        assert tuple(x.shape) == tuple(y.shape)
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-12, atol=1e-14)
    P, L, U = gr.lu_unpack(LU, pivots)
    np.testing.assert_allclose((P @ L @ U).numpy(), ours.numpy(), rtol=1e-12, atol=1e-14)


@requires_torch
def test_lu_of_singular_matrices_gives_info_as_lapack():
    singular = np.array([[[0.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]],
                         [[1.0, 2.0], [3.0, 4.0]]])
    ours, theirs = _both(singular)
    np.testing.assert_array_equal(gr.linalg.lu_factor_ex(ours).info.numpy(),
                                  torch.linalg.lu_factor_ex(theirs).info.numpy())
    with pytest.raises(gr.linalg.LinAlgError, match=r"linalg.lu_factor: \(Batch element 0\): "
                                                    r"U\[0,0\] is zero"):
        gr.linalg.lu_factor(ours)
    with pytest.raises(gr.linalg.LinAlgError, match=r"lu: \(Batch element 0\): U\[1,1\] is zero"):
        gr.lu(ours[1:])
    LU, pivots, info = gr.lu(ours, get_infos=True)
    np.testing.assert_array_equal(info.numpy(), [1, 2, 0])


def test_lu_unpack_flags_and_errors():
    LU, pivots = gr.linalg.lu_factor(gr.tensor(RNG.standard_normal((3, 3))))
    P, L, U = gr.lu_unpack(LU, pivots, unpack_data=False)
    assert tuple(P.shape) == (3, 3) and tuple(L.shape) == (0,) and tuple(U.shape) == (0,)
    P, L, U = gr.lu_unpack(LU, pivots, unpack_pivots=False)
    assert tuple(P.shape) == (0,) and tuple(L.shape) == (3, 3)
    assert not hasattr(gr.Tensor, "lu_unpack") and not hasattr(gr.linalg, "lu_unpack")
    with pytest.raises(RuntimeError, match="LU without pivoting is not implemented"):
        gr.linalg.lu_factor(gr.eye(2), pivot=False)
    wide = gr.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="linalg.lu_factor: the derivative is implemented "
                                           "only for square matrices, got 2 by 3"):
        gr.linalg.lu_factor(wide).LU.sum().backward()
    with pytest.raises(RuntimeError, match=r"linalg.lu_solve: Incompatible shapes .* \(3x3 and "
                                           r"2x1\)"):
        gr.linalg.lu_solve(LU, pivots, gr.zeros(2, 1, dtype=gr.float64))


@requires_torch
def test_legacy_lu_solve_argument_order_matches_torch():
    a, b = RNG.standard_normal((2, 3, 3)), RNG.standard_normal((2, 3, 2))
    (ga, ta), (gb, tb) = _both(a), _both(b)
    ours = gr.lu_solve(gb, *gr.lu(ga))
    theirs = torch.lu_solve(tb, *torch.linalg.lu_factor(ta))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gb.lu_solve(*ga.lu()).numpy(), theirs.numpy(), rtol=1e-12)


# ----- the *_ex forms -------------------------------------------------------------------------

@requires_torch
def test_ex_forms_info_and_errors_match_torch():
    good = RNG.standard_normal((3, 3)) + 4 * np.eye(3)
    spd = good @ good.T
    batch = np.stack([spd, np.array([[1.0, 2, 0], [2, 1, 0], [0, 0, 1]]), np.zeros((3, 3))])
    ours, theirs = _both(batch)
    b = gr.ones(3, 3, dtype=gr.float64)
    for name, call in [("inv_ex", lambda lib, m: lib.linalg.inv_ex(m)),
                       ("solve_ex", lambda lib, m: lib.linalg.solve_ex(m, b if lib is gr else
                                                                       torch.ones(3, 3).double())),
                       ("cholesky_ex", lambda lib, m: lib.linalg.cholesky_ex(m))]:
        result, info = call(gr, ours)
        result_t, info_t = call(torch, theirs)
        np.testing.assert_array_equal(info.numpy(), info_t.numpy(), err_msg=name)
        assert info.dtype == gr.int32
        good_rows = info.numpy() == 0
        np.testing.assert_allclose(result.numpy()[good_rows], result_t.numpy()[good_rows],
                                   rtol=1e-12, err_msg=name)
        assert np.isnan(result.numpy()[~good_rows]).all(), name  # PyTorch's: unspecified
    with pytest.raises(gr.linalg.LinAlgError, match=r"linalg.cholesky_ex: \(Batch element 1\): "
                                                    r".*leading minor of order 2 is not"):
        gr.linalg.cholesky_ex(ours, check_errors=True)
    with pytest.raises(gr.linalg.LinAlgError, match=r"linalg.inv_ex: \(Batch element 2\): The "
                                                    r"diagonal element 1 is zero"):
        gr.linalg.inv_ex(ours, check_errors=True)
    with pytest.raises(gr.linalg.LinAlgError, match="linalg.solve_ex: .*singular"):
        gr.linalg.solve_ex(ours[2], gr.ones(3, dtype=gr.float64), check_errors=True)


def test_ex_forms_keep_gradients_of_the_good_matrices():
    a = gr.tensor(np.stack([np.eye(2) * 2, np.zeros((2, 2))]), dtype=gr.float64,
                  requires_grad=True)
    inverse, info = gr.linalg.inv_ex(a)
    inverse[0].sum().backward()
    np.testing.assert_allclose(a.grad.numpy()[0], -np.full((2, 2), 0.25))
    np.testing.assert_array_equal(a.grad.numpy()[1], 0)


# ----- tensorinv, tensorsolve, vander ---------------------------------------------------------

@requires_torch
def test_tensorinv_and_tensorsolve_match_torch():
    a = RNG.standard_normal((6, 6)) + 3 * np.eye(6)
    (ga, ta), (gb, tb) = _both(a.reshape(2, 3, 6)), _both(RNG.standard_normal((2, 3)))
    np.testing.assert_allclose(gr.linalg.tensorinv(ga.reshape(6, 2, 3), ind=1).numpy(),
                               torch.linalg.tensorinv(ta.reshape(6, 2, 3), ind=1).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(gr.linalg.tensorinv(ga.reshape(2, 3, 2, 3)).numpy(),
                               torch.linalg.tensorinv(ta.reshape(2, 3, 2, 3)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(gr.linalg.tensorsolve(ga, gb).numpy(),
                               torch.linalg.tensorsolve(ta, tb).numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        gr.linalg.tensorsolve(ga.reshape(6, 2, 3), gb, dims=(0,)).numpy(),
        torch.linalg.tensorsolve(ta.reshape(6, 2, 3), tb, dims=(0,)).numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"linalg.tensorinv: .* but got 3 != 2"):
        gr.linalg.tensorinv(gr.zeros(2, 3), ind=1)
    with pytest.raises(RuntimeError, match="strictly positive integer for 'ind', but got 0"):
        gr.linalg.tensorinv(gr.zeros(2, 2), ind=0)
    with pytest.raises(RuntimeError, match=r"linalg.tensorsolve: .* got shapes \(2, 3, 6\) and "
                                           r"\(3, 2\)"):
        gr.linalg.tensorsolve(ga, gb.reshape(3, 2))


@requires_torch
def test_vander_conventions_match_torch():
    x = np.array([1.5, -2.0, 0.0])
    ours, theirs = _both(x)
    for kwargs in ({}, {"N": 2}, {"N": 5}, {"increasing": True}, {"N": 0}):
        np.testing.assert_array_equal(gr.vander(ours, **kwargs).numpy(),
                                      torch.vander(theirs, **kwargs).numpy(), err_msg=str(kwargs))
    batch = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(gr.linalg.vander(gr.tensor(batch), N=4).numpy(),
                               torch.linalg.vander(torch.tensor(batch), N=4).numpy(), rtol=1e-15)
    assert not hasattr(gr.Tensor, "vander")
    with pytest.raises(RuntimeError, match="vander: x must be a one-dimensional tensor"):
        gr.vander(gr.zeros(2, 2))
    with pytest.raises(RuntimeError, match="linalg.vander: N must be greater than 1, got N=1"):
        gr.linalg.vander(ours, N=1)


# ----- the deprecated top-level forms ---------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_legacy_svd_qr_shapes_match_torch(shape):
    ours, theirs = _both(RNG.standard_normal(shape))
    for some in (True, False):
        for x, y in zip(gr.svd(ours, some=some), torch.svd(theirs, some=some)):
            assert tuple(x.shape) == tuple(y.shape), some
        for x, y in zip(ours.qr(some=some), theirs.qr(some=some)):
            assert tuple(x.shape) == tuple(y.shape), some
    U, S, V = gr.svd(ours)
    np.testing.assert_allclose((U * S.unsqueeze(-2) @ V.mT).numpy(), ours.numpy(), atol=1e-14)
    for x, y in zip(gr.svd(ours, compute_uv=False), torch.svd(theirs, compute_uv=False)):
        assert tuple(x.shape) == tuple(y.shape)
    U, S, V = gr.svd(ours, compute_uv=False)
    assert not U.numpy().any() and not V.numpy().any()
    np.testing.assert_allclose(S.numpy(), torch.linalg.svdvals(theirs).numpy(), rtol=1e-13)


@requires_torch
def test_triangular_solve_cholesky_family_match_torch():
    a = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    (ga, ta), (gb, tb) = _both(a), _both(RNG.standard_normal((3, 2)))
    for kwargs in ({}, {"upper": False}, {"transpose": True}, {"unitriangular": True}):
        X, A = gr.triangular_solve(gb, ga, **kwargs)
        X_t, A_t = torch.triangular_solve(tb, ta, **kwargs)
        np.testing.assert_allclose(X.numpy(), X_t.numpy(), rtol=1e-12, err_msg=str(kwargs))
        np.testing.assert_array_equal(A.numpy(), A_t.numpy())
        assert not np.shares_memory(A.numpy(), ga.numpy())  # a copy, as PyTorch's clone
    spd_g, spd_t = ga @ ga.mT, ta @ ta.mT
    for upper in (False, True):
        L, L_t = gr.cholesky(spd_g, upper=upper), torch.cholesky(spd_t, upper=upper)
        np.testing.assert_allclose(L.numpy(), L_t.numpy(), rtol=1e-12)
        np.testing.assert_allclose(gb.cholesky_solve(L, upper=upper).numpy(),
                                   tb.cholesky_solve(L_t, upper=upper).numpy(), rtol=1e-12)
        np.testing.assert_allclose(gr.cholesky_inverse(L, upper=upper).numpy(),
                                   torch.cholesky_inverse(L_t, upper=upper).numpy(), rtol=1e-12)
