"""``str_replace_based_edit_tool``: Anthropic's text editor tool, run against the sandbox.

The definition is the versioned client-side tool type (``text_editor_20250728``), so the
model uses the editing interface it was trained on; the commands themselves are carried out
by :mod:`delegate.agent.edit_tool`. After each command that writes, the file is checked
(:mod:`delegate.agent.edit_check`, and the project's linter when ``tests.lint_command`` is
set) and what the check found is added to the result, so a broken edit is fixed at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

from delegate.agent import edit_check, edit_tool
from delegate.agent.paths import PathEscape, relative_posix, resolve_inside
from delegate.agent.testrunner import TestRunner
from delegate.agent.tools.base import BaseTool

_WRITES = frozenset({"create", "str_replace", "insert"})
_LINT_TIMEOUT_S = 60.0
_LINT_OUTPUT_CHARS = 3000


class TextEditor(BaseTool):
    name = edit_tool.TOOL_NAME
    description = "Anthropic's text editor tool: view, create, str_replace, insert."
    input_schema: ClassVar[dict[str, Any]] = {}  # defined by Anthropic, not by us

    def definition(self) -> dict[str, Any]:
        return edit_tool.definition()

    async def run(self, input: Mapping[str, Any]) -> str:
        root = self.ctx.sandbox_root
        if input.get("command") not in _WRITES:
            return await asyncio.to_thread(edit_tool.run_command, root, input)
        before = await asyncio.to_thread(_current_text, root, input.get("path"))
        result = await asyncio.to_thread(edit_tool.run_command, root, input)
        return result + await self._checks(str(input.get("path")), before)

    async def _checks(self, path: str, before: str | None) -> str:
        target = resolve_inside(self.ctx.sandbox_root, path)
        shown = relative_posix(self.ctx.sandbox_root, target)
        after = await asyncio.to_thread(target.read_text, "utf-8", "replace")
        errors = await asyncio.to_thread(edit_check.new_syntax_errors, shown, before, after)
        notes = edit_check.describe(shown, errors) if errors else ""
        lint = self.ctx.settings.tests.lint_command
        if lint:
            runner = TestRunner(
                self.ctx.sandbox_root,
                [*lint, shown],
                timeout_s=_LINT_TIMEOUT_S,
                max_output_chars=_LINT_OUTPUT_CHARS * 2,
            )
            report = await runner.run()
            if not report.passed:
                output = report.output_tail.strip()[-_LINT_OUTPUT_CHARS:]
                notes += f"\nThe linter ({' '.join(lint)}) reports on {shown}:\n{output}"
        return notes


def _current_text(root: Any, path: object) -> str | None:
    if not isinstance(path, str):
        return None
    try:
        target = resolve_inside(root, path)
        return target.read_text("utf-8", "replace") if target.is_file() else None
    except (PathEscape, OSError):
        return None
