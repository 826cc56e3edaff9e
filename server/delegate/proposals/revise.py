"""What the agent needs to revise a proposal: the hunks the user turned down, and why.

The request is plain JSON-able data so the agent package can put it into a prompt without
knowing this package's types. The revision itself comes back as a new proposal version.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from delegate.proposals.model import Hunk, Proposal

#: Longest snippet sent per side of a hunk; file hunks can carry whole files.
SNIPPET_LIMIT = 4000


def _snippet(text: str) -> str:
    if len(text) <= SNIPPET_LIMIT:
        return text
    return text[:SNIPPET_LIMIT] + f"\n… [{len(text) - SNIPPET_LIMIT} more characters]\n"


def _describe(path: str, operation: str, old_path: str | None, h: Hunk) -> dict[str, Any]:
    return {
        "path": path,
        "old_path": old_path,
        "operation": operation,
        "hunk_id": h.id,
        "line": h.base_start + 1,
        "base": _snippet(h.old_text),
        "proposed": _snippet(h.new_text),
        "comment": h.comment,
    }


def revise_request(proposal: Proposal) -> dict[str, Any]:
    """Rejected and conflicted hunks with their snippets and comments, plus what was kept."""
    request: dict[str, Any] = {
        "task_id": proposal.task_id,
        "version": proposal.version,
        "comment": proposal.comment,
        "summary": proposal.summary,
        "rejected": [],
        "conflicted": [],
        "accepted": [],
        "pending": [],
    }
    for fp in proposal.files:
        for h in fp.hunks:
            if h.state in ("rejected", "conflicted"):
                request[h.state].append(_describe(fp.path, fp.op, fp.old_path, h))
            elif h.state in ("accepted", "applied"):
                request["accepted"].append({"path": fp.path, "hunk_id": h.id})
            else:
                request["pending"].append({"path": fp.path, "hunk_id": h.id})
    return request


def comment_hunk(proposal: Proposal, path: str, hunk_id: str, comment: str) -> Proposal:
    """Attach the user's note to one hunk."""
    fp = proposal.file(path)
    fp.hunk(hunk_id)  # raises for an unknown id
    hunks = tuple(replace(h, comment=comment) if h.id == hunk_id else h for h in fp.hunks)
    return proposal.with_file(replace(fp, hunks=hunks))


def comment_proposal(proposal: Proposal, comment: str) -> Proposal:
    """Attach the user's note to the whole proposal."""
    return replace(proposal, comment=comment)
