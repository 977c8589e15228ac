"""``detect_anomaly``: name the operation whose backward produced NaN or Inf, and where it was
created."""

import traceback

import numpy as np

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _State:
    enabled = False  # record where each operation was created
    check_nan = True  # and, when enabled, check every gradient for NaN and Inf


STATE = _State()


def is_anomaly_enabled():
    return STATE.enabled


def is_anomaly_check_nan_enabled():
    return STATE.check_nan


class detect_anomaly:
    """Inside this context, record where each operation was created and (unless
    ``check_nan=False``) check every gradient for NaN and Inf during backward."""

    mode = True

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = self.mode, self.check_nan

    def __exit__(self, *exc):
        STATE.enabled, STATE.check_nan = self._previous
        return False


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly mode on or off now; as a context manager, restore the mode on exit."""

    def __init__(self, mode, check_nan=True):
        super().__init__(check_nan)
        self.mode = bool(mode)
        super().__enter__()

    def __enter__(self):
        pass  # the mode was set on construction


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
