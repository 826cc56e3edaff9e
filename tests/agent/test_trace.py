"""The trace is JSON lines, flushed per line, redacted, and readable one event per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate.agent.redact import Redactor
from delegate.agent.trace import (
    InvalidTaskId,
    TraceWriter,
    format_event,
    read_trace,
    trace_path,
)


def test_records_are_flushed_as_written_and_redacted(tmp_path: Path) -> None:
    writer = TraceWriter.for_task(tmp_path, "t-1", Redactor(["my-known-secret-value"]))
    writer.write("tool_result", phase="editing", name="read_file", output="my-known-secret-value")
    # readable before close: a crash leaves the trace intact
    records = list(read_trace(trace_path(tmp_path, "t-1")))
    assert records[0]["event"] == "tool_result"
    assert "my-known-secret-value" not in writer.path.read_text()
    assert (tmp_path / ".delegate" / ".gitignore").read_text() == "*\n"
    writer.close()


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    path.write_text('{"event": "a"}\n{"event": "b", "t":', encoding="utf-8")
    assert [r["event"] for r in read_trace(path)] == ["a"]


@pytest.mark.parametrize("task_id", ["../x", "a/b", "", ".hidden", "a..b"])
def test_task_ids_that_escape_are_refused(tmp_path: Path, task_id: str) -> None:
    with pytest.raises(InvalidTaskId):
        trace_path(tmp_path, task_id)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {
                "t": 1.5,
                "event": "model_response",
                "phase": "editing",
                "iteration": 2,
                "stop_reason": "tool_use",
                "usage": {"input": 10, "output": 5},
                "cost_usd": 0.01,
                "latency_s": 0.2,
                "content": [{"type": "text", "text": "x" * 500}],
            },
            ["editing", "#2", "model_response", "in=10", "out=5", "$0.0100", "…"],
        ),
        (
            {
                "t": 0,
                "event": "tool_result",
                "phase": "planning",
                "name": "read_file",
                "is_error": True,
                "output": "outside",
            },
            ["planning", "read_file ERROR outside"],
        ),
        (
            {
                "t": 0,
                "event": "test_run",
                "label": "baseline",
                "summary": "1 failed",
                "exit_code": 1,
            },
            ["baseline 1 failed exit=1"],
        ),
    ],
)
def test_format_event_is_one_readable_line(record: dict[str, object], expected: list[str]) -> None:
    line = format_event(record, width=60)
    assert "\n" not in line
    for part in expected:
        assert part in line
    assert len(line) < 200
