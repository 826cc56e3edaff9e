"""Did planned edits reach a text that has moved on since? A check that never says yes wrongly.

An accept sends edits planned against the text the editor had (``before``); the editor
either applies them to exactly that text or skips them as stale (see
``delegate.lsp.review.landing``). What the server sees next may already carry more: the
user's next keystrokes, sent in the same ``didChange`` as the edit (several content
changes in one notification, or one full-document text). So the question is not "is the
text now ``before`` with the edits applied" but "is it that text, edited only elsewhere".

:class:`PlannedEdits` answers it at line granularity. A line diff aligns equal lines, and
where lines repeat it may align the wrong ones, so three checks must all agree:

1. *The replacements are there.* In the diff from the planned text to the text now, no
   change touches a replacement: a change overlapping its lines, an insertion strictly
   inside it, or — for an empty one (lines deleted) — any change at or next to the point.
2. *The old lines are not.* In the diff from ``before``, every replaced region changed.
   Where the diff could have put the same change elsewhere — an inserted ``pass`` next to
   an old ``pass``, deleted lines next to equal ones — the region is widened to every
   place it could slide to, so an equivalent alignment still counts.
3. *The text is nearer the plan than ``before``*: fewer lines differ. The user's typing
   costs the same in both diffs, so an applied edit leaves the text nearer the plan by
   its own lines, and a skipped one leaves it nearer ``before``.

The first alone mistakes a skipped ``pass`` inserted next to an old one for the planned
text with the old line deleted; the second and third each catch that. The second alone
would miss texts where the user's typing elsewhere happens to equal lines around the
edit, and the third alone can be outweighed by typing that re-creates the lines the edit
removes; together a wrong "yes" needs all three diffs to be fooled the same way.

Regions are whole lines, so an edit that does not start or end at a line boundary only
makes the checks stricter. When an edit did land but the user typed inside or right at
its lines in the same batch, the answer is no: the hunk stays open, as if the editor had
skipped the edit, which loses nothing (re-accepting reports the conflict).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from delegate.proposals.line_diff import Opcode, line_opcodes
from delegate.proposals.lines import line_offsets, split_lines, strip_terminator
from delegate.proposals.positions import TextEdit, apply_edits

Region = tuple[int, int]  # lines start:end, end exclusive; start == end is a point


@dataclass(frozen=True)
class Slide:
    """Where in ``before`` an edit's change could equally be aligned: points ``lo..hi``
    (both included) for an insertion, lines ``lo:hi`` for anything else."""

    lo: int
    hi: int
    insertion: bool

    def reached_by(self, change: tuple[int, int]) -> bool:
        i1, i2 = change
        if self.insertion:
            return i1 <= self.hi and self.lo <= i2
        return _touches(change, (self.lo, self.hi))


@dataclass(frozen=True)
class PlannedEdits:
    """``edits`` planned against ``before``; :meth:`landed_in` tells whether a text holds them."""

    before: str
    planned: str
    before_lines: tuple[str, ...]
    planned_lines: tuple[str, ...]
    new_regions: tuple[Region, ...]  # what each edit puts there, in ``planned``
    old_slides: tuple[Slide, ...]  # what each edit replaces, in ``before``

    @classmethod
    def of(cls, before: str, edits: Sequence[TextEdit]) -> PlannedEdits:
        """Plan ``edits`` (code-point positions in ``before``, not overlapping)."""
        planned = apply_edits(before, edits)
        before_lines = split_lines(before)
        planned_lines = split_lines(planned)
        before_offsets = line_offsets(before_lines)
        planned_offsets = line_offsets(planned_lines)
        spans = sorted(
            (
                _offset(before_lines, before_offsets, e.start_line, e.start_col),
                _offset(before_lines, before_offsets, e.end_line, e.end_col),
                e.new_text,
            )
            for e in edits
        )
        new_regions: list[Region] = []
        old_slides: list[Slide] = []
        shift = 0  # how far the planned text has moved at this point
        for start, end, new_text in spans:
            old = _lines_of(before_lines, before_offsets, start, end)
            new_start = start + shift
            new_end = new_start + len(new_text)
            new_regions.append(_lines_of(planned_lines, planned_offsets, new_start, new_end))
            old_slides.append(_slide(before_lines, before_offsets, old, start, end, new_text))
            shift += len(new_text) - (end - start)
        return cls(
            before,
            planned,
            tuple(before_lines),
            tuple(planned_lines),
            tuple(new_regions),
            tuple(old_slides),
        )

    def landed_in(self, now: str | None) -> bool:
        """Whether ``now`` is the planned text, edited only away from every replacement."""
        if now is None:
            return False
        if now == self.planned:
            return True
        if now == self.before or not self.new_regions:
            return False
        now_lines = split_lines(now)
        from_plan = line_opcodes(self.planned_lines, now_lines)
        plan_changes = [(i1, i2) for tag, i1, i2, _, _ in from_plan if tag != "equal"]
        if any(_touches(c, r) for c in plan_changes for r in self.new_regions):
            return False
        from_before = line_opcodes(self.before_lines, now_lines)
        before_changes = [(i1, i2) for tag, i1, i2, _, _ in from_before if tag != "equal"]
        if not all(any(s.reached_by(c) for c in before_changes) for s in self.old_slides):
            return False
        return _cost(from_plan) < _cost(from_before)


def edits_landed(before: str, edits: Sequence[TextEdit], now: str | None) -> bool:
    """One-off :meth:`PlannedEdits.landed_in`."""
    return PlannedEdits.of(before, edits).landed_in(now)


def _offset(lines: Sequence[str], offsets: Sequence[int], line: int, col: int) -> int:
    if line >= len(lines):
        return offsets[-1]
    return offsets[line] + min(col, len(strip_terminator(lines[line])))


def _lines_of(lines: Sequence[str], offsets: Sequence[int], start: int, end: int) -> Region:
    """The whole lines that code points ``start:end`` lie on (``offsets``: of ``lines``).

    An empty span at a line start is a point between lines; anywhere else (inside a line,
    or at the end of a text without a final newline) it is that line.
    """
    first = bisect_right(offsets, start) - 1
    if start == offsets[-1] and lines and strip_terminator(lines[-1]) == lines[-1]:
        first = len(lines) - 1  # the end of a last line that has no terminator
    return first, max(first, bisect_left(offsets, end))


def _slide(
    lines: Sequence[str], offsets: Sequence[int], region: Region, start: int, end: int, new: str
) -> Slide:
    """The places an edit of whole lines could slide to where the lines next to it repeat.

    Inserting lines ``B`` before line ``p`` gives the same text as inserting ``B`` rotated
    by one before line ``p + 1`` when ``B[0] == lines[p]``; deleting ``lines[s:e]`` is the
    same as deleting ``lines[s + 1:e + 1]`` when ``lines[s] == lines[e]``.
    """
    lo, hi = region
    whole = offsets[lo] == start and offsets[hi] == end
    added = split_lines(new)
    if not whole or (added and strip_terminator(added[-1]) == added[-1]):
        return Slide(lo, hi, insertion=False)  # not whole lines: nothing slides
    if lo == hi and added:  # an insertion
        down = list(added)
        while hi < len(lines) and down[0] == lines[hi]:
            down = [*down[1:], lines[hi]]
            hi += 1
        up = list(added)
        while lo > 0 and up[-1] == lines[lo - 1]:
            up = [lines[lo - 1], *up[:-1]]
            lo -= 1
        return Slide(lo, hi, insertion=True)
    if not added:  # a deletion
        start_line, end_line = lo, hi
        while end_line < len(lines) and lines[start_line] == lines[end_line]:
            start_line, end_line = start_line + 1, end_line + 1
        top, bottom = lo, hi
        while top > 0 and lines[top - 1] == lines[bottom - 1]:
            top, bottom = top - 1, bottom - 1
        return Slide(top, end_line, insertion=False)
    return Slide(lo, hi, insertion=False)


def _cost(opcodes: Sequence[Opcode]) -> int:
    """Lines removed plus lines added."""
    return sum(i2 - i1 + j2 - j1 for tag, i1, i2, j1, j2 in opcodes if tag != "equal")


def _touches(change: tuple[int, int], region: Region) -> bool:
    """Whether a diff's change of lines ``i1:i2`` (``i1 == i2``: an insertion) touches
    ``region``: overlaps its lines, inserts strictly inside them, or — for a point —
    changes anything at or next to it."""
    i1, i2 = change
    start, end = region
    if start == end:
        return i1 <= start <= i2
    if i1 == i2:
        return start < i1 < end
    return i1 < end and start < i2
