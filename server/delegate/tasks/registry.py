"""The task registry: starts tasks, bounds how many run at once, and keeps their records.

Each submitted task gets a record at once (state ``queued``) and an asyncio task that waits
for a free slot, calls the injected runner, and folds the runner's
:class:`~delegate.agent.task.TaskEvent` stream into the record. Every change is saved
atomically and passed to listeners (the language server turns them into
``delegate/taskChanged`` notifications and progress reports). The runner is injected so the
registry is tested without a model, and so the LSP layer decides how the engine is reached.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from delegate.agent.task import EventSink, TaskEvent, TaskResult, TaskSpec
from delegate.state_dir import STATE_DIR, storage_problem
from delegate.tasks.outcomes import INTERRUPTED_MESSAGE, error_kind, failure_message
from delegate.tasks.records import TaskRecord
from delegate.tasks.store import TaskStore

log = logging.getLogger(__name__)

TaskRunner = Callable[[TaskSpec, EventSink], Awaitable[TaskResult]]
ChangeListener = Callable[[TaskRecord], None]
FinishListener = Callable[[TaskRecord, TaskResult | None], None]

__all__ = ["INTERRUPTED_MESSAGE", "TaskRegistry", "TaskRunner"]


class TaskRegistry:
    """All tasks of one server process. Use from the event loop thread only."""

    def __init__(self, runner: TaskRunner, *, max_concurrent: int = 3) -> None:
        self._runner = runner
        self._limit = max(1, max_concurrent)
        self._running = 0
        self._slots: asyncio.Condition | None = None
        self._notifier: asyncio.Future[None] | None = None
        self._records: dict[str, TaskRecord] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._change_listeners: list[ChangeListener] = []
        self._finish_listeners: list[FinishListener] = []

    # -- listeners ---------------------------------------------------------------------------

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener`` with a copy of the record after every change."""
        self._change_listeners.append(listener)

    def on_finish(self, listener: FinishListener) -> None:
        """Call ``listener`` once per task when it ends (result is None when it crashed)."""
        self._finish_listeners.append(listener)

    # -- queries -----------------------------------------------------------------------------

    def get(self, task_id: str) -> TaskRecord | None:
        record = self._records.get(task_id)
        return replace(record) if record else None

    def records(self, folder: Path | None = None) -> list[TaskRecord]:
        """Records, oldest first; only those of ``folder`` when given."""
        chosen = [
            replace(r) for r in self._records.values() if folder is None or Path(r.folder) == folder
        ]
        return sorted(chosen, key=lambda r: r.created_at)

    def active(self) -> list[TaskRecord]:
        return [r for r in self.records() if not r.finished]

    @property
    def limit(self) -> int:
        return self._limit

    # -- persistence -------------------------------------------------------------------------

    def load(self, folder: Path) -> list[TaskRecord]:
        """Reload the records saved in ``folder``; tasks that were cut off are marked failed."""
        store = TaskStore(folder)
        loaded = store.load_all()
        for record in loaded:
            if record.task_id in self._records:
                continue
            if not record.finished:
                record.state = "failed"
                record.message = failure_message("interrupted", INTERRUPTED_MESSAGE)
                record.error_kind = "interrupted"
                record.updated_at = time.time()
                store.save(record)
            self._records[record.task_id] = record
        return [replace(r) for r in loaded]

    def forget_folder(self, folder: Path) -> None:
        """Drop finished records of a folder that left the workspace (files stay on disk)."""
        for task_id, record in list(self._records.items()):
            if Path(record.folder) == folder and record.finished:
                del self._records[task_id]

    # -- running -----------------------------------------------------------------------------

    def set_limit(self, max_concurrent: int) -> None:
        """Change how many tasks may run at once; waiting tasks start if slots opened."""
        self._limit = max(1, max_concurrent)
        if self._slots is not None:
            self._notifier = asyncio.ensure_future(self._notify_slots())

    def submit(self, spec: TaskSpec, *, trigger: dict[str, Any] | None = None) -> TaskRecord:
        """Queue ``spec``; returns its record at once. Must be called from the event loop."""
        record = TaskRecord(
            task_id=spec.task_id,
            folder=str(spec.folder),
            instruction=spec.instruction,
            kind=spec.kind,
            file=spec.file,
            start_line=spec.start_line,
            end_line=spec.end_line,
            symbol=spec.symbol,
            trigger=trigger,
            message="Waiting for a free slot." if self._running >= self._limit else "",
        )
        self._records[spec.task_id] = record
        self._changed(record)
        self._tasks[spec.task_id] = asyncio.get_running_loop().create_task(
            self._run(record, spec), name=f"delegate-task-{spec.task_id}"
        )
        return replace(record)

    def refocus(
        self,
        task_id: str,
        *,
        start_line: int | None,
        end_line: int | None,
        trigger: dict[str, Any] | None,
        message: str | None = None,
    ) -> None:
        """Record where a task's focus lines (and ``delegate:`` comment) are now, as found
        when it starts after waiting in the queue (``tasks/focus.py``), and why (``message``,
        when given, becomes the record's message)."""
        record = self._records.get(task_id)
        if record is None or record.finished:
            return
        changes: dict[str, object] = {
            "start_line": start_line,
            "end_line": end_line,
            "trigger": trigger,
        }
        if message is not None:
            changes["message"] = message
        self._update(record, **changes)

    def cancel(self, task_id: str) -> bool:
        """Ask a queued or running task to stop. False when it is unknown or already over."""
        task = self._tasks.get(task_id)
        if task is None or task.done():
            return False
        task.cancel()
        return True

    async def shutdown(self) -> None:
        """Cancel every task and wait until each has recorded its end."""
        pending = [t for t in self._tasks.values() if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _notify_slots(self) -> None:
        assert self._slots is not None
        async with self._slots:
            self._slots.notify_all()

    async def _acquire_slot(self) -> None:
        if self._slots is None:
            self._slots = asyncio.Condition()
        async with self._slots:
            await self._slots.wait_for(lambda: self._running < self._limit)
            self._running += 1

    async def _release_slot(self) -> None:
        assert self._slots is not None
        async with self._slots:
            self._running -= 1
            self._slots.notify_all()

    async def _run(self, record: TaskRecord, spec: TaskSpec) -> None:
        result: TaskResult | None = None
        acquired = False
        try:
            await self._acquire_slot()
            acquired = True
            self._update(record, state="running", phase="snapshot", message="Starting.")
            result = await self._runner(spec, lambda event: self._on_event(record, event))
            ending: dict[str, object] = {"state": result.state, "message": result.message}
            if result.state == "failed":
                kind = error_kind(result.message, result)
                ending.update(error_kind=kind, message=failure_message(kind, result.message))
                log.info("task %s failed (%s): %s", spec.task_id, kind, result.message)
            self._update(
                record, phase="done", cost_usd=max(record.cost_usd, result.cost_usd), **ending
            )
        except asyncio.CancelledError:
            log.info("task %s cancelled", spec.task_id)
            self._update(record, state="cancelled", phase="done", message="Cancelled.")
        except Exception as exc:  # the runner's failure is the task's failure, not ours
            log.exception("task %s failed", spec.task_id)
            detail = (
                storage_problem(exc, spec.folder / STATE_DIR) if isinstance(exc, OSError) else exc
            )
            message = failure_message("internal", f"Failed: {detail}")
            self._update(
                record, state="failed", phase="done", message=message, error_kind="internal"
            )
        finally:
            if acquired:
                await asyncio.shield(self._release_slot())
            self._tasks.pop(spec.task_id, None)
            for listener in self._finish_listeners:
                try:
                    listener(replace(record), result)
                except Exception:
                    log.exception("task finish listener failed")

    def _on_event(self, record: TaskRecord, event: TaskEvent) -> None:
        if record.finished:
            return
        self._update(
            record,
            state="running",
            phase=event.phase,
            message=event.message or record.message,
            iteration=event.iteration,
            tests_done=event.tests_done,
            tests_total=event.tests_total,
            cost_usd=event.cost_usd,
        )

    def _update(self, record: TaskRecord, **changes: object) -> None:
        for name, value in changes.items():
            setattr(record, name, value)
        record.updated_at = time.time()
        self._changed(record)

    def _changed(self, record: TaskRecord) -> None:
        try:
            TaskStore(Path(record.folder)).save(record)
        except OSError as exc:
            log.warning("could not save task record %s: %s", record.task_id, exc)
        for listener in self._change_listeners:
            try:
                listener(replace(record))
            except Exception:
                log.exception("task change listener failed")
