"""Core autodiff overhead: value and gradient of the lectures' scalar examples.

Prints microseconds per value-and-gradient for gradiente, PyTorch (when installed) and the
NumPy floor (the same derivatives written by hand), and the per-operation cost of a
forward+backward of a small element-wise op.

    python bench/core.py
"""

import math

from common import best_of, fmt, ratio, table, threads_note, torch_module  # before NumPy

import numpy as np

import gradiente as gr


def trace_example(lib, dtype):
    x1 = lib.tensor(2.0, dtype=dtype, requires_grad=True)
    x2 = lib.tensor(5.0, dtype=dtype, requires_grad=True)
    y = lib.log(x1) + x1 * x2 - lib.sin(x2)
    y.backward()
    return x1.grad, x2.grad


def trace_example_numpy():
    x1, x2 = np.float64(2.0), np.float64(5.0)
    y = math.log(x1) + x1 * x2 - math.sin(x2)
    return y, 1 / x1 + x2, x1 - math.cos(x2)


TOY = dict(b0=0.1, w0=1.2, b1=-0.3, w1=0.8, b2=0.4, w2=-0.5, b3=0.2, w3=1.5)


def toy_chain(lib, dtype):
    p = {k: lib.tensor(v, dtype=dtype, requires_grad=True) for k, v in TOY.items()}
    x, y = 0.7, 1.3
    f = p["b3"] + p["w3"] * lib.cos(p["b2"] + p["w2"] * lib.exp(
        p["b1"] + p["w1"] * lib.sin(p["b0"] + p["w0"] * x)))
    loss = (f - y) ** 2
    loss.backward()
    return [p[k].grad for k in TOY]


def toy_chain_numpy():
    p, x, y = TOY, 0.7, 1.3
    f0 = p["b0"] + p["w0"] * x
    h1 = math.sin(f0)
    f1 = p["b1"] + p["w1"] * h1
    h2 = math.exp(f1)
    f2 = p["b2"] + p["w2"] * h2
    h3 = math.cos(f2)
    f3 = p["b3"] + p["w3"] * h3
    d3 = 2 * (f3 - y)
    d2 = d3 * p["w3"] * -math.sin(f2)
    d1 = d2 * p["w2"] * h2
    d0 = d1 * p["w1"] * math.cos(f0)
    return [d0, d0 * x, d1, d1 * h1, d2, d2 * h2, d3, d3 * h3]


def elementwise_op(lib, x):
    y = (x * 2.0).sum()
    y.backward()


def main():
    torch = torch_module()
    rows = []
    for name, fn, floor in (("trace example (lecture 000)", trace_example, trace_example_numpy),
                            ("toy chain, 8 gradients (001)", toy_chain, toy_chain_numpy)):
        ours, theirs, bare = best_of(lambda: fn(gr, gr.float64),
                                     (lambda: fn(torch, torch.float64)) if torch else None,
                                     floor)
        rows.append((name, fmt(ours), fmt(theirs), fmt(bare), ratio(ours, theirs)))
    for n in (1, 1000, 100_000):
        x = gr.randn(n, requires_grad=True)
        xt = torch.randn(n, requires_grad=True) if torch else None
        a = np.random.default_rng(0).standard_normal(n).astype(np.float32)
        ours, theirs, bare = best_of(lambda: elementwise_op(gr, x),
                                     (lambda: elementwise_op(torch, xt)) if torch else None,
                                     lambda: (np.sum(a * 2.0), np.full_like(a, 2.0)))
        rows.append((f"(x * 2).sum() fwd+bwd, n={n:,}", fmt(ours), fmt(theirs), fmt(bare),
                     ratio(ours, theirs)))
    table("Value and gradient, microseconds per call (float64 scalars; n= cases float32)",
          ("case", "gradiente", "PyTorch", "NumPy floor", "gradiente/PyTorch"), rows)
    print(threads_note())


if __name__ == "__main__":
    main()
