"""A small expression language for the command line: "ln(x1) + x1*x2 - sin(x2)".

A tokenizer and a Pratt parser (precedence climbing) build a tree of ``Number``, ``Name``,
``Unary``, ``Binary`` and ``Call`` nodes; ``evaluate`` computes it with gradiente operations,
so the graph is recorded as if the expression were Python code. Nothing is ever passed to
``eval``: anything outside the grammar is an ``ExpressionError`` that names its column.

Grammar: numbers, variables, ``+ - * / ^ **`` (``^`` and ``**`` are powers, right-associative,
binding tighter than unary minus: -x^2 = -(x^2)), unary ``+``/``-``, parentheses, and calls of
the functions in ``FUNCTIONS``; ``pi`` and ``e`` are constants unless given a value.
"""

import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["CONSTANTS", "FUNCTIONS", "ExpressionError", "evaluate", "parse", "variables"]

MAX_DEPTH = 100


class ExpressionError(ValueError):
    """A problem with an expression; ``column`` is 1-based (None when not about one place)."""

    def __init__(self, message, column=None, text=None):
        self.message, self.column, self.text = message, column, text
        super().__init__(message if column is None else f"column {column}: {message}")

    def pointer(self):
        """The expression and a caret under the column, as two lines ("" without a column)."""
        if self.column is None or self.text is None:
            return ""
        return f"  {self.text}\n  {' ' * (self.column - 1)}^"


@dataclass(frozen=True)
class Number:
    value: float
    column: int


@dataclass(frozen=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: object
    column: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    column: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    column: int


# ----- tokens -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|[-+*/^(),]|[·×−])
""", re.VERBOSE)
_SYNONYMS = {"·": "*", "×": "*", "−": "-"}


def _tokens(text):
    """(kind, text, column) triples ending with ("end", "", len + 1)."""
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected character {text[position]!r}", position + 1, text)
        kind = match.lastgroup
        if kind != "space":
            value = match.group()
            yield kind, _SYNONYMS.get(value, value), position + 1
        position = match.end()
    yield "end", "", len(text) + 1


# ----- parser -----------------------------------------------------------------------------------

_BINARY = {"+": (10, 11), "-": (10, 11), "*": (20, 21), "/": (20, 21), "^": (31, 30),
           "**": (31, 30)}
_PREFIX = 25  # unary minus: tighter than * and /, looser than ^


class _Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = list(_tokens(text))
        self.position = 0
        self.depth = 0

    def peek(self):
        return self.tokens[self.position]

    def take(self):
        token = self.tokens[self.position]
        self.position += 1
        return token

    def error(self, message, token):
        raise ExpressionError(message, token[2], self.text)

    def expect(self, text, opened):
        token = self.take()
        if token[0] == "end" or token[1] != text:
            found = "the end" if token[0] == "end" else repr(token[1])
            self.error(f"expected {text!r} to close the {opened[1]!r} at column {opened[2]}, "
                       f"found {found}", token)

    def expression(self, min_power=0):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.error(f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                       self.peek())
        left = self.operand()
        while True:
            token = self.peek()
            if token[0] != "op" or token[1] not in _BINARY:
                if token[0] in ("number", "name") or token[1] == "(":
                    self.error(f"unexpected {token[1]!r}: an operator is missing (write "
                               f"2*x, not 2x)", token)
                break
            left_power, right_power = _BINARY[token[1]]
            if left_power < min_power:
                break
            self.take()
            left = Binary(token[1], left, self.expression(right_power), token[2])
        self.depth -= 1
        return left

    def operand(self):
        token = self.take()
        kind, text, column = token
        if kind == "number":
            return Number(float(text), column)
        if kind == "name":
            if self.peek()[1] == "(":
                return self.call(token)
            return Name(text, column)
        if text in ("-", "+"):
            return Unary(text, self.expression(_PREFIX), column)
        if text == "(":
            inner = self.expression()
            self.expect(")", token)
            return inner
        found = "the end of the expression" if kind == "end" else repr(text)
        self.error(f"expected a number, a variable, a function call or '(' but found {found}",
                   token)

    def call(self, name_token):
        opening = self.take()
        args = []
        if self.peek()[1] != ")":
            args.append(self.expression())
            while self.peek()[1] == ",":
                self.take()
                args.append(self.expression())
        self.expect(")", opening)
        return Call(name_token[1], tuple(args), name_token[2])


def parse(text):
    """The tree of an expression, or an ``ExpressionError`` naming the column.

    >>> parse("-x^2")
    Unary(op='-', operand=Binary(op='^', left=Name(name='x', column=2), right=Number(value=2.0, \
column=4), column=3), column=1)
    """
    if not isinstance(text, str):
        raise TypeError(f"parse: expected a string, got {type(text).__name__}")
    parser = _Parser(text)
    if parser.peek()[0] == "end":
        raise ExpressionError("empty expression", None, text)
    tree = parser.expression()
    token = parser.peek()
    if token[0] != "end":
        parser.error(f"unexpected {token[1]!r}", token)
    return tree


# ----- evaluation -------------------------------------------------------------------------------

def _ops():
    import gradiente as gr
    return gr


# name: (number of arguments, gradiente function name)
FUNCTIONS = {
    "ln": (1, "log"), "log": (1, "log"), "log2": (1, "log2"), "log10": (1, "log10"),
    "exp": (1, "exp"), "sqrt": (1, "sqrt"), "sin": (1, "sin"), "cos": (1, "cos"),
    "tan": (1, "tan"), "asin": (1, "asin"), "acos": (1, "acos"), "atan": (1, "atan"),
    "sinh": (1, "sinh"), "cosh": (1, "cosh"), "tanh": (1, "tanh"), "sigmoid": (1, "sigmoid"),
    "relu": (1, "relu"), "abs": (1, "abs"), "softplus": (1, "softplus"), "erf": (1, "erf"),
    "square": (1, "square"), "pow": (2, "pow"), "max": (2, "maximum"), "min": (2, "minimum"),
    "atan2": (2, "atan2"),
}
CONSTANTS = {"pi": math.pi, "e": math.e}


def variables(tree):
    """The variable names of a parsed expression, in order of first appearance."""
    found = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Name) and node.name not in found:
            found.append(node.name)
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Binary):
            stack += [node.right, node.left]
        elif isinstance(node, Call):
            stack += reversed(node.args)
    return found


def evaluate(tree, values, text=None):
    """Compute a parsed expression; ``values`` maps names to tensors or numbers.

    Numbers stay Python floats (constants in the graph); a function of constants only is
    computed on an untracked float64 tensor.
    """
    if isinstance(tree, str):
        text, tree = tree, parse(tree)
    return _Evaluator(values, text).run(tree)


class _Evaluator:
    def __init__(self, values, text):
        self.values, self.text = values, text
        self.gr = _ops()

    def run(self, node):
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Unary):
            operand = self.run(node.operand)
            return operand if node.op == "+" else self.arithmetic("-", 0.0, operand, neg=True)
        if isinstance(node, Binary):
            return self.arithmetic(node.op, self.run(node.left), self.run(node.right))
        return self.call(node)

    def name(self, node):
        if node.name in self.values:
            return self.values[node.name]
        if node.name in CONSTANTS:
            return CONSTANTS[node.name]
        hint = f"{node.name} is a function: write {node.name}(...)" \
            if node.name in FUNCTIONS else f"known: {', '.join(self.values) or 'none'}"
        raise ExpressionError(f"unknown variable {node.name!r} ({hint})", node.column, self.text)

    def arithmetic(self, op, left, right, neg=False):
        if isinstance(left, float) and isinstance(right, float):
            with np.errstate(all="ignore"):  # constants: inf and nan, as the tensors give
                a, b = np.float64(left), np.float64(right)
                result = {"+": a + b, "-": (-b if neg else a - b), "*": a * b,
                          "/": a / b if b != 0 else np.true_divide(a, b),
                          "^": np.power(a, b), "**": np.power(a, b)}[op]
            return float(result)
        if neg:
            return -right
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return left / right
        return self.gr.pow(left, right)

    def call(self, node):
        if node.name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {node.name!r} (known: {known})",
                                  node.column, self.text)
        arity, op_name = FUNCTIONS[node.name]
        if len(node.args) != arity:
            raise ExpressionError(f"{node.name} takes {arity} argument"
                                  f"{'s' if arity > 1 else ''}, got {len(node.args)}",
                                  node.column, self.text)
        args = [self.run(a) for a in node.args]
        if arity == 1 or all(isinstance(a, float) for a in args):
            args = [self.gr.tensor(a, dtype=self.gr.float64) if isinstance(a, float) else a
                    for a in args]
        elif isinstance(args[0], float) and op_name != "pow":
            args[0] = self.gr.tensor(args[0], dtype=args[1].dtype)
        return getattr(self.gr, op_name)(*args)
