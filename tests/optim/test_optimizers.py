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
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.5), weight_decay=0.1, eps=1e-3)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.1, weight_decay=0.1, betas=(0.3, 0.5))),
    ("NAdam", dict(lr=0.01, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01)),  # rectified (rho_t > 5) from step 6 on
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.6), weight_decay=0.1)),  # rho_t < rho_inf = 4
    ("RAdam", dict(lr=0.01, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.6, eps=1e-3, weight_decay=0.1)),
    ("Adadelta", dict(lr=2.0, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),  # ends at the minimum
    ("Rprop", dict(lr=0.05, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=10, weight_decay=0.1)),  # mu < 1 after 10
    ("ASGD", dict(lr=0.02, t0=0, maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.1, beta2_decay=-0.5, eps=(1e-4, 1e-2), d=2.0, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.05, eps=(None, 0.5), maximize=True)),  # eps2 > rms(p) of the 0-d one
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
                                                      if c[0] not in ("RMSprop", "Adagrad")]


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
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adamax", "NAdam",
                                  "RAdam", "Adadelta", "Rprop", "ASGD", "Adafactor"])
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


# NAdam resumes in float64: PyTorch's load_state_dict casts its float32 mu_product (see below)
@pytest.mark.parametrize("config", [c for c in CONFIGS if c[0] != "NAdam"], ids=_ids)
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


@requires_torch
def test_nadam_resume_casts_mu_product_to_the_parameter_dtype_like_torch():
    """Every state tensor but ``step`` takes the parameter's dtype on loading, in PyTorch too."""
    options = dict(lr=0.01, momentum_decay=0.1)
    starts = _start(2)
    resumed = []
    for library, run in ((gr, _run_gradiente), (torch, _run_torch)):
        params, opt = run("NAdam", options, starts, 7)
        assert str(opt.state[params[0]]["mu_product"].dtype).endswith("float32")
        copies = [library.tensor(p.detach().numpy(), requires_grad=True) for p in params]
        again = library.optim.NAdam(copies, **options)
        again.load_state_dict(opt.state_dict())
        assert str(again.state[copies[0]]["mu_product"].dtype).endswith("float64")
        assert again.state[copies[0]]["step"].item() == 7.0
        for step in range(5):
            for q in copies:
                q.grad = library.tensor(_grad(q.detach().numpy()))
            again.step()
        resumed.append([q.detach().numpy() for q in copies])
    for ours, theirs in zip(*resumed):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)


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


@pytest.mark.parametrize("name, options, message", [
    ("Adamax", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adamax", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("Adamax", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("NAdam", dict(momentum_decay=-0.5), "Invalid momentum_decay value: -0.5"),
    ("NAdam", dict(weight_decay=-2), "Invalid weight_decay value: -2"),
    ("RAdam", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("RAdam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adadelta", dict(rho=1.1), "Invalid rho value: 1.1"),
    ("Adadelta", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Rprop", dict(etas=(0.5, 1.0)), "Invalid eta values: 0.5, 1.0"),
    ("Rprop", dict(lr=-1), "Invalid learning rate: -1"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
])
def test_invalid_hyperparameters_of_the_adaptive_optimizers(name, options, message):
    p = [gr.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)(p, **options)
    if HAS_TORCH:
        with pytest.raises(ValueError, match=message):
            getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(NotImplementedError, match=f"{name}: differentiable=True"):
        getattr(optim, name)(p, differentiable=True)


@pytest.mark.parametrize("options, message", [
    (dict(lr=-1), "Learning rate should be >= 0 but is: -1"),
    (dict(beta2_decay=0.5), "beta2_decay should be <= 0 but is: 0.5"),
    (dict(eps=(-1, 1e-3)), "epsilon1 should be >= 0 but is: -1"),
    (dict(eps=(None, -1)), "epsilon2 should be >= 0 but is: -1"),
    (dict(d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
    (dict(weight_decay=-1), "weight_decay should be >= 0 but is: -1"),
])
def test_invalid_adafactor_hyperparameters(options, message):
    with pytest.raises(ValueError, match=message):
        optim.Adafactor([gr.zeros(2, requires_grad=True)], **options)
    if HAS_TORCH:
        with pytest.raises(ValueError, match=message):
            torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **options)


@requires_torch
def test_adafactor_factors_the_last_two_dims_and_takes_eps1_from_the_first_parameter():
    """A 3-d parameter keeps (2, 3, 1) and (2, 1, 4) factors; eps1=None is float32's machine
    epsilon for the whole group when the float32 parameter comes first, as in PyTorch."""
    rng = np.random.default_rng(6)
    starts = [rng.standard_normal((2, 3, 4)).astype(np.float32) * 1e-4,
              rng.standard_normal((3, 5)) * 1e-4]
    results = []
    for library in (gr, torch):
        params = [library.tensor(a, requires_grad=True) for a in starts]
        opt = library.optim.Adafactor(params, lr=0.1)
        for step in range(20):
            for p in params:
                p.grad = library.tensor(_grad(p.detach().numpy()) * 1e-5)
            opt.step()
        state = opt.state[params[0]]
        assert tuple(state["row_var"].shape) == (2, 3, 1)
        assert tuple(state["col_var"].shape) == (2, 1, 4)
        results.append([p.detach().numpy() for p in params])
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-14)


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
@pytest.mark.parametrize("config", [c for c in CONFIGS if c[0] != "SGD"] + [
    ("SGD", dict(lr=0.1, momentum=0.9))], ids=_ids)
def test_repr_and_defaults_match_torch(config):
    name, options = config
    ours = getattr(optim, name)([gr.zeros(2, requires_grad=True)], **options)
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    assert repr(ours) == repr(theirs)
    assert ours.defaults == theirs.defaults


# ----- LBFGS: closure-based, so outside the tables above ----------------------------------------
LBFGS_CONFIGS = [
    dict(),
    dict(lr=0.5, max_iter=7, history_size=3),
    dict(max_iter=5, max_eval=6),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=9, tolerance_change=1e-12),
    dict(line_search_fn="strong_wolfe", max_iter=30, max_eval=12),
]


def _objective(arrays):
    """A non-convex loss coupling every entry, and its gradient (NumPy, for both libraries)."""
    total = sum(a.sum() for a in arrays)
    loss = sum((0.25 * a * a - np.cos(3 * a) / 3).sum() for a in arrays) + 0.1 * total ** 2
    return float(loss), [0.5 * a + np.sin(3 * a) + 0.2 * total for a in arrays]


def _rosenbrock(arrays):
    x = np.concatenate([a.reshape(-1) for a in arrays])
    loss = ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()
    grad = np.zeros_like(x)
    grad[:-1] = -2 * (1 - x[:-1]) - 400 * x[:-1] * (x[1:] - x[:-1] ** 2)
    grad[1:] += 200 * (x[1:] - x[:-1] ** 2)
    sizes = np.cumsum([a.size for a in arrays])[:-1]
    return float(loss), [g.reshape(a.shape) for g, a in zip(np.split(grad, sizes), arrays)]


def _run_lbfgs(library, options, starts, objective, steps):
    params = [library.tensor(a, requires_grad=True) for a in starts]
    opt = library.optim.LBFGS(params, **options)

    def closure():
        loss, grads = objective([p.detach().numpy() for p in params])
        for p, g in zip(params, grads):
            p.grad = library.tensor(g)
        return library.tensor(loss)

    trace = []
    for _ in range(steps):
        loss = opt.step(closure)
        state = opt.state[params[0]]
        trace.append((float(loss), state["func_evals"], state["n_iter"],
                      [p.detach().numpy().copy() for p in params]))
    return trace, opt, params


@requires_torch
@pytest.mark.parametrize("objective, steps, atol", [(_objective, 4, 1e-10),
                                                    (_rosenbrock, 1, 1e-9)], ids=["smooth",
                                                                                  "rosenbrock"])
@pytest.mark.parametrize("options", LBFGS_CONFIGS, ids=lambda o: "-".join(map(str, o.values())))
def test_lbfgs_trajectory_matches_torch_float64(options, objective, steps, atol):
    """The same evaluations and iterations as PyTorch, and the same points up to rounding.

    Sums and dot products round in another order than PyTorch's vectorized kernels; along
    Rosenbrock's curved valley those ulps grow (to about 1e-10 after 25 iterations), so it
    is compared over one step (11 to 25 iterations).
    """
    starts = _start(3) if objective is _objective else [np.array([-1.2, 1.0, -0.5]),
                                                        np.array([[0.3, 0.8]])]
    ours, opt, _ = _run_lbfgs(gr, options, starts, objective, steps)
    theirs, topt, _ = _run_lbfgs(torch, options, starts, objective, steps)
    for (loss, evals, n_iter, arrays), (tloss, tevals, tn_iter, tarrays) in zip(ours, theirs):
        assert (evals, n_iter) == (tevals, tn_iter)
        np.testing.assert_allclose(loss, tloss, rtol=1e-10)
        for a, b in zip(arrays, tarrays):
            np.testing.assert_allclose(a, b, rtol=0, atol=atol)
    assert not np.allclose(ours[-1][3][0], starts[0])
    assert _state_layout(opt.state_dict()) == _state_layout(topt.state_dict())
    assert repr(opt) == repr(topt)


@requires_torch
def test_lbfgs_with_autograd_closure_fits_least_squares_like_torch():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((20, 4)), rng.standard_normal(20)
    results = []
    for library in (gr, torch):
        w = library.zeros(4, dtype=library.float64, requires_grad=True)
        opt = library.optim.LBFGS([w], line_search_fn="strong_wolfe", tolerance_grad=1e-12,
                                  tolerance_change=1e-15)
        A, B = library.tensor(a), library.tensor(b)

        def closure():
            opt.zero_grad()
            loss = ((A @ w - B) ** 2).mean()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        results.append(w.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=0, atol=1e-10)
    np.testing.assert_allclose(results[0], np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-7)


def test_lbfgs_state_dict_resume_gives_identical_steps():
    options = dict(history_size=2, max_iter=2)
    _, opt, params = _run_lbfgs(gr, options, _start(4), _objective, 2)
    before = [p.detach().numpy().copy() for p in params]
    copies = [gr.tensor(p.detach().numpy(), requires_grad=True) for p in params]
    resumed = optim.LBFGS(copies, **options)
    resumed.load_state_dict(opt.state_dict())
    for optimizer, ps in ((opt, params), (resumed, copies)):
        def closure(ps=ps):
            loss, grads = _objective([p.detach().numpy() for p in ps])
            for p, g in zip(ps, grads):
                p.grad = gr.tensor(g)
            return gr.tensor(loss)

        optimizer.step(closure)
    for p, q, b in zip(params, copies, before):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        assert not np.allclose(p.detach().numpy(), b)
    assert resumed.state[copies[0]]["n_iter"] == opt.state[params[0]]["n_iter"] == 3  # max_eval
    assert len(resumed.state[copies[0]]["old_dirs"]) == 2


def test_lbfgs_errors_and_early_exit():
    w = gr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([w], lr=-1)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [w]}, {"params": [gr.zeros(1, requires_grad=True)]}])
    opt = optim.LBFGS([w], line_search_fn="armijo")

    def closure():
        w.grad = gr.tensor([1.0, 1.0])
        return gr.tensor(3.0)

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    at_minimum = optim.LBFGS([w])

    def flat():
        w.grad = gr.zeros(2)
        return gr.tensor(0.5)

    assert at_minimum.step(flat).item() == 0.5
    assert at_minimum.state[w] == {"func_evals": 1, "n_iter": 0}
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])


def test_lbfgs_refuses_a_bad_gradient_and_leaves_parameters_unchanged():
    w, b = gr.tensor([1.0, 2.0], requires_grad=True), gr.tensor([3.0], requires_grad=True)
    opt = optim.LBFGS([w, b])
    for bad, message in ((gr.tensor([1.0, 1.0]), r"gradient of shape \(2,\) and dtype "
                          r"gradiente.float32 for a parameter of shape \(1,\)"),
                         (gr.tensor([1.0], dtype=gr.float64), r"gradient of shape \(1,\) and "
                          r"dtype gradiente.float64 for a parameter of shape \(1,\) and dtype "
                          r"gradiente.float32")):
        def closure(bad=bad):
            w.grad, b.grad = gr.tensor([1.0, 1.0]), bad
            return gr.tensor(1.0)

        with pytest.raises(RuntimeError, match="LBFGS.step: " + message):
            opt.step(closure)
        np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])
        np.testing.assert_array_equal(b.detach().numpy(), [3.0])


@pytest.mark.parametrize("options", [dict(max_iter=6), dict(line_search_fn="strong_wolfe")])
def test_lbfgs_step_failing_midway_restores_parameters_and_state(options):
    """A closure raising after some iterations moved the parameters puts them (and the
    history) back: the next step goes as if the failed one never ran."""
    runs = []
    for fail in (False, True):
        _, opt, params = _run_lbfgs(gr, options, _start(5), _objective, 1)
        before = [p.detach().numpy().copy() for p in params]
        calls = []

        def closure(params=params, calls=calls, fail=fail):
            calls.append(1)
            if fail and len(calls) == 3:
                raise RuntimeError("boom")
            loss, grads = _objective([p.detach().numpy() for p in params])
            for p, g in zip(params, grads):
                p.grad = gr.tensor(g)
            return gr.tensor(loss)

        if fail:
            with pytest.raises(RuntimeError, match="boom"):
                opt.step(closure)
            for p, value in zip(params, before):
                np.testing.assert_array_equal(p.detach().numpy(), value)
        opt.step(closure)
        runs.append(([p.detach().numpy() for p in params], opt.state[params[0]]["n_iter"]))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]


@requires_torch
@pytest.mark.parametrize("options", LBFGS_CONFIGS[::3], ids=lambda o: str(o))
def test_lbfgs_float32_follows_torch(options):
    """State and search stay in float32 (PyTorch's promotion of 0-d tensors with numbers)."""
    def objective(arrays):
        loss, grads = _objective(arrays)
        return loss, [g.astype(np.float32) for g in grads]

    starts = [a.astype(np.float32) for a in _start(3)]
    ours, opt, params = _run_lbfgs(gr, options, starts, objective, 2)
    theirs, _, _ = _run_lbfgs(torch, options, starts, objective, 2)
    for (_, evals, n_iter, arrays), (_, tevals, tn_iter, tarrays) in zip(ours, theirs):
        assert (evals, n_iter) == (tevals, tn_iter)
        for a, b in zip(arrays, tarrays):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert opt.state[params[0]]["d"].dtype == gr.float32
