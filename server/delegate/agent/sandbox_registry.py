"""Which sandboxes are alive, so that those of a killed process are removed at the next start.

A sandbox is a directory (often in ``/dev/shm``) and, in a git repository, a ``git
worktree`` registered in the user's repository. :meth:`Sandbox.close` removes both, but a
process killed with SIGKILL (or by a power cut) never gets there. So every sandbox is
recorded before its directory exists, in ``.delegate/sandboxes/<name>.json`` of the
folder it copies (when that folder has a ``.delegate/``; the server and ``delegate run``
make it first) — the owner's pid and that process's start time (a reused pid is not the
owner), the directory and the worktree — and the record goes once the sandbox is gone.

:func:`sweep_dead_sandboxes` runs when a folder opens in ``delegate serve`` and when
``delegate run`` starts: each record whose process is gone has its worktree registration
and directory removed, with one log line each. Temp files of atomic writes that a killed
writer left (``.<name>.*.tmp`` older than a minute) go too.

A repository's files are data, never instructions: a record is acted on only when the
directory it names carries the marker file with the record's own token, so a planted
record cannot make the sweep delete anything else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from delegate.state_dir import STATE_DIR, atomic_write_text

log = logging.getLogger(__name__)

RECORDS = "sandboxes"
MARKER = ".delegate-sandbox"
PREFIX = "delegate-sbx-"
STALE_TMP_SECONDS = 60.0
_live: dict[Path, Path] = {}  # sandbox directory -> its record, for this process


@dataclass(frozen=True)
class SandboxRecord:
    pid: int
    started: int | None
    temp_dir: str
    token: str
    toplevel: str | None  # the repository the worktree is registered in
    worktree: str | None


def make_sandbox_dir(folder: Path, parent: str | None, toplevel: Path | None) -> Path:
    """Record a new sandbox of ``folder``, then create its directory (mode 0700) in
    ``parent`` (None: the system's temp directory). ``toplevel``: the repository its
    worktree (``<dir>/tree``) will be registered in."""
    base = Path(parent) if parent else Path(_tempdir())
    token = secrets.token_hex(8)
    temp_dir = base / f"{PREFIX}{token}"
    record = SandboxRecord(
        pid=os.getpid(),
        started=_start_time(os.getpid()),
        temp_dir=str(temp_dir),
        token=token,
        toplevel=str(toplevel) if toplevel else None,
        worktree=str(temp_dir / "tree") if toplevel else None,
    )
    path = _records_dir(folder) / f"{temp_dir.name}.json"
    if not path.parent.parent.is_dir():
        path = Path()  # no .delegate/ (a bare library call): the folder is not touched
    else:
        try:
            atomic_write_text(path, json.dumps(record.__dict__))
        except OSError as exc:  # a read-only .delegate: the sandbox works, unrecorded
            log.warning("cannot record the sandbox in %s (%s): a crash would leave it", path, exc)
            path = Path()
    temp_dir.mkdir(mode=0o700)
    (temp_dir / MARKER).write_text(token)
    if path != Path():
        _live[temp_dir] = path
    return temp_dir


def forget_sandbox(temp_dir: Path) -> None:
    """The sandbox at ``temp_dir`` is gone (or kept by the user's wish): drop its record."""
    record = _live.pop(temp_dir, None)
    if record is not None:
        with contextlib.suppress(OSError):
            record.unlink()


def remove_own_sandboxes() -> list[Path]:
    """Remove every sandbox this process still has (the server is ending)."""
    removed: list[Path] = []
    for temp_dir, record in list(_live.items()):
        try:
            data = SandboxRecord(**json.loads(record.read_text()))
        except (OSError, ValueError, TypeError):
            data = None
        if data is not None:
            _remove(data)
        else:
            shutil.rmtree(temp_dir, ignore_errors=True)
        forget_sandbox(temp_dir)
        removed.append(temp_dir)
    return removed


def sweep_dead_sandboxes(folder: Path) -> list[str]:
    """Remove what dead processes left for ``folder``; one line per thing removed."""
    done: list[str] = []
    records = _records_dir(folder)
    for path in sorted(records.glob("*.json")) if records.is_dir() else []:
        try:
            record = SandboxRecord(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            done.append(f"an unreadable sandbox record {path.name}")
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        if _owner_alive(record):
            continue
        if _ours(record):
            _remove(record)
            what = f"the sandbox {record.temp_dir} of process {record.pid}, which is gone"
            if record.worktree:
                what += f" (and its git worktree in {record.toplevel})"
            done.append(what)
        with contextlib.suppress(OSError):
            path.unlink()
    done.extend(_sweep_temp_files(folder / STATE_DIR))
    for line in done:
        log.warning("removed %s", line)
    return done


def _remove(record: SandboxRecord) -> None:
    if record.toplevel and record.worktree:
        for args in (
            ["worktree", "remove", "--force", "--force", record.worktree],
            ["worktree", "prune"],
        ):
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    ["git", "-c", "core.hooksPath=/dev/null", *args],
                    cwd=record.toplevel,
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
    shutil.rmtree(record.temp_dir, ignore_errors=True)


def _ours(record: SandboxRecord) -> bool:
    """Whether the record's directory is a sandbox this registry made with its token."""
    temp_dir = Path(record.temp_dir)
    if not temp_dir.name.startswith(PREFIX) or temp_dir.is_symlink():
        return False
    try:
        return (temp_dir / MARKER).read_text() == record.token
    except OSError:
        return False


def _owner_alive(record: SandboxRecord) -> bool:
    if record.pid == os.getpid():
        return Path(record.temp_dir) in _live
    try:
        os.kill(record.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = _start_time(record.pid)
    return started is None or record.started is None or started == record.started


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rfind(b")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _sweep_temp_files(root: Path) -> list[str]:
    """Temp files of atomic writes (``.<name>.<random>.tmp``) a killed writer left."""
    found: list[str] = []
    if not root.is_dir():
        return found
    cutoff = time.time() - STALE_TMP_SECONDS
    for directory, _dirs, files in os.walk(root):
        if Path(directory).name == "index":  # LanceDB's own files
            _dirs.clear()
            continue
        for name in files:
            if name.startswith(".") and name.endswith(".tmp"):
                path = Path(directory) / name
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        found.append(f"the half-written file {path}")
    return found


def _records_dir(folder: Path) -> Path:
    return folder / STATE_DIR / RECORDS


def _tempdir() -> str:
    import tempfile

    return tempfile.gettempdir()
