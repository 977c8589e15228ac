"""A LeNet-style CNN on 28×28 images, batch 64: forward + backward (+ SGD step) per batch.

Prints milliseconds per step for gradiente and PyTorch (when installed), and the floor: the
NumPy matrix products the two convolutions and three linear layers need (im2col excluded).
A second row times each library's step in a process of its own, as a training script runs it:
interleaved with other work, the memory allocator's state can differ (see gradiente.allocator).

    python bench/cnn.py
"""

import subprocess
import sys

from common import TIMER, best_of, fmt, ratio, table, threads_note, torch_module

import numpy as np

import gradiente as gr

BATCH = 64


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def step_fn(lib, model):
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, BATCH))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def floor():
    """The GEMMs of one forward and backward pass (each product, then its two adjoints)."""
    rng = np.random.default_rng(0)
    shapes = [(BATCH * 28 * 28, 25, 6), (BATCH * 10 * 10, 150, 16), (BATCH, 400, 120),
              (BATCH, 120, 84), (BATCH, 84, 10)]
    mats = [(rng.standard_normal((m, k)).astype(np.float32),
             rng.standard_normal((k, n)).astype(np.float32),
             rng.standard_normal((m, n)).astype(np.float32)) for m, k, n in shapes]

    def run():
        for a, b, g in mats:
            a @ b
            g @ b.T
            a.T @ g
    return run


def alone(library, steps=30):
    """Run in a fresh process: the best of ``steps`` timed steps of a loop, in ms."""
    lib = torch_module(threads=1) if library == "torch" else gr
    lib.manual_seed(0)
    step = step_fn(lib, lenet(lib.nn))
    step()
    times = []
    for _ in range(steps):
        start = TIMER()
        step()
        times.append(TIMER() - start)
    return min(times) * 1000


def alone_in_subprocess(library):
    done = subprocess.run([sys.executable, __file__, "--alone", library], capture_output=True,
                          text=True, check=True)
    return float(done.stdout.split()[-1])


def main():
    torch = torch_module(threads=1)
    gr.manual_seed(0)
    ours = step_fn(gr, lenet(gr.nn))
    theirs = None
    if torch:
        torch.manual_seed(0)
        theirs = step_fn(torch, lenet(torch.nn))
    times = best_of(ours, theirs, floor())
    ours, theirs, bare = (None if t is None else t / 1000 for t in times)
    ours_alone = alone_in_subprocess("gradiente")
    theirs_alone = alone_in_subprocess("torch") if torch else None
    table(f"LeNet-style CNN, 28×28, batch {BATCH}, float32: one training step",
          ("case", "gradiente", "PyTorch", "GEMM floor", "gradiente/PyTorch"),
          [("forward + backward + SGD", fmt(ours, "ms"), fmt(theirs, "ms"), fmt(bare, "ms"),
            ratio(ours, theirs)),
           ("the same, a loop alone", fmt(ours_alone, "ms"), fmt(theirs_alone, "ms"), "",
            ratio(ours_alone, theirs_alone))])
    print(threads_note())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--alone"]:
        print(alone(sys.argv[2]))
    else:
        main()
