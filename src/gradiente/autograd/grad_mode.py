"""Whether operations record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The flag is a module global read on every operation, so checking it costs one attribute load.
"""

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]


class _State:
    grad_enabled = True


STATE = _State()


def is_grad_enabled():
    return STATE.grad_enabled


class _GradModeContext:
    """Base of the grad-mode context managers, usable as decorators too."""

    mode = True

    def __enter__(self):
        self._previous = STATE.grad_enabled
        STATE.grad_enabled = self.mode

    def __exit__(self, *exc):
        STATE.grad_enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self):
        return ()


class no_grad(_GradModeContext):
    """Operations inside record no graph: ``with gradiente.no_grad(): ...``."""

    mode = False


class enable_grad(_GradModeContext):
    mode = True


class inference_mode(_GradModeContext):
    def __init__(self, mode=True):
        self.mode = not mode

    def _args(self):
        return (not self.mode,)


class set_grad_enabled(_GradModeContext):
    """Set grad mode now; as a context manager, restore the previous mode on exit."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = STATE.grad_enabled
        STATE.grad_enabled = self.mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        STATE.grad_enabled = self._previous  # used as a decorator: only change mode inside fn
        return super().__call__(fn)

    def _args(self):
        return (self.mode,)
