"""A read-only or full ``.delegate/``: one clear line naming the path and the cause, no
traceback, no empty ``trace.jsonl`` left behind.

Before, `delegate run` ended with a raw ``OSError`` traceback (EROFS, ENOSPC) and left a
0-byte trace file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text
from tests.lsp.conftest import FIXTURES
from tests.robustness.hanging import KEY, wait_until
from tests.robustness.mounts import fill, make_read_only, small_tmpfs
from tests.robustness.raw_lsp import RawServer, request


def folder_with_config(tmp_path: Path, base_url: str) -> Path:
    folder = tmp_path / "proj"
    subprocess.run(["cp", "-r", str(FIXTURES / "pyproj"), str(folder)], check=True)
    green = json.dumps([sys.executable, "-c", "pass"])
    (folder / ".delegate").mkdir()
    (folder / ".delegate" / "config.toml").write_text(
        f"[index]\non_start = false\n[tests]\ncommand = {green}\n"
        f'[api]\nbase_url = "{base_url}"\nmax_retries = 0\n'
    )
    (folder / ".delegate" / ".gitignore").write_text("*\n")
    return folder


def delegate_run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "delegate", "run", "do it", "--folder", str(folder)],
        env={**os.environ, "ANTHROPIC_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=300,
    )


def break_state(state: Path, fault: str) -> str:
    """Make the mounted ``state`` read-only or full; the cause the server must name."""
    if fault == "read-only":
        make_read_only(state)
        return "Read-only file system"
    fill(state)
    return "No space left on device"


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_delegate_run_on_a_broken_state_dir(tmp_path: Path, fault: str) -> None:
    with FakeAnthropic([Reply([text("Plan: nothing")])] * 4) as fake:
        folder = folder_with_config(tmp_path, fake.base_url)
        state = folder / ".delegate"
        with small_tmpfs(state):
            cause = break_state(state, fault)
            done = delegate_run(folder)
            runs = list((state / "runs").rglob("trace.jsonl")) if (state / "runs").exists() else []
            empty = [p for p in runs if p.stat().st_size == 0]
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("delegate run: ")]
    assert len(lines) == 1, done.stderr
    assert str(state) in lines[0] and cause in lines[0], lines
    assert empty == []


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_the_server_keeps_serving_on_a_broken_state_dir(tmp_path: Path, fault: str) -> None:
    with FakeAnthropic([Reply([text("Plan: nothing")])] * 4) as fake:
        folder = folder_with_config(tmp_path, fake.base_url)
        state = folder / ".delegate"
        with small_tmpfs(state):
            break_state(state, fault)
            raw = RawServer(folder, env={"ANTHROPIC_API_KEY": KEY})
            try:
                raw.initialize(folder)
                assert "result" in raw.status(2)
                uri = (folder / "src" / "shapes.py").as_uri()
                span = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
                arguments = [{"uri": uri, "range": span, "text": "x"}]
                raw.send(
                    request(
                        3,
                        "workspace/executeCommand",
                        {"command": "delegate.task", "arguments": arguments},
                    )
                )
                started = raw.response(3)
                assert "result" in started or "error" in started
                wait_until(lambda: _final_task_change(raw) is not None, what="the task ended")
                final = _final_task_change(raw)
                assert final is not None and final["state"] == "failed"
                assert str(state) in final.get("message", ""), final
                assert "result" in raw.status(4)  # still serving
            finally:
                raw.close()
            traces = list(state.rglob("trace.jsonl"))
            assert [p for p in traces if p.stat().st_size == 0] == []
    assert b"Traceback" not in raw.stderr, raw.stderr.decode(errors="replace")


def _final_task_change(raw: RawServer) -> dict[str, object] | None:
    for message in raw.drain():
        if message.get("method") == "delegate/taskChanged":
            params = message["params"]
            if params.get("state") in ("failed", "succeeded", "cancelled"):
                return dict(params)
    return None
