"""A queued task's focus lines, followed to where they are when the task starts.

A task is submitted on a selection ("lines 12-14 of calc.py") but may wait in the queue
for a free slot while the user goes on editing that file. Its sandbox is taken when it
starts, from the text the user has then; the focus must name the same lines of *that*
text, or the agent works on whatever moved into lines 12-14. So when the task starts, the
lines are carried from the text at submit to the text now through a line diff: unchanged
lines map one to one, lines the user rewrote map to what replaced them, lines inserted
inside the range join it, lines inserted at its edges do not. When every focused line was
deleted, there is nothing left to point at: the task keeps its file as the focus and
says so (:meth:`FocusMove.note`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from delegate.proposals.line_diff import line_opcodes
from delegate.proposals.lines import split_lines

Lines = tuple[int, int]  # 1-based, both included, as TaskSpec.start_line/end_line


def follow_lines(before: str, after: str, start: int, end: int) -> Lines | None:
    """Where lines ``start..end`` (1-based, inclusive) of ``before`` are in ``after``.

    None when every one of them was deleted. A range that lies past the end of
    ``before`` has no lines to follow and comes back as it is.
    """
    old = split_lines(before)
    first, stop = max(0, start - 1), min(len(old), max(end, start))
    if first >= stop:
        return start, max(end, start)
    found: list[int] = []  # 0-based new lines the focused lines went to, as ranges' bounds
    for tag, i1, i2, j1, j2 in line_opcodes(old, split_lines(after)):
        if tag == "equal":
            lo, hi = max(i1, first), min(i2, stop)
            if lo < hi:
                found += [j1 + lo - i1, j1 + hi - i1]
        elif (tag == "replace" and i1 < stop and first < i2) or (
            tag == "insert" and first < i1 < stop  # inside the range, not at its edges
        ):
            found += [j1, j2]
    if not found:
        return None
    return min(found) + 1, max(found)


@dataclass(frozen=True)
class FocusMove:
    """A task's focus lines as submitted and as found when it starts."""

    file: str
    submitted: Lines
    now: Lines | None  # None: the lines were deleted

    @property
    def changed(self) -> bool:
        return self.now != self.submitted

    @property
    def start_line(self) -> int | None:
        return self.now[0] if self.now else None

    @property
    def end_line(self) -> int | None:
        return self.now[1] if self.now else None

    def note(self) -> str:
        """What the user and the trace are told; empty when nothing moved."""
        was = _lines(self.submitted)
        if self.now is None:
            were = "was" if self.submitted[0] == self.submitted[1] else "were"
            return (
                f"{was.capitalize()} of {self.file}, the task's focus, {were} deleted while "
                "it waited for a free slot; it works on the whole file."
            )
        if not self.changed:
            return ""
        return (
            f"{self.file} changed while the task waited for a free slot: its focus moved "
            f"from {was} to {_lines(self.now)}."
        )


def follow_focus(file: str, before: str, after: str | None, start: int, end: int) -> FocusMove:
    """The move of focus lines ``start..end`` of ``file`` from ``before`` to ``after``
    (None: the file is gone, and so are the lines)."""
    now = follow_lines(before, after, start, end) if after is not None else None
    return FocusMove(file, (start, max(end, start)), now)


def follow_range(rng: Mapping[str, Any], before: str, after: str | None) -> dict[str, Any] | None:
    """An LSP-style range (``{"start": {"line", "character"}, "end": …}``, 0-based) whose
    lines are moved from ``before`` to ``after``; characters are kept (whoever reads the
    range finds the exact columns in the text again). None when its lines were deleted
    or the range is malformed."""
    try:
        start, end = int(rng["start"]["line"]), int(rng["end"]["line"])
        start_char, end_char = rng["start"]["character"], rng["end"]["character"]
    except (KeyError, TypeError, ValueError):
        return None
    moved = follow_lines(before, after, start + 1, end + 1) if after is not None else None
    if moved is None:
        return None
    return {
        "start": {"line": moved[0] - 1, "character": start_char},
        "end": {"line": moved[1] - 1, "character": end_char},
    }


def _lines(lines: Lines) -> str:
    start, end = lines
    return f"line {start}" if start == end else f"lines {start}-{end}"
