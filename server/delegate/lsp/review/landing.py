"""Did the edit land? ``applied: true`` is not proof that the editor changed the text.

Neovim 0.11 skips a versioned ``TextDocumentEdit`` whose version is older than its buffer
("Buffer … newer than edits": the user typed between the accept and the edit) and still
answers ``applied: true``. So after that answer, each versioned edit's document must
reach the planned text before its hunks count as applied. The client's ``didChange`` may
come a little after the answer (Neovim debounces it; VS Code sends it first), so we listen
for changes through the session's document listeners for at most
:data:`LANDING_TIMEOUT` seconds, without blocking the event loop.

The client may send the edit together with the user's next keystrokes — several content
changes in one ``didChange``, or one full text that has the typing in it too — so the
document need not ever equal the planned text. A change counts as the edit landing when
the document holds every planned replacement at its place, edited only elsewhere
(:class:`~delegate.proposals.landed.PlannedEdits`, which never says yes for a skipped
edit unless no text-based check could tell: a wrong "applied" would make a later reject
or revision work on a text that does not hold the hunk).

Only versioned edits are checked: they are the ones a client may skip as stale. An edit
of a closed file (``version: null``) or a file operation is applied by the client to its
own copy — Neovim loads the file into a buffer and does not save it, VS Code likewise —
so the disk says nothing until the user saves, and the client's answer is trusted.

A client may also be slower than the wait (Neovim with ``debounce_text_changes`` above two
seconds): it applied the edit, but its ``didChange`` arrives after the server gave up and
reported the hunks as not applied. So the :class:`Landing` that watched the document keeps
watching, for up to :data:`LATE_LANDING_TIMEOUT` more seconds; if the document reaches the
planned text then, the hunks that are still open are recorded as applied after all
(:func:`late_outcome`). Re-accepting meanwhile cannot apply a hunk twice — the new edit is
versioned against the old buffer, so the client skips it as stale — and a hunk the user
rejected meanwhile stays rejected: the user is told the change is in the buffer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from delegate.lsp.language_server import DelegateServer
from delegate.lsp.review.protocol import is_open
from delegate.lsp.session import DocumentListener
from delegate.proposals import AcceptResult, HunkState, Proposal
from delegate.proposals import accept as plan_accept
from delegate.proposals.landed import PlannedEdits

LANDING_TIMEOUT = 2.0  # seconds to wait for the didChange that carries an applied edit
# how much longer a late didChange still confirms the edit; past it, the hunks stay as
# reported and accepting them again gives the usual answer (a conflict, nothing applied)
LATE_LANDING_TIMEOUT = 120.0


def open_text(ls: DelegateServer, uri: str) -> str | None:
    """The open document's text, None when it is not open."""
    document = ls.workspace.text_documents.get(uri)
    return document.source if document is not None else None


def plan_landed(plan: AcceptResult, text: str | None) -> bool:
    """Whether ``text`` (the file now) holds what ``plan`` changes: its edits, with the
    user's typing elsewhere allowed. A file operation's result must be exactly the text."""
    if plan.operation is not None or plan.current_text is None:
        return text == plan.new_text
    return PlannedEdits.of(plan.current_text, plan.edits).landed_in(text)


class Landing:
    """Watches the open document ``uri`` until it holds ``plan``'s edits, closes, or :meth:`stop`.

    Every change is checked as it arrives, so a text that holds the edits and moves on
    (the user typing right after, even inside them) still counts. Watching costs one
    listener and, per change of that document, two line diffs of its differing middle;
    call :meth:`stop` when done.
    """

    def __init__(self, ls: DelegateServer, uri: str, plan: AcceptResult) -> None:
        self._listeners = ls.session.document_listeners
        self._ls = ls
        self.uri = uri
        self._planned = PlannedEdits.of(plan.current_text or "", plan.edits)
        self.reached: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._listener = DocumentListener(on_change=self._changed, on_close=self._closed)
        if self._planned.landed_in(open_text(ls, uri)):
            self.reached.set_result(True)
        else:
            self._listeners.append(self._listener)

    def _changed(self, uri: str) -> None:
        if uri == self.uri and self._planned.landed_in(open_text(self._ls, uri)):
            self._end(True)

    def _closed(self, uri: str) -> None:
        if uri == self.uri:
            self._end(False)

    def _end(self, reached: bool) -> None:
        if not self.reached.done():
            self.reached.set_result(reached)
        if self._listener in self._listeners:
            self._listeners.remove(self._listener)

    async def wait(self, timeout: float) -> bool:
        """True once the document held the text (now or earlier); False on timeout or close.
        Waiting again after a timeout goes on watching the same document."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.reached), timeout)
        except TimeoutError:
            return False

    def stop(self) -> None:
        """Stop watching; a wait still running returns False."""
        self._end(False)


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


@dataclass(frozen=True)
class LateOutcome:
    """What a late confirmation changes: ``applied`` ids become applied; ``rejected`` ids
    were rejected meanwhile and stay so, though their change is in the text now."""

    applied: tuple[str, ...]
    rejected: tuple[str, ...]


def late_outcome(proposal: Proposal, plan: AcceptResult) -> LateOutcome:
    """The hunks ``plan`` applied, as the proposal stands when the late confirmation comes.

    Only open hunks change: one applied meanwhile (a retry that was confirmed) is already
    recorded, and a decided hunk is never moved to another decision.
    """
    hunks = {h.id: h for h in proposal.file(plan.path).hunks}
    applied = tuple(i for i in plan.applied if i in hunks and is_open(hunks[i]))
    rejected = tuple(i for i in plan.applied if i in hunks and hunks[i].state == "rejected")
    return LateOutcome(applied, rejected)


def late_message(path: str, outcome: LateOutcome) -> str | None:
    """What to tell the user when a late ``didChange`` confirmed the edit of ``path``."""
    told = []
    if outcome.applied:
        count = len(outcome.applied)
        told.append(f"{_changes(count)} applied after all")
    if outcome.rejected:
        count = len(outcome.rejected)
        it, is_ = ("it", "is") if count == 1 else ("them", "are")
        told.append(
            f"{_changes(count)} you rejected meanwhile {is_} in your buffer now: "
            f"undo {it} there if you do not want {it}"
        )
    if not told:
        return None
    return f"Delegate: the edit to {path} reached the editor late; {'; '.join(told)}"


def _changes(count: int) -> str:
    return "1 change" if count == 1 else f"{count} changes"
