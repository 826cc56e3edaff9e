"""Open documents: pygls keeps their text in sync; we re-index on save, hand unsaved
buffers to tasks (so the agent works on what the user sees rather than what is on disk),
and tell the features that follow documents — through ``session.document_listeners`` —
after every open, change, close and save.

pygls allows one handler per LSP method, so this module owns the text-sync notifications
and other features register a :class:`~delegate.lsp.session.DocumentListener` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from lsprotocol import types

from delegate.lsp.converters import relative_posix, uri_to_path
from delegate.lsp.file_events import queue_changed
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.session import DocumentListener

log = logging.getLogger(__name__)

DocumentEvent = Literal["open", "change", "close", "save"]


def unsaved_overrides(ls: DelegateServer, folder: Path) -> dict[str, str]:
    """``{relative path: buffer text}`` for open documents in ``folder`` that differ from disk."""
    overrides: dict[str, str] = {}
    for uri, document in ls.workspace.text_documents.items():
        path = uri_to_path(uri)
        if path is None or ls.session.folder_for(path) is not ls.session.folders.get(folder):
            continue
        try:
            on_disk: str | None = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            on_disk = None
        if document.source != on_disk:
            overrides[relative_posix(path, folder)] = document.source
    return overrides


def notify_listeners(listeners: Iterable[DocumentListener], event: DocumentEvent, uri: str) -> None:
    """Call each listener's callback for ``event``; one failing listener does not stop the rest."""
    for listener in list(listeners):
        callback = getattr(listener, f"on_{event}")
        if callback is None:
            continue
        try:
            callback(uri)
        except Exception:
            log.exception("document listener failed on %s of %s", event, uri)


def register(server: DelegateServer) -> None:
    listeners = server.session.document_listeners

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DelegateServer, params: types.DidOpenTextDocumentParams) -> None:
        notify_listeners(listeners, "open", params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DelegateServer, params: types.DidChangeTextDocumentParams) -> None:
        notify_listeners(listeners, "change", params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DelegateServer, params: types.DidCloseTextDocumentParams) -> None:
        notify_listeners(listeners, "close", params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DelegateServer, params: types.DidSaveTextDocumentParams) -> None:
        if (path := uri_to_path(params.text_document.uri)) is not None:
            queue_changed(ls, path)
        notify_listeners(listeners, "save", params.text_document.uri)
