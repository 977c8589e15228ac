"""Lecture 004: backpropagation through a two-layer MLP written by hand, checked against
autodiff.

    z1 = W1 x + b1,  y1 = g(z1),  z2 = W2 y1 + b2,  y2 = g(z2),  L = ½‖y2 − y‖²

A linear layer z = W x + b sends dz back as dJ/db = dz, dJ/dW = dz·xᵀ, dJ/dx = Wᵀ·dz; an
element-wise activation's Jacobian is diagonal, so dJ/dz = g'(z) ⊙ dy (for ReLU,
g'(z) = 1[z > 0]). Run: ``python examples/manual_backprop.py``.
"""

import numpy as np

import gradiente as torch

rng = np.random.default_rng(0)
n_in, n_hidden, n_out = 4, 5, 3
W1, b1 = rng.standard_normal((n_hidden, n_in)), rng.standard_normal((n_hidden, 1))
W2, b2 = rng.standard_normal((n_out, n_hidden)), rng.standard_normal((n_out, 1))
x, y = rng.standard_normal((n_in, 1)), rng.standard_normal((n_out, 1))


def g(z):
    return np.maximum(z, 0)


def g_prime(z):
    return (z > 0).astype(z.dtype)  # relu'(0) taken as 0, as in the notes


# ----- by hand, as in the notes ---------------------------------------------------------------
z1 = W1 @ x + b1
y1 = g(z1)
z2 = W2 @ y1 + b2
y2 = g(z2)
loss = 0.5 * np.sum((y2 - y) ** 2)

dy2 = y2 - y                 # dL/dy2
dz2 = dy2 * g_prime(z2)      # diagonal Jacobian of g
dW2, db2 = dz2 @ y1.T, dz2   # linear layer: dz·xᵀ and dz
dy1 = W2.T @ dz2             # ... and Wᵀ·dz to the layer's input
dz1 = dy1 * g_prime(z1)
dW1, db1 = dz1 @ x.T, dz1
dx = W1.T @ dz1

# ----- by autodiff ----------------------------------------------------------------------------
params = [torch.tensor(a, requires_grad=True) for a in (W1, b1, W2, b2, x)]
tW1, tb1, tW2, tb2, tx = params
t_y2 = torch.relu(tW2 @ torch.relu(tW1 @ tx + tb1) + tb2)
t_loss = 0.5 * ((t_y2 - torch.tensor(y)) ** 2).sum()
t_loss.backward()

print(f"loss by hand {loss:.10f}, by autodiff {t_loss.item():.10f}")
for name, manual, tensor in zip(["dW1", "db1", "dW2", "db2", "dx"],
                                [dW1, db1, dW2, db2, dx], params):
    error = np.abs(manual - tensor.grad.numpy()).max()
    print(f"{name}: shape {manual.shape}, largest difference {error:.1e}")
    np.testing.assert_allclose(tensor.grad.numpy(), manual, rtol=1e-12, atol=1e-14)
