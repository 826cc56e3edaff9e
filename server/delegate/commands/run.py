"""`delegate run "TASK"` — run one delegated task from the shell and print what it proposes.

Progress goes to stderr (phase, round, cost); the plan, the test results and the unified
diff go to stdout (or one JSON object with ``--json``). The user's files are untouched unless
``--apply`` is given, which accepts every hunk through the proposals package's disk apply.
Only a succeeded task is applied; a failed one's partial diff is printed for inspection.
The exit code is 0 when the task succeeded (and, with ``--apply``, every hunk applied), 1
when it failed or a hunk conflicted, 2 for bad arguments or no key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import re
import signal
import sys
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from delegate.index.workspace import WorkspaceIndex
    from delegate.settings import Settings

HELP = "run a delegated coding task in a sandbox and print the proposed change"
_FILE_SPEC = re.compile(r"^(?P<path>.+?)(?::(?P<start>\d+)(?:-(?P<end>\d+))?)?$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", nargs="?", default="", help="what to do, in your words")
    parser.add_argument(
        "--file", metavar="PATH[:LINE[-LINE]]", help="the file (and lines) in focus"
    )
    parser.add_argument("--tests-for", metavar="PATH:SYMBOL", help="generate tests for a symbol")
    parser.add_argument(
        "--folder", type=Path, default=Path.cwd(), help="workspace folder (default: .)"
    )
    parser.add_argument("--apply", action="store_true", help="apply every hunk to the folder")
    parser.add_argument(
        "--autonomy",
        choices=("propose", "apply-when-green", "commit-when-green"),  # settings.AUTONOMY_LEVELS
        help="for this task: apply a green result, or also commit it to its branch "
        "(default: the setting autonomy); pushing always takes `delegate ship --push`",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--keep-sandbox", action="store_true", help="do not delete the sandbox")
    parser.add_argument(
        "--trust",
        action="store_true",
        help="apply the folder's own settings that run commands or send the key (tests.command, "
        "api.base_url, …) for this run",
    )


def parse_file_spec(value: str) -> tuple[str, int | None, int | None]:
    """``path[:line[-line]]`` → (path, start, end)."""
    match = _FILE_SPEC.match(value)
    assert match is not None
    start = int(match["start"]) if match["start"] else None
    end = int(match["end"]) if match["end"] else start
    return match["path"], start, end


def run(args: argparse.Namespace) -> int:
    from delegate.agent.engine import run_task
    from delegate.agent.redact import Redactor
    from delegate.agent.sandbox_registry import sweep_dead_sandboxes
    from delegate.agent.task import TaskEvent, TaskSpec
    from delegate.settings import load_settings, read_folder_settings
    from delegate.state_dir import STATE_DIR, storage_problem

    folder = args.folder.resolve()
    if not folder.is_dir():
        print(f"delegate run: {folder} is not a directory", file=sys.stderr)
        return 2
    if not args.task and not args.tests_for:
        print("delegate run: say what to do (TASK) or use --tests-for PATH:SYMBOL", file=sys.stderr)
        return 2
    api_key = os.environ.get("ANTHROPIC_API_KEY")
    if not api_key:
        print(
            "delegate run: ANTHROPIC_API_KEY is not set; export it and try again.", file=sys.stderr
        )
        return 2
    redactor = Redactor([api_key])  # every line printed below goes through it
    raw, warnings = read_folder_settings(folder, trust=args.trust)
    settings, more = load_settings(raw)
    for warning in [*warnings, *more]:
        print(warning.message(), file=sys.stderr)
    _print_isolation_notice(settings)

    file, start, end, symbol = None, None, None, None
    kind = "task"
    if args.file:
        file, start, end = parse_file_spec(args.file)
    if args.tests_for:
        file, _, symbol = args.tests_for.rpartition(":")
        if not file or not symbol:
            print("delegate run: --tests-for takes PATH:SYMBOL", file=sys.stderr)
            return 2
        kind = "tests"
    task_id = f"run-{uuid.uuid4().hex[:10]}"
    spec = TaskSpec(
        task_id=task_id,
        folder=folder,
        instruction=args.task or f"Write tests for {symbol}",
        kind=kind,  # type: ignore[arg-type]
        file=file,
        start_line=start,
        end_line=end,
        symbol=symbol,
        keep_sandbox=args.keep_sandbox,
    )

    def progress(event: TaskEvent) -> None:
        tests = f" tests {event.tests_done}/{event.tests_total or '?'}" if event.tests_done else ""
        round_ = f" round {event.iteration}" if event.iteration else ""
        print(
            redactor.text(f"[{event.phase}]{round_}{tests} ${event.cost_usd:.4f} {event.message}"),
            file=sys.stderr,
            flush=True,
        )

    print(f"delegate: task {task_id}", file=sys.stderr)
    for line in sweep_dead_sandboxes(folder):
        print(f"delegate: removed {line}", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)  # cancel the task: its sandbox is removed
    index = _open_index(folder, settings)
    try:
        result = asyncio.run(
            run_task(spec, settings, api_key=api_key, index=index, events=progress)
        )
    except OSError as exc:  # .delegate/ read-only, full or gone: say where and why
        print(f"delegate run: {storage_problem(exc, folder / STATE_DIR)}", file=sys.stderr)
        _drop_empty_trace(folder, task_id)
        return 1
    finally:
        if index is not None:
            index.close()
    applied: dict[str, Any] | None = None
    if args.apply and result.state == "succeeded" and result.changes:
        applied = _apply(task_id, result.changes, folder)
    elif not args.apply and (args.autonomy or settings.autonomy) != "propose":
        from delegate.ship.autonomy import apply_when_green

        level = args.autonomy or settings.autonomy
        applied = apply_when_green(spec, result, settings, api_key, level)
        if applied is not None:
            print(f"delegate: {applied.pop('note')}", file=sys.stderr)
    if args.json:
        data = asdict(result)
        data["applied"] = applied
        print(json.dumps(redactor.value(json.loads(json.dumps(data, default=str))), indent=2))
    else:
        human, notes = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(human), contextlib.redirect_stderr(notes):
            _print_human(result, applied)
        sys.stdout.write(redactor.text(human.getvalue()))
        sys.stderr.write(redactor.text(notes.getvalue()))
        if args.apply and applied is None:
            # a failed task's partial diff is for inspection, never written to the folder
            reason = "the task failed" if result.state != "succeeded" else "there is no change"
            print(f"not applied: {reason}", file=sys.stdout)
    if result.state != "succeeded":
        return 1
    return 1 if applied is not None and applied["conflicted"] else 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _drop_empty_trace(folder: Path, task_id: str) -> None:
    """A trace that never got its first line is no record: leave no empty file."""
    from delegate.agent.trace import trace_path

    path = trace_path(folder, task_id)
    try:
        if path.stat().st_size == 0:
            path.unlink()
            path.parent.rmdir()
    except OSError:
        pass


def _print_isolation_notice(settings: Settings) -> None:
    from delegate.agent.isolation import isolation_notice

    notice = isolation_notice(settings.sandbox.require_isolation)
    if notice:
        print(notice, file=sys.stderr)


def _open_index(folder: Path, settings: Settings) -> WorkspaceIndex | None:
    """The folder's index, brought up to date, for the agent's search tools.

    A language server holding the writer lock is fine: its index is current, so it is read
    as it is. Without any index the agent still works, only without code search.
    """
    from delegate.index.lock import IndexLocked
    from delegate.index.workspace import WorkspaceIndex

    try:
        index = WorkspaceIndex.open(folder, settings.index)
    except IndexLocked as exc:
        print(f"delegate: {exc}; using the index as it is", file=sys.stderr)
        return WorkspaceIndex.open(folder, settings.index, read_only=True)
    except Exception as exc:  # search is a help to the agent, not a requirement
        print(
            f"delegate: the index is unavailable ({exc}); the agent works without code search",
            file=sys.stderr,
        )
        return None
    stats = index.update()
    print(
        f"delegate: index up to date ({stats.files_total} files, {stats.files_changed} changed, "
        f"{stats.seconds:.1f} s)",
        file=sys.stderr,
    )
    return index


def _apply(task_id: str, changes: Any, folder: Path) -> dict[str, Any]:
    from delegate.proposals.build import build_proposal
    from delegate.proposals.disk import apply_to_folder

    outcome = apply_to_folder(build_proposal(task_id, changes), folder)
    return {
        "applied": sorted(outcome.applied),
        "conflicted": outcome.errors or dict(outcome.conflicted),
    }


def _print_human(result: Any, applied: dict[str, Any] | None) -> None:
    from delegate.agent.verify import unified_diff

    out = sys.stdout
    if result.plan:
        print("## Plan\n" + result.plan.strip() + "\n", file=out)
    if result.summary:
        print("## Summary\n" + result.summary.strip() + "\n", file=out)
    for label, report in (("before", result.tests_before), ("after", result.tests_after)):
        if report is not None:
            print(f"tests {label}: {report.summary}", file=out)
            for failure in report.failures[:5]:
                print("  " + failure.split("\n", 1)[0], file=out)
    notes = result.verdict.get("notes") if result.verdict else None
    if result.verdict:
        print(f"verdict: {'approved' if result.verdict.get('approved') else 'rejected'}", file=out)
        for note in notes or []:
            print(f"  - {note}", file=out)
    if result.changes:
        print("\n" + unified_diff(result.changes), file=out)
    if applied is not None:
        print(f"applied: {', '.join(applied['applied']) or 'nothing'}", file=out)
        for path, why in applied["conflicted"].items():
            print(f"  conflict in {path}: {why}", file=out)
    print(f"{result.state}: {result.message} (cost ${result.cost_usd:.4f})", file=sys.stderr)
    print(f"trace: {result.trace_path}", file=sys.stderr)
