"""One workspace folder's index behind an async face, with exactly one writer thread.

The index API is blocking (tree-sitter, embedders, LanceDB). Writes for a folder go through
a single-thread executor, so a full update, a saved file and a rename never interleave
(invariant: one writer per folder); searches are reads and run on the shared thread pool.
Nothing here touches the event loop's protocol objects, so it is usable without LSP.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from delegate.index.model import SearchHit, UpdateStats
from delegate.lsp.index_recovery import discard_local_index
from delegate.settings import IndexSettings

if TYPE_CHECKING:
    from delegate.index.workspace import WorkspaceIndex

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


def index_identity(settings: IndexSettings) -> tuple[str | None, str, str | None]:
    """The settings an open index is bound to: where it lives and what embeds it.

    The other index settings (include/exclude, size limit, workers) apply from the next
    update on; a change of these needs the index closed and opened anew.
    """
    return settings.uri, settings.embedder, settings.embedder_model


class IndexUnavailable(RuntimeError):
    """The folder has no usable index (the index package failed to load or open)."""


class FolderIndexer:
    """Owns one folder's index handle, its writer thread and the cancel flag of its update."""

    def __init__(self, folder: Path, settings: IndexSettings) -> None:
        self.folder = folder
        self.settings = settings
        self.index: WorkspaceIndex | None = None
        self.read_only = False
        self.error: str | None = None
        self.last_stats: UpdateStats | None = None
        self.updating = False
        self._cancel = threading.Event()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delegate-index")
        self._closed = False
        self._opened_as: tuple[str | None, str, str | None] | None = None

    async def _in_writer(self, fn: Callable[[], Any]) -> Any:
        if self._closed:
            raise IndexUnavailable("the index is closed")
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn)

    async def open(self) -> str | None:
        """Open the index; returns a warning for the user when it had to open read-only."""
        try:
            from delegate.index.workspace import IndexLocked
            from delegate.index.workspace import WorkspaceIndex as Opener
        except ImportError as exc:
            self.error = f"the index is not available: {exc}"
            log.warning("%s", self.error)
            return None

        self._opened_as = index_identity(self.settings)

        def open_index() -> tuple[WorkspaceIndex, str | None]:
            try:
                return Opener.open(self.folder, self.settings, read_only=False), None
            except IndexLocked as exc:
                index = Opener.open(self.folder, self.settings, read_only=True)
                return index, (
                    f"Delegate: another process is writing the index of {self.folder.name} "
                    f"({exc}); searching it read-only and not updating it."
                )

        try:
            opened: tuple[WorkspaceIndex, str | None] = await self._in_writer(open_index)
            self.index, warning = opened
        except Exception as exc:
            self.error = f"could not open the index of {self.folder}: {exc}"
            log.exception("could not open the index of %s", self.folder)
            return f"Delegate: {self.error}"
        self.read_only = warning is not None
        return warning

    @property
    def needs_reopen(self) -> bool:
        """True when the settings now name another index location or embedder."""
        return self._opened_as is not None and index_identity(self.settings) != self._opened_as

    async def reopen(self) -> str | None:
        """Close the index (stopping its update) and open it with the current settings."""
        await self._close_index()
        self.read_only, self.error, self.last_stats = False, None, None
        return await self.open()

    def _writable(self) -> WorkspaceIndex | None:
        return None if self.index is None or self.read_only else self.index

    async def update(
        self, progress: ProgressCallback | None = None, *, rebuild: bool = False
    ) -> UpdateStats | None:
        """Bring the whole folder up to date; None when cancelled or impossible."""
        index = self._writable()
        if index is None:
            return None
        self._cancel = cancel = threading.Event()
        # include/exclude/size limits apply from this update on; a new location or embedder
        # reopens the index first (see needs_reopen)
        index.settings = self.settings
        self.updating = True
        try:
            try:
                stats: UpdateStats = await self._in_writer(
                    lambda: index.update(progress=progress, cancel=cancel, rebuild=rebuild)
                )
            except Exception as exc:  # deleted or damaged under us: start again, once
                if cancel.is_set() or not discard_local_index(self.folder, self.settings, exc):
                    raise
                await self.reopen()
                self._cancel = cancel = threading.Event()  # reopen cancelled the old one
                fresh = self._writable()
                if fresh is None:
                    raise
                stats = await self._in_writer(
                    lambda: fresh.update(progress=progress, cancel=cancel, rebuild=True)
                )
        finally:
            self.updating = False
        if cancel.is_set():
            return None
        self.last_stats = stats
        return stats

    def cancel_update(self) -> None:
        self._cancel.set()

    async def update_files(
        self, rel_paths: Sequence[str], overrides: Mapping[str, str] | None = None
    ) -> None:
        index = self._writable()
        if index is None or not rel_paths:
            return
        await self._in_writer(lambda: index.update_files(list(rel_paths), overrides=overrides))

    async def rename_file(self, old: str, new: str) -> None:
        index = self._writable()
        if index is None:
            return
        await self._in_writer(lambda: index.rename_file(old, new))

    async def search(self, query: str, **filters: Any) -> list[SearchHit]:
        index = self.index
        if index is None:
            raise IndexUnavailable(self.error or f"{self.folder.name} is not indexed yet")
        return await asyncio.to_thread(lambda: index.search(query, **filters))

    async def close(self) -> None:
        """Stop the running update, wait for the writer, close the index."""
        if self._closed:
            return
        await self._close_index()
        self._closed = True
        self._writer.shutdown(wait=False)

    async def _close_index(self) -> None:
        """Stop the running update and close the index on the writer thread."""
        self.cancel_update()
        index, self.index = self.index, None
        if index is not None:
            try:
                await self._in_writer(index.close)
            except Exception:
                log.exception("closing the index of %s failed", self.folder)
