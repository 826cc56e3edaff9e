"""What every agent tool shares: its result type, its context, and failure handling.

A tool is a small object with a ``name``, a ``definition()`` for the Messages API and an
async ``execute(input)``. :class:`BaseTool` turns every problem into an ``is_error``
result the model can act on — a refused path, a bad argument, or an unexpected exception
— so a tool call never crashes the loop. Cancellation is not caught: it must stop the task.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from delegate.agent.edit_tool import EditError
from delegate.agent.file_listing import WorkspaceFiles
from delegate.agent.paths import PathEscape
from delegate.agent.task import TestReport
from delegate.agent.testrunner import ProgressSink, SelectionError, TestRunner
from delegate.index.model import Definition, Reference, SearchHit
from delegate.settings import Settings

log = logging.getLogger(__name__)

MAX_OUTPUT_CHARS = 20_000


@dataclass(frozen=True)
class ToolOutput:
    """The text handed back to the model as a ``tool_result``."""

    text: str
    is_error: bool = False


class Tool(Protocol):
    name: str

    def definition(self) -> dict[str, Any]: ...

    async def execute(self, input: Mapping[str, Any]) -> ToolOutput: ...


class CodeIndex(Protocol):
    """What the tools need from the index; ``WorkspaceIndex`` satisfies it."""

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        path_glob: str | None = None,
        language: str | None = None,
        kind: str | None = None,
    ) -> list[SearchHit]: ...

    def find_symbol(self, name: str) -> tuple[list[Definition], list[Reference]]: ...

    def repo_map(
        self, *, max_tokens: int = 1024, focus: Sequence[str] = (), query: str = ""
    ) -> str: ...


@dataclass
class FinishState:
    """Filled by the ``finish`` tool: the coder's own account of what it did."""

    summary: str | None = None

    @property
    def finished(self) -> bool:
        return self.summary is not None


@dataclass
class ToolContext:
    """Everything the tools of one task work with."""

    sandbox_root: Path
    index: CodeIndex | None
    test_runner: TestRunner | None
    settings: Settings
    finish_state: FinishState = field(default_factory=FinishState)
    test_reports: list[TestReport] = field(default_factory=list)  # every run_tests result
    on_test_progress: ProgressSink | None = None
    # the sandbox's file list and texts, kept between calls while they do not change
    workspace_files: WorkspaceFiles = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.workspace_files = WorkspaceFiles(self.sandbox_root, self.settings.index)


class ToolInputError(ValueError):
    """The model's input does not fit the tool's schema; the message says what is wrong."""


class BaseTool:
    """Schema, description and error handling; subclasses implement :meth:`run`."""

    name: str  # set by each subclass
    description: ClassVar[str]
    input_schema: ClassVar[dict[str, Any]]

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }

    async def execute(self, input: Mapping[str, Any]) -> ToolOutput:
        raw: object = input  # the model may send anything
        if not isinstance(raw, Mapping):
            return ToolOutput(f"{self.name}: input must be a JSON object", is_error=True)
        try:
            result = await self.run(input)
        except (PathEscape, ToolInputError, EditError, SelectionError) as exc:
            return ToolOutput(str(exc), is_error=True)
        except Exception as exc:  # a tool failure is the model's news, not the loop's crash
            log.warning("tool %s failed", self.name, exc_info=True)
            return ToolOutput(f"{self.name} failed: {type(exc).__name__}: {exc}", is_error=True)
        if isinstance(result, ToolOutput):
            return ToolOutput(cap_chars(result.text), result.is_error)
        return ToolOutput(cap_chars(result))

    async def run(self, input: Mapping[str, Any]) -> str | ToolOutput:
        raise NotImplementedError


# --- input helpers ----------------------------------------------------------------------


def required_str(input: Mapping[str, Any], key: str) -> str:
    value = input.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(f"missing required input {key!r} (a non-empty string)")
    return value


def optional_str(input: Mapping[str, Any], key: str) -> str | None:
    value = input.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ToolInputError(f"{key!r} must be a string")
    return value


def bounded_int(input: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = input.get(key, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise ToolInputError(f"{key!r} must be an integer between {low} and {high}")
    return max(low, min(high, value))


def string_list(input: Mapping[str, Any], key: str) -> list[str]:
    value = input.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ToolInputError(f"{key!r} must be a list of strings")
    return list(value)


# --- output helpers ---------------------------------------------------------------------


def truncate_lines(lines: Sequence[str], max_lines: int, hint: str = "") -> str:
    """At most ``max_lines`` lines, then the marker "[… N more lines truncated]"."""
    if len(lines) <= max_lines:
        return "\n".join(lines)
    marker = f"[… {len(lines) - max_lines} more lines truncated{'; ' + hint if hint else ''}]"
    return "\n".join([*lines[:max_lines], marker])


def cap_chars(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """Cut ``text`` at a line boundary near ``limit`` characters, with the marker."""
    if len(text) <= limit:
        return text
    kept = text[:limit].rsplit("\n", 1)[0]
    hidden = text.count("\n") - kept.count("\n")
    return f"{kept}\n[… {hidden} more lines truncated]"
