"""Shared helpers of the nn tests: run the same module or function on gradiente and torch."""

import numpy as np

import gradiente as gr
from gradiente.autograd import gradcheck
from tests.helpers import HAS_TORCH, to_numpy

if HAS_TORCH:
    import torch


def pair(array, requires_grad=True):
    """The same float64 values as a gradiente tensor and a torch tensor."""
    array = np.asarray(array, dtype=np.float64)
    ours = gr.from_numpy(array.copy()).requires_grad_(requires_grad)
    theirs = torch.tensor(array, requires_grad=requires_grad)
    return ours, theirs


def assert_close(ours, theirs, what, rtol=1e-10):
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch's {b.shape}"
    if b.dtype.kind not in "fc":
        np.testing.assert_array_equal(a, b, err_msg=what)
        return
    scale = max(1.0, float(np.abs(b[np.isfinite(b)]).max(initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale, equal_nan=True, err_msg=what)


def compare_modules(ours, theirs, inputs, rng=None, rtol=1e-10):
    """Copy torch's weights into ours, run both on ``inputs`` (float64 arrays, or integer
    arrays passed as they are), and compare outputs, input gradients and parameter gradients."""
    ours.double()
    theirs.double()
    ours.load_state_dict(theirs.state_dict())
    rng = rng or np.random.default_rng(0)
    our_inputs, their_inputs = [], []
    for a in inputs:
        if np.asarray(a).dtype.kind in "iu":
            our_inputs.append(gr.tensor(a))
            their_inputs.append(torch.tensor(a))
        else:
            x, y = pair(a)
            our_inputs.append(x)
            their_inputs.append(y)
    out_ours, out_theirs = ours(*our_inputs), theirs(*their_inputs)
    assert_close(out_ours, out_theirs, f"{type(ours).__name__} output", rtol)
    cotangent = rng.standard_normal(tuple(out_theirs.shape))
    out_ours.backward(gr.from_numpy(cotangent.copy()))
    out_theirs.backward(torch.tensor(cotangent))
    for k, (x, y) in enumerate(zip(our_inputs, their_inputs)):
        if y.requires_grad:
            assert_close(x.grad, y.grad, f"{type(ours).__name__} input {k} gradient", rtol)
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is None:
            assert ours_params[name].grad is None, name
        else:
            assert_close(ours_params[name].grad, p.grad, f"{type(ours).__name__}.{name} grad",
                         rtol)
    return out_ours


def check_module_gradients(module, inputs):
    """gradcheck in float64 of a module's output with respect to its inputs and parameters."""
    module.double()
    params = [p for p in module.parameters() if p.requires_grad]
    tensors = [gr.from_numpy(np.asarray(a, dtype=np.float64)).requires_grad_()
               if np.asarray(a).dtype.kind == "f" else gr.tensor(a) for a in inputs]
    n = len(tensors)

    def fn(*args):
        return _with_params(module, params, args[n:], tensors_in=args[:n])
    copies = [gr.from_numpy(p.array.copy()).requires_grad_() for p in params]
    return gradcheck(fn, [*tensors, *copies], eps=1e-6, atol=1e-6, rtol=1e-5)


def _with_params(module, params, values, tensors_in):
    """Run ``module`` with its parameters replaced by the (graph-connected) ``values``."""
    saved = {}
    owners = {}
    for mod in module.modules():
        for name, p in mod._parameters.items():
            if p is not None:
                owners[id(p)] = (mod, name)
    try:
        for p, value in zip(params, values):
            mod, name = owners[id(p)]
            saved[(id(mod), name)] = (mod, name, p)
            mod._parameters[name] = value
        return module(*tensors_in)
    finally:
        for mod, name, p in saved.values():
            mod._parameters[name] = p
