"""Turn the agent's file changes into a reviewable proposal.

This is the only place that knows how a :class:`FileChange` becomes hunks: a modify gets
one line hunk per changed run of lines; a create, delete or rename is one file hunk (a
rename carries its content change along, so it is accepted or rejected as a whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from delegate.proposals.changes import FileChange
from delegate.proposals.hunks import file_hunk, line_hunks
from delegate.proposals.model import FileOp, FileProposal, Proposal


def build_file(index: int, change: FileChange) -> FileProposal:
    """The proposal for one changed file; ``index`` is its position in the proposal."""
    op: FileOp
    if change.old_path is not None:
        op = "rename"
    elif change.base is None:
        op = "create"
    elif change.proposed is None:
        op = "delete"
    else:
        op = "modify"
    if op == "modify":
        assert change.base is not None and change.proposed is not None
        hunks = line_hunks(index, change.path, change.base, change.proposed)
    else:
        if op == "rename" and (change.base is None or change.proposed is None):
            raise ValueError(f"rename of {change.old_path} needs both base and proposed text")
        hunks = (
            file_hunk(
                index, op, change.path, change.old_path, change.base or "", change.proposed or ""
            ),
        )
    return FileProposal(change.path, op, change.base, change.proposed, hunks, change.old_path)


def build_proposal(
    task_id: str,
    changes: Sequence[FileChange],
    *,
    version: int = 1,
    created_at: str | None = None,
    plan: Any = None,
    summary: str = "",
    tests_before: Any = None,
    tests_after: Any = None,
    verdict: Any = None,
    cost_usd: float = 0.0,
    trace_id: str | None = None,
) -> Proposal:
    """A proposal with every hunk pending. Files without any change are left out."""
    paths = [c.path for c in changes]
    if len(set(paths)) != len(paths):
        raise ValueError("a proposal names each file once")
    files = [build_file(i, c) for i, c in enumerate(changes)]
    return Proposal(
        task_id=task_id,
        version=version,
        created_at=created_at or datetime.now(UTC).isoformat(timespec="seconds"),
        files=tuple(fp for fp in files if fp.hunks),
        plan=plan,
        summary=summary,
        tests_before=tests_before,
        tests_after=tests_after,
        verdict=verdict,
        cost_usd=cost_usd,
        trace_id=trace_id,
    )
