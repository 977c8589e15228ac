"""gradiente.linalg beyond the op specs: result fields, dtypes, error messages, vmap, forward
values that the specs only reach through gauge-invariant functions, and PyTorch's results."""

import warnings

import numpy as np
import pytest

import gradiente as gr
from gradiente.func import vmap
from tests.helpers import HAS_TORCH, requires_torch, to_numpy

if HAS_TORCH:
    import torch


def _matrix(rng, *shape, dtype=np.float64):
    """Well-conditioned square matrices (3 I added)."""
    return (rng.uniform(-1, 1, size=shape) + 3 * np.eye(shape[-1])).astype(dtype)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# ----- results ---------------------------------------------------------------------------------

def test_result_fields_and_reconstructions(rng):
    a = gr.tensor(_matrix(rng, 2, 3, 3))
    sign, logabsdet = gr.linalg.slogdet(a)
    assert gr.linalg.slogdet(a).sign is not None and not sign.requires_grad
    np.testing.assert_allclose(to_numpy(sign * logabsdet.exp()), np.linalg.det(a.numpy()))
    q, r = gr.linalg.qr(a)
    assert gr.linalg.qr(a).Q.shape == (2, 3, 3)
    np.testing.assert_allclose(to_numpy(q @ r), a.numpy(), atol=1e-12)
    np.testing.assert_allclose(to_numpy(r), np.triu(to_numpy(r)))
    sym = a + a.mT
    result = gr.linalg.eigh(sym)
    w, v = result.eigenvalues, result.eigenvectors
    np.testing.assert_allclose(to_numpy(v @ gr.diag_embed(w) @ v.mT), sym.numpy(), atol=1e-12)
    assert np.all(np.diff(w.numpy(), axis=-1) > 0)
    u, s, vh = gr.linalg.svd(a)
    assert gr.linalg.svd(a).Vh.shape == (2, 3, 3) and gr.linalg.svd(a).S.shape == (2, 3)
    np.testing.assert_allclose(to_numpy(u * s.unsqueeze(-2) @ vh), a.numpy(), atol=1e-12)
    solution = gr.linalg.lstsq(a, a).solution
    np.testing.assert_allclose(solution.numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)), atol=1e-12)


def test_svd_full_matrices_completes_an_orthonormal_basis(rng):
    for shape in ((5, 3), (3, 5), (2, 4, 2)):
        a = gr.tensor(rng.normal(size=shape))
        u, s, vh = gr.linalg.svd(a)  # full_matrices=True, PyTorch's default
        m, n = shape[-2:]
        assert u.shape[-2:] == (m, m) and vh.shape[-2:] == (n, n)
        np.testing.assert_allclose(to_numpy(u.mT @ u), np.broadcast_to(np.eye(m), u.shape),
                                   atol=1e-12)
        np.testing.assert_allclose(to_numpy(vh @ vh.mT), np.broadcast_to(np.eye(n), vh.shape),
                                   atol=1e-12)
        k = min(m, n)
        np.testing.assert_allclose(to_numpy(u[..., :k] * s.unsqueeze(-2) @ vh[..., :k, :]),
                                   a.numpy(), atol=1e-12)


def test_matrix_power_zero_and_one(rng):
    a = gr.tensor(_matrix(rng, 2, 3, 3))
    np.testing.assert_array_equal(gr.linalg.matrix_power(a, 0).numpy(),
                                  np.broadcast_to(np.eye(3), (2, 3, 3)))
    np.testing.assert_array_equal(a.matrix_power(1).numpy(), a.numpy())


@pytest.mark.parametrize("name, fn", [
    ("inv", lambda x: gr.linalg.inv(x)), ("det", lambda x: x.det()),
    ("logdet", lambda x: gr.logdet(x @ x.mT)), ("solve", lambda x: gr.linalg.solve(x, x[0])),
    ("cholesky", lambda x: gr.linalg.cholesky(x @ x.mT)),
    ("qr", lambda x: gr.linalg.qr(x).R), ("eigh", lambda x: gr.linalg.eigh(x).eigenvectors),
    ("svd", lambda x: gr.linalg.svd(x).U), ("pinv", lambda x: gr.linalg.pinv(x)),
    ("lstsq", lambda x: gr.linalg.lstsq(x, x).solution),
    ("matrix_norm", lambda x: gr.linalg.matrix_norm(x, "nuc")),
    ("cdist", lambda x: gr.cdist(x, x)), ("kron", lambda x: gr.kron(x, x)),
])
def test_float32_stays_float32(rng, name, fn):
    x = gr.tensor(_matrix(rng, 3, 3, dtype=np.float32), requires_grad=True)
    out = fn(x)
    assert out.dtype == gr.float32, name
    out.sum().backward()
    assert x.grad.dtype == gr.float32, name


# ----- errors ----------------------------------------------------------------------------------

def test_singular_matrices_raise_linalg_errors():
    singular = gr.tensor([[1., 2.], [2., 4.]])
    with pytest.raises(gr.linalg.LinAlgError, match=r"linalg\.inv: .*\(2, 2\) is singular"):
        gr.linalg.inv(singular)
    with pytest.raises(RuntimeError, match=r"linalg\.solve: .*\(2, 2\) is singular"):
        gr.linalg.solve(singular, gr.ones(2))
    with pytest.raises(gr.linalg.LinAlgError, match="linalg.cholesky: .*not positive-definite"):
        gr.linalg.cholesky(-gr.eye(2))
    assert gr.det(singular).item() == 0.0
    assert gr.logdet(singular).item() == -np.inf
    minus_eye = (-gr.eye(3)).requires_grad_()
    gr.logdet(minus_eye).backward()
    assert np.isnan(gr.logdet(minus_eye).item()) and not minus_eye.grad.numpy().any()


@pytest.mark.parametrize("call, message", [
    (lambda: gr.linalg.inv(gr.ones(2, 3)), "linalg.inv: A must be batches of square matrices, "
                                           "but they are 2 by 3 matrices"),
    (lambda: gr.linalg.det(gr.ones(3)), r"linalg.det: .*at least 2 dimensions.*\(3,\)"),
    (lambda: gr.linalg.inv(gr.eye(2).long()), "linalg.inv: Expected a floating point"),
    (lambda: gr.linalg.solve(gr.eye(2), gr.ones(3)),
     r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)"),
    (lambda: gr.linalg.solve(gr.eye(2), gr.ones(2, dtype=gr.float64)), "same dtype"),
    (lambda: gr.linalg.solve(gr.ones(2, 2, 2), gr.ones(3, 2, 1)),
     r"batch dims of A \(2, 2, 2\) and B \(3, 2, 1\)"),
    (lambda: gr.linalg.cholesky(gr.ones(2, 3)), "linalg.cholesky: A must be batches of square"),
    (lambda: gr.linalg.eigh(gr.eye(2), UPLO="X"), "UPLO must be 'L' or 'U'"),
    (lambda: gr.linalg.qr(gr.ones(3, 2), mode="full"), "unrecognized mode 'full'"),
    (lambda: gr.linalg.matrix_norm(gr.ones(2, 2), dim=(1, -1)), "dims must be different"),
    (lambda: gr.linalg.lstsq(gr.ones(3, 2), gr.ones(4, 1)), r"A \(3, 2\) and B \(4, 1\)"),
    (lambda: gr.linalg.multi_dot([gr.ones(2, 3), gr.ones(4, 2)]),
     r"multi_dot: shapes \(2, 3\) and \(4, 2\) cannot be multiplied"),
    (lambda: gr.linalg.multi_dot([gr.ones(2, 2)]), "expected at least 2 tensors but got 1"),
    (lambda: gr.linalg.matrix_norm(gr.ones(2, 2), 3), "Order 3 not supported"),
    (lambda: gr.linalg.vector_norm(gr.ones(2), "fro"), "ord must be a number"),
    (lambda: gr.linalg.norm(gr.ones(2, 2, 2), 2), "must be 1D or 2D. Got 3D"),
    (lambda: gr.linalg.cross(gr.ones(2, 3), gr.ones(2, 2)), "dimension -1 must have length 3"),
    (lambda: gr.linalg.cross(gr.ones(3), gr.ones(2, 3)), "same number of dimensions"),
    (lambda: gr.cdist(gr.ones(2, 3), gr.ones(2, 4)), r"shapes \(2, 3\) and \(2, 4\)"),
    (lambda: gr.cdist(gr.ones(2, 3), gr.ones(2, 3), p=-1), "non-negative p"),
])
def test_errors_name_the_op_and_the_shapes(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


def test_torch_names_are_not_methods_where_torch_has_none():
    assert hasattr(gr.Tensor, "inverse") and hasattr(gr.Tensor, "pinverse")
    assert not hasattr(gr.Tensor, "cdist") and not hasattr(gr.Tensor, "multi_dot")
    assert gr.norm is not gr.linalg.norm  # gradiente.norm keeps torch.norm's meaning


# ----- vmap ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda a, b: gr.linalg.inv(a), lambda a, b: gr.linalg.slogdet(a),
    lambda a, b: gr.linalg.solve(a, b), lambda a, b: gr.linalg.solve(a, b[:, None]),
    lambda a, b: gr.linalg.cholesky(a @ a.mT), lambda a, b: gr.linalg.qr(a[:, :2]),
    lambda a, b: gr.linalg.eigh(a + a.mT).eigenvalues, lambda a, b: gr.linalg.svdvals(a),
    lambda a, b: gr.linalg.pinv(a[:2]), lambda a, b: gr.linalg.cross(b, b.flip(0)),
])
def test_vmap_equals_stacking(rng, fn):
    a, b = gr.tensor(_matrix(rng, 4, 3, 3)), gr.tensor(rng.normal(size=(4, 3)))
    batched = vmap(fn)(a, b)
    batched = batched if isinstance(batched, tuple) else (batched,)
    for i in range(4):
        single = fn(a[i], b[i])
        single = single if isinstance(single, tuple) else (single,)
        for got, expected in zip(batched, single):
            np.testing.assert_allclose(got[i].numpy(), expected.numpy(), atol=1e-12)


def test_solve_with_an_unbatched_matrix_under_vmap(rng):
    a, b = gr.tensor(_matrix(rng, 3, 3)), gr.tensor(rng.normal(size=(4, 3)))
    out = vmap(gr.linalg.solve, in_dims=(None, 0))(a, b)
    np.testing.assert_allclose(out.numpy(), np.linalg.solve(a.numpy(), b.numpy().T).T)


# ----- against PyTorch -------------------------------------------------------------------------

def _both(array):
    return gr.tensor(array), torch.tensor(array)


def _fix_signs(vectors):
    """Columns scaled by the sign of their largest entry: eigenvectors and singular vectors
    are defined up to sign, and NumPy's LAPACK calls may choose other signs than PyTorch's."""
    v = to_numpy(vectors)
    largest = np.take_along_axis(v, np.abs(v).argmax(-2)[..., None, :], -2)
    return v * np.sign(largest)


@requires_torch
@pytest.mark.parametrize("name, fn", [
    ("qr", lambda lib, a: tuple(lib.linalg.qr(a))),
    ("qr_wide", lambda lib, a: tuple(lib.linalg.qr(a[..., :2, :]))),
    ("qr_modes", lambda lib, a: (*lib.linalg.qr(a[..., :2], "complete"),
                                 *lib.linalg.qr(a[..., :2, :], "complete"),
                                 *lib.linalg.qr(a[..., :2], "r"))),
    ("svd_full", lambda lib, a: (lambda r: (_fix_signs(r.U), r.S, _fix_signs(r.Vh.mT)))(
        lib.linalg.svd(a[..., :, :2]))),
    ("svd_full_wide", lambda lib, a: (lambda r: (_fix_signs(r.U), r.S, _fix_signs(r.Vh.mT)))(
        lib.linalg.svd(a[..., :2, :]))),
    ("eigh", lambda lib, a: (lambda r: (r.eigenvalues, _fix_signs(r.eigenvectors)))(
        lib.linalg.eigh(a + a.mT))),
    ("lstsq", lambda lib, a: tuple(lib.linalg.lstsq(a[..., :2], a[..., :1]))),
    ("lstsq_wide_vector", lambda lib, a: tuple(lib.linalg.lstsq(a[..., :2, :], a[..., :2, 0]))),
    ("one_triangle_read", lambda lib, a: (lib.linalg.cholesky(a + 2 * lib.eye(3).to(a.dtype)),
                                          lib.linalg.eigvalsh(a, "U"))),
    ("slogdet", lambda lib, a: tuple(lib.linalg.slogdet(-a))),
    ("det", lambda lib, a: (lib.det(a), lib.linalg.det(a[..., :1, :1]))),
    ("pinverse", lambda lib, a: lib.pinverse(a[..., :2])),
    ("pinv_tolerances", lambda lib, a: (lib.linalg.pinv(a, atol=3.0),
                                        lib.linalg.pinv(a, rtol=0.5))),
    ("matrix_power", lambda lib, a: tuple(lib.matrix_power(a, n) for n in (0, 1, 2, 5, -3))),
    ("norms", lambda lib, a: (lib.linalg.norm(a[0, 0]), lib.linalg.norm(a[0], 1),
                              lib.linalg.norm(a, dim=(0, 2)), lib.linalg.norm(a, 3, dim=1),
                              lib.linalg.vector_norm(a, 0), lib.linalg.matrix_norm(a, -1,
                                                                                   keepdim=True))),
    ("cross_default_dim", lambda lib, a: lib.cross(a[0], a[1])),
    ("kron", lambda lib, a: (lib.kron(a[0], a[1, 0]), a[0].kron(a[0, :2]))),
    ("cdist", lambda lib, a: tuple(lib.cdist(a, a[:1], p) for p in (0.0, 0.5, 2.0))),
    ("matrix_rank", lambda lib, a: (lib.linalg.matrix_rank(a), lib.linalg.matrix_rank(a[0] * 0),
                                    lib.linalg.matrix_rank(a[0, :, :1] @ a[0, :1]),
                                    lib.linalg.matrix_rank(a, atol=3.0),
                                    lib.linalg.matrix_rank(a, rtol=0.9))),
    ("diagonal_vecdot", lambda lib, a: (lib.linalg.diagonal(a, offset=-1),
                                        lib.linalg.vecdot(a, a[0]))),
])
def test_forward_values_match_torch(rng, name, fn):
    ours, theirs = _both(_matrix(rng, 2, 3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch.cross without dim is deprecated
        expected = fn(torch, theirs)
    got = fn(gr, ours)
    got, expected = [x if isinstance(x, tuple) else (x,) for x in (got, expected)]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if isinstance(g, np.ndarray):  # sign-fixed vectors
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12, err_msg=name)
            continue
        assert tuple(g.shape) == tuple(e.shape), name
        assert str(g.dtype).split(".")[-1] == str(e.dtype).split(".")[-1], name
        np.testing.assert_allclose(to_numpy(g), to_numpy(e), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@requires_torch
def test_full_matrices_svd_gradient_matches_torch(rng):
    """The completed columns carry no gradient, as in PyTorch's backward."""
    a, weights = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    ours, theirs = (lib.tensor(a, requires_grad=True) for lib in (gr, torch))
    for lib, x in ((gr, ours), (torch, theirs)):
        u, s, vh = lib.linalg.svd(x)
        assert tuple(u.shape) == (4, 4)
        (u[:, :2] * vh[:, :1].mT * lib.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


# ----- the backward rules on arrays and on Tensors ---------------------------------------------

@pytest.mark.parametrize("fn, shape", [
    (lambda x: gr.linalg.inv(x), (3, 3)), (lambda x: gr.linalg.slogdet(x).logabsdet, (3, 3)),
    (lambda x: gr.linalg.solve(x, x[..., :1] ** 2), (3, 3)),
    (lambda x: gr.linalg.cholesky(x @ x.mT), (3, 3)),
    (lambda x: (lambda q, r: q * r[..., :1, :] + r.sum())(*gr.linalg.qr(x)), (4, 3)),
    (lambda x: (lambda q, r: q.sum(-1, keepdim=True) * r)(*gr.linalg.qr(x)), (2, 4)),
    (lambda x: (lambda w, v: v * v[:1] * w)(*gr.linalg.eigh(x + x.mT)), (3, 3)),
    (lambda x: (lambda u, s, vh: u * vh[:, :1].mT * s)(*gr.linalg.svd(x, False)), (4, 2)),
    (lambda x: (lambda u, s, vh: vh * u[:1].mT * s.unsqueeze(-1))(*gr.linalg.svd(x, False)),
     (2, 4)),
    (lambda x: gr.linalg.pinv(x), (2, 3)),
])
def test_rules_on_arrays_and_tensors_agree(rng, fn, shape):
    from tests.helpers import assert_first_order_matches_create_graph
    x = gr.tensor(_matrix(rng, *shape) if shape[0] == shape[1] else rng.normal(size=shape),
                  requires_grad=True)
    assert_first_order_matches_create_graph(fn, [x])


def test_jacobians_by_forward_and_reverse_mode_agree(rng):
    from gradiente.func import jacfwd, jacrev
    x = gr.tensor(rng.normal(size=(3, 2)))
    for fn in (gr.linalg.pinv, lambda a: gr.linalg.svdvals(a), lambda a: gr.linalg.qr(a).R):
        np.testing.assert_allclose(jacfwd(fn)(x).numpy(), jacrev(fn)(x).numpy(), atol=1e-12)


@requires_torch
@pytest.mark.parametrize("name, fn, value", [
    ("eigvalsh_repeated", lambda lib, x: lib.linalg.eigvalsh(x) * lib.arange(3.0), np.eye(3)),
    ("svdvals_orthogonal", lambda lib, x: lib.linalg.svdvals(x) * lib.arange(2.0),
     [[0.6, 0.8], [-0.8, 0.6]]),
    ("svdvals_rank_deficient", lambda lib, x: lib.linalg.svdvals(x),
     [[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]),
    ("nuclear_norm_wide_rank_one", lambda lib, x: lib.linalg.matrix_norm(x, "nuc"),
     [[1.0, 2.0, 0.0], [2.0, 4.0, 0.0]]),
])
def test_value_gradients_at_repeated_values_match_torch(name, fn, value):
    """A loss of eigenvalues or singular values alone has a finite gradient at repeated values."""
    grads = []
    for lib in (gr, torch):
        x = lib.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)
        fn(lib, x).sum().backward()
        grads.append(to_numpy(x.grad))
    assert np.all(np.isfinite(grads[0])), name
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12, err_msg=name)
