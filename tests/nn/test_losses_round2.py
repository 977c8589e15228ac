"""The second round of losses (Gaussian/Poisson NLL, margin, embedding, triplet losses) and
F.pdist against PyTorch in float64: values and input/target gradients for every reduction,
gradcheck, the modules, and the errors that name the loss and the shapes."""

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente import nn
from gradiente.autograd import gradcheck
from tests.helpers import HAS_TORCH, requires_torch
from tests.nn.helpers import assert_close

if HAS_TORCH:
    import torch

RNG = np.random.default_rng(23)
X = RNG.standard_normal((5, 4))
Y = RNG.standard_normal((5, 4))
SIGNS = np.where(RNG.uniform(size=(5, 4)) > 0.5, 1.0, -1.0)
ROW_SIGNS = np.array([1.0, -1.0, -1.0, 1.0, -1.0])
VAR = RNG.uniform(0.1, 2.0, (5, 4))
COUNTS = RNG.integers(0, 6, (5, 4)).astype(np.float64)
LABELS = RNG.uniform(0, 1, (5, 4))
CLASS = np.array([0, 3, 1, 2, 3])
MULTILABEL = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [0, -1, 2, 2], [2, 2, -1, 0],
                       [-1, 1, 2, 3]])
A, P, N = (RNG.standard_normal((6, 3)) for _ in range(3))

# (function, keyword arguments, arrays (integer ones are targets), indices differentiated)
CASES = [
    ("gaussian_nll_loss", {}, [X, Y, VAR], (0, 1, 2)),
    ("gaussian_nll_loss", {"full": True, "reduction": "sum"}, [X, Y, VAR[:, 0]], (0, 1, 2)),
    ("gaussian_nll_loss", {"reduction": "none"}, [X, Y, VAR[:, :1]], (0, 1, 2)),
    ("gaussian_nll_loss", {"eps": 0.5, "reduction": "none"}, [X, Y, VAR[:1]], (0, 1, 2)),
    ("poisson_nll_loss", {}, [X, COUNTS], (0, 1)),
    ("poisson_nll_loss", {"log_input": False, "reduction": "sum"}, [VAR, COUNTS], (0, 1)),
    ("poisson_nll_loss", {"full": True, "reduction": "none"}, [X, COUNTS + 0.5], (0, 1)),
    ("poisson_nll_loss", {"full": True, "log_input": False, "eps": 0.1}, [VAR, COUNTS + 0.5],
     (0, 1)),
    ("margin_ranking_loss", {}, [X[:, 0], Y[:, 0], ROW_SIGNS], (0, 1, 2)),
    ("margin_ranking_loss", {"margin": 0.4, "reduction": "none"}, [X, Y, SIGNS], (0, 1, 2)),
    ("margin_ranking_loss", {"margin": 0.2, "reduction": "sum"}, [X, Y[:1], SIGNS[:, :1]],
     (0, 1, 2)),
    ("hinge_embedding_loss", {}, [X, SIGNS], (0,)),
    ("hinge_embedding_loss", {"margin": 0.3, "reduction": "none"}, [X, SIGNS[:1]], (0,)),
    ("hinge_embedding_loss", {"reduction": "sum"}, [X, SIGNS], (0,)),
    ("cosine_embedding_loss", {}, [X, Y, ROW_SIGNS], (0, 1)),
    ("cosine_embedding_loss", {"margin": -0.5, "reduction": "none"}, [X, Y, ROW_SIGNS], (0, 1)),
    ("cosine_embedding_loss", {"margin": 0.1, "reduction": "sum"}, [X[0], Y[0], np.array(-1.0)],
     (0, 1)),
    ("soft_margin_loss", {}, [X, SIGNS], (0, 1)),
    ("soft_margin_loss", {"reduction": "none"}, [X, SIGNS[0]], (0, 1)),
    ("soft_margin_loss", {"reduction": "sum"}, [X, Y], (0, 1)),
    ("multilabel_soft_margin_loss", {}, [X, LABELS], (0, 1)),
    ("multilabel_soft_margin_loss", {"reduction": "none"}, [X, LABELS], (0, 1)),
    ("multilabel_soft_margin_loss", {"reduction": "sum"}, [X[0], LABELS[0]], (0, 1)),
    ("multi_margin_loss", {}, [X, CLASS], (0,)),
    ("multi_margin_loss", {"p": 2, "margin": 0.7, "reduction": "none"}, [X, CLASS], (0,)),
    ("multi_margin_loss", {"reduction": "sum"}, [X[0], CLASS[1:2]], (0,)),
    ("multi_margin_loss", {"reduction": "none"}, [X[0], np.array(2)], (0,)),
    ("multilabel_margin_loss", {}, [X, MULTILABEL], (0,)),
    ("multilabel_margin_loss", {"reduction": "none"}, [X, MULTILABEL], (0,)),
    ("multilabel_margin_loss", {"reduction": "none"}, [X[1], MULTILABEL[1]], (0,)),
    ("multilabel_margin_loss", {"reduction": "sum"}, [X[0], MULTILABEL[0]], (0,)),
    ("triplet_margin_loss", {}, [A, P, N], (0, 1, 2)),
    ("triplet_margin_loss", {"p": 1, "margin": 2.0, "swap": True, "reduction": "none"},
     [A, P, N], (0, 1, 2)),
    ("triplet_margin_loss", {"p": 3, "eps": 1e-3, "reduction": "sum"}, [A, P, N[:1]],
     (0, 1, 2)),
    ("triplet_margin_loss", {"swap": True}, [A[0], P[0], N[0]], (0, 1, 2)),
    ("triplet_margin_with_distance_loss", {}, [A, P, N], (0, 1, 2)),
    ("triplet_margin_with_distance_loss", {"swap": True, "margin": 3.0, "reduction": "none"},
     [A, P, N], (0, 1, 2)),
    ("pdist", {}, [X], (0,)),
    ("pdist", {"p": 1}, [X], (0,)),
    ("pdist", {"p": 3.5}, [X], (0,)),
    ("pdist", {"p": float("inf")}, [X], (0,)),
]
IDS = [f"{name}-{kwargs}-{arrays[0].shape}" for name, kwargs, arrays, _ in CASES]
TORCH_CONSTANT_TARGET = {"soft_margin_loss"}  # ours differentiates the target too (gradcheck)


def _tensors(lib, arrays, differentiated):
    return [lib.tensor(a) if a.dtype.kind in "iu"
            else lib.tensor(a, dtype=lib.float64, requires_grad=k in differentiated)
            for k, a in enumerate(arrays)]


@requires_torch
@pytest.mark.parametrize("name, kwargs, arrays, differentiated", CASES, ids=IDS)
def test_function_matches_torch_values_and_gradients(name, kwargs, arrays, differentiated):
    if name in TORCH_CONSTANT_TARGET:
        differentiated = (0,)
    ours, theirs = _tensors(gr, arrays, differentiated), _tensors(torch, arrays, differentiated)
    a = getattr(F, name)(*ours, **kwargs)
    b = getattr(torch.nn.functional, name)(*theirs, **kwargs)
    assert_close(a, b, f"{name} value")
    cotangent = RNG.standard_normal(tuple(b.shape))
    grads = gr.autograd.grad(a, [ours[k] for k in differentiated], gr.from_numpy(cotangent))
    their_grads = torch.autograd.grad(b, [theirs[k] for k in differentiated],
                                      torch.tensor(cotangent))
    for k, ga, gb in zip(differentiated, grads, their_grads):
        assert_close(ga, gb, f"{name} gradient of argument {k}")


@pytest.mark.parametrize("name, kwargs, arrays, differentiated", CASES, ids=IDS)
def test_function_gradcheck(name, kwargs, arrays, differentiated):
    if name == "gaussian_nll_loss" and "eps" in kwargs:
        differentiated = (0, 1)  # var below eps: clamped in value, not in gradient, as torch
    tensors = _tensors(gr, arrays, differentiated)
    assert gradcheck(lambda *xs: getattr(F, name)(*xs, **kwargs), tensors)


MODULES = [  # (module, constructor arguments, function case index)
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3, "reduction": "sum"}, 1),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "eps": 0.1}, 7),
    ("MarginRankingLoss", {"margin": 0.4, "reduction": "none"}, 9),
    ("HingeEmbeddingLoss", {"margin": 0.3, "reduction": "none"}, 12),
    ("CosineEmbeddingLoss", {"margin": -0.5, "reduction": "none"}, 15),
    ("SoftMarginLoss", {"reduction": "sum"}, 19),
    ("MultiLabelSoftMarginLoss", {"reduction": "none"}, 21),
    ("MultiMarginLoss", {"p": 2, "margin": 0.7, "reduction": "none"}, 24),
    ("MultiLabelMarginLoss", {"reduction": "none"}, 28),
    ("TripletMarginLoss", {"p": 1, "margin": 2.0, "swap": True, "reduction": "none"}, 32),
    ("TripletMarginWithDistanceLoss", {"swap": True, "margin": 3.0, "reduction": "none"}, 36),
]


@requires_torch
@pytest.mark.parametrize("module, ctor, case", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_torch_and_repr(module, ctor, case):
    name, _, arrays, differentiated = CASES[case]
    if name in TORCH_CONSTANT_TARGET:
        differentiated = (0,)
    ours, theirs = _tensors(gr, arrays, differentiated), _tensors(torch, arrays, differentiated)
    our_loss, their_loss = getattr(nn, module)(**ctor), getattr(torch.nn, module)(**ctor)
    a, b = our_loss(*ours), their_loss(*theirs)
    assert_close(a, b, f"{module} value")
    a.sum().backward()
    b.sum().backward()
    for k in differentiated:
        assert_close(ours[k].grad, theirs[k].grad, f"{module} gradient of argument {k}")
    assert repr(our_loss) == repr(their_loss)


@requires_torch
@pytest.mark.parametrize("module, name, arrays", [
    ("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss", [X, LABELS]),
    ("MultiMarginLoss", "multi_margin_loss", [X, CLASS]),
])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_class_weights_match_torch(module, name, arrays, reduction):
    weight = RNG.uniform(0.2, 2.0, 4)
    ours, theirs = _tensors(gr, arrays, (0,)), _tensors(torch, arrays, (0,))
    a = getattr(nn, module)(weight=gr.from_numpy(weight.copy()), reduction=reduction)(*ours)
    b = getattr(torch.nn, module)(weight=torch.tensor(weight), reduction=reduction)(*theirs)
    assert_close(a, b, f"{name} weighted {reduction}")
    a.sum().backward()
    b.sum().backward()
    assert_close(ours[0].grad, theirs[0].grad, f"{name} weighted {reduction} gradient")


@requires_torch
def test_triplet_with_a_custom_distance_matches_torch():
    ours, theirs = _tensors(gr, [A, P, N], (0, 1, 2)), _tensors(torch, [A, P, N], (0, 1, 2))
    a = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1 - F.cosine_similarity(x, y), swap=True)(*ours)
    b = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1 - torch.nn.functional.cosine_similarity(x, y),
        swap=True)(*theirs)
    assert_close(a, b, "custom distance value")
    a.backward()
    b.backward()
    for k in range(3):
        assert_close(ours[k].grad, theirs[k].grad, f"custom distance gradient {k}")


def test_gaussian_nll_loss_scalar_variance_and_clamping():
    x, y = gr.from_numpy(X), gr.from_numpy(Y)
    scalar = F.gaussian_nll_loss(x, y, 0.5, reduction="none")
    full = F.gaussian_nll_loss(x, y, gr.full((5, 4), 0.5, dtype=gr.float64), reduction="none")
    np.testing.assert_array_equal(scalar.numpy(), full.numpy())
    var = gr.zeros(5, 4, dtype=gr.float64, requires_grad=True)
    loss = F.gaussian_nll_loss(x, y, var, eps=0.25, reduction="none")
    expected = 0.5 * (np.log(0.25) + (X - Y) ** 2 / 0.25)
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-14)
    loss.sum().backward()  # as PyTorch: the clamp changes the value, not the gradient's path
    np.testing.assert_allclose(var.grad.numpy(), 0.5 * (4 - (X - Y) ** 2 * 16), rtol=1e-14)


def test_poisson_full_term_ignores_targets_at_most_one():
    target = gr.tensor([0.0, 1.0, 3.0], dtype=gr.float64, requires_grad=True)
    x = gr.zeros(3, dtype=gr.float64)
    loss = F.poisson_nll_loss(x, target, full=True, reduction="none")
    stirling = 3 * np.log(3) - 3 + 0.5 * np.log(2 * np.pi * 3)
    np.testing.assert_allclose(loss.detach().numpy(), [1.0, 1.0, 1.0 + stirling], rtol=1e-14)
    loss.sum().backward()
    assert np.isfinite(target.grad.numpy()).all()


def test_pdist_order_and_shape():
    x = gr.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    np.testing.assert_allclose(F.pdist(x).numpy(), [5.0, 10.0, 5.0])
    assert tuple(F.pdist(gr.zeros(1, 3)).shape) == (0,)


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: F.gaussian_nll_loss(gr.zeros(5, 4), gr.zeros(5, 4), gr.ones(5, 2)), ValueError,
     r"gaussian_nll_loss: var is of incorrect size \(5, 2\) for input of size \(5, 4\)"),
    (lambda: F.gaussian_nll_loss(gr.zeros(2), gr.zeros(2), -gr.ones(2)), ValueError,
     "gaussian_nll_loss: var has negative"),
    (lambda: F.gaussian_nll_loss(gr.zeros(2), gr.zeros(2), gr.ones(2), reduction="avg"),
     ValueError, "gaussian_nll_loss: 'avg' is not a valid value for reduction"),
    (lambda: F.poisson_nll_loss(gr.zeros(2), gr.zeros(2), reduction="avg"), ValueError,
     "poisson_nll_loss: 'avg'"),
    (lambda: F.margin_ranking_loss(gr.zeros(3), gr.zeros(3), gr.zeros(1, 3)), RuntimeError,
     r"margin_ranking_loss: .*input1 \(3,\), input2 \(3,\), target \(1, 3\)"),
    (lambda: F.hinge_embedding_loss(gr.zeros(2), gr.ones(2), reduction="max"), ValueError,
     "hinge_embedding_loss: 'max'"),
    (lambda: F.cosine_embedding_loss(gr.zeros(2, 3), gr.zeros(2, 3), gr.ones(2, 1)),
     RuntimeError, r"cosine_embedding_loss: .*target \(2, 1\), input1 \(2, 3\)"),
    (lambda: F.soft_margin_loss(gr.zeros(2), gr.ones(2), reduction=""), ValueError,
     "soft_margin_loss: ''"),
    (lambda: F.multilabel_soft_margin_loss(gr.zeros(2, 3), gr.ones(2, 3), reduction="x"),
     ValueError, "multilabel_soft_margin_loss: 'x'"),
    (lambda: F.multi_margin_loss(gr.zeros(2, 3), gr.tensor([0, 1, 2])), RuntimeError,
     r"multi_margin_loss: inconsistent target size \(3,\) for input of size \(2, 3\)"),
    (lambda: F.multi_margin_loss(gr.zeros(2, 3), gr.tensor([0, 3])), RuntimeError,
     r"multi_margin_loss: target values must be in \[0, 3\)"),
    (lambda: F.multi_margin_loss(gr.zeros(2, 3), gr.tensor([0, 1]), p=3), ValueError,
     "multi_margin_loss: only p == 1 and p == 2"),
    (lambda: F.multi_margin_loss(gr.zeros(2, 3), gr.tensor([0, 1]), weight=gr.ones(2)),
     RuntimeError, r"multi_margin_loss: inconsistent weight size \(2,\), expected 3"),
    (lambda: F.multilabel_margin_loss(gr.zeros(2, 3), gr.tensor([[0, 1, 2]])), RuntimeError,
     r"multilabel_margin_loss: inconsistent target size \(1, 3\) for input of size \(2, 3\)"),
    (lambda: F.multilabel_margin_loss(gr.zeros(3), gr.tensor([0, 5, -1])), RuntimeError,
     r"multilabel_margin_loss: target values must be -1 or in \[0, 3\)"),
    (lambda: F.triplet_margin_loss(gr.zeros(2, 3), gr.zeros(2, 3), gr.zeros(3)), RuntimeError,
     r"triplet_margin_loss: .*anchor \(2, 3\), positive \(2, 3\), and negative \(3,\)"),
    (lambda: F.triplet_margin_loss(gr.zeros(3), gr.zeros(3), gr.zeros(3), margin=0),
     ValueError, "triplet_margin_loss: margin must be greater than 0"),
    (lambda: F.triplet_margin_with_distance_loss(gr.zeros(3), gr.zeros(3), gr.zeros(3),
                                                 reduction="mx"), ValueError,
     "triplet_margin_with_distance_loss: 'mx'"),
    (lambda: F.pdist(gr.zeros(2, 3, 4)), RuntimeError, r"pdist: .*\(2, 3, 4\)"),
    (lambda: nn.MultiMarginLoss(p=3), ValueError, "only p == 1 and p == 2 supported"),
    (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError,
     "TripletMarginLoss: expected margin to be greater than 0, got -1.0"),
    (lambda: nn.TripletMarginWithDistanceLoss(margin=0.0), ValueError,
     "TripletMarginWithDistanceLoss: expected margin to be greater than 0"),
])
def test_errors_name_the_loss_and_shapes(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_legacy_size_average_and_reduce_still_work():
    x, t = gr.from_numpy(X), gr.from_numpy(SIGNS)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        legacy = nn.SoftMarginLoss(size_average=False)(x, t)
    np.testing.assert_allclose(legacy.numpy(), F.soft_margin_loss(x, t, reduction="sum").numpy())


@requires_torch
@pytest.mark.parametrize("name", ["huber_loss", "l1_loss", "mse_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_element_weights_reduce_as_torch(name, reduction):
    """Weighted means: Σ w l / Σ w for l1 and mse, but mean(w l) for huber, as in torch."""
    weight = RNG.uniform(0.2, 2.0, X.shape)
    ours, theirs = _tensors(gr, [X, Y], (0,)), _tensors(torch, [X, Y], (0,))
    a = getattr(F, name)(*ours, weight=gr.from_numpy(weight.copy()), reduction=reduction)
    b = getattr(torch.nn.functional, name)(*theirs, weight=torch.tensor(weight),
                                           reduction=reduction)
    assert_close(a, b, f"{name} weighted {reduction}")
    a.sum().backward()
    b.sum().backward()
    assert_close(ours[0].grad, theirs[0].grad, f"{name} weighted {reduction} gradient")
