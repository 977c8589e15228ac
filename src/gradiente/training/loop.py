"""The training loop behind ``gradiente train``: the lectures' PyTorch loop (lecture 02, step
3) with progress bars, per-epoch metrics and checkpoints, and exact resumption."""

import math
import time

import numpy as np

import gradiente as gr
from gradiente import optim

from .. import datasets
from ..models import build_model
from .config import ConfigError, TrainConfig
from .metrics import evaluate, format_table, loss_function, targets
from .plots import plot_curves
from .rundir import RunDir

__all__ = ["TrainingError", "load_data", "load_run", "resume", "run"]


class TrainingError(RuntimeError):
    """Training cannot go on (a non-finite loss, data that cannot be loaded)."""


def load_data(config):
    """The ``Split`` a config trains on (errors say which dataset and why)."""
    if config.dataset in ("mnist", "fashion_mnist"):
        options = {"root": config.data_dir, "standardize": config.standardize}
    else:
        options = {"test_size": config.test_size, "seed": config.seed,
                   "standardize": config.standardize}
    try:
        return datasets.load(config.dataset, **options)
    except (OSError, ValueError, ImportError) as error:
        raise TrainingError(str(error)) from None


def build(config, split):
    """Model, optimizer and scheduler for ``config``, the model's weights drawn from
    ``config.seed``."""
    gr.manual_seed(config.seed)
    model = build_model(config.model, split.x_train.shape[1:], split.num_classes or 1,
                        config.to_dict())
    parameters = model.parameters()
    if config.optimizer == "sgd":
        optimizer = optim.SGD(parameters, lr=config.lr, momentum=config.momentum,
                              weight_decay=config.weight_decay)
    elif config.optimizer == "rmsprop":
        optimizer = optim.RMSprop(parameters, lr=config.lr, momentum=config.momentum,
                                  weight_decay=config.weight_decay)
    else:
        optimizer_class = {"adam": optim.Adam, "adamw": optim.AdamW,
                           "adagrad": optim.Adagrad}[config.optimizer]
        optimizer = optimizer_class(parameters, lr=config.lr, weight_decay=config.weight_decay)
    schedulers = optim.lr_scheduler
    scheduler = {
        "none": lambda: None,
        "step": lambda: schedulers.StepLR(optimizer, config.step_size, config.gamma),
        "exponential": lambda: schedulers.ExponentialLR(optimizer, config.gamma),
        "cosine": lambda: schedulers.CosineAnnealingLR(optimizer, config.epochs),
    }[config.scheduler]()
    return model, optimizer, scheduler


def _data_info(split):
    return {"task": split.task, "input_shape": list(split.x_train.shape[1:]),
            "num_classes": split.num_classes, "class_names": split.class_names,
            "feature_names": split.feature_names,
            "mean": None if split.mean is None else split.mean.tolist(),
            "std": None if split.std is None else split.std.tolist()}


def run(config, *, resume=False, progress=True, log=print):
    """Train as ``config`` (a ``TrainConfig`` or a dict of its keys) says, in ``config.out``.

    Every epoch writes the checkpoint (model, optimizer, scheduler, random states, epoch and
    history) and ``metrics.json``; the end writes ``curves.png`` and the final metrics. With
    ``resume=True`` training continues from the run directory's last checkpoint and ends
    with exactly the weights an uninterrupted run would have. Returns the metrics:
    ``{"history": [per-epoch dicts], "final": {"train": {...}, "test": {...}}, ...}``.
    """
    if not isinstance(config, TrainConfig):
        config = TrainConfig.from_dict(config)
    started = time.perf_counter()
    directory = RunDir(config.out).create()
    split = load_data(config)
    model, optimizer, scheduler = build(config, split)
    loader_generator = gr.Generator().manual_seed(config.seed)
    history, first_epoch = [], 1
    if resume:
        state = directory.load_checkpoint()
        _restore(state, model, optimizer, scheduler, loader_generator)
        history, first_epoch = list(state["history"]), int(state["epoch"]) + 1
    else:
        directory.write_json(directory.config, {**config.to_dict(), "data": _data_info(split)})

    from ..utils.data import DataLoader, TensorDataset

    features = gr.as_tensor(split.x_train.astype(gr.get_default_dtype().np))
    loader = DataLoader(TensorDataset(features, targets(split.y_train, split.task)),
                        batch_size=config.batch_size, shuffle=True, generator=loader_generator)
    loss_fn = loss_function(split.task)
    epoch = first_epoch
    try:
        for epoch in range(first_epoch, config.epochs + 1):
            # a diverging run is reported by the loss check, not by NumPy's overflow warnings
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                _train_epoch(model, loader, loss_fn, optimizer, config, epoch, split.task,
                             progress)
            lr = optimizer.param_groups[0]["lr"]
            if scheduler is not None:
                scheduler.step()
            history.append({"epoch": epoch, "lr": lr, **_epoch_metrics(model, split)})
            directory.save_checkpoint(_state(model, optimizer, scheduler, loader_generator,
                                             epoch, history))
            directory.write_json(directory.metrics, {"history": history})
            if not progress:
                log(_epoch_line(history[-1], config.epochs))
    except KeyboardInterrupt:
        log(f"interrupted in epoch {epoch}; the checkpoint of epoch {epoch - 1} is in "
            f"{directory.checkpoint}; continue with: gradiente train --resume {directory.path}")
        raise
    final = {name: evaluate(model, x, y, split.task, split.num_classes)
             for name, x, y in (("train", split.x_train, split.y_train),
                                ("test", split.x_test, split.y_test))}
    metrics = {"history": history, "final": final, "epochs": config.epochs,
               "seconds": time.perf_counter() - started, "out": str(directory.path)}
    directory.write_json(directory.metrics, metrics)
    if history:
        plot_curves(history, directory.curves, f"{config.model} on {config.dataset}")
    log(format_table(final, split.class_names))
    return metrics


def _train_epoch(model, loader, loss_fn, optimizer, config, epoch, task, progress):
    """One pass over the loader: forward, loss, zero_grad, backward, step (lecture 02)."""
    from tqdm.auto import tqdm

    model.train()
    bar = tqdm(loader, desc=f"epoch {epoch}/{config.epochs}", disable=not progress,
               leave=True, dynamic_ncols=True, unit="batch")
    total_loss = total_correct = seen = 0
    for step, (x, y) in enumerate(bar, 1):
        output = model(x)
        loss = loss_fn(output, y)
        value = loss.item()
        if not math.isfinite(value):
            bar.close()
            raise TrainingError(f"the loss became {value} at epoch {epoch}, step {step}; "
                                f"try a lower learning rate than --lr {config.lr:g}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += value * len(y)
        seen += len(y)
        if task == "classification":
            total_correct += int((output.argmax(dim=1) == y).sum().item())
        if step % 10 == 0 or step == len(loader):
            postfix = {"loss": f"{total_loss / seen:.4f}"}
            if task == "classification":
                postfix["acc"] = f"{total_correct / seen:.4f}"
            bar.set_postfix(postfix, refresh=False)
    bar.close()


def _epoch_metrics(model, split):
    values = {}
    for name, x, y in (("train", split.x_train, split.y_train),
                       ("test", split.x_test, split.y_test)):
        result = evaluate(model, x, y, split.task, split.num_classes)
        values[f"{name}_loss"] = result["loss"]
        score = "accuracy" if split.task == "classification" else "r2"
        values[f"{name}_{score}"] = result[score]
    return values


def _epoch_line(entry, epochs):
    parts = [f"epoch {entry['epoch']}/{epochs}"]
    parts += [f"{key} {value:.4f}" for key, value in entry.items() if key not in ("epoch", "lr")]
    return "  ".join(parts)


def _state(model, optimizer, scheduler, loader_generator, epoch, history):
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": None if scheduler is None else scheduler.state_dict(),
            "rng": {"default": gr.get_rng_state(), "loader": loader_generator.get_state()},
            "epoch": epoch, "history": history}


def _restore(state, model, optimizer, scheduler, loader_generator):
    from .rundir import CheckpointError
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(state["scheduler"])
        gr.set_rng_state(state["rng"]["default"])
        loader_generator.set_state(state["rng"]["loader"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"the checkpoint does not match this run's model and optimizer "
                              f"({type(error).__name__}: {error})") from None


def load_run(path):
    """``(config, data_info, model)`` of a run directory, the model holding its last
    checkpoint's weights, in eval mode."""
    directory = RunDir(path)
    saved = directory.read_json(directory.config)
    data_info = saved.pop("data", None)
    config = TrainConfig.from_dict(saved, source=str(directory.config))
    if data_info is None:
        raise ConfigError(f"{directory.config}: the 'data' section is missing")
    state = directory.load_checkpoint()
    gr.manual_seed(config.seed)
    model = build_model(config.model, data_info["input_shape"], data_info["num_classes"] or 1,
                        config.to_dict())
    from .rundir import CheckpointError
    try:
        model.load_state_dict(state["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise CheckpointError(f"checkpoint {directory.checkpoint} does not fit the model in "
                              f"{directory.config} ({type(error).__name__}: {error})") from None
    model.eval()
    return config, data_info, model


def resume(path, *, epochs=None, progress=True, log=print):
    """Continue the run in ``path`` from its last checkpoint (to ``epochs`` if given)."""
    directory = RunDir(path)
    saved = directory.read_json(directory.config)
    saved.pop("data", None)
    saved["out"] = str(directory.path)
    if epochs is not None:
        saved["epochs"] = epochs
    return run(TrainConfig.from_dict(saved, source=str(directory.config)), resume=True,
               progress=progress, log=log)


def standardized(data_info, x):
    """Raw features ``x`` transformed as the run's training data was."""
    x = np.asarray(x, dtype=np.float64)
    if data_info.get("mean") is None:
        return x
    return (x - np.asarray(data_info["mean"])) / np.asarray(data_info["std"])
