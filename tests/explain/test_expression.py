"""The expression parser: precedence, errors with columns, and fuzzing that never crashes."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradiente as gr
from gradiente.explain import ExpressionError, evaluate, parse
from gradiente.explain.expression import Binary, Call, Name, Number, Unary, variables


def value(text, **values):
    result = evaluate(parse(text), {k: gr.tensor(v, dtype=gr.float64) for k, v in values.items()})
    return result if isinstance(result, float) else result.item()


@pytest.mark.parametrize("text, expected", [
    ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("2 ^ 3 ^ 2", 512.0), ("2 ** 3", 8.0),
    ("-2 ^ 2", -4.0), ("2 ^ -1", 0.5), ("8 / 4 / 2", 1.0), ("7 - 2 - 1", 4.0), ("--3", 3.0),
    ("+3", 3.0), ("2 · 3 − 1", 5.0), ("1e-3 * 1E3", 1.0), (".5 + 1.", 1.5), ("pi", math.pi),
    ("1 / 0", math.inf),
])
def test_arithmetic_and_precedence(text, expected):
    assert value(text) == expected


def test_functions_and_variables():
    assert value("ln(x1) + x1*x2 - sin(x2)", x1=2, x2=5) == \
        pytest.approx(math.log(2) + 10 - math.sin(5), abs=1e-15)
    assert value("relu(w*x + b)", w=2, x=3, b=1) == 7.0
    assert value("max(x, 2) + min(1, x) + pow(x, 2)", x=3) == 3 + 1 + 9
    assert value("sigmoid(0) + tanh(0) + sqrt(4) + exp(0) + abs(-2)") == 0.5 + 2 + 1 + 2
    assert variables(parse("ln(x1) + x1*x2 - sin(x2) + pi")) == ["x1", "x2", "pi"]


def test_tree_shape():
    assert parse("-x^2") == Unary("-", Binary("^", Name("x", 2), Number(2.0, 4), 3), 1)
    assert parse("f(a, 2)") == Call("f", (Name("a", 3), Number(2.0, 6)), 1)


@pytest.mark.parametrize("text, column, message", [
    ("ln(x1))", 7, "unexpected ')'"),
    ("1 +", 4, "found the end of the expression"),
    ("(1 + 2", 7, "expected ')' to close the '(' at column 1"),
    ("2x", 2, "an operator is missing"),
    ("x $ y", 3, "unexpected character '$'"),
    ("sin(1,", 7, "found the end"),
    ("__import__('os')", 12, "unexpected character"),
])
def test_syntax_errors_name_the_column(text, column, message):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in info.value.message
    assert info.value.column == column
    assert str(info.value).startswith(f"column {column}: ")
    assert info.value.pointer().splitlines()[1] == "  " + " " * (column - 1) + "^"


def test_evaluation_errors():
    with pytest.raises(ExpressionError, match="unknown function 'foo'") as info:
        value("1 + foo(2)")
    assert info.value.column == 5
    with pytest.raises(ExpressionError, match="unknown variable 'y'"):
        value("x + y", x=1)
    with pytest.raises(ExpressionError, match="sin is a function"):
        value("sin + 1")
    with pytest.raises(ExpressionError, match="max takes 2 arguments, got 1"):
        value("max(1)")
    with pytest.raises(ExpressionError, match="empty expression"):
        parse("   ")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * 500 + "1" + ")" * 500)


ALPHABET = st.sampled_from(list("x y 1 2 . e + - * / ^ ( ) , ") + ["**", "sin", "ln", "relu",
                                                                    "max", "foo", " ", "$"])


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=25).map("".join))
def test_fuzzed_expressions_parse_or_fail_clearly(text):
    try:
        tree = parse(text)
    except ExpressionError as error:
        assert error.column is None or 1 <= error.column <= len(text) + 1
        return
    values = {name: gr.tensor(1.5, dtype=gr.float64, requires_grad=True)
              for name in variables(tree)}
    try:
        evaluate(tree, values, text)
    except ExpressionError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes_the_parser(text):
    try:
        parse(text)
    except ExpressionError:
        pass
