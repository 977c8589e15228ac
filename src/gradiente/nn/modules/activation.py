"""Activation layers: each calls its ``nn.functional`` twin; ``extra_repr`` as PyTorch's."""

from ... import creation
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish",
           "Softplus", "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softsign",
           "LogSigmoid", "Tanhshrink", "Softmax", "LogSoftmax", "Softmin"]


def _inplace_str(inplace, first=False):
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _InplaceActivation(Module):
    """An activation whose only setting is ``inplace``."""

    function = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self).function(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_str(self.inplace, first=True)


class ReLU(_InplaceActivation):
    """max(x, 0)"""

    function = staticmethod(F.relu)


class SELU(_InplaceActivation):
    """scale (x if x > 0 else alpha (exp(x) - 1)), with the self-normalising constants"""

    function = staticmethod(F.selu)


class SiLU(_InplaceActivation):
    """x sigmoid(x)"""

    function = staticmethod(F.silu)


class Mish(_InplaceActivation):
    """x tanh(softplus(x))"""

    function = staticmethod(F.mish)


class Hardsigmoid(_InplaceActivation):
    """clamp(x / 6 + 1/2, 0, 1)"""

    function = staticmethod(F.hardsigmoid)


class Hardswish(_InplaceActivation):
    """x hardsigmoid(x)"""

    function = staticmethod(F.hardswish)


class _Stateless(Module):
    """An activation without settings."""

    function = None

    def forward(self, input):
        return type(self).function(input)


class Sigmoid(_Stateless):
    """1 / (1 + exp(-x))"""

    function = staticmethod(F.sigmoid)


class Tanh(_Stateless):
    """tanh(x)"""

    function = staticmethod(F.tanh)


class Softsign(_Stateless):
    """x / (1 + |x|)"""

    function = staticmethod(F.softsign)


class LogSigmoid(_Stateless):
    """log(sigmoid(x))"""

    function = staticmethod(F.logsigmoid)


class Tanhshrink(_Stateless):
    """x - tanh(x)"""

    function = staticmethod(F.tanhshrink)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope x"""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, inplace=self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class PReLU(Module):
    """x if x > 0 else a x, with a learnable (one or one per channel), starting at ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.full((num_parameters,), init, dtype=dtype,
                                              device=device))

    def reset_parameters(self):
        self.weight.array[...] = self.init

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x if x > 0 else alpha (exp(x) - 1)"""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, inplace=self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(ELU):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))"""

    def forward(self, input):
        return F.celu(input, self.alpha, inplace=self.inplace)


class GELU(Module):
    """x Φ(x), exact (approximate='none') or with the tanh approximation"""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold"""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)"""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, inplace=self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)"""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_str(self.inplace, first=True)


class _SoftmaxLike(Module):
    function = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self).function(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxLike):
    """exp(x_i) / Σ_j exp(x_j) along ``dim`` (None: PyTorch's legacy choice, with a warning)"""

    function = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxLike):
    """log softmax(x) along ``dim``"""

    function = staticmethod(F.log_softmax)


class Softmin(_SoftmaxLike):
    """softmax(-x) along ``dim``"""

    function = staticmethod(F.softmin)
