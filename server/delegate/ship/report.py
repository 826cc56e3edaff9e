"""The pull request's title and body: what a reviewer needs to judge the agent's work.

The body is plain Markdown built from the task's record and proposal: the task in the
user's words, the plan, what changed (summary and files), the tests before and after, the
verifier's verdict, the cost and the trace. It leaves the machine, so it goes through the
redactor first (known keys and anything shaped like a secret).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from delegate.agent.redact import Redactor
from delegate.proposals import FileChange
from delegate.ship.message import CommitMessage, file_lines
from delegate.ship.task_info import TaskInfo


def tests_line(report: Any) -> str:
    """``"passed: 12 passed"`` for a test report as the proposal stores it."""
    if not isinstance(report, Mapping):
        return "not run"
    state = "passed" if report.get("passed") else "failed"
    summary = str(report.get("summary") or "").strip()
    return f"{state}: {summary}" if summary else state


def verdict_lines(verdict: Any) -> list[str]:
    if not isinstance(verdict, Mapping) or not verdict:
        return ["no verdict recorded"]
    lines = ["approved" if verdict.get("approved") else "not approved"]
    notes = verdict.get("notes")
    if isinstance(notes, Sequence) and not isinstance(notes, str):
        lines.extend(f"- {note}" for note in notes)
    return lines


def pull_request_body(
    info: TaskInfo,
    message: CommitMessage,
    changes: Sequence[FileChange],
    redactor: Redactor | None = None,
) -> str:
    sections = [
        ("Task", info.instruction),
        ("Plan", info.plan or "No plan recorded."),
        (
            "What changed",
            "\n\n".join(
                part
                for part in (
                    message.body if message.written_by == "model" else info.summary,
                    "\n".join(f"- `{line}`" for line in file_lines(changes)),
                )
                if part
            ),
        ),
        (
            "Tests",
            f"- before: {tests_line(info.tests_before)}\n- after: {tests_line(info.tests_after)}",
        ),
        ("Verifier", "\n".join(verdict_lines(info.verdict))),
        (
            "Record",
            f"- cost: ${info.cost_usd:.4f}\n- task: `{info.task_id}`\n- trace: `{info.trace}`",
        ),
    ]
    body = "\n\n".join(f"## {title}\n\n{text.strip()}" for title, text in sections) + "\n"
    return (redactor or Redactor()).text(body)
