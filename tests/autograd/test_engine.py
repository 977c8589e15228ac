"""Reverse-mode engine semantics, each checked against PyTorch's behaviour."""

import gc
import sys
import time
import tracemalloc

import numpy as np
import pytest

import gradiente as gr
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch


def leaf(values, lib=gr):
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


# ----- accumulation and fresh adjoints ----------------------------------------------------------

@pytest.mark.parametrize("lib", ["gr", "torch"])
def test_leaves_accumulate_across_backward_calls(lib):
    if lib == "torch" and not HAS_TORCH:
        pytest.skip("torch is not installed")
    lib = gr if lib == "gr" else torch
    x = leaf([1.0, 2.0], lib)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [2 * 1 + 3, 2 * 2 + 3])


def test_intermediate_adjoints_are_fresh_on_each_backward():
    x = leaf(3.0)
    y = x * x  # an intermediate shared by both backward calls
    (y * 2).backward(retain_graph=True)
    assert x.grad.item() == 12.0
    x.grad = None
    (y * 2).backward()
    assert x.grad.item() == 12.0  # not 24: y's adjoint was not kept from the first call


def test_a_node_used_twice_sums_both_paths():
    x = leaf(2.0)
    y = x.exp()
    z = y * y + y  # y is used three times
    z.backward()
    assert x.grad.item() == pytest.approx(2 * np.exp(4.0) + np.exp(2.0), rel=1e-15)


def test_grad_of_the_stored_gradient_is_not_shared_with_another():
    x, w = leaf([1.0, 2.0]), leaf([1.0, 2.0])
    (x + w).sum().backward()
    x.grad.add_(1.0)
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])


# ----- errors -----------------------------------------------------------------------------------

def test_non_scalar_backward_without_gradient_raises_naming_the_shape():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"implicitly created only for scalar.*\(2,\)"):
        (x * 2).backward()


def test_non_scalar_backward_with_gradient_is_a_vector_jacobian_product():
    x = leaf([1.0, 2.0])
    (x * x).backward(gr.tensor([1.0, 10.0], dtype=gr.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 40.0])


def test_gradient_of_the_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"mismatch in shape"):
        (x * 2).backward(gr.ones(3, dtype=gr.float64))


def test_second_backward_through_a_freed_graph_raises():
    x = leaf(2.0)
    y = x.exp() * x
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@requires_torch
def test_freed_graph_error_matches_torch_wording():
    x = torch.tensor(2.0, requires_grad=True)
    y = x.exp() * x
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf(2.0)
    y = x.exp() * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3 * np.exp(2.0), rel=1e-15)


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gr.tensor(1.0).backward()


def test_integer_and_bool_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        gr.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        gr.tensor([True]).requires_grad_()


def test_item_on_many_elements_raises_naming_the_count():
    with pytest.raises(RuntimeError, match="3 elements"):
        gr.tensor([1.0, 2.0, 3.0]).item()
    assert gr.tensor([[4.5]]).item() == 4.5


def test_broadcasting_errors_name_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4,\)"):
        gr.ones(2, 3) + gr.ones(4)


def _custom(backward_rule, numpy_rules=False):
    """A Function doubling its input whose backward is ``backward_rule(g)``."""
    class Custom(gr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.array * 2

        @staticmethod
        def backward(ctx, g):
            return backward_rule(g)

    Custom.numpy_rules = numpy_rules
    return Custom


def test_wrong_gradient_shape_from_a_custom_function_names_the_function():
    broken = _custom(lambda g: gr.ones(5, dtype=gr.float64))
    with pytest.raises(RuntimeError, match=r"CustomBackward0.*shape \(5,\).*\(3,\)"):
        broken.apply(leaf([1.0, 2.0, 3.0])).sum().backward()


def test_a_rule_returning_too_many_gradients_names_the_function_and_the_counts():
    twice = _custom(lambda g: (g, g))
    with pytest.raises(RuntimeError, match=r"CustomBackward0.*returned 2 gradients, expected 1"):
        twice.apply(leaf([1.0, 2.0])).sum().backward()


def test_a_numpy_rule_returning_a_tensor_on_arrays_names_the_function():
    tensor_rule = _custom(lambda g: gr.ones(2, dtype=gr.float64), numpy_rules=True)
    with pytest.raises(TypeError, match=r"CustomBackward0.*numpy_rules.*Tensor at index 0"):
        tensor_rule.apply(leaf([1.0, 2.0])).sum().backward()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("numpy_rules", [False, True])
def test_the_engine_sums_broadcast_gradients_and_casts_numbers_and_dtypes(create_graph,
                                                                        numpy_rules):
    # a rule may return a gradient that broadcast its input, a Python number, or another
    # dtype: the engine sums it to the input's shape and casts it to the input's dtype
    wide = _custom(lambda g: np.ones((4, 3)) if numpy_rules else gr.ones(4, 3), numpy_rules)
    x = leaf([1.0, 2.0, 3.0])
    wide.apply(x).sum().backward(create_graph=create_graph)
    np.testing.assert_array_equal(x.grad.detach().numpy(), [4.0, 4.0, 4.0])

    number = _custom(lambda g: 3.0, numpy_rules)
    y = gr.tensor(2.0, requires_grad=True)  # float32
    number.apply(y).backward(create_graph=create_graph)
    assert y.grad.dtype == gr.float32 and y.grad.item() == 3.0

    single = _custom(lambda g: np.float32(5) if numpy_rules else gr.tensor(5.0), numpy_rules)
    z = leaf(1.0)  # float64: a float32 gradient is cast
    single.apply(z).backward(create_graph=create_graph)
    assert z.grad.dtype == gr.float64 and z.grad.item() == 5.0

    # as in PyTorch, the input's shape must broadcast to the gradient's, not the reverse
    scalar_for_vector = _custom(lambda g: np.float64(2) if numpy_rules else gr.tensor(
        2.0, dtype=gr.float64), numpy_rules)
    with pytest.raises(RuntimeError, match=r"CustomBackward0.*invalid gradient at index 0 - "
                                           r"got shape \(\) but expected shape compatible "
                                           r"with \(2,\)"):
        scalar_for_vector.apply(leaf([1.0, 2.0])).sum().backward(create_graph=create_graph)


# ----- higher order -----------------------------------------------------------------------------

def test_create_graph_gives_second_and_third_derivatives():
    x = leaf(0.7)
    y = x.sin() * x ** 3
    (d1,) = gr.autograd.grad(y, x, create_graph=True)
    (d2,) = gr.autograd.grad(d1, x, create_graph=True)
    (d3,) = gr.autograd.grad(d2, x)
    s, c, v = np.sin(0.7), np.cos(0.7), 0.7
    assert d1.item() == pytest.approx(c * v ** 3 + 3 * s * v ** 2, rel=1e-14)
    assert d2.item() == pytest.approx(-s * v ** 3 + 6 * c * v ** 2 + 6 * s * v, rel=1e-14)
    assert d3.item() == pytest.approx(-c * v ** 3 - 9 * s * v ** 2 + 18 * c * v + 6 * s,
                                      rel=1e-13)


@requires_torch
def test_higher_derivatives_of_a_vector_function_match_torch():
    values = [0.3, -1.2, 0.8]
    results = []
    for lib in (gr, torch):
        x = leaf(values, lib)
        y = (lib.tanh(x) * x.exp()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x, create_graph=True)
        (t,) = lib.autograd.grad(h.sum(), x)
        results.append([a.detach().numpy() for a in (g, h, t)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_backward_with_create_graph_keeps_grad_differentiable():
    x = leaf(1.5)
    (x ** 3).backward(create_graph=True)
    assert x.grad.requires_grad
    (g,) = gr.autograd.grad(x.grad, x)
    assert g.item() == pytest.approx(6 * 1.5)


# ----- autograd.grad ----------------------------------------------------------------------------

def test_grad_does_not_touch_dot_grad():
    x = leaf(2.0)
    (g,) = gr.autograd.grad(x * x, x)
    assert g.item() == 4.0 and x.grad is None


def test_grad_unused_input_raises_unless_allow_unused():
    x, unused = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match="allow_unused"):
        gr.autograd.grad(x * 2, [x, unused])
    gx, gu = gr.autograd.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None
    gx, gu = gr.autograd.grad(x * 2, [x, unused], materialize_grads=True)
    assert gu.item() == 0.0


def test_grad_with_respect_to_a_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    gh, gx = gr.autograd.grad(y, [h, x])
    np.testing.assert_array_equal(gh.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(gx.numpy(), [18.0, 36.0])


def test_grad_of_several_outputs_sums_them():
    x = leaf(2.0)
    (g,) = gr.autograd.grad([x * x, x * 3], x)
    assert g.item() == 7.0


def test_backward_inputs_restricts_accumulation():
    x, w = leaf(1.0), leaf(2.0)
    (x * w).backward(inputs=[x])
    assert x.grad.item() == 2.0 and w.grad is None


# ----- hooks and retain_grad --------------------------------------------------------------------

def test_leaf_hook_can_replace_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    (x * x).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0])
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 40.0])


def test_non_leaf_hook_changes_what_flows_further_back():
    x = leaf(3.0)
    h = x * 2
    h.register_hook(lambda g: g * 0.5)
    (h * h).backward()  # dh = 2h = 12, halved to 6, times dh/dx = 2
    assert x.grad.item() == 12.0


def test_removed_hook_is_not_called():
    x = leaf(1.0)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).backward()
    assert x.grad.item() == 2.0


@requires_torch
def test_hooks_match_torch():
    grads = []
    for lib in (gr, torch):
        x = leaf([1.0, -2.0], lib)
        h = x.exp()
        h.register_hook(lambda g: g + 1)
        x.register_hook(lambda g: g * 3)
        (h * x).sum().backward()
        grads.append(x.grad.detach().numpy())
    np.testing.assert_allclose(*grads, rtol=1e-15)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf(2.0)
    h = x * x
    h.retain_grad()
    assert h.retains_grad
    (h * 3).backward()
    assert h.grad.item() == 3.0
    other = x * 5
    (other * 2).backward()
    assert other.grad is None  # not retained: PyTorch leaves it None


# ----- deep graphs and memory -------------------------------------------------------------------

def test_a_chain_of_100000_operations_backpropagates_quickly():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    start = time.perf_counter()
    y.backward()
    elapsed = time.perf_counter() - start
    assert x.grad.item() == pytest.approx(1.0000001 ** 100_000, rel=1e-9)
    assert elapsed < 10.0, f"backward over 100000 nodes took {elapsed:.1f} s"
    assert sys.getrecursionlimit() < 100_000  # so the engine cannot have recursed


def test_memory_does_not_grow_over_many_training_steps():
    w = gr.tensor([0.5, -0.2, 0.1], requires_grad=True)
    b = gr.tensor(0.0, requires_grad=True)
    x = gr.tensor([1.0, 2.0, 3.0])

    def step():
        loss = ((w * x + b).tanh() ** 2).sum()
        loss.backward()
        with gr.no_grad():
            w.sub_(0.01 * w.grad)
            b.sub_(0.01 * b.grad)
        w.grad = None
        b.grad = None

    for _ in range(100):  # warm up caches before counting
        step()
    gc.collect()
    objects_before = len(gc.get_objects())
    for _ in range(8_000):
        step()
    # the last 2000 of the 10000 steps run traced (tracemalloc slows each step fourfold)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2_000):
            step()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    gc.collect()
    assert len(gc.get_objects()) - objects_before < 100, "objects leak across steps"
    assert growth < 20_000, f"memory grew by {growth} bytes over 2000 steps"


# ----- first-order gradients run the rules on plain arrays ------------------------------------

def test_first_order_backward_of_numpy_rules_makes_tensors_only_for_the_leaves(monkeypatch):
    gr.manual_seed(0)
    model = gr.nn.Sequential(gr.nn.Linear(4, 8), gr.nn.ReLU(), gr.nn.Linear(8, 3))
    x, target = gr.randn(5, 4), gr.tensor([0, 2, 1, 1, 0])
    loss = gr.nn.functional.cross_entropy(model(x), target) + (model[0].weight ** 2).mean()
    nodes = gr.autograd.function.reachable([loss.grad_fn])
    assert all(node.fn.numpy_rules for node in nodes), [n for n in nodes if not n.fn.numpy_rules]
    made = []
    make = gr.Tensor._make.__func__
    monkeypatch.setattr(gr.Tensor, "_make", classmethod(
        lambda cls, array: made.append(array.shape) or make(cls, array)))
    loss.backward()
    assert sorted(made) == sorted(p.array.shape for p in model.parameters())


def test_create_graph_runs_the_same_numpy_rules_on_tensors_and_records_them():
    x = leaf([0.3, -1.2, 2.0])
    y = (gr.sin(x) * x ** 3 / (1 + x * x)).sum()
    (g,) = gr.autograd.grad(y, x, create_graph=True)
    assert g.grad_fn is not None
    (first,) = gr.autograd.grad((gr.sin(x) * x ** 3 / (1 + x * x)).sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), first.numpy(), rtol=1e-15)
    gr.autograd.gradcheck(lambda t: gr.autograd.grad(
        (gr.sin(t) * t ** 3 / (1 + t * t)).sum(), t, create_graph=True)[0], (x,))
