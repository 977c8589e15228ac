"""``trace``: the evaluation trace (Wengert list) of a recorded computation.

The rows are read from the graph nodes autograd records. Each node is replayed on its own,
on fresh leaves holding its inputs' values, which gives

* its value (the forward sweep),
* its local partials ∂v_i/∂v_j (its backward rule with g = 1; scalar rows),
* its tangent v̇_i (its jvp rule on dual inputs; the forward-mode sweep),
* the contributions s_i · ∂v_i/∂v_j it sends to each input's adjoint (its backward rule with
  g = s_i), summed per consumer in the reverse sweep: the multivariate chain rule made visible.

Inputs are numbered 1−n..0 as in the lectures, operations from 1.
"""

import inspect
from dataclasses import dataclass, field

import numpy as np

from ..autograd import forward_ad
from ..autograd.engine import grad as engine_grad
from ..autograd.function import Node, reachable
from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from .layers import layer_of, record_layers

__all__ = ["Row", "Trace", "trace"]


@dataclass(eq=False)
class Row:
    """One line of the trace: ``v_index = op(operands)`` with its value and derivatives."""

    index: int
    op: str                       # "input", or the Function's name: "Log", "Mul", ...
    operands: list                # ("v", j) for an earlier row, ("c", value) for a constant
    value: np.ndarray
    name: str = None              # an input's name ("x1")
    layer: str = None             # the module that recorded it, under record_layers
    parents: tuple = ()           # the rows it reads, each once, in argument order
    partials: dict = None         # j -> ∂v_i/∂v_j (scalar rows only)
    tangent: np.ndarray = None    # v̇_i along the trace's direction
    adjoint: np.ndarray = None    # s_i = ∂y/∂v_i
    contributions: list = field(default_factory=list)  # (consumer k, ∂v_k/∂v_i, s_k·∂v_k/∂v_i)

    @property
    def is_input(self):
        return self.op == "input"

    @property
    def shape(self):
        return tuple(self.value.shape)

    @property
    def scalar(self):
        return self.value.size == 1


class Trace:
    """The rows of an evaluation trace and the renderers that print them.

    ``str(trace)`` is the terminal table; ``to_markdown``, ``to_latex``, ``to_html``,
    ``to_json`` give the other forms, each with ``lang`` ("en" or "es") and ``decimals``.
    """

    def __init__(self, rows, output, direction_name, notes, decimals=3, lang="en", title=None):
        self.rows = rows
        self.output = output
        self.direction = direction_name
        self.notes = notes
        self.decimals = decimals
        self.lang = lang
        self.title = title
        self._by_index = {row.index: row for row in rows}

    def __getitem__(self, index):
        """The row ``v_index`` (lecture numbering: inputs 1−n..0)."""
        try:
            return self._by_index[index]
        except KeyError:
            raise IndexError(f"trace: no row v_{index}; rows go from {self.rows[0].index} to "
                             f"{self.rows[-1].index}") from None

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    @property
    def inputs(self):
        return [row for row in self.rows if row.is_input]

    @property
    def operations(self):
        return [row for row in self.rows if not row.is_input]

    @property
    def value(self):
        """The output y."""
        return self[self.output].value

    @property
    def gradient(self):
        """{input name: ∂y/∂input}, the adjoints of the inputs."""
        return {row.name: row.adjoint for row in self.inputs}

    @property
    def has_tangents(self):
        return self.direction is not None and all(r.tangent is not None for r in self.rows)

    def layers(self):
        """Rows grouped by layer, in order: [(layer name or None, [rows])]."""
        groups = []
        for row in self.rows:
            if groups and groups[-1][0] == row.layer:
                groups[-1][1].append(row)
            else:
                groups.append((row.layer, [row]))
        return groups

    # ----- renderers (in render.py and graph.py) -------------------------------------------
    def _options(self, lang, decimals):
        return (self.lang if lang is None else lang,
                self.decimals if decimals is None else decimals)

    def to_text(self, lang=None, decimals=None, width=100):
        from .render import to_text
        return to_text(self, *self._options(lang, decimals), width=width)

    def to_markdown(self, lang=None, decimals=None):
        from .render import to_markdown
        return to_markdown(self, *self._options(lang, decimals))

    def to_latex(self, lang=None, decimals=None):
        from .render import to_latex
        return to_latex(self, *self._options(lang, decimals))

    def to_html(self, lang=None, decimals=None):
        from .render import to_html
        return to_html(self, *self._options(lang, decimals))

    def to_dict(self):
        from .render import to_dict
        return to_dict(self)

    def to_json(self, indent=2):
        from .render import to_json
        return to_json(self, indent=indent)

    def render(self, format="text", lang=None, decimals=None):
        """The trace in ``format``: text, markdown, latex, html or json."""
        renderers = {"text": self.to_text, "markdown": self.to_markdown, "md": self.to_markdown,
                     "latex": self.to_latex, "html": self.to_html}
        if format == "json":
            return self.to_json()
        if format not in renderers:
            raise ValueError(f"trace.render: unknown format {format!r}; expected one of "
                             f"text, markdown, latex, html, json")
        return renderers[format](lang, decimals)

    def graph(self, **options):
        from .graph import graph
        return graph(self, **options)

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return (f"<Trace: {len(self.inputs)} inputs, {len(self.operations)} operations, "
                f"y = v_{self.output}>")

    def _repr_html_(self):
        return self.to_html()

    def __rich__(self):
        from .render import rich_group
        return rich_group(self, self.lang, self.decimals)


def trace(target, *inputs, wrt=None, names=None, gradient=None, order="execution", model=None,
          decimals=3, lang="en"):
    """The evaluation trace of ``target(*inputs)``, or of an output tensor ``target``.

    ``trace(f, 2.0, 5.0)`` calls ``f`` on fresh float64 leaves (named after ``f``'s parameters);
    ``trace(y)`` reads the graph already recorded behind ``y`` (before ``y.backward()`` frees
    it), optionally ``trace(y, x1, x2)`` to number and name those leaves first. ``wrt`` picks
    the forward-mode direction: an input's name or tensor (tangent 1 there, 0 elsewhere), a
    dict {name: tangent}, None for the first input, or False for none. ``order="depth"`` lays
    rows out level by level (each operation as soon as its operands exist), as the lectures
    number them; "execution" keeps the order the operations ran in. ``gradient`` seeds the
    reverse sweep for a non-scalar output. Rows are grouped by layer when ``model`` is given,
    when ``target`` is a module, or when the graph was recorded under ``record_layers``.

    >>> import gradiente as gr
    >>> t = gr.explain.trace(lambda x1, x2: gr.log(x1) + x1 * x2 - gr.sin(x2), 2.0, 5.0)
    >>> [round(float(t[i].adjoint), 3) for i in (-1, 0)]
    [5.5, 1.716]
    """
    if order not in ("execution", "depth"):
        raise ValueError(f"trace: order must be 'execution' or 'depth', got {order!r}")
    if isinstance(target, Tensor):
        y, leaves, title = target, list(inputs), None
        for i, t in enumerate(leaves):
            if not isinstance(t, Tensor) or t.grad_fn is not None:
                raise TypeError(f"trace: after an output tensor, pass the leaf tensors to number "
                                f"first; argument {i + 1} is not a leaf tensor")
        default_names = [f"x{i + 1}" for i in range(len(leaves))]
    elif callable(target):
        y, leaves, default_names, title = _call(target, inputs, model)
    else:
        raise TypeError(f"trace: expected a tensor or a function, got {type(target).__name__}")
    if not isinstance(y, Tensor):
        raise TypeError(f"trace: the function returned {type(y).__name__}, not a tensor")
    if not y.requires_grad:
        raise RuntimeError("trace: the output does not require grad, so no graph was recorded; "
                           "make an input require grad (x.requires_grad_()) or use "
                           "trace(f, *inputs)")
    given = len(leaves)
    nodes, leaves = _collect(y, leaves, order)
    names = _names(names, default_names, leaves[given:], model if model is not None else target)
    rows, index_of = _rows(nodes, leaves, names, given)
    output = index_of[y.grad_fn if y.grad_fn is not None else id(y)]
    locals_ = _forward(nodes, rows, index_of)
    _reverse(nodes, rows, index_of, locals_, output, gradient)
    notes = []
    direction = _direction(wrt, rows, leaves)
    if direction is not None:
        _tangents(nodes, rows, index_of, direction[1], notes)
    return Trace(rows, output, None if direction is None else direction[0], notes,
                 decimals=decimals, lang=lang, title=title)


def _call(f, inputs, model):
    """Run ``f`` on fresh leaves; returns (output, leaves, names, title)."""
    leaves = []
    for value in inputs:
        if isinstance(value, Tensor):
            leaf = value.detach().clone() if value.is_floating_point() else value.double()
        else:
            from .. import dtypes
            from ..creation import tensor
            leaf = tensor(value, dtype=dtypes.float64)
        leaves.append(leaf.requires_grad_())
    if model is None and hasattr(f, "named_modules"):
        model = f
    names = _parameter_names(f, len(leaves))
    with enable_grad():
        if model is None:
            y = f(*leaves)
        else:
            with record_layers(model):
                y = f(*leaves)
    title = getattr(f, "__name__", None)
    return y, leaves, names, None if title == "<lambda>" else title


def _parameter_names(f, count):
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [p.name for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= count and not hasattr(f, "named_modules"):
        return positional[:count]
    return [f"x{i + 1}" for i in range(count)]


def _names(names, defaults, others, model):
    """Names for the given inputs, then for the other leaves (a model's parameter names)."""
    names = list(names) if names is not None else []
    count = len(defaults)
    if len(names) > count:
        raise ValueError(f"trace: {len(names)} names given for {count} inputs")
    names += defaults[len(names):]
    parameters = {}
    if hasattr(model, "named_parameters"):
        parameters = {id(p): name for name, p in model.named_parameters()}
    for leaf in others:
        names.append(parameters.get(id(leaf), f"x{len(names) + 1}"))
    if len(set(names)) != len(names):
        raise ValueError(f"trace: input names must be distinct, got {names}")
    return names


def _collect(y, given, order):
    """The nodes behind ``y`` in row order, and the leaves (given ones first)."""
    nodes = sorted(reachable([y.grad_fn]), key=lambda n: n.seq)
    for node in nodes:
        if node.inputs is None:
            raise RuntimeError(f"trace: the graph behind this tensor was freed by backward() "
                               f"(at {node.name()}); call explain.trace(y) before y.backward(), "
                               f"or use backward(retain_graph=True)")
    if order == "depth":
        depth = {}
        for node in nodes:
            depth[node] = 1 + max((depth[p] for p in node.parents if isinstance(p, Node)),
                                  default=0)
        nodes.sort(key=lambda n: (depth[n], n.seq))
    leaves = list(given)
    known = {id(t) for t in leaves}
    if y.grad_fn is None and id(y) not in known:
        leaves.append(y)
    for node in nodes:
        for p in node.parents:
            if isinstance(p, Tensor) and id(p) not in known:
                known.add(id(p))
                leaves.append(p)
    return nodes, leaves


def _rows(nodes, leaves, names, given):
    n = len(leaves)
    rows, index_of = [], {}
    for k, (leaf, name) in enumerate(zip(leaves, names)):
        index = k + 1 - n
        index_of[id(leaf)] = index
        rows.append(Row(index, "input", [], np.array(leaf.array), name=name))
    for k, node in enumerate(nodes):
        index_of[node] = k + 1
        operands, parents = [], []
        for arg, parent in zip(node.inputs, node.parents):
            if parent is not None:
                j = index_of[parent if isinstance(parent, Node) else id(parent)]
                operands.append(("v", j))
                if j not in parents:
                    parents.append(j)
            elif isinstance(arg, Tensor):
                operands.append(("c", np.array(arg.array)))
            elif isinstance(arg, (int, float, np.number)) and not isinstance(arg, bool):
                operands.append(("c", arg))
        rows.append(Row(k + 1, node.fn.__name__, operands, None, layer=layer_of(node),
                        parents=tuple(parents)))
    _assign_leaf_layers(rows, nodes, leaves, index_of, given)
    return rows, index_of


def _assign_leaf_layers(rows, nodes, leaves, index_of, given):
    """A leaf that is not a given input (a parameter) belongs to a layer when every
    operation reading it is in that layer."""
    readers = {}
    for node in nodes:
        row = rows[len(leaves) + index_of[node] - 1]
        for j in row.parents:
            readers.setdefault(j, set()).add(row.layer)
    for row in rows[given:len(leaves)]:
        layers = readers.get(row.index, set())
        if len(layers) == 1 and None not in layers:
            row.layer = layers.pop()


def _slot_index(parent, index_of):
    return index_of[parent if isinstance(parent, Node) else id(parent)]


def _forward(nodes, rows, index_of):
    """Replay each node on fresh leaves: values, local graphs, and scalar partials."""
    n_inputs = len(rows) - len(nodes)
    locals_ = []
    for node in nodes:
        row = rows[n_inputs + index_of[node] - 1]
        args, slots = [], []
        for arg, parent in zip(node.inputs, node.parents):
            if parent is None:
                args.append(arg)
                continue
            j = _slot_index(parent, index_of)
            leaf = Tensor._make(rows[n_inputs + j - 1].value.copy())
            leaf.requires_grad = True
            args.append(leaf)
            slots.append((j, leaf))
        with enable_grad():
            out = node.fn.apply(*args)
        row.value = out.array
        locals_.append((out, slots))
        if row.scalar and all(leaf.array.size == 1 for _, leaf in slots):
            ones = Tensor._make(np.ones_like(out.array))
            row.partials = _merge(slots, _local_vjp(out, slots, ones))
    return locals_


def _local_vjp(out, slots, g):
    found = engine_grad(out, [leaf for _, leaf in slots], grad_outputs=g, retain_graph=True,
                        allow_unused=True)
    return [np.zeros_like(leaf.array) if v is None else v.array
            for (_, leaf), v in zip(slots, found)]


def _merge(slots, values):
    """Sum what one operation sends to the same input through several arguments (x * x)."""
    merged = {}
    for (j, _), v in zip(slots, values):
        merged[j] = merged[j] + v if j in merged else v
    return merged


def _reverse(nodes, rows, index_of, locals_, output, gradient):
    """The reverse sweep: s_y = seed, then s_j = Σ_k s_k · ∂v_k/∂v_j over consumers k."""
    n_inputs = len(rows) - len(nodes)
    by_index = {row.index: row for row in rows}
    y = by_index[output]
    if gradient is None:
        if y.value.size != 1:
            raise RuntimeError(f"trace: the output has shape {y.shape}, so pass gradient= (the "
                               f"seed ȳ of the reverse sweep, of that shape) or reduce it first")
        seed = np.ones_like(y.value)
    else:
        seed = np.asarray(gradient.array if isinstance(gradient, Tensor) else gradient,
                          dtype=y.value.dtype)
        if seed.shape != y.value.shape:
            raise RuntimeError(f"trace: gradient has shape {seed.shape} but the output has shape "
                               f"{y.shape}")
    y.adjoint = seed
    for node, (out, slots) in zip(reversed(nodes), reversed(locals_)):
        row = rows[n_inputs + index_of[node] - 1]
        s = row.adjoint
        if s is None:
            continue
        if row.partials is not None:
            sent = {j: s * p for j, p in row.partials.items()}
        else:
            sent = _merge(slots, _local_vjp(out, slots, Tensor._make(s)))
        for j, contribution in sent.items():
            parent = by_index[j]
            contribution = np.asarray(contribution).reshape(parent.value.shape)
            partial = None if row.partials is None else row.partials[j]
            parent.contributions.append((row.index, partial, contribution))
            parent.adjoint = contribution if parent.adjoint is None \
                else parent.adjoint + contribution
    for row in rows:
        row.contributions.sort(key=lambda c: c[0])  # s_j = s_1 ∂v_1/∂v_j + s_2 ...: by consumer
        if row.adjoint is None:  # an input the output does not depend on
            row.adjoint = np.zeros_like(row.value)


def _direction(wrt, rows, leaves):
    """(name, {input index: tangent array}) for the forward-mode column, or None."""
    inputs = rows[:len(leaves)]
    if wrt is False or not inputs:
        return None
    if wrt is None:
        wrt = inputs[0].name
    if isinstance(wrt, Tensor):
        for row, leaf in zip(inputs, leaves):
            if leaf is wrt:
                wrt = row.name
                break
        else:
            raise ValueError("trace: wrt is a tensor that is not an input of this trace")
    if isinstance(wrt, str):
        wrt = {wrt: 1.0}
    if not isinstance(wrt, dict):
        raise TypeError(f"trace: wrt must be an input's name or tensor, a dict, None or False; "
                        f"got {type(wrt).__name__}")
    by_name = {row.name: row for row in inputs}
    tangents = {row.index: np.zeros_like(row.value) for row in inputs}
    for name, tangent in wrt.items():
        if name not in by_name:
            raise ValueError(f"trace: wrt names {name!r}, which is not an input; inputs are "
                             f"{list(by_name)}")
        row = by_name[name]
        tangent = tangent.array if isinstance(tangent, Tensor) else tangent
        tangents[row.index] = np.broadcast_to(np.asarray(tangent, dtype=row.value.dtype),
                                              row.value.shape).copy()
    label = ", ".join(wrt) if all(np.all(np.asarray(v) == 1) for v in wrt.values()) else "custom"
    return label, tangents


def _tangents(nodes, rows, index_of, tangents, notes):
    """The forward-mode sweep: each node's jvp rule on dual inputs, v̇_i = Σ_j ∂v_i/∂v_j v̇_j."""
    n_inputs = len(rows) - len(nodes)
    for row in rows[:n_inputs]:
        row.tangent = tangents[row.index]
    if forward_ad.STATE.level:
        notes.append("forward-mode column omitted: trace was called inside a dual_level")
        return _clear_tangents(rows)
    with no_grad(), forward_ad.dual_level():
        for node in nodes:
            row = rows[n_inputs + index_of[node] - 1]
            args = []
            for arg, parent in zip(node.inputs, node.parents):
                if parent is None:
                    args.append(arg)
                    continue
                source = rows[n_inputs + _slot_index(parent, index_of) - 1]
                primal = Tensor._make(source.value.copy())
                args.append(forward_ad.make_dual(primal, Tensor._make(source.tangent)))
            try:
                out = node.fn.apply(*args)
            except NotImplementedError:
                notes.append(f"forward-mode column omitted: {node.fn.__name__} has no jvp rule")
                return _clear_tangents(rows)
            tangent = forward_ad.unpack_dual(out).tangent
            row.tangent = np.zeros_like(row.value) if tangent is None \
                else np.array(tangent.array)


def _clear_tangents(rows):
    for row in rows:
        row.tangent = None
