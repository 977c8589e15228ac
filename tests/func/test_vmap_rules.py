"""Batch rules: vmap(f) equals stacking f's per-example results, for every operation family."""

import inspect
import pkgutil
import importlib

import numpy as np
import pytest

import gradiente as gr
import gradiente.nn.functional as F
from gradiente.autograd.function import Function
from gradiente.func import vmap, grad, jvp
from gradiente.func import _batching
from gradiente.ops.nn import EmbeddingBackward
from tests.helpers import HAS_TORCH

if HAS_TORCH:
    import torch

B = 3  # examples per batch


def t64(a):
    return gr.tensor(np.asarray(a, dtype=np.float64))


def per_example(args, dims):
    """The arguments of example i: mapped arguments indexed along their dim."""
    def of(i):
        return [a if d is None else a.select(d, i) for a, d in zip(args, dims)]
    return of


def flat(out):
    """A result's tensors, in order (tuples and named tuples flattened)."""
    if isinstance(out, gr.Tensor):
        return [out]
    return [t for o in out for t in flat(o)]


def check(f, *args, in_dims=0, out_dims=0, atol=1e-13):
    """vmap(f) equals stacking f over the examples (along out_dims)."""
    dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    size = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
    of = per_example(args, dims)
    outs = [f(*of(i)) for i in range(size)]
    got = flat(vmap(f, in_dims=in_dims, out_dims=out_dims)(*args))
    outs = [flat(o) for o in outs]
    for k, g in enumerate(got):
        expected = np.stack([np.asarray(o[k].array) for o in outs], axis=out_dims)
        assert g.shape == expected.shape, (g.shape, expected.shape)
        assert g.dtype == outs[0][k].dtype
        np.testing.assert_allclose(g.array, expected, atol=atol, rtol=0)


def normal(rng, *shape):
    return t64(rng.normal(size=shape))


def integers(rng, high, *shape):
    return gr.tensor(rng.integers(0, high, size=shape))


# ----- every differentiable operation has a batch rule ----------------------------------------

def _operation_classes():
    import gradiente.ops as ops
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"gradiente.ops.{info.name}")
        for name, cls in vars(module).items():
            if (inspect.isclass(cls) and issubclass(cls, Function) and cls is not Function
                    and cls.__module__ == module.__name__ and not name.startswith("_")):
                yield module.__name__, cls


def test_every_operation_has_a_batch_rule():
    missing = [f"{module}.{cls.__name__}" for module, cls in _operation_classes()
               if cls not in _batching.RULES and not module.endswith(".elementwise")]
    assert not missing, f"operations without a batch rule: {missing}"


def test_every_function_marked_batch_rule_has_one():
    import gradiente.ops as ops
    marked = [fn for module in ops.FAMILIES for fn in vars(module).values()
              if callable(fn) and getattr(fn, "__wrapped__", None) is not None
              and getattr(fn, "__code__", None) is not None
              and fn.__code__.co_name == "dispatching"]
    assert len(marked) >= 16
    assert all(fn in _batching.FUNCTION_RULES for fn in marked)


def test_scalar_examples_through_function_rules(rng):
    x, i = normal(rng, B), integers(rng, 1, B)
    check(lambda x, i: (x.argmax(), x.argmax(0), x.sort(), x.topk(1, 0), x.max(0, True),
                        x.gather(0, i), x.kthvalue(1)), x, i)


def test_pick_window_directly(rng):
    from gradiente.ops import conv
    cols, choice = normal(rng, B, 2, 3, 4, 5, 5), rng.integers(0, 4, size=(2, 3, 5, 5))
    check(lambda c: conv.PickWindow.apply(c, choice), cols)
    values = normal(rng, B, 2, 3, 5, 5)
    check(lambda v: conv.PickWindowAdjoint.apply(v, choice, (2, 3, 4, 5, 5)), values)


def test_the_enumeration_finds_the_operations():
    names = {cls.__name__ for _, cls in _operation_classes()}
    assert {"Windows", "WindowsAdjoint", "Einsum", "GetItem", "BatchNorm", "Sum"} <= names


# ----- convolutions and pooling ---------------------------------------------------------------

CONV_CASES = {
    "conv2d": lambda x, w: F.conv2d(x, w, padding=1, stride=(1, 2)),
    "conv2d_groups": lambda x, w: F.conv2d(x, w[:, :1, :2], groups=2,
                                           dilation=(1, 2)),
    "conv1d_same": lambda x, w: F.conv1d(x.flatten(2), w[:, :, 0], padding="same"),
    "conv_transpose2d": lambda x, w: F.conv_transpose2d(x, w.transpose(0, 1)[:2], stride=2,
                                                        padding=1),
    "max_pool2d": lambda x, w: F.max_pool2d(x, 2, stride=1, padding=1),
    "avg_pool2d": lambda x, w: F.avg_pool2d(x, 3, stride=2, padding=1,
                                            count_include_pad=False),
    "adaptive_avg_pool2d": lambda x, w: F.adaptive_avg_pool2d(x, (3, 2)),
    "unfold_fold": lambda x, w: F.fold(F.unfold(x, 2, padding=1), (5, 6), 2, padding=1),
}


@pytest.mark.parametrize("name", CONV_CASES)
def test_convolutions_and_pooling(name, rng):
    x, w = normal(rng, B, 2, 2, 5, 6), normal(rng, 4, 2, 3, 3)
    f = CONV_CASES[name]
    check(f, x, w, in_dims=(0, None))
    if name.startswith("conv"):  # per-example kernels too
        check(f, x, normal(rng, B, 4, 2, 3, 3))


def test_unbatched_conv_input_under_vmap(rng):
    x, w = normal(rng, B, 2, 5, 6), normal(rng, 3, 2, 3, 3)
    check(lambda x, w: F.conv2d(x, w) + F.max_pool2d(x, 2).sum(), x, w, in_dims=(0, None))


# ----- indexing, sorting ----------------------------------------------------------------------

INDEXING_CASES = {
    "gather": lambda x, i: x.gather(1, i),
    "scatter": lambda x, i: x.scatter(1, i, x[:, :2] * 2),
    "scatter_add": lambda x, i: x.scatter_add(1, i, x[:, :2]),
    "index_select": lambda x, i: x.index_select(1, i[0]),
    "index_add": lambda x, i: x.index_add(1, i[0], x[:, :2], alpha=2),
    "index_fill": lambda x, i: x.index_fill(1, i[0], -1.0),
    "take_along_dim": lambda x, i: gr.take_along_dim(x, i, 1),
    "sort": lambda x, i: x.sort(1, descending=True),
    "argsort": lambda x, i: x.argsort(0),
    "topk": lambda x, i: x.topk(2, dim=0),
    "kthvalue": lambda x, i: x.kthvalue(2, 1, keepdim=True),
    "msort": lambda x, i: gr.msort(x),
    "argmax": lambda x, i: (x.argmax(), x.argmax(1), x.argmin(0, keepdim=True)),
    "max_dim": lambda x, i: (x.max(1), x.min(0, keepdim=True)),
    "median": lambda x, i: (x.median(), x.median(0)),
    "take": lambda x, i: x.take(i),
}


@pytest.mark.parametrize("name", INDEXING_CASES)
def test_indexing_and_sorting(name, rng):
    x, index = normal(rng, B, 4, 5), integers(rng, 4, B, 4, 2)
    f = INDEXING_CASES[name]
    check(f, x, index[0], in_dims=(0, None))  # batched input, shared index
    check(f, x, index)  # both batched
    check(f, x[0], index, in_dims=(None, 0))  # shared input, batched index


def test_median_ties_share_the_gradient_per_example():
    x = t64([[1.0, 2.0, 2.0, 3.0], [5.0, 4.0, 4.0, 4.0]])
    per_example = vmap(grad(lambda r: r.median()))(x)
    np.testing.assert_allclose(per_example.array, [[0, .5, .5, 0], [0, 1 / 3, 1 / 3, 1 / 3]])


# ----- shapes, linear algebra, losses ---------------------------------------------------------

MISC_CASES = {
    "einsum": lambda x, y: gr.einsum("ij,kj->ik", x, y) + gr.einsum("...j,...j", x, x)[:, None],
    "einsum_diagonal": lambda x, y: gr.einsum("ii->i", x[:, :4]),
    "diagonal": lambda x, y: x.diagonal(1) + gr.diag(y)[:4] + gr.trace(x[:, :4]),
    "diag_embed": lambda x, y: gr.diag_embed(x, offset=-1, dim1=0, dim2=2),
    "diag_vector": lambda x, y: gr.diag(x[0]),
    "repeat": lambda x, y: x.repeat(2, 1, 3),
    "flip": lambda x, y: x.flip(0, -1),
    "roll": lambda x, y: (x.roll(2, 1), x.roll(-1), x.roll((1, 1), (0, 1))),
    "cumsum": lambda x, y: (x.cumsum(1), x.cumprod(0), x.std(1), x.var()),
    "bce": lambda x, y: F.binary_cross_entropy(gr.sigmoid(x), gr.sigmoid(y)),
    "bce_logits": lambda x, y: F.binary_cross_entropy_with_logits(
        x, gr.sigmoid(y), pos_weight=gr.sigmoid(y[0])),
    "batch_norm": lambda x, y: F.batch_norm(x, None, None, y[0], y[1], training=True),
    "layer_norm": lambda x, y: F.layer_norm(x, (5,), y[0], y[1]),
    "embedding_backward": lambda x, y: EmbeddingBackward.apply(
        x[:2, :4, None] * y[:1, None, :], gr.tensor([[0, 2, 2, 1], [1, 0, 2, 2]]), 3, 2),
}


@pytest.mark.parametrize("name", MISC_CASES)
def test_shapes_linalg_and_losses(name, rng):
    x, y = normal(rng, B, 4, 5), normal(rng, B, 4, 5)
    f = MISC_CASES[name]
    check(f, x, y)
    check(f, x, y[0], in_dims=(0, None))
    check(f, x[0], y, in_dims=(None, 0))


def test_batch_norm_with_running_stats_raises(rng):
    x = normal(rng, B, 4, 2)
    running = gr.zeros(2, dtype=gr.float64)
    with pytest.raises(RuntimeError, match="vmap: batch_norm that updates running statistics"):
        vmap(lambda x: F.batch_norm(x, running, running.clone() + 1, training=True))(x)


def test_embedding_backward_with_padding(rng):
    weight = normal(rng, 4, 3)
    indices = integers(rng, 4, B, 5)
    f = lambda i, w: gr.func.grad(  # noqa: E731
        lambda w: (F.embedding(i, w, padding_idx=1) ** 2).sum())(w)
    check(f, indices, weight, in_dims=(0, None))


# ----- transforms through the new rules -------------------------------------------------------

def test_jvp_under_vmap_through_new_rules(rng):
    xs, vs = normal(rng, B, 2, 5, 5), normal(rng, B, 2, 5, 5)
    w = normal(rng, 3, 2, 3, 3)

    def f(x):
        y = F.max_pool2d(F.conv2d(x[None], w, padding=1), 2)
        return gr.einsum("ncij->c", y.flip(-1).roll(1, -2)).sort().values

    check(lambda x, v: jvp(f, (x,), (v,))[1], xs, vs)


# ----- per-example gradients of a small CNN ---------------------------------------------------

def cnn_loss(lib, functional):
    def loss(params, x, y):
        h = functional.relu(functional.conv2d(x[None], params["conv"], params["conv_bias"],
                                              padding=1))
        h = functional.max_pool2d(h, 2)
        logits = functional.linear(h.flatten(1), params["fc"], params["fc_bias"])
        return functional.cross_entropy(logits, y[None])
    return loss


def test_per_example_gradients_of_a_cnn(rng):
    shapes = {"conv": (4, 2, 3, 3), "conv_bias": (4,), "fc": (3, 4 * 3 * 3), "fc_bias": (3,)}
    params = {name: normal(rng, *shape) for name, shape in shapes.items()}
    xs, ys = normal(rng, 5, 2, 6, 6), integers(rng, 3, 5)
    loss = cnn_loss(gr, F)
    per_example = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
    for i in range(5):
        single = grad(loss)(params, xs[i], ys[i])
        for name in shapes:
            np.testing.assert_allclose(per_example[name][i].array, single[name].array,
                                       rtol=0, atol=1e-13)
    if HAS_TORCH:
        tloss = cnn_loss(torch, torch.nn.functional)
        expected = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(
            {name: torch.tensor(p.array) for name, p in params.items()},
            torch.tensor(xs.array), torch.tensor(ys.array))
        for name in shapes:
            np.testing.assert_allclose(per_example[name].array, expected[name].numpy(),
                                       rtol=0, atol=1e-13)
