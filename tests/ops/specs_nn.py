"""Op specs of ``gradiente.ops.nn``: softmax, the losses, normalisation, embedding, linear.

Class-index targets, weights and other constants are built inside each ``fn`` (the harness
passes float64 inputs only), with ``lib.tensor`` so the same lambda runs on PyTorch.
"""

from tests.ops.spec import OpSpec


def _f(lib):
    return lib.nn.functional


def _logits_near(offset):
    """Logits around ``offset``: exp(offset) overflows unless the maximum is subtracted."""
    def make(rng, shapes):
        return [offset + rng.uniform(-3, 3, size=s) for s in shapes]
    return make


def _bce_inputs(rng, shapes):
    """Logits (or probabilities), targets in [0, 1], positive pos_weights."""
    x = rng.uniform(-3, 3, size=shapes[0])
    y = rng.uniform(0, 1, size=shapes[1])
    return [x, y] + [rng.uniform(0.5, 2.0, size=s) for s in shapes[2:]]


def _probabilities(rng, shapes):
    return [rng.uniform(0.05, 0.95, size=shapes[0]), rng.uniform(0, 1, size=shapes[1])]


def _huge_logits(rng, shapes):
    x = rng.choice([-1000.0, -300.0, 300.0, 1000.0], size=shapes[0]) + rng.uniform(-1, 1,
                                                                                   shapes[0])
    return [x, rng.uniform(0, 1, size=shapes[1])]


def _class_probabilities(rng, shapes):
    x = rng.uniform(-2, 2, size=shapes[0])
    p = rng.uniform(0.1, 1, size=shapes[1])
    return [x, p / p.sum(axis=1, keepdims=True)]


def _ce(**kwargs):
    return lambda lib, x: _f(lib).cross_entropy(x, lib.tensor([0, 3, 1, 3]), **kwargs)


def _weights(lib):
    return lib.tensor([0.5, 2.0, 1.0, 1.5, 0.25], dtype=lib.float64)


CE = ("CrossEntropy",)
NLL = ("NllLoss",)

SPECS = [
    OpSpec("softmax", lambda lib, x: lib.softmax(x, -1), [((3, 4),), ((2, 3, 4),), ((5,),), ((),)]),
    OpSpec("softmax_dim0", lambda lib, x: x.softmax(0), [((3, 4),)], covers=("Softmax",)),
    OpSpec("softmax_large_logits", lambda lib, x: lib.softmax(x, 1), [((3, 4),)],
           make_inputs=_logits_near(1000.0), covers=("Softmax",)),
    OpSpec("log_softmax", lambda lib, x: lib.log_softmax(x, -1),
           [((3, 4),), ((2, 3, 4),), ((5,),), ((),)], covers=("LogSoftmax",)),
    OpSpec("log_softmax_large_logits", lambda lib, x: x.log_softmax(1), [((3, 4),)],
           make_inputs=_logits_near(1000.0), covers=("LogSoftmax",)),
    OpSpec("cross_entropy", _ce(), [((4, 5),)], covers=CE),
    OpSpec("cross_entropy_sum", _ce(reduction="sum"), [((4, 5),)], covers=CE),
    OpSpec("cross_entropy_none", _ce(reduction="none"), [((4, 5),)], covers=CE),
    OpSpec("cross_entropy_weight_ignore",
           lambda lib, x: _f(lib).cross_entropy(x, lib.tensor([0, 3, -100, 4]),
                                                weight=_weights(lib)), [((4, 5),)], covers=CE),
    OpSpec("cross_entropy_smoothing_weight",
           lambda lib, x: _f(lib).cross_entropy(x, lib.tensor([0, 3, 2, 4]), weight=_weights(lib),
                                                label_smoothing=0.2, ignore_index=2),
           [((4, 5),)], covers=CE),
    OpSpec("cross_entropy_smoothing_none",
           lambda lib, x: _f(lib).cross_entropy(x, lib.tensor([0, 3, 2, 4]), reduction="none",
                                                label_smoothing=0.1), [((4, 5),)], covers=CE),
    OpSpec("cross_entropy_spatial",
           lambda lib, x: _f(lib).cross_entropy(x, lib.tensor([[0, 2, 1, 2], [1, 1, 0, 2]])),
           [((2, 3, 4),)], covers=CE),
    OpSpec("cross_entropy_unbatched", lambda lib, x: _f(lib).cross_entropy(x, lib.tensor(2)),
           [((5,),)], covers=CE),
    OpSpec("cross_entropy_large_logits", _ce(), [((4, 5),)], make_inputs=_logits_near(1000.0),
           covers=CE),
    OpSpec("cross_entropy_probabilities",
           lambda lib, x, p: _f(lib).cross_entropy(x, p, label_smoothing=0.1),
           [((4, 3), (4, 3))], make_inputs=_class_probabilities, covers=("LogSoftmax",)),
    OpSpec("nll_loss", lambda lib, x: _f(lib).nll_loss(x, lib.tensor([0, 3, 1, 3])),
           [((4, 5),)], covers=NLL),
    OpSpec("nll_loss_weight_ignore_none",
           lambda lib, x: _f(lib).nll_loss(x, lib.tensor([0, 3, 1, 4]), weight=_weights(lib),
                                           ignore_index=1, reduction="none"),
           [((4, 5),)], covers=NLL),
    OpSpec("nll_loss_weight_mean",
           lambda lib, x: _f(lib).nll_loss(x, lib.tensor([[0, 4], [1, 3]]),
                                           weight=_weights(lib)),
           [((2, 5, 2),)], covers=NLL),
    OpSpec("mse_loss", lambda lib, x, y: _f(lib).mse_loss(x, y), [((4, 3), (4, 3)), ((), ())]),
    OpSpec("mse_loss_sum", lambda lib, x, y: _f(lib).mse_loss(x, y, reduction="sum"),
           [((4, 3), (4, 3))], covers=("MseLoss",)),
    OpSpec("mse_loss_none", lambda lib, x, y: _f(lib).mse_loss(x, y, reduction="none"),
           [((4, 3), (4, 3))], covers=("MseLoss",)),
    OpSpec("mse_loss_broadcast", lambda lib, x, y: _f(lib).mse_loss(x.expand(4, 3), y),
           [((3,), (4, 3)), ((1, 3), (4, 3))], covers=("MseLoss",)),
    OpSpec("binary_cross_entropy_with_logits",
           lambda lib, x, y: _f(lib).binary_cross_entropy_with_logits(x, y),
           [((4, 3), (4, 3)), ((), ())], make_inputs=_bce_inputs),
    OpSpec("binary_cross_entropy_with_logits_pos_weight",
           lambda lib, x, y, pw: _f(lib).binary_cross_entropy_with_logits(
               x, y, pos_weight=pw, reduction="sum"),
           [((4, 3), (4, 3), (3,))], make_inputs=_bce_inputs, diff_args=(0, 1),
           covers=("BinaryCrossEntropyWithLogits",)),
    OpSpec("binary_cross_entropy_with_logits_pos_weight_grad",
           lambda lib, x, y, pw: _f(lib).binary_cross_entropy_with_logits(x, y, pos_weight=pw),
           [((4, 3), (4, 3), (3,))], make_inputs=_bce_inputs,
           covers=("BinaryCrossEntropyWithLogits",),
           no_torch="torch is not differentiable with respect to pos_weight"),
    OpSpec("binary_cross_entropy_with_logits_weight_none",
           lambda lib, x, y: _f(lib).binary_cross_entropy_with_logits(
               x, y, weight=lib.tensor([1.0, 0.5, 2.0], dtype=lib.float64), reduction="none"),
           [((4, 3), (4, 3))], make_inputs=_bce_inputs, covers=("BinaryCrossEntropyWithLogits",)),
    OpSpec("binary_cross_entropy_with_logits_huge",
           lambda lib, x, y: _f(lib).binary_cross_entropy_with_logits(x, y),
           [((4, 3), (4, 3))], make_inputs=_huge_logits,
           covers=("BinaryCrossEntropyWithLogits",)),
    OpSpec("binary_cross_entropy", lambda lib, x, y: _f(lib).binary_cross_entropy(x, y),
           [((4, 3), (4, 3)), ((), ())], make_inputs=_probabilities),
    OpSpec("binary_cross_entropy_weight_sum",
           lambda lib, x, y: _f(lib).binary_cross_entropy(
               x, y, weight=lib.tensor([1.0, 0.5, 2.0], dtype=lib.float64), reduction="sum"),
           [((4, 3), (4, 3))], make_inputs=_probabilities, covers=("BinaryCrossEntropy",)),
    OpSpec("layer_norm", lambda lib, x, w, b: _f(lib).layer_norm(x, (4,), w, b),
           [((3, 4), (4,), (4,)), ((2, 3, 4), (4,), (4,))]),
    OpSpec("layer_norm_two_dims", lambda lib, x, w: _f(lib).layer_norm(x, (3, 4), w, eps=1e-3),
           [((2, 3, 4), (3, 4))], covers=("LayerNorm",)),
    OpSpec("layer_norm_no_affine", lambda lib, x: _f(lib).layer_norm(x, (5,)), [((3, 5),)],
           covers=("LayerNorm",)),
    OpSpec("batch_norm_training",
           lambda lib, x, w, b: _f(lib).batch_norm(x, None, None, w, b, training=True),
           [((5, 3), (3,), (3,)), ((4, 3, 2), (3,), (3,))], covers=("BatchNorm",)),
    OpSpec("batch_norm_training_no_affine",
           lambda lib, x: _f(lib).batch_norm(x, None, None, training=True, eps=1e-3),
           [((6, 2),)], covers=("BatchNorm",)),
    OpSpec("embedding", lambda lib, w: _f(lib).embedding(lib.tensor([[0, 2], [5, 2]]), w),
           [((6, 3),)], covers=("Embedding", "EmbeddingBackward")),
    OpSpec("embedding_repeated", lambda lib, w: _f(lib).embedding(lib.tensor([1, 1, 1, 0]), w),
           [((2, 4),)], covers=("Embedding", "EmbeddingBackward")),
    OpSpec("linear", lambda lib, x, w, b: _f(lib).linear(x, w, b),
           [((4, 3), (2, 3), (2,)), ((2, 4, 3), (2, 3), (2,)), ((3,), (2, 3), (2,))]),
    OpSpec("linear_no_bias", lambda lib, x, w: _f(lib).linear(x, w), [((4, 3), (5, 3))],
           covers=("Linear",)),
]
