"""Three-way merge of line hunks onto the file's current text.

The merge rule: a hunk replaces base lines ``s:e``. Map every base line from ``s - 1`` to
``e`` (the region plus one anchor line on each side; the start and end of the file count
as anchors) into the current text. If each maps and they land on consecutive current
lines, nobody touched the region or its edges, and the hunk applies to the lines they
landed on — whatever the user changed elsewhere. Otherwise the hunk is a conflict and the
text is left alone.

The mapping goes through the text the file *should* have: base with the hunks already
accepted or applied. That mapping is exact; only the step from there to the current text
uses a diff, so accepting hunks one by one never confuses the diff, and only real user
edits can make alignment ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from delegate.proposals.lines import line_start_position, split_lines
from delegate.proposals.model import IN_TEXT, FileProposal, Hunk
from delegate.proposals.positions import TextEdit

LineMap = list[int | None]


def expected_lines(base: str, hunks: Iterable[Hunk]) -> tuple[list[str], LineMap]:
    """Base with ``hunks`` applied, and where each base line went (None: replaced)."""
    base_lines = split_lines(base)
    where: LineMap = [None] * len(base_lines)
    out: list[str] = []
    cursor = 0
    for h in sorted(hunks, key=lambda h: (h.base_start, h.base_end)):
        for i in range(cursor, h.base_start):
            where[i] = len(out)
            out.append(base_lines[i])
        out.extend(split_lines(h.new_text))
        cursor = max(cursor, h.base_end)
    for i in range(cursor, len(base_lines)):
        where[i] = len(out)
        out.append(base_lines[i])
    return out, where


def diff_map(old: Sequence[str], new: Sequence[str]) -> LineMap:
    """For each old line, the index of the equal new line it aligns with, or None."""
    where: LineMap = [None] * len(old)
    if list(old) == list(new):
        return list(range(len(old)))
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for i, j, size in matcher.get_matching_blocks():
        for k in range(size):
            where[i + k] = j + k
    return where


def base_to_current(fp: FileProposal, current_lines: Sequence[str]) -> LineMap:
    """Where each line of ``fp.base`` sits in the current text (None: changed or gone)."""
    in_text = [h for h in fp.hunks if h.kind == "lines" and not h.detached and h.state in IN_TEXT]
    expected, to_expected = expected_lines(fp.base or "", in_text)
    to_current = diff_map(expected, current_lines)
    return [None if e is None else to_current[e] for e in to_expected]


def locate(start: int, end: int, mapping: LineMap, current_len: int) -> tuple[int, int] | None:
    """Current line range of base lines ``start:end``, or None if the region or its anchors moved."""

    def at(i: int) -> int | None:
        if i < 0:
            return -1
        if i >= len(mapping):
            return current_len
        return mapping[i]

    previous = at(start - 1)
    if previous is None:
        return None
    for i in range(start, end + 1):
        here = at(i)
        if here is None or here != previous + 1:
            return None
        previous = here
    first = previous - (end - start)
    return first, first + (end - start)


def locate_hunks(
    fp: FileProposal, hunks: Iterable[Hunk], current_text: str | None
) -> dict[str, tuple[int, int] | None]:
    """Current line range ``(start, end)`` of each given line hunk, or None for a conflict."""
    hunks = list(hunks)
    if current_text is None or fp.base is None:
        return {h.id: None for h in hunks}
    current_lines = split_lines(current_text)
    mapping = base_to_current(fp, current_lines)
    return {h.id: locate(h.base_start, h.base_end, mapping, len(current_lines)) for h in hunks}


def region_edit(current_lines: Sequence[str], start: int, end: int, new_text: str) -> TextEdit:
    """A code-point edit that replaces current lines ``start:end`` with ``new_text``."""
    sl, sc = line_start_position(current_lines, start)
    el, ec = line_start_position(current_lines, end)
    return TextEdit(sl, sc, el, ec, new_text)


def merge_hunks(
    fp: FileProposal, hunks: Iterable[Hunk], current_text: str
) -> tuple[list[TextEdit], list[str], list[str]]:
    """Edits that apply ``hunks`` to ``current_text``; ids that applied; ids that conflict."""
    hunks = list(hunks)
    current_lines = split_lines(current_text)
    places = locate_hunks(fp, hunks, current_text)
    edits: list[TextEdit] = []
    applied: list[str] = []
    conflicted: list[str] = []
    for h in hunks:
        place = places[h.id]
        if place is None:
            conflicted.append(h.id)
            continue
        edits.append(region_edit(current_lines, place[0], place[1], h.new_text))
        applied.append(h.id)
    return edits, applied, conflicted
