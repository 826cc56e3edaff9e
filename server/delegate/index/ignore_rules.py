"""Which paths the index leaves alone: ignore files, built-in excludes and the settings.

The rules, from strongest to weakest:

1. ``index.exclude`` from the settings (gitignore syntax) always wins;
2. ``.ignore`` then ``.gitignore`` files, the deepest directory first — as in git and
   ripgrep, a pattern is relative to the directory of the file that holds it and a later
   ``!negation`` re-includes what an earlier pattern excluded;
3. built-in excludes (VCS folders, ``node_modules``, virtualenvs, caches, build output,
   ``.delegate``), so a project can still re-include e.g. a real ``build/`` package with
   ``!build/`` in its ``.gitignore``;
4. ``index.include``: when set, a *file* must match one of its patterns (directories are
   never pruned by it, because ``src/**/*.py`` says nothing about a directory).

Directories are judged before they are entered, so the walker prunes whole trees and never
lists what it would throw away.
"""

from __future__ import annotations

import os
from collections.abc import Container, Sequence
from dataclasses import dataclass

import pathspec

IGNORE_FILES = (".ignore", ".gitignore")  # the first is stronger at the same level

BUILTIN_EXCLUDED_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "build",
        "dist",
        "target",
        "out",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".delegate",
        ".eggs",
    }
)
# these names are virtualenvs only when they hold one; `env/` may be real source code
VENV_MARKER = "pyvenv.cfg"


@dataclass(frozen=True)
class IgnoreLayer:
    """The patterns of one ignore file, anchored at ``base`` ("" for the folder root)."""

    base: str
    spec: pathspec.GitIgnoreSpec

    def decide(self, rel_path: str, is_dir: bool) -> bool | None:
        """True = ignored, False = re-included by a negation, None = no pattern applies."""
        if self.base:
            if not rel_path.startswith(self.base + "/"):
                return None
            rel_path = rel_path[len(self.base) + 1 :]
        result = self.spec.check_file(rel_path + "/" if is_dir else rel_path)
        include: bool | None = result.include
        return include


def read_layers(
    directory: str, rel_dir: str, names: Container[str] | None = None
) -> list[IgnoreLayer]:
    """The ignore files of one directory, strongest first; ``names``, when the caller has
    listed the directory, spares opening the ignore files that are not there."""
    layers: list[IgnoreLayer] = []
    for name in IGNORE_FILES:
        if names is not None and name not in names:
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        if len(spec):
            layers.append(IgnoreLayer(rel_dir, spec))
    return layers


def _spec(patterns: Sequence[str]) -> pathspec.GitIgnoreSpec | None:
    return pathspec.GitIgnoreSpec.from_lines(patterns) if patterns else None


class IgnoreRules:
    """The folder-independent part of the rules: built-ins plus the settings' globs."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        self._include = _spec(include)
        self._exclude = _spec(exclude)

    def skip_reason(
        self,
        rel_path: str,
        is_dir: bool,
        layers: Sequence[IgnoreLayer],
        abs_path: str = "",
    ) -> str | None:
        """Why ``rel_path`` is skipped ("excluded", "ignored", "builtin", "not_included"),
        or None when it is kept. ``layers`` are ordered strongest (deepest) first."""
        suffix = "/" if is_dir else ""
        if self._exclude is not None and self._exclude.match_file(rel_path + suffix):
            return "excluded"
        for layer in layers:
            decision = layer.decide(rel_path, is_dir)
            if decision is not None:
                return "ignored" if decision else None
        if is_dir and _is_builtin_excluded_dir(rel_path, abs_path):
            return "builtin"
        if not is_dir and self._include is not None and not self._include.match_file(rel_path):
            return "not_included"
        return None


def _is_builtin_excluded_dir(rel_path: str, abs_path: str) -> bool:
    name = rel_path.rsplit("/", 1)[-1]
    if name in BUILTIN_EXCLUDED_DIRS or name.endswith(".egg-info"):
        return True
    return bool(abs_path) and os.path.isfile(os.path.join(abs_path, VENV_MARKER))
