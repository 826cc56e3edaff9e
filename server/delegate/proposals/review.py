"""Accept and reject hunks: pure functions from (proposal, current text) to edits and states.

``accept`` only plans. It returns the edits to send, the text they produce and the states
the hunks should move to; nothing changes until the caller records the outcome with
:func:`commit` (or :func:`mark_applied`) — the language server does so only after the
client answered ``applied: true`` to ``workspace/applyEdit``, so a refused edit leaves
every hunk pending. ``reject`` needs no edit and returns the new proposal directly.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from delegate.proposals.hunks import line_hunks
from delegate.proposals.lines import line_start_position, split_lines
from delegate.proposals.merge import locate_hunks, merge_hunks
from delegate.proposals.model import OPEN, FileProposal, Hunk, HunkState, Proposal
from delegate.proposals.positions import TextEdit, apply_edits


@dataclass(frozen=True)
class FileOperation:
    """A resource operation that comes before the edits: create, delete or rename a file."""

    kind: Literal["create", "delete", "rename"]
    path: str  # the file created or deleted, or the rename's new path
    old_path: str | None = None  # the rename's source


@dataclass(frozen=True)
class AcceptResult:
    """What accepting some hunks of one file would do.

    Apply ``operation`` first (if any), then ``edits`` to the document at ``path``. The
    edits' positions are code points in ``current_text`` (``""`` for a create); convert
    them with :func:`delegate.proposals.positions.to_encoding`. ``new_text`` is the file's
    text afterwards (None once deleted). ``states`` are the planned hunk states.
    """

    path: str
    current_text: str | None
    edits: tuple[TextEdit, ...]
    operation: FileOperation | None
    new_text: str | None
    states: Mapping[str, HunkState] = field(default_factory=dict)

    @property
    def applied(self) -> tuple[str, ...]:
        return tuple(i for i, s in self.states.items() if s == "applied")

    @property
    def conflicted(self) -> tuple[str, ...]:
        return tuple(i for i, s in self.states.items() if s == "conflicted")

    @property
    def changes_anything(self) -> bool:
        return bool(self.edits) or self.operation is not None


def _open_hunks(fp: FileProposal, hunk_ids: Iterable[str] | None) -> list[Hunk]:
    """The requested hunks that can still be decided (all open ones when ids is None)."""
    chosen = fp.hunks if hunk_ids is None else [fp.hunk(i) for i in hunk_ids]
    return [h for h in chosen if h.state in OPEN and not h.detached]


def accept(
    proposal: Proposal, path: str, hunk_ids: Iterable[str] | None, current_text: str | None
) -> AcceptResult:
    """Plan accepting ``hunk_ids`` (None: every open hunk) of ``path`` onto its current text.

    ``current_text`` is the text at ``fp.source_path`` now (open buffer or disk), None when
    that file does not exist. Hunks that are already decided are ignored.
    """
    fp = proposal.file(path)
    hunks = _open_hunks(fp, hunk_ids)
    if not hunks:
        return AcceptResult(path, current_text, (), None, current_text)
    if fp.op == "modify":
        return _accept_lines(fp, hunks, current_text)
    return _accept_file_op(fp, hunks[0], current_text)


def _accept_lines(fp: FileProposal, hunks: list[Hunk], current_text: str | None) -> AcceptResult:
    if current_text is None:
        return AcceptResult(fp.path, None, (), None, None, {h.id: "conflicted" for h in hunks})
    edits, applied, conflicted = merge_hunks(fp, hunks, current_text)
    states: dict[str, HunkState] = {i: "applied" for i in applied}
    states.update({i: "conflicted" for i in conflicted})
    new_text = apply_edits(current_text, edits)
    return AcceptResult(fp.path, current_text, tuple(edits), None, new_text, states)


def _whole_text_edit(current_text: str, new_text: str) -> tuple[TextEdit, ...]:
    if current_text == new_text:
        return ()
    lines = split_lines(current_text)
    end_line, end_col = line_start_position(lines, len(lines))
    return (TextEdit(0, 0, end_line, end_col, new_text),)


def _accept_file_op(fp: FileProposal, hunk: Hunk, current_text: str | None) -> AcceptResult:
    def result(
        edits: tuple[TextEdit, ...], op: FileOperation | None, new_text: str | None, ok: bool
    ) -> AcceptResult:
        state: HunkState = "applied" if ok else "conflicted"
        return AcceptResult(fp.path, current_text, edits, op, new_text, {hunk.id: state})

    if fp.op == "create":
        proposed = fp.proposed or ""
        if current_text is None:
            edits = _whole_text_edit("", proposed)
            return result(edits, FileOperation("create", fp.path), proposed, True)
        return result((), None, current_text, current_text == proposed)
    if fp.op == "delete":
        if current_text is None:
            return result((), None, None, True)
        if current_text != fp.base:
            return result((), None, current_text, False)
        return result((), FileOperation("delete", fp.path), None, True)
    # rename: move the file, then merge its content change onto the current text
    if current_text is None:
        return result((), None, None, False)
    content = FileProposal(
        fp.path,
        "modify",
        fp.base,
        fp.proposed,
        line_hunks(0, fp.path, fp.base or "", fp.proposed or ""),
    )
    moved_edits, _, conflicted = merge_hunks(content, content.hunks, current_text)
    if conflicted:
        return result((), None, current_text, False)
    operation = FileOperation("rename", fp.path, fp.old_path)
    return result(tuple(moved_edits), operation, apply_edits(current_text, moved_edits), True)


def commit(proposal: Proposal, result: AcceptResult) -> Proposal:
    """Record the planned states of ``result`` (after the client applied its edits)."""
    return proposal.with_file(proposal.file(result.path).with_states(dict(result.states)))


def set_states(
    proposal: Proposal, path: str, hunk_ids: Iterable[str], state: HunkState
) -> Proposal:
    """Move the named hunks of ``path`` to ``state``."""
    fp = proposal.file(path)
    return proposal.with_file(fp.with_states(dict.fromkeys(hunk_ids, state)))


def mark_applied(proposal: Proposal, path: str, hunk_ids: Iterable[str]) -> Proposal:
    """Record that the client applied the named hunks."""
    return set_states(proposal, path, hunk_ids, "applied")


def reject(proposal: Proposal, path: str, hunk_ids: Iterable[str] | None = None) -> Proposal:
    """Reject ``hunk_ids`` (None: every open hunk) of ``path``; decided hunks stay as they are."""
    fp = proposal.file(path)
    ids = [h.id for h in _open_hunks(fp, hunk_ids)]
    return set_states(proposal, path, ids, "rejected")


def accept_file(proposal: Proposal, path: str, current_text: str | None) -> AcceptResult:
    """Plan accepting every open hunk of ``path``."""
    return accept(proposal, path, None, current_text)


def reject_file(proposal: Proposal, path: str) -> Proposal:
    """Reject every open hunk of ``path``."""
    return reject(proposal, path, None)


def accept_all(proposal: Proposal, current_texts: Mapping[str, str | None]) -> list[AcceptResult]:
    """Plan accepting every open hunk of every file.

    ``current_texts`` maps each file's ``source_path`` to its current text; a missing key
    means the file does not exist (so a modify of it conflicts rather than guesses).
    """
    return [
        accept(proposal, fp.path, None, current_texts.get(fp.source_path)) for fp in proposal.files
    ]


def reject_all(proposal: Proposal) -> Proposal:
    """Reject every open hunk of every file."""
    for fp in proposal.files:
        proposal = reject(proposal, fp.path, None)
    return proposal


def current_hunk_ranges(
    fp: FileProposal, current_text: str | None
) -> dict[str, tuple[int, int] | None]:
    """Where each open line hunk sits in ``current_text`` now: ``(start, end)`` lines, end
    exclusive (equal for a pure insertion before ``start``), or None when it conflicts.

    File hunks (create, delete, rename) cover the whole file: ``(0, line count)``.
    """
    hunks = _open_hunks(fp, None)
    if fp.op != "modify":
        count = len(split_lines(current_text or ""))
        return {h.id: (0, count) for h in hunks}
    return locate_hunks(fp, hunks, current_text)


def hunk_at_line(fp: FileProposal, current_text: str | None, line: int) -> str | None:
    """The open hunk under ``line`` of the current text (an insertion owns the line it
    precedes), or None."""
    for hunk_id, place in current_hunk_ranges(fp, current_text).items():
        if place is None:
            continue
        start, end = place
        if start <= line < end or (start == end == line):
            return hunk_id
    return None


def hunk_ids_in(proposal: Proposal, path: str, states: Collection[HunkState] = OPEN) -> list[str]:
    """Ids of ``path``'s attached hunks in ``states``."""
    return [h.id for h in proposal.file(path).hunks if h.state in states and not h.detached]
