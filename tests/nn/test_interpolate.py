"""``F.interpolate`` in every mode, and the ``Upsample`` modules, against PyTorch.

Values and input gradients in float64 for nearest, nearest-exact, linear, bilinear, bicubic,
trilinear and area, with both align_corners values, sizes given either way, up- and
downsampling and non-integer scale factors (which PyTorch uses as the coordinate step unless
recompute_scale_factor=True); gradcheck, gradgradcheck and forward mode on small shapes; vmap;
the errors.
"""

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente.autograd import gradcheck, gradgradcheck, jvpcheck
from tests.helpers import requires_torch, to_numpy

INPUT_DIMS = {"nearest": 4, "nearest-exact": 4, "area": 4, "linear": 3, "bilinear": 4,
              "bicubic": 4, "trilinear": 5}
SPATIAL = {3: (5,), 4: (4, 6), 5: (3, 4, 2)}
# (keyword arguments, per number of spatial dims): sizes or scale factors, up and down
RESIZES = [
    {1: dict(size=9), 2: dict(size=(7, 3)), 3: dict(size=(5, 2, 4))},
    {1: dict(size=3), 2: dict(size=3), 3: dict(size=(2, 6, 1))},
    {1: dict(scale_factor=1.7), 2: dict(scale_factor=(1.7, 0.6)), 3: dict(scale_factor=1.6)},
    {1: dict(scale_factor=0.55), 2: dict(scale_factor=2.3), 3: dict(scale_factor=(0.7, 1.3, 2))},
    {1: dict(scale_factor=1.3, recompute_scale_factor=True),
     2: dict(scale_factor=(2.6, 0.7), recompute_scale_factor=True),
     3: dict(scale_factor=1.4, recompute_scale_factor=True)},
]
CORNER_MODES = ("linear", "bilinear", "bicubic", "trilinear")


def _case_list():
    for mode, ndim in INPUT_DIMS.items():
        for corners in ((False, True) if mode in CORNER_MODES else (None,)):
            for r, resize in enumerate(RESIZES):
                yield pytest.param(mode, corners, resize[ndim - 2],
                                   id=f"{mode}-align{corners}-{r}")


def _input(ndim, seed=0, batch=2, channels=3):
    shape = (batch, channels) + SPATIAL[ndim]
    return np.random.default_rng(seed).standard_normal(shape)


@requires_torch
@pytest.mark.parametrize("mode, align_corners, resize", list(_case_list()))
def test_values_and_input_gradients_match_torch(mode, align_corners, resize):
    import torch
    import torch.nn.functional as TF

    x = _input(INPUT_DIMS[mode])
    ours_in = gr.tensor(x, requires_grad=True)
    theirs_in = torch.tensor(x, requires_grad=True)
    ours = F.interpolate(ours_in, mode=mode, align_corners=align_corners, **resize)
    theirs = TF.interpolate(theirs_in, mode=mode, align_corners=align_corners, **resize)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-12, atol=1e-12)
    cotangent = np.random.default_rng(1).standard_normal(tuple(theirs.shape))
    ours.backward(gr.tensor(cotangent))
    theirs.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(to_numpy(ours_in.grad), to_numpy(theirs_in.grad), rtol=1e-12,
                               atol=1e-12)


@requires_torch
@pytest.mark.parametrize("mode, shape, tolerance", [
    ("nearest", (1, 2, 10, 13), 0), ("nearest", (1, 2, 13), 0), ("nearest", (1, 1, 4, 5, 6), 0),
    ("nearest-exact", (1, 2, 10, 13), 0), ("nearest-exact", (1, 2, 13), 0),
    ("linear", (1, 2, 13), 1e-6), ("bilinear", (1, 2, 10, 13), 1e-6),
    ("bicubic", (1, 2, 10, 13), 1e-5)])
def test_float32_source_positions_match_torch(mode, shape, tolerance):
    """Scales where the source position sits on an integer in exact arithmetic: PyTorch
    computes positions in float32 for float32 inputs (with rules of its own for 4-D nearest),
    and the chosen pixels must be the same ones."""
    import torch
    import torch.nn.functional as TF

    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    corners = {} if mode.startswith("nearest") else dict(align_corners=False)
    for scale in (1 / 3, 2 / 3, 0.7, 1.1, 2.9, 10 / 7, 2):
        ours = F.interpolate(gr.tensor(x), scale_factor=scale, mode=mode, **corners)
        theirs = TF.interpolate(torch.tensor(x), scale_factor=scale, mode=mode, **corners)
        assert ours.dtype == gr.float32
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=0, atol=tolerance,
                                   err_msg=f"scale_factor={scale}")


def test_scale_factor_is_the_coordinate_step_unless_recomputed():
    """Size 5 x 1.1 gives 5 outputs, but PyTorch still steps by 1/1.1 through the input
    (bicubic; nearest on 3-D and 5-D inputs) unless recompute_scale_factor=True; linear modes
    and 4-D nearest copy a dim whose size is unchanged."""
    squares = np.arange(5.0) ** 2
    planes = gr.tensor(np.broadcast_to(squares.reshape(1, 1, 5, 1), (1, 1, 5, 3)).copy())
    rows = gr.tensor(squares.reshape(1, 1, 5))
    stepped = F.interpolate(planes, scale_factor=1.1, mode="bicubic", align_corners=False)
    recomputed = F.interpolate(planes, scale_factor=1.1, mode="bicubic", align_corners=False,
                               recompute_scale_factor=True)
    np.testing.assert_allclose(to_numpy(recomputed), to_numpy(planes), rtol=0, atol=1e-14)
    assert not np.allclose(to_numpy(stepped), to_numpy(planes))
    np.testing.assert_array_equal(to_numpy(F.interpolate(rows, scale_factor=1.1)).ravel(),
                                  squares[[0, 0, 1, 2, 3]])
    np.testing.assert_array_equal(to_numpy(F.interpolate(planes, scale_factor=1.1)),
                                  to_numpy(planes))
    for x, mode in ((rows, "linear"), (planes, "bilinear")):
        np.testing.assert_array_equal(to_numpy(F.interpolate(x, scale_factor=1.1, mode=mode)),
                                      to_numpy(x))


SMALL = [  # (mode, align_corners, input shape, resize): one small case per mode and corner
    ("nearest", None, (1, 2, 3), dict(scale_factor=1.7)),
    ("nearest-exact", None, (1, 1, 3, 2), dict(size=(4, 3))),
    ("area", None, (1, 1, 5, 4), dict(size=(3, 2))),
    ("area", None, (1, 2, 3, 4, 2), dict(scale_factor=(0.7, 0.5, 1))),
    ("linear", False, (1, 2, 4), dict(scale_factor=1.6)),
    ("linear", True, (1, 2, 4), dict(size=3)),
    ("bilinear", False, (1, 1, 3, 3), dict(size=(4, 2))),
    ("bilinear", True, (1, 1, 3, 3), dict(scale_factor=1.5)),
    ("bicubic", False, (1, 1, 3, 4), dict(scale_factor=(1.4, 0.8))),
    ("bicubic", True, (1, 1, 3, 3), dict(size=(4, 2))),
    ("trilinear", False, (1, 1, 2, 3, 2), dict(size=(3, 2, 3))),
    ("trilinear", True, (1, 1, 2, 3, 2), dict(scale_factor=1.5)),
]


def _small_fn(mode, align_corners, resize):
    return lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **resize)


@pytest.mark.parametrize("mode, align_corners, shape, resize", SMALL,
                         ids=[f"{c[0]}-{c[1]}" for c in SMALL])
def test_gradcheck_gradgradcheck_and_forward_mode(mode, align_corners, shape, resize):
    fn = _small_fn(mode, align_corners, resize)
    x = gr.tensor(np.random.default_rng(3).standard_normal(shape), requires_grad=True)
    assert gradcheck(fn, [x], atol=1e-8, rtol=1e-6)
    assert gradgradcheck(fn, [x], atol=1e-8, rtol=1e-6)
    assert jvpcheck(fn, [x], atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("mode, align_corners, shape, resize", SMALL[::3],
                         ids=[f"{c[0]}-{c[1]}" for c in SMALL[::3]])
def test_vmap_matches_a_loop(mode, align_corners, shape, resize):
    fn = _small_fn(mode, align_corners, resize)
    xs = gr.tensor(np.random.default_rng(4).standard_normal((3,) + shape))
    batched = gr.func.vmap(fn)(xs)
    for k in range(3):
        np.testing.assert_allclose(to_numpy(batched[k]), to_numpy(fn(xs[k])), rtol=1e-14,
                                   atol=1e-14)


@pytest.mark.parametrize("mode, ndim", [("linear", 4), ("linear", 5), ("bilinear", 3),
                                        ("bilinear", 5), ("bicubic", 3), ("bicubic", 5),
                                        ("trilinear", 3), ("trilinear", 4), ("nearest", 2),
                                        ("nearest", 6), ("area", 2), ("nearest-exact", 6)])
def test_wrong_input_dims_per_mode(mode, ndim):
    x = gr.zeros((1,) * ndim)
    with pytest.raises(NotImplementedError, match=f"interpolate: .*{ndim}D"):
        F.interpolate(x, size=2, mode=mode)


def test_argument_errors():
    x = gr.zeros((1, 1, 4, 4))
    for mode in ("nearest", "area", "nearest-exact"):
        for corners in (False, True):
            with pytest.raises(ValueError, match="align_corners option can only be set"):
                F.interpolate(x, scale_factor=2, mode=mode, align_corners=corners)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(ValueError, match=r"output size of \(3,\)"):
        F.interpolate(x, size=(3,))
    with pytest.raises(ValueError, match=r"scale_factor of shape \(2, 2, 2\)"):
        F.interpolate(x, scale_factor=(2, 2, 2))
    with pytest.raises(TypeError, match="expected size"):
        F.interpolate(x, size=(3.0, 3))
    with pytest.raises(RuntimeError, match=r"input \(H: 4, W: 4\) output \(H: 0, W: 0\)"):
        F.interpolate(x, scale_factor=0.1, mode="bilinear")
    with pytest.raises(NotImplementedError, match="mode 'lanczos' is not supported"):
        F.interpolate(x, size=3, mode="lanczos")
    with pytest.raises(NotImplementedError, match="antialias=True is not supported"):
        F.interpolate(x, size=3, mode="bicubic", antialias=True)
    with pytest.raises(ValueError, match="anti-alias option is restricted"):
        F.interpolate(x, size=3, mode="nearest", antialias=True)
    with pytest.raises(NotImplementedError, match="needs a floating-point input"):
        F.interpolate(gr.zeros((1, 1, 4, 4), dtype=gr.int64), size=3, mode="bilinear")


@requires_torch
def test_module_reprs_match_torch():
    import torch

    for make in (lambda nn: nn.Upsample(scale_factor=2),
                 lambda nn: nn.Upsample(size=3, mode="bilinear", align_corners=True),
                 lambda nn: nn.Upsample(scale_factor=(2, 3), mode="bicubic"),
                 lambda nn: nn.Upsample(size=(3, 4), mode="nearest-exact"),
                 lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
                 lambda nn: nn.UpsamplingNearest2d(size=(3, 4))):
        assert repr(make(gr.nn)) == repr(make(torch.nn))


@requires_torch
@pytest.mark.parametrize("make", [
    lambda nn: nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
    lambda nn: nn.Upsample(size=(5, 3), mode="bicubic"),
    lambda nn: nn.Upsample(scale_factor=1.7, mode="nearest-exact", recompute_scale_factor=True),
    lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
    lambda nn: nn.UpsamplingNearest2d(size=(3, 7)),
], ids=["bilinear-corners", "bicubic", "nearest-exact-recompute", "bilinear2d", "nearest2d"])
def test_modules_match_torch(make):
    import torch

    x = _input(4, seed=5)
    ours, theirs = make(gr.nn)(gr.tensor(x)), make(torch.nn)(torch.tensor(x))
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_an_unchanged_size_still_gives_a_new_tensor(mode):
    x = gr.tensor(np.arange(4.0).reshape(1, 1, 4), requires_grad=True)
    out = F.interpolate(x, size=4, mode=mode)
    assert out is not x
    with gr.no_grad():
        out[0, 0, 0] = 10.0
    assert float(x[0, 0, 0]) == 0.0
