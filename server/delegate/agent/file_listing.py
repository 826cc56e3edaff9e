"""Every file of a folder that its ignore rules keep, whatever its language or size.

The index's :func:`delegate.index.files.walk_folder` lists *indexable* files: it drops
names without a language and files above ``index.max_file_bytes``. A sandbox copy and the
agent's ``grep`` need every file the project considers its own (data files, fixtures,
``setup.cfg``), but under the very same ignore rules, so this walker reuses the index's
:mod:`delegate.index.ignore_rules` (``.ignore``/``.gitignore`` layers, built-in excludes
such as ``node_modules`` and virtualenvs, ``index.exclude``) and leaves out only the
language and size filters. Symlinks are listed only while they stay inside the folder.

:class:`WorkspaceFiles` serves one task's tools: it keeps the listing while no directory
and no ignore file changed (creating, deleting or renaming a file changes its directory's
mtime; ignored directories are never looked at, so what happens in them cannot matter),
and keeps file texts while their ``stat`` stays the same, so a ``grep`` per turn costs a
few thousand ``stat`` calls instead of a walk and a read of the whole tree. Anything whose
time lies within :data:`RACY_NS` of when it was seen is not trusted: a change in the same
clock tick would leave the times as they were.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from delegate.index.ignore_rules import IGNORE_FILES, IgnoreLayer, IgnoreRules, read_layers
from delegate.settings import IndexSettings


def list_workspace_files(folder: Path, settings: IndexSettings) -> list[str]:
    """Sorted POSIX paths, relative to ``folder``, of the files its ignore rules keep."""
    return sorted(rel for rel, _ in iter_workspace_files(folder, settings))


def iter_workspace_files(
    folder: Path,
    settings: IndexSettings,
    on_directory: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, str]]:
    """(relative POSIX path, full path) of each file the ignore rules keep, in walk order.

    ``on_directory`` sees each directory before its ignore files and entries are read.
    """
    rules = IgnoreRules(exclude=settings.exclude)
    root = os.path.abspath(folder)
    root_real = os.path.realpath(root)
    visited = {root_real}
    # (path, relative path, real path, ignore layers of the parents)
    stack: list[tuple[str, str, str, list[IgnoreLayer]]] = [(root, "", root_real, [])]
    while stack:
        directory, rel_dir, directory_real, parent_layers = stack.pop()
        if on_directory is not None:
            on_directory(directory)
        layers = read_layers(directory, rel_dir) + parent_layers
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if entry.name == ".git":  # a directory, or a worktree's link file
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
                real = os.path.realpath(entry.path) if entry.is_symlink() else None
            except OSError:
                continue
            if real is not None and not _inside(real, root_real):
                continue
            if is_dir:
                if rules.skip_reason(rel, True, layers, entry.path):
                    continue
                # not a link: its real path follows from its parent's, without the lstat
                # of every component that realpath() costs (most of a walk's time)
                key = real or os.path.join(directory_real, entry.name)
                if key not in visited:
                    visited.add(key)
                    stack.append((entry.path, rel, key, layers))
            elif is_file and not rules.skip_reason(rel, False, layers):
                yield rel, entry.path


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


# Linux stamps files from a clock that lags by at most a tick (1–10 ms); 100 ms leaves room.
# File systems with coarser times (FAT: 2 s, HFS+: 1 s) are not fit for the sandbox.
RACY_NS = 100_000_000
TEXT_CACHE_CHARS = 64 << 20  # texts kept in memory per workspace, at most
BINARY_SNIFF_BYTES = 8192

_Key = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


class WorkspaceFiles:
    """The file list and texts of one folder, re-read only when they change."""

    def __init__(self, folder: Path, settings: IndexSettings) -> None:
        self.folder = folder
        self.settings = settings
        self._paths: list[str] | None = None
        self._watched: dict[str, int] = {}  # directory or ignore file → mtime_ns
        self._texts: dict[str, tuple[_Key, str | None]] = {}
        self._text_chars = 0

    def paths(self) -> list[str]:
        """Sorted relative POSIX paths of the files the ignore rules keep (a shared list)."""
        if self._paths is None or not self._unchanged():
            self._relist()
        assert self._paths is not None
        return self._paths

    def text(self, rel: str) -> str | None:
        """The UTF-8 text of ``rel``; None when missing, binary or over ``max_file_bytes``."""
        full = os.path.join(self.folder, rel)
        try:
            stat = os.stat(full)
        except OSError:
            return None
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        cached = self._texts.get(rel)
        if cached is not None and cached[0] == key:
            return cached[1]
        if stat.st_size > self.settings.max_file_bytes:
            text = None
        else:
            text = read_text(full, self.settings.max_file_bytes)
        settled = time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > RACY_NS
        size = len(text or "")
        if settled and self._text_chars + size <= TEXT_CACHE_CHARS:
            if cached is not None:
                self._text_chars -= len(cached[1] or "")
            self._texts[rel] = (key, text)
            self._text_chars += size
        return text

    def _relist(self) -> None:
        watched: dict[str, int] = {}

        def watch(directory: str) -> None:
            for path in (directory, *(os.path.join(directory, n) for n in IGNORE_FILES)):
                try:
                    watched[path] = os.stat(path).st_mtime_ns
                except OSError:
                    pass  # a missing ignore file appears by changing its directory

        files = iter_workspace_files(self.folder, self.settings, on_directory=watch)
        self._paths = sorted(rel for rel, _ in files)
        settled_before = time.time_ns() - RACY_NS
        racy = any(mtime > settled_before for mtime in watched.values())
        self._watched = {} if racy else watched  # racy: list again next time

    def _unchanged(self) -> bool:
        if not self._watched:
            return False
        for path, mtime in self._watched.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        return True


def read_text(path: str | Path, max_bytes: int) -> str | None:
    """The UTF-8 text of a file; None when unreadable, binary or over ``max_bytes``."""
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError:
        return None
    if len(data) > max_bytes or b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
