"""The reverse-mode engine: sweep adjoints from the outputs back to the inputs.

Each node gets a sequence number when it is recorded, and an operation's inputs always exist
before it, so visiting the reachable nodes by decreasing number is a topological order: no
recursion, so chains of any length work. The engine, not the rules, sums each gradient back
to its input's shape (undoing broadcasting) and checks its shape and dtype, naming the
operation when a rule returns something wrong.
"""

from heapq import heappop, heappush

import numpy as np

from ..tensor import Tensor
from .function import Node, BATCHING, RULES
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
    retain_graph = create_graph if retain_graph is None else retain_graph
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    outputs, grad_outputs = _roots(outputs, grad_outputs, "grad")
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


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """``grad`` for each slice along the first dim of every grad_output, stacked: one backward
    pass per slice (PyTorch vectorizes them with vmap; the results are the same)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    sizes = {g.shape[0] if isinstance(g, Tensor) and g.ndim else None for g in grad_outputs}
    if len(sizes) != 1 or None in sizes or 0 in sizes:
        raise RuntimeError(f"grad: with is_grads_batched=True every grad_output needs the same "
                           f"leading batch dim, at least 1, got shapes "
                           f"{[tuple(getattr(g, 'shape', ())) for g in grad_outputs]}")
    (size,) = sizes
    per_slice = [grad(outputs, inputs, [g[b] for g in grad_outputs],
                      retain_graph=retain_graph or b < size - 1, create_graph=create_graph,
                      allow_unused=allow_unused, materialize_grads=materialize_grads)
                 for b in range(size)]
    from ..ops.movement import stack
    return tuple(None if column[0] is None else stack(column) for column in zip(*per_slice))


def _roots(tensors, grads, op):
    """The outputs as a list, and their gradients: given ones checked, None for an implicit 1."""
    if grads is None and isinstance(tensors, Tensor) and tensors._requires_grad \
            and tensors.array.size == 1:
        return [tensors], [None]  # loss.backward(): the common case, nothing more to check
    if isinstance(tensors, Tensor):
        tensors = [tensors]
        grads = [grads if grads is None or isinstance(grads, Tensor) else grads]
    else:
        tensors = list(tensors)
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
        else:
            if not isinstance(g, Tensor):
                from ..creation import as_tensor
                g = as_tensor(g, dtype=t.dtype)
            if g.array.shape != t.array.shape:
                raise RuntimeError(f"{op}: mismatch in shape: gradient has shape "
                                   f"{tuple(g.shape)} but the output has shape {tuple(t.shape)}")
            grads[i] = g
    return tensors, grads


def _run(roots, root_grads, retain_graph, create_graph, inputs, accumulate):
    """The backward sweep. Returns {id(input): gradient} when ``inputs`` is given.

    First-order gradients flow as plain arrays: rules written in NumPy vocabulary
    (``Function.numpy_rules``) run on them directly, the others get them wrapped in Tensors.
    With ``create_graph`` (or forward AD or vmap active) gradients are Tensors throughout, so
    the sweep itself is recorded.
    """
    previous_mode, previous_arrays = STATE.grad_enabled, RULES.on_arrays
    on_arrays = not (create_graph or forward_ad.STATE.level or BATCHING.depth)
    STATE.grad_enabled, RULES.on_arrays = create_graph, on_arrays
    try:
        grads, pending, owned = _seed(roots, root_grads, on_arrays)
        wanted = captured = None
        capturing = False
        if inputs is not None:
            wanted, captured = {id(t): t for t in inputs}, {}
            capturing = any(t.grad_fn is not None for t in inputs)
        check_anomaly = anomaly.STATE.enabled and anomaly.STATE.check_nan

        # every node that could add to a node's gradient was recorded after it, so the node
        # with the highest sequence number has its whole gradient: a topological order
        while pending:
            node = heappop(pending)[1]
            g = grads.pop(node)
            if node.hooks is not None or capturing:
                g = _visit(node, g, wanted, captured, accumulate, create_graph, owned)
            # a released node raises when its rule reads what it saved (ctx.saved_tensors)
            if on_arrays and not node.fn.numpy_rules:
                results = _tensor_rule(node, g)
            else:
                results = node.fn.backward(node, g)
            parents = node.parents
            if results.__class__ is not tuple:
                results = (results,)
            if len(results) != len(parents):
                raise RuntimeError(f"{node.name()}: function backward returned {len(results)} "
                                   f"gradients, expected {len(parents)} (one per input)")
            if check_anomaly:
                anomaly.check(node, results)
            for parent, gi in zip(parents, results):
                if parent is None or gi is None:
                    continue
                if parent.__class__ is Node:
                    shape, dtype = parent.shape, parent.dtype
                else:
                    array = parent.array
                    shape, dtype = array.shape, array.dtype
                # the common cases, checked cheaply (NumPy's dtypes are singletons): a NumPy
                # scalar for a 0-d input (what 0-d arithmetic gives) or an array of the input's
                # shape and dtype on arrays, else a Tensor; _fit does the rest
                if gi.__class__ is dtype.type:
                    if shape:
                        gi = _fit(node, results, gi, shape, dtype, on_arrays)
                else:
                    try:
                        array = gi if on_arrays else gi.array
                        if array.shape != shape or (array.dtype is not dtype
                                                    and array.dtype != dtype):
                            gi = _fit(node, results, gi, shape, dtype, on_arrays)
                    except AttributeError:  # a Python number, or a Tensor where arrays flow
                        gi = _fit(node, results, gi, shape, dtype, on_arrays)
                previous = grads.get(parent)
                if previous is None:
                    grads[parent] = gi
                    if parent.__class__ is Node:
                        heappush(pending, (-parent.seq, parent))
                else:  # Tensor sums keep graphs, tangents and batched gradients
                    grads[parent] = previous + gi
            if not retain_graph:  # free what backward saved; reading it again raises
                if node._saved is not None or node._output is not None:
                    node.released = True
                    node._saved = node._output = None
                node.inputs = None

        RULES.on_arrays = False
        for leaf, g in grads.items():  # what is left are the leaves' gradients
            if leaf._hooks or wanted is not None:
                g = _as_tensor(g)
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
                leaf.grad.array += g.array if g.__class__ is Tensor else g
        return captured
    finally:
        STATE.grad_enabled, RULES.on_arrays = previous_mode, previous_arrays


def _seed(roots, root_grads, on_arrays):
    """The sweep's start: each root's gradient (1 when implicit) under its node or leaf, the
    heap of nodes to visit, and the ids of gradients the caller owns (copied before storing)."""
    grads, pending, owned = {}, [], set()
    for t, g in zip(roots, root_grads):
        key = t.grad_fn or t
        if g is None:  # d(output)/d(output) = 1; a NumPy scalar (fast arithmetic) if 0-d
            array = t.array
            g = np.ones(array.shape, array.dtype) if array.ndim else array.dtype.type(1)
            if not on_arrays:
                g = Tensor._make(np.asarray(g))
        else:
            owned.add(id(g.array))
            if on_arrays:
                g = g.array
        if key in grads:
            grads[key] = grads[key] + g
        else:
            grads[key] = g
            if key.__class__ is Node:
                heappush(pending, (-key.seq, key))
    return grads, pending, owned


def _tensor_rule(node, g):
    """Run a rule written with Tensor operations on the array ``g``; its gradients come back as
    arrays."""
    RULES.on_arrays = False
    try:
        results = node.fn.backward(node, _as_tensor(g))
    finally:
        RULES.on_arrays = True
    if results.__class__ is not tuple:
        results = (results,)
    return tuple([r.array if isinstance(r, Tensor) else r for r in results])


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor._make(
        g if g.__class__ is np.ndarray else np.asarray(g))


def _visit(node, g, wanted, captured, accumulate, create_graph, owned):
    """Hooks, retain_grad and autograd.grad's capture for the tensor ``node`` produced."""
    on_arrays = RULES.on_arrays
    RULES.on_arrays = False
    try:
        g = _as_tensor(g)
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
    finally:
        RULES.on_arrays = on_arrays
    return g.array if on_arrays else g


def _fit(node, results, gi, shape, dtype, on_arrays):
    """A rule's gradient as what flows on (an array on arrays, else a Tensor), summed back
    over the dims broadcasting added and cast to its input's dtype; a shape that does not
    broadcast to the input's means the rule is wrong."""
    from ..ops.reduce import sum_to_shape, sum_to_shape_array

    returned = gi

    def position():  # identity, not ==, which compares values
        return next(i for i, r in enumerate(results) if r is returned)

    if on_arrays:
        if isinstance(gi, Tensor):
            raise TypeError(f"{node.name()}: its backward is declared numpy_rules but returned "
                            f"a Tensor at index {position()} when given arrays")
        if not isinstance(gi, (np.ndarray, np.generic)):
            gi = np.asarray(gi)
    elif not isinstance(gi, Tensor):
        gi = Tensor._make(np.asarray(gi))
    have = gi.shape if on_arrays else gi.array.shape
    if have != shape:
        try:
            gi = sum_to_shape_array(gi, shape) if on_arrays else sum_to_shape(gi, shape)
        except ValueError:
            raise RuntimeError(f"{node.name()}: function backward returned an invalid gradient "
                               f"at index {position()} - got shape {tuple(have)} but expected "
                               f"shape compatible with {tuple(shape)}") from None
    if on_arrays:
        return gi.astype(dtype) if gi.dtype != dtype else gi
    return gi.to(dtype) if gi.array.dtype != dtype else gi


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
    if isinstance(g, np.generic):  # from 0-d arithmetic: a new array
        return Tensor._make(np.asarray(g))
    return Tensor._make(_owned_copy(g.array if isinstance(g, Tensor) else g, owned))


def _owned_copy(array, owned):
    """``array`` as an ndarray of its own: copied if something else holds or views it."""
    if array.base is not None or id(array) in owned:
        array = array.copy()
    owned.add(id(array))
    return array
