"""A line budget per package: the core stays small enough to read in an afternoon.

Counts code lines (not blank lines, comments or docstrings). A package over its budget fails
this test: split it, simplify it, or raise the budget in the same commit and say why.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gradiente"

BUDGETS = {  # code lines; about a quarter above the size when the budget was set
    "(top level)": 1350,  # tensor, dtypes, device, creation, random, serialization
    "autograd": 1200,
    "ops": 6100,
    "func": 1500,
    "nn": 4800,
    "optim": 1650,
    "utils": 550,
    "explain": 1800,
    "datasets": 400,
    "models": 450,
    "training": 600,
    "text": 260,
    "cli": 600,
    "distributions": 1350,
}


def code_lines(path):
    source = path.read_text(encoding="utf-8")
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    return sum(1 for number, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and number not in docstrings)


def package_sizes():
    sizes = dict.fromkeys(BUDGETS, 0)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        package = parts[0] if len(parts) > 1 else "(top level)"
        if package not in sizes:
            raise AssertionError(f"package {package!r} has no line budget in {__file__}")
        sizes[package] += code_lines(path)
    return sizes


@pytest.mark.parametrize("package", sorted(BUDGETS))
def test_package_within_its_line_budget(package):
    size = package_sizes()[package]
    assert size <= BUDGETS[package], (
        f"{package} has {size} code lines, over its budget of {BUDGETS[package]}")


def test_code_line_counter_skips_docstrings_and_comments(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""doc\nstring"""\n\n# comment\ndef f():\n    """doc"""\n    return 1\n')
    assert code_lines(sample) == 2
