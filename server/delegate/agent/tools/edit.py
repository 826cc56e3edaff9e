"""``str_replace_based_edit_tool``: Anthropic's text editor tool, run against the sandbox.

The definition is the versioned client-side tool type (``text_editor_20250728``), so the
model uses the editing interface it was trained on; the commands themselves are carried out
by :mod:`delegate.agent.edit_tool`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

from delegate.agent import edit_tool
from delegate.agent.tools.base import BaseTool


class TextEditor(BaseTool):
    name = edit_tool.TOOL_NAME
    description = "Anthropic's text editor tool: view, create, str_replace, insert."
    input_schema: ClassVar[dict[str, Any]] = {}  # defined by Anthropic, not by us

    def definition(self) -> dict[str, Any]:
        return edit_tool.definition()

    async def run(self, input: Mapping[str, Any]) -> str:
        return await asyncio.to_thread(edit_tool.run_command, self.ctx.sandbox_root, input)
