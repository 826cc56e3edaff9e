"""The tools that read the sandbox directly: ``grep``, ``read_file``, ``list_dir``.

Unlike the index tools these see the agent's own edits. Every path goes through
:func:`delegate.agent.paths.resolve_inside`; ``grep`` searches the files the project's
ignore rules keep (the same rules as the index), skipping binary and very large files;
the list and the texts are kept per task in :class:`delegate.agent.file_listing.WorkspaceFiles`
and re-read only when they change. A file whose bytes lack the literal every match must
contain (:func:`required_literal`) is skipped before the regex runs: a substring search
is several times faster than ``re`` scanning for a pattern that matches nowhere.
Outputs are capped in lines and characters and say how much was left out.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import pathspec

from delegate.agent.edit_tool import number_lines
from delegate.agent.file_listing import read_text
from delegate.agent.paths import relative_posix, resolve_inside
from delegate.agent.regex_scan import (
    LINE_CHARS,
    ScanResult,
    ScanTimeout,
    compile_linear,
    scan_in_child,
    scan_texts,
)
from delegate.agent.tools.base import (
    BaseTool,
    ToolInputError,
    bounded_int,
    optional_str,
    required_str,
    truncate_lines,
)

GREP_DEFAULT_MATCHES = 50
GREP_MAX_MATCHES = 200
GREP_LINE_CHARS = LINE_CHARS
GREP_TIMEOUT_S = 5.0  # wall clock for one grep call, whichever engine runs it
READ_MAX_LINES = 500
LIST_MAX_ENTRIES = 300
GREP_BATCH = 256  # files per look at the cache: few lock round trips, an early stop
_SKIPPED_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


class Grep(BaseTool):
    name = "grep"
    description = (
        "Search the workspace files (as edited so far) with a Python regular expression. "
        "Returns `path:line: text` for each matching line. Honours .gitignore."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Python `re` pattern."},
            "path_glob": {
                "type": "string",
                "description": "Only files matching this gitignore-style glob, e.g. *.py or src/**",
            },
            "case_insensitive": {"type": "boolean", "default": False},
            "max_matches": {
                "type": "integer",
                "minimum": 1,
                "maximum": GREP_MAX_MATCHES,
                "default": GREP_DEFAULT_MATCHES,
            },
        },
        "required": ["pattern"],
    }

    async def run(self, input: Mapping[str, Any]) -> str:
        pattern = required_str(input, "pattern")
        flags = re.IGNORECASE if input.get("case_insensitive") else 0
        try:
            regex = re.compile(pattern, flags | re.MULTILINE)
        except re.error as exc:
            raise ToolInputError(f"invalid regular expression {pattern!r}: {exc}") from exc
        glob = optional_str(input, "path_glob")
        limit = bounded_int(input, "max_matches", GREP_DEFAULT_MATCHES, 1, GREP_MAX_MATCHES)
        linear = compile_linear(pattern, bool(flags))
        if linear is not None:
            deadline = time.monotonic() + GREP_TIMEOUT_S
            candidates = self._candidates(regex, glob)
            result = await asyncio.to_thread(scan_texts, linear, candidates, limit, deadline)
        else:  # backtracking only in a child process that is killed at the timeout
            texts = await asyncio.to_thread(lambda: list(self._candidates(regex, glob)))
            try:
                result = await scan_in_child(
                    regex.pattern, regex.flags, texts, limit, GREP_TIMEOUT_S
                )
            except ScanTimeout as exc:
                raise ToolInputError(
                    f"grep stopped: {exc} (it needs Python's backtracking engine, which can "
                    "take exponential time); simplify the pattern, e.g. without nested "
                    "repeats, backreferences or look-arounds"
                ) from None
        return _grep_output(regex.pattern, glob, limit, result)

    def _candidates(self, regex: re.Pattern[str], glob: str | None) -> Iterator[tuple[str, str]]:
        """``(path, text)`` of each file the glob keeps whose bytes hold the pattern's
        required literal, read batch by batch as the scan asks for them."""
        files = self.ctx.workspace_files
        view = files.view()
        spec = pathspec.GitIgnoreSpec.from_lines([glob]) if glob else None
        memo = files.glob_memo(glob) if glob else {}
        needle = required_literal(regex)
        needle_data, any_case = (needle.data, needle.any_case) if needle else (None, False)
        paths = view.paths
        for first in range(0, len(paths), GREP_BATCH):
            batch = paths[first : first + GREP_BATCH]
            if spec is not None:
                for path in batch:
                    if path not in memo:
                        memo[path] = spec.match_file(path)
                batch = [path for path in batch if memo[path]]
            for path in view.containing(batch, needle_data, any_case=any_case):
                text = view.text(path)
                if text is not None:
                    yield path, text


def _grep_output(pattern: str, glob: str | None, limit: int, result: ScanResult) -> str:
    lines = list(result.matches)
    if not lines:
        lines.append(f"No matches for {pattern!r}" + (f" in {glob}" if glob else "") + ".")
    if result.more:
        lines.append(f"[… more matches not shown (limit {limit}); narrow the pattern or path_glob]")
    if result.timed_out:
        lines.append(
            f"[… grep stopped after {GREP_TIMEOUT_S:g} s: the remaining files were not "
            "searched; narrow path_glob]"
        )
    return "\n".join(lines)


class Needle(NamedTuple):
    """Bytes every match's UTF-8 form contains; with ``any_case``, once ASCII is lowered."""

    data: bytes
    any_case: bool


# ASCII letters that re.IGNORECASE also finds as other letters: İ ı (i), K (k), ſ (s)
FOLDS_BEYOND_ASCII = frozenset("IKSiks")


def required_literal(regex: re.Pattern[str]) -> Needle | None:
    """What every match of ``regex`` contains, or None when nothing is known to be.

    The longest run of plain characters that the pattern requires in sequence (outside
    alternatives, repeats, classes and look-arounds): a file whose bytes lack it cannot
    match, and a substring search skips it much faster than the regex would. For a
    case-insensitive pattern only ASCII characters count, lowered, and none of
    :data:`FOLDS_BEYOND_ASCII`, whose other spellings lowering ASCII would miss. Nothing
    is known of what the parser cannot take apart.
    """
    any_case = bool(regex.flags & re.IGNORECASE)
    try:
        parsed = _sre_parser().parse(regex.pattern, regex.flags)
        runs = _literal_runs(parsed)
        if any_case:
            runs = [piece.lower() for run in runs for piece in _safe_any_case(run)]
        best = max(runs, key=len, default="")
        return Needle(best.encode("utf-8"), any_case) if best else None
    except Exception:  # a parser of another Python version, a lone surrogate: go without
        return None


def _safe_any_case(run: str) -> list[str]:
    """``run`` split at each character a case-insensitive literal cannot be lowered for."""
    pieces = [""]
    for char in run:
        if char > "\x7f" or char in FOLDS_BEYOND_ASCII:
            pieces.append("")
        else:
            pieces[-1] += char
    return pieces


def _sre_parser() -> Any:
    # the parser behind re.compile; private, so every use above falls back to no literal
    return importlib.import_module("re._parser")


def _literal_runs(items: Any) -> list[str]:
    """Runs of consecutive LITERAL items, descending into plain groups (which match in
    sequence); anything else ends a run."""
    parser = _sre_parser()
    runs: list[str] = []
    current: list[str] = []

    def visit(sequence: Any) -> None:
        for op, arg in sequence:
            if op is parser.LITERAL:
                current.append(chr(arg))
            elif op is parser.SUBPATTERN and not arg[1] and not arg[2]:  # no flag changes
                visit(arg[3])
            else:
                runs.append("".join(current))
                current.clear()

    visit(items)
    runs.append("".join(current))
    return runs


class ReadFile(BaseTool):
    name = "read_file"
    description = (
        f"Read a text file of the workspace with numbered lines, at most {READ_MAX_LINES} "
        "lines per call; use start_line/end_line for a range."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "Relative to the workspace root."},
            "start_line": {"type": "integer", "minimum": 1, "default": 1},
            "end_line": {"type": "integer", "minimum": 1, "description": "Inclusive."},
        },
        "required": ["path"],
    }

    async def run(self, input: Mapping[str, Any]) -> str:
        path = required_str(input, "path")
        target = resolve_inside(self.ctx.sandbox_root, path)
        start = bounded_int(input, "start_line", 1, 1, 10**9)
        end = bounded_int(input, "end_line", 10**9, 1, 10**9)
        return await asyncio.to_thread(self._read, target, path, start, end)

    def _read(self, target: Path, path: str, start: int, end: int) -> str:
        if target.is_dir():
            raise ToolInputError(f"{path} is a directory; use list_dir")
        if not target.is_file():
            raise ToolInputError(f"{path} does not exist")
        text = read_text(target, self.ctx.settings.index.max_file_bytes)
        if text is None:
            raise ToolInputError(f"{path} is binary, not UTF-8, or too large to read")
        lines = text.splitlines()
        if not lines:
            return f"{path}: (empty file)"
        if start > len(lines):
            raise ToolInputError(
                f"start_line {start} is past the end; {path} has {len(lines)} lines"
            )
        if end < start:
            raise ToolInputError(f"end_line {end} is before start_line {start}")
        end = min(end, len(lines), start + READ_MAX_LINES - 1)
        body = number_lines("\n".join(lines[start - 1 : end]), start)
        footer = ""
        if end < len(lines):
            footer = (
                f"\n[… {len(lines) - end} more lines truncated; "
                f"call read_file with start_line={end + 1}]"
            )
        return (
            f"{relative_posix(self.ctx.sandbox_root, target)} ({len(lines)} lines)\n{body}{footer}"
        )


class ListDir(BaseTool):
    name = "list_dir"
    description = (
        "List a directory of the workspace; directories end with '/'. depth 1 lists the "
        "directory itself, up to 3 descends further."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "default": ".", "description": "Relative directory."},
            "depth": {"type": "integer", "minimum": 1, "maximum": 3, "default": 1},
        },
    }

    async def run(self, input: Mapping[str, Any]) -> str:
        path = optional_str(input, "path") or "."
        target = resolve_inside(self.ctx.sandbox_root, path)
        if not target.is_dir():
            raise ToolInputError(
                f"{path} is not a directory" + ("" if target.exists() else " (it does not exist)")
            )
        depth = bounded_int(input, "depth", 1, 1, 3)
        entries = await asyncio.to_thread(_list, self.ctx.sandbox_root.resolve(), target, depth)
        if not entries:
            return f"{path}: (empty directory)"
        return truncate_lines(entries, LIST_MAX_ENTRIES, "list a subdirectory instead")


def _list(real_root: Path, target: Path, depth: int) -> list[str]:
    entries: list[str] = []

    def walk(directory: Path, level: int) -> None:
        try:
            children = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in children:
            rel = Path(os.path.relpath(entry.path, real_root)).as_posix()
            if entry.is_dir(follow_symlinks=False):
                if entry.name in _SKIPPED_DIRS:
                    continue
                entries.append(rel + "/")
                if level < depth:
                    walk(Path(entry.path), level + 1)
            elif entry.is_symlink() and entry.is_dir():
                entries.append(f"{rel}/ (linked dependency folder, off limits)")
            elif entry.name != ".git":
                entries.append(rel)

    walk(target, 1)
    return entries
