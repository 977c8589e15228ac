"""The README's Python examples run and print what the README says they print."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 2


def test_ten_line_example_prints_the_lecture_numbers(capsys):
    exec(compile(python_blocks()[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out
    first_line = printed.splitlines()[0].split()
    assert [round(float(v), 3) for v in first_line] == [11.652, 5.5, 1.716]
    assert "s_{-1}" in printed and "5.5" in printed  # the explained trace follows


def test_pytorch_program_runs_with_gradiente_and_learns():
    import gradiente as gr

    namespace = {}
    exec(compile(python_blocks()[1], "README.md", "exec"), namespace)
    x, y = namespace["loader"].dataset.tensors
    with gr.no_grad():
        fitted = (namespace["model"](x) - y).pow(2).mean().item()
    assert fitted < 0.9 * y.pow(2).mean().item()  # better than predicting zeros
    assert namespace["scheduler"].get_last_lr() == [0.01 * 0.5 ** 10]
