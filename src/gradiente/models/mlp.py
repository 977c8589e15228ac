"""The multilayer perceptron of lectures 001, 002 and 004: Linear layers with an activation
between them (none after the last), optionally He-initialised as in lecture 001."""

import itertools

import numpy as np

import gradiente as gr
from gradiente import nn

from .estimator import Estimator

__all__ = ["ACTIVATIONS", "INITS", "MLP"]

ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU",
               "elu": "ELU", "gelu": "GELU", "silu": "SiLU"}
INITS = ("he", "default")


class MLP(Estimator):
    """``MLP([10, 40, 40, 5])``: layers Linear(10, 40), act, Linear(40, 40), act, Linear(40, 5).

    ``init="he"`` draws each weight with ``kaiming_uniform_`` and zeroes each bias (lecture
    001's ``weights_init``); ``init="default"`` keeps ``nn.Linear``'s own initialisation.
    As an estimator, integer targets make it a classifier (cross-entropy on the logits,
    predicts the arg-max) and real targets a regressor (mean squared error).

    >>> import gradiente as gr
    >>> MLP([4, 8, 3])(gr.zeros(2, 4)).shape
    gradiente.Size([2, 3])
    """

    def __init__(self, sizes, activation="relu", *, init="he", task="classification"):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP: sizes must list at least an input and an output size, all "
                             f"positive, got {sizes}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; choose one of "
                             f"{', '.join(ACTIVATIONS)}")
        if init not in INITS:
            raise ValueError(f"MLP: unknown init {init!r}; choose one of {', '.join(INITS)}")
        if task not in ("classification", "regression"):
            raise ValueError(f"MLP: task must be 'classification' or 'regression', got {task!r}")
        self.sizes, self.activation, self.task = sizes, activation, task
        layers = []
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            linear = nn.Linear(fan_in, fan_out)
            if init == "he":
                nn.init.kaiming_uniform_(linear.weight)
                nn.init.zeros_(linear.bias)
            layers.append(linear)
            if index < len(sizes) - 2:
                layers.append(getattr(nn, ACTIVATIONS[activation])())
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)

    def _prepare(self, x, y):
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"MLP.fit: the network takes {self.sizes[0]} features, the data "
                             f"has {x.shape[1]}")
        if self.task == "classification" and (y.dtype.kind not in "iu" or y.min() < 0
                                              or y.max() >= self.sizes[-1]):
            raise ValueError(f"MLP.fit: classification targets must be integers in "
                             f"[0, {self.sizes[-1]}), got {np.unique(y)[:5].tolist()}")

    def _target(self, y):
        if self.task == "classification":
            return gr.tensor(y, dtype=gr.int64)
        return gr.tensor(y, dtype=self._dtype).reshape(len(y), -1)

    def _loss(self, x, y):
        if self.task == "classification":
            return nn.functional.cross_entropy(self(x), y)
        return nn.functional.mse_loss(self(x), y)

    def _predict(self, x):
        out = self(x)
        if self.task == "classification":
            return out.argmax(dim=1)
        return out.squeeze(1) if out.shape[1] == 1 else out
