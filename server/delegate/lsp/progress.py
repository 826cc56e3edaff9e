"""Server-initiated, cancellable work-done progress that is safe to report from worker threads.

``window/workDoneProgress/create`` then ``$/progress`` begin/report/end. When the user
cancels the progress in the editor, pygls cancels the token's future and we call the
``on_cancel`` callback (which sets an index cancel event or cancels a task). Clients without
progress support get a handle whose methods do nothing, so callers never branch.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from lsprotocol import types

from delegate.lsp.capabilities import supports_work_done_progress

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)


class ProgressHandle:
    """One progress bar. ``report`` and ``end`` may be called from any thread."""

    def __init__(self, server: LanguageServer | None, token: str) -> None:
        self._server = server
        self.token = token
        self._loop = asyncio.get_running_loop()
        self._ended = False
        self._last_percentage = -1

    @property
    def active(self) -> bool:
        return self._server is not None and not self._ended

    def _call(self, fn: Callable[[], None]) -> None:
        if self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            fn()
        else:
            self._loop.call_soon_threadsafe(fn)

    def report(self, message: str, percentage: int | None = None, *, force: bool = False) -> None:
        """Report progress; repeated reports at the same percentage are dropped unless forced."""
        if not self.active:
            return
        if percentage is not None:
            percentage = max(0, min(100, percentage))
            if percentage == self._last_percentage and not force:
                return
            self._last_percentage = percentage
        value = types.WorkDoneProgressReport(message=message, percentage=percentage)
        self._call(lambda: self._send_report(value))

    def _send_report(self, value: types.WorkDoneProgressReport) -> None:
        if self.active and self._server is not None:
            self._server.work_done_progress.report(self.token, value)

    def end(self, message: str) -> None:
        if not self.active:
            return
        self._ended = True
        server = self._server

        def send() -> None:
            assert server is not None
            server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            server.work_done_progress.tokens.pop(self.token, None)

        self._call(send)


async def start_progress(
    server: LanguageServer,
    title: str,
    *,
    message: str = "",
    cancellable: bool = True,
    on_cancel: Callable[[], None] | None = None,
) -> ProgressHandle:
    """Create and begin a progress bar; a no-op handle when the client has no progress UI."""
    token = f"delegate-{uuid.uuid4().hex[:12]}"
    if not supports_work_done_progress(server.client_capabilities):
        return ProgressHandle(None, token)
    try:
        await server.work_done_progress.create_async(token)
    except Exception as exc:  # a client may refuse; the work goes on without a bar
        log.debug("client refused progress token: %s", exc)
        return ProgressHandle(None, token)
    server.work_done_progress.begin(
        token,
        types.WorkDoneProgressBegin(
            title=title, message=message or None, percentage=0, cancellable=cancellable
        ),
    )
    cancel_future: Future[None] | None = server.work_done_progress.tokens.get(token)
    if cancel_future is not None and on_cancel is not None:
        callback = on_cancel

        def cancelled(future: Future[None]) -> None:
            if future.cancelled():
                callback()

        cancel_future.add_done_callback(cancelled)
    return ProgressHandle(server, token)
