"""Lecture 02's three training modes are three batch sizes of one DataLoader.

- online: one example per update (batch_size=1), visiting the examples in a random order
  ("Modo On-line II" of the notes);
- batch: one update per epoch from the whole training set (batch_size=len(dataset));
- minibatch: k examples per update (1 < k < n), the usual mode in deep learning.

Each mode fits the same linear model (an Adaline: y = x·w + b under the squared error) to
the same data with the same number of epochs. Run: ``python examples/training_modes.py``.
"""

import gradiente as torch
from gradiente import nn
from gradiente.utils.data import DataLoader, TensorDataset

N, M, EPOCHS = 200, 3, 20
TRUE_W, TRUE_B = torch.tensor([[2.0], [-1.0], [0.5]]), 0.3


def make_data():
    torch.manual_seed(0)
    x = torch.randn(N, M)
    y = x @ TRUE_W + TRUE_B + 0.1 * torch.randn(N, 1)  # a line plus a little noise
    return TensorDataset(x, y)


def train(dataset, batch_size, lr):
    torch.manual_seed(1)  # the same starting weights and shuffles for every mode
    model = nn.Linear(M, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    for _ in range(EPOCHS):
        for x, y in loader:  # len(loader) updates per epoch
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)  # mean over the batch: the gradient is an average
            loss.backward()
            optimizer.step()  # w := w - lr * dL/dw
    with torch.no_grad():
        x, y = dataset.tensors
        full_loss = loss_fn(model(x), y).item()
    return model, full_loss, len(loader) * EPOCHS


def main():
    dataset = make_data()
    modes = [("online", 1, 0.01), ("batch", len(dataset), 0.5), ("minibatch", 20, 0.1)]
    print(f"{'mode':10} {'batch':>5} {'updates':>7} {'loss':>8}   weights, bias")
    for name, batch_size, lr in modes:
        model, loss, updates = train(dataset, batch_size, lr)
        weights = ", ".join(f"{w:+.3f}" for w in model.weight.detach().reshape(-1).tolist())
        print(f"{name:10} {batch_size:5d} {updates:7d} {loss:8.5f}   [{weights}], "
              f"{model.bias.item():+.3f}")
    print(f"{'true':10} {'':5} {'':7} {'':8}   [+2.000, -1.000, +0.500], +0.300")


if __name__ == "__main__":
    main()
