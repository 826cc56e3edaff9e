"""Apply a proposal straight to the files of a folder, for ``delegate run --apply``.

It uses the same merge as the editor, reading the disk instead of an open buffer, so a file
the user changed since the snapshot gets the same conflict rules. Files are read as bytes
and decoded as UTF-8 without newline translation, and written back the same way, so line
endings, a byte-order mark and a missing final newline survive; a file that is not UTF-8
is left alone and its hunks conflict. Every write is atomic and keeps the file's mode.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from delegate.proposals.model import OPEN, Proposal
from delegate.proposals.review import AcceptResult, accept, commit


@dataclass(frozen=True)
class DiskApplyResult:
    """The proposal with its new states, and what happened per file (by proposal path)."""

    proposal: Proposal
    applied: dict[str, tuple[str, ...]] = field(default_factory=dict)
    conflicted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # why a file's hunks conflicted


class _Refused(Exception):
    """A file the apply will not touch; the message says why."""


def _inside(folder: Path, relative: str) -> Path:
    root = folder.resolve()
    target = (root / relative).resolve()
    if target == root or not target.is_relative_to(root) or Path(relative).is_absolute():
        raise _Refused(f"path {relative!r} is outside the folder")
    return target


def read_text(path: Path) -> str | None:
    """The file's text exactly as stored (no newline translation); None if it is absent."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise _Refused(f"{path.name} is a directory") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(f"{path.name} is not UTF-8 text") from exc


def write_text(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text`` as UTF-8, keeping an existing file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _perform(folder: Path, result: AcceptResult) -> None:
    operation = result.operation
    target = _inside(folder, result.path)
    if operation is not None and operation.kind == "delete":
        target.unlink()
        return
    if operation is not None and operation.kind == "rename":
        assert operation.old_path is not None
        source = _inside(folder, operation.old_path)
        if target.exists():
            raise _Refused(f"{result.path} already exists")
        write_text(target, result.new_text or "")
        source.unlink()
        return
    if operation is not None and operation.kind == "create" and target.exists():
        raise _Refused(f"{result.path} already exists")
    if result.edits or operation is not None:
        write_text(target, result.new_text or "")


def apply_to_folder(
    proposal: Proposal, folder: Path, selection: Mapping[str, Collection[str]] | None = None
) -> DiskApplyResult:
    """Accept the selected hunks (None: every open hunk; else path → hunk ids) onto disk."""
    applied: dict[str, tuple[str, ...]] = {}
    conflicted: dict[str, tuple[str, ...]] = {}
    errors: dict[str, str] = {}
    for fp in proposal.files:
        if selection is not None and fp.path not in selection:
            continue
        ids = None if selection is None else list(selection[fp.path])
        try:
            current = read_text(_inside(folder, fp.source_path))
            result = accept(proposal, fp.path, ids, current)
            if result.applied:
                _perform(folder, result)
        except _Refused as exc:
            refused = [
                h.id
                for h in fp.hunks
                if (ids is None or h.id in ids) and h.state in OPEN and not h.detached
            ]
            proposal = proposal.with_file(fp.with_states(dict.fromkeys(refused, "conflicted")))
            conflicted[fp.path] = tuple(refused)
            errors[fp.path] = str(exc)
            continue
        proposal = commit(proposal, result)
        if result.applied:
            applied[fp.path] = result.applied
        if result.conflicted:
            conflicted[fp.path] = result.conflicted
    return DiskApplyResult(proposal, applied, conflicted, errors)
