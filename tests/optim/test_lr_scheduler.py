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
]


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
    return config[0] + "-" + "-".join(f"{k}={v}" for k, v in config[1].items()
                                      if k != "lr_lambda")


def _extra(opt):
    return [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]


@requires_torch
@pytest.mark.parametrize("config", SCHEDULERS, ids=_ids)
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_rates_equal_torch(config, kind):
    name, options = config
    ours_opt, theirs_opt = _optimizers(name, kind)
    ours = getattr(lr_scheduler, name)(ours_opt, **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **options)
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
    assert ours.last_epoch == theirs.last_epoch


@requires_torch
@pytest.mark.parametrize("config", SCHEDULERS, ids=_ids)
def test_state_dict_keys_match_torch_and_resume(config):
    name, options = config
    ours_opt, theirs_opt = _optimizers(name)
    ours = getattr(lr_scheduler, name)(ours_opt, **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **options)
    for _ in range(25):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
    saved = ours.state_dict()
    assert set(saved) == set(theirs.state_dict())
    resumed_opt, _ = _optimizers(name)
    resumed = getattr(lr_scheduler, name)(resumed_opt, **options)
    resumed_opt.load_state_dict(ours_opt.state_dict())  # after the scheduler, as PyTorch says
    resumed.load_state_dict(saved)
    for _ in range(20):
        ours_opt.step()
        resumed_opt.step()
        ours.step()
        resumed.step()
        assert resumed.get_last_lr() == ours.get_last_lr()


@requires_torch
@pytest.mark.parametrize("config", [c for c in SCHEDULERS if c[0] != "OneCycleLR"], ids=_ids)
def test_step_with_epoch_uses_closed_form_like_torch(config):
    name, options = config
    ours_opt, theirs_opt = _optimizers(name)
    ours = getattr(lr_scheduler, name)(ours_opt, **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 9, 14, 40):
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
