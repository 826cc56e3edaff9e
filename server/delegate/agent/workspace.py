"""The loop's view of its sandbox: the copy, the tools that work on it, and its test command.

:mod:`delegate.agent.engine` needs four things from the place a task works in — its tools for
a phase, a test run, the diff, and clean-up. This adapter assembles them from the sandbox,
the tool set and the test runner, so the loop does not depend on how each is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from delegate.agent.sandbox import Sandbox
from delegate.agent.task import TaskSpec, TestReport
from delegate.agent.test_commands import detect_command
from delegate.agent.testrunner import TestRunner
from delegate.agent.tools import ToolContext, build_tools
from delegate.proposals.changes import FileChange
from delegate.settings import Settings

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
            )
        return await runner.run(selection, on_progress=on_progress)

    def changes(self) -> list[FileChange]:
        return self.sandbox.changes()

    async def close(self) -> None:
        await self.sandbox.close()


def test_runner_for(root: Path, settings: Settings, focus: str | None = None) -> TestRunner | None:
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
        runner = test_runner_for(sandbox.root, settings, spec.file)
        context = ToolContext(
            sandbox_root=sandbox.root, index=index, test_runner=runner, settings=settings
        )
    except BaseException:
        await sandbox.close()
        raise
    return SandboxWorkspace(sandbox, runner, context)
