"""The Delegate review as it appears on a real terminal: a Neovim with its TUI runs inside
the :terminal of a headless Neovim (``plugin_tui.lua``), which types the keys and reads
the screen back. The proposal is seeded in ``.delegate/`` (the persistence format), so no
task runs. The screens are kept in ``build/captures/nvim/screen/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate.proposals import FileChange, ProposalStore, build_proposal
from tests.nvim.plugin_harness import CAPTURES, INIT, project, require_nvim, run_driver, step

pytestmark = pytest.mark.slow

RETRY = "def retry(fn, times=3):\n    return fn()\n"


def seed(folder: Path) -> None:
    greet = (folder / "greet.py").read_text()
    util = (folder / "util.py").read_text()
    greet_new = greet.replace('"Hello, " + name', 'f"Hello, {name}!"').replace(
        'upper() + "!"', "upper()"
    )
    changes = [
        FileChange("greet.py", greet, greet_new),
        FileChange("util.py", util, util + "\n\ndef mul(a, b):\n    return a * b\n"),
        FileChange("retry.py", None, RETRY),
    ]
    proposal = build_proposal("screen-1", changes, summary="Friendlier greetings")
    assert [len(f.hunks) for f in proposal.files] == [2, 1, 1]
    ProposalStore(folder).save(proposal)


def test_review_on_a_terminal_screen(tmp_path: Path) -> None:
    nvim = require_nvim()
    folder = project(tmp_path)
    seed(folder)
    run = run_driver(
        nvim,
        tmp_path,
        folder,
        "plugin_tui.lua",
        base_url="http://127.0.0.1:9",  # no task runs here
        captures=CAPTURES / "screen",
        api_key=None,
        extra_args=[nvim, str(INIT)],
        clean=True,
    )
    report = run.report
    assert "error" not in report, report["error"]
    assert report["exit"] == 0

    editor = step(report, "attached")["screen"]
    assert "Delegate: 4 hunks to review" in editor[-2]  # the statusline: status()

    in_buffer = step(report, "accepted in the buffer")["screen"]
    assert any('return f"Hello, {name}!"' in line for line in in_buffer)
    assert "Delegate: 3 hunks to review" in in_buffer[-2]

    review = "\n".join(step(report, "review")["screen"])
    for shown in ("M greet.py  (modified", "M util.py  (modified", "A retry.py  (new file"):
        assert shown in review
    assert "  [applied]    was line 5" in review
    assert "+     return greet(name).upper()" in review  # a virtual line, on screen

    new_file = "\n".join(step(report, "new file")["screen"])
    assert "+ def retry(fn, times=3):" in new_file and "+     return fn()" in new_file

    accepted = step(report, "accepted")["screen"]
    assert "Delegate: 2 hunks to review" in accepted[-2]
    assert (folder / "retry.py").read_text() == RETRY
