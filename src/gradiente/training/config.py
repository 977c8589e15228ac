"""The training configuration: defaults, a TOML file, command-line overrides, validation.

The keys are the command line's long options with ``_`` for ``-`` (a TOML file may use
either): ``gradiente train --batch-size 32`` and ``batch_size = 32`` mean the same.
"""

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["OPTIMIZERS", "SCHEDULERS", "ConfigError", "TrainConfig", "load_toml"]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULERS = ("none", "step", "exponential", "cosine")


class ConfigError(ValueError):
    """A training configuration that cannot be used; the message names the key."""


@dataclass
class TrainConfig:
    """Everything a training run depends on (``config.json`` in its run directory)."""

    dataset: str = "digits"
    model: str = "mlp"
    hidden: list = field(default_factory=lambda: [128])
    activation: str = "relu"
    init: str = "he"
    epochs: int = 30
    batch_size: int = 32
    optimizer: str = "sgd"
    lr: float = 0.03
    momentum: float = 0.9
    weight_decay: float = 0.0
    scheduler: str = "step"
    step_size: int = 10
    gamma: float = 0.5
    seed: int = 0
    test_size: float = 0.2
    standardize: bool = True
    data_dir: str = None
    out: str = None

    @classmethod
    def from_dict(cls, values, source=None):
        """A validated config from ``values`` (unknown keys and bad types are errors);
        ``source`` (a file name) prefixes the error messages."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        config = cls()
        for raw_key, value in values.items():
            key = raw_key.replace("-", "_")
            if key not in known:
                raise ConfigError(f"{_at(source)}unknown key {raw_key!r}; known keys are "
                                  f"{', '.join(known)}")
            setattr(config, key, _coerce(key, value, getattr(cls(), key), source))
        config.validate(source)
        return config

    def validate(self, source=None):
        from ..datasets import DATASETS
        from ..models import ACTIVATIONS, INITS, MODELS

        choices = {"dataset": DATASETS, "model": MODELS, "activation": ACTIVATIONS,
                   "init": INITS, "optimizer": OPTIMIZERS, "scheduler": SCHEDULERS}
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{_at(source)}unknown {key} {getattr(self, key)!r}; "
                                  f"choose one of {', '.join(sorted(allowed))}")
        for key in ("epochs", "batch_size", "step_size"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{_at(source)}{key} must be at least 1, "
                                  f"got {getattr(self, key)}")
        if not self.lr > 0:
            raise ConfigError(f"{_at(source)}lr must be positive, got {self.lr}")
        if not 0 < self.test_size < 1:
            raise ConfigError(f"{_at(source)}test_size must be in (0, 1), "
                              f"got {self.test_size}")
        if any(h < 1 for h in self.hidden):
            raise ConfigError(f"{_at(source)}hidden sizes must be positive, "
                              f"got {self.hidden}")
        if self.out is None:
            self.out = str(Path("runs") / f"{self.dataset}-{self.model}")
        return self

    def to_dict(self):
        return dataclasses.asdict(self)


def _at(source):
    """The prefix naming where a bad value came from (nothing for command-line options)."""
    return f"{source}: " if source else ""


def _coerce(key, value, default, source):
    """``value`` as the type of ``key``'s default, or a ConfigError naming both."""
    if key == "hidden":
        return _hidden_sizes(value, source)
    if default is None:
        if value is None:
            return None
        kind = str
    else:
        kind = type(default)
    try:
        if kind is bool:
            if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1",
                                                            "0"):
                return value.lower() in ("true", "yes", "1")
            if not isinstance(value, bool):
                raise TypeError
            return value
        if kind is int and (isinstance(value, bool) or isinstance(value, float)
                            and not value.is_integer()):
            raise TypeError
        if kind in (int, float) and isinstance(value, (list, dict)):
            raise TypeError
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{_at(source)}{key} must be {kind.__name__}, got {value!r}") from None


def _hidden_sizes(value, source):
    """``[64, 64]`` from ``"64,64"``, ``[64, 64]`` or ``64``; ``""`` or ``[]`` for none."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    try:
        if not isinstance(value, (list, tuple)):
            raise TypeError
        sizes = [int(v) for v in value]
        if any(isinstance(v, (bool, float)) for v in value):
            raise TypeError
    except (TypeError, ValueError):
        raise ConfigError(f"{_at(source)}hidden must be sizes like 64,64, "
                          f"got {value!r}") from None
    return sizes


def load_toml(path):
    """The key/value table of a TOML config file (errors name the file and the problem)."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            values = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    nested = [key for key, value in values.items() if isinstance(value, dict)]
    if nested:
        raise ConfigError(f"config file {path}: expected plain keys, got a table [{nested[0]}]")
    return values
