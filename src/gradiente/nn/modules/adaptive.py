"""``AdaptiveLogSoftmaxWithLoss`` (Grave et al.): a softmax whose rare classes sit in clusters."""

from collections import namedtuple

import numpy as np

from ...ops.movement import cat
from ...ops.reduce import argmax
from ...tensor import Tensor
from .. import functional as F
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """The head scores the ``cutoffs[0]`` frequent classes and one entry per cluster; cluster i
    (classes cutoffs[i] to cutoffs[i + 1]) projects to in_features // div_value**(i + 1)
    features, then to its classes. ``forward`` returns (target log-probabilities, mean loss).
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False,
                 device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        factory = {"device": device, "dtype": dtype}
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            self.tail.append(Sequential(
                Linear(in_features, hidden, bias=False, **factory),
                Linear(hidden, self.cutoffs[i + 1] - self.cutoffs[i], bias=False, **factory)))

    def reset_parameters(self):
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        name = type(self).__name__
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError(f"{name}: Input and target should have the same size in the "
                                   f"batch dimension (input {tuple(input_.shape)}, target "
                                   f"{tuple(target_.shape)}).")
            if input_.ndim != 2:
                raise RuntimeError(f"{name}: 1D target tensor expects 2D input tensors, but "
                                   f"found inputs with size {tuple(input_.shape)}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"{name}: 0D target tensor expects 1D input tensors, but "
                                   f"found inputs with size {tuple(input_.shape)}")
        else:
            raise RuntimeError(f"{name}: 0D or 1D target tensor expected, multi-target not "
                               f"supported (target of shape {tuple(target_.shape)})")
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = np.asarray(target_.array).reshape(-1).astype(np.int64)
        if target.size and (target.min() < 0 or target.max() >= self.n_classes):
            raise RuntimeError(f"{name}: Target values should be in [0, {self.n_classes - 1}], "
                               f"but values in range [{target.min()}, {target.max()}] were "
                               f"found.")
        cluster = np.searchsorted(self.cutoffs, target, side="right")  # 0 for the shortlist
        head_index = np.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, Tensor._make(head_index[:, None])).reshape(-1)
        for i in range(1, len(self.cutoffs)):
            rows = np.flatnonzero(cluster == i)
            if rows.size == 0:
                continue
            subset = input.index_select(0, Tensor._make(rows))
            local = F.log_softmax(self.tail[i - 1](subset), dim=1)
            relative = Tensor._make((target[rows] - self.cutoffs[i - 1])[:, None])
            output = output.index_add(0, Tensor._make(rows),
                                      local.gather(1, relative).reshape(-1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _get_full_log_prob(self, input, head_output):
        head_logprob = F.log_softmax(head_output, dim=1)
        pieces = [head_logprob[:, :self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster_logprob = F.log_softmax(projection(input), dim=1)
            pieces.append(cluster_logprob
                          + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(pieces, 1)

    def log_prob(self, input):
        """log p(c | input) for every class c: (N, n_classes)."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most probable class of each row, as ``log_prob(input).argmax(1)``."""
        head_output = self.head(input)
        output = argmax(head_output, dim=1)
        outside = output.array >= self.shortlist_size
        if not outside.any():
            return output
        rows = Tensor._make(np.flatnonzero(outside))
        log_prob = self._get_full_log_prob(input.index_select(0, rows),
                                           head_output.index_select(0, rows))
        chosen = output.array.copy()
        chosen[outside] = argmax(log_prob, dim=1).array
        return Tensor._make(chosen)
