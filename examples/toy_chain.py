"""Lecture 001 (after Prince, ch. 7): the toy chain and its gradient, by hand and by autodiff.

    f[x, φ] = β3 + ω3·cos[β2 + ω2·exp[β1 + ω1·sin[β0 + ω0·x]]],   ℓ = (f − y)²

The forward pass stores the intermediates f0, h1, f1, h2, f2, h3, f3; the backward pass
walks them in reverse order, multiplying local derivatives (the chain rule). Autodiff
(``loss.backward()``) must give the same eight partial derivatives.
Run: ``python examples/toy_chain.py``.
"""

import math

import gradiente as torch

beta = [0.3, -0.2, 0.1, 0.5]
omega = [1.1, 0.7, -0.4, 1.3]
x, y = 0.9, 1.2

# ----- forward pass, storing every intermediate ----------------------------------------------
f0 = beta[0] + omega[0] * x
h1 = math.sin(f0)
f1 = beta[1] + omega[1] * h1
h2 = math.exp(f1)
f2 = beta[2] + omega[2] * h2
h3 = math.cos(f2)
f3 = beta[3] + omega[3] * h3
loss = (f3 - y) ** 2

# ----- backward pass, in reverse order -------------------------------------------------------
dl_df3 = 2 * (f3 - y)
dl_df2 = dl_df3 * omega[3] * -math.sin(f2)  # ∂f3/∂h3 = ω3, ∂h3/∂f2 = −sin f2
dl_df1 = dl_df2 * omega[2] * math.exp(f1)   # ∂f2/∂h2 = ω2, ∂h2/∂f1 = exp f1
dl_df0 = dl_df1 * omega[1] * math.cos(f0)   # ∂f1/∂h1 = ω1, ∂h1/∂f0 = cos f0
by_hand = {"beta0": dl_df0, "beta1": dl_df1, "beta2": dl_df2, "beta3": dl_df3,
           "omega0": dl_df0 * x, "omega1": dl_df1 * h1, "omega2": dl_df2 * h2,
           "omega3": dl_df3 * h3}

# the notes' closed form of ∂ℓ/∂ω0, written out in one expression
closed_form = (-2 * (beta[3] + omega[3] * math.cos(beta[2] + omega[2] * math.exp(
    beta[1] + omega[1] * math.sin(beta[0] + omega[0] * x))) - y)
    * omega[1] * omega[2] * omega[3] * x * math.cos(beta[0] + omega[0] * x)
    * math.exp(beta[1] + omega[1] * math.sin(beta[0] + omega[0] * x))
    * math.sin(beta[2] + omega[2] * math.exp(
        beta[1] + omega[1] * math.sin(beta[0] + omega[0] * x))))

# ----- the same by automatic differentiation -------------------------------------------------
params = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
          for name, value in zip(["beta0", "beta1", "beta2", "beta3"], beta)}
params.update({name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
               for name, value in zip(["omega0", "omega1", "omega2", "omega3"], omega)})
p = params
f = p["beta3"] + p["omega3"] * torch.cos(p["beta2"] + p["omega2"] * torch.exp(
    p["beta1"] + p["omega1"] * torch.sin(p["beta0"] + p["omega0"] * x)))
auto_loss = (f - y) ** 2
auto_loss.backward()

print(f"loss = {loss:.6f} (autodiff {auto_loss.item():.6f})")
print(f"{'parameter':<10}{'by hand':>14}{'autodiff':>14}")
for name, value in by_hand.items():
    print(f"{name:<10}{value:>14.8f}{params[name].grad.item():>14.8f}")
    assert math.isclose(value, params[name].grad.item(), rel_tol=1e-12), name
print(f"closed form of dl/domega0: {closed_form:.8f}")
assert math.isclose(closed_form, dl_df0 * x, rel_tol=1e-12)
