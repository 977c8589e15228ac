"""``gradiente.special``, as ``torch.special``: the special functions under SciPy's names.
Each is an operation of ``gradiente/ops/elementwise.py`` (or ``nn`` for the softmaxes), where
its derivative is written.
"""

from . import ops
from .ops.elementwise import (  # noqa: F401 - re-exported
    digamma, entr, erf, erfc, erfcx, erfinv, exp2, expm1, i0, i0e, i1, i1e, igamma as gammainc,
    igammac as gammaincc, lgamma as gammaln, log1p, log_ndtr, logit, mvlgamma, ndtri, polygamma,
    round, sigmoid as expit, sinc, xlog1py, xlogy, zeta,
)

__all__ = ["digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln",
           "log1p", "logit", "multigammaln", "polygamma", "round", "sinc", "xlogy", "ndtr",
           "softmax", "log_softmax", "logsumexp", "i0", "i0e", "i1", "i1e", "ndtri", "log_ndtr",
           "entr", "erfcx", "xlog1py", "zeta", "gammainc", "gammaincc", "modified_bessel_i0",
           "modified_bessel_i1"]

psi = digamma
# PyTorch's own modified_bessel_i0/i1 are the same functions, without a derivative
modified_bessel_i0, modified_bessel_i1 = i0, i1
multigammaln = mvlgamma
softmax, log_softmax, logsumexp = ops.nn.softmax, ops.nn.log_softmax, ops.reduce.logsumexp


def ndtr(input):
    """The standard normal CDF, ½ erfc(−x/√2): accurate in the lower tail too."""
    return 0.5 * erfc(input * -0.7071067811865476)
