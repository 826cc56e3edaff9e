"""The loop's view of its sandbox: the copy, the tools that work on it, and its test command.

:mod:`delegate.agent.engine` needs four things from the place a task works in — its tools for
a phase, a test run, the diff, and clean-up. This adapter assembles them from the sandbox,
the tool set and the test runner, so the loop does not depend on how each is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from delegate.agent.isolation import Confinement, isolation_notice
from delegate.agent.redact import redact_added_lines
from delegate.agent.sandbox import Sandbox
from delegate.agent.task import TaskSpec, TestReport
from delegate.agent.test_commands import detect_command
from delegate.agent.testrunner import TestRunner
from delegate.agent.tools import ToolContext, build_tools
from delegate.proposals.changes import FileChange
from delegate.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from delegate.agent.loop_types import Tool
    from delegate.agent.tools.base import CodeIndex


class SandboxWorkspace:
    """A sandbox with its tools and test runner; :meth:`close` removes the sandbox."""

    def __init__(self, sandbox: Sandbox, runner: TestRunner | None, context: ToolContext) -> None:
        self.sandbox = sandbox
        self.root: Path = sandbox.root
        self.runner = runner
        self._context = context

    def tools(self, phase: Literal["plan", "code"]) -> list[Tool]:
        tools: list[Any] = build_tools(self._context, phase=phase)
        return tools

    async def run_tests(
        self,
        on_progress: Callable[[int, int | None], None] | None = None,
        selection: Sequence[str] = (),
        timeout_s: float | None = None,
    ) -> TestReport | None:
        runner = self.runner
        if runner is None:
            return None
        if timeout_s is not None:
            runner = TestRunner(
                runner.root,
                runner.command,
                timeout_s=timeout_s,
                max_output_chars=runner.max_output_chars,
                kill_grace_s=runner.kill_grace_s,
                cwd=runner.cwd,
                confinement=runner.confinement,
            )
        return await runner.run(selection, on_progress=on_progress)

    def changes(self) -> list[FileChange]:
        return redact_added_lines(self.sandbox.changes())  # a run may copy a secret into a file

    async def close(self) -> None:
        await self.sandbox.close()


def test_runner_for(
    root: Path,
    settings: Settings,
    focus: str | None = None,
    confinement: Confinement | None = None,
) -> TestRunner | None:
    """The configured test command (run at the root), else the one detected for the project
    nearest ``focus`` (run in that project's folder); None when there is neither."""
    cwd = root
    command = settings.tests.command
    if not command:
        found = detect_command(root, focus)
        if found is None:
            return None
        command, cwd = found.command, root / found.folder
    return TestRunner(
        root,
        list(command),
        timeout_s=settings.tests.timeout_seconds,
        max_output_chars=settings.tests.max_output_chars,
        cwd=cwd,
        confinement=confinement,
    )


async def open_workspace(
    spec: TaskSpec, settings: Settings, index: CodeIndex | None
) -> SandboxWorkspace:
    sandbox = await Sandbox.create(
        spec.folder,
        spec.overrides,
        settings.index,
        keep=spec.keep_sandbox,
        placement=settings.sandbox,
    )
    try:
        notice = isolation_notice(settings.sandbox.require_isolation)
        if notice:  # said before each task, as at start
            log.warning("task %s: %s", spec.task_id, notice)
        confinement = Confinement.from_settings(sandbox.temp_dir, spec.folder, settings)
        runner = test_runner_for(sandbox.root, settings, spec.file, confinement)
        context = ToolContext(
            sandbox_root=sandbox.root, index=index, test_runner=runner, settings=settings
        )
    except BaseException:
        await sandbox.close()
        raise
    return SandboxWorkspace(sandbox, runner, context)
