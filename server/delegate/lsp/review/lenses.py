"""Review in any LSP client: code lenses, information diagnostics and code actions per hunk.

Every editor shows code lenses, diagnostics and code actions, so these three make a
proposal reviewable without a Delegate extension. All three are computed from the same
list of :class:`HunkPlace` — where each open hunk of each pending proposal sits in the
document's *current* text — so they move together as the user edits. Pure functions of
(uri, path, text, proposals); the review module decides when to publish them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from delegate.lsp.language_server import DIAGNOSTIC_SOURCE
from delegate.lsp.review.protocol import is_open, lines_range_json, summary_line
from delegate.proposals.model import FileProposal, Hunk, Proposal
from delegate.proposals.positions import PositionEncoding
from delegate.proposals.review import current_hunk_ranges

SOURCE = DIAGNOSTIC_SOURCE
KIND_REVIEW = "refactor.delegate.review"

ACCEPT_HUNK = "delegate.acceptHunk"
REJECT_HUNK = "delegate.rejectHunk"
DIFF_HUNK = "delegate.diffHunk"
DIFF_FILE = "delegate.diffFile"  # a created, deleted or renamed file's whole content
ACCEPT_FILE = "delegate.acceptFile"
REJECT_FILE = "delegate.rejectFile"
ACCEPT_ALL = "delegate.acceptAll"
REJECT_ALL = "delegate.rejectAll"


OPERATION_SHOWN = {
    "create": "the file it creates",
    "delete": "what the delete removes",
    "rename": "the renamed file",
}


@dataclass(frozen=True)
class FileReview:
    """One pending proposal's file shown in one document."""

    proposal: Proposal
    file: FileProposal
    places: dict[str, tuple[int, int] | None]  # open hunk id → current lines, None: conflicts

    @property
    def open_hunks(self) -> list[Hunk]:
        return [h for h in self.file.hunks if is_open(h)]


def reviews_for(proposals: Sequence[Proposal], path: str, text: str | None) -> list[FileReview]:
    """The files of ``proposals`` whose hunks are placed in ``path`` and still open."""
    found: list[FileReview] = []
    for proposal in proposals:
        for fp in proposal.files:
            if fp.source_path != path or not any(is_open(h) for h in fp.hunks):
                continue
            found.append(FileReview(proposal, fp, current_hunk_ranges(fp, text)))
    return found


def _range(text: str, place: tuple[int, int], encoding: PositionEncoding) -> types.Range:
    data = lines_range_json(text, place[0], place[1], encoding)
    return types.Range(start=types.Position(**data["start"]), end=types.Position(**data["end"]))


def _line_start(line: int) -> types.Range:
    return types.Range(
        start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)
    )


def _lens(line: int, title: str, command: str, argument: dict[str, Any]) -> types.CodeLens:
    return types.CodeLens(
        range=_line_start(line),
        command=types.Command(title=title, command=command, arguments=[argument]),
    )


def _plural(n: int) -> str:
    return f"{n} hunk" if n == 1 else f"{n} hunks"


def code_lenses(uri: str, text: str, reviews: Sequence[FileReview]) -> list[types.CodeLens]:
    """A file lens at line 0 per proposal, and Accept / Reject / Diff on every placed hunk."""
    lenses: list[types.CodeLens] = []
    several = len(reviews) > 1
    for review in reviews:
        task_id = review.proposal.task_id
        suffix = f" — {summary_line(review.proposal)}" if several else ""
        file_arg = {"taskId": task_id, "uri": uri}
        count = len(review.open_hunks)
        lenses.append(_lens(0, f"Accept file ({_plural(count)}){suffix}", ACCEPT_FILE, file_arg))
        lenses.append(_lens(0, "Reject file", REJECT_FILE, file_arg))
        if review.file.op != "modify":
            lenses.append(_lens(0, "Diff", DIFF_FILE, file_arg))
            continue
        for hunk in review.open_hunks:
            place = review.places.get(hunk.id)
            if place is None:
                continue
            arg = {"taskId": task_id, "uri": uri, "hunkId": hunk.id}
            # the start of an insertion past the last line is the end of the text
            line = lines_range_json(text, place[0], place[0], "utf-32")["start"]["line"]
            lenses.append(_lens(line, "Accept", ACCEPT_HUNK, arg))
            lenses.append(_lens(line, "Reject", REJECT_HUNK, arg))
            lenses.append(_lens(line, "Diff", DIFF_HUNK, arg))
    return lenses


def diagnostics(
    text: str, reviews: Sequence[FileReview], encoding: PositionEncoding
) -> list[types.Diagnostic]:
    """One information diagnostic over every placed open hunk."""
    found: list[types.Diagnostic] = []
    for review in reviews:
        message = f"Delegate proposal: {summary_line(review.proposal)} — accept or reject"
        for hunk in review.open_hunks:
            place = review.places.get(hunk.id)
            if place is None:
                continue
            found.append(
                types.Diagnostic(
                    range=_range(text, place, encoding),
                    message=message,
                    severity=types.DiagnosticSeverity.Information,
                    source=SOURCE,
                    code=hunk.id,
                    data={
                        "taskId": review.proposal.task_id,
                        "path": review.file.path,
                        "hunkId": hunk.id,
                    },
                )
            )
    return found


def hunk_under(review: FileReview, line: int) -> Hunk | None:
    """The open hunk at ``line`` (an insertion owns the line it precedes)."""
    for hunk in review.open_hunks:
        place = review.places.get(hunk.id)
        if place is None:
            continue
        start, end = place
        if start <= line < end or start == end == line:
            return hunk
    return None


def _wanted(only: Sequence[str] | None) -> bool:
    return not only or any(o == KIND_REVIEW or KIND_REVIEW.startswith(o + ".") for o in only)


def _action(title: str, command: str, argument: dict[str, Any]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=KIND_REVIEW,
        command=types.Command(title=title, command=command, arguments=[argument]),
    )


def code_actions(
    uri: str, line: int, reviews: Sequence[FileReview], only: Sequence[str] | None = None
) -> list[types.CodeAction]:
    """Accept/reject the hunk under the cursor, its file, or the whole proposal."""
    if not _wanted(only):
        return []
    actions: list[types.CodeAction] = []
    for review in reviews:
        task_id = review.proposal.task_id
        label = summary_line(review.proposal)
        hunk = hunk_under(review, line)
        if hunk is not None:
            arg = {"taskId": task_id, "uri": uri, "hunkId": hunk.id}
            actions.append(_action(f"Delegate: accept this change ({label})", ACCEPT_HUNK, arg))
            actions.append(_action(f"Delegate: reject this change ({label})", REJECT_HUNK, arg))
        file_arg = {"taskId": task_id, "uri": uri}
        count = _plural(len(review.open_hunks))
        actions.append(_action(f"Delegate: accept file ({count})", ACCEPT_FILE, file_arg))
        actions.append(_action("Delegate: reject file", REJECT_FILE, file_arg))
        if review.file.op != "modify":
            shown = OPERATION_SHOWN.get(review.file.op, "")
            actions.append(_action(f"Delegate: show {shown} ({label})", DIFF_FILE, file_arg))
        actions.append(
            _action(f"Delegate: accept all of “{label}”", ACCEPT_ALL, {"taskId": task_id})
        )
        actions.append(
            _action(f"Delegate: reject all of “{label}”", REJECT_ALL, {"taskId": task_id})
        )
    return actions
