"""What a delegated task is, what it reports while it runs, and what it returns.

These plain types are the contract between whoever starts a task (the language server, the
``delegate run`` command) and the engine that runs it (``delegate.agent.engine.run_task``).
They carry no LSP types and no SDK types, so both sides can be tested alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from delegate.proposals.changes import FileChange

TaskKind = Literal["task", "tests", "revise"]
Phase = Literal["queued", "snapshot", "planning", "editing", "testing", "verifying", "done"]
TaskState = Literal["queued", "running", "succeeded", "failed", "cancelled"]


@dataclass(frozen=True)
class TaskSpec:
    """Everything the engine needs to start; immutable once the task is queued."""

    task_id: str
    folder: Path  # the workspace folder the task works on
    instruction: str  # what the user asked for, in their words
    kind: TaskKind = "task"
    file: str | None = None  # relative POSIX path of the file in focus
    start_line: int | None = None  # 1-based, inclusive range in ``file``
    end_line: int | None = None
    symbol: str | None = None  # qualified symbol for kind == "tests"
    # unsaved editor buffers by relative path; the sandbox snapshot uses these over the disk
    overrides: Mapping[str, str] = field(default_factory=dict)
    # for kind == "revise": the rejected hunks and the user's comment (proposals.revise_request)
    revise: Mapping[str, Any] | None = None
    keep_sandbox: bool = False
    # this task's own autonomy level when it differs from the settings' (the prompt says it)
    autonomy: str | None = None


@dataclass(frozen=True)
class TaskEvent:
    """Progress of a running task, for progress bars and ``delegate/taskChanged``."""

    task_id: str
    phase: Phase
    message: str = ""
    iteration: int = 0
    tests_done: int | None = None
    tests_total: int | None = None
    cost_usd: float = 0.0


EventSink = Callable[[TaskEvent], None]


@dataclass(frozen=True)
class TestReport:
    """One test run, condensed."""

    command: list[str]
    passed: bool
    exit_code: int | None  # None when the run timed out
    summary: str  # e.g. "3 failed, 41 passed"
    failures: list[str] = field(default_factory=list)  # condensed failing tests with messages
    output_tail: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class TaskResult:
    """The outcome of a task. ``changes`` is empty when the task produced nothing usable."""

    task_id: str
    state: TaskState
    message: str  # one human sentence: why it ended
    changes: list[FileChange] = field(default_factory=list)
    plan: str = ""
    summary: str = ""
    tests_before: TestReport | None = None
    tests_after: TestReport | None = None
    verdict: Mapping[str, Any] = field(default_factory=dict)  # {"approved": bool, "notes": [...]}
    cost_usd: float = 0.0
    trace_path: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. mutation score for "tests"
