"""`delegate index [PATH] [--rebuild]` — build or refresh a folder's index."""

from __future__ import annotations

import argparse
import sys
import time

HELP = "index a folder (incrementally; --rebuild starts over)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="folder to index (default: the current project)")
    parser.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it")


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second; silent off a TTY."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        print(f"\r[{bar}] {done}/{total} files", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.enabled:
            print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from delegate.commands.index_common import CommandError, folder_settings, resolve_folder

    try:
        folder = resolve_folder(args.path)
    except CommandError as exc:
        print(f"delegate index: {exc}", file=sys.stderr)
        return 2
    from delegate.index.embedders import EmbedderUnavailable
    from delegate.index.lock import IndexLocked
    from delegate.index.workspace import WorkspaceIndex

    try:
        settings = folder_settings(folder)
        bar = ProgressBar()
        with WorkspaceIndex.open(folder, settings) as index:
            try:
                stats = index.update(progress=bar, rebuild=args.rebuild)
            finally:
                bar.finish()
    except (CommandError, IndexLocked, EmbedderUnavailable) as exc:
        print(f"delegate index: {exc}", file=sys.stderr)
        return 2
    if stats.rebuilt:
        print(f"rebuilt the index: {stats.rebuild_reason}", file=sys.stderr)
    print(
        f"indexed {stats.files_total} files ({stats.files_changed} changed), "
        f"{stats.chunks_total} chunks in {stats.seconds:.1f} s"
    )
    return 0
