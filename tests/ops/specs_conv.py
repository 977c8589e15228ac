"""Op specs of ``gradiente.ops.conv``: convolutions, transposed convolutions, pooling, folds.

Every case goes through the two primitives, Windows (im2col) and WindowsAdjoint (col2im).
Max pooling uses inputs with distinct values so no window holds a tie.
"""

import numpy as np

from tests.ops.spec import OpSpec

WINDOWS = ("Windows", "WindowsAdjoint")
MAX_POOL = WINDOWS + ("PickWindow", "PickWindowAdjoint")


def _distinct(rng, shapes):
    (shape,) = shapes
    return [rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0]


def _conv(name, fn, shapes, torch_fn=None):
    return OpSpec(name, fn, shapes, covers=WINDOWS, torch_fn=torch_fn, atol=1e-6)


def _f(lib):
    """Pooling and folds live in nn.functional in PyTorch, in ops.conv in gradiente's core."""
    if lib.__name__ == "gradiente":
        from gradiente.ops import conv
        return conv
    return lib.nn.functional


SPECS = [
    _conv("conv2d", lambda lib, x, w, b: lib.conv2d(x, w, b), [((2, 3, 5, 4), (4, 3, 3, 2), (4,))]),
    _conv("conv2d_stride_padding_dilation",
          lambda lib, x, w: lib.conv2d(x, w, stride=2, padding=(1, 2), dilation=(2, 1)),
          [((1, 2, 7, 6), (3, 2, 3, 3))]),
    _conv("conv2d_groups", lambda lib, x, w: lib.conv2d(x, w, groups=2, padding=1),
          [((1, 4, 4, 4), (6, 2, 3, 3))]),
    _conv("conv2d_same", lambda lib, x, w: lib.conv2d(x, w, padding="same"),
          [((1, 2, 5, 4), (2, 2, 2, 3))]),
    _conv("conv2d_unbatched", lambda lib, x, w: lib.conv2d(x, w), [((2, 4, 4), (3, 2, 2, 2))]),
    _conv("conv1d", lambda lib, x, w, b: lib.conv1d(x, w, b, stride=2, padding=1),
          [((2, 3, 9), (4, 3, 3), (4,))]),
    _conv("conv_transpose2d",
          lambda lib, x, w, b: lib.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                   output_padding=1),
          [((1, 3, 3, 4), (3, 2, 3, 3), (2,))]),
    _conv("conv_transpose2d_groups",
          lambda lib, x, w: lib.conv_transpose2d(x, w, groups=2, dilation=2),
          [((1, 4, 3, 3), (4, 1, 2, 2))]),
    _conv("conv_transpose1d", lambda lib, x, w: lib.conv_transpose1d(x, w, stride=3),
          [((2, 2, 4), (2, 3, 2))]),
    OpSpec("max_pool2d", lambda lib, x: _f(lib).max_pool2d(x, 3, stride=2, padding=1),
           [((2, 2, 5, 6),)], make_inputs=_distinct, covers=MAX_POOL),
    OpSpec("max_pool2d_ceil_mode",
           lambda lib, x: _f(lib).max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
           [((1, 2, 6, 5),)], make_inputs=_distinct, covers=MAX_POOL),
    OpSpec("avg_pool2d_ceil_mode_without_padding_count",
           lambda lib, x: _f(lib).avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                             count_include_pad=False),
           [((1, 2, 6, 5),)], covers=WINDOWS),
    OpSpec("max_pool1d", lambda lib, x: _f(lib).max_pool1d(x, 2), [((2, 3, 6),)],
           make_inputs=_distinct, covers=MAX_POOL),
    OpSpec("avg_pool2d", lambda lib, x: _f(lib).avg_pool2d(x, 3, 2, 1), [((2, 2, 5, 6),)],
           covers=WINDOWS),
    OpSpec("avg_pool2d_no_pad_count",
           lambda lib, x: _f(lib).avg_pool2d(x, 3, 2, 1, count_include_pad=False),
           [((1, 2, 5, 5),)], covers=WINDOWS),
    OpSpec("adaptive_avg_pool2d", lambda lib, x: _f(lib).adaptive_avg_pool2d(x, (3, 2)),
           [((1, 2, 7, 5),)], covers=WINDOWS),
    OpSpec("unfold", lambda lib, x: _f(lib).unfold(x, (2, 3), padding=1, stride=2),
           [((1, 2, 5, 6),)], covers=WINDOWS),
    OpSpec("fold", lambda lib, x: _f(lib).fold(x, (5, 6), (2, 3), padding=1, stride=2),
           [((1, 12, 9),)], covers=WINDOWS),
    OpSpec("interpolate_nearest", lambda lib, x: _f(lib).interpolate(x, scale_factor=2),
           [((1, 2, 3, 2),)], covers=("IndexSelect",)),
]
