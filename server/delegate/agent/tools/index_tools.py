"""The tools that ask the workspace index: ``search_code``, ``repo_map``, ``find_symbol``.

The index describes the user's folder, not the sandbox, but its paths are relative, so
they name the same files in the sandbox (the agent's own edits are not in the index; it
reads the sandbox with ``read_file`` for the current text). Index calls may touch disk
(LanceDB), so they run in a worker thread. When there is no index the tools say so and
point at ``grep``, instead of failing silently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

from delegate.agent.tools.base import (
    BaseTool,
    CodeIndex,
    ToolOutput,
    bounded_int,
    optional_str,
    required_str,
    string_list,
    truncate_lines,
)
from delegate.index.model import SearchHit

NO_INDEX = (
    "The code index is unavailable for this workspace (not built yet or failed to open). "
    "Use grep, list_dir and read_file instead."
)
SNIPPET_LINES = 8
MAX_REFERENCES = 50


class _IndexTool(BaseTool):
    async def run(self, input: Mapping[str, Any]) -> str | ToolOutput:
        index = self.ctx.index
        if index is None:
            return ToolOutput(NO_INDEX, is_error=True)
        return await self.ask(index, input)

    async def ask(self, index: CodeIndex, input: Mapping[str, Any]) -> str | ToolOutput:
        raise NotImplementedError


class SearchCode(_IndexTool):
    name = "search_code"
    description = (
        "Hybrid (keyword + semantic) search over the indexed code of the workspace. Returns "
        "the best matching functions, classes and text windows as `path:start-end kind symbol` "
        "with the first lines of each. Use it to find where something is implemented."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "Words, identifiers or a question."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 30, "default": 10},
            "path_glob": {"type": "string", "description": "Only paths matching, e.g. src/**"},
            "language": {"type": "string", "description": "e.g. python, typescript"},
            "kind": {"type": "string", "enum": ["function", "method", "class", "module", "text"]},
        },
        "required": ["query"],
    }

    async def ask(self, index: CodeIndex, input: Mapping[str, Any]) -> str:
        query = required_str(input, "query")
        hits = await asyncio.to_thread(
            index.search,
            query,
            limit=bounded_int(input, "limit", 10, 1, 30),
            path_glob=optional_str(input, "path_glob"),
            language=optional_str(input, "language"),
            kind=optional_str(input, "kind"),
        )
        if not hits:
            return (
                f"No results for {query!r}. Try other words, grep for an exact name, or repo_map."
            )
        return "\n\n".join(format_hit(n, hit) for n, hit in enumerate(hits, start=1))


def format_hit(number: int, hit: SearchHit) -> str:
    label = " ".join(part for part in (hit.kind, hit.symbol) if part)
    head = f"{number}. {hit.path}:{hit.start_line}-{hit.end_line}  {label}  (score {hit.score:.3f})"
    lines = hit.text.splitlines()
    body = [f"   {hit.start_line + i:5} {line}" for i, line in enumerate(lines[:SNIPPET_LINES])]
    if len(lines) > SNIPPET_LINES:
        body.append(f"   [… {len(lines) - SNIPPET_LINES} more lines; read_file for the rest]")
    return "\n".join([head, *body])


class RepoMap(_IndexTool):
    name = "repo_map"
    description = (
        "A compact map of the repository: the most important files and the signatures they "
        "define, ranked by how much the rest of the code refers to them. Optionally focused "
        "on some files or a query."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "max_tokens": {"type": "integer", "minimum": 256, "maximum": 8192, "default": 1024},
            "focus": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Paths to rank first.",
            },
            "query": {"type": "string", "description": "Words that should weigh in the ranking."},
        },
    }

    async def ask(self, index: CodeIndex, input: Mapping[str, Any]) -> str:
        text = await asyncio.to_thread(
            index.repo_map,
            max_tokens=bounded_int(input, "max_tokens", 1024, 256, 8192),
            focus=string_list(input, "focus"),
            query=optional_str(input, "query") or "",
        )
        return text or "The repository map is empty (nothing indexed yet)."


class FindSymbol(_IndexTool):
    name = "find_symbol"
    description = (
        "Where a symbol is defined and where its name is used. Give a short name (`parse`) "
        "or a qualified one (`Parser.parse`)."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"name": {"type": "string", "description": "Symbol name."}},
        "required": ["name"],
    }

    async def ask(self, index: CodeIndex, input: Mapping[str, Any]) -> str:
        name = required_str(input, "name")
        definitions, references = await asyncio.to_thread(index.find_symbol, name)
        if not definitions and not references:
            return f"No definition or reference of {name!r} in the index. Try grep."
        lines = [f"Definitions of {name} ({len(definitions)}):"]
        lines += [
            f"  {d.path}:{d.start_line}-{d.end_line}  {d.kind} {d.qualified}" for d in definitions
        ]
        lines.append(f"References ({len(references)}):")
        refs = [f"  {r.path}:{r.line}" for r in references]
        lines.append(truncate_lines(refs, MAX_REFERENCES))
        return "\n".join(lines)
