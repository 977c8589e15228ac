"""Shared test helpers: optional PyTorch, array conversion."""

import numpy as np
import pytest

try:  # an import, not a lookup: a torch that is found but fails to import counts as missing
    import torch  # noqa: F401
    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False
requires_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")


def to_numpy(t):
    """A gradiente or torch tensor (or None) as a NumPy array."""
    if t is None:
        return None
    if hasattr(t, "detach"):
        t = t.detach()
    if hasattr(t, "array"):
        return np.asarray(t.array)
    return t.numpy()


def assert_first_order_matches_create_graph(fn, inputs, seed=1):
    """A backward rule run on arrays (first order) and on Tensors (create_graph) gives the same
    gradients, and the Tensor run is recorded (the cotangent requires grad)."""
    import gradiente as gr

    out = fn(*inputs)
    cotangent = gr.from_numpy(np.random.default_rng(seed).standard_normal(tuple(out.shape)))
    cotangent = cotangent.to(out.dtype).requires_grad_()
    on_arrays = gr.autograd.grad(out, inputs, cotangent, retain_graph=True)
    on_tensors = gr.autograd.grad(out, inputs, cotangent, create_graph=True)
    for i, (a, t) in enumerate(zip(on_arrays, on_tensors)):
        assert t.requires_grad, f"gradient {i} was not recorded under create_graph"
        np.testing.assert_allclose(a.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=f"gradient {i}")


def assert_rules_agree_and_differentiate(fn, shapes):
    """On random float64 inputs of ``shapes``: the array and Tensor runs of the backward rules
    agree, and ``fn`` passes gradcheck and gradgradcheck."""
    import gradiente as gr
    from gradiente.autograd import gradcheck, gradgradcheck

    rng = np.random.default_rng(0)
    inputs = [gr.tensor(rng.standard_normal(shape), requires_grad=True) for shape in shapes]
    assert_first_order_matches_create_graph(fn, inputs)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
