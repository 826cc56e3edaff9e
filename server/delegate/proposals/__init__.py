"""Proposals: what a task hands back, reviewed hunk by hunk (see docs/proposals.md).

Everything here is plain data and pure functions, so the language server is a thin adapter:
``build_proposal`` turns the agent's file changes into hunks; ``accept`` plans a three-way
merge onto the current text and ``commit`` records it once the client applied the edits;
``rebase`` moves a proposal onto a text another proposal changed; ``ProposalStore`` keeps
every version on disk; ``apply_to_folder`` is the same merge for ``delegate run --apply``.
"""

from delegate.proposals.build import build_proposal
from delegate.proposals.changes import FileChange
from delegate.proposals.disk import DiskApplyResult, apply_to_folder
from delegate.proposals.model import FileProposal, Hunk, HunkState, Proposal
from delegate.proposals.positions import PositionEncoding, TextEdit, from_encoding, to_encoding
from delegate.proposals.rebase import rebase
from delegate.proposals.review import (
    AcceptResult,
    FileOperation,
    accept,
    accept_all,
    accept_file,
    commit,
    current_hunk_ranges,
    hunk_at_line,
    mark_applied,
    reject,
    reject_all,
    reject_file,
    set_states,
)
from delegate.proposals.revise import comment_hunk, comment_proposal, revise_request
from delegate.proposals.store import ProposalStore

__all__ = [
    "AcceptResult",
    "DiskApplyResult",
    "FileChange",
    "FileOperation",
    "FileProposal",
    "Hunk",
    "HunkState",
    "PositionEncoding",
    "Proposal",
    "ProposalStore",
    "TextEdit",
    "accept",
    "accept_all",
    "accept_file",
    "apply_to_folder",
    "build_proposal",
    "comment_hunk",
    "comment_proposal",
    "commit",
    "current_hunk_ranges",
    "from_encoding",
    "hunk_at_line",
    "mark_applied",
    "rebase",
    "reject",
    "reject_all",
    "reject_file",
    "revise_request",
    "set_states",
    "to_encoding",
]
