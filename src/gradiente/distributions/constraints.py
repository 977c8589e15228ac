"""Sets a parameter or a value must lie in, as ``torch.distributions.constraints``.

``check(value)`` gives a bool array with one entry per event (the last ``event_dim`` dims are
reduced); validation reads values, it is never differentiated.
"""

import numpy as np

from ..tensor import Tensor

__all__ = ["Constraint", "real", "real_vector", "positive", "nonnegative", "unit_interval",
           "greater_than_eq", "boolean", "simplex", "one_hot", "greater_than", "less_than",
           "interval",
           "integer_interval", "nonnegative_integer", "positive_definite", "lower_cholesky",
           "independent"]


def _array(value):
    return value.array if isinstance(value, Tensor) else np.asarray(value)


class Constraint:
    def __init__(self, text, test, event_dim=0, **bounds):
        self.text, self.test, self.event_dim = text, test, event_dim
        self.__dict__.update(bounds)  # lower_bound, upper_bound: read by biject_to

    def check(self, value):
        return self.test(_array(value))

    def __repr__(self):
        return self.text


def greater_than(lower_bound):
    return Constraint(f"GreaterThan(lower_bound={lower_bound})", lambda a: a > _array(lower_bound),
                      lower_bound=lower_bound)


def greater_than_eq(lower_bound):
    return Constraint(f"GreaterThanEq(lower_bound={lower_bound})",
                      lambda a: a >= _array(lower_bound), lower_bound=lower_bound)


def less_than(upper_bound):
    return Constraint(f"LessThan(upper_bound={upper_bound})", lambda a: a < _array(upper_bound),
                      upper_bound=upper_bound)


def interval(lower_bound, upper_bound):
    return Constraint(f"Interval(lower_bound={lower_bound}, upper_bound={upper_bound})",
                      lambda a: (_array(lower_bound) <= a) & (a <= _array(upper_bound)),
                      lower_bound=lower_bound, upper_bound=upper_bound)


def integer_interval(lower_bound, upper_bound):
    return Constraint(f"IntegerInterval(lower_bound={lower_bound}, upper_bound={upper_bound})",
                      lambda a: (a % 1 == 0) & (lower_bound <= a) & (a <= _array(upper_bound)))


def independent(base_constraint, reinterpreted_batch_ndims):
    """``base_constraint`` with its last ``reinterpreted_batch_ndims`` dims read as one event:
    an event is valid when all its entries are."""
    if not isinstance(base_constraint, Constraint):
        raise AssertionError(f"base_constraint must be a Constraint, got "
                             f"{type(base_constraint).__name__}")
    if not isinstance(reinterpreted_batch_ndims, int):
        raise AssertionError(f"reinterpreted_batch_ndims must be an int, got "
                             f"{type(reinterpreted_batch_ndims).__name__}")
    if reinterpreted_batch_ndims < 0:
        raise AssertionError(f"reinterpreted_batch_ndims must be >= 0, got "
                             f"{reinterpreted_batch_ndims}")
    event_dim = base_constraint.event_dim + reinterpreted_batch_ndims

    def test(a):
        result = np.asarray(base_constraint.check(a))
        if result.ndim < reinterpreted_batch_ndims:
            raise ValueError(f"Expected value.dim() >= {event_dim} but got {a.ndim}")
        return result.all(axis=tuple(range(-reinterpreted_batch_ndims, 0)))
    return Constraint(f"IndependentConstraint({base_constraint!r}, {reinterpreted_batch_ndims})",
                      test, event_dim)


def _positive_definite(a):
    """Symmetric (as torch's isclose) with all eigenvalues positive."""
    symmetric = np.isclose(a, np.swapaxes(a, -1, -2), rtol=1e-5, atol=1e-6).all((-2, -1))
    return symmetric & (np.linalg.eigvalsh(a) > 0).all(-1)


real = Constraint("Real()", lambda a: a == a)  # everything but NaN
real_vector = independent(real, 1)
positive = greater_than(0.0)
nonnegative = Constraint("GreaterThanEq(lower_bound=0.0)", lambda a: a >= 0, lower_bound=0.0)
unit_interval = interval(0.0, 1.0)
boolean = Constraint("Boolean()", lambda a: (a == 0) | (a == 1))
simplex = Constraint("Simplex()", lambda a: (a >= 0).all(-1) & (np.abs(a.sum(-1) - 1) < 1e-6), 1)
nonnegative_integer = Constraint("IntegerGreaterThan(lower_bound=0)",
                                 lambda a: (a % 1 == 0) & (a >= 0))
positive_definite = Constraint("PositiveDefinite()", _positive_definite, 2)
lower_cholesky = Constraint("LowerCholesky()", lambda a: (np.tril(a) == a).all((-2, -1))
                            & (np.diagonal(a, axis1=-2, axis2=-1) > 0).all(-1), 2)
one_hot = Constraint("OneHot()", lambda a: ((a == 0) | (a == 1)).all(-1) & (a.sum(-1) == 1), 1)
