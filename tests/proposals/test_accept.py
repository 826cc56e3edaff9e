"""Accepting hunks onto the current text: the three-way merge rule, case by case.

Each case is (base, proposed, current, which hunks to accept, expected text or None for a
conflict). The expected text is written out by hand, not computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from delegate.proposals.positions import apply_edits
from delegate.proposals.review import (
    accept,
    accept_file,
    commit,
    current_hunk_ranges,
    hunk_at_line,
    hunk_ids_in,
    mark_applied,
    reject,
    reject_file,
)

from .helpers import accept_in_turn, one_file

BASE = "a\nb\nc\nd\ne\nf\ng\n"


@dataclass(frozen=True)
class Case:
    name: str
    base: str
    proposed: str
    current: str
    accept: tuple[int, ...]  # hunk indices
    expected: str | None  # None: every accepted hunk conflicts and the text stays


CASES = [
    Case("untouched", BASE, "a\nb\nc\nD\ne\nf\ng\n", BASE, (0,), "a\nb\nc\nD\ne\nf\ng\n"),
    Case(
        "user edit before",
        BASE,
        "a\nb\nc\nD\ne\nf\ng\n",
        "A\nb\nc\nd\ne\nf\ng\n",
        (0,),
        "A\nb\nc\nD\ne\nf\ng\n",
    ),
    Case(
        "user edit after",
        BASE,
        "a\nb\nc\nD\ne\nf\ng\n",
        "a\nb\nc\nd\ne\nf\nG\n",
        (0,),
        "a\nb\nc\nD\ne\nf\nG\n",
    ),
    Case(
        "user inserted lines above",
        BASE,
        "a\nb\nc\nD\ne\nf\ng\n",
        "x\ny\na\nb\nc\nd\ne\nf\ng\n",
        (0,),
        "x\ny\na\nb\nc\nD\ne\nf\ng\n",
    ),
    Case(
        "user deleted lines above",
        BASE,
        "a\nb\nc\nD\ne\nf\ng\n",
        "c\nd\ne\nf\ng\n",
        (0,),
        "c\nD\ne\nf\ng\n",
    ),
    Case("user edit inside", BASE, "a\nb\nc\nD\ne\nf\ng\n", "a\nb\nc\ndd\ne\nf\ng\n", (0,), None),
    Case(
        "user edit on anchor above",
        BASE,
        "a\nb\nc\nD\ne\nf\ng\n",
        "a\nb\nC\nd\ne\nf\ng\n",
        (0,),
        None,
    ),
    Case(
        "user edit on anchor below",
        BASE,
        "a\nb\nc\nD\ne\nf\ng\n",
        "a\nb\nc\nd\nE\nf\ng\n",
        (0,),
        None,
    ),
    Case(
        "user deleted the region", BASE, "a\nb\nc\nD\ne\nf\ng\n", "a\nb\nc\ne\nf\ng\n", (0,), None
    ),
    Case(
        "insertion, untouched",
        BASE,
        "a\nb\nnew\nc\nd\ne\nf\ng\n",
        "a\nb\nc\nd\ne\nf\nG\n",
        (0,),
        "a\nb\nnew\nc\nd\ne\nf\nG\n",
    ),
    Case(
        "insertion where the user inserted",
        BASE,
        "a\nb\nnew\nc\nd\ne\nf\ng\n",
        "a\nb\nmine\nc\nd\ne\nf\ng\n",
        (0,),
        None,
    ),
    Case("insert at file start", "a\nb\n", "top\na\nb\n", "a\nB\n", (0,), "top\na\nB\n"),
    Case(
        "insert at file start after user did", "a\nb\n", "top\na\nb\n", "mine\na\nb\n", (0,), None
    ),
    Case("append at end", "a\nb\nc\n", "a\nb\nc\nend\n", "A\nb\nc\n", (0,), "A\nb\nc\nend\n"),
    Case("append at end after user did", "a\nb\n", "a\nb\nend\n", "a\nb\nmine\n", (0,), None),
    Case("into an empty file", "", "x\ny\n", "", (0,), "x\ny\n"),
    Case("into an emptied-then-typed file", "", "x\n", "typed\n", (0,), None),
    Case(
        "crlf",
        "a\r\nb\r\nc\r\nd\r\n",
        "a\r\nB\r\nc\r\nd\r\n",
        "a\r\nb\r\nc\r\nD\r\n",
        (0,),
        "a\r\nB\r\nc\r\nD\r\n",
    ),
    Case(
        "mixed endings",
        "a\r\nb\nc\rd\n",
        "a\r\nb\nC\rd\n",
        "a\r\nb\nc\rd\nz\n",
        (0,),
        "a\r\nb\nC\rd\nz\n",
    ),
    Case("no final newline, last line changed", "a\nb\nc", "a\nb\nC", "A\nb\nc", (0,), "A\nb\nC"),
    Case("no final newline, append", "a\nb\nc", "a\nb\nc\nd", "a\nb\nc", (0,), "a\nb\nc\nd"),
    Case("add final newline", "a\nb\nc", "a\nb\nc\n", "A\nb\nc", (0,), "A\nb\nc\n"),
    Case("remove final newline", "a\nb\nc\n", "a\nb\nc", "A\nb\nc\n", (0,), "A\nb\nc"),
    Case("user appended after an unterminated last line", "a\nb", "a\nB", "a\nb\nc", (0,), None),
    Case(
        "non-BMP text",
        "😀 a\nβ\n𝔘 c\nz\n",
        "😀 a\nβ\n𝔘 c!\nz\n",
        "😀😀 a\nβ\n𝔘 c\nz\n",
        (0,),
        "😀😀 a\nβ\n𝔘 c!\nz\n",
    ),
    Case(
        "two hunks, one conflicts",
        BASE,
        "A\nb\nc\nd\ne\nf\nG\n",
        "a\nb\nc\nd\ne\nf\nmine\n",
        (0, 1),
        None,  # checked separately below: hunk 0 applies, hunk 1 conflicts
    ),
    Case(
        "adjacent hunks split by one line",
        BASE,
        "a\nB\nc\nD\ne\nf\ng\n",
        BASE,
        (1,),
        "a\nb\nc\nD\ne\nf\ng\n",
    ),
    Case("delete lines", BASE, "a\nb\nf\ng\n", "a\nb\nc\nd\ne\nf\nG\n", (0,), "a\nb\nf\nG\n"),
]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.expected is not None or len(c.accept) == 1], ids=lambda c: c.name
)
def test_accept(case: Case) -> None:
    proposal = one_file(case.base, case.proposed)
    fp = proposal.files[0]
    ids = [fp.hunks[i].id for i in case.accept]
    result = accept(proposal, "a.py", ids, case.current)
    # accepting plans only: the proposal value itself is unchanged
    assert proposal.files[0].hunks == fp.hunks
    if case.expected is None:
        assert result.edits == ()
        assert result.new_text == case.current
        assert set(result.conflicted) == set(ids)
        assert current_hunk_ranges(fp, case.current)[ids[0]] is None
    else:
        assert result.new_text == case.expected
        assert apply_edits(case.current, result.edits) == case.expected
        assert set(result.applied) == set(ids)


def test_one_hunk_applies_while_its_neighbour_conflicts() -> None:
    proposal = one_file(BASE, "A\nb\nc\nd\ne\nf\nG\n")
    first, last = (h.id for h in proposal.files[0].hunks)
    result = accept(proposal, "a.py", [first, last], "a\nb\nc\nd\ne\nf\nmine\n")
    assert result.new_text == "A\nb\nc\nd\ne\nf\nmine\n"
    assert dict(result.states) == {first: "applied", last: "conflicted"}
    after = commit(proposal, result)
    assert [h.state for h in after.files[0].hunks] == ["applied", "conflicted"]


def test_a_conflicted_hunk_applies_once_the_user_undoes_the_clash() -> None:
    proposal = one_file(BASE, "a\nb\nc\nD\ne\nf\ng\n")
    hid = proposal.files[0].hunks[0].id
    proposal = commit(proposal, accept(proposal, "a.py", [hid], "a\nb\nc\nX\ne\nf\ng\n"))
    assert proposal.files[0].hunks[0].state == "conflicted"
    result = accept(proposal, "a.py", [hid], BASE)
    assert result.new_text == "a\nb\nc\nD\ne\nf\ng\n"


def test_accept_then_reject_the_others() -> None:
    proposal = one_file(BASE, "A\nb\nC\nd\nE\nf\ng\n")
    ids = [h.id for h in proposal.files[0].hunks]
    proposal, text = accept_in_turn(proposal, "a.py", [ids[1]], BASE)
    assert text == "a\nb\nC\nd\ne\nf\ng\n"
    proposal = reject(proposal, "a.py", None)
    assert [h.state for h in proposal.files[0].hunks] == ["rejected", "applied", "rejected"]
    # nothing is left to accept: accepting everything now changes nothing
    result = accept(proposal, "a.py", None, text)
    assert result.edits == () and result.new_text == text and not result.states


def test_refused_edit_leaves_everything_pending() -> None:
    proposal = one_file(BASE, "A\nb\nc\nd\ne\nf\ng\n")
    result = accept(proposal, "a.py", None, BASE)
    assert result.changes_anything
    # the client answered applied: false, so the caller does not commit
    assert [h.state for h in proposal.files[0].hunks] == ["pending"]


def test_current_ranges_follow_user_edits() -> None:
    proposal = one_file(BASE, "A\nb\nc\nD\ne\nf\ng\nh\n")
    fp = proposal.files[0]
    ids = [h.id for h in fp.hunks]
    ranges = current_hunk_ranges(fp, "new1\nnew2\na\nb\nc\nd\ne\nf\ng\n")
    # the first hunk's upper anchor is the start of the file, where the user typed
    assert ranges == {ids[0]: None, ids[1]: (5, 6), ids[2]: (9, 9)}
    assert hunk_at_line(fp, "new1\nnew2\na\nb\nc\nd\ne\nf\ng\n", 5) == ids[1]
    assert hunk_at_line(fp, "new1\nnew2\na\nb\nc\nd\ne\nf\ng\n", 4) is None
    # once a hunk is rejected it no longer has a range
    rejected = reject(proposal, "a.py", [ids[1]])
    assert set(current_hunk_ranges(rejected.files[0], BASE)) == {ids[0], ids[2]}


def test_a_missing_file_conflicts() -> None:
    proposal = one_file(BASE, "A\nb\nc\nd\ne\nf\ng\n")
    result = accept(proposal, "a.py", None, None)
    assert result.conflicted and not result.edits


@pytest.mark.parametrize(
    ("base", "proposed"),
    [
        ("a\nb\na\nb\na\n", "a\na\n"),
        ("b\nb\nb\nb\nb\n", "a\nb\nb\na\nb\n"),
        ("b\na\nb\nb\na\nb\n", "c\nc\na\nc\na\n"),
    ],
)
def test_repetitive_text_accepted_hunk_by_hunk_gives_the_proposed_text(
    base: str, proposed: str
) -> None:
    # A plain base→current diff misaligns these once one hunk is in: the merge must map
    # through the text the accepted hunks produce.
    proposal = one_file(base, proposed)
    for first in proposal.files[0].hunks:
        after, text = accept_in_turn(proposal, "a.py", [first.id], base)
        assert accept(after, "a.py", None, text).new_text == proposed


def test_file_level_helpers_and_mark_applied() -> None:
    proposal = one_file(BASE, "A\nb\nc\nD\ne\nf\ng\n")
    ids = [h.id for h in proposal.files[0].hunks]
    result = accept_file(proposal, "a.py", BASE)
    assert result.new_text == "A\nb\nc\nD\ne\nf\ng\n"
    applied = mark_applied(proposal, "a.py", result.applied)
    assert applied.counts()["applied"] == 2
    assert hunk_ids_in(applied, "a.py") == []
    rejected = reject_file(proposal, "a.py")
    assert hunk_ids_in(rejected, "a.py", {"rejected"}) == ids
    with pytest.raises(KeyError):
        accept(proposal, "a.py", ["0:nope"], BASE)
    with pytest.raises(KeyError):
        accept(proposal, "missing.py", None, BASE)
