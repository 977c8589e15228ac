"""Shared timing helpers for the benchmark scripts (not tests: they print numbers)."""

import importlib.util
import os
import timeit

HAS_TORCH = importlib.util.find_spec("torch") is not None


def best_of(fn, number=None, repeat=5, budget=0.2):
    """Best time per call in microseconds, with ``number`` calls per repeat (auto by budget)."""
    fn()  # warm up
    if number is None:
        single = timeit.timeit(fn, number=1)
        number = max(1, int(budget / max(single, 1e-7)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def torch_module(threads=None):
    if not HAS_TORCH:
        return None
    import torch
    torch.set_num_threads(threads or os.cpu_count() or 1)
    return torch


def table(title, header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    print(f"\n{title}")
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths)))


def fmt(value, unit="µs"):
    return "-" if value is None else f"{value:,.1f} {unit}"


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}x"
