"""The layers of ``gradiente.nn``, one file per kind as in PyTorch."""

from .module import Module, RemovableHandle
from .containers import Sequential, ModuleList, ModuleDict
from .linear import Identity, Linear, Bilinear
from .flatten import Flatten, Unflatten
from .dropout import Dropout
from .normalization import BatchNorm1d, LayerNorm
from .sparse import Embedding
from .activation import (
    ReLU, ReLU6, LeakyReLU, PReLU, ELU, CELU, SELU, GELU, SiLU, Mish, Softplus, Sigmoid, Tanh,
    Hardtanh, Hardsigmoid, Hardswish, Softsign, LogSigmoid, Tanhshrink, Softmax, LogSoftmax,
    Softmin,
)
from .loss import (
    L1Loss, MSELoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, HuberLoss,
    SmoothL1Loss, KLDivLoss,
)

__all__ = [
    "Module", "RemovableHandle", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear",
    "Bilinear", "Flatten", "Unflatten", "Dropout", "BatchNorm1d", "LayerNorm", "Embedding",
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish",
    "Softplus", "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softsign",
    "LogSigmoid", "Tanhshrink", "Softmax", "LogSoftmax", "Softmin", "L1Loss", "MSELoss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss",
    "KLDivLoss",
]
