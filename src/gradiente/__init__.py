"""gradiente: automatic differentiation and deep learning, the machinery in the open.

``import gradiente as torch`` runs the lectures' PyTorch programs; ``gradiente.explain`` shows
the evaluation trace, the tangents and the adjoints of any computation.
"""

from . import dtypes  # noqa: F401 - gradiente.dtypes
from .dtypes import (
    dtype, float16, float32, float64, int8, int16, int32, int64, uint8, half, double, short,
    long, set_default_dtype, get_default_dtype, promote_types, result_type,
)
from .dtypes import bool_ as bool  # noqa: A001 - torch.bool
from .dtypes import float as float  # noqa: A001,PLC0414 - torch.float
from .dtypes import int as int  # noqa: A001,PLC0414 - torch.int
from . import allocator  # noqa: F401 - glibc told to reuse big freed blocks (see allocator.py)
from .device import device
from .size import Size
from .tensor import Tensor, set_printoptions, is_tensor, numel, is_floating_point
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state
from .creation import (
    tensor, as_tensor, asarray, from_numpy, zeros, ones, full, empty, arange, linspace, logspace,
    eye, rand, randn, randint, randperm, zeros_like, ones_like, full_like, empty_like, rand_like,
    randn_like, randint_like, normal, bernoulli, multinomial, tril_indices, triu_indices,
    hann_window, hamming_window, blackman_window, bartlett_window, kaiser_window, poisson,
    binomial,
)
from .creation import inclusive_range as range  # noqa: A001 - torch.range, deprecated there
from . import autograd
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from . import ops
from . import func
from .func import vmap
from . import nn
from . import linalg, distributions, cuda, backends, special
from .blas import get_num_threads, set_num_threads
from .backends import use_deterministic_algorithms, are_deterministic_algorithms_enabled
from . import optim, utils
from .serialization import save, load
from . import explain
from . import aliases
from .aliases import *  # noqa: F403 - PyTorch's top-level names for functions kept elsewhere

__version__ = "0.1.0"

_OP_NAMES = []
for _module in ops.FAMILIES:
    for _name in _module.__all__:
        if _name not in ("UNARY", "as_operand", "normalize_dims") and _name not in globals():
            globals()[_name] = getattr(_module, _name)
            _OP_NAMES.append(_name)

__all__ = [
    "dtype", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
    "half", "double", "short", "long", "bool", "float", "int", "set_default_dtype",
    "get_default_dtype", "promote_types", "result_type", "device", "Size", "Tensor",
    "Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "arange",
    "linspace", "logspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like",
    "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "randint_like", "normal",
    "bernoulli", "multinomial", "tril_indices", "triu_indices", "autograd", "no_grad",
    "enable_grad", "set_grad_enabled",
    "inference_mode", "is_grad_enabled", "optim", "utils", "save", "load", *_OP_NAMES,
]
__all__ += ["func", "vmap", "nn", "explain", "linalg", "distributions", "cuda", "backends",
            "special", "get_num_threads", "set_num_threads", "set_printoptions", "is_tensor",
            "numel", "is_floating_point", "use_deterministic_algorithms",
            "are_deterministic_algorithms_enabled", "range", "hann_window", "hamming_window",
            "blackman_window", "bartlett_window", "kaiser_window", "poisson", "binomial",
            *aliases.__all__]
