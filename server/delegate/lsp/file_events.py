"""Keep the index in step with the disk: saves, watched-file events, renames and deletes.

Editors report changes in bursts (a branch switch touches hundreds of files), so changed
paths are collected per folder and flushed once the burst is over. The flush goes through
the folder's writer thread, after any running update. Our own ``.delegate/`` directory and
VCS metadata are never re-indexed, or the index's writes would feed back into it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types

from delegate.lsp.capabilities import supports_watched_files_registration
from delegate.lsp.converters import relative_posix, uri_to_path
from delegate.lsp.indexing import in_background
from delegate.lsp.language_server import DelegateServer

log = logging.getLogger(__name__)

FLUSH_DELAY_SECONDS = 0.3
_NEVER_INDEXED = frozenset({".delegate", ".git", ".hg", ".svn"})


def is_own_or_vcs_path(rel_path: str) -> bool:
    return rel_path.split("/", 1)[0] in _NEVER_INDEXED


def queue_changed(ls: DelegateServer, path: Path) -> None:
    """Schedule a re-index of ``path`` (changed, created or deleted) in its folder."""
    state = ls.session.folder_for(path)
    if state is None:
        return
    rel = relative_posix(path, state.path)
    if is_own_or_vcs_path(rel):
        return
    batch = ls.session.pending_changes.setdefault(state.path, set())
    first = not batch
    batch.add(rel)
    if first:
        in_background(ls, _flush_later(ls, state.path))


async def _flush_later(ls: DelegateServer, folder: Path) -> None:
    await asyncio.sleep(FLUSH_DELAY_SECONDS)
    paths = sorted(ls.session.pending_changes.pop(folder, set()))
    state = ls.session.folders.get(folder)
    if state is None or not paths:
        return
    try:
        await state.indexer.update_files(paths)
        log.debug("re-indexed %d file(s) in %s", len(paths), folder.name)
    except Exception:
        log.exception("re-indexing %d file(s) in %s failed", len(paths), folder.name)


async def register_file_watchers(ls: DelegateServer) -> None:
    """Ask the client to watch every file, when it supports dynamic registration."""
    if not supports_watched_files_registration(ls.client_capabilities):
        return
    registration = types.Registration(
        id="delegate-watched-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
        ),
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(registrations=[registration])
        )
    except Exception as exc:
        log.warning("could not register file watchers: %s", exc)


_ALL_FILES = types.FileOperationRegistrationOptions(
    filters=[types.FileOperationFilter(pattern=types.FileOperationPattern(glob="**/*"))]
)


def register(server: DelegateServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: DelegateServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        for change in params.changes:
            if (path := uri_to_path(change.uri)) is not None:
                queue_changed(ls, path)

    @server.feature(types.WORKSPACE_DID_DELETE_FILES, _ALL_FILES)
    def did_delete_files(ls: DelegateServer, params: types.DeleteFilesParams) -> None:
        for deleted in params.files:
            if (path := uri_to_path(deleted.uri)) is not None:
                queue_changed(ls, path)

    @server.feature(types.WORKSPACE_DID_RENAME_FILES, _ALL_FILES)
    async def did_rename_files(ls: DelegateServer, params: types.RenameFilesParams) -> None:
        for renamed in params.files:
            old, new = uri_to_path(renamed.old_uri), uri_to_path(renamed.new_uri)
            if old is None or new is None:
                continue
            state = ls.session.folder_for(old)
            if state is not None and state is ls.session.folder_for(new):
                old_rel, new_rel = relative_posix(old, state.path), relative_posix(new, state.path)
                if not is_own_or_vcs_path(old_rel) and not is_own_or_vcs_path(new_rel):
                    try:
                        await state.indexer.rename_file(old_rel, new_rel)
                        continue
                    except Exception:
                        log.exception("rename %s → %s failed; re-indexing both", old, new)
            queue_changed(ls, old)
            queue_changed(ls, new)
