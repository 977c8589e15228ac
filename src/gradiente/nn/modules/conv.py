"""``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``, ``ConvTranspose2d``,
``ConvTranspose3d``.

The arithmetic lives in ``gradiente.ops.conv`` (windows plus one matrix product); these
modules hold the weights, with PyTorch's default initialisation. A ``padding_mode`` other than
'zeros' ('reflect', 'replicate', 'circular') pads the input with ``F.pad`` first and convolves
without padding, as PyTorch does; the transposed convolutions accept only 'zeros'.
"""

from ... import creation
from ...ops import conv as C
from ...ops.movement import pad
from ..parameter import Parameter
from .linear import reset_weight_and_bias
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def _reversed_padding_repeated_twice(padding, kernel_size, dilation):
    """F.pad's widths, last dim first; 'same' puts the odd element on the right."""
    if padding == "valid":
        return [0, 0] * len(kernel_size)
    if padding == "same":
        totals = [d * (k - 1) for d, k in zip(dilation, kernel_size)]
        return [width for total in reversed(totals) for width in (total // 2, total - total // 2)]
    return [p for p in reversed(padding) for _ in range(2)]


class _ConvNd(Module):
    transposed = False
    dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None, output_padding=0):
        super().__init__()
        name = type(self).__name__
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding must be 'same', 'valid', an int or a tuple, got "
                             f"{padding!r}")
        n = self.dims
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                             f"(stride={self.stride})")
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self._reversed_padding_repeated_twice = _reversed_padding_repeated_twice(
            self.padding, self.kernel_size, self.dilation)
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        factory = {"dtype": dtype, "device": device}
        self.weight = Parameter(creation.empty(shape, **factory))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, **factory))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def _check_channels(self, input):
        expected = self.dims + 2
        if input.ndim not in (expected - 1, expected):
            raise RuntimeError(f"{self!r}: expected a {expected - 1}-D or {expected}-D input, "
                               f"got shape {tuple(input.shape)}")
        channels = input.shape[-self.dims - 1]
        if channels != self.in_channels:
            raise RuntimeError(f"{self!r}: expected input with {self.in_channels} channels, got "
                               f"{channels} (input shape {tuple(input.shape)})")

    def _conv_forward(self, input, weight, bias):
        """The convolution of ``input``, padded by ``padding_mode``, with ``weight``."""
        padding = self.padding
        if self.padding_mode != "zeros":
            input = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        return self._convolution(input, weight, bias, self.stride, padding, self.dilation,
                                 self.groups)

    def forward(self, input):
        self._check_channels(input)
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        text += f", stride={self.stride}"
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) inputs."""

    dims = 1
    _convolution = staticmethod(C.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) inputs.

    >>> import gradiente as gr
    >>> gr.nn.Conv2d(1, 6, 5)(gr.zeros(2, 1, 28, 28)).shape
    gradiente.Size([2, 6, 24, 24])
    """

    dims = 2
    _convolution = staticmethod(C.conv2d)


class Conv3d(_ConvNd):
    dims = 3
    _convolution = staticmethod(C.conv3d)


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'{type(self).__name__}: only "zeros" padding mode is supported, '
                             f"got padding_mode={padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)


class ConvTranspose1d(_ConvTransposeNd):
    dims = 1

    def forward(self, input):
        self._check_channels(input)
        return C.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution: upsamples (N, C_in, H, W) by the stride."""

    dims = 2

    def forward(self, input):
        self._check_channels(input)
        return C.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)


class ConvTranspose3d(_ConvTransposeNd):
    dims = 3

    def forward(self, input):
        self._check_channels(input)
        return C.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
