"""The third round of nn: ConvTranspose3d, CTC loss, AdaptiveLogSoftmaxWithLoss, affine_grid and
grid_sample, RNNCellBase, the deprecated upsample aliases and selu_/celu_, against PyTorch in
float64 (values, input and parameter gradients), gradcheck, reprs, state dicts and errors."""

import warnings

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente import nn
from gradiente.autograd import gradcheck
from tests.helpers import HAS_TORCH, requires_torch
from tests.nn.helpers import assert_close, check_module_gradients, compare_modules, pair

if HAS_TORCH:
    import torch
    import torch.nn.functional as TF

RNG = np.random.default_rng(31)


# ----- ConvTranspose3d --------------------------------------------------------------------------
CONV_T3D = [
    dict(in_channels=2, out_channels=3, kernel_size=2),
    dict(in_channels=4, out_channels=6, kernel_size=(2, 3, 2), stride=(2, 1, 2),
         padding=(1, 0, 1), output_padding=(1, 0, 0), groups=2, dilation=(1, 2, 1)),
    dict(in_channels=2, out_channels=2, kernel_size=3, stride=2, bias=False),
]


@requires_torch
@pytest.mark.parametrize("options", CONV_T3D, ids=range(len(CONV_T3D)))
def test_conv_transpose3d_matches_torch(options):
    ours, theirs = nn.ConvTranspose3d(**options), torch.nn.ConvTranspose3d(**options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = RNG.standard_normal((2, options["in_channels"], 3, 4, 3))
    compare_modules(ours, theirs, [x])
    compare_modules(ours, theirs, [x[0]])  # unbatched


@requires_torch
def test_functional_conv_transpose3d_matches_torch():
    x, tx = pair(RNG.standard_normal((1, 2, 2, 3, 2)))
    w, tw = pair(RNG.standard_normal((2, 3, 2, 2, 3)))
    b, tb = pair(RNG.standard_normal(3))
    out = F.conv_transpose3d(x, w, b, stride=(1, 2, 1), padding=(0, 1, 1))
    expected = TF.conv_transpose3d(tx, tw, tb, stride=(1, 2, 1), padding=(0, 1, 1))
    assert_close(out, expected, "conv_transpose3d")
    out.sum().backward()
    expected.sum().backward()
    for ours, theirs, name in ((x, tx, "input"), (w, tw, "weight"), (b, tb, "bias")):
        assert_close(ours.grad, theirs.grad, f"conv_transpose3d {name} gradient")


def test_conv_transpose3d_gradcheck_and_errors():
    module = nn.ConvTranspose3d(2, 2, (2, 1, 2), stride=(2, 1, 1))
    assert check_module_gradients(module, [RNG.standard_normal((1, 2, 2, 2, 2))])
    with pytest.raises(RuntimeError, match=r"ConvTranspose3d\(2, 2.*expected input with 2 "
                                           r"channels, got 3 \(input shape \(1, 3, 2, 2, 2\)\)"):
        module(gr.zeros(1, 3, 2, 2, 2, dtype=gr.float64))
    with pytest.raises(RuntimeError, match=r"conv_transpose3d: expected weight \(in_channels=2"):
        F.conv_transpose3d(gr.zeros(1, 2, 2, 2, 2), gr.zeros(3, 2, 1, 1, 1))
    with pytest.raises(ValueError, match='ConvTranspose3d: only "zeros" padding mode'):
        nn.ConvTranspose3d(2, 2, 1, padding_mode="reflect")


# ----- CTC loss -----------------------------------------------------------------------------------
T, N, C = 9, 5, 5
LOGITS = RNG.standard_normal((T, N, C))
INPUT_LENGTHS = np.array([9, 6, 0, 4, 7])
TARGET_LENGTHS = np.array([3, 4, 0, 2, 1])  # entry 1 needs 5 steps for [2, 2, 3, 3]: it has 6
PADDED = np.array([[1, 2, 2, 4], [2, 2, 3, 3], [4, 4, 4, 4], [3, 1, 4, 4], [4, 1, 1, 1]])
CONCATENATED = np.concatenate([row[:n] for row, n in zip(PADDED, TARGET_LENGTHS)])


def _ctc_pair(targets, lengths, **options):
    """Our and torch's loss (of log_softmax(LOGITS)) and the logits' gradients."""
    results = []
    for library, functional in ((gr, F), (torch, TF)):
        logits = library.tensor(LOGITS, requires_grad=True)
        loss = functional.ctc_loss(functional.log_softmax(logits, 2), library.tensor(targets),
                                   library.tensor(lengths[0]), library.tensor(lengths[1]),
                                   **options)
        weights = np.linspace(0.5, 1.5, loss.numel()).reshape(tuple(loss.shape))
        (loss * library.tensor(weights)).sum().backward()
        results.append((loss, logits.grad))
    return results


@requires_torch
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("targets", [PADDED, CONCATENATED], ids=["padded", "concatenated"])
def test_ctc_loss_and_logit_gradients_match_torch(reduction, targets):
    (loss, grad), (expected, expected_grad) = _ctc_pair(
        targets, (INPUT_LENGTHS, TARGET_LENGTHS), reduction=reduction)
    assert_close(loss, expected, f"ctc_loss {reduction}")
    assert_close(grad, expected_grad, f"ctc_loss {reduction} gradient")


@requires_torch
def test_ctc_loss_blank_and_zero_infinity_match_torch():
    targets = np.where(PADDED == 4, 0, PADDED)  # labels 0..3 with blank 4
    lengths = (np.array([9, 6, 0, 2, 7]), TARGET_LENGTHS)  # entry 3: 2 steps for [3, 1]: ok
    (loss, grad), (expected, expected_grad) = _ctc_pair(targets, lengths, blank=4,
                                                        reduction="none")
    assert_close(loss, expected, "ctc_loss blank=4")
    assert_close(grad, expected_grad, "ctc_loss blank=4 gradient")
    short = (np.array([9, 4, 3, 1, 7]), TARGET_LENGTHS)  # entries 1 and 3 cannot be aligned
    for reduction in ("none", "mean"):
        (loss, grad), (expected, expected_grad) = _ctc_pair(
            PADDED, short, reduction=reduction, zero_infinity=True)
        assert_close(loss, expected, f"ctc_loss zero_infinity {reduction}")
        assert_close(grad, expected_grad, f"ctc_loss zero_infinity {reduction} gradient")
    (loss, _), (expected, _) = _ctc_pair(PADDED, short, reduction="none")
    assert np.isinf(loss.detach().numpy()[[1, 3]]).all()
    assert_close(loss, expected, "ctc_loss infinite")


@requires_torch
def test_ctc_module_and_unbatched_input_match_torch():
    ours, theirs = nn.CTCLoss(blank=1, reduction="sum"), torch.nn.CTCLoss(blank=1,
                                                                          reduction="sum")
    assert repr(ours) == repr(theirs) == "CTCLoss()"
    x, tx = pair(np.log(RNG.dirichlet(np.ones(4), size=7)))
    target = np.array([2, 3, 3])
    loss = ours(x, gr.tensor(target), gr.tensor(7), gr.tensor(3))
    expected = theirs(tx, torch.tensor(target), torch.tensor(7), torch.tensor(3))
    assert loss.shape == () and expected.shape == ()
    assert_close(loss, expected, "CTCLoss unbatched")


@requires_torch
def test_ctc_loss_keeps_float32():
    logits = LOGITS.astype(np.float32)
    loss = F.ctc_loss(F.log_softmax(gr.tensor(logits), 2), gr.tensor(PADDED), INPUT_LENGTHS,
                      TARGET_LENGTHS, reduction="none")
    expected = TF.ctc_loss(TF.log_softmax(torch.tensor(logits), 2), torch.tensor(PADDED),
                           tuple(INPUT_LENGTHS), tuple(TARGET_LENGTHS), reduction="none")
    assert loss.dtype == gr.float32
    np.testing.assert_allclose(loss.numpy(), expected.numpy(), rtol=1e-5)


def test_ctc_loss_gradcheck_through_log_softmax():
    """The composite forward recursion differentiates exactly, blank repeats and all."""
    targets = gr.tensor(PADDED[:, :3])

    def loss(logits):
        return F.ctc_loss(F.log_softmax(logits, 2), targets, gr.tensor(INPUT_LENGTHS),
                          gr.tensor([3, 2, 0, 2, 1]), reduction="none")

    assert gradcheck(loss, [gr.tensor(LOGITS, requires_grad=True)], eps=1e-6, atol=1e-7,
                     rtol=1e-6)


def test_ctc_loss_gradient_of_log_probs_is_minus_the_label_posterior():
    """Without log_softmax in between, d loss / d log_probs[t, c] = -P(label c at step t)."""
    log_probs = gr.tensor(np.log(RNG.dirichlet(np.ones(3), size=(4, 1))), requires_grad=True)
    F.ctc_loss(log_probs, gr.tensor([[1]]), [4], [1], reduction="sum").backward()
    posterior = -log_probs.grad.numpy()[:, 0]
    np.testing.assert_allclose(posterior.sum(1), np.ones(4), rtol=1e-12)


def test_ctc_loss_errors_name_the_loss_and_values():
    log_probs = F.log_softmax(gr.tensor(LOGITS), 2)
    lengths = (gr.tensor(INPUT_LENGTHS), gr.tensor(TARGET_LENGTHS))
    with pytest.raises(RuntimeError, match=r"ctc_loss: input_lengths \[10, 6, 0, 4, 7\] must "
                                           r"be in \[0, 9\] \(log_probs of shape \(9, 5, 5\)\)"):
        F.ctc_loss(log_probs, gr.tensor(PADDED), [10, 6, 0, 4, 7], TARGET_LENGTHS)
    with pytest.raises(RuntimeError, match=r"ctc_loss: padded targets of shape \(5, 2\) are "
                                           r"too short"):
        F.ctc_loss(log_probs, gr.tensor(PADDED[:, :2]), *lengths)
    with pytest.raises(RuntimeError, match=r"ctc_loss: targets must be in \[0, 5\) and not the "
                                           r"blank 0, got \[0, 2, 2\]"):
        F.ctc_loss(log_probs, gr.tensor(np.where(PADDED == 1, 0, PADDED)), *lengths)
    with pytest.raises(RuntimeError, match="ctc_loss: concatenated targets have 3 labels, but "
                                           "target_lengths sum to 10"):
        F.ctc_loss(log_probs, gr.tensor([1, 2, 3]), *lengths)
    with pytest.raises(RuntimeError, match=r"ctc_loss: blank must be in label range \[0, 5\)"):
        F.ctc_loss(log_probs, gr.tensor(PADDED), *lengths, blank=5)
    with pytest.raises(RuntimeError, match="ctc_loss: target_lengths must be 5 integers"):
        F.ctc_loss(log_probs, gr.tensor(PADDED), INPUT_LENGTHS, [1, 2])
    with pytest.raises(ValueError, match="ctc_loss: 'avg' is not a valid value for reduction"):
        F.ctc_loss(log_probs, gr.tensor(PADDED), *lengths, reduction="avg")


# ----- AdaptiveLogSoftmaxWithLoss -----------------------------------------------------------------
def _adaptive_pair(**options):
    ours = nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 9, 15], **options).double()
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 9, 15], **options).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


# the default div_value gives the last cluster 16 // 4**3 = 0 features: both libraries warn
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@requires_torch
@pytest.mark.parametrize("options", [dict(), dict(div_value=2.0, head_bias=True)],
                         ids=["default", "div2-bias"])
def test_adaptive_log_softmax_matches_torch(options):
    ours, theirs = _adaptive_pair(**options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    target = np.array([0, 5, 19, 3, 9, 14, 15, 2, 8, 12, 17])  # every cluster, both ends
    x, tx = pair(RNG.standard_normal((11, 16)))
    out, expected = ours(x, gr.tensor(target)), theirs(tx, torch.tensor(target))
    assert out._fields == ("output", "loss")
    assert_close(out.output, expected.output, "adaptive output")
    assert_close(out.loss, expected.loss, "adaptive loss")
    (out.loss + (out.output * gr.tensor(np.arange(11.0))).sum()).backward()
    (expected.loss + (expected.output * torch.arange(11.0)).sum()).backward()
    assert_close(x.grad, tx.grad, "adaptive input gradient")
    params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert_close(params[name].grad, p.grad, f"adaptive {name} gradient")
    assert_close(ours.log_prob(x), theirs.log_prob(tx), "adaptive log_prob")
    np.testing.assert_allclose(np.exp(ours.log_prob(x).detach().numpy()).sum(1), 1, rtol=1e-12)
    one = ours(x[3], gr.tensor(target[3]))
    assert one.output.shape == ()
    assert_close(one.output, theirs(tx[3], torch.tensor(target[3])).output, "unbatched")


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@requires_torch
def test_adaptive_predict_matches_torch_in_every_branch():
    ours, theirs = _adaptive_pair(head_bias=True)
    x, tx = pair(RNG.standard_normal((12, 16)))
    for cluster_bias in (-50.0, 0.0, 50.0):  # all in the shortlist, mixed, none in it
        with torch.no_grad():
            theirs.head.bias[4:] = cluster_bias
        ours.load_state_dict(theirs.state_dict())
        predicted = ours.predict(x)
        assert predicted.dtype == gr.int64
        np.testing.assert_array_equal(predicted.numpy(), theirs.predict(tx).numpy())
        np.testing.assert_array_equal(predicted.numpy(),
                                      ours.log_prob(x).detach().numpy().argmax(1))


def test_adaptive_log_softmax_gradcheck_and_errors():
    module = nn.AdaptiveLogSoftmaxWithLoss(6, 8, [2, 5], div_value=2.0)
    assert check_module_gradients(_LossOf(module), [RNG.standard_normal((5, 6)),
                                                    np.array([0, 3, 7, 1, 5])])
    name = "AdaptiveLogSoftmaxWithLoss"
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive"):
        nn.AdaptiveLogSoftmaxWithLoss(6, 8, [5, 2])
    with pytest.raises(ValueError, match="cutoffs should be a sequence of length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(6, 8, [])
    x = gr.zeros(5, 6, dtype=gr.float64)
    with pytest.raises(RuntimeError, match=rf"{name}: Target values should be in \[0, 7\], but "
                                           r"values in range \[0, 8\] were found"):
        module(x, gr.tensor([0, 8, 1, 1, 1]))
    with pytest.raises(RuntimeError, match=rf"{name}: Input and target should have the same "
                                           r"size in the batch dimension \(input \(5, 6\), "
                                           r"target \(4,\)\)"):
        module(x, gr.tensor([0, 1, 1, 1]))
    with pytest.raises(RuntimeError, match=rf"{name}: 0D or 1D target tensor expected"):
        module(x, gr.tensor([[0, 1]]))


class _LossOf(nn.Module):
    def __init__(self, adaptive):
        super().__init__()
        self.adaptive = adaptive

    def forward(self, input, target):
        out = self.adaptive(input, target)
        return out.loss + out.output.sum()


# ----- affine_grid and grid_sample ----------------------------------------------------------------
IMAGE = RNG.standard_normal((2, 3, 5, 4))
GRID = RNG.uniform(-1.7, 1.7, (2, 6, 7, 2))  # well outside [-1, 1]: every padding mode matters


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_matches_torch(mode, padding_mode, align_corners):
    x, tx = pair(IMAGE)
    grid, tgrid = pair(GRID)
    out = F.grid_sample(x, grid, mode, padding_mode, align_corners)
    expected = TF.grid_sample(tx, tgrid, mode, padding_mode, align_corners)
    assert_close(out, expected, "grid_sample")
    cotangent = RNG.standard_normal(tuple(expected.shape))
    out.backward(gr.tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    assert_close(x.grad, tx.grad, "grid_sample input gradient")
    assert_close(grid.grad, tgrid.grad, "grid_sample grid gradient")


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_then_grid_sample_match_torch(align_corners):
    """Grids made by affine_grid land exactly on pixel centres and borders (align_corners)."""
    theta, ttheta = pair(np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                                   [[0.8, -0.3, 0.1], [0.4, 1.1, -0.2]]]))
    x, tx = pair(IMAGE)
    for padding_mode in ("zeros", "border", "reflection"):
        grid = F.affine_grid(theta, (2, 3, 6, 5), align_corners)
        expected_grid = TF.affine_grid(ttheta, (2, 3, 6, 5), align_corners)
        assert_close(grid, expected_grid, "affine_grid")
        out = F.grid_sample(x, grid, "bilinear", padding_mode, align_corners)
        expected = TF.grid_sample(tx, expected_grid, "bilinear", padding_mode, align_corners)
        assert_close(out, expected, f"grid_sample of affine_grid, {padding_mode}")
        (out * out).sum().backward()
        (expected * expected).sum().backward()
    assert_close(theta.grad, ttheta.grad, "affine_grid theta gradient")
    assert_close(x.grad, tx.grad, "grid_sample input gradient")


@requires_torch
@pytest.mark.parametrize("size", [(2, 1, 3, 4, 5), (2, 1, 1, 4, 2)], ids=["3d", "unit"])
def test_affine_grid_3d_and_unit_sizes_match_torch(size):
    theta, ttheta = pair(RNG.standard_normal((2, 3, 4)))
    for align_corners in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # align_corners=True with a unit size warns
            grid = F.affine_grid(theta, size, align_corners)
            expected = TF.affine_grid(ttheta, size, align_corners)
        assert_close(grid, expected, f"affine_grid {size} align_corners={align_corners}")


def test_grid_sample_and_affine_grid_gradcheck():
    x = gr.tensor(IMAGE[:1, :2], requires_grad=True)
    grid = gr.tensor(GRID[:1, :3, :4], requires_grad=True)
    for padding_mode in ("zeros", "border", "reflection"):
        assert gradcheck(lambda a, g, p=padding_mode: F.grid_sample(a, g, "bilinear", p, False),
                         [x, grid], eps=1e-6, atol=1e-6, rtol=1e-5)
    theta = gr.tensor(RNG.standard_normal((2, 2, 3)), requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), True), [theta])


def test_grid_sample_and_affine_grid_warnings_and_errors():
    x, grid = gr.tensor(IMAGE), gr.tensor(GRID)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, grid)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(gr.zeros(2, 2, 3), (2, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"grid_sample: expected input \(N, C, H, W\) and "
                                           r"grid .* got input of shape \(2, 3, 5, 4\) and grid "
                                           r"of shape \(1, 6, 7, 2\)"):
        F.grid_sample(x, grid[:1], align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros', 'border', or "
                                         "'reflection', but got: 'wrap'"):
        F.grid_sample(x, grid, padding_mode="wrap", align_corners=False)
    with pytest.raises(NotImplementedError, match="grid_sample: only 4-D input"):
        F.grid_sample(x, grid, mode="bicubic", align_corners=False)
    with pytest.raises(ValueError, match=r"Expected a batch of 2D affine matrices of shape "
                                         r"Nx2x3 for size \(2, 1, 3, 3\)\. Got \(2, 3, 3\)"):
        F.affine_grid(gr.zeros(2, 3, 3), (2, 1, 3, 3), False)
    with pytest.raises(ValueError, match="Expected theta to have floating point type"):
        F.affine_grid(gr.zeros(2, 2, 3, dtype=gr.int64), (2, 1, 3, 3), False)


# ----- FractionalMaxPool2d -----------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", [dict(kernel_size=3, output_size=(5, 4)),
                                     dict(kernel_size=(2, 3), output_ratio=(0.5, 0.6)),
                                     dict(kernel_size=2, output_size=1)], ids=range(3))
def test_fractional_max_pool2d_with_given_samples_matches_torch(options, dtype):
    """Same windows (the int truncation in the samples' dtype), values, indices, gradients;
    a NaN wins its window as in PyTorch's kernel."""
    values = RNG.standard_normal((2, 3, 11, 9)).astype(dtype)
    values[0, 0, 2, 3] = np.nan
    samples = RNG.random((2, 3, 2)).astype(dtype)
    x, tx = gr.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    out, indices = F.fractional_max_pool2d(x, return_indices=True,
                                           _random_samples=gr.tensor(samples), **options)
    expected, expected_indices = TF.fractional_max_pool2d(
        tx, return_indices=True, _random_samples=torch.tensor(samples), **options)
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    cotangent = RNG.standard_normal(tuple(expected.shape)).astype(dtype)
    out.backward(gr.tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@requires_torch
def test_fractional_max_pool2d_module_matches_torch_and_draws_from_the_generator():
    samples = RNG.random((1, 2, 2))
    ours = nn.FractionalMaxPool2d(2, output_size=3, _random_samples=gr.tensor(samples))
    theirs = torch.nn.FractionalMaxPool2d(2, output_size=3,
                                          _random_samples=torch.tensor(samples))
    assert repr(ours) == repr(theirs) == "FractionalMaxPool2d()"
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["_random_samples"]
    x, tx = pair(RNG.standard_normal((2, 6, 7)))
    assert_close(ours(x), theirs(tx), "FractionalMaxPool2d unbatched")
    drawing = nn.FractionalMaxPool2d((2, 2), output_ratio=0.5, return_indices=True)
    assert drawing.output_ratio == (0.5, 0.5)
    # every plane the same increasing ramp: each window's max is its last entry, so the
    # indices show where the windows were drawn
    images = gr.tensor(np.broadcast_to(np.arange(169.0).reshape(13, 13), (3, 4, 13, 13)))
    gr.manual_seed(3)
    first, first_indices = drawing(images)
    gr.manual_seed(3)
    again, again_indices = drawing(images)
    np.testing.assert_array_equal(first_indices.numpy(), again_indices.numpy())
    assert first.shape == (3, 4, 6, 6)
    windows = {tuple(plane) for plane in first_indices.numpy().reshape(12, -1)}
    assert len(windows) > 1  # one draw per example and channel
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(RuntimeError, match=r"fractional_max_pool2d: a 3x3 pool with output size "
                                           r"5x5 does not fit the input of shape \(2, 6, 7\)"):
        F.fractional_max_pool2d(x, 3, output_size=5)


# ----- RNNCellBase, deprecated upsampling, in-place SELU and CELU ---------------------------------
@requires_torch
@pytest.mark.parametrize("cls, options", [("RNNCell", dict(nonlinearity="relu")),
                                          ("RNNCell", dict(bias=False)), ("LSTMCell", dict()),
                                          ("GRUCell", dict(bias=False))])
def test_cells_derive_from_rnn_cell_base_like_torch(cls, options):
    ours, theirs = getattr(nn, cls)(3, 4, **options), getattr(torch.nn, cls)(3, 4, **options)
    assert isinstance(ours, nn.RNNCellBase)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    base = nn.RNNCellBase(3, 5, True, num_chunks=2)
    assert base.weight_ih.shape == (10, 3) and base.weight_hh.shape == (10, 5)
    assert np.abs(base.weight_hh.detach().numpy()).max() <= 1 / np.sqrt(5)
    assert repr(base) == repr(torch.nn.RNNCellBase(3, 5, True, num_chunks=2))


@requires_torch
@pytest.mark.parametrize("name, args", [
    ("upsample", dict(scale_factor=2, mode="bilinear", align_corners=False)),
    ("upsample", dict(size=(3, 7))),
    ("upsample_nearest", dict(scale_factor=3)),
    ("upsample_bilinear", dict(size=(4, 5))),
])
def test_deprecated_upsample_aliases_warn_and_match_torch(name, args):
    x, tx = pair(IMAGE)
    with pytest.warns(UserWarning, match=rf"`nn.functional.{name}` is deprecated. Use "
                                         r"`nn.functional.interpolate` instead."):
        out = getattr(F, name)(x, **args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(TF, name)(tx, **args)
    assert_close(out, expected, name)
    out.sum().backward()
    expected.sum().backward()
    assert_close(x.grad, tx.grad, f"{name} gradient")


@requires_torch
@pytest.mark.parametrize("name, args", [("selu_", ()), ("celu_", ()), ("celu_", (0.5,))])
def test_inplace_selu_celu_match_torch(name, args):
    values = RNG.standard_normal((3, 4))
    ours, theirs = gr.tensor(values), torch.tensor(values)
    assert getattr(F, name)(ours, *args) is ours
    getattr(TF, name)(theirs, *args)
    assert_close(ours, theirs, name)
    leaf = gr.tensor(values, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, name)(leaf, *args)
    x, tx = pair(values)
    y, ty = x * 1.0, tx * 1.0
    getattr(F, name)(y, *args)
    getattr(TF, name)(ty, *args)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(x.grad, tx.grad, f"{name} gradient through the in-place write")
