"""What we remember about one task: a small JSON-friendly record that outlives the process.

The record is the user-facing view of a task (state, phase, cost, the last message); the
engine's full output lives in the proposal and the trace. Records are plain data so they
can be sent as-is in ``delegate/tasks`` and written to ``.delegate/tasks/<id>.json``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from delegate.agent.task import Phase, TaskKind, TaskState

FINISHED_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


def new_task_id() -> str:
    """A sortable, unique, human-readable id such as ``20261121-150501-a1b2c3``."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


@dataclass
class TaskRecord:
    """The state of one task as the user sees it. Mutated only by the registry."""

    task_id: str
    folder: str  # absolute path of the workspace folder
    instruction: str
    kind: TaskKind = "task"
    state: TaskState = "queued"
    phase: Phase = "queued"
    message: str = ""
    iteration: int = 0
    tests_done: int | None = None
    tests_total: int | None = None
    cost_usd: float = 0.0
    file: str | None = None
    start_line: int | None = None
    end_line: int | None = None
    symbol: str | None = None
    # the range of the ``delegate:`` comment this task came from, as the code action sent it
    # ({"start": {"line", "character"}, "end": {...}}, 0-based); the proposal removes it
    trigger: dict[str, Any] | None = None
    # why a failed task failed (``tasks/outcomes.py``: no_api_key, budget, …); None otherwise
    error_kind: str | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskRecord:
        """Build a record, ignoring unknown keys so older and newer files both load."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
