"""``gradiente.special``, as ``torch.special``: the special functions under SciPy's names.
Each is an operation of ``gradiente/ops/elementwise.py`` (or ``nn`` for the softmaxes), where
its derivative is written.
"""

from . import ops
from .ops.elementwise import (  # noqa: F401 - re-exported
    digamma, erf, erfc, erfinv, exp2, expm1, lgamma as gammaln, log1p, logit, mvlgamma,
    polygamma, round, sigmoid as expit, sinc, xlogy,
)

__all__ = ["digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln",
           "log1p", "logit", "multigammaln", "polygamma", "round", "sinc", "xlogy", "ndtr",
           "softmax", "log_softmax", "logsumexp"]

psi = digamma
multigammaln = mvlgamma
softmax, log_softmax, logsumexp = ops.nn.softmax, ops.nn.log_softmax, ops.reduce.logsumexp


def ndtr(input):
    """The standard normal CDF, ½ erfc(−x/√2): accurate in the lower tail too."""
    return 0.5 * erfc(input * -0.7071067811865476)
