"""One row per distribution (and parameterization): how to draw valid parameters of given
shapes, and values for log_prob/cdf/icdf; shared by the torch, gradient and sampling tests."""

from dataclasses import dataclass, replace

import numpy as np

K = 4  # categories of the categorical cases
D = 3  # dimension of the multivariate normal cases

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
    param_event_dims: dict = None  # parameter -> its trailing non-batch dims (else 0)
    # matrix parameter -> "symmetric" or "lower": gradient tests read a free matrix m as
    # (m + mᵀ) / 2 or tril(m), so perturbing one entry keeps the parameter valid
    matrix_form: dict = None
    constant: tuple = ()  # parameters never differentiated (integer-valued)
    has_kl: bool = True  # kl_divergence has a rule for two of these
    # wrapped in Independent(·, reinterpreted): each parameter's batch shape gains that many
    # trailing dims of size 2, which become event dims
    reinterpreted: int = None

    def draw(self, rng, shapes):
        if self.reinterpreted:
            shapes = [shape + (2,) * self.reinterpreted for shape in shapes]
        if self.categorical:
            shapes = [shape + (K,) for shape in shapes]
        return self.params(rng, shapes)

    def build(self, lib, **tensors):
        """The distribution from ``lib`` (gradiente or torch) on parameter tensors."""
        dist = getattr(lib.distributions, self.name)(**tensors)
        if self.reinterpreted is None:
            return dist
        return lib.distributions.Independent(dist, self.reinterpreted)

    def make(self, lib, params, requires_grad=False):
        """The distribution from ``lib`` on float64 ``params``."""
        return self.build(lib, **{name: lib.tensor(value, dtype=lib.float64,
                                                   requires_grad=requires_grad)
                                  for name, value in params.items()})


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


def _positive_definite(rng, shape):
    a = rng.standard_normal(shape + (D, D))
    return a @ np.swapaxes(a, -1, -2) + np.eye(D)


def _independent(case, reinterpreted):
    """``case`` wrapped in Independent: its methods that Independent has (as in torch, no cdf,
    icdf, nor a multivariate normal's matrices)."""
    methods = tuple(m for m in case.methods
                    if m in ("log_prob", "entropy", "mean", "mode", "variance", "stddev"))
    return replace(case, methods=methods, reinterpreted=reinterpreted)


def _mvn_case(matrix):
    def params(rng, shapes):
        m = _positive_definite(rng, shapes[1])
        m = np.linalg.cholesky(m) if matrix == "scale_tril" else m
        return {"loc": real(rng, shapes[0] + (D,)), matrix: m}
    methods = ("log_prob", "entropy", "mean", "mode", "variance", "stddev",
               "covariance_matrix", "precision_matrix", "scale_tril")
    return Case("MultivariateNormal", params, lambda rng, p, shape: real(rng, shape), methods,
                event_shape=(D,), param_event_dims={"loc": 1, matrix: 2},
                matrix_form={matrix: "lower" if matrix == "scale_tril" else "symmetric"})


def _counts(rng, params, shape):
    """Integers in 0..total_count."""
    total = np.broadcast_to(params["total_count"], shape)
    return np.floor(rng.uniform(0, 1, shape) * (total + 1))


COUNTS = ("log_prob", "mean", "mode", "variance", "stddev")
CONTINUOUS = ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev")
MOMENTS = ("log_prob", "entropy", "mean", "mode", "variance", "stddev")  # no cdf, icdf
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
    _mvn_case("covariance_matrix"),
    _mvn_case("precision_matrix"),
    _mvn_case("scale_tril"),
    Case("Poisson", lambda rng, s: {"rate": positive(rng, s[-1]) * 3},
         lambda rng, p, shape: rng.integers(0, 8, shape).astype(np.float64), COUNTS),
    # one total_count everywhere: entropy and enumerate_support need it
    Case("Binomial", lambda rng, s: {"total_count": np.full(s[0], 5.0),
                                     "probs": probability(rng, s[1])},
         _counts, COUNTS + ("entropy",), constant=("total_count",)),
    Case("Binomial", lambda rng, s: {"total_count": rng.integers(0, 9, s[0]).astype(float),
                                     "logits": real(rng, s[1])},
         _counts, COUNTS, constant=("total_count",), has_kl=False),
    Case("Geometric", lambda rng, s: {"probs": probability(rng, s[-1])},
         lambda rng, p, shape: rng.integers(0, 8, shape).astype(np.float64),
         COUNTS + ("entropy",)),
    Case("Geometric", lambda rng, s: {"logits": real(rng, s[-1])},
         lambda rng, p, shape: rng.integers(0, 8, shape).astype(np.float64),
         COUNTS + ("entropy",)),
    Case("Cauchy", lambda rng, s: {"loc": real(rng, s[0]), "scale": positive(rng, s[1])},
         lambda rng, p, shape: real(rng, shape) * 3, CONTINUOUS),
    # built on TransformedDistribution: log_prob through the inverse transforms and their
    # log |det J|, cdf/icdf through the base (flipped where a transform decreases)
    Case("LogNormal", lambda rng, s: {"loc": real(rng, s[0]), "scale": positive(rng, s[1])},
         lambda rng, p, shape: positive(rng, shape) * 2, CONTINUOUS),
    Case("HalfNormal", lambda rng, s: {"scale": positive(rng, s[-1])},
         lambda rng, p, shape: positive(rng, shape), CONTINUOUS),
    Case("HalfCauchy", lambda rng, s: {"scale": positive(rng, s[-1])},
         lambda rng, p, shape: positive(rng, shape) * 3, CONTINUOUS),
    Case("Gumbel", lambda rng, s: {"loc": real(rng, s[0]), "scale": positive(rng, s[1])},
         # not far below loc: cdf's inverse transforms underflow to 0 outside the base's support
         lambda rng, p, shape: rng.uniform(-1, 3, shape), CONTINUOUS),
    Case("Weibull", lambda rng, s: {"scale": positive(rng, s[0]),
                                    "concentration": positive(rng, s[1])},
         lambda rng, p, shape: positive(rng, shape), CONTINUOUS, has_kl=False),
    # alpha > 2: finite mean and variance
    Case("Pareto", lambda rng, s: {"scale": positive(rng, s[0]), "alpha": positive(rng, s[1]) + 2},
         lambda rng, p, shape: np.broadcast_to(p["scale"], shape) + positive(rng, shape),
         CONTINUOUS),
    Case("Gamma", lambda rng, s: {"concentration": positive(rng, s[0]),
                                  "rate": positive(rng, s[1])},
         lambda rng, p, shape: positive(rng, shape), MOMENTS),
    Case("Chi2", lambda rng, s: {"df": positive(rng, s[-1]) * 3},
         lambda rng, p, shape: positive(rng, shape) * 2, MOMENTS),
    # df > 2: finite variance
    Case("StudentT", lambda rng, s: {"df": positive(rng, s[0]) + 2, "loc": real(rng, s[1]),
                                     "scale": positive(rng, s[1])},
         lambda rng, p, shape: real(rng, shape) * 2, MOMENTS, has_kl=False),
    Case("Beta", lambda rng, s: {"concentration1": positive(rng, s[0]),
                                 "concentration0": positive(rng, s[1])},
         lambda rng, p, shape: probability(rng, shape), MOMENTS),
    Case("Dirichlet", lambda rng, s: {"concentration": positive(rng, s[-1])},
         lambda rng, p, shape: rng.dirichlet(np.ones(K), shape[:-1]), MOMENTS,
         event_shape=(K,), categorical=True),
]
IDS = [f"{case.name}({','.join(case.params(np.random.default_rng(0), [(), ()]))})"
       for case in CASES]
IDS[IDS.index("Binomial(total_count,probs)")] += "-homogeneous"
# Independent over a continuous, a discrete and a multivariate family; 0 reinterpreted dims
# (the base's shapes) and 2 (more than one dim summed)
for base, reinterpreted in [("Normal(loc,scale)", 1), ("Laplace(loc,scale)", 2),
                            ("Normal(loc,scale)", 0), ("Bernoulli(probs)", 1),
                            ("Categorical(logits)", 1), ("MultivariateNormal(loc,scale_tril)", 1)]:
    CASES.append(_independent(CASES[IDS.index(base)], reinterpreted))
    IDS.append(f"Independent({base},{reinterpreted})")
KL_CASES = [case for case in CASES if case.has_kl]
KL_IDS = [name for case, name in zip(CASES, IDS) if case.has_kl]


def batch_shape(case, params):
    event_dims = case.param_event_dims or dict.fromkeys(params, 1 if case.categorical else 0)
    shapes = [np.shape(v)[:np.ndim(v) - event_dims.get(name, 0)]
              for name, v in params.items()]
    shape = np.broadcast_shapes(*shapes)
    return shape[:len(shape) - (case.reinterpreted or 0)]


def probabilities(rng, shape):
    """Arguments for icdf: probabilities away from 0 and 1."""
    return rng.uniform(0.01, 0.99, shape)
