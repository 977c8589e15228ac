"""Sets a parameter or a value must lie in, as ``torch.distributions.constraints``.

``check(value)`` gives a bool array with one entry per event (the last ``event_dim`` dims are
reduced); validation reads values, it is never differentiated.
"""

import numpy as np

from ..tensor import Tensor

__all__ = ["Constraint", "real", "real_vector", "positive", "nonnegative", "unit_interval",
           "boolean", "simplex", "one_hot", "greater_than", "less_than", "interval",
           "integer_interval"]


def _array(value):
    return value.array if isinstance(value, Tensor) else np.asarray(value)


class Constraint:
    def __init__(self, text, test, event_dim=0):
        self.text, self.test, self.event_dim = text, test, event_dim

    def check(self, value):
        return self.test(_array(value))

    def __repr__(self):
        return self.text


def greater_than(lower_bound):
    return Constraint(f"GreaterThan(lower_bound={lower_bound})", lambda a: a > _array(lower_bound))


def less_than(upper_bound):
    return Constraint(f"LessThan(upper_bound={upper_bound})", lambda a: a < _array(upper_bound))


def interval(lower_bound, upper_bound):
    return Constraint(f"Interval(lower_bound={lower_bound}, upper_bound={upper_bound})",
                      lambda a: (_array(lower_bound) <= a) & (a <= _array(upper_bound)))


def integer_interval(lower_bound, upper_bound):
    return Constraint(f"IntegerInterval(lower_bound={lower_bound}, upper_bound={upper_bound})",
                      lambda a: (a % 1 == 0) & (lower_bound <= a) & (a <= upper_bound))


real = Constraint("Real()", lambda a: a == a)  # everything but NaN
real_vector = Constraint("IndependentConstraint(Real(), 1)", lambda a: (a == a).all(-1), 1)
positive = greater_than(0.0)
nonnegative = Constraint("GreaterThanEq(lower_bound=0.0)", lambda a: a >= 0)
unit_interval = interval(0.0, 1.0)
boolean = Constraint("Boolean()", lambda a: (a == 0) | (a == 1))
simplex = Constraint("Simplex()", lambda a: (a >= 0).all(-1) & (np.abs(a.sum(-1) - 1) < 1e-6), 1)
one_hot = Constraint("OneHot()", lambda a: ((a == 0) | (a == 1)).all(-1) & (a.sum(-1) == 1), 1)
