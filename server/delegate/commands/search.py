"""`delegate search QUERY` — hybrid search of the current project's index."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "search the index (hybrid: vectors + full text)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="what to look for; - reads it from stdin")
    parser.add_argument("--limit", type=int, default=10, help="results to show (default 10)")
    parser.add_argument("--json", action="store_true", help="print results as a JSON list")
    parser.add_argument("--path", metavar="GLOB", help="only paths matching this glob")
    parser.add_argument("--lang", metavar="L", help="only this language (python, text, …)")
    parser.add_argument("--kind", metavar="K", help="only this chunk kind (function, class, …)")
    parser.add_argument(
        "--mode",
        choices=("hybrid", "chunks", "fts", "vector"),
        default="hybrid",
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--folder", metavar="DIR", help="project folder (default: found from cwd)")


def run(args: argparse.Namespace) -> int:

    query = sys.stdin.read() if args.query == "-" else args.query
    if not query.strip():
        print("delegate search: the query is empty", file=sys.stderr)
        return 2
    if args.limit < 1:
        print("delegate search: --limit must be at least 1", file=sys.stderr)
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
        with open_for_reading(folder, folder_settings(folder)) as index:
            hits = index.search(
                query,
                limit=args.limit,
                path_glob=args.path,
                language=args.lang,
                kind=args.kind,
                mode=args.mode,
            )
    except (CommandError, EmbedderUnavailable, ValueError) as exc:
        print(f"delegate search: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump([h.to_json() for h in hits], sys.stdout, indent=1)
        print()
        return 0
    if not hits:
        print("no results", file=sys.stderr)
        return 1
    for hit in hits:
        where = f"{hit.path}:{hit.start_line}-{hit.end_line}"
        label = f" {hit.kind} {hit.symbol}" if hit.symbol else f" {hit.kind}"
        print(f"{where}{label}  ({hit.score:.3f})")
    return 0
