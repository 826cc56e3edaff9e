"""Soak: many tasks, fast typing and the first index of a large tree, all at once.

Starts `delegate serve` (the real server over stdio, through pytest-lsp) on a fresh copy of
the running interpreter's stdlib (``bench/.cache/soak-stdlib``), whose first index starts at
once, and the fake model of ``tests/fakes/fake_anthropic.py`` (the real SDK talks to it).
Then, together:

- 20 tasks submitted at once: 12 that create a file and finish (their proposals are
  accepted, hunk by hunk through ``delegate.acceptAll``, while the typing goes on), 4 whose
  model answers 500 (they fail), 4 whose model is slow and that are cancelled;
- 1,000 ``didChange`` edits per second for 10 s (one character each, incremental) into an
  open 2,600-line file;
- code actions on that file every 20 ms, timed from the client.

Afterwards the same code actions are timed on the idle server. Reported: code action p50/p95
during the soak and idle, peak resident memory of the server and its children, and the
checks: every task ended in the state it was meant to, every proposal is complete (its
files and hunks), every trace ends with its ``result`` line, no sandbox is left (records
under ``.delegate/sandboxes`` and directories). Targets: p95 ≤ 50 ms and ≤ 3× idle.

    .venv/bin/python bench/soak.py [--seconds 10] [--rate 1000] [--tasks 20]

A script, never a test; numbers on a loaded machine say little (see bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LANCEDB_LOG", "error")

import psutil
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from tests.fakes.fake_anthropic import (  # noqa: E402
    Fail,
    FakeAnthropic,
    RecordedRequest,
    Reply,
    Slow,
    Turn,
    text,
    tool_use,
)
from tests.lsp.conftest import make_client  # noqa: E402
from tests.lsp.helpers import Editor, to_plain  # noqa: E402

from lsp_latency import copy_stdlib, index_done, percentile, timed  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
KEY = "sk-ant-api03-SOAK-BENCH-KEY-000000"
FINAL = ("succeeded", "failed", "cancelled")


def policy(request: RecordedRequest) -> Turn:
    """The fake model: the task's tag (in its first message) decides what it does."""
    first = json.dumps(request.messages[:1])
    if "You review a change" in request.system_text:
        return Reply([text('{"approved": true, "notes": []}')])
    if "SOAK-FAIL" in first:
        return Fail(500, "api_error", "soak: failing on purpose")
    if "SOAK-CANCEL" in first:
        return Slow(120)
    if "str_replace_based_edit_tool" not in request.tool_names:
        return Reply([text("Plan: create one new module.")])
    if not request.tool_results():
        tag = first.split("SOAK-OK-", 1)[1].split(" ", 1)[0].strip("\\\"'.")
        edit = {
            "command": "create",
            "path": f"soak_{tag}.py",
            "file_text": f'"""Made by soak task {tag}."""\nVALUE = {tag}\n',
        }
        return Reply([tool_use("str_replace_based_edit_tool", edit)])
    return Reply([tool_use("finish", {"summary": "created the module"})])


class PeakMemory:
    """Samples the resident memory of a process and its children on a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                total = 0
                for proc in procs:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                return

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


async def code_actions(
    client: LanguageClient, uri: str, lines: int, until: Any, interval: float = 0.02
) -> list[float]:
    samples: list[float] = []
    i = 0
    while not until():
        line = (i * 37) % lines
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(line, 4), types.Position(line, 4)),
            context=types.CodeActionContext(diagnostics=[]),
        )
        samples.append(await timed(lambda p=params: client.text_document_code_action_async(p)))  # type: ignore[misc]
        i += 1
        await asyncio.sleep(interval)
    return samples


async def type_fast(client: LanguageClient, uri: str, seconds: float, rate: int) -> int:
    """``rate`` one-character incremental edits per second, in batches every 10 ms."""
    version = 1
    sent = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        due = int(elapsed * rate) - sent
        for _ in range(due):
            version += 1
            line = 10 + (sent // 60) % 500
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
                            text="#" if sent % 60 else "\n",
                        )
                    ],
                )
            )
            sent += 1
        await asyncio.sleep(0.01)
    return sent


def write_config(folder: Path, base_url: str) -> None:
    (folder / ".delegate").mkdir(exist_ok=True)
    green = json.dumps([sys.executable, "-c", "pass"])
    (folder / ".delegate" / "config.toml").write_text(
        f'[api]\nbase_url = "{base_url}"\nmax_retries = 0\n'
        f"[tests]\ncommand = {green}\n[budget]\nmax_concurrent_tasks = 4\n"
    )


async def run(seconds: float, rate: int, n_tasks: int) -> None:
    folder = copy_stdlib(CACHE / "soak-stdlib")
    files = sum(1 for _ in folder.rglob("*.py"))
    fake = FakeAnthropic(policy=policy).start()
    write_config(folder, fake.base_url)
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "delegate", "serve"],
        client_factory=make_client,
        server_env={"ANTHROPIC_API_KEY": KEY},
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    Editor(client, "utf-16")  # applies accepted edits as an editor would

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def refresh_lenses(params: Any) -> None:
        return None

    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="stdlib")],
        )
    )
    server_process = client._server  # pygls keeps the subprocess there
    assert server_process is not None
    memory = PeakMemory(server_process.pid)
    typed_path = folder / "argparse.py"
    typed_text = typed_path.read_text()
    typed_uri = typed_path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=typed_uri, language_id="python", version=1, text=typed_text)
        )
    )
    lines = len(typed_text.splitlines())
    kinds = ["OK"] * (n_tasks * 12 // 20) + ["FAIL"] * (n_tasks * 4 // 20)
    kinds += ["CANCEL"] * (n_tasks - len(kinds))
    anchor = (folder / "textwrap.py").as_uri()
    span = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    started_at = time.perf_counter()
    tasks: dict[str, str] = {}
    for n, kind in enumerate(kinds):
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="delegate.task",
                arguments=[{"uri": anchor, "range": span, "text": f"SOAK-{kind}-{n} do it"}],
            )
        )
        tasks[str(answer["taskId"])] = kind

    def state_of(task_id: str) -> str:
        for change in reversed(client.task_changes):  # type: ignore[attr-defined]
            if change.get("taskId") == task_id:
                return str(change.get("state"))
        return "queued"

    accepted: set[str] = set()
    cancelled: set[str] = set()

    async def reviewer() -> None:
        """Accept each finished proposal and cancel the slow tasks, while typing goes on."""
        while not all(state_of(t) in FINAL for t in tasks):
            for task_id, kind in tasks.items():
                state = state_of(task_id)
                if kind == "CANCEL" and state == "running" and task_id not in cancelled:
                    cancelled.add(task_id)
                    await client.workspace_execute_command_async(
                        types.ExecuteCommandParams("delegate.cancel", [{"taskId": task_id}])
                    )
                if kind == "OK" and state == "succeeded" and task_id not in accepted:
                    accepted.add(task_id)
                    await client.workspace_execute_command_async(
                        types.ExecuteCommandParams("delegate.acceptAll", [{"taskId": task_id}])
                    )
            await asyncio.sleep(0.1)

    review = asyncio.create_task(reviewer())
    typing = asyncio.create_task(type_fast(client, typed_uri, seconds, rate))
    busy = await code_actions(client, typed_uri, lines, typing.done)
    edits = await typing
    await asyncio.wait_for(review, 900)
    tasks_seconds = time.perf_counter() - started_at
    while not index_done(client):
        await asyncio.sleep(0.2)
    index_seconds = time.perf_counter() - started_at
    idle_until = time.perf_counter() + 5
    idle = await code_actions(client, typed_uri, lines, lambda: time.perf_counter() > idle_until)
    proposals = {}
    for task_id, kind in tasks.items():
        if kind == "OK":
            proposals[task_id] = await client.protocol.send_request_async(
                "delegate/proposal", {"taskId": task_id}
            )
    await client.shutdown_session()
    await client.stop()
    peak = memory.stop()
    fake.stop()

    problems = check(folder, tasks, state_of, proposals, accepted)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"uptime after the run: {load}")
    print(
        f"workspace: stdlib copy, {files} .py files; {len(tasks)} tasks ended {tasks_seconds:.0f} s "
        f"after start, the first index {index_seconds:.0f} s; {edits} edits in {seconds:g} s\n"
    )
    print("| code action on argparse.py | n | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for label, samples in (("during the soak", busy), ("idle", idle)):
        print(
            f"| {label} | {len(samples)} | {statistics.median(samples):.1f} | "
            f"{percentile(samples, 0.95):.1f} | {max(samples):.1f} |"
        )
    ratio = percentile(busy, 0.95) / max(percentile(idle, 0.95), 1e-9)
    print(f"\np95 soak / idle: {ratio:.1f}x; peak resident memory {peak / 2**20:.0f} MiB")
    states = {
        kind: sorted({state_of(t) for t, k in tasks.items() if k == kind}) for kind in set(kinds)
    }
    print(f"task states by kind: {states}; proposals accepted: {len(accepted)}")
    print("checks: " + ("all passed" if not problems else "; ".join(problems)))


def check(
    folder: Path,
    tasks: dict[str, str],
    state_of: Any,
    proposals: dict[str, Any],
    accepted: set[str],
) -> list[str]:
    problems: list[str] = []
    expected = {"OK": "succeeded", "FAIL": "failed", "CANCEL": "cancelled"}
    for task_id, kind in tasks.items():
        if state_of(task_id) != expected[kind]:
            problems.append(f"{task_id} ({kind}) ended {state_of(task_id)}")
        trace = folder / ".delegate" / "runs" / task_id / "trace.jsonl"
        try:
            last = json.loads(trace.read_text().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            problems.append(f"{task_id}: no readable trace")
            continue
        if last.get("event") not in ("result", "cancelled"):
            problems.append(f"{task_id}: trace ends with {last.get('event')}")
    for task_id, proposal in proposals.items():
        data = to_plain(proposal)
        files = data.get("files") if isinstance(data, dict) else None
        hunks = sum(len(f.get("hunks") or []) for f in files or [])
        if not files or not hunks:
            problems.append(f"{task_id}: proposal without files or hunks: {str(data)[:200]}")
        if task_id not in accepted:
            problems.append(f"{task_id}: proposal never accepted")
    records = folder / ".delegate" / "sandboxes"
    left = list(records.glob("*.json")) if records.is_dir() else []
    if left:
        problems.append(f"{len(left)} sandbox records left")
    for record in left:
        temp_dir = Path(json.loads(record.read_text())["temp_dir"])
        if temp_dir.exists():
            problems.append(f"sandbox directory left: {temp_dir}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.rate, args.tasks))


if __name__ == "__main__":
    main()
