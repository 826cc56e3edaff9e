"""The types the agent loop shares with the modules it calls: the workspace and its tools,
the stop signal, and what test generation sees of a running task.

``engine.py`` runs the loop and imports ``workspace.py`` (the default sandbox) and
``testgen.py`` (the ``tests`` kind); both of those need these types too. Kept here, apart
from the loop, so neither has to import the engine back (``tests/unit/test_layering.py``
refuses any import circle).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from delegate.agent.client import ModelReply
from delegate.agent.task import Phase, TaskSpec, TestReport
from delegate.agent.tools.base import CodeIndex
from delegate.agent.trace import TraceWriter
from delegate.proposals.changes import FileChange
from delegate.settings import Settings

ToolPhase = Literal["plan", "code"]


class ToolResultLike(Protocol):
    text: str
    is_error: bool


class Tool(Protocol):
    name: str

    def definition(self) -> dict[str, Any]: ...

    async def execute(self, input: dict[str, Any]) -> ToolResultLike: ...


class Workspace(Protocol):
    """The sandbox and what runs in it, as the loop needs them."""

    root: Path

    def tools(self, phase: ToolPhase) -> list[Tool]: ...

    async def run_tests(
        self,
        on_progress: Callable[[int, int | None], None] | None = None,
        selection: Sequence[str] = (),
        timeout_s: float | None = None,
    ) -> TestReport | None: ...

    def changes(self) -> list[FileChange]: ...

    async def close(self) -> None: ...


WorkspaceFactory = Callable[[TaskSpec, Settings, "CodeIndex | None"], Awaitable[Workspace]]


class TaskStopped(Exception):
    """A bound was reached; the message says which and why."""


class RunningTask(Protocol):
    """What test generation uses of the engine's ``TaskRun``."""

    spec: TaskSpec
    settings: Settings
    workspace: Workspace
    trace: TraceWriter
    iteration: int
    summary: str

    def emit(
        self, phase: Phase, message: str = "", tests: tuple[int, int | None] | None = None
    ) -> None: ...

    async def run_tests(
        self, label: str, selection: Sequence[str] = (), timeout_s: float | None = None
    ) -> TestReport | None: ...

    async def agent_turns(
        self,
        system: Sequence[str],
        messages: list[dict[str, Any]],
        tools: Sequence[Tool],
        max_turns: int,
        *,
        stop_tools: frozenset[str] = ...,
        role: str | None = None,
    ) -> ModelReply: ...


class TaskOutcome(Protocol):
    """What test generation fills in of the engine's outcome of a task."""

    plan: str
    tests_before: TestReport | None
    tests_after: TestReport | None
    extra: dict[str, Any]
