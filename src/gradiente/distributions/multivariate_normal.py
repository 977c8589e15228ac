"""The multivariate normal N(loc, Σ), parameterized by Σ, its inverse or its Cholesky factor.

Every method works from the lower Cholesky factor L (Σ = L Lᵀ) of the parameter as given
(``_unbroadcasted_scale_tril``, as torch names it): triangular solves, no inverses.
"""

import math
from functools import cached_property

import numpy as np

from .. import linalg
from ..creation import eye, randn
from ..ops.movement import flip
from . import constraints
from .distribution import Distribution

__all__ = ["MultivariateNormal"]


def _precision_to_scale_tril(precision):
    """L with L Lᵀ = P⁻¹: the Cholesky factor of P with rows and columns reversed gives the
    inverse of L, from which one triangular solve gives L."""
    flipped = linalg.cholesky(flip(precision, (-2, -1)))
    l_inverse = flip(flipped, (-2, -1)).mT
    identity = eye(precision.shape[-1], dtype=precision.dtype)
    return linalg.solve_triangular(l_inverse, identity, upper=False)


def _mahalanobis(scale_tril, diff):
    """|L⁻¹ diff|² (the solve broadcasts L's batch dims against diff's)."""
    solved = linalg.solve_triangular(scale_tril, diff.unsqueeze(-1), upper=False)
    return (solved.squeeze(-1) ** 2).sum(-1)


def _half_log_det(scale_tril):
    """log √det Σ = Σᵢ log Lᵢᵢ."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    """log p(x) = -(k log 2π + (x - loc)ᵀ Σ⁻¹ (x - loc)) / 2 - log √det Σ, over the last dim."""

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [(name, matrix) for name, matrix in (
            ("covariance_matrix", covariance_matrix), ("precision_matrix", precision_matrix),
            ("scale_tril", scale_tril)) if matrix is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        ((name, matrix),) = given
        if matrix.dim() < 2:
            raise ValueError(f"{'scale_tril matrix' if name == 'scale_tril' else name} must be "
                             f"at least two-dimensional, with optional leading batch dimensions")
        batch_shape = np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        self.__dict__[name] = matrix.expand(batch_shape + tuple(matrix.shape[-2:]))
        self.loc = loc.expand(batch_shape + tuple(loc.shape[-1:]))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape) * 2

    @cached_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @cached_property
    def covariance_matrix(self):
        """Σ = L Lᵀ."""
        scale_tril = self._unbroadcasted_scale_tril
        return (scale_tril @ scale_tril.mT).expand(self._matrix_shape())

    @cached_property
    def precision_matrix(self):
        """Σ⁻¹ = L⁻ᵀ L⁻¹."""
        identity = eye(self._event_shape[0], dtype=self.loc.dtype)
        l_inverse = linalg.solve_triangular(self._unbroadcasted_scale_tril, identity,
                                            upper=False)
        return (l_inverse.mT @ l_inverse).expand(self._matrix_shape())

    mean = mode = property(lambda self: self.loc)

    @property
    def variance(self):
        """diag Σ = Σⱼ Lᵢⱼ²."""
        variance = (self._unbroadcasted_scale_tril ** 2).sum(-1)
        return variance.expand(tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=()):
        """x = loc + L ε, ε ~ N(0, I)."""
        eps = randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        diff = self._checked(value) - self.loc
        mahalanobis = _mahalanobis(self._unbroadcasted_scale_tril, diff)
        return (-0.5 * (self._event_shape[0] * math.log(2 * math.pi) + mahalanobis)
                - _half_log_det(self._unbroadcasted_scale_tril))

    def entropy(self):
        """H = k (1 + log 2π) / 2 + log √det Σ."""
        entropy = (0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi))
                   + _half_log_det(self._unbroadcasted_scale_tril))
        return entropy.expand(self._batch_shape)
