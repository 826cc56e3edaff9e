"""A line diff for texts that differ in a few places: what changed, and where lines went.

Used where a text is compared with a later version of itself (did an edit reach the
buffer, where did a task's focus lines go), on every ``didChange`` of a file that may be
thousands of lines long. ``SequenceMatcher`` alone is quadratic where lines repeat (blank
lines, ``}``), which costs hundreds of milliseconds on a 9,000-line file when the changes
sit at both ends of it. So the equal lines at both ends are skipped first, and a long
middle is cut at the lines that occur exactly once on each side and in the same order
(the longest such chain: a patience diff); only the short stretches between those anchors
go to ``SequenceMatcher``. Where there is no such anchor it looks at the whole middle.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Literal

Tag = Literal["equal", "replace", "delete", "insert"]
Opcode = tuple[Tag, int, int, int, int]  # as SequenceMatcher.get_opcodes: old i1:i2, new j1:j2

# a middle with fewer line pairs than this goes to SequenceMatcher at once
SMALL = 4096
# stretches between anchors are cut again at their own anchors, this many times at most
DEPTH = 8


def line_opcodes(old: Sequence[str], new: Sequence[str]) -> list[Opcode]:
    """Opcodes turning ``old`` into ``new``, as ``SequenceMatcher.get_opcodes`` gives them
    (equal runs merged), in order and covering both sequences."""
    opcodes: list[Opcode] = []
    _diff(old, new, 0, len(old), 0, len(new), opcodes, DEPTH)
    return opcodes


def _diff(
    old: Sequence[str],
    new: Sequence[str],
    a0: int,
    a1: int,
    b0: int,
    b1: int,
    out: list[Opcode],
    depth: int,
) -> None:
    head = 0
    while a0 + head < a1 and b0 + head < b1 and old[a0 + head] == new[b0 + head]:
        head += 1
    tail = 0
    while (
        a1 - tail > a0 + head and b1 - tail > b0 + head and old[a1 - 1 - tail] == new[b1 - 1 - tail]
    ):
        tail += 1
    _emit(out, ("equal", a0, a0 + head, b0, b0 + head))
    a0, b0, a1, b1 = a0 + head, b0 + head, a1 - tail, b1 - tail
    big = depth > 0 and (a1 - a0) * (b1 - b0) > SMALL
    anchors = _anchors(old, new, a0, a1, b0, b1) if big else []
    if anchors:
        k = 0
        while k < len(anchors):
            i, j = anchors[k]
            if i > a0 or j > b0:
                _diff(old, new, a0, i, b0, j, out, depth - 1)
            # one equal run: the anchor, the anchors right after it, and the equal lines
            # up to the next anchor (most of a file, so no call per line)
            run = 1
            while k + run < len(anchors) and anchors[k + run] == (i + run, j + run):
                run += 1
            k += run
            a0, b0 = i + run, j + run
            next_i, next_j = anchors[k] if k < len(anchors) else (a1, b1)
            while a0 < next_i and b0 < next_j and old[a0] == new[b0]:
                a0, b0 = a0 + 1, b0 + 1
            _emit(out, ("equal", i, a0, j, b0))
        _diff(old, new, a0, a1, b0, b1, out, depth - 1)
    elif a0 < a1 or b0 < b1:
        matcher = SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            _emit(out, (tag, i1 + a0, i2 + a0, j1 + b0, j2 + b0))
    _emit(out, ("equal", a1, a1 + tail, b1, b1 + tail))


def _emit(out: list[Opcode], opcode: Opcode) -> None:
    tag, i1, i2, j1, j2 = opcode
    if i1 == i2 and j1 == j2:
        return
    if tag == "equal" and out and out[-1][0] == "equal":
        _, p1, _, q1, _ = out.pop()
        opcode = ("equal", p1, i2, q1, j2)
    out.append(opcode)


def _anchors(
    old: Sequence[str], new: Sequence[str], a0: int, a1: int, b0: int, b1: int
) -> list[tuple[int, int]]:
    """Lines that occur once in ``old[a0:a1]`` and once in ``new[b0:b1]``, as ``(i, j)``
    pairs: the longest chain of them that is in the same order on both sides."""
    in_old = Counter(old[a0:a1])
    in_new = Counter(new[b0:b1])
    where = {new[j]: j for j in range(b0, b1) if in_new[new[j]] == 1}
    pairs = [(i, where[old[i]]) for i in range(a0, a1) if in_old[old[i]] == 1 and old[i] in where]
    # longest increasing run of j (pairs are in order of i): patience sorting
    tops: list[int] = []  # the smallest last j of a chain of each length
    ends: list[int] = []  # index into pairs of that chain's last pair
    previous: list[int] = []
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tops, j)
        if length == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[length] = j
            ends[length] = index
        previous.append(ends[length - 1] if length else -1)
    chain: list[tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        chain.append(pairs[index])
        index = previous[index]
    return chain[::-1]
