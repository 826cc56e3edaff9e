"""Did the edit land? ``applied: true`` is not proof that the editor changed the text.

Neovim 0.11 skips a versioned ``TextDocumentEdit`` whose version is older than its buffer
("Buffer … newer than edits": the user typed between the accept and the edit) and still
answers ``applied: true``. So after that answer, each versioned edit's document must
reach the planned text before its hunks count as applied. The client's ``didChange`` may
come a little after the answer (Neovim debounces it; VS Code sends it first), so we listen
for changes through the session's document listeners for at most
:data:`LANDING_TIMEOUT` seconds, without blocking the event loop.

Only versioned edits are checked: they are the ones a client may skip as stale. An edit
of a closed file (``version: null``) or a file operation is applied by the client to its
own copy — Neovim loads the file into a buffer and does not save it, VS Code likewise —
so the disk says nothing until the user saves, and the client's answer is trusted.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from delegate.lsp.server import DelegateServer
from delegate.lsp.session import DocumentListener
from delegate.proposals import AcceptResult, HunkState, Proposal
from delegate.proposals import accept as plan_accept

LANDING_TIMEOUT = 2.0  # seconds to wait for the didChange that carries an applied edit


def open_text(ls: DelegateServer, uri: str) -> str | None:
    """The open document's text, None when it is not open."""
    document = ls.workspace.text_documents.get(uri)
    return document.source if document is not None else None


async def document_reaches(
    ls: DelegateServer, uri: str, text: str | None, timeout: float = LANDING_TIMEOUT
) -> bool:
    """True once the open document ``uri`` holds ``text``; False on timeout or close.

    Every change is checked as it arrives, so a text that reaches ``text`` and moves on
    (the user typing right after) still counts.
    """
    if open_text(ls, uri) == text:
        return True
    reached: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def changed(changed_uri: str) -> None:
        if changed_uri == uri and not reached.done() and open_text(ls, uri) == text:
            reached.set_result(True)

    def closed(closed_uri: str) -> None:
        if closed_uri == uri and not reached.done():
            reached.set_result(False)

    listener = DocumentListener(on_change=changed, on_close=closed)
    listeners = ls.session.document_listeners
    listeners.append(listener)
    try:
        return await asyncio.wait_for(reached, timeout)
    except TimeoutError:
        return False
    finally:
        listeners.remove(listener)


def missed(proposal: Proposal, plan: AcceptResult, current_text: str | None) -> AcceptResult:
    """The outcome to record for a file whose edit did not land.

    Nothing was applied. The hunks the plan left out as conflicts stay conflicted; the ones
    it meant to apply stay pending, unless the text the editor has now no longer fits them
    (the user's typing touched them), which makes them conflicted too. Re-planning on the
    current text never applies a hunk twice: an applied hunk's region no longer matches.
    """
    states: dict[str, HunkState] = dict.fromkeys(plan.conflicted, "conflicted")
    if plan.applied:
        again = plan_accept(proposal, plan.path, plan.applied, current_text)
        states.update(dict.fromkeys(again.conflicted, "conflicted"))
    return replace(plan, edits=(), operation=None, new_text=current_text, states=states)


def not_applied_message(planned: AcceptResult, outcome: AcceptResult) -> str:
    """What to tell the user about a file whose edit did not land."""
    now_conflicted = [i for i in planned.applied if i in outcome.conflicted]
    pending = len(planned.applied) - len(now_conflicted)
    told = []
    if pending:
        told.append(
            "the hunk is still pending" if pending == 1 else f"{pending} hunks are still pending"
        )
        told[-1] += " — try again"
    if now_conflicted:
        told.append(
            "1 hunk now conflicts with your edits"
            if len(now_conflicted) == 1
            else f"{len(now_conflicted)} hunks now conflict with your edits"
        )
    return (
        f"Delegate: the editor did not apply the edit to {planned.path} "
        f"(it changed meanwhile); {'; '.join(told) or 'nothing was recorded'}"
    )
