"""A small convolutional network for images (``--model cnn``), the kind lecture 001 opens
with: convolutions find local patterns, pooling halves the resolution, a linear layer
classifies.

Flat inputs whose size is a square (the 64 pixels of digits, the 784 of MNIST) are read as
one-channel square images.
"""

import math

from .. import nn
from . import register_model

__all__ = ["CNN"]


class CNN(nn.Module):
    """[Conv 3×3 → ReLU] per entry of ``channels``, a 2×2 max-pool after every second one,
    then Flatten → Linear(hidden) → ReLU → Linear(num_classes).

    >>> import gradiente as gr
    >>> CNN((1, 8, 8), 10)(gr.zeros(2, 1, 8, 8)).shape
    gradiente.Size([2, 10])
    """

    def __init__(self, image_shape, num_classes, channels=(32, 64), hidden=128, dropout=0.25):
        super().__init__()
        in_channels, height, width = image_shape
        layers = []
        for i, out_channels in enumerate(channels):
            layers += [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU()]
            if i % 2 == 1 and min(height, width) >= 2:
                layers.append(nn.MaxPool2d(2))
                height, width = height // 2, width // 2
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(in_channels * height * width, hidden),
            nn.ReLU(), nn.Linear(hidden, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def image_shape(input_shape):
    """(channels, height, width) of one example of ``input_shape``."""
    if len(input_shape) == 3:
        return tuple(input_shape)
    if len(input_shape) == 2:
        return (1, *input_shape)
    side = math.isqrt(input_shape[0])
    if len(input_shape) != 1 or side * side != input_shape[0]:
        raise ValueError(f"cnn: inputs of shape {tuple(input_shape)} are not images; use a "
                         f"dataset of images (digits, mnist, fashion_mnist)")
    return (1, side, side)


@register_model("cnn")
def _build_cnn(input_shape, num_outputs, config):
    shape = image_shape(input_shape)
    hidden = config.get("hidden") or [32, 64]
    model = CNN(shape, num_outputs, channels=tuple(hidden))
    if tuple(input_shape) == shape:
        return model
    return nn.Sequential(nn.Unflatten(1, shape), model)
