"""How a trace writes itself: numbers, the v_i names, formulas per operation, labels per language.

A formula is an operation name and its operands; an operand is a row index (an earlier v_j) or
a constant. ``OPS`` holds one template per operation for plain text and one for LaTeX, so every
renderer writes ``v_2 = v_{-1} · v_0`` the same way and a new operation is one row here.
"""

import numpy as np

__all__ = ["LABELS", "formula", "labels", "number", "summary", "var"]

# operation (the Function's class name): (text template, LaTeX template); {0}, {1}: operands
OPS = {
    "Add": ("{0} + {1}", "{0} + {1}"),
    "Sub": ("{0} − {1}", "{0} - {1}"),
    "Mul": ("{0} · {1}", "{0} \\cdot {1}"),
    "Div": ("{0} / {1}", "\\frac{{{0}}}{{{1}}}"),
    "Pow": ("{0}^{1}", "{0}^{{{1}}}"),
    "Neg": ("−{0}", "-{0}"),
    "Matmul": ("{0} @ {1}", "{0} {1}"),
    "Log": ("ln {0}", "\\ln {0}"),
    "Exp": ("exp {0}", "\\exp {0}"),
    "Sin": ("sin {0}", "\\sin {0}"),
    "Cos": ("cos {0}", "\\cos {0}"),
    "Tan": ("tan {0}", "\\tan {0}"),
    "Tanh": ("tanh {0}", "\\tanh {0}"),
    "Sqrt": ("√{0}", "\\sqrt{{{0}}}"),
    "Abs": ("|{0}|", "\\lvert {0} \\rvert"),
    "Sigmoid": ("σ({0})", "\\sigma({0})"),
    "Relu": ("relu({0})", "\\operatorname{{relu}}({0})"),
    "Square": ("{0}^2", "{0}^{{2}}"),
    "Reciprocal": ("1 / {0}", "\\frac{{1}}{{{0}}}"),
    "Sum": ("Σ {0}", "\\sum {0}"),
    "Mean": ("mean {0}", "\\operatorname{{mean}} {0}"),
}
_GROUPED = {"Add", "Sub", "Mul", "Div", "Pow", "Neg", "Matmul", "Square"}  # need parentheses
_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")


def number(value, decimals=3):
    """A scalar as the lectures write it: rounded to ``decimals``, no trailing zeros."""
    value = float(value)
    if not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if text == "0" and value != 0:
        text = f"{value:.{max(decimals, 1)}e}"  # too small to show at this precision
    return text


def summary(array, decimals=3, small=6):
    """A value for a table cell: the number, the array when small, else shape and statistics."""
    array = np.asarray(array)
    if array.size == 1 and array.ndim == 0:
        return number(array, decimals)
    if array.size <= small:
        return "[" + ", ".join(number(v, decimals) for v in array.reshape(-1)) + "]"
    shape = "×".join(str(s) for s in array.shape)
    return (f"{shape}: ‖·‖={number(np.linalg.norm(array.reshape(-1)), decimals)} "
            f"min={number(array.min(), decimals)} max={number(array.max(), decimals)}")


def var(index, latex=False, symbol="v"):
    """``v_1``, ``v_{-1}`` (LaTeX's rule for subscripts, used in plain text too)."""
    if 0 <= index <= 9:
        return f"{symbol}_{index}"
    return f"{symbol}_{{{index}}}"


def _operand(op, latex, show, decimals):
    kind, value = op
    if kind == "v":
        return show(value) if show else var(value, latex)
    if isinstance(value, np.ndarray) and value.size != 1:
        shape = "×".join(str(s) for s in value.shape)
        return f"\\mathrm{{c}}_{{{shape}}}" if latex else f"c[{shape}]"
    return number(value, decimals)


def formula(op_name, operands, latex=False, show=None, decimals=3):
    """The right-hand side of ``v_i = ...`` for one operation.

    ``operands`` are ("v", j) or ("c", constant); ``show(j)`` may replace ``v_j`` by its value,
    for the numeric form ``ln 2``.
    """
    parts = [_operand(o, latex, show, decimals) for o in operands]
    if show is not None and op_name in _GROUPED:
        parts = [f"({p})" if p.startswith("-") else p for p in parts]
    template = OPS.get(op_name)
    if template is not None:
        try:
            return (template[1] if latex else template[0]).format(*parts)
        except IndexError:  # fewer operands than the template shows: write it as a call
            pass
    name = op_name.lower()
    if latex:
        return f"\\operatorname{{{name}}}({', '.join(parts)})"
    return f"{name}({', '.join(parts)})"


LABELS = {
    "en": {
        "title": "Evaluation trace",
        "forward": "Forward evaluation",
        "tangent": "Forward-mode derivative",
        "reverse": "Reverse sweep",
        "gradient": "Gradient",
        "index": "i",
        "formula": "formula",
        "value": "value",
        "partials": "local partials",
        "tangent_col": "tangent",
        "adjoint": "adjoint",
        "sum": "sum over consumers",
        "layer": "layer",
        "input": "input",
        "output": "output",
        "seed": "seed",
        "direction": "direction",
        "notes": "Notes",
        "shape": "shape",
        "grad": "grad",
    },
    "es": {
        "title": "Traza de evaluación",
        "forward": "Evaluación hacia adelante",
        "tangent": "Derivación hacia adelante",
        "reverse": "Derivación hacia atrás",
        "gradient": "Gradiente",
        "index": "i",
        "formula": "fórmula",
        "value": "valor",
        "partials": "derivadas parciales locales",
        "tangent_col": "tangente",
        "adjoint": "adjunto",
        "sum": "suma sobre los consumidores",
        "layer": "capa",
        "input": "entrada",
        "output": "salida",
        "seed": "semilla",
        "direction": "dirección",
        "notes": "Notas",
        "shape": "forma",
        "grad": "grad",
    },
}


def labels(lang):
    """The label table for ``lang`` ("en" or "es")."""
    try:
        return LABELS[lang]
    except KeyError:
        raise ValueError(f"explain: unknown lang {lang!r}; expected one of "
                         f"{sorted(LABELS)}") from None


def subscript(index):
    """``₋₁``: a row index as Unicode subscript digits, for graph labels."""
    return str(index).translate(_SUBSCRIPT)
