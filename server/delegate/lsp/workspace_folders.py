"""Workspace folders come and go: each gets its settings, its index and its task records.

A folder added with ``didChangeWorkspaceFolders`` is opened and indexed in the background
like the folders of ``initialize``; a removed folder's update is cancelled and its index
closed, so no writer is left holding its lock.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types

from delegate.agent.sandbox_registry import sweep_dead_sandboxes
from delegate.lsp.configuration import (
    apply_settings,
    fetch_client_settings,
    resolve_settings,
    show_new_warnings,
)
from delegate.lsp.converters import path_to_uri, uri_to_path
from delegate.lsp.index_worker import FolderIndexer
from delegate.lsp.indexing import in_background, index_folder
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.session import FolderState

log = logging.getLogger(__name__)


def attach_folder(ls: DelegateServer, path: Path) -> FolderState | None:
    """Make ``path`` a known folder at once (settings, task records); None if not local."""
    session = ls.session
    if path in session.folders:
        return session.folders[path]
    if not path.is_dir():
        log.warning("ignoring workspace folder %s: not a local directory", path)
        return None
    settings, warnings = resolve_settings(session.init_options, session.client_settings, path)
    state = FolderState(path, path_to_uri(path), settings, FolderIndexer(path, settings.index))
    session.folders[path] = state
    show_new_warnings(ls, list(warnings))
    session.registry.load(path)
    return state


async def open_folder(ls: DelegateServer, state: FolderState) -> None:
    """Open the folder's index and start its first update in the background (once)."""
    if state.opened:
        return
    state.opened = True
    await asyncio.to_thread(sweep_dead_sandboxes, state.path)  # what a killed server left
    warning = await state.indexer.open()
    if warning:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=warning)
        )
    if state.settings.index.on_start and ls.session.folders.get(state.path) is state:
        in_background(ls, index_folder(ls, state))
    log.info("workspace folder added: %s", state.path)


async def add_folder(ls: DelegateServer, path: Path) -> FolderState | None:
    """Attach and open ``path``."""
    known = path in ls.session.folders
    state = attach_folder(ls, path)
    if state is not None and not known:
        if ls.session.initialized:  # the editor may have settings for this folder
            await fetch_client_settings(ls)
            apply_settings(ls)
        await open_folder(ls, state)
    return state


async def remove_folder(ls: DelegateServer, path: Path) -> None:
    state = ls.session.folders.pop(path, None)
    ls.session.folder_client_settings.pop(path, None)
    if state is None:
        return
    await state.indexer.close()
    ls.session.registry.forget_folder(path)
    log.info("workspace folder removed: %s", path)


def initial_folders(ls: DelegateServer) -> list[Path]:
    """The folders of ``initialize``: workspaceFolders, else rootUri/rootPath."""
    paths = [uri_to_path(f.uri) for f in ls.workspace.folders.values()]
    if not paths and ls.workspace.root_uri:
        paths = [uri_to_path(ls.workspace.root_uri)]
    return [p for p in paths if p is not None]


def register(server: DelegateServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_workspace_folders(
        ls: DelegateServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        for removed in params.event.removed:
            if (path := uri_to_path(removed.uri)) is not None:
                await remove_folder(ls, path)
        for added in params.event.added:
            if (path := uri_to_path(added.uri)) is not None:
                await add_folder(ls, path)
