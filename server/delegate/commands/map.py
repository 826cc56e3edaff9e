"""`delegate map` — print the ranked repo map the agent sees, within a token budget."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "print the ranked outline of the project (the agent's repo map)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tokens", type=int, default=1024, help="budget (≈4 chars per token)")
    parser.add_argument("--focus", nargs="*", default=[], metavar="FILE", help="files to favour")
    parser.add_argument("--query", default="", help="favour definitions named in this text")
    parser.add_argument("--folder", metavar="DIR", help="project folder (default: found from cwd)")


def run(args: argparse.Namespace) -> int:

    if args.tokens < 1:
        print("delegate map: --tokens must be at least 1", file=sys.stderr)
        return 2
    from delegate.commands.index_common import (
        CommandError,
        folder_settings,
        open_for_reading,
        resolve_folder,
    )
    from delegate.index.embedders import EmbedderUnavailable

    try:
        folder = resolve_folder(args.folder)
        focus = [_relative(folder, f) for f in args.focus]
        with open_for_reading(folder, folder_settings(folder)) as index:
            text = index.repo_map(max_tokens=args.tokens, focus=focus, query=args.query)
    except (CommandError, EmbedderUnavailable) as exc:
        print(f"delegate map: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


def _relative(folder: Path, given: str) -> str:
    """Focus files may be given relative to the cwd or absolute; the index wants folder-relative."""
    path = Path(given)
    resolved = path.resolve() if path.exists() else folder / path
    try:
        return resolved.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()
