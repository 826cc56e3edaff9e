"""The ``delegate`` command line: one entry point, one module per subcommand.

Each subcommand lives in ``delegate/commands/<name>.py`` and exposes ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int`` (the exit code). Those modules import
their heavy dependencies inside ``run`` so ``delegate --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from delegate import __version__

SUBCOMMANDS = ("serve", "index", "search", "map", "run", "trace", "ship")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="delegate",
        description="Index a workspace, search it, and run delegated coding tasks.",
    )
    parser.add_argument("--version", action="version", version=f"delegate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"delegate.commands.{name}")
        sub_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # LanceDB's Rust layer prints warnings to stderr unless told otherwise.
    os.environ.setdefault("LANCEDB_LOG", "error")
    args = build_parser().parse_args(argv)
    try:
        code: int = args._module.run(args)
    except KeyboardInterrupt:
        print("delegate: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
