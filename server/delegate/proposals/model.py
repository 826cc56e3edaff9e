"""The proposal a task hands back: files, hunks and the state of each hunk, as plain values.

A proposal is reviewed hunk by hunk, so the hunk is the unit of state. Values are frozen and
every operation in ``delegate.proposals`` returns a new value; the language server keeps
the current one and swaps it, which keeps background work from seeing half an update.

Positions in a hunk are 0-based line indices into its file's ``base`` (the text at snapshot
time, or at the last rebase). Everything the agent reports (plan, tests, verdict) is kept
as JSON-able data so this package does not depend on the agent's types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

HunkState = Literal["pending", "accepted", "rejected", "conflicted", "applied"]
HUNK_STATES: tuple[HunkState, ...] = ("pending", "accepted", "rejected", "conflicted", "applied")
FileOp = Literal["modify", "create", "delete", "rename"]
HunkKind = Literal["lines", "file"]

#: States in which a hunk's change is (or is about to be) in the user's text.
IN_TEXT: frozenset[HunkState] = frozenset({"accepted", "applied"})
#: States from which a hunk can still be accepted or rejected.
OPEN: frozenset[HunkState] = frozenset({"pending", "conflicted"})


@dataclass(frozen=True)
class Hunk:
    """One independently acceptable change.

    ``kind == "lines"``: lines ``base_start:base_end`` of the file's base become ``new_text``
    (an empty range is an insertion before ``base_start``). ``kind == "file"``: the file
    operation itself (create, delete or rename, including any content change of a rename).
    ``detached`` marks a hunk that no longer has a place in ``base`` after a rebase: its
    change was already folded in (applied), dropped (rejected) or could not be re-mapped
    (conflicted). Detached hunks keep their state for the record and are never applied.
    """

    id: str
    kind: HunkKind
    base_start: int
    base_end: int
    old_text: str  # the base lines this hunk replaces, joined
    new_text: str  # the lines that replace them, joined
    proposed_start: int  # first line of new_text in the file's proposed text (for display)
    state: HunkState = "pending"
    comment: str = ""  # the user's note for a revision
    detached: bool = False


@dataclass(frozen=True)
class FileProposal:
    """The proposal for one file. ``base`` is None for a create, ``proposed`` None for a delete."""

    path: str
    op: FileOp
    base: str | None
    proposed: str | None
    hunks: tuple[Hunk, ...]
    old_path: str | None = None

    @property
    def source_path(self) -> str:
        """The path whose current text the merge reads: the old path of a rename."""
        return self.old_path if self.old_path is not None else self.path

    def hunk(self, hunk_id: str) -> Hunk:
        for h in self.hunks:
            if h.id == hunk_id:
                return h
        raise KeyError(f"{self.path}: no hunk {hunk_id!r}")

    def with_states(self, states: dict[str, HunkState]) -> FileProposal:
        """A copy with the named hunks moved to new states (unknown ids raise KeyError)."""
        unknown = set(states) - {h.id for h in self.hunks}
        if unknown:
            raise KeyError(f"{self.path}: no hunks {sorted(unknown)}")
        hunks = tuple(replace(h, state=states[h.id]) if h.id in states else h for h in self.hunks)
        return replace(self, hunks=hunks)


@dataclass(frozen=True)
class Proposal:
    """One version of a task's proposal. Later versions (revisions) get higher ``version``."""

    task_id: str
    version: int
    created_at: str  # ISO 8601, UTC
    files: tuple[FileProposal, ...]
    plan: Any = None  # JSON-able, as the agent reported it
    summary: str = ""
    tests_before: Any = None
    tests_after: Any = None
    verdict: Any = None
    cost_usd: float = 0.0
    trace_id: str | None = None
    comment: str = ""  # the user's note on the whole proposal, for a revision
    extra: dict[str, Any] = field(default_factory=dict)  # JSON-able, for fields added later

    def file(self, path: str) -> FileProposal:
        for fp in self.files:
            if fp.path == path:
                return fp
        raise KeyError(f"proposal {self.task_id} v{self.version} has no file {path!r}")

    def with_file(self, fp: FileProposal) -> Proposal:
        """A copy with the file of the same path replaced by ``fp``."""
        self.file(fp.path)  # raises for an unknown path
        return replace(self, files=tuple(fp if f.path == fp.path else f for f in self.files))

    @property
    def hunk_count(self) -> int:
        return sum(len(fp.hunks) for fp in self.files)

    def counts(self) -> dict[HunkState, int]:
        """How many hunks are in each state (every state present, zero or not)."""
        result: dict[HunkState, int] = dict.fromkeys(HUNK_STATES, 0)
        for fp in self.files:
            for h in fp.hunks:
                result[h.state] += 1
        return result
