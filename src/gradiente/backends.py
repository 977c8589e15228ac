"""``gradiente.backends``, as ``torch.backends``: the flags seeding code sets.

gradiente computes with NumPy on the CPU, whose results do not depend on these flags: cuDNN
and MPS are never available, and ``cudnn.deterministic``/``benchmark`` are kept as set so
code that reads them back sees its own choice.
"""

from types import SimpleNamespace

__all__ = ["cudnn", "mps", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled"]

cudnn = SimpleNamespace(enabled=True, deterministic=False, benchmark=False,
                        is_available=lambda: False, version=lambda: None)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)

_DETERMINISTIC = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded and reported back; gradiente's NumPy kernels are deterministic either way."""
    _DETERMINISTIC.update(mode=bool(mode), warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled():
    return _DETERMINISTIC["mode"]
