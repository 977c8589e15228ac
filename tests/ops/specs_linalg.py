"""Op specs of ``gradiente.ops.linalg``: matmul and its 2-D/3-D forms, einsum, diagonals."""

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
