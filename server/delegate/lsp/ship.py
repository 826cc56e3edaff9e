"""Shipping from the editor: ``delegate.ship``, its gate, a code action, and commit-when-green.

``delegate.ship`` ``{taskId, push?, pr?, branch?, acceptedOnly?}`` commits the task's accepted
hunks to a new branch (``delegate.ship.flow``; git runs off the event loop). Then comes the
gate: unless the arguments already say ``push``/``pr`` (the client asked the user), the
server asks with ``window/showMessageRequest`` — remote, branch, subject, files — and only
"Push" or "Push and open PR" lets anything leave the machine. Every answer is traced.

Once every hunk of a proposal is decided and one at least was accepted, code actions in
the folder offer "ship it to a branch" until the branch is pushed. Autonomy comes from the task (``autonomy`` in
``delegate.task``'s argument, kept in ``session.task_autonomy``) or the folder's settings:
with ``commit-when-green`` a green, approved result is applied (review's own accept) and
committed without a question, and the push still waits for the gate. This module plugs
in through ``session.on_task_finished`` and ``server.code_action_providers`` only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from delegate.agent.redact import Redactor
from delegate.agent.task import TaskResult
from delegate.agent.trace import TraceWriter
from delegate.lsp.converters import uri_to_path
from delegate.lsp.indexing import in_background
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.session import FolderState
from delegate.proposals import Proposal, ProposalStore
from delegate.ship.content import accepted_count, undecided
from delegate.ship.errors import ShipRefused
from delegate.ship.flow import (
    Gate,
    GateAnswer,
    deliver,
    gate_for,
    kept_local,
    prepare,
    pushed_before,
    save_ship_record,
    ship_commit,
    shipped_json,
    trace_event,
)
from delegate.tasks import TaskRecord

log = logging.getLogger(__name__)

KIND_SHIP = "refactor.delegate.ship"
ANSWERS: dict[str, GateAnswer] = {
    "Push": "push",
    "Push and open PR": "push-pr",
    "Cancel": "cancel",
}


def _store(ls: DelegateServer, folder: Path) -> ProposalStore:
    """The review's in-memory store of the folder (the one decisions are saved through)."""
    try:
        from delegate.lsp.review import review_of
    except ImportError:  # review not installed: read the folder's proposals from disk
        return ProposalStore(folder)
    return review_of(ls).store(folder)


def _find(ls: DelegateServer, task_id: str) -> tuple[FolderState, Proposal | None]:
    for state in ls.session.folders.values():
        proposal = _store(ls, state.path).get(task_id)
        if proposal is not None:
            return state, proposal
    record = ls.session.registry.get(task_id)
    known = ls.session.folders.get(Path(record.folder)) if record else None
    if known is None:
        raise JsonRpcInvalidParams(message=f"no proposal for task {task_id}")
    return known, None


def _show(ls: DelegateServer, kind: types.MessageType, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=kind, message=f"Delegate: {message}"))


async def ask_gate(ls: DelegateServer, gate: Gate) -> GateAnswer:
    """Show the user what a push would do and wait for Push, Push and open PR, or Cancel."""
    reply = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=f"Delegate: {gate.describe()}",
            actions=[types.MessageActionItem(title=title) for title in ANSWERS],
        )
    )
    return ANSWERS.get(reply.title, "cancel") if reply is not None else "cancel"


def _flag(args: Mapping[str, Any], name: str) -> bool | None:
    value = args.get(name)
    if value is not None and not isinstance(value, bool):
        raise JsonRpcInvalidParams(message=f"`{name}` must be true or false")
    return value


async def ship_task(
    ls: DelegateServer,
    task_id: str,
    *,
    push: bool | None = None,
    pr: bool | None = None,
    branch: str | None = None,
    accepted_only: bool = False,
    by: str = "command",
) -> dict[str, Any]:
    """Commit, then pass the gate; a refusal is shown and returned, never raised."""
    state, proposal = _find(ls, task_id)
    folder, key = state.path, ls.session.api_key
    record = ls.session.registry.get(task_id)
    result: dict[str, Any] = {"taskId": task_id, "pushed": False}
    try:
        prepared = await asyncio.to_thread(
            prepare,
            folder,
            proposal,
            state.settings,
            task_id=task_id,
            branch=branch,
            accepted_only=accepted_only,
            instruction=record.instruction if record else "",
        )
        trace = TraceWriter.for_task(folder, task_id, Redactor([key]))
        try:
            shipped = await ship_commit(prepared, state.settings, key, trace)
        finally:
            trace.close()
        trace_event(folder, task_id, "ship_commit", key, by=by, **shipped_json(shipped))
        save_ship_record(folder, task_id, {**shipped_json(shipped), "pushed": False})
        result.update(
            branch=shipped.branch,
            commit=shipped.commit,
            subject=shipped.message.subject,
            files=list(shipped.files),
            reused=shipped.reused,
        )
        answer: GateAnswer = "push-pr" if pr else "push" if push else "cancel"
        if push is False and not pr:  # the arguments say: commit only
            trace_event(folder, task_id, "gate", key, gate="push", answer=answer, by="arguments")
            delivered = kept_local(shipped)
        else:
            gate = await asyncio.to_thread(gate_for, prepared, shipped, state.settings)
            asked = "arguments"
            if push is None and pr is None:
                answer, asked = await ask_gate(ls, gate), "user"
            trace_event(
                folder, task_id, "gate", key, gate="push", answer=answer, by=asked,
                remote=gate.remote.name, branch=gate.branch, files=list(gate.files),
            )  # fmt: skip
            delivered = await asyncio.to_thread(
                deliver, prepared, shipped, gate, answer, Redactor([key])
            )
    except ShipRefused as refused:
        if refused.kind not in ("no_proposal", "not_a_repository"):
            trace_event(
                folder, task_id, "ship_refused", key, kind=refused.kind, message=str(refused),
                output=refused.output,
            )  # fmt: skip
        detail = f"\n{refused.output}" if refused.output else ""
        _show(ls, types.MessageType.Warning, f"{refused}{detail}")
        return {
            **result,
            "refused": refused.kind,
            "message": str(refused),
            "output": refused.output,
        }
    trace_event(folder, task_id, "ship_delivered", key, **delivered.to_json())
    save_ship_record(folder, task_id, {**shipped_json(shipped), **delivered.to_json()})
    _show(ls, types.MessageType.Info, delivered.note)
    return {**result, "answer": answer, **delivered.to_json()}


# -- commit-when-green -----------------------------------------------------------------


def _green(result: TaskResult, state: FolderState) -> bool:
    try:
        from delegate.agent.engine import should_auto_apply
    except ImportError:
        return False
    as_apply = state.settings.model_copy(update={"autonomy": "apply-when-green"})
    return bool(should_auto_apply(result, as_apply))


def autonomy_hook(ls: DelegateServer) -> Any:
    """The ``on_task_finished`` hook: apply and commit a green result when autonomy says so."""

    def finished(record: TaskRecord, result: TaskResult | None) -> None:
        own = ls.session.task_autonomy.pop(record.task_id, None)
        state = ls.session.folders.get(Path(record.folder))
        if state is None or result is None or not result.changes:
            return
        level = own or state.settings.autonomy
        if level == "propose":
            return
        green = _green(result, state)
        trace_event(
            state.path, record.task_id, "autonomy", ls.session.api_key, level=level,
            source="task" if own else "settings", green=green,
        )  # fmt: skip
        if green:
            # review applies a green result itself when the folder says apply-when-green
            review_applies = state.settings.autonomy == "apply-when-green"
            in_background(
                ls, _apply_and_commit(ls, record.task_id, level, apply=not review_applies)
            )

    return finished


async def _apply_and_commit(ls: DelegateServer, task_id: str, level: str, *, apply: bool) -> None:
    try:
        from delegate.lsp.review import review_of
    except ImportError:
        log.warning("autonomy %s: task %s: review is not available", level, task_id)
        return
    review = review_of(ls)
    try:
        if apply:
            await review.accept(task_id, None)
        else:
            async with review.lock:  # review's own accept of this result goes first
                pass
    except Exception as exc:
        log.warning("autonomy %s: task %s was not applied: %s", level, task_id, exc)
        return
    if level != "commit-when-green":
        return
    _, proposal = _find(ls, task_id)
    if proposal is None or accepted_count(proposal) == 0 or undecided(proposal):
        log.info("commit-when-green: task %s was not fully applied; it waits for review", task_id)
        return
    await ship_task(ls, task_id, by="autonomy")


# -- the code action -------------------------------------------------------------------


def ship_actions(ls: DelegateServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """The "ship to a branch" action for the folder's decided proposals not pushed yet."""
    only = [str(getattr(k, "value", k)) for k in params.context.only or []]
    if only and not any(o == KIND_SHIP or KIND_SHIP.startswith(o + ".") for o in only):
        return []
    path = uri_to_path(params.text_document.uri)
    state = ls.session.folder_for(path) if path else None
    if state is None:
        return []
    ready = [
        p
        for p in _store(ls, state.path).list()
        if accepted_count(p) and not undecided(p) and not pushed_before(state.path, p.task_id)
    ]
    actions = []
    for proposal in sorted(ready, key=lambda p: p.created_at, reverse=True)[:3]:
        record = ls.session.registry.get(proposal.task_id)
        words = (
            (record.instruction if record else "")
            or str(proposal.extra.get("instruction") or "")
            or proposal.summary
            or proposal.task_id
        )
        short = words if len(words) <= 50 else words[:49] + "…"
        actions.append(
            types.CodeAction(
                title=f"Delegate: ship “{short}” to a branch…",
                kind=KIND_SHIP,
                command=types.Command(
                    title="Ship to a branch",
                    command="delegate.ship",
                    arguments=[{"taskId": proposal.task_id}],
                ),
            )
        )
    return actions


def register(server: DelegateServer) -> None:
    @server.command("delegate.ship")
    async def delegate_ship(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = args[0] if args and isinstance(args[0], Mapping) else {}
        task_id = arg.get("taskId")
        if not isinstance(task_id, str) or not task_id:
            raise JsonRpcInvalidParams(message="`taskId` is required")
        branch = arg.get("branch")
        if branch is not None and not isinstance(branch, str):
            raise JsonRpcInvalidParams(message="`branch` must be a string")
        return await ship_task(
            ls,
            task_id,
            push=_flag(arg, "push"),
            pr=_flag(arg, "pr"),
            branch=branch or None,
            accepted_only=bool(_flag(arg, "acceptedOnly")),
        )

    server.session.on_task_finished.append(autonomy_hook(server))
    server.code_action_providers.append(ship_actions)
