"""Function transforms, as ``torch.func`` and JAX: ``grad``, ``vjp``, ``jvp``, ``jacrev``,
``jacfwd``, ``hessian``, ``linearize``, ``vmap`` and ``functional_call``. They nest:
``grad(grad(f))``, ``jacfwd(jacrev(f))``, ``vmap(grad(f))`` for per-example gradients.
"""

from .vmap import vmap
from .transforms import (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, linearize,
                         functional_call)

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize",
           "vmap", "functional_call"]
