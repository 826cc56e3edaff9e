"""A folder whose test command never ends, so that a task sits in its baseline test run
with a sandbox and a child process: the moment to kill the server or `delegate run`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil

from tests.lsp.conftest import FIXTURES

KEY = "sk-ant-api03-ROBUSTNESS-TEST-KEY-0000"


def hanging_folder(tmp_path: Path, api_base_url: str) -> tuple[Path, str]:
    """A git repository (so the sandbox is a registered worktree) whose test command
    sleeps; returns it and the marker that names the sleeping process."""
    folder = tmp_path / "repo"
    shutil.copytree(FIXTURES / "pyproj", folder)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "start"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=folder, check=True
        )
    marker = f"hang-{uuid.uuid4().hex[:8]}"
    command = json.dumps([sys.executable, "-c", f"import time; time.sleep(300)  # {marker}"])
    (folder / ".delegate").mkdir()
    (folder / ".delegate" / "config.toml").write_text(
        f"[index]\non_start = false\n[tests]\ncommand = {command}\ntimeout_seconds = 600\n"
        f'[api]\nbase_url = "{api_base_url}"\nmax_retries = 0\n'
    )
    return folder.resolve(), marker


def processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            named = any(marker in part for part in proc.info["cmdline"] or [])
            if named and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def kill_all(procs: list[psutil.Process]) -> None:
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass


def sandbox_records(folder: Path) -> list[dict[str, object]]:
    records = folder / ".delegate" / "sandboxes"
    if not records.is_dir():
        return []
    return [json.loads(p.read_text()) for p in sorted(records.glob("*.json"))]


def worktrees(folder: Path) -> list[str]:
    out = subprocess.run(
        ["git", "worktree", "list", "--porcelain"], cwd=folder, capture_output=True, text=True
    ).stdout
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("worktree ")]


def wait_until(predicate: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Poll until ``predicate`` holds (a condition wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in time: {what}")
        time.sleep(0.1)
