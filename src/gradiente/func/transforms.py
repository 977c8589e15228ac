"""Function transforms as ``torch.func`` / JAX: grad, vjp, jvp, jacrev, jacfwd, hessian, ...

Reverse transforms differentiate a fresh view of each input with the reverse-mode engine;
forward transforms open a dual level. Both compose with each other and with ``vmap``
(``vmap(grad(f))`` gives per-example gradients): under vmap the differentiated inputs are
batched at every open vmap level, so each example's gradient is computed on its own.
"""

import functools

import numpy as np

from ..tensor import Tensor
from ..autograd import forward_ad
from ..autograd.engine import grad as autograd_grad
from ..autograd.function import Node, reachable
from ..autograd.grad_mode import STATE as GRAD_MODE, enable_grad
from . import _batching, _tree
from .vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize",
           "functional_call"]


# ----- helpers --------------------------------------------------------------------------------

def _check_tensors(op, leaves, what):
    for i, x in enumerate(leaves):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected {what} to be Tensors, got {type(x).__name__} at "
                            f"position {i}")


def _argnums(op, argnums, nargs):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or not all(isinstance(n, int) for n in nums):
        raise TypeError(f"{op}: argnums must be an int or a non-empty tuple of ints, got "
                        f"{argnums!r}")
    for n in nums:
        if not -nargs <= n < nargs:
            raise RuntimeError(f"{op}: Got argnums={argnums} but only {nargs} positional "
                               f"inputs")
    return tuple(n % nargs for n in nums)


def _partial(func, args, kwargs, nums):
    """``func`` as a function of the arguments ``nums`` only."""
    def partial(*diff):
        full = list(args)
        for n, value in zip(nums, diff):
            full[n] = value
        return func(*full, **kwargs)
    return partial


def _split_aux(op, result, has_aux):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{op}: with has_aux=True, func must return a (output, aux) tuple, "
                           f"got {type(result).__name__}")
    return result


def _zeros_like(t):
    return Tensor._make(np.zeros(tuple(t.shape), dtype=t.array.dtype))


def _detached(t):
    """``t`` outside this transform's graph; its tangents of open dual levels are kept."""
    return _batching.wrap(forward_ad.alias(_batching.physical(t), graph=False),
                          _batching.levels_of(t))


def _track(t, levels):
    """(what ``func`` sees, the plain tensor differentiated): a fresh view of ``t``, batched at
    every open vmap level so each example's gradient is its own."""
    if levels:
        t = _batching.materialize(t, _batching.merge(_batching.levels_of(t), levels))
    tracked = forward_ad.alias(_batching.physical(t))
    if not tracked._requires_grad:
        tracked.requires_grad_()
    return _batching.wrap(tracked, levels), tracked


def _reaches_outside(roots, tracked):
    """Whether the graph of ``roots`` reaches tensors requiring grad other than ``tracked``:
    then an outer transform (or a later backward) differentiates the result again."""
    inside = {id(t) for t in tracked}
    return any(parent is not None and parent.__class__ is not Node and id(parent) not in inside
               for node in reachable([r.grad_fn for r in roots]) for parent in node.parents)


# ----- reverse mode ---------------------------------------------------------------------------

def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)`` (and aux): ``vjp_fn(cotangents)`` returns uᵀJ per primal.

    >>> import gradiente as gr
    >>> out, vjp_fn = gr.func.vjp(gr.sin, gr.tensor([0.0, 1.0]))
    >>> vjp_fn(gr.ones(2))
    (tensor([1.0000, 0.5403]),)
    """
    out, vjp_fn, aux = _vjp("vjp", func, primals, has_aux)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _vjp(op, func, primals, has_aux):
    leaves, spec = _tree.flatten(tuple(primals))
    _check_tensors(op, leaves, "primals")
    levels = tuple(_batching.ACTIVE)
    outer_mode = GRAD_MODE.grad_enabled
    with enable_grad():
        pairs = [_track(x, levels) for x in leaves]
        tracked = [t for _, t in pairs]
        result = func(*_tree.unflatten(spec, [inner for inner, _ in pairs]))
        out, aux = _split_aux(op, result, has_aux)
        out_leaves, out_spec = _tree.flatten(out)
        _check_tensors(op, out_leaves, "the outputs of func")
        roots = [_batching.physical(_batching.materialize(o, levels)) if levels else o
                 for o in out_leaves]
    outer = outer_mode and _reaches_outside(roots, tracked)
    if not outer:
        out = _tree.unflatten(out_spec, [_detached(o) for o in out_leaves])

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        ct_leaves, ct_spec = _tree.flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(f"{op}: expected the cotangents to have the structure of the "
                               f"outputs ({len(out_leaves)} tensor(s)), got {len(ct_leaves)}")
        _check_tensors(op, ct_leaves, "cotangents")
        lowered = []
        for i, (o, c) in enumerate(zip(out_leaves, ct_leaves)):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"{op}: cotangent {i} has shape {tuple(c.shape)} but the "
                                   f"output has shape {tuple(o.shape)}")
            if levels:
                c = _batching.lower(_batching.materialize(
                    c, _batching.merge(_batching.levels_of(c), levels)), levels)
            lowered.append(c)
        used = [(r, c) for r, c in zip(roots, lowered) if r._requires_grad]
        create = outer or any(c._requires_grad for c in lowered) if create_graph is None \
            else create_graph
        grads = [None] * len(tracked)
        if used:
            grads = autograd_grad([r for r, _ in used], tracked, [c for _, c in used],
                                  retain_graph=retain_graph, create_graph=create,
                                  allow_unused=True)
        results = [_zeros_like(x) if g is None else _batching.lift(g, levels) if levels else g
                   for x, g in zip(leaves, grads)]
        return _tree.unflatten(spec, results)

    return out, vjp_fn, aux


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning ``(grad, value)`` of scalar ``func`` (``(grad, (value, aux))``)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums("grad", argnums, len(args))
        partial = _partial(func, args, kwargs, nums)
        out, vjp_fn, aux = _vjp("grad", partial, tuple(args[n] for n in nums), has_aux)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"grad: Expected f(*args) to return a Tensor, got "
                               f"{type(out).__name__}")
        if out.numel() != 1 or out.ndim:
            raise RuntimeError(f"grad: Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.ndim} dims (shape {tuple(out.shape)}). Maybe you "
                               f"wanted to use the vjp or jacrev APIs instead?")
        grads = vjp_fn(Tensor._make(np.ones((), dtype=out.array.dtype)))
        g = grads[0] if isinstance(argnums, int) else grads
        return (g, (out, aux)) if has_aux else (g, out)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of scalar ``func`` with respect to its argument(s) ``argnums``.

    >>> import gradiente as gr
    >>> gr.func.grad(lambda x: (x ** 3).sum())(gr.tensor([1.0, 2.0]))
    tensor([ 3., 12.])
    """
    with_value = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = with_value(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


# ----- forward mode ---------------------------------------------------------------------------

def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J·tangents)`` (and aux) by forward mode.

    >>> import gradiente as gr
    >>> gr.func.jvp(gr.exp, (gr.tensor(0.0),), (gr.tensor(2.0),))
    (tensor(1.), tensor(2.))
    """
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"jvp: Expected {name} to be a tuple. E.g. it should be valid to "
                            f"call f(*{name}).")
    p_leaves, p_spec = _tree.flatten(tuple(primals))
    t_leaves, t_spec = _tree.flatten(tuple(tangents))
    if p_spec != t_spec:
        raise RuntimeError("jvp: Expected primals and tangents to have the same python "
                           "structure")
    _check_tensors("jvp", p_leaves, "primals")
    _check_tensors("jvp", t_leaves, "tangents")
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp: tangent {i} has shape {tuple(t.shape)} but its primal "
                               f"has shape {tuple(p.shape)}")
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(p_leaves, t_leaves)]
        out, aux = _split_aux("jvp", func(*_tree.unflatten(p_spec, duals)), has_aux)
        out_leaves, out_spec = _tree.flatten(out)
        _check_tensors("jvp", out_leaves, "the outputs of func")
        unpacked = [forward_ad.unpack_dual(o) for o in out_leaves]
    primals_out = _tree.unflatten(out_spec, [p for p, _ in unpacked])
    tangents_out = _tree.unflatten(out_spec, [_zeros_like(p) if t is None else t
                                              for p, t in unpacked])
    return (primals_out, tangents_out, aux) if has_aux else (primals_out, tangents_out)


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)`` with ``jvp_fn(*tangents)`` = J·tangents at ``primals``.

    Each call of ``jvp_fn`` runs forward mode again (no traced linear program is cached).
    """
    out = func(*primals)

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]
    return out, jvp_fn


# ----- Jacobians ------------------------------------------------------------------------------

def _basis(tensors, total, dtype_of):
    """Per tensor, the rows of the identity (total × total) that belong to it, shaped
    (total, *tensor.shape)."""
    blocks, start = [], 0
    for t in tensors:
        n = t.numel()
        block = np.zeros((total, n), dtype=dtype_of(t))
        block[start:start + n] = np.eye(n, dtype=block.dtype)
        blocks.append(Tensor._make(block.reshape((total,) + tuple(t.shape))))
        start += n
    return blocks


def _rows(t, tensors, j):
    """The rows of ``t`` (stacked along dim 0) that belong to ``tensors[j]``."""
    if len(tensors) == 1:
        return t
    start = sum(x.numel() for x in tensors[:j])
    return t[start:start + tensors[j].numel()]


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """The Jacobian of ``func`` by reverse mode: one vjp per output element, batched by vmap.

    The Jacobian of an output of shape S with respect to an input of shape T has shape S + T.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums("jacrev", argnums, len(args))
        partial = _partial(func, args, kwargs, nums)
        diff = tuple(args[n] for n in nums)
        out, vjp_fn, aux = _vjp("jacrev", partial, diff, has_aux)
        out_leaves, out_spec = _tree.flatten(out)
        total = sum(o.numel() for o in out_leaves)
        basis = _basis(out_leaves, total, lambda o: o.array.dtype)
        rows = vmap(lambda *cts: vjp_fn(_tree.unflatten(out_spec, cts)))(*basis)
        row_leaves, row_spec = _tree.flatten(rows)
        in_leaves = _tree.flatten(diff)[0]
        per_output = []
        for i, o in enumerate(out_leaves):
            blocks = [_rows(r, out_leaves, i).reshape(tuple(o.shape) + tuple(x.shape))
                      for r, x in zip(row_leaves, in_leaves)]
            tree = _tree.unflatten(row_spec, blocks)
            per_output.append(tree[0] if isinstance(argnums, int) else tree)
        jac = _tree.unflatten(out_spec, per_output)
        return (jac, aux) if has_aux else jac
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` by forward mode: one jvp per input element, batched by vmap.

    The Jacobian of an output of shape S with respect to an input of shape T has shape S + T.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums("jacfwd", argnums, len(args))
        partial = _partial(func, args, kwargs, nums)
        diff = tuple(args[n] for n in nums)
        in_leaves, in_spec = _tree.flatten(diff)
        _check_tensors("jacfwd", in_leaves, "the differentiated inputs")
        total = sum(x.numel() for x in in_leaves)
        basis = _basis(in_leaves, total, lambda x: x.array.dtype)

        def push_forward(*tangent_leaves):
            result = jvp(partial, diff, _tree.unflatten(in_spec, tangent_leaves),
                         has_aux=has_aux)
            return (result[1], result[2]) if has_aux else result[1]

        pushed = vmap(push_forward, randomness=randomness)(*basis)
        tangents, aux = pushed if has_aux else (pushed, None)
        out_leaves, out_spec = _tree.flatten(tangents)
        per_output = []
        for t in out_leaves:
            shape = tuple(t.shape[1:])
            blocks = [_rows(t, in_leaves, j).movedim(0, -1).reshape(shape + tuple(x.shape))
                      for j, x in enumerate(in_leaves)]
            tree = _tree.unflatten(in_spec, blocks)
            per_output.append(tree[0] if isinstance(argnums, int) else tree)
        jac = _tree.unflatten(out_spec, per_output)
        if has_aux:  # aux was computed from the (unchanged) primals: every row is the same
            aux_leaves, aux_spec = _tree.flatten(aux)
            return jac, _tree.unflatten(aux_spec, [a[0] for a in aux_leaves])
        return jac
    return wrapper


def hessian(func, argnums=0):
    """The Hessian of scalar ``func``: ``jacfwd(jacrev(func))`` (forward over reverse)."""
    return jacfwd(jacrev(func, argnums=argnums), argnums=argnums)


# ----- modules --------------------------------------------------------------------------------

def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call ``module`` with its parameters and buffers replaced by the given tensors.

    >>> import gradiente as gr
    >>> layer = gr.nn.Linear(2, 1)
    >>> params = {"weight": gr.ones(1, 2), "bias": gr.zeros(1)}
    >>> gr.func.functional_call(layer, params, (gr.tensor([[1.0, 2.0]]),))
    tensor([[3.]])
    """
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        dicts = (dicts,)
    replacements = {}
    for d in dicts:
        for name, value in d.items():
            if name in replacements:
                raise ValueError(f"functional_call: {name!r} appeared in multiple dictionaries")
            replacements[name] = value
    known = dict(module.named_parameters(remove_duplicate=False))
    known.update(dict(module.named_buffers(remove_duplicate=False)))
    if strict:
        missing = sorted(set(known) - set(replacements))
        unexpected = sorted(set(replacements) - set(known))
        if missing or unexpected:
            raise RuntimeError(f"functional_call: Error(s) in reparametrizing for "
                               f"{type(module).__name__}: missing keys {missing}, unexpected "
                               f"keys {unexpected}")
    if tie_weights:  # a tensor shared under several names is replaced under all of them
        by_identity = {id(known[n]): v for n, v in replacements.items() if n in known}
        for name, value in known.items():
            if name not in replacements and id(value) in by_identity:
                replacements[name] = by_identity[id(value)]
    saved = []
    try:
        for name, value in replacements.items():
            owner_name, _, attr = name.rpartition(".")
            owner = module.get_submodule(owner_name) if owner_name else module
            store = owner._parameters if attr in owner._parameters else \
                owner._buffers if attr in owner._buffers else None
            if store is None:
                raise AttributeError(f"functional_call: {type(module).__name__} has no "
                                     f"parameter or buffer named {name!r}")
            saved.append((store, attr, store[attr]))
            store[attr] = value
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for store, attr, value in reversed(saved):
            store[attr] = value
