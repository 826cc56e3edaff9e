"""A line diff for texts that differ in a few places: what changed, and where lines went.

Used where a text is compared with a later version of itself (did an edit reach the
buffer, where did a task's focus lines go), often on every keystroke of a long file, so
the equal lines at both ends are skipped with plain comparisons before the (quadratic at
worst) ``SequenceMatcher`` looks at the middle. Equal runs at the ends are matched from
the outside in, which is also how an editor's own change looks: one region in the middle.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Literal

Tag = Literal["equal", "replace", "delete", "insert"]
Opcode = tuple[Tag, int, int, int, int]  # as SequenceMatcher.get_opcodes: old i1:i2, new j1:j2


def line_opcodes(old: Sequence[str], new: Sequence[str]) -> list[Opcode]:
    """``SequenceMatcher``'s opcodes turning ``old`` into ``new``, equal ends trimmed first."""
    shortest = min(len(old), len(new))
    head = 0
    while head < shortest and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    old_end, new_end = len(old) - tail, len(new) - tail
    opcodes: list[Opcode] = []
    if head:
        opcodes.append(("equal", 0, head, 0, head))
    if head < old_end or head < new_end:
        matcher = SequenceMatcher(None, old[head:old_end], new[head:new_end], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            opcodes.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        opcodes.append(("equal", old_end, len(old), new_end, len(new)))
    return opcodes


def changed_spans(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """The ``old`` line ranges ``(i1, i2)`` that changed; an insertion is ``(i, i)``."""
    return [(i1, i2) for tag, i1, i2, _, _ in line_opcodes(old, new) if tag != "equal"]
