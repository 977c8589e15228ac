"""float32 end to end against PyTorch: the layers, losses, optimizers and distributions added in
the PyTorch API rounds keep float32 parameters, outputs, gradients and optimizer state, with
PyTorch's values (rtol 1e-5); a module built with float64 as the default dtype stays float64.
State dicts saved with gradiente.save load back to identical outputs, and deepcopies and reprs
match."""

import copy
import warnings

import numpy as np
import pytest

import gradiente as gr
from gradiente import nn
from tests.distributions.cases import CASES as DIST_CASES
from tests.distributions.cases import IDS as DIST_IDS
from tests.helpers import HAS_TORCH, to_numpy

if HAS_TORCH:
    import torch

pytestmark = [pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed"),
              pytest.mark.filterwarnings("ignore::UserWarning")]
RTOL = 1e-5

FLT, INT = "float", "int"  # input kinds: standard normal float32, or integers below a bound
# (class, constructor args, keyword args, inputs as (kind, shape[, bound]))
MODULES = [
    ("Bilinear", (3, 2, 4), {}, [(FLT, (2, 3)), (FLT, (2, 2))]),
    ("ConvTranspose3d", (2, 3, 2), {"stride": 2}, [(FLT, (1, 2, 2, 3, 2))]),
    ("Conv2d", (2, 3, 3), {"padding": "same", "padding_mode": "reflect"}, [(FLT, (2, 2, 5, 5))]),
    ("BatchNorm1d", (3,), {}, [(FLT, (4, 3))]),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True},
     [(FLT, (4, 3, 5))]),
    ("InstanceNorm2d", (3,), {}, [(FLT, (3, 3, 3))]),
    ("GroupNorm", (2, 4), {}, [(FLT, (3, 4, 5))]),
    ("RMSNorm", (5,), {"eps": 1e-5}, [(FLT, (3, 4, 5))]),
    ("LocalResponseNorm", (2,), {}, [(FLT, (2, 4, 3, 3))]),
    ("EmbeddingBag", (10, 4), {"mode": "max"}, [(INT, (2, 3), 10)]),
    ("PReLU", (3,), {}, [(FLT, (2, 3, 4))]),
    ("GLU", (), {}, [(FLT, (3, 4))]),
    ("Softshrink", (), {}, [(FLT, (3, 4))]),
    ("CELU", (0.5,), {}, [(FLT, (3, 4))]),
    ("Mish", (), {}, [(FLT, (3, 4))]),
    ("Hardswish", (), {}, [(FLT, (3, 4))]),
    ("ReflectionPad3d", (1,), {}, [(FLT, (2, 3, 3, 3, 3))]),
    ("CircularPad2d", ((1, 2, 0, 1),), {}, [(FLT, (2, 3, 4, 4))]),
    ("AdaptiveMaxPool3d", (2,), {}, [(FLT, (1, 2, 4, 4, 4))]),
    ("LPPool2d", (2, 2), {}, [(FLT, (1, 2, 4, 4))]),
    ("Fold", ((4, 5), (2, 2)), {}, [(FLT, (1, 12, 12))]),
    ("Unfold", ((2, 3),), {"padding": 1}, [(FLT, (2, 3, 4, 5))]),
    ("PixelUnshuffle", (2,), {}, [(FLT, (1, 2, 4, 4))]),
    ("Upsample", (), {"scale_factor": 2, "mode": "bicubic"}, [(FLT, (1, 2, 3, 3))]),
    ("PairwiseDistance", (), {}, [(FLT, (3, 4)), (FLT, (3, 4))]),
    ("LSTM", (3, 4), {"bidirectional": True, "num_layers": 2}, [(FLT, (5, 2, 3))]),
    ("GRU", (3, 4), {"batch_first": True}, [(FLT, (2, 5, 3))]),
    ("GRUCell", (3, 4), {}, [(FLT, (1, 3))]),
    ("MultiheadAttention", (8, 2), {"kdim": 6, "vdim": 4, "batch_first": True},
     [(FLT, (2, 5, 8)), (FLT, (2, 3, 6)), (FLT, (2, 3, 4))]),
    ("MultiheadAttention", (8, 2), {"add_bias_kv": True, "add_zero_attn": True},
     [(FLT, (5, 8)), (FLT, (5, 8)), (FLT, (5, 8))]),
    ("TransformerEncoderLayer", (8, 2), {"dim_feedforward": 16, "dropout": 0.0},
     [(FLT, (5, 2, 8))]),
    ("TransformerDecoderLayer", (8, 2),
     {"dim_feedforward": 16, "dropout": 0.0, "norm_first": True, "activation": "gelu"},
     [(FLT, (5, 2, 8)), (FLT, (4, 2, 8))]),
    ("Transformer", (), {"d_model": 8, "nhead": 2, "num_encoder_layers": 1,
                         "num_decoder_layers": 1, "dim_feedforward": 16, "dropout": 0.0},
     [(FLT, (5, 1, 8)), (FLT, (4, 1, 8))]),
    ("AdaptiveLogSoftmaxWithLoss", (8, 10, [4, 7]), {}, [(FLT, (3, 8)), (INT, (3,), 10)]),
    ("MultiMarginLoss", (), {"p": 2, "margin": 0.5}, [(FLT, (3, 5)), (INT, (3,), 5)]),
    ("MultiLabelSoftMarginLoss", (), {}, [(FLT, (3, 5)), (INT, (3, 5), 2)]),
    ("TripletMarginLoss", (), {"swap": True}, [(FLT, (3, 5)), (FLT, (3, 5)), (FLT, (3, 5))]),
    ("PoissonNLLLoss", (), {"log_input": True, "full": True}, [(FLT, (3, 5)), (INT, (3, 5), 4)]),
    ("GaussianNLLLoss", (), {"full": True}, [(FLT, (3, 5)), (FLT, (3, 5)), (INT, (3, 1), 3)]),
    ("KLDivLoss", (), {"reduction": "batchmean", "log_target": True},
     [(FLT, (3, 5)), (FLT, (3, 5))]),
    ("HuberLoss", (), {"delta": 0.5}, [(FLT, (3, 5)), (FLT, (3, 5))]),
    ("CrossEntropyLoss", (), {"label_smoothing": 0.1}, [(FLT, (3, 5)), (INT, (3,), 5)]),
    ("CTCLoss", (), {}, None),  # built in _inputs: log-probabilities and lengths
]
IDS_ = [f"{name}-{i}" for i, (name, *_) in enumerate(MODULES)]


def _inputs(name, specs, seed=0):
    rng = np.random.default_rng(seed)
    if name == "CTCLoss":  # logits: _call applies log_softmax
        return [rng.standard_normal((6, 2, 5)).astype(np.float32),
                np.array([[1, 2, 2], [3, 1, 4]]), np.array([6, 5]), np.array([3, 2])]
    arrays = []
    for kind, shape, *bound in specs:
        if kind == FLT:
            arrays.append(rng.standard_normal(shape).astype(np.float32))
        elif name in ("GaussianNLLLoss", "MultiLabelSoftMarginLoss", "PoissonNLLLoss"):
            # a variance, a 0/1 label or a count, as floats; variances and counts from 1
            # (PyTorch's gradient for a zero count is NaN: log 0 leaks through its mask)
            values = rng.integers(0, bound[0], shape).astype(np.float32)
            arrays.append(values if name == "MultiLabelSoftMarginLoss" else values + 1)
        else:
            arrays.append(rng.integers(0, bound[0], shape))
    return arrays


def _tensors(lib, arrays):
    return [lib.tensor(a.copy(), requires_grad=a.dtype == np.float32) for a in arrays]


def _call(module, lib, leaves):
    """The module's output tensor on the leaves; CTC's first input goes through log_softmax
    (PyTorch's CTC gradient is right only through it)."""
    if type(module).__name__ == "CTCLoss":
        leaves = [lib.nn.functional.log_softmax(leaves[0], 2), *leaves[1:]]
    return _first(module(*leaves))


def _first(out):
    """The output tensor of a module (the first of a tuple, a named tuple's output)."""
    while not hasattr(out, "shape"):
        out = out.output if hasattr(out, "output") else out[0]
    return out


def _pair(name, args, kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(nn, name)(*args, **kwargs)
    ours.load_state_dict({k: gr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _assert_float32_close(ours, theirs, what):
    assert str(ours.dtype) == "gradiente." + str(theirs.dtype).split(".")[-1], (
        f"{what}: dtype {ours.dtype}, torch's {theirs.dtype}")
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch's {b.shape}"
    scale = max(1.0, float(np.abs(b).max(initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * scale, err_msg=what)


@pytest.mark.parametrize("name, args, kwargs, specs", MODULES, ids=IDS_)
def test_module_float32_matches_torch(name, args, kwargs, specs):
    ours, theirs = _pair(name, args, kwargs)
    assert repr(ours) == repr(theirs)
    for key, value in ours.state_dict().items():
        expected = theirs.state_dict()[key].dtype
        assert str(value.dtype).split(".")[-1] == str(expected).split(".")[-1], key
    arrays = _inputs(name, specs)
    for training in (True, False):
        ours.train(training)
        theirs.train(training)
        our_in, their_in = _tensors(gr, arrays), _tensors(torch, arrays)
        out, expected = _call(ours, gr, our_in), _call(theirs, torch, their_in)
        _assert_float32_close(out, expected, f"{name} output (training={training})")
    out.sum().backward()
    expected.sum().backward()
    for k, (x, y) in enumerate(zip(our_in, their_in)):
        if y.grad is not None:
            _assert_float32_close(x.grad, y.grad, f"{name} input {k} gradient")
    grads = {key: p.grad for key, p in ours.named_parameters()}
    for key, p in theirs.named_parameters():
        if p.grad is not None:
            _assert_float32_close(grads[key], p.grad, f"{name}.{key} gradient")


@pytest.mark.parametrize("name, args, kwargs, specs", MODULES, ids=IDS_)
def test_module_saved_copied_and_float64(name, args, kwargs, specs, tmp_path):
    ours, _ = _pair(name, args, kwargs)
    ours.eval()
    arrays = _inputs(name, specs, seed=1)
    out = to_numpy(_call(ours, gr, _tensors(gr, arrays)))
    gr.save(ours.state_dict(), tmp_path / "state.gr")
    loaded = getattr(nn, name)(*args, **kwargs)
    loaded.load_state_dict(gr.load(tmp_path / "state.gr"))
    for other in (loaded.eval(), copy.deepcopy(ours)):
        np.testing.assert_array_equal(to_numpy(_call(other, gr, _tensors(gr, arrays))), out)
    previous = gr.get_default_dtype()
    gr.set_default_dtype(gr.float64)
    try:
        wide = getattr(nn, name)(*args, **kwargs)
    finally:
        gr.set_default_dtype(previous)
    for key, value in wide.state_dict().items():
        assert value.dtype in (gr.float64, gr.int64), f"{name}.{key}: {value.dtype}"
    wide_in = [a.astype(np.float64) if a.dtype == np.float32 else a for a in arrays]
    assert _call(wide, gr, _tensors(gr, wide_in)).dtype == gr.float64


OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.1)),
    ("Rprop", dict(lr=0.01)),
    ("ASGD", dict(lr=0.01, t0=2, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.01)),
]


@pytest.mark.parametrize("name, options", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_float32_state_and_values_match_torch(name, options):
    rng = np.random.default_rng(2)
    starts = [rng.standard_normal((3, 4)).astype(np.float32),
              rng.standard_normal(4).astype(np.float32)]
    x = rng.standard_normal((5, 3)).astype(np.float32)
    runs = []
    for lib in (gr, torch):
        params = [lib.tensor(s.copy(), requires_grad=True) for s in starts]
        opt = getattr(lib.optim, name)(params, **options)
        for _ in range(5):
            opt.zero_grad()
            ((lib.tensor(x) @ params[0] + params[1]).tanh() ** 2).sum().backward()
            opt.step()
        runs.append((params, opt))
    (ours, opt), (theirs, topt) = runs
    for i, (p, q) in enumerate(zip(ours, theirs)):
        _assert_float32_close(p.detach(), q.detach(), f"{name} parameter {i}")
        for key, value in topt.state[q].items():
            if isinstance(value, torch.Tensor):
                _assert_float32_close(opt.state[p][key], value, f"{name} state {key!r} of {i}")


DIST_METHODS = ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev")


@pytest.mark.parametrize("case", DIST_CASES, ids=DIST_IDS)
def test_distribution_float32_matches_torch(case):
    rng = np.random.default_rng(3)
    params = case.draw(rng, [(2,), (2,)])
    made = []
    for lib in (gr, torch):
        tensors = {k: lib.tensor(v) if k in case.constant else
                   lib.tensor(np.asarray(v, np.float32), requires_grad=True)
                   for k, v in params.items()}
        made.append((case.build(lib, **tensors), tensors))
    (ours, our_params), (theirs, their_params) = made
    value = case.value(rng, params, (2,) + tuple(theirs.batch_shape + theirs.event_shape))
    value = np.asarray(value, np.float32)
    for method in DIST_METHODS:
        if method not in case.methods:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method in ("log_prob", "cdf"):
                out, expected = (getattr(d, method)(lib.tensor(value))
                                 for d, lib in ((ours, gr), (theirs, torch)))
            elif method == "icdf":
                q = np.full((2,) + tuple(theirs.batch_shape), 0.3, np.float32)
                out, expected = ours.icdf(gr.tensor(q)), theirs.icdf(torch.tensor(q))
            elif method == "entropy":
                out, expected = ours.entropy(), theirs.entropy()
            else:
                out, expected = getattr(ours, method), getattr(theirs, method)
        _assert_float32_close(out.detach(), expected.detach(), f"{case.name}.{method}")
        if method in ("log_prob", "entropy") and expected.requires_grad:
            keys = [k for k in their_params if k not in case.constant]
            grads = gr.autograd.grad(out.sum(), [our_params[k] for k in keys],
                                     allow_unused=True, retain_graph=True)
            tgrads = torch.autograd.grad(expected.sum(), [their_params[k] for k in keys],
                                         allow_unused=True, retain_graph=True)
            for key, g, t in zip(keys, grads, tgrads):
                if t is not None:
                    _assert_float32_close(g, t, f"{case.name}.{method} gradient of {key}")
    sample = ours.rsample((3,)) if ours.has_rsample else ours.sample((3,))
    assert sample.dtype == gr.float32 or not sample.dtype.is_floating_point
