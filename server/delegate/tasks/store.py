"""Task records on disk: one JSON file per task, written atomically.

Invariant 6 (ARCHITECTURE.md): a crash mid-write never leaves a half-written record, because
each record is written to a temporary file in the same directory and moved over the old one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from delegate.state_dir import atomic_write_text, state_dir
from delegate.tasks.records import TaskRecord

log = logging.getLogger(__name__)


class TaskStore:
    """The task records of one workspace folder, under ``.delegate/tasks/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.directory = folder / ".delegate" / "tasks"

    def path_for(self, task_id: str) -> Path:
        return self.directory / f"{task_id}.json"

    def save(self, record: TaskRecord) -> None:
        state_dir(self.folder)
        text = json.dumps(record.to_json(), indent=2, sort_keys=True)
        atomic_write_text(self.path_for(record.task_id), text)

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
