"""Text-sync notifications reach every document listener, after pygls updated the text.

The server is built in-process and fed notifications through pygls' own dispatch, so the
test covers the real handler table: one handler per method, owned by ``documents``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lsprotocol import types
from pygls.workspace import Workspace

from delegate.lsp.documents import notify_listeners
from delegate.lsp.server import DelegateServer, create_server
from delegate.lsp.session import DocumentListener

URI = "file:///nowhere/a.py"


def recorder(server: DelegateServer, seen: list[tuple[str, str | None]]) -> DocumentListener:
    def on(event: str) -> Callable[[str], None]:
        def callback(uri: str) -> None:
            docs = server.workspace.text_documents
            seen.append((event, docs[uri].source if uri in docs else None))

        return callback

    return DocumentListener(
        on_open=on("open"),
        on_change=on("change"),
        on_close=on("close"),
        on_save=on("save"),
    )


async def test_listeners_hear_open_change_save_close_with_the_updated_text() -> None:
    server = create_server()
    server.protocol._workspace = Workspace(None)
    first: list[tuple[str, str | None]] = []
    second: list[tuple[str, str | None]] = []
    server.session.document_listeners.append(recorder(server, first))
    server.session.document_listeners.append(recorder(server, second))
    notify = server.protocol._handle_notification
    document = types.TextDocumentIdentifier(uri=URI)

    notify(
        types.TEXT_DOCUMENT_DID_OPEN,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=URI, language_id="python", version=1, text="a")
        ),
    )
    notify(
        types.TEXT_DOCUMENT_DID_CHANGE,
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="b")],
        ),
    )
    notify(types.TEXT_DOCUMENT_DID_SAVE, types.DidSaveTextDocumentParams(text_document=document))
    notify(types.TEXT_DOCUMENT_DID_CLOSE, types.DidCloseTextDocumentParams(text_document=document))
    await asyncio.sleep(0)

    expected = [("open", "a"), ("change", "b"), ("save", "b"), ("close", None)]
    assert first == expected and second == expected


def test_a_failing_listener_does_not_stop_the_others() -> None:
    heard: list[str] = []

    def broken(uri: str) -> None:
        raise RuntimeError("boom")

    listeners = [
        DocumentListener(on_change=broken),
        DocumentListener(on_open=heard.append),  # no on_change: skipped
        DocumentListener(on_change=heard.append),
    ]
    notify_listeners(listeners, "change", URI)
    assert heard == [URI]
