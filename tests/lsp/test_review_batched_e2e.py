"""An editor that sends an accepted edit in the same ``didChange`` as the user's next typing.

Neovim debounces ``didChange``: an edit it applied and the keystrokes that follow go out
together, as several content changes of one notification (incremental sync) or as one
full text (full sync). The document the server sees then never equals the planned text,
yet the edit is in it. The server must record the hunk as applied — in time, or late —
and must not when the editor skipped the edit and only the typing arrived.
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

WITH_A = APP.replace("get(url)", "get(url, timeout=5)")


def typing(text: str) -> tuple[list[tuple[int, str]], str]:
    """The user's keystrokes on ``text``: a line at the top and one above ``def main``,
    away from every hunk and its neighbouring lines. Returns each insertion (line, text),
    positioned in the text the ones before it left, and the text afterwards."""
    lines = text.splitlines(keepends=True)
    steps = [(0, "import os\n")]
    lines.insert(0, "import os\n")
    steps.append((lines.index("def main():\n") - 1, "# typed\n"))
    lines.insert(*steps[-1])
    return steps, "".join(lines)


def typed(text: str) -> str:
    return typing(text)[1]


def insertion(line: int, text: str) -> types.TextDocumentContentChangePartial:
    at = types.Position(line=line, character=0)
    return types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)


class BatchingEditor(Editor):
    """Applies each versioned edit to its buffer at once and answers ``applied: true``, but
    sends nothing until :meth:`type_and_send`: then one ``didChange`` carries the held
    edit and the user's typing. ``skip``: the edit is stale for the buffer and skipped
    (still answered ``applied: true``), so only the typing goes out."""

    def __init__(self, client: LanguageClient, encoding: str, sync: str) -> None:
        super().__init__(client, encoding)
        self.sync = sync  # "incremental" or "full"
        self.skip = False
        self.held: list[types.TextDocumentContentChangePartial] = []

    def _edit(self, uri: str, version: int | None, edits: list[Any]) -> None:
        if uri not in self.docs:
            super()._edit(uri, version, edits)
            return
        if self.skip:
            return
        text, buffer_version = self.docs[uri]
        assert version == buffer_version
        # one content change per edit, bottom first, so each range is still the server's
        for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[
            ::-1
        ]:
            self.held.append(types.TextDocumentContentChangePartial(edit.range, edit.new_text))
        self.docs[uri] = (self._applied(text, edits), buffer_version)

    def type_and_send(self, uri: str) -> None:
        text, version = self.docs[uri]
        steps, after = typing(text)
        changes: list[types.TextDocumentContentChangeEvent] = []
        if self.sync == "incremental":
            changes.extend(self.held)
            changes.extend(insertion(line, inserted) for line, inserted in steps)
        else:
            changes.append(types.TextDocumentContentChangeWholeDocument(text=after))
        self.held.clear()
        self.docs[uri] = (after, version + 1)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version + 1),
                content_changes=changes,
            )
        )


def states(data: dict[str, Any]) -> dict[str, str]:
    return {h["id"]: h["state"] for h in hunks_of(data, "app.py")}


def messages(client: LanguageClient, part: str) -> list[str]:
    return [m.message for m in client.messages if part in m.message]


def announced(client: LanguageClient, applied: int) -> bool:
    changes = to_plain(client.task_changes)  # type: ignore[attr-defined]
    return any(c["taskId"] == TASK and c["hunkStates"]["applied"] == applied for c in changes)


async def opened(
    start_server: Any, client_name: str, tmp_path: Path, sync: str
) -> tuple[LanguageClient, BatchingEditor, str, list[str]]:
    folder = workspace(tmp_path)
    seed(folder)
    client = await start_server([folder])
    editor = BatchingEditor(client, negotiated(client_name, client), sync)
    uri = editor.open(folder / "app.py")
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 4)
    ids = [h["id"] for h in hunks_of(await proposal(client), "app.py")]
    return client, editor, uri, ids


async def accept_while_typing(
    client: LanguageClient, editor: BatchingEditor, uri: str, hunk: str, reached: Any
) -> Any:
    """Accept ``hunk``; once ``reached()`` says the editor has the edit, the user types and
    the editor sends what it holds; returns the accept's result."""
    accepting = asyncio.ensure_future(
        command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": hunk})
    )
    await wait_for(reached)
    editor.type_and_send(uri)
    return await accepting


@pytest.mark.parametrize("sync", ["incremental", "full"])
@pytest.mark.parametrize("client_name", ["neovim"])
async def test_an_edit_sent_with_the_next_keystrokes_is_recorded_as_applied(
    start_server: Any, client_name: str, tmp_path: Path, sync: str
) -> None:
    client, editor, uri, (a, b, _, _) = await opened(start_server, client_name, tmp_path, sync)

    # the editor sends the edit and the typing together, soon after its answer
    done = await accept_while_typing(client, editor, uri, a, lambda: bool(editor.held))
    assert done["appliedHunks"] == [f"app.py {a}"] and done["skipped"] == []
    assert editor.text(uri) == typed(WITH_A)
    data = await proposal(client)
    assert states(data)[a] == "applied"
    assert next(f for f in data["files"] if f["path"] == "app.py")["current"] == typed(WITH_A)
    assert messages(client, "did not apply the edit") == []

    # later, the next hunk's edit comes with more typing only after the server stopped
    # waiting: the late didChange records it all the same
    first = await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": b})
    assert first["appliedHunks"] == [] and first["skipped"] == ["app.py"]
    assert states(await proposal(client))[b] == "pending"
    editor.type_and_send(uri)
    await wait_for(lambda: announced(client, applied=2))
    assert states(await proposal(client))[b] == "applied"
    assert messages(client, "reached the editor late") == [
        "Delegate: the edit to app.py reached the editor late; 1 change applied after all"
    ]
    with_b = WITH_A.replace("text.split(',')", "[p.strip() for p in text.split(',')]")
    assert editor.text(uri) == typed(typed(with_b))


@pytest.mark.parametrize("sync", ["incremental", "full"])
@pytest.mark.parametrize("client_name", ["neovim"])
async def test_typing_alone_after_a_skipped_edit_is_not_taken_for_the_edit(
    start_server: Any, client_name: str, tmp_path: Path, sync: str
) -> None:
    client, editor, uri, (a, _, _, _) = await opened(start_server, client_name, tmp_path, sync)
    editor.skip = True
    # the user's typing reaches the server while it waits
    done = await accept_while_typing(client, editor, uri, a, lambda: len(editor.edits) == 1)
    assert done["appliedHunks"] == [] and done["skipped"] == ["app.py"]
    assert editor.text(uri) == typed(APP)
    # more typing while the server still watches for a late didChange: nothing is recorded
    editor.type_and_send(uri)
    data = await proposal(client)
    assert next(f for f in data["files"] if f["path"] == "app.py")["current"] == typed(typed(APP))
    assert states(data)[a] == "pending"
    assert messages(client, "reached the editor late") == []
    assert not announced(client, applied=1)
