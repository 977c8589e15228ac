"""``gradiente explain`` end to end through gradiente.cli.main."""

import json
import shutil

import pytest

from gradiente.cli import main

LECTURE = ["explain", "ln(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5"]


def test_lecture_table(capsys):
    assert main(LECTURE + ["--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Evaluation trace: f(x1, x2) = ln(x1) + x1*x2 - sin(x2)\n")
    for line in ["| 3 | v_3 = sin v_0 | sin 5 = -0.959 |", "| 4 | v_4 = v_1 + v_2 |",
                 "| 5 | v_5 = v_4 − v_3 | 10.693 − (-0.959) = 11.652 |",
                 "|  | ẏ = v̇_5 |  | 5.5 |", "| x2 | ∂y/∂x2 = s_0 | 1.716 |"]:
        assert line in out


def test_text_spanish_wrt_and_decimals(capsys):
    assert main(LECTURE + ["--lang", "es", "--wrt", "x2", "--decimals", "4"]) == 0
    out = capsys.readouterr().out
    assert "Derivación hacia adelante (dirección: x2)" in out
    assert "ẏ = v̇_5" in out and "1.7163" in out and "Derivación hacia atrás" in out


def test_json_and_execution_order(capsys):
    assert main(LECTURE + ["--format", "json", "--order", "execution"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["op"] for row in data["rows"][2:]] == ["Log", "Mul", "Add", "Sin", "Sub"]
    assert data["gradient"]["x1"] == 5.5


def test_values_may_be_constant_expressions(capsys):
    assert main(["explain", "sin(x)", "--at", "x=pi/2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == 1.0 and abs(data["gradient"]["x"]) < 1e-15


@pytest.mark.parametrize("argv, message", [
    (["explain", "ln(x1))", "--at", "x1=2"], "column 7: unexpected ')'"),
    (["explain", "foo(x)", "--at", "x=1"], "unknown function 'foo'"),
    (["explain", "x + y", "--at", "x=1"], "no value for y: add --at y=VALUE"),
    (["explain", "x", "--at", "x=1", "z=2"], "--at gives z, which the expression does not use"),
    (["explain", "x", "--at", "x"], "--at expects NAME=VALUE"),
    (["explain", "x", "--at", "x=one"], "unknown variable 'one'"),
    (["explain", "2 + 3"], "no variables"),
    (["explain", "x", "--at", "x=1", "--wrt", "q"], "--wrt q: not a variable"),
])
def test_errors_are_one_clear_line(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    first = captured.err.splitlines()[0]
    assert first.startswith("gradiente explain: error: ") and message in first


def test_syntax_error_shows_a_caret(capsys):
    assert main(["explain", "x * (y + ", "--at", "x=1", "y=2"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[1:] == ["  x * (y + ", "           ^"]


def test_graph_dot_file(capsys, tmp_path):
    path = tmp_path / "g.dot"
    assert main(LECTURE + ["--graph", str(path)]) == 0
    assert path.read_text().startswith("digraph gradiente {")
    assert f"graph written to {path}" in capsys.readouterr().err


def test_graph_svg(capsys, tmp_path):
    path = tmp_path / "g.svg"
    status = main(LECTURE + ["--graph", str(path)])
    captured = capsys.readouterr()
    if shutil.which("dot") is None:
        assert status == 2 and captured.out == ""
        assert "apt-get install graphviz" in captured.err and "g.dot" in captured.err
    else:
        assert status == 0 and "<svg" in path.read_text()
