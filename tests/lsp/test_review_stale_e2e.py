"""An editor that answers ``applied: true`` but did not apply the edit must not fool the review.

Neovim skips a versioned ``TextDocumentEdit`` whose version is older than its buffer (the
user typed between the accept and the edit) and still answers ``applied: true``; it sends
its ``didChange`` a moment after the answer (debounced). The server records a hunk as
applied only once the open document's text reached the planned text; otherwise the hunk
stays pending (or becomes conflicted when the user's typing touched it) and the user is
told.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.conftest import wait_for
from tests.lsp.helpers import Editor, command, negotiated
from tests.lsp.test_review_e2e import APP, TASK, hunks_of, proposal, seed, workspace

pytestmark = pytest.mark.slow


class ForgetfulEditor(Editor):
    """Answers ``applied: true`` whatever it did with the edit.

    ``mode``: ``"apply"`` applies the edit and sends ``didChange`` ``lag`` seconds after
    answering; ``"drop"`` changes nothing and sends nothing; ``"stale"`` skips the edit
    because the user typed ``typed`` meanwhile, whose ``didChange`` goes out after the
    answer.
    """

    def __init__(self, client: LanguageClient, encoding: str) -> None:
        super().__init__(client, encoding)
        self.mode = "apply"
        self.lag = 0.3
        self.typed = ""

    def _edit(self, uri: str, version: int | None, edits: list[Any]) -> None:
        if uri not in self.docs:
            super()._edit(uri, version, edits)
            return
        loop = asyncio.get_running_loop()
        if self.mode == "apply":
            new_text = self._applied(self.docs[uri][0], edits)
            loop.call_later(self.lag, self.change, uri, new_text)
        elif self.mode == "stale":
            loop.call_soon(self.change, uri, self.typed)


def warnings(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if "did not apply the edit" in m.message]


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_an_edit_the_editor_skipped_is_not_recorded_as_applied(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = workspace(tmp_path)
    seed(folder)
    client = await start_server([folder])
    editor = ForgetfulEditor(client, negotiated(client_name, client))
    uri = editor.open(folder / "app.py")
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 4)
    a, b, _, _ = (h["id"] for h in hunks_of(await proposal(client), "app.py"))

    # "applied: true", nothing changed: the hunk stays pending and the user is told
    editor.mode = "drop"
    dropped = await command(
        client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": a}
    )
    assert dropped["applied"] is True and dropped["appliedHunks"] == []
    assert dropped["skipped"] == ["app.py"]
    assert editor.text(uri) == APP
    assert warnings(client) == [
        "Delegate: the editor did not apply the edit to app.py (it changed meanwhile); "
        "the hunk is still pending — try again"
    ]
    states = {h["id"]: h["state"] for h in hunks_of(await proposal(client), "app.py")}
    assert states[a] == "pending"

    # the edit was stale: the user's typing, sent after the answer, touched the hunk
    typed = APP.replace("text.split(',')", "text.split(';')")
    editor.mode, editor.typed = "stale", typed
    stale = await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": b})
    assert stale["appliedHunks"] == [] and stale["conflicted"] == [f"app.py {b}"]
    assert editor.text(uri) == typed
    assert len(warnings(client)) == 2
    states = {h["id"]: h["state"] for h in hunks_of(await proposal(client), "app.py")}
    assert (states[a], states[b]) == ("pending", "conflicted")

    # try again with an editor that applies the edit and says so a moment after answering
    editor.mode = "apply"
    done = await command(client, "delegate.acceptHunk", {"taskId": TASK, "uri": uri, "hunkId": a})
    assert done["appliedHunks"] == [f"app.py {a}"] and done["skipped"] == []
    assert editor.text(uri) == typed.replace("get(url)", "get(url, timeout=5)")
    states = {h["id"]: h["state"] for h in hunks_of(await proposal(client), "app.py")}
    assert (states[a], states[b]) == ("applied", "conflicted")
    assert len(warnings(client)) == 2
