"""Keep every model-supplied path inside the sandbox (design invariant 5).

The model names files in tool inputs; a name is only ever turned into a filesystem path
through :func:`resolve_inside`. It refuses absolute paths, ``..`` that climbs out, symlinks
(anywhere along the path) whose target lies outside the sandbox — which also covers the
heavy dependency folders the sandbox links to the user's folder, so nothing can be written
through them — and anything inside ``.git``. The refusal is a :class:`PathEscape` whose
message tells the model what to do instead, so a tool can hand it back as an error result.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class PathEscape(ValueError):
    """A path that would leave the sandbox or reach into git's internals."""


def resolve_inside(root: Path, user_path: str) -> Path:
    """The real path of ``user_path`` (relative to ``root``), refused unless it stays inside.

    ``""`` and ``"."`` name the root itself. The returned path has every symlink resolved,
    so callers do not follow a link a second time.
    """
    if "\x00" in user_path:
        raise PathEscape(f"path {user_path!r} contains a NUL character")
    text = user_path.strip()
    if text.startswith("~") or PurePosixPath(text).is_absolute() or _has_drive(text):
        raise PathEscape(
            f"absolute paths are not allowed: {user_path!r}; "
            "use a path relative to the workspace root, e.g. 'src/app.py'"
        )
    parts = PurePosixPath(text).parts
    if ".git" in parts:
        raise PathEscape(f"{user_path!r} is inside .git; git internals are off limits")
    real_root = root.resolve()
    lexical = os.path.normpath(os.path.join(real_root, text)) if text else str(real_root)
    if not _is_within(Path(lexical), real_root):
        raise PathEscape(f"{user_path!r} uses '..' to leave the workspace root")
    resolved = Path(lexical).resolve()
    if not _is_within(resolved, real_root):
        raise PathEscape(
            f"{user_path!r} goes through a symlink that points outside the workspace "
            "(linked dependency folders such as node_modules and .venv are off limits)"
        )
    if ".git" in resolved.relative_to(real_root).parts:
        raise PathEscape(f"{user_path!r} leads into .git; git internals are off limits")
    return resolved


def relative_posix(root: Path, path: Path) -> str:
    """``path`` as a POSIX path relative to ``root`` ("." for the root itself)."""
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    return rel or "."


def _is_within(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _has_drive(text: str) -> bool:
    # "C:\\x" or "C:/x": refuse Windows-style absolute paths too
    return len(text) >= 2 and text[1] == ":" and text[0].isalpha()
