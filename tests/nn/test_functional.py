"""nn.functional and the loss modules against PyTorch, gradcheck of the composed functions,
stability for extreme logits, and the errors that name the loss and the shapes."""

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente import nn
from gradiente.autograd import gradcheck
from tests.helpers import HAS_TORCH, requires_torch
from tests.nn.helpers import assert_close, pair

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(11)
LOGITS = RNG.standard_normal((5, 4))
SCORES = RNG.standard_normal((5, 4))
TARGETS = RNG.standard_normal((5, 4))
PROBS = RNG.uniform(0.05, 0.95, (5, 4))
LABELS = RNG.uniform(0, 1, (5, 4))

# (loss function name, extra keyword arguments, input arrays; integer arrays are class targets)
LOSSES = [
    ("mse_loss", {}, [SCORES, TARGETS]),
    ("mse_loss", {"reduction": "sum"}, [SCORES, TARGETS]),
    ("mse_loss", {"reduction": "none"}, [SCORES, TARGETS]),
    ("l1_loss", {}, [SCORES, TARGETS]),
    ("l1_loss", {"reduction": "none"}, [SCORES, TARGETS]),
    ("smooth_l1_loss", {"beta": 0.5}, [SCORES, TARGETS]),
    ("smooth_l1_loss", {"reduction": "sum"}, [SCORES, TARGETS]),
    ("smooth_l1_loss", {"beta": 0.0}, [SCORES, TARGETS]),
    ("huber_loss", {"delta": 0.7}, [SCORES, TARGETS]),
    ("huber_loss", {"reduction": "none"}, [SCORES, TARGETS]),
    ("cross_entropy", {}, [LOGITS, np.array([0, 3, 1, 2, 3])]),
    ("cross_entropy", {"label_smoothing": 0.3, "reduction": "sum"},
     [LOGITS, np.array([0, 3, 1, 2, 3])]),
    ("cross_entropy", {"ignore_index": 3, "reduction": "none"},
     [LOGITS, np.array([0, 3, 1, 2, 3])]),
    ("cross_entropy", {}, [LOGITS, np.exp(SCORES) / np.exp(SCORES).sum(1, keepdims=True)]),
    ("cross_entropy", {}, [RNG.standard_normal((2, 4, 3, 2)),
                           RNG.integers(0, 4, (2, 3, 2))]),
    ("nll_loss", {}, [np.log(PROBS), np.array([0, 3, 1, 2, 3])]),
    ("nll_loss", {"reduction": "sum", "ignore_index": 0}, [np.log(PROBS),
                                                           np.array([0, 3, 1, 2, 3])]),
    ("binary_cross_entropy", {}, [PROBS, LABELS]),
    ("binary_cross_entropy", {"reduction": "none"}, [PROBS, LABELS]),
    ("binary_cross_entropy_with_logits", {}, [SCORES, LABELS]),
    ("binary_cross_entropy_with_logits", {"reduction": "sum"}, [SCORES * 400, LABELS]),
    ("kl_div", {"reduction": "batchmean"}, [np.log(PROBS), LABELS]),
    ("kl_div", {"reduction": "sum", "log_target": True}, [np.log(PROBS), np.log(LABELS)]),
    ("kl_div", {"reduction": "none"}, [np.log(PROBS), np.where(LABELS > 0.5, LABELS, 0.0)]),
]
IDS = [f"{name}-{kwargs}" for name, kwargs, _ in LOSSES]
MODULES = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss",
           "huber_loss": "HuberLoss", "cross_entropy": "CrossEntropyLoss",
           "nll_loss": "NLLLoss", "binary_cross_entropy": "BCELoss",
           "binary_cross_entropy_with_logits": "BCEWithLogitsLoss", "kl_div": "KLDivLoss"}
WEIGHTED = {"cross_entropy", "nll_loss", "binary_cross_entropy",
            "binary_cross_entropy_with_logits"}


def _inputs(arrays, lib):
    out = []
    for k, a in enumerate(arrays):
        if a.dtype.kind in "iu":
            out.append(lib.tensor(a))
        else:
            out.append(lib.tensor(a, dtype=lib.float64, requires_grad=k == 0))
    return out


@requires_torch
@pytest.mark.parametrize("name, kwargs, arrays", LOSSES, ids=IDS)
def test_loss_matches_torch(name, kwargs, arrays):
    ours, theirs = _inputs(arrays, gr), _inputs(arrays, torch)
    for use_module in (False, True):
        if use_module:
            if name == "huber_loss" or name == "smooth_l1_loss":
                key = "delta" if name == "huber_loss" else "beta"
                ctor = dict(kwargs)
                ctor.setdefault(key, 1.0)
            else:
                ctor = kwargs
            a = getattr(nn, MODULES[name])(**ctor)(*ours)
            b = getattr(torch.nn, MODULES[name])(**ctor)(*theirs)
        else:
            a = getattr(F, name)(*ours, **kwargs)
            b = getattr(torch.nn.functional, name)(*theirs, **kwargs)
        assert_close(a, b, f"{name} value")
        cotangent = RNG.standard_normal(tuple(b.shape))
        (ga,) = gr.autograd.grad(a, ours[0], gr.from_numpy(cotangent.copy()))
        (gb,) = torch.autograd.grad(b, theirs[0], torch.tensor(cotangent))
        assert_close(ga, gb, f"{name} gradient")


@pytest.mark.parametrize("name, kwargs, arrays", LOSSES, ids=IDS)
def test_loss_gradcheck(name, kwargs, arrays):
    tensors = [gr.tensor(a) if a.dtype.kind in "iu"
               else gr.from_numpy(a.copy()).requires_grad_() for a in arrays]
    if name == "binary_cross_entropy_with_logits" and np.abs(arrays[0]).max() > 100:
        tensors[0] = tensors[0].detach()  # the saturated region is checked against torch
    if name.startswith("kl_div") and not kwargs.get("log_target"):
        tensors[1] = tensors[1].detach()  # y log y has no derivative at the zero targets
    assert gradcheck(lambda *xs: getattr(F, name)(*xs, **kwargs), tensors)


@requires_torch
@pytest.mark.parametrize("name", sorted(WEIGHTED))
def test_weighted_losses_match_torch(name):
    arrays = {"cross_entropy": [LOGITS, np.array([0, 3, 1, 2, 3])],
              "nll_loss": [np.log(PROBS), np.array([0, 3, 1, 2, 3])],
              "binary_cross_entropy": [PROBS, LABELS],
              "binary_cross_entropy_with_logits": [SCORES, LABELS]}[name]
    weight = RNG.uniform(0.2, 2.0, 4)
    extra = {}
    if name == "binary_cross_entropy_with_logits":
        extra["pos_weight"] = RNG.uniform(0.5, 3, 4)
    for reduction in ("mean", "sum", "none"):
        ours, theirs = _inputs(arrays, gr), _inputs(arrays, torch)
        our_extra = {k: gr.from_numpy(v) for k, v in extra.items()}
        their_extra = {k: torch.tensor(v) for k, v in extra.items()}
        a = getattr(F, name)(*ours, weight=gr.from_numpy(weight), reduction=reduction,
                             **our_extra)
        b = getattr(torch.nn.functional, name)(*theirs, weight=torch.tensor(weight),
                                               reduction=reduction, **their_extra)
        assert_close(a, b, f"{name} {reduction}")
        a.sum().backward()
        b.sum().backward()
        assert_close(ours[0].grad, theirs[0].grad, f"{name} {reduction} gradient")


@requires_torch
def test_cross_entropy_weights_smoothing_and_ignore_together():
    weight = RNG.uniform(0.2, 2.0, 4)
    target = np.array([0, 3, -1, 2, 3])
    for probabilities in (False, True):
        tgt = (np.exp(SCORES) / np.exp(SCORES).sum(1, keepdims=True)) if probabilities \
            else target
        kwargs = {} if probabilities else {"ignore_index": -1}
        x, tx = pair(LOGITS)
        a = F.cross_entropy(x, gr.tensor(tgt), weight=gr.from_numpy(weight),
                            label_smoothing=0.2, **kwargs)
        b = torch.nn.functional.cross_entropy(tx, torch.tensor(tgt), weight=torch.tensor(weight),
                                              label_smoothing=0.2, **kwargs)
        assert_close(a, b, "value")
        a.backward(), b.backward()
        assert_close(x.grad, tx.grad, "gradient")


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_every_target_ignored_gives_nan_loss_and_zero_gradient(loss):
    # PyTorch: the mean over no targets is 0 / 0 = nan, but no element gets a gradient
    x = gr.tensor(LOGITS, requires_grad=True)
    out = getattr(F, loss)(x, gr.tensor([-100] * len(LOGITS)))
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(x.grad.array, np.zeros_like(LOGITS))


def test_cross_entropy_of_huge_logits_is_finite():
    x = gr.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], requires_grad=True)
    loss = F.cross_entropy(x, gr.tensor([0, 2]))
    np.testing.assert_allclose(loss.item(), (1 + np.log1p(np.exp(-1.0))) / 2, rtol=1e-6)
    loss.backward()
    assert np.all(np.isfinite(x.grad.array))
    p = F.softmax(x, 1)
    np.testing.assert_allclose(p.array.sum(1), 1, rtol=1e-6)
    assert np.all(np.isfinite(F.log_softmax(x, 1).array))


def test_bce_with_logits_is_stable_at_plus_minus_1000():
    x = gr.tensor([1000.0, -1000.0, 1000.0, -1000.0], dtype=gr.float64, requires_grad=True)
    y = gr.tensor([1.0, 0.0, 0.0, 1.0], dtype=gr.float64)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_array_equal(loss.array, [0.0, 0.0, 1000.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [0.0, 0.0, 1.0, -1.0])


def test_bce_clamps_logs_at_minus_100():
    loss = F.binary_cross_entropy(gr.tensor([0.0, 1.0]), gr.tensor([1.0, 0.0]),
                                  reduction="none")
    np.testing.assert_array_equal(loss.array, [100.0, 100.0])


def test_loss_errors_name_the_loss_and_shapes():
    logits = gr.randn(4, 10)
    with pytest.raises(IndexError, match=r"cross_entropy: target 12 is out of bounds for 10 "
                                         r"classes"):
        F.cross_entropy(logits, gr.tensor([1, 12, 0, 3]))
    with pytest.raises(IndexError, match="target -2 is out of bounds"):
        F.cross_entropy(logits, gr.tensor([1, -2, 0, 3]))
    with pytest.raises(RuntimeError, match=r"cross_entropy: expected target of shape \(4,\).*"
                                           r"got \(3,\)"):
        F.cross_entropy(logits, gr.tensor([1, 2, 0]))
    with pytest.raises(RuntimeError, match=r"class probabilities must have the input's shape "
                                           r"\(4, 10\), got \(4, 9\)"):
        F.cross_entropy(logits, gr.rand(4, 9))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: all elements of target "
                                         r"should be between 0 and 1"):
        F.binary_cross_entropy(gr.rand(3), gr.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: all elements of input"):
        F.binary_cross_entropy(gr.tensor([1.5, 0.5]), gr.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: all elements of "
                                         r"target should be between 0 and 1"):
        F.binary_cross_entropy_with_logits(gr.randn(2), gr.tensor([0.0, -1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target size \(3,\)"
                                         r" must be the same as input size \(2,\)"):
        F.binary_cross_entropy_with_logits(gr.randn(2), gr.rand(3))
    with pytest.raises(ValueError, match="mse_loss: 'avg' is not a valid value for reduction"):
        F.mse_loss(gr.randn(2), gr.randn(2), reduction="avg")
    with pytest.raises(RuntimeError, match="nll_loss: expected target of integer dtype"):
        F.nll_loss(gr.randn(3, 2), gr.tensor([0.0, 1.0, 0.0]))
    with pytest.raises(NotImplementedError, match="derivative for 'weight'"):
        w = gr.ones(10, requires_grad=True)
        F.cross_entropy(logits, gr.tensor([1, 2, 0, 3]), weight=w).backward()


def test_mse_warns_on_broadcasting_targets():
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(gr.randn(3, 1), gr.randn(3))


@requires_torch
def test_batch_norm_and_embedding_functionals_match_torch():
    x, tx = pair(RNG.standard_normal((6, 3)))
    rm, rv = gr.zeros(3, dtype=gr.float64), gr.ones(3, dtype=gr.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    a = F.batch_norm(x, rm, rv, training=True, momentum=0.3)
    b = torch.nn.functional.batch_norm(tx, trm, trv, training=True, momentum=0.3)
    assert_close(a, b, "batch_norm")
    assert_close(rm, trm, "running_mean")
    assert_close(rv, trv, "running_var")
    assert_close(F.batch_norm(x, rm, rv), torch.nn.functional.batch_norm(tx, trm, trv), "eval")
    w, tw = pair(RNG.standard_normal((7, 2)))
    idx = np.array([[6, 0, 6], [2, 2, 6]])
    a = F.embedding(gr.tensor(idx), w, padding_idx=-1)
    b = torch.nn.functional.embedding(torch.tensor(idx), tw, padding_idx=-1)
    assert_close(a, b, "embedding")
    g = RNG.standard_normal((2, 3, 2))
    a.backward(gr.from_numpy(g.copy())), b.backward(torch.tensor(g))
    assert_close(w.grad, tw.grad, "embedding gradient with padding_idx")


@requires_torch
@pytest.mark.parametrize("name, args", [
    ("normalize", {}), ("normalize", {"p": 1.0, "dim": 0}), ("softmin", {"dim": 1}),
    ("prelu", None), ("bilinear", None), ("one_hot", None), ("layer_norm", None),
])
def test_other_functionals_match_torch(name, args):
    x, tx = pair(RNG.standard_normal((4, 3)))
    if name in ("normalize", "softmin"):
        a, b = getattr(F, name)(x, **args), getattr(torch.nn.functional, name)(tx, **args)
    elif name == "prelu":
        w, tw = pair([0.1, 0.2, 0.3])
        a, b = F.prelu(x, w), torch.nn.functional.prelu(tx, tw)
    elif name == "bilinear":
        y, ty = pair(RNG.standard_normal((4, 2)))
        w, tw = pair(RNG.standard_normal((5, 3, 2)))
        bias, tbias = pair(RNG.standard_normal(5))
        a, b = F.bilinear(x, y, w, bias), torch.nn.functional.bilinear(tx, ty, tw, tbias)
    elif name == "one_hot":
        idx = np.array([[0, 3], [2, 2]])
        a = F.one_hot(gr.tensor(idx))
        b = torch.nn.functional.one_hot(torch.tensor(idx))
        assert a.dtype == gr.int64
        assert_close(a, b, name)
        assert_close(F.one_hot(gr.tensor(idx), 6), torch.nn.functional.one_hot(
            torch.tensor(idx), 6), name)
        return
    else:
        a = F.layer_norm(x, 3, eps=1e-3)
        b = torch.nn.functional.layer_norm(tx, (3,), eps=1e-3)
    assert_close(a, b, name)
    a.sum().backward(), b.sum().backward()
    assert_close(x.grad, tx.grad, f"{name} gradient")


def test_composed_functionals_gradcheck():
    x = gr.from_numpy(RNG.standard_normal((4, 3))).requires_grad_()
    y = gr.from_numpy(RNG.standard_normal((4, 2))).requires_grad_()
    w = gr.from_numpy(RNG.standard_normal((5, 3, 2))).requires_grad_()
    b = gr.from_numpy(RNG.standard_normal(5)).requires_grad_()
    assert gradcheck(F.bilinear, [x, y, w, b])
    assert gradcheck(lambda t: F.normalize(t, dim=1), [x])
    assert gradcheck(lambda t, a: F.prelu(t, a), [x, gr.from_numpy(
        np.array([0.1, 0.2, 0.3])).requires_grad_()])
    assert gradcheck(lambda t: F.softmin(t, 0), [x])


def test_normalize_of_a_zero_vector_has_a_finite_gradient():
    x = gr.zeros(2, 3, requires_grad=True)
    F.normalize(x).sum().backward()
    assert np.all(np.isfinite(x.grad.array))


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(gr.tensor([0, 5]), 3)
    with pytest.raises(RuntimeError, match="integer dtype"):
        F.one_hot(gr.tensor([0.0]))


@requires_torch
def test_pad_reuses_movement_pad():
    x, tx = pair(RNG.standard_normal((2, 3)))
    assert_close(F.pad(x, (1, 2), value=0.5), torch.nn.functional.pad(tx, (1, 2), value=0.5),
                 "pad")


def test_legacy_size_average_and_reduce():
    x, y = gr.randn(3), gr.randn(3)
    with pytest.warns(UserWarning, match="deprecated"):
        total = F.mse_loss(x, y, size_average=False)
    np.testing.assert_allclose(total.item(), F.mse_loss(x, y, reduction="sum").item())
