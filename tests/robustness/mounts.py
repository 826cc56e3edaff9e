"""A tiny tmpfs over a folder's ``.delegate/``: full (ENOSPC) or read-only (EROFS) on demand.

Mounting needs root (CI and the development machines run as root); elsewhere the tests
that use it are skipped with that reason printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@contextmanager
def small_tmpfs(target: Path, size: str = "64k") -> Iterator[Path]:
    """Mount a tmpfs of ``size`` on ``target`` (its files are copied in first)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("simulating a full or read-only disk mounts a tmpfs: needs root and mount")
    saved = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    target.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(target))
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc.stderr.decode(errors='replace').strip()}")
    try:
        for rel, data in saved.items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_bytes(data)
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


def make_read_only(target: Path) -> None:
    _mount("-o", "remount,ro", str(target))


def fill(target: Path) -> None:
    """Write until the tmpfs has no space left."""
    fd = os.open(target / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
