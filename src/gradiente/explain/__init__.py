"""Show the work: evaluation traces, adjoint tables and computational graphs.

``trace(f, *inputs)`` or ``trace(y)`` gives the lectures' evaluation trace (Wengert list) with
values, local partials, forward-mode tangents and reverse-mode adjoints; ``graph`` draws the
computational graph (Graphviz DOT, SVG when ``dot`` is installed); ``report(model, loss)``
summarises a network's layers; ``parse`` reads expressions such as "ln(x1) + x1*x2 - sin(x2)".
This package only reads the graph autograd records: nothing in ops/ or autograd/ knows of it.
"""

from .expression import ExpressionError, evaluate, parse
from .graph import Graph, GraphvizNotFound, graph
from .layers import record_layers
from .report import Report, report
from .trace import Row, Trace, trace

__all__ = [
           "ExpressionError",
           "Graph",
           "GraphvizNotFound",
           "Report",
           "Row",
           "Trace",
           "evaluate",
           "graph",
           "parse",
           "record_layers",
           "report",
           "trace",
]
