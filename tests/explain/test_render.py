"""Renderers of a Trace: golden files (en and es), JSON contents, Jupyter and rich hooks.

Regenerate the golden files after a deliberate change with
``GRADIENTE_UPDATE_GOLDEN=1 pytest tests/explain/test_render.py``.
"""

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

import gradiente as gr
from gradiente import explain

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GRADIENTE_UPDATE_GOLDEN") == "1"
SUFFIX = {"text": "txt", "markdown": "md", "latex": "tex", "html": "html"}


def lecture_trace(lang):
    def f(x1, x2):
        return gr.log(x1) + x1 * x2 - gr.sin(x2)
    return explain.trace(f, 2.0, 5.0, order="depth", lang=lang)


def check_golden(name, text):
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with GRADIENTE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("format", ["text", "markdown", "latex", "html"])
def test_golden(format, lang):
    if format == "text":
        pytest.importorskip("rich")
    check_golden(f"lecture000.{lang}.{SUFFIX[format]}", lecture_trace(lang).render(format))


def test_golden_json():
    text = lecture_trace("en").to_json()
    path = GOLDEN / "lecture000.json"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    # floats compared to 12 digits: libm's last bit of sin/log may differ between platforms
    assert _rounded(json.loads(text)) == _rounded(json.loads(path.read_text(encoding="utf-8")))


def _rounded(value):
    if isinstance(value, float):
        return round(value, 12)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def test_spanish_labels():
    text = lecture_trace("es").to_markdown()
    for label in ("Evaluación hacia adelante", "Derivación hacia adelante",
                  "Derivación hacia atrás", "adjunto", "Gradiente"):
        assert label in text
    assert "Forward evaluation" not in text


def test_the_lecture_lines_appear():
    text = lecture_trace("en").to_markdown()
    assert "| 1 | v_1 = ln v_{-1} | ln 2 = 0.693 |" in text
    assert "| 5 | v_5 = v_4 − v_3 | 10.693 − (-0.959) = 11.652 |" in text
    assert "s_{-1} = s_1·∂v_1/∂v_{-1} + s_2·∂v_2/∂v_{-1} | 1·0.5 + 1·5 | 5.5" in text
    assert "s_0 = s_2·∂v_2/∂v_0 + s_3·∂v_3/∂v_0 | 1·2 + (-1)·0.284 | 1.716" in text


def test_latex_has_booktabs_and_aligned_equations():
    tex = lecture_trace("en").to_latex()
    assert tex.count("\\toprule") == 4 and tex.count("\\begin{align*}") == 4
    assert "v_1 &= \\ln v_{-1} = \\ln 2 = 0.693 \\\\" in tex
    assert "\\frac{\\partial y}{\\partial x_{1}} &= s_{-1} = 5.5" in tex


def test_json_holds_full_precision():
    data = json.loads(lecture_trace("en").to_json())
    assert data["inputs"] == ["x1", "x2"] and data["output"] == 5
    assert data["gradient"]["x2"] == 2 - math.cos(5.0)
    row = data["rows"][1 + 2]  # v_2 = v_{-1} · v_0
    assert row["formula"] == "v_{-1} · v_0" and row["formula_latex"] == "v_{-1} \\cdot v_0"
    assert row["partials"] == {"-1": 5.0, "0": 2.0}
    assert data["rows"][0]["contributions"] == [
        {"from": 1, "partial": 0.5, "value": 0.5}, {"from": 2, "partial": 5.0, "value": 5.0}]


def test_decimals_and_display_hooks():
    t = lecture_trace("en")
    assert "0.69315" in t.to_markdown(decimals=5)
    assert t._repr_html_().startswith('<div class="gradiente-trace">')
    assert "<table" in t._repr_html_() and "&lt;" not in t.to_html()
    assert repr(t) == "<Trace: 2 inputs, 5 operations, y = v_5>"
    rich = pytest.importorskip("rich.console")
    console = rich.Console(record=True, width=120, color_system=None)
    console.print(t)
    assert "Forward evaluation" in console.export_text()
    with pytest.raises(ValueError, match="unknown lang"):
        t.to_markdown(lang="fr")
    with pytest.raises(ValueError, match="unknown format"):
        t.render("pdf")


def test_tensor_rows_show_shape_and_summary(rng):
    X = rng.standard_normal((8, 3))
    w = rng.standard_normal(3)
    t = explain.trace(lambda w: (gr.tensor(X) @ w).tanh().sum(), w)
    text = t.to_markdown()
    assert "v_1 = c[8×3] @ v_0" in text              # the constant data matrix in the formula
    small = "[" + ", ".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in w) + "]"
    assert f"| 0 | v_0 = w | {small} |" in text      # small arrays are shown whole
    norm = f"{float(np.linalg.norm(X @ w)):.3f}".rstrip("0")
    assert f"8: ‖·‖={norm} min=" in text             # larger ones by shape and statistics
