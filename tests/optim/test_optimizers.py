"""Optimizers: trajectories against PyTorch, state dicts, errors, failed steps."""

import numpy as np
import pytest

import gradiente as gr
from gradiente import blas, optim
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch

SHAPES = [(3, 4), (5,), ()]

CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, weight_decay=0.2, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.5), maximize=True)),  # lerp's weight >= 0.5 branch
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.3, eps=1e-3)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.8, weight_decay=0.1)),
    # eps keeps sqrt(v - a**2) away from 0: there one-ulp differences grow chaotically
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, momentum=0.5, maximize=True, eps=1e-2)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-3, maximize=True)),
]


def _grad(array):
    """A gradient that depends on the parameter, so the whole trajectory matters."""
    return np.sin(3 * array) + 0.5 * array


def _start(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def _run_gradiente(name, options, starts, steps, skip=None):
    params = [gr.tensor(a, requires_grad=True) for a in starts]
    opt = getattr(optim, name)(params, **options)
    for step in range(steps):
        for i, p in enumerate(params):
            p.grad = None if skip and skip(step, i) else gr.tensor(_grad(p.detach().numpy()))
        opt.step()
    return params, opt


def _run_torch(name, options, starts, steps, skip=None):
    params = [torch.tensor(a, requires_grad=True) for a in starts]
    opt = getattr(torch.optim, name)(params, **options)
    for step in range(steps):
        for i, p in enumerate(params):
            p.grad = None if skip and skip(step, i) else torch.tensor(_grad(p.detach().numpy()))
        opt.step()
    return params, opt


def _ids(config):
    return f"{config[0]}-" + "-".join(f"{k}={v}" for k, v in config[1].items())


@requires_torch
@pytest.mark.parametrize("config", CONFIGS, ids=[_ids(c) for c in CONFIGS])
def test_trajectory_matches_torch_float64(config):
    name, options = config
    starts = _start()
    ours, _ = _run_gradiente(name, options, starts, 100)
    theirs, _ = _run_torch(name, options, starts, 100)
    for p, q, start in zip(ours, theirs, starts):
        assert p.dtype == gr.float64
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=0, atol=1e-10)
        assert not np.allclose(p.detach().numpy(), start)  # it moved


# float32 only where the update is well conditioned: centered RMSprop's sqrt(v - a**2) cancels
LARGE_CONFIGS = [(c, np.float64) for c in CONFIGS] + [(c, np.float32) for c in CONFIGS
                                                      if c[0] in ("SGD", "Adam", "AdamW")]


@requires_torch
@pytest.mark.parametrize("config, dtype", LARGE_CONFIGS,
                         ids=[f"{_ids(c)}-{np.dtype(d)}" for c, d in LARGE_CONFIGS])
def test_large_parameters_match_torch(config, dtype):
    """Parameters big enough for the one-pass BLAS updates of gradiente.blas.

    The gradients are drawn in advance, not computed from the parameters: in float32 a
    parameter-dependent gradient amplifies one-ulp differences step after step.
    """
    name, options = config
    rng = np.random.default_rng(1)
    shapes = [(180, 200), (40000,)]
    starts = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    grads = [[rng.standard_normal(shape).astype(dtype) for shape in shapes] for _ in range(30)]
    assert starts[0].size >= blas._MIN_SIZE
    results = []
    for library in (gr, torch):
        params = [library.tensor(a, requires_grad=True) for a in starts]
        opt = getattr(library.optim, name)(params, **options)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = library.tensor(g)
            opt.step()
        results.append([p.detach().numpy() for p in params])
    tolerance = 1e-12 if dtype == np.float64 else 5e-6
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_parameters_without_grad_are_skipped_like_torch(name):
    options = dict(lr=0.01, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.01)

    def skip(step, i):
        return (step + i) % 3 == 0

    starts = _start(1)
    ours, opt = _run_gradiente(name, options, starts, 30, skip)
    theirs, topt = _run_torch(name, options, starts, 30, skip)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=0, atol=1e-10)
    assert _state_layout(opt.state_dict()) == _state_layout(topt.state_dict())


def _state_layout(state_dict):
    """Keys and value kinds of a state dict, comparable across libraries."""
    groups = [{k: v for k, v in g.items()} for g in state_dict["param_groups"]]
    state = {i: sorted(s) for i, s in state_dict["state"].items()}
    return groups, state


@requires_torch
@pytest.mark.parametrize("config", CONFIGS[:1] + CONFIGS[1::3], ids=_ids)
def test_state_dict_layout_matches_torch(config):
    name, options = config
    starts = _start()
    _, opt = _run_gradiente(name, options, starts, 3)
    _, topt = _run_torch(name, options, starts, 3)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert _state_layout(ours) == _state_layout(theirs)
    for i, entry in theirs["state"].items():
        for key, value in entry.items():
            np.testing.assert_allclose(ours["state"][i][key].numpy(), value.numpy(), atol=1e-12)
            assert ours["state"][i][key].dtype.name == str(value.dtype).split(".")[1]


@requires_torch
def test_float32_adam_close_to_torch():
    starts = [a.astype(np.float32) for a in _start()]
    ours, _ = _run_gradiente("Adam", dict(lr=0.01), starts, 50)
    theirs, _ = _run_torch("Adam", dict(lr=0.01), starts, 50)
    for p, q in zip(ours, theirs):
        assert p.dtype == gr.float32
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_state_dict_resume_gives_identical_next_step(config):
    name, options = config
    starts = _start(2)
    params, opt = _run_gradiente(name, options, starts, 7)
    saved = opt.state_dict()
    copies = [gr.tensor(p.detach().numpy(), requires_grad=True) for p in params]
    resumed = getattr(optim, name)(copies, **options)
    resumed.load_state_dict(saved)
    for p, q in zip(params, copies):
        p.grad = gr.tensor(_grad(p.detach().numpy()))
        q.grad = gr.tensor(_grad(q.detach().numpy()))
    opt.step()
    resumed.step()
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_load_state_dict_copies_and_checks():
    params, opt = _run_gradiente("Adam", dict(lr=0.01), _start(), 2)
    saved = opt.state_dict()
    other = optim.Adam([gr.zeros(3, 4, requires_grad=True), gr.zeros(5, requires_grad=True),
                        gr.zeros((), requires_grad=True)], lr=0.5)
    other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == 0.01
    assert other.state[other.param_groups[0]["params"][0]]["exp_avg"] is not \
        saved["state"][0]["exp_avg"]
    wrong = optim.Adam([gr.zeros(4, 3, requires_grad=True), gr.zeros(5, requires_grad=True),
                        gr.zeros((), requires_grad=True)])
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(3, 4\)"):
        wrong.load_state_dict(saved)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [params[0]]}, {"params": params[1:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam(params[:2]).load_state_dict(saved)


def test_step_loads_float32_state_for_float32_params():
    params, opt = _run_gradiente("SGD", dict(lr=0.1, momentum=0.9), _start(), 2)
    target = [gr.zeros(p.shape, dtype=gr.float32, requires_grad=True) for p in params]
    resumed = optim.SGD(target, lr=0.1, momentum=0.9)
    resumed.load_state_dict(opt.state_dict())
    assert resumed.state[target[0]]["momentum_buffer"].dtype == gr.float32


# ----- errors and failed steps ---------------------------------------------------------------
def test_empty_parameter_list():
    with pytest.raises(ValueError, match="SGD: optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam(iter([]))


def test_non_tensor_parameter():
    with pytest.raises(TypeError, match="can only optimize Tensors, but parameter 1 is a "
                                        "ndarray"):
        optim.SGD([gr.zeros(2, requires_grad=True), np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(gr.zeros(2, requires_grad=True), lr=0.1)


def test_non_leaf_parameter():
    w = gr.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.Adam([w * 2])


def test_invalid_hyperparameters():
    p = [gr.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD(p, lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        optim.Adam(p, betas=(0.9, 1.0))


def test_closure_raising_leaves_parameters_unchanged():
    p = gr.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = gr.tensor([1.0, 1.0])

    def closure():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        opt.step(closure)
    np.testing.assert_array_equal(p.detach().numpy(), [1.0, 2.0])
    assert not opt.state


def test_bad_gradient_leaves_every_parameter_unchanged():
    a = gr.tensor([1.0, 2.0], requires_grad=True)
    b = gr.tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = gr.tensor([1.0, 1.0])
    b.grad = gr.tensor([1.0, 1.0])  # wrong shape, found after a's update would have run
    with pytest.raises(RuntimeError, match=r"Adam.step: gradient of shape \(2,\) and dtype "
                                           r"gradiente.float32 for a parameter of shape \(1,\)"):
        opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(b.detach().numpy(), [3.0])
    b.grad = gr.tensor([1.0], dtype=gr.float64)
    with pytest.raises(RuntimeError, match="dtype gradiente.float64 for a parameter of shape "
                                           r"\(1,\) and dtype gradiente.float32"):
        opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), [1.0, 2.0])


def test_load_state_dict_accepts_a_plain_number_step():
    params, opt = _run_gradiente("Adam", dict(lr=0.01), _start(), 3)
    saved = opt.state_dict()
    for entry in saved["state"].values():
        entry["step"] = float(entry["step"].item())  # PyTorch < 1.12 stored a number
    copies = [gr.tensor(p.detach().numpy(), requires_grad=True) for p in params]
    resumed = optim.Adam(copies, lr=0.01)
    resumed.load_state_dict(saved)
    for p in copies:
        p.grad = gr.tensor(_grad(p.detach().numpy()))
    resumed.step()
    assert resumed.state[copies[0]]["step"].item() == 4.0


def test_closure_is_evaluated_with_grad_and_returns_loss():
    x = gr.tensor([3.0], requires_grad=True)
    opt = optim.SGD([x], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with gr.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert x.item() == 3.0 - 0.25 * 6.0


def test_zero_grad():
    p = gr.zeros(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = gr.ones(3)
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(grad.numpy(), np.zeros(3))
    opt.zero_grad()
    assert p.grad is None


def test_step_bumps_version_so_stale_graphs_raise():
    w = gr.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    w.grad = gr.ones(2)
    version = w._version_counter
    opt.step()
    assert w._version_counter == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_param_groups_have_their_own_options():
    a, b = gr.ones(2, requires_grad=True), gr.ones(2, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1, momentum=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert opt.param_groups[1]["momentum"] == 0.5
    a.grad, b.grad = gr.ones(2), gr.ones(2)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.detach().numpy(), [0.0, 0.0])
    c = gr.ones(1, requires_grad=True)
    opt.add_param_group({"params": c, "lr": 0.5})
    assert opt.param_groups[2]["params"] == [c] and opt.param_groups[2]["momentum"] == 0.5
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert opt.state_dict()["param_groups"][2]["params"] == [2]


def test_named_parameters_give_param_names():
    w = gr.zeros(2, requires_grad=True)
    opt = optim.SGD([("w", w)], lr=0.1)
    assert opt.param_groups[0]["params"] == [w]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


@requires_torch
def test_repr_matches_torch():
    ours = optim.SGD([gr.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    assert repr(ours) == repr(theirs)
