"""The Delegate Neovim plugin end to end: a first task, its review hunk by hunk, test
generation and :checkhealth — in a real Neovim with the real server; only the model is
fake (tests/fakes/fake_anthropic.py, scripted for a two-file change plus a new file).

``plugin_walkthrough.lua`` plays the user; the captures of the review it takes are kept in
``build/captures/nvim/walkthrough/`` (clients/neovim/README.md shows them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate.proposals import ProposalStore
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, tool_use
from tests.nvim.plugin_harness import CAPTURES, project, require_nvim, run_driver, step
from tests.nvim.test_nvim_review import assert_server_gone

pytestmark = pytest.mark.slow

KEY = "sk-ant-api03-NVIM-PLUGIN-WALKTHROUGH-KEY-5e1d"
RETRY = 'def retry(fn, times=3):\n    """Call fn until it succeeds, at most `times` times."""\n'
RETRY += "    for _ in range(times - 1):\n        try:\n            return fn()\n"
RETRY += "        except Exception:\n            pass\n    return fn()\n"
GENERATED = "from greet import shout\n\n\ndef test_shout_is_upper_case():\n"
GENERATED += '    assert shout("ada").startswith("HELLO, ADA")\n'
APPROVE = Reply([text('{"approved": true, "notes": []}')])
SUMMARY = "Friendlier greetings, mul() and a retry helper"


def edit(path: str, old: str, new: str) -> dict[str, object]:
    arguments = {"command": "str_replace", "path": path, "old_str": old, "new_str": new}
    return tool_use("str_replace_based_edit_tool", arguments)


def create(path: str, content: str) -> dict[str, object]:
    arguments = {"command": "create", "path": path, "file_text": content}
    return tool_use("str_replace_based_edit_tool", arguments)


SCRIPT = [
    Reply([text("Plan: an f-string in greet(), a quieter shout(), mul() and retry().")]),
    Reply(
        [
            edit("greet.py", 'return "Hello, " + name', 'return f"Hello, {name}!"'),
            edit("greet.py", 'return greet(name).upper() + "!"', "return greet(name).upper()"),
            edit(
                "util.py",
                "    return a + b\n",
                "    return a + b\n\n\ndef mul(a, b):\n    return a * b\n",
            ),
            create("retry.py", RETRY),
        ]
    ),
    Reply([tool_use("finish", {"summary": SUMMARY})]),
    APPROVE,
    # gv: the revision, on the buffer as the user left it
    Reply([text("Plan: keep the user's marks, drop the comment.")]),
    Reply([edit("greet.py", 'upper() + "!!"  # mine', 'upper() + "!!"')]),
    Reply([tool_use("finish", {"summary": "shout() keeps its marks"})]),
    APPROVE,
    # :Delegate tests on shout()
    Reply([create("tests/test_greet_generated.py", GENERATED)]),
    Reply([tool_use("finish", {"summary": "a test for shout"})]),
    APPROVE,
]


def test_first_task_review_and_tests_in_neovim(tmp_path: Path) -> None:
    nvim = require_nvim()
    folder = project(tmp_path)
    greet_before = (folder / "greet.py").read_text()
    util_before = (folder / "util.py").read_text()
    with FakeAnthropic(SCRIPT) as fake:
        run = run_driver(
            nvim,
            tmp_path,
            folder,
            "plugin_walkthrough.lua",
            base_url=fake.base_url,
            captures=CAPTURES / "walkthrough",
            api_key=KEY,
        )
    report = run.report
    assert "error" not in report, report["error"]
    assert run.returncode == 0
    assert report["experimental"] == {"delegate": {"prompt": True, "taskUi": True, "review": True}}

    # the task ran on the selection; its progress and the proposal were told
    ready = step(report, "ready")
    assert ready["task"]["startLine"] == ready["focus"][0]
    assert ready["task"]["endLine"] == ready["focus"][1]
    assert ready["progress"].startswith("Delegate: make the greetings friendlier")
    # (the summary's line follows when the server's notification does not carry the counts)
    assert ready["ready"].startswith("Delegate: 4 hunks in 3 files — :Delegate review")

    # the review lists every file, and opened none of them
    review = step(report, "review")
    listed = [line[2:] for line in review["list"]]
    for entry in ("M greet.py  (", "M util.py  (", "A retry.py  ("):
        assert any(line.startswith(entry) for line in listed), (entry, listed)
    assert review["list_is_current"]
    assert "util.py" not in review["loaded"] and "retry.py" not in review["loaded"]
    # the inline diff of greet.py: removed lines marked, proposed lines below them
    assert '-|    return "Hello, " + name  [pending] ' in "\n".join(review["inline"])
    assert ' ┆+     return f"Hello, {name}!"' in review["inline"]

    # side by side: the current text and the proposed one, in diff mode
    sides = step(report, "side by side")
    current, proposed = sides["sides"]
    assert current["name"].endswith("/current/" + f"{ready['task']['taskId']}/greet.py")
    assert current["diff"] and proposed["diff"] and sides["back"]
    assert current["lines"] == greet_before.rstrip("\n").split("\n")
    assert '    return f"Hello, {name}!"' in proposed["lines"]

    # the new file's text, before anything is accepted
    created = step(report, "created file")["inline"]
    assert created[0].startswith(" |retry.py — new file")
    assert [line.removeprefix(" ┆+ ") for line in created[1:]] == RETRY.rstrip("\n").split("\n")

    summary = step(report, "summary")["summary"]
    assert (
        "Tests after:  passed — 2 passed"
        in summary[summary.index("Tests after:  passed — 2 passed")]
    )
    assert "Verifier:     approved" in summary

    # accepted: the buffer changed, the lenses and diagnostics followed at once
    accepted = step(report, "accepted hunk")
    assert '    return f"Hello, {name}!"' in accepted["greet"]
    assert "0 Accept file (1 hunk)" in accepted["lenses"]
    assert len(accepted["diagnostics"]) == 1

    # the conflict shows its text, why, and what to do
    conflict = "\n".join(step(report, "conflict")["list"])
    assert "[conflicted]" in conflict
    assert "      + " + "    return greet(name).upper()" in conflict
    assert "why: the lines it changes" in conflict and "next: gv to revise" in conflict

    # revised with feedback: version 2 proposes the change to the user's line
    revised = step(report, "revised")
    assert revised["asked"] == ["What should change? "]
    assert revised["notice"].startswith("Delegate: revising ")
    listing = "\n".join(revised["list"])
    assert "version 2 · 1 hunk in 1 file · 1 pending" in listing
    assert '-1 +1  return greet(name).upper() + "!!"' in listing

    # written: what was accepted and typed is on disk, the rejected file untouched
    written = step(report, "written")
    assert not written["util_loaded"]
    expected_greet = (
        greet_before.replace('"Hello, " + name', 'f"Hello, {name}!"').replace(
            'upper() + "!"', 'upper() + "!!"  # mine'
        )
        + "# typed during the review\n"
    )
    assert (folder / "greet.py").read_text() == expected_greet
    assert written["buffers"]["greet.py"] == expected_greet.rstrip("\n").split("\n")
    assert (folder / "util.py").read_text() == util_before
    assert (folder / "retry.py").read_text() == RETRY
    store = ProposalStore(folder)
    task_id = ready["task"]["taskId"]
    first = store.get(task_id, 1)
    assert first is not None
    states = {fp.path: [h.state for h in fp.hunks] for fp in first.files}
    assert states == {
        "greet.py": ["applied", "conflicted"],
        "util.py": ["rejected"],
        "retry.py": ["applied"],
    }
    assert step(report, "closed")["reviews"] == 0

    # :Delegate tests on shout()
    tests = step(report, "tests")
    assert tests["task"]["symbol"] == "shout"
    assert tests["ready"].startswith("Delegate: 1 hunk in 1 file — :Delegate review")

    # :checkhealth delegate reports no error
    health = step(report, "health")["lines"]
    assert any("OK Neovim 0.11" in line for line in health), health
    assert any("OK server version: delegate" in line for line in health), health
    assert not [line for line in health if "ERROR" in line], health

    # the key never showed
    assert KEY not in run.output
    for path in (folder / ".delegate").rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
    assert_server_gone(report["server_pids"])
