"""Neural networks, as ``torch.nn``: ``Module``, layers, losses, ``functional``, ``init``.

>>> import gradiente as gr
>>> model = gr.nn.Sequential(gr.nn.Linear(4, 8), gr.nn.ReLU(), gr.nn.Linear(8, 2))
>>> model(gr.zeros(3, 4)).shape
gradiente.Size([3, 2])
"""

from .parameter import Parameter, Buffer
from . import functional, init, utils
from .modules import (
    Module, RemovableHandle, Sequential, ModuleList, ModuleDict, Identity, Linear, Bilinear,
    Flatten, Unflatten, Dropout, BatchNorm1d, LayerNorm, Embedding, ReLU, ReLU6, LeakyReLU, PReLU,
    ELU, CELU, SELU, GELU, SiLU, Mish, Softplus, Sigmoid, Tanh, Hardtanh, Hardsigmoid, Hardswish,
    Softsign, LogSigmoid, Tanhshrink, Softmax, LogSoftmax, Softmin, L1Loss, MSELoss,
    CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, HuberLoss, SmoothL1Loss, KLDivLoss,
)
from .modules import __all__ as _modules_all

__all__ = ["Parameter", "Buffer", "functional", "init", "utils", *_modules_all]
