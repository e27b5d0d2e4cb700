"""`af-inspect` command line: one subcommand per module in `af_inspect.commands`.

Each module defines `NAME`, `HELP`, `add_arguments(parser)` and `run(args) -> int`, so features add their
command without touching this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from af_inspect import commands
from af_inspect.core.errors import UsageError
from af_inspect.core.version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="af-inspect", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"af-inspect {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"af_inspect.commands.{info.name}")
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; bad input prints one message on stderr and returns 2, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except (UsageError, ValueError, FileNotFoundError) as e:
        # bad input: the message alone, on stderr, exit 2 (argparse's code for usage errors)
        print(f"af-inspect {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
