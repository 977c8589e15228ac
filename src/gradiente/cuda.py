"""``gradiente.cuda``, as ``torch.cuda`` on a machine without a GPU.

Lecture programs start with ``device = "cuda" if torch.cuda.is_available() else "cpu"`` and
seed every generator; these answers let them run on the CPU, as they would under PyTorch
there. Anything that needs a CUDA device is absent: ``gradiente.device("cuda")`` raises.
"""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all"]


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Seeds no device: there is none (PyTorch ignores it likewise without CUDA)."""


def manual_seed_all(seed):
    """Seeds no device: there is none (PyTorch ignores it likewise without CUDA)."""
