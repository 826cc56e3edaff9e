"""What a ship commits: the accepted hunks of a proposal, laid onto the files as HEAD has them.

The user's working tree is not the source: it may hold their own unfinished edits, and
rejected or pending hunks are not in it anyway. So every file's new content is built from
its HEAD blob with the proposal's own merge (``delegate.proposals.accept``): the accepted
hunks (states ``accepted`` and ``applied``) are planned again onto that text, every other
hunk counting as rejected. A hunk that does not fit HEAD — it leans on an uncommitted
change — stops the ship: committing something the user never saw is worse than asking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from delegate.proposals import FileChange, FileProposal, Hunk, Proposal, accept
from delegate.proposals.model import IN_TEXT, OPEN
from delegate.ship.errors import ShipRefused

HeadReader = Callable[[str], str | None]  # folder-relative path → HEAD text (None: absent)


def is_shipped_hunk(hunk: Hunk) -> bool:
    return hunk.state in IN_TEXT and not hunk.detached


def undecided(proposal: Proposal) -> list[str]:
    """``"<path> <hunk id>"`` of every hunk still waiting for a decision."""
    return [
        f"{fp.path} {h.id}"
        for fp in proposal.files
        for h in fp.hunks
        if h.state in OPEN and not h.detached
    ]


def accepted_count(proposal: Proposal) -> int:
    return sum(1 for fp in proposal.files for h in fp.hunks if is_shipped_hunk(h))


def check_decided(proposal: Proposal, accepted_only: bool) -> None:
    """Refuse a proposal with nothing accepted, or with open hunks unless ``accepted_only``."""
    waiting = undecided(proposal)
    if waiting and not accepted_only:
        raise ShipRefused(
            "pending_hunks",
            f"task {proposal.task_id} has {len(waiting)} hunk(s) still pending "
            f"({', '.join(waiting[:5])}): accept or reject them, or ship only the accepted "
            "ones (--accepted-only, or acceptedOnly: true)",
        )
    if accepted_count(proposal) == 0:
        raise ShipRefused(
            "nothing_accepted",
            f"task {proposal.task_id} has no accepted hunk: accept the changes to ship first",
        )


def _only_shipped(fp: FileProposal) -> FileProposal:
    """``fp`` with its shipped hunks open again and every other hunk rejected, so the
    merge plans exactly the shipped ones onto a text that has none of them yet."""
    hunks = tuple(
        replace(h, state="pending" if is_shipped_hunk(h) else "rejected") for h in fp.hunks
    )
    return replace(fp, hunks=hunks)


def changes_onto_head(proposal: Proposal, read_head: HeadReader) -> list[FileChange]:
    """The shipped hunks as file changes whose ``base`` is HEAD's text (folder-relative).

    Raises a ``conflict`` refusal naming the hunks that do not apply to HEAD.
    """
    changes: list[FileChange] = []
    conflicts: list[str] = []
    for fp in proposal.files:
        if not any(is_shipped_hunk(h) for h in fp.hunks):
            continue
        head_text = read_head(fp.source_path)
        planned = accept(proposal.with_file(_only_shipped(fp)), fp.path, None, head_text)
        if planned.conflicted:
            conflicts.extend(f"{fp.path} {i}" for i in planned.conflicted)
            continue
        operation = planned.operation
        if operation is not None and operation.kind == "delete":
            changes.append(FileChange(fp.path, head_text, None))
        elif operation is not None and operation.kind == "rename":
            changes.append(FileChange(fp.path, head_text, planned.new_text, fp.old_path))
        elif planned.new_text != head_text:
            changes.append(FileChange(fp.path, head_text, planned.new_text))
    if conflicts:
        raise ShipRefused(
            "conflict",
            f"{len(conflicts)} accepted hunk(s) do not apply to HEAD ({', '.join(conflicts[:5])}): "
            "they build on changes that are not committed; commit those first, then ship again",
        )
    return changes
