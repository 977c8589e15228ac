"""``gradiente.linalg``, as ``torch.linalg``: the linear-algebra functions under their
PyTorch names. Their forward rules, VJPs and JVPs live in ``gradiente/ops/linalg.py``.
"""

from .ops.linalg import (LinAlgError, cholesky, cond, det, eigh, eigvalsh, inv, lstsq, matmul,
                         matrix_norm, matrix_power, matrix_rank, multi_dot, pinv, qr, slogdet,
                         solve, solve_triangular, svd, svdvals, vecdot, vector_norm)
from .ops.linalg import linalg_cross as cross, linalg_diagonal as diagonal, linalg_norm as norm

__all__ = ["LinAlgError", "cholesky", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh",
           "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot",
           "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd", "svdvals",
           "vecdot", "vector_norm"]
