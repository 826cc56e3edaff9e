"""Proposal review end to end: `delegate serve` in a subprocess, pytest-lsp as the editor.

The test client plays an editor: it keeps its own copies of the open documents, applies the
server's ``workspace/applyEdit`` to them (columns read in the negotiated encoding) or to the
files on disk, and sends ``didChange`` so the server's buffers follow. Proposals are seeded
with ``ProposalStore`` — the persistence format — or produced by a real task against the
fake Messages API.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from delegate.proposals import FileChange, ProposalStore, build_proposal
from delegate.proposals.positions import units
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, tool_use
from tests.lsp.conftest import progress_titled, wait_for
from tests.lsp.helpers import Editor, command, negotiated, request, start_from_trigger

pytestmark = pytest.mark.slow

TASK = "review-1"
APP = (
    "import time\n\n"
    "def fetch(url):\n    return get(url)\n\n\n"
    "def parse(text):\n    return text.split(',')\n\n\n"
    "def main():\n    print('start')\n\n\n"
    "MESSAGE = 'ready 🎉 go'"
)
APP_NEW = (
    APP.replace("get(url)", "get(url, timeout=5)")
    .replace("text.split(',')", "[p.strip() for p in text.split(',')]")
    .replace("'start'", "'begin'")
    .replace("🎉 go'", "🎉 go!'")
)
UTIL = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
UTIL_NEW = UTIL.replace("a + b", "b + a")
RETRY = "def retry(fn, times=3):\n    return fn()\n"


def workspace(tmp_path: Path, *, extra: dict[str, str] | None = None) -> Path:
    folder = (tmp_path / "ws").resolve()
    folder.mkdir()
    (folder / "app.py").write_bytes(APP.encode())
    (folder / "util.py").write_text(UTIL)
    (folder / ".delegate").mkdir()
    (folder / ".delegate" / "config.toml").write_text("[index]\non_start = false\n")
    for name, content in (extra or {}).items():
        (folder / name).write_text(content)
    return folder


def seed(folder: Path, task_id: str = TASK, changes: list[FileChange] | None = None) -> None:
    changes = changes or [
        FileChange("app.py", APP, APP_NEW),
        FileChange("util.py", UTIL, UTIL_NEW),
        FileChange("retry.py", None, RETRY),
    ]
    proposal = build_proposal(task_id, changes, summary="Add timeouts\nand more", created_at="x")
    ProposalStore(folder).save(proposal)


async def lenses(client: LanguageClient, uri: str) -> list[tuple[int, str]]:
    found = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return [(lens.range.start.line, lens.command.title) for lens in found or [] if lens.command]


async def proposal(client: LanguageClient, task_id: str = TASK, **extra: Any) -> dict[str, Any]:
    return await request(client, "delegate/proposal", {"taskId": task_id, **extra})  # type: ignore[no-any-return]


def hunks_of(data: dict[str, Any], path: str) -> list[dict[str, Any]]:
    return next(f["hunks"] for f in data["files"] if f["path"] == path)


async def test_review_a_seeded_proposal_hunk_by_hunk(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = workspace(tmp_path)
    seed(folder)
    client = await start_server([folder])
    editor = Editor(client, negotiated(client_name, client))
    uri = editor.open(folder / "app.py")

    # presented: four diagnostics, lenses, and the full proposal
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 4)
    shown = client.diagnostics[uri]
    assert {d.message for d in shown} == {"Delegate proposal: Add timeouts — accept or reject"}
    assert {d.source for d in shown} == {"delegate"}
    last = max(shown, key=lambda d: d.range.start.line)
    assert (last.range.end.line, last.range.end.character) == (
        14,
        units("MESSAGE = 'ready 🎉 go'", editor.encoding),  # type: ignore[arg-type]
    )
    titles = await lenses(client, uri)
    assert (0, "Accept file (4 hunks)") in titles and (0, "Reject file") in titles
    assert sorted({line for line, t in titles if t == "Diff"}) == [3, 7, 11, 14]
    data = await proposal(client)
    assert data["positionEncoding"] == editor.encoding and data["summary"].startswith("Add")
    a, b, c, d = (h["id"] for h in hunks_of(data, "app.py"))
    diff = await command(client, "delegate.diffHunk", {"taskId": TASK, "uri": uri, "hunkId": b})
    assert "+    return [p.strip() for p in text.split(',')]" in diff["diff"]

    # the user types meanwhile: hunks move with the text
    editor.change(uri, "import os\n" + APP)
    assert sorted({line for line, t in await lenses(client, uri) if t == "Diff"}) == [4, 8, 12, 15]

    done = await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": b})
    assert done["applied"] is True and done["conflicted"] == []
    sent = editor.edits[-1].document_changes[0]  # type: ignore[index]
    assert sent.text_document.version == 2  # versioned against the buffer the user has
    expected = "import os\n" + APP.replace(
        "text.split(',')", "[p.strip() for p in text.split(',')]"
    )
    assert editor.text(uri) == expected
    await command(client, "delegate.rejectHunk", {"taskId": TASK, "path": "app.py", "hunkId": a})
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 2)

    # the emoji line at the end of the file: the column is counted in the negotiated encoding
    await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": d})
    expected = expected.replace("🎉 go'", "🎉 go!'")
    assert editor.text(uri) == expected

    # a conflict is reported and overwrites nothing
    clashing = expected.replace("print('start')", "print('START')")
    editor.change(uri, clashing)
    outcome = await command(
        client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": c}
    )
    assert outcome["conflicted"] == [f"app.py {c}"] and outcome["appliedHunks"] == []
    assert editor.text(uri) == clashing
    assert any("conflict" in m.message for m in client.messages)

    # a closed file is edited without a version, a new file is created
    await command(client, "delegate.acceptFile", {"taskId": TASK, "path": "util.py"})
    assert (folder / "util.py").read_text() == UTIL_NEW
    assert editor.edits[-1].document_changes[0].text_document.version is None  # type: ignore[index]
    await command(client, "delegate.acceptFile", {"taskId": TASK, "path": "retry.py"})
    assert (folder / "retry.py").read_text() == RETRY
    assert isinstance(editor.edits[-1].document_changes[0], types.CreateFile)  # type: ignore[index]

    final = await proposal(client)
    states = {h["id"]: (h["state"], h["range"]) for h in hunks_of(final, "app.py")}
    assert states == {
        a: ("rejected", None),
        b: ("applied", None),
        c: ("conflicted", None),
        d: ("applied", None),
    }
    assert [h["state"] for h in hunks_of(final, "util.py")] == ["applied"]
    assert [h["state"] for h in hunks_of(final, "retry.py")] == ["applied"]
    saved = json.loads((folder / ".delegate" / "proposals" / f"{TASK}.json").read_text())
    assert saved["versions"][-1]["files"][2]["hunks"][0]["state"] == "applied"


@pytest.mark.parametrize("client_name", ["visual-studio-code"])
async def test_refusal_restart_preview_and_a_second_proposal_on_the_same_file(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = workspace(tmp_path)
    seed(folder)
    other_base = UTIL
    other_new = UTIL.replace("a - b", "-(b - a)")
    seed(folder, "review-2", [FileChange("util.py", other_base, other_new)])
    client = await start_server([folder])
    editor = Editor(client, negotiated(client_name, client))
    editor.answer = False
    uri = editor.open(folder / "app.py")
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 4)
    first = hunks_of(await proposal(client), "app.py")[0]["id"]
    refused = await command(
        client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": first}
    )
    assert refused["applied"] is False and refused["reason"] == "user said no"
    assert editor.text(uri) == APP
    assert {h["state"] for h in hunks_of(await proposal(client), "app.py")} == {"pending"}
    await client.shutdown_session()
    await client.stop()

    # a new server finds the pending proposals on disk
    client = await start_server([folder])
    editor = Editor(client, negotiated(client_name, client))
    uri = editor.open(folder / "app.py")
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 4)
    listed = await request(client, "delegate/proposals", {})
    assert {p["taskId"] for p in listed["proposals"]} == {TASK, "review-2"}

    # accept all with a refactoring preview: one edit, every change needs confirmation
    result = await command(client, "delegate.acceptAll", {"taskId": TASK, "preview": True})
    assert result["applied"] is True and result["preview"] is True
    edit = editor.edits[-1]
    annotations = edit.change_annotations or {}
    assert annotations and all(a.needs_confirmation for a in annotations.values())
    text_edits = [c for c in edit.document_changes or [] if isinstance(c, types.TextDocumentEdit)]
    assert all(isinstance(e, types.AnnotatedTextEdit) for c in text_edits for e in c.edits)
    assert editor.text(uri) == APP_NEW
    assert (folder / "util.py").read_text() == UTIL_NEW and (
        folder / "retry.py"
    ).read_text() == RETRY
    assert (await request(client, "delegate/proposals", {}))["proposals"][0]["taskId"] == "review-2"

    # the other proposal on util.py was rebased onto the new text and still applies
    rebased = await proposal(client, "review-2")
    (util,) = rebased["files"]
    assert util["base"] == UTIL_NEW and util["hunks"][0]["state"] == "pending"
    await command(client, "delegate.acceptFile", {"taskId": "review-2", "path": "util.py"})
    assert (folder / "util.py").read_text() == UTIL_NEW.replace("a - b", "-(b - a)")


KEY = "sk-ant-api03-REVIEW-E2E-DISTINCT-KEY-31c7"
FIXTURE_REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"


def edit(old: str, new: str) -> dict[str, Any]:
    return tool_use(
        "str_replace_based_edit_tool",
        {"command": "str_replace", "path": "calc.py", "old_str": old, "new_str": new},
    )


TRIGGER = "# delegate: fix clamp\n"


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_a_real_task_becomes_a_proposal_and_a_revision_its_next_version(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = (tmp_path / "calc").resolve()
    shutil.copytree(FIXTURE_REPOS / "calc", folder)
    calc = folder / "calc.py"
    original = calc.read_text()
    calc.write_text(original.replace("\n\ndef clamp", "\n\n" + TRIGGER + "def clamp"))
    tests = json.dumps([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    script = [
        Reply([text("Plan: fix the upper bound")]),
        Reply([edit("return low  # above range", "return high  # above range")]),
        Reply([tool_use("finish", {"summary": "clamp returns high above the range"})]),
        Reply([text('{"approved": true, "notes": []}')]),
    ]
    with FakeAnthropic(script) as fake:
        (folder / ".delegate").mkdir()
        (folder / ".delegate" / "config.toml").write_text(
            f"[index]\non_start = false\n[tests]\ncommand = {tests}\n"
            f'[api]\nbase_url = "{fake.base_url}"\nmax_retries = 0\n'
        )
        client = await start_server([folder])
        client.protocol.notify("delegate/setApiKey", {"key": KEY})
        editor = Editor(client, negotiated(client_name, client))
        uri = editor.open(calc)

        # the task starts from the `delegate:` comment's code action
        task_id = await start_from_trigger(client, editor, uri, TRIGGER, "Delegate: fix clamp")

        def announced(version: int) -> bool:
            changes = client.task_changes  # type: ignore[attr-defined]
            return any(
                c.get("taskId") == task_id and c.get("proposalVersion") == version for c in changes
            )

        await wait_for(lambda: announced(1), timeout=60)
        first = await proposal(client, task_id)
        assert first["summary"] == "clamp returns high above the range"
        assert first["verdict"]["approved"] is True and first["testsAfter"]["passed"] is True
        # the fix, and the fulfilled comment removed: nothing else
        (calc_file,) = first["files"]
        assert calc_file["proposed"] == original.replace(
            "return low  # above", "return high  # above"
        )
        fix, removal = sorted(calc_file["hunks"], key=lambda h: "return high" in h["newText"])[::-1]
        assert "return high" in fix["newText"] and fix["state"] == "pending"
        assert removal["oldText"] == TRIGGER and removal["newText"] == ""
        await command(
            client,
            "delegate.rejectHunk",
            {"taskId": task_id, "path": "calc.py", "hunkId": fix["id"]},
        )

        fake.push(
            Reply([text("Plan: return high, with a comment")]),
            Reply([edit("return low  # above range", "return high  # clamp to the top")]),
            Reply([tool_use("finish", {"summary": "clamp fixed, commented"})]),
            Reply([text('{"approved": true, "notes": []}')]),
        )
        asked = len(fake.requests)
        revising = await command(
            client, "delegate.revise", {"taskId": task_id, "comment": "say why"}
        )
        assert revising == {"taskId": task_id, "revising": 1}
        await wait_for(lambda: announced(2), timeout=60)
    revision_prompt = fake.requests[asked].messages[0]
    assert "say why" in json.dumps(revision_prompt) and "return high" in json.dumps(revision_prompt)
    # the revision started like any task: with its own progress bar, ended
    bars = progress_titled(client, "Delegate: fix clamp")
    assert len(bars) == 2
    await wait_for(lambda: all(client.progress_reports[t][-1].kind == "end" for t in bars))
    second = await proposal(client, task_id)
    assert second["version"] == 2 and second["versions"] == [1, 2]
    assert second["files"][0]["proposed"] == original.replace(
        "return low  # above range", "return high  # clamp to the top"
    )
    older = await proposal(client, task_id, version=1)
    assert {h["state"] for h in hunks_of(older, "calc.py")} == {"rejected", "pending"}
    assert TRIGGER in calc.read_text()  # nothing applied
