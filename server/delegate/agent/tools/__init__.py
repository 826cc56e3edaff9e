"""The agent's tools, a documented contract (docs/agent-tools.md).

:func:`build_tools` returns the tools of one phase: the planner gets the read-only tools,
the coder also gets the text editor, ``run_tests`` and ``finish``, and ``bash`` where its
commands can run in the OS sandbox (:mod:`delegate.agent.tools.shell_tool`).
"""

from __future__ import annotations

from typing import Literal

from delegate.agent.tools.base import (
    BaseTool,
    CodeIndex,
    FinishState,
    Tool,
    ToolContext,
    ToolInputError,
    ToolOutput,
)
from delegate.agent.tools.edit import TextEditor
from delegate.agent.tools.file_tools import Grep, ListDir, ReadFile
from delegate.agent.tools.index_tools import FindSymbol, RepoMap, SearchCode
from delegate.agent.tools.run_tools import Finish, RunTests
from delegate.agent.tools.shell_tool import Bash, shell_available

READ_ONLY_TOOLS: tuple[type[BaseTool], ...] = (
    SearchCode,
    RepoMap,
    FindSymbol,
    Grep,
    ReadFile,
    ListDir,
)
CODING_TOOLS: tuple[type[BaseTool], ...] = (TextEditor, RunTests, Finish)


def build_tools(ctx: ToolContext, *, phase: Literal["plan", "code"]) -> list[Tool]:
    """The tools for ``phase``, all bound to ``ctx``."""
    classes = READ_ONLY_TOOLS + (CODING_TOOLS if phase == "code" else ())
    if phase == "code" and shell_available(ctx):  # only where its runs are confined
        classes += (Bash,)
    return [cls(ctx) for cls in classes]


__all__ = [
    "CodeIndex",
    "FinishState",
    "Tool",
    "ToolContext",
    "ToolInputError",
    "ToolOutput",
    "build_tools",
]
