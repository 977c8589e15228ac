"""``vmap``: run a function over a batch dimension by batching its operations."""

import functools

from ..tensor import Tensor
from ..ops.movement import cat
from . import _batching, _tree

__all__ = ["vmap"]


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over dim ``in_dims`` of its inputs, as ``torch.vmap``.

    Each operation runs once on the whole batch by its batch rule (no Python loop over the
    examples); an operation without one raises an error naming it. ``in_dims`` and ``out_dims``
    are an int, None (not mapped), or a tuple / dict matching the arguments or outputs; an
    output with out_dim None must be the same for every example. Random functions called inside
    raise (``randomness='error'``), draw once per example (``'different'``) or once for all
    (``'same'``). ``chunk_size`` runs the batch that many examples at a time, to bound memory.

    >>> import gradiente as gr
    >>> x = gr.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> gr.vmap(lambda row: (row * row).sum())(x)
    tensor([ 5., 25.])
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"vmap: randomness must be 'error', 'different' or 'same', got "
                         f"{randomness!r}")
    if not callable(func):
        raise TypeError(f"vmap: func must be callable, got {type(func).__name__}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size!r})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        dims = _in_dims(in_dims, args)
        leaves, spec = _tree.flatten(list(args))
        size = _batch_size(leaves, dims, in_dims)
        if chunk_size is None or chunk_size >= size:
            return _mapped(func, leaves, spec, dims, kwargs, size, out_dims, randomness)
        chunks = []
        for start in range(0, size, chunk_size):
            count = min(chunk_size, size - start)
            part = [x if d is None else x.narrow(d, start, count) for x, d in zip(leaves, dims)]
            chunks.append(_mapped(func, part, spec, dims, kwargs, count, out_dims, randomness,
                                  flat=True))
        (first, placements, out_spec) = chunks[0]
        joined = [o if d is None else cat([c[0][i] for c in chunks], d % o.ndim)
                  for i, (o, d) in enumerate(zip(first, placements))]
        return _tree.unflatten(out_spec, joined)

    return wrapped


def _mapped(func, leaves, spec, dims, kwargs, size, out_dims, randomness, flat=False):
    """``func`` run once on the batch of ``size`` examples in ``leaves``."""
    level = _batching.push(size, randomness)
    try:
        batched = [x if d is None else _batching.add_level(x, d % x.ndim, level)
                   for x, d in zip(leaves, dims)]
        out = func(*_tree.unflatten(spec, batched), **kwargs)
        out_leaves, out_spec = _tree.flatten(out)
        placements = _tree.broadcast_prefix(out_dims, out, "vmap: out_dims")
        results = []
        for i, (o, d) in enumerate(zip(out_leaves, placements)):
            if not isinstance(o, Tensor):
                raise ValueError(f"vmap: `{_name(func)}` must only return Tensors, got "
                                 f"type {type(o).__name__} at output {i}")
            if d is None:
                if level in _batching.levels_of(o):
                    raise ValueError(f"vmap: `{_name(func)}` returns a tensor that depends on "
                                     f"the mapped inputs at output {i}, but out_dims is None "
                                     f"for it: only outputs that are the same for every "
                                     f"example can have out_dim None")
                results.append(o)
            else:
                results.append(_batching.remove_level(o, d, level))
    finally:
        _batching.pop(level)
    if flat:
        return results, placements, out_spec
    return _tree.unflatten(out_spec, results)


def _name(func):
    return getattr(func, "__name__", repr(func))


def _in_dims(in_dims, args):
    if isinstance(in_dims, (tuple, list)) and len(in_dims) != len(args):
        raise ValueError(f"vmap: in_dims is a tuple of {len(in_dims)} entries but the function "
                         f"got {len(args)} positional arguments; give one entry per argument")
    if not isinstance(in_dims, (int, tuple, list, type(None))):
        raise ValueError(f"vmap: in_dims must be an int, None or a tuple, got "
                         f"{type(in_dims).__name__}")
    dims = _tree.broadcast_prefix(in_dims if isinstance(in_dims, (tuple, list)) else
                                  (in_dims,) * len(args), list(args), "vmap: in_dims")
    leaves = _tree.flatten(list(args))[0]
    for i, (x, d) in enumerate(zip(leaves, dims)):
        if d is not None and not isinstance(x, Tensor):
            raise ValueError(f"vmap: in_dim={d} given for an input of type {type(x).__name__} "
                             f"(input {i}); only Tensors can be mapped: use None for it")
        if d is not None and not (-max(x.ndim, 1) <= d < max(x.ndim, 1) and x.ndim):
            raise ValueError(f"vmap: in_dim={d} is out of bounds for input {i} of shape "
                             f"{tuple(x.shape)} ({x.ndim} dims)")
    return dims


def _batch_size(leaves, dims, in_dims):
    sizes = [x.shape[d] for x, d in zip(leaves, dims) if d is not None]
    if not sizes:
        raise ValueError(f"vmap: at least one input must be mapped over (got in_dims="
                         f"{in_dims!r} and no Tensor inputs along them)")
    if len(set(sizes)) != 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return sizes[0]
