"""PyTorch's top-level names for what gradiente keeps elsewhere: ``torch.dropout`` (which is
``nn.functional.dropout``), ``torch.sin_(x)`` (``x.sin_()``), ``torch.typename`` and a few
predicates. ``gradiente/__init__.py`` exports everything listed in ``__all__``.
"""

from . import dtypes
from .autograd.anomaly import (is_anomaly_check_nan_enabled, is_anomaly_enabled,
                               set_detect_anomaly)
from .backends import _DETERMINISTIC
from .nn import functional as F
from .tensor import Tensor

# torch.NAME is nn.functional.NAME, with the same positional arguments
FUNCTIONAL = ("dropout", "alpha_dropout", "feature_alpha_dropout", "layer_norm", "group_norm",
              "cosine_similarity", "pairwise_distance", "pdist", "pixel_shuffle",
              "pixel_unshuffle", "channel_shuffle", "prelu", "rrelu", "rrelu_", "hardshrink",
              "threshold", "threshold_", "selu_", "celu_", "relu_")

# torch.NAME_(input, ...) is input.NAME_(...)
IN_PLACE = ("abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
            "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
            "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_",
            "expm1_", "fix_", "floor_", "frac_", "gcd_", "lcm_", "ldexp_", "log10_", "log1p_",
            "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
            "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_",
            "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_", "fill_", "index_put_",
            "detach_", "addmv_", "i0_")

__all__ = ["detach", "ravel", "fill", "is_nonzero", "is_same_size", "is_signed", "get_device",
           "typename", "can_cast", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled", "is_deterministic_algorithms_warn_only_enabled"]


def _in_place(name):
    def function(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}(...)``, as ``torch.{name}``."
    return function


for _name in FUNCTIONAL:
    if hasattr(F, _name):
        globals()[_name] = getattr(F, _name)
        __all__.append(_name)
for _name in IN_PLACE:
    if hasattr(Tensor, _name):
        globals()[_name] = _in_place(_name)
        __all__.append(_name)


def detach(input):
    return input.detach()


def ravel(input):
    return input.ravel()


def fill(input, value):
    """A new tensor of ``input``'s shape and dtype, every element ``value``."""
    return input.clone().detach().fill_(value)


def is_nonzero(input):
    return input.is_nonzero()


def is_same_size(input, other):
    return input.is_same_size(other)


def is_signed(input):
    return input.is_signed()


def get_device(input):
    return input.get_device()


def typename(obj):
    """'gradiente.FloatTensor' for a tensor, else the object's module and qualified name."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        module, qualname = obj.__class__.__module__ or "", obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2}


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` to ``to``: never to a lower kind
    (float to integer, integer to bool)."""
    source, target = dtypes.to_numpy_dtype(from_), dtypes.to_numpy_dtype(to)
    return _KIND_ORDER[source.kind] <= _KIND_ORDER[target.kind]


def set_anomaly_enabled(enabled, check_nan=True):
    set_detect_anomaly(enabled, check_nan)


def is_deterministic_algorithms_warn_only_enabled():
    return _DETERMINISTIC["warn_only"]
