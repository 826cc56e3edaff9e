"""Did an accepted edit land in a text the user went on editing (``proposals.landed``)?

The editor applies the edit to the text it was planned on, or skips it; either way the
user's typing may come in the same ``didChange``. "Yes" must mean the replacement is in the
text at its place; a wrong "yes" would record a hunk as applied that is not in the buffer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from delegate.proposals import accept, line_diff
from delegate.proposals.landed import PlannedEdits, edits_landed
from delegate.proposals.line_diff import line_opcodes
from delegate.proposals.lines import split_lines
from delegate.proposals.positions import TextEdit, apply_edits

from .helpers import one_file

BASE = "import os\n\n\ndef fetch(url):\n    return get(url)\n\n\ndef main():\n    pass\n"
NEW = BASE.replace("get(url)", "get(url, timeout=5)")


def planned(base: str, proposed: str, current: str | None = None) -> PlannedEdits:
    """The edits an accept of every hunk sends for ``current`` (default: ``base``)."""
    plan = accept(one_file(base, proposed), "a.py", None, base if current is None else current)
    assert plan.current_text is not None and plan.edits
    return PlannedEdits.of(plan.current_text, plan.edits)


def test_the_planned_text_has_landed_and_the_text_it_was_planned_on_has_not() -> None:
    edits = planned(BASE, NEW)
    assert edits.planned == NEW
    assert edits.landed_in(NEW)
    assert not edits.landed_in(BASE)
    assert not edits.landed_in(None)  # the document closed


def test_typing_elsewhere_in_the_same_change_does_not_hide_the_edit() -> None:
    edits = planned(BASE, NEW)
    above = "import sys\n" + NEW.replace("import os", "import os, re")
    below = NEW.replace("    pass\n", "    run()\n    pass\n")
    both = "#!/usr/bin/env python\n" + below.replace("import os", "import io")
    right_below = NEW.replace("\n\n\ndef main", "\n# typed\n\ndef main")  # next to the hunk
    for now in (above, below, both, right_below):
        assert edits.landed_in(now), now


def test_a_skipped_edit_with_typing_anywhere_has_not_landed() -> None:
    edits = planned(BASE, NEW)
    for now in (
        "import sys\n" + BASE,
        BASE.replace("    pass\n", "    run()\n"),
        BASE.replace("get(url)", "get(url)  # typed"),  # the very line, but not the edit
        BASE.replace("def fetch", "def fetch_all"),  # the line above it
    ):
        assert not edits.landed_in(now), now


def test_typing_inside_the_replacement_is_not_taken_for_the_edit() -> None:
    edits = planned(BASE, NEW)
    # the edit may well have landed, but the text no longer shows it: the hunk stays open
    assert not edits.landed_in(NEW.replace("timeout=5", "timeout=50"))


def test_an_insertion_next_to_an_equal_line_that_was_skipped_has_not_landed() -> None:
    # the diff from the planned text could take the old `pass` for the deleted line
    base = "def f():\n    pass\n\n\nx = 1\n"
    for proposed in (
        base.replace("    pass\n", "    pass\n    pass\n"),
        base.replace("x = 1\n", "x = 1\nx = 1\n"),
        "def f():\n" + base,
    ):
        edits = planned(base, proposed)
        assert not edits.landed_in(base), proposed
        assert not edits.landed_in("# typed\n" + base), proposed
        assert not edits.landed_in(base + "# typed\n"), proposed
        assert edits.landed_in("# typed\n" + proposed), proposed
        assert edits.landed_in(proposed + "# typed\n"), proposed


def test_a_deletion_lands_when_the_lines_are_gone_and_nothing_was_typed_in_their_place() -> None:
    base = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"
    proposed = base.replace("c = 3\n", "")
    edits = planned(base, proposed)
    assert edits.landed_in("z = 0\n" + proposed)
    assert edits.landed_in(proposed + "f = 6\n")
    assert not edits.landed_in("z = 0\n" + base)
    # typed at the very place the lines were: that could be the old lines coming back
    assert not edits.landed_in(proposed.replace("d = 4\n", "c = 3\nd = 4\n"))
    assert not edits.landed_in(base.replace("d = 4", "d = 40"))  # skipped, next line typed


def test_several_hunks_land_together_or_not_at_all() -> None:
    base = "a = 1\n\n\nb = 2\n\n\nc = 3\n\n\nd = 4\n"
    proposed = base.replace("a = 1", "a = 10").replace("c = 3", "c = 30")
    edits = planned(base, proposed)
    assert len(edits.new_regions) == 2
    assert edits.landed_in(proposed.replace("b = 2", "b = 22").replace("d = 4", "d = 44"))
    half = base.replace("a = 1", "a = 10")  # as if only one of the two had been applied
    assert not edits.landed_in(half)


def test_the_end_of_a_text_without_a_final_newline() -> None:
    base = "a = 1\nb = 2\nmsg = 'ok 🎉'"
    proposed = base.replace("'ok 🎉'", "'ok 🎉 done'")
    edits = planned(base, proposed)
    assert edits.landed_in("# typed\n" + proposed)
    assert not edits.landed_in("# typed\n" + base)
    appended = base + "\nc = 3\n"
    edits = planned(base, appended)
    assert edits.landed_in("# typed\n" + appended)
    assert not edits.landed_in("# typed\n" + base)


def test_edits_planned_on_a_text_the_user_had_already_changed() -> None:
    # the accept plans on the buffer as it is, the user's earlier typing included
    typed = "import sys\n" + BASE
    edits = planned(BASE, NEW, current=typed)
    assert edits.landed_in("import sys\n" + NEW + "# more\n")
    assert not edits.landed_in(typed + "# more\n")


def test_an_edit_inside_a_line_counts_the_whole_line() -> None:
    base = "x = compute(1)\ny = 2\n"
    edit = TextEdit(0, 12, 0, 13, "41")  # the `1` only
    assert edits_landed(base, [edit], "x = compute(41)\ny = 3\n")
    assert not edits_landed(base, [edit], "x = compute(1) + 1\ny = 2\n")
    assert not edits_landed(base, [edit], "x = compute(41) + 1\ny = 2\n")


def test_line_opcodes_skip_equal_ends_and_keep_positions() -> None:
    old = ["a\n", "b\n", "c\n", "d\n"]
    new = ["a\n", "x\n", "c\n", "d\n", "e\n"]
    ops = line_opcodes(old, new)
    assert ops[0] == ("equal", 0, 1, 0, 1)
    assert ("replace", 1, 2, 1, 2) in ops and ops[-1] == ("insert", 4, 4, 4, 5)
    rebuilt: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        rebuilt.extend(old[i1:i2] if tag == "equal" else new[j1:j2])
    assert rebuilt == new
    assert line_opcodes(old, old) == [("equal", 0, 4, 0, 4)]
    assert line_opcodes([], []) == []


@contextmanager
def cut_at_anchors(always: bool) -> Iterator[None]:
    """Make ``line_opcodes`` cut every middle at its anchors (as it does for long texts)."""
    small = line_diff.SMALL
    line_diff.SMALL = 0 if always else small
    try:
        yield
    finally:
        line_diff.SMALL = small


def test_a_long_middle_is_cut_at_lines_that_occur_once_on_each_side() -> None:
    # changes at both ends and in the middle of 3,000 lines, a third of them blank
    old = [f"line {i}\n" if i % 3 else "\n" for i in range(3000)]
    new = ["typed\n", *old[:1501], "changed\n", *old[1502:], "typed\n"]
    changed = [op for op in line_opcodes(old, new) if op[0] != "equal"]
    assert changed == [
        ("insert", 0, 0, 0, 1),
        ("replace", 1501, 1502, 1502, 1503),
        ("insert", 3000, 3000, 3001, 3002),
    ]


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_line_opcodes_turn_old_into_new_in_order(data: st.DataObject) -> None:
    pool = st.sampled_from(["a\n", "b\n", "\n", "c\n", "d\n", "e\n", "f\n"])
    old = data.draw(st.lists(pool, max_size=30))
    new = data.draw(st.lists(pool, max_size=30))
    with cut_at_anchors(data.draw(st.booleans())):
        ops = line_opcodes(old, new)
    i = j = 0
    rebuilt: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j) and (i1 < i2 or j1 < j2)
        if tag == "equal":
            assert old[i1:i2] == new[j1:j2]
        rebuilt.extend(new[j1:j2])
        i, j = i2, j2
    assert (i, j) == (len(old), len(new)) and rebuilt == new
    assert all(a[0] != "equal" or b[0] != "equal" for a, b in pairwise(ops))


# -- properties ------------------------------------------------------------------------

# a few kinds of line, so a diff has many ways to align them
REPETITIVE = st.sampled_from(["a\n", "b\n", "a\n", "pass\n"])


@st.composite
def line_edits(draw: st.DrawFn, lines: list[str], pool: st.SearchStrategy[str]) -> list[TextEdit]:
    """Whole-line edits of ``lines`` that change something, apart from each other."""
    edits: list[TextEdit] = []
    cursor = 0
    while cursor <= len(lines) and draw(st.booleans()):
        start = draw(st.integers(cursor, len(lines)))
        end = draw(st.integers(start, min(len(lines), start + 2)))
        new = draw(st.lists(pool, max_size=2))
        if "".join(new) == "".join(lines[start:end]):
            break
        edits.append(TextEdit(start, 0, end, 0, "".join(new)))
        cursor = end + 2  # keep a line between edits, as hunks are kept apart
    return edits


@st.composite
def typed(
    draw: st.DrawFn,
    lines: list[str],
    editable: list[bool],
    insertable: list[bool],
    pool: st.SearchStrategy[str],
) -> str:
    """``lines`` after the user's typing: ``editable`` lines may change or go, and lines may
    come in at the points (before line i; ``len(lines)`` is the end) that are ``insertable``."""
    out: list[str] = []
    for i in range(len(lines) + 1):
        if insertable[i] and draw(st.booleans()):
            out.append(draw(pool))
        if i == len(lines):
            break
        action = draw(st.sampled_from(["keep", "keep", "change", "delete"]))
        if not editable[i] or action == "keep":
            out.append(lines[i])
        elif action == "change":
            out.append(draw(pool))
    return "".join(out)


def explained(planned: PlannedEdits, now: str) -> bool:
    """Whether ``now`` could be the planned text after typing that did not touch an edit:
    each replacement's lines (for a deletion, the two lines either side of it, or the start
    or end of the text) are in ``now``, in order, none overlapping."""
    lines = planned.planned_lines
    now_lines = split_lines(now)
    blocks: list[tuple[tuple[str, ...], bool, bool]] = []  # lines, at the start, at the end
    for start, end in planned.new_regions:
        if start < end:
            blocks.append((lines[start:end], False, False))
        else:
            blocks.append((lines[max(0, start - 1) : start + 1], start == 0, end == len(lines)))

    def fits(block: int, at: int) -> bool:
        if block == len(blocks):
            return True
        want, first, last = blocks[block]
        starts = [at] if first else range(at, len(now_lines) - len(want) + 1)
        for i in starts:
            if tuple(now_lines[i : i + len(want)]) != want:
                continue
            if last and i + len(want) != len(now_lines):
                continue
            if fits(block + 1, i + len(want)):
                return True
        return False

    return fits(0, 0)


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_a_skipped_edit_lands_only_when_the_text_could_hold_it(data: st.DataObject) -> None:
    lines = data.draw(st.lists(REPETITIVE, max_size=10))
    edits = data.draw(line_edits(lines, REPETITIVE))
    if not edits:
        return
    # the lines an edit removes and the lines it adds are marked: the user never types
    # them, so the text holds an edit that adds lines only if the edit landed; every other
    # line is one of a few, which gives a diff many ways to align them
    marked: list[TextEdit] = []
    for k, e in enumerate(edits):
        for i in range(e.start_line, e.end_line):
            lines[i] = f"old {i}\n"
        new = "".join(f"new {k}.{j}\n" for j in range(len(split_lines(e.new_text))))
        marked.append(TextEdit(e.start_line, 0, e.end_line, 0, new))
    editable = [not line.startswith("old ") for line in lines]
    # the edit was skipped: the user typed anywhere, even next to or between the old lines,
    # but never removed them
    now = data.draw(typed(lines, editable, [True] * (len(lines) + 1), REPETITIVE))
    plan = PlannedEdits.of("".join(lines), marked)
    with cut_at_anchors(data.draw(st.booleans())):
        landed = plan.landed_in(now)
    if landed:
        # only a deletion can look landed, where the typing left the lines around it as
        # the planned text has them: then no text-based check could tell the two apart
        assert all(start == end for start, end in plan.new_regions)
        assert explained(plan, now), now


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_a_landed_edit_is_seen_whatever_was_typed_away_from_it(data: st.DataObject) -> None:
    counter = iter(range(10_000))
    fresh = st.builds(lambda: f"line {next(counter)}\n")  # every line distinct
    lines = data.draw(st.lists(fresh, max_size=10))
    edits = data.draw(line_edits(lines, fresh))
    if not edits:
        return
    before = "".join(lines)
    plan = PlannedEdits.of(before, edits)
    assert plan.planned == apply_edits(before, edits)
    planned_lines = split_lines(plan.planned)
    # the edit landed; the user typed, but not in its lines nor on the line each side
    away = [True] * (len(planned_lines) + 1)
    for start, end in plan.new_regions:
        for i in range(start - 1, end + 2):
            if 0 <= i < len(away):
                away[i] = False
    now = data.draw(typed(planned_lines, away[:-1], away, fresh))
    with cut_at_anchors(data.draw(st.booleans())):
        assert plan.landed_in(now)
