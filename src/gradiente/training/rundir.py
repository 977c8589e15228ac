"""A run directory: ``config.json``, ``checkpoint.safetensors`` (the last finished epoch),
``metrics.json`` and ``curves.png``. Files are written to a temporary name and renamed, so
an interrupted or killed run always leaves the previous complete file in place."""

import json
import os
from pathlib import Path

__all__ = ["CheckpointError", "RunDir"]


class CheckpointError(RuntimeError):
    """A run directory or checkpoint that is missing or cannot be read."""


class RunDir:
    """Paths and atomic reads and writes inside one run's directory."""

    def __init__(self, path):
        self.path = Path(path)
        self.config = self.path / "config.json"
        self.checkpoint = self.path / "checkpoint.safetensors"
        self.metrics = self.path / "metrics.json"
        self.curves = self.path / "curves.png"

    def create(self):
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def write_json(self, path, value):
        self._atomic(path, lambda tmp: tmp.write_text(json.dumps(value, indent=2) + "\n"))

    def read_json(self, path):
        if not path.is_file():
            raise CheckpointError(f"{self.path} is not a run directory ({path.name} is missing; "
                                  f"create one with gradiente train --out {self.path})")
        try:
            return json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError) as error:
            raise CheckpointError(f"{path} is corrupted ({error})") from None

    def save_checkpoint(self, state):
        """``gradiente.save(state)`` to ``checkpoint.safetensors`` (``save`` writes atomically)."""
        import gradiente as gr
        gr.save(state, self.checkpoint)

    def load_checkpoint(self):
        import gradiente as gr
        if not self.checkpoint.is_file():
            raise CheckpointError(f"no checkpoint in {self.path} ({self.checkpoint.name} is "
                                  f"missing: did the first epoch finish?)")
        try:
            return gr.load(self.checkpoint)
        except Exception as error:  # noqa: BLE001 - any failure to parse: unusable
            raise CheckpointError(f"checkpoint {self.checkpoint} is corrupted or unreadable "
                                  f"({type(error).__name__}: {error})") from None

    def _atomic(self, path, write):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            write(tmp)
            with open(tmp, "rb+") as file:
                os.fsync(file.fileno())
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
