"""Lecture 003: logistic regression and the binary cross-entropy as a computational graph.

    f(x; w0, w1) = σ(w0 + w1·x) = 1 / (1 + exp(−w0 − w1·x))
    L(w0, w1) = −(1/N) Σ [y·log f(x) + (1 − y)·log(1 − f(x))]

The notes differentiate one term, d = y·log c with a = −w0 − w1·x, b = exp(a),
c = 1/(1 + b), through the chain ∂d/∂w0 = ∂d/∂c · ∂c/∂b · ∂b/∂a · ∂a/∂w0; autodiff gives the
same. Then ``LogisticRegression`` learns the breast-cancer data with that loss.
Run: ``python examples/logistic_regression_bce.py``.
"""

import math

import gradiente as torch
from gradiente import datasets
from gradiente.models import LogisticRegression

# ----- one term of the loss, through the graph a -> b -> c -> d --------------------------------
w0_value, w1_value, x, y = 0.5, -1.5, 2.0, 1.0
a = -w0_value - w1_value * x
b = math.exp(a)
c = 1 / (1 + b)
d = y * math.log(c)
# ∂d/∂c = y/c, ∂c/∂b = −(b + 1)^−2, ∂b/∂a = exp(a), ∂a/∂w0 = −1
by_hand = (y / c) * (-(b + 1) ** -2) * math.exp(a) * -1

w0 = torch.tensor(w0_value, dtype=torch.float64, requires_grad=True)
w1 = torch.tensor(w1_value, dtype=torch.float64, requires_grad=True)
term = y * torch.log(1 / (1 + torch.exp(-w0 - w1 * x)))
term.backward()
print(f"d = y·log σ(w0 + w1·x) = {d:.6f};  ∂d/∂w0 by hand {by_hand:.8f}, "
      f"autodiff {w0.grad.item():.8f}  (= y·(1 − σ) = {y * (1 - c):.8f})")
assert math.isclose(by_hand, w0.grad.item(), rel_tol=1e-12)

# ----- the whole model on real data -------------------------------------------------------------
data = datasets.breast_cancer(standardize=True)
for update in ("autograd", "rule"):
    model = LogisticRegression().fit(data.x_train, data.y_train, epochs=30, lr=0.1,
                                     mode="minibatch", batch_size=32, update=update)
    print(f"{update:<9} BCE per epoch: {model.history[0]:.4f} ... {model.history[-1]:.4f};  "
          f"test accuracy {model.score(data.x_test, data.y_test):.4f}")
assert model.score(data.x_test, data.y_test) > 0.95
