"""Task records on disk: one JSON file per task, written atomically.

Invariant 6 (ARCHITECTURE.md): a crash mid-write never leaves a half-written record, because
each record is written to a temporary file in the same directory and moved over the old one.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from delegate.tasks.records import TaskRecord

log = logging.getLogger(__name__)


def ensure_state_dir(folder: Path) -> Path:
    """Create ``<folder>/.delegate`` with a ``.gitignore`` that keeps it out of version control."""
    state = folder / ".delegate"
    state.mkdir(parents=True, exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return state


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see either the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TaskStore:
    """The task records of one workspace folder, under ``.delegate/tasks/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.directory = folder / ".delegate" / "tasks"

    def path_for(self, task_id: str) -> Path:
        return self.directory / f"{task_id}.json"

    def save(self, record: TaskRecord) -> None:
        ensure_state_dir(self.folder)
        text = json.dumps(record.to_json(), indent=2, sort_keys=True)
        write_atomically(self.path_for(record.task_id), text)

    def load_all(self) -> list[TaskRecord]:
        """Every readable record, oldest first; unreadable files are logged and skipped."""
        records: list[TaskRecord] = []
        if not self.directory.is_dir():
            return records
        for path in sorted(self.directory.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                records.append(TaskRecord.from_json(data))
            except (OSError, ValueError, TypeError) as exc:
                log.warning("skipping unreadable task record %s: %s", path.name, exc)
        records.sort(key=lambda r: r.created_at)
        return records
