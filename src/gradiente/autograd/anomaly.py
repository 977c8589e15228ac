"""``detect_anomaly``: name the operation whose backward produced NaN or Inf, and where it was
created."""

import traceback

import numpy as np

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


class _State:
    enabled = False


STATE = _State()


def is_anomaly_enabled():
    return STATE.enabled


class detect_anomaly:
    """Inside this context, record where each operation was created and check every gradient
    for NaN and Inf during backward."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = STATE.enabled
        STATE.enabled = self.check_nan

    def __exit__(self, *exc):
        STATE.enabled = self._previous
        return False


class set_detect_anomaly(detect_anomaly):
    def __init__(self, mode, check_nan=True):
        super().__init__(mode and check_nan)
        self.__enter__()


def creation_stack():
    """The user's frames at the moment an operation is recorded (gradiente's own left out)."""
    frames = [f for f in traceback.extract_stack()[:-1] if "/gradiente/" not in f.filename]
    return "".join(traceback.format_list(frames[-5:]))


def check(node, results):
    for i, g in enumerate(results):
        if g is None:
            continue
        array = g.array if hasattr(g, "array") else np.asarray(g)
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            bad = "nan" if np.isnan(array).any() else "inf"
            where = getattr(node, "created_at", None)
            origin = f"\nThe operation was created at:\n{where}" if where else ""
            raise RuntimeError(f"Function '{node.name()}' returned {bad} values in its "
                               f"{i}th output.{origin}")
