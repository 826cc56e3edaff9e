"""A ready proposal, announced in a standard LSP pop-up to clients without their own task UI.

``window/showMessageRequest`` ("Proposal ready: 3 hunks in 2 files") with the next steps as
its buttons: open the first file (``window/showDocument``, where the client supports it),
where the lenses and diagnostics of the hunks are; accept everything; or dismiss. The
question runs in the background, so the user may answer late or never; a proposal that
was decided meanwhile is left as it is. A result that autonomy applies by itself
(``apply-when-green``, ``commit-when-green``) is not asked about: applying it says so.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lsprotocol import types

from delegate.agent.task import TaskResult
from delegate.lsp.capabilities import client_ui, supports_show_document
from delegate.lsp.indexing import in_background
from delegate.lsp.review.decisions import Review
from delegate.lsp.review.previews import show_document
from delegate.lsp.review.protocol import summary_line
from delegate.proposals import Proposal
from delegate.tasks import TaskRecord

log = logging.getLogger(__name__)

OPEN_FIRST = "Open first file"
ACCEPT_ALL = "Accept all"
DISMISS = "Dismiss"


def _count(n: int, one: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {one}s"


def ready_message(proposal: Proposal, brief: dict[str, Any]) -> str:
    hunks = _count(int(brief["hunks"]), "hunk")
    files = _count(int(brief["files"]), "file")
    return f"Delegate: Proposal ready: {hunks} in {files} — {summary_line(proposal)}"


def ready_actions(can_show_document: bool) -> list[str]:
    return ([OPEN_FIRST] if can_show_document else []) + [ACCEPT_ALL, DISMISS]


async def offer(review: Review, proposal: Proposal, brief: dict[str, Any]) -> None:
    """Ask what to do with the proposal and do it."""
    ls = review.ls
    titles = ready_actions(supports_show_document(ls.client_capabilities))
    params = types.ShowMessageRequestParams(
        type=types.MessageType.Info,
        message=ready_message(proposal, brief),
        actions=[types.MessageActionItem(title=t) for t in titles],
    )
    try:
        chosen = await ls.window_show_message_request_async(params)
    except Exception as exc:  # the client refused or went away: the lenses still show it
        log.info("task %s: the proposal notice got no answer: %s", proposal.task_id, exc)
        return
    title = chosen.title if chosen is not None else DISMISS
    if title == OPEN_FIRST and brief.get("firstUri"):
        await show_document(ls, str(brief["firstUri"]))
    elif title == ACCEPT_ALL:
        try:
            await review.accept(proposal.task_id, None)
        except Exception as exc:  # e.g. the editor cannot create files: it was told why
            log.info("task %s: accept all from the notice failed: %s", proposal.task_id, exc)


def applies_by_itself(review: Review, record: TaskRecord, result: TaskResult | None) -> bool:
    """Whether autonomy (the task's own, else its folder's) applies this result without a
    review: then the server says what it applied instead of asking."""
    state = review.ls.session.folders.get(Path(record.folder))
    if result is None or state is None:
        return False
    level = review.ls.session.task_autonomy.get(record.task_id) or state.settings.autonomy
    if level == "propose":
        return False
    try:
        from delegate.agent.engine import should_auto_apply
    except ImportError:
        return False
    as_if = state.settings.model_copy(update={"autonomy": "apply-when-green"})
    return bool(should_auto_apply(result, as_if))


def after_task(review: Review, record: TaskRecord, result: TaskResult | None) -> None:
    """The ``on_task_finished`` hook that runs after the review saved the proposal."""
    fields = review.ls.session.final_fields.get(record.task_id, {})
    brief = fields.get("proposal")
    if not brief or client_ui(review.ls.client_capabilities).task_ui:
        return
    if applies_by_itself(review, record, result):
        return
    proposal = review.latest(record.task_id)
    if proposal is not None:
        in_background(review.ls, offer(review, proposal, brief))
