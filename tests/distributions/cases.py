"""One row per distribution (and parameterization): how to draw valid parameters of given
shapes, and values for log_prob/cdf/icdf; shared by the torch, gradient and sampling tests."""

from dataclasses import dataclass

import numpy as np

K = 4  # categories of the categorical cases

# parameter shapes that broadcast: one shape per parameter (one-parameter cases take the last)
BROADCAST_SHAPES = [((), ()), ((3,), ()), ((2, 1), (3,)), ((), (2, 3))]


def real(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def probability(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


@dataclass
class Case:
    name: str  # the class, in gradiente.distributions and torch.distributions alike
    params: callable  # rng, shapes -> {argument: array}
    value: callable  # rng, params, shape -> array in the support, of shape ``shape``
    methods: tuple = ("log_prob", "entropy", "mean", "mode", "variance", "stddev")
    event_shape: tuple = ()
    categorical: bool = False  # parameters carry a trailing dim of K categories

    def draw(self, rng, shapes):
        if self.categorical:
            shapes = [shape + (K,) for shape in shapes]
        return self.params(rng, shapes)

    def make(self, lib, params, requires_grad=False):
        """The distribution from ``lib`` (gradiente or torch) on float64 ``params``."""
        tensors = {name: lib.tensor(value, dtype=lib.float64, requires_grad=requires_grad)
                   for name, value in params.items()}
        return getattr(lib.distributions, self.name)(**tensors)


def _uniform_params(rng, shapes):
    low = real(rng, shapes[0])
    return {"low": low, "high": low + positive(rng, shapes[1])}


def _uniform_value(rng, params, shape):
    low, high = np.broadcast_arrays(params["low"], params["high"])
    return low + rng.uniform(0, 1, shape) * (high - low)


def _integers(rng, params, shape):
    return rng.integers(0, K, shape)


def _one_hot(rng, params, shape):
    return np.eye(K)[rng.integers(0, K, shape[:-1])]


CONTINUOUS = ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev")
CASES = [
    Case("Normal", lambda rng, s: {"loc": real(rng, s[0]), "scale": positive(rng, s[1])},
         lambda rng, p, shape: real(rng, shape), CONTINUOUS),
    Case("Laplace", lambda rng, s: {"loc": real(rng, s[0]), "scale": positive(rng, s[1])},
         lambda rng, p, shape: real(rng, shape), CONTINUOUS),
    Case("Uniform", _uniform_params, _uniform_value, CONTINUOUS),
    Case("Exponential", lambda rng, s: {"rate": positive(rng, s[-1])},
         lambda rng, p, shape: positive(rng, shape), CONTINUOUS),
    Case("Bernoulli", lambda rng, s: {"probs": probability(rng, s[-1])},
         lambda rng, p, shape: rng.integers(0, 2, shape).astype(np.float64)),
    Case("Bernoulli", lambda rng, s: {"logits": real(rng, s[-1])},
         lambda rng, p, shape: rng.integers(0, 2, shape).astype(np.float64)),
    Case("Categorical", lambda rng, s: {"probs": positive(rng, s[-1])}, _integers,
         categorical=True),
    Case("Categorical", lambda rng, s: {"logits": real(rng, s[-1])}, _integers,
         categorical=True),
    Case("OneHotCategorical", lambda rng, s: {"probs": positive(rng, s[-1])}, _one_hot,
         event_shape=(K,), categorical=True),
    Case("OneHotCategorical", lambda rng, s: {"logits": real(rng, s[-1])}, _one_hot,
         event_shape=(K,), categorical=True),
]
IDS = [f"{case.name}({','.join(case.params(np.random.default_rng(0), [(), ()]))})"
       for case in CASES]


def batch_shape(case, params):
    shapes = [np.shape(v)[:-1] if case.categorical else np.shape(v) for v in params.values()]
    return np.broadcast_shapes(*shapes)


def probabilities(rng, shape):
    """Arguments for icdf: probabilities away from 0 and 1."""
    return rng.uniform(0.01, 0.99, shape)
