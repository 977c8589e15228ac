"""``gradiente.linalg``, as ``torch.linalg``: the linear-algebra functions under their
PyTorch names. Their forward rules, VJPs and JVPs live in ``gradiente/ops/linalg.py``.
"""

from .ops.linalg import (LinAlgError, cholesky_ex, cond, det, eigh, eigvalsh, inv, inv_ex, lstsq,
                         lu_factor, lu_factor_ex, matmul, matrix_exp, matrix_norm, matrix_power,
                         matrix_rank, multi_dot, pinv, slogdet, solve, solve_ex, solve_triangular,
                         svdvals, tensorinv, tensorsolve, vecdot, vector_norm)
from .ops.linalg import linalg_cross as cross, linalg_diagonal as diagonal, linalg_norm as norm
from .ops.linalg import (linalg_cholesky as cholesky, linalg_lu as lu, linalg_lu_solve as lu_solve,
                         linalg_qr as qr, linalg_svd as svd, linalg_vander as vander)

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
           "eigvalsh", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
           "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot",
           "norm", "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd",
           "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm"]
