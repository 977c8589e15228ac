"""Training runs: ``run(config)`` trains a model on a dataset with progress bars, per-epoch
metrics and checkpoints in a run directory, and returns its metrics; ``resume(path)``
continues an interrupted run exactly; ``load_run(path)`` gives back its model."""

from .config import OPTIMIZERS, SCHEDULERS, ConfigError, TrainConfig, load_toml
from .loop import TrainingError, load_data, load_run, resume, run, standardized
from .metrics import confusion_matrix, evaluate, format_table
from .plots import plot_curves
from .rundir import CheckpointError, RunDir

__all__ = ["DEMO", "OPTIMIZERS", "SCHEDULERS", "CheckpointError", "ConfigError", "RunDir",
           "TrainConfig", "TrainingError", "confusion_matrix", "evaluate", "format_table",
           "load_data", "load_run", "load_toml", "plot_curves", "resume", "run", "standardized"]

#: The README demo's run: an MLP on digits to at least 97% test accuracy in seconds.
#: (seeds 0 to 4 of the split give 97.2% to 98.9%; these are also ``TrainConfig``'s defaults)
DEMO = {"dataset": "digits", "model": "mlp", "hidden": [128], "activation": "relu",
        "epochs": 30, "batch_size": 32, "optimizer": "sgd", "lr": 0.03, "momentum": 0.9,
        "scheduler": "step", "step_size": 10, "gamma": 0.5, "seed": 0, "out": "runs/demo"}
