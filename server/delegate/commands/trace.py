"""`delegate trace TASK_ID` — read a task's trace: one line per event, or the raw JSON lines.

The trace lives in ``<folder>/.delegate/runs/<task-id>/trace.jsonl`` and is already redacted
when written, so printing it is safe.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "print the trace of a task (model calls, tool calls, test runs, verdict)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_id", help="the task id (see `delegate run` or the editor)")
    parser.add_argument(
        "--folder", type=Path, default=Path.cwd(), help="workspace folder (default: .)"
    )
    parser.add_argument("--json", action="store_true", help="print the JSON records unchanged")
    parser.add_argument("--width", type=int, default=100, help="characters of content per line")


def run(args: argparse.Namespace) -> int:
    from delegate.agent.trace import InvalidTaskId, format_event, read_trace, trace_path

    try:
        path = trace_path(args.folder.resolve(), args.task_id)
    except InvalidTaskId as error:
        print(f"delegate trace: {error}", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"delegate trace: no trace at {path}", file=sys.stderr)
        return 1
    total_cost = 0.0
    for record in read_trace(path):
        if record.get("event") == "model_response":
            total_cost += float(record.get("cost_usd") or 0)
        if args.json:
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(format_event(record, args.width))
    if not args.json:
        print(f"total model cost: ${total_cost:.4f}")
    return 0
