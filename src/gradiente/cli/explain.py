"""``gradiente explain``: the evaluation trace of an expression, laid out as in the lectures.

    gradiente explain "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --wrt x1 --lang es

prints the forward evaluation, the forward-mode pass for the chosen input, the reverse sweep
of adjoints and the gradient. The expression is parsed by ``gradiente.explain.expression``,
never evaluated as Python.
"""

import shutil
import sys
from pathlib import Path

from . import CommandError

FORMATS = ("text", "markdown", "latex", "html", "json")


def register(subparsers):
    parser = subparsers.add_parser(
        "explain", help="show the evaluation trace, tangents and adjoints of an expression",
        description="Show the evaluation trace (Wengert list) of an expression with its "
                    "forward-mode tangents and reverse-mode adjoints, as in the lectures.")
    parser.add_argument("expression", help='e.g. "ln(x1) + x1*x2 - sin(x2)"')
    parser.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE",
                        help="the point: a value for every variable (x1=2 x2=5; values may be "
                             "constant expressions such as pi/2)")
    parser.add_argument("--wrt", metavar="NAME",
                        help="the input of the forward-mode pass (default: the first)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--lang", choices=("en", "es"), default="en")
    parser.add_argument("--decimals", type=int, default=3, metavar="N",
                        help="decimals shown (default 3)")
    parser.add_argument("--order", choices=("depth", "execution"), default="depth",
                        help="row order: level by level as the lectures number them (depth), "
                             "or as Python would run the operations (execution)")
    parser.add_argument("--graph", metavar="FILE",
                        help="also write the computational graph (.svg, .png, .pdf need "
                             "Graphviz's dot; .dot is the DOT text)")
    parser.set_defaults(func=run)


def _point(assignments):
    """{name: value} from NAME=VALUE strings, in the order given."""
    from ..explain.expression import ExpressionError, evaluate, parse

    values = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise CommandError(f"--at expects NAME=VALUE (like x1=2), got {item!r}")
        if name in values:
            raise CommandError(f"--at gives {name} twice")
        try:
            value = evaluate(parse(text), {}, text)
        except ExpressionError as error:
            raise CommandError(f"--at {name}: {error}") from None
        if not isinstance(value, float):
            value = value.item()
        values[name] = value
    return values


def run(args):
    from ..explain import trace
    from ..explain.expression import CONSTANTS, ExpressionError, evaluate, parse, variables

    if args.decimals < 0 or args.decimals > 15:
        raise CommandError(f"--decimals must be between 0 and 15, got {args.decimals}")
    text = args.expression
    try:
        tree = parse(text)
    except ExpressionError as error:
        pointer = error.pointer()
        raise CommandError(f"{error}" + (f"\n{pointer}" if pointer else "")) from None
    point = _point(args.at)
    used = variables(tree)
    for name in used:
        if name not in point and name not in CONSTANTS:
            raise CommandError(f"no value for {name}: add --at {name}=VALUE")
    for name in point:
        if name not in used:
            raise CommandError(f"--at gives {name}, which the expression does not use")
    names = list(point)
    if not names:
        raise CommandError("the expression has no variables to differentiate; give it one "
                           "(like x) and its value with --at x=VALUE")
    if args.wrt is not None and args.wrt not in names:
        raise CommandError(f"--wrt {args.wrt}: not a variable of the expression "
                           f"({', '.join(names)})")

    def f(*leaves):
        return evaluate(tree, dict(zip(names, leaves)), text)

    try:
        result = trace(f, *point.values(), names=names, wrt=args.wrt, order=args.order,
                       decimals=args.decimals, lang=args.lang)
    except ExpressionError as error:
        raise CommandError(str(error)) from None
    result.title = f"f({', '.join(names)}) = {text}"
    if args.graph:  # first, so a graph that cannot be drawn stops before any output
        _write_graph(result, args.graph, args.lang, args.decimals)
    if args.format == "text":
        width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100
        sys.stdout.write(result.to_text(width=max(width, 60)))
    else:
        sys.stdout.write(result.render(args.format))
    return 0


def _write_graph(result, path, lang, decimals):
    from ..explain import GraphvizNotFound, graph
    from ..explain.graph import INSTALL_HINT

    try:
        written = graph(result, lang=lang, decimals=decimals).render(path)
    except GraphvizNotFound:
        raise CommandError(f"--graph {path}: drawing needs Graphviz's `dot` program, which is "
                           f"not on PATH; {INSTALL_HINT}; or write the DOT text with "
                           f"--graph {Path(path).with_suffix('.dot')}") from None
    except OSError as error:
        raise CommandError(f"--graph {path}: {error.strerror or error}") from None
    print(f"graph written to {Path(written)}", file=sys.stderr)
