"""The commands of Anthropic's client-side text editor tool, carried out in the sandbox.

The model edits files through ``str_replace_based_edit_tool`` (tool type
``text_editor_20250728``): ``view``, ``create``, ``str_replace`` and ``insert``. Anthropic
defines the tool's interface; we implement it against the sandbox. Each command is a plain
function of the sandbox root and the tool input that returns the text for the model or
raises :class:`EditError` with a message that tells the model how to correct itself (for
example how many times ``old_str`` matched, and where). Every path goes through
:func:`delegate.agent.paths.resolve_inside`. Files keep their line endings: an edit written
with ``\\n`` is applied to a CRLF file with ``\\r\\n``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from delegate.agent.paths import relative_posix, resolve_inside

TOOL_NAME = "str_replace_based_edit_tool"
TOOL_TYPE = "text_editor_20250728"
VIEW_MAX_CHARS = 40_000
SNIPPET_CONTEXT = 4
MAX_FILE_BYTES = 4 << 20
_HIDDEN_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


class EditError(ValueError):
    """A command the model can correct; the message says how."""


def definition() -> dict[str, Any]:
    """The tool as the Messages API expects it (``ToolTextEditor20250728Param``)."""
    return {"type": TOOL_TYPE, "name": TOOL_NAME}


def run_command(root: Path, input: Mapping[str, Any]) -> str:
    """Carry out one text-editor command; EditError or PathEscape when it cannot."""
    command = input.get("command")
    path = _text_arg(input, "path")
    if command == "view":
        return view(root, path, input.get("view_range"))
    if command == "create":
        return create(root, path, _text_arg(input, "file_text", allow_empty=True))
    if command == "str_replace":
        old = _text_arg(input, "old_str", allow_empty=True)
        new = input.get("new_str")
        if not isinstance(new, str):
            # never default it to "": a reply cut off mid-call loses its last field, and an
            # empty replacement would delete the old text
            raise EditError(
                'str_replace needs new_str, the replacement text (give "" explicitly to '
                "delete old_str); nothing was changed"
            )
        return str_replace(root, path, old, new)
    if command == "insert":
        line = input.get("insert_line")
        if not isinstance(line, int) or isinstance(line, bool):
            raise EditError("insert needs insert_line, an integer (0 inserts at the top)")
        text = input.get("new_str", input.get("insert_text"))
        if not isinstance(text, str):
            raise EditError("insert needs new_str, the text to insert")
        return insert(root, path, line, text)
    if command == "undo_edit":
        raise EditError("undo_edit is not supported; use str_replace to restore the text")
    raise EditError(f"unknown command {command!r}; use one of view, create, str_replace, insert")


def view(root: Path, path: str, view_range: Any = None) -> str:
    """A file with numbered lines (optionally ``[start, end]``, end -1 for the last line),
    or a directory listing two levels deep."""
    target = resolve_inside(root, path)
    if target.is_dir():
        return _list_directory(root, target)
    lines = _read(target, path).splitlines(keepends=True)
    start, end = 1, len(lines)
    if view_range is not None:
        if (
            not isinstance(view_range, list)
            or len(view_range) != 2
            or not all(isinstance(n, int) for n in view_range)
        ):
            raise EditError("view_range must be [start_line, end_line] (end_line -1 = to the end)")
        start, end = view_range[0], (len(lines) if view_range[1] == -1 else view_range[1])
        if not 1 <= start <= max(len(lines), 1) or end < start:
            raise EditError(
                f"view_range {view_range} is outside the file, which has {len(lines)} lines"
            )
    text = number_lines("".join(lines[start - 1 : end]), start)
    if len(text) > VIEW_MAX_CHARS:
        cut = text[:VIEW_MAX_CHARS].rsplit("\n", 1)[0]
        hidden = text.count("\n") - cut.count("\n")
        text = f"{cut}\n[… {hidden} more lines truncated; use view_range to see them]"
    return text or "(empty file)"


def create(root: Path, path: str, file_text: str) -> str:
    target = resolve_inside(root, path)
    if target.is_dir():
        raise EditError(f"{path} is a directory")
    existed = target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    _write(target, file_text)
    shown = relative_posix(root, target)
    return f"{'Overwrote' if existed else 'Created'} {shown} ({len(file_text.splitlines())} lines)"


def str_replace(root: Path, path: str, old_str: str, new_str: str) -> str:
    target = resolve_inside(root, path)
    text = _read(target, path)
    if not old_str:
        raise EditError("old_str is empty; give the exact text to replace")
    old, new = _match_line_endings(text, old_str, new_str)
    count = text.count(old)
    if count == 0:
        raise EditError(
            f"old_str was not found in {path}. It must match the file exactly, including "
            "whitespace and indentation; view the file and copy the text."
        )
    if count > 1:
        lines = _occurrence_lines(text, old)
        raise EditError(
            f"old_str matches {count} times in {path} (at lines {', '.join(map(str, lines))}); "
            "include more surrounding lines so it matches exactly once."
        )
    index = text.index(old)
    updated = text[:index] + new + text[index + len(old) :]
    _write(target, updated)
    first = text.count("\n", 0, index) + 1
    return f"Edited {relative_posix(root, target)}.\n" + _snippet(
        updated, first, first + new.count("\n")
    )


def insert(root: Path, path: str, insert_line: int, new_str: str) -> str:
    target = resolve_inside(root, path)
    text = _read(target, path)
    lines = text.splitlines(keepends=True)
    if not 0 <= insert_line <= len(lines):
        raise EditError(
            f"insert_line {insert_line} is out of range: {path} has {len(lines)} lines "
            "(0 inserts before the first line)"
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    addition = new_str.replace("\r\n", "\n").replace("\n", newline)
    if lines and insert_line == len(lines) and not lines[-1].endswith("\n"):
        lines[-1] += newline
    ends_with_newline = text.endswith("\n")
    if not addition.endswith(newline) and (insert_line < len(lines) or ends_with_newline):
        addition += newline
    lines.insert(insert_line, addition)
    _write(target, "".join(lines))
    updated = "".join(lines)
    return f"Inserted into {relative_posix(root, target)}.\n" + _snippet(
        updated, insert_line + 1, insert_line + 1 + addition.count("\n")
    )


def number_lines(text: str, start: int = 1) -> str:
    """``cat -n`` style: right-aligned line number, a tab, the line."""
    return "\n".join(
        f"{number:6}\t{line}" for number, line in enumerate(text.splitlines(), start=start)
    )


# --- helpers ----------------------------------------------------------------------------


def _text_arg(input: Mapping[str, Any], key: str, *, allow_empty: bool = False) -> str:
    value = input.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise EditError(f"missing required input {key!r} (a string)")
    return value


def _read(target: Path, shown: str) -> str:
    if target.is_dir():
        raise EditError(f"{shown} is a directory; use view on it to list its files")
    if not target.is_file():
        raise EditError(f"{shown} does not exist; use create to make a new file")
    if target.stat().st_size > MAX_FILE_BYTES:
        raise EditError(f"{shown} is larger than {MAX_FILE_BYTES} bytes; it cannot be edited here")
    data = target.read_bytes()
    if b"\x00" in data[:8192]:
        raise EditError(f"{shown} is a binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EditError(f"{shown} is not UTF-8 text") from exc


def _write(target: Path, text: str) -> None:
    with open(target, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def _match_line_endings(text: str, old: str, new: str) -> tuple[str, str]:
    if "\r\n" in text and "\r\n" not in old and "\n" in old and old not in text:
        return old.replace("\n", "\r\n"), new.replace("\r\n", "\n").replace("\n", "\r\n")
    return old, new


def _occurrence_lines(text: str, needle: str) -> list[int]:
    found: list[int] = []
    start = text.find(needle)
    while start != -1 and len(found) < 10:
        found.append(text.count("\n", 0, start) + 1)
        start = text.find(needle, start + 1)
    return found


def _snippet(text: str, first: int, last: int) -> str:
    lines = text.splitlines()
    start = max(1, first - SNIPPET_CONTEXT)
    end = min(len(lines), last + SNIPPET_CONTEXT)
    return number_lines("\n".join(lines[start - 1 : end]), start)


def _list_directory(root: Path, target: Path) -> str:
    real_root = root.resolve()
    shown: list[str] = []
    base_depth = len(target.parts)
    for directory, dirnames, filenames in os.walk(target):
        dirnames[:] = sorted(d for d in dirnames if d not in _HIDDEN_DIRS)
        if len(Path(directory).parts) - base_depth >= 1:
            dirnames_to_show, dirnames[:] = list(dirnames), []
        else:
            dirnames_to_show = list(dirnames)
        for name in dirnames_to_show:
            path = os.path.join(directory, name)
            rel = Path(os.path.relpath(path, real_root)).as_posix()
            linked = " (linked dependency folder, off limits)" if os.path.islink(path) else ""
            shown.append(f"{rel}/{linked}")
        for name in filenames:
            if name != ".git":
                shown.append(
                    Path(os.path.relpath(os.path.join(directory, name), real_root)).as_posix()
                )
    return "\n".join(sorted(shown)) or "(empty directory)"
