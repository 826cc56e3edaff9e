"""What a ship tells about the task: gathered from the proposal and the task's record.

The proposal carries what the agent reported (plan, summary, tests before and after, the
verifier's verdict, cost, trace); the task record (``.delegate/tasks/<id>.json``) carries
the user's own words. Both are read as data only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from delegate.proposals import Proposal
from delegate.tasks.store import TaskStore


@dataclass(frozen=True)
class TaskInfo:
    task_id: str
    instruction: str
    plan: str
    summary: str
    tests_before: Any
    tests_after: Any
    verdict: Any
    cost_usd: float
    trace: str  # the trace file, relative to the folder when it lies inside it


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def instruction_of(folder: Path, task_id: str) -> str:
    """The user's words for ``task_id`` from its record; "" when there is no record."""
    for record in TaskStore(folder).load_all():
        if record.task_id == task_id:
            return record.instruction.strip()
    return ""


def _trace_name(folder: Path, task_id: str, trace_id: str | None) -> str:
    if not trace_id:
        return f".delegate/runs/{task_id}/trace.jsonl"
    path = Path(trace_id)
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return path.name


def task_info(folder: Path, proposal: Proposal, instruction: str = "") -> TaskInfo:
    """Everything a commit message and a pull request body say about the task."""
    words = (
        instruction.strip()
        or instruction_of(folder, proposal.task_id)
        or _text(proposal.extra.get("instruction"))
        or _text(proposal.summary)
        or f"Delegate task {proposal.task_id}"
    )
    return TaskInfo(
        task_id=proposal.task_id,
        instruction=words,
        plan=_text(proposal.plan),
        summary=_text(proposal.summary),
        tests_before=proposal.tests_before,
        tests_after=proposal.tests_after,
        verdict=proposal.verdict,
        cost_usd=float(proposal.cost_usd or 0.0),
        trace=_trace_name(folder, proposal.task_id, proposal.trace_id),
    )
