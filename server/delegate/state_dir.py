"""The per-folder ``.delegate/`` directory, and the one way to write a file in it atomically.

Every part keeps its state there — the index, proposals, task records, traces, logs — so
creating it (with its own ``.gitignore`` of ``*``, keeping it out of the user's repository)
and writing durable files in it live here once. Invariant 6: a crash mid-write leaves the
old file or the new one, never a torn mix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

STATE_DIR = ".delegate"


def state_dir(folder: Path) -> Path:
    """``<folder>/.delegate``, created with a ``.gitignore`` of ``*`` when missing."""
    path = folder / STATE_DIR
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        atomic_write_text(ignore, "*\n")
    return path


def storage_problem(exc: OSError, where: Path) -> str:
    """One line naming the path and the cause of a failed read or write, e.g. ``cannot
    write /p/.delegate/tasks: Read-only file system``; ``where`` when the error names no
    file (a full disk's does not)."""
    return f"cannot write {exc.filename or where}: {exc.strerror or exc}"


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, no newline translation) or leave it untouched.

    Temp file in the same directory, flush, fsync, rename over the target, fsync the
    directory so the rename itself survives a power cut.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
