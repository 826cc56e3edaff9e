"""The workspace as the editor changes it, end to end.

File events from the editor (saves, watched files, renames, deletes) keep ``delegate/search`` in
step with the disk. A task's sandbox sees the unsaved buffer the user is looking at, and
with ``autonomy = "apply-when-green"`` — set for this folder only, through
``workspace/configuration`` with the folder's scopeUri — a green, approved change is
applied through ``workspace/applyEdit`` without review, while a red one waits.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.fakes.fake_anthropic import FakeAnthropic, RecordedRequest, Reply, Turn, text, tool_use
from tests.lsp.conftest import copy_workspace, index_ended, wait_for
from tests.lsp.helpers import Editor, command, negotiated, open_file, request

pytestmark = pytest.mark.slow

FIXTURE_REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    """Poll an async condition until it holds (a condition wait, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def hits(client: LanguageClient, query: str) -> set[tuple[str, str]]:
    """``(path, symbol)`` of the hits for ``query``: hybrid search ranks every file for any
    query in a tiny workspace, so presence is judged by the symbol found, not the path."""
    found = await request(client, "delegate/search", {"query": query, "limit": 20})
    return {(h["path"], h.get("symbol") or "") for h in found["hits"]}


async def test_saves_watched_files_renames_and_deletes_keep_search_in_step(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    await wait_for(lambda: index_ended(client, folder))
    created = folder / "src" / "payments.py"

    def watched(path: Path, kind: types.FileChangeType) -> None:
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=path.as_uri(), type=kind)]
            )
        )

    async def has(symbol: str, path: str) -> bool:
        return (path, symbol) in await hits(client, symbol)

    async def lacks(symbol: str, path: str | None = None) -> bool:
        found = await hits(client, symbol)
        if path is None:  # the symbol is nowhere
            return all(s != symbol for _, s in found)
        return all(p != path for p, _ in found)  # the file is gone from the index

    # written and saved in the editor
    created.write_text("def refund_invoice(invoice_id: str) -> None:\n    pass\n")
    uri = open_file(client, created)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await eventually(lambda: has("refund_invoice", "src/payments.py"))
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )

    # changed: the new symbol is found, the old one is gone
    created.write_text("def settle_invoice(invoice_id: str) -> None:\n    pass\n")
    watched(created, types.FileChangeType.Changed)
    await eventually(lambda: has("settle_invoice", "src/payments.py"))
    assert await lacks("refund_invoice")

    # renamed by the editor: found under the new name only
    renamed = folder / "src" / "billing.py"
    created.rename(renamed)
    client.workspace_did_rename_files(
        types.RenameFilesParams(
            files=[types.FileRename(old_uri=created.as_uri(), new_uri=renamed.as_uri())]
        )
    )
    await eventually(lambda: has("settle_invoice", "src/billing.py"))
    assert await lacks("settle_invoice", "src/payments.py")

    # deleted by the editor
    renamed.unlink()
    client.workspace_did_delete_files(
        types.DeleteFilesParams(files=[types.FileDelete(uri=renamed.as_uri())])
    )
    await eventually(lambda: lacks("settle_invoice", "src/billing.py"))
    assert "src/shapes.py" in {path for path, _ in await hits(client, "circle_area")}

    # one watched-files batch: a file created and another deleted behind the editor's back
    shapes, extra = folder / "src" / "shapes.py", folder / "src" / "ledger.py"
    shapes.unlink()
    extra.write_text("def post_ledger_entry(amount: int) -> None:\n    pass\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=shapes.as_uri(), type=types.FileChangeType.Deleted),
                types.FileEvent(uri=extra.as_uri(), type=types.FileChangeType.Created),
            ]
        )
    )
    await eventually(lambda: has("post_ledger_entry", "src/ledger.py"))
    assert await lacks("circle_area", "src/shapes.py")


UNSAVED = "LIMIT = 99  # typed, never saved\n"
KEY = "sk-ant-api03-WORKSPACE-E2E-KEY-0000"


def edit(old: str, new: str) -> dict[str, Any]:
    return tool_use(
        "str_replace_based_edit_tool",
        {"command": "str_replace", "path": "calc.py", "old_str": old, "new_str": new},
    )


def agent(request: RecordedRequest) -> Turn:
    """The model for two tasks, by the task's words and how far the conversation got."""
    if "You review a change" in request.system_text:
        return Reply([text('{"approved": true, "notes": []}')])
    first = json.dumps(request.messages[0])
    turn = sum(1 for m in request.messages if m.get("role") == "assistant")
    if "fix clamp" in first:
        steps = [
            Reply([tool_use("read_file", {"path": "calc.py"})]),
            Reply([text("Plan: return high above the range")]),
            Reply([edit("return low  # above range", "return high  # above range")]),
            Reply([tool_use("finish", {"summary": "clamp returns high above the range"})]),
        ]
    else:  # "break mean": a change that turns the tests red
        steps = [
            Reply([text("Plan: drop the division")]),
            Reply([edit("sum(values) / len(values)", "sum(values)")]),
            Reply([tool_use("finish", {"summary": "mean is the sum"})]),
        ]
    return steps[min(turn, len(steps) - 1)]


@pytest.mark.parametrize("client_name", ["visual-studio-code"])
async def test_unsaved_buffers_reach_the_sandbox_and_green_changes_apply_themselves(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = (tmp_path / "calc").resolve()
    shutil.copytree(FIXTURE_REPOS / "calc", folder)
    tests = json.dumps([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    with FakeAnthropic(policy=agent) as fake:
        (folder / ".delegate").mkdir()
        (folder / ".delegate" / "config.toml").write_text(
            f"[index]\non_start = false\n[tests]\ncommand = {tests}\n[budget]\nmax_iterations = 1\n"
            f'[api]\nbase_url = "{fake.base_url}"\nmax_retries = 0\n'
        )
        client = await start_server(
            [folder],
            configuration={"delegate": {"autonomy": "propose"}},
            scoped={folder.as_uri(): {"delegate": {"autonomy": "apply-when-green"}}},
            env={**os.environ, "ANTHROPIC_API_KEY": KEY},
        )
        editor = Editor(client, negotiated(client_name, client))
        uri = editor.open(folder / "calc.py")
        on_disk = (folder / "calc.py").read_text()
        editor.change(uri, on_disk + UNSAVED)  # typed, not saved

        def finished(task_id: str) -> bool:
            return any(
                c["taskId"] == task_id and c["state"] in ("succeeded", "failed")
                for c in client.task_changes  # type: ignore[attr-defined]
            )

        # green and approved: applied to the buffer without review, the unsaved line kept
        fixing = (await command(client, "delegate.task", {"uri": uri, "text": "fix clamp"}))[
            "taskId"
        ]
        await wait_for(lambda: len(editor.edits) == 1, timeout=60)
        assert editor.text(uri) == (on_disk + UNSAVED).replace("return low  #", "return high  #")
        assert (folder / "calc.py").read_text() == on_disk  # the editor saves, not the server
        read = [
            request.tool_result_text(block)
            for request in fake.requests
            for block in request.tool_results()
        ]
        assert any(UNSAVED.strip() in result for result in read)  # read_file saw the buffer
        applied = await request(client, "delegate/proposal", {"taskId": fixing})
        assert {h["state"] for f in applied["files"] for h in f["hunks"]} == {"applied"}

        # red: the proposal waits for review and nothing is sent to the editor
        breaking = (await command(client, "delegate.task", {"uri": uri, "text": "break mean"}))[
            "taskId"
        ]
        await wait_for(lambda: finished(breaking), timeout=60)
        pending = await request(client, "delegate/proposal", {"taskId": breaking})
        assert pending["testsAfter"]["passed"] is False
        assert {h["state"] for f in pending["files"] for h in f["hunks"]} == {"pending"}
        assert len(editor.edits) == 1 and "sum(values) / len(values)" in editor.text(uri)
