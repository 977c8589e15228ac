"""Parametrizations built on ``parametrize``, as ``torch.nn.utils.parametrizations``:
``weight_norm`` (originals: g, then v) and ``spectral_norm`` (power iteration on buffers
``_u`` and ``_v`` of the parametrization, in training mode only)."""

from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..modules.module import Module
from . import parametrize
from .spectral_norm import _normal_unit_vector, _normalize_into, reshape_weight_to_matrix
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["weight_norm", "spectral_norm"]


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Parametrize ``module.<name>`` as g v / ‖v‖, with g and v stored as
    ``parametrizations.<name>.original0`` and ``original1``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = reshape_weight_to_matrix(weight, self.dim)
            rows, cols = weight_mat.shape
            self.register_buffer("_u", _normal_unit_vector(weight, rows, eps))
            self.register_buffer("_v", _normal_unit_vector(weight, cols, eps))
            self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat, n_power_iterations):
        """u = W v, v = Wᵀ u, each normalised, written into the buffers."""
        with no_grad():
            for _ in range(n_power_iterations):
                _normalize_into(self._u, weight_mat.mv(self._v), self.eps)
                _normalize_into(self._v, weight_mat.t().mv(self._u), self.eps)

    def forward(self, weight):
        """weight / σ, σ = uᵀ W v with u, v constants; a vector is normalised instead."""
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = reshape_weight_to_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        return weight / self._u.clone().dot(weight_mat.mv(self._v.clone()))

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Parametrize ``module.<name>`` as weight / σ(weight), σ estimated by power iteration
    (``dim``: the output dim, 1 for transposed convolutions, else 0)."""
    weight = getattr(module, name, None)
    if weight is None or not hasattr(weight, "array"):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if getattr(module, "transposed", False) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
