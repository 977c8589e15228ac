"""Devices: where a tensor's array lives, and which array module computes on it.

Every operation computes through ``array_module(array)``: NumPy for ``"cpu"``. A CuPy-backed
``"cuda"`` device is one more entry in ``_MODULES`` plus a transfer in ``to_device``.
"""

import numpy as np

__all__ = ["device", "array_module", "device_of"]


class device:
    """``gradiente.device("cpu")``, like ``torch.device``."""

    __slots__ = ("type", "index")

    def __init__(self, spec="cpu", index=None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        kind, _, number = str(spec).partition(":")
        if kind not in _MODULES:
            available = ", ".join(sorted(_MODULES))
            raise RuntimeError(f"device: unknown or unavailable device {spec!r} "
                               f"(available: {available})")
        self.type = kind
        self.index = int(number) if number else index

    def __eq__(self, other):
        try:
            other = device(other)
        except (RuntimeError, ValueError):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    @property
    def xp(self):
        return _MODULES[self.type]


_MODULES = {"cpu": np}
CPU = device("cpu")


def array_module(array):
    """The array module (numpy, later cupy) that computes on ``array``."""
    return np


def device_of(array):
    return CPU


def to_device(array, dev):
    dev = device(dev)
    if dev.type == "cpu":
        return array
    raise RuntimeError(f"to: cannot move an array to {dev}")
