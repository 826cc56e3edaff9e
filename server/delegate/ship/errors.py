"""Why a ship stops: one exception whose message names the cause and what to do about it.

Every refusal has a short ``kind`` (for the trace, the LSP error data and tests) and a
sentence for the user. The language server shows the sentence as it is and the command
line prints it; neither has to know the cases.
"""

from __future__ import annotations

from typing import Literal

RefusalKind = Literal[
    "not_a_repository",
    "no_commit",
    "detached_head",
    "pending_hunks",
    "nothing_accepted",
    "no_proposal",
    "conflict",
    "bad_branch",
    "branch_exists",
    "hook_failed",
    "no_remote",
    "push_failed",
    "forge_missing",
    "forge_signed_out",
    "git_failed",
]


class ShipRefused(Exception):
    """The ship stopped before anything irreversible; ``str(error)`` says what to do."""

    def __init__(self, kind: RefusalKind, message: str, output: str = "") -> None:
        super().__init__(message)
        self.kind: RefusalKind = kind
        self.output = output  # a hook's or git's own words, shown beside the message
