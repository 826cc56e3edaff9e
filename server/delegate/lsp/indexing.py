"""Background indexing of a folder with a cancellable progress bar.

The first index of a large folder takes seconds to minutes, so it runs on the folder's
writer thread while the event loop keeps answering requests. Progress arrives from that
thread as ``(done, total)`` and is shown as "n/N files" with a percentage; cancelling the
progress in the editor sets the update's cancel event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from lsprotocol import types

from delegate.index.model import UpdateStats
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.progress import start_progress
from delegate.lsp.session import FolderState

log = logging.getLogger(__name__)


def summary(stats: UpdateStats) -> str:
    return (
        f"Indexed {stats.files_total} files, {stats.chunks_total} chunks in {stats.seconds:.1f} s"
    )


def progress_message(done: int, total: int) -> tuple[str, int]:
    percentage = 100 if total <= 0 else int(done * 100 / total)
    return f"{done}/{total} files", percentage


async def index_folder(
    ls: DelegateServer, state: FolderState, *, rebuild: bool = False
) -> UpdateStats | None:
    """Update (or rebuild) the folder's index while showing progress; None if it did not run."""
    indexer = state.indexer
    if indexer.index is None or indexer.read_only:
        return None
    progress = await start_progress(
        ls,
        f"Delegate: indexing {state.path.name}",
        message="Scanning files",
        on_cancel=indexer.cancel_update,
    )

    def on_progress(done: int, total: int) -> None:
        message, percentage = progress_message(done, total)
        progress.report(message, percentage)

    try:
        stats = await indexer.update(on_progress, rebuild=rebuild)
    except Exception as exc:
        log.exception("indexing %s failed", state.path)
        progress.end(f"Indexing failed: {exc}")
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"Delegate: indexing {state.path.name} failed: {exc}",
            )
        )
        return None
    if stats is None:
        progress.end("Indexing cancelled")
        log.info("indexing %s cancelled", state.path)
        return None
    progress.end(summary(stats))
    log.info("%s: %s", state.path.name, summary(stats))
    return stats


async def reopen_index(ls: DelegateServer, state: FolderState) -> None:
    """Open the folder's index anew after its location or embedder setting changed, then
    bring it up to date (when indexing on start is on) — no restart needed."""
    log.info("index settings of %s changed: opening its index again", state.path.name)
    warning = await state.indexer.reopen()
    if warning:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=warning)
        )
    if state.settings.index.on_start and ls.session.folders.get(state.path) is state:
        await index_folder(ls, state)


def in_background(ls: DelegateServer, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Run ``work`` without awaiting it, keeping a reference so it is not collected."""
    task = asyncio.get_running_loop().create_task(work)
    ls.session.background.add(task)
    task.add_done_callback(ls.session.background.discard)
    return task
