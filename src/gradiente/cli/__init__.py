"""The ``gradiente`` command line: one module per subcommand in this package.

Each module defines ``register(subparsers)``, which adds its parser and sets ``func``; a
subcommand's ``func(args)`` returns the exit status. Errors a user can cause are reported as
one line on stderr with a non-zero status, never a traceback.
"""

import argparse
import importlib
import pkgutil
import sys

__all__ = ["main", "CommandError"]


class CommandError(Exception):
    """A problem with the user's input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line ("gradiente train: error: ...") with exit status 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def build_parser():
    parser = _Parser(
        prog="gradiente", description="Automatic differentiation and deep learning, in the open.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_Parser)
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except CommandError as error:
        print(f"gradiente {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gradiente {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `gradiente ... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0
