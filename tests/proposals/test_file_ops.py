"""Create, delete and rename are one file hunk each, accepted or rejected as a whole."""

from __future__ import annotations

from delegate.proposals.build import build_proposal
from delegate.proposals.changes import FileChange
from delegate.proposals.model import Proposal
from delegate.proposals.positions import apply_edits
from delegate.proposals.review import FileOperation, accept, accept_all, commit, reject_all


def proposal_with_ops() -> Proposal:
    return build_proposal(
        "t",
        [
            FileChange("new.py", None, "print('hi')\n"),
            FileChange("gone.py", "old\n", None),
            FileChange("moved.py", "a\nb\nc\nd\n", "a\nB\nc\nd\n", old_path="orig.py"),
        ],
    )


def test_create_inserts_the_text_into_a_new_file() -> None:
    result = accept(proposal_with_ops(), "new.py", None, None)
    assert result.operation == FileOperation("create", "new.py")
    assert apply_edits("", result.edits) == "print('hi')\n" == result.new_text
    assert result.applied == (proposal_with_ops().file("new.py").hunks[0].id,)


def test_create_conflicts_with_an_existing_different_file() -> None:
    result = accept(proposal_with_ops(), "new.py", None, "mine\n")
    assert result.conflicted and result.operation is None and not result.edits


def test_create_of_a_file_already_identical_is_applied_without_changes() -> None:
    result = accept(proposal_with_ops(), "new.py", None, "print('hi')\n")
    assert result.applied and not result.changes_anything


def test_delete_only_an_unchanged_file() -> None:
    proposal = proposal_with_ops()
    ok = accept(proposal, "gone.py", None, "old\n")
    assert ok.operation == FileOperation("delete", "gone.py") and ok.new_text is None
    edited = accept(proposal, "gone.py", None, "old\nmine\n")
    assert edited.conflicted and edited.operation is None


def test_rename_moves_and_merges_content_onto_user_edits() -> None:
    proposal = proposal_with_ops()
    result = accept(proposal, "moved.py", None, "a\nb\nc\nD\n")
    assert result.operation == FileOperation("rename", "moved.py", "orig.py")
    assert result.new_text == "a\nB\nc\nD\n"
    assert apply_edits("a\nb\nc\nD\n", result.edits) == result.new_text
    clash = accept(proposal, "moved.py", None, "a\nmine\nc\nd\n")
    assert clash.conflicted and clash.operation is None
    assert accept(proposal, "moved.py", None, None).conflicted


def test_accept_all_reads_rename_sources_by_old_path() -> None:
    proposal = proposal_with_ops()
    results = accept_all(proposal, {"gone.py": "old\n", "orig.py": "a\nb\nc\nd\n"})
    assert [r.operation.kind if r.operation else None for r in results] == [
        "create",
        "delete",
        "rename",
    ]
    for result in results:
        proposal = commit(proposal, result)
    assert proposal.counts()["applied"] == 3
    # everything decided: rejecting all now changes nothing
    assert reject_all(proposal) == proposal


def test_reject_all_rejects_file_hunks() -> None:
    proposal = reject_all(proposal_with_ops())
    assert proposal.counts()["rejected"] == 3
