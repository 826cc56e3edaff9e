"""Open documents: pygls keeps their text in sync; we re-index on save and hand unsaved
buffers to tasks, so the agent works on what the user sees rather than what is on disk."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from delegate.lsp.converters import relative_posix, uri_to_path
from delegate.lsp.file_events import queue_changed
from delegate.lsp.server import DelegateServer


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


def register(server: DelegateServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DelegateServer, params: types.DidSaveTextDocumentParams) -> None:
        if (path := uri_to_path(params.text_document.uri)) is not None:
            queue_changed(ls, path)
