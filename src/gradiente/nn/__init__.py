"""Neural networks, as ``torch.nn``: ``Module``, layers, losses, ``functional``, ``init``.

>>> import gradiente as gr
>>> model = gr.nn.Sequential(gr.nn.Linear(4, 8), gr.nn.ReLU(), gr.nn.Linear(8, 2))
>>> model(gr.zeros(3, 4)).shape
gradiente.Size([3, 2])
"""

from . import functional, init, modules, utils
from .modules import *  # noqa: F403 - the layers, listed once in modules.__all__
from .parameter import Buffer, Parameter

__all__ = ["Parameter", "Buffer", "functional", "init", "utils", *modules.__all__]
