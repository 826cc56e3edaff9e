"""``delegate.revise`` hands ``proposals.revise_request`` to the agent as it is: the
revision prompt must carry every part of it — the comment, the earlier summary, the
rejected and the conflicted hunks with their texts, and what became of the rest."""

from __future__ import annotations

from pathlib import Path

from delegate.agent.prompts import task_message
from delegate.agent.task import TaskSpec
from delegate.proposals import (
    FileChange,
    build_proposal,
    comment_hunk,
    comment_proposal,
    reject,
    revise_request,
    set_states,
)

BASE = "a = 1\n\n\n\n\nb = 2\n\n\n\n\nc = 3\n\n\n\n\nd = 4\n"
NEW = BASE.replace("a = 1", "a = 10").replace("b = 2", "b = 20").replace("c = 3", "c = 30")
NEW = NEW.replace("d = 4", "d = 40")


def test_the_revision_prompt_carries_the_whole_revise_request() -> None:
    proposal = build_proposal("t1", [FileChange("m.py", BASE, NEW)], summary="bump constants")
    a, b, c, _d = (h.id for h in proposal.files[0].hunks)
    proposal = comment_hunk(proposal, "m.py", a, "keep a small")
    proposal = reject(proposal, "m.py", [a])
    proposal = set_states(proposal, "m.py", [b], "conflicted")
    proposal = set_states(proposal, "m.py", [c], "applied")
    proposal = comment_proposal(proposal, "only touch b and c")
    spec = TaskSpec("t1", Path("/w"), "bump", kind="revise", revise=revise_request(proposal))

    message = task_message(spec, None)

    assert "Their comment: only touch b and c" in message
    assert "Your earlier summary: bump constants" in message
    rejected, conflicted = message.split("do them differently:")[1].split("conflicted with")
    assert "a = 10" in rejected and "keep a small" in rejected and "b = 20" not in rejected
    assert "b = 20" in conflicted and "b = 2\n" in conflicted
    assert "accepted 1 change(s)" in message and "1 change(s) were left undecided" in message
    assert "c = 30" not in message and "d = 40" not in message


def test_a_plain_task_has_no_revision_part() -> None:
    message = task_message(TaskSpec("t2", Path("/w"), "do it"), None)
    assert "revision" not in message
