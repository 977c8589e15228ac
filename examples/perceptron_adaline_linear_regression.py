"""Lecture 02: the perceptron, Adaline and linear regression, trained in the three modes.

- online: one example per update, in order ("for i = 1..n") or in a random order;
- batch: the updates of all the examples summed into one step per epoch;
- minibatch: one step per k examples.

Linear regression is also solved exactly by the normal equations (a least-squares solve);
gradient descent approaches that solution. Run:
``python examples/perceptron_adaline_linear_regression.py``.
"""

import numpy as np

from gradiente import datasets
from gradiente.models import Adaline, LinearRegression, Perceptron

MODES = ["online", "batch", "minibatch"]

# two well separated clouds of points: a perceptron can split them with a line
points = datasets.blobs(n_samples=100, centers=[[-2.0, -2.0], [2.0, 2.0]], cluster_std=0.6)
x, y = points.x_train, points.y_train

print("Perceptron (threshold activation, perceptron rule w := w + err·x)")
for mode in MODES:
    model = Perceptron().fit(x, y, epochs=10, mode=mode, batch_size=8)
    errors = " ".join(f"{e:.2f}" for e in model.history)
    print(f"  {mode:<10} training error per epoch: {errors}")
    assert model.history[-1] == 0.0  # separable data: the rule finds a separating line

print("Adaline (identity activation, Widrow-Hoff rule w := w + η·(y − ŷ)·x)")
for mode, epochs in [("online", 10), ("batch", 200), ("minibatch", 30)]:
    for update in ("autograd", "rule"):  # loss.backward() or the lecture's explicit rule
        model = Adaline().fit(x, y, epochs=epochs, lr=0.05, mode=mode, batch_size=8,
                              update=update)
        print(f"  {mode:<10} {update:<9} loss {model.history[-1]:.5f}  "
              f"test accuracy {model.score(points.x_test, points.y_test):.2f}")

print("Linear regression: normal equations against gradient descent")
line = datasets.linear(n_samples=200, n_features=3, noise=0.1, seed=1)
exact = LinearRegression(method="normal").fit(line.x_train, line.y_train)
print(f"  true w  {np.round(line.info['coef'], 4)}  b {line.info['bias']:.4f}")
print(f"  normal  {np.round(exact.weight.detach().numpy(), 4)}  b {exact.bias.item():.4f}")
for mode, epochs, lr in [("online", 10, 0.02), ("batch", 300, 0.3), ("minibatch", 40, 0.05)]:
    model = LinearRegression(method="gd").fit(line.x_train, line.y_train, epochs=epochs,
                                              lr=lr, mode=mode, batch_size=16)
    w = model.weight.detach().numpy()
    print(f"  {mode:<7} {np.round(w, 4)}  b {model.bias.item():.4f}  "
          f"R² {model.score(line.x_test, line.y_test):.4f}")
    assert np.abs(w - exact.weight.detach().numpy()).max() < 0.05
