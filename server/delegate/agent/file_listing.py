"""Every file of a folder that its ignore rules keep, whatever its language or size.

The index's :func:`delegate.index.files.walk_folder` lists *indexable* files: it drops
names without a language and files above ``index.max_file_bytes``. A sandbox copy and the
agent's ``grep`` need every file the project considers its own (data files, fixtures,
``setup.cfg``), but under the very same ignore rules, so this walker reuses the index's
:mod:`delegate.index.ignore_rules` (``.ignore``/``.gitignore`` layers, built-in excludes
such as ``node_modules`` and virtualenvs, ``index.exclude``) and leaves out only the
language and size filters. Symlinks are listed only while they stay inside the folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from delegate.index.ignore_rules import IgnoreLayer, IgnoreRules, read_layers
from delegate.settings import IndexSettings


def list_workspace_files(folder: Path, settings: IndexSettings) -> list[str]:
    """Sorted POSIX paths, relative to ``folder``, of the files its ignore rules keep."""
    return sorted(rel for rel, _ in iter_workspace_files(folder, settings))


def iter_workspace_files(folder: Path, settings: IndexSettings) -> Iterator[tuple[str, str]]:
    """(relative POSIX path, full path) of each file the ignore rules keep, in walk order."""
    rules = IgnoreRules(exclude=settings.exclude)
    root = os.path.abspath(folder)
    root_real = os.path.realpath(root)
    visited = {root_real}
    stack: list[tuple[str, str, list[IgnoreLayer]]] = [(root, "", read_layers(root, ""))]
    while stack:
        directory, rel_dir, layers = stack.pop()
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
                key = real or os.path.realpath(entry.path)
                if key not in visited:
                    visited.add(key)
                    stack.append((entry.path, rel, read_layers(entry.path, rel) + layers))
            elif is_file and not rules.skip_reason(rel, False, layers):
                yield rel, entry.path


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)
