"""The op-spec table format: one ``OpSpec`` per differentiable operation and input layout.

Each ``tests/ops/specs_<family>.py`` defines ``SPECS = [OpSpec(...), ...]``; the harness in
``test_op_specs.py`` runs, per spec and in float64: gradcheck (reverse mode against central
differences along random directions), gradgradcheck, the JVP against finite differences, the
dot-product test ⟨u, J v⟩ (jvp) == ⟨Jᵀ u, v⟩ (vjp), and the same ``fn`` on PyTorch when
``torch`` is importable (values and gradients to 1e-10).
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np


@dataclass
class OpSpec:
    name: str
    # fn(lib, *inputs) -> output tensor, where lib is the gradiente or the torch module, so the
    # same lambda runs on both: lambda lib, x, y: lib.atan2(x, y)
    fn: Callable
    # one tuple of input shapes per case; include (), broadcast pairs and size-1 dims
    shapes: list
    low: float = -2.0
    high: float = 2.0
    # custom inputs: make_inputs(rng, shapes) -> list of float64 arrays (for restricted domains,
    # distinct values for sort/max, positive definite matrices, ...)
    make_inputs: Optional[Callable] = None
    # names of the Function classes this spec exercises (default: the name in CamelCase)
    covers: tuple = ()
    # indices of the inputs that are differentiated (default: all)
    diff_args: Optional[tuple] = None
    # when torch's call differs: torch_fn(torch, *inputs)
    torch_fn: Optional[Callable] = None
    # skip the PyTorch comparison (with a reason) when torch has no such op
    no_torch: str = ""
    second_order: bool = True
    # False for an op that refuses some non-contiguous inputs, as torch's view does: the
    # non-contiguous check then expects its error instead of equal results
    noncontiguous: bool = True
    forward_mode: bool = True
    atol: float = 1e-6
    rtol: float = 1e-5
    extra: dict = field(default_factory=dict)
    # bugs in gradiente this spec exposes: {check: reason}, check one of "gradcheck",
    # "gradgradcheck", "forward_mode", "torch"; that check is marked xfail(strict=True)
    known_bugs: dict = field(default_factory=dict)

    def inputs(self, rng, shapes):
        if self.make_inputs is not None:
            return [np.asarray(a, dtype=np.float64) for a in self.make_inputs(rng, shapes)]
        return [rng.uniform(self.low, self.high, size=s) for s in shapes]

    def class_names(self):
        if self.covers:
            return tuple(self.covers)
        return ("".join(part.capitalize() for part in self.name.split("_")),)

    def __str__(self):
        return self.name
