"""vmap: real batching of operations, equal to stacking the per-example results."""

import numpy as np
import pytest

import gradiente as gr
from gradiente.func import vmap, grad, jacrev, jvp
from gradiente.func import _batching
from tests.helpers import HAS_TORCH

if HAS_TORCH:
    import torch


def t64(a):
    return gr.tensor(np.asarray(a, dtype=np.float64))


def stacked(f, *args, dim=0):
    """The per-example loop vmap must equal."""
    n = args[0].shape[dim]
    outs = [f(*[a.select(dim, i) if hasattr(a, "select") else a[i] for a in args])
            for i in range(n)]
    return np.stack([o.array for o in outs])


FUNCTIONS = {
    "elementwise": lambda x, y: gr.exp(x) * y - gr.tanh(x) / (1 + y * y),
    "reductions": lambda x, y: gr.stack([x.sum(), (x * y).mean(0).sum(), x.amax(), y.var()]),
    "shapes": lambda x, y: (x.T.reshape(-1) + y.flatten()).unsqueeze(0).expand(2, -1),
    "matmul": lambda x, y: x @ y.T @ x[:, 0] + (x[:, 0] @ y)[..., None].sum(),
    "softmax": lambda x, y: gr.softmax(x, dim=-1) * gr.log_softmax(y, dim=0),
    "indexing": lambda x, y: gr.cat([x[1:, ::2].reshape(-1), y[0], x[:, -1]]),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_vmap_equals_stacking_per_example_results(name, rng):
    f = FUNCTIONS[name]
    x, y = t64(rng.normal(size=(5, 3, 2))), t64(rng.normal(size=(5, 3, 2)))
    expected = np.stack([f(x[i], y[i]).array for i in range(5)])
    np.testing.assert_allclose(vmap(f)(x, y).array, expected, atol=1e-14)


def test_in_dims_out_dims_and_unbatched_inputs(rng):
    x, w = t64(rng.normal(size=(3, 4))), t64(rng.normal(size=(4, 2)))
    out = vmap(lambda col, w: col @ w[:3], in_dims=(1, None), out_dims=1)(x, w)
    assert out.shape == (2, 4)
    np.testing.assert_allclose(out.array, (x.array.T @ w.array[:3]).T, atol=1e-14)
    # a constant output is broadcast over the batch
    assert vmap(lambda r: gr.ones(2))(x).shape == (3, 2)
    # dict inputs and outputs
    out = vmap(lambda d: {"s": d["a"].sum() + d["b"]})({"a": x, "b": t64([1.0, 2.0, 3.0])})
    np.testing.assert_allclose(out["s"].array, x.array.sum(1) + [1.0, 2.0, 3.0])


def test_nested_vmap_is_an_outer_product_of_batches(rng):
    x, y = t64(rng.normal(size=(3, 2))), t64(rng.normal(size=(4, 2)))
    out = vmap(lambda a: vmap(lambda b: (a * b).sum())(y))(x)
    np.testing.assert_allclose(out.array, x.array @ y.array.T, atol=1e-14)


def test_each_operation_runs_once_on_the_whole_batch(rng, monkeypatch):
    calls = []
    original = _batching.dispatch

    def counting(cls, args):
        out = original(cls, args)
        if out is not NotImplemented:  # a call with batched arguments
            calls.append(cls.__name__)
        return out
    monkeypatch.setattr(gr.autograd.function.BATCHING, "dispatch", counting)
    monkeypatch.setattr(_batching, "dispatch", counting)
    x = t64(rng.normal(size=(1000, 3)))
    vmap(lambda r: gr.sin(r).sum())(x)
    assert calls.count("Sin") == 1 and calls.count("Sum") == 1


def test_per_example_gradients_equal_a_loop(rng):
    w = t64(rng.normal(size=(4, 2)))
    xs, ys = t64(rng.normal(size=(6, 4))), t64(rng.normal(size=(6, 2)))
    loss = lambda w, x, y: ((gr.tanh(x @ w) - y) ** 2).mean()  # noqa: E731
    per_example = vmap(grad(loss), in_dims=(None, 0, 0))(w, xs, ys)
    loop = np.stack([grad(loss)(w, xs[i], ys[i]).array for i in range(6)])
    np.testing.assert_allclose(per_example.array, loop, atol=1e-14)
    if HAS_TORCH:
        tloss = lambda w, x, y: ((torch.tanh(x @ w) - y) ** 2).mean()  # noqa: E731
        expected = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(
            *(torch.tensor(a.array) for a in (w, xs, ys)))
        np.testing.assert_allclose(per_example.array, expected.numpy(), atol=1e-14)


def test_vmap_of_jacobians_and_jvp(rng):
    xs = t64(rng.normal(size=(4, 3)))
    f = lambda x: gr.sin(x) * x.sum()  # noqa: E731
    jacs = vmap(jacrev(f))(xs)
    loop = np.stack([jacrev(f)(xs[i]).array for i in range(4)])
    np.testing.assert_allclose(jacs.array, loop, atol=1e-14)
    vs = t64(rng.normal(size=(4, 3)))
    jv = vmap(lambda x, v: jvp(f, (x,), (v,))[1])(xs, vs)
    np.testing.assert_allclose(jv.array, np.einsum("bij,bj->bi", loop, vs.array), atol=1e-14)


def test_cross_entropy_under_vmap_matches_the_loop(rng):
    logits = t64(rng.normal(size=(5, 4, 3)))
    target = gr.tensor(rng.integers(0, 3, size=(5, 4)))
    f = lambda x, t: gr.nn.functional.cross_entropy(x, t)  # noqa: E731
    expected = np.stack([f(logits[i], target[i]).array for i in range(5)])
    np.testing.assert_allclose(vmap(f)(logits, target).array, expected, atol=1e-14)


def test_errors():
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="same size in the mapped dimension, got sizes "
                                         r"\[2, 3\]"):
        vmap(lambda a, b: a + b)(x, t64([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="in_dim=2 is out of bounds"):
        vmap(gr.sin, in_dims=2)(x)
    with pytest.raises(ValueError, match="at least one input must be mapped"):
        vmap(gr.sin, in_dims=None)(x)
    with pytest.raises(ValueError, match="must only return Tensors, got type float"):
        vmap(lambda r: 1.0)(x)
    with pytest.raises(RuntimeError, match="vmap: item reads the values of a batched tensor"):
        vmap(lambda r: r.sum().item())(x)

    class Twice(gr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.array * 2
    with pytest.raises(RuntimeError, match="vmap: Twice has no batch rule"):
        vmap(Twice.apply)(x)
    np.testing.assert_allclose(Twice.apply(x).array, 2 * x.array)  # fine outside vmap


# ----- randomness, chunk_size, out_dims=None --------------------------------------------------

def test_random_functions_raise_by_default():
    x = t64(np.zeros((4, 3)))
    for draw in (lambda r: r + gr.randn(3), lambda r: gr.rand_like(r),
                 lambda r: gr.nn.functional.dropout(r, 0.5)):
        with pytest.raises(RuntimeError, match="vmap: called random operation while in "
                                               "randomness error mode"):
            vmap(draw)(x)
    # no draw, no error: dropout off, and random calls outside vmap
    np.testing.assert_array_equal(vmap(lambda r: gr.nn.functional.dropout(r, 0.5,
                                                                           training=False))(x)
                                  .array, x.array)
    assert gr.randn(2).shape == (2,)


def test_randomness_same_shares_one_draw():
    x = t64(np.arange(12.0).reshape(4, 3))
    gr.manual_seed(1)
    out = vmap(lambda r: r + gr.randn(3, dtype=gr.float64), randomness="same")(x)
    gr.manual_seed(1)
    noise = gr.randn(3, dtype=gr.float64)
    np.testing.assert_array_equal(out.array, x.array + noise.array)


def test_randomness_different_draws_per_example():
    x = t64(np.zeros((4, 3)))
    gr.manual_seed(1)
    out = vmap(lambda r: r + gr.randn(3, dtype=gr.float64), randomness="different")(x)
    gr.manual_seed(1)
    np.testing.assert_array_equal(out.array, gr.randn(4, 3, dtype=gr.float64).array)
    assert len({tuple(row) for row in out.array}) == 4
    # dropout: each example its own mask, scaled by 1 / (1 - p)
    masks = vmap(lambda r: gr.nn.functional.dropout(r + 1, 0.5), randomness="different")(
        t64(np.zeros((64, 8))))
    assert set(np.unique(masks.array)) <= {0.0, 2.0}
    assert len({tuple(row) for row in masks.array}) > 32
    # nested: 'different' inside 'same' draws per inner example, shared by the outer ones
    y = t64(np.zeros((2, 3)))
    nested = vmap(lambda a: vmap(lambda b: b + gr.rand(3), randomness="different")(a),
                  randomness="same")(t64(np.zeros((5, 2, 3))))
    assert nested.shape == (5, 2, 3)
    np.testing.assert_array_equal(nested.array, np.broadcast_to(nested.array[:1], (5, 2, 3)))
    assert len(np.unique(nested.array[0])) == 6
    with pytest.raises(RuntimeError, match="randomness='different' is not supported"):
        vmap(lambda r: r + gr.randperm(3), randomness="different")(y)


def test_chunk_size_gives_the_same_result(rng):
    x, w = t64(rng.normal(size=(7, 4))), t64(rng.normal(size=(4, 2)))
    f = lambda x, w: (gr.tanh(x @ w), (x * x).sum())  # noqa: E731
    whole = vmap(f, in_dims=(0, None))(x, w)
    for chunk in (1, 3, 7, 100):
        parts = vmap(f, in_dims=(0, None), chunk_size=chunk)(x, w)
        for a, b in zip(parts, whole):  # a GEMM's rounding may depend on the batch size
            np.testing.assert_allclose(a.array, b.array, rtol=0, atol=1e-15)
    out = vmap(f, in_dims=(1, None), out_dims=(1, 0), chunk_size=3)(x.T, w)
    np.testing.assert_allclose(out[0].array, whole[0].array.T, rtol=0, atol=1e-15)
    per_example = vmap(grad(lambda x, w: (x @ w).sum(), argnums=1), in_dims=(0, None),
                       chunk_size=2)(x, w)
    np.testing.assert_allclose(per_example.array, x.array[:, :, None] * np.ones((7, 4, 2)))
    with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
        vmap(gr.sin, chunk_size=0)


def test_out_dims_none_for_unbatched_outputs(rng):
    x, w = t64(rng.normal(size=(3, 4))), t64(rng.normal(size=(4,)))
    rows, weight = vmap(lambda r, w: (r * w, w * 2), in_dims=(0, None), out_dims=(0, None))(x, w)
    assert rows.shape == (3, 4) and weight.shape == (4,)
    np.testing.assert_array_equal(weight.array, 2 * w.array)
    with pytest.raises(ValueError, match="out_dims is None for it"):
        vmap(lambda r: r * 2, out_dims=None)(x)
