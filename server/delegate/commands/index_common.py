"""What ``delegate index``, ``search`` and ``map`` share: finding the folder and opening it.

The folder is the one given, or the nearest directory at or above the current one that
holds ``.delegate`` or ``.git`` (the current directory when neither is found).  Settings
come from the folder's ``pyproject.toml`` / ``.delegate/config.toml``; problems with them
are printed, never fatal.  Searching an index another process is writing falls back to a
read-only open; searching a folder never indexed indexes it first, saying so on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from delegate.settings import IndexSettings, load_settings, read_folder_settings

if TYPE_CHECKING:
    from delegate.index.workspace import WorkspaceIndex


class CommandError(Exception):
    """A user mistake worth one line on stderr and exit code 2."""


def find_folder(start: Path) -> Path:
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".delegate").is_dir() or (candidate / ".git").exists():
            return candidate
    return start


def resolve_folder(given: str | None) -> Path:
    if given is None:
        return find_folder(Path.cwd())
    folder = Path(given).expanduser()
    if not folder.is_dir():
        raise CommandError(f"not a directory: {given}")
    return folder.resolve()


def folder_settings(folder: Path) -> IndexSettings:
    raw, warnings = read_folder_settings(folder)
    settings, more = load_settings(raw)
    for warning in [*warnings, *more]:
        print(warning.message(), file=sys.stderr)
    return settings.index


def open_for_reading(folder: Path, settings: IndexSettings) -> WorkspaceIndex:
    """Writer when possible (indexing an empty index first), else read-only."""
    from delegate.index.lock import IndexLocked
    from delegate.index.workspace import WorkspaceIndex

    try:
        index = WorkspaceIndex.open(folder, settings)
    except IndexLocked as exc:
        print(f"delegate: {exc}; searching the index as it is", file=sys.stderr)
        return WorkspaceIndex.open(folder, settings, read_only=True)
    if index.stats()["files"] == 0:
        print(f"delegate: {folder} is not indexed yet; indexing it first", file=sys.stderr)
        stats = index.update()
        print(
            f"delegate: indexed {stats.files_total} files, {stats.chunks_total} chunks "
            f"in {stats.seconds:.1f} s",
            file=sys.stderr,
        )
    return index
