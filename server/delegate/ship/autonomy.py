"""Autonomy for ``delegate run``: apply a green result to the folder and, with
``commit-when-green``, commit it to its own branch — never push (that takes
``delegate ship TASK_ID --push``).

"Green" is the engine's own test (``should_auto_apply``: the task succeeded, the tests
pass, the verifier approved), asked as if the autonomy were apply-when-green. The proposal
is saved in the folder's store with its applied states, so ``delegate ship`` finds it
later; every decision goes to the task's trace.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, replace
from typing import Any

from delegate.agent.redact import Redactor
from delegate.agent.task import TaskResult, TaskSpec
from delegate.agent.trace import TraceWriter
from delegate.proposals import ProposalStore, apply_to_folder, build_proposal
from delegate.settings import Settings
from delegate.ship.errors import ShipRefused
from delegate.ship.flow import prepare, save_ship_record, ship_commit, shipped_json, trace_event


def is_green(result: TaskResult, settings: Settings) -> bool:
    from delegate.agent.engine import should_auto_apply

    as_apply = settings.model_copy(update={"autonomy": "apply-when-green"})
    return bool(should_auto_apply(result, as_apply))


def apply_when_green(
    spec: TaskSpec, result: TaskResult, settings: Settings, api_key: str | None, level: str
) -> dict[str, Any] | None:
    """Apply (and commit) a green result; None when autonomy leaves it for review.

    Returns ``{"applied": [...], "conflicted": {...}, "note": "..."}`` plus ``branch`` and
    ``commit`` once committed.
    """
    folder, task_id = spec.folder, spec.task_id
    green = result.state == "succeeded" and bool(result.changes) and is_green(result, settings)
    trace_event(folder, task_id, "autonomy", api_key, level=level, source="run", green=green)
    if level == "propose" or not green:
        return None
    proposal = build_proposal(
        task_id,
        result.changes,
        plan=result.plan,
        summary=result.summary,
        tests_before=asdict(result.tests_before) if result.tests_before else None,
        tests_after=asdict(result.tests_after) if result.tests_after else None,
        verdict=dict(result.verdict),
        cost_usd=result.cost_usd,
        trace_id=result.trace_path or None,
    )
    proposal = replace(proposal, extra={"instruction": spec.instruction})
    outcome = apply_to_folder(proposal, folder)
    ProposalStore(folder).save(outcome.proposal)
    done: dict[str, Any] = {
        "applied": sorted(outcome.applied),
        "conflicted": outcome.errors or dict(outcome.conflicted),
        "note": "applied (tests green, verifier approved)",
    }
    if level != "commit-when-green" or outcome.conflicted:
        return done
    try:
        prepared = prepare(folder, outcome.proposal, settings, instruction=spec.instruction)
        trace = TraceWriter.for_task(folder, task_id, Redactor([api_key]))
        try:
            shipped = asyncio.run(ship_commit(prepared, settings, api_key, trace))
        finally:
            trace.close()
    except ShipRefused as refused:
        trace_event(
            folder, task_id, "ship_refused", api_key, kind=refused.kind, message=str(refused)
        )
        done["note"] = f"applied, not committed: {refused}"
        return done
    trace_event(folder, task_id, "ship_commit", api_key, by="autonomy", **shipped_json(shipped))
    save_ship_record(folder, task_id, {**shipped_json(shipped), "pushed": False})
    done.update(
        branch=shipped.branch,
        commit=shipped.commit,
        note=f"applied and committed to branch {shipped.branch} ({shipped.commit[:12]}); "
        f"nothing pushed — push with `delegate ship {task_id} --push` (or --pr)",
    )
    return done
