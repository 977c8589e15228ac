"""Lecture 02's single neurons, and lecture 003's logistic regression.

Each is σ(x·w + b) with its own activation σ and loss: the perceptron (threshold, perceptron
rule), Adaline (identity, squared error: Widrow and Hoff, 1960), linear regression (identity,
squared error; also solved exactly by the normal equations) and logistic regression
(sigmoid, binary cross-entropy). The parameters start at zero, as in the lecture.
"""

import numpy as np

import gradiente as gr
from gradiente import nn

from .estimator import Estimator

__all__ = ["Adaline", "LinearRegression", "LogisticRegression", "Perceptron"]


class _Neuron(Estimator):
    """One neuron: ``weight`` w (m,) and ``bias`` b (), created when ``num_features`` is known."""

    def __init__(self, num_features=None, *, dtype=gr.float64):
        super().__init__()
        self.dtype = dtype
        self.weight = self.bias = None
        if num_features is not None:
            self._create(num_features)

    def _create(self, num_features):
        self.weight = nn.Parameter(gr.zeros(num_features, dtype=self.dtype))
        self.bias = nn.Parameter(gr.zeros((), dtype=self.dtype))

    @property
    def _dtype(self):
        return self.dtype

    def _prepare(self, x, y):
        if self.weight is None or self.weight.shape[0] != x.shape[1]:
            self._create(x.shape[1])
        if self.task == "classification" and not np.isin(y, (0, 1)).all():
            raise ValueError(f"{type(self).__name__}.fit: targets must be 0 or 1, got "
                             f"{np.unique(y)[:5].tolist()}")

    def net_input(self, x):
        """z = x·w + b"""
        return x @ self.weight + self.bias

    def _residual(self, x, y):
        """e = ŷ − y for the identity activation"""
        return self.net_input(x) - y

    def _predict(self, x):
        return self(x)


class Perceptron(_Neuron):
    """Rosenblatt's perceptron: ŷ = 1 if x·w + b > 0 else 0, trained by the perceptron rule
    err = y − ŷ, w := w + η·err·x, b := b + η·err (summed over a batch). Its ``history`` is
    the fraction of training examples misclassified after each epoch."""

    def forward(self, x):
        return (self.net_input(x) > 0).to(self.dtype)

    def fit(self, x, y, *, epochs=10, lr=1.0, mode="online", batch_size=32, order="sequential",
            seed=0, update="rule"):
        if update != "rule":
            raise ValueError("Perceptron.fit: the threshold has no useful gradient; the "
                             "perceptron learns only by its rule (update='rule')")
        return super().fit(x, y, epochs=epochs, lr=lr, mode=mode, batch_size=batch_size,
                           order=order, seed=seed, update="rule")

    def _rule(self, x, y):
        """−Σ err·x and −Σ err, err = y − ŷ: w := w − η·(−Σ err·x) is the perceptron rule"""
        error = y - self(x)
        return -(error @ x), -error.sum()

    def _loss(self, x, y):
        return (self(x) != y).to(self.dtype).mean()

    def _predict(self, x):
        return (self.net_input(x) > 0).long()


class Adaline(_Neuron):
    """ADALINE (Widrow and Hoff, 1960): identity activation, L = 1/(2n)·Σ (ŷ − y)², the
    Widrow–Hoff rule w := w + η·(1/n)·Σ (y − ŷ)·x; predicts 1 where x·w + b > 0.5."""

    def forward(self, x):
        return self.net_input(x)

    def _loss(self, x, y):
        return 0.5 * (self._residual(x, y) ** 2).mean()

    def _rule(self, x, y):
        """∂L/∂w = (1/n)·Σ (ŷ − y)·x, ∂L/∂b = (1/n)·Σ (ŷ − y)"""
        residual = self._residual(x, y)
        return residual @ x / len(x), residual.mean()

    def _predict(self, x):
        return (self.net_input(x) > 0.5).long()


class LinearRegression(Adaline):
    """ŷ = x·w + b fitted by least squares: ``method="normal"`` solves the normal equations
    XᵀX w = Xᵀy (a least-squares solve of the design matrix [X 1], never an explicit
    inverse); ``method="gd"`` descends L = 1/(2n)·Σ (ŷ − y)² in the lecture's modes."""

    task = "regression"

    def __init__(self, num_features=None, *, method="normal", dtype=gr.float64):
        if method not in ("normal", "gd"):
            raise ValueError(f"LinearRegression: method must be 'normal' or 'gd', got {method!r}")
        super().__init__(num_features, dtype=dtype)
        self.method = method

    def fit(self, x, y, **options):
        if self.method == "gd":
            return super().fit(x, y, **options)
        if options:
            raise TypeError(f"LinearRegression.fit: method='normal' takes no training options, "
                            f"got {', '.join(options)}")
        x, y = self._arrays(x, y)
        self._prepare(x, y)
        design = np.hstack([x, np.ones((len(x), 1))])
        solution = np.linalg.lstsq(design, y.astype(design.dtype), rcond=None)[0]
        with gr.no_grad():
            self.weight.copy_(gr.tensor(solution[:-1], dtype=self.dtype))
            self.bias.copy_(gr.tensor(solution[-1], dtype=self.dtype))
        self.history = [self._epoch_loss(self._tensor(x), self._target(y))]
        self.eval()
        return self

    def _predict(self, x):
        return self.net_input(x)


class LogisticRegression(_Neuron):
    """p = sigmoid(x·w + b) with the binary cross-entropy of lecture 003,
    L = −(1/n)·Σ [y·log p + (1 − y)·log(1 − p)], computed from the logits for stability;
    its rule has Adaline's form: ∂L/∂w = (1/n)·Σ (p − y)·x. Predicts 1 where p > 0.5."""

    def forward(self, x):
        return gr.sigmoid(self.net_input(x))

    def predict_proba(self, x):
        """P(y = 1 | x) for each example."""
        with gr.no_grad():
            return self(self._tensor(self._arrays(x)))

    def _loss(self, x, y):
        return nn.functional.binary_cross_entropy_with_logits(self.net_input(x), y)

    def _rule(self, x, y):
        """∂L/∂w = (1/n)·Σ (p − y)·x, ∂L/∂b = (1/n)·Σ (p − y)"""
        error = self(x) - y
        return error @ x / len(x), error.mean()

    def _predict(self, x):
        return (self.net_input(x) > 0).long()
