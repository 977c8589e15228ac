"""Memory for arrays on the CPU: big blocks freed in one training step are reused by the next.

A training step allocates and frees the same large arrays every time: activations, the columns
of a convolution, gradients. By default glibc hands blocks above a moving threshold back to the
operating system when they are freed, and trims its heap once more than twice that threshold is
free at its top; the next step then faults the same memory in again, 4 KiB at a time and zeroed.
A LeNet step on MNIST-sized input did that 4,500 times and spent a third of its time on it.
PyTorch's answer on GPUs is a caching allocator; on CPUs its tuning guide suggests jemalloc or
tcmalloc. gradiente asks glibc (``mallopt``, once, at import) to serve blocks below 32 MiB from
its heap and to keep up to 64 MiB free there. The cost: the process may hold that much memory it
no longer uses, as any caching allocator does.

Nothing is changed when the C library is not glibc, when the environment already sets a
``MALLOC_*`` variable (the user chose a policy; glibc reads those), or when
``GRADIENTE_MALLOC=0``. ``APPLIED`` says whether the policy was set.
"""

import ctypes
import ctypes.util
import os
import platform

__all__ = ["APPLIED", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

MMAP_THRESHOLD = 32 << 20  # blocks from this size up are mapped, and unmapped when freed
TRIM_THRESHOLD = 64 << 20  # the heap returns memory to the OS only above this much free
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def _apply():
    if os.environ.get("GRADIENTE_MALLOC", "1") == "0":
        return False
    if any(name.startswith("MALLOC_") for name in os.environ):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


APPLIED = _apply()
