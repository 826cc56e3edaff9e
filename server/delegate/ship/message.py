"""The ship's commit message: written by the model from the task, its plan and the diff,
or from a template when there is no API key (or the model cannot be reached).

Either way the message ends with a ``Delegate-Task: <id>`` trailer, which ties the commit
to its task's proposal and trace (and lets a later ship recognise its own branch). The
model's reply is data: only its first line and body are used, any trailer of ours it
wrote is dropped, and the subject is cut to 72 characters.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from delegate.agent.client import ModelClient, ModelError
from delegate.agent.redact import Redactor
from delegate.agent.trace import TraceWriter
from delegate.agent.verify import unified_diff
from delegate.proposals import FileChange
from delegate.settings import ApiSettings
from delegate.ship.task_info import TaskInfo

log = logging.getLogger(__name__)

TASK_TRAILER = "Delegate-Task"
SUBJECT_LIMIT = 72
DIFF_LIMIT = 20_000  # characters of diff shown to the model

SYSTEM = (
    "You write git commit messages. Given a coding task, the plan an agent followed and the "
    "diff it produced, answer with the commit message only: a subject line in the imperative "
    "mood of at most 72 characters, a blank line, then a short body (wrapped at 72 "
    "characters) saying what changed and why. No trailers, no code fences, no preamble."
)


@dataclass(frozen=True)
class CommitMessage:
    subject: str
    body: str
    task_id: str
    written_by: str  # "model" or "template"

    def text(self) -> str:
        parts = [self.subject]
        if self.body:
            parts.append(self.body)
        parts.append(f"{TASK_TRAILER}: {self.task_id}")
        return "\n\n".join(parts) + "\n"


def _subject(line: str) -> str:
    line = line.strip().strip("`\"'").strip()
    if line.lower().startswith("subject:"):
        line = line[len("subject:") :].strip()
    line = " ".join(line.split())
    if len(line) > SUBJECT_LIMIT:
        line = line[: SUBJECT_LIMIT - 1].rstrip() + "…"
    return line.rstrip(".")


def file_lines(changes: Sequence[FileChange]) -> list[str]:
    """``path (+added -removed)`` per file, with renames and deletions named."""
    lines: list[str] = []
    for change in changes:
        before = (change.base or "").splitlines()
        after = (change.proposed or "").splitlines()
        body = list(difflib.unified_diff(before, after, lineterm="", n=0))[2:]
        added = sum(1 for line in body if line.startswith("+"))
        removed = sum(1 for line in body if line.startswith("-"))
        if change.proposed is None:
            what = "deleted"
        elif change.base is None:
            what = "new"
        elif change.old_path:
            what = f"renamed from {change.old_path}"
        else:
            what = ""
        counts = f"+{added} -{removed}"
        lines.append(f"{change.path} ({what + ', ' if what else ''}{counts})")
    return lines


def template_message(info: TaskInfo, changes: Sequence[FileChange]) -> CommitMessage:
    """The message when no model writes it: the task's words, its summary and the files."""
    first = next((line for line in info.instruction.splitlines() if line.strip()), "")
    subject = _subject(first) or f"Delegate task {info.task_id}"
    subject = subject[0].upper() + subject[1:]
    body_parts = [info.summary] if info.summary else []
    body_parts.append("Files:\n" + "\n".join(f"- {line}" for line in file_lines(changes)))
    return CommitMessage(subject, "\n\n".join(body_parts), info.task_id, "template")


def parse_reply(text: str, info: TaskInfo) -> CommitMessage | None:
    """The model's answer as a message, or None when it holds no usable subject."""
    lines = [
        line
        for line in text.strip().strip("`").splitlines()
        if not line.strip().lower().startswith(TASK_TRAILER.lower() + ":")
    ]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    subject = _subject(lines[0])
    if not subject:
        return None
    body = "\n".join(lines[1:]).strip()
    return CommitMessage(subject, body, info.task_id, "model")


def prompt_for(info: TaskInfo, changes: Sequence[FileChange]) -> str:
    diff = unified_diff(list(changes))
    if len(diff) > DIFF_LIMIT:
        diff = diff[:DIFF_LIMIT] + "\n[diff cut]\n"
    return (
        f"Task:\n{info.instruction}\n\nPlan:\n{info.plan or '(none recorded)'}\n\n"
        f"Summary:\n{info.summary or '(none)'}\n\nDiff:\n{diff}"
    )


async def write_message(
    info: TaskInfo,
    changes: Sequence[FileChange],
    api: ApiSettings,
    api_key: str | None,
    trace: TraceWriter | None = None,
) -> CommitMessage:
    """The model's message when a key is set and the call works, else the template."""
    if not api_key:
        return template_message(info, changes)
    client = ModelClient(api, api_key, trace)
    try:
        reply = await client.complete(
            system=[SYSTEM],
            messages=[{"role": "user", "content": prompt_for(info, changes)}],
            role="ship",
            max_tokens=800,
        )
    except ModelError as exc:
        log.warning("task %s: commit message from the template: %s", info.task_id, exc)
        return template_message(info, changes)
    finally:
        await client.close()
    text = Redactor([api_key]).text(reply.text)  # the message is pushed: no secret in it
    return parse_reply(text, info) or template_message(info, changes)
