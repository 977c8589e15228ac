"""What the lectures' models share: training in the three modes of lecture 02, ``fit``,
``predict``, ``score`` and a per-epoch loss history.

Modes (lecture 02):
- ``"online"``: one example per update (``order="sequential"`` walks the data in order,
  ``order="random"`` in a fresh random order each epoch);
- ``"batch"``: one update per epoch from all the examples;
- ``"minibatch"``: one update per ``batch_size`` examples.

Every update uses the mean loss over the examples it sees, so one learning rate suits all
three modes. ``update="autograd"`` takes the gradient from ``loss.backward()``;
``update="rule"`` applies the lecture's explicit update formula instead (same numbers).
"""

import math

import numpy as np

import gradiente as gr
from gradiente import nn

__all__ = ["MODES", "ORDERS", "Estimator", "batch_indices"]

MODES = ("online", "batch", "minibatch")
ORDERS = ("sequential", "random")


def batch_indices(n, mode="minibatch", batch_size=32, order="random", rng=None):
    """The example indices of each update in one epoch of ``n`` examples."""
    if mode not in MODES:
        raise ValueError(f"fit: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if order not in ORDERS:
        raise ValueError(f"fit: unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    size = {"online": 1, "batch": n, "minibatch": batch_size}[mode]
    if size < 1:
        raise ValueError(f"fit: batch_size must be at least 1, got {batch_size}")
    indices = rng.permutation(n) if order == "random" else np.arange(n)
    return [indices[start:start + size] for start in range(0, n, size)]


class Estimator(nn.Module):
    """A module that fits itself: subclasses define ``forward``, ``_loss(x, y)`` (a Tensor,
    the mean over the examples) and, when the lecture gives one, ``_rule(x, y)`` (the
    explicit gradient of that loss, one Tensor per parameter)."""

    task = "classification"

    def fit(self, x, y, *, epochs=10, lr=0.01, mode="minibatch", batch_size=32,
            order="random", update="autograd", seed=0, optimizer=None):
        """Train on features ``x`` (n, m) and targets ``y`` (n,); returns ``self``.

        ``optimizer`` (a ``gradiente.optim`` optimizer over ``self.parameters()``) replaces
        the plain step w := w − lr·∇L. ``seed`` drives the random order.
        """
        if update not in ("autograd", "rule"):
            raise ValueError(f"{type(self).__name__}.fit: update must be 'autograd' or 'rule', "
                             f"got {update!r}")
        x, y = self._arrays(x, y)
        self._prepare(x, y)
        rng = np.random.default_rng(seed)
        self.history = []
        self.train()
        for epoch in range(1, epochs + 1):
            for indices in batch_indices(len(x), mode, batch_size, order, rng):
                self._update(self._tensor(x[indices]), self._target(y[indices]), lr, update,
                             optimizer)
            loss = self._epoch_loss(self._tensor(x), self._target(y))
            if not math.isfinite(loss):
                raise FloatingPointError(f"{type(self).__name__}.fit: the loss became {loss} in "
                                         f"epoch {epoch}; try a lower learning rate than {lr}")
            self.history.append(loss)
        self.eval()
        return self

    def _update(self, x, y, lr, update, optimizer):
        parameters = list(self.parameters())
        if update == "rule":
            with gr.no_grad():
                grads = self._rule(x, y)
        else:
            for p in parameters:
                p.grad = None
            self._loss(x, y).backward()
            grads = [p.grad for p in parameters]
        if optimizer is not None:
            for p, g in zip(parameters, grads):
                p.grad = g
            optimizer.step()
            return
        with gr.no_grad():
            for p, g in zip(parameters, grads):
                p -= lr * g  # w := w + η·(−∇L)

    def _rule(self, x, y):
        raise ValueError(f"{type(self).__name__}.fit: no explicit update rule; "
                         f"use update='autograd'")

    def _epoch_loss(self, x, y):
        with gr.no_grad():
            return float(self._loss(x, y).item())

    def _prepare(self, x, y):
        """Check the data (and create parameters sized to it) before training."""

    # ----- inputs ---------------------------------------------------------------------------
    @property
    def _dtype(self):
        return next(self.parameters()).dtype

    def _arrays(self, x, y=None):
        x = np.asarray(x.detach().numpy() if isinstance(x, gr.Tensor) else x)
        if x.ndim != 2:
            raise ValueError(f"{type(self).__name__}: features must be 2-D (n, m), got shape "
                             f"{x.shape}")
        if y is None:
            return x
        y = np.asarray(y.detach().numpy() if isinstance(y, gr.Tensor) else y)
        if len(y) != len(x):
            raise ValueError(f"{type(self).__name__}: {len(x)} examples but {len(y)} targets")
        return x, y

    def _tensor(self, x):
        return gr.tensor(x, dtype=self._dtype)

    def _target(self, y):
        return self._tensor(y)

    # ----- predictions ----------------------------------------------------------------------
    def predict(self, x):
        """Class labels (int64) for a classifier, real values for a regressor."""
        with gr.no_grad():
            return self._predict(self._tensor(self._arrays(x)))

    def score(self, x, y):
        """Accuracy for a classifier, R² (coefficient of determination) for a regressor."""
        x, y = self._arrays(x, y)
        predicted = self.predict(x).numpy()
        if self.task == "classification":
            return float(np.mean(predicted == y))
        residual = np.sum((y - predicted) ** 2)
        return float(1.0 - residual / np.sum((y - y.mean()) ** 2))
