"""Shared timing helpers for the benchmark scripts (not tests: they print numbers).

Import this module before NumPy: it makes BLAS single-threaded (unless the caller set
``OPENBLAS_NUM_THREADS``), so gradiente and PyTorch are compared on one thread each. On a
loaded machine a multi-threaded OpenBLAS can be orders of magnitude slower on small products.
"""

import importlib.util
import os
import time
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HAS_TORCH = importlib.util.find_spec("torch") is not None


# CPU time of this process, not wall time: on a shared machine the time spent waiting for a
# core is not the library's; with one thread per library the two agree on an idle machine
TIMER = time.process_time


def best_of(*fns, repeat=7, budget=0.1):
    """Best time per call of each function, in microseconds (None stays None).

    The repeats of the functions are interleaved, so a change in the machine's load during the
    run affects all of them alike and their ratios stay meaningful.
    """
    numbers = []
    for fn in fns:
        if fn is None:
            numbers.append(None)
            continue
        fn()  # warm up
        single = timeit.timeit(fn, number=1, timer=TIMER)
        numbers.append(max(1, int(budget / max(single, 1e-7))))
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, (fn, number) in enumerate(zip(fns, numbers)):
            if fn is not None:
                best[i] = min(best[i], timeit.timeit(fn, number=number, timer=TIMER) / number)
    times = [None if fn is None else t * 1e6 for fn, t in zip(fns, best)]
    return times[0] if len(fns) == 1 else times


def torch_module(threads=1):
    if not HAS_TORCH:
        return None
    import torch
    torch.set_num_threads(threads)
    return torch


def threads_note():
    torch = torch_module()
    torch_threads = torch.get_num_threads() if torch else "-"
    return (f"threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
            f"torch.get_num_threads()={torch_threads}; times are process CPU time, the best of 7 "
            f"interleaved repeats")


def table(title, header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    print(f"\n{title}")
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths)))


def fmt(value, unit="µs"):
    digits = 2 if unit == "ms" else 1  # milliseconds to 10 µs: (b)'s differences are that small
    return "-" if value is None else f"{value:,.{digits}f} {unit}"


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}x"
