"""Legacy spectral normalisation, as ``torch.nn.utils.spectral_norm``: a forward pre-hook that
divides ``weight_orig`` by its largest singular value, estimated by power iteration on the
buffers ``weight_u`` and ``weight_v`` (updated in training mode only)."""

from ...autograd.grad_mode import no_grad
from ...random import rng_of
from ...tensor import Tensor, bump_version
from .. import functional as F
from ..parameter import Parameter
from .weight_norm import remove_hook

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def reshape_weight_to_matrix(weight, dim):
    """The weight as a matrix with ``dim`` as its rows."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _normalize_into(buffer, vector, eps):
    """Write normalize(vector) into ``buffer`` in place (PyTorch's ``out=``)."""
    buffer.array[...] = F.normalize(vector, dim=0, eps=eps).array
    bump_version(buffer)


def _normal_unit_vector(like, size, eps):
    draw = rng_of(None).normal(0.0, 1.0, size).astype(like.array.dtype)
    return F.normalize(Tensor._make(draw), dim=0, eps=eps)


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``."""

    _version = 1

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight):
        return reshape_weight_to_matrix(weight, self.dim)

    def compute_weight(self, module, do_power_iteration):
        """weight_orig / σ, σ = uᵀ W v; with power iteration, u and v are updated first
        (v = W̄ᵀu, u = W̄v, each normalised) and enter σ as constants."""
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    _normalize_into(v, weight_mat.t().mv(u), self.eps)
                    _normalize_into(u, weight_mat.mv(v), self.eps)
            u, v = u.clone(), v.clone()
        return weight / u.dot(weight_mat.mv(v))

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        rows, cols = fn.reshape_weight_to_matrix(weight).shape
        u = _normal_unit_vector(weight, rows, eps)
        v = _normal_unit_vector(weight, cols, eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.data)
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm before each call (``dim``: the weight's
    output dim, 1 for transposed convolutions, else 0)."""
    if dim is None:
        dim = 1 if getattr(module, "transposed", False) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``<name>`` is a plain parameter holding the normalised values."""
    return remove_hook(module, SpectralNorm, name, "spectral_norm")
