"""`delegate run` as a user runs it: a subprocess, the fake Messages API through
ANTHROPIC_BASE_URL, a dummy key, a fixture project. ``--apply`` writes the proposed change
into the folder; without it the folder is untouched; a failed task exits non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.agent.scenarios import TEST_COMMAND, project
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, tool_use

KEY = "sk-ant-api03-DUMMY-CLI-APPLY-KEY-0b1d"
FIXED = "return high  # above range"


def edit(old: str, new: str) -> Reply:
    change = {"command": "str_replace", "path": "calc.py", "old_str": old, "new_str": new}
    return Reply([tool_use("str_replace_based_edit_tool", change)])


def fixing_script() -> list[Reply]:
    return [
        Reply([text("Plan: return the upper bound above the range")]),
        edit("return low  # above range", FIXED),
        Reply([tool_use("finish", {"summary": "clamp fixed"})]),
        Reply([text('{"approved": true, "notes": []}')]),
    ]


def calc_project(tmp_path: Path, max_iterations: int = 3) -> Path:
    folder = project(tmp_path, "calc")
    (folder / ".delegate").mkdir()
    (folder / ".delegate" / "config.toml").write_text(
        f"[tests]\ncommand = {json.dumps(TEST_COMMAND)}\n"
        f"[api]\nmax_retries = 0\n[budget]\nmax_iterations = {max_iterations}\n"
    )
    return folder


def delegate_run(folder: Path, fake: FakeAnthropic, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env |= {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": fake.base_url}
    return subprocess.run(
        [sys.executable, "-m", "delegate.cli", "run", "fix clamp", "--folder", str(folder), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def sources(folder: Path) -> dict[str, Any]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".delegate" not in p.parts
    }


def test_apply_writes_the_change_and_without_it_the_folder_is_untouched(tmp_path: Path) -> None:
    folder = calc_project(tmp_path)
    before = sources(folder)
    with FakeAnthropic(fixing_script()) as fake:
        dry = delegate_run(folder, fake, "--json")
    assert dry.returncode == 0, dry.stderr
    result = json.loads(dry.stdout)
    assert result["state"] == "succeeded" and result["applied"] is None
    assert sources(folder) == before  # proposed, not written

    with FakeAnthropic(fixing_script()) as fake:
        applied = delegate_run(folder, fake, "--apply")
    assert applied.returncode == 0, applied.stderr
    assert "applied: calc.py" in applied.stdout
    after = sources(folder)
    expected = before["calc.py"].replace(b"return low  # above range", FIXED.encode())
    assert after == {**before, "calc.py": expected}
    # the applied folder now passes its own tests
    check = subprocess.run(TEST_COMMAND, cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_a_failed_task_exits_non_zero_and_applies_nothing(tmp_path: Path) -> None:
    folder = calc_project(tmp_path, max_iterations=1)
    before = sources(folder)
    script = [
        Reply([text("Plan: fix it")]),
        edit("return low  # above range", "return value  # above range"),  # still wrong
        Reply([tool_use("finish", {"summary": "done"})]),
    ]
    with FakeAnthropic(script) as fake:
        run = delegate_run(folder, fake, "--apply")
    assert run.returncode == 1, run.stderr
    assert "iteration budget exhausted" in run.stderr
    assert "not applied" in run.stdout
    assert "+        return value  # above range" in run.stdout  # the partial diff is shown
    assert sources(folder) == before
    assert KEY not in run.stdout + run.stderr
