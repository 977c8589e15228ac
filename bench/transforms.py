"""Where each mode wins: Jacobians by jacfwd vs jacrev, per-example gradients by vmap(grad).

Run: python bench/transforms.py [--quick]. Prints tables; not a test.
"""

import sys
import time

import common  # noqa: F401 - single-threaded BLAS, imported before NumPy
import numpy as np

import gradiente as gr
from gradiente.func import jacfwd, jacrev, vmap, grad

try:
    import torch
except ImportError:
    torch = None


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def jacobian_table(repeats):
    print("Jacobian of f: R^n -> R^m, f(x) = tanh(A @ sin(x)) (A is m x n), float64")
    print(f"{'n':>6} {'m':>6} {'jacfwd (ms)':>12} {'jacrev (ms)':>12}  faster")
    rng = np.random.default_rng(0)
    winners = []
    for n, m in ((1, 1000), (10, 1000), (100, 1000), (1000, 1000), (1000, 100), (1000, 10),
                 (1000, 1)):
        A = gr.tensor(rng.normal(size=(m, n)) / np.sqrt(n))
        x = gr.tensor(rng.normal(size=n))
        f = lambda x: gr.tanh(A @ gr.sin(x))  # noqa: E731
        forward = best_of(lambda: jacfwd(f)(x), repeats)
        reverse = best_of(lambda: jacrev(f)(x), repeats)
        winner = "jacfwd" if forward < reverse else "jacrev"
        winners.append((n, m, winner))
        print(f"{n:>6} {m:>6} {forward * 1e3:>12.2f} {reverse * 1e3:>12.2f}  {winner}")
    switches = [(a, b) for a, b in zip(winners, winners[1:]) if a[2] != b[2]]
    for (n0, m0, w0), (n1, m1, w1) in switches:
        print(f"crossover: {w0} wins at (n, m) = ({n0}, {m0}), {w1} from ({n1}, {m1})")


def per_example_table(repeats, batch=64):
    print(f"\nPer-example gradients of an MLP 10-40-40-5 (MSE), batch {batch}, float32")
    rng = np.random.default_rng(0)
    sizes = [(10, 40), (40,), (40, 40), (40,), (40, 5), (5,)]
    arrays = [rng.normal(size=s).astype(np.float32) * 0.3 for s in sizes]
    xs = rng.normal(size=(batch, 10)).astype(np.float32)
    ys = rng.normal(size=(batch, 5)).astype(np.float32)

    def loss(lib, params, x, y):
        w1, b1, w2, b2, w3, b3 = params
        h = lib.relu(x @ w1 + b1)
        h = lib.relu(h @ w2 + b2)
        return ((h @ w3 + b3 - y) ** 2).mean()

    params = tuple(gr.tensor(a) for a in arrays)
    X, Y = gr.tensor(xs), gr.tensor(ys)
    g = grad(lambda p, x, y: loss(gr, p, x, y))
    batched = vmap(g, in_dims=(None, 0, 0))
    rows = [("gradiente vmap(grad)", best_of(lambda: batched(params, X, Y), repeats)),
            ("gradiente loop of grad", best_of(
                lambda: [g(params, X[i], Y[i]) for i in range(batch)], repeats))]
    check = batched(params, X, Y)
    if torch is not None:
        tparams = tuple(torch.tensor(a) for a in arrays)
        tg = torch.func.grad(lambda p, x, y: loss(torch, p, x, y))
        tbatched = torch.func.vmap(tg, in_dims=(None, 0, 0))
        TX, TY = torch.tensor(xs), torch.tensor(ys)
        rows.append(("torch.func vmap(grad)", best_of(lambda: tbatched(tparams, TX, TY),
                                                       repeats)))
        expected = tbatched(tparams, TX, TY)
        error = max(float(np.abs(a.array - b.numpy()).max()) for a, b in zip(check, expected))
        print(f"(max difference from torch.func: {error:.1e})")
    for name, seconds in rows:
        print(f"{name:<24} {seconds * 1e3:>9.2f} ms")


if __name__ == "__main__":
    repeats = 1 if "--quick" in sys.argv else 3
    gr.set_default_dtype(gr.float64)
    jacobian_table(repeats)
    gr.set_default_dtype(gr.float32)
    per_example_table(repeats)
