"""The lectures' models: ``Perceptron``, ``Adaline``, ``LinearRegression``,
``LogisticRegression`` (lectures 02 and 003) and ``MLP`` (lectures 001, 002, 004), each an
``nn.Module`` with ``fit``, ``predict``, ``score`` and a per-epoch loss ``history``.

``MODELS`` maps the command line's ``--model`` names to builders
``build(input_shape, num_outputs, config) -> nn.Module`` (``config`` a dict of the training
options: ``hidden``, ``activation``, ``init``, ...). Another module adds a model with
``@register_model("cnn")``.
"""

from .estimator import MODES, ORDERS, Estimator, batch_indices
from .linear import Adaline, LinearRegression, LogisticRegression, Perceptron
from .mlp import ACTIVATIONS, INITS, MLP

__all__ = ["ACTIVATIONS", "INITS", "MLP", "MODELS", "MODES", "ORDERS", "Adaline", "Estimator",
           "LinearRegression", "LogisticRegression", "Perceptron", "batch_indices",
           "build_model", "register_model"]

MODELS = {}


def register_model(name):
    """Decorator: make ``build(input_shape, num_outputs, config)`` the builder of ``name``."""
    def decorate(build):
        MODELS[name] = build
        return build
    return decorate


def build_model(name, input_shape, num_outputs, config):
    """The module ``name`` builds for inputs of ``input_shape`` (one example) and
    ``num_outputs`` outputs (classes, or 1 for regression)."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; choose one of {', '.join(sorted(MODELS))}")
    return MODELS[name](tuple(input_shape), int(num_outputs), dict(config))


def _num_inputs(input_shape):
    size = 1
    for dim in input_shape:
        size *= dim
    return size


@register_model("mlp")
def _build_mlp(input_shape, num_outputs, config):
    hidden = config.get("hidden", [64])
    return MLP([_num_inputs(input_shape), *hidden, num_outputs],
               config.get("activation", "relu"), init=config.get("init", "he"))


from . import cnn  # noqa: E402,F401 - registers "cnn"
from .cnn import CNN  # noqa: E402

__all__ += ["CNN"]


@register_model("linear")
def _build_linear(input_shape, num_outputs, config):
    """One Linear layer: softmax (multinomial logistic) regression for classes, linear
    regression for a real target."""
    return MLP([_num_inputs(input_shape), num_outputs], init=config.get("init", "he"))
