"""Op specs of ``gradiente.ops.linalg``: matmul and its 2-D/3-D forms, einsum, diagonals."""

import numpy as np

from tests.ops.spec import OpSpec

MATMUL_SHAPES = [
    ((3,), (3,)),              # dot
    ((2, 3), (3,)),            # matrix @ vector
    ((3,), (3, 4)),            # vector @ matrix
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),       # batch @ matrix
    ((3,), (2, 3, 4)),         # vector @ batch
    ((2, 3, 4), (4,)),         # batch @ vector
    ((2, 1, 2, 3), (3, 3, 2)),  # batch dims broadcast both ways
    ((4, 2, 3), (4, 3, 2)),
]


def _einsum(equation, shapes):
    return OpSpec(f"einsum[{equation}]", lambda lib, *xs: lib.einsum(equation, *xs), shapes,
                  covers=("Einsum",))


SPECS = [
    OpSpec("matmul", lambda lib, x, y: x @ y, MATMUL_SHAPES),
    OpSpec("matmul_function", lambda lib, x, y: lib.matmul(x, y), [((2, 3), (3, 2))],
           covers=("Matmul",)),
    OpSpec("matmul_same_operand", lambda lib, x: x @ x, [((3, 3),), ((2, 3, 3),)],
           covers=("Matmul",)),
    OpSpec("mm", lambda lib, x, y: lib.mm(x, y), [((2, 3), (3, 4)), ((1, 3), (3, 1))],
           covers=("Matmul",)),
    OpSpec("bmm", lambda lib, x, y: x.bmm(y), [((2, 3, 4), (2, 4, 5))], covers=("Matmul",)),
    OpSpec("mv", lambda lib, x, y: lib.mv(x, y), [((2, 3), (3,))], covers=("Matmul",)),
    OpSpec("dot", lambda lib, x, y: x.dot(y), [((4,), (4,))], covers=("Matmul",)),
    OpSpec("outer", lambda lib, x, y: lib.outer(x, y), [((3,), (4,)), ((1,), (2,))],
           covers=("Mul",)),
    OpSpec("inner", lambda lib, x, y: lib.inner(x, y),
           [((3,), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,)), ((), (2, 3))],
           covers=("Einsum", "Mul")),
    OpSpec("addmm", lambda lib, b, x, y: lib.addmm(b, x, y), [((4,), (2, 3), (3, 4)),
                                                            ((2, 4), (2, 3), (3, 4))],
           covers=("Matmul", "Add")),
    OpSpec("addmm_scaled", lambda lib, b, x, y: b.addmm(x, y, beta=0.5, alpha=-2.0),
           [((2, 1), (2, 3), (3, 4))], covers=("Matmul", "Add", "Mul")),
    _einsum("ij,jk->ik", [((2, 3), (3, 4))]),
    _einsum("ij,jk", [((2, 3), (3, 4))]),
    _einsum("bij,bjk->bik", [((2, 2, 3), (2, 3, 4))]),
    _einsum("ii->i", [((3, 3),)]),
    _einsum("ii", [((3, 3),)]),
    _einsum("iij->ji", [((3, 3, 2),)]),
    _einsum("ij->", [((2, 3),)]),
    _einsum("ij->j", [((2, 3),)]),
    _einsum("ba", [((2, 3),)]),
    _einsum("i,j->ij", [((2,), (3,))]),
    _einsum("i,i->", [((4,), (4,))]),
    _einsum("...ij,...jk->...ik", [((2, 2, 3), (3, 4)), ((3, 4), (2, 4, 2)),
                                   ((2, 1, 2, 3), (3, 3, 4))]),
    _einsum("...i->...", [((4,),), ((2, 3),), ((2, 3, 4),)]),
    _einsum("i...,i...", [((3, 2), (3, 1)), ((3,), (3,))]),
    _einsum("ij,ij->ij", [((1, 3), (2, 3)), ((2, 3), (2, 3))]),
    _einsum("ij,jk,kl->il", [((2, 3), (3, 4), (4, 2))]),
    _einsum("i, i, i", [((4,), (4,), (4,))]),
    OpSpec("einsum_same_operand", lambda lib, x: lib.einsum("ij,ij->", x, x), [((2, 3),)],
           covers=("Einsum",)),
    OpSpec("einsum_list", lambda lib, x, y: lib.einsum("ij,j->i", [x, y]), [((2, 3), (3,))],
           covers=("Einsum",)),
    OpSpec("diagonal", lambda lib, x: x.diagonal(), [((3, 3),), ((2, 4),), ((4, 2),)]),
    OpSpec("diagonal_offset", lambda lib, x: lib.diagonal(x, 1, -1, 0),
           [((3, 4),), ((2, 3, 4),)], covers=("Diagonal",)),
    OpSpec("diagonal_negative_offset", lambda lib, x: x.diagonal(-1, 1, 2), [((2, 3, 4),)],
           covers=("Diagonal",)),
    OpSpec("diag_embed", lambda lib, x: lib.diag_embed(x), [((3,),), ((2, 3),)]),
    OpSpec("diag_embed_offset", lambda lib, x: x.diag_embed(1, 0, 2), [((2, 3),)],
           covers=("DiagEmbed",)),
    OpSpec("diag_vector", lambda lib, x: lib.diag(x, -1), [((3,),)], covers=("DiagEmbed",)),
    OpSpec("diag_matrix", lambda lib, x: x.diag(1), [((3, 4),)], covers=("Diagonal",)),
    OpSpec("trace", lambda lib, x: lib.trace(x), [((3, 3),), ((2, 4),)],
           covers=("Diagonal", "Sum")),
]


# ----- torch.linalg ---------------------------------------------------------------------------

def _invertible(rng, shapes):
    """Square inputs made well-conditioned (3 I added); the others uniform in [-1, 1]."""
    arrays = [rng.uniform(-1, 1, size=s) for s in shapes]
    return [a + 3 * np.eye(a.shape[-1]) if len(s) >= 2 and s[-1] == s[-2] else a
            for a, s in zip(arrays, shapes)]


def _linalg(name, fn, shapes, covers, make_inputs=_invertible, **kwargs):
    return OpSpec(name, fn, shapes, make_inputs=make_inputs, covers=covers, **kwargs)


def _spd(lib, x):
    return x @ x.mT


def _eigh_invariants(lib, x):
    """Eigenvalues and the sign-invariant V ∘ (each column's first entry)."""
    w, V = lib.linalg.eigh(x + x.mT)
    return w, V * V[..., :1, :]


def _svd_invariants(lib, x):
    """S, and U and Vh each scaled by the other's first entries: invariant to the signs."""
    U, S, Vh = lib.linalg.svd(x, full_matrices=False)
    return S, U * Vh[..., :, :1].mT, Vh * U[..., :1, :].mT


SQUARE = [((3, 3),), ((2, 3, 3),), ((1, 1),)]
RECTANGULAR = [((4, 3),), ((3, 5),), ((2, 3, 3),), ((2, 1, 4, 2),)]

SPECS += [
    _linalg("linalg_inv", lambda lib, x: lib.linalg.inv(x), SQUARE, ("Inv",)),
    _linalg("inverse", lambda lib, x: x.inverse(), [((2, 2),)], ("Inv",)),
    _linalg("det", lambda lib, x: lib.linalg.det(x), SQUARE, ("Slogdet", "Exp", "Mul")),
    _linalg("det_negative", lambda lib, x: (-x).det(), [((3, 3),)], ("Slogdet",)),
    _linalg("slogdet", lambda lib, x: lib.linalg.slogdet(x).logabsdet, SQUARE, ("Slogdet",)),
    _linalg("logdet", lambda lib, x: lib.logdet(_spd(lib, x)), [((3, 3),), ((2, 2, 2),)],
            ("Slogdet",)),
    _linalg("solve", lambda lib, a, b: lib.linalg.solve(a, b),
            [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3)),
             ((3, 3), (2, 3, 1)), ((2, 1, 3, 3), (4, 3, 2))], ("Solve",)),
    _linalg("solve_right", lambda lib, a, b: lib.linalg.solve(a, b, left=False),
            [((3, 3), (2, 3))], ("Solve",)),
    _linalg("cholesky", lambda lib, x: lib.linalg.cholesky(_spd(lib, x)), SQUARE,
            ("Cholesky",)),
    _linalg("cholesky_upper", lambda lib, x: lib.linalg.cholesky(_spd(lib, x), upper=True),
            [((3, 3),)], ("Cholesky",)),
    _linalg("qr", lambda lib, x: tuple(lib.linalg.qr(x)), RECTANGULAR + [((1, 3),)], ("Qr",)),
    _linalg("eigh", _eigh_invariants, [((3, 3),), ((2, 4, 4),), ((1, 1),)], ("Eigh",)),
    _linalg("eigh_upper", lambda lib, x: lib.linalg.eigh(x + x.mT, UPLO="U").eigenvalues,
            [((3, 3),)], ("Eigh",)),
    _linalg("eigvalsh", lambda lib, x: lib.linalg.eigvalsh(x + x.mT), [((3, 3),)], ("Eigh",)),
    _linalg("svd", _svd_invariants, RECTANGULAR + [((1, 3),), ((1, 1),)], ("Svd",)),
    _linalg("svd_reconstruction", lambda lib, x: (lambda r: r.U * r.S.unsqueeze(-2) @ r.Vh)(
        lib.linalg.svd(x, full_matrices=False)), [((4, 2),), ((2, 4),)], ("Svd",)),
    _linalg("svdvals", lambda lib, x: lib.linalg.svdvals(x), RECTANGULAR, ("Svd",)),
    _linalg("pinv", lambda lib, x: lib.linalg.pinv(x), RECTANGULAR, ("Pinv",)),
    _linalg("pinverse", lambda lib, x: x.pinverse(), [((3, 2),)], ("Pinv",)),
    _linalg("lstsq", lambda lib, a, b: lib.linalg.lstsq(a, b).solution,
            [((4, 3), (4, 2)), ((4, 3), (4,)), ((2, 4, 3), (2, 4, 1))], ("Pinv", "Matmul")),
    _linalg("matrix_power", lambda lib, x: lib.linalg.matrix_power(x, 3), SQUARE, ("Matmul",)),
    _linalg("matrix_power_negative", lambda lib, x: x.matrix_power(-2), [((3, 3),)],
            ("Inv", "Matmul")),
    _linalg("multi_dot", lambda lib, *xs: lib.linalg.multi_dot(xs),
            [((3,), (3, 4), (4, 2), (2,)), ((2, 3), (3, 4)), ((2, 3), (3,))], ("Matmul",)),
    _linalg("vector_norm", lambda lib, x: lib.linalg.vector_norm(x), [((3,),), ((2, 3),)],
            ("Norm",)),
    _linalg("vector_norm_ord_dim", lambda lib, x: lib.linalg.vector_norm(x, 3, -1, True),
            [((2, 3),)], ("Norm",)),
    _linalg("vector_norm_inf", lambda lib, x: lib.linalg.vector_norm(x, float("inf"), (0, 1)),
            [((2, 3, 2),)], ("Norm",)),
    _linalg("matrix_norm_fro", lambda lib, x: lib.linalg.matrix_norm(x), [((3, 4),), ((2, 3, 3),)],
            ("Norm",)),
    _linalg("matrix_norm_nuc", lambda lib, x: lib.linalg.matrix_norm(x, "nuc"),
            [((3, 4),), ((2, 3, 3),)], ("Svd", "Sum")),
    _linalg("matrix_norm_2", lambda lib, x: (lib.linalg.matrix_norm(x, 2),
                                             lib.linalg.matrix_norm(x, -2)),
            [((3, 4),), ((2, 3, 3),)], ("Svd", "Amax", "Amin")),
    _linalg("matrix_norm_1_inf", lambda lib, x: tuple(lib.linalg.matrix_norm(x, o)
                                                      for o in (1, -1, np.inf, -np.inf)),
            [((3, 4),), ((2, 3, 3),)], ("Sum", "Amax", "Amin")),
    _linalg("matrix_norm_dims", lambda lib, x: lib.linalg.matrix_norm(x, "nuc", (0, 2), True),
            [((3, 2, 4),)], ("Svd",)),
    _linalg("linalg_norm", lambda lib, x: (lib.linalg.norm(x), lib.linalg.norm(x, 1, 0),
                                           lib.linalg.norm(x, 2), lib.linalg.norm(x, "fro")),
            [((3, 4),)], ("Norm", "Svd")),
    _linalg("linalg_cross", lambda lib, x, y: lib.linalg.cross(x, y),
            [((3,), (3,)), ((2, 3), (1, 3)), ((4, 1, 3), (1, 2, 3))], ("Roll", "Mul", "Sub")),
    _linalg("cross", lambda lib, x, y: x.cross(y, dim=0), [((3, 2), (3, 2))], ("Roll",)),
    _linalg("kron", lambda lib, x, y: lib.kron(x, y),
            [((2, 3), (3, 2)), ((2,), (3,)), ((2, 2, 2), (2, 3))], ("Mul",)),
    _linalg("cdist", lambda lib, x, y: lib.cdist(x, y), [((3, 2), (4, 2)), ((2, 3, 2), (1, 4, 2))],
            ("Norm",)),
    _linalg("cdist_p", lambda lib, x, y: tuple(lib.cdist(x, y, p) for p in (1.0, 3.0, np.inf)),
            [((3, 2), (4, 2))], ("Norm",)),
    _linalg("vecdot", lambda lib, x, y: lib.linalg.vecdot(x, y, dim=0), [((3, 2), (3, 1))],
            ("Mul", "Sum")),
    _linalg("solve_triangular", lambda lib, a, b: (
        lib.linalg.solve_triangular(a, b, upper=False),
        lib.linalg.solve_triangular(a, b, upper=True, unitriangular=True),
        lib.linalg.solve_triangular(a, b.mT, upper=True, left=False)),
        [((3, 3), (3, 2)), ((2, 3, 3), (3, 1))], ("Solve", "Tril", "Triu")),
    _linalg("cond", lambda lib, x: (lib.linalg.cond(x), lib.linalg.cond(x, -2)),
            [((3, 3),), ((2, 2, 2),)], ("Svd",)),
    # torch 2.13's own backward of cond(x, 'fro' / 1) fails (it modifies LinalgInvEx's output in
    # place), so torch's side is spelled out as the definition ‖A‖ ‖A⁻¹‖
    _linalg("cond_norms", lambda lib, x: tuple(lib.linalg.cond(x, p) for p in ("fro", 1)),
            [((3, 3),), ((2, 2, 2),)], ("Inv", "Norm", "Amax"),
            torch_fn=lambda lib, x: tuple(lib.linalg.matrix_norm(x, p)
                                          * lib.linalg.matrix_norm(lib.linalg.inv(x), p)
                                          for p in ("fro", 1))),
    _linalg("linalg_diagonal", lambda lib, x: lib.linalg.diagonal(x, offset=1),
            [((2, 3, 4),)], ("Diagonal",)),
]

SPECS += [
    OpSpec("addmv", lambda lib, x, a, v: (lib.addmv(x, a, v), x.addmv(a, v, beta=0.5, alpha=-2)),
           [((3,), (3, 2), (2,)), ((1,), (2, 4), (4,))], covers=("Matmul",)),
    OpSpec("addr", lambda lib, x, u, v: lib.addr(x, u, v, beta=2, alpha=0.5),
           [((3, 2), (3,), (2,)), ((2,), (3,), (2,))], covers=("Matmul", "Mul")),
    OpSpec("baddbmm", lambda lib, x, a, b: x.baddbmm(a, b, alpha=1.5),
           [((2, 3, 2), (2, 3, 4), (2, 4, 2)), ((3, 1), (2, 3, 2), (2, 2, 1))],
           covers=("Matmul",)),
    OpSpec("addbmm", lambda lib, x, a, b: lib.addbmm(x, a, b, beta=0.5),
           [((3, 2), (2, 3, 4), (2, 4, 2)), ((1,), (3, 2, 2), (3, 2, 3))], covers=("Matmul",)),
    OpSpec("addmm_inplace", lambda lib, x, a, b: (x * 1).addmm_(a, b, beta=0, alpha=2),
           [((2, 3), (2, 4), (4, 3))], covers=("Matmul",)),
    OpSpec("tensordot", lambda lib, a, b: (lib.tensordot(a, b, dims=1),
                                           lib.tensordot(a, b, dims=([0], [1]))),
           [((2, 3), (3, 2)), ((3, 2, 2), (2, 3))], covers=("Matmul", "Permute")),
    OpSpec("tensordot_pairs", lambda lib, a, b: lib.tensordot(a, b, dims=([2, 0], [0, 1])),
           [((2, 3, 4), (4, 2, 5)), ((1, 2, 3), (3, 1))], covers=("Matmul", "Permute")),
    OpSpec("vdot", lambda lib, x, y: x.vdot(y), [((3,), (3,)), ((1,), (1,))],
           covers=("Matmul",)),
    OpSpec("chain_matmul", lambda lib, a, b, c: (lib.chain_matmul(a, b, c), lib.chain_matmul(a)),
           [((2, 3), (3, 4), (4, 1))], covers=("Matmul",), no_torch="",
           torch_fn=lambda torch, a, b, c: (torch.linalg.multi_dot([a, b, c]), a.clone())),
    OpSpec("cov", lambda lib, x: (lib.cov(x), x.cov(correction=0)),
           [((5,),), ((2, 4),), ((3, 6),)], covers=("Matmul", "Mean")),
    OpSpec("cov_weights", lambda lib, x, a: lib.cov(
        x, fweights=lib.tensor(np.arange(1, x.shape[-1] + 1)), aweights=a.abs() + 0.5),
        [((2, 4), (4,)), ((5,), (5,))], covers=("Matmul", "Sum")),
    OpSpec("corrcoef", lambda lib, x: x.corrcoef(), [((4,),), ((3, 5),)],
           covers=("Matmul", "Clamp")),
    OpSpec("dist", lambda lib, x, y: (lib.dist(x, y), x.dist(y, 1), x.dist(y, 3.5)),
           [((3,), (3,)), ((2, 3), (3,)), ((), ())], covers=("Norm",)),
    # slices with norms above and below maxnorm
    OpSpec("renorm", lambda lib, x: (x.renorm(2, 0, 1.5), lib.renorm(x, 1, -1, 2.0)),
           [((3, 4),), ((2, 3, 2),)], covers=("Norm", "Where")),
]


def _pivoting(rng, shapes):
    """Square inputs dominated by 3·(a permutation), so LU's row swaps are clear-cut and stay
    the same under finite differences; the others uniform in [-1, 1]."""
    arrays = []
    for s in shapes:
        a = rng.uniform(-1, 1, size=s)
        if len(s) >= 2 and s[-1] == s[-2]:
            a = a + 3 * np.eye(s[-1])[rng.permutation(s[-1])]
        arrays.append(a)
    return arrays


def _legacy_svd_invariants(lib, x):
    """torch.svd's S, and U and V each scaled by the other's first entries."""
    U, S, V = lib.svd(x)
    return S, U * V[..., :1, :], V * U[..., :1, :]


SPECS += [
    _linalg("matrix_exp", lambda lib, x: (lib.linalg.matrix_exp(x), x.matrix_exp()),
            SQUARE + [((2, 1, 2, 2),)], ("MatrixExp",), make_inputs=None),
    # norms up to 36: scaled by 2⁻³ and squared back three times
    _linalg("matrix_exp_squaring", lambda lib, x: lib.matrix_exp(x * 3), [((3, 3),)],
            ("MatrixExp",), make_inputs=None),
    _linalg("lu_factor", lambda lib, x: lib.linalg.lu_factor(x).LU, SQUARE + [((2, 2, 4, 4),)],
            ("LuFactor",), make_inputs=_pivoting),
    _linalg("lu", lambda lib, x: tuple(lib.linalg.lu(x))[1:], SQUARE, ("LuFactor", "Tril"),
            make_inputs=_pivoting),
    _linalg("lu_unpack", lambda lib, x: lib.lu_unpack(*lib.linalg.lu_factor(x))[1:],
            [((3, 3),)], ("LuFactor",), make_inputs=_pivoting),
    _linalg("lu_solve", lambda lib, a, b: tuple(
        lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, left=left, adjoint=adjoint)
        for left, adjoint in ((True, False), (True, True)))
        + (lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b.mT, left=False),),
        [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))], ("LuFactor", "Solve"),
        make_inputs=_pivoting),
    _linalg("lu_legacy", lambda lib, a, b: (lib.lu(a)[0], b.lu_solve(*a.lu())),
            [((3, 3), (3, 2))], ("LuFactor", "Solve"), make_inputs=_pivoting),
    _linalg("solve_ex", lambda lib, a, b: (lib.linalg.solve_ex(a, b).result,
                                           lib.linalg.inv_ex(a).inverse),
            [((3, 3), (3,)), ((2, 3, 3), (2, 3, 2))], ("Solve", "Inv")),
    _linalg("cholesky_ex", lambda lib, x: lib.linalg.cholesky_ex(_spd(lib, x), upper=True).L,
            [((3, 3),), ((2, 2, 2),)], ("Cholesky",)),
    _linalg("tensorinv", lambda lib, x: lib.linalg.tensorinv(x.reshape(6, 2, 3), ind=1),
            [((6, 6),)], ("Inv",)),
    _linalg("tensorsolve", lambda lib, a, b: (
        lib.linalg.tensorsolve(a.reshape(2, 3, 6), b),
        lib.linalg.tensorsolve(a.reshape(6, 2, 3), b, dims=(0,))),
        [((6, 6), (2, 3))], ("Solve",)),
    _linalg("vander", lambda lib, x: (lib.linalg.vander(x), lib.linalg.vander(x, N=4),
                                      lib.vander(x.reshape(-1)), lib.vander(x[0], 2, True)),
            [((2, 3),), ((1, 2),)], ("Pow",), make_inputs=None,
            # torch 2.13's own backward of torch.vander fails (an in-place write to a saved
            # tensor), so torch's side of it is spelled out with linalg.vander
            torch_fn=lambda lib, x: (lib.linalg.vander(x), lib.linalg.vander(x, N=4),
                                     lib.linalg.vander(x.reshape(-1)).flip(-1),
                                     lib.linalg.vander(x[0], N=2))),
    _linalg("cholesky_solve", lambda lib, x, b: (
        lib.cholesky_solve(b, lib.linalg.cholesky(_spd(lib, x))),
        b.cholesky_solve(lib.linalg.cholesky(_spd(lib, x), upper=True), upper=True)),
        [((3, 3), (3, 2)), ((2, 3, 3), (3, 1))], ("Cholesky", "Solve")),
    _linalg("cholesky_inverse", lambda lib, x: (
        lib.cholesky_inverse(lib.linalg.cholesky(_spd(lib, x))),
        lib.cholesky_inverse(lib.cholesky(_spd(lib, x), upper=True), upper=True)),
        [((3, 3),), ((2, 2, 2),)], ("Cholesky", "Solve")),
    _linalg("svd_legacy", _legacy_svd_invariants, RECTANGULAR, ("Svd",)),
    _linalg("qr_legacy", lambda lib, x: tuple(x.qr()), RECTANGULAR, ("Qr",)),
    _linalg("triangular_solve", lambda lib, a, b: (
        *lib.triangular_solve(b, a), b.triangular_solve(a, upper=False, transpose=True,
                                                        unitriangular=True).solution),
        [((3, 3), (3, 2)), ((2, 3, 3), (3, 1))], ("Solve", "Triu", "Tril")),
]
