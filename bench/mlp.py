"""Training steps: the loop of seed 001 and an MNIST-sized MLP, beside PyTorch and NumPy.

(a) seed 001's loop: MLP 10-40-40-5, batch 10, MSELoss, SGD with momentum 0.9, StepLR, a
    shuffling DataLoader over 100 examples; microseconds per step (an epoch of 10 steps / 10).
(b) MLP 784-256-256-10, cross-entropy, batch 128, float32, SGD with momentum; ms per step.
(c) the floor of (b): its eight matrix products alone, in NumPy.
Both are also written by hand in NumPy (gradients derived on paper) for reference, and the
peak memory of (b) is measured in a fresh process per library (see ``memory``).

    python bench/mlp.py
"""

import json
import os
import subprocess
import sys

from common import HAS_TORCH, best_of, fmt, ratio, table, threads_note, torch_module

import numpy as np

import gradiente as gr

SEED001 = dict(sizes=(10, 40, 40, 5), examples=100, batch=10, lr=0.01, momentum=0.9)
MNIST = dict(sizes=(784, 256, 256, 10), batch=128, lr=0.01, momentum=0.9)


# ----- (a) the training loop of seed 001, verbatim but for the import -----------------------

def seed001_epoch(torch):
    """One epoch of seed 001's loop, for ``torch`` either gradiente or PyTorch."""
    nn = torch.nn
    d_i, d_k, d_o = SEED001["sizes"][0], SEED001["sizes"][1], SEED001["sizes"][3]
    model = nn.Sequential(nn.Linear(d_i, d_k), nn.ReLU(), nn.Linear(d_k, d_k), nn.ReLU(),
                          nn.Linear(d_k, d_o))

    def weights_init(layer_in):
        if isinstance(layer_in, nn.Linear):
            nn.init.kaiming_uniform_(layer_in.weight)
            layer_in.bias.data.fill_(0.0)

    model.apply(weights_init)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=SEED001["lr"],
                                momentum=SEED001["momentum"])
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    x = torch.randn(SEED001["examples"], d_i)
    y = torch.randn(SEED001["examples"], d_o)
    data_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                              batch_size=SEED001["batch"], shuffle=True)

    def epoch():
        epoch_loss = 0.0
        for i, data in enumerate(data_loader):
            x_batch, y_batch = data
            optimizer.zero_grad()
            pred = model(x_batch)
            loss = criterion(pred, y_batch)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        scheduler.step()
        return epoch_loss

    return epoch


# ----- the same MLPs by hand in NumPy -------------------------------------------------------

def numpy_params(sizes, rng):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(6 / fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, dtype=np.float32))
    return params


def numpy_step(params, buffers, x, target, lr, momentum, loss):
    """Forward, hand-derived backward and the SGD-with-momentum update of a ReLU MLP."""
    inputs, pre = [], []
    h = x
    for i in range(0, len(params), 2):
        inputs.append(h)
        z = h @ params[i].T + params[i + 1]
        pre.append(z)
        h = np.maximum(z, 0) if i + 2 < len(params) else z
    if loss == "mse":
        diff = h - target
        value = float(np.mean(diff * diff))
        g = diff * (2 / diff.size)
    else:  # cross-entropy of logits against class indices
        shifted = h - h.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(target))
        value = float(np.mean(np.log(total[:, 0]) - shifted[rows, target]))
        g = exp / total
        g[rows, target] -= 1
        g /= len(target)
    grads = [None] * len(params)
    for layer in range(len(params) // 2 - 1, -1, -1):
        grads[2 * layer] = g.T @ inputs[layer]
        grads[2 * layer + 1] = g.sum(axis=0)
        if layer:
            g = (g @ params[2 * layer]) * (pre[layer - 1] > 0)
    for p, grad, buf in zip(params, grads, buffers):
        buf *= momentum
        buf += grad
        p -= lr * buf
    return value


def numpy_seed001_epoch():
    rng = np.random.default_rng(0)
    sizes, batch = SEED001["sizes"], SEED001["batch"]
    params = numpy_params(sizes, rng)
    buffers = [np.zeros_like(p) for p in params]
    x = rng.standard_normal((SEED001["examples"], sizes[0]), dtype=np.float32)
    y = rng.standard_normal((SEED001["examples"], sizes[-1]), dtype=np.float32)

    def epoch():
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch):
            rows = order[start:start + batch]
            total += numpy_step(params, buffers, x[rows], y[rows], SEED001["lr"],
                                SEED001["momentum"], "mse")
        return total

    return epoch


# ----- (b) MLP 784-256-256-10 with cross-entropy, and (c) its matrix products ---------------

def mnist_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((MNIST["batch"], MNIST["sizes"][0]), dtype=np.float32)
    labels = rng.integers(0, MNIST["sizes"][-1], MNIST["batch"])
    return x, labels


def mnist_step(torch, x, labels):
    """One training step of (b) for ``torch`` either gradiente or PyTorch."""
    nn = torch.nn
    s = MNIST["sizes"]
    model = nn.Sequential(nn.Linear(s[0], s[1]), nn.ReLU(), nn.Linear(s[1], s[2]), nn.ReLU(),
                          nn.Linear(s[2], s[3]))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=MNIST["lr"], momentum=MNIST["momentum"])
    x, labels = torch.from_numpy(x), torch.from_numpy(labels)

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), labels)
        loss.backward()
        optimizer.step()
        return loss

    return step


def numpy_mnist_step(x, labels):
    params = numpy_params(MNIST["sizes"], np.random.default_rng(1))
    buffers = [np.zeros_like(p) for p in params]
    return lambda: numpy_step(params, buffers, x, labels, MNIST["lr"], MNIST["momentum"], "ce")


def matmul_floor(x, torch=None):
    """The eight products of (b): three forward, three weight gradients, two input gradients.

    In NumPy (the floor), or with ``torch`` given, in PyTorch (whose BLAS may differ).
    """
    rng = np.random.default_rng(2)
    s, n = MNIST["sizes"], len(x)
    w = [rng.standard_normal((b, a), dtype=np.float32) for a, b in zip(s[:-1], s[1:])]
    h = [x] + [rng.standard_normal((n, b), dtype=np.float32) for b in s[1:]]
    if torch is not None:
        w, h = [torch.from_numpy(a) for a in w], [torch.from_numpy(a) for a in h]

    def products():
        for layer in range(3):
            h[layer] @ w[layer].T                  # forward
            h[layer + 1].T @ h[layer]              # weight gradient
            if layer:
                h[layer + 1] @ w[layer]            # input gradient

    return products


# ----- memory of (b), in a fresh process per library ----------------------------------------

MEMORY_METHOD = (
    "peak memory: a fresh process per library (glibc MALLOC_MMAP_THRESHOLD_=16384, so large "
    "buffers are returned to the OS when freed); after imports, data and one warm-up step of a "
    "throwaway model, the peak RSS (VmHWM) is reset through /proc/self/clear_refs; then the "
    "model and optimizer are built and 3 steps run; shown is VmHWM minus the RSS before. "
    "For gradiente and NumPy, tracemalloc's peak over the same span is shown in brackets.")


def _rss_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def memory_child(library):
    """Run in a child process: print the peak memory of building and training (b), as JSON."""
    import tracemalloc
    torch = {"gradiente": gr, "torch": torch_module(), "numpy": None}[library]
    x, labels = mnist_data()

    def make():
        return numpy_mnist_step(x, labels) if torch is None else mnist_step(torch, x, labels)

    make()()  # lazy initialisation of the library is not the model's memory
    result = {}
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        before = _rss_kib("VmRSS")
        step = make()
        for _ in range(3):
            step()
        result["rss_kib"] = _rss_kib("VmHWM") - before
    except OSError:
        result["rss_kib"] = None
    if torch is not gr and torch is not None:
        print(json.dumps(result))
        return
    tracemalloc.start()
    step = make()
    for _ in range(3):
        step()
    result["tracemalloc_kib"] = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    print(json.dumps(result))


def memory(library):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="16384", MALLOC_TRIM_THRESHOLD_="0")
    done = subprocess.run([sys.executable, __file__, "--memory", library], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt_memory(found):
    if found is None or found.get("rss_kib") is None:
        return "-"
    text = f"{found['rss_kib'] / 1024:.2f} MiB"
    if "tracemalloc_kib" in found:
        text += f" [{found['tracemalloc_kib'] / 1024:.2f}]"
    return text


# ----- the report ---------------------------------------------------------------------------

def main():
    torch = torch_module()
    rows = []

    ours, theirs, bare = best_of(seed001_epoch(gr), seed001_epoch(torch) if torch else None,
                                 numpy_seed001_epoch())
    steps = SEED001["examples"] // SEED001["batch"]
    ours, theirs, bare = (None if t is None else t / steps for t in (ours, theirs, bare))
    rows.append(("(a) seed 001 loop, µs/step", fmt(ours), fmt(theirs), fmt(bare), "-",
                 ratio(ours, theirs)))

    x, labels = mnist_data()
    times = best_of(mnist_step(gr, x, labels), mnist_step(torch, x, labels) if torch else None,
                    numpy_mnist_step(x, labels), matmul_floor(x),
                    matmul_floor(x, torch) if torch else None, budget=0.3)
    ours, theirs, bare, floor, torch_floor = (None if t is None else t / 1000 for t in times)
    rows.append(("(b) MLP 784-256-256-10, ms/step", fmt(ours, "ms"), fmt(theirs, "ms"),
                 fmt(bare, "ms"), fmt(floor, "ms"), ratio(ours, theirs)))
    rows.append(("    step / (c) NumPy products", ratio(ours, floor), ratio(theirs, floor),
                 ratio(bare, floor), "1.00x", ""))
    rows.append(("    (c) in PyTorch, ms; step / it", "", ratio(theirs, torch_floor), "",
                 fmt(torch_floor, "ms"), ""))

    found = {name: memory(name) for name in ("gradiente", "numpy")}
    found["torch"] = memory("torch") if HAS_TORCH else None
    mem_ratio = "-"
    if found["torch"] and found["torch"]["rss_kib"] and found["gradiente"]["rss_kib"]:
        mem_ratio = ratio(found["gradiente"]["rss_kib"], found["torch"]["rss_kib"])
    rows.append(("(b) peak memory", fmt_memory(found["gradiente"]), fmt_memory(found["torch"]),
                 fmt_memory(found["numpy"]), "-", mem_ratio))

    table("Training steps (float32)", ("case", "gradiente", "PyTorch", "NumPy by hand",
                                       "(c) NumPy products", "gradiente/PyTorch"), rows)
    print(threads_note())
    print(MEMORY_METHOD)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        memory_child(sys.argv[2])
    else:
        main()
