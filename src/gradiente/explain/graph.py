"""``graph``: the computational graph of a trace as Graphviz DOT, rendered when ``dot`` exists.

The DOT text is written here (no Python graphviz package needed). Each node shows its row
(``v_2 = v_{-1} · v_0``), its value and its gradient (the adjoint s_i); each edge j → i carries
the local derivative ∂v_i/∂v_j when both ends are scalars. With ``collapse=True`` the rows of
one layer become a single node.
"""

import shutil
import subprocess
from pathlib import Path

from . import format as fmt
from .trace import Trace
from .trace import trace as make_trace

__all__ = ["Graph", "GraphvizNotFound", "graph"]

INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
                "graphviz; conda: conda install graphviz)")


class GraphvizNotFound(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program and it is not on PATH."""


class Graph:
    """A computational graph: ``source`` is its DOT text; ``render`` draws it with ``dot``."""

    def __init__(self, source):
        self.source = source

    def __str__(self):
        return self.source

    def __repr__(self):
        lines = self.source.count("\n")
        return f"<Graph: {lines} lines of DOT; .source, .render(path), .svg()>"

    def pipe(self, format="svg"):
        """The rendered bytes in ``format`` (svg, png, pdf, ...), via Graphviz's ``dot``."""
        if format == "dot":
            return self.source.encode()
        executable = shutil.which("dot")
        if executable is None:
            raise GraphvizNotFound(f"graph: rendering to {format} needs Graphviz's `dot` program, "
                                   f"which is not on PATH; {INSTALL_HINT}. The DOT text is in "
                                   f"graph.source (or save it with render('graph.dot')).")
        result = subprocess.run([executable, f"-T{format}"], input=self.source.encode(),
                                capture_output=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"graph: dot -T{format} failed: "
                               f"{result.stderr.decode(errors='replace').strip()}")
        return result.stdout

    def svg(self):
        return self.pipe("svg").decode()

    def render(self, path, format=None):
        """Write the graph to ``path``; the format is its suffix (.dot, .svg, .png, .pdf)."""
        path = Path(path)
        format = format or path.suffix.lstrip(".").lower() or "svg"
        if format == "gv":
            format = "dot"
        path.write_bytes(self.pipe(format))
        return path

    save = render

    def _repr_svg_(self):
        return self.svg() if shutil.which("dot") else None


def graph(target, *inputs, collapse=False, lang="en", decimals=3, rankdir="TB", **options):
    """The computational graph of a ``Trace``, of an output tensor, or of ``f(*inputs)``.

    ``options`` go to ``trace`` (``wrt``, ``names``, ``model``, ``order``, ...).

    >>> import gradiente as gr
    >>> from gradiente import explain
    >>> x = gr.tensor(3.0, requires_grad=True)
    >>> print(explain.graph(x * x).source.splitlines()[0])
    digraph gradiente {
    """
    if isinstance(target, Trace):
        if inputs or options:
            raise TypeError("graph: a Trace takes no inputs or trace options")
        t = target
    else:
        options.setdefault("wrt", False)
        t = make_trace(target, *inputs, **options)
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"graph: rankdir must be TB, LR, BT or RL, got {rankdir!r}")
    return Graph(_dot(t, collapse, fmt.labels(lang), decimals, rankdir))


def _node_id(index):
    return f"v{index}" if index >= 0 else f"v_m{-index}"


def _quote(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _row_label(row, words, decimals):
    right = row.name if row.is_input else fmt.formula(row.op, row.operands, decimals=decimals)
    lines = [f"{fmt.var(row.index)} = {right}"]
    if not row.scalar:
        lines.append(f"{words['shape']} {tuple(row.shape)}")
    lines.append(f"{words['value']} {fmt.summary(row.value, decimals)}")
    if row.adjoint is not None:
        lines.append(f"{words['grad']} {fmt.summary(row.adjoint, decimals)}")
    return "\n".join(lines)


def _dot(t, collapse, words, decimals, rankdir):
    lines = ["digraph gradiente {", f"  rankdir={rankdir};",
             '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=10];']
    group_of = {}
    if collapse:
        lines += _layer_nodes(t, words, decimals, group_of)
    clusters = {}
    for row in t.rows:
        if row.index in group_of:
            continue
        shape = "ellipse" if row.is_input else "box"
        style = ', style="rounded,bold"' if row.index == t.output else \
            (', style=rounded' if not row.is_input else "")
        statement = (f"  {_node_id(row.index)} [shape={shape}{style}, "
                     f"label={_quote(_row_label(row, words, decimals))}];")
        if row.layer and not collapse:
            clusters.setdefault(row.layer, []).append(statement)
        else:
            lines.append(statement)
    for k, (layer, statements) in enumerate(clusters.items()):
        lines += [f"  subgraph cluster_{k} {{", f"    label={_quote(layer)};",
                  '    style=dashed;']
        lines += ["  " + s for s in statements]
        lines.append("  }")
    lines += _edges(t, group_of, decimals)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layer_nodes(t, words, decimals, group_of):
    """One node per layer: its name, and the value and gradient of its last operation."""
    members = {}
    for row in t.operations + t.inputs:  # layers in the order they ran
        if row.layer is not None:
            members.setdefault(row.layer, []).append(row)
    lines = []
    for k, (layer, rows) in enumerate(members.items()):
        node = f"layer{k}"
        for row in rows:
            group_of[row.index] = node
        last = [row for row in rows if not row.is_input][-1:] or rows[-1:]
        last = last[0]
        label = [layer, f"{words['shape']} {tuple(last.shape)}",
                 f"{words['value']} {fmt.summary(last.value, decimals)}"]
        if last.adjoint is not None:
            label.append(f"{words['grad']} {fmt.summary(last.adjoint, decimals)}")
        lines.append(f"  {node} [shape=box3d, label={_quote(chr(10).join(label))}];")
    return lines


def _edges(t, group_of, decimals):
    lines, seen = [], set()
    for row in t.operations:
        target = group_of.get(row.index, _node_id(row.index))
        for j in row.parents:
            source = group_of.get(j, _node_id(j))
            if source == target or (source, target) in seen:
                continue
            seen.add((source, target))
            attributes = ""
            if row.partials is not None and row.index not in group_of and j not in group_of:
                attributes = f" [label={_quote(fmt.number(row.partials[j], decimals))}]"
            lines.append(f"  {source} -> {target}{attributes};")
    return lines
