"""Proposals on disk: ``<folder>/.delegate/proposals/<task-id>.json``, written atomically.

Each task's file holds all its versions; the highest is current, the others stay loadable.
A write goes to a temporary file in the same directory, is flushed and fsynced, replaces
the old file in one ``os.replace`` and then the directory is fsynced — so a crash leaves
either the old file or the new one, never half of either. A file that cannot be read on
start is logged and skipped: one bad file must not take the server down.
"""

from __future__ import annotations

import builtins
import json
import logging
import re
from pathlib import Path

from delegate.proposals.model import Proposal
from delegate.proposals.serialize import task_document, versions_from_document
from delegate.state_dir import atomic_write_text, fsync_dir, state_dir

log = logging.getLogger(__name__)

_TASK_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")


class ProposalStore:
    """Every proposal of one workspace folder, loaded on start and kept in memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.directory = folder / ".delegate" / "proposals"
        self._tasks: dict[str, list[Proposal]] = {}
        self.skipped: list[Path] = []  # files that could not be read on load
        self.load()

    def load(self) -> None:
        """(Re)read every task file; unreadable ones are logged and skipped."""
        self._tasks.clear()
        self.skipped.clear()
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob("*.json")):
            try:
                versions = versions_from_document(json.loads(path.read_text(encoding="utf-8")))
                if versions[0].task_id != path.stem:
                    raise ValueError(f"file holds task {versions[0].task_id!r}")
            except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeError included
                log.warning("skipping unreadable proposal file %s: %s", path.name, exc)
                self.skipped.append(path)
                continue
            self._tasks[path.stem] = versions

    def _path(self, task_id: str) -> Path:
        if not _TASK_ID.match(task_id):
            raise ValueError(f"not a usable task id: {task_id!r}")
        return self.directory / f"{task_id}.json"

    def list(self) -> list[Proposal]:
        """The current (latest) version of every task, ordered by task id."""
        return [versions[-1] for _, versions in sorted(self._tasks.items())]

    def versions(self, task_id: str) -> builtins.list[Proposal]:
        """Every stored version of a task, oldest first (empty if unknown)."""
        return list(self._tasks.get(task_id, []))

    def get(self, task_id: str, version: int | None = None) -> Proposal | None:
        """The latest version of a task, or the given one; None if there is none."""
        versions = self._tasks.get(task_id, [])
        if version is None:
            return versions[-1] if versions else None
        return next((p for p in versions if p.version == version), None)

    def save(self, proposal: Proposal) -> None:
        """Store ``proposal``, replacing a stored version with the same number."""
        path = self._path(proposal.task_id)
        versions = [
            p for p in self._tasks.get(proposal.task_id, []) if p.version != proposal.version
        ]
        versions.append(proposal)
        versions.sort(key=lambda p: p.version)
        state_dir(self.folder)
        self.directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(task_document(versions), ensure_ascii=True, indent=1)
        atomic_write_text(path, text + "\n")
        self._tasks[proposal.task_id] = versions

    def delete(self, task_id: str) -> bool:
        """Forget a task and remove its file; False if there was nothing to delete."""
        path = self._path(task_id)
        existed = self._tasks.pop(task_id, None) is not None
        try:
            path.unlink()
        except FileNotFoundError:
            return existed
        fsync_dir(self.directory)
        return True
