"""The server never outlives its client and never leaves debris behind.

- stdin closed, or the ``processId`` of ``initialize`` gone: the server exits;
- SIGTERM mid-task: the task's test process and its sandbox (a git worktree in the user's
  repository) are gone when the server has exited;
- SIGKILL of `delegate serve` or `delegate run` mid-task leaves a sandbox and a worktree
  registration that nothing can remove then; the next start removes them and says so, and
  the server marks the task interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fake_anthropic import FakeAnthropic
from tests.lsp.conftest import copy_workspace
from tests.robustness.hanging import (
    KEY,
    hanging_folder,
    kill_all,
    processes_with,
    sandbox_records,
    wait_until,
    worktrees,
)
from tests.robustness.raw_lsp import RawServer, request


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic([]) as server:
        yield server


def test_closing_stdin_ends_the_server(tmp_path: Path) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    raw = RawServer(folder)
    try:
        raw.initialize(folder)
        assert "result" in raw.status(2)
        assert raw.proc.stdin is not None
        raw.proc.stdin.close()
        assert raw.wait_exit() == 1  # ended without `shutdown`, as LSP asks
    finally:
        raw.close()
    assert b"Traceback" not in raw.stderr


def test_the_death_of_the_client_process_ends_the_server(tmp_path: Path) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    raw = RawServer(folder)
    try:
        raw.initialize(folder, process_id=client.pid)
        assert "result" in raw.status(2)
        client.kill()
        client.wait()
        assert raw.wait_exit() == 1  # stdin still open: only the pid told it
    finally:
        client.kill()
        raw.close()


def start_hanging_task(raw: RawServer, folder: Path, marker: str) -> dict[str, Any]:
    """Start a task and wait until it sits in its baseline test run; its sandbox record."""
    raw.initialize(folder)
    uri = (folder / "src" / "shapes.py").as_uri()
    span = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    raw.send(
        request(
            5,
            "workspace/executeCommand",
            {"command": "delegate.task", "arguments": [{"uri": uri, "range": span, "text": "x"}]},
        )
    )
    assert "result" in raw.response(5), "the task did not start"
    wait_until(lambda: bool(processes_with(marker)), what="the test run started")
    (record,) = sandbox_records(folder)
    assert Path(str(record["temp_dir"])).is_dir()
    assert str(record["worktree"]) in worktrees(folder)
    return record


def test_sigterm_mid_task_ends_children_and_sandbox(tmp_path: Path, fake: FakeAnthropic) -> None:
    folder, marker = hanging_folder(tmp_path, fake.base_url)
    raw = RawServer(folder, env={"ANTHROPIC_API_KEY": KEY})
    try:
        record = start_hanging_task(raw, folder, marker)
        raw.proc.send_signal(signal.SIGTERM)
        raw.wait_exit()
        assert processes_with(marker) == []
        assert not Path(str(record["temp_dir"])).exists()
        assert worktrees(folder) == [str(folder)]
        assert sandbox_records(folder) == []
    finally:
        kill_all(processes_with(marker))
        raw.close()
    assert b"Traceback" not in raw.stderr, raw.stderr.decode(errors="replace")


def test_sigkill_of_the_server_mid_task_leaves_nothing_after_a_restart(
    tmp_path: Path, fake: FakeAnthropic
) -> None:
    folder, marker = hanging_folder(tmp_path, fake.base_url)
    raw = RawServer(folder, env={"ANTHROPIC_API_KEY": KEY})
    try:
        record = start_hanging_task(raw, folder, marker)
        raw.proc.kill()
        raw.wait_exit()
    finally:
        kill_all(processes_with(marker))
        raw.close()
    temp_dir = Path(str(record["temp_dir"]))
    assert temp_dir.is_dir() and str(record["worktree"]) in worktrees(folder)  # the debris
    again = RawServer(folder, env={"ANTHROPIC_API_KEY": KEY})
    try:
        again.initialize(folder)
        wait_until(lambda: not temp_dir.exists(), what="the dead server's sandbox removed")
        assert worktrees(folder) == [str(folder)]
        assert sandbox_records(folder) == []
        again.send(request(3, "delegate/tasks", {}))
        tasks = again.response(3)["result"]
        states = [t["state"] for t in tasks["tasks"]] if isinstance(tasks, dict) else []
        assert states == ["failed"], tasks
        logged = [
            m["params"]["message"] for m in again.drain() if m.get("method") == "window/logMessage"
        ]
        assert any("removed the sandbox" in line and str(temp_dir) in line for line in logged)
    finally:
        again.close()


def test_sigkill_of_delegate_run_mid_task_leaves_nothing_after_the_next_run(
    tmp_path: Path, fake: FakeAnthropic
) -> None:
    folder, marker = hanging_folder(tmp_path, fake.base_url)
    env = {**os.environ, "ANTHROPIC_API_KEY": KEY}
    argv = [sys.executable, "-m", "delegate", "run", "do it", "--folder", str(folder)]
    run = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: bool(processes_with(marker)), what="the test run started")
        (record,) = sandbox_records(folder)
        run.kill()
        run.wait()
    finally:
        kill_all(processes_with(marker))
        run.kill()
        run.communicate()
    temp_dir = Path(str(record["temp_dir"]))
    assert temp_dir.is_dir() and str(record["worktree"]) in worktrees(folder)
    # the next run (its model answers nothing useful: it fails, but after the sweep)
    (folder / ".delegate" / "config.toml").write_text(
        f'[index]\non_start = false\n[api]\nbase_url = "{fake.base_url}"\nmax_retries = 0\n'
        '[tests]\ncommand = ["true"]\n'
    )
    second = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert f"removed the sandbox {temp_dir}" in second.stderr, second.stderr
    assert not temp_dir.exists()
    assert worktrees(folder) == [str(folder)]
    assert sandbox_records(folder) == []
    assert "Traceback" not in second.stderr
