"""One writer per index: a second writer is refused with a clear message, in-process or not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from delegate.index.lock import IndexLocked, WriterLock


def test_second_open_is_refused_until_release(tmp_path: Path) -> None:
    path = tmp_path / "index.lock"
    first = WriterLock(path).acquire()
    with pytest.raises(IndexLocked, match=r"another process \(pid \d+\).*read-only"):
        WriterLock(path).acquire()
    first.release()
    with WriterLock(path) as again:
        assert again.held


def test_a_process_holding_the_lock_blocks_this_one(tmp_path: Path) -> None:
    path = tmp_path / "index.lock"
    code = (
        "import sys, time; from pathlib import Path; from delegate.index.lock import WriterLock;"
        f"WriterLock(Path({str(path)!r})).acquire(); print('held', flush=True); sys.stdin.read()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(IndexLocked, match=f"pid {child.pid}"):
            WriterLock(path).acquire()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    # the lock died with the process
    WriterLock(path).acquire().release()
