"""Small builders shared by the proposal tests."""

from __future__ import annotations

from delegate.proposals.build import build_proposal
from delegate.proposals.changes import FileChange
from delegate.proposals.model import Proposal
from delegate.proposals.review import accept, commit


def one_file(base: str, proposed: str, path: str = "a.py") -> Proposal:
    return build_proposal(
        "t1", [FileChange(path, base, proposed)], created_at="2026-01-01T00:00:00+00:00"
    )


def accept_in_turn(
    proposal: Proposal, path: str, ids: list[str], text: str
) -> tuple[Proposal, str]:
    """Accept ``ids`` one at a time, committing each, as the language server would."""
    for hunk_id in ids:
        result = accept(proposal, path, [hunk_id], text)
        assert result.new_text is not None
        text = result.new_text
        proposal = commit(proposal, result)
    return proposal, text
