"""`delegate search` — not implemented yet."""

from __future__ import annotations

import argparse
import sys

HELP = "search (not implemented yet)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("delegate search: not implemented yet", file=sys.stderr)
    return 2
