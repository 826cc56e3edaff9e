"""The sandbox records: what the sweep removes, and what a planted record cannot make it
remove (a repository's files are data, never instructions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from delegate.agent import sandbox_registry
from delegate.agent.sandbox_registry import make_sandbox_dir, sweep_dead_sandboxes


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def folder_with_state(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    (folder / ".delegate").mkdir(parents=True)
    return folder


def test_a_dead_owners_sandbox_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    folder = folder_with_state(tmp_path)
    mine = make_sandbox_dir(folder, str(tmp_path), None)
    dead = make_sandbox_dir(folder, str(tmp_path), None)
    record = folder / ".delegate" / "sandboxes" / f"{dead.name}.json"
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "pid": dead_pid()}))
    sandbox_registry._live.pop(dead)
    removed = sweep_dead_sandboxes(folder)
    assert len(removed) == 1 and str(dead) in removed[0]
    assert not dead.exists() and not record.exists()
    assert mine.is_dir()  # its owner (this process) is alive
    sandbox_registry.forget_sandbox(mine)


def test_a_planted_record_deletes_nothing(tmp_path: Path) -> None:
    folder = folder_with_state(tmp_path)
    precious = tmp_path / "delegate-sbx-precious"
    precious.mkdir()
    (precious / "data.txt").write_text("keep me")
    (precious / ".delegate-sandbox").write_text("a guessed token")
    records = folder / ".delegate" / "sandboxes"
    records.mkdir()
    for name, target, token in [
        ("a", tmp_path, "x"),  # not a sandbox name
        ("b", precious, "the wrong token"),
        ("c", Path("/"), ""),
    ]:
        record = {
            "pid": dead_pid(),
            "started": None,
            "temp_dir": str(target),
            "token": token,
            "toplevel": str(tmp_path),
            "worktree": str(target),
        }
        (records / f"{name}.json").write_text(json.dumps(record))
    (records / "d.json").write_text("{not json")
    sweep_dead_sandboxes(folder)
    assert (precious / "data.txt").read_text() == "keep me"
    assert list(records.iterdir()) == []  # the records themselves go


def test_old_temp_files_of_atomic_writes_go(tmp_path: Path) -> None:
    folder = folder_with_state(tmp_path)
    tasks = folder / ".delegate" / "tasks"
    tasks.mkdir()
    old = tasks / ".x.json.abc123.tmp"
    new = tasks / ".y.json.def456.tmp"
    old.write_text("{")
    new.write_text("{")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    removed = sweep_dead_sandboxes(folder)
    assert not old.exists() and new.exists()  # a writer may still be busy with the new one
    assert removed == [f"the half-written file {old}"]
