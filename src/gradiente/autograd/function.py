"""Graph nodes and ``Function``: how one operation is run, recorded and differentiated.

Every operation is a ``Function`` subclass with three static rules side by side::

    class Mul(Function):
        numpy_rules = True
        @staticmethod
        def forward(ctx, x, y):          # arrays in, array out (x.array * y.array)
        @staticmethod
        def backward(ctx, g):            # VJP: one gradient per input (g * y, g * x)
        @staticmethod
        def jvp(ctx, dx, dy):            # JVP: the output tangent from the input tangents

``Function.apply`` runs ``forward`` and, when an input requires grad and grad mode is on,
records a ``Node``: the ``ctx`` the rules saw, which also knows its parents. The node never
references its output tensor (no reference cycles); ``ctx.output`` rebuilds it on demand.

A rule is written in the vocabulary that NumPy arrays and Tensors share: operators, NumPy
ufuncs (``np.cos(x)``), ``np.where``, ``reshape``, ``sum``, ``mT``, and ``Other.map(g, ...)``
for another operation. With ``numpy_rules = True`` (every built-in operation) the engine runs
the backward rule on plain arrays for first-order gradients (nothing recorded, no Tensor
made); with ``create_graph=True`` it runs the same code on Tensors, whose ufuncs dispatch to
gradiente's operations, so the backward pass is recorded and every derivative is
differentiable again. Custom functions keep ``numpy_rules = False`` and receive Tensors, as in
PyTorch.
"""

import functools

import numpy as np

from ..tensor import LAST_WRITE, SEQUENCE, Tensor
from .grad_mode import STATE
from . import anomaly, forward_ad

__all__ = ["Function", "Node", "FunctionCtx", "once_differentiable", "current_sequence",
           "reachable"]

_sequence = SEQUENCE


def current_sequence():
    """A number above the ``seq`` of every node recorded so far, below that of every later one."""
    return next(_sequence)


class Node:
    """The context of one operation call, and the graph vertex recorded for it.

    Attributes set by ``apply`` when the call is recorded: ``parents`` (per input: the input's
    ``grad_fn`` node, the leaf tensor itself, or None), ``shape`` and ``dtype`` of the output,
    and ``seq``, a creation counter that orders the graph topologically.
    """

    fn = None
    parents = ()
    needs_input_grad = ()
    seq = -1
    hooks = None
    retained = None
    released = False
    _saved = None
    _output = None
    _output_tangents = None  # forward_ad.propagate: the output's tangents, per dual level
    inputs = None

    def name(self):
        return self.fn.__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()}>"

    def save_for_backward(self, *tensors):
        """Keep tensors for backward; modifying one in place afterwards makes backward fail.

        Python numbers (an operand like the 2 in ``x * 2``) may be saved too, as they are.
        """
        self._saved = tensors

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            if self.released:
                raise_released(self)
            return ()
        if LAST_WRITE[0] > self.seq >= 0:  # an in-place write since this node was recorded
            self._check_versions(saved)
        if not RULES.on_arrays:
            return saved
        values = []  # the values, 0-d ones as NumPy scalars (their arithmetic is fast)
        for value in saved:
            if isinstance(value, Tensor):  # else a Python number
                value = value.array
                if not value.ndim:
                    value = value[()]
            values.append(value)
        return tuple(values)

    def _check_versions(self, saved):
        for tensor in saved:
            if isinstance(tensor, Tensor) and tensor._version[1] > self.seq:
                self._raise_modified(tensor)

    def _raise_modified(self, tensor):
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: the {tuple(tensor.shape)} tensor saved by {self.name()} was "
            f"written in place after it was saved (it is at version {tensor._version[0]}). Use "
            f".clone() before modifying it in place.")

    @property
    def output(self):
        """The operation's result, re-attached to this node so higher derivatives flow through."""
        if self.released:
            raise_released(self)
        array, version_box, version = self._output
        if version_box[0] != version:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: the output of {self.name()} is at version {version_box[0]}; "
                f"expected version {version}. Use .clone() before modifying it in place.")
        if RULES.on_arrays:
            return array if array.ndim else array[()]
        out = Tensor._make(array)
        if self.seq >= 0:
            out.grad_fn = self
            out._requires_grad = True
        out._version = version_box
        out._tangent = self._output_tangents or None
        return out

    def register_hook(self, hook):
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(hook)

    # PyTorch's names for graph inspection
    @property
    def next_functions(self):
        return tuple((p.grad_fn if isinstance(p, Tensor) else p, 0) for p in self.parents)


def reachable(nodes, since=0):
    """The graph nodes reachable from ``nodes`` through ``parents``, as a set; with ``since``,
    only those recorded at or after sequence number ``since`` (see ``current_sequence``)."""
    seen = set()
    stack = [node for node in nodes if node is not None]
    while stack:
        node = stack.pop()
        if node in seen or node.seq < since:
            continue
        seen.add(node)
        for parent in node.parents:
            if parent.__class__ is Node and parent not in seen:
                stack.append(parent)
    return seen


FunctionCtx = Node


def raise_released(node):
    raise RuntimeError(
        f"Trying to backward through the graph a second time (or to read saved tensors after "
        f"they were freed) at {node.name()}. Saved intermediate values of the graph are freed "
        f"when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
        f"backward through the graph a second time.")


class Function:
    """Base of every operation; subclass it for custom operations, as in PyTorch.

    ``forward(ctx, *args)`` receives the call's arguments (tensors untracked) and returns the
    result as an array or a Tensor; ``backward(ctx, g)`` returns one gradient (Tensor or None)
    per argument; ``jvp(ctx, *tangents)`` returns the output tangent.
    """

    differentiable = True
    saves_output = False
    numpy_rules = False  # True: backward is NumPy code that runs on arrays and on Tensors alike

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError

    @classmethod
    def map(cls, x, *args):
        """This operation inside another's rule: recorded (``apply``) when ``x`` is a Tensor,
        its forward alone when ``x`` is an array (a numpy_rules backward's first-order run)."""
        if isinstance(x, Tensor):
            return cls.apply(x, *args)
        ctx = Node()
        ctx.fn = cls
        out = cls.forward(ctx, Tensor._make(np.asarray(x)), *args)
        return out.array if isinstance(out, Tensor) else out

    @classmethod
    def apply(cls, *args):
        if BATCHING.depth:  # inside vmap: batched arguments go to the operation's batch rule
            out = BATCHING.dispatch(cls, args)
            if out is not NotImplemented:
                return out
        ctx = Node()
        ctx.fn = cls
        parents = None
        if _GRAD.grad_enabled:
            if cls.differentiable:
                for a in args:
                    if isinstance(a, Tensor) and a._requires_grad:
                        parents, ctx.needs_input_grad = _parents(args)
                        break
            # forward computes values only: a custom forward using Tensor ops records nothing
            _GRAD.grad_enabled = False
            try:
                result = cls.forward(ctx, *args)
            finally:
                _GRAD.grad_enabled = True
        else:
            result = cls.forward(ctx, *args)
        if result.__class__ is not np.ndarray:
            result = result.array if isinstance(result, Tensor) else np.asarray(result)
        if parents is not None and result.dtype.kind == "f":
            # record: ctx becomes the graph node of out
            out = _make(result, ctx)
            ctx.parents = parents
            ctx.shape = result.shape
            ctx.dtype = result.dtype
            ctx.seq = next(_sequence)
            ctx.inputs = args  # what explain/ replays to show each step's value
            if cls.saves_output:
                ctx._output = (result, out._version, 0)
            if _ANOMALY.enabled:
                ctx.created_at = anomaly.creation_stack()
        else:
            out = _make(result)
            if cls.saves_output and _FORWARD_AD.level:
                ctx._output = (result, out._version, 0)
        if _FORWARD_AD.level and cls.differentiable:
            forward_ad.propagate(cls, ctx, args, out)
        return out


def _parents(args):
    """Per argument: its graph node, or the leaf itself, when it requires grad; else None.
    Also the flags ``needs_input_grad``. Called when at least one argument requires grad;
    one and two arguments (most operations) are written out: a loop costs twice as much."""
    if len(args) == 1:
        (a,) = args
        return (a.grad_fn or a,), (True,)
    if len(args) == 2:
        a, b = args
        a = (a.grad_fn or a) if isinstance(a, Tensor) and a._requires_grad else None
        b = (b.grad_fn or b) if isinstance(b, Tensor) and b._requires_grad else None
        return (a, b), (a is not None, b is not None)
    parents, needs = [], []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            parents.append(a.grad_fn or a)
            needs.append(True)
        else:
            parents.append(None)
            needs.append(False)
    return tuple(parents), tuple(needs)


_make = Tensor._make
_GRAD = STATE
_FORWARD_AD = forward_ad.STATE
_ANOMALY = anomaly.STATE


class _Rules:
    on_arrays = False  # while the engine runs a numpy_rules backward on plain arrays


RULES = _Rules()


class _Batching:
    depth = 0  # open vmap levels (gradiente.func); while > 0, apply calls dispatch first
    dispatch = None


BATCHING = _Batching()


def batch_rule(fn):
    """Mark a public function that reads values directly (argmax, sort, an index's entries):
    under vmap a call with batched arguments runs its batch rule (gradiente.func) instead."""
    @functools.wraps(fn)
    def dispatching(*args, **kwargs):
        if BATCHING.depth:
            out = BATCHING.dispatch(dispatching, args, kwargs)
            if out is not NotImplemented:
                return out
        return fn(*args, **kwargs)
    return dispatching


def once_differentiable(fn):
    """Mark a custom backward as not differentiable again (kept for PyTorch compatibility)."""
    return fn
