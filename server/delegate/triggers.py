"""Find ``delegate:`` comments: a task written into the code, picked up by a code action.

A developer can leave ``# delegate: add retries to fetch()`` (or ``// TODO(delegate): …``,
``-- delegate: …``, ``/* delegate: … */``) in any language; the language server offers
"Delegate: add retries to fetch()" when the cursor is on it. This module is the pure part:
given the document's lines and the requested range, it returns the instruction and the
comment's exact range; and once the task is done, :func:`remove_trigger` and
:func:`changes_without_trigger` take the fulfilled comment out of the proposed text.

All positions are 0-based lines and character offsets into the given line strings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from delegate.proposals.changes import FileChange

# How far above the range we look for the opening of a multi-line /* delegate: … */ comment.
_BLOCK_LOOKBACK_LINES = 30

_MARKER = r"(?:TODO\s*\(\s*delegate\s*\)|delegate)\s*:"
# A line comment must start the line or follow whitespace, so "a#delegate:" in a string
# or an expression like ``x--delegate`` is not mistaken for a trigger.
_LINE_COMMENT = re.compile(rf"(?:^|(?<=\s))(?P<lead>#+|//+|--)\s*{_MARKER}\s*(?P<text>.*)$", re.I)
_BLOCK_START = re.compile(rf"(?:^|(?<=\s))/\*+\s*{_MARKER}\s*(?P<text>.*)$", re.I)
_BLOCK_END = "*/"


@dataclass(frozen=True)
class TriggerComment:
    """A ``delegate:`` comment: the instruction it holds and where the comment sits."""

    text: str
    start_line: int
    start_character: int
    end_line: int
    end_character: int


def _line_trigger(lines: Sequence[str], index: int) -> TriggerComment | None:
    line = lines[index]
    match = _LINE_COMMENT.search(line)
    if match is None:
        return None
    text = match.group("text").strip()
    if not text:
        return None
    return TriggerComment(text, index, match.start("lead"), index, len(line.rstrip()))


def _block_trigger(lines: Sequence[str], index: int) -> TriggerComment | None:
    match = _BLOCK_START.search(lines[index])
    if match is None:
        return None
    start_character = match.start()
    parts: list[str] = []
    rest = match.group("text")
    line_no = index
    column_offset = match.start("text")
    while True:
        end = rest.find(_BLOCK_END)
        if end >= 0:
            parts.append(rest[:end])
            end_character = column_offset + end + len(_BLOCK_END)
            break
        parts.append(rest)
        line_no += 1
        if line_no >= len(lines):  # unterminated: the comment runs to the end of the text
            line_no = len(lines) - 1
            end_character = len(lines[line_no].rstrip("\r\n"))
            break
        rest = lines[line_no].rstrip("\r\n")
        column_offset = 0
    text = " ".join(p.strip().lstrip("*").strip() for p in parts if p.strip().lstrip("*").strip())
    if not text:
        return None
    return TriggerComment(text, index, start_character, line_no, end_character)


def find_trigger(lines: Sequence[str], start_line: int, end_line: int) -> TriggerComment | None:
    """The first ``delegate:`` comment that overlaps lines ``start_line..end_line`` (inclusive)."""
    if not lines:
        return None
    start_line = max(0, min(start_line, len(lines) - 1))
    end_line = max(start_line, min(end_line, len(lines) - 1))
    for index in range(start_line, end_line + 1):
        found = _line_trigger(lines, index) or _block_trigger(lines, index)
        if found is not None:
            return found
    # the range may sit inside a block comment that opened above it
    for index in range(start_line - 1, max(-1, start_line - 1 - _BLOCK_LOOKBACK_LINES), -1):
        found = _block_trigger(lines, index)
        if found is not None:
            return found if found.end_line >= start_line else None
    return None


def all_triggers(lines: Sequence[str]) -> list[TriggerComment]:
    """Every ``delegate:`` comment in ``lines``, top to bottom (a block is found once)."""
    found: list[TriggerComment] = []
    index = 0
    while index < len(lines):
        trigger = _line_trigger(lines, index) or _block_trigger(lines, index)
        if trigger is not None:
            found.append(trigger)
            index = trigger.end_line
        index += 1
    return found


def _locate(lines: Sequence[str], trigger: TriggerComment) -> TriggerComment | None:
    """The comment ``trigger`` recorded, in a text that may have moved since.

    Same instruction nearest to the recorded line first; else whatever ``delegate:``
    comment starts on the recorded line. Positions are re-read from the text, so they
    never depend on the editor's position encoding.
    """
    candidates = all_triggers(lines)
    same = [c for c in candidates if c.text == trigger.text]
    if same:
        return min(same, key=lambda c: abs(c.start_line - trigger.start_line))
    return next((c for c in candidates if c.start_line == trigger.start_line), None)


def remove_trigger(text: str, trigger: TriggerComment) -> str:
    """``text`` without the ``delegate:`` comment ``trigger`` (unchanged if it is gone).

    A comment alone on its line(s) takes the whole line(s) with it; a comment after code
    (``call()  # delegate: …``) or before it (``/* delegate: … */ int x;``) takes only
    itself and the blanks that separated it from the code.
    """
    rows = text.splitlines(keepends=True)
    lines = [row.rstrip("\r\n") for row in rows]
    found = _locate(lines, trigger)
    if found is None:
        return text
    first, last = found.start_line, found.end_line
    before = lines[first][: found.start_character]
    after = lines[last][found.end_character :]
    ending = rows[last][len(lines[last]) :]
    if not before.strip() and not after.strip():
        kept = ""
    elif not after.strip():
        kept = before.rstrip() + ending
    elif not before.strip():
        kept = before + after.lstrip() + ending
    else:
        kept = before.rstrip() + " " + after.lstrip() + ending
    return "".join(rows[:first]) + kept + "".join(rows[last + 1 :])


def changes_without_trigger(
    changes: Sequence[FileChange], path: str, trigger: TriggerComment, snapshot: str | None
) -> list[FileChange]:
    """The agent's ``changes`` with the fulfilled comment in ``path`` removed as well.

    If the agent changed ``path`` the comment goes from its proposed text; if it did not,
    a modify of ``snapshot`` (the file as the task saw it) is added. A deleted file needs
    nothing, and an unknown snapshot or a comment that is already gone adds nothing.
    """
    result = list(changes)
    for index, change in enumerate(result):
        if path in (change.path, change.old_path):
            if change.proposed is not None:
                result[index] = replace(change, proposed=remove_trigger(change.proposed, trigger))
            return result
    if snapshot is not None:
        proposed = remove_trigger(snapshot, trigger)
        if proposed != snapshot:
            result.append(FileChange(path, snapshot, proposed))
    return result
