"""`delegate ship TASK_ID` — commit a task's accepted hunks to a new branch, and push only
when asked.

The command line's gate is its flags: without ``--push`` or ``--pr`` nothing leaves the
machine — the commit is made on its branch and the command prints what a push would do.
``--push`` pushes the branch; ``--pr`` pushes it and opens a pull request (or prints the
compare URL when the forge's tool is missing or signed out). Running it again after a
commit-only ship reuses that commit. Exit codes: 0 shipped, 1 refused (the message says
what to do), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from delegate.ship.errors import ShipRefused

HELP = "commit a task's accepted changes to a new branch (push and open a PR with --push/--pr)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_id", metavar="TASK_ID", help="the task whose proposal to ship")
    parser.add_argument(
        "--folder", type=Path, default=Path.cwd(), help="workspace folder (default: .)"
    )
    parser.add_argument(
        "--branch", metavar="NAME", help="branch name (default: setting ship.branch)"
    )
    parser.add_argument("--push", action="store_true", help="push the branch to the remote")
    parser.add_argument("--pr", action="store_true", help="push and open a pull request")
    parser.add_argument(
        "--accepted-only",
        action="store_true",
        help="ship the accepted hunks even though others are still pending",
    )


def run(args: argparse.Namespace) -> int:
    from delegate.agent.redact import Redactor
    from delegate.agent.trace import TraceWriter
    from delegate.proposals import ProposalStore
    from delegate.settings import load_settings, read_folder_settings
    from delegate.ship.errors import ShipRefused
    from delegate.ship.flow import (
        GateAnswer,
        deliver,
        gate_for,
        prepare,
        save_ship_record,
        ship_commit,
        shipped_json,
        trace_event,
    )

    folder = args.folder.resolve()
    if not folder.is_dir():
        print(f"delegate ship: {folder} is not a directory", file=sys.stderr)
        return 2
    raw, warnings = read_folder_settings(folder)
    settings, more = load_settings(raw)
    for warning in [*warnings, *more]:
        print(warning.message(), file=sys.stderr)
    api_key = os.environ.get("ANTHROPIC_API_KEY") or None
    task_id: str = args.task_id
    answer: GateAnswer = "push-pr" if args.pr else "push" if args.push else "cancel"
    try:
        proposal = ProposalStore(folder).get(task_id)
    except ValueError as exc:
        print(f"delegate ship: {exc}", file=sys.stderr)
        return 2
    try:
        prepared = prepare(
            folder,
            proposal,
            settings,
            task_id=task_id,
            branch=args.branch,
            accepted_only=args.accepted_only,
        )
        trace = TraceWriter.for_task(folder, task_id, Redactor([api_key]))
        try:
            shipped = asyncio.run(ship_commit(prepared, settings, api_key, trace))
        finally:
            trace.close()
        trace_event(folder, task_id, "ship_commit", api_key, **shipped_json(shipped))
        verb = "Already on" if shipped.reused else "Committed"
        print(f"{verb} branch {shipped.branch}: {shipped.commit[:12]} {shipped.message.subject}")
        if answer == "cancel":
            trace_event(folder, task_id, "gate", api_key, gate="push", answer="cancel", by="cli")
            save_ship_record(folder, task_id, {**shipped_json(shipped), "pushed": False})
            print(
                f"Nothing pushed. To push: delegate ship {task_id} --push "
                f"(or --pr to open a pull request too)"
            )
            return 0
        gate = gate_for(prepared, shipped, settings)
        print(gate.describe())
        trace_event(
            folder, task_id, "gate", api_key, gate="push", answer=answer, by="cli",
            remote=gate.remote.name, branch=gate.branch,
        )  # fmt: skip
        delivered = deliver(prepared, shipped, gate, answer, Redactor([api_key]))
    except ShipRefused as refused:
        _print_refusal(refused)
        trace_refusal(folder, task_id, refused, api_key)
        return 1
    trace_event(folder, task_id, "ship_delivered", api_key, **delivered.to_json())
    save_ship_record(folder, task_id, {**shipped_json(shipped), **delivered.to_json()})
    print(delivered.note)
    return 0


def _print_refusal(refused: ShipRefused) -> None:
    print(f"delegate ship: {refused}", file=sys.stderr)
    if refused.output:
        print("\n".join("  " + line for line in refused.output.splitlines()), file=sys.stderr)


def trace_refusal(folder: Path, task_id: str, refused: ShipRefused, api_key: str | None) -> None:
    from delegate.ship.flow import trace_event

    if refused.kind not in ("no_proposal", "not_a_repository"):  # no task trace to add to
        trace_event(
            folder, task_id, "ship_refused", api_key, kind=refused.kind, message=str(refused),
            output=refused.output,
        )  # fmt: skip
