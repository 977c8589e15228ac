"""Learning-rate schedulers: the same rates as PyTorch's, step after step, and resumable."""

import math
import warnings

import pytest

import gradiente as gr
from gradiente import optim
from gradiente.optim import lr_scheduler
from tests.helpers import HAS_TORCH, requires_torch

if HAS_TORCH:
    import torch


class Scale:
    """A picklable-free callable object whose state LambdaLR's state_dict keeps."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=13, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 1 / (1 + epoch))),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=17)),
    ("LinearLR", dict()),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=61)),
    ("OneCycleLR", dict(max_lr=0.3, epochs=6, steps_per_epoch=10, anneal_strategy="linear",
                        three_phase=True, pct_start=0.25)),
    ("MultiplicativeLR", dict(lr_lambda=lambda epoch: 0.9 + 0.05 * math.sin(epoch))),
    ("ConstantLR", dict(factor=0.5, total_iters=9)),
    ("ConstantLR", dict()),
    ("PolynomialLR", dict(total_iters=30, power=2.0)),
    ("PolynomialLR", dict()),
    ("CosineAnnealingWarmRestarts", dict(T_0=7, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=5)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4, step_size_down=7,
                      mode="triangular2", base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.1, step_size_up=6, mode="exp_range",
                      gamma=0.97)),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.1, step_size_up=3, scale_mode="iterations",
                      scale_fn=lambda x: 1 / (1 + x), cycle_momentum=False)),
    ("SequentialLR", dict(schedulers=[("ConstantLR", dict(factor=0.1, total_iters=4)),
                                      ("ExponentialLR", dict(gamma=0.9))], milestones=[6])),
    ("SequentialLR", dict(schedulers=[("LinearLR", dict(start_factor=0.2, total_iters=5)),
                                      ("CosineAnnealingLR", dict(T_max=20)),
                                      ("StepLR", dict(step_size=4, gamma=0.5))],
                          milestones=[5, 25])),
    ("ChainedScheduler", dict(schedulers=[("ConstantLR", dict(factor=0.1, total_iters=4)),
                                          ("ExponentialLR", dict(gamma=0.9))])),
    ("ChainedScheduler", dict(schedulers=[("MultiStepLR", dict(milestones=[3, 9])),
                                          ("CosineAnnealingLR", dict(T_max=10)),
                                          ("LinearLR", dict(total_iters=8))])),
]
COMPOSITE = ("OneCycleLR", "SequentialLR", "ChainedScheduler")  # no step(epoch)


def _make(library, opt, name, options):
    """Scheduler ``name`` of ``library`` (ours or torch's), nested schedulers built first."""
    options = dict(options)
    if "schedulers" in options:
        options["schedulers"] = [_make(library, opt, *c) for c in options["schedulers"]]
    if name == "ChainedScheduler":
        return library.ChainedScheduler(optimizer=opt, **options)
    return getattr(library, name)(opt, **options)


def _pair(name, options, kind="SGD"):
    ours_opt, theirs_opt = _optimizers(name, kind)
    return (ours_opt, theirs_opt, _make(lr_scheduler, ours_opt, name, options),
            _make(torch.optim.lr_scheduler, theirs_opt, name, options))


def _optimizers(name, kind="SGD"):
    lrs = (0.1, 0.05)
    w1, w2 = gr.zeros(2, requires_grad=True), gr.zeros(3, requires_grad=True)
    t1, t2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    extra = dict(momentum=0.9) if kind == "SGD" else {}
    ours = getattr(optim, kind)([{"params": [w1], "lr": lrs[0]}, {"params": [w2], "lr": lrs[1]}],
                                **extra)
    theirs = getattr(torch.optim, kind)([{"params": [t1], "lr": lrs[0]},
                                         {"params": [t2], "lr": lrs[1]}], **extra)
    return ours, theirs


def _ids(config):
    return config[0] + "-" + "-".join(
        f"{k}={[c[0] for c in v] if k == 'schedulers' else v}" for k, v in config[1].items()
        if not callable(v))


def _extra(opt):
    return [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]


@requires_torch
@pytest.mark.parametrize("config", SCHEDULERS, ids=_ids)
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_rates_equal_torch(config, kind):
    name, options = config
    ours_opt, theirs_opt, ours, theirs = _pair(name, options, kind)
    steps = 60 if name == "OneCycleLR" else 80
    assert ours.get_last_lr() == theirs.get_last_lr()
    for _ in range(steps):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert [g["lr"] for g in ours_opt.param_groups] == \
            [g["lr"] for g in theirs_opt.param_groups]
        assert _extra(ours_opt) == _extra(theirs_opt)
    assert getattr(ours, "last_epoch", None) == getattr(theirs, "last_epoch", None)


@requires_torch
@pytest.mark.parametrize("config", SCHEDULERS, ids=_ids)
def test_state_dict_keys_match_torch_and_resume(config):
    name, options = config
    ours_opt, theirs_opt, ours, theirs = _pair(name, options)
    for _ in range(25):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
    saved = ours.state_dict()
    assert set(saved) == set(theirs.state_dict())
    for nested, their_nested in zip(saved.get("_schedulers", []),
                                    theirs.state_dict().get("_schedulers", [])):
        assert set(nested) == set(their_nested)
    resumed_opt, _ = _optimizers(name)
    resumed = _make(lr_scheduler, resumed_opt, name, options)
    resumed_opt.load_state_dict(ours_opt.state_dict())  # after the scheduler, as PyTorch says
    resumed.load_state_dict(saved)
    for _ in range(20):
        ours_opt.step()
        resumed_opt.step()
        ours.step()
        resumed.step()
        assert resumed.get_last_lr() == ours.get_last_lr()


@requires_torch
@pytest.mark.parametrize("config", [c for c in SCHEDULERS if c[0] not in COMPOSITE], ids=_ids)
def test_step_with_epoch_uses_closed_form_like_torch(config):
    name, options = config
    ours_opt, theirs_opt, ours, theirs = _pair(name, options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 9, 14, 40, 2):
            ours_opt.step()
            theirs_opt.step()
            ours.step(epoch)
            theirs.step(epoch)
            assert ours.get_last_lr() == theirs.get_last_lr()


@requires_torch
@pytest.mark.parametrize("options", [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs", cooldown=3),
    dict(patience=1, min_lr=[0.02, 0.001], eps=1e-3),
    dict(mode="max", patience=0, threshold_mode="rel"),
])
def test_reduce_on_plateau_equals_torch(options):
    ours_opt, theirs_opt = _optimizers("ReduceLROnPlateau")
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **options)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **options)
    metrics = [1.0 / (1 + i) + 0.3 * math.sin(i) for i in range(60)]
    for i, metric in enumerate(metrics):
        ours.step(metric)
        theirs.step(metric)
        assert ours.get_last_lr() == theirs.get_last_lr(), i
        assert ours.num_bad_epochs == theirs.num_bad_epochs
    assert ours.get_last_lr() != [0.1, 0.05]  # it reduced
    assert set(ours.state_dict()) == set(theirs.state_dict())


def test_lambda_lr_keeps_callable_object_state():
    opt = optim.SGD([gr.zeros(1, requires_grad=True)], lr=1.0)
    scale = Scale(0.5)
    sched = lr_scheduler.LambdaLR(opt, scale)
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}]
    scale.rate = 0.1
    sched.load_state_dict(state)
    assert scale.rate == 0.5


def test_step_lr_seed_schedule_halves_every_ten_epochs():
    opt = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.01, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    rates = []
    for _ in range(30):
        opt.step()
        rates.append(sched.get_last_lr()[0])
        sched.step()
    assert rates == [0.01] * 10 + [0.005] * 10 + [0.0025] * 10


def test_warns_when_scheduler_steps_before_optimizer():
    opt = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.1)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.9)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_errors():
    opt = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(ValueError, match="either total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=4)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    opt.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()


@requires_torch
@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_equal_torch(T_mult):
    """Stepping by ``epoch + i / iters`` within each epoch, as PyTorch's docs show."""
    ours_opt, theirs_opt, ours, theirs = _pair("CosineAnnealingWarmRestarts",
                                               dict(T_0=4, T_mult=T_mult, eta_min=0.001))
    iters = 7
    for epoch in range(30):
        for i in range(iters):
            ours.step(epoch + i / iters)
            theirs.step(epoch + i / iters)
            assert ours.get_last_lr() == theirs.get_last_lr()
            assert (ours.T_cur, ours.T_i, ours.last_epoch) == \
                (theirs.T_cur, theirs.T_i, theirs.last_epoch)
    for _ in range(5):  # and plain steps after explicit epochs
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()


class Halving:
    """A callable scale_fn object: CyclicLR's state_dict keeps its ``__dict__``."""

    def __init__(self, base):
        self.base = base

    def __call__(self, x):
        return self.base ** x


def test_cyclic_lr_keeps_callable_scale_fn_state():
    opt = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    scale = Halving(0.5)
    sched = lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2, scale_fn=scale)
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"base": 0.5}
    scale.base = 0.9
    sched.load_state_dict(state)
    assert scale.base == 0.5 and sched._scale_fn_custom is scale
    plain = lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None


def _scheduler_errors():
    """(build(library, optimizer), exception, message): the same call for both libraries."""
    def seq(library, opt, **kwargs):
        return library.SequentialLR(opt, **kwargs)

    return [
        (lambda lib, opt: seq(lib, opt, schedulers=[], milestones=[]), ValueError,
         "SequentialLR expects at least one scheduler, but got no scheduler"),
        (lambda lib, opt: seq(lib, opt, schedulers=[lib.ConstantLR(opt)], milestones=[3]),
         ValueError, "expects number of schedulers provided to be one more than the number "
                     "of milestone points, but got number of schedulers 1"),
        (lambda lib, opt: seq(lib, opt, schedulers=[lib.ReduceLROnPlateau(opt)], milestones=[]),
         ValueError, "SequentialLR does not support `ReduceLROnPlateau` scheduler"),
        (lambda lib, opt: seq(lib, opt, schedulers=[object()], milestones=[]), TypeError,
         "SequentialLR at index 0 should have `optimizer` as its attribute"),
        (lambda lib, opt: lib.ChainedScheduler([]), ValueError,
         "ChainedScheduler expects at least one scheduler to be chained"),
        (lambda lib, opt: lib.CosineAnnealingWarmRestarts(opt, T_0=0), ValueError,
         "Expected positive integer T_0, but got 0"),
        (lambda lib, opt: lib.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5), ValueError,
         "Expected integer T_mult >= 1, but got 1.5"),
        (lambda lib, opt: lib.CosineAnnealingWarmRestarts(opt, T_0=2).step(-1), ValueError,
         "Expected non-negative epoch, but got -1"),
        (lambda lib, opt: lib.CyclicLR(opt, 0.01, 0.1, mode="square"), ValueError,
         "mode is invalid and scale_fn is None"),
        (lambda lib, opt: lib.CyclicLR(opt, [0.01, 0.02], 0.1), ValueError,
         "base_lr must have the same length as optimizer.param_groups. base_lr has 2 values, "
         "param_groups has 1."),
        (lambda lib, opt: lib.MultiplicativeLR(opt, 0.9), TypeError,
         "lr_lambda should be a function, but got float"),
        (lambda lib, opt: lib.LambdaLR(opt, [lambda e: 1.0] * 2), ValueError,
         "Expected 1 lr_lambdas, but got 2"),
        (lambda lib, opt: lib.ConstantLR(opt, factor=1.5), ValueError,
         "Constant multiplicative factor expected to be between 0 and 1"),
    ]


@requires_torch
@pytest.mark.parametrize("build, error, message", _scheduler_errors())
def test_scheduler_errors_match_torch(build, error, message):
    ours = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.1)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    for library, opt in ((lr_scheduler, ours), (torch.optim.lr_scheduler, theirs)):
        with pytest.raises(error, match=message):
            build(library, opt)


def test_schedulers_reject_foreign_optimizers_and_missing_momentum():
    a = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.1)
    b = optim.SGD([gr.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="ChainedScheduler expects all schedulers to belong to "
                                         "the same optimizer, but got scheduler ExponentialLR "
                                         "at index 1"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ExponentialLR(a, 0.9),
                                       lr_scheduler.ExponentialLR(b, 0.9)])
    adagrad = optim.Adagrad([gr.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.CyclicLR(adagrad, 0.01, 0.1)
    lr_scheduler.CyclicLR(adagrad, 0.01, 0.1, cycle_momentum=False)


@requires_torch
def test_every_torch_scheduler_is_here():
    assert set(torch.optim.lr_scheduler.__all__) <= set(lr_scheduler.__all__)
