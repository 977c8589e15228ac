"""The reverse-mode engine: sweep adjoints from the outputs back to the inputs.

Each node gets a sequence number when it is recorded, and an operation's inputs always exist
before it, so visiting the reachable nodes by decreasing number is a topological order: no
recursion, so chains of any length work. The engine, not the rules, sums each gradient back
to its input's shape (undoing broadcasting) and checks its shape and dtype, naming the
operation when a rule returns something wrong.
"""

import operator

import numpy as np

from ..tensor import Tensor
from .function import Node, raise_released, reachable, BATCHING
from .grad_mode import STATE
from . import anomaly, forward_ad

__all__ = ["backward", "grad"]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``gradiente.autograd.backward``: accumulate gradients into the leaves' ``.grad``."""
    tensors, grad_tensors = _roots(tensors, grad_tensors, "backward")
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty")
    retain_graph = create_graph if retain_graph is None else retain_graph
    _run(tensors, grad_tensors, retain_graph, create_graph, inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False, is_grads_batched=False):
    """``gradiente.autograd.grad``: the gradients of ``outputs`` with respect to ``inputs``.

    >>> import gradiente as gr
    >>> x = gr.tensor(3.0, requires_grad=True)
    >>> gr.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for i, t in enumerate(inputs):
        if not t._requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) does not require grad "
                               f"and is not part of the graph")
    outputs, grad_outputs = _roots(outputs, grad_outputs, "grad")
    retain_graph = create_graph if retain_graph is None else retain_graph
    found = _run(outputs, grad_outputs, retain_graph, create_graph, inputs, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None:
            if materialize_grads:
                g = t.detach().zeros_like_tangent()
            elif not allow_unused:
                raise RuntimeError(f"grad: one of the differentiated tensors (input {i}, shape "
                                   f"{tuple(t.shape)}) appears to not have been used in the "
                                   f"graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)


def _roots(tensors, grads, op):
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grads is None or isinstance(grads, Tensor):
        grads = [grads] * len(tensors) if grads is None else [grads]
    grads = list(grads)
    if len(grads) != len(tensors):
        raise RuntimeError(f"{op}: got {len(grads)} gradients for {len(tensors)} outputs")
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected tensors as outputs, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError(f"{op}: element {i} of tensors does not require grad and does not "
                               f"have a grad_fn")
        if g is None:
            if t.array.size != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for scalar "
                                   f"outputs; the output has shape {tuple(t.shape)}, so pass "
                                   f"gradient= (a tensor of that shape)")
            grads[i] = Tensor._make(np.ones(t.array.shape, dtype=t.array.dtype))
        else:
            if not isinstance(g, Tensor):
                from ..creation import as_tensor
                g = as_tensor(g, dtype=t.dtype)
            if tuple(g.shape) != tuple(t.shape):
                raise RuntimeError(f"{op}: mismatch in shape: gradient has shape "
                                   f"{tuple(g.shape)} but the output has shape {tuple(t.shape)}")
            grads[i] = g
    return tensors, grads


def _run(roots, root_grads, retain_graph, create_graph, inputs, accumulate):
    """The backward sweep. Returns {id(input): gradient} when ``inputs`` is given."""
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    try:
        grads = {}  # node or leaf tensor -> gradient so far
        for t, g in zip(roots, root_grads):
            key = t.grad_fn or t
            grads[key] = grads[key] + g if key in grads else g
        wanted = None if inputs is None else {id(t): t for t in inputs}
        captured = {}
        owned = {id(g.array) for g in root_grads}  # arrays that must be copied before storing
        check_anomaly = anomaly.STATE.enabled and anomaly.STATE.check_nan

        plain_sum = not (create_graph or forward_ad.STATE.level or BATCHING.depth)
        for node in _topological_order(roots):
            g = grads.pop(node, None)
            if g is None:
                continue
            if wanted is not None or node.hooks is not None or node.retained is not None:
                g = _visit(node, g, wanted, captured, accumulate, create_graph, owned)
            if node.released:
                raise_released(node)
            results = node.fn.backward(node, g)
            parents = node.parents
            if results.__class__ is not tuple:
                results = (results,)
            if len(results) != len(parents):
                raise RuntimeError(f"{node.name()}: function backward returned {len(results)} "
                                   f"gradients, expected {len(parents)} (one per input)")
            if check_anomaly:
                anomaly.check(node, results)
            for i, (parent, gi) in enumerate(zip(parents, results)):
                if parent is None or gi is None:
                    continue
                if gi.__class__ is not Tensor and not isinstance(gi, Tensor):
                    gi = Tensor._make(np.asarray(gi))
                if parent.__class__ is Node:
                    shape, dtype = parent.shape, parent.dtype
                else:
                    shape, dtype = parent.array.shape, parent.array.dtype
                array = gi.array
                # NumPy's dtypes are singletons, so `is` settles the common case cheaply
                if array.shape != shape or (array.dtype is not dtype and array.dtype != dtype):
                    gi = _validate(node, i, shape, dtype, gi)
                previous = grads.get(parent)
                if previous is None:
                    grads[parent] = gi
                elif plain_sum:
                    total = previous.array + gi.array
                    if total.__class__ is not np.ndarray:  # 0-d sums give NumPy scalars
                        total = np.asarray(total)
                    grads[parent] = Tensor._make(total)
                else:
                    grads[parent] = previous + gi  # keeps graphs, tangents and batched gradients
            if not retain_graph:
                node.release()

        for leaf, g in grads.items():  # what is left are the leaves' gradients
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g)
            if wanted is not None:
                if id(leaf) in wanted:
                    captured[id(leaf)] = g
                if not accumulate or id(leaf) not in wanted:
                    continue
            if leaf.grad is None:
                leaf.grad = _stored(g, create_graph, owned)
            elif create_graph:
                leaf.grad = leaf.grad + g
            else:
                leaf.grad.array += g.array
        return captured
    finally:
        STATE.grad_enabled = previous_mode


def _visit(node, g, wanted, captured, accumulate, create_graph, owned):
    """Hooks, retain_grad and autograd.grad's capture for the tensor ``node`` produced."""
    if node.hooks:
        g = _run_hooks(node.hooks, g)
    if node.retained is not None and accumulate:
        tensor = node.retained()
        if tensor is not None:
            tensor.grad = _stored(g, create_graph, owned)
    if wanted is not None:
        for key, t in wanted.items():
            if t.grad_fn is node:
                captured[key] = g
    return g


def _topological_order(roots):
    return sorted(reachable([t.grad_fn for t in roots]), key=_by_sequence, reverse=True)


_by_sequence = operator.attrgetter("seq")


def _validate(node, i, shape, dtype, gi):
    """Reduce a rule's gradient to its input's shape and dtype, or say which rule is wrong."""
    from ..ops.reduce import sum_to_shape

    if gi.array.shape != shape:
        try:
            gi = sum_to_shape(gi, shape)
        except ValueError:
            raise RuntimeError(f"{node.name()}: function backward returned an invalid gradient "
                               f"at index {i} - got shape {tuple(gi.shape)} but expected shape "
                               f"compatible with {tuple(shape)}") from None
    if gi.array.dtype != dtype:
        gi = gi.to(dtype)
    return gi


def _run_hooks(hooks, g):
    for hook in hooks:
        result = hook(g)
        if result is not None:
            g = result
    return g


def _stored(g, create_graph, owned):
    """The gradient to store in ``.grad``: detached, and never sharing memory with another."""
    if create_graph:
        return g
    array = g.array
    if id(array) in owned or not array.flags.owndata:
        array = array.copy()
    owned.add(id(array))
    return Tensor._make(array)
