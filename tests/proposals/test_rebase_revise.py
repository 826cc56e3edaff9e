"""Two proposals on one file, and the request the agent gets for a revision."""

from __future__ import annotations

from delegate.proposals.build import build_proposal
from delegate.proposals.changes import FileChange
from delegate.proposals.rebase import rebase
from delegate.proposals.review import accept, commit, reject
from delegate.proposals.revise import comment_hunk, comment_proposal, revise_request

from .helpers import accept_in_turn, one_file

BASE = "a\nb\nc\nd\ne\nf\ng\nh\n"


def test_second_proposal_rebases_onto_the_first() -> None:
    first = one_file(BASE, "top\na\nb\nc\nd\ne\nf\ng\nh\n")  # inserts a line at the top
    second = build_proposal("t2", [FileChange("a.py", BASE, "a\nb\nC\nd\ne\nf\nG\nh\n")])
    g_hunk = second.files[0].hunks[1].id
    _, after_first = accept_in_turn(first, "a.py", [first.files[0].hunks[0].id], BASE)
    # the user also edited line f, the anchor of the second proposal's G hunk
    current = after_first.replace("f\n", "F\n")

    rebased = rebase(second, "a.py", current)
    fp = rebased.files[0]
    c_hunk, g = fp.hunks
    assert fp.base == current
    assert (c_hunk.state, c_hunk.base_start, c_hunk.base_end) == ("pending", 3, 4)
    assert (g.id, g.state, g.detached) == (g_hunk, "conflicted", True)
    assert c_hunk.id == second.files[0].hunks[0].id  # ids survive a rebase
    # the rebased proposal accepts cleanly and its proposed text is what accept-all gives
    result = accept(rebased, "a.py", None, current)
    assert result.new_text == "top\na\nb\nC\nd\ne\nF\ng\nh\n" == fp.proposed
    assert result.applied == (c_hunk.id,)


def test_rebase_detaches_decided_hunks() -> None:
    proposal = one_file(BASE, "A\nb\nc\nD\ne\nf\ng\nh\n")
    first, second = (h.id for h in proposal.files[0].hunks)
    proposal, text = accept_in_turn(proposal, "a.py", [first], BASE)
    rebased = rebase(proposal, "a.py", text)
    states = [(h.state, h.detached) for h in rebased.files[0].hunks]
    assert states == [("applied", True), ("pending", False)]
    # the applied hunk is part of the new base, so accepting the rest applies only the other
    result = accept(rebased, "a.py", None, text)
    assert result.new_text == "A\nb\nc\nD\ne\nf\ng\nh\n"
    assert result.applied == (second,)


def test_revise_request_lists_rejected_hunks_with_comments() -> None:
    proposal = one_file(BASE, "A\nb\nc\nD\ne\nf\ng\nh\n")
    first, second = (h.id for h in proposal.files[0].hunks)
    proposal = commit(proposal, accept(proposal, "a.py", [first], BASE))
    proposal = reject(proposal, "a.py", [second])
    proposal = comment_hunk(proposal, "a.py", second, "keep d lower-case")
    proposal = comment_proposal(proposal, "nearly")
    request = revise_request(proposal)
    assert request["comment"] == "nearly"
    assert request["accepted"] == [{"path": "a.py", "hunk_id": first}]
    assert request["rejected"] == [
        {
            "path": "a.py",
            "old_path": None,
            "operation": "modify",
            "hunk_id": second,
            "line": 4,
            "base": "d\n",
            "proposed": "D\n",
            "comment": "keep d lower-case",
        }
    ]
    assert request["conflicted"] == [] and request["pending"] == []
