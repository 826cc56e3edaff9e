"""Starting delegated tasks from the editor and showing them while they run.

A command builds a :class:`~delegate.agent.task.TaskSpec`, hands it to :func:`submit_task`
— the one way to start a task, also used by ``delegate.revise`` — and returns the task id
at once. A task may wait in the queue for a free slot while the user goes on typing, so the
unsaved buffers it works on, and the snapshot of the file holding its ``delegate:``
comment, are read when it *starts* (:func:`as_started`), not when it was submitted; and
its focus lines (the selection it was delegated on) and the comment's range, which name
lines of the text at submit, are carried to the same text in the file as it is then
(``tasks/focus.py``; the text at submit is kept until the task starts). While
the task runs, every record change becomes a ``delegate/taskChanged`` notification and a
report on the task's own cancellable progress bar; cancelling the bar cancels the task.
The notification of the task's end waits until the ``on_task_finished`` hooks ran, so it
carries the proposal they saved (and a failure's ``errorKind``); a client without its own
task UI is then told the outcome in a pop-up (``task_notices``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from delegate.agent.redact import Redactor
from delegate.agent.task import EventSink, TaskKind, TaskResult, TaskSpec
from delegate.agent.trace import TraceWriter
from delegate.lsp.code_actions import definition_at
from delegate.lsp.converters import (
    range_from_json,
    relative_posix,
    task_changed_params,
    uri_to_path,
)
from delegate.lsp.documents import unsaved_overrides
from delegate.lsp.indexing import in_background
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.progress import start_progress
from delegate.lsp.task_notices import tell_outcome
from delegate.settings import AUTONOMY_LEVELS
from delegate.tasks import TaskRecord, TaskRegistry, new_task_id
from delegate.tasks.focus import FocusMove, follow_focus, follow_range

log = logging.getLogger(__name__)

TASK_CHANGED = "delegate/taskChanged"
NO_AGENT = "The agent is not available in this installation (delegate.agent.engine is missing)."
NO_KEY = "No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey."
NO_TEXT = (
    "task text required: write what to do in a comment such as `# delegate: add retries "
    "to fetch()` and pick its code action (editors that can ask for text send `text`)"
)


@dataclass(frozen=True)
class TaskRequest:
    """The argument of ``delegate.task`` / ``delegate.generateTests``, validated."""

    uri: str
    range: types.Range | None
    text: str
    trigger: dict[str, Any] | None = None
    symbol: str | None = None
    autonomy: str | None = None  # this task's own autonomy level (settings.AUTONOMY_LEVELS)


def parse_task_request(args: tuple[Any, ...]) -> TaskRequest:
    """Accept ``[{uri, range?, text?, trigger?, symbol?}]``; raise ValueError when malformed."""
    if len(args) != 1 or not isinstance(args[0], Mapping):
        raise ValueError("expected one argument: {uri, range, text?}")
    arg = args[0]
    uri = arg.get("uri")
    if not isinstance(uri, str) or not uri:
        raise ValueError("`uri` is required")
    rng = range_from_json(arg["range"]) if isinstance(arg.get("range"), Mapping) else None
    text = arg.get("text")
    trigger = arg.get("trigger")
    symbol = arg.get("symbol")
    autonomy = arg.get("autonomy")
    if autonomy is not None and autonomy not in AUTONOMY_LEVELS:
        raise ValueError(f"`autonomy` must be one of {', '.join(AUTONOMY_LEVELS)}")
    return TaskRequest(
        uri=uri,
        range=rng,
        text=text.strip() if isinstance(text, str) else "",
        trigger=dict(trigger) if isinstance(trigger, Mapping) else None,
        symbol=symbol if isinstance(symbol, str) and symbol else None,
        autonomy=autonomy,
    )


def instruction_for(kind: TaskKind, request: TaskRequest, symbol: str | None) -> str:
    if kind == "tests":
        base = f"Generate tests for `{symbol}`" if symbol else "Generate tests"
        return f"{base}. {request.text}" if request.text else base
    if not request.text:
        raise JsonRpcInvalidParams(message=NO_TEXT)
    return request.text


def start_task(ls: DelegateServer, kind: TaskKind, args: tuple[Any, ...]) -> dict[str, str]:
    """Validate, queue and return ``{"taskId": ...}`` without waiting for any work."""
    try:
        request = parse_task_request(args)
    except (ValueError, KeyError, TypeError) as exc:
        raise JsonRpcInvalidParams(message=str(exc)) from exc
    path = uri_to_path(request.uri)
    state = ls.session.folder_for(path) if path else None
    if path is None or state is None:
        raise JsonRpcInvalidParams(message=f"{request.uri} is not inside a workspace folder")
    rel = relative_posix(path, state.path)
    symbol = request.symbol
    if kind == "tests" and symbol is None and request.range is not None:
        document = ls.workspace.get_text_document(request.uri)
        definition = definition_at(path.name, document.source, request.range.start.line)
        symbol = definition.qualified if definition else None
    spec = TaskSpec(
        task_id=new_task_id(),
        folder=state.path,
        instruction=instruction_for(kind, request, symbol),
        kind=kind,
        file=rel,
        start_line=request.range.start.line + 1 if request.range else None,
        end_line=request.range.end.line + 1 if request.range else None,
        symbol=symbol,
    )
    if request.autonomy is not None:
        ls.session.task_autonomy[spec.task_id] = request.autonomy
    located = request.range is not None or request.trigger is not None
    focus_text = text_now(ls, request.uri, path) if located else None
    submit_task(ls, spec, trigger=request.trigger, focus_text=focus_text)
    return {"taskId": spec.task_id}


def text_now(ls: DelegateServer, uri: str, path: Path) -> str | None:
    """The open document's text, else the file's; None when neither can be read."""
    document = ls.workspace.text_documents.get(uri)
    if document is not None:
        source: str = document.source
        return source
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def submit_task(
    ls: DelegateServer,
    spec: TaskSpec,
    *,
    trigger: dict[str, Any] | None = None,
    focus_text: str | None = None,
) -> TaskRecord:
    """The one way the editor starts a task: queue ``spec`` and show its progress bar.

    ``trigger`` is the range of the ``delegate:`` comment the task came from, if any.
    ``focus_text`` is the text of ``spec.file`` that the focus lines and ``trigger``
    refer to; given it, they are moved to the text the file has when the task starts.
    Returns the queued record at once; the work happens in the background, on the
    buffers as they are when the task starts (``spec.overrides`` is replaced then).
    """
    if focus_text is not None and spec.file is not None:
        ls.session.submitted_texts[spec.task_id] = focus_text
    record = ls.session.registry.submit(spec, trigger=trigger)
    in_background(ls, _show_progress(ls, record))
    log.info("task %s queued (%s): %s", spec.task_id, spec.kind, spec.instruction)
    return record


def as_started(ls: DelegateServer, spec: TaskSpec) -> TaskSpec:
    """``spec`` with the folder's unsaved buffers as they are now, when the task starts.

    The sandbox copies these over the disk, and a task from a ``delegate:`` comment keeps
    its file's text as the sandbox sees it (``session.trigger_snapshots``): the proposal
    removes the comment from that text when the agent left the file alone, so it must be
    the same text the agent worked from. A folder that left the workspace (its tasks are
    being cancelled) has no buffers to read.
    """
    submitted = ls.session.submitted_texts.pop(spec.task_id, None)
    record = ls.session.registry.get(spec.task_id)
    if spec.folder in ls.session.folders:
        spec = replace(spec, overrides=unsaved_overrides(ls, spec.folder))
        if record is not None and submitted is not None:
            spec = refocused(ls, spec, record, submitted)
            record = ls.session.registry.get(spec.task_id)
    if record is not None and record.trigger and spec.file:
        snapshot = snapshot_text(spec)
        if snapshot is not None:
            ls.session.trigger_snapshots[spec.task_id] = snapshot
    return spec


def refocused(ls: DelegateServer, spec: TaskSpec, record: TaskRecord, submitted: str) -> TaskSpec:
    """``spec`` with its focus lines moved from ``submitted`` (the file's text at submit)
    to the file as the task's sandbox sees it now; the record's lines and ``delegate:``
    comment range move too. If the focused lines were all deleted, the focus is the
    whole file, and the task's progress message and trace say so."""
    if spec.file is None:
        return spec
    now = snapshot_text(spec)
    trigger = record.trigger
    if trigger is not None:
        trigger = follow_range(trigger, submitted, now) or trigger
    move: FocusMove | None = None
    if spec.start_line is not None:
        end = spec.end_line if spec.end_line is not None else spec.start_line
        move = follow_focus(spec.file, submitted, now, spec.start_line, end)
    if trigger == record.trigger and (move is None or not move.changed):
        return spec
    note = move.note() if move is not None else ""
    start = move.start_line if move is not None else spec.start_line
    end_line = move.end_line if move is not None else spec.end_line
    ls.session.registry.refocus(
        spec.task_id, start_line=start, end_line=end_line, trigger=trigger, message=note or None
    )
    if move is not None and move.changed:
        log.info("task %s: %s", spec.task_id, note)
        trace_note(ls, spec, move, note)
    return replace(spec, start_line=start, end_line=end_line)


def trace_note(ls: DelegateServer, spec: TaskSpec, move: FocusMove, note: str) -> None:
    """Write the focus move to the task's trace, ahead of the engine's own records."""
    try:
        trace = TraceWriter.for_task(spec.folder, spec.task_id, Redactor([ls.session.api_key]))
        try:
            trace.write(
                "focus",
                phase="queued",
                file=move.file,
                submitted=list(move.submitted),
                now=list(move.now) if move.now else None,
                message=note,
            )
        finally:
            trace.close()
    except (OSError, ValueError) as exc:
        log.warning("task %s: could not write the focus note to its trace: %s", spec.task_id, exc)


def snapshot_text(spec: TaskSpec) -> str | None:
    """``spec.file`` as the task's sandbox sees it: the unsaved buffer, else the disk."""
    if spec.file is None:
        return None
    if spec.file in spec.overrides:
        return spec.overrides[spec.file]
    try:
        return (spec.folder / spec.file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


async def _show_progress(ls: DelegateServer, record: TaskRecord) -> None:
    registry = ls.session.registry
    handle = await start_progress(
        ls,
        f"Delegate: {record.instruction[:60]}",
        message="Queued",
        on_cancel=lambda: _cancel(registry, record.task_id),
    )
    current = registry.get(record.task_id)
    if current is None or current.finished:
        handle.end(current.message if current else "")
        return
    ls.session.task_progress[record.task_id] = handle
    handle.report(progress_text(current), force=True)


def _cancel(registry: TaskRegistry, task_id: str) -> None:
    registry.cancel(task_id)


def progress_text(record: TaskRecord) -> str:
    """ "iteration 2 · testing 3/5 · $0.04" — the phase with whatever numbers it has."""
    phase: str = record.phase
    if phase == "testing" and record.tests_total:
        phase = f"testing {record.tests_done or 0}/{record.tests_total}"
    parts = [f"iteration {record.iteration}"] if record.iteration else []
    parts.append(phase)
    if record.cost_usd:
        parts.append(f"${record.cost_usd:.2f}")
    text = " · ".join(parts)
    return f"{text}: {record.message}" if record.message else text


async def run_task_with_engine(ls: DelegateServer, spec: TaskSpec, events: EventSink) -> TaskResult:
    """The registry's runner: the real engine, or a prompt failure that says what is missing.

    The registry calls it once the task has a slot, so this is when the task starts."""
    spec = as_started(ls, spec)
    try:
        from delegate.agent.engine import run_task
    except ImportError as exc:
        raise RuntimeError(NO_AGENT) from exc
    if not ls.session.api_key:  # expected: a failed task that says what to do, no traceback
        return TaskResult(spec.task_id, "failed", NO_KEY, extra={"errorKind": "no_api_key"})
    state = ls.session.folders.get(spec.folder)
    settings = state.settings if state else ls.session.settings()
    index = state.indexer.index if state else None
    result: TaskResult = await run_task(
        spec, settings, api_key=ls.session.api_key, index=index, events=events
    )
    return result


def register(server: DelegateServer) -> None:
    session = server.session
    server.task_runner = lambda spec, events: run_task_with_engine(server, spec, events)

    def changed(record: TaskRecord) -> None:
        if record.finished:
            return  # sent by ``finished``, with what the hooks add
        server.protocol.notify(TASK_CHANGED, task_changed_params(record))
        handle = session.task_progress.get(record.task_id)
        if handle is not None:
            handle.report(progress_text(record), force=True)

    def finished(record: TaskRecord, result: TaskResult | None) -> None:
        session.submitted_texts.pop(record.task_id, None)  # cancelled while queued
        handle = session.task_progress.pop(record.task_id, None)
        if handle is not None:
            handle.end(f"{record.state}: {record.message}")
        if result is not None:
            session.task_results[record.task_id] = result
        for hook in session.on_task_finished:
            try:
                hook(record, result)
            except Exception:  # one failing hook must not keep the end from the client
                log.exception("task %s: a task-finished hook failed", record.task_id)
        fields = session.final_fields.pop(record.task_id, {})
        server.protocol.notify(TASK_CHANGED, {**task_changed_params(record), **fields})
        tell_outcome(server, record, fields)

    session.registry.on_change(changed)
    session.registry.on_finish(finished)
