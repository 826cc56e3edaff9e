"""The task's flight recorder: one JSON object per line in ``.delegate/runs/<id>/trace.jsonl``.

Invariant 4: every model request, tool call and test run is written here *before* its
result is used, and nothing secret is ever written — each record passes through a
:class:`~delegate.agent.redact.Redactor` and every line is flushed as soon as it is written,
so a crash or a cancellation leaves a readable trace up to that point.

:func:`format_event` renders one record as one readable line for ``delegate trace``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from delegate.agent.redact import Redactor
from delegate.state_dir import state_dir

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


class InvalidTaskId(ValueError):
    """A task id that cannot be used as a directory name."""


def check_task_id(task_id: str) -> str:
    if not _SAFE_ID.match(task_id) or ".." in task_id:
        raise InvalidTaskId(f"invalid task id {task_id!r}: use letters, digits, '-', '_', '.'")
    return task_id


def run_dir(folder: Path, task_id: str) -> Path:
    return folder / ".delegate" / "runs" / check_task_id(task_id)


def trace_path(folder: Path, task_id: str) -> Path:
    return run_dir(folder, task_id) / "trace.jsonl"


class TraceWriter:
    """Appends redacted JSON lines; safe to call from one event loop (writes are synchronous)."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        self.path = path
        self.redactor = redactor or Redactor()
        self._started = time.monotonic()
        self._handle: IO[str] | None = None

    @classmethod
    def for_task(cls, folder: Path, task_id: str, redactor: Redactor | None = None) -> TraceWriter:
        state_dir(folder)
        path = trace_path(folder, task_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(path, redactor)

    def write(self, event: str, **fields: Any) -> None:
        record = {
            "ts": round(time.time(), 3),
            "t": round(time.monotonic() - self._started, 3),
            "event": event,
            **self.redactor.value(fields),
        }
        line = json.dumps(record, default=str, ensure_ascii=False) + "\n"
        fresh = self._handle is None
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        try:
            self._handle.write(line)
            self._handle.flush()
        except OSError:  # a full disk: leave no empty trace file behind
            if fresh:
                self._discard_empty()
            raise

    def _discard_empty(self) -> None:
        handle, self._handle = self._handle, None
        try:
            if handle is not None:
                handle.close()
        except OSError:
            pass
        try:
            if self.path.stat().st_size == 0:
                self.path.unlink()
                self.path.parent.rmdir()
        except OSError:
            pass

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_trace(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a trace file; a torn last line (crash mid-write) is skipped."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


def _short(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _details(record: dict[str, Any], width: int) -> str:
    event = record.get("event", "")
    if event == "model_request":
        return (
            f"{record.get('model', '')} messages={record.get('message_count', '?')} "
            f"tools={len(record.get('tools', []))} {_short(record.get('last_message', ''), width)}"
        )
    if event == "model_response":
        usage = record.get("usage", {})
        return (
            f"stop={record.get('stop_reason')} in={usage.get('input', 0)} "
            f"out={usage.get('output', 0)} cache_r={usage.get('cache_read', 0)} "
            f"cache_w={usage.get('cache_write', 0)} ${record.get('cost_usd', 0):.4f} "
            f"{record.get('latency_s', 0):.2f}s {_short(record.get('content', ''), width)}"
        )
    if event == "tool_call":
        return f"{record.get('name')} {_short(record.get('input', {}), width)}"
    if event == "tool_result":
        flag = " ERROR" if record.get("is_error") else ""
        return f"{record.get('name')}{flag} {_short(record.get('output', ''), width)}"
    if event == "test_run":
        return (
            f"{record.get('label', '')} {record.get('summary', '')} exit={record.get('exit_code')}"
        )
    keys = [k for k in record if k not in {"ts", "t", "event", "phase", "iteration"}]
    return _short({k: record[k] for k in keys}, width)


def format_event(record: dict[str, Any], width: int = 100) -> str:
    """One readable line: time, phase, iteration, event, details."""
    phase = record.get("phase") or "-"
    iteration = record.get("iteration")
    it = f"#{iteration}" if iteration is not None else "  "
    return (
        f"{record.get('t', 0):8.2f}s {phase:<10} {it:>3} {record.get('event', '?'):<15} "
        f"{_details(record, width)}"
    )
