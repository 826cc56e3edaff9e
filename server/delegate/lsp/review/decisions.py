"""Proposal review over LSP: from a finished task to hunks accepted in the user's editor.

A task that ends with changes becomes a proposal saved in its folder's ``ProposalStore``
(a revision becomes the next version of the same task). Accepting plans a three-way merge
onto each file's current text (open buffer, else disk), sends the result as one
``workspace/applyEdit`` and records the new hunk states only when the client answered
``applied: true`` and the edited documents really changed — a refusal changes nothing. After a file changes, other pending
proposals on it are rebased. Lenses and diagnostics are recomputed from the current texts.

State lives in one :class:`Review` per server and is touched only on the event loop.
Every decision — accept, reject, revise, a late confirmation — runs under one lock: each
accept reads the texts the previous one wrote, and an accept waits for the editor twice
(its answer, then its ``didChange``), so a reject arriving meanwhile must be decided on
what that accept records, not beside it.
The feature registrations (lenses, diagnostics, commands, ``delegate/proposal``) are in the
package's other modules; its ``register`` makes one :class:`Review` and wires them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest

from delegate.agent.task import TaskResult
from delegate.lsp.capabilities import supports_code_lens_refresh
from delegate.lsp.converters import (
    path_to_uri,
    relative_posix,
    task_changed_params,
    trigger_from_json,
    uri_to_path,
)
from delegate.lsp.indexing import in_background
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.review.edits import (
    Annotation,
    FileEdit,
    UnsupportedEdit,
    edit_support,
    workspace_edit,
)
from delegate.lsp.review.landing import (
    LANDING_TIMEOUT,
    LATE_LANDING_TIMEOUT,
    Landing,
    late_message,
    late_outcome,
    missed,
    not_applied_message,
    plan_landed,
)
from delegate.lsp.review.lenses import FileReview, diagnostics, reviews_for
from delegate.lsp.review.protocol import encoding_of, is_open, json_value, open_count, summary_line
from delegate.lsp.session import FolderState
from delegate.proposals import (
    AcceptResult,
    Proposal,
    ProposalStore,
    build_proposal,
    commit,
    rebase,
    reject,
    reject_all,
    set_states,
)
from delegate.proposals import accept as plan_accept
from delegate.proposals.positions import PositionEncoding
from delegate.tasks import TaskRecord
from delegate.triggers import changes_without_trigger

log = logging.getLogger(__name__)

TASK_CHANGED = "delegate/taskChanged"


@dataclass(frozen=True)
class CurrentFile:
    """A file as the user has it now: the open buffer if there is one, else the disk."""

    uri: str
    text: str | None  # None: the file does not exist (or is not UTF-8 text)
    version: int | None  # the open document's version; None when it is not open


@dataclass(frozen=True)
class Located:
    """A task's proposal and the folder it belongs to."""

    state: FolderState
    store: ProposalStore
    proposal: Proposal


def read_disk_text(path: Path) -> str | None:
    """UTF-8 text without newline translation; None when missing or not text."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class Review:
    """Proposal stores per folder and the accept/reject flows of one server."""

    def __init__(self, ls: DelegateServer) -> None:
        self.ls = ls
        self.stores: dict[Path, ProposalStore] = {}
        self.published: set[str] = set()  # uris we sent non-empty diagnostics for
        self.lock = asyncio.Lock()

    # -- stores --------------------------------------------------------------------------

    def store(self, folder: Path) -> ProposalStore:
        """The folder's store, loaded from ``.delegate/proposals`` on first use."""
        store = self.stores.get(folder)
        if store is None:
            store = ProposalStore(folder)
            for skipped in store.skipped:
                log.warning("proposal file %s could not be read and is ignored", skipped)
            self.stores[folder] = store
        return store

    def load_all(self) -> None:
        for folder in self.ls.session.folders:
            self.store(folder)

    def pending(self, folder: Path) -> list[Proposal]:
        """The latest version of every task of ``folder`` that still has open hunks."""
        return [
            p
            for p in self.store(folder).list()
            if any(is_open(h) for fp in p.files for h in fp.hunks)
        ]

    def latest(self, task_id: str) -> Proposal | None:
        """The latest proposal of ``task_id`` in any folder."""
        for folder in self.ls.session.folders:
            proposal = self.store(folder).get(task_id)
            if proposal is not None:
                return proposal
        return None

    def is_pending(self, task_id: str) -> bool:
        """Whether the latest proposal of ``task_id`` still has open hunks."""
        proposal = self.latest(task_id)
        return proposal is not None and open_count(proposal) > 0

    def locate(self, task_id: Any, version: int | None = None) -> Located:
        if not isinstance(task_id, str) or not task_id:
            raise JsonRpcInvalidParams(message="`taskId` is required")
        for state in self.ls.session.folders.values():
            store = self.store(state.path)
            proposal = store.get(task_id, version)
            if proposal is not None:
                return Located(state, store, proposal)
        which = f" version {version}" if version is not None else ""
        raise JsonRpcInvalidParams(message=f"no proposal{which} for task {task_id}")

    # -- texts ---------------------------------------------------------------------------

    @property
    def encoding(self) -> PositionEncoding:
        return encoding_of(self.ls.workspace.position_encoding)

    def open_documents(self) -> dict[Path, str]:
        """``{path: uri}`` of every open ``file:`` document."""
        found: dict[Path, str] = {}
        for uri in list(self.ls.workspace.text_documents):
            path = uri_to_path(uri)
            if path is not None:
                found[path] = uri
        return found

    def current(self, folder: Path, rel: str) -> CurrentFile:
        """The file as the user has it. An open, empty buffer of a path that is not on disk
        is a file that does not exist yet — the user opened the path a proposal creates
        (say, from the "Open first file" notice) and typed nothing: creating it there is
        no conflict. (Empty: nothing but line ends, as editors that keep a final newline
        send it.)"""
        path = (folder / rel).resolve()
        uri = self.open_documents().get(path)
        if uri is not None:
            document = self.ls.workspace.get_text_document(uri)
            text: str | None = document.source
            if text is not None and not text.strip("\r\n") and not path.exists():
                text = None  # Neovim sends an empty buffer as "\n" (its 'eol' line)
            return CurrentFile(uri, text, document.version)
        return CurrentFile(path_to_uri(path), read_disk_text(path), None)

    def relative(self, uri: str) -> tuple[FolderState, str] | None:
        path = uri_to_path(uri)
        state = self.ls.session.folder_for(path) if path else None
        if path is None or state is None:
            return None
        return state, relative_posix(path, state.path)

    def document_reviews(self, uri: str, text: str) -> list[FileReview]:
        found = self.relative(uri)
        if found is None:
            return []
        state, rel = found
        return reviews_for(self.pending(state.path), rel, text)

    # -- accepting -----------------------------------------------------------------------

    async def accept(
        self,
        task_id: Any,
        selection: Sequence[tuple[str, list[str] | None]] | None,
        *,
        preview: bool = False,
    ) -> dict[str, Any]:
        """Accept hunks (``(path, ids)``; ids None: the whole file; selection None: all).

        One ``workspace/applyEdit`` carries every file. States are recorded only after the
        client applied it and each versioned edit's document held the planned edits (a
        client may skip a stale edit and still say ``applied: true``; see
        ``review.landing``); conflicting hunks are reported and never touch the text. All of
        it — plan, send, confirm, record — happens under the review lock.
        """
        async with self.lock:
            where = self.locate(task_id)
            proposal = where.proposal
            chosen = selection or [(fp.path, None) for fp in proposal.files]
            files: list[FileEdit] = []
            try:
                for path, ids in chosen:
                    fp = proposal.file(path)
                    source = self.current(where.state.path, fp.source_path)
                    target = self.current(where.state.path, fp.path) if fp.old_path else source
                    plan = plan_accept(proposal, path, ids, source.text)
                    files.append(FileEdit(plan, target.uri, source.uri, source.version))
            except KeyError as exc:
                raise JsonRpcInvalidParams(message=f"task {task_id}: {exc.args[0]}") from exc
            answer = await self._send(proposal, files, preview)
            if not answer["applied"]:
                return answer
            landed = await self._landed(where, files, preview) if answer["sent"] else files
            lost = [f for f in files if f not in landed]
            # handlers ran while we waited (a reject, say): record onto what is stored now
            proposal = where.store.get(proposal.task_id, proposal.version) or proposal
            # in a preview, a file the user unticked is simply skipped
            missing = [] if preview else [(f.plan, self._missed(where, proposal, f)) for f in lost]
            recorded = [f.plan for f in landed] + [outcome for _, outcome in missing]
            for plan in recorded:
                proposal = commit(proposal, plan)
            where.store.save(proposal)
            self._rebase_others(where, [f.plan for f in landed])
        for planned, outcome in missing:
            self.show(types.MessageType.Warning, not_applied_message(planned, outcome))
        conflicted = [f"{p.path} {i}" for p in recorded for i in p.conflicted]
        if conflicted:
            self.show(
                types.MessageType.Warning,
                f"Delegate: {len(conflicted)} change(s) conflict with your edits and were not "
                f"applied: {', '.join(conflicted)}",
            )
        self.refresh()
        self.announce(proposal)
        return {
            **answer,
            "taskId": proposal.task_id,
            "version": proposal.version,
            "appliedHunks": [f"{f.plan.path} {i}" for f in landed for i in f.plan.applied],
            "conflicted": conflicted,
            "skipped": [f.plan.path for f in lost],
        }

    async def _send(
        self, proposal: Proposal, files: list[FileEdit], preview: bool
    ) -> dict[str, Any]:
        if not any(f.plan.changes_anything for f in files):
            return {"applied": True, "sent": False, "preview": False}
        support = edit_support(self.ls.client_capabilities)
        if not support.apply_edit:
            self._refuse("the editor does not support workspace/applyEdit")
        label = f"Delegate: {summary_line(proposal)}"
        annotations = None
        if preview and support.change_annotations:
            annotations = {
                f.plan.path: Annotation(label, f"{f.plan.path} ({proposal.task_id})") for f in files
            }
        try:
            edit = workspace_edit(files, support, self.encoding, annotations)
        except UnsupportedEdit as exc:
            self._refuse(str(exc))
        result = await self.ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=label)
        )
        if not result.applied:
            reason = result.failure_reason or "the editor did not apply the edit"
            self.show(types.MessageType.Warning, f"Delegate: nothing was changed: {reason}")
            return {"applied": False, "sent": True, "reason": reason}
        return {"applied": True, "sent": True, "preview": annotations is not None}

    def _refuse(self, message: str) -> None:
        self.show(types.MessageType.Error, f"Delegate: {message}")
        raise JsonRpcInvalidRequest(message=message)

    async def _landed(self, where: Located, files: list[FileEdit], preview: bool) -> list[FileEdit]:
        """The files whose edit really reached the text after the client's ``applied: true``.

        A versioned edit of an open document may have been skipped as stale, so its
        document must come to hold the planned edits, the user's typing elsewhere allowed
        (waiting for a late ``didChange``); one that does not in time goes on being
        watched in the background (:meth:`_confirm_late`). After a preview the user may
        have unticked any file, so every file is checked for its planned edits. Otherwise
        unversioned edits and file operations are trusted (see ``review.landing``).
        """
        watched = {
            i: Landing(self.ls, f.uri, f.plan)
            for i, f in enumerate(files)
            if f.plan.changes_anything and f.version is not None and f.plan.operation is None
        }
        reached = await asyncio.gather(*(w.wait(LANDING_TIMEOUT) for w in watched.values()))
        arrived = {i for i, ok in zip(watched, reached, strict=True) if ok}
        landed: list[FileEdit] = []
        for i, file in enumerate(files):
            trusted = not file.plan.changes_anything or (i not in watched and not preview)
            if trusted or i in arrived or plan_landed(file.plan, self._text_now(where, file)):
                landed.append(file)
                if i in watched:
                    watched[i].stop()
            elif i in watched:
                in_background(self.ls, self._confirm_late(where, file, watched[i]))
        return landed

    def _text_now(self, where: Located, file: FileEdit) -> str | None:
        return self.current(where.state.path, file.plan.path).text

    def _missed(self, where: Located, proposal: Proposal, file: FileEdit) -> AcceptResult:
        return missed(proposal, file.plan, self._text_now(where, file))

    async def _confirm_late(self, where: Located, file: FileEdit, landing: Landing) -> None:
        """Record ``file``'s hunks as applied if its document comes to hold the edits late.

        Runs once the accept that sent the edit reported it as not applied; the record is
        made under the review lock, so after that accept's own record, on whatever was
        decided since (see ``review.landing.late_outcome``).
        """
        try:
            reached = await landing.wait(LATE_LANDING_TIMEOUT)
        finally:
            landing.stop()
        if not reached:
            return
        async with self.lock:
            proposal = where.store.get(where.proposal.task_id, where.proposal.version)
            if proposal is None:
                return
            outcome = late_outcome(proposal, file.plan)
            if outcome.applied:
                path = file.plan.path
                proposal = set_states(proposal, path, outcome.applied, "applied")
                where.store.save(proposal)
                self._rebase_others(where, [file.plan])
        log.info("task %s: %s landed late: %s", proposal.task_id, file.plan.path, outcome)
        message = late_message(file.plan.path, outcome)
        if message is not None:
            kind = types.MessageType.Warning if outcome.rejected else types.MessageType.Info
            self.show(kind, message)
        if outcome.applied:
            self.refresh()
            self.announce(proposal)

    def _rebase_others(self, where: Located, plans: Iterable[AcceptResult]) -> None:
        """Move the other pending proposals of each changed file onto its new text."""
        for plan in plans:
            if not plan.changes_anything or plan.new_text is None:
                continue
            for other in self.pending(where.state.path):
                if other.task_id == where.proposal.task_id:
                    continue
                for fp in other.files:
                    if fp.op == "modify" and fp.path == plan.path:
                        where.store.save(rebase(other, fp.path, plan.new_text))

    # -- rejecting -----------------------------------------------------------------------

    async def reject(
        self, task_id: Any, selection: Sequence[tuple[str, list[str] | None]] | None
    ) -> dict[str, Any]:
        """Reject hunks (same selection as :meth:`accept`); decided hunks stay as they are.

        Under the review lock: an accept in flight may be applying the very hunks named
        here, so the reject is decided on what that accept recorded, never beside it.
        """
        async with self.lock:
            where = self.locate(task_id)
            proposal = where.proposal
            try:
                if selection is None:
                    proposal = reject_all(proposal)
                for path, ids in selection or []:
                    proposal = reject(proposal, path, ids)
            except KeyError as exc:
                raise JsonRpcInvalidParams(message=f"task {task_id}: {exc.args[0]}") from exc
            where.store.save(proposal)
        self.refresh()
        self.announce(proposal)
        return {
            "taskId": proposal.task_id,
            "version": proposal.version,
            "counts": proposal.counts(),
            "rejectedHunks": newly_rejected(where.proposal, proposal),
        }

    # -- new proposals -------------------------------------------------------------------

    def task_finished(self, record: TaskRecord, result: TaskResult | None) -> None:
        """Turn a result with changes into the next version of the task's proposal.

        A task started from a ``delegate:`` comment also proposes removing that comment.
        """
        snapshot = self.ls.session.trigger_snapshots.pop(record.task_id, None)
        if result is None or not result.changes:
            return
        changes = result.changes
        trigger = trigger_from_json(record.trigger, record.instruction)
        if trigger is not None and record.file:
            changes = changes_without_trigger(changes, record.file, trigger, snapshot)
        folder = Path(record.folder)
        state = self.ls.session.folders.get(folder)
        if state is None:
            log.warning("task %s finished for a folder that left the workspace", record.task_id)
            return
        store = self.store(folder)
        previous = store.get(record.task_id)
        try:
            proposal = build_proposal(
                record.task_id,
                changes,
                version=previous.version + 1 if previous else 1,
                plan=result.plan,
                summary=result.summary,
                tests_before=json_value(result.tests_before),
                tests_after=json_value(result.tests_after),
                verdict=dict(result.verdict),
                cost_usd=result.cost_usd,
                trace_id=result.trace_path or None,
            )
        except ValueError as exc:
            log.error("task %s: could not build a proposal: %s", record.task_id, exc)
            return
        extra = {"taskState": result.state, "message": result.message, "kind": record.kind}
        proposal = replace(proposal, extra={**proposal.extra, **extra})
        store.save(proposal)
        log.info("task %s: proposal v%d saved", record.task_id, proposal.version)
        self.refresh()
        # the task's final delegate/taskChanged (sent by task_runs) carries it
        self.ls.session.final_fields[record.task_id] = self.proposal_fields(proposal)
        if _should_auto_apply(result, state):
            task = asyncio.get_running_loop().create_task(self._auto_apply(record.task_id))
            self.ls.session.background.add(task)
            task.add_done_callback(self.ls.session.background.discard)

    async def _auto_apply(self, task_id: str) -> None:
        try:
            outcome = await self.accept(task_id, None)
        except Exception as exc:
            log.warning("apply-when-green: task %s was not applied: %s", task_id, exc)
            return
        if outcome.get("applied"):
            count = len(outcome["appliedHunks"])
            self.show(types.MessageType.Info, f"Delegate applied {count} change(s) (tests green)")

    # -- telling the client --------------------------------------------------------------

    def show(self, kind: types.MessageType, message: str) -> None:
        self.ls.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def proposal_fields(self, proposal: Proposal) -> dict[str, Any]:
        """What ``delegate/taskChanged`` says of a task's proposal (docs/protocol.md)."""
        found = self.locate(proposal.task_id) if proposal.files else None
        first = proposal.files[0] if proposal.files else None
        first_uri = (
            path_to_uri((found.state.path / first.source_path).resolve())
            if found is not None and first is not None
            else None
        )
        hunks = open_count(proposal)
        return {
            "proposalVersion": proposal.version,
            "openHunks": hunks,
            "hunkStates": dict(proposal.counts()),
            "proposal": {
                "taskId": proposal.task_id,
                "version": proposal.version,
                "files": len(proposal.files),
                "hunks": hunks,
                "firstUri": first_uri,
            },
        }

    def announce(self, proposal: Proposal) -> None:
        record = self.ls.session.registry.get(proposal.task_id)
        body: dict[str, Any] = (
            task_changed_params(record) if record else {"taskId": proposal.task_id}
        )
        body.update(self.proposal_fields(proposal))
        self.ls.protocol.notify(TASK_CHANGED, body)

    def publish(self, uri: str) -> None:
        """Send the review diagnostics of one open document (an empty list clears them)."""
        document = self.ls.workspace.get_text_document(uri)
        found = diagnostics(
            document.source, self.document_reviews(uri, document.source), self.encoding
        )
        if not found and uri not in self.published:
            return
        if found:
            self.published.add(uri)
        else:
            self.published.discard(uri)
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=document.version)
        )

    def clear(self, uri: str) -> None:
        if uri in self.published:
            self.published.discard(uri)
            self.ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )

    def refresh(self) -> None:
        """Diagnostics for every open document, and a code lens refresh if supported."""
        for uri in list(self.ls.workspace.text_documents):
            self.publish(uri)
        if supports_code_lens_refresh(self.ls.client_capabilities):
            self.ls.workspace_code_lens_refresh(None)


def newly_rejected(before: Proposal, after: Proposal) -> list[str]:
    """``"<path> <hunk id>"`` of every hunk that is rejected in ``after`` but not ``before``."""
    was = {(fp.path, h.id): h.state for fp in before.files for h in fp.hunks}
    return [
        f"{fp.path} {h.id}"
        for fp in after.files
        for h in fp.hunks
        if h.state == "rejected" and was.get((fp.path, h.id)) != "rejected"
    ]


def _should_auto_apply(result: TaskResult, state: FolderState) -> bool:
    try:
        from delegate.agent.engine import should_auto_apply
    except ImportError:
        return False
    return bool(should_auto_apply(result, state.settings))
