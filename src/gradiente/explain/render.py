"""Renderers of a ``Trace``: terminal (rich), Markdown, LaTeX, HTML and JSON.

Every renderer but JSON prints the same sections, built once by ``sections``: the forward
evaluation (v_i = formula = numbers), the forward-mode tangents (v̇_i = Σ_j ∂v_i/∂v_j · v̇_j),
the reverse sweep (s_j = Σ_k s_k · ∂v_k/∂v_j, the sum over consumers) and the gradient.
"""

import html
import io
import json
import re
from dataclasses import dataclass

import numpy as np

from . import format as fmt

__all__ = ["sections", "to_dict", "to_html", "to_json", "to_latex", "to_markdown", "to_text"]


@dataclass
class Section:
    title: str
    header: list
    rows: list         # lists of cells (strings)
    equations: list    # (left, right) pairs for LaTeX's aligned block


class _Symbols:
    """The notation in plain text or LaTeX."""

    def __init__(self, latex, decimals, rows):
        self.latex, self.decimals = latex, decimals
        self.times = " \\cdot " if latex else "·"
        # what a numeric formula shows for v_j: its value when scalar, else its name
        self._shown = {row.index: self.value(row.value) if row.scalar else self.v(row.index)
                       for row in rows}

    def v(self, i):
        return fmt.var(i, self.latex)

    def dot(self, i):
        return f"\\dot{{v}}_{{{i}}}" if self.latex else fmt.var(i, symbol="v̇")

    def s(self, i):
        return fmt.var(i, self.latex, symbol="s")

    def partial(self, i, j):
        if self.latex:
            return f"\\frac{{\\partial {self.v(i)}}}{{\\partial {self.v(j)}}}"
        return f"∂{self.v(i)}/∂{self.v(j)}"

    def name(self, name, dot=False):
        """An input's name (x1 -> x_{1} in LaTeX); ``dot`` gives its tangent (ẋ1)."""
        if not self.latex:
            if not dot:
                return name
            return name[0] + "\u0307" + name[1:] if name[0].isalpha() else f"d({name})"
        match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
        if match:
            stem, index = match.group(1), f"_{{{match.group(2)}}}"
        else:
            stem, index = f"\\mathrm{{{_latex_escape(name)}}}", ""
        return f"\\dot{{{stem}}}{index}" if dot else f"{stem}{index}"

    def num(self, value):
        return fmt.number(value, self.decimals)

    def value(self, array):
        array = np.asarray(array)
        if array.size == 1 and array.ndim == 0:
            return self.num(array)
        text = fmt.summary(array, self.decimals)
        if self.latex:
            text = text.replace("‖·‖", "\\lVert\\cdot\\rVert").replace("×", "\\times ")
            text = re.sub(r"(\S+): ", r"\1:\\ ", text).replace(" min", ",\\ \\min").replace(
                " max", ",\\ \\max")
        return text

    def factor(self, value):
        """A number as a factor of a product: negative ones in parentheses."""
        text = self.value(value)
        return f"({text})" if text.startswith("-") else text

    def formula(self, row, numeric=False):
        show = self._shown.__getitem__ if numeric else None
        return fmt.formula(row.op, row.operands, latex=self.latex, show=show,
                           decimals=self.decimals)


def sections(trace, lang, decimals, latex=False):
    """The trace's sections with cells in plain text or LaTeX."""
    words = fmt.labels(lang)
    sym = _Symbols(latex, decimals, trace.rows)
    grouped = any(row.layer for row in trace.rows)
    result = [_forward_section(trace, words, sym, grouped)]
    if trace.has_tangents:
        result.append(_tangent_section(trace, words, sym, grouped))
    result.append(_reverse_section(trace, words, sym, grouped))
    result.append(_gradient_section(trace, words, sym))
    return result


def _with_layer(cells, row, grouped):
    return cells + [row.layer or ""] if grouped else cells


def _forward_section(trace, words, sym, grouped):
    header = [words["index"], words["formula"], words["value"], words["partials"]]
    rows, equations = [], []
    for row in trace.rows:
        left = sym.v(row.index)
        if row.is_input:
            right = sym.name(row.name)
            numbers = sym.value(row.value)
            partials = ""
        else:
            right = sym.formula(row)
            numbers = sym.value(row.value)
            if row.scalar:
                numeric = sym.formula(row, numeric=True)
                if numeric != numbers:
                    numbers = f"{numeric} = {numbers}"
            partials = ", ".join(f"{sym.partial(row.index, j)} = {sym.value(p)}"
                                 for j, p in (row.partials or {}).items())
        rows.append(_with_layer([str(row.index), f"{left} = {right}", numbers, partials],
                                row, grouped))
        equations.append((left, f"{right} = {numbers}"))
    y = trace[trace.output]
    rows.append(_with_layer(["", f"y = {sym.v(trace.output)}", sym.value(y.value), ""], y,
                            grouped))
    equations.append(("y", f"{sym.v(trace.output)} = {sym.value(y.value)}"))
    return Section(words["forward"], _with_header(header, words, grouped), rows, equations)


def _with_header(header, words, grouped):
    return header + [words["layer"]] if grouped else header


def _tangent_section(trace, words, sym, grouped):
    direction = trace.direction
    title = f"{words['tangent']} ({words['direction']}: {direction})"
    header = [words["index"], words["formula"], words["value"], words["tangent_col"]]
    rows, equations = [], []
    tangents = {row.index: row.tangent for row in trace.rows}
    for row in trace.rows:
        left = sym.dot(row.index)
        if row.is_input:
            right = sym.name(row.name, dot=True)
            numbers = ""
        else:
            terms = [f"{sym.partial(row.index, j)}{sym.times}{sym.dot(j)}" for j in row.parents]
            right = " + ".join(terms)
            numbers = ""
            if row.partials is not None:
                numbers = " + ".join(f"{sym.factor(row.partials[j])}{sym.times}"
                                     f"{sym.factor(tangents[j])}" for j in row.parents)
        value = sym.value(row.tangent)
        rows.append(_with_layer([str(row.index), f"{left} = {right}", numbers, value], row,
                                grouped))
        equations.append((left, " = ".join(p for p in (right, numbers, value) if p)))
    y = trace[trace.output]
    rows.append(_with_layer(["", f"ẏ = {sym.dot(trace.output)}" if not sym.latex
                             else f"\\dot{{y}} = {sym.dot(trace.output)}", "",
                             sym.value(y.tangent)], y, grouped))
    equations.append(("\\dot{y}" if sym.latex else "ẏ",
                      f"{sym.dot(trace.output)} = {sym.value(y.tangent)}"))
    return Section(title, _with_header(header, words, grouped), rows, equations)


def _reverse_section(trace, words, sym, grouped):
    title = f"{words['reverse']} ({words['adjoint']} s_i = ∂y/∂v_i)" if not sym.latex \
        else f"{words['reverse']} ({words['adjoint']} $s_i = \\partial y / \\partial v_i$)"
    header = [words["index"], words["sum"], words["value"], words["adjoint"]]
    rows, equations = [], []
    for row in reversed(trace.rows):
        left = sym.s(row.index)
        if row.index == trace.output:
            right = f"{words['seed']}" if not sym.latex else f"\\text{{{words['seed']}}}"
            numbers = ""
        elif not row.contributions:
            right, numbers = "0", ""
        else:
            right = " + ".join(f"{sym.s(k)}{sym.times}{sym.partial(k, row.index)}"
                               for k, _, _ in row.contributions)
            numbers = ""
            if all(p is not None for _, p, _ in row.contributions):
                numbers = " + ".join(
                    f"{sym.factor(trace[k].adjoint)}{sym.times}{sym.factor(p)}"
                    for k, p, _ in row.contributions)
        value = sym.value(row.adjoint)
        rows.append(_with_layer([str(row.index), f"{left} = {right}", numbers, value], row,
                                grouped))
        equations.append((left, " = ".join(p for p in (right, numbers, value) if p)))
    return Section(title, _with_header(header, words, grouped), rows, equations)


def _gradient_section(trace, words, sym):
    rows, equations = [], []
    for row in trace.inputs:
        name = sym.name(row.name)
        left = f"\\frac{{\\partial y}}{{\\partial {name}}}" if sym.latex else f"∂y/∂{name}"
        rows.append([name, f"{left} = {sym.s(row.index)}", sym.value(row.adjoint)])
        equations.append((left, f"{sym.s(row.index)} = {sym.value(row.adjoint)}"))
    header = [words["input"], words["formula"], words["value"]]
    return Section(words["gradient"], header, rows, equations)


def _heading(trace, words):
    return f"{words['title']}: {trace.title}" if trace.title else words["title"]


# ----- Markdown ---------------------------------------------------------------------------------

def to_markdown(trace, lang="en", decimals=3):
    words = fmt.labels(lang)
    return markdown(_heading(trace, words), sections(trace, lang, decimals), trace.notes, words)


def markdown(heading, parts, notes, words):
    """Sections as Markdown: a heading, then one pipe table per section, then the notes."""
    lines = [f"## {heading}", ""]
    for section in parts:
        lines += [f"### {section.title}", "", _md_row(section.header),
                  "|" + "|".join(" --- " for _ in section.header) + "|"]
        lines += [_md_row(cells) for cells in section.rows]
        lines.append("")
    lines += _notes(notes, words, "- ")
    return "\n".join(lines).rstrip() + "\n"


def _md_row(cells):
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _notes(notes, words, bullet):
    if not notes:
        return []
    return [f"{words['notes']}:"] + [f"{bullet}{note}" for note in notes] + [""]


# ----- terminal (rich) --------------------------------------------------------------------------

def rich_group(trace, lang="en", decimals=3):
    """The trace as rich renderables (tables), for ``rich.print(trace)``."""
    words = fmt.labels(lang)
    return rich_sections(_heading(trace, words), sections(trace, lang, decimals), trace.notes,
                         words)


def rich_sections(heading, parts, notes, words):
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    renderables = [Text(heading, style="bold")]
    for section in parts:
        table = Table(title=section.title, box=box.SIMPLE_HEAD, title_justify="left",
                      title_style="bold")
        for k, column in enumerate(section.header):
            table.add_column(column, justify="right" if k == 0 else "left")
        for cells in section.rows:
            table.add_row(*cells)
        renderables.append(table)
    renderables += [Text(line) for line in _notes(notes, words, "  - ")]
    return Group(*renderables)


def to_text(trace, lang="en", decimals=3, width=100):
    """The terminal tables as plain text (Markdown tables when rich is not installed)."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return to_markdown(trace, lang, decimals)
    return plain_text(rich_group(trace, lang, decimals), width)


def plain_text(renderable, width=100):
    """What rich prints for ``renderable``, without colours, as a string."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      legacy_windows=False, emoji=False, highlight=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


# ----- LaTeX ------------------------------------------------------------------------------------

def _latex_escape(text):
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def to_latex(trace, lang="en", decimals=3):
    """booktabs tables and an aligned block of equations per section."""
    words = fmt.labels(lang)
    lines = [f"% {_heading(trace, words)} (gradiente.explain)",
             "% needs \\usepackage{booktabs} and \\usepackage{amsmath}"]
    for section in sections(trace, lang, decimals, latex=True):
        title = section.title if "$" in section.title else _latex_escape(section.title)
        columns = "r" + "l" * (len(section.header) - 1)
        lines += ["", f"\\paragraph{{{title}}}", "",
                  f"\\begin{{tabular}}{{{columns}}}", "\\toprule",
                  " & ".join(_latex_escape(h) for h in section.header) + " \\\\", "\\midrule"]
        for cells in section.rows:
            lines.append(" & ".join(_latex_cell(c, k) for k, c in enumerate(cells)) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}", "", "\\begin{align*}"]
        lines += [f"  {left} &= {right} \\\\" for left, right in section.equations[:-1]]
        left, right = section.equations[-1]
        lines += [f"  {left} &= {right}", "\\end{align*}"]
    for note in trace.notes:
        lines.append(f"% {words['notes']}: {note}")
    return "\n".join(lines) + "\n"


def _latex_cell(cell, k):
    if not cell or (k == 0 and re.fullmatch(r"-?\d+", cell)):
        return cell
    return f"${cell}$"


# ----- HTML -------------------------------------------------------------------------------------

def to_html(trace, lang="en", decimals=3):
    """A self-contained fragment: Jupyter shows it through ``Trace._repr_html_``."""
    words = fmt.labels(lang)
    return html_sections(_heading(trace, words), sections(trace, lang, decimals), trace.notes,
                         words)


def html_sections(heading, parts, notes, words, css_class="gradiente-trace"):
    out = [f'<div class="{css_class}">', f"<h3>{html.escape(heading)}</h3>"]
    for section in parts:
        out.append(f"<h4>{html.escape(section.title)}</h4>")
        out.append('<table style="border-collapse: collapse; font-family: monospace">')
        out.append("<thead><tr>" + "".join(f'<th style="text-align: left; padding: 0 1em">'
                                           f"{html.escape(h)}</th>" for h in section.header)
                   + "</tr></thead>")
        out.append("<tbody>")
        for cells in section.rows:
            out.append("<tr>" + "".join(f'<td style="padding: 0 1em">{html.escape(c)}</td>'
                                        for c in cells) + "</tr>")
        out.append("</tbody></table>")
    if notes:
        out.append(f"<p>{html.escape(words['notes'])}:</p><ul>"
                   + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    out.append("</div>")
    return "\n".join(out) + "\n"


# ----- JSON -------------------------------------------------------------------------------------

def _plain(array):
    if array is None:
        return None
    array = np.asarray(array)
    return array.item() if array.ndim == 0 else array.tolist()


def to_dict(trace):
    """Everything in the trace as plain Python values (full precision)."""
    rows = []
    for row in trace.rows:
        rows.append({
            "index": row.index, "op": row.op, "name": row.name, "layer": row.layer,
            "formula": fmt.formula(row.op, row.operands) if not row.is_input else row.name,
            "formula_latex": (fmt.formula(row.op, row.operands, latex=True)
                              if not row.is_input else row.name),
            "shape": list(row.shape), "value": _plain(row.value), "parents": list(row.parents),
            "partials": None if row.partials is None
            else {str(j): _plain(p) for j, p in row.partials.items()},
            "tangent": _plain(row.tangent), "adjoint": _plain(row.adjoint),
            "contributions": [{"from": k, "partial": _plain(p), "value": _plain(c)}
                              for k, p, c in row.contributions],
        })
    return {
        "title": trace.title, "output": trace.output, "direction": trace.direction,
        "inputs": [row.name for row in trace.inputs], "value": _plain(trace.value),
        "gradient": {name: _plain(g) for name, g in trace.gradient.items()},
        "rows": rows, "notes": list(trace.notes),
    }


def to_json(trace, indent=2):
    return json.dumps(to_dict(trace), indent=indent, ensure_ascii=False) + "\n"
