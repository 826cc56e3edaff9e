"""A client that goes away is an expected end, not an error.

Editors close the server's pipes as they quit, often before the answers to ``shutdown``
and the last log messages are written. pygls logs every such failed write as an error
with a traceback (and re-raises it into the callback that sent it), so one quitting
editor left several ``BrokenPipeError`` tracebacks in ``.delegate/logs/server.log``.
:class:`GuardedWriter` wraps the stdio writer instead: the first failed write is logged
as one line, and the messages after it are dropped quietly — there is no one to read them.
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)

# what writing to a pipe or socket whose reader has gone raises
GONE = (BrokenPipeError, ConnectionResetError, ValueError)  # ValueError: the file is closed


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class GuardedWriter:
    """pygls' writer interface over another writer that may lose its reader at any time."""

    def __init__(self, inner: Writer) -> None:
        self.inner = inner
        self.gone = False
        self.dropped = 0

    def write(self, data: bytes) -> None:
        if self.gone:
            self.dropped += 1
            return
        try:
            self.inner.write(data)
        except GONE as exc:
            self.gone = True
            self.dropped += 1
            log.info("the client closed the connection (%s); later messages are dropped", exc)

    def close(self) -> None:
        try:
            self.inner.close()
        except (OSError, ValueError):
            pass
