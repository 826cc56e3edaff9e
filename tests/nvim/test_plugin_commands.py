"""``:Delegate review``, ``reject file`` and ``accept all`` with two proposals waiting, in a
real Neovim with the plugin and the real server (``plugin_commands.lua``). The proposals
are seeded in ``.delegate/``; no task runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate.proposals import FileChange, ProposalStore, build_proposal
from tests.nvim.plugin_harness import CAPTURES, project, require_nvim, run_driver, step

pytestmark = pytest.mark.slow

MUL = "\n\ndef mul(a, b):\n    return a * b\n"


def test_commands_pick_a_proposal_and_decide_in_the_buffer(tmp_path: Path) -> None:
    nvim = require_nvim()
    folder = project(tmp_path)
    greet = (folder / "greet.py").read_text()
    util = (folder / "util.py").read_text()
    friendlier = greet.replace('"Hello, " + name', 'f"Hello, {name}!"')
    store = ProposalStore(folder)
    first = [
        FileChange("greet.py", greet, friendlier.replace('+ "!"', "")),
        FileChange("util.py", util, util + MUL),
    ]
    store.save(build_proposal("first", first, summary="Greetings and mul()"))
    second = [FileChange("notes.txt", None, "remember\n")]
    store.save(build_proposal("second", second, summary="A note"))

    run = run_driver(
        nvim,
        tmp_path,
        folder,
        "plugin_commands.lua",
        base_url="http://127.0.0.1:9",  # no task runs here
        captures=CAPTURES / "commands",
        api_key=None,
    )
    report = run.report
    assert "error" not in report, report["error"]

    picked = step(report, "picked")
    assert sorted(picked["offered"]) == [
        "first — Greetings and mul() (3 open)",
        "second — A note (1 open)",
    ]
    assert any(line.startswith(" |A notes.txt  (new file") for line in picked["list"])

    decided = step(report, "decided")
    counts = {p["taskId"]: p["counts"] for p in decided["proposals"]}
    assert counts["first"] == {
        "pending": 0,
        "accepted": 0,
        "applied": 1,
        "rejected": 2,
        "conflicted": 0,
    }
    assert counts["second"]["rejected"] == 1
    assert (folder / "greet.py").read_text() == greet  # its file was rejected
    assert (folder / "util.py").read_text() == util + MUL
    assert not (folder / "notes.txt").exists()
