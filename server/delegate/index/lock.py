"""One writer per index: an exclusive ``flock`` on ``.delegate/index.lock`` holding the pid.

The lock belongs to the open file, so it disappears with the process however it dies —
no stale-lock clean-up is ever needed.  The pid written inside is only for the message
a second writer sees.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class IndexLocked(Exception):
    """Another process (or another open) is already writing this index."""


class WriterLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise IndexLocked(
                f"the index at {self.path.parent} is being written by another process "
                f"(pid {holder}); open it read-only to search it meanwhile"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
