"""Review decisions that meet while an accept is in flight, and an editor that is slow to
confirm an edit it did apply.

An accept waits for the editor twice: for its answer to ``workspace/applyEdit`` and for the
``didChange`` that shows the edit landed. A reject of the same hunk arriving meanwhile must
be decided after the accept, on what the accept recorded. An editor whose ``didChange``
comes after the server stopped waiting (Neovim with a long ``debounce_text_changes``) has
still applied the edit: when the document reaches the planned text later, the hunk is
recorded as applied then, and the client is told.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import wait_for
from tests.lsp.helpers import Editor, command, negotiated, to_plain
from tests.lsp.test_review_e2e import APP, TASK, hunks_of, proposal, seed, workspace

pytestmark = pytest.mark.slow


class HoldingEditor(Editor):
    """Holds its answer to ``workspace/applyEdit`` until the test sets ``release``."""

    def __init__(self, client: LanguageClient, encoding: str) -> None:
        super().__init__(client, encoding)
        self.holding = False
        self.release = asyncio.Event()

    async def apply_workspace_edit(
        self, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        self.holding = True
        await self.release.wait()
        return await super().apply_workspace_edit(params)


def execute(client: LanguageClient, name: str, argument: dict[str, Any]) -> asyncio.Future[Any]:
    """Send a command now (the request is written before this returns); await the answer."""
    # pytest-lsp's send_request_async is a coroutine, which would send only once awaited
    sent = client.protocol.send_request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command=name, arguments=[argument]),
    )
    return asyncio.wrap_future(sent)


def states(data: dict[str, Any]) -> dict[str, str]:
    return {h["id"]: h["state"] for h in hunks_of(data, "app.py")}


@pytest.mark.parametrize("client_name", ["visual-studio-code"])
async def test_a_reject_of_a_hunk_being_accepted_is_decided_after_the_accept(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = workspace(tmp_path)
    seed(folder)
    client = await start_server([folder])
    editor = HoldingEditor(client, negotiated(client_name, client))
    uri = editor.open(folder / "app.py")
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 4)
    a, b, _, _ = (h["id"] for h in hunks_of(await proposal(client), "app.py"))

    accepting = execute(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": a})
    await wait_for(lambda: editor.holding)  # the server is inside the accept, edit in flight
    # both rejects reach the server before the editor's answer: the pipe keeps the order
    rejecting = execute(client, "delegate.rejectHunk", {"taskId": TASK, "uri": uri, "hunkId": a})
    rejecting_all = execute(client, "delegate.rejectAll", {"taskId": TASK})
    editor.release.set()

    accepted = to_plain(await accepting)
    rejected = to_plain(await rejecting)
    rejected_all = to_plain(await rejecting_all)
    assert accepted["appliedHunks"] == [f"app.py {a}"]
    assert editor.text(uri) == APP.replace("get(url)", "get(url, timeout=5)")
    final = await proposal(client)
    assert states(final)[a] == "applied"
    # each reject answered with what it decided, on top of the applied hunk
    assert rejected["rejectedHunks"] == []
    assert (rejected["counts"]["applied"], rejected["counts"]["rejected"]) == (1, 0)
    assert f"app.py {a}" not in rejected_all["rejectedHunks"]
    assert f"app.py {b}" in rejected_all["rejectedHunks"]
    assert rejected_all["counts"] == final["counts"]
    assert (final["counts"]["applied"], final["counts"]["rejected"]) == (1, 5)


class SlowEditor(Editor):
    """Applies each edit to its buffer at once but sends the ``didChange`` only on
    :meth:`flush` (Neovim debounces it); a versioned edit older than the buffer is skipped
    and still answered ``applied: true``, as Neovim 0.11 does."""

    def __init__(self, client: LanguageClient, encoding: str) -> None:
        super().__init__(client, encoding)
        self.held: list[tuple[str, str, int]] = []
        self.hold = True  # False: send the didChange before answering, as VS Code does

    def _edit(self, uri: str, version: int | None, edits: list[Any]) -> None:
        if uri not in self.docs:
            super()._edit(uri, version, edits)
            return
        text, buffer_version = self.docs[uri]
        if version is not None and version != buffer_version:
            return  # "Buffer … newer than edits": skipped
        new_text = self._applied(text, edits)
        self.docs[uri] = (new_text, buffer_version + 1)
        self.held.append((uri, new_text, buffer_version + 1))
        if not self.hold:
            self.flush()

    def flush(self) -> None:
        for uri, text, version in self.held:
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
        self.held.clear()


def announced(client: LanguageClient, applied: int) -> bool:
    """Whether a ``delegate/taskChanged`` said the proposal has ``applied`` applied hunks."""
    changes = to_plain(client.task_changes)  # type: ignore[attr-defined]
    return any(c["taskId"] == TASK and c["hunkStates"]["applied"] == applied for c in changes)


def messages(client: LanguageClient, part: str) -> list[str]:
    return [m.message for m in client.messages if part in m.message]


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_a_didchange_that_comes_after_the_wait_still_records_the_hunk_as_applied(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = workspace(tmp_path)
    seed(folder)
    client = await start_server([folder])
    editor = SlowEditor(client, negotiated(client_name, client))
    uri = editor.open(folder / "app.py")
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 4)
    a, b, c, _ = (h["id"] for h in hunks_of(await proposal(client), "app.py"))
    with_a = APP.replace("get(url)", "get(url, timeout=5)")

    # the editor applied the edit but has not said so when the server stops waiting
    first = await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": a})
    assert first["appliedHunks"] == [] and first["skipped"] == ["app.py"]
    assert editor.text(uri) == with_a
    assert len(messages(client, "did not apply the edit")) == 1
    # the user tries again: the edit is stale for the buffer, so the editor skips it
    again = await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": a})
    assert again["appliedHunks"] == [] and again["skipped"] == ["app.py"]
    assert states(await proposal(client))[a] == "pending"

    # the late didChange: the hunk is applied, once, and the client hears of it
    editor.flush()
    await wait_for(lambda: announced(client, applied=1))
    assert states(await proposal(client))[a] == "applied"
    assert editor.text(uri) == with_a
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 3)
    assert messages(client, "reached the editor late") == [
        "Delegate: the edit to app.py reached the editor late; 1 change applied after all"
    ]

    # a hunk rejected before its late didChange stays rejected, and the user is told
    await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": b})
    await command(client, "delegate.rejectHunk", {"taskId": TASK, "uri": uri, "hunkId": b})
    editor.flush()
    await wait_for(lambda: len(messages(client, "reached the editor late")) == 2)
    assert messages(client, "reached the editor late")[-1] == (
        "Delegate: the edit to app.py reached the editor late; 1 change you rejected "
        "meanwhile is in your buffer now: undo it there if you do not want it"
    )
    assert (states(await proposal(client))[b]) == "rejected"

    # an editor that keeps up is recorded as before, on top of the late edits
    editor.hold = False
    done = await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": c})
    assert done["appliedHunks"] == [f"app.py {c}"] and done["skipped"] == []
    now = states(await proposal(client))
    assert (now[a], now[b], now[c]) == ("applied", "rejected", "applied")
